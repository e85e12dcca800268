// SPDX-License-Identifier: Apache-2.0
#include "ferry/capture/transaction_assembler.h"

#include <unistd.h>

#include <utility>

#include "ferry/binlog/event_types.h"
#include "statement_kind.h"

namespace ferry::capture {

namespace {

using detail::StatementKind;

// Heap and object overhead of one value (and one change) beyond its serialized bytes: the
// Value object, a string header, allocator slack.
constexpr std::uint64_t kValueOverhead = 64;
constexpr std::uint64_t kChangeOverhead = 96;
constexpr std::size_t kQuoteLimit = 120;

std::string quote(std::string_view statement) {
    std::string out;
    for (char c : statement.substr(0, kQuoteLimit)) {
        out.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
    }
    if (statement.size() > kQuoteLimit) {
        out += "...";
    }
    return "`" + out + "`";
}

v1::ChangeType changeType(binlog::RowsKind kind) {
    switch (kind) {
        case binlog::RowsKind::Write:
            return v1::CHANGE_TYPE_INSERT;
        case binlog::RowsKind::Update:
            return v1::CHANGE_TYPE_UPDATE;
        case binlog::RowsKind::Delete:
            return v1::CHANGE_TYPE_DELETE;
    }
    return v1::CHANGE_TYPE_UNSPECIFIED;
}

}  // namespace

Result<std::unique_ptr<TransactionAssembler>> TransactionAssembler::create(AssemblerOptions options,
                                                                           TransactionSink& sink) {
    if (options.spoolDirectory.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "transaction assembler: no spool folder configured; set one where "
                         "large transactions may spill to disk");
    }
    FERRY_TRY(wipeSpoolDirectory(options.spoolDirectory));
    return std::unique_ptr<TransactionAssembler>(
        new TransactionAssembler(std::move(options), sink));
}

TransactionAssembler::TransactionAssembler(AssemblerOptions options, TransactionSink& sink)
    : m_options(std::move(options)), m_sink(sink) {}

TransactionAssembler::~TransactionAssembler() = default;

void TransactionAssembler::reset() {
    m_state = State::Idle;
    v1::Transaction().Swap(&m_transaction);  // frees the changes, unlike Clear()
    m_skipReplication = false;
    m_commitMicros.reset();
    m_memoryBytes = 0;
    m_rowCount = 0;
    m_spool.reset();  // removes its file
    m_openTables.clear();
    m_rowsTable = nullptr;
}

Status TransactionAssembler::fail(Error error) {
    reset();
    return error;
}

std::uint64_t TransactionAssembler::eventStart(const binlog::EventContext& ctx) const {
    return ctx.inner && m_inPayload ? m_payloadOffset : ctx.offset;
}

std::uint64_t TransactionAssembler::eventEnd(const binlog::EventContext& ctx) const {
    return ctx.inner && m_inPayload ? m_payloadEnd : ctx.offset + ctx.header.eventLength;
}

std::string TransactionAssembler::where(const binlog::EventContext& ctx) const {
    std::string out = binlog::eventTypeName(ctx.header.typeCode) + " at " +
                      (ctx.file.empty() ? std::string("<unnamed binlog>") : std::string(ctx.file)) +
                      ":" + std::to_string(eventStart(ctx));
    if (ctx.inner) {
        out += " (offset " + std::to_string(ctx.offset) + " inside its TRANSACTION_PAYLOAD)";
    }
    return out;
}

std::string TransactionAssembler::openedAt() const {
    return m_transaction.begin().file() + ":" + std::to_string(m_transaction.begin().pos());
}

void TransactionAssembler::begin(const binlog::EventContext& ctx, State state) {
    reset();
    m_state = state;
    auto* position = m_transaction.mutable_begin();
    position->set_file(std::string(ctx.file));
    position->set_pos(eventStart(ctx));
    m_transaction.set_server_id(ctx.header.serverId);
    m_skipReplication = ctx.header.hasFlag(binlog::header_flags::kSkipReplication);
}

