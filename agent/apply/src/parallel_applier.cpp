// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/parallel_applier.h"

#include <algorithm>
#include <span>

namespace ferry::apply {

using ferry::v1::Transaction;

struct ParallelApplier::Group {
    std::uint64_t sequence = 0;
    std::vector<Transaction> transactions;
    std::unique_ptr<ChangeSource> changes;  // set for a streamed transaction (then alone)
    WriteSet writeSet;
    bool ddl = false;        // counted in m_ddlPending
    bool recompute = false;  // queued behind a DDL: write set computed again at dispatch
    std::size_t rows = 0;
    std::size_t bytes = 0;
    std::chrono::steady_clock::time_point opened;
};

struct ParallelApplier::Worker {
    std::uint16_t slot = 0;
    std::unique_ptr<SqlSession> session;
    std::unique_ptr<TransactionApplier> applier;
    std::thread thread;
    std::uint64_t current = 0;  // sequence of the group it runs; read only on its own thread
};

namespace {

std::size_t rowsOf(const Transaction& transaction) {
    return std::max<std::size_t>(transaction.row_count(),
                                 static_cast<std::size_t>(transaction.changes_size()));
}

std::size_t bytesOf(const Transaction& transaction) {
    return transaction.source_bytes() != 0 ? transaction.source_bytes()
                                           : transaction.ByteSizeLong();
}

void countUp(std::unordered_map<std::uint64_t, std::uint32_t>& counts,
             const std::vector<std::uint64_t>& hashes) {
    for (const std::uint64_t hash : hashes) {
        ++counts[hash];
    }
}

void countDown(std::unordered_map<std::uint64_t, std::uint32_t>& counts,
               const std::vector<std::uint64_t>& hashes) {
    for (const std::uint64_t hash : hashes) {
        const auto it = counts.find(hash);
        if (it != counts.end() && --it->second == 0) {
            counts.erase(it);
        }
    }
}

bool anyIn(const std::unordered_map<std::uint64_t, std::uint32_t>& counts,
           const std::vector<std::uint64_t>& hashes) {
    return std::any_of(hashes.begin(), hashes.end(),
                       [&counts](std::uint64_t hash) { return counts.contains(hash); });
}

}  // namespace

ParallelApplier::ParallelApplier(SessionFactory factory, ParallelOptions options,
                                 SleepFunction sleep, Clock clock)
    : m_factory(std::move(factory)),
      m_options(std::move(options)),
      m_sleep(std::move(sleep)),
      m_clock(std::move(clock)) {
    if (!m_clock) {
        m_clock = [] { return std::chrono::steady_clock::now(); };
    }
    if (m_options.workers == 0) {
        m_options.workers = 1;
    }
}

ParallelApplier::~ParallelApplier() {
    (void)stop(false);
}

void ParallelApplier::setCommitCallback(CommitCallback callback) {
    std::lock_guard lock(m_mutex);
    m_callback = std::move(callback);
}

// Why the largest end position over the slots is a safe restart point: a group commits only
// after every group before it has committed (waitToCommit), and each commit writes its slot's
// row in the same target transaction as its rows. So when the row with the largest end position
// is committed, every group before it is committed too, and no group after it is: the committed
// groups are exactly a prefix of the source order, and its last element is that largest end.
// Slots left over from a run with more workers hold smaller positions and change nothing.
// (With commits out of order this would not hold: ApplyProgress::appliedAbove is reserved for
// that mode.)
Result<ApplyProgress> ParallelApplier::start() {
    {
        std::lock_guard lock(m_mutex);
        if (m_started) {
            return makeError(ErrorCode::InvalidArgument, "the parallel applier is already started");
        }
    }
    std::vector<std::unique_ptr<Worker>> workers;
    std::optional<ApplyProgress> progress;
    for (std::uint16_t i = 0; i < m_options.workers; ++i) {
        auto worker = std::make_unique<Worker>();
        worker->slot = static_cast<std::uint16_t>(m_options.firstSlot + i);
        auto session = m_factory(worker->slot);
        if (!session.ok()) {
            return makeError(session.error().code,
                             "pipeline " + std::to_string(m_options.applier.pipelineId) +
                                 ": opening the session of apply worker slot " +
                                 std::to_string(worker->slot) + ": " + session.error().message);
        }
        worker->session = std::move(session).value();
        ApplierOptions options = m_options.applier;
        options.slot = worker->slot;
        worker->applier =
            std::make_unique<TransactionApplier>(*worker->session, std::move(options), m_sleep);
        FERRY_TRY(worker->applier->setupSession());
        FERRY_ASSIGN_OR_RETURN(ApplyProgress loaded, worker->applier->loadProgress());
        if (!progress) {
            progress = std::move(loaded);
            FERRY_TRY(reloadForeignKeys(*worker));
        }
        Worker* raw = worker.get();
        ApplyHooks hooks;
        hooks.beforeAttempt = [this, raw](std::uint32_t attempt) -> Status {
            if (attempt > 1) {
                FERRY_TRY(waitForPredecessors(raw->current));
            }
            std::lock_guard lock(m_mutex);
            if (cancelledLocked(raw->current)) {
                return cancelledError(raw->current);
            }
            m_running.insert(raw->current);
            return okStatus();
        };
        hooks.beforeCommit = [this, raw]() { return waitToCommit(raw->current); };
        worker->applier->setHooks(std::move(hooks));
        workers.push_back(std::move(worker));
    }
    std::lock_guard lock(m_mutex);
    m_progress = progress.value_or(ApplyProgress{});
    m_workers = std::move(workers);
    m_started = true;
    for (auto& worker : m_workers) {
        Worker* raw = worker.get();
        worker->thread = std::thread([this, raw] { workerLoop(*raw); });
    }
    return m_progress;
}

Status ParallelApplier::submit(Transaction transaction) {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] {
        return m_error || m_stopping || !m_started || m_queued < m_options.queueCapacity;
    });
    return enqueueLocked(std::move(transaction));
}

