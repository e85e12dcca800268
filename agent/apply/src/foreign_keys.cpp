// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/foreign_keys.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <optional>
#include <set>
#include <utility>

namespace ferry::apply {
namespace {

bool equalsIgnoringAsciiCase(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) {
            return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        };
        return lower(x) == lower(y);
    });
}

// What to do when a read of information_schema fails on `session`.
Error readError(const SqlSession& session, std::string_view what, const Error& cause) {
    return makeError(cause.code, "reading " + std::string(what) + " of the target " +
                                     session.where() + " failed: " + cause.message +
                                     "; check that the apply user can connect and read "
                                     "information_schema there, then start again");
}

Error badResult(const SqlSession& session, std::string_view what, std::string_view problem) {
    return makeError(ErrorCode::Corrupt,
                     "reading " + std::string(what) + " of the target " + session.where() +
                         ": the server returned " + std::string(problem) +
                         "; check that it is a MySQL or MariaDB server and report this with its "
                         "version (SELECT VERSION())");
}

// The columns `names` of `rows`, in that order, or an error naming the one missing.
template <std::size_t N>
Result<std::array<std::size_t, N>> columnsOf(const SqlSession& session, std::string_view what,
                                             const SqlRows& rows,
                                             const std::array<const char*, N>& names) {
    std::array<std::size_t, N> indexes{};
    for (std::size_t i = 0; i < N; ++i) {
        const auto index = rows.column(names[i]);
        if (!index) {
            return badResult(session, what, std::string("no column ") + names[i]);
        }
        indexes[i] = *index;
    }
    return indexes;
}

// The value of column `index` in `row`, or an error when the row is short or the value NULL.
Result<std::string> valueOf(const SqlSession& session, std::string_view what,
                            const std::vector<std::optional<std::string>>& row, std::size_t index,
                            std::string_view column) {
    if (index >= row.size()) {
        return badResult(session, what, "a row shorter than its columns");
    }
    if (!row[index]) {
        return badResult(session, what, "NULL in " + std::string(column));
    }
    return *row[index];
}

// Every schema of the server as it spells them, sorted.
Result<std::vector<std::string>> readSchemata(SqlSession& session) {
    constexpr std::string_view kWhat = "the schemas (information_schema.SCHEMATA)";
    auto rows = session.query(
        "SELECT SCHEMA_NAME AS schema_name FROM information_schema.SCHEMATA ORDER BY SCHEMA_NAME");
    if (!rows.ok()) {
        return readError(session, kWhat, rows.error());
    }
    FERRY_ASSIGN_OR_RETURN(const auto columns,
                           columnsOf<1>(session, kWhat, *rows, {"schema_name"}));
    std::vector<std::string> schemas;
    schemas.reserve(rows->rows.size());
    for (const auto& row : rows->rows) {
        FERRY_ASSIGN_OR_RETURN(std::string name,
                               valueOf(session, kWhat, row, columns[0], "SCHEMA_NAME"));
        schemas.push_back(std::move(name));
    }
    std::sort(schemas.begin(), schemas.end());
    return schemas;
}

// @@lower_case_table_names: 0 names are compared as stored, 1 and 2 ignoring case.
Result<int> lowerCaseTableNames(SqlSession& session) {
    constexpr std::string_view kWhat = "@@lower_case_table_names";
    auto rows = session.query("SELECT @@lower_case_table_names AS lctn");
    if (!rows.ok()) {
        return readError(session, kWhat, rows.error());
    }
    FERRY_ASSIGN_OR_RETURN(const auto columns, columnsOf<1>(session, kWhat, *rows, {"lctn"}));
    if (rows->rows.empty()) {
        return badResult(session, kWhat, "no row");
    }
    FERRY_ASSIGN_OR_RETURN(const std::string text,
                           valueOf(session, kWhat, rows->rows.front(), columns[0], "lctn"));
    if (text.size() == 1 && text[0] >= '0' && text[0] <= '2') {
        return text[0] - '0';
    }
    return badResult(session, kWhat, "'" + text + "'");
}

// The server's own spelling of each of `names` that names a schema: exactly under
// lower_case_table_names 0, ignoring ASCII case under 1 and 2 (the server lower-cases with the
// charset's rules there; non-ASCII letters in another case are not matched).
Result<std::set<std::string>> resolveSchemas(SqlSession& session,
                                             const std::vector<std::string>& names) {
    FERRY_ASSIGN_OR_RETURN(const int lctn, lowerCaseTableNames(session));
    FERRY_ASSIGN_OR_RETURN(const std::vector<std::string> stored, readSchemata(session));
    std::set<std::string> resolved;
    for (const std::string& name : names) {
        for (const std::string& schema : stored) {
            if (lctn == 0 ? schema == name : equalsIgnoringAsciiCase(schema, name)) {
                resolved.insert(schema);
            }
        }
    }
    return resolved;
}

}  // namespace

