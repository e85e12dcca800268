// SPDX-License-Identifier: Apache-2.0
// ferry-wan-proxy as a child process: its arguments, its control protocol, its signals.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_process.h"
#include "wan_test_support.h"

namespace ferry::wan {
namespace {

using namespace ferry::wan::test;
using ferry::harness::Child;

const std::string kExe = FERRY_WAN_PROXY_EXE;

struct TempDir {
    std::string path;
    TempDir() {
        char pattern[] = "/tmp/ferry-wan-cli-XXXXXX";
        path = ::mkdtemp(pattern);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

struct Ports {
    std::uint16_t listen = 0;
    std::uint16_t control = 0;
};

// Waits for the port file the proxy writes once it listens.
bool waitForPorts(const std::string& path, Ports& ports) {
    return waitFor([&] {
        std::ifstream file(path);
        std::string word1;
        std::string word2;
        return static_cast<bool>(file >> word1 >> ports.listen >> word2 >> ports.control) &&
               word1 == "listening" && word2 == "control";
    });
}

// A line-based client of the control port.
class ControlClient {
public:
    explicit ControlClient(std::uint16_t port) : m_fd(connectTo(port)) {}
    ~ControlClient() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    bool connected() const { return m_fd >= 0; }
    std::string ask(const std::string& line) {
        if (!sendAll(m_fd, line + "\n")) {
            return "<send failed>";
        }
        const auto deadline = Clock::now() + 5s;
        while (m_buffer.find('\n') == std::string::npos && Clock::now() < deadline) {
            if (!readable(m_fd, 1000ms)) {
                continue;
            }
            char chunk[4096];
            const ssize_t got = ::recv(m_fd, chunk, sizeof chunk, 0);
            if (got <= 0) {
                break;
            }
            m_buffer.append(chunk, static_cast<std::size_t>(got));
        }
        const std::size_t newline = m_buffer.find('\n');
        if (newline == std::string::npos) {
            return "<no answer>";
        }
        std::string reply = m_buffer.substr(0, newline);
        m_buffer.erase(0, newline + 1);
        return reply;
    }

private:
    int m_fd;
    std::string m_buffer;
};

struct BadArgumentsRow {
    std::vector<std::string> args;
    const char* message;
};

TEST(WanProxyCli, BadArgumentsExitWithTwo) {
    const BadArgumentsRow rows[] = {
        {{}, "--target HOST:PORT is required"},
        {{"--target", "nowhere"}, "--target: 'nowhere' is not HOST:PORT"},
        {{"--target", "127.0.0.1:70000"}, "--target: '127.0.0.1:70000'"},
        {{"--target", "127.0.0.1:0"}, "--target: '127.0.0.1:0'"},
        {{"--target", "127.0.0.1:1", "--delay-ms", "abc"}, "--delay-ms: 'abc' is not"},
        {{"--target", "127.0.0.1:1", "--rate-kbit", "-5"}, "--rate-kbit: '-5' is not"},
        {{"--target", "127.0.0.1:1", "--jitter-ms"}, "--jitter-ms needs a value"},
        {{"--target", "127.0.0.1:1", "--bogus", "1"}, "unknown option '--bogus'"},
        {{"--target", "127.0.0.1:1", "stray"}, "unexpected argument 'stray'"},
        {{"--target", "127.0.0.1:1", "--listen", "127.0.0.1"}, "--listen:"},
        {{"--target", "127.0.0.1:1", "--max-buffer-mib=0"}, "--max-buffer-mib: must be"},
    };
    for (const BadArgumentsRow& row : rows) {
        std::string shown;
        for (const std::string& arg : row.args) {
            shown += arg + " ";
        }
        SCOPED_TRACE(shown);
        const ferry::harness::Finished run = ferry::harness::runToEnd(kExe, row.args);
        EXPECT_EQ(run.exitCode, 2);
        EXPECT_NE(run.err.find(std::string("ferry-wan-proxy: ") + row.message), std::string::npos)
            << run.err;
        EXPECT_NE(run.err.find("--help"), std::string::npos);
        EXPECT_TRUE(run.out.empty()) << run.out;
    }
}

TEST(WanProxyCli, HelpAndStartFailure) {
    const ferry::harness::Finished help = ferry::harness::runToEnd(kExe, {"--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("Usage: ferry-wan-proxy"), std::string::npos);
    EXPECT_NE(help.out.find("cut reset"), std::string::npos);

    TestServer taken([](int) {});
    const std::string busy = "127.0.0.1:" + std::to_string(taken.port());
    const ferry::harness::Finished failed =
        ferry::harness::runToEnd(kExe, {"--listen", busy, "--target", busy});
    EXPECT_EQ(failed.exitCode, 1);
    EXPECT_NE(failed.err.find("cannot listen on " + busy), std::string::npos) << failed.err;
}

TEST(WanProxyCli, ControlProtocolDrivesTheLink) {
    std::atomic<std::uint64_t> received{0};
    TestServer echo(echoHandler(received));
    TempDir dir;
    const std::string portFile = dir.path + "/ports";
    Child child;
    ASSERT_TRUE(child.start(
        kExe, {"--listen", "127.0.0.1:0", "--target", "127.0.0.1:" + std::to_string(echo.port()),
               "--delay-ms", "0", "--control", "127.0.0.1:0", "--port-file", portFile}));
    Ports ports;
    ASSERT_TRUE(waitForPorts(portFile, ports)) << child.err();
    ControlClient control(ports.control);
    ASSERT_TRUE(control.connected());

    EXPECT_EQ(control.ask("set up delay_ms=60"), "ok");
    EXPECT_EQ(control.ask("set down delay_ms=40 jitter_ms=0"), "ok");
    const int fd = connectTo(ports.listen);
    ASSERT_GE(fd, 0);
    const auto start = Clock::now();
    ASSERT_TRUE(sendAll(fd, "ping"));
    ASSERT_EQ(readExactly(fd, 4, 5000ms), "ping");
    EXPECT_GE(Clock::now() - start, 100ms);

    EXPECT_EQ(control.ask("cut"), "ok");
    ASSERT_TRUE(sendAll(fd, "held"));
    EXPECT_FALSE(readable(fd, 300ms));
    const std::string held = control.ask("stats");
    EXPECT_NE(held.find("\"up_bytes\":4,"), std::string::npos) << held;
    EXPECT_NE(held.find("\"cut\":\"hold\""), std::string::npos) << held;
    EXPECT_EQ(control.ask("restore"), "ok");
    EXPECT_EQ(readExactly(fd, 4, 5000ms), "held");
    EXPECT_TRUE(waitFor([&] {
        const std::string stats = control.ask("stats");
        return stats.find("\"up_bytes\":8,") != std::string::npos &&
               stats.find("\"down_bytes\":8,") != std::string::npos &&
               stats.find("\"connections_open\":1,\"connections_total\":1,") != std::string::npos;
    }));

    EXPECT_EQ(control.ask("cut reset"), "ok");
    EXPECT_LE(readEnd(fd, 5000ms), 0);
    ::close(fd);
    EXPECT_EQ(connectTo(ports.listen), -ECONNREFUSED);
    EXPECT_EQ(control.ask("restore"), "ok");

    EXPECT_EQ(control.ask("bogus"),
              "error unknown command 'bogus'; commands: cut, cut reset, "
              "restore, set, stats, quit");
    EXPECT_EQ(control.ask("set up delay_ms=x").rfind("error delay_ms: 'x'", 0), 0u);
    EXPECT_EQ(control.ask("quit"), "ok");
    EXPECT_EQ(child.wait(), 0) << child.err();
    EXPECT_NE(child.out().find("listening " + std::to_string(ports.listen) + " control " +
                               std::to_string(ports.control)),
              std::string::npos)
        << child.out();
}

TEST(WanProxyCli, SignalsStopCleanly) {
    for (const int number : {SIGTERM, SIGINT}) {
        SCOPED_TRACE(number);
        TempDir dir;
        const std::string portFile = dir.path + "/ports";
        Child child;
        ASSERT_TRUE(child.start(kExe, {"--target", "127.0.0.1:9", "--port-file", portFile}));
        Ports ports;
        ASSERT_TRUE(waitForPorts(portFile, ports)) << child.err();
        child.signal(number);
        EXPECT_EQ(child.wait(), 0) << child.err();
    }
}

}  // namespace
}  // namespace ferry::wan
