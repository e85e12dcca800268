// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/stream/batch_builder.h"
#include "ferry/stream/batch_codec.h"
#include "ferry/stream/fragment_spool.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::stream {

struct ReceiverOptions {
    std::uint64_t pipelineId = 0;
    // Where large transactions are spooled; one file per transaction (kFragmentSpoolSuffix).
    std::filesystem::path spoolDirectory;
    // The window asked for in StreamOpenRequest.
    std::uint32_t windowBatches = 64;
    std::uint64_t windowBytes = 64ull * 1024 * 1024;
    // Codecs offered, in order of preference.
    std::vector<v1::StreamCodec> codecs = {v1::STREAM_CODEC_ZSTD, v1::STREAM_CODEC_NONE};
    // The largest decoded batch (and spool record) accepted.
    std::uint64_t maxRawSize = 64ull * 1024 * 1024;
    // Ack coalescing: an ack goes when this many batches are unacked, or the oldest unacked
    // batch (or commit) is this old, or at once when half the window is unacked.
    std::uint32_t ackEveryBatches = 8;
    std::chrono::milliseconds ackDelay{50};
};

// What one batch delivered. Whole transactions come in `transactions`; a large transaction
// whose last fragment arrived comes as `large` (header, then its changes from disk); an idle
// batch has neither. At most one of transactions / large is non-empty.
struct ReceivedBatch {
    std::uint64_t sequence = 0;
    bool idle = false;
    v1::SourcePosition sourcePosition;
    std::int64_t sourceTimeUs = 0;
    std::vector<v1::Transaction> transactions;
    std::unique_ptr<FragmentSpoolReader> large;
};

// The apply side of one pipeline's stream, across reconnects (one object per apply leadership).
//
// Flow: open() recovers the spool folder; makeOpenRequest() builds the StreamOpenRequest
// (resume point, the partial transaction if one is spooled, window, codecs); onOpened() takes
// the StreamOpenResponse; then every StreamBatch goes through onBatch(), which checks it
// (sequence exactly previous + 1 from 1, capture fencing token never lower than any seen, a
// codec that was offered), decodes it and returns what it delivered. Fragments are appended to
// a FragmentSpool; a fragment must be the spool's next one, and fragments of one transaction
// may not be interleaved with whole batches. The applier reports commits with onCommitted();
// takeAck(now) returns the StreamAckRequest to send when one is due (coalesced: see
// ReceiverOptions), ackDeadline() when the next one will be due. Any error from onBatch() or
// onOpened() means: close the connection and open a new stream (the spool is kept and
// partial() says where to resume). Not thread-safe.
class StreamReceiver {
public:
    // Recovers `options.spoolDirectory`: spool files of transactions that begin at or before
    // `committed` are committed already and removed; of the rest only the latest is kept (torn
    // tail truncated), the others are resent in full.
    [[nodiscard]] static Result<std::unique_ptr<StreamReceiver>> open(
        ReceiverOptions options, const v1::ResumePoint& committed);

    // The request for a new stream from `resume` (the target's committed low-water mark).
    v1::StreamOpenRequest makeOpenRequest(std::int64_t applyFencingToken,
                                          const v1::ResumePoint& resume) const;

    // Starts a stream: the next batch must be sequence 1. Fails (Conflict) for a capture
    // fencing token lower than one already seen, (Unsupported) for a codec not offered.
    [[nodiscard]] Status onOpened(const v1::StreamOpenResponse& response);

    [[nodiscard]] Result<ReceivedBatch> onBatch(const v1::StreamBatch& batch,
                                                StreamClock::time_point now);

    // The applier committed everything up to `position` (the low-water mark).
    void onCommitted(const v1::SourcePosition& position, const std::string& gtid,
                     std::uint64_t commitTs, StreamClock::time_point now);

    // The ack to send now, if one is due.
    std::optional<v1::StreamAckRequest> takeAck(StreamClock::time_point now);
    // When takeAck() will have one: nothing when nothing is pending.
    std::optional<StreamClock::time_point> ackDeadline() const;

    // The spooled part of a large transaction, for the next StreamOpenRequest.
    std::optional<v1::PartialTransaction> partial() const;
    // Drops the spooled fragments (the next stream sends the transaction from its start).
    void discardPartial();

    std::uint64_t lastSequence() const { return m_received; }
    std::int64_t highestFencingToken() const { return m_highestToken; }

private:
    explicit StreamReceiver(ReceiverOptions options);
    Result<ReceivedBatch> receiveFragment(const v1::StreamBatch& batch, ReceivedBatch received);
    std::string where(const v1::StreamBatch& batch) const;

    ReceiverOptions m_options;
    BatchCodec m_codec;
    std::unique_ptr<FragmentSpool> m_spool;
    bool m_spoolTouched = false;  // a fragment of m_spool arrived on this stream
    bool m_opened = false;
    v1::StreamCodec m_codecInUse = v1::STREAM_CODEC_NONE;
    std::int64_t m_highestToken = 0;
    std::uint64_t m_received = 0;
    std::uint64_t m_acked = 0;
    std::uint64_t m_unackedBytes = 0;
    StreamClock::time_point m_firstUnacked{};
    bool m_commitPending = false;
    StreamClock::time_point m_commitAt{};
    v1::StreamAckRequest m_committed;  // committed fields only
};

}  // namespace ferry::stream
