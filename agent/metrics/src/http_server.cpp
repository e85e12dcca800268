// SPDX-License-Identifier: Apache-2.0
#include "ferry/metrics/http_server.h"

#include <QHostAddress>
#include <QObject>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <map>
#include <utility>

namespace ferry::metrics {
namespace {

bool isTokenChar(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string_view reasonPhrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return "Unknown";
    }
}

HttpResponse plain(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    if (response.body.empty() || response.body.back() != '\n') {
        response.body += '\n';
    }
    return response;
}

// One line: a reason must not break the response or a probe's log line.
std::string oneLine(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        out += (c == '\r' || c == '\n') ? ' ' : c;
    }
    while (!out.empty() && out.back() == ' ') {
        out.pop_back();
    }
    return out;
}

}  // namespace

std::optional<HttpRequestHead> parseRequestHead(std::string_view bytes, bool& incomplete,
                                                std::string& error) {
    incomplete = false;
    error.clear();
    // Lenient about bare LF line ends, as RFC 9112 allows.
    const bool complete = bytes.find("\r\n\r\n") != std::string_view::npos ||
                          bytes.find("\n\n") != std::string_view::npos;
    const auto lineEnd = bytes.find('\n');
    if (lineEnd == std::string_view::npos || !complete) {
        incomplete = true;
        return std::nullopt;
    }
    std::string_view line = bytes.substr(0, lineEnd);
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    const auto firstSpace = line.find(' ');
    const auto lastSpace = line.rfind(' ');
    if (firstSpace == std::string_view::npos || firstSpace == lastSpace) {
        error = "the request line is not 'METHOD /path HTTP/1.1'";
        return std::nullopt;
    }
    const std::string_view method = line.substr(0, firstSpace);
    const std::string_view target = line.substr(firstSpace + 1, lastSpace - firstSpace - 1);
    const std::string_view version = line.substr(lastSpace + 1);
    if (method.empty()) {
        error = "the request has no method";
        return std::nullopt;
    }
    for (char c : method) {
        if (!isTokenChar(c)) {
            error = "the request method is not a token";
            return std::nullopt;
        }
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        error = "only HTTP/1.0 and HTTP/1.1 are served";
        return std::nullopt;
    }
    if (target.empty() || target.front() != '/' ||
        target.find_first_of(" \t") != std::string_view::npos) {
        error = "the request target must be a path such as /metrics";
        return std::nullopt;
    }
    HttpRequestHead head;
    head.method = std::string(method);
    head.path = std::string(target.substr(0, target.find_first_of("?#")));
    return head;
}

HttpResponse respond(const HttpRequestHead& request, const HttpSources& sources) {
    const bool isMetrics = request.path == "/metrics";
    const bool isHealth = request.path == "/healthz";
    if (!isMetrics && !isHealth) {
        return plain(404, "not found: this endpoint serves /metrics and /healthz");
    }
    if (request.method != "GET" && request.method != "HEAD") {
        HttpResponse response = plain(405, "method not allowed: use GET");
        response.allowHeader = true;
        return response;
    }
    if (isMetrics) {
        if (!sources.metrics) {
            return plain(500, "no metrics source");
        }
        HttpResponse response;
        response.contentType = std::string(kPrometheusContentType);
        response.body = sources.metrics();
        return response;
    }
    if (!sources.health) {
        return plain(500, "no health source");
    }
    const Health health = sources.health();
    if (health.healthy) {
        return plain(200, "ok");
    }
    return plain(503, "unhealthy: " + oneLine(health.reason));
}

std::string serializeResponse(const HttpResponse& response, bool headOnly) {
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      std::string(reasonPhrase(response.status)) + "\r\n";
    out += "Content-Type: " + response.contentType + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    if (response.allowHeader) {
        out += "Allow: GET, HEAD\r\n";
    }
    out += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
    if (!headOnly) {
        out += response.body;
    }
    return out;
}

class HttpServer::Impl {
public:
    Impl(HttpSources sources, HttpServerOptions options)
        : m_sources(std::move(sources)), m_options(options) {}

    ~Impl() { close(); }

    Status listen(const std::string& host, std::uint16_t port) {
        close();
        QHostAddress address;
        if (host == "*") {
            address = QHostAddress::Any;
        } else if (host == "localhost") {
            address = QHostAddress::LocalHost;
        } else if (!address.setAddress(QString::fromStdString(host))) {
            return makeError(ErrorCode::InvalidArgument,
                             "metrics endpoint: '" + host +
                                 "' is not an IP address; use e.g. 127.0.0.1, ::1 or 0.0.0.0");
        }
        m_server = std::make_unique<QTcpServer>();
        m_server->setMaxPendingConnections(m_options.maxConnections);
        QObject::connect(m_server.get(), &QTcpServer::pendingConnectionAvailable, &m_context,
                         [this] { acceptPending(); });
        if (!m_server->listen(address, port)) {
            const std::string why = m_server->errorString().toStdString();
            m_server.reset();
            return makeError(ErrorCode::Io, "metrics endpoint: cannot listen on " + host + ":" +
                                                std::to_string(port) + ": " + why +
                                                "; change [metrics] listen");
        }
        return okStatus();
    }

