// SPDX-License-Identifier: Apache-2.0
// AgentClient against the in-process fake agent: handshake, roles, requests and errors,
// timeouts, pushes, reconnects with renewed subscriptions, failover to other agents, TLS with a
// CA file or a pinned fingerprint, and garbage from the peer.
#include <QCryptographicHash>
#include <QFile>
#include <QSslCertificate>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>

#include <memory>
#include <optional>

#include "fake_agent_server.h"
#include "ferry/client/agent_client.h"

using ferry::client::AgentClient;
using ferry::client::ConnectionState;
using ferry::client::Endpoint;
using ferry::testing::FakeAgentServer;
using ferry::testing::FakeCluster;

namespace {

const QString kTestData = QStringLiteral(FERRY_FAKE_AGENT_TESTDATA);

struct Harness {
    std::int64_t nowMs = 1'700'000'000'000;
    FakeCluster cluster{{2, "default"}, [this] { return nowMs; }};
    std::unique_ptr<FakeAgentServer> server;

    explicit Harness(bool tls = false) {
        FakeAgentServer::Options options;
        options.pushInterval = std::chrono::hours(1);  // tests push with pushNow()
        if (tls) {
            options.certificateFile = kTestData + QStringLiteral("/agent.crt");
            options.keyFile = kTestData + QStringLiteral("/agent.key");
        }
        server = std::make_unique<FakeAgentServer>(cluster, options);
        if (!server->listen()) {
            qFatal("fake agent cannot listen: %s", qPrintable(server->errorString()));
        }
    }

    Endpoint plainEndpoint(const QString& token = QStringLiteral("admin-token")) const {
        Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = server->port();
        e.plainTcp = true;
        e.token = token;
        e.user = QStringLiteral("tester");
        return e;
    }
};

// Captures one response.
struct Capture {
    std::optional<ferry::Result<ferry::v1::Response>> result;
    AgentClient::ResponseHandler handler() {
        return [this](ferry::Result<ferry::v1::Response> r) { result.emplace(std::move(r)); };
    }
};

ferry::v1::Request listSites() {
    ferry::v1::Request r;
    r.mutable_list_sites();
    return r;
}

void fastClient(AgentClient& client) {
    client.setBackoff({std::chrono::milliseconds(20), std::chrono::milliseconds(100)});
    client.setConnectTimeout(std::chrono::milliseconds(5000));
}

}  // namespace

class TestAgentClient : public QObject {
    Q_OBJECT

private slots:
    void endpointValidation_data() {
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<bool>("plain");
        QTest::addColumn<QString>("caFile");
        QTest::addColumn<int>("pinSize");
        QTest::addColumn<QString>("error");  // empty: valid
        const QString ca = kTestData + QStringLiteral("/ca.crt");
        QTest::newRow("plain") << "h" << 1 << true << "" << 0 << "";
        QTest::newRow("ca") << "h" << 1 << false << ca << 0 << "";
        QTest::newRow("pin") << "h" << 1 << false << "" << 32 << "";
        QTest::newRow("no host") << "" << 1 << true << "" << 0 << "host is empty";
        QTest::newRow("no port") << "h" << 0 << true << "" << 0 << "port is 0";
        QTest::newRow("no trust") << "h" << 1 << false << "" << 0 << "no way to trust";
        QTest::newRow("plain and ca") << "h" << 1 << true << ca << 0 << "choose TLS or plain";
        QTest::newRow("short pin") << "h" << 1 << false << "" << 20 << "SHA-256 has 32";
        QTest::newRow("missing ca")
            << "h" << 1 << false << "/nonexistent/ca.crt" << 0 << "not readable";
    }
    void endpointValidation() {
        QFETCH(QString, host);
        QFETCH(int, port);
        QFETCH(bool, plain);
        QFETCH(QString, caFile);
        QFETCH(int, pinSize);
        QFETCH(QString, error);
        Endpoint e;
        e.host = host;
        e.port = static_cast<quint16>(port);
        e.plainTcp = plain;
        e.caFile = caFile;
        e.pinnedSha256 = QByteArray(pinSize, 'x');
        const auto status = e.validate();
        QCOMPARE(status.ok(), error.isEmpty());
        if (!status.ok()) {
            QVERIFY2(QString::fromStdString(status.error().message).contains(error),
                     status.error().message.c_str());
        }
    }

