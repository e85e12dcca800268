// SPDX-License-Identifier: Apache-2.0
#include "ferry/wan/wan_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

namespace ferry::wan {
namespace {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

constexpr std::size_t kReadSize = 64 * 1024;
constexpr int kListenBacklog = 128;

std::string errnoText(int error) {
    return std::strerror(error);
}

void closeFd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

// Closes with a TCP reset instead of a FIN, as a middlebox that drops a connection does.
void resetFd(int& fd) {
    if (fd >= 0) {
        const linger hard{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        closeFd(fd);
    }
}

bool setNonBlocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const { return storage.ss_family; }
    void setPort(std::uint16_t port) {
        if (storage.ss_family == AF_INET) {
            reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
        } else {
            reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
        }
    }
};

std::string describe(const std::string& host, std::uint16_t port) {
    if (host.find(':') != std::string::npos) {
        return "[" + host + "]:" + std::to_string(port);
    }
    return host + ":" + std::to_string(port);
}

Result<SocketAddress> resolve(const std::string& host, std::uint16_t port, const char* role) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
    if (rc != 0 || found == nullptr) {
        return makeError(ErrorCode::Unavailable, std::string("wan proxy: cannot resolve ") + role +
                                                     " host '" + host + "': " + gai_strerror(rc) +
                                                     "; give an address or a known name");
    }
    SocketAddress address;
    std::memcpy(&address.storage, found->ai_addr, found->ai_addrlen);
    address.length = found->ai_addrlen;
    ::freeaddrinfo(found);
    address.setPort(port);
    return address;
}

// Connects with a timeout, blocking; used only by start() to check the target.
Status probeTarget(const SocketAddress& target, const std::string& label) {
    int fd = ::socket(target.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || !setNonBlocking(fd)) {
        const int error = errno;
        closeFd(fd);
        return makeError(ErrorCode::Io, "wan proxy: cannot create a socket: " + errnoText(error));
    }
    int error = 0;
    if (::connect(fd, target.get(), target.length) != 0) {
        error = errno;
        if (error == EINPROGRESS) {
            pollfd pfd{fd, POLLOUT, 0};
            const int ready = ::poll(&pfd, 1, 3000);
            if (ready == 0) {
                error = ETIMEDOUT;
            } else {
                socklen_t length = sizeof error;
                ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            }
        }
    }
    closeFd(fd);
    if (error != 0) {
        return makeError(ErrorCode::Unavailable, "wan proxy: cannot connect to target " + label +
                                                     ": " + errnoText(error) +
                                                     "; start the target before the proxy");
    }
    return okStatus();
}

struct Chunk {
    TimePoint due;
    std::vector<char> data;
    std::size_t offset = 0;
};

// One direction of one connection: bytes read from the sending side, waiting for delivery.
struct Flow {
    std::deque<Chunk> queue;
    std::size_t buffered = 0;
    TimePoint lastDue{};
    bool sourceEnded = false;   // the sender closed or half-closed (or failed)
    bool sinkShut = false;      // the end was passed on to the receiver
    bool writeBlocked = false;  // the receiver's socket is full: wait for POLLOUT
};

enum class ConnState { WaitingToConnect, Connecting, Open };

struct Connection {
    int client = -1;
    int server = -1;
    ConnState state = ConnState::WaitingToConnect;
    Flow up;
    Flow down;
    bool broken = false;
    std::size_t buffered() const { return up.buffered + down.buffered; }
};

// A token bucket shared by every connection of one direction, as one physical link.
struct Bucket {
    std::uint64_t bytesPerSecond = 0;  // 0 = unlimited
    double capacity = 0;
    double tokens = 0;
    TimePoint last{};

