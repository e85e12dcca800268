// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QSslCertificate>
#include <QSslKey>
#include <QString>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>

#include "ferry/model/result.h"
#include "ferry/server/authenticator.h"
#include "ferry/server/call.h"
#include "ferry/server/roles.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/handshake.h"

class QTcpServer;
class QTcpSocket;

namespace ferry::server {

namespace detail {
class Connection;
}

// Whether clients must, may or cannot authenticate with a certificate in the TLS handshake.
enum class ClientCertificates {
    None,      // not requested
    Optional,  // requested and verified against clientCaCertificates when presented
    Required,  // a client without a valid certificate fails the TLS handshake
};

// The server's TLS identity and, for mutual TLS, the CA that signs client certificates.
struct TlsSettings {
    QSslCertificate certificate;
    QList<QSslCertificate> chain;  // intermediates, if any
    QSslKey privateKey;
    QList<QSslCertificate> clientCaCertificates;
    ClientCertificates clientCertificates = ClientCertificates::None;

    bool enabled() const { return !certificate.isNull(); }
};

// Reads PEM files into TlsSettings: the certificate (the first one in the file; any further ones
// become the chain), the private key (RSA or EC, unencrypted), and when caFile is not empty the
// client CA certificates (clientCertificates is then Optional). Errors name the file and what to
// do.
Result<TlsSettings> loadTlsSettings(const QString& certificateFile, const QString& keyFile,
                                    const QString& clientCaFile = {});

struct ServerOptions {
    // This side in the handshake: kind (PEER_KIND_AGENT), identity, cluster, site, software
    // version, capabilities, versions, and the limits this server enforces on what it reads
    // (max frame size, max message size, partial messages, buffered fragment bytes).
    // acceptBearerTokens and acceptClientCertificates are derived from the settings below.
    ferry::wire::LocalPeer self;
    TlsSettings tls;
    // Without TLS settings, listen() refuses unless this is set (tests, the local playground).
    bool allowPlainTcp = false;
    // Tokens; null: bearer tokens are refused.
    std::shared_ptr<const Authenticator> authenticator;
    // Client certificates (TLS with clientCaCertificates); empty: certificate credentials are
    // refused even when the TLS layer verified one.
    CertificateRoleMapper certificateRole;

    // How long the TLS handshake may take, and then (separately) the Hello exchange.
    std::chrono::milliseconds handshakeTimeout{10000};
    // A connection that sends nothing for this long is closed; after half of it the server sends
    // a PING (clients answer with a PONG). 0: never.
    std::chrono::milliseconds idleTimeout{60000};
    // Accepted connections at once; one more gets a connection-level UNAVAILABLE error.
    int maxConnections = 256;
    // Calls open at once on one connection (subscriptions included); one more is answered with
    // UNAVAILABLE and the connection stays.
    int maxCallsPerConnection = 1024;
    // A connection whose queued output exceeds this when something more is to be sent is a slow
    // reader: it is aborted (at most this plus one message is ever queued).
    std::uint64_t maxPendingWriteBytes = 64ull * 1024 * 1024;
    // How long a connection closed with an ERROR frame may take to flush it before it is aborted.
    std::chrono::milliseconds closeLinger{2000};
};

// The server of the agent API (service.proto over the wire envelope, CONVENTIONS.md "Wire") for
// consoles, ferryctl and other agents. It listens (TLS, optionally mutual, or plain TCP when
// allowed), runs the handshake (ferry::wire::acceptHello: versions, cluster, credentials), grants
// a role from a bearer token (Authenticator) or a client certificate (CertificateRoleMapper),
// then turns each FRAME_KIND_REQUEST into a Call for the RequestHandler after checking the
// operation against operationPolicies(): an unknown operation gets a request-level ERROR frame
// (UNKNOWN_REQUEST), a role or peer kind below the need gets a Response with ServiceError
// PERMISSION_DENIED; the handler is not called for either. CANCEL frames end calls, PINGs get
// PONGs.
//
// Hardening: each connection's bytes go through its own ferry::wire::FrameReader; any fault
// (malformed, oversized, out of order, an unparseable Hello or Request, a frame kind a client may
// not send, a reused request id, a request before the Hello) closes that connection with a
// connection-level ERROR frame naming the fault; other connections are untouched. Connections
// that do not finish the handshake in time, stay silent past the idle timeout, or read too
// slowly are closed. Nothing read from the wire is asserted on.
//
// Ownership: the handler is not owned and must outlive the server (or call close() before it
// goes). Destroying the server closes every connection and ends every open call with
// ConnectionClosed. Lives in one thread; not thread safe.
class ServiceServer : public QObject {
    Q_OBJECT

public:
    ServiceServer(ServerOptions options, RequestHandler& handler, QObject* parent = nullptr);
    ~ServiceServer() override;

    // Checks the options and listens on `address`:`port` (0: any free port). Fails with
    // InvalidArgument for bad options (no TLS without allowPlainTcp, invalid limits, mutual TLS
    // without a CA) and Io when the port cannot be bound.
    Status listen(const QHostAddress& address = QHostAddress::LocalHost, quint16 port = 0);
    bool isListening() const;
    quint16 port() const;
    const ServerOptions& options() const { return m_options; }

    // Stops listening and closes every connection (as closeAllConnections(std::nullopt)).
    void close();
    // Closes every connection: with a connection-level ERROR frame when `error` is given (the
    // frame is flushed for up to closeLinger), else at once without one (as a cut link).
    void closeAllConnections(const std::optional<ferry::v1::WireError>& error);

    // Connections past accept (TLS done), whether or not their handshake has completed.
    int connectionCount() const { return static_cast<int>(m_connections.size()); }
    // Open calls over every connection.
    std::size_t openCallCount() const;
    // Identities of the connections that completed the handshake.
    std::vector<PeerInfo> peers() const;

Q_SIGNALS:
    // A connection was accepted (TLS done, before its Hello).
    void connectionOpened(quint64 connectionId, const QString& address);
    // The handshake completed.
    void peerAccepted(quint64 connectionId, const QString& identity, int role);
    // A connection closed; `reason` says why (for logs and tests), e.g. "frame_too_large: ...".
    void connectionClosed(quint64 connectionId, const QString& reason);

private:
    friend class detail::Connection;

    void onNewConnection();
    void removeConnection(std::uint64_t id, const QString& reason);

    ServerOptions m_options;
    RequestHandler& m_handler;
    QTcpServer* m_listener = nullptr;
    std::uint64_t m_nextConnectionId = 1;
    std::map<std::uint64_t, std::shared_ptr<detail::Connection>> m_connections;
};

}  // namespace ferry::server
