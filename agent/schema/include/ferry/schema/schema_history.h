// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/schema/ddl_parser.h"
#include "ferry/schema/schema_model.h"

namespace ferry::v1 {
class TableDefinition;
}

namespace ferry::schema {

// One stored entry of a schema history.
//   Snapshot: `tables` holds the whole model (databases and tables) at `position`.
//   Ddl: a statement followed at `position` (the binlog position right after its QUERY event);
//        `tables` holds the tables and databases it created or changed, as they are after it,
//        and the names of those it dropped.
// `tables` is ferry.schema.v1.SchemaModelData in protobuf's JSON mapping.
struct HistoryEntry {
    enum class Kind { Snapshot, Ddl };
    Kind kind = Kind::Snapshot;
    model::BinlogPosition position;
    std::string gtid;
    std::string defaultSchema;  // Ddl: the QUERY event's database (stored as db_name)
    std::string statement;      // Ddl
    std::string dbName;         // Ddl: the default schema; the first table it touched, for people
    std::string tableName;
    std::string tables;
};

std::string_view historyEntryKindName(HistoryEntry::Kind kind);

// Where a source's schema history lives: ferry.schema_history on the source (the MySQL store)
// or memory (tests). Entries are kept in position order per source. Implementations need not
// be thread-safe; SchemaHistory calls them from one thread.
class SchemaHistoryStore {
public:
    virtual ~SchemaHistoryStore() = default;

    virtual Status append(const HistoryEntry& entry) = 0;
    // The latest snapshot at or before `upTo`, then the DDL entries after it up to `upTo`, in
    // position order. Empty when no snapshot is at or before `upTo`.
    virtual Result<std::vector<HistoryEntry>> load(const model::BinlogPosition& upTo) = 0;
    // The position of the earliest snapshot, if any (for error messages).
    virtual Result<std::optional<model::BinlogPosition>> earliestSnapshot() = 0;
    // Removes entries after `position`: a capture restarted there derives them again.
    virtual Status removeAfter(const model::BinlogPosition& position) = 0;
};

// The store for unit tests and for tools that keep a history only in memory.
class InMemorySchemaHistoryStore final : public SchemaHistoryStore {
public:
    Status append(const HistoryEntry& entry) override;
    Result<std::vector<HistoryEntry>> load(const model::BinlogPosition& upTo) override;
    Result<std::optional<model::BinlogPosition>> earliestSnapshot() override;
    Status removeAfter(const model::BinlogPosition& position) override;

    const std::vector<HistoryEntry>& entries() const { return m_entries; }
    // For corrupt-row tests.
    std::vector<HistoryEntry>& mutableEntries() { return m_entries; }

private:
    std::vector<HistoryEntry> m_entries;
};

struct SchemaHistoryOptions {
    CharsetCatalog catalog = CharsetCatalog::builtIn(ServerFlavor::MariaDb);
    NameRules nameRules;
    std::vector<std::string> trackedSchemas;  // empty: all
};

// The schema of one source over time: a snapshot of information_schema at a known binlog
// position, then every DDL seen after it, so that the definition of a table at any position
// since the snapshot can be looked up (TABLE_MAP carries no unique keys, foreign keys or
// generated columns, and nothing at all with binlog_row_metadata=MINIMAL).
//
// Positions: a snapshot is recorded at the position it reflects; a DDL at the position right
// after its QUERY event. lookup(t, p) applies every entry at or before p. Positions must not go
// backwards (applyDdl refuses); a start before the first snapshot is refused.
//
// Persistence: every snapshot and every DDL that changes the model is appended to the store
// (not owned; may be null for a memory-only history). open() restarts from a position: it loads
// the latest snapshot at or before it and the DDL entries up to it; the first entry recorded
// after that removes the store's entries past the restart position, which the capture will
// derive again.
//
// Memory: one shared table version per change, not a model per entry. Not thread-safe.
class SchemaHistory {
public:
    SchemaHistory(SchemaHistoryStore* store, SchemaHistoryOptions options);

    // Restarts from `position` with what `store` holds. Refuses a position before the first
    // snapshot (NotFound, saying where the first one is and what to do).
    static Result<std::unique_ptr<SchemaHistory>> open(SchemaHistoryStore* store,
                                                       const model::BinlogPosition& position,
                                                       SchemaHistoryOptions options);

    // Records `model` (its databases and tables; the tracked filter and name rules of the
    // history apply) as the schema at `position`.
    Status snapshot(const model::BinlogPosition& position, const SchemaModel& model,
                    std::string gtid = {});

    // Follows one DDL statement. Errors are Unsupported and read "cannot follow DDL at
    // <position>: '<first 200 chars>'; <reason>; <what to do>"; the history is then unchanged.
    Result<DdlChange> applyDdl(const model::BinlogPosition& position,
                               std::string_view defaultSchema, std::string_view statement,
                               std::string gtid = {});

    // The table as it was at `position`: nullptr when it did not exist then (or is not
    // tracked). NotFound when `position` is before the first snapshot.
    Result<std::shared_ptr<const TableDef>> lookup(const TableName& table,
                                                   const model::BinlogPosition& position) const;
    // lookup() in the form captured changes carry. NotFound also when the table did not exist.
    Result<::ferry::v1::TableDefinition> lookupDefinition(
        const TableName& table, const model::BinlogPosition& position) const;

    // The schema after the last entry.
    const SchemaModel& current() const { return m_current; }
    const model::BinlogPosition& lastPosition() const { return m_lastPosition; }
    bool hasSnapshot() const { return !m_entries.empty(); }
    const DdlParser& parser() const { return m_parser; }

private:
    struct EntryMeta {
        HistoryEntry::Kind kind;
        model::BinlogPosition position;
    };
    using Key = std::pair<std::string, std::string>;
    struct Version {
        std::size_t entry;
        std::shared_ptr<const TableDef> table;  // nullptr: dropped
    };

    Status checkOrder(const model::BinlogPosition& position, std::string_view what) const;
    Status persist(const HistoryEntry& entry);
    void recordSnapshot(const model::BinlogPosition& position, const SchemaModel& model);
    void recordChange(const model::BinlogPosition& position, const DdlChange& change);
    Key key(std::string_view schema, std::string_view table) const;
    Result<std::optional<std::size_t>> lastEntryAtOrBefore(
        const model::BinlogPosition& position) const;

    SchemaHistoryStore* m_store;
    SchemaHistoryOptions m_options;
    DdlParser m_parser;
    SchemaModel m_current;
    model::BinlogPosition m_lastPosition;
    std::vector<EntryMeta> m_entries;
    std::map<Key, std::vector<Version>> m_versions;
    std::optional<model::BinlogPosition> m_truncatePending;
};

}  // namespace ferry::schema
