// SPDX-License-Identifier: Apache-2.0
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <iostream>
#include <random>

#include "ferry/wan/control.h"
#include "ferry/wan/wan_proxy.h"
#include "wan_test_support.h"

namespace ferry::wan {
namespace {

using namespace ferry::wan::test;

std::unique_ptr<WanProxy> startProxy(std::uint16_t target, LinkSettings up = {},
                                     LinkSettings down = {}, std::size_t maxBuffered = 64u << 20) {
    WanProxyOptions options;
    options.targetPort = target;
    options.up = up;
    options.down = down;
    options.maxBufferedBytes = maxBuffered;
    options.seed = 42;
    auto proxy = WanProxy::start(options);
    EXPECT_TRUE(proxy.ok()) << (proxy.ok() ? "" : proxy.error().message);
    return proxy.ok() ? std::move(proxy).value() : nullptr;
}

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A local port nobody listens on: bound (so no one else takes it) but not listening.
struct ClosedPort {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    std::uint16_t port = 0;
    ClosedPort() {
        const sockaddr_in address = loopback(0);
        ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        sockaddr_in bound{};
        socklen_t length = sizeof bound;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
        port = ntohs(bound.sin_port);
    }
    ~ClosedPort() { ::close(fd); }
};

struct HostPortRow {
    const char* text;
    bool allowZero;
    bool ok;
    const char* host;
    std::uint16_t port;
};

TEST(WanProxy, ParsesHostPort) {
    const HostPortRow rows[] = {
        {"127.0.0.1:3306", false, true, "127.0.0.1", 3306},
        {"localhost:1", false, true, "localhost", 1},
        {"[::1]:8080", false, true, "::1", 8080},
        {"127.0.0.1:0", true, true, "127.0.0.1", 0},
        {"127.0.0.1:0", false, false, "", 0},
        {"127.0.0.1:65536", false, false, "", 0},
        {"127.0.0.1:99999999999", false, false, "", 0},
        {"127.0.0.1:-1", false, false, "", 0},
        {"127.0.0.1:", false, false, "", 0},
        {":80", false, false, "", 0},
        {"127.0.0.1", false, false, "", 0},
        {"", false, false, "", 0},
    };
    for (const HostPortRow& row : rows) {
        SCOPED_TRACE(row.text);
        const auto parsed = parseHostPort(row.text, row.allowZero);
        ASSERT_EQ(parsed.ok(), row.ok);
        if (row.ok) {
            EXPECT_EQ(parsed->host, row.host);
            EXPECT_EQ(parsed->port, row.port);
        } else {
            EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
            EXPECT_NE(parsed.error().message.find(row.text), std::string::npos);
        }
    }
}

TEST(WanProxy, StartErrors) {
    TestServer taken([](int) {});
    ClosedPort closed;
    {
        WanProxyOptions options;
        options.listenPort = taken.port();
        options.targetPort = taken.port();
        const auto proxy = WanProxy::start(options);
        ASSERT_FALSE(proxy.ok());
        EXPECT_EQ(proxy.error().code, ErrorCode::Io);
        EXPECT_NE(proxy.error().message.find("cannot listen"), std::string::npos);
    }
    {
        WanProxyOptions options;
        options.targetPort = 0;
        const auto proxy = WanProxy::start(options);
        ASSERT_FALSE(proxy.ok());
        EXPECT_EQ(proxy.error().code, ErrorCode::InvalidArgument);
    }
    {
        WanProxyOptions options;
        options.targetPort = closed.port;
        options.requireTarget = true;
        const auto proxy = WanProxy::start(options);
        ASSERT_FALSE(proxy.ok());
        EXPECT_EQ(proxy.error().code, ErrorCode::Unavailable);
        EXPECT_NE(proxy.error().message.find(std::to_string(closed.port)), std::string::npos);
    }
    {
        WanProxyOptions options;
        options.targetPort = taken.port();
        options.requireTarget = true;
        const auto proxy = WanProxy::start(options);
        ASSERT_TRUE(proxy.ok()) << proxy.error().message;
        EXPECT_NE((*proxy)->port(), 0);
    }
}

TEST(WanProxy, TargetRefusingClosesTheClient) {
    ClosedPort closed;
    auto proxy = startProxy(closed.port);
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    EXPECT_LE(readEnd(fd, 5000ms), 0);
    ::close(fd);
    EXPECT_TRUE(waitFor([&] { return proxy->stats().connectionsFailed == 1; }));
    EXPECT_NE(proxy->lastError().find("refused"), std::string::npos) << proxy->lastError();
}

struct DelayRow {
    std::uint32_t upMs;
    std::uint32_t downMs;
};

TEST(WanProxy, DelaysEachDirection) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    for (const DelayRow row : {DelayRow{50, 50}, DelayRow{80, 20}, DelayRow{0, 0}}) {
        SCOPED_TRACE(std::to_string(row.upMs) + "/" + std::to_string(row.downMs));
        auto proxy = startProxy(echo.port(), {row.upMs, 0, 0}, {row.downMs, 0, 0});
        ASSERT_TRUE(proxy);
        EXPECT_EQ(proxy->link(Direction::Up).delayMs, row.upMs);
        const int fd = connectTo(proxy->port());
        ASSERT_GE(fd, 0);
        ASSERT_TRUE(sendAll(fd, "w"));
        ASSERT_EQ(readExactly(fd, 1, 5000ms), "w");
        const auto start = Clock::now();
        ASSERT_TRUE(sendAll(fd, "ping"));
        ASSERT_EQ(readExactly(fd, 4, 5000ms), "ping");
        const double elapsed = secondsSince(start);
        const double expected = (row.upMs + row.downMs) / 1000.0;
        EXPECT_GE(elapsed, expected);
        EXPECT_LT(elapsed, expected + 1.0);
        ::close(fd);
    }
}

TEST(WanProxy, JitterSpreadsTheDelay) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port(), {0, 40, 0}, {0, 40, 0});
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    double longest = 0;
    for (int i = 0; i < 10; ++i) {
        const auto start = Clock::now();
        ASSERT_TRUE(sendAll(fd, "j"));
        ASSERT_EQ(readExactly(fd, 1, 5000ms), "j");
        longest = std::max(longest, secondsSince(start));
    }
    ::close(fd);
    // Ten round trips of two uniform 0..40 ms draws each: all under 10 ms has odds below 1e-15.
    EXPECT_GE(longest, 0.010);
    EXPECT_LT(longest, 0.080 + 1.0);
}

