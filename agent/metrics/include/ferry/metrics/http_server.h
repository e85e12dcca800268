// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/metrics/health.h"
#include "ferry/model/result.h"

namespace ferry::metrics {

// The endpoint's data, produced on the server's thread for each request.
struct HttpSources {
    std::function<std::string()> metrics;  // Prometheus text exposition 0.0.4
    std::function<Health()> health;
};

struct HttpServerOptions {
    // Request line plus headers; a longer request gets 431 and the connection is closed.
    std::size_t maxRequestBytes = 8192;
    // From accept to the last byte of the response; a slower client is disconnected.
    std::chrono::milliseconds exchangeTimeout{10000};
    // Open connections at once; beyond, a new connection gets 503 and is closed.
    int maxConnections = 32;
};

// The head of one HTTP/1.x request.
struct HttpRequestHead {
    std::string method;
    std::string path;  // without the query string
};

// Parses the request line of a request head (request line and headers, up to the empty line).
// nullopt with `incomplete` set: the empty line has not arrived yet; nullopt otherwise: the
// request is malformed and `error` says how.
std::optional<HttpRequestHead> parseRequestHead(std::string_view bytes, bool& incomplete,
                                                std::string& error);

struct HttpResponse {
    int status = 200;
    std::string contentType = "text/plain; charset=utf-8";
    std::string body;
    bool allowHeader = false;  // 405: say which methods are allowed
};

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// The response to a parsed request: GET (or HEAD) /metrics and /healthz, 404 for other paths,
// 405 for other methods on those paths.
HttpResponse respond(const HttpRequestHead& request, const HttpSources& sources);
// Status line, headers (Content-Length, Connection: close) and, unless `headOnly`, the body.
std::string serializeResponse(const HttpResponse& response, bool headOnly);

// The agent's metrics endpoint: a small HTTP/1.1 server for Prometheus (GET /metrics) and
// health probes (GET /healthz). One request per connection (Connection: close). Each
// connection is handled on its own as bytes arrive, so a slow or oversized request never delays
// another client; every connection has a bounded request size and a deadline, and their number
// is bounded.
//
// Thread safety: create, use and destroy it on one thread with a running Qt event loop (the
// agent's network thread); the sources are called on that thread. No TLS and no
// authentication: bind it to loopback or a management network.
class HttpServer {
public:
    explicit HttpServer(HttpSources sources, HttpServerOptions options = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // `host` is an IP address, "localhost" or "*" (every address); port 0 picks a free port.
    [[nodiscard]] Status listen(const std::string& host, std::uint16_t port);
    std::uint16_t port() const;
    // Stops listening and drops every open connection.
    void close();
    int openConnections() const;

private:
    class Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace ferry::metrics