Status TransactionAssembler::finish(const binlog::EventContext& ctx) {
    auto* end = m_transaction.mutable_end();
    end->set_file(std::string(ctx.file));
    end->set_pos(eventEnd(ctx));
    m_transaction.set_commit_ts(m_commitMicros ? *m_commitMicros / 1000000
                                               : std::uint64_t{ctx.header.timestamp});
    m_transaction.set_row_count(m_rowCount);
    if (end->file() == m_transaction.begin().file() && end->pos() >= m_transaction.begin().pos()) {
        m_transaction.set_source_bytes(end->pos() - m_transaction.begin().pos());
    }

    CapturedTransaction captured;
    captured.skipReplication = m_skipReplication;
    if (m_spool) {
        m_stats.spilledBytes += m_spool->bytesWritten();
        auto reader = m_spool->finish();
        if (!reader.ok()) {
            return fail(std::move(reader).error());
        }
        captured.spooled = std::move(reader).value();
        m_spool.reset();
        m_transaction.set_streamed(true);
        ++m_stats.streamedTransactions;
    }
    if (m_transaction.has_ddl()) {
        ++m_stats.ddlTransactions;
    }
    ++m_stats.transactions;
    m_stats.rows += m_rowCount;
    captured.transaction.Swap(&m_transaction);
    reset();
    return m_sink.onTransaction(std::move(captured));
}

Status TransactionAssembler::onEvent(const binlog::EventContext& ctx) {
    if (m_state != State::Idle && ctx.header.hasFlag(binlog::header_flags::kSkipReplication)) {
        m_skipReplication = true;
    }
    return okStatus();
}

Status TransactionAssembler::onFormatDescription(const binlog::EventContext& ctx,
                                                 const binlog::FormatDescription&) {
    if (m_state != State::Idle && !ctx.inner) {
        // The server restarted (or a new file began) with this transaction unfinished: it was
        // never committed, as a replica's applier also concludes.
        ++m_stats.droppedIncomplete;
        reset();
    }
    m_inPayload = false;
    if (!ctx.inner) {
        m_tableIncluded.clear();
    }
    return okStatus();
}

Status TransactionAssembler::onRotate(const binlog::EventContext& ctx, const binlog::RotateEvent&) {
    if (!ctx.inner) {
        m_tableIncluded.clear();
    }
    return okStatus();
}

Status TransactionAssembler::onGtid(const binlog::EventContext& ctx, const binlog::GtidEvent& ev) {
    if (m_state != State::Idle) {
        return fail(makeError(ErrorCode::Corrupt,
                              where(ctx) + " starts a transaction while the one begun at " +
                                  openedAt() +
                                  " has no COMMIT or XID; the binlog is damaged or was cut"));
    }
    begin(ctx, State::Pending);
    if (ev.gtid) {
        m_transaction.set_gtid(ev.gtid->toString());
    }
    m_commitMicros = ev.immediateCommitTimestamp;
    return okStatus();
}

Status TransactionAssembler::onMariadbGtid(const binlog::EventContext& ctx,
                                           const binlog::MariadbGtidEvent& ev) {
    if (m_state != State::Idle) {
        return fail(makeError(ErrorCode::Corrupt,
                              where(ctx) + " starts a transaction while the one begun at " +
                                  openedAt() +
                                  " has no COMMIT or XID; the binlog is damaged or was cut"));
    }
    // Standalone (or DDL) groups are one statement without BEGIN/COMMIT; others are a whole
    // transaction the GTID opens (MariaDB writes no BEGIN after it).
    const bool single =
        (ev.flags2 & (binlog::MariadbGtidEvent::kStandalone | binlog::MariadbGtidEvent::kDdl)) != 0;
    begin(ctx, single ? State::Pending : State::Open);
    m_transaction.set_gtid(ev.gtid().toString());
    m_transaction.set_server_id(ev.serverId);
    return okStatus();
}

