// SPDX-License-Identifier: Apache-2.0
// ServiceServer against hand-made clients (RawClient) and the real AgentClient: tokens and roles,
// refusals, the operation table, connection faults that close one connection only, handshake and
// idle timeouts, streaming calls with backpressure, cancels, slow readers, TLS and mutual TLS.
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>
#include <utility>
#include <vector>

#include "ferry/client/agent_client.h"
#include "ferry/server/service_server.h"
#include "raw_client.h"

using ferry::server::Call;
using ferry::server::CallEnd;
using ferry::server::ServerOptions;
using ferry::server::ServiceServer;
using ferry::server::testing::RawClient;
using ferry::server::testing::waitUntil;

namespace {

constexpr std::uint32_t kSmallFrame = 4096;

// Records every call; answers each with the empty result of its operation unless told not to.
class TestHandler : public ferry::server::RequestHandler {
public:
    void handle(std::shared_ptr<Call> call) override {
        calls.push_back(call);
        call->onEnded([this, id = call->requestId()](CallEnd end) { ended.emplace_back(id, end); });
        if (!answer) {
            return;
        }
        ferry::v1::Response response;
        const auto* field =
            ferry::v1::Response::descriptor()->FindFieldByName(std::string(call->policy().name));
        if (field != nullptr) {
            response.GetReflection()->MutableMessage(&response, field);
        }
        respondStatus = call->respond(response);
    }

    bool endedWith(std::uint64_t id, CallEnd end) const {
        for (const auto& [i, e] : ended) {
            if (i == id && e == end) {
                return true;
            }
        }
        return false;
    }

    bool answer = true;
    ferry::Status respondStatus;
    std::vector<std::shared_ptr<Call>> calls;
    std::vector<std::pair<std::uint64_t, CallEnd>> ended;
};

struct Fixture {
    TestHandler handler;  // outlives the server
    std::unique_ptr<ServiceServer> server;
    ferry::Status listening;

    explicit Fixture(const std::function<void(ServerOptions&)>& tweak = {}) {
        ServerOptions o;
        o.self.kind = ferry::v1::PEER_KIND_AGENT;
        o.self.identity = "hz-agent1";
        o.self.cluster = "test";
        o.self.site = "hz";
        o.self.softwareVersion = "test";
        o.allowPlainTcp = true;
        auto tokens = std::make_shared<ferry::server::TokenTable>();
        tokens->add("admin-token", ferry::v1::ROLE_ADMIN);
        tokens->add("operator-token", ferry::v1::ROLE_OPERATOR);
        tokens->add("viewer-token", ferry::v1::ROLE_VIEWER);
        tokens->add("agent-token", ferry::v1::ROLE_ADMIN, ferry::v1::PEER_KIND_AGENT);
        o.authenticator = tokens;
        if (tweak) {
            tweak(o);
        }
        server = std::make_unique<ServiceServer>(std::move(o), handler);
        listening = server->listen();
    }
};

ferry::v1::Request requestOf(const std::string& operation) {
    ferry::v1::Request r;
    const auto* field = ferry::v1::Request::descriptor()->FindFieldByName(operation);
    if (field != nullptr) {
        r.GetReflection()->MutableMessage(&r, field);
    }
    return r;
}

std::string delimited(const std::string& frameBytes) {
    std::string out;
    std::uint32_t n = static_cast<std::uint32_t>(frameBytes.size());
    while (n >= 0x80) {
        out.push_back(static_cast<char>((n & 0x7f) | 0x80));
        n >>= 7;
    }
    out.push_back(static_cast<char>(n));
    return out + frameBytes;
}

std::string frameBytes(std::uint64_t id, int kind, std::uint32_t index, bool more,
                       const std::string& payload) {
    ferry::v1::Frame frame;
    frame.set_request_id(id);
    frame.set_kind(static_cast<ferry::v1::FrameKind>(kind));
    frame.set_fragment_index(index);
    frame.set_more_fragments(more);
    frame.set_payload(payload);
    return delimited(frame.SerializeAsString());
}

bool runOpenssl(const QString& dir, const QStringList& args) {
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral("openssl"), args);
    if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        qWarning("openssl %s: %s", qPrintable(args.join(QLatin1Char(' '))),
                 p.readAllStandardError().constData());
        return false;
    }
    return true;
}

QSslCertificate readCertificate(const QString& path) {
    const auto list = QSslCertificate::fromPath(path, QSsl::Pem);
    return list.isEmpty() ? QSslCertificate() : list.front();
}

QSslKey readKey(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        return {};
    }
    return QSslKey(f.readAll(), QSsl::Rsa, QSsl::Pem);
}

}  // namespace

Q_DECLARE_METATYPE(ferry::v1::WireErrorCode)

class TestServiceServer : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    bool m_haveCerts = false;

    QString path(const char* name) const { return m_dir.filePath(QString::fromLatin1(name)); }

    // A key and a certificate for `cn`, signed by `ca` ("ca" or "rogue").
    bool issue(const QString& name, const QString& cn, const QString& ca, const QString& ext) {
        const QString extFile = name + QStringLiteral(".ext");
        QFile f(m_dir.filePath(extFile));
        if (!f.open(QIODevice::WriteOnly)) {
            return false;
        }
        f.write(ext.toUtf8());
        f.close();
        return runOpenssl(m_dir.path(),
                          {"req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out",
                           name + ".csr", "-subj", "/CN=" + cn}) &&
               runOpenssl(m_dir.path(), {"x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt",
                                         "-CAkey", ca + ".key", "-CAcreateserial", "-out",
                                         name + ".crt", "-days", "2", "-extfile", extFile});
    }

