// SPDX-License-Identifier: Apache-2.0
#include "ferry/wire/handshake.h"

#include <algorithm>
#include <string_view>

#include "ferry/wire/names.h"

namespace ferry::wire {

namespace {

constexpr std::size_t kMaxIdentitySize = 256;
constexpr std::size_t kMaxClusterSize = 128;
constexpr std::size_t kMaxSiteSize = 64;
constexpr std::size_t kMaxTokenSize = 8192;
constexpr std::size_t kMaxCapabilities = 256;

// "this agent", "this console", "this ferryctl".
std::string selfName(ferry::v1::PeerKind kind) {
    switch (kind) {
        case ferry::v1::PEER_KIND_AGENT:
            return "this agent";
        case ferry::v1::PEER_KIND_CONSOLE:
            return "this console";
        case ferry::v1::PEER_KIND_FERRYCTL:
            return "this ferryctl";
        default:
            return "this side";
    }
}

// What to upgrade: "the agent", "the console", "ferryctl".
std::string upgradeTarget(ferry::v1::PeerKind kind) {
    switch (kind) {
        case ferry::v1::PEER_KIND_AGENT:
            return "the agent";
        case ferry::v1::PEER_KIND_CONSOLE:
            return "the console";
        case ferry::v1::PEER_KIND_FERRYCTL:
            return "ferryctl";
        default:
            return "the peer";
    }
}

std::string rangeText(VersionRange range) {
    if (range.min == range.max) {
        return std::to_string(range.min);
    }
    return std::to_string(range.min) + ".." + std::to_string(range.max);
}

bool hasControlCharacter(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 || u == 0x7F;
    });
}

// A name field of a Hello: present, bounded, printable; `slashFree` for names used in paths.
Status checkName(std::string_view field, std::string_view value, std::size_t maxSize,
                 bool slashFree, std::string_view who) {
    std::string prefix = std::string(who) + ": Hello." + std::string(field);
    if (value.empty()) {
        return makeError(ErrorCode::InvalidArgument, prefix + " is empty");
    }
    if (value.size() > maxSize) {
        return makeError(ErrorCode::InvalidArgument,
                         prefix + " is " + std::to_string(value.size()) +
                             " bytes, over the limit of " + std::to_string(maxSize));
    }
    if (hasControlCharacter(value) || (slashFree && value.find('/') != std::string_view::npos)) {
        return makeError(ErrorCode::InvalidArgument,
                         prefix + " contains a control character" + (slashFree ? " or '/'" : ""));
    }
    return okStatus();
}

struct Refusal {
    ferry::v1::WireErrorCode code;
    ErrorCode errorCode;
    std::string message;
    std::string hint;

    Error toError() const {
        return makeError(errorCode, hint.empty() ? message : message + "; " + hint);
    }
};

Refusal refusal(ferry::v1::WireErrorCode code, ErrorCode errorCode, std::string message,
                std::string hint) {
    return Refusal{code, errorCode, std::move(message), std::move(hint)};
}

