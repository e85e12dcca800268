// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ferry/apply/sql_session.h"
#include "ferry/apply/transaction_applier.h"
#include "ferry/apply/write_set.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::apply {

struct ParallelOptions {
    // Options of every worker's TransactionApplier; `slot` is replaced by firstSlot + worker.
    ApplierOptions applier;
    std::uint16_t workers = 4;
    std::uint16_t firstSlot = 0;
    // Grouping: consecutive transactions waiting for a worker share one target transaction up
    // to these bounds (a transaction larger than a bound runs alone; none is ever split). A group
    // stops growing once its first transaction has waited maxGroupDelay.
    std::size_t maxGroupTransactions = 100;
    std::size_t maxGroupRows = 2000;
    std::size_t maxGroupBytes = 4u << 20;  // Transaction.source_bytes
    std::chrono::milliseconds maxGroupDelay{20};
    // Transactions accepted but not yet handed to a worker; submit() blocks above it.
    std::size_t queueCapacity = 4096;
    // A group that finished its statements and waits this long for a predecessor's commit rolls
    // back (releasing its locks, in case the predecessor waits for one of them: an ordering
    // deadlock InnoDB cannot see) and runs again once its predecessors have committed.
    std::chrono::milliseconds orderWaitTimeout{1000};
    WriteSetOptions writeSets;
    // Reads the target's foreign keys (e.g. loadForeignKeyGroups over the replicated schemas).
    // When set, it is called on a worker's session at start() and after every DDL, and its
    // groups replace writeSets.foreignKeys; transactions queued behind a DDL get their write
    // sets computed again once the DDL has committed. A failure stops the applier.
    std::function<Result<ForeignKeyGroups>(SqlSession& session)> loadForeignKeys;
};

// One target transaction committed (or found already applied at start), reported in source
// order.
struct CommittedGroup {
    std::uint64_t sequence = 0;  // 1, 2, ... in source order; 0 when alreadyApplied
    std::uint16_t slot = 0;
    ferry::v1::SourcePosition end;  // end of its last source transaction
    std::string gtid;               // GTID of its last source transaction
    std::uint64_t commitTs = 0;     // source commit time of its last source transaction
    std::size_t transactions = 0;
    std::size_t rows = 0;
    bool alreadyApplied = false;     // skipped: at or before the recorded position
    bool ddl = false;                // a DDL transaction
    std::vector<std::string> notes;  // tolerated DDL replays and similar, for the log
};

struct ParallelStats {
    std::uint64_t submitted = 0;
    std::uint64_t applied = 0;  // source transactions committed
    std::uint64_t skipped = 0;  // source transactions already applied
    std::uint64_t groups = 0;   // target transactions committed
    std::uint64_t rows = 0;
    std::uint64_t barriers = 0;
    std::uint64_t orderAborts = 0;  // rolled back after waiting orderWaitTimeout
    std::uint64_t retries = 0;      // groups re-run after predecessors committed
    std::uint64_t maxInFlight = 0;  // most groups running at once
};

// Applies source transactions on several target connections at once, exactly once.
//
// submit() takes transactions in source order. Each gets a write set (computeWriteSet);
// consecutive ones waiting for a worker are grouped (bounds above) and a group goes to a free
// worker when its write set does not conflict with any group still running; otherwise it waits,
// and so does everything behind it (dispatch is in source order). A barrier (DDL, streamed, or
// malformed transaction) waits for every running group to commit, runs alone, then lets the rest
// go. Each worker has its own session (from the factory) and its own apply_position slot.
//
// Commits follow source order: a worker that finished a group's statements waits for the group
// before it to commit, then commits. Recovery: every transaction at or before the largest end
// position over the slots is committed (start() in the .cpp explains why), so start() skips
// those and nothing is applied twice or lost.
//
// Deadlocks and lock wait timeouts between workers roll back and retry (TransactionApplier);
// a retry of a group whose predecessors are still uncommitted waits for them first. A group
// that fails with any error while its predecessors are still uncommitted is re-run once they
// have committed (a conflict the write sets missed shows up as a duplicate key or a missing
// row). Any other error stops the applier: groups before the failed one still commit, nothing
// after it does, and every later call returns that error.
//
// Thread safety: submit(), trySubmit(), flush(), stop(), stats() and error() may be called from
// any thread; the commit callback runs on worker threads, one call at a time, in source order,
// and must not call back into the applier.
class ParallelApplier {
public:
    using SessionFactory = std::function<Result<std::unique_ptr<SqlSession>>(std::uint16_t slot)>;
    using CommitCallback = std::function<void(const CommittedGroup&)>;
    using Clock = std::function<std::chrono::steady_clock::time_point()>;
    using SleepFunction = TransactionApplier::SleepFunction;

