// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

// The SQL `compare` sends, built from information_schema facts. Every expression is one that
// MySQL 5.7+/8 and MariaDB 10.3+ evaluate to the same bytes for the same data. Pure functions;
// thread-safe.
namespace ferry::compare {

// One column as information_schema.COLUMNS describes it.
struct ColumnInfo {
    std::string name;
    std::string dataType;    // DATA_TYPE, e.g. "varchar"
    std::string columnType;  // COLUMN_TYPE, e.g. "varchar(20)", "int(11) unsigned"
    bool nullable = true;
};

// How a column enters the row hash: binary data hex-encoded (no charset can touch it), text
// converted to utf8mb4 (the same characters give the same bytes whatever the column's charset),
// everything else (numbers, temporal types) as the server prints it.
enum class ValueClass { Binary, Text, Plain };

ValueClass classifyDataType(std::string_view dataType);

// COLUMN_TYPE lowercased, without the display width of integer types that MySQL 8.0.19+ no longer
// prints ("int(11) unsigned" -> "int unsigned"), so the two flavors compare equal.
std::string normalizeColumnType(std::string_view columnType);

// `name` with backquotes, inner backquotes doubled.
std::string quoteIdentifier(std::string_view name);
// `schema`.`table`.
std::string qualifiedName(std::string_view schema, std::string_view table);

// MD5 (32 hex digits) over the columns: CONCAT_WS('#', one value per column, a string of NULL
// markers (so NULL differs from ''), the character lengths of the text and binary values (so a '#'
// inside a value cannot shift a boundary)). With no columns, MD5 of the empty string.
std::string rowHashExpression(const std::vector<ColumnInfo>& columns);

// SELECT COUNT(*), SUM of the hash's first 64 bits, BIT_XOR of its last 64 bits over the rows of
// `table` matching `where` (empty: all rows). The result is independent of row order and counts
// duplicate rows.
std::string chunkChecksumQuery(std::string_view qualifiedTable,
                               const std::vector<ColumnInfo>& columns, std::string_view where);

// A SQL literal for a key value: X'..' for binary columns, else `quotedText` (already quoted by
// the connection).
std::string hexLiteral(std::string_view bytes);

// The key tuple is strictly greater than `literals` (inclusive = false) or at most `literals`
// (inclusive = true, comparing downwards): expanded to ORs of equalities so every server's range
// optimizer uses the key's index. REQUIRES: key.size() == literals.size() > 0.
std::string keyAfter(const std::vector<std::string>& key, const std::vector<std::string>& literals);
std::string keyAtMost(const std::vector<std::string>& key,
                      const std::vector<std::string>& literals);

}  // namespace ferry::compare