namespace {

Status checkStreamed(std::uint64_t pipelineId, const Transaction& header,
                     const std::unique_ptr<ChangeSource>& changes) {
    if (!header.streamed() || changes == nullptr || header.changes_size() != 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "pipeline " + std::to_string(pipelineId) + ": " +
                             describeTransaction(header) +
                             " is submitted as streamed but is not (streamed flag, no changes "
                             "inline, a change source)");
    }
    return okStatus();
}

}  // namespace

Status ParallelApplier::submitStreamed(Transaction header, std::unique_ptr<ChangeSource> changes) {
    FERRY_TRY(checkStreamed(m_options.applier.pipelineId, header, changes));
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] {
        return m_error || m_stopping || !m_started || m_queued < m_options.queueCapacity;
    });
    return enqueueLocked(std::move(header), std::move(changes));
}

Result<bool> ParallelApplier::trySubmitStreamed(Transaction& header,
                                                std::unique_ptr<ChangeSource>& changes) {
    FERRY_TRY(checkStreamed(m_options.applier.pipelineId, header, changes));
    std::unique_lock lock(m_mutex);
    if (m_started && !m_error && !m_stopping && m_queued >= m_options.queueCapacity) {
        return false;
    }
    FERRY_TRY(enqueueLocked(std::move(header), std::move(changes)));
    return true;
}

Result<bool> ParallelApplier::trySubmit(Transaction& transaction) {
    std::unique_lock lock(m_mutex);
    if (m_started && !m_error && !m_stopping && m_queued >= m_options.queueCapacity) {
        return false;
    }
    FERRY_TRY(enqueueLocked(std::move(transaction)));
    return true;
}