TEST(WanProxy, CapsBandwidthPerDirectionSharedByConnections) {
    constexpr std::size_t kTotal = 4'000'000;
    constexpr std::uint64_t kRateKbit = 16'000;  // 2,000,000 bytes/s: 4 MB in 2 s
    struct Row {
        std::uint64_t upKbit;
        std::uint64_t downKbit;
        Direction transfer;
        int connections;
        bool capped;  // else it must be much faster than the cap
    };
    const Row rows[] = {
        {kRateKbit, 0, Direction::Up, 1, true},
        {kRateKbit, 0, Direction::Up, 2, true},  // two connections share one link
        {0, kRateKbit, Direction::Down, 1, true},
        {kRateKbit, 0, Direction::Down, 1, false},  // the other direction is not capped
        {0, 0, Direction::Up, 1, false},
    };
    for (const Row& row : rows) {
        const bool upward = row.transfer == Direction::Up;
        const std::string label = std::to_string(row.connections) + " connection(s) " +
                                  (upward ? "up" : "down") + ", caps up " +
                                  std::to_string(row.upKbit) + " down " +
                                  std::to_string(row.downKbit) + " kbit/s";
        SCOPED_TRACE(label);
        const std::string payload(kTotal / static_cast<std::size_t>(row.connections), 'b');
        std::atomic<std::uint64_t> received{0};
        TestServer server(upward ? sinkHandler(received) : [&payload](int fd) {
            sendAll(fd, payload);
            ::shutdown(fd, SHUT_WR);
        });
        auto proxy = startProxy(server.port(), {0, 0, row.upKbit}, {0, 0, row.downKbit});
        ASSERT_TRUE(proxy);
        const auto start = Clock::now();
        std::vector<int> fds;
        for (int i = 0; i < row.connections; ++i) {
            fds.push_back(connectTo(proxy->port()));
            ASSERT_GE(fds.back(), 0);
        }
        std::vector<std::thread> workers;
        for (const int fd : fds) {
            workers.emplace_back([fd, upward, &payload, &received] {
                if (upward) {
                    sendAll(fd, payload);
                } else {
                    received += readExactly(fd, payload.size(), 10000ms).size();
                }
            });
        }
        const bool all = waitFor([&] { return received.load() == kTotal; }, 10000ms);
        const double elapsed = secondsSince(start);
        for (std::thread& worker : workers) {
            worker.join();
        }
        for (const int fd : fds) {
            ::close(fd);
        }
        ASSERT_TRUE(all) << received.load();
        std::cout << "[   INFO   ] " << label << ": " << elapsed << " s\n";
        if (row.capped) {
            EXPECT_GT(elapsed, 2.0 * 0.7);
            EXPECT_LT(elapsed, 2.0 * 1.3);
        } else {
            EXPECT_LT(elapsed, 1.0);
        }
        EXPECT_TRUE(waitFor([&] {
            const WanStats stats = proxy->stats();
            return (upward ? stats.up.bytes : stats.down.bytes) == kTotal;
        })) << statsToJson(proxy->stats());
    }
}

