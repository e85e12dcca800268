// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/schema_history.h"

#include <algorithm>

#include "ferry/schema/schema_codec.h"
#include "ferry/schema/v1/schema_model.pb.h"
#include "ferry/v1/change.pb.h"

namespace ferry::schema {
namespace {

using model::BinlogPosition;

// a <= b within one binlog series.
Result<bool> atOrBefore(const BinlogPosition& a, const BinlogPosition& b) {
    FERRY_ASSIGN_OR_RETURN(std::strong_ordering order, model::compare(a, b));
    return order != std::strong_ordering::greater;
}

}  // namespace

std::string_view historyEntryKindName(HistoryEntry::Kind kind) {
    return kind == HistoryEntry::Kind::Snapshot ? "snapshot" : "ddl";
}

Status InMemorySchemaHistoryStore::append(const HistoryEntry& entry) {
    m_entries.push_back(entry);
    return okStatus();
}

Result<std::vector<HistoryEntry>> InMemorySchemaHistoryStore::load(const BinlogPosition& upTo) {
    std::optional<std::size_t> snapshot;
    for (std::size_t i = 0; i < m_entries.size(); ++i) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(m_entries[i].position, upTo));
        if (before && m_entries[i].kind == HistoryEntry::Kind::Snapshot) {
            snapshot = i;
        }
    }
    std::vector<HistoryEntry> out;
    if (!snapshot) {
        return out;
    }
    out.push_back(m_entries[*snapshot]);
    for (std::size_t i = *snapshot + 1; i < m_entries.size(); ++i) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(m_entries[i].position, upTo));
        if (before && m_entries[i].kind == HistoryEntry::Kind::Ddl) {
            out.push_back(m_entries[i]);
        }
    }
    return out;
}

Result<std::optional<BinlogPosition>> InMemorySchemaHistoryStore::earliestSnapshot() {
    for (const auto& entry : m_entries) {
        if (entry.kind == HistoryEntry::Kind::Snapshot) {
            return std::optional<BinlogPosition>(entry.position);
        }
    }
    return std::optional<BinlogPosition>();
}

Status InMemorySchemaHistoryStore::removeAfter(const BinlogPosition& position) {
    std::vector<HistoryEntry> kept;
    for (auto& entry : m_entries) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(entry.position, position));
        if (before) {
            kept.push_back(std::move(entry));
        }
    }
    m_entries = std::move(kept);
    return okStatus();
}

SchemaHistory::SchemaHistory(SchemaHistoryStore* store, SchemaHistoryOptions options)
    : m_store(store),
      m_options(std::move(options)),
      m_parser(m_options.catalog),
      m_current(m_options.nameRules) {
    m_current.setTrackedSchemas(m_options.trackedSchemas);
}

SchemaHistory::Key SchemaHistory::key(std::string_view schema, std::string_view table) const {
    return {m_options.nameRules.key(schema), m_options.nameRules.key(table)};
}

Status SchemaHistory::checkOrder(const BinlogPosition& position, std::string_view what) const {
    if (position.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "schema history: " + std::string(what) + " needs a binlog position");
    }
    if (m_lastPosition.isEmpty()) {
        return okStatus();
    }
    auto order = model::compare(m_lastPosition, position);
    if (!order.ok()) {
        return makeError(ErrorCode::InvalidArgument,
                         "schema history: " + std::string(what) + " at " + position.toString() +
                             " cannot be ordered after the last entry at " +
                             m_lastPosition.toString() + ": " + order.error().message +
                             "; take a new schema snapshot");
    }
    bool ddl = what == "DDL";
    if (*order == std::strong_ordering::greater || (ddl && *order == std::strong_ordering::equal)) {
        return makeError(ErrorCode::InvalidArgument,
                         "schema history: " + std::string(what) + " at " + position.toString() +
                             " is not after the last entry at " + m_lastPosition.toString() +
                             "; positions must not go backwards (restart with "
                             "SchemaHistory::open at the new start position)");
    }
    return okStatus();
}

Status SchemaHistory::persist(const HistoryEntry& entry) {
    if (m_store == nullptr) {
        return okStatus();
    }
    if (m_truncatePending) {
        FERRY_TRY(m_store->removeAfter(*m_truncatePending));
        m_truncatePending.reset();
    }
    return m_store->append(entry);
}

void SchemaHistory::recordSnapshot(const BinlogPosition& position, const SchemaModel& model) {
    std::size_t index = m_entries.size();
    m_entries.push_back({HistoryEntry::Kind::Snapshot, position});
    for (const auto& table : model.tables()) {
        m_versions[key(table->schema, table->name)].push_back({index, table});
    }
    m_lastPosition = position;
}