bool isSystemSchema(std::string_view schema) {
    for (const std::string_view system :
         {"mysql", "information_schema", "performance_schema", "sys"}) {
        if (equalsIgnoringAsciiCase(schema, system)) {
            return true;
        }
    }
    return false;
}

Result<std::vector<std::string>> listUserSchemas(SqlSession& session) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> schemas, readSchemata(session));
    std::erase_if(schemas, [](const std::string& schema) { return isSystemSchema(schema); });
    return schemas;
}

Result<std::vector<ForeignKey>> readForeignKeys(SqlSession& session,
                                                const std::vector<std::string>& schemas) {
    constexpr std::string_view kWhat =
        "the foreign keys (information_schema.REFERENTIAL_CONSTRAINTS)";
    std::vector<ForeignKey> keys;
    if (schemas.empty()) {
        return keys;
    }
    // Exact names in the query: MariaDB looks a single name up as the file system compares it,
    // but compares a list case-insensitively (its information_schema collation); the rows are
    // then kept only for exactly these names, so both give what the server's own lookup gives.
    FERRY_ASSIGN_OR_RETURN(const std::set<std::string> unique, resolveSchemas(session, schemas));
    if (unique.empty()) {
        return keys;
    }
    std::string sql =
        "SELECT CONSTRAINT_SCHEMA AS child_schema, TABLE_NAME AS child_table, "
        "CONSTRAINT_NAME AS constraint_name, UNIQUE_CONSTRAINT_SCHEMA AS parent_schema, "
        "REFERENCED_TABLE_NAME AS parent_table "
        "FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA IN (";
    bool first = true;
    for (const std::string& schema : unique) {
        if (!first) {
            sql += ", ";
        }
        first = false;
        sql += session.quote(schema);
    }
    sql += ") ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME";
    auto rows = session.query(sql);
    if (!rows.ok()) {
        return readError(session, kWhat, rows.error());
    }
    FERRY_ASSIGN_OR_RETURN(const auto columns,
                           columnsOf<5>(session, kWhat, *rows,
                                        {"child_schema", "child_table", "constraint_name",
                                         "parent_schema", "parent_table"}));
    keys.reserve(rows->rows.size());
    for (const auto& row : rows->rows) {
        ForeignKey key;
        FERRY_ASSIGN_OR_RETURN(key.schema,
                               valueOf(session, kWhat, row, columns[0], "CONSTRAINT_SCHEMA"));
        FERRY_ASSIGN_OR_RETURN(key.table, valueOf(session, kWhat, row, columns[1], "TABLE_NAME"));
        FERRY_ASSIGN_OR_RETURN(key.name,
                               valueOf(session, kWhat, row, columns[2], "CONSTRAINT_NAME"));
        FERRY_ASSIGN_OR_RETURN(
            key.parentSchema, valueOf(session, kWhat, row, columns[3], "UNIQUE_CONSTRAINT_SCHEMA"));
        FERRY_ASSIGN_OR_RETURN(key.parentTable,
                               valueOf(session, kWhat, row, columns[4], "REFERENCED_TABLE_NAME"));
        if (unique.contains(key.schema)) {
            keys.push_back(std::move(key));
        }
    }
    return keys;
}

ForeignKeyGroups buildForeignKeyGroups(const std::vector<ForeignKey>& keys) {
    ForeignKeyGroups groups;
    for (const ForeignKey& key : keys) {
        groups.link(key.schema, key.table, key.parentSchema, key.parentTable);
    }
    return groups;
}

Result<ForeignKeyGroups> loadForeignKeyGroups(SqlSession& session,
                                              const std::vector<std::string>& schemas) {
    FERRY_ASSIGN_OR_RETURN(const std::vector<ForeignKey> keys, readForeignKeys(session, schemas));
    return buildForeignKeyGroups(keys);
}

Result<ForeignKeyGroups> loadReplicatedForeignKeyGroups(SqlSession& session,
                                                        const SchemaPredicate& replicated) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> schemas, listUserSchemas(session));
    std::erase_if(schemas, [&](const std::string& schema) { return !replicated(schema); });
    return loadForeignKeyGroups(session, schemas);
}

}  // namespace ferry::apply
