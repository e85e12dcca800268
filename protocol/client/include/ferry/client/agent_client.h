// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "ferry/client/endpoint.h"
#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"
#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"
#include "ferry/wire/handshake.h"

class QSslSocket;
class QTimer;

namespace ferry::client {

enum class ConnectionState {
    Disconnected,  // not asked to connect, or closed
    Connecting,    // TCP, TLS or handshake in progress, or waiting to retry
    Connected,     // handshake done: requests flow
    Refused,       // the agent (or its certificate) refused us: no retry until reconfigured
    Error,         // lost or failed; a retry is scheduled
};

// "disconnected", "connecting", "connected", "refused", "error".
QString connectionStateName(ConnectionState state);

// Reconnect delays: initial, doubled after every failed attempt up to max; reset on success.
struct Backoff {
    std::chrono::milliseconds initial{500};
    std::chrono::milliseconds max{30000};
};

// A connection to one agent: TLS (or, when the endpoint says so, plain TCP), the Hello handshake
// with a bearer token, then Requests matched to Responses by request id and Pushes delivered to
// their subscription. It keeps itself connected once open() is called: a lost connection is
// retried with backoff, cycling through the alternate addresses (the other agents of the
// cluster), and subscriptions are renewed after every reconnect. A refusal (authentication, role,
// cluster, protocol version, certificate) stops retrying: the endpoint must change first.
//
// Callbacks: every ResponseHandler is called exactly once, always from the event loop (never
// from inside send()), with the Response, or with an error: the agent's ServiceError (its code
// mapped to ErrorCode, "message; hint"), Unavailable on timeout or a lost connection, or
// InvalidArgument for an empty request. Pending requests fail when the connection drops; they
// are not resent, since they may have been carried out.
//
// Lives in one thread (its event loop); not thread safe. The object owns its socket.
class AgentClient : public QObject {
    Q_OBJECT

public:
    using ResponseHandler = std::function<void(Result<ferry::v1::Response>)>;
    using PushHandler = std::function<void(const ferry::v1::Push&)>;

    explicit AgentClient(QObject* parent = nullptr);
    ~AgentClient() override;

    // Takes effect at the next connection attempt; fails when endpoint.validate() fails.
    Status setEndpoint(const Endpoint& endpoint);
    const Endpoint& endpoint() const { return m_endpoint; }
    // Other agents of the cluster, tried in turn after the endpoint's own address fails.
    void setAlternateAddresses(const QList<QPair<QString, quint16>>& addresses);
    void setBackoff(Backoff backoff) { m_backoff = backoff; }
    // Who we are in the Hello: PEER_KIND_CONSOLE (default) or PEER_KIND_FERRYCTL.
    void setClientKind(ferry::v1::PeerKind kind) { m_clientKind = kind; }
    // The site an agent client names in its Hello (agents must).
    void setSite(std::string site) { m_site = std::move(site); }
    void setDefaultTimeout(std::chrono::milliseconds timeout) { m_defaultTimeout = timeout; }
    // How long the TCP, TLS and Hello exchange may take together.
    void setConnectTimeout(std::chrono::milliseconds timeout) { m_connectTimeout = timeout; }
    // A ping is sent after this much silence; the connection is dropped after three times it.
    void setKeepAlive(std::chrono::milliseconds interval) { m_keepAlive = interval; }

    // Connects and keeps connected. Calling it again while open retries now.
    void open();
    // Disconnects and stops retrying; pending requests fail with Unavailable.
    void close();

    ConnectionState state() const { return m_state; }
    // A sentence for the status bar: "connected to hz-agent1 (10.0.0.5:7450) as operator",
    // "refused by 10.0.0.5:7450: ...", "connection lost: ...; retrying in 4 s".
    QString statusText() const { return m_statusText; }
    // REQUIRES: state() == Connected.
    const ferry::wire::Session& session() const { return m_session; }
    // The address of the current or last connection attempt.
    QString currentAddress() const;

    // Sends one request. Returns its request id (0 when it failed at once; the handler then
    // still runs, from the event loop).
    std::uint64_t send(const ferry::v1::Request& request, ResponseHandler handler,
                       std::optional<std::chrono::milliseconds> timeout = std::nullopt);

    // Starts a subscription that lasts until unsubscribe() or close(), renewed after reconnects.
    // `onAnswer` (may be empty) runs for every SubscribeResponse, the first and each renewal.
    // Returns a handle (not a request id).
    std::uint64_t subscribe(const ferry::v1::SubscribeRequest& request, PushHandler onPush,
                            ResponseHandler onAnswer = {});
    void unsubscribe(std::uint64_t handle);