    void setRate(std::uint64_t rateKbit, TimePoint now) {
        const std::uint64_t rate = rateKbit * 1000 / 8;
        if (rate == bytesPerSecond) {
            return;
        }
        refill(now);
        bytesPerSecond = rate;
        // About 20 ms of traffic, at least a few segments. The loop wakes when a quarter of it
        // is there, so a late wake-up (a loaded machine) still finds room and loses no rate.
        capacity = std::max(4.0 * 1460.0, static_cast<double>(rate) / 50.0);
        tokens = std::min(tokens, capacity);
        last = now;
    }
    void refill(TimePoint now) {
        if (bytesPerSecond == 0) {
            return;
        }
        const double seconds = std::chrono::duration<double>(now - last).count();
        if (seconds > 0) {
            tokens = std::min(capacity, tokens + seconds * static_cast<double>(bytesPerSecond));
        }
        last = now;
    }
    std::size_t available(std::size_t wanted) const {
        if (bytesPerSecond == 0) {
            return wanted;
        }
        return std::min(wanted, static_cast<std::size_t>(std::max(0.0, tokens)));
    }
    void take(std::size_t bytes) {
        if (bytesPerSecond != 0) {
            tokens -= static_cast<double>(bytes);
        }
    }
    // When `wanted` bytes (capped at a quarter of the capacity) will be available.
    TimePoint readyAt(std::size_t wanted, TimePoint now) const {
        const double need = std::min(capacity / 4.0, static_cast<double>(wanted)) - tokens;
        if (bytesPerSecond == 0 || need <= 0) {
            return now;
        }
        const double seconds = need / static_cast<double>(bytesPerSecond);
        const TimePoint ready =
            last +
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)) +
            std::chrono::microseconds(50);
        return std::max(now, ready);
    }
};

}  // namespace

struct WanProxy::Impl {
    WanProxyOptions options;
    SocketAddress listenAddress;
    SocketAddress targetAddress;
    std::string targetLabel;
    std::uint16_t port = 0;
    int listenFd = -1;
    int wakeFd = -1;
    std::thread thread;

    // Shared with the callers, under mutex.
    mutable std::mutex mutex;
    std::condition_variable applied;
    LinkSettings sharedUp;
    LinkSettings sharedDown;
    CutState sharedCut = CutState::None;
    std::uint64_t commandSeq = 0;
    std::uint64_t appliedSeq = 0;
    bool stopRequested = false;
    bool running = false;
    WanStats sharedStats;
    std::string sharedLastError;

    // Owned by the event thread.
    LinkSettings up;
    LinkSettings down;
    CutState cutState = CutState::None;
    std::list<Connection> connections;
    Bucket upBucket;
    Bucket downBucket;
    WanStats local;
    std::string lastError;
    std::mt19937_64 random;
    std::array<char, kReadSize> readBuffer{};
    std::size_t rotation = 0;

    ~Impl() {
        closeFd(listenFd);
        closeFd(wakeFd);
    }

    Status bindAndListen();
    void wake() const {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto written = ::write(wakeFd, &one, sizeof one);
    }
    template <typename F>
    void command(F&& change) {
        std::unique_lock lock(mutex);
        change();
        const std::uint64_t seq = ++commandSeq;
        wake();
        applied.wait(lock, [&] { return appliedSeq >= seq || !running; });
    }

    void run();
    bool syncWithCallers();
    void applyCut(CutState wanted);
    void acceptClients();
    void startConnect(Connection& connection);
    void finishConnect(Connection& connection);
    void readFrom(Connection& connection, bool fromClient, TimePoint now);
    void writeFlow(Connection& connection, bool upward, TimePoint now);
    void noteError(std::string text) { lastError = std::move(text); }
    std::optional<TimePoint> nextDeadline(TimePoint now) const;
};