// Every check of acceptHello; the Session on success, else why and what to tell the peer.
std::optional<Refusal> checkHello(const LocalPeer& server, const ferry::v1::Hello& hello,
                                  Session& session) {
    const auto peerKind = hello.peer_kind();
    const bool knownKind =
        ferry::v1::PeerKind_IsValid(peerKind) && peerKind != ferry::v1::PEER_KIND_UNSPECIFIED;
    // The identity goes into messages and logs only once it is known to be printable.
    const bool printableIdentity = !hello.identity().empty() &&
                                   hello.identity().size() <= kMaxIdentitySize &&
                                   !hasControlCharacter(hello.identity());
    const std::string who =
        "peer " + peerKindName(peerKind) + (printableIdentity ? " " + hello.identity() : "");
    const VersionRange theirs{hello.protocol_versions().min(), hello.protocol_versions().max()};

    auto version = chooseProtocolVersion(server.versions, server.kind, theirs, peerKind);
    if (!version.ok()) {
        const bool mismatch = version.error().code == ErrorCode::Unsupported;
        return refusal(mismatch ? ferry::v1::WIRE_ERROR_CODE_PROTOCOL_VERSION_MISMATCH
                                : ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO,
                       version.error().code, version.error().message,
                       mismatch ? "" : "the peer is not a compatible Ferry program");
    }
    if (!knownKind) {
        return refusal(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO, ErrorCode::InvalidArgument,
                       who + ": Hello.peer_kind " + std::to_string(peerKind) +
                           " is not console, ferryctl or agent",
                       "the peer is not a compatible Ferry program");
    }
    auto name = checkName("identity", hello.identity(), kMaxIdentitySize, false, who);
    if (name.ok()) {
        name = checkName("cluster", hello.cluster(), kMaxClusterSize, true, who);
    }
    if (name.ok() && peerKind == ferry::v1::PEER_KIND_AGENT) {
        name = checkName("site", hello.site(), kMaxSiteSize, true, who);
    }
    if (!name.ok()) {
        return refusal(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO, ErrorCode::InvalidArgument,
                       name.error().message, "set it in the peer's configuration");
    }
    if (hello.max_frame_size() != 0 && hello.max_frame_size() < kMinFrameSize) {
        return refusal(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO, ErrorCode::InvalidArgument,
                       who + ": Hello.max_frame_size " + std::to_string(hello.max_frame_size()) +
                           " is below the minimum of " + std::to_string(kMinFrameSize),
                       "raise the peer's max_frame_size");
    }
    if (static_cast<std::size_t>(hello.capabilities_size()) > kMaxCapabilities) {
        return refusal(ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO, ErrorCode::InvalidArgument,
                       who + ": Hello lists " + std::to_string(hello.capabilities_size()) +
                           " capabilities, over the limit of " + std::to_string(kMaxCapabilities),
                       "the peer is not a compatible Ferry program");
    }
    if (hello.cluster() != server.cluster) {
        return refusal(ferry::v1::WIRE_ERROR_CODE_WRONG_CLUSTER, ErrorCode::PermissionDenied,
                       who + " wants cluster '" + hello.cluster() + "', " + selfName(server.kind) +
                           " belongs to cluster '" + server.cluster + "'",
                       "point the peer at an agent of its cluster, or fix the cluster name in "
                       "its configuration");
    }
    switch (hello.credentials_case()) {
        case ferry::v1::Hello::kBearerToken:
            if (!server.acceptBearerTokens) {
                return refusal(ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
                               ErrorCode::PermissionDenied,
                               who + " offers a bearer token, " + selfName(server.kind) +
                                   " accepts only client certificates",
                               "connect with a client certificate signed by the cluster CA");
            }
            if (hello.bearer_token().empty() || hello.bearer_token().size() > kMaxTokenSize) {
                return refusal(ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
                               ErrorCode::PermissionDenied,
                               who + " offers a bearer token of " +
                                   std::to_string(hello.bearer_token().size()) +
                                   " bytes, not 1 to " + std::to_string(kMaxTokenSize),
                               "check the token the peer is configured with");
            }
            break;
        case ferry::v1::Hello::kClientCertificate:
            if (!server.acceptClientCertificates) {
                return refusal(ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
                               ErrorCode::PermissionDenied,
                               who + " offers a client certificate, " + selfName(server.kind) +
                                   " accepts only bearer tokens",
                               "connect with a bearer token");
            }
            break;
        case ferry::v1::Hello::CREDENTIALS_NOT_SET:
            return refusal(ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED, ErrorCode::PermissionDenied,
                           who + " sends no credentials",
                           "connect with a bearer token or a client certificate");
    }

    session.protocolVersion = version.value();
    session.peerKind = peerKind;
    session.peerIdentity = hello.identity();
    session.peerSite = hello.site();
    session.peerSoftwareVersion = hello.software_version();
    session.peerCapabilities.assign(hello.capabilities().begin(), hello.capabilities().end());
    session.sendLimits = server.limits.narrowedTo(hello.max_frame_size(), hello.max_message_size());
    return std::nullopt;
}

void fillIdentity(const LocalPeer& server, ferry::v1::HelloReply& reply) {
    reply.set_server_kind(server.kind);
    reply.set_server_identity(server.identity);
    reply.set_cluster(server.cluster);
    reply.set_site(server.site);
    reply.set_software_version(server.softwareVersion);
    for (const auto& capability : server.capabilities) {
        reply.add_capabilities(capability);
    }
    reply.set_max_frame_size(server.limits.maxFrameSize);
    reply.set_max_message_size(server.limits.maxMessageSize);
}

ErrorCode errorCodeForRefusal(ferry::v1::WireErrorCode code) {
    switch (code) {
        case ferry::v1::WIRE_ERROR_CODE_PROTOCOL_VERSION_MISMATCH:
            return ErrorCode::Unsupported;
        case ferry::v1::WIRE_ERROR_CODE_WRONG_CLUSTER:
        case ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED:
        case ferry::v1::WIRE_ERROR_CODE_PERMISSION_DENIED:
            return ErrorCode::PermissionDenied;
        case ferry::v1::WIRE_ERROR_CODE_INVALID_HELLO:
            return ErrorCode::InvalidArgument;
        default:
            return ErrorCode::Unavailable;
    }
}

}  // namespace

Result<std::uint32_t> chooseProtocolVersion(VersionRange ours, ferry::v1::PeerKind ourKind,
                                            VersionRange theirs, ferry::v1::PeerKind theirKind) {
    const std::string peer = "peer " + peerKindName(theirKind);
    if (theirs.min == 0 || theirs.min > theirs.max) {
        return makeError(ErrorCode::InvalidArgument,
                         peer + " announces the malformed protocol version range " +
                             std::to_string(theirs.min) + ".." + std::to_string(theirs.max) +
                             " (versions start at 1, min must not exceed max)");
    }
    if (ours.min == 0 || ours.min > ours.max) {
        return makeError(ErrorCode::Internal,
                         selfName(ourKind) + " has the malformed protocol version range " +
                             std::to_string(ours.min) + ".." + std::to_string(ours.max));
    }
    const std::string speaks = peer + " speaks protocol " + rangeText(theirs) + ", " +
                               selfName(ourKind) + " speaks " + rangeText(ours);
    if (theirs.min > ours.max) {
        return makeError(ErrorCode::Unsupported, speaks + ": upgrade " + upgradeTarget(ourKind));
    }
    if (theirs.max < ours.min) {
        return makeError(ErrorCode::Unsupported, speaks + ": upgrade " + upgradeTarget(theirKind));
    }
    return std::min(ours.max, theirs.max);
}