    // Starts a long-lived streaming request (e.g. stream_open) whose Pushes arrive on `onPush`.
    // Unlike a subscription it is not renewed: it ends with the connection, an error answer or
    // an error frame from the agent, and then `onEnd` runs once (from the event loop) with why;
    // the caller decides how to reopen. Returns a handle for unsubscribe() (0 when not
    // connected: onEnd runs too).
    std::uint64_t openStream(const ferry::v1::Request& request, PushHandler onPush,
                             ResponseHandler onAnswer, std::function<void(const Error&)> onEnd);

    // Requests still waiting for their response.
    std::size_t pendingRequests() const { return m_pending.size(); }

Q_SIGNALS:
    void stateChanged(ferry::client::ConnectionState state, const QString& statusText);
    // The handshake completed (also after each reconnect).
    void connected();

private:
    struct Pending {
        ResponseHandler handler;
        QPointer<QTimer> timer;
        std::uint64_t subscription = 0;  // handle when this is a subscribe request
    };
    struct Subscription {
        ferry::v1::Request request;  // a subscribe, or a stream_open for openStream()
        PushHandler onPush;
        ResponseHandler onAnswer;
        std::uint64_t requestId = 0;  // of the current connection; 0 when not active
        bool renew = true;            // subscriptions are renewed; streams end with the link
        std::function<void(const Error&)> onEnd;
    };
    void endStream(std::uint64_t handle, const Error& error);

    void startAttempt();
    void onSocketReady();  // TCP (plain) or TLS established: send the Hello
    void onReadyRead();
    void onSocketGone(const QString& why);
    void handleMessage(ferry::wire::WireMessage message);
    void handleHelloReply(const std::string& payload);
    void handleResponse(std::uint64_t requestId, const std::string& payload);
    void handlePush(std::uint64_t requestId, const std::string& payload);
    void handleError(std::uint64_t requestId, const std::string& payload);
    void writeFrame(std::uint64_t requestId, ferry::v1::FrameKind kind, const std::string& payload);
    std::uint64_t sendNow(const ferry::v1::Request& request, Pending pending,
                          std::chrono::milliseconds timeout);
    void renewSubscriptions();
    void timeoutRequest(std::uint64_t requestId);
    void completeLater(ResponseHandler handler, Result<ferry::v1::Response> result);
    void failAllPending(const Error& error);
    // Tears the socket down; then retries with backoff (retry) or stays put.
    void dropConnection(ConnectionState state, const QString& text, bool retry);
    void setState(ConnectionState state, const QString& text);
    void onKeepAliveTick();
    QString pinMismatch(const QByteArray& digest) const;

    Endpoint m_endpoint;
    QList<QPair<QString, quint16>> m_alternates;
    int m_addressIndex = 0;  // 0: the endpoint itself; i > 0: m_alternates[i - 1]
    Backoff m_backoff;
    std::chrono::milliseconds m_nextDelay{0};
    std::chrono::milliseconds m_defaultTimeout{15000};
    std::chrono::milliseconds m_connectTimeout{10000};
    std::chrono::milliseconds m_keepAlive{10000};

    ferry::v1::PeerKind m_clientKind = ferry::v1::PEER_KIND_CONSOLE;
    bool m_open = false;
    std::uint64_t m_generation = 0;  // bumped whenever the socket is torn down
    bool m_handshakeDone = false;
    ConnectionState m_state = ConnectionState::Disconnected;
    QString m_statusText;

    std::string m_site;
    QSslSocket* m_socket = nullptr;  // owned (child); replaced on every attempt
    QTimer* m_retryTimer = nullptr;
    QTimer* m_connectTimer = nullptr;
    QTimer* m_keepAliveTimer = nullptr;
    QElapsedTimer m_sinceLastReceived;

    ferry::wire::LocalPeer m_local;
    ferry::v1::Hello m_hello;
    ferry::wire::Session m_session;
    ferry::wire::FrameReader m_reader;
    ferry::wire::FrameWriter m_writer;

    std::uint64_t m_nextRequestId = 1;
    std::uint64_t m_nextSubscription = 1;
    std::map<std::uint64_t, Pending> m_pending;
    std::map<std::uint64_t, Subscription> m_subscriptions;
    std::map<std::uint64_t, std::uint64_t> m_subscriptionByRequest;  // request id -> handle
};

}  // namespace ferry::client
