// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::wan {

// The two directions of a proxied link: Up is client -> target, Down is target -> client.
enum class Direction { Up, Down, Both };

// What one direction of the emulated link does to the bytes that cross it.
struct LinkSettings {
    std::uint32_t delayMs = 0;   // one-way delay added to every chunk
    std::uint32_t jitterMs = 0;  // a uniform 0..jitterMs extra, never reordering a connection
    std::uint64_t rateKbit = 0;  // bandwidth cap (1 kbit = 1000 bit) shared by all connections
                                 // of the direction; 0 = unlimited

    bool operator==(const LinkSettings&) const = default;
};

// Hold: a pulled cable; nothing moves either way, connections stay open and new ones are
// accepted and wait. Reset: every connection is closed (with a TCP reset) and new ones are
// refused (ECONNREFUSED) until restore().
enum class CutMode { Hold, Reset };

enum class CutState { None, Hold, Reset };

struct DirectionStats {
    std::uint64_t bytes = 0;   // bytes delivered to the receiving side
    std::uint64_t chunks = 0;  // chunks (one read from the sending side each) fully delivered
};

struct WanStats {
    DirectionStats up;
    DirectionStats down;
    std::uint64_t connectionsOpen = 0;
    std::uint64_t connectionsTotal = 0;   // accepted since start
    std::uint64_t connectionsFailed = 0;  // closed because the target could not be reached
    std::uint64_t bufferedBytes = 0;      // held in the proxy now, all connections
    std::uint64_t peakBufferedBytes = 0;  // the most one connection ever held (both directions)
    CutState cut = CutState::None;
};

struct WanProxyOptions {
    std::string listenHost = "127.0.0.1";
    std::uint16_t listenPort = 0;  // 0: any free port, see WanProxy::port()
    std::string targetHost = "127.0.0.1";
    std::uint16_t targetPort = 0;
    LinkSettings up;
    LinkSettings down;
    // Per connection: when the bytes held for it (both directions) reach this bound, the proxy
    // stops reading from the sending side, so TCP backpressure reaches the sender.
    std::size_t maxBufferedBytes = 64u << 20;
    // When true, start() connects to the target once and fails if it cannot.
    bool requireTarget = false;
    std::uint64_t seed = 0;  // jitter randomness; 0 = from std::random_device
};

// WanProxy is a TCP proxy that emulates a WAN link between a listen address and a target:
// one-way delay, jitter without reordering, a bandwidth cap per direction, and cuts. It runs its
// own event thread (non-blocking sockets, poll); for each accepted client it opens one
// connection to the target. A half-close or close from one side reaches the other side after the
// bytes buffered before it have been delivered. The proxy never reorders, drops or corrupts
// bytes; it does not emulate packet loss.
//
// Thread safety: every public member may be called from any thread. setLink(), cut() and
// restore() take effect before they return: after cut() returns no byte is read or written
// until restore(). Destroying the proxy closes every connection and joins the thread.
class WanProxy {
public:
    // Resolves the target, binds and listens, and starts the event thread. Errors: Io (cannot
    // listen), InvalidArgument (bad address), Unavailable (target unresolvable, or refuses with
    // requireTarget).
    static Result<std::unique_ptr<WanProxy>> start(const WanProxyOptions& options);

    ~WanProxy();
    WanProxy(const WanProxy&) = delete;
    WanProxy& operator=(const WanProxy&) = delete;

    std::uint16_t port() const;

    // New settings apply to bytes read from now on; bytes already held keep their delivery
    // times. A new rate applies at once.
    void setLink(Direction direction, const LinkSettings& settings);
    // REQUIRES: direction is Up or Down.
    LinkSettings link(Direction direction) const;

    void cut(CutMode mode = CutMode::Hold);
    void restore();

    // A snapshot the event thread publishes before each wait and when a command takes effect;
    // it may trail the bytes a peer has just received, so poll it with a deadline.
    WanStats stats() const;

    // The last connection-level error (target refused, socket error), empty if none.
    std::string lastError() const;

private:
    struct Impl;
    explicit WanProxy(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// Parses "HOST:PORT" ("[::1]:PORT" for IPv6 literals); the port may be 0 when allowZeroPort.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};
Result<HostPort> parseHostPort(std::string_view text, bool allowZeroPort);

}  // namespace ferry::wan