void SchemaHistory::recordChange(const BinlogPosition& position, const DdlChange& change) {
    std::size_t index = m_entries.size();
    m_entries.push_back({HistoryEntry::Kind::Ddl, position});
    auto record = [&](const TableName& name) {
        auto& versions = m_versions[key(name.schema, name.name)];
        auto table = m_current.findTable(name.schema, name.name);
        if (!versions.empty() && versions.back().entry == index) {
            versions.back().table = table;
        } else {
            versions.push_back({index, table});
        }
    };
    for (const auto& name : change.droppedTables) {
        record(name);
    }
    for (const auto& name : change.changedTables) {
        record(name);
    }
    m_lastPosition = position;
}

Status SchemaHistory::snapshot(const BinlogPosition& position, const SchemaModel& model,
                               std::string gtid) {
    FERRY_TRY(checkOrder(position, "snapshot"));
    SchemaModel taken(m_options.nameRules);
    taken.setTrackedSchemas(m_options.trackedSchemas);
    for (const DatabaseDef* db : model.databases()) {
        if (taken.isTracked(db->name)) {
            taken.putDatabase(*db);
        }
    }
    for (const auto& table : model.tables()) {
        if (taken.isTracked(table->schema)) {
            taken.putTable(table);
        }
    }
    HistoryEntry entry;
    entry.kind = HistoryEntry::Kind::Snapshot;
    entry.position = position;
    entry.gtid = std::move(gtid);
    FERRY_ASSIGN_OR_RETURN(entry.tables, modelDataToJson(encodeModel(taken)));
    FERRY_TRY(persist(entry));
    m_current = std::move(taken);
    recordSnapshot(position, m_current);
    return okStatus();
}

Result<DdlChange> SchemaHistory::applyDdl(const BinlogPosition& position,
                                          std::string_view defaultSchema,
                                          std::string_view statement, std::string gtid) {
    auto fail = [&](std::string reason, std::string whatToDo) {
        return makeError(ErrorCode::Unsupported, "cannot follow DDL at " + position.toString() +
                                                     ": '" + statementExcerpt(statement) + "'; " +
                                                     reason + "; " + whatToDo);
    };
    if (m_entries.empty()) {
        return fail("the schema history has no snapshot yet",
                    "take a schema snapshot before following DDL");
    }
    FERRY_TRY(checkOrder(position, "DDL"));
    SchemaModel work = m_current;
    auto change = m_parser.apply(work, defaultSchema, statement);
    if (!change.ok()) {
        return fail(change.error().message,
                    "if the statement changes no tracked table, an operator may skip it "
                    "(ferryctl pipeline skip); otherwise take a new schema snapshot after it and "
                    "restart capture from that snapshot");
    }
    if (change->kind != DdlChange::Kind::Changed) {
        m_lastPosition = position;
        return change;
    }
    v1::SchemaModelData data;
    HistoryEntry entry;
    entry.kind = HistoryEntry::Kind::Ddl;
    entry.position = position;
    entry.gtid = std::move(gtid);
    entry.defaultSchema = std::string(defaultSchema);
    entry.statement = std::string(statement);
    for (const auto& name : change->changedDatabases) {
        if (const DatabaseDef* db = work.findDatabase(name)) {
            auto* d = data.add_databases();
            d->set_name(db->name);
            d->set_charset(db->charset);
            d->set_collation(db->collation);
        }
    }
    for (const auto& name : change->droppedDatabases) {
        data.add_dropped_databases(name);
    }
    std::vector<Key> seen;
    for (const auto& name : change->changedTables) {
        auto table = work.findTable(name.schema, name.name);
        Key k = key(name.schema, name.name);
        if (table && std::find(seen.begin(), seen.end(), k) == seen.end()) {
            seen.push_back(k);
            encodeTable(*table, *data.add_tables());
        }
    }
    for (const auto& name : change->droppedTables) {
        if (!work.findTable(name.schema, name.name)) {
            data.add_dropped_tables(name.toString());
        }
    }
    entry.dbName = std::string(defaultSchema);
    if (!change->changedTables.empty()) {
        entry.tableName = change->changedTables.front().name;
    } else if (!change->droppedTables.empty()) {
        entry.tableName = change->droppedTables.front().name;
    }
    FERRY_ASSIGN_OR_RETURN(entry.tables, modelDataToJson(data));
    FERRY_TRY(persist(entry));
    m_current = std::move(work);
    recordChange(position, *change);
    return change;
}

Result<std::optional<std::size_t>> SchemaHistory::lastEntryAtOrBefore(
    const BinlogPosition& position) const {
    std::size_t lo = 0;
    std::size_t hi = m_entries.size();
    while (lo < hi) {
        std::size_t mid = (lo + hi) / 2;
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(m_entries[mid].position, position));
        if (before) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return std::optional<std::size_t>();
    }
    return std::optional<std::size_t>(lo - 1);
}

