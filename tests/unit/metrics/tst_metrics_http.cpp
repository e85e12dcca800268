// SPDX-License-Identifier: Apache-2.0
// The metrics endpoint over real loopback sockets: routes, status codes and headers, health
// states, and that an oversized, slow or idle client never holds up another one.
#include <QTcpSocket>
#include <QtTest>

#include <map>
#include <memory>
#include <string>

#include "ferry/metrics/http_server.h"

using ferry::metrics::Health;
using ferry::metrics::HttpServer;
using ferry::metrics::HttpServerOptions;
using ferry::metrics::HttpSources;

namespace {

constexpr int kWaitMs = 5000;

struct ParsedResponse {
    int status = 0;
    std::map<QByteArray, QByteArray> headers;  // names lower-cased
    QByteArray body;

    QByteArray header(const QByteArray& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? QByteArray() : it->second;
    }
};

ParsedResponse parseResponse(const QByteArray& bytes) {
    ParsedResponse out;
    const qsizetype headEnd = bytes.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        return out;
    }
    const QList<QByteArray> lines = bytes.left(headEnd).split('\n');
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    if (statusLine.size() >= 2 && statusLine[0] == "HTTP/1.1") {
        out.status = statusLine[1].toInt();
    }
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines[i].indexOf(':');
        if (colon > 0) {
            out.headers[lines[i].left(colon).trimmed().toLower()] =
                lines[i].mid(colon + 1).trimmed();
        }
    }
    out.body = bytes.mid(headEnd + 4);
    return out;
}

// A client on its own socket; everything it receives is kept.
class Client {
public:
    explicit Client(quint16 port) {
        QObject::connect(&m_socket, &QTcpSocket::readyRead,
                         [this] { m_received += m_socket.readAll(); });
        m_socket.connectToHost(QHostAddress::LocalHost, port);
    }
    bool connected() {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::ConnectedState; }, kWaitMs);
    }
    void send(const QByteArray& bytes) {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Waits until the server closes the connection.
    bool closedByServer() {
        return QTest::qWaitFor(
            [this] { return m_socket.state() == QAbstractSocket::UnconnectedState; }, kWaitMs);
    }
    QAbstractSocket::SocketState state() const { return m_socket.state(); }
    const QByteArray& received() const { return m_received; }
    ParsedResponse response() const { return parseResponse(m_received); }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
};

}  // namespace

class MetricsHttpTest : public QObject {
    Q_OBJECT

private:
    std::string m_metrics = "# TYPE ferry_up gauge\nferry_up 1\n";
    Health m_health;
    int m_metricsCalls = 0;

    HttpSources sources() {
        HttpSources s;
        s.metrics = [this] {
            ++m_metricsCalls;
            return m_metrics;
        };
        s.health = [this] { return m_health; };
        return s;
    }

    std::unique_ptr<HttpServer> startServer(HttpServerOptions options = {}) {
        auto server = std::make_unique<HttpServer>(sources(), options);
        const auto listening = server->listen("127.0.0.1", 0);
        if (!listening.ok()) {
            qWarning("%s", listening.error().message.c_str());
            return nullptr;
        }
        return server;
    }

    // One request on a new connection; the whole response once the server closes.
    ParsedResponse exchange(quint16 port, const QByteArray& request) {
        Client client(port);
        if (!client.connected()) {
            return {};
        }
        client.send(request);
        if (!client.closedByServer()) {
            return {};
        }
        return client.response();
    }

private Q_SLOTS:
    void init() {
        m_health = Health{};
        m_metricsCalls = 0;
    }