private slots:
    void initTestCase() {
        QVERIFY(m_dir.isValid());
        const QString client = QStringLiteral(
            "basicConstraints=CA:FALSE\n"
            "extendedKeyUsage=clientAuth\n");
        m_haveCerts =
            runOpenssl(m_dir.path(),
                       {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
                        "-out", "ca.crt", "-days", "2", "-subj", "/CN=ferry-test-ca"}) &&
            runOpenssl(m_dir.path(),
                       {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key",
                        "-out", "rogue.crt", "-days", "2", "-subj", "/CN=rogue-ca"}) &&
            issue(QStringLiteral("server"), QStringLiteral("localhost"), QStringLiteral("ca"),
                  QStringLiteral("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
                                 "subjectAltName=DNS:localhost,IP:127.0.0.1\n")) &&
            issue(QStringLiteral("agent"), QStringLiteral("agent-us"), QStringLiteral("ca"),
                  client) &&
            issue(QStringLiteral("viewer"), QStringLiteral("viewer-alice"), QStringLiteral("ca"),
                  client) &&
            issue(QStringLiteral("nobody"), QStringLiteral("nobody"), QStringLiteral("ca"),
                  client) &&
            issue(QStringLiteral("intruder"), QStringLiteral("agent-us"), QStringLiteral("rogue"),
                  client);
        QVERIFY2(m_haveCerts, "openssl could not make the test certificates");
    }

    void operationTableCoversEveryRequest() {
        const auto* oneof = ferry::v1::Request::descriptor()->FindOneofByName("operation");
        QVERIFY(oneof != nullptr);
        QCOMPARE(static_cast<std::size_t>(oneof->field_count()),
                 ferry::server::operationPolicies().size());
        for (int i = 0; i < oneof->field_count(); ++i) {
            const auto* field = oneof->field(i);
            const auto* policy = ferry::server::findOperationPolicy(
                static_cast<ferry::v1::Request::OperationCase>(field->number()));
            QVERIFY2(policy != nullptr, field->name().c_str());
            QCOMPARE(std::string(policy->name), field->name());
            // Every operation answers with the Response field of the same name.
            QVERIFY2(ferry::v1::Response::descriptor()->FindFieldByName(field->name()) != nullptr,
                     field->name().c_str());
        }
        QVERIFY(ferry::server::findOperationPolicy(ferry::v1::Request::OPERATION_NOT_SET) ==
                nullptr);
    }

    void tokenTable() {
        ferry::server::TokenTable table;
        table.add("a", ferry::v1::ROLE_VIEWER);
        table.add("agent", ferry::v1::ROLE_ADMIN, ferry::v1::PEER_KIND_AGENT);
        ferry::server::PeerClaim console;
        console.kind = ferry::v1::PEER_KIND_CONSOLE;
        console.identity = "me";
        ferry::server::PeerClaim agent;
        agent.kind = ferry::v1::PEER_KIND_AGENT;
        agent.identity = "us-agent1";
        QCOMPARE(*table.authenticate("a", console), ferry::v1::ROLE_VIEWER);
        QVERIFY(!table.authenticate("ab", console).ok());
        QVERIFY(!table.authenticate("", console).ok());
        QVERIFY(!table.authenticate("agent", console).ok());
        QCOMPARE(*table.authenticate("agent", agent), ferry::v1::ROLE_ADMIN);
        table.add("a", ferry::v1::ROLE_OPERATOR);
        QCOMPARE(table.size(), std::size_t{2});
        QCOMPARE(*table.authenticate("a", console), ferry::v1::ROLE_OPERATOR);
    }

    void refusesPlainTcpUnlessAllowed() {
        Fixture f([](ServerOptions& o) { o.allowPlainTcp = false; });
        QVERIFY(!f.listening.ok());
        QCOMPARE(f.listening.error().code, ferry::ErrorCode::InvalidArgument);
    }

    void tokenGrantsRole_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<int>("role");
        QTest::newRow("admin") << "admin-token" << int(ferry::v1::ROLE_ADMIN);
        QTest::newRow("operator") << "operator-token" << int(ferry::v1::ROLE_OPERATOR);
        QTest::newRow("viewer") << "viewer-token" << int(ferry::v1::ROLE_VIEWER);
    }
    void tokenGrantsRole() {
        QFETCH(QString, token);
        QFETCH(int, role);
        Fixture f;
        QVERIFY(f.listening.ok());
        ferry::client::AgentClient client;
        ferry::client::Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = f.server->port();
        e.plainTcp = true;
        e.token = token;
        e.cluster = QStringLiteral("test");
        e.user = QStringLiteral("tester");
        QVERIFY(client.setEndpoint(e).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ferry::client::ConnectionState::Connected, 10000);
        QCOMPARE(int(client.session().role), role);
        const auto peers = f.server->peers();
        QCOMPARE(peers.size(), std::size_t{1});
        QCOMPARE(int(peers[0].role), role);
        QCOMPARE(peers[0].identity, std::string("tester"));
        QVERIFY(!peers[0].certificateAuthenticated);

        std::optional<ferry::Result<ferry::v1::Response>> answer;
        client.send(requestOf("list_sites"),
                    [&](ferry::Result<ferry::v1::Response> r) { answer.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 10000);
        QVERIFY(answer->ok());
        QVERIFY(answer->value().has_list_sites());

        answer.reset();
        client.send(requestOf("put_config"),
                    [&](ferry::Result<ferry::v1::Response> r) { answer.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 10000);
        if (role == ferry::v1::ROLE_ADMIN) {
            QVERIFY(answer->ok());
        } else {
            QVERIFY(!answer->ok());
            QCOMPARE(answer->error().code, ferry::ErrorCode::PermissionDenied);
            QVERIFY2(QString::fromStdString(answer->error().message).contains("admin"),
                     answer->error().message.c_str());
        }
    }

    void refusedHello_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<QString>("cluster");
        QTest::addColumn<int>("kind");
        QTest::addColumn<ferry::v1::WireErrorCode>("code");
        QTest::newRow("bad token") << "wrong-token"
                                   << "test" << int(ferry::v1::PEER_KIND_CONSOLE)
                                   << ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED;
        QTest::newRow("wrong cluster") << "admin-token"
                                       << "other" << int(ferry::v1::PEER_KIND_CONSOLE)
                                       << ferry::v1::WIRE_ERROR_CODE_WRONG_CLUSTER;
        QTest::newRow("agent token from a console") << "agent-token"
                                                    << "test" << int(ferry::v1::PEER_KIND_CONSOLE)
                                                    << ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED;
        QTest::newRow("certificate without TLS") << ""
                                                 << "test" << int(ferry::v1::PEER_KIND_CONSOLE)
                                                 << ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED;
    }
    void refusedHello() {
        QFETCH(QString, token);
        QFETCH(QString, cluster);
        QFETCH(int, kind);
        QFETCH(ferry::v1::WireErrorCode, code);
        Fixture f;
        QSignalSpy closed(f.server.get(), &ServiceServer::connectionClosed);
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        const auto reply = c.greet(RawClient::makeHello(token.toStdString(), cluster.toStdString(),
                                                        static_cast<ferry::v1::PeerKind>(kind)));
        QVERIFY(reply.has_value());
        QVERIFY(!reply->accepted());
        QCOMPARE(reply->error().code(), code);
        QVERIFY(!reply->error().message().empty());
        QVERIFY(c.waitDisconnected());
        QTRY_COMPARE_WITH_TIMEOUT(f.server->connectionCount(), 0, 10000);
        QCOMPARE(closed.count(), 1);
        QVERIFY(f.handler.calls.empty());
    }

    void roles_data() {
        QTest::addColumn<QString>("token");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("operation");
        QTest::addColumn<bool>("allowed");
        const int console = ferry::v1::PEER_KIND_CONSOLE;
        const int ctl = ferry::v1::PEER_KIND_FERRYCTL;
        const int agent = ferry::v1::PEER_KIND_AGENT;
        QTest::newRow("viewer lists") << "viewer-token" << console << "list_config" << true;
        QTest::newRow("viewer gets status")
            << "viewer-token" << ctl << "get_pipeline_status" << true;
        QTest::newRow("viewer subscribes") << "viewer-token" << console << "subscribe" << true;
        QTest::newRow("viewer lists conflicts")
            << "viewer-token" << console << "list_conflicts" << true;
        QTest::newRow("viewer puts config") << "viewer-token" << console << "put_config" << false;
        QTest::newRow("viewer acts on a pipeline")
            << "viewer-token" << console << "pipeline_action" << false;
        QTest::newRow("viewer preflights") << "viewer-token" << ctl << "preflight" << false;
        QTest::newRow("operator acts on a pipeline")
            << "operator-token" << console << "pipeline_action" << true;
        QTest::newRow("operator preflights") << "operator-token" << console << "preflight" << true;
        QTest::newRow("operator puts config")
            << "operator-token" << console << "put_config" << false;
        QTest::newRow("operator deletes config")
            << "operator-token" << ctl << "delete_config" << false;
        QTest::newRow("admin puts config") << "admin-token" << console << "put_config" << true;
        QTest::newRow("admin deletes config") << "admin-token" << ctl << "delete_config" << true;
        QTest::newRow("admin console opens a stream")
            << "admin-token" << console << "stream_open" << false;
        QTest::newRow("admin ferryctl acks a stream")
            << "admin-token" << ctl << "stream_ack" << false;
        QTest::newRow("agent opens a stream") << "agent-token" << agent << "stream_open" << true;
        QTest::newRow("agent acks a stream") << "agent-token" << agent << "stream_ack" << true;
        QTest::newRow("viewer agent opens a stream")
            << "viewer-token" << agent << "stream_open" << false;
    }
    void roles() {
        QFETCH(QString, token);
        QFETCH(int, kind);
        QFETCH(QString, operation);
        QFETCH(bool, allowed);
        Fixture f;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith(token.toStdString(), "test", static_cast<ferry::v1::PeerKind>(kind)));
        const auto response = c.request(1, requestOf(operation.toStdString()));
        QVERIFY(response.has_value());
        if (allowed) {
            QVERIFY2(!response->has_error(), response->error().message().c_str());
            QCOMPARE(f.handler.calls.size(), std::size_t{1});
            QCOMPARE(f.handler.calls[0]->peer().kind, static_cast<ferry::v1::PeerKind>(kind));
            QCOMPARE(f.handler.calls[0]->requestId(), std::uint64_t{1});
        } else {
            QVERIFY(response->has_error());
            QCOMPARE(response->error().code(), ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED);
            QVERIFY(QString::fromStdString(response->error().message()).contains(operation));
            QVERIFY(f.handler.calls.empty());
        }
        // The connection stays either way.
        QVERIFY(c.request(2, requestOf("list_sites")).has_value());
        QCOMPARE(f.server->connectionCount(), 1);
    }

    void unknownOperation_data() {
        QTest::addColumn<QByteArray>("payload");
        QTest::newRow("no operation") << QByteArray();
        // Field 100 (varint 0): an operation from a newer peer.
        QTest::newRow("newer operation") << QByteArray("\xa0\x06\x00", 3);
    }
    void unknownOperation() {
        QFETCH(QByteArray, payload);
        Fixture f;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("admin-token"));
        c.sendPayload(5, ferry::v1::FRAME_KIND_REQUEST, payload.toStdString());
        const auto error = c.error(5);
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), ferry::v1::WIRE_ERROR_CODE_UNKNOWN_REQUEST);
        QVERIFY(f.handler.calls.empty());
        const auto next = c.request(6, requestOf("list_agents"));
        QVERIFY(next.has_value());
        QVERIFY(next->has_list_agents());
        QVERIFY(!c.disconnected());
    }

    void badBytesCloseOnlyThatConnection_data() {
        QTest::addColumn<bool>("greet");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<ferry::v1::WireErrorCode>("code");
        auto row = [](const char* name, bool greet, const std::string& bytes,
                      ferry::v1::WireErrorCode code) {
            QTest::newRow(name) << greet
                                << QByteArray(bytes.data(), static_cast<qsizetype>(bytes.size()))
                                << code;
        };
        std::string oversized;
        for (std::uint32_t n = 1u << 20;; n >>= 7) {
            if (n < 0x80) {
                oversized.push_back(static_cast<char>(n));
                break;
            }
            oversized.push_back(static_cast<char>((n & 0x7f) | 0x80));
        }
        row("oversized frame", true, oversized, ferry::v1::WIRE_ERROR_CODE_FRAME_TOO_LARGE);
        row("garbage frame", true, std::string("\x04\x07\x07\x07\x07", 5),
            ferry::v1::WIRE_ERROR_CODE_MALFORMED_FRAME);
        row("bad varint", true, std::string(6, '\xff'),
            ferry::v1::WIRE_ERROR_CODE_MALFORMED_LENGTH);
        row("empty frame", true, std::string(1, '\0'), ferry::v1::WIRE_ERROR_CODE_EMPTY_FRAME);
        row("fragment out of order", true,
            frameBytes(3, ferry::v1::FRAME_KIND_REQUEST, 1, true, "x"),
            ferry::v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER);
        row("unknown frame kind", true, frameBytes(3, 99, 0, false, "x"),
            ferry::v1::WIRE_ERROR_CODE_UNKNOWN_FRAME_KIND);
        row("request before the hello", false,
            frameBytes(1, ferry::v1::FRAME_KIND_REQUEST, 0, false,
                       requestOf("list_sites").SerializeAsString()),
            ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
        row("second hello", true,
            frameBytes(0, ferry::v1::FRAME_KIND_HELLO, 0, false,
                       RawClient::makeHello("admin-token", "test").SerializeAsString()),
            ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
        row("response from a client", true,
            frameBytes(1, ferry::v1::FRAME_KIND_RESPONSE, 0, false, ""),
            ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
        row("request id 0", true,
            frameBytes(0, ferry::v1::FRAME_KIND_REQUEST, 0, false,
                       requestOf("list_sites").SerializeAsString()),
            ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
        row("request that does not parse", true,
            frameBytes(4, ferry::v1::FRAME_KIND_REQUEST, 0, false, std::string("\x07\x07", 2)),
            ferry::v1::WIRE_ERROR_CODE_MALFORMED_FRAME);
        row("hello that does not parse", false,
            frameBytes(0, ferry::v1::FRAME_KIND_HELLO, 0, false, std::string("\x07\x07", 2)),
            ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO);
    }
    void badBytesCloseOnlyThatConnection() {
        QFETCH(bool, greet);
        QFETCH(QByteArray, bytes);
        QFETCH(ferry::v1::WireErrorCode, code);
        Fixture f([](ServerOptions& o) { o.self.limits.maxFrameSize = kSmallFrame; });
        QVERIFY(f.listening.ok());
        QSignalSpy closed(f.server.get(), &ServiceServer::connectionClosed);
        RawClient good;
        QVERIFY(good.connectPlain(f.server->port()));
        QVERIFY(good.greetWith("viewer-token"));
        RawClient bad;
        QVERIFY(bad.connectPlain(f.server->port()));
        if (greet) {
            QVERIFY(bad.greetWith("admin-token"));
        }
        QTRY_COMPARE_WITH_TIMEOUT(f.server->connectionCount(), 2, 10000);
        bad.sendBytes(bytes.toStdString());
        const auto error = bad.error();
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), code);
        QVERIFY(!error->message().empty());
        QVERIFY(bad.waitDisconnected());
        QTRY_COMPARE_WITH_TIMEOUT(closed.count(), 1, 10000);
        QCOMPARE(f.server->connectionCount(), 1);
        QVERIFY(f.handler.calls.empty());
        // The other client is still served.
        const auto response = good.request(1, requestOf("list_sites"));
        QVERIFY(response.has_value());
        QVERIFY(response->has_list_sites());
        QVERIFY(!good.disconnected());
    }

    void handshakeTimeout_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("silent") << QByteArray();
        QTest::newRow("half a hello") << QByteArray("\x40\x08", 2);
    }
    void handshakeTimeout() {
        QFETCH(QByteArray, bytes);
        Fixture f([](ServerOptions& o) { o.handshakeTimeout = std::chrono::milliseconds(300); });
        QSignalSpy closed(f.server.get(), &ServiceServer::connectionClosed);
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        c.sendBytes(bytes.toStdString());
        QVERIFY(c.waitDisconnected());
        QCOMPARE(closed.count(), 1);
        QVERIFY2(closed.at(0).at(1).toString().contains(QStringLiteral("no Hello")),
                 qPrintable(closed.at(0).at(1).toString()));
        QCOMPARE(f.server->connectionCount(), 0);
        // A client that greets in time is not dropped by the handshake timer.
        RawClient d;
        QVERIFY(d.connectPlain(f.server->port()));
        QVERIFY(d.greetWith("viewer-token"));
        QVERIFY(!waitUntil([&] { return d.disconnected(); }, std::chrono::milliseconds(600)));
        QVERIFY(d.request(1, requestOf("list_sites")).has_value());
    }

    void idleTimeoutPingsThenCloses() {
        Fixture f([](ServerOptions& o) { o.idleTimeout = std::chrono::milliseconds(400); });
        QSignalSpy closed(f.server.get(), &ServiceServer::connectionClosed);
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("viewer-token"));
        const auto ping = c.waitFor(
            [](const ferry::wire::WireMessage& m) { return m.kind == ferry::v1::FRAME_KIND_PING; });
        QVERIFY(ping.has_value());
        QVERIFY(c.waitDisconnected());
        QCOMPARE(closed.count(), 1);
        QVERIFY2(closed.at(0).at(1).toString().contains(QStringLiteral("idle")),
                 qPrintable(closed.at(0).at(1).toString()));
    }

    void pingGetsPong() {
        Fixture f;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("viewer-token"));
        c.sendPayload(9, ferry::v1::FRAME_KIND_PING, "hello?");
        const auto pong = c.waitFor(
            [](const ferry::wire::WireMessage& m) { return m.kind == ferry::v1::FRAME_KIND_PONG; });
        QVERIFY(pong.has_value());
        QCOMPARE(pong->requestId, std::uint64_t{9});
        QCOMPARE(pong->payload, std::string("hello?"));
    }

    void maxConnections() {
        Fixture f([](ServerOptions& o) { o.maxConnections = 1; });
        RawClient first;
        QVERIFY(first.connectPlain(f.server->port()));
        QVERIFY(first.greetWith("viewer-token"));
        RawClient second;
        QVERIFY(second.connectPlain(f.server->port()));
        const auto error = second.error();
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE);
        QVERIFY(second.waitDisconnected());
        QVERIFY(first.request(1, requestOf("list_sites")).has_value());
    }

    void callContract() {
        Fixture f;
        f.handler.answer = false;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("admin-token"));
        c.send(1, ferry::v1::FRAME_KIND_REQUEST, requestOf("list_sites"));
        c.send(2, ferry::v1::FRAME_KIND_REQUEST, requestOf("subscribe"));
        QTRY_COMPARE_WITH_TIMEOUT(f.handler.calls.size(), std::size_t{2}, 10000);
        auto unary = f.handler.calls[0];
        auto stream = f.handler.calls[1];
        QVERIFY(!unary->streaming());
        QVERIFY(stream->streaming());
        QCOMPARE(f.server->openCallCount(), std::size_t{2});
        ferry::v1::Push push;
        push.mutable_log_event()->set_message("early");
        QCOMPARE(stream->push(push).error().code, ferry::ErrorCode::InvalidArgument);
        QVERIFY(stream->respond(ferry::v1::Response()).ok());
        QVERIFY(stream->push(push).ok());
        QCOMPARE(unary->push(push).error().code, ferry::ErrorCode::InvalidArgument);
        QVERIFY(unary->respond(ferry::v1::Response()).ok());
        QCOMPARE(unary->respond(ferry::v1::Response()).error().code,
                 ferry::ErrorCode::InvalidArgument);
        QVERIFY(!unary->isOpen());
        QVERIFY(stream->isOpen());
        QCOMPARE(f.server->openCallCount(), std::size_t{1});
        QVERIFY(c.response(1).has_value());
        QVERIFY(c.response(2).has_value());
        QVERIFY(c.waitFor([](const ferry::wire::WireMessage& m) {
                     return m.kind == ferry::v1::FRAME_KIND_PUSH && m.requestId == 2;
                 }).has_value());
        // The server ends the stream: the client gets a request-level error frame.
        ferry::v1::ServiceError why;
        why.set_code(ferry::v1::SERVICE_ERROR_CODE_UNAVAILABLE);
        why.set_message("source went away");
        stream->close(why);
        const auto error = c.error(2);
        QVERIFY(error.has_value());
        QCOMPARE(error->code(), ferry::v1::WIRE_ERROR_CODE_UNAVAILABLE);
        QCOMPARE(error->message(), std::string("source went away"));
        QCOMPARE(f.server->openCallCount(), std::size_t{0});
        QVERIFY(f.handler.ended.empty());  // ended by the server: no callback
        // Reusing an answered id is fine; reusing an open one is a fault.
        c.send(3, ferry::v1::FRAME_KIND_REQUEST, requestOf("subscribe"));
        c.send(3, ferry::v1::FRAME_KIND_REQUEST, requestOf("subscribe"));
        const auto fault = c.error();
        QVERIFY(fault.has_value());
        QCOMPARE(fault->code(), ferry::v1::WIRE_ERROR_CODE_UNEXPECTED_FRAME);
        QVERIFY(c.waitDisconnected());
        QTRY_VERIFY_WITH_TIMEOUT(f.handler.endedWith(3, CallEnd::ConnectionClosed), 10000);
        // Kept after the connection died: safe, and says so.
        QCOMPARE(stream->push(push).error().code, ferry::ErrorCode::Unavailable);
        QCOMPARE(f.handler.calls.back()->respond(ferry::v1::Response()).error().code,
                 ferry::ErrorCode::Unavailable);
        QCOMPARE(f.handler.calls.back()->pendingBytes(), std::uint64_t{0});
    }

    void cancelReachesHandler() {
        Fixture f;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("viewer-token"));
        const auto answered = c.request(7, requestOf("subscribe"));
        QVERIFY(answered.has_value());
        QVERIFY(answered->has_subscribe());
        QCOMPARE(f.server->openCallCount(), std::size_t{1});
        auto call = f.handler.calls.back();
        c.sendPayload(7, ferry::v1::FRAME_KIND_CANCEL, "");
        QTRY_VERIFY_WITH_TIMEOUT(f.handler.endedWith(7, CallEnd::Cancelled), 10000);
        QCOMPARE(f.handler.ended.size(), std::size_t{1});
        QVERIFY(!call->isOpen());
        QCOMPARE(f.server->openCallCount(), std::size_t{0});
        ferry::v1::Push push;
        QCOMPARE(call->push(push).error().code, ferry::ErrorCode::Unavailable);

        // A unary call still waiting for its answer can be cancelled too.
        f.handler.answer = false;
        c.send(8, ferry::v1::FRAME_KIND_REQUEST, requestOf("metric_history"));
        QTRY_COMPARE_WITH_TIMEOUT(f.handler.calls.size(), std::size_t{2}, 10000);
        c.sendPayload(8, ferry::v1::FRAME_KIND_CANCEL, "");
        QTRY_VERIFY_WITH_TIMEOUT(f.handler.endedWith(8, CallEnd::Cancelled), 10000);
        QCOMPARE(f.handler.calls.back()->respond(ferry::v1::Response()).error().code,
                 ferry::ErrorCode::Unavailable);
        // A cancel for nothing is ignored.
        f.handler.answer = true;
        c.sendPayload(99, ferry::v1::FRAME_KIND_CANCEL, "");
        QVERIFY(c.request(9, requestOf("list_sites")).has_value());
        QVERIFY(!c.disconnected());
    }

    void connectionCloseEndsCalls() {
        Fixture f;
        {
            RawClient c;
            QVERIFY(c.connectPlain(f.server->port()));
            QVERIFY(c.greetWith("agent-token", "test", ferry::v1::PEER_KIND_AGENT));
            QVERIFY(c.request(1, requestOf("stream_open")).has_value());
            QVERIFY(c.request(2, requestOf("subscribe")).has_value());
            c.socket().disconnectFromHost();
        }
        QTRY_COMPARE_WITH_TIMEOUT(f.handler.ended.size(), std::size_t{2}, 10000);
        QVERIFY(f.handler.endedWith(1, CallEnd::ConnectionClosed));
        QVERIFY(f.handler.endedWith(2, CallEnd::ConnectionClosed));
        QCOMPARE(f.server->connectionCount(), 0);

        // Destroying the server ends what is open, synchronously.
        RawClient d;
        QVERIFY(d.connectPlain(f.server->port()));
        QVERIFY(d.greetWith("viewer-token"));
        QVERIFY(d.request(3, requestOf("subscribe")).has_value());
        auto call = f.handler.calls.back();
        f.server.reset();
        QVERIFY(f.handler.endedWith(3, CallEnd::ConnectionClosed));
        QVERIFY(!call->isOpen());
        QVERIFY(d.waitDisconnected());
    }

    void pushBackpressure() {
        Fixture f;
        RawClient c;
        QVERIFY(c.connectPlain(f.server->port()));
        QVERIFY(c.greetWith("agent-token", "test", ferry::v1::PEER_KIND_AGENT));
        QVERIFY(c.request(1, requestOf("stream_open")).has_value());
        auto call = f.handler.calls.back();
        QVERIFY(call->isOpen());
        QCOMPARE(call->pendingBytes(), std::uint64_t{0});

        c.pauseReading();
        ferry::v1::Push push;
        push.mutable_stream_batch();
        push.mutable_log_event()->set_message(std::string(64 * 1024, 'x'));
        constexpr std::uint64_t kHighWater = 2 * 1024 * 1024;
        std::size_t pushed = 0;
        const bool grew = waitUntil(
            [&] {
                if (call->pendingBytes() > kHighWater) {
                    return true;
                }
                if (!call->push(push).ok()) {
                    return false;
                }
                ++pushed;
                return call->pendingBytes() > kHighWater;
            },
            std::chrono::milliseconds(30000));
        QVERIFY2(grew, qPrintable(QStringLiteral("pending %1 after %2 pushes")
                                      .arg(call->pendingBytes())
                                      .arg(pushed)));
        QVERIFY(call->isOpen());

        bool drained = false;
        constexpr std::uint64_t kLowWater = 64 * 1024;
        call->notifyWhenDrained(kLowWater, [&] { drained = true; });
        QCoreApplication::processEvents();
        QVERIFY(!drained);
        c.resumeReading();
        QTRY_VERIFY_WITH_TIMEOUT(drained, 30000);
        QVERIFY(call->pendingBytes() <= kLowWater);
        QVERIFY(waitUntil([&] { return c.countOf(ferry::v1::FRAME_KIND_PUSH) == pushed; },
                          std::chrono::milliseconds(30000)));

        // Already drained: fires from the event loop, not from inside the call.
        bool again = false;
        QVERIFY(waitUntil([&] { return call->pendingBytes() == 0; }));
        call->notifyWhenDrained(0, [&] { again = true; });
        QVERIFY(!again);
        QTRY_VERIFY_WITH_TIMEOUT(again, 10000);
    }

    void slowReaderIsDisconnected() {
        Fixture f([](ServerOptions& o) { o.maxPendingWriteBytes = 1024 * 1024; });
        QSignalSpy closed(f.server.get(), &ServiceServer::connectionClosed);
        RawClient slow;
        QVERIFY(slow.connectPlain(f.server->port()));
        QVERIFY(slow.greetWith("viewer-token"));
        QVERIFY(slow.request(1, requestOf("subscribe")).has_value());
        RawClient other;
        QVERIFY(other.connectPlain(f.server->port()));
        QVERIFY(other.greetWith("viewer-token"));
        auto call = f.handler.calls.back();
        slow.pauseReading();
        ferry::v1::Push push;
        push.mutable_log_event()->set_message(std::string(64 * 1024, 'x'));
        ferry::Status last;
        QVERIFY(waitUntil(
            [&] {
                last = call->push(push);
                return !last.ok();
            },
            std::chrono::milliseconds(30000)));
        QCOMPARE(last.error().code, ferry::ErrorCode::Unavailable);
        QVERIFY(!call->isOpen());
        QTRY_VERIFY_WITH_TIMEOUT(f.handler.endedWith(1, CallEnd::ConnectionClosed), 10000);
        QCOMPARE(closed.count(), 1);
        QVERIFY2(closed.at(0).at(1).toString().contains(QStringLiteral("slow reader")),
                 qPrintable(closed.at(0).at(1).toString()));
        slow.resumeReading();
        QVERIFY(slow.waitDisconnected());
        QVERIFY(other.request(2, requestOf("list_sites")).has_value());
    }

    void tls() {
        QVERIFY(m_haveCerts);
        auto settings = ferry::server::loadTlsSettings(path("server.crt"), path("server.key"));
        QVERIFY2(settings.ok(), settings.ok() ? "" : settings.error().message.c_str());
        Fixture f([&](ServerOptions& o) {
            o.allowPlainTcp = false;
            o.tls = *settings;
        });
        QVERIFY2(f.listening.ok(), f.listening.ok() ? "" : f.listening.error().message.c_str());

        ferry::client::AgentClient client;
        ferry::client::Endpoint e;
        e.host = QStringLiteral("127.0.0.1");
        e.port = f.server->port();
        e.caFile = path("ca.crt");
        e.token = QStringLiteral("operator-token");
        e.cluster = QStringLiteral("test");
        e.user = QStringLiteral("tester");
        QVERIFY(client.setEndpoint(e).ok());
        client.open();
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), ferry::client::ConnectionState::Connected, 10000);
        QCOMPARE(client.session().role, ferry::v1::ROLE_OPERATOR);
        std::optional<ferry::Result<ferry::v1::Response>> answer;
        client.send(requestOf("pipeline_action"),
                    [&](ferry::Result<ferry::v1::Response> r) { answer.emplace(std::move(r)); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 10000);
        QVERIFY(answer->ok());

        // Plain bytes to a TLS port get no frames, just a closed connection.
        RawClient plain;
        QVERIFY(plain.connectPlain(f.server->port()));
        plain.send(0, ferry::v1::FRAME_KIND_HELLO, RawClient::makeHello("admin-token", "test"));
        QVERIFY(plain.waitDisconnected());
        QCOMPARE(plain.countOf(ferry::v1::FRAME_KIND_HELLO_REPLY), std::size_t{0});

        // Bad files say which.
        auto missing = ferry::server::loadTlsSettings(path("nope.crt"), path("server.key"));
        QVERIFY(!missing.ok());
        QVERIFY(
            QString::fromStdString(missing.error().message).contains(QStringLiteral("nope.crt")));
        auto notAKey = ferry::server::loadTlsSettings(path("server.crt"), path("server.crt"));
        QVERIFY(!notAKey.ok());
    }

    void mutualTls_data() {
        QTest::addColumn<QString>("clientCert");  // empty: none
        QTest::addColumn<QString>("token");       // empty: certificate credentials
        QTest::addColumn<int>("kind");
        QTest::addColumn<bool>("required");
        QTest::addColumn<bool>("tlsOk");
        QTest::addColumn<int>("role");  // 0: refused in the HelloReply
        const int agent = ferry::v1::PEER_KIND_AGENT;
        const int console = ferry::v1::PEER_KIND_CONSOLE;
        QTest::newRow("agent certificate")
            << "agent"
            << "" << agent << false << true << int(ferry::v1::ROLE_ADMIN);
        QTest::newRow("viewer certificate")
            << "viewer"
            << "" << console << false << true << int(ferry::v1::ROLE_VIEWER);
        QTest::newRow("certificate with no role") << "nobody"
                                                  << "" << console << false << true << 0;
        QTest::newRow("certificate of another CA") << "intruder"
                                                   << "" << agent << false << false << 0;
        QTest::newRow("no certificate, claims one") << ""
                                                    << "" << console << false << true << 0;
        QTest::newRow("no certificate, token")
            << ""
            << "operator-token" << console << false << true << int(ferry::v1::ROLE_OPERATOR);
        QTest::newRow("no certificate, required")
            << ""
            << "operator-token" << console << true << false << 0;
        QTest::newRow("certificate, required")
            << "agent"
            << "" << agent << true << true << int(ferry::v1::ROLE_ADMIN);
    }
    void mutualTls() {
        QFETCH(QString, clientCert);
        QFETCH(QString, token);
        QFETCH(int, kind);
        QFETCH(bool, required);
        QFETCH(bool, tlsOk);
        QFETCH(int, role);
        QVERIFY(m_haveCerts);
        auto settings =
            ferry::server::loadTlsSettings(path("server.crt"), path("server.key"), path("ca.crt"));
        QVERIFY(settings.ok());
        QCOMPARE(settings->clientCertificates, ferry::server::ClientCertificates::Optional);
        Fixture f([&](ServerOptions& o) {
            o.allowPlainTcp = false;
            o.tls = *settings;
            if (required) {
                o.tls.clientCertificates = ferry::server::ClientCertificates::Required;
            }
            o.certificateRole =
                [](const QSslCertificate& cert,
                   const ferry::server::PeerClaim&) -> ferry::Result<ferry::v1::Role> {
                const QString cn = cert.subjectInfo(QSslCertificate::CommonName).value(0);
                if (cn == QStringLiteral("agent-us")) {
                    return ferry::v1::ROLE_ADMIN;
                }
                if (cn.startsWith(QStringLiteral("viewer-"))) {
                    return ferry::v1::ROLE_VIEWER;
                }
                return ferry::makeError(ferry::ErrorCode::PermissionDenied,
                                        "certificate " + cn.toStdString() + " maps to no role");
            };
        });
        QVERIFY(f.listening.ok());
        RawClient c;
        QSslCertificate cert;
        QSslKey key;
        if (!clientCert.isEmpty()) {
            cert = readCertificate(m_dir.filePath(clientCert + QStringLiteral(".crt")));
            key = readKey(m_dir.filePath(clientCert + QStringLiteral(".key")));
            QVERIFY(!cert.isNull() && !key.isNull());
        }
        const bool connected =
            c.connectTls(f.server->port(), {readCertificate(path("ca.crt"))}, cert, key);
        if (connected) {
            // TLS 1.3: the server may reject the client certificate after the client finished.
            const auto reply = c.greet(RawClient::makeHello(
                token.toStdString(), "test", static_cast<ferry::v1::PeerKind>(kind)));
            if (!tlsOk) {
                QVERIFY(!reply.has_value());
                QVERIFY(c.waitDisconnected());
                QVERIFY(f.handler.calls.empty());
                return;
            }
            QVERIFY(reply.has_value());
            QCOMPARE(reply->accepted(), role != 0);
            if (role == 0) {
                QCOMPARE(reply->error().code(), ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED);
                QVERIFY(c.waitDisconnected());
                return;
            }
            QCOMPARE(int(reply->granted_role()), role);
            const auto peers = f.server->peers();
            QCOMPARE(peers.size(), std::size_t{1});
            QCOMPARE(peers[0].certificateAuthenticated, token.isEmpty());
            QCOMPARE(peers[0].certificate.isNull(), clientCert.isEmpty());
            const auto response = c.request(1, requestOf("stream_open"));
            QVERIFY(response.has_value());
            QCOMPARE(response->has_error(),
                     !(role == ferry::v1::ROLE_ADMIN && kind == ferry::v1::PEER_KIND_AGENT));
        } else {
            QVERIFY2(!tlsOk, "the TLS handshake failed");
        }
    }
};

QTEST_GUILESS_MAIN(TestServiceServer)
#include "tst_service_server.moc"
