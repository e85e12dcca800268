// SPDX-License-Identifier: Apache-2.0
// FrameWriter and FrameReader: round trips at the size boundaries, fed in chunks of every size,
// and a corrupt-input table.
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"

namespace ferry::wire {
namespace {

using v1::Frame;
using v1::FrameKind;

// Deterministic bytes that differ per position and per seed, so misordered or lost fragments show.
std::string pattern(std::size_t size, std::uint32_t seed = 1) {
    std::string out(size, '\0');
    std::uint32_t state = seed * 2654435761u + 12345u;
    for (auto& c : out) {
        state = state * 1103515245u + 12345u;
        c = static_cast<char>(state >> 24);
    }
    return out;
}

Frame makeFrame(std::uint64_t requestId, int kind, std::uint32_t index, bool more,
                const std::string& payload) {
    Frame frame;
    frame.set_request_id(requestId);
    frame.set_kind(static_cast<FrameKind>(kind));
    frame.set_fragment_index(index);
    frame.set_more_fragments(more);
    frame.set_payload(payload);
    return frame;
}

// One frame in its wire form, built by protobuf directly (bypassing FrameWriter's rules).
std::string rawFrame(std::uint64_t requestId, int kind, std::uint32_t index, bool more,
                     const std::string& payload) {
    std::string out;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        EXPECT_TRUE(google::protobuf::util::SerializeDelimitedToZeroCopyStream(
            makeFrame(requestId, kind, index, more, payload), &stream));
    }
    return out;
}

std::string bytes(std::initializer_list<int> values) {
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}

// A length prefix followed by `body`.
std::string prefixed(const std::string& body) {
    std::string out;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.WriteVarint32(static_cast<std::uint32_t>(body.size()));
        coded.WriteString(body);
    }
    return out;
}

// Splits a well-formed stream into its frames (each with its length prefix), checking every
// length against maxFrameSize.
std::vector<std::string> splitFrames(const std::string& stream, std::uint32_t maxFrameSize) {
    std::vector<std::string> frames;
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(stream.data()),
                                              static_cast<int>(stream.size()));
    while (in.CurrentPosition() < static_cast<int>(stream.size())) {
        const int start = in.CurrentPosition();
        std::uint32_t length = 0;
        if (!in.ReadVarint32(&length)) {
            ADD_FAILURE() << "bad prefix at " << start;
            break;
        }
        EXPECT_LE(length, maxFrameSize) << "frame at " << start;
        std::string body;
        if (!in.ReadString(&body, static_cast<int>(length))) {
            ADD_FAILURE() << "short frame at " << start;
            break;
        }
        frames.push_back(stream.substr(static_cast<std::size_t>(start),
                                       static_cast<std::size_t>(in.CurrentPosition() - start)));
    }
    return frames;
}

// Feeds `stream` in chunks of `chunk` bytes (0: all at once); collects every message.
Status feedAll(FrameReader& reader, const std::string& stream, std::size_t chunk,
               std::vector<WireMessage>& messages) {
    Status status;
    const std::size_t step = chunk == 0 ? std::max<std::size_t>(stream.size(), 1) : chunk;
    for (std::size_t at = 0; at < stream.size() && status.ok(); at += step) {
        status = reader.feed(std::string_view(stream).substr(at, step));
        while (auto message = reader.nextMessage()) {
            messages.push_back(std::move(*message));
        }
    }
    return status;
}

Limits smallLimits() {
    Limits limits;
    limits.maxFrameSize = 256;
    limits.maxMessageSize = 1000;
    limits.maxPartialMessages = 2;
    limits.maxBufferedBytes = 1000;
    return limits;
}

FrameWriter writerWith(const Limits& limits) {
    auto writer = FrameWriter::create(limits);
    EXPECT_TRUE(writer.ok()) << writer.error().toString();
    return std::move(writer).value();
}

FrameReader readerWith(const Limits& limits) {
    auto reader = FrameReader::create(limits);
    EXPECT_TRUE(reader.ok()) << reader.error().toString();
    return std::move(reader).value();
}

