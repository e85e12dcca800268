// SPDX-License-Identifier: Apache-2.0
// The handshake: version negotiation, Hello validation, and the client's check of the reply.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"
#include "ferry/wire/handshake.h"

namespace ferry::wire {
namespace {

using v1::PeerKind;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(WireHandshake, VersionNegotiationTable) {
    struct Row {
        const char* name;
        VersionRange ours;
        PeerKind ourKind;
        VersionRange theirs;
        PeerKind theirKind;
        std::uint32_t chosen;  // 0: an error
        ErrorCode code;
        const char* message;  // the whole message when an error
    };
    const auto agent = v1::PEER_KIND_AGENT;
    const auto console = v1::PEER_KIND_CONSOLE;
    const auto ctl = v1::PEER_KIND_FERRYCTL;
    const std::uint32_t top = std::numeric_limits<std::uint32_t>::max();
    const Row rows[] = {
        {"same range", {1, 2}, agent, {1, 2}, console, 2, ErrorCode::Internal, ""},
        {"peer older, overlaps", {1, 2}, agent, {1, 1}, console, 1, ErrorCode::Internal, ""},
        {"peer newer, overlaps", {1, 2}, agent, {2, 5}, agent, 2, ErrorCode::Internal, ""},
        {"single common version", {3, 3}, console, {1, 3}, agent, 3, ErrorCode::Internal, ""},
        {"peer speaks everything", {1, 2}, agent, {1, top}, ctl, 2, ErrorCode::Internal, ""},
        {"peer newer, disjoint",
         {1, 2},
         agent,
         {3, 4},
         console,
         0,
         ErrorCode::Unsupported,
         "peer ferry-console speaks protocol 3..4, this agent speaks 1..2: upgrade the agent"},
        {"peer older, disjoint",
         {3, 4},
         agent,
         {1, 2},
         ctl,
         0,
         ErrorCode::Unsupported,
         "peer ferryctl speaks protocol 1..2, this agent speaks 3..4: upgrade ferryctl"},
        {"console newer than agent",
         {2, 2},
         console,
         {1, 1},
         agent,
         0,
         ErrorCode::Unsupported,
         "peer ferry-agent speaks protocol 1, this console speaks 2: upgrade the agent"},
        {"agent newer than console",
         {1, 1},
         agent,
         {2, 3},
         console,
         0,
         ErrorCode::Unsupported,
         "peer ferry-console speaks protocol 2..3, this agent speaks 1: upgrade the agent"},
        {"console older than agent",
         {1, 1},
         console,
         {2, 2},
         agent,
         0,
         ErrorCode::Unsupported,
         "peer ferry-agent speaks protocol 2, this console speaks 1: upgrade the console"},
        {"peer min zero",
         {1, 2},
         agent,
         {0, 1},
         console,
         0,
         ErrorCode::InvalidArgument,
         "peer ferry-console announces the malformed protocol version range 0..1 (versions start "
         "at 1, min must not exceed max)"},
        {"peer min above max",
         {1, 2},
         agent,
         {3, 2},
         console,
         0,
         ErrorCode::InvalidArgument,
         "peer ferry-console announces the malformed protocol version range 3..2 (versions start "
         "at 1, min must not exceed max)"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        auto chosen = chooseProtocolVersion(row.ours, row.ourKind, row.theirs, row.theirKind);
        if (row.chosen != 0) {
            ASSERT_TRUE(chosen.ok()) << chosen.error().toString();
            EXPECT_EQ(chosen.value(), row.chosen);
        } else {
            ASSERT_FALSE(chosen.ok());
            EXPECT_EQ(chosen.error().code, row.code);
            EXPECT_EQ(chosen.error().message, row.message);
        }
    }
}

LocalPeer agentPeer() {
    LocalPeer peer;
    peer.kind = v1::PEER_KIND_AGENT;
    peer.identity = "hz-db1";
    peer.cluster = "prod";
    peer.site = "hz";
    peer.softwareVersion = "0.1.0";
    peer.capabilities = {"zstd"};
    return peer;
}

LocalPeer consolePeer() {
    LocalPeer peer;
    peer.kind = v1::PEER_KIND_CONSOLE;
    peer.identity = "alice";
    peer.cluster = "prod";
    peer.softwareVersion = "0.1.0";
    return peer;
}

TEST(WireHandshake, HelloTable) {
    struct Row {
        const char* name;
        std::function<void(v1::Hello&, LocalPeer& server)> mutate;
        bool accepted;
        ErrorCode code;
        v1::WireErrorCode wireCode;
        const char* substring;
    };
    const auto ok = v1::WIRE_ERROR_CODE_UNSPECIFIED;
    const std::vector<Row> rows = {
        {"bearer token", [](v1::Hello&, LocalPeer&) {}, true, ErrorCode::Internal, ok, ""},
        {"client certificate", [](v1::Hello& h, LocalPeer&) { h.mutable_client_certificate(); },
         true, ErrorCode::Internal, ok, ""},
        {"agent with site",
         [](v1::Hello& h, LocalPeer&) {
             h.set_peer_kind(v1::PEER_KIND_AGENT);
             h.set_site("us");
         },
         true, ErrorCode::Internal, ok, ""},
        {"version mismatch",
         [](v1::Hello& h, LocalPeer&) {
             h.mutable_protocol_versions()->set_min(3);
             h.mutable_protocol_versions()->set_max(4);
         },
         false, ErrorCode::Unsupported, v1::WIRE_ERROR_CODE_PROTOCOL_VERSION_MISMATCH,
         "peer ferry-console speaks protocol 3..4, this agent speaks 1: upgrade the agent"},
        {"no version range", [](v1::Hello& h, LocalPeer&) { h.clear_protocol_versions(); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "malformed protocol"},
        {"unspecified kind",
         [](v1::Hello& h, LocalPeer&) { h.set_peer_kind(v1::PEER_KIND_UNSPECIFIED); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO,
         "peer_kind 0 is not console, ferryctl or agent"},
        {"unknown kind", [](v1::Hello& h, LocalPeer&) { h.set_peer_kind(PeerKind(9)); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "peer_kind 9"},
        {"empty identity", [](v1::Hello& h, LocalPeer&) { h.clear_identity(); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "Hello.identity is empty"},
        {"identity with a newline", [](v1::Hello& h, LocalPeer&) { h.set_identity("al\nice"); },
         false, ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO,
         "peer ferry-console: Hello.identity contains a control character"},
        {"identity too long",
         [](v1::Hello& h, LocalPeer&) { h.set_identity(std::string(257, 'a')); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO,
         "Hello.identity is 257 bytes, over the limit of 256"},
        {"empty cluster", [](v1::Hello& h, LocalPeer&) { h.clear_cluster(); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "Hello.cluster is empty"},
        {"cluster with a slash", [](v1::Hello& h, LocalPeer&) { h.set_cluster("prod/x"); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "or '/'"},
        {"agent without site",
         [](v1::Hello& h, LocalPeer&) { h.set_peer_kind(v1::PEER_KIND_AGENT); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO, "Hello.site is empty"},
        {"tiny frame size", [](v1::Hello& h, LocalPeer&) { h.set_max_frame_size(100); }, false,
         ErrorCode::InvalidArgument, v1::WIRE_ERROR_CODE_INVALID_HELLO,
         "max_frame_size 100 is below the minimum of 256"},
        {"wrong cluster", [](v1::Hello& h, LocalPeer&) { h.set_cluster("staging"); }, false,
         ErrorCode::PermissionDenied, v1::WIRE_ERROR_CODE_WRONG_CLUSTER,
         "peer ferry-console alice wants cluster 'staging', this agent belongs to cluster "
         "'prod'"},
        {"no credentials", [](v1::Hello& h, LocalPeer&) { h.clear_credentials(); }, false,
         ErrorCode::PermissionDenied, v1::WIRE_ERROR_CODE_UNAUTHENTICATED, "sends no credentials"},
        {"empty token", [](v1::Hello& h, LocalPeer&) { h.set_bearer_token(""); }, false,
         ErrorCode::PermissionDenied, v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
         "bearer token of 0 bytes"},
        {"token refused", [](v1::Hello&, LocalPeer& s) { s.acceptBearerTokens = false; }, false,
         ErrorCode::PermissionDenied, v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
         "accepts only client certificates"},
        {"certificate refused",
         [](v1::Hello& h, LocalPeer& s) {
             h.mutable_client_certificate();
             s.acceptClientCertificates = false;
         },
         false, ErrorCode::PermissionDenied, v1::WIRE_ERROR_CODE_UNAUTHENTICATED,
         "accepts only bearer tokens"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        LocalPeer server = agentPeer();
        server.versions = {1, 1};
        v1::Hello hello = makeHello(consolePeer(), std::string("secret-token"));
        row.mutate(hello, server);
        v1::HelloReply reply;
        reply.set_granted_role(v1::ROLE_ADMIN);  // cleared by acceptHello
        auto session = acceptHello(server, hello, &reply);
        EXPECT_EQ(reply.server_identity(), "hz-db1");
        EXPECT_EQ(reply.server_kind(), v1::PEER_KIND_AGENT);
        EXPECT_EQ(reply.cluster(), "prod");
        EXPECT_EQ(reply.granted_role(), v1::ROLE_UNSPECIFIED);
        EXPECT_EQ(acceptHello(server, hello, nullptr).ok(), row.accepted);
        if (row.accepted) {
            ASSERT_TRUE(session.ok()) << session.error().toString();
            EXPECT_TRUE(reply.accepted());
            EXPECT_EQ(reply.protocol_version(), 1u);
            EXPECT_FALSE(reply.has_error());
            EXPECT_EQ(session->protocolVersion, 1u);
            EXPECT_EQ(session->peerKind, hello.peer_kind());
            EXPECT_EQ(session->peerIdentity, "alice");
            EXPECT_EQ(session->role, v1::ROLE_UNSPECIFIED);
            continue;
        }
        ASSERT_FALSE(session.ok());
        EXPECT_EQ(session.error().code, row.code);
        EXPECT_TRUE(contains(session.error().message, row.substring)) << session.error().message;
        EXPECT_FALSE(reply.accepted());
        EXPECT_EQ(reply.protocol_version(), 0u);
        EXPECT_EQ(reply.error().code(), row.wireCode);
        EXPECT_TRUE(contains(reply.error().message(), row.substring)) << reply.error().message();
        // The message and the hint travel apart; the local error carries both.
        if (!reply.error().hint().empty()) {
            EXPECT_FALSE(contains(reply.error().message(), reply.error().hint()));
            EXPECT_TRUE(contains(session.error().message, "; " + reply.error().hint()));
        }
    }
}

TEST(WireHandshake, SendLimitsAreNarrowedToThePeer) {
    const LocalPeer server = agentPeer();
    struct Row {
        std::uint32_t peerFrame;
        std::uint64_t peerMessage;
        std::uint32_t frame;
        std::uint64_t message;
    };
    const Row rows[] = {
        {0, 0, kDefaultMaxFrameSize, kDefaultMaxMessageSize},
        {1024, 4096, 1024, 4096},
        {kMaxFrameSizeCeiling, kMaxMessageSizeCeiling, kDefaultMaxFrameSize,
         kDefaultMaxMessageSize},
    };
    for (const auto& row : rows) {
        v1::Hello hello = makeHello(consolePeer(), std::nullopt);
        hello.set_max_frame_size(row.peerFrame);
        hello.set_max_message_size(row.peerMessage);
        auto session = acceptHello(server, hello, nullptr);
        ASSERT_TRUE(session.ok()) << session.error().toString();
        EXPECT_EQ(session->sendLimits.maxFrameSize, row.frame);
        EXPECT_EQ(session->sendLimits.maxMessageSize, row.message);
    }
}

// Both sides end to end: the Hello and its reply travel as frames.
TEST(WireHandshake, FullExchangeOverFrames) {
    LocalPeer client = consolePeer();
    client.limits.maxFrameSize = 4096;
    const LocalPeer server = agentPeer();
    const FrameWriter writer;

    const v1::Hello hello = makeHello(client, std::string("token"));
    std::string toServer;
    ASSERT_TRUE(writer.writeMessage(0, v1::FRAME_KIND_HELLO, hello, toServer).ok());
    FrameReader serverReader;
    ASSERT_TRUE(serverReader.feed(toServer).ok());
    auto helloMessage = serverReader.nextMessage();
    ASSERT_TRUE(helloMessage.has_value());
    ASSERT_EQ(helloMessage->kind, v1::FRAME_KIND_HELLO);
    v1::Hello received;
    ASSERT_TRUE(received.ParseFromString(helloMessage->payload));

    v1::HelloReply reply;
    auto serverSession = acceptHello(server, received, &reply);
    ASSERT_TRUE(serverSession.ok()) << serverSession.error().toString();
    EXPECT_EQ(serverSession->sendLimits.maxFrameSize, 4096u);
    reply.set_granted_role(v1::ROLE_OPERATOR);  // after authenticating "token"

    std::string toClient;
    ASSERT_TRUE(writer.writeMessage(0, v1::FRAME_KIND_HELLO_REPLY, reply, toClient).ok());
    FrameReader clientReader;
    ASSERT_TRUE(clientReader.feed(toClient).ok());
    auto replyMessage = clientReader.nextMessage();
    ASSERT_TRUE(replyMessage.has_value());
    v1::HelloReply receivedReply;
    ASSERT_TRUE(receivedReply.ParseFromString(replyMessage->payload));

    auto clientSession = checkHelloReply(client, hello, receivedReply);
    ASSERT_TRUE(clientSession.ok()) << clientSession.error().toString();
    EXPECT_EQ(clientSession->protocolVersion, kProtocolVersion);
    EXPECT_EQ(clientSession->role, v1::ROLE_OPERATOR);
    EXPECT_EQ(clientSession->peerIdentity, "hz-db1");
    EXPECT_EQ(clientSession->peerSite, "hz");
    ASSERT_EQ(clientSession->peerCapabilities.size(), 1u);
    EXPECT_EQ(clientSession->peerCapabilities[0], "zstd");
    EXPECT_EQ(clientSession->sendLimits.maxFrameSize, 4096u);
}

TEST(WireHandshake, ReplyTable) {
    struct Row {
        const char* name;
        LocalPeer client;
        std::function<void(v1::HelloReply&)> mutate;
        bool ok;
        ErrorCode code;
        const char* substring;
    };
    LocalPeer agentClient = agentPeer();
    agentClient.identity = "us-db2";
    agentClient.site = "us";
    const std::vector<Row> rows = {
        {"accepted", consolePeer(), [](v1::HelloReply&) {}, true, ErrorCode::Internal, ""},
        {"agent client needs no role", agentClient,
         [](v1::HelloReply& r) { r.set_granted_role(v1::ROLE_UNSPECIFIED); }, true,
         ErrorCode::Internal, ""},
        {"refused: versions", consolePeer(),
         [](v1::HelloReply& r) {
             refuseHello(r, v1::WIRE_ERROR_CODE_PROTOCOL_VERSION_MISMATCH,
                         "peer ferry-console speaks protocol 3, this agent speaks 1: upgrade the "
                         "agent",
                         "");
         },
         false, ErrorCode::Unsupported,
         "ferry-agent hz-db1 refused the connection: peer ferry-console speaks protocol 3, this "
         "agent speaks 1: upgrade the agent"},
        {"refused: token", consolePeer(),
         [](v1::HelloReply& r) {
             refuseHello(r, v1::WIRE_ERROR_CODE_UNAUTHENTICATED, "token expired",
                         "ask an admin for a new token");
         },
         false, ErrorCode::PermissionDenied,
         "refused the connection: token expired; ask an admin for a new token"},
        {"refused: other", consolePeer(),
         [](v1::HelloReply& r) {
             refuseHello(r, v1::WIRE_ERROR_CODE_UNAVAILABLE, "shutting down", "retry later");
         },
         false, ErrorCode::Unavailable, "shutting down; retry later"},
        {"version not offered", consolePeer(), [](v1::HelloReply& r) { r.set_protocol_version(7); },
         false, ErrorCode::Corrupt, "chose protocol 7, which this console did not offer (1)"},
        {"other cluster", consolePeer(), [](v1::HelloReply& r) { r.set_cluster("staging"); }, false,
         ErrorCode::PermissionDenied,
         "belongs to cluster 'staging', this console asked for cluster 'prod'"},
        {"no role for a console", consolePeer(),
         [](v1::HelloReply& r) { r.set_granted_role(v1::ROLE_UNSPECIFIED); }, false,
         ErrorCode::PermissionDenied, "granted unspecified"},
        {"unknown role", consolePeer(),
         [](v1::HelloReply& r) { r.set_granted_role(static_cast<v1::Role>(12)); }, false,
         ErrorCode::PermissionDenied, "granted unknown role 12"},
        {"tiny frame size", consolePeer(), [](v1::HelloReply& r) { r.set_max_frame_size(8); },
         false, ErrorCode::Corrupt, "max_frame_size 8"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const v1::Hello hello = makeHello(row.client, std::nullopt);
        v1::HelloReply reply;
        ASSERT_TRUE(acceptHello(agentPeer(), hello, &reply).ok());
        reply.set_granted_role(v1::ROLE_VIEWER);
        row.mutate(reply);
        auto session = checkHelloReply(row.client, hello, reply);
        ASSERT_EQ(session.ok(), row.ok) << (session.ok() ? "" : session.error().toString());
        if (!row.ok) {
            EXPECT_EQ(session.error().code, row.code);
            EXPECT_TRUE(contains(session.error().message, row.substring))
                << session.error().message;
        }
    }
}

}  // namespace
}  // namespace ferry::wire