ferry::v1::Hello makeHello(const LocalPeer& client, const std::optional<std::string>& bearerToken) {
    ferry::v1::Hello hello;
    hello.mutable_protocol_versions()->set_min(client.versions.min);
    hello.mutable_protocol_versions()->set_max(client.versions.max);
    hello.set_peer_kind(client.kind);
    hello.set_identity(client.identity);
    hello.set_cluster(client.cluster);
    if (bearerToken) {
        hello.set_bearer_token(*bearerToken);
    } else {
        hello.mutable_client_certificate();
    }
    hello.set_software_version(client.softwareVersion);
    for (const auto& capability : client.capabilities) {
        hello.add_capabilities(capability);
    }
    hello.set_max_frame_size(client.limits.maxFrameSize);
    hello.set_max_message_size(client.limits.maxMessageSize);
    hello.set_site(client.site);
    return hello;
}

Result<Session> acceptHello(const LocalPeer& server, const ferry::v1::Hello& hello,
                            ferry::v1::HelloReply* reply) {
    Session session;
    auto refused = checkHello(server, hello, session);
    if (reply != nullptr) {
        reply->Clear();
        fillIdentity(server, *reply);
        if (refused) {
            refuseHello(*reply, refused->code, refused->message, refused->hint);
        } else {
            reply->set_accepted(true);
            reply->set_protocol_version(session.protocolVersion);
        }
    }
    if (refused) {
        return refused->toError();
    }
    return session;
}

void refuseHello(ferry::v1::HelloReply& reply, ferry::v1::WireErrorCode code, std::string message,
                 std::string hint) {
    reply.set_accepted(false);
    reply.set_protocol_version(0);
    reply.set_granted_role(ferry::v1::ROLE_UNSPECIFIED);
    auto* error = reply.mutable_error();
    error->set_code(code);
    error->set_message(std::move(message));
    error->set_hint(std::move(hint));
}

Result<Session> checkHelloReply(const LocalPeer& client, const ferry::v1::Hello& sent,
                                const ferry::v1::HelloReply& reply) {
    const std::string server =
        peerKindName(reply.server_kind()) +
        (reply.server_identity().empty() ? "" : " " + reply.server_identity());
    if (!reply.accepted()) {
        std::string message = server + " refused the connection";
        if (!reply.error().message().empty()) {
            message += ": " + reply.error().message();
        }
        if (!reply.error().hint().empty()) {
            message += "; " + reply.error().hint();
        }
        return makeError(errorCodeForRefusal(reply.error().code()), std::move(message));
    }
    const std::uint32_t version = reply.protocol_version();
    if (version < sent.protocol_versions().min() || version > sent.protocol_versions().max()) {
        return makeError(
            ErrorCode::Corrupt,
            server + " chose protocol " + std::to_string(version) + ", which " +
                selfName(client.kind) + " did not offer (" +
                rangeText({sent.protocol_versions().min(), sent.protocol_versions().max()}) +
                "); close the connection and report it with both versions");
    }
    if (reply.cluster() != sent.cluster()) {
        return makeError(ErrorCode::PermissionDenied,
                         server + " belongs to cluster '" + reply.cluster() + "', " +
                             selfName(client.kind) + " asked for cluster '" + sent.cluster() +
                             "'; connect to an agent of that cluster");
    }
    if (!ferry::v1::Role_IsValid(reply.granted_role()) ||
        (client.kind != ferry::v1::PEER_KIND_AGENT &&
         reply.granted_role() == ferry::v1::ROLE_UNSPECIFIED)) {
        return makeError(ErrorCode::PermissionDenied,
                         server + " accepted the connection but granted " +
                             roleName(reply.granted_role()) +
                             "; ask an admin to give this user a role");
    }
    if (reply.max_frame_size() != 0 && reply.max_frame_size() < kMinFrameSize) {
        return makeError(ErrorCode::Corrupt, server + " announces max_frame_size " +
                                                 std::to_string(reply.max_frame_size()) +
                                                 ", below the minimum of " +
                                                 std::to_string(kMinFrameSize));
    }
    Session session;
    session.protocolVersion = version;
    session.peerKind = reply.server_kind();
    session.peerIdentity = reply.server_identity();
    session.peerSite = reply.site();
    session.peerSoftwareVersion = reply.software_version();
    session.peerCapabilities.assign(reply.capabilities().begin(), reply.capabilities().end());
    session.sendLimits = client.limits.narrowedTo(reply.max_frame_size(), reply.max_message_size());
    session.role = reply.granted_role();
    return session;
}

}  // namespace ferry::wire
