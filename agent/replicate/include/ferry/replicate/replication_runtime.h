// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ferry/apply/parallel_applier.h"
#include "ferry/apply/transaction_applier.h"
#include "ferry/binlog/binlog_source.h"
#include "ferry/capture/schema_tracker.h"
#include "ferry/capture/transaction_assembler.h"
#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/replicate/progress_meter.h"
#include "ferry/replicate/table_filter.h"
#include "ferry/v1/change.pb.h"

namespace ferry::replicate {

// One target transaction committed (or found already applied), reported in source order.
struct CommittedWork {
    std::size_t transactions = 0;  // source transactions it committed
    std::size_t rows = 0;
    bool ddl = false;
    bool alreadyApplied = false;  // at or before the target's recorded position: skipped
    v1::SourcePosition end;       // end of its last source transaction
    std::string gtid;             // of its last source transaction
    std::vector<std::string> notes;
};

// What applies source transactions on the target, exactly once and in source order: the serial
// TransactionApplier (SerialApplyTarget) or the ParallelApplier (ParallelApplyTarget).
// submit() is called from one thread; the commit callback may run on other threads, one call
// at a time, in source order.
class ApplyTarget {
public:
    using CommitCallback = std::function<void(const CommittedWork&)>;

    virtual ~ApplyTarget() = default;
    virtual void setCommitCallback(CommitCallback callback) = 0;
    // Takes consecutive source transactions (a DDL comes alone). A serial target applies them
    // before returning; a parallel one may queue them (and then moves them out of `group`).
    [[nodiscard]] virtual Status submit(std::vector<v1::Transaction>& group) = 0;
    // Takes one large transaction whose changes come from `changes` (header.streamed()).
    [[nodiscard]] virtual Status submitStreamed(v1::Transaction& header,
                                                std::unique_ptr<apply::ChangeSource> changes) = 0;
    // The error that stopped a target working in the background, if any.
    [[nodiscard]] virtual Status check() = 0;
    // Waits until everything submitted has committed (`drain`), or lets what is running commit
    // and drops the rest.
    [[nodiscard]] virtual Status finish(bool drain) = 0;
};

// ApplyTarget over one TransactionApplier (one connection, one slot). Does not own it.
class SerialApplyTarget final : public ApplyTarget {
public:
    explicit SerialApplyTarget(apply::TransactionApplier& applier) : m_applier(applier) {}
    void setCommitCallback(CommitCallback callback) override { m_callback = std::move(callback); }
    Status submit(std::vector<v1::Transaction>& group) override;
    Status submitStreamed(v1::Transaction& header,
                          std::unique_ptr<apply::ChangeSource> changes) override;
    Status check() override { return okStatus(); }
    Status finish(bool) override { return okStatus(); }

private:
    apply::TransactionApplier& m_applier;
    CommitCallback m_callback;
};

// ApplyTarget over a ParallelApplier (several connections; it groups transactions itself).
// Does not own it. REQUIRES: the applier is started.
class ParallelApplyTarget final : public ApplyTarget {
public:
    explicit ParallelApplyTarget(apply::ParallelApplier& applier) : m_applier(applier) {}
    void setCommitCallback(CommitCallback callback) override;
    Status submit(std::vector<v1::Transaction>& group) override;
    Status submitStreamed(v1::Transaction& header,
                          std::unique_ptr<apply::ChangeSource> changes) override;
    Status check() override;
    Status finish(bool drain) override { return m_applier.stop(drain); }

private:
    apply::ParallelApplier& m_applier;
};

struct RuntimeOptions {
    // Source transactions and rows per apply() call, at most (a single larger transaction goes
    // alone).
    std::size_t maxGroupTransactions = 200;
    std::size_t maxGroupRows = 20000;
    // Decoded transactions waiting to be applied, at most; the reader waits beyond.
    std::size_t maxQueuedTransactions = 50000;
    std::size_t maxQueuedRows = 1000000;
    // Stop once the source's stream has passed this position outside a transaction
    // (--until-caught-up: the source's end of binlog at start).
    std::optional<model::BinlogPosition> stopAt;
    std::chrono::milliseconds progressInterval{2000};
    // Shown as the position until the first commit ("mariadb-bin.000001:4").
    std::string startPosition;
    // Spool folder and spill threshold for large transactions (tableFilter is set from the
    // TableFilter).
    capture::AssemblerOptions assembler;
    // Apply transactions flagged with MariaDB's @@skip_replication instead of skipping them.
    bool applySkipReplication = false;
    // The source's schema history (not owned; may be null: TABLE_MAPs alone). Driven on the
    // reader thread: it follows each DDL and resolves each table of a transaction.
    capture::SchemaTracker* schemaTracker = nullptr;
};

// How a run ended.
struct RunSummary {
    ProgressSnapshot progress;
    bool caughtUp = false;  // reached stopAt
    bool stopped = false;   // the stop flag ended it
};

// The one-way pipeline of `ferry-agent replicate`: source -> decode -> assemble -> filter ->
// apply, with progress. A reader thread decodes the source and assembles transactions into a
// bounded queue; the calling thread hands them on in groups (consecutive source transactions,
// DDL alone) to the ApplyTarget, which commits each target transaction with its position, and
// prints a progress line every progressInterval.
//
// Filtering: rows of tables the TableFilter refuses, and every row of the ferry schema, are
// dropped; a transaction left with no rows is skipped (counted). DDL follows
// TableFilter::decideDdl: skipped DDL is logged, mixed DDL stops the run with an error.
// Transactions spilled to disk by the assembler are read back into memory before applying.
//
// Stop: when `stop` becomes true (a signal handler may set it) the target transactions being
// committed finish, queued ones are dropped (they were never committed, so a restart reads them
// again), the reader is told to stop, and run() returns with `stopped`. The reader notices
// within one source event or heartbeat.
//
// REQUIRES: `source`, `target` and the callbacks outlive run(). `confirm` (may be empty) is
// called on the reader thread with the end of each assembled transaction, so a reconnecting
// source resumes there. `log` is called from both threads, one line at a time.
class ReplicationRuntime {
public:
    using LogFunction = std::function<void(const std::string&)>;
    using ConfirmFunction = std::function<void(std::string_view file, std::uint64_t endPos)>;

    ReplicationRuntime(binlog::BinlogSource& source, ApplyTarget& target, TableFilter filter,
                       RuntimeOptions options, LogFunction log, Clock clock = Clock::system());

    void setConfirm(ConfirmFunction confirm) { m_confirm = std::move(confirm); }

    // Runs until the source ends (a finite source), stopAt is reached, `stop` is set, or an
    // error (reading, decoding, a mixed DDL, applying). Errors say where (source position) and
    // what to do.
    [[nodiscard]] Result<RunSummary> run(const std::atomic<bool>& stop);

private:
    binlog::BinlogSource& m_source;
    ApplyTarget& m_target;
    TableFilter m_filter;
    RuntimeOptions m_options;
    LogFunction m_log;
    Clock m_clock;
    ConfirmFunction m_confirm;
};

}  // namespace ferry::replicate