const std::vector<std::size_t> kChunkSizes = {0, 1, 2, 3, 7, 64, 255, 4096};

// --- Limits ---------------------------------------------------------------------------------

TEST(WireLimits, DefaultsAreValid) {
    const Limits limits;
    EXPECT_TRUE(limits.validate().ok());
    EXPECT_EQ(limits.maxFrameSize, 4u * 1024 * 1024);
    EXPECT_EQ(limits.maxMessageSize, 256ull * 1024 * 1024);
    EXPECT_EQ(kProtocolVersion, 1u);
}

TEST(WireLimits, ValidateRejectsOutOfRange) {
    struct Row {
        const char* name;
        void (*mutate)(Limits&);
        const char* substring;
    };
    const Row rows[] = {
        {"frame below minimum", [](Limits& l) { l.maxFrameSize = kMinFrameSize - 1; },
         "max_frame_size = 255"},
        {"frame above ceiling", [](Limits& l) { l.maxFrameSize = kMaxFrameSizeCeiling + 1; },
         "max_frame_size"},
        {"message zero", [](Limits& l) { l.maxMessageSize = 0; }, "max_message_size = 0"},
        {"message above ceiling", [](Limits& l) { l.maxMessageSize = kMaxMessageSizeCeiling + 1; },
         "max_message_size"},
        {"no partials", [](Limits& l) { l.maxPartialMessages = 0; }, "max_partial_messages"},
        {"buffered below message", [](Limits& l) { l.maxBufferedBytes = l.maxMessageSize - 1; },
         "max_buffered_bytes"},
    };
    for (const auto& row : rows) {
        Limits limits;
        row.mutate(limits);
        const Status status = limits.validate();
        ASSERT_FALSE(status.ok()) << row.name;
        EXPECT_EQ(status.error().code, ErrorCode::InvalidArgument) << row.name;
        EXPECT_NE(status.error().message.find(row.substring), std::string::npos)
            << row.name << ": " << status.error().message;
        EXPECT_FALSE(FrameWriter::create(limits).ok()) << row.name;
        EXPECT_FALSE(FrameReader::create(limits).ok()) << row.name;
    }
}

TEST(WireLimits, NarrowedToPeer) {
    const Limits ours;
    EXPECT_EQ(ours.narrowedTo(0, 0).maxFrameSize, ours.maxFrameSize);
    EXPECT_EQ(ours.narrowedTo(0, 0).maxMessageSize, ours.maxMessageSize);
    EXPECT_EQ(ours.narrowedTo(1024, 5000).maxFrameSize, 1024u);
    EXPECT_EQ(ours.narrowedTo(1024, 5000).maxMessageSize, 5000u);
    EXPECT_EQ(ours.narrowedTo(kMaxFrameSizeCeiling, kMaxMessageSizeCeiling).maxFrameSize,
              ours.maxFrameSize);
    EXPECT_EQ(ours.narrowedTo(10, 0).maxFrameSize, kMinFrameSize);
}

// --- Round trips ----------------------------------------------------------------------------

TEST(WireRoundTrip, SmallMessagesOfEveryKind) {
    const FrameWriter writer;
    std::string stream;
    struct Sent {
        std::uint64_t id;
        FrameKind kind;
        std::string payload;
    };
    std::vector<Sent> sent;
    std::uint64_t id = 0;
    for (int kind = v1::FRAME_KIND_HELLO; kind <= v1::FRAME_KIND_PONG; ++kind) {
        for (std::size_t size : {0, 1, 127, 128, 300}) {
            sent.push_back({id, static_cast<FrameKind>(kind), pattern(size, kind)});
            ASSERT_TRUE(writer.write(id, sent.back().kind, sent.back().payload, stream).ok());
            id = id * 31 + 1000003;  // ids of every varint width
        }
    }
    for (std::size_t chunk : kChunkSizes) {
        FrameReader reader;
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, chunk, got).ok()) << "chunk " << chunk;
        ASSERT_TRUE(reader.finish().ok());
        ASSERT_EQ(got.size(), sent.size()) << "chunk " << chunk;
        for (std::size_t i = 0; i < sent.size(); ++i) {
            EXPECT_EQ(got[i].requestId, sent[i].id);
            EXPECT_EQ(got[i].kind, sent[i].kind);
            EXPECT_EQ(got[i].payload, sent[i].payload);
            EXPECT_EQ(got[i].fragmentCount, 1u);
        }
        EXPECT_EQ(reader.bytesConsumed(), stream.size());
    }
}

