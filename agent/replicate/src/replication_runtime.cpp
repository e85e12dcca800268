// SPDX-License-Identifier: Apache-2.0
#include "ferry/replicate/replication_runtime.h"

#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ferry/apply/statement_builder.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_types.h"
#include "ferry/capture/spool.h"
#include "transaction_queue.h"

namespace ferry::replicate {
namespace {

constexpr std::size_t kHeaderSize = 19;
constexpr std::uint8_t kHeartbeat = 27;
constexpr std::uint8_t kHeartbeatV2 = 41;
constexpr std::uint8_t kRotate = 4;

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::string describe(const v1::Transaction& transaction) {
    std::string out =
        apply::positionText(transaction.begin()) + ".." + apply::positionText(transaction.end());
    if (!transaction.gtid().empty()) {
        out += " (GTID " + transaction.gtid() + ")";
    }
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) {
        out += (out.empty() ? "" : ", ") + name;
    }
    return out;
}

Status checkTableIndex(std::uint32_t table, std::size_t tables, const std::string& transaction) {
    if (table >= tables) {
        return makeError(ErrorCode::Corrupt,
                         "transaction " + transaction + ": a row change names table index " +
                             std::to_string(table) + " of " + std::to_string(tables));
    }
    return okStatus();
}

// The changes of a spooled transaction as the applier reads them: from the capture spool, one
// at a time, without those of tables the filter excludes (`keep`, per table index).
class FilteredSpoolChanges final : public apply::ChangeSource {
public:
    FilteredSpoolChanges(std::unique_ptr<capture::SpoolReader> reader, std::vector<bool> keep,
                         std::string transaction)
        : m_reader(std::move(reader)),
          m_keep(std::move(keep)),
          m_transaction(std::move(transaction)) {}

    Result<bool> next(v1::RowChange& change) override {
        for (;;) {
            FERRY_ASSIGN_OR_RETURN(const bool more, m_reader->next(change));
            if (!more) {
                return false;
            }
            FERRY_TRY(checkTableIndex(change.table(), m_keep.size(), m_transaction));
            if (m_keep[change.table()]) {
                return true;
            }
        }
    }
    Status rewind() override { return m_reader->rewind(); }

private:
    std::unique_ptr<capture::SpoolReader> m_reader;
    std::vector<bool> m_keep;
    std::string m_transaction;
};

// The reader side: the assembler's sink. Filters each transaction and queues it.
class FilteringSink final : public capture::TransactionSink {
public:
    FilteringSink(const TableFilter& filter, TransactionQueue& queue, bool applySkipReplication,
                  ReplicationRuntime::ConfirmFunction confirm, ReplicationRuntime::LogFunction log)
        : m_filter(filter),
          m_queue(queue),
          m_applySkipReplication(applySkipReplication),
          m_confirm(std::move(confirm)),
          m_log(std::move(log)) {}

    Status onTransaction(capture::CapturedTransaction&& captured) override {
        v1::Transaction& transaction = captured.transaction;
        if (m_confirm) {
            m_confirm(transaction.end().file(), transaction.end().pos());
        }
        if (captured.skipReplication && !m_applySkipReplication) {
            ++skipped;
            return okStatus();
        }
        if (captured.spooled) {
            // A large transaction stays in the capture spool: the applier reads it from there a
            // chunk at a time, without the rows of filtered tables.
            std::vector<bool> keep = keptTables(transaction);
            if (std::none_of(keep.begin(), keep.end(), [](bool kept) { return kept; })) {
                ++skipped;
                return okStatus();
            }
            auto changes = std::make_unique<FilteredSpoolChanges>(
                std::move(captured.spooled), std::move(keep), describe(transaction));
            return push(std::move(transaction), std::move(changes));
        }
        if (transaction.has_ddl()) {
            const DdlVerdict verdict =
                m_filter.decideDdl(transaction.ddl().schema(), transaction.ddl().statement());
            switch (verdict.decision) {
                case DdlDecision::Apply:
                    break;
                case DdlDecision::Skip:
                    ++skipped;
                    if (!verdict.reason.empty()) {
                        // Never replicated (triggers): `filtered` names it and says why.
                        m_log("skipped DDL " + describe(transaction) + " on " +
                              joined(verdict.filtered));
                    } else if (std::any_of(verdict.filtered.begin(), verdict.filtered.end(),
                                           [&](const std::string& name) {
                                               return !isFerrySchemaObject(name);
                                           })) {
                        m_log("skipped DDL " + describe(transaction) + " on " +
                              joined(verdict.filtered) + " (not replicated)");
                    }
                    return okStatus();
                case DdlDecision::Mixed:
                    return makeError(
                        ErrorCode::Unsupported,
                        "DDL " + describe(transaction) + " names replicated (" +
                            joined(verdict.replicated) + ") and filtered (" +
                            joined(verdict.filtered) +
                            ") tables; run its part for the replicated tables on the target by "
                            "hand, then restart with --start-file/--start-pos at " +
                            apply::positionText(transaction.end()));
            }
            if (isDatabaseStatement(transaction.ddl().statement())) {
                // It names its database; USE of a database it creates would fail.
                transaction.mutable_ddl()->clear_schema();
            }
            return push(std::move(transaction));
        }
        FERRY_TRY(dropFilteredRows(transaction));
        if (transaction.changes_size() == 0) {
            ++skipped;
            return okStatus();
        }
        return push(std::move(transaction));
    }