Status TransactionAssembler::onQuery(const binlog::EventContext& ctx,
                                     const binlog::QueryEvent& query) {
    return handleStatement(ctx, query);
}

Status TransactionAssembler::handleStatement(const binlog::EventContext& ctx,
                                             const binlog::QueryEvent& query) {
    const StatementKind kind = detail::classifyStatement(query.query);
    switch (kind) {
        case StatementKind::Begin:
            if (m_state == State::Idle) {
                begin(ctx, State::Open);
            } else if (m_state == State::Pending || m_rowCount == 0) {
                m_state = State::Open;
            } else {
                return fail(makeError(ErrorCode::Corrupt,
                                      where(ctx) + ": BEGIN inside the transaction begun at " +
                                          openedAt() + ", which already has rows"));
            }
            return okStatus();
        case StatementKind::Commit:
            if (m_state == State::Idle) {
                return fail(makeError(
                    ErrorCode::InvalidArgument,
                    where(ctx) + ": COMMIT without a transaction; capture started in the middle "
                                 "of one. Start at a GTID or BEGIN position (a transaction's "
                                 "begin or end position)"));
            }
            return finish(ctx);
        case StatementKind::Rollback:
            if (m_state == State::Idle) {
                return fail(makeError(ErrorCode::InvalidArgument,
                                      where(ctx) + ": ROLLBACK without a transaction; capture "
                                                   "started in the middle of one"));
            }
            if (m_rowCount != 0) {
                return fail(makeError(
                    ErrorCode::Unsupported,
                    "the transaction at " + openedAt() + " ends with ROLLBACK (" + where(ctx) +
                        ") after logging rows: it changed non-transactional tables, whose "
                        "changes the source kept, and the binlog does not say which rows those "
                        "are. Convert those tables to InnoDB, then skip this transaction and "
                        "compare the tables"));
            }
            // Nothing captured to undo: hand it on empty so the position still advances.
            return finish(ctx);
        case StatementKind::Savepoint:
        case StatementKind::XaEnd:
            if (m_state == State::Idle) {
                begin(ctx, State::Open);
            }
            return okStatus();
        case StatementKind::XaPrepare:
        case StatementKind::XaCommit:
        case StatementKind::XaRollback:
            return fail(makeError(
                ErrorCode::Unsupported,
                where(ctx) + ": two-phase XA " + quote(query.query) +
                    " is not captured yet (its rows and its outcome are logged apart). Use XA "
                    "COMMIT ... ONE PHASE or plain transactions on replicated tables, then skip "
                    "this transaction and compare the tables"));
        case StatementKind::Dml:
            return fail(makeError(
                ErrorCode::Unsupported,
                "statement-logged DML at " + where(ctx) + " in `" + std::string(query.database) +
                    "`: " + quote(query.query) +
                    ". Ferry needs row events: set binlog_format=ROW on the source (SET GLOBAL "
                    "binlog_format=ROW and restart the sessions that write), then skip this "
                    "transaction and compare the table"));
        case StatementKind::Other:
            break;
    }
    if (m_state == State::Open) {
        return fail(makeError(
            ErrorCode::Unsupported,
            where(ctx) + ": statement " + quote(query.query) + " inside the transaction begun at " +
                openedAt() +
                " (DDL mixed with rows, e.g. CREATE TABLE ... SELECT, is not captured yet); "
                "skip this transaction and create the table on the target by hand"));
    }
    if (m_state == State::Idle) {
        begin(ctx, State::Pending);
    }
    auto* ddl = m_transaction.mutable_ddl();
    ddl->set_schema(std::string(query.database));
    ddl->set_statement(std::string(query.query));
    return finish(ctx);
}

Status TransactionAssembler::onXid(const binlog::EventContext& ctx, const binlog::XidEvent&) {
    if (m_state == State::Idle) {
        return fail(makeError(ErrorCode::InvalidArgument,
                              where(ctx) + ": XID without a transaction; capture started in "
                                           "the middle of one. Start at a GTID or BEGIN position"));
    }
    return finish(ctx);
}