TEST(WireRoundTrip, ExactlyMaxFrameIsOneFrame) {
    const Limits limits = smallLimits();
    const FrameWriter writer = writerWith(limits);
    for (std::uint64_t id : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{1} << 40}) {
        const std::size_t max = writer.maxSingleFramePayload(id, v1::FRAME_KIND_RESPONSE);
        ASSERT_GT(max, 200u);
        std::string stream;
        ASSERT_TRUE(writer.write(id, v1::FRAME_KIND_RESPONSE, pattern(max), stream).ok());
        const auto frames = splitFrames(stream, limits.maxFrameSize);
        ASSERT_EQ(frames.size(), 1u);
        // The frame fills the limit to the byte: a 2-byte prefix holding 256.
        EXPECT_EQ(stream.size(), limits.maxFrameSize + 2u);
        EXPECT_EQ(writer.frameCount(id, v1::FRAME_KIND_RESPONSE, max), 1u);

        FrameReader reader = readerWith(limits);
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, 1, got).ok());
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].payload, pattern(max));
    }
}

TEST(WireRoundTrip, MaxPlusOneIsTwoFragments) {
    const Limits limits = smallLimits();
    const FrameWriter writer = writerWith(limits);
    const std::size_t size = writer.maxSingleFramePayload(3, v1::FRAME_KIND_REQUEST) + 1;
    std::string stream;
    ASSERT_TRUE(writer.write(3, v1::FRAME_KIND_REQUEST, pattern(size), stream).ok());
    const auto frames = splitFrames(stream, limits.maxFrameSize);
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(writer.frameCount(3, v1::FRAME_KIND_REQUEST, size), 2u);
    for (std::size_t chunk : kChunkSizes) {
        FrameReader reader = readerWith(limits);
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, chunk, got).ok());
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].payload, pattern(size));
        EXPECT_EQ(got[0].fragmentCount, 2u);
        EXPECT_EQ(got[0].requestId, 3u);
        EXPECT_EQ(got[0].kind, v1::FRAME_KIND_REQUEST);
    }
}

TEST(WireRoundTrip, ManyFragments) {
    Limits limits = smallLimits();
    limits.maxMessageSize = 200000;
    limits.maxBufferedBytes = 200000;
    const FrameWriter writer = writerWith(limits);
    const std::string payload = pattern(150000, 9);
    std::string stream;
    ASSERT_TRUE(writer.write(42, v1::FRAME_KIND_PUSH, payload, stream).ok());
    const auto frames = splitFrames(stream, limits.maxFrameSize);
    EXPECT_GT(frames.size(), 600u);
    EXPECT_EQ(frames.size(), writer.frameCount(42, v1::FRAME_KIND_PUSH, payload.size()));
    // Fragments are numbered 0..n-1, all but the last flagged.
    for (std::size_t i = 0; i < frames.size(); ++i) {
        Frame frame;
        google::protobuf::io::ArrayInputStream in(frames[i].data(),
                                                  static_cast<int>(frames[i].size()));
        ASSERT_TRUE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&frame, &in, nullptr));
        EXPECT_EQ(frame.fragment_index(), i);
        EXPECT_EQ(frame.more_fragments(), i + 1 < frames.size());
        EXPECT_FALSE(frame.payload().empty());
    }
    for (std::size_t chunk : kChunkSizes) {
        FrameReader reader = readerWith(limits);
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, chunk, got).ok());
        ASSERT_EQ(got.size(), 1u);
        EXPECT_EQ(got[0].payload, payload);
        EXPECT_EQ(got[0].fragmentCount, frames.size());
        EXPECT_EQ(reader.partialMessages(), 0u);
        EXPECT_TRUE(reader.finish().ok());
    }
}

