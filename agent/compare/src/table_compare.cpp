// SPDX-License-Identifier: Apache-2.0
#include "ferry/compare/table_compare.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ferry/compare/row_sql.h"

namespace ferry::compare {
namespace {

using mysql::MysqlConnection;
using KeyTuple = std::vector<std::string>;

// One chunk of the key walk: rows with lower < key <= upper; an absent bound is open.
struct Chunk {
    std::optional<KeyTuple> lower;
    std::optional<KeyTuple> upper;
};

// Count and checksum of a chunk on one side.
struct ChunkSums {
    std::uint64_t count = 0;
    std::string sum;
    std::string bitXor;

    bool operator==(const ChunkSums&) const = default;
};

struct ChunkResult {
    Chunk chunk;
    ChunkSums left;
    ChunkSums right;
};

// What one side says about one table.
struct TableShape {
    std::vector<ColumnInfo> columns;
    std::vector<std::string> key;  // primary or unique NOT NULL key; empty: none
};

Error withContext(const Error& error, const std::string& what) {
    return makeError(error.code, what + ": " + error.message);
}

Result<std::set<std::pair<std::string, std::string>>> listTables(MysqlConnection& connection,
                                                                 const TableFilter& filter) {
    FERRY_ASSIGN_OR_RETURN(
        mysql::QueryResult result,
        connection.query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE "
                         "TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN "
                         "('mysql', 'information_schema', 'performance_schema', 'sys')"));
    std::set<std::pair<std::string, std::string>> tables;
    for (const auto& row : result.rows) {
        if (row.size() < 2 || !row[0] || !row[1]) {
            continue;
        }
        if (filter.matches(*row[0], *row[1])) {
            tables.emplace(*row[0], *row[1]);
        }
    }
    return tables;
}

Result<TableShape> readShape(MysqlConnection& connection, const std::string& schema,
                             const std::string& table) {
    TableShape shape;
    const std::string where = "TABLE_SCHEMA = " + connection.quote(schema) +
                              " AND TABLE_NAME = " + connection.quote(table);
    FERRY_ASSIGN_OR_RETURN(
        mysql::QueryResult columns,
        connection.query("SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE FROM "
                         "information_schema.COLUMNS WHERE " +
                         where + " ORDER BY ORDINAL_POSITION"));
    for (const auto& row : columns.rows) {
        if (row.size() < 4 || !row[0] || !row[1] || !row[2] || !row[3]) {
            return makeError(ErrorCode::Internal,
                             "information_schema.COLUMNS returned an incomplete row");
        }
        shape.columns.push_back(ColumnInfo{*row[0], *row[1], *row[2], *row[3] == "YES"});
    }
    FERRY_ASSIGN_OR_RETURN(
        mysql::QueryResult indexes,
        connection.query("SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS "
                         "WHERE " +
                         where +
                         " AND NON_UNIQUE = 0 ORDER BY INDEX_NAME <> 'PRIMARY', INDEX_NAME, "
                         "SEQ_IN_INDEX"));
    // Index name -> columns, in the order the query gave (PRIMARY first).
    std::vector<std::pair<std::string, std::vector<std::optional<std::string>>>> keys;
    for (const auto& row : indexes.rows) {
        if (row.size() < 2 || !row[0]) {
            continue;
        }
        if (keys.empty() || keys.back().first != *row[0]) {
            keys.emplace_back(*row[0], std::vector<std::optional<std::string>>{});
        }
        keys.back().second.push_back(row[1]);
    }
    for (const auto& [name, keyColumns] : keys) {
        bool usable = !keyColumns.empty();
        for (const auto& column : keyColumns) {
            // A functional key part (no column name) or a nullable column cannot be walked.
            const auto info = std::find_if(shape.columns.begin(), shape.columns.end(),
                                           [&](const ColumnInfo& c) { return column == c.name; });
            if (!column || info == shape.columns.end() || info->nullable) {
                usable = false;
                break;
            }
        }
        if (usable) {
            for (const auto& column : keyColumns) {
                shape.key.push_back(*column);
            }
            break;
        }
    }
    return shape;
}

// Runs `body` inside a read-only REPEATABLE READ snapshot of `connection`.
template <typename Body>
Status inSnapshot(MysqlConnection& connection, Body&& body) {
    FERRY_TRY(connection.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"));
    Status status = body();
    if (!status.ok()) {
        (void)connection.execute("ROLLBACK");
        return status;
    }
    return connection.execute("COMMIT");
}

// Compares one table whose shapes are known on both sides.
class TableComparer {
public:
    TableComparer(MysqlConnection& left, MysqlConnection& right, const CompareOptions& options,
                  TableReport& report)
        : m_left(left), m_right(right), m_options(options), m_report(report) {}

    Status run(const TableShape& leftShape, const TableShape& rightShape) {
        m_table = qualifiedName(m_report.schema, m_report.table);
        compareColumns(leftShape, rightShape);
        bool keyCommon = !leftShape.key.empty();
        for (const std::string& name : leftShape.key) {
            const auto found = std::find_if(m_columns.begin(), m_columns.end(),
                                            [&](const ColumnInfo& c) { return c.name == name; });
            if (found == m_columns.end()) {
                keyCommon = false;
            } else {
                m_keyBinary.push_back(classifyDataType(found->dataType) == ValueClass::Binary);
            }
        }
        if (!keyCommon) {
            if (!leftShape.key.empty()) {
                m_report.columnDifferences.push_back(
                    "key column(s) missing on the right: rows compared by counts and checksum");
            }
            return compareKeyless();
        }
        m_report.keyColumns = leftShape.key;
        return compareChunked();
    }

private:
    void compareColumns(const TableShape& left, const TableShape& right) {
        std::map<std::string, const ColumnInfo*> rightByName;
        for (const ColumnInfo& column : right.columns) {
            rightByName.emplace(column.name, &column);
        }
        for (const ColumnInfo& column : left.columns) {
            const auto found = rightByName.find(column.name);
            if (found == rightByName.end()) {
                m_report.columnDifferences.push_back("column " + column.name + " only on the left");
                continue;
            }
            const std::string leftType = normalizeColumnType(column.columnType);
            const std::string rightType = normalizeColumnType(found->second->columnType);
            if (leftType != rightType) {
                m_report.columnDifferences.push_back("column " + column.name + ": left " +
                                                     leftType + ", right " + rightType);
            } else if (column.nullable != found->second->nullable) {
                m_report.columnDifferences.push_back(
                    "column " + column.name + ": " + (column.nullable ? "NULL" : "NOT NULL") +
                    " on the left, " + (found->second->nullable ? "NULL" : "NOT NULL") +
                    " on the right");
            }
            m_columns.push_back(column);
            rightByName.erase(found);
        }
        for (const ColumnInfo& column : right.columns) {
            if (rightByName.count(column.name) != 0) {
                m_report.columnDifferences.push_back("column " + column.name +
                                                     " only on the right");
            }
        }
    }

    std::string keyList() const {
        std::string out;
        for (const std::string& name : m_report.keyColumns) {
            out += (out.empty() ? "" : ", ") + quoteIdentifier(name);
        }
        return out;
    }

    std::vector<std::string> literals(MysqlConnection& connection, const KeyTuple& values) {
        std::vector<std::string> out;
        out.reserve(values.size());
        for (std::size_t i = 0; i < values.size(); ++i) {
            out.push_back(m_keyBinary[i] ? hexLiteral(values[i]) : connection.quote(values[i]));
        }
        return out;
    }

    std::string rangeWhere(MysqlConnection& connection, const Chunk& chunk) {
        std::string where;
        if (chunk.lower) {
            where = keyAfter(m_report.keyColumns, literals(connection, *chunk.lower));
        }
        if (chunk.upper) {
            if (!where.empty()) {
                where += " AND ";
            }
            where += keyAtMost(m_report.keyColumns, literals(connection, *chunk.upper));
        }
        return where;
    }

    Result<ChunkSums> checksum(MysqlConnection& connection, const std::string& where) {
        auto result = connection.query(chunkChecksumQuery(m_table, m_columns, where));
        if (!result.ok()) {
            return withContext(result.error(), "checksum of " + m_report.name());
        }
        if (result->rows.size() != 1 || result->rows[0].size() != 3 || !result->rows[0][0]) {
            return makeError(ErrorCode::Internal,
                             "checksum of " + m_report.name() + " returned no row");
        }
        const auto& row = result->rows[0];
        ChunkSums sums;
        const std::string& count = *row[0];
        const auto parsed = std::from_chars(count.data(), count.data() + count.size(), sums.count);
        if (parsed.ec != std::errc() || parsed.ptr != count.data() + count.size()) {
            return makeError(
                ErrorCode::Internal,
                "checksum of " + m_report.name() + " returned a count that is no number: " + count);
        }
        sums.sum = row[1].value_or("0");
        sums.bitXor = row[2].value_or("0");
        return sums;
    }

    Result<ChunkSums> checksumIn(MysqlConnection& connection, const Chunk& chunk) {
        ChunkSums sums;
        FERRY_TRY(inSnapshot(connection, [&]() -> Status {
            FERRY_ASSIGN_OR_RETURN(sums, checksum(connection, rangeWhere(connection, chunk)));
            return okStatus();
        }));
        return sums;
    }

    Status compareKeyless() {
        ChunkSums left;
        ChunkSums right;
        FERRY_TRY(inSnapshot(m_left, [&]() -> Status {
            FERRY_ASSIGN_OR_RETURN(left, checksum(m_left, ""));
            return okStatus();
        }));
        FERRY_TRY(inSnapshot(m_right, [&]() -> Status {
            FERRY_ASSIGN_OR_RETURN(right, checksum(m_right, ""));
            return okStatus();
        }));
        m_report.chunks = 1;
        m_report.rowsLeft = left.count;
        m_report.rowsRight = right.count;
        m_report.checksumDiffers = !(left == right);
        return okStatus();
    }

    // Walks the left side's key; the next chunk's upper bound is the last of the next
    // chunkSize keys (fewer: the last chunk, open above).
    Status compareChunked() {
        std::vector<ChunkResult> differing;
        std::optional<KeyTuple> lower;
        const std::string keys = keyList();
        for (;;) {
            ChunkResult result;
            result.chunk.lower = lower;
            FERRY_TRY(inSnapshot(m_left, [&]() -> Status {
                std::string sql = "SELECT " + keys + " FROM " + m_table;
                if (lower) {
                    sql += " WHERE " + keyAfter(m_report.keyColumns, literals(m_left, *lower));
                }
                sql += " ORDER BY " + keys + " LIMIT " + std::to_string(m_options.chunkSize);
                auto bounds = m_left.query(sql);
                if (!bounds.ok()) {
                    return withContext(bounds.error(), "reading the keys of " + m_report.name());
                }
                if (bounds->rows.size() >= m_options.chunkSize && !bounds->rows.empty()) {
                    KeyTuple upper;
                    for (const auto& value : bounds->rows.back()) {
                        if (!value) {
                            return makeError(ErrorCode::Internal,
                                             "key of " + m_report.name() + " returned NULL");
                        }
                        upper.push_back(*value);
                    }
                    result.chunk.upper = std::move(upper);
                }
                FERRY_ASSIGN_OR_RETURN(result.left,
                                       checksum(m_left, rangeWhere(m_left, result.chunk)));
                return okStatus();
            }));
            FERRY_ASSIGN_OR_RETURN(result.right, checksumIn(m_right, result.chunk));
            ++m_report.chunks;
            m_report.rowsLeft += result.left.count;
            m_report.rowsRight += result.right.count;
            if (!(result.left == result.right)) {
                differing.push_back(result);
            }
            if (!result.chunk.upper) {
                break;
            }
            lower = result.chunk.upper;
        }
        for (std::uint32_t attempt = 0; attempt < m_options.retries && !differing.empty();
             ++attempt) {
            if (m_options.sleep) {
                m_options.sleep(m_options.retryDelay);
            } else {
                std::this_thread::sleep_for(m_options.retryDelay);
            }
            std::vector<ChunkResult> still;
            for (ChunkResult& result : differing) {
                FERRY_ASSIGN_OR_RETURN(ChunkSums left, checksumIn(m_left, result.chunk));
                FERRY_ASSIGN_OR_RETURN(ChunkSums right, checksumIn(m_right, result.chunk));
                m_report.rowsLeft += left.count - result.left.count;
                m_report.rowsRight += right.count - result.right.count;
                result.left = left;
                result.right = right;
                if (!(left == right)) {
                    still.push_back(std::move(result));
                }
            }
            differing = std::move(still);
        }
        m_report.differingChunks = differing.size();
        for (const ChunkResult& result : differing) {
            FERRY_TRY(drill(result.chunk));
        }
        return okStatus();
    }

    struct RowHash {
        KeyTuple key;
        std::string hash;
    };

    Result<std::vector<RowHash>> rowHashes(MysqlConnection& connection, const Chunk& chunk) {
        std::vector<RowHash> rows;
        FERRY_TRY(inSnapshot(connection, [&]() -> Status {
            const std::string keys = keyList();
            std::string sql =
                "SELECT " + keys + ", " + rowHashExpression(m_columns) + " FROM " + m_table;
            const std::string where = rangeWhere(connection, chunk);
            if (!where.empty()) {
                sql += " WHERE " + where;
            }
            sql += " ORDER BY " + keys;
            auto result = connection.query(sql);
            if (!result.ok()) {
                return withContext(result.error(), "reading the rows of " + m_report.name());
            }
            const std::size_t width = m_report.keyColumns.size();
            for (auto& row : result->rows) {
                if (row.size() != width + 1) {
                    return makeError(ErrorCode::Internal,
                                     "row hashes of " + m_report.name() + " have a wrong width");
                }
                RowHash hash;
                for (std::size_t i = 0; i <= width; ++i) {
                    if (!row[i]) {
                        return makeError(ErrorCode::Internal,
                                         "row hash of " + m_report.name() + " returned NULL");
                    }
                }
                for (std::size_t i = 0; i < width; ++i) {
                    hash.key.push_back(std::move(*row[i]));
                }
                hash.hash = std::move(*row[width]);
                rows.push_back(std::move(hash));
            }
            return okStatus();
        }));
        return rows;
    }

    void addKey(DifferenceKind kind, const KeyTuple& key) {
        if (m_report.keys.size() >= m_options.maxKeys) {
            ++m_report.moreKeys;
            return;
        }
        KeyDifference difference;
        difference.kind = kind;
        for (std::size_t i = 0; i < key.size(); ++i) {
            difference.key.push_back(KeyValue{m_report.keyColumns[i], key[i], m_keyBinary[i]});
        }
        m_report.keys.push_back(std::move(difference));
    }

    Status drill(const Chunk& chunk) {
        FERRY_ASSIGN_OR_RETURN(std::vector<RowHash> left, rowHashes(m_left, chunk));
        FERRY_ASSIGN_OR_RETURN(std::vector<RowHash> right, rowHashes(m_right, chunk));
        std::map<KeyTuple, const std::string*> rightByKey;
        for (const RowHash& row : right) {
            rightByKey.emplace(row.key, &row.hash);
        }
        for (const RowHash& row : left) {
            const auto found = rightByKey.find(row.key);
            if (found == rightByKey.end()) {
                addKey(DifferenceKind::MissingRight, row.key);
                continue;
            }
            if (*found->second != row.hash) {
                addKey(DifferenceKind::RowDiffers, row.key);
            }
            rightByKey.erase(found);
        }
        for (const RowHash& row : right) {
            if (rightByKey.count(row.key) != 0) {
                addKey(DifferenceKind::MissingLeft, row.key);
            }
        }
        return okStatus();
    }

    MysqlConnection& m_left;
    MysqlConnection& m_right;
    const CompareOptions& m_options;
    TableReport& m_report;
    std::string m_table;
    std::vector<ColumnInfo> m_columns;  // common to both sides, in the left's order
    std::vector<bool> m_keyBinary;
};

Status prepareSession(MysqlConnection& connection) {
    return connection.execute(
        "SET SESSION time_zone = '+00:00'; SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE "
        "READ");
}

}  // namespace

std::string_view differenceKindName(DifferenceKind kind) {
    switch (kind) {
        case DifferenceKind::MissingLeft:
            return "missing_left";
        case DifferenceKind::MissingRight:
            return "missing_right";
        case DifferenceKind::RowDiffers:
            return "differs";
    }
    return "differs";
}

std::string_view tableVerdictName(TableVerdict verdict) {
    switch (verdict) {
        case TableVerdict::Identical:
            return "identical";
        case TableVerdict::Different:
            return "different";
        case TableVerdict::MissingRight:
            return "missing_right";
        case TableVerdict::MissingLeft:
            return "missing_left";
    }
    return "different";
}

std::string KeyDifference::describeKey() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (const KeyValue& value : key) {
        if (!out.empty()) {
            out += ", ";
        }
        out += value.column + "=";
        if (value.binary) {
            out += "0x";
            for (char c : value.value) {
                const auto byte = static_cast<unsigned char>(c);
                out += kDigits[byte >> 4];
                out += kDigits[byte & 0x0f];
            }
        } else {
            out += value.value;
        }
    }
    return out;
}

