// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QList>
#include <QMap>
#include <QObject>
#include <QString>
#include <QTcpServer>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "fake_cluster.h"
#include "ferry/v1/service.pb.h"
#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"
#include "ferry/wire/handshake.h"

class QTimer;
class QTcpSocket;

namespace ferry::testing {

// One fake agent: it listens on loopback and speaks exactly the real protocol (the wire envelope
// of protocol/wire, then service.proto requests, responses and pushes) for one agent of a
// FakeCluster. Tokens map to roles; an unknown token is refused in the HelloReply. Subscriptions
// get a PipelineStatusUpdate and MetricSamples every push interval (1 s by default) and events
// as they happen. TLS is on when a certificate and key are given, else it is plain TCP (tests).
//
// Test hooks: setSilent() makes it swallow requests (to test timeouts), dropConnections() closes
// every connection (to test reconnects).
//
// Does not own the cluster, which must outlive it. Lives in one thread; not thread safe.
class FakeAgentServer : public QObject {
    Q_OBJECT

public:
    struct Options {
        std::string agentId = "hz-agent1";
        QString certificateFile;  // PEM; with keyFile, the server speaks TLS
        QString keyFile;
        std::map<std::string, ferry::v1::Role> tokens = {
            {"admin-token", ferry::v1::ROLE_ADMIN},
            {"operator-token", ferry::v1::ROLE_OPERATOR},
            {"viewer-token", ferry::v1::ROLE_VIEWER}};
        std::chrono::milliseconds pushInterval{1000};
    };

    FakeAgentServer(FakeCluster& cluster, Options options, QObject* parent = nullptr);
    ~FakeAgentServer() override;

    // Listens on `address`:`port` (0: any free port) and records the address in the cluster.
    // Returns false with errorString() set when it cannot.
    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const;
    QString errorString() const;

    int connectionCount() const { return static_cast<int>(m_connections.size()); }
    int subscriptionCount() const;
    std::uint64_t requestsServed() const { return m_requestsServed; }

    void setSilent(bool silent) { m_silent = silent; }
    void dropConnections();
    // Sends every subscription its pushes now (tests need not wait for the interval).
    void pushNow();

private:
    struct Connection;
    class Server;

    void onNewConnection(QTcpSocket* socket);
    void onReadyRead(Connection& c);
    void handleMessage(Connection& c, ferry::wire::WireMessage message);
    void handleHello(Connection& c, const std::string& payload);
    void handleRequest(Connection& c, std::uint64_t id, const std::string& payload);
    void send(Connection& c, std::uint64_t id, ferry::v1::FrameKind kind,
              const google::protobuf::MessageLite& message);
    void sendRaw(Connection& c, std::uint64_t id, ferry::v1::FrameKind kind,
                 const std::string& payload);
    void closeWithError(Connection& c, const ferry::v1::WireError& error);
    void onEvent(ferry::v1::Topic topic, const ferry::v1::Push& push);
    void remove(QTcpSocket* socket);

    FakeCluster& m_cluster;
    Options m_options;
    Server* m_server = nullptr;
    QTimer* m_pushTimer = nullptr;
    bool m_silent = false;
    std::uint64_t m_requestsServed = 0;
    std::map<QTcpSocket*, std::unique_ptr<Connection>> m_connections;
    std::shared_ptr<bool> m_alive;  // guards the cluster listener after destruction
};

}  // namespace ferry::testing
