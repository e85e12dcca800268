// SPDX-License-Identifier: Apache-2.0
#include "ferry/server/service_server.h"

#include <QSslConfiguration>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <utility>
#include <vector>

#include "connection.h"
#include "ferry/wire/frame_writer.h"

namespace ferry::server {

namespace {

Status validate(const ServerOptions& options) {
    if (!options.tls.enabled() && !options.allowPlainTcp) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: no TLS certificate and key given, and plain TCP is not "
                         "allowed; configure a certificate (plain TCP is for tests and the local "
                         "playground only)");
    }
    if (options.tls.enabled() && options.tls.privateKey.isNull()) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: a TLS certificate without its private key");
    }
    if (options.tls.clientCertificates != ClientCertificates::None &&
        options.tls.clientCaCertificates.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: client certificates are requested but no client CA is "
                         "given; configure the cluster CA certificate");
    }
    if (options.self.identity.empty() || options.self.cluster.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: the server's identity and cluster must be set");
    }
    FERRY_TRY(options.self.limits.validate());
    if (options.handshakeTimeout.count() <= 0 || options.idleTimeout.count() < 0 ||
        options.closeLinger.count() < 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: handshakeTimeout must be positive, idleTimeout and "
                         "closeLinger not negative");
    }
    if (options.maxConnections <= 0 || options.maxCallsPerConnection <= 0 ||
        options.maxPendingWriteBytes == 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "service server: maxConnections, maxCallsPerConnection and "
                         "maxPendingWriteBytes must be positive");
    }
    return okStatus();
}

}  // namespace

ServiceServer::ServiceServer(ServerOptions options, RequestHandler& handler, QObject* parent)
    : QObject(parent), m_options(std::move(options)), m_handler(handler) {}

ServiceServer::~ServiceServer() {
    std::vector<std::shared_ptr<detail::Connection>> connections;
    for (const auto& [id, connection] : m_connections) {
        connections.push_back(connection);
    }
    for (const auto& connection : connections) {
        connection->shutdown(false, QStringLiteral("server stopped"), true);
    }
    m_connections.clear();
    delete m_listener;
    m_listener = nullptr;
}

Status ServiceServer::listen(const QHostAddress& address, quint16 port) {
    FERRY_TRY(validate(m_options));
    if (m_listener != nullptr && m_listener->isListening()) {
        return makeError(ErrorCode::InvalidArgument, "service server: already listening");
    }
    delete m_listener;
    m_listener = nullptr;
    if (m_options.tls.enabled()) {
        auto* ssl = new QSslServer(this);
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        tls.setLocalCertificate(m_options.tls.certificate);
        if (!m_options.tls.chain.isEmpty()) {
            QList<QSslCertificate> chain{m_options.tls.certificate};
            chain.append(m_options.tls.chain);
            tls.setLocalCertificateChain(chain);
        }
        tls.setPrivateKey(m_options.tls.privateKey);
        if (m_options.tls.clientCertificates == ClientCertificates::None) {
            tls.setPeerVerifyMode(QSslSocket::VerifyNone);
        } else {
            tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
            tls.setCaCertificates(m_options.tls.clientCaCertificates);
        }
        ssl->setSslConfiguration(tls);
        ssl->setHandshakeTimeout(static_cast<int>(m_options.handshakeTimeout.count()));
        if (m_options.tls.clientCertificates == ClientCertificates::Optional) {
            // A client without a certificate may still authenticate with a token; a certificate
            // that is presented must verify.
            connect(ssl, &QSslServer::sslErrors, this,
                    [](QSslSocket* socket, const QList<QSslError>& errors) {
                        for (const auto& e : errors) {
                            if (e.error() != QSslError::NoPeerCertificate) {
                                return;
                            }
                        }
                        socket->ignoreSslErrors(errors);
                    });
        }
        m_listener = ssl;
    } else {
        m_listener = new QTcpServer(this);
    }
    m_listener->setMaxPendingConnections(std::max(30, m_options.maxConnections));
    connect(m_listener, &QTcpServer::pendingConnectionAvailable, this,
            &ServiceServer::onNewConnection);
    if (!m_listener->listen(address, port)) {
        const std::string why = m_listener->errorString().toStdString();
        delete m_listener;
        m_listener = nullptr;
        return makeError(ErrorCode::Io, "service server: cannot listen on " +
                                            address.toString().toStdString() + ":" +
                                            std::to_string(port) + ": " + why +
                                            "; is another process using the port?");
    }
    return okStatus();
}

bool ServiceServer::isListening() const {
    return m_listener != nullptr && m_listener->isListening();
}

quint16 ServiceServer::port() const {
    return m_listener != nullptr ? m_listener->serverPort() : 0;
}

void ServiceServer::close() {
    if (m_listener != nullptr) {
        m_listener->close();
    }
    closeAllConnections(std::nullopt);
}

void ServiceServer::closeAllConnections(const std::optional<ferry::v1::WireError>& error) {
    std::vector<std::shared_ptr<detail::Connection>> connections;
    for (const auto& [id, connection] : m_connections) {
        connections.push_back(connection);
    }
    for (const auto& connection : connections) {
        if (error) {
            connection->closeWithError(*error);
        } else {
            connection->shutdown(false, QStringLiteral("closed by the server"));
        }
    }
}

std::size_t ServiceServer::openCallCount() const {
    std::size_t n = 0;
    for (const auto& [id, connection] : m_connections) {
        n += connection->openCalls();
    }
    return n;
}

std::vector<PeerInfo> ServiceServer::peers() const {
    std::vector<PeerInfo> out;
    for (const auto& [id, connection] : m_connections) {
        if (connection->greeted()) {
            out.push_back(connection->peer());
        }
    }
    return out;
}

void ServiceServer::onNewConnection() {
    while (m_listener != nullptr && m_listener->hasPendingConnections()) {
        QTcpSocket* socket = m_listener->nextPendingConnection();
        if (socket == nullptr) {
            break;
        }
        if (static_cast<int>(m_connections.size()) >= m_options.maxConnections) {
            ferry::v1::WireError error;
            error.set_code(ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE);
            error.set_message("agent " + m_options.self.identity + " serves " +
                              std::to_string(m_connections.size()) +
                              " connections, the most it accepts");
            error.set_hint("try another agent of the cluster, or later");
            std::string out;
            if (ferry::wire::FrameWriter()
                    .writeMessage(0, ferry::v1::FRAME_KIND_ERROR, error, out)
                    .ok()) {
                socket->write(out.data(), static_cast<qint64>(out.size()));
            }
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            socket->disconnectFromHost();
            QTimer::singleShot(m_options.closeLinger, socket, [socket] {
                socket->abort();
                socket->deleteLater();
            });
            continue;
        }
        auto reader = ferry::wire::FrameReader::create(m_options.self.limits);
        if (!reader.ok()) {
            socket->abort();
            socket->deleteLater();
            continue;
        }
        const std::uint64_t id = m_nextConnectionId++;
        auto connection =
            std::make_shared<detail::Connection>(*this, id, socket, std::move(reader).value());
        m_connections.emplace(id, connection);
        connection->start();
        emit connectionOpened(id, connection->peer().address);
    }
}

void ServiceServer::removeConnection(std::uint64_t id, const QString& reason) {
    if (m_connections.erase(id) != 0) {
        emit connectionClosed(id, reason);
    }
}

}  // namespace ferry::server
