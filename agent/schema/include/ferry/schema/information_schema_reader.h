// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/schema/charset_catalog.h"
#include "ferry/schema/schema_model.h"

namespace ferry::mysql {
class MysqlConnection;
}

namespace ferry::schema {

// A schema read from information_schema, and the binlog position it is valid at.
struct InformationSchemaSnapshot {
    SchemaModel model;
    model::BinlogPosition position;
    std::string gtid;  // MariaDB @@gtid_binlog_pos or MySQL Executed_Gtid_Set at `position`
    int attempts = 0;  // reads it took (DDL that ran meanwhile forces another)
};

// Reads the structure of schemas from a server's information_schema (SCHEMATA, TABLES,
// COLUMNS, STATISTICS, KEY_COLUMN_USAGE joined with REFERENTIAL_CONSTRAINTS) into the model,
// and the server settings the DDL parser follows (collations, charsets, defaults).
//
// Consistency without FLUSH TABLES WITH READ LOCK (which stalls every writer and waits for the
// longest running query): snapshot() reads the binlog position (SHOW MASTER STATUS, and the
// GTID position), reads information_schema, then reads the position again.
//  - Same position: nothing was logged in between, so no DDL ran: the model is the schema at
//    that position.
//  - Different: it lists the events logged in between (SHOW BINLOG EVENTS, across rotations).
//    If none is a DDL (a QUERY event other than BEGIN/COMMIT/ROLLBACK/SAVEPOINT/XA), only rows
//    changed and the model holds at the first position. Otherwise it reads again, up to
//    `maxAttempts` times, then fails with Unavailable. A scan longer than 100000 events counts
//    as "DDL may have happened".
// Residual window: a server that makes a DDL visible in information_schema before it writes it
// to the binlog (non-atomic DDL of old servers) could let a DDL slip in after the second read
// with its effect already in the snapshot; following it again then fails loudly (duplicate
// column, missing table) instead of corrupting the history.
//
// Needs SELECT on the schemas, and REPLICATION CLIENT/SLAVE (MariaDB: BINLOG MONITOR) for the
// binlog statements. Uses the connection it is given (not owned); not thread-safe.
class InformationSchemaReader {
public:
    explicit InformationSchemaReader(mysql::MysqlConnection& connection)
        : m_connection(connection) {}

    // The server's flavor, collations and charsets, @@character_set_server,
    // @@collation_server, @@explicit_defaults_for_timestamp and sql_mode REAL_AS_FLOAT.
    Result<CharsetCatalog> readCatalog();
    // @@lower_case_table_names.
    Result<NameRules> readNameRules();
    // The schemas' databases and base tables (no position). Schemas that do not exist are
    // absent from the model. The model tracks exactly `schemas`.
    Result<SchemaModel> readSchemas(const std::vector<std::string>& schemas,
                                    const CharsetCatalog& catalog, const NameRules& rules);
    // readSchemas() with the position it is valid at (see the class comment).
    Result<InformationSchemaSnapshot> snapshot(const std::vector<std::string>& schemas,
                                               const CharsetCatalog& catalog,
                                               const NameRules& rules, int maxAttempts = 5);

    // The current binlog position and GTID position.
    Result<std::pair<model::BinlogPosition, std::string>> readPosition();
    // Whether a DDL was logged in [from, to).
    Result<bool> ddlLoggedBetween(const model::BinlogPosition& from,
                                  const model::BinlogPosition& to);

private:
    mysql::MysqlConnection& m_connection;
};

}  // namespace ferry::schema
