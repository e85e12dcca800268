// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/mysql_schema_history_store.h"

#include <charconv>

#include "ferry/mysql/connection.h"

namespace ferry::schema {
namespace {

using model::BinlogPosition;

std::string quoteName(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        out += c == '`' ? "``" : std::string(1, c);
    }
    return out + "`";
}

Result<bool> atOrBefore(const BinlogPosition& a, const BinlogPosition& b) {
    FERRY_ASSIGN_OR_RETURN(std::strong_ordering order, model::compare(a, b));
    return order != std::strong_ordering::greater;
}

std::string idList(const std::vector<std::uint64_t>& ids) {
    std::string out;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        out += (i ? "," : "") + std::to_string(ids[i]);
    }
    return out;
}

}  // namespace

MysqlSchemaHistoryStore::MysqlSchemaHistoryStore(mysql::MysqlConnection& connection,
                                                 std::string sourceId, std::string ferrySchema)
    : m_connection(connection),
      m_sourceId(std::move(sourceId)),
      m_ferrySchema(std::move(ferrySchema)) {}

std::string MysqlSchemaHistoryStore::table() const {
    return quoteName(m_ferrySchema) + ".`schema_history`";
}

Status MysqlSchemaHistoryStore::append(const HistoryEntry& entry) {
    std::string sql =
        "INSERT INTO " + table() +
        " (source_id, binlog_file, binlog_pos, gtid, kind, db_name, table_name, "
        "statement, tables) VALUES (" +
        m_connection.quote(m_sourceId) + ", " + m_connection.quote(entry.position.file) + ", " +
        std::to_string(entry.position.pos) + ", " + m_connection.quote(entry.gtid) + ", " +
        m_connection.quote(historyEntryKindName(entry.kind)) + ", " +
        m_connection.quote(entry.dbName) + ", " + m_connection.quote(entry.tableName) + ", " +
        (entry.kind == HistoryEntry::Kind::Ddl ? m_connection.quote(entry.statement)
                                               : std::string("NULL")) +
        ", " + m_connection.quote(entry.tables) + ")";
    auto status = m_connection.execute(sql);
    if (!status.ok()) {
        return makeError(status.error().code,
                         "schema history: cannot write the " +
                             std::string(historyEntryKindName(entry.kind)) + " entry at " +
                             entry.position.toString() + " to " + m_ferrySchema +
                             ".schema_history: " + status.error().message +
                             "; check that sql/ferry_schema.sql was applied and the agent may "
                             "write there");
    }
    return okStatus();
}

Result<std::vector<MysqlSchemaHistoryStore::Row>> MysqlSchemaHistoryStore::listRows() {
    std::string sql = "SELECT id, kind, binlog_file, binlog_pos, gtid, db_name, table_name FROM " +
                      table() + " WHERE source_id = " + m_connection.quote(m_sourceId) +
                      " ORDER BY id";
    auto result = m_connection.query(sql);
    if (!result.ok()) {
        return makeError(result.error().code, "schema history: cannot read " + m_ferrySchema +
                                                  ".schema_history: " + result.error().message);
    }
    std::vector<Row> rows;
    for (const auto& values : result->rows) {
        if (values.size() != 7 || !values[0] || !values[1] || !values[2] || !values[3]) {
            return makeError(ErrorCode::Corrupt,
                             "schema history: a row of " + m_ferrySchema +
                                 ".schema_history has NULL id, kind or position");
        }
        Row row;
        auto [p, ec] =
            std::from_chars(values[0]->data(), values[0]->data() + values[0]->size(), row.id);
        (void)p;
        if (ec != std::errc()) {
            return makeError(ErrorCode::Corrupt, "schema history: bad row id '" + *values[0] + "'");
        }
        if (*values[1] == "snapshot") {
            row.kind = HistoryEntry::Kind::Snapshot;
        } else if (*values[1] == "ddl") {
            row.kind = HistoryEntry::Kind::Ddl;
        } else {
            return makeError(ErrorCode::Corrupt, "schema history: row " + *values[0] +
                                                     " has unknown kind '" + *values[1] + "'");
        }
        auto position = BinlogPosition::parse(*values[2] + ":" + *values[3]);
        if (!position.ok()) {
            return makeError(ErrorCode::Corrupt,
                             "schema history: row " + *values[0] +
                                 " has a bad position: " + position.error().message);
        }
        row.position = *position;
        row.gtid = values[4].value_or("");
        row.dbName = values[5].value_or("");
        row.tableName = values[6].value_or("");
        rows.push_back(std::move(row));
    }
    return rows;
}