    std::uint16_t port() const { return m_server ? m_server->serverPort() : 0; }

    void close() {
        if (m_server) {
            m_server->close();
            m_server.reset();
        }
        while (!m_connections.empty()) {
            drop(m_connections.begin()->first);
        }
    }

    int openConnections() const { return static_cast<int>(m_connections.size()); }

private:
    struct Connection {
        QByteArray buffer;
        bool answered = false;
    };

    void acceptPending() {
        while (m_server && m_server->hasPendingConnections()) {
            QTcpSocket* socket = m_server->nextPendingConnection();
            if (socket == nullptr) {
                return;
            }
            // A connection is owned here, not by the server, so close() and drop() decide its
            // lifetime.
            socket->setParent(nullptr);
            if (static_cast<int>(m_connections.size()) >= m_options.maxConnections) {
                refuseBusy(socket);
                continue;
            }
            m_connections.emplace(socket, Connection{});
            socket->setReadBufferSize(static_cast<qint64>(m_options.maxRequestBytes) + 1);
            auto* deadline = new QTimer(socket);
            deadline->setSingleShot(true);
            QObject::connect(deadline, &QTimer::timeout, &m_context,
                             [this, socket] { drop(socket); });
            deadline->start(m_options.exchangeTimeout);
            QObject::connect(socket, &QTcpSocket::readyRead, &m_context,
                             [this, socket] { onReadyRead(socket); });
            QObject::connect(socket, &QTcpSocket::disconnected, &m_context,
                             [this, socket] { drop(socket); });
            if (socket->bytesAvailable() > 0) {
                onReadyRead(socket);
            }
        }
    }

    // Answers 503 and closes, without tracking: the answer is small and the socket deletes
    // itself once it is flushed, or at the deadline.
    void refuseBusy(QTcpSocket* socket) {
        QObject::connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(m_options.exchangeTimeout, socket, [socket] {
            socket->abort();
            socket->deleteLater();
        });
        const std::string bytes =
            serializeResponse(plain(503, "too many connections to the metrics endpoint"), false);
        socket->write(bytes.data(), static_cast<qint64>(bytes.size()));
        socket->disconnectFromHost();
    }

    void onReadyRead(QTcpSocket* socket) {
        const auto it = m_connections.find(socket);
        if (it == m_connections.end()) {
            return;
        }
        Connection& connection = it->second;
        if (connection.answered) {
            (void)socket->readAll();  // a body or a pipelined request: not served
            return;
        }
        connection.buffer += socket->readAll();
        bool incomplete = false;
        std::string error;
        // Only the first maxRequestBytes count: a head that ends beyond them is too large.
        const std::size_t size = static_cast<std::size_t>(connection.buffer.size());
        const bool tooLarge = size > m_options.maxRequestBytes;
        const auto head =
            parseRequestHead(std::string_view(connection.buffer.constData(),
                                              tooLarge ? m_options.maxRequestBytes : size),
                             incomplete, error);
        if (head) {
            answer(socket, connection, respond(*head, m_sources), head->method == "HEAD");
        } else if (!incomplete) {
            answer(socket, connection, plain(400, "bad request: " + error), false);
        } else if (tooLarge) {
            answer(socket, connection,
                   plain(431, "request too large: at most " +
                                  std::to_string(m_options.maxRequestBytes) +
                                  " bytes of request line and headers"),
                   false);
        }
    }

    void answer(QTcpSocket* socket, Connection& connection, const HttpResponse& response,
                bool headOnly) {
        connection.answered = true;
        connection.buffer.clear();
        const std::string bytes = serializeResponse(response, headOnly);
        socket->write(bytes.data(), static_cast<qint64>(bytes.size()));
        // Closes once the response is written; the deadline still bounds a client that does
        // not read it.
        socket->disconnectFromHost();
    }

    void drop(QTcpSocket* socket) {
        const auto it = m_connections.find(socket);
        if (it == m_connections.end()) {
            return;
        }
        m_connections.erase(it);
        QObject::disconnect(socket, nullptr, &m_context, nullptr);
        socket->abort();
        socket->deleteLater();
    }

    HttpSources m_sources;
    HttpServerOptions m_options;
    QObject m_context;  // receiver of every connection: disconnecting it silences them all
    std::unique_ptr<QTcpServer> m_server;
    std::map<QTcpSocket*, Connection> m_connections;
};

HttpServer::HttpServer(HttpSources sources, HttpServerOptions options)
    : m_impl(std::make_unique<Impl>(std::move(sources), options)) {}

HttpServer::~HttpServer() = default;

Status HttpServer::listen(const std::string& host, std::uint16_t port) {
    return m_impl->listen(host, port);
}

std::uint16_t HttpServer::port() const {
    return m_impl->port();
}

void HttpServer::close() {
    m_impl->close();
}

int HttpServer::openConnections() const {
    return m_impl->openConnections();
}

}  // namespace ferry::metrics
