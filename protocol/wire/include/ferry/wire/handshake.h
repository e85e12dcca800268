// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/limits.h"

namespace ferry::wire {

// An inclusive range of protocol versions.
struct VersionRange {
    std::uint32_t min = kMinProtocolVersion;
    std::uint32_t max = kProtocolVersion;
};

// This side of a connection, as it presents itself in the handshake.
struct LocalPeer {
    ferry::v1::PeerKind kind = ferry::v1::PEER_KIND_UNSPECIFIED;
    std::string identity;  // agent id or user name
    std::string cluster;
    std::string site;  // agents only
    std::string softwareVersion;
    std::vector<std::string> capabilities;
    VersionRange versions;
    Limits limits;  // what this side accepts
    // Server side: which credentials a Hello may carry (they are verified by the caller).
    bool acceptBearerTokens = true;
    bool acceptClientCertificates = true;
};

// What both sides agreed on.
struct Session {
    std::uint32_t protocolVersion = 0;
    ferry::v1::PeerKind peerKind = ferry::v1::PEER_KIND_UNSPECIFIED;
    std::string peerIdentity;
    std::string peerSite;
    std::string peerSoftwareVersion;
    std::vector<std::string> peerCapabilities;
    // Limits for what this side sends (its own, narrowed to the peer's); give them to the
    // FrameWriter. The FrameReader keeps this side's own limits.
    Limits sendLimits;
    // Client side: the role the server granted. Server side: ROLE_UNSPECIFIED until the caller
    // has authenticated the credentials.
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
};

// The highest version both ranges contain, or Unsupported with a message that says who speaks
// what and which side to upgrade, e.g. "peer ferry-console speaks protocol 3..4, this agent
// speaks 1..2: upgrade the agent". A malformed range (min 0, or min above max) is InvalidArgument.
Result<std::uint32_t> chooseProtocolVersion(VersionRange ours, ferry::v1::PeerKind ourKind,
                                            VersionRange theirs, ferry::v1::PeerKind theirKind);

// The Hello a client sends: with the bearer token when given, else announcing the client
// certificate of the TLS session.
ferry::v1::Hello makeHello(const LocalPeer& client, const std::optional<std::string>& bearerToken);

// Server side: checks a peer's Hello (well-formed version range, known peer kind, identity,
// site for agents, announced limits, cluster equal to ours, credentials present and of an
// accepted kind) and negotiates the version. Fills `reply` (when not null) with the HelloReply
// to send: accepted, or refused with a WireError. The credentials themselves are not verified
// here: the caller authenticates them, sets reply->granted_role, or refuses with refuseHello().
// Errors: Unsupported (protocol versions), InvalidArgument (a malformed Hello),
// PermissionDenied (another cluster, missing or unaccepted credentials).
Result<Session> acceptHello(const LocalPeer& server, const ferry::v1::Hello& hello,
                            ferry::v1::HelloReply* reply);

// Turns `reply` into a refusal.
void refuseHello(ferry::v1::HelloReply& reply, ferry::v1::WireErrorCode code, std::string message,
                 std::string hint);

// Client side: checks the server's answer to `sent`. A refusal becomes an error carrying the
// server's message and hint (Unsupported for versions, PermissionDenied for authentication, role
// or cluster, Unavailable otherwise); an acceptance must name a version we offered, our cluster,
// and, for consoles and ferryctl, a role.
Result<Session> checkHelloReply(const LocalPeer& client, const ferry::v1::Hello& sent,
                                const ferry::v1::HelloReply& reply);

}  // namespace ferry::wire