TEST(WanProxy, JitterNeverReorders) {
    constexpr std::size_t kSize = 8u << 20;
    std::string data(kSize, '\0');
    std::mt19937_64 random(7);
    for (std::size_t i = 0; i + 8 <= kSize; i += 8) {
        const std::uint64_t word = random();
        std::memcpy(&data[i], &word, 8);
    }
    const std::uint64_t sentHash = fnv1a(kFnvBasis, data.data(), data.size());

    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port(), {5, 20, 0}, {5, 20, 0});
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    std::thread writer([&] {
        // Many small writes, so there are many chunks to reorder if the proxy could.
        for (std::size_t at = 0; at < kSize; at += 1000) {
            if (!sendAll(fd, data.data() + at, std::min<std::size_t>(1000, kSize - at))) {
                return;
            }
        }
        ::shutdown(fd, SHUT_WR);
    });
    std::uint64_t hash = kFnvBasis;
    std::size_t total = 0;
    char buffer[65536];
    const auto deadline = Clock::now() + 15s;
    bool ended = false;
    while (Clock::now() < deadline && readable(fd, 1000ms)) {
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got <= 0) {
            ended = got == 0;
            break;
        }
        hash = fnv1a(hash, buffer, static_cast<std::size_t>(got));
        total += static_cast<std::size_t>(got);
    }
    writer.join();
    ::close(fd);
    EXPECT_TRUE(ended);
    EXPECT_EQ(total, kSize);
    EXPECT_EQ(hash, sentHash);
    EXPECT_GT(proxy->stats().up.chunks, 8u);
}

TEST(WanProxy, CutHoldsEverythingUntilRestore) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port(), {10, 0, 0}, {10, 0, 0});
    ASSERT_TRUE(proxy);
    const int first = connectTo(proxy->port());
    ASSERT_GE(first, 0);
    ASSERT_TRUE(sendAll(first, "x"));
    ASSERT_EQ(readExactly(first, 1, 5000ms), "x");

    proxy->cut();
    EXPECT_EQ(proxy->stats().cut, CutState::Hold);
    ASSERT_TRUE(sendAll(first, "hello"));
    const int second = connectTo(proxy->port());  // accepted, then waits
    ASSERT_GE(second, 0);
    ASSERT_TRUE(sendAll(second, "again"));
    // Nothing may arrive while cut: give it several delays' worth of time.
    EXPECT_FALSE(readable(first, 300ms));
    EXPECT_FALSE(readable(second, 10ms));
    EXPECT_EQ(received.load(), 1u);
    EXPECT_TRUE(waitFor([&] { return proxy->stats().connectionsTotal == 2; }));
    EXPECT_EQ(proxy->stats().up.bytes, 1u);

    proxy->restore();
    EXPECT_EQ(readExactly(first, 5, 5000ms), "hello");
    EXPECT_EQ(readExactly(second, 5, 5000ms), "again");
    ASSERT_TRUE(sendAll(first, "after"));
    EXPECT_EQ(readExactly(first, 5, 5000ms), "after");
    EXPECT_EQ(proxy->stats().connectionsFailed, 0u);
    ::close(first);
    ::close(second);
}

