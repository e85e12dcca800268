// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "ferry/model/result.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/limits.h"

namespace ferry::wire {

// One complete message read from a connection: its fragments reassembled.
struct WireMessage {
    std::uint64_t requestId = 0;
    ferry::v1::FrameKind kind = ferry::v1::FRAME_KIND_UNSPECIFIED;
    std::string payload;
    std::uint64_t streamOffset = 0;  // byte offset of its first frame in the stream
    std::uint32_t fragmentCount = 0;
};

// Turns the bytes of one connection, fed in chunks of any size (one byte at a time works),
// into complete messages. It is the only parser of untrusted frame bytes: every length is checked
// against the limits before anything is buffered, and every fault (a malformed or oversized
// length prefix, an empty or unparseable frame, an unknown kind, a fragment gap, repeat or orphan
// continuation, an empty non-final fragment, too many messages in reassembly, a message or
// the buffered fragments over their limit, a stream that ends inside a frame or a message) puts
// the reader into a failed state it never leaves: the connection must be closed. The error names
// the fault and the byte offset in the stream where the offending frame starts; wireError()
// gives the same fault as a WireError to send to the peer before closing.
//
// A length prefix of 0 (an empty Frame) is a fault: every valid frame carries at least a kind.
// Fragments of different messages may interleave; a message is keyed by (kind, request id), since
// each side numbers its own requests.
//
// Not thread safe; owned by the connection that feeds it.
class FrameReader {
public:
    // Default limits.
    FrameReader() = default;
    // Fails when limits.validate() fails.
    static Result<FrameReader> create(const Limits& limits);

    const Limits& limits() const { return m_limits; }

    // Consumes `bytes`. Complete messages are queued for nextMessage(), including those completed
    // before a fault in the same chunk; drain them after every call (the queue holds at most what
    // the chunks carried, it is not bounded by the limits). Returns the fault, now or from an
    // earlier call. Memory held: at most one incomplete frame plus maxBufferedBytes of fragments.
    Status feed(std::string_view bytes);

    // The peer closed the stream: fails (TRUNCATED) when it ended inside a frame or while a
    // fragmented message was incomplete.
    Status finish();

    // The oldest complete message not yet taken.
    std::optional<WireMessage> nextMessage();
    std::size_t pendingMessages() const { return m_ready.size(); }

    bool failed() const { return m_failed; }
    // REQUIRES: failed().
    const Error& error() const { return m_error; }
    // REQUIRES: failed().
    const ferry::v1::WireError& wireError() const { return m_wireError; }
    // REQUIRES: failed(). Stream offset of the frame (or length prefix) at fault.
    std::uint64_t errorOffset() const { return m_errorOffset; }

    // Bytes consumed so far, i.e. the stream offset of the next byte fed.
    std::uint64_t bytesConsumed() const { return m_streamOffset + m_buffer.size(); }
    // Messages whose fragments are being reassembled.
    std::size_t partialMessages() const { return m_partials.size(); }

private:
    struct Partial {
        std::string payload;
        std::uint64_t streamOffset = 0;
        std::uint32_t nextIndex = 0;
    };
    using PartialKey = std::pair<int, std::uint64_t>;  // (kind, request id)

    explicit FrameReader(const Limits& limits) : m_limits(limits) {}

    // Reassembles or delivers one parsed frame that starts at stream offset `offset`.
    void acceptFrame(ferry::v1::Frame& frame, std::uint64_t offset);
    void fail(ferry::v1::WireErrorCode code, ErrorCode errorCode, std::uint64_t offset,
              std::string message, std::string hint);

    Limits m_limits;
    // The start of a frame whose bytes arrived only in part (at most a length prefix and
    // maxFrameSize bytes); m_buffer[0] is at stream offset m_streamOffset.
    std::string m_buffer;
    std::uint64_t m_streamOffset = 0;

    std::map<PartialKey, Partial> m_partials;
    std::uint64_t m_bufferedPayload = 0;
    std::deque<WireMessage> m_ready;

    bool m_failed = false;
    Error m_error;
    ferry::v1::WireError m_wireError;
    std::uint64_t m_errorOffset = 0;
};

}  // namespace ferry::wire