Status TransactionAssembler::onXaPrepare(const binlog::EventContext& ctx,
                                         const binlog::XaPrepareEvent& xa) {
    if (m_state == State::Idle) {
        return fail(makeError(ErrorCode::InvalidArgument,
                              where(ctx) + ": XA_PREPARE without a transaction"));
    }
    if (xa.onePhase) {
        return finish(ctx);
    }
    return fail(makeError(ErrorCode::Unsupported,
                          where(ctx) + ": two-phase XA transaction begun at " + openedAt() +
                              " is not captured yet (its rows and its outcome are logged apart). "
                              "Use XA COMMIT ... ONE PHASE or plain transactions on replicated "
                              "tables, then skip this transaction and compare the tables"));
}

Status TransactionAssembler::onIncident(const binlog::EventContext& ctx,
                                        const binlog::IncidentEvent& incident) {
    return fail(makeError(ErrorCode::Unsupported,
                          where(ctx) + ": INCIDENT " + std::to_string(incident.type) + " (" +
                              std::string(incident.message) +
                              "): the source may have lost changes here. Compare the tables, "
                              "then skip past this event"));
}

Status TransactionAssembler::onTransactionPayload(const binlog::EventContext& ctx,
                                                  const binlog::TransactionPayloadEvent&) {
    m_inPayload = true;
    m_payloadOffset = ctx.offset;
    m_payloadEnd = ctx.offset + ctx.header.eventLength;
    return okStatus();
}

Status TransactionAssembler::onTransactionPayloadEnd(const binlog::EventContext&,
                                                     const binlog::TransactionPayloadEvent&) {
    m_inPayload = false;
    return okStatus();
}

Status TransactionAssembler::onTableMap(const binlog::EventContext&, const binlog::TableMap& map) {
    bool included = map.schema == m_options.ferrySchema || !m_options.tableFilter ||
                    m_options.tableFilter(map.schema, map.table);
    m_tableIncluded[map.tableId] = included;
    return okStatus();
}

Result<const TransactionAssembler::OpenTable*> TransactionAssembler::openTable(
    const binlog::RowsEvent& rows, const std::string& where) {
    const binlog::TableMap& map = *rows.table;
    auto found = m_openTables.find(rows.tableId);
    if (found != m_openTables.end()) {
        return &found->second;
    }
    OpenTable table;
    table.index = static_cast<std::uint32_t>(m_transaction.tables_size());
    if (m_options.resolveTable) {
        auto resolved = m_options.resolveTable(map, m_transaction.begin());
        if (!resolved.ok()) {
            return fail(makeError(resolved.error().code, where + " (transaction begun at " +
                                                             openedAt() +
                                                             "): " + resolved.error().message))
                .error();
        }
        if (resolved->columns.size() != map.columns.size()) {
            return fail(makeError(ErrorCode::Internal,
                                  where + ": the table resolver gave " +
                                      std::to_string(resolved->columns.size()) + " columns for `" +
                                      map.schema + "`.`" + map.table + "`, whose TABLE_MAP has " +
                                      std::to_string(map.columns.size())))
                .error();
        }
        m_transaction.add_tables()->Swap(&resolved->definition);
        table.hints = std::move(resolved->hints);
        table.columns = std::move(resolved->columns);
    } else {
        *m_transaction.add_tables() = ValueConverter::tableDefinition(map);
        if (m_options.columnHints) {
            table.hints = m_options.columnHints(map);
        }
    }
    return &m_openTables.emplace(rows.tableId, std::move(table)).first->second;
}

