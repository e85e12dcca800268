// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <deque>

#include "ferry/model/result.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::stream {

// The capture side's flow control for one open stream: numbers batches 1, 2, 3, ..., stamps the
// capture fencing token, and bounds what is sent and not yet acked by a count of batches and a
// count of payload bytes (`data` sizes), as the apply side asked in its StreamOpenRequest.
// Acks are cumulative; one for a batch not yet sent, or with a received sequence lower than the
// previous ack's, or for another pipeline, is refused and the window is then broken: the
// caller closes the stream (a new stream gets a new SendWindow). Not thread-safe.
class SendWindow {
public:
    // The window comes from the request: window_batches (0 is taken as 1) and window_bytes (0
    // means no byte bound).
    SendWindow(const v1::StreamOpenRequest& open, std::int64_t captureFencingToken);

    // Room for one more batch of `payloadBytes`: fewer batches in flight than the window, and
    // the bytes in flight plus these within the byte window. A batch larger than the whole
    // byte window may go when nothing is in flight (else it never could).
    bool canSend(std::uint64_t payloadBytes) const;
    // Room for at least one more batch of any size below the free byte window.
    bool canSend() const { return canSend(0); }

    // Stamps `batch` with the next sequence and the fencing token and counts it in flight.
    // Fails (Internal) when !canSend(batch.data().size()) or after a refused ack.
    [[nodiscard]] Status onSent(v1::StreamBatch& batch);

    // Frees every batch up to ack.received_sequence and records the committed position.
    [[nodiscard]] Status onAck(const v1::StreamAckRequest& ack);

    std::uint64_t nextSequence() const { return m_nextSequence; }
    std::uint64_t lastAckedSequence() const { return m_lastAcked; }
    std::uint32_t inFlightBatches() const { return static_cast<std::uint32_t>(m_inFlight.size()); }
    std::uint64_t inFlightBytes() const { return m_inFlightBytes; }
    std::uint32_t windowBatches() const { return m_windowBatches; }
    std::uint64_t windowBytes() const { return m_windowBytes; }
    bool broken() const { return m_broken; }
    // The latest ack as received (committed position, GTID, commit time); empty before any.
    const v1::StreamAckRequest& lastAck() const { return m_lastAck; }
    bool hasCommitted() const { return m_lastAck.has_committed(); }
    const v1::SourcePosition& committed() const { return m_lastAck.committed(); }

private:
    std::uint64_t m_pipelineId;
    std::int64_t m_token;
    std::uint32_t m_windowBatches;
    std::uint64_t m_windowBytes;  // 0: no byte bound
    std::uint64_t m_nextSequence = 1;
    std::uint64_t m_lastAcked = 0;
    std::deque<std::uint64_t> m_inFlight;  // payload bytes of batches lastAcked+1 ..
    std::uint64_t m_inFlightBytes = 0;
    v1::StreamAckRequest m_lastAck;
    bool m_broken = false;
};

}  // namespace ferry::stream