    std::atomic<std::uint64_t> skipped{0};

    bool cancelled = false;

private:
    // "ferry" or "ferry.<table>" of the ferry schema (its own bookkeeping: not logged).
    bool isFerrySchemaObject(const std::string& name) const {
        const std::string& ferry = m_filter.ferrySchema();
        return name == ferry || name.rfind(ferry + ".", 0) == 0;
    }

    Status push(v1::Transaction&& transaction,
                std::unique_ptr<apply::ChangeSource> changes = nullptr) {
        if (!m_queue.push(std::move(transaction), std::move(changes))) {
            cancelled = true;
            return makeError(ErrorCode::Unavailable, "replication is stopping");
        }
        return okStatus();
    }

    // Per table of `transaction`, whether the filter replicates it.
    std::vector<bool> keptTables(const v1::Transaction& transaction) const {
        std::vector<bool> keep(static_cast<std::size_t>(transaction.tables_size()), false);
        for (int t = 0; t < transaction.tables_size(); ++t) {
            const v1::TableDefinition& table = transaction.tables(t);
            keep[static_cast<std::size_t>(t)] = m_filter.includes(table.schema(), table.name());
        }
        return keep;
    }

    Status dropFilteredRows(v1::Transaction& transaction) {
        const std::vector<bool> keep = keptTables(transaction);
        if (std::all_of(keep.begin(), keep.end(), [](bool kept) { return kept; })) {
            return okStatus();
        }
        auto* changes = transaction.mutable_changes();
        int kept = 0;
        for (int i = 0; i < changes->size(); ++i) {
            const std::uint32_t table = changes->Get(i).table();
            FERRY_TRY(checkTableIndex(table, keep.size(), describe(transaction)));
            if (keep[table]) {
                if (kept != i) {
                    changes->SwapElements(kept, i);
                }
                ++kept;
            }
        }
        changes->DeleteSubrange(kept, changes->size() - kept);
        transaction.set_row_count(static_cast<std::uint64_t>(kept));
        return okStatus();
    }

    const TableFilter& m_filter;
    TransactionQueue& m_queue;
    bool m_applySkipReplication;
    ReplicationRuntime::ConfirmFunction m_confirm;
    ReplicationRuntime::LogFunction m_log;
};

// Where the source's stream stands after `bytes` (a real event's end, or a heartbeat's
// position), or nothing for events outside the file's sequence.
std::optional<model::BinlogPosition> streamPosition(const binlog::RawEvent& event) {
    if (event.bytes.size() < kHeaderSize || event.file.empty()) {
        return std::nullopt;
    }
    const std::uint8_t type = event.bytes[4];
    const std::uint32_t logPos = le32(event.bytes.data() + 13);
    const auto flags = static_cast<std::uint16_t>(event.bytes[17] | (event.bytes[18] << 8));
    if (type == kHeartbeat || type == kHeartbeatV2) {
        return logPos == 0 ? std::nullopt
                           : std::optional(model::BinlogPosition{std::string(event.file), logPos});
    }
    if (type == kRotate || logPos == 0 || (flags & binlog::header_flags::kArtificial) != 0) {
        return std::nullopt;
    }
    return model::BinlogPosition{std::string(event.file), logPos};
}

bool reached(const model::BinlogPosition& at, const model::BinlogPosition& stopAt) {
    auto order = model::compare(at, stopAt);
    return order.ok() && *order != std::strong_ordering::less;
}

}  // namespace