    // `sleep` is the retry backoff of the workers' appliers, `clock` times the group delay (both
    // default to the real ones).
    ParallelApplier(SessionFactory factory, ParallelOptions options, SleepFunction sleep = {},
                    Clock clock = {});
    ~ParallelApplier();  // stop() without waiting for queued transactions (they were not acked)

    ParallelApplier(const ParallelApplier&) = delete;
    ParallelApplier& operator=(const ParallelApplier&) = delete;

    void setCommitCallback(CommitCallback callback);

    // Opens one session per worker, sets it up, reads the pipeline's apply_position rows and
    // starts the workers. Returns what is already applied (submit() skips it).
    Result<ApplyProgress> start();

    // Queues one transaction; blocks while the queue is full. Errors once the applier stopped
    // (with the error that stopped it) or when called before start().
    Status submit(ferry::v1::Transaction transaction);
    // Queues one large transaction whose changes come from `changes` (TransactionApplier::
    // applyStreamed): a barrier, applied alone with bounded memory. REQUIRES: header.streamed(),
    // no changes inline.
    Status submitStreamed(ferry::v1::Transaction header, std::unique_ptr<ChangeSource> changes);
    // As submit(), but returns false instead of blocking when the queue is full (the
    // transaction is then left in `transaction`).
    Result<bool> trySubmit(ferry::v1::Transaction& transaction);
    // As submitStreamed(), but returns false instead of blocking when the queue is full (both
    // arguments are then left as they were).
    Result<bool> trySubmitStreamed(ferry::v1::Transaction& header,
                                   std::unique_ptr<ChangeSource>& changes);

    // Waits until everything submitted has committed.
    Status flush();
    // flush(), then stops the workers. With `drain` false, queued groups are dropped and running
    // ones roll back unless already committing.
    Status stop(bool drain = true);

    std::optional<Error> error() const;
    ParallelStats stats() const;

private:
    struct Group;
    struct Worker;

    Status enqueueLocked(ferry::v1::Transaction&& transaction,
                         std::unique_ptr<ChangeSource> changes = nullptr);
    void closeOpenGroupLocked();
    bool dispatchableLocked(const Group& group) const;
    void workerLoop(Worker& worker);
    void runGroup(Worker& worker, Group& group);
    // The beforeCommit hook: true to commit, false to roll back and retry, an error to give up.
    Result<bool> waitToCommit(std::uint64_t sequence);
    // Waits until every group before `sequence` has committed.
    Status waitForPredecessors(std::uint64_t sequence);
    bool cancelledLocked(std::uint64_t sequence) const;
    Error cancelledError(std::uint64_t sequence) const;
    void finishLocked(Group& group, std::optional<CommittedGroup> committed);
    void failLocked(Error error, std::uint64_t sequence);
    bool conflictsInFlightLocked(const WriteSet& set) const;
    // The write set of `group` again, with the foreign keys as they are now.
    void recomputeLocked(Group& group);
    // Reads the foreign keys (loadForeignKeys) on `worker`'s session, with its retries.
    Status reloadForeignKeys(Worker& worker);

    SessionFactory m_factory;
    ParallelOptions m_options;
    SleepFunction m_sleep;
    Clock m_clock;
    CommitCallback m_callback;

    mutable std::mutex m_mutex;
    std::condition_variable m_changed;  // any state change: commits, dispatch, errors, stop
    bool m_started = false;
    bool m_stopping = false;  // no more submits; workers exit when the queue is empty
    bool m_abort = false;     // workers exit now; uncommitted groups roll back
    std::optional<Error> m_error;
    std::uint64_t m_errorSequence = 0;  // the group that failed
    ApplyProgress m_progress;

    std::unique_ptr<Group> m_open;               // growing, not yet closed
    std::deque<std::unique_ptr<Group>> m_ready;  // closed, waiting for a worker, in order
    std::size_t m_queued = 0;                    // transactions in m_open and m_ready
    std::uint64_t m_nextSequence = 1;
    std::uint64_t m_committed = 0;  // every group up to this one has committed
    std::map<std::uint64_t, std::optional<CommittedGroup>> m_done;  // finished above m_committed
    std::set<std::uint64_t> m_running;  // groups executing statements (not waiting to commit)
    std::uint64_t m_inFlight = 0;
    bool m_barrierInFlight = false;
    std::shared_ptr<const ForeignKeyGroups> m_foreignKeys;  // from loadForeignKeys
    std::uint64_t m_ddlPending = 0;  // DDL groups queued or running (loadForeignKeys set)
    std::unordered_map<std::uint64_t, std::uint32_t> m_inFlightExclusive;
    std::unordered_map<std::uint64_t, std::uint32_t> m_inFlightTables;
    ParallelStats m_stats;

    std::vector<std::unique_ptr<Worker>> m_workers;
};

}  // namespace ferry::apply
