// SPDX-License-Identifier: Apache-2.0
// ferry-wan-proxy: a WanProxy between a listen address and a target, with a text control port.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/wan/control.h"
#include "ferry/wan/wan_proxy.h"

namespace {

using ferry::wan::HostPort;

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr std::size_t kMaxLine = 4096;

constexpr const char* kHelp = R"(Usage: ferry-wan-proxy --target HOST:PORT [options]

A TCP proxy that emulates a WAN link: one-way delay, jitter (never reordering), a bandwidth cap
per direction shared by all connections, and cuts. "up" is client -> target, "down" is
target -> client.

Options:
  --listen HOST:PORT      where clients connect (default 127.0.0.1:0, any free port)
  --target HOST:PORT      the server behind the link (required)
  --delay-ms N            one-way delay in both directions (default 0)
  --up-delay-ms N         one-way delay client -> target (overrides --delay-ms)
  --down-delay-ms N       one-way delay target -> client (overrides --delay-ms)
  --jitter-ms N           extra delay, uniform 0..N ms, both directions (default 0)
  --rate-kbit N           bandwidth cap per direction in kbit/s, 0 = unlimited (default 0)
  --max-buffer-mib N      bytes held per connection before the proxy stops reading (default 64)
  --control HOST:PORT     the control port (default 127.0.0.1:0)
  --port-file PATH        also write the "listening ..." line to PATH (atomically)
  --seed N                seed of the jitter randomness (default: random)
  --help                  this text

On start it prints one line: listening <port> control <port>

Control protocol (one command per line on the control port; each answered with one line):
  cut                     pull the cable: nothing moves, connections stay open   -> ok
  cut reset               close every connection, refuse new ones              -> ok
  restore                 end a cut                                            -> ok
  set [up|down|both] delay_ms=N jitter_ms=N rate_kbit=N   (any subset)         -> ok
  stats                   one JSON line with the counters
  quit                    stop the proxy                                       -> ok
Errors answer "error <message>". SIGTERM and SIGINT stop the proxy cleanly.
Exit codes: 0 stopped, 1 cannot start (e.g. the port is taken), 2 usage error.
)";

int g_signalPipe[2] = {-1, -1};

void onSignal(int) {
    const char byte = 1;
    [[maybe_unused]] const auto written = ::write(g_signalPipe[1], &byte, 1);
}

int usageError(const std::string& message) {
    std::cerr << "ferry-wan-proxy: " << message << "; see ferry-wan-proxy --help\n";
    return kExitUsage;
}

struct Arguments {
    HostPort listen{"127.0.0.1", 0};
    std::optional<HostPort> target;
    HostPort control{"127.0.0.1", 0};
    std::uint64_t delayMs = 0;
    std::optional<std::uint64_t> upDelayMs;
    std::optional<std::uint64_t> downDelayMs;
    std::uint64_t jitterMs = 0;
    std::uint64_t rateKbit = 0;
    std::uint64_t maxBufferMib = 64;
    std::uint64_t seed = 0;
    std::string portFile;
    bool help = false;
};

std::optional<std::uint64_t> parseNumber(std::string_view text, std::uint64_t max) {
    std::uint64_t value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max) {
        return std::nullopt;
    }
    return value;
}

