// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/limits.h"

namespace ferry::wire {

// Serialises one message payload into frames: each a ferry.v1.Frame preceded by its size as a
// varint32 (protobuf's delimited format), no frame larger than Limits::maxFrameSize. A payload
// that does not fit one frame is cut into fragments 0..n-1 sharing request id and kind, every one
// but the last flagged more_fragments.
//
// Stateless apart from its limits: frames of different messages may be interleaved by the
// caller in any order, as long as each message's own fragments keep their order.
// Thread safety: const methods may be called from several threads at once.
class FrameWriter {
public:
    // Default limits.
    FrameWriter() = default;
    // Fails when limits.validate() fails.
    static Result<FrameWriter> create(const Limits& limits);

    const Limits& limits() const { return m_limits; }

    // Appends the frames carrying `payload` to `out`. Fails with InvalidArgument when kind is
    // FRAME_KIND_UNSPECIFIED or unknown, or the payload exceeds maxMessageSize; `out` is then
    // unchanged.
    Status write(std::uint64_t requestId, ferry::v1::FrameKind kind, std::string_view payload,
                 std::string& out) const;

    // Serialises `message` and writes it as above.
    Status writeMessage(std::uint64_t requestId, ferry::v1::FrameKind kind,
                        const google::protobuf::MessageLite& message, std::string& out) const;

    // The largest payload that still travels in a single frame for this request id and kind.
    std::size_t maxSingleFramePayload(std::uint64_t requestId, ferry::v1::FrameKind kind) const;

    // How many frames write() would produce for a payload of this size.
    std::size_t frameCount(std::uint64_t requestId, ferry::v1::FrameKind kind,
                           std::size_t payloadSize) const;

private:
    explicit FrameWriter(const Limits& limits) : m_limits(limits) {}

    // The largest payload chunk of a frame with these header fields.
    std::size_t chunkCapacity(std::uint64_t requestId, ferry::v1::FrameKind kind,
                              std::uint32_t fragmentIndex, bool moreFragments) const;

    Limits m_limits;
};

}  // namespace ferry::wire
