// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/schema/schema_history.h"

namespace ferry::mysql {
class MysqlConnection;
}

namespace ferry::schema {

// The schema history of one source in `<ferry schema>.schema_history` (sql/ferry_schema.sql),
// on the source itself so any agent of its site can read it after a failover. One row per
// entry: kind 'snapshot' or 'ddl', the binlog position, the GTID, db_name (a DDL's default
// schema), table_name (the first table a DDL touched), statement, and `tables` in protobuf's JSON
// mapping of ferry.schema.v1.SchemaModelData. Rows are ordered by id (append order).
// Uses the connection it is given (not owned); not thread-safe.
class MysqlSchemaHistoryStore final : public SchemaHistoryStore {
public:
    MysqlSchemaHistoryStore(mysql::MysqlConnection& connection, std::string sourceId,
                            std::string ferrySchema = "ferry");

    Status append(const HistoryEntry& entry) override;
    Result<std::vector<HistoryEntry>> load(const model::BinlogPosition& upTo) override;
    Result<std::optional<model::BinlogPosition>> earliestSnapshot() override;
    Status removeAfter(const model::BinlogPosition& position) override;

private:
    struct Row {
        std::uint64_t id = 0;
        HistoryEntry::Kind kind = HistoryEntry::Kind::Snapshot;
        model::BinlogPosition position;
        std::string gtid;
        std::string dbName;
        std::string tableName;
    };
    Result<std::vector<Row>> listRows();
    std::string table() const;

    mysql::MysqlConnection& m_connection;
    std::string m_sourceId;
    std::string m_ferrySchema;
};

}  // namespace ferry::schema
