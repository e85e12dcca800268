// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QElapsedTimer>
#include <QPointer>
#include <QString>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "ferry/server/call.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"

class QObject;
class QTcpSocket;
class QTimer;

namespace ferry::server {

class ServiceServer;

namespace detail {

// One accepted socket of a ServiceServer: its FrameReader, handshake, open calls and timers.
// Owned by the server (shared_ptr in its table); calls hold weak_ptrs. Every entry point that may
// end the connection holds a shared_ptr to itself, since ending it drops the server's reference.
class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(ServiceServer& server, std::uint64_t id, QTcpSocket* socket,
               ferry::wire::FrameReader reader);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Connects the socket's signals and starts the handshake timer.
    void start();

    std::uint64_t id() const { return m_id; }
    bool greeted() const { return m_greeted; }
    const PeerInfo& peer() const { return m_peer; }
    std::size_t openCalls() const { return m_calls.size(); }
    QObject* eventContext() const;

    std::uint64_t pendingBytes() const;
    // Sends one message; Unavailable when closed (or closed now as a slow reader),
    // InvalidArgument when the writer refuses it (too large).
    Status send(std::uint64_t requestId, ferry::v1::FrameKind kind,
                const google::protobuf::MessageLite& message);
    // The call ended by the handler's doing: forget it.
    void forgetCall(std::uint64_t requestId, const Call* call);

    // Sends a connection-level ERROR frame, then closes (flushing for up to closeLinger).
    void closeWithError(const ferry::v1::WireError& error);
    // Closes; with `linger`, after flushing what is queued for up to closeLinger, else at once.
    // `synchronousCallbacks`: fire the calls' ended callbacks now (server destruction) instead
    // of from the event loop.
    void shutdown(bool linger, const QString& reason, bool synchronousCallbacks = false);

private:
    void onReadyRead();
    void onDisconnected();
    void onWritten();
    void onIdleTick();
    void handleMessage(ferry::wire::WireMessage message);
    void handleHello(const std::string& payload);
    void handleRequest(std::uint64_t requestId, const std::string& payload);
    void endCall(std::uint64_t requestId, CallEnd reason);
    Status sendRaw(std::uint64_t requestId, ferry::v1::FrameKind kind, const std::string& payload);
    // Turns `reply` (as acceptHello filled it) into a refusal, sends it and closes.
    void refuse(ferry::v1::HelloReply& reply, ferry::v1::WireErrorCode code, std::string message,
                std::string hint);

    ServiceServer& m_server;
    std::uint64_t m_id = 0;
    QPointer<QTcpSocket> m_socket;
    QObject* m_context = nullptr;  // receiver of the socket's signals and parent of the timers
    QTimer* m_handshakeTimer = nullptr;
    QTimer* m_idleTimer = nullptr;
    QElapsedTimer m_sinceReceived;
    bool m_pinged = false;
    ferry::wire::FrameReader m_reader;
    ferry::wire::FrameWriter m_writer;
    bool m_greeted = false;
    bool m_closed = false;
    PeerInfo m_peer;
    std::map<std::uint64_t, std::shared_ptr<Call>> m_calls;
};

}  // namespace detail

}  // namespace ferry::server
