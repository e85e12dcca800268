// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/binlog/events.h"
#include "ferry/capture/resolved_table.h"
#include "ferry/capture/transaction_sink.h"
#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/schema/schema_history.h"
#include "ferry/schema/schema_model.h"
#include "ferry/v1/change.pb.h"

namespace ferry::capture {

// A schema read from the source (information_schema) and the binlog position it is valid at.
struct SchemaSnapshot {
    schema::SchemaModel model;
    model::BinlogPosition position;
    std::string gtid;
};

// How a SchemaTracker reaches the source server when it has to start a history: a consistent
// snapshot of the tracked schemas, and whether any DDL was logged between two positions.
// The MySQL implementation sits beside the replicate command (InformationSchemaReader); tests
// use fakes. Called only from SchemaTracker::open.
class SchemaSnapshotSource {
public:
    virtual ~SchemaSnapshotSource() = default;
    virtual Result<SchemaSnapshot> snapshot(const std::vector<std::string>& schemas) = 0;
    virtual Result<bool> ddlLoggedBetween(const model::BinlogPosition& from,
                                          const model::BinlogPosition& to) = 0;
};

struct SchemaTrackerOptions {
    // Catalog (collations, charsets), name rules and tracked schemas. Tracked schemas decide
    // which DDL matters: an unparseable statement on a tracked table stops capture, one on
    // anything else passes (DdlParser's classification).
    schema::SchemaHistoryOptions history;
    // Names the source in messages ("mysql://db1:3306").
    std::string sourceName = "the source";
};

// The capture side of the schema history: it sits between the TransactionAssembler and the
// schema history so that every rows event is read with the table definition valid at its
// position.
//  - open(): restarts the history at the start position from the store (the source's
//    ferry.schema_history, so any agent of the site continues after a failover). When the store
//    holds no history at all, it takes a snapshot of the source; the snapshot is valid at the
//    start when the start is the snapshot's position or no DDL was logged in between (otherwise
//    refused: start at the current position). A start before the earliest snapshot is refused
//    with that position.
//  - resolve(): the TableResolver of the assembler. With binlog_row_metadata=FULL the
//    TABLE_MAP gives names, primary key, charsets and signedness; resolve() checks it against the
//    history (column count, binlog types, names) and adds unique keys and generated columns.
//    With MINIMAL metadata the history supplies names, primary key, unique keys, signedness,
//    charsets and ENUM/SET members; the TABLE_MAP's count and types are still checked. A
//    mismatch is an error naming the table, the position and both shapes, never a guess.
//    Tables of schemas outside the tracked ones, or that the history has never seen (not
//    tracked when it began), use their TABLE_MAP alone (FULL needed).
//  - observe(): follows each DDL transaction at its end position (SchemaHistory::applyDdl);
//    statements that cannot matter pass, an unparseable one on a tracked table stops capture.
// Why in capture rather than in agent/schema: it works on binlog TABLE_MAPs and assembler
// transactions, and agent/schema stays free of the binlog and capture types.
//
// REQUIRES: the store outlives the tracker. Not thread-safe: the decoding thread drives it.
class SchemaTracker {
public:
    // `snapshots` may be null: then a store without a history is an error.
    static Result<std::unique_ptr<SchemaTracker>> open(schema::SchemaHistoryStore& store,
                                                       const model::BinlogPosition& start,
                                                       SchemaTrackerOptions options,
                                                       SchemaSnapshotSource* snapshots);

    Result<ResolvedTable> resolve(const binlog::TableMap& map, const v1::SourcePosition& at) const;
    // The resolver to put in AssemblerOptions::resolveTable (keeps a pointer to this tracker).
    TableResolver resolver() const;

    // Follows the transaction's DDL, if it has one; other transactions are ignored.
    Status observe(const v1::Transaction& transaction);

    // The definition of a table as the history knows it at `at` (nullptr when absent), with
    // everything TableDefinition does not carry (foreign keys, generation expressions).
    Result<std::shared_ptr<const schema::TableDef>> tableAt(const schema::TableName& table,
                                                            const model::BinlogPosition& at) const;

    const schema::SchemaHistory& history() const { return *m_history; }
    // True when open() took a new snapshot (there was no history).
    bool tookSnapshot() const { return m_tookSnapshot; }
    // One line for logs: "schema history from snapshot at f:4, N DDL followed".
    std::string describe() const;

private:
    SchemaTracker(std::unique_ptr<schema::SchemaHistory> history, SchemaTrackerOptions options);

    SchemaTrackerOptions m_options;
    std::unique_ptr<schema::SchemaHistory> m_history;
    bool m_tookSnapshot = false;
    std::size_t m_followed = 0;
};

// A TransactionSink that lets the SchemaTracker follow each DDL before handing the transaction
// on, so the next TABLE_MAP is resolved against the new definition. Owns nothing.
class SchemaTrackingSink final : public TransactionSink {
public:
    SchemaTrackingSink(SchemaTracker& tracker, TransactionSink& next)
        : m_tracker(tracker), m_next(next) {}

    Status onTransaction(CapturedTransaction&& captured) override;

private:
    SchemaTracker& m_tracker;
    TransactionSink& m_next;
};

}  // namespace ferry::capture
