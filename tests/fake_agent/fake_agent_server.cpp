// SPDX-License-Identifier: Apache-2.0
#include "fake_agent_server.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <set>
#include <utility>

namespace ferry::testing {

struct FakeAgentServer::Connection {
    QTcpSocket* socket = nullptr;
    ferry::wire::FrameReader reader;
    ferry::wire::FrameWriter writer;
    bool greeted = false;
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
    // Subscribe request id -> what it watches.
    struct Watch {
        std::set<int> topics;
        std::vector<std::uint64_t> pipelines;
    };
    std::map<std::uint64_t, Watch> subscriptions;
};

// Wraps accepted sockets in TLS when the server has a certificate.
class FakeAgentServer::Server : public QTcpServer {
public:
    Server(QObject* parent, QSslCertificate certificate, QSslKey key)
        : QTcpServer(parent), m_certificate(std::move(certificate)), m_key(std::move(key)) {}

protected:
    void incomingConnection(qintptr descriptor) override {
        if (m_certificate.isNull()) {
            QTcpServer::incomingConnection(descriptor);
            return;
        }
        auto* socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            return;
        }
        socket->setLocalCertificate(m_certificate);
        socket->setPrivateKey(m_key);
        socket->setPeerVerifyMode(QSslSocket::VerifyNone);
        socket->startServerEncryption();
        addPendingConnection(socket);
    }

private:
    QSslCertificate m_certificate;
    QSslKey m_key;
};

FakeAgentServer::FakeAgentServer(FakeCluster& cluster, Options options, QObject* parent)
    : QObject(parent),
      m_cluster(cluster),
      m_options(std::move(options)),
      m_pushTimer(new QTimer(this)),
      m_alive(std::make_shared<bool>(true)) {
    QSslCertificate certificate;
    QSslKey key;
    if (!m_options.certificateFile.isEmpty()) {
        QFile c(m_options.certificateFile);
        QFile k(m_options.keyFile);
        if (c.open(QIODevice::ReadOnly) && k.open(QIODevice::ReadOnly)) {
            certificate = QSslCertificate(c.readAll(), QSsl::Pem);
            key = QSslKey(k.readAll(), QSsl::Rsa, QSsl::Pem);
        }
    }
    m_server = new Server(this, certificate, key);
    connect(m_server, &QTcpServer::newConnection, this, [this] {
        while (auto* socket = m_server->nextPendingConnection()) {
            onNewConnection(socket);
        }
    });
    connect(m_pushTimer, &QTimer::timeout, this, &FakeAgentServer::pushNow);
    m_pushTimer->start(m_options.pushInterval);
    std::weak_ptr<bool> alive = m_alive;
    m_cluster.addListener([this, alive](ferry::v1::Topic topic, const ferry::v1::Push& push) {
        if (alive.lock()) {
            onEvent(topic, push);
        }
    });
}

FakeAgentServer::~FakeAgentServer() {
    m_alive.reset();
    for (auto& [socket, c] : m_connections) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
}

bool FakeAgentServer::listen(const QHostAddress& address, quint16 port) {
    if (!m_server->listen(address, port)) {
        return false;
    }
    m_cluster.setAgentAddress(m_options.agentId, address.toString().toStdString() + ":" +
                                                     std::to_string(m_server->serverPort()));
    return true;
}

quint16 FakeAgentServer::port() const {
    return m_server->serverPort();
}

QString FakeAgentServer::errorString() const {
    return m_server->errorString();
}

int FakeAgentServer::subscriptionCount() const {
    int n = 0;
    for (const auto& [socket, c] : m_connections) {
        n += static_cast<int>(c->subscriptions.size());
    }
    return n;
}

void FakeAgentServer::dropConnections() {
    std::vector<QTcpSocket*> sockets;
    for (const auto& [socket, c] : m_connections) {
        sockets.push_back(socket);
    }
    for (auto* socket : sockets) {
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
        m_connections.erase(socket);
    }
}

void FakeAgentServer::onNewConnection(QTcpSocket* socket) {
    auto c = std::make_unique<Connection>();
    c->socket = socket;
    Connection& ref = *c;
    m_connections.emplace(socket, std::move(c));
    connect(socket, &QTcpSocket::readyRead, this, [this, &ref] { onReadyRead(ref); });
    connect(socket, &QTcpSocket::disconnected, this, [this, socket] { remove(socket); });
}

void FakeAgentServer::remove(QTcpSocket* socket) {
    auto it = m_connections.find(socket);
    if (it == m_connections.end()) {
        return;
    }
    socket->disconnect(this);
    socket->deleteLater();
    m_connections.erase(it);
}

void FakeAgentServer::onReadyRead(Connection& c) {
    QTcpSocket* socket = c.socket;
    const QByteArray bytes = socket->readAll();
    const auto fed = c.reader.feed(std::string_view(bytes.constData(), bytes.size()));
    while (m_connections.count(socket) != 0) {
        auto message = c.reader.nextMessage();
        if (!message) {
            break;
        }
        handleMessage(c, std::move(*message));
    }
    if (m_connections.count(socket) != 0 && !fed.ok()) {
        closeWithError(c, c.reader.wireError());
    }
}

void FakeAgentServer::closeWithError(Connection& c, const ferry::v1::WireError& error) {
    send(c, 0, ferry::v1::FRAME_KIND_ERROR, error);
    c.socket->flush();
    QTcpSocket* socket = c.socket;
    socket->disconnectFromHost();
    remove(socket);
}

