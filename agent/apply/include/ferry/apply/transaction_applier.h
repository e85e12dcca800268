// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ferry/apply/change_source.h"
#include "ferry/apply/sql_session.h"
#include "ferry/apply/statement_builder.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::apply {

struct RetryPolicy {
    // Attempts per target transaction (first try included) before giving up with Unavailable.
    std::uint32_t maxAttempts = 10;
    std::chrono::milliseconds initialBackoff{50};
    std::chrono::milliseconds maxBackoff{5000};
};

struct ApplierOptions {
    std::uint64_t pipelineId = 0;
    std::uint16_t slot = 0;
    std::uint64_t fencingToken = 0;
    std::string ferrySchema = "ferry";
    BuilderOptions builder;
    NameMapping mapping;
    RetryPolicy retry;
    // When non-zero, the server ends a transaction of this session that stays idle longer
    // (MariaDB's idle_transaction_timeout, rounded up to seconds): an apply leader frozen with
    // a transaction open (SIGSTOP, a VM pause) then releases its locks, including its shared
    // lock on the fence, before its ZooKeeper session expires, so the next leader's fence claim
    // does not wait for it. Servers without the variable (MySQL) ignore it.
    std::chrono::milliseconds idleTransactionTimeout{0};
    // Strict, zero dates accepted, explicit 0 kept in AUTO_INCREMENT columns.
    std::string sqlMode = "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";
};

// The apply_position row of one slot.
struct SlotPosition {
    std::uint16_t slot = 0;
    ferry::v1::SourcePosition end;  // end of the last source transaction applied
    std::string gtid;
    std::uint64_t commitTs = 0;
    std::uint64_t seq = 0;
    std::uint64_t fencingToken = 0;
};

// What a pipeline has applied on its target, read back from apply_position. With in-order
// commit every transaction at or before `lowWater` is applied; `appliedAbove` is reserved for
// out-of-order commit (positions applied above the low-water mark; empty for now).
struct ApplyProgress {
    std::optional<ferry::v1::SourcePosition> lowWater;  // none: nothing applied yet
    std::vector<ferry::v1::SourcePosition> appliedAbove;
    std::vector<SlotPosition> slots;

    // True when `transaction` is already applied and must be skipped. Errors when positions of
    // different binlog series meet (a source that changed its log-bin base name).
    Result<bool> isApplied(const ferry::v1::Transaction& transaction) const;
};

enum class ApplyResult {
    Applied,         // committed now
    AlreadyApplied,  // at or before the recorded position: skipped
};

struct ApplyOutcome {
    ApplyResult result = ApplyResult::Applied;
    std::size_t transactions = 0;  // source transactions committed (skipped ones not counted)
    std::size_t rows = 0;
    std::uint32_t attempts = 0;      // target transaction attempts, 1 without retries
    std::vector<std::string> notes;  // tolerated DDL replays and similar, for the log
};

// Calls a scheduler uses to order commits across several appliers (ParallelApplier). Both are
// optional and run on the applier's thread.
struct ApplyHooks {
    // Before each attempt of a row group, `attempt` counting from 1; an error ends apply() with
    // it (nothing is open on the session then).
    std::function<Status(std::uint32_t attempt)> beforeAttempt;
    // After the row statements, before COMMIT, with the transaction open: true commits, false
    // rolls back and makes a new attempt without backoff, an error rolls back and ends apply()
    // with it.
    std::function<Result<bool>()> beforeCommit;
};

// Applies source transactions to a target database through a SqlSession, exactly once.
//
// Every target transaction is: BEGIN; the apply_position row of (pipeline, slot) written FIRST
// (INSERT ... ON DUPLICATE KEY UPDATE with seq = seq + 1, the end position, GTID, commit time
// and fencing token); SELECT token FROM fence ... LOCK IN SHARE MODE, refusing with Conflict
// when a higher token is there (a newer leader deposed us); the row statements, each checked
// for the affected rows it must report (an UPDATE or DELETE that matches nothing, or a duplicate
// key, is a divergence error naming the table, the key and the source position); COMMIT.
// Deadlocks, lock wait timeouts and lost connections roll back and retry with exponential
// backoff; a connection lost during COMMIT is resolved by reconnecting and re-reading the
// position row (seq and position tell whether the commit happened), never by guessing.
//
// DDL transactions run alone: USE the source schema, the statement prefixed with
// `/* ferry:pipeline=<id> */` (so capture on the target recognises and drops it), then the
// position in a transaction of its own. Replay rules (a crash between the DDL and its position
// row re-runs the DDL on restart): for the first transaction after loadProgress() or after a
// lost connection during a DDL, the "already done" errors of that DDL are tolerated and noted
// (table or database exists / is unknown on DROP, duplicate column or key name, cannot drop a
// missing column or key); anywhere else they stop the pipeline like any error.
//
// The session is owned by the caller and must outlive the applier. Not thread-safe: one
// applier per worker slot, each on its own session.
class TransactionApplier {
public:
    using SleepFunction = std::function<void(std::chrono::milliseconds)>;