    void routes_data() {
        QTest::addColumn<QByteArray>("request");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("contentType");
        QTest::addColumn<QByteArray>("bodyContains");

        const QByteArray prometheus = "text/plain; version=0.0.4; charset=utf-8";
        const QByteArray plain = "text/plain; charset=utf-8";
        QTest::newRow("GET /metrics") << QByteArray("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n")
                                      << 200 << prometheus << QByteArray("ferry_up 1\n");
        QTest::newRow("query string, HTTP/1.0")
            << QByteArray("GET /metrics?name[]=ferry_up HTTP/1.0\r\n\r\n") << 200 << prometheus
            << QByteArray("ferry_up 1");
        QTest::newRow("bare LF line ends") << QByteArray("GET /healthz HTTP/1.1\nHost: a\n\n")
                                           << 200 << plain << QByteArray("ok\n");
        QTest::newRow("GET /healthz")
            << QByteArray("GET /healthz HTTP/1.1\r\n\r\n") << 200 << plain << QByteArray("ok");
        QTest::newRow("unknown path")
            << QByteArray("GET / HTTP/1.1\r\n\r\n") << 404 << plain << QByteArray("/metrics");
        QTest::newRow("path with a suffix")
            << QByteArray("GET /metricsx HTTP/1.1\r\n\r\n") << 404 << plain << QByteArray();
        QTest::newRow("unknown path, POST")
            << QByteArray("POST /x HTTP/1.1\r\n\r\n") << 404 << plain << QByteArray("not found");
        QTest::newRow("POST /metrics")
            << QByteArray("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc") << 405 << plain
            << QByteArray("use GET");
        QTest::newRow("DELETE /healthz")
            << QByteArray("DELETE /healthz HTTP/1.1\r\n\r\n") << 405 << plain << QByteArray();
        QTest::newRow("not HTTP") << QByteArray("hello\r\n\r\n") << 400 << plain
                                  << QByteArray("bad request");
        QTest::newRow("HTTP/0.9 request line")
            << QByteArray("GET /metrics\r\n\r\n") << 400 << plain << QByteArray("bad request");
        QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 400
                                        << plain << QByteArray("HTTP/1.0 and HTTP/1.1");
        QTest::newRow("relative target")
            << QByteArray("GET metrics HTTP/1.1\r\n\r\n") << 400 << plain << QByteArray("path");
        QTest::newRow("method not a token")
            << QByteArray("G(T /metrics HTTP/1.1\r\n\r\n") << 400 << plain << QByteArray("token");
        QTest::newRow("binary junk") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\n\n", 11)
                                     << 400 << plain << QByteArray();
    }

    void routes() {
        QFETCH(QByteArray, request);
        QFETCH(int, status);
        QFETCH(QByteArray, contentType);
        QFETCH(QByteArray, bodyContains);
        auto server = startServer();
        QVERIFY(server);
        const ParsedResponse response = exchange(server->port(), request);
        QCOMPARE(response.status, status);
        QCOMPARE(response.header("content-type"), contentType);
        QCOMPARE(response.header("connection"), QByteArray("close"));
        QCOMPARE(qsizetype(response.header("content-length").toLongLong()), response.body.size());
        QVERIFY2(response.body.contains(bodyContains), response.body.constData());
        if (status == 405) {
            QCOMPARE(response.header("allow"), QByteArray("GET, HEAD"));
        }
        QVERIFY(QTest::qWaitFor([&] { return server->openConnections() == 0; }, kWaitMs));
    }