Status ParallelApplier::enqueueLocked(Transaction&& transaction,
                                      std::unique_ptr<ChangeSource> changes) {
    if (m_error) {
        return *m_error;
    }
    if (!m_started || m_stopping) {
        return makeError(ErrorCode::InvalidArgument,
                         "pipeline " + std::to_string(m_options.applier.pipelineId) +
                             ": the parallel applier is not running; start it before submitting");
    }
    ++m_stats.submitted;
    FERRY_ASSIGN_OR_RETURN(const bool applied, m_progress.isApplied(transaction));
    if (applied) {
        ++m_stats.skipped;
        if (m_callback) {
            CommittedGroup skipped;
            skipped.end = transaction.end();
            skipped.gtid = transaction.gtid();
            skipped.commitTs = transaction.commit_ts();
            skipped.transactions = 1;
            skipped.rows = rowsOf(transaction);
            skipped.alreadyApplied = true;
            m_callback(skipped);
        }
        return okStatus();
    }
    WriteSet set = computeWriteSet(transaction, m_options.writeSets);
    const bool ddl = transaction.has_ddl() && m_options.loadForeignKeys;
    const bool behindDdl = m_ddlPending > 0;
    const std::size_t rows = rowsOf(transaction);
    const std::size_t bytes = bytesOf(transaction);
    const bool alone =
        set.barrier || rows > m_options.maxGroupRows || bytes > m_options.maxGroupBytes;
    if (m_open) {
        const bool full = alone || m_open->transactions.size() >= m_options.maxGroupTransactions ||
                          m_open->rows + rows > m_options.maxGroupRows ||
                          m_open->bytes + bytes > m_options.maxGroupBytes ||
                          m_clock() - m_open->opened >= m_options.maxGroupDelay;
        if (full) {
            closeOpenGroupLocked();
        }
    }
    if (!m_open) {
        m_open = std::make_unique<Group>();
        m_open->opened = m_clock();
    }
    m_open->writeSet.merge(set);
    m_open->recompute = m_open->recompute || behindDdl;
    if (ddl) {
        m_open->ddl = true;
        ++m_ddlPending;
    }
    m_open->rows += rows;
    m_open->bytes += bytes;
    m_open->transactions.push_back(std::move(transaction));
    m_open->changes = std::move(changes);
    ++m_queued;
    if (alone) {
        closeOpenGroupLocked();
    }
    m_changed.notify_all();
    return okStatus();
}

void ParallelApplier::closeOpenGroupLocked() {
    if (!m_open) {
        return;
    }
    m_open->sequence = m_nextSequence++;
    m_ready.push_back(std::move(m_open));
}

bool ParallelApplier::conflictsInFlightLocked(const WriteSet& set) const {
    return anyIn(m_inFlightExclusive, set.exclusive) || anyIn(m_inFlightTables, set.exclusive) ||
           anyIn(m_inFlightExclusive, set.tables);
}

void ParallelApplier::recomputeLocked(Group& group) {
    group.writeSet = WriteSet{};
    for (const Transaction& transaction : group.transactions) {
        group.writeSet.merge(computeWriteSet(transaction, m_options.writeSets));
    }
    group.recompute = false;
}

Status ParallelApplier::reloadForeignKeys(Worker& worker) {
    if (!m_options.loadForeignKeys) {
        return okStatus();
    }
    std::optional<ForeignKeyGroups> loaded;
    FERRY_TRY(worker.applier->runRead(
        "reading the target's foreign keys", [&](SqlSession& session) -> Status {
            FERRY_ASSIGN_OR_RETURN(loaded, m_options.loadForeignKeys(session));
            return okStatus();
        }));
    auto groups = std::make_shared<const ForeignKeyGroups>(std::move(*loaded));
    std::lock_guard lock(m_mutex);
    m_foreignKeys = std::move(groups);
    m_options.writeSets.foreignKeys = m_foreignKeys.get();
    return okStatus();
}

