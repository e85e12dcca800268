// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::apply {

// Renames from the table mappings: source schema.table -> target schema.table, and per source
// table, source column -> target column. Names not listed keep their source name.
// A plain value.
class NameMapping {
public:
    void renameTable(std::string sourceSchema, std::string sourceTable, std::string targetSchema,
                     std::string targetTable);
    void renameColumn(std::string sourceSchema, std::string sourceTable, std::string sourceColumn,
                      std::string targetColumn);

    std::pair<std::string, std::string> targetTable(const std::string& schema,
                                                    const std::string& table) const;
    std::string targetColumn(const std::string& schema, const std::string& table,
                             const std::string& column) const;

private:
    std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> m_tables;
    std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> m_columns;
};

struct BuilderOptions {
    // Tables with neither a primary key nor a unique key of NOT NULL columns: match UPDATE and
    // DELETE on every column of the before image with `<=>` and LIMIT 1. Off: such a row change
    // is refused with an error naming the table.
    bool matchAllColumnsWithoutKey = false;
    // Consecutive INSERTs into one table with the same columns become one multi-row INSERT up
    // to this many bytes of SQL (a single row may exceed it: rows are never split).
    std::size_t maxInsertBytes = 1u << 20;
};

// Which key an UPDATE or DELETE matches on.
enum class KeyKind { PrimaryKey, UniqueKey, AllColumns };

// One SQL statement built from one or more consecutive row changes of a transaction.
struct RowStatement {
    std::string sql;
    ferry::v1::ChangeType type = ferry::v1::CHANGE_TYPE_UNSPECIFIED;
    std::uint32_t table = 0;      // index into Transaction.tables
    std::size_t firstChange = 0;  // index into Transaction.changes
    std::size_t rowCount = 1;     // changes it covers; also the affected rows it must report
    std::string targetTable;      // `schema`.`table` on the target, for messages
    std::string key;              // "id=42" or "(a, b)=(1, 'x')": the first row's key
    std::uint64_t eventPos = 0;   // the first row's rows event in the source binlog
};

// Renders ferry.v1 row changes as SQL for a MySQL/MariaDB target, exactly: no value goes through
// a lossy conversion. The session that runs the statements must use time_zone '+00:00' (TIMESTAMP
// values are rendered as UTC text), names utf8mb4, backslash escapes (no NO_BACKSLASH_ESCAPES)
// and a sql_mode that accepts zero dates.
//
// Literals: integers as decimal; DOUBLE and FLOAT as the shortest round-trip text with an
// exponent (an approximate-number literal, so the server parses it as the same double);
// DECIMAL as an unquoted exact literal; DATE/TIME/DATETIME as quoted text; TIMESTAMP as
// 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC (0 is the zero timestamp); text as _utf8mb4'..' when the
// charset is utf8 and the bytes are valid UTF-8, else _<charset> X'..' (no conversion on the
// wire), or X'..' when the charset is unknown and the bytes are not UTF-8; binary as X'..';
// JSON as a utf8mb4 string; BIT as b'..'; ENUM by name when the names are known, else by index;
// SET as its bitmask; GEOMETRY as ST_GeomFromWKB(X'wkb', srid); VECTOR as X'..'. Absent columns
// (no kind set) are left out of INSERT and SET lists; generated columns are never written.
//
// Stateless apart from its options; const methods may be called from several threads when the
// quote function allows it.
class StatementBuilder {
public:
    using QuoteFunction = std::function<std::string(std::string_view)>;

    StatementBuilder(QuoteFunction quote, BuilderOptions options = {}, NameMapping mapping = {});

    // One value as a SQL expression for `column`.
    Result<std::string> renderValue(const ferry::v1::Column& column,
                                    const ferry::v1::Value& value) const;

    // The statements for the row changes of a transaction, in source order; consecutive inserts
    // into one table with the same present columns share a multi-row INSERT.
    Result<std::vector<RowStatement>> build(const ferry::v1::Transaction& transaction) const;

    // The key an UPDATE or DELETE of `table` matches on, or an error naming the table.
    Result<std::pair<KeyKind, std::vector<std::uint32_t>>> chooseKey(
        const ferry::v1::TableDefinition& table) const;

private:
    Result<RowStatement> buildInsert(const ferry::v1::Transaction& transaction, std::size_t first,
                                     std::size_t& next) const;
    Result<RowStatement> buildUpdate(const ferry::v1::Transaction& transaction,
                                     std::size_t index) const;
    Result<RowStatement> buildDelete(const ferry::v1::Transaction& transaction,
                                     std::size_t index) const;
    // `WHERE ...` (and ` LIMIT 1` when matching all columns) plus the key for messages.
    Result<std::pair<std::string, std::string>> whereClause(
        const ferry::v1::TableDefinition& table, const ferry::v1::RowChange& change) const;
    std::string targetTableName(const ferry::v1::TableDefinition& table) const;
    std::string targetColumnName(const ferry::v1::TableDefinition& table,
                                 std::uint32_t column) const;

    QuoteFunction m_quote;
    BuilderOptions m_options;
    NameMapping m_mapping;
};

// The charset name of a collation id (MySQL and MariaDB share the ids below 256), or nullopt
// when unknown. 63 is "binary".
std::optional<std::string_view> charsetOfCollation(std::uint32_t collation);

// "schema.table" of the source, for messages.
std::string sourceTableName(const ferry::v1::TableDefinition& table);

// "file:pos" of a source position, for messages.
std::string positionText(const ferry::v1::SourcePosition& position);

// "source transaction file:pos..file:pos (GTID g)", for messages.
std::string describeTransaction(const ferry::v1::Transaction& transaction);

}  // namespace ferry::apply