    void fingerprints_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        const QString hex =
            QStringLiteral("3AABAEEF0BC4E36ADC85F729C812A8E4C1D7F351DBF343C8B1EB48A0320CEF0D");
        QTest::newRow("hex") << hex << true;
        QTest::newRow("lower with prefix") << "sha256:" + hex.toLower() << true;
        QTest::newRow("colons") << QStringLiteral(
                                       "3A:AB:AE:EF:0B:C4:E3:6A:DC:85:F7:29:C8:12:A8:E4:C1:D7:F3:"
                                       "51:DB:F3:43:C8:B1:EB:48:A0:32:"
                                       "0C:EF:0D")
                                << true;
        QTest::newRow("short") << hex.left(62) << false;
        QTest::newRow("not hex") << hex.left(63) + QLatin1Char('g') << false;
        QTest::newRow("empty") << QString() << false;
    }
    void fingerprints() {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        const auto parsed = ferry::client::parseFingerprint(text);
        QCOMPARE(parsed.ok(), valid);
        if (valid) {
            QCOMPARE(ferry::client::formatFingerprint(*parsed).left(5), QStringLiteral("3A:AB"));
        }
    }

    void addresses_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("name") << "hz-agent1:7450"
                              << "hz-agent1" << 7450;
        QTest::newRow("v6") << "[::1]:7450"
                            << "::1" << 7450;
        QTest::newRow("no port") << "hz-agent1"
                                 << "" << 0;
        QTest::newRow("bad port") << "h:70000"
                                  << "" << 0;
        QTest::newRow("bare v6") << "::1:7450"
                                 << "" << 0;
    }
    void addresses() {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        const auto parsed = ferry::client::parseAddress(text);
        QCOMPARE(parsed.ok(), port != 0);
        if (parsed.ok()) {
            QCOMPARE(parsed->first, host);
            QCOMPARE(int(parsed->second), port);
        }
    }

    void handshakeAndRequest() {
        Harness h;
        AgentClient client;
        QSignalSpy connected(&client, &AgentClient::connected);
        QVERIFY(client.setEndpoint(h.plainEndpoint()).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 10000);
        QCOMPARE(connected.count(), 1);
        QCOMPARE(client.session().role, ferry::v1::ROLE_ADMIN);
        QCOMPARE(client.session().peerIdentity, std::string("hz-agent1"));
        QVERIFY(client.statusText().contains(QStringLiteral("hz-agent1")));

        Capture answer;
        QVERIFY(client.send(listSites(), answer.handler()) != 0);
        QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
        QVERIFY(answer.result->ok());
        QCOMPARE((*answer.result)->list_sites().sites_size(), 2);
        QCOMPARE(client.pendingRequests(), std::size_t{0});
    }

    void refusals_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("cluster");
        QTest::addColumn<QString>("expected");
        QTest::newRow("bad token") << "nope"
                                   << "default"
                                   << "does not accept this token";
        QTest::newRow("no token") << ""
                                  << "default"
                                  << "bearer token";
        QTest::newRow("other cluster") << "admin-token"
                                       << "prod"
                                       << "cluster";
    }
    void refusals() {
        QFETCH(QString, token);
        QFETCH(QString, cluster);
        QFETCH(QString, expected);
        Harness h;
        AgentClient client;
        fastClient(client);
        auto e = h.plainEndpoint(token);
        e.cluster = cluster;
        QVERIFY(client.setEndpoint(e).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Refused, 10000);
        QVERIFY2(client.statusText().contains(expected), qPrintable(client.statusText()));
        QTRY_COMPARE_WITH_TIMEOUT(h.server->connectionCount(), 0, 10000);
        Capture answer;
        QCOMPARE(client.send(listSites(), answer.handler()), std::uint64_t{0});
        QVERIFY(!answer.result.has_value());  // never from inside send()
        QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
        QCOMPARE(answer.result->error().code, ferry::ErrorCode::Unavailable);
    }

    void serviceErrors_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("text");
        QTest::newRow("stale version")
            << "admin-token" << 7 << int(ferry::ErrorCode::Conflict) << "reload it";
        QTest::newRow("viewer writes")
            << "viewer-token" << 1 << int(ferry::ErrorCode::PermissionDenied) << "admin";
        QTest::newRow("right version") << "admin-token" << 1 << -1 << "";
    }
    void serviceErrors() {
        QFETCH(QString, token);
        QFETCH(int, version);
        QFETCH(int, code);
        QFETCH(QString, text);
        Harness h;
        AgentClient client;
        QVERIFY(client.setEndpoint(h.plainEndpoint(token)).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 10000);
        ferry::v1::Request put;
        auto* o = put.mutable_put_config()->mutable_object();
        o->set_version(static_cast<std::uint64_t>(version));
        o->mutable_data_source()->set_id("hz-db");
        o->mutable_data_source()->set_site("hz");
        Capture answer;
        client.send(put, answer.handler());
        QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
        if (code < 0) {
            QVERIFY(answer.result->ok());
            QCOMPARE((*answer.result)->put_config().object().version(), std::uint64_t{2});
            return;
        }
        QVERIFY(!answer.result->ok());
        QCOMPARE(int(answer.result->error().code), code);
        QVERIFY2(QString::fromStdString(answer.result->error().message).contains(text),
                 answer.result->error().message.c_str());
    }

    void emptyRequestFailsLater() {
        AgentClient client;
        Capture answer;
        QCOMPARE(client.send(ferry::v1::Request(), answer.handler()), std::uint64_t{0});
        QVERIFY(!answer.result.has_value());
        QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
        QCOMPARE(answer.result->error().code, ferry::ErrorCode::InvalidArgument);
    }

    void timeout() {
        Harness h;
        AgentClient client;
        QVERIFY(client.setEndpoint(h.plainEndpoint()).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 10000);
        h.server->setSilent(true);
        Capture answer;
        client.send(listSites(), answer.handler(), std::chrono::milliseconds(50));
        QCOMPARE(client.pendingRequests(), std::size_t{1});
        QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
        QCOMPARE(answer.result->error().code, ferry::ErrorCode::Unavailable);
        QVERIFY(QString::fromStdString(answer.result->error().message).contains("no answer"));
        QCOMPARE(client.pendingRequests(), std::size_t{0});
        QCOMPARE(client.state(), ConnectionState::Connected);
    }

    void pushesAndReconnect() {
        Harness h;
        AgentClient client;
        fastClient(client);
        QVERIFY(client.setEndpoint(h.plainEndpoint()).ok());
        int answers = 0;
        std::vector<ferry::v1::PipelineStatus> last;
        int unrelated = 0;
        ferry::v1::SubscribeRequest sub;
        sub.add_topics(ferry::v1::TOPIC_PIPELINE_STATUS);
        sub.add_topics(ferry::v1::TOPIC_EVENTS);
        client.subscribe(
            sub,
            [&](const ferry::v1::Push& push) {
                if (push.has_pipeline_statuses()) {
                    last.assign(push.pipeline_statuses().statuses().begin(),
                                push.pipeline_statuses().statuses().end());
                } else {
                    ++unrelated;
                }
            },
            [&](ferry::Result<ferry::v1::Response> r) {
                answers += r.ok() && r->subscribe().statuses_size() == 2;
            });
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(answers, 1, 10000);
        QCOMPARE(h.server->subscriptionCount(), 1);

        h.nowMs += 3000;
        h.server->pushNow();
        QTRY_COMPARE_WITH_TIMEOUT(last.size(), std::size_t{2}, 10000);
        QCOMPARE(last[0].lag_seconds(), FakeCluster::runningLag(1, h.nowMs));

        // An event (pause logs one) reaches the same subscription.
        ferry::v1::Request pause;
        pause.mutable_pipeline_action()->set_pipeline_id(1);
        pause.mutable_pipeline_action()->set_action(ferry::v1::PIPELINE_ACTION_PAUSE);
        Capture paused;
        client.send(pause, paused.handler());
        QTRY_VERIFY_WITH_TIMEOUT(paused.result.has_value(), 10000);
        QVERIFY(paused.result->ok());
        QTRY_COMPARE_WITH_TIMEOUT(unrelated, 1, 10000);

        // The agent drops us: a pending request fails, the client comes back and renews.
        h.server->setSilent(true);
        Capture lost;
        client.send(listSites(), lost.handler());
        QSignalSpy states(&client, &AgentClient::stateChanged);
        h.server->dropConnections();
        QTRY_VERIFY_WITH_TIMEOUT(lost.result.has_value(), 10000);
        QCOMPARE(lost.result->error().code, ferry::ErrorCode::Unavailable);
        h.server->setSilent(false);
        QTRY_COMPARE_WITH_TIMEOUT(answers, 2, 10000);
        QCOMPARE(client.state(), ConnectionState::Connected);
        QVERIFY(states.count() >= 2);
        QCOMPARE(h.server->subscriptionCount(), 1);
        last.clear();
        h.server->pushNow();
        QTRY_COMPARE_WITH_TIMEOUT(last.size(), std::size_t{2}, 10000);
        QCOMPARE(last[0].state(), ferry::v1::PIPELINE_STATE_PAUSED);
    }

    void unsubscribeStopsPushes() {
        Harness h;
        AgentClient client;
        QVERIFY(client.setEndpoint(h.plainEndpoint()).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 10000);
        ferry::v1::SubscribeRequest sub;
        sub.add_topics(ferry::v1::TOPIC_METRICS);
        const auto handle = client.subscribe(sub, [](const ferry::v1::Push&) {});
        QTRY_COMPARE_WITH_TIMEOUT(h.server->subscriptionCount(), 1, 10000);
        client.unsubscribe(handle);
        QTRY_COMPARE_WITH_TIMEOUT(h.server->subscriptionCount(), 0, 10000);
    }

    void failsOverToAnotherAgent() {
        Harness h;
        // A port that refuses: listen, note the port, close.
        QTcpServer dead;
        QVERIFY(dead.listen(QHostAddress::LocalHost));
        const quint16 deadPort = dead.serverPort();
        dead.close();
        AgentClient client;
        fastClient(client);
        auto e = h.plainEndpoint();
        e.port = deadPort;
        QVERIFY(client.setEndpoint(e).ok());
        client.setAlternateAddresses({{QStringLiteral("127.0.0.1"), h.server->port()}});
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Connected, 10000);
        QVERIFY(client.currentAddress().endsWith(QString::number(h.server->port())));
    }

    void tls_data() {
        QTest::addColumn<bool>("useCa");
        QTest::addColumn<QString>("pin");  // "good", "bad" or empty
        QTest::addColumn<int>("expected");
        QTest::newRow("ca file") << true << "" << int(ConnectionState::Connected);
        QTest::newRow("pinned") << false << "good" << int(ConnectionState::Connected);
        QTest::newRow("ca and pin") << true << "good" << int(ConnectionState::Connected);
        QTest::newRow("wrong pin") << false << "bad" << int(ConnectionState::Refused);
        QTest::newRow("ca and wrong pin") << true << "bad" << int(ConnectionState::Refused);
    }
    void tls() {
        QFETCH(bool, useCa);
        QFETCH(QString, pin);
        QFETCH(int, expected);
        Harness h(true);
        QFile certFile(kTestData + QStringLiteral("/agent.crt"));
        QVERIFY(certFile.open(QIODevice::ReadOnly));
        const QSslCertificate cert(certFile.readAll(), QSsl::Pem);
        Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = h.server->port();
        e.token = QStringLiteral("operator-token");
        if (useCa) {
            e.caFile = kTestData + QStringLiteral("/ca.crt");
        }
        if (pin == QLatin1String("good")) {
            e.pinnedSha256 = cert.digest(QCryptographicHash::Sha256);
        } else if (pin == QLatin1String("bad")) {
            e.pinnedSha256 = QByteArray(32, '\x01');
        }
        AgentClient client;
        fastClient(client);
        QVERIFY(client.setEndpoint(e).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(int(client.state()), expected, 10000);
        if (expected == int(ConnectionState::Connected)) {
            QCOMPARE(client.session().role, ferry::v1::ROLE_OPERATOR);
            Capture answer;
            client.send(listSites(), answer.handler());
            QTRY_VERIFY_WITH_TIMEOUT(answer.result.has_value(), 10000);
            QVERIFY(answer.result->ok());
        } else {
            QVERIFY2(client.statusText().contains(QStringLiteral("fingerprint")),
                     qPrintable(client.statusText()));
        }
    }

    void untrustedCertificateIsNotAccepted() {
        Harness h(true);
        Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = h.server->port();
        e.token = QStringLiteral("admin-token");
        e.caFile = kTestData + QStringLiteral("/agent.crt");  // not the CA that signed it
        AgentClient client;
        fastClient(client);
        QVERIFY(client.setEndpoint(e).ok());
        QSignalSpy states(&client, &AgentClient::stateChanged);
        client.open();
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto& args : states) {
                    if (args.at(0).value<ConnectionState>() == ConnectionState::Error) {
                        return true;
                    }
                }
                return false;
            }(),
            10000);
        QVERIFY(client.state() != ConnectionState::Connected);
        client.close();
        QCOMPARE(client.state(), ConnectionState::Disconnected);
    }

    void garbageFromThePeer() {
        QTcpServer garbage;
        QVERIFY(garbage.listen(QHostAddress::LocalHost));
        connect(&garbage, &QTcpServer::newConnection, this, [&garbage] {
            auto* s = garbage.nextPendingConnection();
            s->write(QByteArray("\xff\xff\xff\xff\xff\xff", 6));  // a malformed length prefix
        });
        Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = garbage.serverPort();
        e.plainTcp = true;
        AgentClient client;
        client.setBackoff({std::chrono::milliseconds(5000), std::chrono::milliseconds(5000)});
        QVERIFY(client.setEndpoint(e).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ConnectionState::Error, 10000);
        QVERIFY2(client.statusText().contains(QStringLiteral("bad frame")),
                 qPrintable(client.statusText()));
        QVERIFY(client.statusText().contains(QStringLiteral("retrying")));
    }
};

QTEST_GUILESS_MAIN(TestAgentClient)
#include "tst_agent_client.moc"