bool CompareReport::identical() const {
    return std::all_of(tables.begin(), tables.end(), [](const TableReport& table) {
        return table.verdict == TableVerdict::Identical;
    });
}

Result<CompareReport> compareTables(MysqlConnection& left, MysqlConnection& right,
                                    const CompareOptions& options) {
    if (options.chunkSize == 0) {
        return makeError(ErrorCode::InvalidArgument, "the chunk size must be at least 1");
    }
    FERRY_TRY(prepareSession(left));
    FERRY_TRY(prepareSession(right));
    auto leftTables = listTables(left, options.tables);
    if (!leftTables.ok()) {
        return withContext(leftTables.error(), "listing the tables on the left");
    }
    auto rightTables = listTables(right, options.tables);
    if (!rightTables.ok()) {
        return withContext(rightTables.error(), "listing the tables on the right");
    }
    std::set<std::pair<std::string, std::string>> all = *leftTables;
    all.insert(rightTables->begin(), rightTables->end());
    CompareReport report;
    for (const auto& [schema, table] : all) {
        TableReport& tableReport = report.tables.emplace_back();
        tableReport.schema = schema;
        tableReport.table = table;
        if (rightTables->count({schema, table}) == 0) {
            tableReport.verdict = TableVerdict::MissingRight;
            continue;
        }
        if (leftTables->count({schema, table}) == 0) {
            tableReport.verdict = TableVerdict::MissingLeft;
            continue;
        }
        auto leftShape = readShape(left, schema, table);
        if (!leftShape.ok()) {
            return withContext(leftShape.error(),
                               "reading the columns of " + tableReport.name() + " on the left");
        }
        auto rightShape = readShape(right, schema, table);
        if (!rightShape.ok()) {
            return withContext(rightShape.error(),
                               "reading the columns of " + tableReport.name() + " on the right");
        }
        TableComparer comparer(left, right, options, tableReport);
        FERRY_TRY(comparer.run(*leftShape, *rightShape));
        const bool differs = !tableReport.columnDifferences.empty() ||
                             tableReport.differingChunks != 0 || tableReport.checksumDiffers ||
                             tableReport.differingRows() != 0;
        tableReport.verdict = differs ? TableVerdict::Different : TableVerdict::Identical;
    }
    return report;
}

}  // namespace ferry::compare
