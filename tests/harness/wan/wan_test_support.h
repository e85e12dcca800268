// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// Sockets and a small threaded TCP server for the WAN proxy tests. Test support only: blocking
// sockets, every wait has a deadline.
namespace ferry::wan::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// Connects to 127.0.0.1:port; the fd, or -errno.
inline int connectTo(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in address = loopback(port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int error = errno;
        ::close(fd);
        return -error;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

inline bool sendAll(int fd, const void* data, std::size_t size) {
    const char* at = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t sent = ::send(fd, at, size, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) {
            continue;
        }
        if (sent <= 0) {
            return false;
        }
        at += sent;
        size -= static_cast<std::size_t>(sent);
    }
    return true;
}

inline bool sendAll(int fd, const std::string& data) {
    return sendAll(fd, data.data(), data.size());
}

// Waits up to `timeout` for fd to become readable (or hung up).
inline bool readable(int fd, std::chrono::milliseconds timeout) {
    pollfd pfd{fd, POLLIN, 0};
    return ::poll(&pfd, 1, static_cast<int>(timeout.count())) > 0;
}

// Reads exactly `size` bytes before `timeout`; fewer on EOF, error or timeout.
inline std::string readExactly(int fd, std::size_t size, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string out;
    char buffer[65536];
    while (out.size() < size) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || !readable(fd, left)) {
            break;
        }
        const ssize_t got = ::recv(fd, buffer, std::min(sizeof buffer, size - out.size()), 0);
        if (got <= 0) {
            break;
        }
        out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
}

// What a read finds after the peer went away: 0 (EOF), -errno, or 1 when data or nothing came.
inline int readEnd(int fd, std::chrono::milliseconds timeout) {
    if (!readable(fd, timeout)) {
        return 1;
    }
    char byte;
    const ssize_t got = ::recv(fd, &byte, 1, 0);
    return got < 0 ? -errno : (got == 0 ? 0 : 1);
}

// Polls `condition` until it holds or `timeout` passes.
template <typename Condition>
bool waitFor(Condition condition, std::chrono::milliseconds timeout = 5000ms) {
    const auto deadline = Clock::now() + timeout;
    while (!condition()) {
        if (Clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(2ms);
    }
    return true;
}

inline std::uint64_t fnv1a(std::uint64_t hash, const char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= static_cast<unsigned char>(data[i]);
        hash *= 1099511628211ull;
    }
    return hash;
}
constexpr std::uint64_t kFnvBasis = 14695981039346656037ull;

// A TCP server on 127.0.0.1 that runs `handler(fd)` on its own thread for each connection.
// The server owns the accepted fds (handlers must not close them) and closes them on
// destruction, which also unblocks handlers stuck in reads.
class TestServer {
public:
    using Handler = std::function<void(int fd)>;

    explicit TestServer(Handler handler) : m_handler(std::move(handler)) {
        m_listen = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const sockaddr_in address = loopback(0);
        ::bind(m_listen, reinterpret_cast<const sockaddr*>(&address), sizeof address);
        ::listen(m_listen, 64);
        sockaddr_in bound{};
        socklen_t length = sizeof bound;
        ::getsockname(m_listen, reinterpret_cast<sockaddr*>(&bound), &length);
        m_port = ntohs(bound.sin_port);
        m_acceptor = std::thread([this] { acceptLoop(); });
    }
    ~TestServer() {
        m_stopping = true;
        ::shutdown(m_listen, SHUT_RDWR);
        m_acceptor.join();
        {
            std::lock_guard lock(m_mutex);
            for (const int fd : m_fds) {
                ::shutdown(fd, SHUT_RDWR);
            }
        }
        for (std::thread& worker : m_workers) {
            worker.join();
        }
        for (const int fd : m_fds) {
            ::close(fd);
        }
        ::close(m_listen);
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;

    std::uint16_t port() const { return m_port; }
    std::vector<int> acceptedFds() const {
        std::lock_guard lock(m_mutex);
        return m_fds;
    }

private:
    void acceptLoop() {
        while (!m_stopping) {
            const int fd = ::accept4(m_listen, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) {
                    continue;
                }
                return;
            }
            std::lock_guard lock(m_mutex);
            m_fds.push_back(fd);
            m_workers.emplace_back([this, fd] { m_handler(fd); });
        }
    }

    Handler m_handler;
    int m_listen = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::thread m_acceptor;
    mutable std::mutex m_mutex;
    std::vector<int> m_fds;
    std::vector<std::thread> m_workers;
};

// Echoes everything; on EOF half-closes its side. Counts the bytes it received.
inline TestServer::Handler echoHandler(std::atomic<std::uint64_t>& received) {
    return [&received](int fd) {
        char buffer[65536];
        for (;;) {
            const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) {
                break;
            }
            received += static_cast<std::uint64_t>(got);
            if (!sendAll(fd, buffer, static_cast<std::size_t>(got))) {
                return;
            }
        }
        ::shutdown(fd, SHUT_WR);
    };
}

// Reads and counts everything until EOF.
inline TestServer::Handler sinkHandler(std::atomic<std::uint64_t>& received) {
    return [&received](int fd) {
        char buffer[65536];
        for (;;) {
            const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) {
                return;
            }
            received += static_cast<std::uint64_t>(got);
        }
    };
}

}  // namespace ferry::wan::test