    void headHasTheLengthButNoBody() {
        auto server = startServer();
        QVERIFY(server);
        const ParsedResponse response = exchange(server->port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
        QCOMPARE(response.status, 200);
        QCOMPARE(std::size_t(response.header("content-length").toULongLong()), m_metrics.size());
        QVERIFY(response.body.isEmpty());
    }

    void everyScrapeReadsTheSourceAgain() {
        auto server = startServer();
        QVERIFY(server);
        QVERIFY(
            exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n").body.contains("ferry_up 1"));
        m_metrics = "# TYPE ferry_up gauge\nferry_up 0\n";
        QVERIFY(
            exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n").body.contains("ferry_up 0"));
        QCOMPARE(m_metricsCalls, 2);
    }

    void healthStates_data() {
        QTest::addColumn<bool>("healthy");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("healthy") << true << QString() << 200 << QByteArray("ok\n");
        QTest::newRow("ZooKeeper away")
            << false << QStringLiteral("ZooKeeper session is not connected (suspended)") << 503
            << QByteArray("unhealthy: ZooKeeper session is not connected (suspended)\n");
        QTest::newRow("a multi-line reason stays one line")
            << false << QStringLiteral("apply of pipeline 1 failed: line one\nline two\r\n") << 503
            << QByteArray("unhealthy: apply of pipeline 1 failed: line one line two\n");
    }

    void healthStates() {
        QFETCH(bool, healthy);
        QFETCH(QString, reason);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        m_health.healthy = healthy;
        m_health.reason = reason.toStdString();
        auto server = startServer();
        QVERIFY(server);
        const ParsedResponse response = exchange(server->port(), "GET /healthz HTTP/1.1\r\n\r\n");
        QCOMPARE(response.status, status);
        QCOMPARE(response.body, body);
    }

    void oversizedRequestIsRefusedAndOthersAreServed() {
        HttpServerOptions options;
        options.maxRequestBytes = 1024;
        auto server = startServer(options);
        QVERIFY(server);
        Client big(server->port());
        QVERIFY(big.connected());
        big.send("GET /metrics HTTP/1.1\r\nX-Filler: " + QByteArray(64 * 1024, 'a'));
        QVERIFY(big.closedByServer());
        QCOMPARE(big.response().status, 431);
        QVERIFY(big.response().body.contains("at most 1024 bytes"));
        // Complete, but its headers end beyond the limit.
        const ParsedResponse longHead =
            exchange(server->port(),
                     "GET /metrics HTTP/1.1\r\nX-Filler: " + QByteArray(2000, 'a') + "\r\n\r\n");
        QCOMPARE(longHead.status, 431);
        QCOMPARE(m_metricsCalls, 0);
        QCOMPARE(exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n").status, 200);
    }

    void slowClientDoesNotBlockAnother() {
        auto server = startServer();
        QVERIFY(server);
        Client slow(server->port());
        QVERIFY(slow.connected());
        slow.send("GET /met");
        QVERIFY(QTest::qWaitFor([&] { return server->openConnections() == 1; }, kWaitMs));

        const ParsedResponse quick = exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n");
        QCOMPARE(quick.status, 200);
        QCOMPARE(slow.state(), QAbstractSocket::ConnectedState);
        QVERIFY(slow.received().isEmpty());

        // The slow one is still served once its request is complete.
        slow.send("rics HTTP/1.1\r\n");
        slow.send("Host: a\r\n\r\n");
        QVERIFY(slow.closedByServer());
        QCOMPARE(slow.response().status, 200);
    }

    void idleClientIsDisconnectedAtTheDeadline() {
        HttpServerOptions options;
        options.exchangeTimeout = std::chrono::milliseconds(200);
        auto server = startServer(options);
        QVERIFY(server);
        Client idle(server->port());
        QVERIFY(idle.connected());
        idle.send("GET /metrics HTTP/1.1\r\n");  // never finishes its headers
        QVERIFY(idle.closedByServer());
        QVERIFY(idle.received().isEmpty());
        QCOMPARE(server->openConnections(), 0);
        QCOMPARE(m_metricsCalls, 0);
    }

    void connectionsBeyondTheLimitGet503() {
        HttpServerOptions options;
        options.maxConnections = 2;
        auto server = startServer(options);
        QVERIFY(server);
        Client a(server->port());
        Client b(server->port());
        QVERIFY(a.connected());
        QVERIFY(b.connected());
        QVERIFY(QTest::qWaitFor([&] { return server->openConnections() == 2; }, kWaitMs));
        const ParsedResponse refused = exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n");
        QCOMPARE(refused.status, 503);
        QVERIFY(refused.body.contains("too many connections"));
        // Once one of them is answered, a new client is served again.
        a.send("GET /healthz HTTP/1.1\r\n\r\n");
        QVERIFY(a.closedByServer());
        QVERIFY(QTest::qWaitFor([&] { return server->openConnections() == 1; }, kWaitMs));
        QCOMPARE(exchange(server->port(), "GET /metrics HTTP/1.1\r\n\r\n").status, 200);
    }

    void listenErrorsSayWhatToChange() {
        HttpServer server(sources());
        const auto named = server.listen("metrics.example.com", 0);
        QVERIFY(!named.ok());
        QVERIFY(named.error().message.find("not an IP address") != std::string::npos);

        auto first = startServer();
        QVERIFY(first);
        const auto taken = server.listen("127.0.0.1", first->port());
        QVERIFY(!taken.ok());
        QVERIFY2(taken.error().message.find("[metrics] listen") != std::string::npos,
                 taken.error().message.c_str());
        QCOMPARE(server.port(), quint16(0));
    }

    void closeDropsOpenConnections() {
        auto server = startServer();
        QVERIFY(server);
        Client idle(server->port());
        QVERIFY(idle.connected());
        QVERIFY(QTest::qWaitFor([&] { return server->openConnections() == 1; }, kWaitMs));
        server->close();
        QCOMPARE(server->openConnections(), 0);
        QVERIFY(idle.closedByServer());
    }
};

QTEST_GUILESS_MAIN(MetricsHttpTest)
#include "tst_metrics_http.moc"
