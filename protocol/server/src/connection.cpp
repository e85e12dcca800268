// SPDX-License-Identifier: Apache-2.0
#include "connection.h"

#include <QObject>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <utility>
#include <vector>

#include "ferry/server/service_server.h"
#include "ferry/wire/names.h"

namespace ferry::server::detail {

namespace {

// Qt buffers at most this much of a socket's input; the FrameReader bounds what it keeps.
constexpr qint64 kReadBufferSize = 256 * 1024;
constexpr qint64 kReadChunk = 64 * 1024;

ferry::v1::WireError wireError(ferry::v1::WireErrorCode code, std::string message,
                               std::string hint) {
    ferry::v1::WireError e;
    e.set_code(code);
    e.set_message(std::move(message));
    e.set_hint(std::move(hint));
    return e;
}

QString reasonOf(const ferry::v1::WireError& error) {
    std::string code = ferry::v1::WireErrorCode_Name(error.code());
    const std::string prefix = "WIRE_ERROR_CODE_";
    if (code.rfind(prefix, 0) == 0) {
        code = code.substr(prefix.size());
    }
    for (auto& c : code) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return QString::fromStdString(code + ": " + error.message());
}

QString addressOf(const QTcpSocket* socket) {
    const QString host = socket->peerAddress().toString();
    if (host.contains(QLatin1Char(':'))) {
        return QStringLiteral("[%1]:%2").arg(host).arg(socket->peerPort());
    }
    return QStringLiteral("%1:%2").arg(host).arg(socket->peerPort());
}

}  // namespace

Connection::Connection(ServiceServer& server, std::uint64_t id, QTcpSocket* socket,
                       ferry::wire::FrameReader reader)
    : m_server(server),
      m_id(id),
      m_socket(socket),
      m_context(new QObject()),
      m_reader(std::move(reader)) {
    m_peer.connectionId = id;
    m_peer.address = addressOf(socket);
}

Connection::~Connection() {
    if (m_context != nullptr) {
        m_context->deleteLater();
    }
}

QObject* Connection::eventContext() const {
    return &m_server;
}

void Connection::start() {
    const std::weak_ptr<Connection> weak = weak_from_this();
    QTcpSocket* socket = m_socket;
    socket->setReadBufferSize(kReadBufferSize);
    QObject::connect(socket, &QTcpSocket::readyRead, m_context, [weak] {
        if (auto self = weak.lock()) {
            self->onReadyRead();
        }
    });
    QObject::connect(socket, &QTcpSocket::disconnected, m_context, [weak] {
        if (auto self = weak.lock()) {
            self->onDisconnected();
        }
    });
    QObject::connect(socket, &QTcpSocket::bytesWritten, m_context, [weak] {
        if (auto self = weak.lock()) {
            self->onWritten();
        }
    });
    if (auto* ssl = qobject_cast<QSslSocket*>(socket)) {
        QObject::connect(ssl, &QSslSocket::encryptedBytesWritten, m_context, [weak] {
            if (auto self = weak.lock()) {
                self->onWritten();
            }
        });
    }
    const auto& options = m_server.m_options;
    m_handshakeTimer = new QTimer(m_context);
    m_handshakeTimer->setSingleShot(true);
    QObject::connect(m_handshakeTimer, &QTimer::timeout, m_context, [weak, options] {
        if (auto self = weak.lock(); self && !self->m_greeted) {
            self->closeWithError(wireError(
                ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE,
                "no Hello within " + std::to_string(options.handshakeTimeout.count()) + " ms",
                "send the Hello as soon as the connection is up"));
        }
    });
    m_handshakeTimer->start(options.handshakeTimeout);
    m_sinceReceived.start();
    if (options.idleTimeout.count() > 0) {
        m_idleTimer = new QTimer(m_context);
        m_idleTimer->setInterval(
            std::max<std::chrono::milliseconds::rep>(10, options.idleTimeout.count() / 4));
        QObject::connect(m_idleTimer, &QTimer::timeout, m_context, [weak] {
            if (auto self = weak.lock()) {
                self->onIdleTick();
            }
        });
    }
    // Bytes that arrived with the TLS handshake.
    if (socket->bytesAvailable() > 0) {
        QTimer::singleShot(0, m_context, [weak] {
            if (auto self = weak.lock()) {
                self->onReadyRead();
            }
        });
    }
}

std::uint64_t Connection::pendingBytes() const {
    QTcpSocket* socket = m_socket.data();
    if (m_closed || socket == nullptr) {
        return 0;
    }
    auto pending = static_cast<std::uint64_t>(std::max<qint64>(0, socket->bytesToWrite()));
    if (auto* ssl = qobject_cast<QSslSocket*>(socket)) {
        pending += static_cast<std::uint64_t>(std::max<qint64>(0, ssl->encryptedBytesToWrite()));
    }
    return pending;
}

Status Connection::send(std::uint64_t requestId, ferry::v1::FrameKind kind,
                        const google::protobuf::MessageLite& message) {
    std::string payload;
    if (!message.SerializeToString(&payload)) {
        return makeError(ErrorCode::Internal, "connection " + std::to_string(m_id) +
                                                  ": cannot serialise a " +
                                                  ferry::wire::frameKindName(kind));
    }
    return sendRaw(requestId, kind, payload);
}

Status Connection::sendRaw(std::uint64_t requestId, ferry::v1::FrameKind kind,
                           const std::string& payload) {
    if (m_closed || m_socket.isNull()) {
        return makeError(ErrorCode::Unavailable, "connection " + std::to_string(m_id) + " to " +
                                                     m_peer.address.toStdString() + " is closed");
    }
    const std::uint64_t pending = pendingBytes();
    if (pending > m_server.m_options.maxPendingWriteBytes) {
        auto self = shared_from_this();
        const std::string why = std::to_string(pending) + " bytes queued for " +
                                m_peer.address.toStdString() + ", over the bound of " +
                                std::to_string(m_server.m_options.maxPendingWriteBytes);
        shutdown(false, QString::fromStdString("slow reader: " + why));
        return makeError(ErrorCode::Unavailable, "connection closed as a slow reader: " + why +
                                                     "; the peer does not read what it asked for");
    }
    std::string out;
    FERRY_TRY(m_writer.write(requestId, kind, payload, out));
    const qint64 written = m_socket->write(out.data(), static_cast<qint64>(out.size()));
    if (written != static_cast<qint64>(out.size())) {
        auto self = shared_from_this();
        const QString why = QStringLiteral("write failed: ") + m_socket->errorString();
        shutdown(false, why);
        return makeError(ErrorCode::Unavailable, why.toStdString());
    }
    return okStatus();
}

void Connection::forgetCall(std::uint64_t requestId, const Call* call) {
    auto it = m_calls.find(requestId);
    if (it != m_calls.end() && it->second.get() == call) {
        m_calls.erase(it);
    }
}

void Connection::closeWithError(const ferry::v1::WireError& error) {
    if (m_closed) {
        return;
    }
    auto self = shared_from_this();
    std::string out;
    if (!m_socket.isNull() &&
        m_writer.writeMessage(0, ferry::v1::FRAME_KIND_ERROR, error, out).ok()) {
        m_socket->write(out.data(), static_cast<qint64>(out.size()));
    }
    shutdown(true, reasonOf(error));
}

void Connection::shutdown(bool linger, const QString& reason, bool synchronousCallbacks) {
    if (m_closed) {
        return;
    }
    auto self = shared_from_this();
    m_closed = true;
    if (m_handshakeTimer != nullptr) {
        m_handshakeTimer->stop();
    }
    if (m_idleTimer != nullptr) {
        m_idleTimer->stop();
    }
    if (QTcpSocket* socket = m_socket.data()) {
        QObject::disconnect(socket, nullptr, m_context, nullptr);
        m_socket.clear();
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        if (linger && socket->state() == QAbstractSocket::ConnectedState) {
            socket->disconnectFromHost();
            if (socket->state() != QAbstractSocket::UnconnectedState) {
                QTimer::singleShot(m_server.m_options.closeLinger, socket, [socket] {
                    socket->abort();
                    socket->deleteLater();
                });
            } else {
                socket->deleteLater();
            }
        } else {
            socket->abort();
            socket->deleteLater();
        }
    }
    std::vector<std::shared_ptr<Call>> calls;
    calls.reserve(m_calls.size());
    for (auto& [id, call] : m_calls) {
        call->detach();
        calls.push_back(std::move(call));
    }
    m_calls.clear();
    if (synchronousCallbacks) {
        for (const auto& call : calls) {
            call->end(CallEnd::ConnectionClosed);
        }
    } else if (!calls.empty()) {
        QMetaObject::invokeMethod(
            &m_server,
            [calls = std::move(calls)] {
                for (const auto& call : calls) {
                    call->end(CallEnd::ConnectionClosed);
                }
            },
            Qt::QueuedConnection);
    }
    m_server.removeConnection(m_id, reason);
}

void Connection::onReadyRead() {
    auto self = shared_from_this();
    while (!m_closed && !m_socket.isNull() && m_socket->isReadable() &&
           m_socket->bytesAvailable() > 0) {
        const QByteArray chunk = m_socket->read(kReadChunk);
        if (chunk.isEmpty()) {
            break;
        }
        m_sinceReceived.restart();
        m_pinged = false;
        const Status fed = m_reader.feed(
            std::string_view(chunk.constData(), static_cast<std::size_t>(chunk.size())));
        while (!m_closed) {
            auto message = m_reader.nextMessage();
            if (!message) {
                break;
            }
            handleMessage(std::move(*message));
        }
        if (!m_closed && !fed.ok()) {
            closeWithError(m_reader.wireError());
        }
    }
}

void Connection::onDisconnected() {
    auto self = shared_from_this();
    onReadyRead();
    if (m_closed) {
        return;
    }
    const Status finished = m_reader.finish();
    shutdown(false, finished.ok() ? QStringLiteral("closed by the peer")
                                  : QString::fromStdString("closed by the peer: " +
                                                           finished.error().message));
}

void Connection::onWritten() {
    if (m_closed) {
        return;
    }
    auto self = shared_from_this();
    const std::uint64_t pending = pendingBytes();
    std::vector<std::shared_ptr<Call>> calls;
    calls.reserve(m_calls.size());
    for (const auto& [id, call] : m_calls) {
        calls.push_back(call);
    }
    for (const auto& call : calls) {
        call->checkDrained(pending);
        if (m_closed) {
            return;
        }
    }
}

void Connection::onIdleTick() {
    if (m_closed || !m_greeted) {
        return;
    }
    auto self = shared_from_this();
    const auto idle = m_server.m_options.idleTimeout.count();
    const auto silent = m_sinceReceived.elapsed();
    if (silent >= idle) {
        closeWithError(wireError(ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE,
                                 "nothing received for " + std::to_string(silent) +
                                     " ms (idle timeout " + std::to_string(idle) + " ms)",
                                 "send a PING when there is nothing else to send"));
        return;
    }
    if (silent >= idle / 2 && !m_pinged) {
        m_pinged = true;
        (void)sendRaw(0, ferry::v1::FRAME_KIND_PING, {});
    }
}

void Connection::handleMessage(ferry::wire::WireMessage message) {
    using ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME;
    if (!m_greeted) {
        if (message.kind != ferry::v1::FRAME_KIND_HELLO) {
            closeWithError(wireError(WIRE_ERROR_CODE_UNEXPECTED_FRAME,
                                     "a " + ferry::wire::frameKindName(message.kind) +
                                         " frame at stream offset " +
                                         std::to_string(message.streamOffset) + " before the Hello",
                                     "send a Hello first"));
            return;
        }
        handleHello(message.payload);
        return;
    }
    switch (message.kind) {
        case ferry::v1::FRAME_KIND_REQUEST:
            handleRequest(message.requestId, message.payload);
            return;
        case ferry::v1::FRAME_KIND_CANCEL:
            endCall(message.requestId, CallEnd::Cancelled);
            return;
        case ferry::v1::FRAME_KIND_ERROR:
            if (message.requestId == 0) {
                ferry::v1::WireError error;
                const bool parsed = error.ParseFromString(message.payload);
                shutdown(false,
                         parsed ? QString::fromStdString("the peer closed with: " + error.message())
                                : QStringLiteral("the peer closed with an error"));
            } else {
                endCall(message.requestId, CallEnd::Cancelled);
            }
            return;
        case ferry::v1::FRAME_KIND_PING:
            (void)sendRaw(message.requestId, ferry::v1::FRAME_KIND_PONG, message.payload);
            return;
        case ferry::v1::FRAME_KIND_PONG:
            return;
        default:
            closeWithError(wireError(
                WIRE_ERROR_CODE_UNEXPECTED_FRAME,
                "a " + ferry::wire::frameKindName(message.kind) + " frame (request id " +
                    std::to_string(message.requestId) + ") at stream offset " +
                    std::to_string(message.streamOffset) + ", which a client may not send",
                "clients send hello, request, cancel, ping, pong and error "
                "frames only"));
    }
}

void Connection::refuse(ferry::v1::HelloReply& reply, ferry::v1::WireErrorCode code,
                        std::string message, std::string hint) {
    ferry::wire::refuseHello(reply, code, std::move(message), std::move(hint));
    std::string out;
    if (!m_socket.isNull() &&
        m_writer.writeMessage(0, ferry::v1::FRAME_KIND_HELLO_REPLY, reply, out).ok()) {
        m_socket->write(out.data(), static_cast<qint64>(out.size()));
    }
    shutdown(true, QStringLiteral("refused: ") + reasonOf(reply.error()));
}

void Connection::handleHello(const std::string& payload) {
    const auto& options = m_server.m_options;
    ferry::v1::Hello hello;
    if (!hello.ParseFromString(payload)) {
        closeWithError(wireError(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO,
                                 "the Hello (" + std::to_string(payload.size()) +
                                     " bytes) does not parse as a ferry.v1.Hello",
                                 "is the peer a Ferry program of a compatible version?"));
        return;
    }
    ferry::wire::LocalPeer self = options.self;
    self.acceptBearerTokens = options.authenticator != nullptr;
    self.acceptClientCertificates = options.tls.enabled() &&
                                    options.tls.clientCertificates != ClientCertificates::None &&
                                    static_cast<bool>(options.certificateRole);
    ferry::v1::HelloReply reply;
    auto session = ferry::wire::acceptHello(self, hello, &reply);
    if (!session.ok()) {
        std::string out;
        if (!m_socket.isNull() &&
            m_writer.writeMessage(0, ferry::v1::FRAME_KIND_HELLO_REPLY, reply, out).ok()) {
            m_socket->write(out.data(), static_cast<qint64>(out.size()));
        }
        shutdown(true, QStringLiteral("refused: ") + reasonOf(reply.error()));
        return;
    }

    PeerClaim claim;
    claim.kind = session->peerKind;
    claim.identity = session->peerIdentity;
    claim.site = session->peerSite;
    claim.address = m_peer.address;
    if (auto* ssl = qobject_cast<QSslSocket*>(m_socket.data())) {
        claim.certificate = ssl->peerCertificate();
    }

    Result<ferry::v1::Role> role = makeError(ErrorCode::PermissionDenied, "no credentials");
    const bool byCertificate = hello.has_client_certificate();
    if (byCertificate) {
        if (claim.certificate.isNull()) {
            refuse(reply, ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
                   "the Hello announces a client certificate, but the TLS session carries none",
                   "configure the client with a certificate signed by the cluster CA");
            return;
        }
        role = options.certificateRole(claim.certificate, claim);
    } else {
        role = options.authenticator->authenticate(hello.bearer_token(), claim);
    }
    if (!role.ok() || !ferry::v1::Role_IsValid(*role) || *role == ferry::v1::ROLE_UNSPECIFIED) {
        refuse(reply, ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
               role.ok() ? "the credentials grant no role on agent " + self.identity
                         : role.error().message,
               byCertificate ? "use a client certificate the cluster CA issued for a role"
                             : "ask an admin for a valid token");
        return;
    }
    auto writer = ferry::wire::FrameWriter::create(session->sendLimits);
    if (!writer.ok()) {
        closeWithError(
            wireError(ferry::v1::WIRE_ERROR_CODE_INTERNAL,
                      "cannot send with the negotiated limits: " + writer.error().message,
                      "report this as a bug"));
        return;
    }
    reply.set_granted_role(*role);
    session->role = *role;
    std::string out;
    if (!m_writer.writeMessage(0, ferry::v1::FRAME_KIND_HELLO_REPLY, reply, out).ok() ||
        m_socket.isNull()) {
        shutdown(false, QStringLiteral("cannot send the HelloReply"));
        return;
    }
    m_socket->write(out.data(), static_cast<qint64>(out.size()));
    m_writer = std::move(writer).value();
    m_greeted = true;
    m_handshakeTimer->stop();
    if (m_idleTimer != nullptr) {
        m_idleTimer->start();
    }
    m_peer.kind = session->peerKind;
    m_peer.identity = session->peerIdentity;
    m_peer.site = session->peerSite;
    m_peer.role = *role;
    m_peer.certificateAuthenticated = byCertificate;
    m_peer.certificate = claim.certificate;
    m_peer.session = std::move(session).value();
    emit m_server.peerAccepted(m_id, QString::fromStdString(m_peer.identity),
                               static_cast<int>(m_peer.role));
}

void Connection::handleRequest(std::uint64_t requestId, const std::string& payload) {
    const auto& options = m_server.m_options;
    if (requestId == 0) {
        closeWithError(wireError(ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME, "a request with id 0",
                                 "number requests from 1"));
        return;
    }
    if (m_calls.count(requestId) != 0) {
        closeWithError(wireError(
            ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME,
            "request id " + std::to_string(requestId) + " is reused while its call is still open",
            "give every request a new id"));
        return;
    }
    ferry::v1::Request request;
    if (!request.ParseFromString(payload)) {
        closeWithError(wireError(ferry::v1::WIRE_ERROR_CODE_MALFORMED_FRAME,
                                 "request " + std::to_string(requestId) + " (" +
                                     std::to_string(payload.size()) +
                                     " bytes) does not parse as a ferry.v1.Request",
                                 "is the peer a Ferry program of a compatible version?"));
        return;
    }
    const OperationPolicy* policy = findOperationPolicy(request.operation_case());
    if (policy == nullptr) {
        (void)send(requestId, ferry::v1::FRAME_KIND_ERROR,
                   wireError(ferry::v1::WIRE_ERROR_CODE_UNKNOWN_REQUEST,
                             "request " + std::to_string(requestId) +
                                 " carries no operation agent " + options.self.identity + " knows",
                             "upgrade the agent, or use a client of its version"));
        return;
    }
    if (const Status allowed = authorize(*policy, m_peer.kind, m_peer.role); !allowed.ok()) {
        ferry::v1::Response response;
        auto* error = response.mutable_error();
        error->set_code(ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED);
        error->set_message(allowed.error().message);
        error->set_hint(policy->agentsOnly ? "only agents of the cluster open replication streams"
                                           : "connect with a token or certificate for the " +
                                                 ferry::wire::roleName(policy->minRole) + " role");
        (void)send(requestId, ferry::v1::FRAME_KIND_RESPONSE, response);
        return;
    }
    if (static_cast<int>(m_calls.size()) >= options.maxCallsPerConnection) {
        ferry::v1::Response response;
        auto* error = response.mutable_error();
        error->set_code(ferry::v1::SERVICE_ERROR_CODE_UNAVAILABLE);
        error->set_message(std::to_string(m_calls.size()) +
                           " calls are open on this connection, the most it may have");
        error->set_hint("wait for answers, or cancel subscriptions no longer needed");
        (void)send(requestId, ferry::v1::FRAME_KIND_RESPONSE, response);
        return;
    }
    auto call =
        std::make_shared<Call>(weak_from_this(), m_peer, requestId, std::move(request), *policy);
    m_calls.emplace(requestId, call);
    m_server.m_handler.handle(std::move(call));
}

void Connection::endCall(std::uint64_t requestId, CallEnd reason) {
    auto it = m_calls.find(requestId);
    if (it == m_calls.end()) {
        return;  // already answered, or a cancel racing our answer
    }
    std::shared_ptr<Call> call = std::move(it->second);
    m_calls.erase(it);
    call->end(reason);
}

}  // namespace ferry::server::detail
