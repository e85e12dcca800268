// SPDX-License-Identifier: Apache-2.0
#include "ferry/wire/frame_writer.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include <algorithm>

#include "ferry/wire/names.h"

namespace ferry::wire {

namespace {

using google::protobuf::io::CodedOutputStream;

// Tag byte of Frame.payload (field 5, length-delimited).
constexpr std::size_t kPayloadTagSize = 1;

std::size_t varintSize(std::size_t value) {
    return CodedOutputStream::VarintSize64(static_cast<std::uint64_t>(value));
}

}  // namespace

Result<FrameWriter> FrameWriter::create(const Limits& limits) {
    FERRY_TRY(limits.validate());
    return FrameWriter(limits);
}

std::size_t FrameWriter::chunkCapacity(std::uint64_t requestId, ferry::v1::FrameKind kind,
                                       std::uint32_t fragmentIndex, bool moreFragments) const {
    ferry::v1::Frame header;
    header.set_request_id(requestId);
    header.set_kind(kind);
    header.set_fragment_index(fragmentIndex);
    header.set_more_fragments(moreFragments);
    const std::size_t used = header.ByteSizeLong() + kPayloadTagSize;
    if (used >= m_limits.maxFrameSize) {
        return 0;
    }
    // The largest n with n + varintSize(n) <= room.
    const std::size_t room = m_limits.maxFrameSize - used;
    std::size_t n = room - std::min(room, varintSize(room));
    while (n + 1 + varintSize(n + 1) <= room) {
        ++n;
    }
    return n;
}

std::size_t FrameWriter::maxSingleFramePayload(std::uint64_t requestId,
                                               ferry::v1::FrameKind kind) const {
    return chunkCapacity(requestId, kind, 0, false);
}

std::size_t FrameWriter::frameCount(std::uint64_t requestId, ferry::v1::FrameKind kind,
                                    std::size_t payloadSize) const {
    std::size_t count = 0;
    std::size_t left = payloadSize;
    for (std::uint32_t index = 0;; ++index) {
        ++count;
        if (left <= chunkCapacity(requestId, kind, index, false)) {
            return count;
        }
        const std::size_t chunk = chunkCapacity(requestId, kind, index, true);
        if (chunk == 0) {
            return 0;
        }
        left -= chunk;
    }
}

Status FrameWriter::write(std::uint64_t requestId, ferry::v1::FrameKind kind,
                          std::string_view payload, std::string& out) const {
    if (kind == ferry::v1::FRAME_KIND_UNSPECIFIED || !ferry::v1::FrameKind_IsValid(kind)) {
        return makeError(ErrorCode::InvalidArgument,
                         "cannot write a frame of " + frameKindName(kind) + " for request " +
                             std::to_string(requestId) + "; pass a FRAME_KIND_* value");
    }
    if (payload.size() > m_limits.maxMessageSize) {
        return makeError(ErrorCode::InvalidArgument,
                         "the " + frameKindName(kind) + " payload of request " +
                             std::to_string(requestId) + " is " + std::to_string(payload.size()) +
                             " bytes, over the maximum message size of " +
                             std::to_string(m_limits.maxMessageSize) +
                             " bytes; split it into several messages");
    }

    const std::size_t originalSize = out.size();
    bool written = true;
    {
        google::protobuf::io::StringOutputStream stream(&out);
        ferry::v1::Frame frame;
        frame.set_request_id(requestId);
        frame.set_kind(kind);
        std::size_t offset = 0;
        for (std::uint32_t index = 0; written; ++index) {
            const std::size_t left = payload.size() - offset;
            const bool last = left <= chunkCapacity(requestId, kind, index, false);
            const std::size_t chunk = last ? left : chunkCapacity(requestId, kind, index, true);
            if (chunk == 0 && !last) {
                written = false;
                break;
            }
            frame.set_fragment_index(index);
            frame.set_more_fragments(!last);
            frame.set_payload(payload.data() + offset, chunk);
            written = google::protobuf::util::SerializeDelimitedToZeroCopyStream(frame, &stream);
            offset += chunk;
            if (last) {
                break;
            }
        }
    }
    if (!written) {
        out.resize(originalSize);
        return makeError(ErrorCode::Internal, "could not serialise the frames of " +
                                                  frameKindName(kind) + " request " +
                                                  std::to_string(requestId));
    }
    return okStatus();
}

Status FrameWriter::writeMessage(std::uint64_t requestId, ferry::v1::FrameKind kind,
                                 const google::protobuf::MessageLite& message,
                                 std::string& out) const {
    std::string payload;
    if (!message.SerializeToString(&payload)) {
        return makeError(ErrorCode::Internal, "could not serialise a " + message.GetTypeName() +
                                                  " for " + frameKindName(kind) + " request " +
                                                  std::to_string(requestId));
    }
    return write(requestId, kind, payload, out);
}

}  // namespace ferry::wire