TEST(WireRoundTrip, DefaultLimitsLargeMessage) {
    const FrameWriter writer;
    const std::string payload = pattern(10 * 1024 * 1024, 3);
    std::string stream;
    ASSERT_TRUE(writer.write(1, v1::FRAME_KIND_RESPONSE, payload, stream).ok());
    EXPECT_EQ(splitFrames(stream, kDefaultMaxFrameSize).size(), 3u);
    for (std::size_t chunk : {std::size_t{0}, std::size_t{65536}, std::size_t{1000003}}) {
        FrameReader reader;
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, chunk, got).ok());
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(got[0].payload == payload);
    }
}

TEST(WireRoundTrip, InterleavedMessages) {
    Limits limits = smallLimits();
    limits.maxPartialMessages = 4;
    limits.maxMessageSize = 5000;
    limits.maxBufferedBytes = 20000;
    const FrameWriter writer = writerWith(limits);
    struct Sent {
        std::uint64_t id;
        FrameKind kind;
        std::string payload;
        std::vector<std::string> frames;
    };
    // Request 5 and response 5 are different messages: each side numbers its own requests.
    std::vector<Sent> sent = {
        {5, v1::FRAME_KIND_REQUEST, pattern(1500, 1), {}},
        {5, v1::FRAME_KIND_RESPONSE, pattern(900, 2), {}},
        {6, v1::FRAME_KIND_RESPONSE, pattern(4000, 3), {}},
        {7, v1::FRAME_KIND_PUSH, pattern(10, 4), {}},
    };
    for (auto& s : sent) {
        std::string stream;
        ASSERT_TRUE(writer.write(s.id, s.kind, s.payload, stream).ok());
        s.frames = splitFrames(stream, limits.maxFrameSize);
    }
    // Round robin, one frame of each message in turn.
    std::string stream;
    std::vector<std::size_t> completionOrder;
    for (std::size_t round = 0;; ++round) {
        bool any = false;
        for (std::size_t m = 0; m < sent.size(); ++m) {
            if (round < sent[m].frames.size()) {
                stream += sent[m].frames[round];
                any = true;
                if (round + 1 == sent[m].frames.size()) {
                    completionOrder.push_back(m);
                }
            }
        }
        if (!any) {
            break;
        }
    }
    for (std::size_t chunk : kChunkSizes) {
        FrameReader reader = readerWith(limits);
        std::vector<WireMessage> got;
        ASSERT_TRUE(feedAll(reader, stream, chunk, got).ok()) << "chunk " << chunk;
        ASSERT_TRUE(reader.finish().ok());
        ASSERT_EQ(got.size(), sent.size());
        for (std::size_t i = 0; i < got.size(); ++i) {
            const Sent& expected = sent[completionOrder[i]];
            EXPECT_EQ(got[i].requestId, expected.id);
            EXPECT_EQ(got[i].kind, expected.kind);
            EXPECT_EQ(got[i].payload, expected.payload);
            EXPECT_EQ(got[i].fragmentCount, expected.frames.size());
        }
    }
}

TEST(WireRoundTrip, StreamOffsetsAndConsumedBytes) {
    const FrameWriter writer;
    std::string first;
    std::string second;
    ASSERT_TRUE(writer.write(1, v1::FRAME_KIND_REQUEST, "abc", first).ok());
    ASSERT_TRUE(writer.write(2, v1::FRAME_KIND_REQUEST, "defg", second).ok());
    FrameReader reader;
    std::vector<WireMessage> got;
    ASSERT_TRUE(feedAll(reader, first + second + second.substr(0, 3), 1, got).ok());
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].streamOffset, 0u);
    EXPECT_EQ(got[1].streamOffset, first.size());
    EXPECT_EQ(reader.bytesConsumed(), first.size() + second.size() + 3);
}

