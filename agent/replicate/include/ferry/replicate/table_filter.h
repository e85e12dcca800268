// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::replicate {

// A shell-style glob on one name: `*` matches any run of characters, `?` exactly one; every
// other character matches itself, case-sensitively (as MySQL names are on Linux).
bool globMatch(std::string_view pattern, std::string_view name);

// One --include/--exclude pattern: `schema.table` where either side is a glob ("shop.orders",
// "shop.*", "*.audit_log", "shop_0??.order_*"). The split is at the first dot, so a schema name
// cannot contain a dot. A plain value.
struct TablePattern {
    std::string schema;
    std::string table;

    // InvalidArgument for a pattern without a dot or with an empty side.
    static Result<TablePattern> parse(std::string_view text);
    bool matches(std::string_view schemaName, std::string_view tableName) const;
    std::string toString() const { return schema + "." + table; }
};

// What replicate does with a DDL statement.
enum class DdlDecision {
    Apply,  // every table and database it names is replicated
    Skip,   // none is (or it names only the ferry schema), or it is CREATE/DROP TRIGGER
    Mixed,  // some are and some are not: the pipeline stops, an operator decides
};

struct DdlVerdict {
    DdlDecision decision = DdlDecision::Apply;
    std::vector<std::string> replicated;  // "shop.orders", "shop" (a database)
    std::vector<std::string> filtered;
    // Why the statement is skipped whatever the filter says (triggers); empty otherwise. When
    // set, `filtered` holds one entry naming the object and this reason, for the skip log line.
    std::string reason;
};

// The tables and databases a DDL statement names, from a light token scan (not a full parser):
// qualified names `db`.`t` anywhere; the names after TABLE (with IF [NOT] EXISTS), the lists of
// DROP/TRUNCATE/RENAME TABLE, RENAME ... TO and LIKE targets, the table after ON of CREATE/DROP
// INDEX, resolved against `defaultSchema`; the database of CREATE/ALTER/DROP DATABASE|SCHEMA.
// Quoted strings and comments are skipped; versioned comments (/*!50100 ... */) are read as code.
// CREATE [OR REPLACE] [DEFINER=...] TRIGGER and DROP TRIGGER set `trigger`; their only subject is
// the table a created trigger is ON, or the schema of a dropped one (the table names inside a
// trigger body are not subjects).
struct DdlSubjects {
    std::vector<std::pair<std::string, std::string>> tables;  // (schema, table)
    std::vector<std::string> databases;
    // "schema.name" of the trigger a CREATE/DROP TRIGGER statement names; empty for any other
    // statement. Such statements are never replicated: see kTriggerSkipReason.
    std::string trigger;
};
DdlSubjects scanDdlSubjects(std::string_view defaultSchema, std::string_view statement);

// Why Ferry does not replicate CREATE/DROP TRIGGER: row-based capture already carries every row
// a source trigger writes (pt-online-schema-change's copy triggers, for instance), and Ferry
// applies rows with SQL, so a copy of the trigger on the target would fire on the applied rows
// and write them a second time. Native row-based replication does not fire triggers on a
// replica either.
inline constexpr std::string_view kTriggerSkipReason =
    "triggers are not replicated: the row events already carry what a source trigger writes, and "
    "a copy on the target would fire on the applied rows and write them twice";

// True for CREATE/ALTER/DROP DATABASE|SCHEMA. The binlog gives such a statement the database it
// creates or drops as its default schema, which the target cannot USE before it exists.
bool isDatabaseStatement(std::string_view statement);

// Which tables `ferry-agent replicate` copies: a table is replicated when it matches an
// --include pattern (or there is none) and no --exclude pattern. The ferry schema (Ferry's own
// bookkeeping) is never replicated, whatever the patterns say. A plain value; const methods are
// thread-safe.
class TableFilter {
public:
    static Result<TableFilter> create(const std::vector<std::string>& include,
                                      const std::vector<std::string>& exclude,
                                      std::string ferrySchema);

    bool includes(std::string_view schema, std::string_view table) const;
    // A whole database (CREATE/DROP DATABASE, or a DDL naming no table): replicated when some
    // --include pattern's schema side matches it (or there is none) and no --exclude pattern
    // `schema.*` covers it.
    bool includesDatabase(std::string_view schema) const;
    // Apply, Skip or Mixed by the subjects' filter results; CREATE/DROP TRIGGER is always Skip
    // with `reason` set, whatever the filter (see kTriggerSkipReason).
    DdlVerdict decideDdl(std::string_view defaultSchema, std::string_view statement) const;

    bool empty() const { return m_include.empty() && m_exclude.empty(); }
    const std::string& ferrySchema() const { return m_ferrySchema; }
    // "include shop.*, exclude shop.audit_*" or "all tables", for the start banner.
    std::string describe() const;

private:
    std::vector<TablePattern> m_include;
    std::vector<TablePattern> m_exclude;
    std::string m_ferrySchema = "ferry";
};

}  // namespace ferry::replicate
