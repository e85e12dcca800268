// SPDX-License-Identifier: Apache-2.0
#include "ferry/stream/send_window.h"

#include <string>

namespace ferry::stream {

SendWindow::SendWindow(const v1::StreamOpenRequest& open, std::int64_t captureFencingToken)
    : m_pipelineId(open.pipeline_id()),
      m_token(captureFencingToken),
      m_windowBatches(open.window_batches() == 0 ? 1 : open.window_batches()),
      m_windowBytes(open.window_bytes()) {}

bool SendWindow::canSend(std::uint64_t payloadBytes) const {
    if (m_broken || m_inFlight.size() >= m_windowBatches) {
        return false;
    }
    if (m_windowBytes == 0 || m_inFlight.empty()) {
        return true;
    }
    return m_inFlightBytes + payloadBytes <= m_windowBytes && m_inFlightBytes < m_windowBytes;
}

Status SendWindow::onSent(v1::StreamBatch& batch) {
    const std::uint64_t bytes = batch.data().size();
    if (!canSend(bytes)) {
        return makeError(ErrorCode::Internal,
                         "pipeline " + std::to_string(m_pipelineId) + ": batch " +
                             std::to_string(m_nextSequence) + " of " + std::to_string(bytes) +
                             " bytes sent outside the window (" +
                             std::to_string(m_inFlight.size()) + " batches, " +
                             std::to_string(m_inFlightBytes) + " bytes in flight)");
    }
    batch.set_sequence(m_nextSequence++);
    batch.set_capture_fencing_token(m_token);
    m_inFlight.push_back(bytes);
    m_inFlightBytes += bytes;
    return okStatus();
}

Status SendWindow::onAck(const v1::StreamAckRequest& ack) {
    const std::string where = "pipeline " + std::to_string(m_pipelineId) + ": ack for batch " +
                              std::to_string(ack.received_sequence());
    const char* advice = "; the stream is closed and the apply side must reopen it";
    if (m_broken) {
        return makeError(ErrorCode::Corrupt, where + " after a refused ack" + advice);
    }
    if (ack.pipeline_id() != m_pipelineId) {
        m_broken = true;
        return makeError(ErrorCode::Corrupt,
                         where + " names pipeline " + std::to_string(ack.pipeline_id()) + advice);
    }
    if (ack.received_sequence() < m_lastAcked) {
        m_broken = true;
        return makeError(ErrorCode::Corrupt,
                         where + " goes back from batch " + std::to_string(m_lastAcked) + advice);
    }
    if (ack.received_sequence() >= m_nextSequence) {
        m_broken = true;
        return makeError(
            ErrorCode::Corrupt,
            where + ", but only " + std::to_string(m_nextSequence - 1) + " were sent" + advice);
    }
    while (m_lastAcked < ack.received_sequence()) {
        m_inFlightBytes -= m_inFlight.front();
        m_inFlight.pop_front();
        ++m_lastAcked;
    }
    if (ack.has_committed() || !m_lastAck.has_committed()) {
        m_lastAck = ack;
    } else {
        // An ack without a committed position keeps the last one known.
        v1::StreamAckRequest kept = m_lastAck;
        kept.set_received_sequence(ack.received_sequence());
        m_lastAck = std::move(kept);
    }
    return okStatus();
}

}  // namespace ferry::stream