Result<std::shared_ptr<const TableDef>> SchemaHistory::lookup(
    const TableName& table, const BinlogPosition& position) const {
    FERRY_ASSIGN_OR_RETURN(auto last, lastEntryAtOrBefore(position));
    if (!last) {
        std::string first = m_entries.empty() ? std::string("none taken")
                                              : "at " + m_entries.front().position.toString();
        return makeError(ErrorCode::NotFound,
                         "schema history: position " + position.toString() +
                             " is before the first schema snapshot (" + first +
                             "); start capture at or after the snapshot, or take a snapshot at "
                             "an earlier position");
    }
    std::size_t snapshot = *last;
    while (m_entries[snapshot].kind != HistoryEntry::Kind::Snapshot) {
        --snapshot;  // entry 0 is always a snapshot
    }
    auto it = m_versions.find(key(table.schema, table.name));
    if (it == m_versions.end()) {
        return std::shared_ptr<const TableDef>();
    }
    const auto& versions = it->second;
    auto after =
        std::upper_bound(versions.begin(), versions.end(), *last,
                         [](std::size_t entry, const Version& v) { return entry < v.entry; });
    if (after == versions.begin()) {
        return std::shared_ptr<const TableDef>();
    }
    const Version& version = *(after - 1);
    if (version.entry < snapshot) {
        return std::shared_ptr<const TableDef>();
    }
    return version.table;
}

Result<::ferry::v1::TableDefinition> SchemaHistory::lookupDefinition(
    const TableName& table, const BinlogPosition& position) const {
    FERRY_ASSIGN_OR_RETURN(auto def, lookup(table, position));
    if (!def) {
        return makeError(ErrorCode::NotFound, "schema history: table " + table.toString() +
                                                  " did not exist at " + position.toString());
    }
    return def->toTableDefinition(m_options.catalog);
}

Result<std::unique_ptr<SchemaHistory>> SchemaHistory::open(SchemaHistoryStore* store,
                                                           const BinlogPosition& position,
                                                           SchemaHistoryOptions options) {
    if (store == nullptr) {
        return makeError(ErrorCode::InvalidArgument, "schema history: open() needs a store");
    }
    FERRY_ASSIGN_OR_RETURN(std::vector<HistoryEntry> entries, store->load(position));
    if (entries.empty()) {
        FERRY_ASSIGN_OR_RETURN(auto earliest, store->earliestSnapshot());
        std::string where = earliest ? "the first snapshot is at " + earliest->toString()
                                     : "the history holds no snapshot";
        return makeError(ErrorCode::NotFound,
                         "schema history: cannot start at " + position.toString() +
                             ": no schema snapshot at or before it (" + where +
                             "); start at or after the first snapshot, or take a new snapshot "
                             "(it records the current position) and start there");
    }
    if (entries.front().kind != HistoryEntry::Kind::Snapshot) {
        return makeError(ErrorCode::Corrupt,
                         "schema history: the store returned a DDL entry before any snapshot");
    }
    auto history = std::make_unique<SchemaHistory>(store, std::move(options));
    const HistoryEntry& first = entries.front();
    std::string origin = "schema history snapshot at " + first.position.toString();
    FERRY_ASSIGN_OR_RETURN(auto data, modelDataFromJson(first.tables, origin));
    applyModelData(data, history->m_current);
    history->recordSnapshot(first.position, history->m_current);
    for (std::size_t i = 1; i < entries.size(); ++i) {
        const HistoryEntry& entry = entries[i];
        FERRY_TRY(history->checkOrder(entry.position, "DDL"));
        if (entry.tables.empty()) {
            // Written without its result: follow the statement again.
            SchemaModel work = history->m_current;
            auto change = history->m_parser.apply(work, entry.defaultSchema, entry.statement);
            if (!change.ok()) {
                return makeError(ErrorCode::Unsupported,
                                 "cannot follow DDL at " + entry.position.toString() + ": '" +
                                     statementExcerpt(entry.statement) + "'; " +
                                     change.error().message + "; take a new schema snapshot");
            }
            history->m_current = std::move(work);
            history->recordChange(entry.position, *change);
            continue;
        }
        // The stored result is authoritative: it is what the history decided when it followed
        // the statement, and a later parser must not rewrite the past.
        origin = "schema history DDL entry at " + entry.position.toString();
        FERRY_ASSIGN_OR_RETURN(auto ddl, modelDataFromJson(entry.tables, origin));
        DdlChange change;
        change.kind = DdlChange::Kind::Changed;
        for (const auto& qualified : ddl.dropped_tables()) {
            auto dot = qualified.find('.');
            if (dot == std::string::npos) {
                return makeError(ErrorCode::Corrupt,
                                 origin + ": dropped table '" + qualified + "' has no schema");
            }
            change.droppedTables.push_back({qualified.substr(0, dot), qualified.substr(dot + 1)});
        }
        for (const auto& name : ddl.dropped_databases()) {
            for (const auto& table : history->m_current.tablesOf(name)) {
                change.droppedTables.push_back({table->schema, table->name});
            }
        }
        for (const auto& table : ddl.tables()) {
            change.changedTables.push_back({table.schema(), table.name()});
        }
        applyModelData(ddl, history->m_current);
        history->recordChange(entry.position, change);
    }
    history->m_truncatePending = position;
    return history;
}

}  // namespace ferry::schema