bool ParallelApplier::dispatchableLocked(const Group& group) const {
    if (m_barrierInFlight) {
        return false;
    }
    if (group.writeSet.barrier) {
        return m_inFlight == 0;
    }
    return !conflictsInFlightLocked(group.writeSet);
}

void ParallelApplier::workerLoop(Worker& worker) {
    std::unique_lock lock(m_mutex);
    for (;;) {
        if (m_abort || m_error) {
            return;
        }
        if (!m_barrierInFlight) {
            // Groups queued behind a DDL that has now committed see its foreign keys.
            if (!m_ready.empty() && m_ready.front()->recompute) {
                recomputeLocked(*m_ready.front());
            } else if (m_ready.empty() && m_open && m_open->recompute) {
                recomputeLocked(*m_open);
            }
        }
        if (m_ready.empty() && m_open && dispatchableLocked(*m_open)) {
            closeOpenGroupLocked();
        }
        if (!m_ready.empty() && dispatchableLocked(*m_ready.front())) {
            std::unique_ptr<Group> group = std::move(m_ready.front());
            m_ready.pop_front();
            m_queued -= group->transactions.size();
            ++m_inFlight;
            m_stats.maxInFlight = std::max(m_stats.maxInFlight, m_inFlight);
            if (group->writeSet.barrier) {
                m_barrierInFlight = true;
                ++m_stats.barriers;
            }
            countUp(m_inFlightExclusive, group->writeSet.exclusive);
            countUp(m_inFlightTables, group->writeSet.tables);
            m_changed.notify_all();  // room in the queue
            lock.unlock();
            runGroup(worker, *group);
            lock.lock();
            continue;
        }
        if (m_stopping && m_queued == 0) {
            return;
        }
        m_changed.wait(lock);
    }
}

bool ParallelApplier::cancelledLocked(std::uint64_t sequence) const {
    return m_abort || (m_error && m_errorSequence < sequence);
}

Error ParallelApplier::cancelledError(std::uint64_t sequence) const {
    if (m_error && m_errorSequence < sequence) {
        return *m_error;
    }
    return makeError(ErrorCode::Unavailable,
                     "pipeline " + std::to_string(m_options.applier.pipelineId) +
                         ": the parallel applier was stopped before group " +
                         std::to_string(sequence) + " committed");
}

Status ParallelApplier::waitForPredecessors(std::uint64_t sequence) {
    std::unique_lock lock(m_mutex);
    m_running.erase(sequence);
    m_changed.wait(lock, [&] { return cancelledLocked(sequence) || m_committed + 1 >= sequence; });
    if (cancelledLocked(sequence)) {
        return cancelledError(sequence);
    }
    return okStatus();
}

Result<bool> ParallelApplier::waitToCommit(std::uint64_t sequence) {
    std::unique_lock lock(m_mutex);
    m_running.erase(sequence);
    m_changed.notify_all();
    for (;;) {
        const auto deadline = std::chrono::steady_clock::now() + m_options.orderWaitTimeout;
        const bool ready = m_changed.wait_until(lock, deadline, [&] {
            return cancelledLocked(sequence) || m_committed + 1 >= sequence;
        });
        if (cancelledLocked(sequence)) {
            return cancelledError(sequence);
        }
        if (ready) {
            return true;
        }
        // Still waiting after the timeout. If a predecessor is still executing statements it may
        // be blocked on a lock this group holds (InnoDB sees no cycle: our wait is outside the
        // server), so roll back and run again after the predecessors. Predecessors that are
        // themselves waiting to commit hold no lock waits: keep waiting for them.
        const auto first = m_running.begin();
        if (first != m_running.end() && *first < sequence) {
            ++m_stats.orderAborts;
            return false;
        }
    }
}

