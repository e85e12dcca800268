// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/apply/sql_session.h"
#include "ferry/model/result.h"

namespace ferry::apply {

// A table of the ferry schema and the columns the agent relies on.
struct ExpectedTable {
    std::string name;
    std::vector<std::string> columns;
};

// Creates and checks the ferry schema (sql/ferry_schema.sql, embedded at build time) in a
// database, under a configurable schema name. install() is idempotent: the script only uses
// CREATE ... IF NOT EXISTS, so running it on an existing schema changes nothing; check() then
// verifies that every table exists with at least the columns the script defines (extra columns
// are allowed, so a newer schema still passes).
// A plain value; const methods are safe to call from several threads on different sessions.
class SchemaInstaller {
public:
    // REQUIRES: nothing; an invalid name is reported by create().
    static Result<SchemaInstaller> create(std::string schemaName = "ferry");

    const std::string& schemaName() const { return m_schemaName; }
    // The script's statements with the schema name substituted, comments removed.
    const std::vector<std::string>& statements() const { return m_statements; }
    // The tables and columns the script creates, in script order.
    const std::vector<ExpectedTable>& expectedTables() const { return m_tables; }

    // Runs every statement, then check().
    Status install(SqlSession& session) const;
    // Reads information_schema.COLUMNS and reports the first missing table or column.
    Status check(SqlSession& session) const;

private:
    SchemaInstaller() = default;

    std::string m_schemaName;
    std::vector<std::string> m_statements;
    std::vector<ExpectedTable> m_tables;
};

// The text of sql/ferry_schema.sql as it was at build time.
std::string_view embeddedFerrySchemaSql();

// Splits a SQL script into statements at top-level semicolons, dropping `-- ` and `#` line
// comments and /* */ comments outside of quotes. Quotes ('', "", ``) may contain semicolons.
std::vector<std::string> splitSqlScript(std::string_view script);

}  // namespace ferry::apply
