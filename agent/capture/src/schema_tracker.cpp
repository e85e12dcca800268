// SPDX-License-Identifier: Apache-2.0
#include "ferry/capture/schema_tracker.h"

#include <utility>

#include "ferry/binlog/row_image.h"
#include "ferry/capture/value_converter.h"

namespace ferry::capture {

namespace {

namespace ct = binlog::column_type;

model::BinlogPosition toPosition(const v1::SourcePosition& position) {
    return {position.file(), position.pos()};
}

const char* typeName(std::uint32_t type) {
    switch (type) {
        case ct::kDecimal:
        case ct::kNewDecimal:
            return "decimal";
        case ct::kTiny:
            return "tiny";
        case ct::kShort:
            return "short";
        case ct::kLong:
            return "long";
        case ct::kFloat:
            return "float";
        case ct::kDouble:
            return "double";
        case ct::kNull:
            return "null";
        case ct::kTimestamp:
        case ct::kTimestamp2:
            return "timestamp";
        case ct::kLongLong:
            return "longlong";
        case ct::kInt24:
            return "int24";
        case ct::kDate:
        case ct::kNewDate:
            return "date";
        case ct::kTime:
        case ct::kTime2:
            return "time";
        case ct::kDatetime:
        case ct::kDatetime2:
            return "datetime";
        case ct::kYear:
            return "year";
        case ct::kVarchar:
        case ct::kVarString:
            return "varchar";
        case ct::kBit:
            return "bit";
        case ct::kVector:
            return "vector";
        case ct::kJson:
            return "json";
        case ct::kEnum:
            return "enum";
        case ct::kSet:
            return "set";
        case ct::kTinyBlob:
        case ct::kMediumBlob:
        case ct::kLongBlob:
        case ct::kBlob:
            return "blob";
        case ct::kString:
            return "string";
        case ct::kGeometry:
            return "geometry";
        default:
            return "type";
    }
}

// Old and new encodings of one type compare equal (a table created before MySQL 5.6 keeps
// TIME/DATETIME/TIMESTAMP in the old form until it is rebuilt).
std::uint32_t family(std::uint32_t type) {
    switch (type) {
        case ct::kTime:
            return ct::kTime2;
        case ct::kDatetime:
            return ct::kDatetime2;
        case ct::kTimestamp:
            return ct::kTimestamp2;
        case ct::kNewDate:
            return ct::kDate;
        case ct::kVarString:
            return ct::kVarchar;
        case ct::kDecimal:
            return ct::kNewDecimal;
        case ct::kTinyBlob:
        case ct::kMediumBlob:
        case ct::kLongBlob:
            return ct::kBlob;
        default:
            return type;
    }
}

// Whether the TABLE_MAP column (type, meta) is the column the history describes.
bool sameType(const binlog::ColumnInfo& logged, const v1::Column& known) {
    const std::uint32_t loggedType = logged.realType;
    if (family(loggedType) != family(known.type())) {
        // MariaDB logs JSON as LONGTEXT.
        return known.type() == ct::kJson && loggedType == ct::kBlob;
    }
    if (loggedType != known.type()) {
        return true;  // an old encoding: its metadata differs by design
    }
    switch (loggedType) {
        case ct::kNewDecimal:
        case ct::kVarchar:
        case ct::kString:
        case ct::kBit:
        case ct::kEnum:
        case ct::kSet:
        case ct::kBlob:
        case ct::kTime2:
        case ct::kDatetime2:
        case ct::kTimestamp2:
            return logged.meta == known.meta();
        default:
            return true;
    }
}

std::string describeLogged(const binlog::TableMap& map) {
    std::string out = std::to_string(map.columns.size()) + " columns (";
    for (std::size_t i = 0; i < map.columns.size(); ++i) {
        const auto& column = map.columns[i];
        out += i == 0 ? "" : ", ";
        out += column.name.empty() ? "#" + std::to_string(i) : column.name;
        out += std::string(" ") + typeName(column.realType) + "/" + std::to_string(column.meta);
    }
    return out + ")";
}

std::string describeKnown(const v1::TableDefinition& def, const schema::TableDef& table) {
    std::string out = std::to_string(def.columns_size()) + " columns (";
    for (int i = 0; i < def.columns_size(); ++i) {
        const auto& column = def.columns(i);
        out += i == 0 ? "" : ", ";
        out += column.name() + " " + typeName(column.type()) + "/" + std::to_string(column.meta());
    }
    return out + "): " + table.describe();
}

bool hasColumnNames(const binlog::TableMap& map) {
    for (auto type : map.optionalMetadataOrder) {
        if (type == binlog::optional_metadata::kColumnName) {
            return true;
        }
    }
    return map.columns.empty();
}

}  // namespace

SchemaTracker::SchemaTracker(std::unique_ptr<schema::SchemaHistory> history,
                             SchemaTrackerOptions options)
    : m_options(std::move(options)), m_history(std::move(history)) {}

Result<std::unique_ptr<SchemaTracker>> SchemaTracker::open(schema::SchemaHistoryStore& store,
                                                           const model::BinlogPosition& start,
                                                           SchemaTrackerOptions options,
                                                           SchemaSnapshotSource* snapshots) {
    if (start.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "schema tracker: " + options.sourceName +
                             ": capture needs a binlog file and position to start the schema "
                             "history at");
    }
    FERRY_ASSIGN_OR_RETURN(auto earliest, store.earliestSnapshot());
    if (earliest) {
        auto history = schema::SchemaHistory::open(&store, start, options.history);
        if (!history.ok()) {
            return makeError(
                history.error().code,
                options.sourceName + ": cannot start capture at " + start.toString() +
                    ": the schema history of this source begins at " + earliest->toString() +
                    " (its earliest snapshot), and the rows before it cannot be read with a "
                    "known schema. Start at or after " +
                    earliest->toString() +
                    ", or start at the source's current position, where a new snapshot can "
                    "be taken (" +
                    history.error().message + ")");
        }
        return std::unique_ptr<SchemaTracker>(
            new SchemaTracker(std::move(history).value(), std::move(options)));
    }
    if (snapshots == nullptr) {
        return makeError(ErrorCode::NotFound, options.sourceName +
                                                  ": the source has no schema history and none can "
                                                  "be taken here; take a schema snapshot first");
    }
    FERRY_ASSIGN_OR_RETURN(SchemaSnapshot taken,
                           snapshots->snapshot(options.history.trackedSchemas));
    model::BinlogPosition at = taken.position;
    FERRY_ASSIGN_OR_RETURN(std::strong_ordering order, model::compare(start, taken.position));
    if (order == std::strong_ordering::less) {
        FERRY_ASSIGN_OR_RETURN(bool ddl, snapshots->ddlLoggedBetween(start, taken.position));
        if (ddl) {
            return makeError(
                ErrorCode::NotFound,
                options.sourceName + ": cannot start capture at " + start.toString() +
                    ": the source has no schema history yet, and DDL was logged between that "
                    "position and now (" +
                    taken.position.toString() +
                    "), so a schema snapshot taken now does not describe the rows there. Start at "
                    "the current position " +
                    taken.position.toString() +
                    " (the first start creates the history), or, with "
                    "binlog_row_metadata=FULL, run without the schema history");
        }
        at = start;  // nothing changed the schema in between: the snapshot holds at the start
    }
    auto history = std::make_unique<schema::SchemaHistory>(&store, options.history);
    FERRY_TRY(history->snapshot(at, taken.model, taken.gtid));
    auto tracker =
        std::unique_ptr<SchemaTracker>(new SchemaTracker(std::move(history), std::move(options)));
    tracker->m_tookSnapshot = true;
    return tracker;
}

