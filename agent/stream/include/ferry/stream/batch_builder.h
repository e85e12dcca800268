// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>

#include "ferry/capture/transaction_sink.h"
#include "ferry/model/result.h"
#include "ferry/stream/batch_codec.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::stream {

using StreamClock = std::chrono::steady_clock;

struct BuilderOptions {
    // Whole transactions per batch: at most this many serialized bytes (a single transaction
    // larger than this and not larger than fragmentBytes goes alone) and this many transactions.
    std::uint64_t maxBatchBytes = 1024 * 1024;
    std::uint32_t maxBatchTransactions = 1000;
    // A batch that is not full goes this long after its first transaction arrived.
    std::chrono::milliseconds maxDelay{20};
    // Fragments hold at most this many serialized bytes (a single row change larger than this
    // makes a fragment on its own). Transactions that arrive streamed, or whose serialized size
    // exceeds this, are sent in fragments.
    std::uint64_t fragmentBytes = 4 * 1024 * 1024;
    // With nothing sent for this long, an idle batch carries the source position and clock.
    std::chrono::milliseconds idleInterval{1000};
};

// Cuts the capture side's transactions into encoded StreamBatches, in order (capture side of
// a stream; one per open stream).
//
// Inputs: add() takes CapturedTransactions in binlog order; noteSourcePosition() tells where the
// source reader is when nothing is captured (for idle batches). Output: takeReady(now) returns
// the next batch, encoded with the given codec but without sequence and fencing token (the
// SendWindow stamps those), or nothing when no batch is due yet. Small transactions are grouped
// whole; a large one becomes TransactionFragment batches produced one per takeReady call and
// read from its SpoolReader only then, so memory holds one fragment whatever the size of the
// transaction. Fragmenting is a function of the changes and fragmentBytes only, and a resume
// skips by change count (PartialTransaction.changes_received), so a re-read transaction resumes
// exactly where the apply side's spool ends.
//
// Back pressure: while acceptsMore() is false (a full batch or a large transaction is waiting)
// the caller should stop feeding it and drain takeReady() as the window allows.
// Owns the queued transactions and their spool readers; borrows the codec, which must outlive
// it. Not thread-safe.
class BatchBuilder {
public:
    BatchBuilder(BuilderOptions options, BatchCodec& codec);

    // Arms the resume of a partly received large transaction (from StreamOpenRequest.partial):
    // the transaction beginning at partial.begin() is sent in fragments from fragment
    // fragments_received, skipping its first changes_received changes. Call before add().
    void resume(const v1::PartialTransaction& partial);

    // Queues a transaction. Fails (InvalidArgument) for a streamed transaction without a spool
    // reader, or when a large transaction other than the armed partial one arrives first.
    [[nodiscard]] Status add(capture::CapturedTransaction&& captured, StreamClock::time_point now);

    // Where the source is, and its clock (microseconds since the epoch), for idle batches.
    void noteSourcePosition(const v1::SourcePosition& position, std::int64_t sourceTimeUs);

    // The next batch if one is due at `now`: a queued full batch or fragment first, then the open
    // batch once maxDelay has passed, then an idle batch once idleInterval has passed since the
    // last batch. Errors: a spool that cannot be read, a resume that does not fit the
    // transaction, an encoding failure; the stream must then be closed and the builder
    // dropped (the next stream re-reads from the committed position with a new one).
    [[nodiscard]] Result<std::optional<v1::StreamBatch>> takeReady(StreamClock::time_point now);

    bool acceptsMore() const { return m_queue.empty(); }
    // When takeReady() will next have something without further input: `now` when a batch is
    // queued, else the open batch's deadline, else the idle deadline. For the caller's timer.
    StreamClock::time_point nextDeadline(StreamClock::time_point now) const;

private:
    struct Large {
        v1::Transaction header;  // without its changes
        std::unique_ptr<capture::SpoolReader> spool;
        google::protobuf::RepeatedPtrField<v1::RowChange> inMemory;  // when not spooled
        std::uint64_t read = 0;      // changes taken from the source so far (carry included)
        std::uint64_t consumed = 0;  // changes placed in fragments (or skipped)
        std::uint32_t nextIndex = 0;
        std::uint64_t skip = 0;
        std::optional<v1::RowChange> carry;
    };
    struct Item {
        v1::TransactionBatch whole;
        std::unique_ptr<Large> large;
    };

    void closeOpenBatch();
    Result<bool> readChange(Large& large, v1::RowChange& change);
    Result<v1::StreamBatch> nextFragment(Large& large, bool& done);
    Result<v1::StreamBatch> encodeWhole(v1::TransactionBatch& batch);

    BuilderOptions m_options;
    BatchCodec& m_codec;
    std::optional<v1::PartialTransaction> m_partial;
    std::deque<Item> m_queue;
    v1::TransactionBatch m_open;
    std::uint64_t m_openBytes = 0;
    StreamClock::time_point m_openSince{};
    std::optional<StreamClock::time_point> m_lastSent;
    v1::SourcePosition m_sourcePosition;
    std::int64_t m_sourceTimeUs = 0;
};

bool samePosition(const v1::SourcePosition& a, const v1::SourcePosition& b);

}  // namespace ferry::stream