TEST(WanProxy, CutResetClosesAndRefusesUntilRestore) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port());
    ASSERT_TRUE(proxy);
    const std::uint16_t port = proxy->port();
    const int fd = connectTo(port);
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(sendAll(fd, "x"));
    ASSERT_EQ(readExactly(fd, 1, 5000ms), "x");

    proxy->cut(CutMode::Reset);
    EXPECT_LE(readEnd(fd, 5000ms), 0);
    ::close(fd);
    EXPECT_EQ(connectTo(port), -ECONNREFUSED);
    EXPECT_EQ(proxy->stats().connectionsOpen, 0u);
    EXPECT_EQ(proxy->stats().cut, CutState::Reset);

    proxy->restore();
    EXPECT_EQ(proxy->port(), port);
    const int again = connectTo(port);
    ASSERT_GE(again, 0) << "errno " << -again;
    ASSERT_TRUE(sendAll(again, "back"));
    EXPECT_EQ(readExactly(again, 4, 5000ms), "back");
    ::close(again);
}

TEST(WanProxy, HalfCloseArrivesAfterTheData) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port(), {30, 0, 0}, {30, 0, 0});
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    const std::string payload(200'000, 'h');
    ASSERT_TRUE(sendAll(fd, payload));
    ::shutdown(fd, SHUT_WR);
    // The echo server half-closes only after reading our EOF, which must come after the data;
    // its EOF in turn must reach us after the echoed data.
    EXPECT_EQ(readExactly(fd, payload.size(), 5000ms), payload);
    EXPECT_EQ(readEnd(fd, 5000ms), 0);
    EXPECT_EQ(received.load(), payload.size());
    ::close(fd);
    EXPECT_TRUE(waitFor([&] { return proxy->stats().connectionsOpen == 0; }));

    // The server closing first: its bytes, then EOF.
    TestServer greeter([](int server) {
        sendAll(server, "bye");
        ::shutdown(server, SHUT_WR);
    });
    auto second = startProxy(greeter.port(), {0, 0, 0}, {30, 0, 0});
    ASSERT_TRUE(second);
    const int client = connectTo(second->port());
    ASSERT_GE(client, 0);
    EXPECT_EQ(readExactly(client, 3, 5000ms), "bye");
    EXPECT_EQ(readEnd(client, 5000ms), 0);
    ::close(client);
}

TEST(WanProxy, BackpressureBoundsTheBuffer) {
    constexpr std::size_t kBound = 1u << 20;
    TestServer parked([](int) {});  // never reads
    auto proxy = startProxy(parked.port(), {}, {}, kBound);
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    std::string block(65536, '\0');
    std::uint64_t written = 0;
    // Write until the sender has been blocked for half a second.
    for (;;) {
        for (std::size_t i = 0; i < block.size(); ++i) {
            block[i] = static_cast<char>((written + i) % 251);
        }
        const ssize_t sent = ::send(fd, block.data(), block.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            written += static_cast<std::uint64_t>(sent);
            continue;
        }
        ASSERT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK) << errno;
        pollfd pfd{fd, POLLOUT, 0};
        if (::poll(&pfd, 1, 500) == 0) {
            break;
        }
        ASSERT_LT(written, 512u << 20) << "the sender never blocked";
    }
    ASSERT_TRUE(waitFor([&] { return proxy->stats().bufferedBytes == kBound; }))
        << proxy->stats().bufferedBytes;
    EXPECT_GT(written, kBound);
    EXPECT_EQ(proxy->stats().peakBufferedBytes, kBound);

    // The receiver starts reading: every byte arrives, in order.
    const std::vector<int> accepted = parked.acceptedFds();
    ASSERT_EQ(accepted.size(), 1u);
    std::uint64_t got = 0;
    bool inOrder = true;
    char buffer[65536];
    while (got < written && readable(accepted[0], 5000ms)) {
        const ssize_t n = ::recv(accepted[0], buffer, sizeof buffer, 0);
        if (n <= 0) {
            break;
        }
        for (ssize_t i = 0; i < n; ++i) {
            inOrder = inOrder && buffer[i] == static_cast<char>((got + i) % 251);
        }
        got += static_cast<std::uint64_t>(n);
    }
    EXPECT_EQ(got, written);
    EXPECT_TRUE(inOrder);
    EXPECT_LE(proxy->stats().peakBufferedBytes, kBound);
    ::close(fd);
}

