// SPDX-License-Identifier: Apache-2.0
#include "ferry/wire/frame_reader.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <limits>

#include "ferry/wire/names.h"

namespace ferry::wire {

namespace {

using ferry::v1::WireErrorCode;

// Longest varint32 encoding.
constexpr std::size_t kMaxLengthPrefix = 5;

constexpr const char* kNotFerryHint =
    "the peer does not speak the Ferry wire protocol, or the stream is damaged; close the "
    "connection and check that the peer is a Ferry program of a compatible version";
constexpr const char* kPeerBugHint =
    "the peer broke the framing rules; close the connection, and report it with both versions if "
    "it happens again";

std::string at(std::uint64_t offset) {
    return "frame at byte " + std::to_string(offset);
}

std::string describe(int kind, std::uint64_t requestId) {
    return frameKindName(kind) + " " + std::to_string(requestId);
}

// Outcome of looking at the bytes of one frame.
struct Scan {
    enum class State { NeedMore, Complete, Failed };
    State state = State::NeedMore;
    std::size_t prefixSize = 0;  // 0 while the prefix is incomplete
    std::uint32_t length = 0;
};

}  // namespace

Result<FrameReader> FrameReader::create(const Limits& limits) {
    FERRY_TRY(limits.validate());
    return FrameReader(limits);
}

void FrameReader::fail(WireErrorCode code, ErrorCode errorCode, std::uint64_t offset,
                       std::string message, std::string hint) {
    m_failed = true;
    m_errorOffset = offset;
    m_wireError.set_code(code);
    m_wireError.set_message(message);
    m_wireError.set_hint(hint);
    std::string full = std::move(message);
    if (!hint.empty()) {
        full += "; ";
        full += hint;
    }
    m_error = makeError(errorCode, std::move(full));
}

Status FrameReader::feed(std::string_view bytes) {
    if (m_failed) {
        return m_error;
    }
    const auto* in = reinterpret_cast<const std::uint8_t*>(bytes.data());
    std::size_t left = bytes.size();

    // Examines the frame starting at p (avail bytes) at stream offset `offset`; fails on a bad
    // length prefix before any of the body is buffered.
    auto scan = [this](const std::uint8_t* p, std::size_t avail, std::uint64_t offset) {
        Scan s;
        std::size_t n = 0;
        while (n < avail && n < kMaxLengthPrefix) {
            if ((p[n++] & 0x80) == 0) {
                s.prefixSize = n;
                break;
            }
        }
        if (s.prefixSize == 0) {
            if (n >= kMaxLengthPrefix) {
                fail(v1::WIRE_ERROR_CODE_MALFORMED_LENGTH, ErrorCode::Corrupt, offset,
                     at(offset) + ": the length prefix is longer than 5 bytes", kNotFerryHint);
                s.state = Scan::State::Failed;
            }
            return s;
        }
        if (s.prefixSize == kMaxLengthPrefix && p[kMaxLengthPrefix - 1] > 0x0F) {
            fail(v1::WIRE_ERROR_CODE_MALFORMED_LENGTH, ErrorCode::Corrupt, offset,
                 at(offset) + ": the length prefix does not fit in 32 bits", kNotFerryHint);
            s.state = Scan::State::Failed;
            return s;
        }
        google::protobuf::io::CodedInputStream prefix(p, static_cast<int>(s.prefixSize));
        if (!prefix.ReadVarint32(&s.length)) {
            fail(v1::WIRE_ERROR_CODE_MALFORMED_LENGTH, ErrorCode::Corrupt, offset,
                 at(offset) + ": the length prefix is not a valid varint", kNotFerryHint);
            s.state = Scan::State::Failed;
            return s;
        }
        if (s.length == 0) {
            fail(v1::WIRE_ERROR_CODE_EMPTY_FRAME, ErrorCode::Corrupt, offset,
                 at(offset) + ": zero-length frame (every frame carries at least a kind)",
                 kPeerBugHint);
            s.state = Scan::State::Failed;
            return s;
        }
        if (s.length > m_limits.maxFrameSize) {
            fail(v1::WIRE_ERROR_CODE_FRAME_TOO_LARGE, ErrorCode::Corrupt, offset,
                 at(offset) + ": length " + std::to_string(s.length) +
                     " exceeds the maximum frame size of " + std::to_string(m_limits.maxFrameSize) +
                     " bytes",
                 "the peer must fragment messages to the frame size agreed in the handshake; "
                 "check that both sides run compatible versions");
            s.state = Scan::State::Failed;
            return s;
        }
        if (avail - s.prefixSize >= s.length) {
            s.state = Scan::State::Complete;
        }
        return s;
    };

    // Parses the complete frame at p and hands it on.
    auto parse = [this](const std::uint8_t* p, const Scan& s, std::uint64_t offset) {
        ferry::v1::Frame frame;
        if (!frame.ParseFromArray(p + s.prefixSize, static_cast<int>(s.length))) {
            fail(v1::WIRE_ERROR_CODE_MALFORMED_FRAME, ErrorCode::Corrupt, offset,
                 at(offset) + ": the " + std::to_string(s.length) +
                     " bytes after the length prefix are not a ferry.v1.Frame",
                 kNotFerryHint);
            return;
        }
        acceptFrame(frame, offset);
    };

    while (left > 0 && !m_failed) {
        if (!m_buffer.empty()) {
            // Top up the frame begun in an earlier chunk with just the bytes it still needs.
            const auto* buffered = reinterpret_cast<const std::uint8_t*>(m_buffer.data());
            Scan s = scan(buffered, m_buffer.size(), m_streamOffset);
            if (s.state == Scan::State::Failed) {
                break;
            }
            const std::size_t needed =
                s.prefixSize == 0 ? m_buffer.size() + 1 : s.prefixSize + s.length;
            const std::size_t take = std::min(needed - m_buffer.size(), left);
            if (s.prefixSize != 0) {
                m_buffer.reserve(needed);
            }
            m_buffer.append(reinterpret_cast<const char*>(in), take);
            in += take;
            left -= take;
            buffered = reinterpret_cast<const std::uint8_t*>(m_buffer.data());
            s = scan(buffered, m_buffer.size(), m_streamOffset);
            if (s.state == Scan::State::Complete) {
                parse(buffered, s, m_streamOffset);
                m_streamOffset += m_buffer.size();
                m_buffer.clear();
                if (m_buffer.capacity() > kMaxLengthPrefix + kMinFrameSize) {
                    m_buffer.shrink_to_fit();
                }
            }
            continue;
        }
        const Scan s = scan(in, left, m_streamOffset);
        if (s.state == Scan::State::Complete) {
            parse(in, s, m_streamOffset);
            const std::size_t consumed = s.prefixSize + s.length;
            in += consumed;
            left -= consumed;
            m_streamOffset += consumed;
        } else if (s.state == Scan::State::NeedMore) {
            // Bounded: an incomplete prefix is at most 4 bytes, a body at most maxFrameSize.
            m_buffer.assign(reinterpret_cast<const char*>(in), left);
            left = 0;
        }
    }
    if (m_failed) {
        return m_error;
    }
    return okStatus();
}

void FrameReader::acceptFrame(ferry::v1::Frame& frame, std::uint64_t offset) {
    const int kind = frame.kind();
    const std::uint64_t requestId = frame.request_id();
    const std::uint32_t index = frame.fragment_index();
    const bool more = frame.more_fragments();
    const std::size_t size = frame.payload().size();

    if (kind == v1::FRAME_KIND_UNSPECIFIED || !v1::FrameKind_IsValid(kind)) {
        fail(v1::WIRE_ERROR_CODE_UNKNOWN_FRAME_KIND, ErrorCode::Unsupported, offset,
             at(offset) + ": " + frameKindName(kind) + " (request " + std::to_string(requestId) +
                 ") is not a frame kind this build knows",
             "the peer sent a kind outside the protocol version agreed in the handshake; check "
             "that both sides run compatible versions");
        return;
    }
    if (more && size == 0) {
        fail(v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER, ErrorCode::Corrupt, offset,
             at(offset) + ": fragment " + std::to_string(index) + " of " +
                 describe(kind, requestId) + " is empty but more fragments follow",
             kPeerBugHint);
        return;
    }
    if (more && index == std::numeric_limits<std::uint32_t>::max()) {
        fail(v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE, ErrorCode::Corrupt, offset,
             at(offset) + ": " + describe(kind, requestId) + " has more fragments than " +
                 std::to_string(index),
             kPeerBugHint);
        return;
    }

    const PartialKey key{kind, requestId};
    auto it = m_partials.find(key);
    std::uint64_t sizeSoFar = 0;
    if (it == m_partials.end()) {
        if (index != 0) {
            fail(v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER, ErrorCode::Corrupt, offset,
                 at(offset) + ": fragment " + std::to_string(index) + " of " +
                     describe(kind, requestId) +
                     " continues a message that was never started (no fragment 0)",
                 kPeerBugHint);
            return;
        }
        if (more && m_partials.size() >= m_limits.maxPartialMessages) {
            fail(v1::WIRE_ERROR_CODE_TOO_MANY_PARTIAL_MESSAGES, ErrorCode::Corrupt, offset,
                 at(offset) + ": " + describe(kind, requestId) + " would be the " +
                     std::to_string(m_partials.size() + 1) + "th message in reassembly; at most " +
                     std::to_string(m_limits.maxPartialMessages) + " may be",
                 "the peer must finish fragmented messages before starting more; raise "
                 "max_partial_messages on this side if it is legitimately that busy");
            return;
        }
    } else {
        if (index != it->second.nextIndex) {
            const bool repeat = index < it->second.nextIndex;
            fail(v1::WIRE_ERROR_CODE_FRAGMENT_OUT_OF_ORDER, ErrorCode::Corrupt, offset,
                 at(offset) + ": fragment " + std::to_string(index) + " of " +
                     describe(kind, requestId) + (repeat ? " repeats" : " leaves a gap") +
                     "; expected fragment " + std::to_string(it->second.nextIndex),
                 kPeerBugHint);
            return;
        }
        sizeSoFar = it->second.payload.size();
    }

    if (sizeSoFar + size > m_limits.maxMessageSize) {
        fail(v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE, ErrorCode::Corrupt, offset,
             at(offset) + ": " + describe(kind, requestId) + " reaches " +
                 std::to_string(sizeSoFar + size) + " bytes at fragment " + std::to_string(index) +
                 ", over the maximum message size of " + std::to_string(m_limits.maxMessageSize) +
                 " bytes",
             "the peer must keep messages within the size agreed in the handshake; split large "
             "payloads at the service level");
        return;
    }
    if (more && m_bufferedPayload + size > m_limits.maxBufferedBytes) {
        fail(v1::WIRE_ERROR_CODE_MESSAGE_TOO_LARGE, ErrorCode::Corrupt, offset,
             at(offset) + ": the " + std::to_string(m_partials.size()) +
                 " messages in reassembly would hold " + std::to_string(m_bufferedPayload + size) +
                 " bytes, over the limit of " + std::to_string(m_limits.maxBufferedBytes) +
                 " buffered bytes",
             "the peer must finish fragmented messages before starting more; raise "
             "max_buffered_bytes on this side if it is legitimately that busy");
        return;
    }

    if (it == m_partials.end()) {
        if (!more) {
            m_ready.push_back(WireMessage{requestId, static_cast<v1::FrameKind>(kind),
                                          std::move(*frame.mutable_payload()), offset, 1});
            return;
        }
        Partial partial;
        partial.payload = std::move(*frame.mutable_payload());
        partial.streamOffset = offset;
        partial.nextIndex = 1;
        m_partials.emplace(key, std::move(partial));
        m_bufferedPayload += size;
        return;
    }

    Partial& partial = it->second;
    if (!more) {
        m_bufferedPayload -= partial.payload.size();
        std::string payload = std::move(partial.payload);
        payload += frame.payload();
        m_ready.push_back(WireMessage{requestId, static_cast<v1::FrameKind>(kind),
                                      std::move(payload), partial.streamOffset, index + 1});
        m_partials.erase(it);
        return;
    }
    partial.payload += frame.payload();
    partial.nextIndex = index + 1;
    m_bufferedPayload += size;
}

Status FrameReader::finish() {
    if (m_failed) {
        return m_error;
    }
    const std::uint64_t end = bytesConsumed();
    if (!m_buffer.empty()) {
        const auto* buffered = reinterpret_cast<const std::uint8_t*>(m_buffer.data());
        std::size_t prefixSize = 0;
        for (std::size_t i = 0; i < m_buffer.size() && i < kMaxLengthPrefix; ++i) {
            if ((buffered[i] & 0x80) == 0) {
                prefixSize = i + 1;
                break;
            }
        }
        std::string what;
        if (prefixSize == 0) {
            what = "inside the length prefix";
        } else {
            google::protobuf::io::CodedInputStream prefix(buffered, static_cast<int>(prefixSize));
            std::uint32_t length = 0;
            (void)prefix.ReadVarint32(&length);
            what = "after " + std::to_string(m_buffer.size() - prefixSize) + " of its " +
                   std::to_string(length) + " bytes";
        }
        fail(v1::WIRE_ERROR_CODE_TRUNCATED, ErrorCode::Corrupt, m_streamOffset,
             at(m_streamOffset) + ": the stream ended at byte " + std::to_string(end) + " " + what,
             "the connection was cut mid-frame; reconnect");
        return m_error;
    }
    if (!m_partials.empty()) {
        auto first = std::min_element(m_partials.begin(), m_partials.end(),
                                      [](const auto& a, const auto& b) {
                                          return a.second.streamOffset < b.second.streamOffset;
                                      });
        fail(v1::WIRE_ERROR_CODE_TRUNCATED, ErrorCode::Corrupt, first->second.streamOffset,
             at(first->second.streamOffset) + ": the stream ended at byte " + std::to_string(end) +
                 " with " + std::to_string(m_partials.size()) +
                 " fragmented message(s) incomplete, the first " +
                 describe(first->first.first, first->first.second) + " after " +
                 std::to_string(first->second.nextIndex) + " fragment(s)",
             "the connection was cut mid-message; reconnect and retry the request");
        return m_error;
    }
    return okStatus();
}

std::optional<WireMessage> FrameReader::nextMessage() {
    if (m_ready.empty()) {
        return std::nullopt;
    }
    WireMessage message = std::move(m_ready.front());
    m_ready.pop_front();
    return message;
}

}  // namespace ferry::wire