TEST(WireWriter, RejectsBadKindAndOversizedPayload) {
    const FrameWriter writer = writerWith(smallLimits());
    std::string out = "keep";
    Status status = writer.write(1, v1::FRAME_KIND_UNSPECIFIED, "x", out);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::InvalidArgument);
    status = writer.write(1, static_cast<FrameKind>(77), "x", out);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("77"), std::string::npos);
    status = writer.write(1, v1::FRAME_KIND_REQUEST, pattern(1001), out);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("maximum message size of 1000"), std::string::npos);
    EXPECT_EQ(out, "keep");
    EXPECT_TRUE(writer.write(1, v1::FRAME_KIND_REQUEST, pattern(1000), out).ok());
    EXPECT_EQ(out.substr(0, 4), "keep");
}

TEST(WireWriter, WritesProtobufMessages) {
    const FrameWriter writer;
    v1::WireError error;
    error.set_code(v1::WIRE_ERROR_CODE_CANCELLED);
    error.set_message("cancelled by the operator");
    std::string stream;
    ASSERT_TRUE(writer.writeMessage(0, v1::FRAME_KIND_ERROR, error, stream).ok());
    FrameReader reader;
    ASSERT_TRUE(reader.feed(stream).ok());
    auto message = reader.nextMessage();
    ASSERT_TRUE(message.has_value());
    v1::WireError parsed;
    ASSERT_TRUE(parsed.ParseFromString(message->payload));
    EXPECT_EQ(parsed.code(), v1::WIRE_ERROR_CODE_CANCELLED);
    EXPECT_EQ(parsed.message(), "cancelled by the operator");
}

// --- Corrupt input --------------------------------------------------------------------------

struct CorruptRow {
    const char* name;
    std::string stream;
    bool finish;  // the peer closes after the bytes
    ErrorCode code;
    v1::WireErrorCode wireCode;
    const char* substring;
    std::uint64_t offset;        // where the offending frame starts
    std::size_t messagesBefore;  // complete messages read before the fault
    Limits limits = smallLimits();
};

