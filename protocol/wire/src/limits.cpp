// SPDX-License-Identifier: Apache-2.0
#include "ferry/wire/limits.h"

#include <algorithm>
#include <string>

namespace ferry::wire {

namespace {

Status outOfRange(const char* field, std::uint64_t value, std::uint64_t low, std::uint64_t high) {
    return makeError(ErrorCode::InvalidArgument,
                     std::string("wire limit ") + field + " = " + std::to_string(value) +
                         " is out of range; choose a value from " + std::to_string(low) + " to " +
                         std::to_string(high));
}

}  // namespace

Status Limits::validate() const {
    if (maxFrameSize < kMinFrameSize || maxFrameSize > kMaxFrameSizeCeiling) {
        return outOfRange("max_frame_size", maxFrameSize, kMinFrameSize, kMaxFrameSizeCeiling);
    }
    if (maxMessageSize < 1 || maxMessageSize > kMaxMessageSizeCeiling) {
        return outOfRange("max_message_size", maxMessageSize, 1, kMaxMessageSizeCeiling);
    }
    if (maxPartialMessages < 1 || maxPartialMessages > kMaxPartialMessagesCeiling) {
        return outOfRange("max_partial_messages", maxPartialMessages, 1,
                          kMaxPartialMessagesCeiling);
    }
    if (maxBufferedBytes < maxMessageSize) {
        return makeError(ErrorCode::InvalidArgument,
                         "wire limit max_buffered_bytes = " + std::to_string(maxBufferedBytes) +
                             " is below max_message_size = " + std::to_string(maxMessageSize) +
                             "; raise max_buffered_bytes or lower max_message_size");
    }
    return okStatus();
}

Limits Limits::narrowedTo(std::uint32_t peerMaxFrameSize, std::uint64_t peerMaxMessageSize) const {
    Limits out = *this;
    if (peerMaxFrameSize != 0) {
        out.maxFrameSize = std::max(kMinFrameSize, std::min(peerMaxFrameSize, maxFrameSize));
    }
    if (peerMaxMessageSize != 0) {
        out.maxMessageSize = std::min(peerMaxMessageSize, maxMessageSize);
    }
    return out;
}

}  // namespace ferry::wire