    // `sleep` waits between retries (tests inject one that records instead of sleeping).
    TransactionApplier(SqlSession& session, ApplierOptions options, SleepFunction sleep = {});

    // Sets the session up: time_zone '+00:00', the sql_mode, names utf8mb4, READ COMMITTED,
    // foreign_key_checks on. The binlog stays on (sql_log_bin is never touched).
    Status setupSession();

    // Reads every slot of the pipeline and remembers this slot's seq. Called by apply() when
    // not called before.
    Result<ApplyProgress> loadProgress();

    // Applies consecutive source transactions (none a DDL) as one target transaction; those
    // already applied are skipped. REQUIRES: in source order.
    Result<ApplyOutcome> apply(std::span<const ferry::v1::Transaction> group);
    Result<ApplyOutcome> apply(const ferry::v1::Transaction& transaction);
    // Applies one large source transaction whose changes come from `changes` (its header has
    // streamed = true and no changes) as one target transaction, a chunk of kStreamChunkRows
    // changes at a time: memory stays at one chunk however large it is. A retry rewinds
    // `changes`. Skipped when already applied.
    Result<ApplyOutcome> applyStreamed(const ferry::v1::Transaction& header, ChangeSource& changes);

    static constexpr std::size_t kStreamChunkRows = 1000;

    // Runs `read` (queries only, no transaction) on this applier's session with its retries: a
    // lost connection reconnects and sets the session up again, a deadlock or lock wait timeout
    // backs off; any other error, or the last attempt's, is returned naming `what`.
    Status runRead(const std::string& what, const std::function<Status(SqlSession&)>& read);

    // The position row statement and the fence check, for tests and tools.
    std::string positionStatement(const ferry::v1::Transaction& last) const;
    std::string fenceQuery() const;

    const ApplyProgress& progress() const { return m_progress; }

    void setHooks(ApplyHooks hooks) { m_hooks = std::move(hooks); }

private:
    enum class AttemptEnd { Committed, Retry };

    Result<ApplyOutcome> applyDdl(const ferry::v1::Transaction& transaction);
    // The parts of one attempt: BEGIN, the position row and the fence check; the row
    // statements of one source transaction; the beforeCommit hook and COMMIT. A set optional
    // (or an error) ends the attempt there.
    Result<std::optional<AttemptEnd>> openTarget(const ferry::v1::Transaction& last,
                                                 std::uint32_t attempt);
    Result<std::optional<AttemptEnd>> runStatements(const ferry::v1::Transaction& transaction,
                                                    const std::vector<RowStatement>& statements,
                                                    std::uint32_t attempt);
    Result<AttemptEnd> finishTarget(const ferry::v1::Transaction& last, std::uint32_t attempt);
    Result<AttemptEnd> attemptStreamed(const ferry::v1::Transaction& header, ChangeSource& changes,
                                       std::uint32_t attempt, std::size_t& rows);
    Result<AttemptEnd> attemptRows(std::span<const ferry::v1::Transaction* const> group,
                                   const std::vector<std::vector<RowStatement>>& statements,
                                   std::uint32_t attempt);
    Result<AttemptEnd> attemptPosition(const ferry::v1::Transaction& transaction,
                                       std::uint32_t attempt);
    // Handles a failure of a statement inside the transaction: Retry for transient errors and
    // lost connections (after rollback or reconnect), the error otherwise.
    Result<AttemptEnd> onFailure(const Error& error, const std::string& context,
                                 std::uint32_t attempt);
    Status checkFence();
    Result<AttemptEnd> commit(const ferry::v1::Transaction& last, std::uint32_t attempt);
    Status reconnect(std::uint32_t attempt);
    void backoff(std::uint32_t attempt);
    void rollbackQuietly();
    void recordApplied(const ferry::v1::Transaction& last);
    std::string positionTable() const;

    SqlSession& m_session;
    ApplierOptions m_options;
    SleepFunction m_sleep;
    StatementBuilder m_builder;
    ApplyProgress m_progress;
    bool m_loaded = false;
    bool m_sessionReady = false;
    bool m_maybeReplay = false;  // the next DDL may already have been applied
    std::uint64_t m_seq = 0;     // this slot's seq as last committed
    ApplyHooks m_hooks;
    bool m_skipBackoff = false;  // the last attempt was abandoned by beforeCommit
};

}  // namespace ferry::apply