void ParallelApplier::runGroup(Worker& worker, Group& group) {
    worker.current = group.sequence;
    bool rerun = false;
    for (;;) {
        auto outcome =
            group.changes != nullptr
                ? worker.applier->applyStreamed(group.transactions.front(), *group.changes)
                : worker.applier->apply(std::span<const Transaction>(group.transactions));
        if (outcome.ok() && group.ddl) {
            // Before the barrier lifts: what runs after the DDL sees its foreign keys.
            if (auto reloaded = reloadForeignKeys(worker); !reloaded.ok()) {
                outcome = std::move(reloaded).error();
            }
        }
        std::unique_lock lock(m_mutex);
        m_running.erase(group.sequence);
        if (outcome.ok()) {
            std::optional<CommittedGroup> committed;
            if (outcome->result == ApplyResult::Applied) {
                CommittedGroup info;
                info.sequence = group.sequence;
                info.slot = worker.slot;
                const Transaction& last = group.transactions.back();
                info.end = last.end();
                info.gtid = last.gtid();
                info.commitTs = last.commit_ts();
                info.transactions = outcome->transactions;
                info.rows = outcome->rows;
                info.ddl = last.has_ddl();
                info.notes = std::move(outcome->notes);
                m_stats.applied += outcome->transactions;
                m_stats.skipped += group.transactions.size() - outcome->transactions;
                m_stats.rows += outcome->rows;
                ++m_stats.groups;
                committed = std::move(info);
            } else {
                m_stats.skipped += group.transactions.size();
            }
            finishLocked(group, std::move(committed));
            return;
        }
        if (cancelledLocked(group.sequence)) {
            finishLocked(group, std::nullopt);
            return;
        }
        if (!rerun && m_committed + 1 < group.sequence) {
            // It may have collided with a predecessor the write sets did not see: run it again
            // once they have committed; a real error then fails again.
            rerun = true;
            ++m_stats.retries;
            lock.unlock();
            if (!waitForPredecessors(group.sequence).ok()) {
                lock.lock();
                finishLocked(group, std::nullopt);
                return;
            }
            continue;
        }
        failLocked(std::move(outcome).error(), group.sequence);
        finishLocked(group, std::nullopt);
        return;
    }
}

void ParallelApplier::finishLocked(Group& group, std::optional<CommittedGroup> committed) {
    --m_inFlight;
    if (group.ddl) {
        --m_ddlPending;
    }
    if (group.writeSet.barrier) {
        m_barrierInFlight = false;
    }
    countDown(m_inFlightExclusive, group.writeSet.exclusive);
    countDown(m_inFlightTables, group.writeSet.tables);
    const bool done = committed.has_value() || !cancelledLocked(group.sequence);
    if (done && !(m_error && m_errorSequence == group.sequence)) {
        m_done.emplace(group.sequence, std::move(committed));
        while (!m_done.empty() && m_done.begin()->first == m_committed + 1) {
            if (m_done.begin()->second && m_callback) {
                m_callback(*m_done.begin()->second);
            }
            m_done.erase(m_done.begin());
            ++m_committed;
        }
    }
    m_changed.notify_all();
}

void ParallelApplier::failLocked(Error error, std::uint64_t sequence) {
    if (!m_error || sequence < m_errorSequence) {
        m_error = std::move(error);
        m_errorSequence = sequence;
    }
    m_changed.notify_all();
}

Status ParallelApplier::flush() {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [this] {
        return m_error || m_abort || !m_started || (m_queued == 0 && m_inFlight == 0);
    });
    if (m_error) {
        return *m_error;
    }
    return okStatus();
}

Status ParallelApplier::stop(bool drain) {
    Status result = drain ? flush() : okStatus();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
        if (!drain) {
            m_abort = true;
        }
        for (auto& worker : m_workers) {
            if (worker->thread.joinable()) {
                threads.push_back(std::move(worker->thread));
            }
        }
        m_changed.notify_all();
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    std::lock_guard lock(m_mutex);
    if (m_error) {
        return *m_error;
    }
    return result;
}

std::optional<Error> ParallelApplier::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

ParallelStats ParallelApplier::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

}  // namespace ferry::apply