Status WanProxy::Impl::bindAndListen() {
    const auto tryBind = [&](std::uint16_t number) -> int {
        int fd = ::socket(listenAddress.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return -errno;
        }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        listenAddress.setPort(number);
        if (::bind(fd, listenAddress.get(), listenAddress.length) != 0) {
            const int error = errno;
            closeFd(fd);
            return -error;
        }
        return fd;
    };
    int fd = -1;
    if (options.listenPort != 0) {
        fd = tryBind(options.listenPort);
    } else {
        // A socket bound to an explicit port keeps it across cut(Reset) (shutdown, listen
        // again); one bound to port 0 would lose it. So find a free port, then bind it by number.
        for (int attempt = 0; attempt < 20 && fd < 0; ++attempt) {
            int probe = tryBind(0);
            if (probe < 0) {
                fd = probe;
                break;
            }
            sockaddr_storage bound{};
            socklen_t length = sizeof bound;
            ::getsockname(probe, reinterpret_cast<sockaddr*>(&bound), &length);
            const std::uint16_t found =
                bound.ss_family == AF_INET
                    ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                    : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
            closeFd(probe);
            fd = tryBind(found);
        }
    }
    const std::string where = describe(options.listenHost, options.listenPort);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "wan proxy: cannot listen on " + where + ": " +
                                            errnoText(-fd) + "; choose a free port or port 0");
    }
    if (::listen(fd, kListenBacklog) != 0 || !setNonBlocking(fd)) {
        const int error = errno;
        closeFd(fd);
        return makeError(ErrorCode::Io,
                         "wan proxy: cannot listen on " + where + ": " + errnoText(error));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    port = bound.ss_family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port)
                                      : ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    listenAddress.setPort(port);
    listenFd = fd;
    return okStatus();
}

bool WanProxy::Impl::syncWithCallers() {
    std::lock_guard lock(mutex);
    if (stopRequested) {
        return false;
    }
    up = sharedUp;
    down = sharedDown;
    const CutState wanted = sharedCut;
    if (wanted != cutState) {
        applyCut(wanted);
    }
    const TimePoint now = Clock::now();
    upBucket.setRate(up.rateKbit, now);
    downBucket.setRate(down.rateKbit, now);
    local.connectionsOpen = connections.size();
    local.bufferedBytes = 0;
    for (const Connection& connection : connections) {
        local.bufferedBytes += connection.buffered();
    }
    local.cut = cutState;
    sharedStats = local;
    if (!lastError.empty()) {
        sharedLastError = lastError;
    }
    appliedSeq = commandSeq;
    applied.notify_all();
    return true;
}

void WanProxy::Impl::applyCut(CutState wanted) {
    if (wanted == CutState::Reset) {
        for (Connection& connection : connections) {
            resetFd(connection.client);
            resetFd(connection.server);
        }
        connections.clear();
        // Shutting down a listening socket stops it listening but keeps its port (bound by
        // number); clients get ECONNREFUSED until listen() again.
        ::shutdown(listenFd, SHUT_RDWR);
    } else if (cutState == CutState::Reset) {
        if (::listen(listenFd, kListenBacklog) != 0) {
            noteError("wan proxy: cannot listen again on port " + std::to_string(port) + ": " +
                      errnoText(errno));
        }
    }
    cutState = wanted;
}

void WanProxy::Impl::acceptClients() {
    for (int i = 0; i < 64; ++i) {
        const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                errno != ECONNABORTED) {
                noteError("wan proxy: accept failed: " + errnoText(errno));
            }
            return;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection& connection = connections.emplace_back();
        connection.client = fd;
        ++local.connectionsTotal;
        if (cutState == CutState::None) {
            startConnect(connection);
        }
    }
}

void WanProxy::Impl::startConnect(Connection& connection) {
    connection.server = ::socket(targetAddress.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection.server < 0 || !setNonBlocking(connection.server)) {
        noteError("wan proxy: cannot create a socket to the target: " + errnoText(errno));
        connection.broken = true;
        ++local.connectionsFailed;
        return;
    }
    const int one = 1;
    ::setsockopt(connection.server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(connection.server, targetAddress.get(), targetAddress.length) == 0) {
        connection.state = ConnState::Open;
    } else if (errno == EINPROGRESS) {
        connection.state = ConnState::Connecting;
    } else {
        noteError("wan proxy: cannot connect to target " + targetLabel + ": " + errnoText(errno));
        connection.broken = true;
        ++local.connectionsFailed;
    }
}

void WanProxy::Impl::finishConnect(Connection& connection) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(connection.server, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        error = errno;
    }
    if (error == 0) {
        connection.state = ConnState::Open;
        return;
    }
    noteError("wan proxy: cannot connect to target " + targetLabel + ": " + errnoText(error));
    connection.broken = true;
    ++local.connectionsFailed;
}