Status TransactionAssembler::onRowsBegin(const binlog::EventContext& ctx,
                                         const binlog::RowsEvent& rows) {
    m_rowsTable = nullptr;
    if (rows.table == nullptr) {
        return okStatus();  // the dummy end-of-statement event of an empty statement
    }
    if (m_state == State::Idle) {
        return fail(makeError(ErrorCode::InvalidArgument,
                              where(ctx) + ": rows of `" + rows.table->schema + "`.`" +
                                  rows.table->table +
                                  "` outside a transaction; capture started in the middle of "
                                  "one. Start at a GTID or BEGIN position"));
    }
    m_state = State::Open;
    auto included = m_tableIncluded.find(rows.tableId);
    bool capture = included != m_tableIncluded.end()
                       ? included->second
                       : (rows.table->schema == m_options.ferrySchema || !m_options.tableFilter ||
                          m_options.tableFilter(rows.table->schema, rows.table->table));
    m_rowsIndex = 0;
    if (!capture) {
        return okStatus();
    }
    m_rowsWhere = where(ctx);
    FERRY_ASSIGN_OR_RETURN(m_rowsTable, openTable(rows, m_rowsWhere));
    m_rowsPos = eventStart(ctx);
    return okStatus();
}

Status TransactionAssembler::onRow(const binlog::RowsEvent& rows, const binlog::RowImage* before,
                                   const binlog::RowImage* after) {
    ++m_rowsIndex;
    if (m_rowsTable == nullptr) {
        if (rows.table != nullptr) {
            ++m_stats.filteredRows;
        }
        return okStatus();
    }
    v1::RowChange& change = m_spool ? m_scratch : *m_transaction.add_changes();
    change.set_table(m_rowsTable->index);
    change.set_type(changeType(rows.kind));
    change.set_event_pos(m_rowsPos);
    auto wrap = [&](const Error& error) {
        return fail(makeError(error.code, m_rowsWhere + ", `" + rows.table->schema + "`.`" +
                                              rows.table->table + "` row " +
                                              std::to_string(m_rowsIndex) + ": " + error.message));
    };
    if (before != nullptr) {
        auto status = ValueConverter::convertImage(*before, *rows.table, m_rowsTable->columns,
                                                   m_rowsTable->hints, *change.mutable_before());
        if (!status.ok()) {
            return wrap(status.error());
        }
    }
    if (after != nullptr) {
        auto status = ValueConverter::convertImage(*after, *rows.table, m_rowsTable->columns,
                                                   m_rowsTable->hints, *change.mutable_after());
        if (!status.ok()) {
            return wrap(status.error());
        }
    }
    return addChange(change);
}

Status TransactionAssembler::onRowsEnd(const binlog::EventContext&, const binlog::RowsEvent&) {
    m_rowsTable = nullptr;
    return okStatus();
}

Status TransactionAssembler::addChange(v1::RowChange& change) {
    ++m_rowCount;
    if (m_spool) {
        auto status = m_spool->append(change);
        change.Clear();
        if (!status.ok()) {
            return fail(std::move(status).error());
        }
        return okStatus();
    }
    m_memoryBytes +=
        change.ByteSizeLong() + kChangeOverhead +
        kValueOverhead * static_cast<std::uint64_t>(change.before_size() + change.after_size());
    if (m_memoryBytes > m_options.spillThresholdBytes) {
        return spill();
    }
    return okStatus();
}

Status TransactionAssembler::spill() {
    auto writer =
        SpoolWriter::create(m_options.spoolDirectory, "txn-" + std::to_string(::getpid()) + "-" +
                                                          std::to_string(++m_spoolSequence));
    if (!writer.ok()) {
        return fail(std::move(writer).error());
    }
    m_spool = std::move(writer).value();
    for (const auto& change : m_transaction.changes()) {
        auto status = m_spool->append(change);
        if (!status.ok()) {
            return fail(std::move(status).error());
        }
    }
    google::protobuf::RepeatedPtrField<v1::RowChange>().Swap(m_transaction.mutable_changes());
    m_memoryBytes = 0;
    return okStatus();
}

}  // namespace ferry::capture