TableResolver SchemaTracker::resolver() const {
    return [this](const binlog::TableMap& map, const v1::SourcePosition& at) {
        return resolve(map, at);
    };
}

Result<std::shared_ptr<const schema::TableDef>> SchemaTracker::tableAt(
    const schema::TableName& table, const model::BinlogPosition& at) const {
    return m_history->lookup(table, at);
}

Result<ResolvedTable> SchemaTracker::resolve(const binlog::TableMap& map,
                                             const v1::SourcePosition& at) const {
    const bool full = hasColumnNames(map);
    const std::string table = "`" + map.schema + "`.`" + map.table + "`";
    const model::BinlogPosition position = toPosition(at);
    ResolvedTable resolved;
    std::shared_ptr<const schema::TableDef> known;
    if (m_history->current().isTracked(map.schema)) {
        FERRY_ASSIGN_OR_RETURN(known, m_history->lookup({map.schema, map.table}, position));
    }
    // A schema the history has never seen (not tracked when the history began) is outside it.
    if (!known && (!m_history->current().isTracked(map.schema) ||
                   m_history->current().findDatabase(map.schema) == nullptr)) {
        if (!full) {
            return makeError(ErrorCode::Unsupported,
                             "table " + table +
                                 " is outside the schemas the schema history "
                                 "tracks, and its TABLE_MAP carries no column "
                                 "names (binlog_row_metadata=MINIMAL): add its "
                                 "schema to the captured tables, or set "
                                 "binlog_row_metadata=FULL on the source");
        }
        resolved.definition = ValueConverter::tableDefinition(map);
        resolved.columns = map.columns;
        return resolved;
    }
    if (!known) {
        return makeError(ErrorCode::Corrupt,
                         "table " + table + " is logged at " + position.toString() + " with " +
                             describeLogged(map) +
                             ", but the schema history has no such table there: a DDL was "
                             "missed (or the history was started at the wrong position). Take a "
                             "new schema snapshot and restart capture from it");
    }
    FERRY_ASSIGN_OR_RETURN(v1::TableDefinition history,
                           known->toTableDefinition(m_options.history.catalog));
    auto mismatch = [&](const std::string& what) {
        return makeError(ErrorCode::Corrupt,
                         "table " + table + " at " + position.toString() + ": " + what +
                             ". The binlog (TABLE_MAP) has " + describeLogged(map) +
                             "; the schema history has " + describeKnown(history, *known) +
                             ". A DDL was missed or followed wrongly: take a new schema snapshot "
                             "and restart capture from it");
    };
    if (history.columns_size() != static_cast<int>(map.columns.size())) {
        return mismatch("the column count differs");
    }
    for (std::size_t i = 0; i < map.columns.size(); ++i) {
        const auto& logged = map.columns[i];
        const auto& column = history.columns(static_cast<int>(i));
        if (!sameType(logged, column)) {
            return mismatch("column " + std::to_string(i) + " (" + column.name() +
                            ") has another type");
        }
        if (full && !schema::columnNameEquals(logged.name, column.name())) {
            return mismatch("column " + std::to_string(i) + " is named `" + logged.name +
                            "` in the binlog and `" + column.name() + "` in the history");
        }
    }

    resolved.columns = map.columns;
    if (full) {
        resolved.definition = ValueConverter::tableDefinition(map);
        if (resolved.definition.primary_key_size() == 0) {
            *resolved.definition.mutable_primary_key() = history.primary_key();
        }
    } else {
        resolved.definition = history;
        for (std::size_t i = 0; i < map.columns.size(); ++i) {
            const auto& logged = map.columns[i];
            auto& column = *resolved.definition.mutable_columns(static_cast<int>(i));
            column.set_type(logged.realType);
            column.set_meta(logged.meta);
            column.set_nullable(logged.nullable);
            auto& info = resolved.columns[i];
            info.name = column.name();
            info.isUnsigned = column.unsigned_();
            info.collation = static_cast<std::uint16_t>(column.collation());
        }
    }
    *resolved.definition.mutable_unique_keys() = history.unique_keys();
    resolved.hints.assign(map.columns.size(), ColumnHint::None);
    for (std::size_t i = 0; i < map.columns.size(); ++i) {
        const auto& column = history.columns(static_cast<int>(i));
        resolved.definition.mutable_columns(static_cast<int>(i))->set_generated(column.generated());
        if (column.type() == ct::kJson && map.columns[i].realType == ct::kBlob) {
            resolved.hints[i] = ColumnHint::Json;
        }
    }
    return resolved;
}

Status SchemaTracker::observe(const v1::Transaction& transaction) {
    if (!transaction.has_ddl()) {
        return okStatus();
    }
    const model::BinlogPosition end = toPosition(transaction.end());
    auto change = m_history->applyDdl(end, transaction.ddl().schema(),
                                      transaction.ddl().statement(), transaction.gtid());
    if (!change.ok()) {
        return makeError(change.error().code, m_options.sourceName + ": " + change.error().message);
    }
    ++m_followed;
    return okStatus();
}

std::string SchemaTracker::describe() const {
    return std::string("schema history ") +
           (m_tookSnapshot ? "started with a new snapshot" : "loaded") + " (" +
           std::to_string(m_history->current().tableCount()) + " tables now, " +
           std::to_string(m_followed) + " DDL followed since start)";
}

Status SchemaTrackingSink::onTransaction(CapturedTransaction&& captured) {
    FERRY_TRY(m_tracker.observe(captured.transaction));
    return m_next.onTransaction(std::move(captured));
}

}  // namespace ferry::capture