TEST(WanProxy, StatsCountWhatWasForwarded) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port());
    ASSERT_TRUE(proxy);
    const int fd = connectTo(proxy->port());
    ASSERT_GE(fd, 0);
    std::uint64_t total = 0;
    for (const std::size_t size : {1u, 1000u, 20000u, 300000u}) {
        const std::string payload(size, 's');
        ASSERT_TRUE(sendAll(fd, payload));
        ASSERT_EQ(readExactly(fd, size, 5000ms).size(), size);
        total += size;
    }
    EXPECT_TRUE(waitFor([&] {
        const WanStats stats = proxy->stats();
        return stats.up.bytes == total && stats.down.bytes == total;
    })) << statsToJson(proxy->stats());
    WanStats stats = proxy->stats();
    EXPECT_GE(stats.up.chunks, 4u);
    EXPECT_GE(stats.down.chunks, 4u);
    EXPECT_EQ(stats.connectionsOpen, 1u);
    EXPECT_EQ(stats.connectionsTotal, 1u);
    EXPECT_EQ(stats.bufferedBytes, 0u);
    ::close(fd);
    EXPECT_TRUE(waitFor([&] { return proxy->stats().connectionsOpen == 0; }));
    EXPECT_EQ(proxy->stats().connectionsTotal, 1u);
}

struct ControlRow {
    const char* line;
    const char* replyPrefix;
    LinkSettings up;    // expected afterwards
    LinkSettings down;  // expected afterwards
    CutState cut;
    bool quit;
};

TEST(WanProxy, ControlProtocol) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    auto proxy = startProxy(echo.port(), {1, 2, 3}, {4, 5, 6});
    ASSERT_TRUE(proxy);
    const ControlRow rows[] = {
        {"set up delay_ms=7", "ok", {7, 2, 3}, {4, 5, 6}, CutState::None, false},
        {"set down rate_kbit=500", "ok", {7, 2, 3}, {4, 5, 500}, CutState::None, false},
        {"set delay_ms=3 jitter_ms=0", "ok", {3, 0, 3}, {3, 0, 500}, CutState::None, false},
        {"  set both   rate_kbit=0\r", "ok", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"set sideways delay_ms=1",
         "error unknown direction 'sideways'",
         {3, 0, 0},
         {3, 0, 0},
         CutState::None,
         false},
        {"set up", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"set up delay_ms=abc", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"set up delay_ms=-1", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"set up delay_ms=99999999999", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"set up delay_ms=1 foo=2", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"cut", "ok", {3, 0, 0}, {3, 0, 0}, CutState::Hold, false},
        {"cut sideways", "error", {3, 0, 0}, {3, 0, 0}, CutState::Hold, false},
        {"restore", "ok", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"cut reset", "ok", {3, 0, 0}, {3, 0, 0}, CutState::Reset, false},
        {"restore now", "error", {3, 0, 0}, {3, 0, 0}, CutState::Reset, false},
        {"restore", "ok", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"stats", "{\"up_bytes\":0,", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"", "error", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"bogus", "error unknown command 'bogus'", {3, 0, 0}, {3, 0, 0}, CutState::None, false},
        {"quit", "ok", {3, 0, 0}, {3, 0, 0}, CutState::None, true},
    };
    for (const ControlRow& row : rows) {
        SCOPED_TRACE(row.line);
        const ControlReply reply = executeControlLine(*proxy, row.line);
        EXPECT_EQ(reply.text.rfind(row.replyPrefix, 0), 0u) << reply.text;
        EXPECT_EQ(reply.quit, row.quit);
        EXPECT_EQ(proxy->link(Direction::Up), row.up);
        EXPECT_EQ(proxy->link(Direction::Down), row.down);
        EXPECT_EQ(proxy->stats().cut, row.cut);
    }
}

}  // namespace
}  // namespace ferry::wan