// Parses argv into `out`; returns an error message for people, or nothing.
std::optional<std::string> parseArguments(int argc, char** argv, Arguments& out) {
    constexpr std::uint64_t kMaxMs = 3'600'000;
    for (int i = 1; i < argc; ++i) {
        std::string flag = argv[i];
        std::optional<std::string> inlineValue;
        if (const std::size_t equals = flag.find('=');
            flag.rfind("--", 0) == 0 && equals != std::string::npos) {
            inlineValue = flag.substr(equals + 1);
            flag = flag.substr(0, equals);
        }
        if (flag == "--help" || flag == "-h") {
            out.help = true;
            continue;
        }
        std::string value;
        if (inlineValue) {
            value = *inlineValue;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return flag.rfind("--", 0) == 0 ? flag + " needs a value"
                                            : "unexpected argument '" + flag + "'";
        }
        const auto number = [&](std::uint64_t max,
                                std::uint64_t& slot) -> std::optional<std::string> {
            const std::optional<std::uint64_t> parsed = parseNumber(value, max);
            if (!parsed) {
                return flag + ": '" + value + "' is not a whole number from 0 to " +
                       std::to_string(max);
            }
            slot = *parsed;
            return std::nullopt;
        };
        const auto address = [&](bool allowZero, HostPort& slot) -> std::optional<std::string> {
            auto parsed = ferry::wan::parseHostPort(value, allowZero);
            if (!parsed.ok()) {
                return flag + ": " + parsed.error().message;
            }
            slot = std::move(parsed).value();
            return std::nullopt;
        };
        std::optional<std::string> error;
        std::uint64_t scratch = 0;
        if (flag == "--listen") {
            error = address(true, out.listen);
        } else if (flag == "--target") {
            HostPort target;
            error = address(false, target);
            out.target = target;
        } else if (flag == "--control") {
            error = address(true, out.control);
        } else if (flag == "--delay-ms") {
            error = number(kMaxMs, out.delayMs);
        } else if (flag == "--up-delay-ms") {
            error = number(kMaxMs, scratch);
            out.upDelayMs = scratch;
        } else if (flag == "--down-delay-ms") {
            error = number(kMaxMs, scratch);
            out.downDelayMs = scratch;
        } else if (flag == "--jitter-ms") {
            error = number(kMaxMs, out.jitterMs);
        } else if (flag == "--rate-kbit") {
            error = number(100'000'000, out.rateKbit);
        } else if (flag == "--max-buffer-mib") {
            error = number(1 << 20, out.maxBufferMib);
            if (!error && out.maxBufferMib == 0) {
                error = flag + ": must be at least 1";
            }
        } else if (flag == "--seed") {
            error = number(UINT64_MAX, out.seed);
        } else if (flag == "--port-file") {
            out.portFile = value;
        } else {
            error = "unknown option '" + flag + "'";
        }
        if (error) {
            return error;
        }
    }
    if (!out.help && !out.target) {
        return std::string("--target HOST:PORT is required");
    }
    return std::nullopt;
}

bool writePortFile(const std::string& path, const std::string& line, std::string& error) {
    const std::string temporary = path + ".tmp";
    {
        std::ofstream file(temporary, std::ios::trunc);
        file << line << '\n';
        if (!file.flush()) {
            error = "cannot write " + temporary;
            return false;
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        error = "cannot rename " + temporary + " to " + path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

// A listening socket for the control port; returns the fd or -errno.
int listenControl(const HostPort& where, std::uint16_t& port) {
    // Only numeric IPv4 and IPv6 loopback-style addresses; the control port is for local tools.
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
        ::inet_pton(AF_INET, where.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(where.port);
        length = sizeof(sockaddr_in);
    } else if (auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
               ::inet_pton(AF_INET6, where.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(where.port);
        length = sizeof(sockaddr_in6);
    } else {
        return -EINVAL;
    }
    const int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -errno;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 16) != 0) {
        const int error = errno;
        ::close(fd);
        return -error;
    }
    socklen_t boundLength = sizeof storage;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &boundLength);
    port = storage.ss_family == AF_INET
               ? ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port)
               : ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    return fd;
}

struct ControlClient {
    int fd = -1;
    std::string input;
    std::string output;
    bool closing = false;
};

void sendAll(ControlClient& client) {
    while (!client.output.empty()) {
        const ssize_t sent =
            ::send(client.fd, client.output.data(), client.output.size(), MSG_NOSIGNAL);
        if (sent <= 0) {
            if (sent < 0 && (errno == EAGAIN || errno == EINTR)) {
                return;
            }
            client.closing = true;
            client.output.clear();
            return;
        }
        client.output.erase(0, static_cast<std::size_t>(sent));
    }
}