ReplicationRuntime::ReplicationRuntime(binlog::BinlogSource& source, ApplyTarget& target,
                                       TableFilter filter, RuntimeOptions options, LogFunction log,
                                       Clock clock)
    : m_source(source),
      m_target(target),
      m_filter(std::move(filter)),
      m_options(std::move(options)),
      m_log(std::move(log)),
      m_clock(std::move(clock)) {
    if (!m_log) {
        m_log = [](const std::string&) {};
    }
}

Result<RunSummary> ReplicationRuntime::run(const std::atomic<bool>& stop) {
    TransactionQueue queue(m_options.maxQueuedTransactions, m_options.maxQueuedRows);
    std::mutex logMutex;
    LogFunction log = [&](const std::string& line) {
        std::lock_guard lock(logMutex);
        m_log(line);
    };
    FilteringSink sink(m_filter, queue, m_options.applySkipReplication, m_confirm, log);
    capture::AssemblerOptions assemblerOptions = m_options.assembler;
    assemblerOptions.ferrySchema = m_filter.ferrySchema();
    assemblerOptions.tableFilter = [this](std::string_view schema, std::string_view table) {
        return m_filter.includes(schema, table);
    };
    std::optional<capture::SchemaTrackingSink> tracking;
    capture::TransactionSink* first = &sink;
    if (m_options.schemaTracker != nullptr) {
        assemblerOptions.resolveTable = m_options.schemaTracker->resolver();
        tracking.emplace(*m_options.schemaTracker, sink);
        first = &*tracking;
    }
    FERRY_ASSIGN_OR_RETURN(auto assembler,
                           capture::TransactionAssembler::create(assemblerOptions, *first));

    std::atomic<bool> readerStop{false};
    std::optional<Error> readerError;
    bool caughtUp = false;
    std::thread reader([&] {
        binlog::EventDecoder decoder;
        binlog::RawEvent event;
        auto finish = [&](std::optional<Error> error) {
            if (error && !sink.cancelled) {
                readerError = std::move(error);
            }
            queue.close();
        };
        for (;;) {
            if (stop.load() || readerStop.load()) {
                return finish(std::nullopt);
            }
            auto more = m_source.next(event);
            if (!more.ok()) {
                return finish(std::move(more).error());
            }
            if (!*more) {
                return finish(std::nullopt);
            }
            if (!event.file.empty() && event.file != decoder.fileName()) {
                decoder.setFileName(std::string(event.file));
            }
            auto status = decoder.decode(event.bytes, event.offset, *assembler);
            if (!status.ok()) {
                return finish(std::move(status).error());
            }
            if (m_options.stopAt && !assembler->inTransaction()) {
                const auto at = streamPosition(event);
                if (at && reached(*at, *m_options.stopAt)) {
                    caughtUp = true;
                    return finish(std::nullopt);
                }
            }
        }
    });

    // The meter and the pending list are shared with the commit callback (worker threads of a
    // parallel target).
    std::mutex meterMutex;
    ProgressMeter meter(m_clock, m_options.startPosition);
    std::deque<std::pair<v1::SourcePosition, std::uint64_t>> pending;  // submitted, uncommitted
    m_target.setCommitCallback([&](const CommittedWork& work) {
        std::lock_guard lock(meterMutex);
        if (work.alreadyApplied) {
            meter.addSkipped(work.transactions);
        } else if (work.ddl) {
            meter.addDdl(apply::positionText(work.end), work.gtid);
        } else {
            meter.addApplied(work.transactions, work.rows, apply::positionText(work.end),
                             work.gtid);
        }
        const model::BinlogPosition end{work.end.file(), work.end.pos()};
        while (!pending.empty() &&
               reached(end, model::BinlogPosition{pending.front().first.file(),
                                                  pending.front().first.pos()})) {
            pending.pop_front();
        }
        for (const std::string& note : work.notes) {
            log(note);
        }
    });
    auto report = [&] {
        std::lock_guard lock(meterMutex);
        meter.addSkipped(sink.skipped.exchange(0));
        const std::uint64_t oldest =
            !pending.empty() ? pending.front().second : queue.oldestCommitTs();
        return meter.report(oldest, queue.size() + pending.size());
    };

    std::vector<v1::Transaction> group;
    std::unique_ptr<apply::ChangeSource> streamed;
    std::optional<Error> applyError;
    const auto wait = std::clamp(m_options.progressInterval / 4, std::chrono::milliseconds(20),
                                 std::chrono::milliseconds(500));
    for (;;) {
        if (stop.load()) {
            break;
        }
        const bool open = queue.popGroup(group, streamed, m_options.maxGroupTransactions,
                                         m_options.maxGroupRows, wait);
        Status status = m_target.check();
        if (status.ok() && !group.empty()) {
            {
                std::lock_guard lock(meterMutex);
                for (const v1::Transaction& transaction : group) {
                    pending.emplace_back(transaction.end(), transaction.commit_ts());
                }
            }
            status = streamed != nullptr
                         ? m_target.submitStreamed(group.front(), std::move(streamed))
                         : m_target.submit(group);
        }
        if (!status.ok()) {
            applyError = std::move(status).error();
            break;
        }
        if (!open) {
            break;
        }
        bool due = false;
        {
            std::lock_guard lock(meterMutex);
            due = meter.due(m_options.progressInterval);
        }
        if (due) {
            log(ProgressMeter::format(report()));
        }
    }
    const bool stopped = stop.load();
    readerStop = true;
    queue.cancel();
    reader.join();
    // After an apply error, draining lets the transactions before the failed one commit (the
    // target then reports the same error); after a stop, what has not started is dropped.
    Status finished = m_target.finish(!stopped);
    if (applyError) {
        return std::move(*applyError);
    }
    if (!finished.ok()) {
        return std::move(finished).error();
    }
    if (readerError) {
        return std::move(*readerError);
    }
    RunSummary summary;
    summary.progress = report();
    summary.caughtUp = caughtUp && !stopped;
    summary.stopped = stopped;
    return summary;
}