void FakeAgentServer::handleMessage(Connection& c, ferry::wire::WireMessage message) {
    if (!c.greeted) {
        if (message.kind != ferry::v1::FRAME_KIND_HELLO) {
            ferry::v1::WireError e;
            e.set_code(ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
            e.set_message("a frame before the Hello");
            e.set_hint("send a Hello first");
            closeWithError(c, e);
            return;
        }
        handleHello(c, message.payload);
        return;
    }
    switch (message.kind) {
        case ferry::v1::FRAME_KIND_REQUEST:
            handleRequest(c, message.requestId, message.payload);
            break;
        case ferry::v1::FRAME_KIND_CANCEL:
            c.subscriptions.erase(message.requestId);
            break;
        case ferry::v1::FRAME_KIND_PING:
            sendRaw(c, message.requestId, ferry::v1::FRAME_KIND_PONG, message.payload);
            break;
        case ferry::v1::FRAME_KIND_PONG:
            break;
        default: {
            ferry::v1::WireError e;
            e.set_code(ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
            e.set_message("unexpected frame kind " + std::to_string(message.kind));
            closeWithError(c, e);
        }
    }
}

void FakeAgentServer::handleHello(Connection& c, const std::string& payload) {
    ferry::v1::Hello hello;
    ferry::v1::HelloReply reply;
    if (!hello.ParseFromString(payload)) {
        ferry::v1::WireError e;
        e.set_code(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO);
        e.set_message("the Hello does not parse");
        closeWithError(c, e);
        return;
    }
    ferry::wire::LocalPeer self;
    self.kind = ferry::v1::PEER_KIND_AGENT;
    self.identity = m_options.agentId;
    self.cluster = m_cluster.clusterName();
    self.site = m_cluster.siteOfAgent(m_options.agentId);
    self.softwareVersion = "0.1.0-fake";
    self.acceptClientCertificates = false;
    auto session = ferry::wire::acceptHello(self, hello, &reply);
    if (session.ok()) {
        const auto token = m_options.tokens.find(hello.bearer_token());
        if (token == m_options.tokens.end()) {
            ferry::wire::refuseHello(reply, ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
                                     "agent " + m_options.agentId + " does not accept this token",
                                     "ask an admin for a valid token");
        } else {
            reply.set_granted_role(token->second);
            c.role = token->second;
            auto writer = ferry::wire::FrameWriter::create(session->sendLimits);
            if (writer.ok()) {
                c.writer = std::move(writer).value();
            }
        }
    }
    send(c, 0, ferry::v1::FRAME_KIND_HELLO_REPLY, reply);
    if (!reply.accepted()) {
        c.socket->flush();
        QTcpSocket* socket = c.socket;
        socket->disconnectFromHost();
        remove(socket);
        return;
    }
    c.greeted = true;
}

void FakeAgentServer::handleRequest(Connection& c, std::uint64_t id, const std::string& payload) {
    if (m_silent) {
        return;
    }
    ferry::v1::Request request;
    ferry::v1::Response response;
    if (!request.ParseFromString(payload)) {
        auto* e = response.mutable_error();
        e->set_code(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);
        e->set_message("request " + std::to_string(id) + " does not parse");
    } else {
        response = m_cluster.handle(request, c.role);
    }
    ++m_requestsServed;
    send(c, id, ferry::v1::FRAME_KIND_RESPONSE, response);
    if (request.has_subscribe() && !response.has_error()) {
        Connection::Watch watch;
        for (const int t : request.subscribe().topics()) {
            watch.topics.insert(t);
        }
        watch.pipelines.assign(request.subscribe().pipeline_ids().begin(),
                               request.subscribe().pipeline_ids().end());
        c.subscriptions[id] = std::move(watch);
    }
}

void FakeAgentServer::send(Connection& c, std::uint64_t id, ferry::v1::FrameKind kind,
                           const google::protobuf::MessageLite& message) {
    std::string payload;
    message.SerializeToString(&payload);
    sendRaw(c, id, kind, payload);
}

void FakeAgentServer::sendRaw(Connection& c, std::uint64_t id, ferry::v1::FrameKind kind,
                              const std::string& payload) {
    std::string out;
    if (c.writer.write(id, kind, payload, out).ok()) {
        c.socket->write(out.data(), static_cast<qint64>(out.size()));
    }
}

void FakeAgentServer::pushNow() {
    for (auto& [socket, c] : m_connections) {
        for (const auto& [id, watch] : c->subscriptions) {
            const auto statuses = m_cluster.statuses(watch.pipelines);
            if (watch.topics.count(ferry::v1::TOPIC_PIPELINE_STATUS) != 0) {
                ferry::v1::Push push;
                for (const auto& s : statuses) {
                    *push.mutable_pipeline_statuses()->add_statuses() = s;
                }
                send(*c, id, ferry::v1::FRAME_KIND_PUSH, push);
            }
            if (watch.topics.count(ferry::v1::TOPIC_METRICS) != 0) {
                ferry::v1::Push push;
                for (const auto& s : statuses) {
                    auto* sample = push.mutable_metrics()->add_samples();
                    sample->set_pipeline_id(s.pipeline_id());
                    sample->set_time_unix_ms(s.updated_unix_ms());
                    sample->set_lag_seconds(s.lag_seconds());
                    sample->set_rows_per_second(s.rows_per_second());
                    sample->set_bytes_per_second(s.bytes_per_second());
                }
                send(*c, id, ferry::v1::FRAME_KIND_PUSH, push);
            }
        }
    }
}

void FakeAgentServer::onEvent(ferry::v1::Topic topic, const ferry::v1::Push& push) {
    for (auto& [socket, c] : m_connections) {
        for (const auto& [id, watch] : c->subscriptions) {
            if (watch.topics.count(topic) != 0) {
                send(*c, id, ferry::v1::FRAME_KIND_PUSH, push);
            }
        }
    }
}

}  // namespace ferry::testing