// Serves the control port until quit or a signal.
void serveControl(ferry::wan::WanProxy& proxy, int listenFd) {
    std::list<ControlClient> clients;
    bool quit = false;
    while (!quit) {
        std::vector<pollfd> fds;
        fds.push_back({g_signalPipe[0], POLLIN, 0});
        fds.push_back({listenFd, POLLIN, 0});
        for (const ControlClient& client : clients) {
            fds.push_back(
                {client.fd, static_cast<short>(POLLIN | (client.output.empty() ? 0 : POLLOUT)), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::cerr << "ferry-wan-proxy: poll failed: " << std::strerror(errno) << '\n';
            return;
        }
        if (fds[0].revents != 0) {
            return;
        }
        if (fds[1].revents != 0) {
            const int fd = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                clients.push_back(ControlClient{fd, {}, {}, false});
            }
        }
        std::size_t index = 2;
        for (ControlClient& client : clients) {
            if (index >= fds.size() || fds[index++].fd != client.fd) {
                continue;  // accepted in this round
            }
            const short events = fds[index - 1].revents;
            if ((events & (POLLIN | POLLHUP | POLLERR)) != 0) {
                char buffer[4096];
                const ssize_t got = ::recv(client.fd, buffer, sizeof buffer, 0);
                if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
                    client.closing = true;
                } else if (got > 0) {
                    client.input.append(buffer, static_cast<std::size_t>(got));
                }
                std::size_t newline;
                while (!quit && (newline = client.input.find('\n')) != std::string::npos) {
                    const std::string line = client.input.substr(0, newline);
                    client.input.erase(0, newline + 1);
                    const ferry::wan::ControlReply reply =
                        ferry::wan::executeControlLine(proxy, line);
                    client.output += reply.text + "\n";
                    quit = reply.quit;
                }
                if (client.input.size() > kMaxLine) {
                    client.output += "error line longer than 4096 bytes; closing\n";
                    client.input.clear();
                    client.closing = true;
                }
            }
            sendAll(client);
        }
        for (auto it = clients.begin(); it != clients.end();) {
            if (it->closing && it->output.empty()) {
                ::close(it->fd);
                it = clients.erase(it);
            } else {
                ++it;
            }
        }
    }
    // Answer "ok" to quit before exiting; the replies are short, so a blocking send is fine.
    for (ControlClient& client : clients) {
        const int flags = ::fcntl(client.fd, F_GETFL, 0);
        ::fcntl(client.fd, F_SETFL, flags & ~O_NONBLOCK);
        sendAll(client);
        ::close(client.fd);
    }
}

}  // namespace

int main(int argc, char** argv) {
    Arguments arguments;
    if (const std::optional<std::string> error = parseArguments(argc, argv, arguments)) {
        return usageError(*error);
    }
    if (arguments.help) {
        std::cout << kHelp;
        return 0;
    }
    ferry::wan::WanProxyOptions options;
    options.listenHost = arguments.listen.host;
    options.listenPort = arguments.listen.port;
    options.targetHost = arguments.target->host;
    options.targetPort = arguments.target->port;
    const auto ms = [](std::uint64_t value) { return static_cast<std::uint32_t>(value); };
    options.up = {ms(arguments.upDelayMs.value_or(arguments.delayMs)), ms(arguments.jitterMs),
                  arguments.rateKbit};
    options.down = {ms(arguments.downDelayMs.value_or(arguments.delayMs)), ms(arguments.jitterMs),
                    arguments.rateKbit};
    options.maxBufferedBytes = static_cast<std::size_t>(arguments.maxBufferMib) << 20;
    options.seed = arguments.seed;

    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        std::cerr << "ferry-wan-proxy: cannot create a pipe: " << std::strerror(errno) << '\n';
        return kExitFailed;
    }
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    auto proxy = ferry::wan::WanProxy::start(options);
    if (!proxy.ok()) {
        std::cerr << "ferry-wan-proxy: " << proxy.error().message << '\n';
        return kExitFailed;
    }
    std::uint16_t controlPort = 0;
    const int controlFd = listenControl(arguments.control, controlPort);
    if (controlFd < 0) {
        std::cerr << "ferry-wan-proxy: cannot listen on control address " << arguments.control.host
                  << ":" << arguments.control.port << ": " << std::strerror(-controlFd)
                  << "; give a free numeric address such as 127.0.0.1:0\n";
        return kExitFailed;
    }
    const std::string line =
        "listening " + std::to_string((*proxy)->port()) + " control " + std::to_string(controlPort);
    std::cout << line << std::endl;
    if (!arguments.portFile.empty()) {
        std::string error;
        if (!writePortFile(arguments.portFile, line, error)) {
            std::cerr << "ferry-wan-proxy: --port-file: " << error << '\n';
            ::close(controlFd);
            return kExitFailed;
        }
    }
    serveControl(**proxy, controlFd);
    ::close(controlFd);
    return 0;
}