Status SerialApplyTarget::submit(std::vector<v1::Transaction>& group) {
    FERRY_ASSIGN_OR_RETURN(apply::ApplyOutcome outcome, m_applier.apply(group));
    if (!m_callback) {
        return okStatus();
    }
    CommittedWork work;
    work.end = group.back().end();
    work.gtid = group.back().gtid();
    work.notes = std::move(outcome.notes);
    if (outcome.transactions < group.size()) {
        CommittedWork skipped;
        skipped.alreadyApplied = true;
        skipped.transactions = group.size() - outcome.transactions;
        skipped.end = outcome.transactions == 0 ? group.back().end() : group.front().end();
        m_callback(skipped);
    }
    if (outcome.transactions != 0) {
        work.transactions = outcome.transactions;
        work.rows = outcome.rows;
        work.ddl = group.back().has_ddl();
        m_callback(work);
    }
    return okStatus();
}

Status SerialApplyTarget::submitStreamed(v1::Transaction& header,
                                         std::unique_ptr<apply::ChangeSource> changes) {
    FERRY_ASSIGN_OR_RETURN(apply::ApplyOutcome outcome, m_applier.applyStreamed(header, *changes));
    if (!m_callback) {
        return okStatus();
    }
    CommittedWork work;
    work.end = header.end();
    work.gtid = header.gtid();
    work.notes = std::move(outcome.notes);
    work.alreadyApplied = outcome.result == apply::ApplyResult::AlreadyApplied;
    work.transactions = 1;
    work.rows = outcome.rows;
    m_callback(work);
    return okStatus();
}

void ParallelApplyTarget::setCommitCallback(CommitCallback callback) {
    m_applier.setCommitCallback(
        [callback = std::move(callback)](const apply::CommittedGroup& committed) {
            CommittedWork work;
            work.transactions = committed.transactions;
            work.rows = committed.rows;
            work.alreadyApplied = committed.alreadyApplied;
            work.end = committed.end;
            work.gtid = committed.gtid;
            work.ddl = committed.ddl;
            work.notes = committed.notes;
            callback(work);
        });
}

Status ParallelApplyTarget::submit(std::vector<v1::Transaction>& group) {
    for (v1::Transaction& transaction : group) {
        FERRY_TRY(m_applier.submit(std::move(transaction)));
    }
    return okStatus();
}

Status ParallelApplyTarget::submitStreamed(v1::Transaction& header,
                                           std::unique_ptr<apply::ChangeSource> changes) {
    return m_applier.submitStreamed(std::move(header), std::move(changes));
}

Status ParallelApplyTarget::check() {
    if (auto error = m_applier.error()) {
        return std::move(*error);
    }
    return okStatus();
}

}  // namespace ferry::replicate