void WanProxy::Impl::readFrom(Connection& connection, bool fromClient, TimePoint now) {
    Flow& flow = fromClient ? connection.up : connection.down;
    const LinkSettings& link = fromClient ? up : down;
    const int fd = fromClient ? connection.client : connection.server;
    for (int i = 0; i < 4 && !flow.sourceEnded; ++i) {
        const std::size_t held = connection.buffered();
        if (held >= options.maxBufferedBytes) {
            return;
        }
        const std::size_t budget = std::min(kReadSize, options.maxBufferedBytes - held);
        const ssize_t got = ::recv(fd, readBuffer.data(), budget, 0);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return;
            }
            noteError(std::string("wan proxy: reading from the ") +
                      (fromClient ? "client" : "target") + " failed: " + errnoText(errno));
            flow.sourceEnded = true;
            return;
        }
        if (got == 0) {
            flow.sourceEnded = true;
            return;
        }
        std::int64_t extraMicros = 0;
        if (link.jitterMs > 0) {
            std::uniform_int_distribution<std::int64_t> spread(
                0, static_cast<std::int64_t>(link.jitterMs) * 1000);
            extraMicros = spread(random);
        }
        const TimePoint due = std::max(flow.lastDue, now + std::chrono::milliseconds(link.delayMs) +
                                                         std::chrono::microseconds(extraMicros));
        flow.lastDue = due;
        const auto bytes = static_cast<std::size_t>(got);
        flow.queue.push_back(
            Chunk{due, std::vector<char>(readBuffer.data(), readBuffer.data() + bytes), 0});
        flow.buffered += bytes;
        local.peakBufferedBytes =
            std::max<std::uint64_t>(local.peakBufferedBytes, connection.buffered());
        if (bytes < budget) {
            return;
        }
    }
}

void WanProxy::Impl::writeFlow(Connection& connection, bool upward, TimePoint now) {
    Flow& flow = upward ? connection.up : connection.down;
    const int fd = upward ? connection.server : connection.client;
    Bucket& bucket = upward ? upBucket : downBucket;
    DirectionStats& stats = upward ? local.up : local.down;
    if (connection.broken || connection.state != ConnState::Open) {
        return;
    }
    while (!flow.queue.empty() && !flow.writeBlocked) {
        Chunk& chunk = flow.queue.front();
        if (chunk.due > now) {
            return;
        }
        bucket.refill(now);
        const std::size_t size = bucket.available(chunk.data.size() - chunk.offset);
        if (size == 0) {
            return;
        }
        const ssize_t sent = ::send(fd, chunk.data.data() + chunk.offset, size, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                flow.writeBlocked = true;
            } else if (errno != EINTR) {
                noteError(std::string("wan proxy: writing to the ") +
                          (upward ? "target" : "client") + " failed: " + errnoText(errno));
                connection.broken = true;
            }
            return;
        }
        const auto count = static_cast<std::size_t>(sent);
        bucket.take(count);
        chunk.offset += count;
        flow.buffered -= count;
        stats.bytes += count;
        if (chunk.offset == chunk.data.size()) {
            flow.queue.pop_front();
            ++stats.chunks;
        }
    }
    if (flow.queue.empty() && flow.sourceEnded && !flow.sinkShut) {
        ::shutdown(fd, SHUT_WR);
        flow.sinkShut = true;
    }
}

std::optional<TimePoint> WanProxy::Impl::nextDeadline(TimePoint now) const {
    if (cutState != CutState::None) {
        return std::nullopt;
    }
    std::optional<TimePoint> next;
    const auto consider = [&](const Flow& flow, const Bucket& bucket) {
        if (flow.queue.empty() || flow.writeBlocked) {
            return;
        }
        const Chunk& chunk = flow.queue.front();
        TimePoint when = chunk.due;
        if (when <= now) {
            when = bucket.readyAt(chunk.data.size() - chunk.offset, now);
        }
        if (!next || when < *next) {
            next = when;
        }
    };
    for (const Connection& connection : connections) {
        if (connection.state == ConnState::Open) {
            consider(connection.up, upBucket);
            consider(connection.down, downBucket);
        }
    }
    return next;
}

