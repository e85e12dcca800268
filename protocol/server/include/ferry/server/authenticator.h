// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QSslCertificate>
#include <QString>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/wire.pb.h"

namespace ferry::server {

// Who is knocking: what the peer's Hello claims, plus where it comes from. Nothing here is
// verified except `certificate`, which the TLS layer verified against the client CA.
struct PeerClaim {
    ferry::v1::PeerKind kind = ferry::v1::PEER_KIND_UNSPECIFIED;
    std::string identity;         // agent id or user name, as the Hello says
    std::string site;             // agents only
    QString address;              // "ip:port" of the socket
    QSslCertificate certificate;  // null when the peer presented none
};

// Resolves a bearer token to the role it grants. Implementations decide what a token is (a
// table, a file of hashed tokens, a call to ZooKeeper); the server calls authenticate() once per
// connection, from its own thread, during the handshake.
class Authenticator {
public:
    virtual ~Authenticator() = default;
    // The role the token grants to this peer, or an error (PermissionDenied) whose message is
    // sent to the peer in the refusal: say what is wrong without echoing the token.
    // ROLE_UNSPECIFIED counts as a refusal.
    virtual Result<ferry::v1::Role> authenticate(const std::string& token,
                                                 const PeerClaim& peer) const = 0;
};

// The simple Authenticator: an in-memory table of tokens, each granting a role, optionally only
// to one peer kind (e.g. an agent token that only PEER_KIND_AGENT peers may use). Tokens are
// compared in time independent of where they differ. Not thread safe for add() while in use.
class TokenTable : public Authenticator {
public:
    // REQUIRES: token not empty. A token added twice keeps the last entry.
    void add(std::string token, ferry::v1::Role role,
             std::optional<ferry::v1::PeerKind> onlyPeerKind = std::nullopt);
    std::size_t size() const { return m_entries.size(); }

    Result<ferry::v1::Role> authenticate(const std::string& token,
                                         const PeerClaim& peer) const override;

private:
    struct Entry {
        std::string token;
        ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
        std::optional<ferry::v1::PeerKind> onlyPeerKind;
    };
    std::vector<Entry> m_entries;
};

// Maps a verified client certificate (mutual TLS, Hello credentials client_certificate) to a
// role, e.g. by its organizational unit or common name. An error or ROLE_UNSPECIFIED refuses the
// connection with UNAUTHENTICATED and the error's message.
using CertificateRoleMapper = std::function<Result<ferry::v1::Role>(
    const QSslCertificate& certificate, const PeerClaim& peer)>;

}  // namespace ferry::server