std::vector<CorruptRow> corruptRows() {
    using v1::FRAME_KIND_PUSH;
    using v1::FRAME_KIND_REQUEST;
    using v1::FRAME_KIND_RESPONSE;
    const std::string good = rawFrame(1, FRAME_KIND_REQUEST, 0, false, "ok");
    const std::string frag200 = pattern(200);
    std::vector<CorruptRow> rows;
    rows.push_back({"truncated varint", bytes({0x80}), true, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_TRUNCATED, "inside the length prefix", 0, 0});
    rows.push_back({"truncated varint after a good frame", good + bytes({0xC0, 0x81}), true,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_TRUNCATED, "inside the length prefix",
                    good.size(), 1});
    rows.push_back({"truncated body", bytes({10, 0x08, 0x01}), true, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_TRUNCATED, "after 2 of its 10 bytes", 0, 0});
    rows.push_back({"varint longer than 5 bytes", bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
                    false, ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_MALFORMED_LENGTH,
                    "longer than 5 bytes", 0, 0});
    rows.push_back({"varint over 32 bits", bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x1F}), false,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_MALFORMED_LENGTH,
                    "does not fit in 32 bits", 0, 0});
    rows.push_back({"length over max, no body sent", bytes({0x81, 0x02}), false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_FRAME_TOO_LARGE,
                    "length 257 exceeds the maximum frame size of 256", 0, 0});
    rows.push_back({"length 4 GiB", good + bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), false,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAME_TOO_LARGE, "length 4294967295",
                    good.size(), 1});
    rows.push_back({"zero-length frame", bytes({0x00}), false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_EMPTY_FRAME, "zero-length frame", 0, 0});
    rows.push_back({"overlong zero length", bytes({0x80, 0x00}), false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_EMPTY_FRAME, "zero-length frame", 0, 0});
    rows.push_back({"garbage protobuf", prefixed(bytes({0xFF, 0xFF, 0xFF, 0xFF})), false,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_MALFORMED_FRAME,
                    "are not a ferry.v1.Frame", 0, 0});
    rows.push_back({"payload field longer than frame",
                    prefixed(bytes({0x10, 0x03, 0x2A, 0x10, 'a'})), false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_MALFORMED_FRAME, "are not a ferry.v1.Frame", 0, 0});
    rows.push_back({"unknown kind", rawFrame(3, 42, 0, false, "x"), false, ErrorCode::Unsupported,
                    v1::WIRE_ERROR_CODE_UNKNOWN_FRAME_KIND, "unknown kind 42 (request 3)", 0, 0});
    rows.push_back({"unspecified kind", good + rawFrame(3, 0, 0, false, "x"), false,
                    ErrorCode::Unsupported, v1::WIRE_ERROR_CODE_UNKNOWN_FRAME_KIND,
                    "unspecified (request 3) is not a frame kind", good.size(), 1});
    rows.push_back({"fragment of an unknown kind", rawFrame(3, 99, 0, true, "x"), false,
                    ErrorCode::Unsupported, v1::WIRE_ERROR_CODE_UNKNOWN_FRAME_KIND,
                    "unknown kind 99", 0, 0});
    {
        const std::string first = rawFrame(4, FRAME_KIND_REQUEST, 0, true, "aa");
        rows.push_back({"fragment gap", first + rawFrame(4, FRAME_KIND_REQUEST, 2, false, "b"),
                        false, ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER,
                        "fragment 2 of request 4 leaves a gap; expected fragment 1", first.size(),
                        0});
        const std::string two = first + rawFrame(4, FRAME_KIND_REQUEST, 1, true, "bb");
        rows.push_back({"repeated fragment", two + rawFrame(4, FRAME_KIND_REQUEST, 1, false, "c"),
                        false, ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER,
                        "fragment 1 of request 4 repeats; expected fragment 2", two.size(), 0});
        rows.push_back({"fragment 0 restarts a message in reassembly",
                        first + rawFrame(4, FRAME_KIND_REQUEST, 0, false, "c"), false,
                        ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER,
                        "fragment 0 of request 4 repeats", first.size(), 0});
        rows.push_back({"continuation under another kind",
                        first + rawFrame(4, FRAME_KIND_RESPONSE, 1, false, "c"), false,
                        ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER,
                        "fragment 1 of response 4 continues a message that was never started",
                        first.size(), 0});
    }
    rows.push_back({"continuation for an unknown request",
                    good + rawFrame(9, FRAME_KIND_RESPONSE, 1, false, "x"), false,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER,
                    "never started (no fragment 0)", good.size(), 1});
    rows.push_back({"empty fragment with more to follow",
                    rawFrame(4, FRAME_KIND_REQUEST, 0, true, ""), false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER, "is empty but more fragments follow",
                    0, 0});
    {
        std::string stream;
        for (std::uint32_t i = 0; i < 5; ++i) {
            stream += rawFrame(8, FRAME_KIND_RESPONSE, i, true, frag200);
        }
        const std::size_t offset = stream.size();
        stream += rawFrame(8, FRAME_KIND_RESPONSE, 5, false, "x");
        rows.push_back({"reassembly over max message", stream, false, ErrorCode::Corrupt,
                        v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE,
                        "response 8 reaches 1001 bytes at fragment 5, over the maximum message "
                        "size of 1000",
                        offset, 0});
    }
    {
        Limits limits = smallLimits();
        limits.maxMessageSize = 100;
        limits.maxBufferedBytes = 100;
        rows.push_back({"single frame over max message",
                        rawFrame(8, FRAME_KIND_RESPONSE, 0, false, pattern(101)), false,
                        ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE,
                        "reaches 101 bytes at fragment 0", 0, 0, limits});
    }
    {
        std::string stream = rawFrame(1, FRAME_KIND_PUSH, 0, true, "a") +
                             rawFrame(2, FRAME_KIND_PUSH, 0, true, "b") + good;
        const std::size_t offset = stream.size();
        stream += rawFrame(3, FRAME_KIND_PUSH, 0, true, "c");
        rows.push_back({"too many partials", stream, false, ErrorCode::Corrupt,
                        v1::WIRE_ERROR_CODE_TOO_MANY_PARTIAL_MESSAGES, "at most 2 may be", offset,
                        1});
    }
    {
        std::string stream;
        for (std::uint32_t i = 0; i < 3; ++i) {
            stream += rawFrame(1, FRAME_KIND_PUSH, i, true, frag200);
        }
        for (std::uint32_t i = 0; i < 2; ++i) {
            stream += rawFrame(2, FRAME_KIND_PUSH, i, true, frag200);
        }
        const std::size_t offset = stream.size();
        stream += rawFrame(2, FRAME_KIND_PUSH, 2, true, frag200);
        rows.push_back({"buffered fragments over limit", stream, false, ErrorCode::Corrupt,
                        v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE,
                        "would hold 1200 bytes, over the limit of 1000 buffered bytes", offset, 0});
    }
    rows.push_back({"data after a failure", bytes({0x00}) + good + good, false, ErrorCode::Corrupt,
                    v1::WIRE_ERROR_CODE_EMPTY_FRAME, "zero-length frame", 0, 0});
    rows.push_back({"good, bad, good", good + prefixed(bytes({0xFF})) + good, false,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_MALFORMED_FRAME,
                    "the 1 bytes after the length prefix", good.size(), 1});
    rows.push_back({"stream ends inside a fragmented message",
                    good + rawFrame(6, FRAME_KIND_RESPONSE, 0, true, "part"), true,
                    ErrorCode::Corrupt, v1::WIRE_ERROR_CODE_TRUNCATED,
                    "1 fragmented message(s) incomplete, the first response 6", good.size(), 1});
    return rows;
}