void WanProxy::Impl::run() {
    std::vector<pollfd> fds;
    std::vector<Connection*> owners;
    while (syncWithCallers()) {
        const bool moving = cutState == CutState::None;
        fds.clear();
        owners.clear();
        fds.push_back({wakeFd, POLLIN, 0});
        fds.push_back({cutState == CutState::Reset ? -1 : listenFd, POLLIN, 0});
        for (Connection& connection : connections) {
            const bool roomLeft = connection.buffered() < options.maxBufferedBytes;
            short clientEvents = 0;
            short serverEvents = 0;
            if (moving && roomLeft && !connection.up.sourceEnded) {
                clientEvents |= POLLIN;
            }
            if (moving && connection.down.writeBlocked) {
                clientEvents |= POLLOUT;
            }
            if (connection.state == ConnState::Connecting) {
                serverEvents |= POLLOUT;
            } else if (connection.state == ConnState::Open) {
                if (moving && roomLeft && !connection.down.sourceEnded) {
                    serverEvents |= POLLIN;
                }
                if (moving && connection.up.writeBlocked) {
                    serverEvents |= POLLOUT;
                }
            }
            // A socket with no interest is left out, or a hang-up would wake the loop forever.
            fds.push_back({clientEvents != 0 ? connection.client : -1, clientEvents, 0});
            fds.push_back({serverEvents != 0 ? connection.server : -1, serverEvents, 0});
            owners.push_back(&connection);
        }
        const TimePoint before = Clock::now();
        const std::optional<TimePoint> deadline = nextDeadline(before);
        timespec timeout{};
        timespec* timeoutPointer = nullptr;
        if (deadline) {
            const auto wait = std::max(Clock::duration::zero(), *deadline - before);
            const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
            timeout.tv_sec = static_cast<time_t>(nanos / 1000000000);
            timeout.tv_nsec = static_cast<long>(nanos % 1000000000);
            timeoutPointer = &timeout;
        }
        const int ready = ::ppoll(fds.data(), fds.size(), timeoutPointer, nullptr);
        if (ready < 0 && errno != EINTR) {
            noteError("wan proxy: poll failed: " + errnoText(errno));
        }
        const TimePoint now = Clock::now();
        if (ready > 0) {
            if (fds[0].revents != 0) {
                std::uint64_t count = 0;
                [[maybe_unused]] const auto got = ::read(wakeFd, &count, sizeof count);
            }
            if (fds[1].revents != 0) {
                acceptClients();
            }
            for (std::size_t i = 0; i < owners.size(); ++i) {
                Connection& connection = *owners[i];
                const short clientEvents = fds[2 + 2 * i].revents;
                const short serverEvents = fds[3 + 2 * i].revents;
                if (connection.state == ConnState::Connecting && serverEvents != 0) {
                    finishConnect(connection);
                    continue;
                }
                if ((clientEvents & POLLOUT) != 0 || (clientEvents & (POLLERR | POLLHUP)) != 0) {
                    connection.down.writeBlocked = false;
                }
                if ((serverEvents & POLLOUT) != 0 || (serverEvents & (POLLERR | POLLHUP)) != 0) {
                    connection.up.writeBlocked = false;
                }
                if ((clientEvents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                    !connection.up.sourceEnded) {
                    readFrom(connection, true, now);
                }
                if ((serverEvents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
                    !connection.down.sourceEnded) {
                    readFrom(connection, false, now);
                }
            }
        }
        if (cutState != CutState::None) {
            continue;
        }
        // Deliver what is due, starting with a different connection each round so connections
        // sharing a rate cap take turns.
        if (!connections.empty()) {
            rotation = (rotation + 1) % connections.size();
            auto start = std::next(connections.begin(), static_cast<long>(rotation));
            for (std::size_t n = 0; n < connections.size(); ++n) {
                Connection& connection = *start;
                if (connection.state == ConnState::WaitingToConnect && !connection.broken) {
                    startConnect(connection);
                }
                writeFlow(connection, true, now);
                writeFlow(connection, false, now);
                if (++start == connections.end()) {
                    start = connections.begin();
                }
            }
        }
        for (auto it = connections.begin(); it != connections.end();) {
            const bool finished = it->up.sinkShut && it->down.sinkShut;
            if (it->broken) {
                resetFd(it->client);
                resetFd(it->server);
            } else if (finished) {
                closeFd(it->client);
                closeFd(it->server);
            }
            it = (it->broken || finished) ? connections.erase(it) : std::next(it);
        }
    }
    for (Connection& connection : connections) {
        closeFd(connection.client);
        closeFd(connection.server);
    }
    connections.clear();
}

WanProxy::WanProxy(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<WanProxy>> WanProxy::start(const WanProxyOptions& options) {
    if (options.targetPort == 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "wan proxy: the target port is 0; give the port of the target server");
    }
    if (options.maxBufferedBytes == 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "wan proxy: maxBufferedBytes is 0; give a bound of at least one byte");
    }
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->targetLabel = describe(options.targetHost, options.targetPort);
    FERRY_ASSIGN_OR_RETURN(impl->targetAddress,
                           resolve(options.targetHost, options.targetPort, "target"));
    FERRY_ASSIGN_OR_RETURN(impl->listenAddress,
                           resolve(options.listenHost, options.listenPort, "listen"));
    if (options.requireTarget) {
        FERRY_TRY(probeTarget(impl->targetAddress, impl->targetLabel));
    }
    FERRY_TRY(impl->bindAndListen());
    impl->wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (impl->wakeFd < 0) {
        return makeError(ErrorCode::Io, "wan proxy: cannot create an eventfd: " + errnoText(errno));
    }
    impl->sharedUp = options.up;
    impl->sharedDown = options.down;
    impl->random.seed(options.seed != 0 ? options.seed : std::random_device{}());
    impl->running = true;
    Impl* raw = impl.get();
    impl->thread = std::thread([raw] {
        raw->run();
        std::lock_guard lock(raw->mutex);
        raw->running = false;
        raw->applied.notify_all();
    });
    return std::unique_ptr<WanProxy>(new WanProxy(std::move(impl)));
}

WanProxy::~WanProxy() {
    {
        std::lock_guard lock(m_impl->mutex);
        m_impl->stopRequested = true;
    }
    m_impl->wake();
    if (m_impl->thread.joinable()) {
        m_impl->thread.join();
    }
}

std::uint16_t WanProxy::port() const {
    return m_impl->port;
}

void WanProxy::setLink(Direction direction, const LinkSettings& settings) {
    m_impl->command([&] {
        if (direction != Direction::Down) {
            m_impl->sharedUp = settings;
        }
        if (direction != Direction::Up) {
            m_impl->sharedDown = settings;
        }
    });
}

LinkSettings WanProxy::link(Direction direction) const {
    std::lock_guard lock(m_impl->mutex);
    return direction == Direction::Down ? m_impl->sharedDown : m_impl->sharedUp;
}

void WanProxy::cut(CutMode mode) {
    m_impl->command(
        [&] { m_impl->sharedCut = mode == CutMode::Reset ? CutState::Reset : CutState::Hold; });
}

void WanProxy::restore() {
    m_impl->command([&] { m_impl->sharedCut = CutState::None; });
}

WanStats WanProxy::stats() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->sharedStats;
}

std::string WanProxy::lastError() const {
    std::lock_guard lock(m_impl->mutex);
    return m_impl->sharedLastError;
}

Result<HostPort> parseHostPort(std::string_view text, bool allowZeroPort) {
    const std::string shown(text);
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return makeError(ErrorCode::InvalidArgument,
                         "'" + shown + "' is not HOST:PORT; write e.g. 127.0.0.1:3306");
    }
    std::string_view host = text.substr(0, colon);
    if (host.front() == '[' && host.back() == ']' && host.size() > 2) {
        host = host.substr(1, host.size() - 2);
    }
    const std::string_view digits = text.substr(colon + 1);
    std::uint32_t port = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9' || port > 65535) {
            return makeError(ErrorCode::InvalidArgument,
                             "'" + shown + "': the port must be a number from 0 to 65535");
        }
        port = port * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (port > 65535 || (port == 0 && !allowZeroPort)) {
        return makeError(ErrorCode::InvalidArgument, "'" + shown + "': the port must be from " +
                                                         (allowZeroPort ? "0" : "1") + " to 65535");
    }
    return HostPort{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace ferry::wan
