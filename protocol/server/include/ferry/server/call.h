// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QSslCertificate>
#include <QString>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ferry/model/result.h"
#include "ferry/server/roles.h"
#include "ferry/v1/service.pb.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/handshake.h"

namespace ferry::server {

namespace detail {
class Connection;
}

// An accepted connection's identity, fixed at the end of the handshake.
struct PeerInfo {
    std::uint64_t connectionId = 0;  // unique per server, starting at 1
    ferry::v1::PeerKind kind = ferry::v1::PEER_KIND_UNSPECIFIED;
    std::string identity;  // agent id or user name from the Hello
    std::string site;      // agents only
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
    QString address;  // "ip:port"
    // True when the role came from the client certificate (mutual TLS), false for a token.
    bool certificateAuthenticated = false;
    QSslCertificate certificate;  // the verified client certificate; null when none
    ferry::wire::Session session;
};

// Why a call ended without the handler ending it.
enum class CallEnd {
    Cancelled,         // the client sent FRAME_KIND_CANCEL (or an ERROR frame) for its id
    ConnectionClosed,  // the connection closed: by the peer, a fault, a timeout, or the server
};

// "cancelled by the client", "connection closed".
std::string callEndName(CallEnd end);

// One Request being served. The server creates it, hands it to RequestHandler::handle() and keeps
// it while it is open:
// - a unary call is open until respond() (or close());
// - a streaming call (subscribe, stream_open: OperationPolicy::streaming) stays open after a
//   successful respond() and carries any number of push() until the client cancels, the
//   connection closes, or the handler calls close(). An error Response ends it at once.
//
// Lifetime: handle() gets a std::shared_ptr; the handler may keep it (or a std::weak_ptr) as long
// as it likes, even after the connection and the server are gone: every method stays safe and
// the sending ones then return Unavailable and send nothing. The call does not keep its
// connection alive.
//
// Threading: every method must be called on the server's thread (the thread that owns the
// ServiceServer); callbacks run there too, never from inside the method that was called to
// register them (notifyWhenDrained defers to the event loop when already drained).
class Call : public std::enable_shared_from_this<Call> {
public:
    using EndedCallback = std::function<void(CallEnd)>;
    using DrainedCallback = std::function<void()>;

    Call(std::weak_ptr<detail::Connection> connection, PeerInfo peer, std::uint64_t requestId,
         ferry::v1::Request request, const OperationPolicy& policy);
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    const PeerInfo& peer() const { return m_peer; }
    std::uint64_t requestId() const { return m_requestId; }
    const ferry::v1::Request& request() const { return m_request; }
    ferry::v1::Request::OperationCase operation() const { return m_request.operation_case(); }
    const OperationPolicy& policy() const { return *m_policy; }
    bool streaming() const { return m_policy->streaming; }

    // Still open: it can respond (or push, once responded) and has not been cancelled.
    bool isOpen() const { return !m_ended && !m_connection.expired(); }
    bool responded() const { return m_responded; }

    // Sends the Response, once: a second call fails with InvalidArgument and sends nothing. An
    // error Response ends a streaming call too. Fails with Unavailable when the call is no longer
    // open, InvalidArgument when the Response exceeds the peer's maximum message size (the call
    // stays open: answer with an error instead).
    Status respond(const ferry::v1::Response& response);
    // Shorthand: respond with a ServiceError.
    Status respondError(ferry::v1::ServiceErrorCode code, std::string message,
                        std::string hint = {});

    // Sends one Push on a streaming call. REQUIRES (else InvalidArgument): streaming() and
    // responded(). Unavailable when the call is no longer open (cancelled, connection closed,
    // or the connection was just dropped as a slow reader: see
    // ServerOptions::maxPendingWriteBytes).
    Status push(const ferry::v1::Push& push);

    // Bytes queued on the connection's socket and not yet handed to the kernel (shared by every
    // call of the connection); 0 when the connection is gone. A producer pauses above its own
    // high-water mark and resumes from notifyWhenDrained().
    std::uint64_t pendingBytes() const;

    // Calls `callback` once, when pendingBytes() is at or below `threshold` (from the event loop
    // when it already is). Replaces an earlier one not yet fired. Never fires after the call
    // ended; the EndedCallback tells that instead.
    void notifyWhenDrained(std::uint64_t threshold, DrainedCallback callback);

    // Called once when the call ends without the handler ending it: cancelled by the client or
    // the connection closed (also when the server is destroyed). Not called after respond() of
    // a unary call or after close(). Registered after the end: not called. Callbacks are
    // released once the call has ended, so they may capture the call's shared_ptr.
    void onEnded(EndedCallback callback);

    // Ends the call from the server side. Before respond(): sends a Response with `error`.
    // After respond() on a streaming call: sends a FRAME_KIND_ERROR frame with this request id
    // (WireError: CANCELLED for a normal end, i.e. code SERVICE_ERROR_CODE_UNSPECIFIED;
    // UNAVAILABLE, PERMISSION_DENIED or INTERNAL for those codes; CANCELLED otherwise, the message
    // naming the code). No-op when the call is no longer open.
    void close(const ferry::v1::ServiceError& error = {});

    // Closes the whole connection with a connection-level ERROR frame (e.g. a peer that broke the
    // replication protocol). Every other call of the connection ends with ConnectionClosed.
    void closeConnection(const ferry::v1::WireError& error);

private:
    friend class detail::Connection;
    // Called by the connection when the call ends without the handler: fires the callback.
    void end(CallEnd reason);
    // Called by the connection when the write buffer shrank.
    void checkDrained(std::uint64_t pending);
    // Marks the call ended by the handler's doing and drops its callbacks.
    void finish();
    // Marks the call ended; end() follows (from the event loop).
    void detach();

    std::weak_ptr<detail::Connection> m_connection;
    PeerInfo m_peer;
    std::uint64_t m_requestId = 0;
    ferry::v1::Request m_request;
    const OperationPolicy* m_policy = nullptr;
    bool m_responded = false;
    bool m_ended = false;
    EndedCallback m_onEnded;
    std::uint64_t m_drainThreshold = 0;
    DrainedCallback m_onDrained;
    std::uint64_t m_drainGeneration = 0;
};

// The application side of a ServiceServer: the agent's service, the fake agent's cluster, the
// replication stream's receiver. Requests reach it already authorized (role and peer kind checked
// against operationPolicies()) and with a known operation.
class RequestHandler {
public:
    virtual ~RequestHandler() = default;
    // One authorized request. Respond now or later (asynchronously), see Call.
    virtual void handle(std::shared_ptr<Call> call) = 0;
};

}  // namespace ferry::server
