// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ferry/compare/table_filter.h"
#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"

namespace ferry::compare {

struct CompareOptions {
    TableFilter tables;
    std::size_t chunkSize = 1000;  // rows per chunk, walked on the left side's key
    std::uint32_t retries = 0;     // re-checks of a differing chunk (replication lag)
    std::chrono::milliseconds retryDelay{1000};
    std::size_t maxKeys = 100;  // differing keys listed per table; the rest are counted
    // Waits between retries; tests inject one that does not sleep.
    std::function<void(std::chrono::milliseconds)> sleep;
};

enum class DifferenceKind {
    MissingLeft,   // the key exists on the right only
    MissingRight,  // the key exists on the left only
    RowDiffers,    // both have the key, the common columns differ
};

std::string_view differenceKindName(DifferenceKind kind);  // missing_left, missing_right, differs

// One value of a key column as the server printed it (raw bytes for binary columns).
struct KeyValue {
    std::string column;
    std::string value;
    bool binary = false;
};

struct KeyDifference {
    DifferenceKind kind = DifferenceKind::RowDiffers;
    std::vector<KeyValue> key;

    // `id=5, name='a b', tag=0x00ff`: for people.
    std::string describeKey() const;
};

enum class TableVerdict {
    Identical,
    Different,
    MissingRight,  // in the set on the left, absent on the right
    MissingLeft,   // in the set on the right, absent on the left
};

std::string_view tableVerdictName(TableVerdict verdict);  // identical, different, ...

// What compare found for one table.
struct TableReport {
    std::string schema;
    std::string table;
    TableVerdict verdict = TableVerdict::Identical;
    // Column list differences (`column price: left decimal(10,2), right decimal(12,2)`, `column
    // note only on the left`); rows are then compared on the common columns.
    std::vector<std::string> columnDifferences;
    // The key walked: the primary key or a unique NOT NULL key. Empty: the table has neither and
    // was compared by row counts and a whole-table checksum only.
    std::vector<std::string> keyColumns;
    std::uint64_t rowsLeft = 0;
    std::uint64_t rowsRight = 0;
    std::uint64_t chunks = 0;
    std::uint64_t differingChunks = 0;  // after retries
    bool checksumDiffers = false;       // keyless tables: counts or checksum differ
    std::vector<KeyDifference> keys;    // at most CompareOptions::maxKeys, in key order per chunk
    std::uint64_t moreKeys = 0;         // differing keys beyond the cap

    bool keyless() const { return keyColumns.empty(); }
    std::uint64_t differingRows() const { return keys.size() + moreKeys; }
    std::string name() const { return schema + "." + table; }
};

struct CompareReport {
    std::vector<TableReport> tables;

    bool identical() const;
};

// Compares the table set of `options` on two servers (MySQL 5.7+/8, MariaDB 10.3+): the tables
// are listed from information_schema of both sides; each table's column lists are compared, then
// its rows: chunk by chunk along the left side's key (keyset pagination), each side counting and
// checksumming the rows of the chunk's key range in its own REPEATABLE READ snapshot; the first
// chunk is open below and the last open above, so rows only the right side has are covered.
// Differing chunks are re-checked `retries` times after `retryDelay`, then drilled into row by
// row to name the keys.
// Sets session variables of both connections (time_zone '+00:00', isolation level REPEATABLE
// READ) and runs read-only transactions on them; the caller owns the connections.
// Errors: a failed query (the table and the statement's purpose named in the message).
Result<CompareReport> compareTables(mysql::MysqlConnection& left, mysql::MysqlConnection& right,
                                    const CompareOptions& options);

}  // namespace ferry::compare
