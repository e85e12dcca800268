// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ferry/binlog/event_handler.h"
#include "ferry/capture/resolved_table.h"
#include "ferry/capture/spool.h"
#include "ferry/capture/transaction_sink.h"
#include "ferry/capture/value_converter.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::capture {

struct AssemblerOptions {
    // An open transaction whose changes take more than this in memory (estimated: serialized
    // size plus a per-value overhead) moves them to a spool file and keeps streaming there.
    std::uint64_t spillThresholdBytes = std::uint64_t{64} << 20;
    // Where spool files go; one folder per assembler. Stale spool files in it are removed at
    // create(). Required.
    std::filesystem::path spoolDirectory;
    // Which tables to capture, asked once per TABLE_MAP: rows of tables it refuses are not
    // converted at all. Empty = every table. The `ferrySchema` tables are always captured
    // (loop avoidance reads ferry.apply_position), whatever the filter says.
    std::function<bool(std::string_view schema, std::string_view table)> tableFilter;
    std::string ferrySchema = "ferry";
    // Per-column hints from the schema history (e.g. which MariaDB LONGTEXT columns are JSON),
    // asked once per table and transaction. Empty, or returning fewer entries than columns,
    // means no hint for the rest.
    std::function<std::vector<ColumnHint>(const binlog::TableMap&)> columnHints;
    // The table definition for each captured table of a transaction (SchemaTracker::resolve:
    // checks the TABLE_MAP against the schema history and completes it). Empty: the TABLE_MAP
    // alone (ValueConverter::tableDefinition). When set, columnHints is not asked.
    TableResolver resolveTable;
};

// Groups decoded binlog events into ferry.v1 transactions and hands each, complete, to a
// TransactionSink (an EventHandler: feed it from EventDecoder).
//
// Boundaries. A transaction begins at a MySQL GTID or ANONYMOUS_GTID, a MariaDB GTID, or a
// QUERY "BEGIN" (or XA START) when none is open; it ends at XID, QUERY "COMMIT" or a one-phase
// XA_PREPARE. A statement outside a transaction that is not BEGIN/COMMIT/ROLLBACK (after a GTID,
// or a MariaDB GTID flagged standalone/DDL) is a DDL transaction: `ddl` set, no changes. Rows
// events append one RowChange per row (UPDATE with before and after). Positions: `begin` is the
// offset of the first event, `end` the offset just past the last one (the resume point), in the
// decoder's current file; events unpacked from a TRANSACTION_PAYLOAD take the payload's
// position. commit_ts is the GTID's immediate commit time when present, else the timestamp of
// the closing event. server_id is the originating server of the first event.
//
// Never skips silently: statement-logged DML, a statement inside an open transaction, two-phase
// XA, a ROLLBACK of logged rows, rows or COMMIT outside a transaction, and INCIDENT events are
// errors naming the position and what to do. A transaction left open by a new
// FORMAT_DESCRIPTION (server restart) was never committed and is dropped (counted in stats).
//
// Memory is bounded by spillThresholdBytes plus one change: see AssemblerOptions.
// On an error from a callback the open transaction is dropped (its spool removed); after an
// error from the decoder itself (a corrupt event half-way) call reset() before going on.
// Not thread-safe: one decoder thread drives it.
class TransactionAssembler final : public binlog::EventHandler {
public:
    struct Stats {
        std::uint64_t transactions = 0;          // handed to the sink
        std::uint64_t streamedTransactions = 0;  // of those, spilled to disk
        std::uint64_t ddlTransactions = 0;
        std::uint64_t rows = 0;               // row changes handed on
        std::uint64_t filteredRows = 0;       // rows of tables the filter refused
        std::uint64_t spilledBytes = 0;       // serialized bytes written to spool files
        std::uint64_t droppedIncomplete = 0;  // open transactions cut off by a restart
    };

    // Wipes stale spool files from options.spoolDirectory (creating it if needed).
    // REQUIRES: `sink` outlives the assembler.
    [[nodiscard]] static Result<std::unique_ptr<TransactionAssembler>> create(
        AssemblerOptions options, TransactionSink& sink);
    ~TransactionAssembler() override;
    TransactionAssembler(const TransactionAssembler&) = delete;
    TransactionAssembler& operator=(const TransactionAssembler&) = delete;

    // Drops the open transaction, if any, and removes its spool file.
    void reset();