TEST(WireCorrupt, Table) {
    for (const auto& row : corruptRows()) {
        for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
            SCOPED_TRACE(std::string(row.name) + ", chunk " + std::to_string(chunk));
            FrameReader reader = readerWith(row.limits);
            std::vector<WireMessage> got;
            Status status = feedAll(reader, row.stream, chunk, got);
            if (row.finish) {
                ASSERT_TRUE(status.ok()) << status.error().toString();
                EXPECT_FALSE(reader.failed());
                status = reader.finish();
            }
            ASSERT_FALSE(status.ok());
            ASSERT_TRUE(reader.failed());
            EXPECT_EQ(status.error().code, row.code) << status.error().toString();
            EXPECT_NE(status.error().message.find(row.substring), std::string::npos)
                << status.error().message;
            EXPECT_NE(status.error().message.find("frame at byte " + std::to_string(row.offset)),
                      std::string::npos)
                << status.error().message;
            EXPECT_EQ(reader.errorOffset(), row.offset);
            EXPECT_EQ(reader.wireError().code(), row.wireCode);
            EXPECT_FALSE(reader.wireError().hint().empty());
            while (auto message = reader.nextMessage()) {
                got.push_back(std::move(*message));
            }
            EXPECT_EQ(got.size(), row.messagesBefore);

            // Failed for good: more good bytes or the end of the stream give the same error.
            const Status again = reader.feed(rawFrame(1, v1::FRAME_KIND_REQUEST, 0, false, "ok"));
            ASSERT_FALSE(again.ok());
            EXPECT_EQ(again.error().message, status.error().message);
            EXPECT_EQ(reader.pendingMessages(), 0u);
            ASSERT_FALSE(reader.finish().ok());
            EXPECT_EQ(reader.finish().error().message, status.error().message);
        }
    }
}

TEST(WireCorrupt, OversizedPrefixIsRejectedBeforeTheBody) {
    // A peer announcing a 64 MiB frame fails as soon as the prefix is complete, without waiting
    // for (or buffering) the body.
    FrameReader reader;
    const Status status = reader.feed(bytes({0x80, 0x80, 0x80, 0x20}));
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(reader.wireError().code(), v1::WIRE_ERROR_CODE_FRAME_TOO_LARGE);
}

TEST(WireCorrupt, CleanEndOfStream) {
    FrameReader reader;
    EXPECT_TRUE(reader.finish().ok());
    ASSERT_TRUE(reader.feed(rawFrame(1, v1::FRAME_KIND_PING, 0, false, "")).ok());
    EXPECT_TRUE(reader.finish().ok());
    EXPECT_EQ(reader.pendingMessages(), 1u);
}

}  // namespace
}  // namespace ferry::wire
