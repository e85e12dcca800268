// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "fake_cluster.h"
#include "ferry/server/call.h"
#include "ferry/server/service_server.h"
#include "ferry/v1/service.pb.h"

class QTimer;

namespace ferry::testing {

// One fake agent: it listens on loopback and speaks exactly the real protocol (the wire envelope
// of protocol/wire, then service.proto requests, responses and pushes) for one agent of a
// FakeCluster. The transport, handshake, tokens, roles and limits are ferry::server's
// ServiceServer; this class is its RequestHandler, answering from the FakeCluster. Tokens map to
// roles; an unknown token is refused in the HelloReply. Subscriptions get a PipelineStatusUpdate
// and MetricSamples every push interval (1 s by default) and events as they happen. TLS is on
// when a certificate and key are given, else it is plain TCP (tests).
//
// Test hooks: setSilent() makes it swallow requests (to test timeouts), dropConnections() closes
// every connection (to test reconnects).
//
// Does not own the cluster, which must outlive it. Lives in one thread; not thread safe.
class FakeAgentServer : public QObject, public ferry::server::RequestHandler {
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
    // Returns false with errorString() set when it cannot (also for unreadable TLS files).
    bool listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    quint16 port() const;
    QString errorString() const { return m_error; }

    int connectionCount() const { return m_server ? m_server->connectionCount() : 0; }
    int subscriptionCount() const { return static_cast<int>(m_subscriptions.size()); }
    std::uint64_t requestsServed() const { return m_requestsServed; }

    void setSilent(bool silent) { m_silent = silent; }
    void dropConnections();
    // Sends every subscription its pushes now (tests need not wait for the interval).
    void pushNow();

    void handle(std::shared_ptr<ferry::server::Call> call) override;

private:
    struct Watch {
        std::shared_ptr<ferry::server::Call> call;
        std::set<int> topics;
        std::vector<std::uint64_t> pipelines;
    };

    void onEvent(ferry::v1::Topic topic, const ferry::v1::Push& push);
    // The subscriptions open now (a push may end others: iterate over a copy).
    std::vector<Watch> watches() const;

    FakeCluster& m_cluster;
    Options m_options;
    std::unique_ptr<ferry::server::ServiceServer> m_server;
    QTimer* m_pushTimer = nullptr;
    QString m_error;
    bool m_silent = false;
    std::uint64_t m_requestsServed = 0;
    std::map<const ferry::server::Call*, Watch> m_subscriptions;
    std::vector<std::shared_ptr<ferry::server::Call>> m_swallowed;  // setSilent(true)
    std::shared_ptr<bool> m_alive;  // guards the cluster listener after destruction
};

}  // namespace ferry::testing