Result<std::vector<HistoryEntry>> MysqlSchemaHistoryStore::load(const BinlogPosition& upTo) {
    FERRY_ASSIGN_OR_RETURN(std::vector<Row> rows, listRows());
    std::optional<std::size_t> snapshot;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(rows[i].position, upTo));
        if (before && rows[i].kind == HistoryEntry::Kind::Snapshot) {
            snapshot = i;
        }
    }
    std::vector<HistoryEntry> entries;
    if (!snapshot) {
        return entries;
    }
    std::vector<std::uint64_t> ids;
    std::vector<const Row*> chosen;
    for (std::size_t i = *snapshot; i < rows.size(); ++i) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(rows[i].position, upTo));
        if (before && (i == *snapshot || rows[i].kind == HistoryEntry::Kind::Ddl)) {
            ids.push_back(rows[i].id);
            chosen.push_back(&rows[i]);
        }
    }
    auto payload = m_connection.query("SELECT id, statement, tables FROM " + table() +
                                      " WHERE id IN (" + idList(ids) + ") ORDER BY id");
    if (!payload.ok()) {
        return makeError(payload.error().code, "schema history: cannot read " + m_ferrySchema +
                                                   ".schema_history: " + payload.error().message);
    }
    if (payload->rows.size() != chosen.size()) {
        return makeError(ErrorCode::Conflict, "schema history: rows of " + m_ferrySchema +
                                                  ".schema_history changed while reading; retry");
    }
    for (std::size_t i = 0; i < chosen.size(); ++i) {
        const Row& row = *chosen[i];
        HistoryEntry entry;
        entry.kind = row.kind;
        entry.position = row.position;
        entry.gtid = row.gtid;
        entry.dbName = row.dbName;
        entry.tableName = row.tableName;
        if (row.kind == HistoryEntry::Kind::Ddl) {
            entry.defaultSchema = row.dbName;
        }
        entry.statement = payload->rows[i].size() > 1 ? payload->rows[i][1].value_or("") : "";
        entry.tables = payload->rows[i].size() > 2 ? payload->rows[i][2].value_or("") : "";
        entries.push_back(std::move(entry));
    }
    return entries;
}

Result<std::optional<BinlogPosition>> MysqlSchemaHistoryStore::earliestSnapshot() {
    FERRY_ASSIGN_OR_RETURN(std::vector<Row> rows, listRows());
    for (const auto& row : rows) {
        if (row.kind == HistoryEntry::Kind::Snapshot) {
            return std::optional<BinlogPosition>(row.position);
        }
    }
    return std::optional<BinlogPosition>();
}

Status MysqlSchemaHistoryStore::removeAfter(const BinlogPosition& position) {
    FERRY_ASSIGN_OR_RETURN(std::vector<Row> rows, listRows());
    std::vector<std::uint64_t> ids;
    for (const auto& row : rows) {
        FERRY_ASSIGN_OR_RETURN(bool before, atOrBefore(row.position, position));
        if (!before) {
            ids.push_back(row.id);
        }
    }
    if (ids.empty()) {
        return okStatus();
    }
    auto status =
        m_connection.execute("DELETE FROM " + table() + " WHERE id IN (" + idList(ids) + ")");
    if (!status.ok()) {
        return makeError(status.error().code, "schema history: cannot remove entries after " +
                                                  position.toString() + " from " + m_ferrySchema +
                                                  ".schema_history: " + status.error().message);
    }
    return okStatus();
}

}  // namespace ferry::schema
