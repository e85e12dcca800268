// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>

#include "ferry/model/result.h"

namespace ferry::wire {

// The protocol version this build speaks, and the oldest one it still accepts.
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::uint32_t kMinProtocolVersion = 1;

inline constexpr std::uint32_t kDefaultMaxFrameSize = 4u * 1024 * 1024;
inline constexpr std::uint64_t kDefaultMaxMessageSize = 256ull * 1024 * 1024;
inline constexpr std::uint32_t kDefaultMaxPartialMessages = 64;
inline constexpr std::uint64_t kDefaultMaxBufferedBytes = 512ull * 1024 * 1024;

// Bounds a configuration (or a peer's Hello) may choose within.
inline constexpr std::uint32_t kMinFrameSize = 256;
inline constexpr std::uint32_t kMaxFrameSizeCeiling = 64u * 1024 * 1024;
inline constexpr std::uint64_t kMaxMessageSizeCeiling = 4ull * 1024 * 1024 * 1024;
inline constexpr std::uint32_t kMaxPartialMessagesCeiling = 65536;

// The limits one side of a connection enforces. Sizes of frames are the size of the serialised
// Frame message, i.e. the value of its length prefix (the prefix itself is not counted).
struct Limits {
    std::uint32_t maxFrameSize = kDefaultMaxFrameSize;
    // Largest payload of one message, after reassembly of its fragments.
    std::uint64_t maxMessageSize = kDefaultMaxMessageSize;
    // Messages whose fragments are being reassembled at once (distinct request id and kind).
    std::uint32_t maxPartialMessages = kDefaultMaxPartialMessages;
    // Payload bytes held by all partial messages together.
    std::uint64_t maxBufferedBytes = kDefaultMaxBufferedBytes;

    // Checks every field against the bounds above; the message names the field and the range.
    [[nodiscard]] Status validate() const;

    // The limits to send with: each field the smaller of ours and the peer's announced value
    // (0 from the peer means its default).
    [[nodiscard]] Limits narrowedTo(std::uint32_t peerMaxFrameSize,
                                    std::uint64_t peerMaxMessageSize) const;
};

}  // namespace ferry::wire