    bool inTransaction() const { return m_state != State::Idle; }
    // Estimated memory held by the open transaction's in-memory changes (0 once spilled).
    std::uint64_t openBytes() const { return m_memoryBytes; }
    const Stats& stats() const { return m_stats; }

    Status onEvent(const binlog::EventContext& ctx) override;
    Status onFormatDescription(const binlog::EventContext& ctx,
                               const binlog::FormatDescription& fde) override;
    Status onRotate(const binlog::EventContext& ctx, const binlog::RotateEvent& rotate) override;
    Status onQuery(const binlog::EventContext& ctx, const binlog::QueryEvent& query) override;
    Status onXid(const binlog::EventContext& ctx, const binlog::XidEvent& xid) override;
    Status onTableMap(const binlog::EventContext& ctx, const binlog::TableMap& map) override;
    Status onRowsBegin(const binlog::EventContext& ctx, const binlog::RowsEvent& rows) override;
    Status onRow(const binlog::RowsEvent& rows, const binlog::RowImage* before,
                 const binlog::RowImage* after) override;
    Status onRowsEnd(const binlog::EventContext& ctx, const binlog::RowsEvent& rows) override;
    Status onGtid(const binlog::EventContext& ctx, const binlog::GtidEvent& gtid) override;
    Status onMariadbGtid(const binlog::EventContext& ctx,
                         const binlog::MariadbGtidEvent& gtid) override;
    Status onTransactionPayload(const binlog::EventContext& ctx,
                                const binlog::TransactionPayloadEvent& payload) override;
    Status onTransactionPayloadEnd(const binlog::EventContext& ctx,
                                   const binlog::TransactionPayloadEvent& payload) override;
    Status onXaPrepare(const binlog::EventContext& ctx, const binlog::XaPrepareEvent& xa) override;
    Status onIncident(const binlog::EventContext& ctx,
                      const binlog::IncidentEvent& incident) override;

private:
    enum class State {
        Idle,
        Pending,  // a GTID opened it; BEGIN or a single statement follows
        Open,     // BEGIN (or a MariaDB transactional GTID) seen: rows until COMMIT/XID
    };

    struct OpenTable {
        std::uint32_t index = 0;  // into Transaction.tables
        std::vector<ColumnHint> hints;
        std::vector<binlog::ColumnInfo> columns;  // from resolveTable; empty: the TABLE_MAP's
    };

    TransactionAssembler(AssemblerOptions options, TransactionSink& sink);

    std::uint64_t eventStart(const binlog::EventContext& ctx) const;
    std::uint64_t eventEnd(const binlog::EventContext& ctx) const;
    std::string where(const binlog::EventContext& ctx) const;
    std::string openedAt() const;

    void begin(const binlog::EventContext& ctx, State state);
    Status finish(const binlog::EventContext& ctx);
    Status fail(Error error);
    Status addChange(v1::RowChange& change);
    Status spill();
    Result<const OpenTable*> openTable(const binlog::RowsEvent& rows, const std::string& where);
    Status handleStatement(const binlog::EventContext& ctx, const binlog::QueryEvent& query);

    AssemblerOptions m_options;
    TransactionSink& m_sink;
    Stats m_stats;

    State m_state = State::Idle;
    v1::Transaction m_transaction;
    bool m_skipReplication = false;
    std::optional<std::uint64_t> m_commitMicros;
    std::uint64_t m_memoryBytes = 0;
    std::uint64_t m_rowCount = 0;
    std::unique_ptr<SpoolWriter> m_spool;
    std::uint64_t m_spoolSequence = 0;
    v1::RowChange m_scratch;

    std::unordered_map<std::uint64_t, bool> m_tableIncluded;    // by table id, from TABLE_MAP
    std::unordered_map<std::uint64_t, OpenTable> m_openTables;  // tables of the open transaction

    // The rows event being delivered.
    const OpenTable* m_rowsTable = nullptr;  // nullptr: its rows are not captured
    std::uint64_t m_rowsPos = 0;
    std::uint64_t m_rowsIndex = 0;
    std::string m_rowsWhere;

    // The TRANSACTION_PAYLOAD whose inner events are being delivered.
    bool m_inPayload = false;
    std::uint64_t m_payloadOffset = 0;
    std::uint64_t m_payloadEnd = 0;
};

}  // namespace ferry::capture
