// SPDX-License-Identifier: Apache-2.0
// Shared by the ferry_stream tests: sysbench-like rows, transactions and spooled transactions,
// a temporary folder, and peak memory.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "ferry/capture/spool.h"
#include "ferry/capture/transaction_sink.h"
#include "ferry/v1/change.pb.h"

namespace ferry::stream::test {

// A folder under the system temp folder, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        m_path =
            std::filesystem::temp_directory_path() /
            ("ferry-stream-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

inline v1::SourcePosition position(const std::string& file, std::uint64_t pos) {
    v1::SourcePosition p;
    p.set_file(file);
    p.set_pos(pos);
    return p;
}

// sbtest-like text: groups of 11 digits separated by '-', derived from `seed`.
inline std::string sysbenchText(std::uint64_t seed, int groups) {
    std::string text;
    std::uint64_t x = seed * 6364136223846793005ull + 1442695040888963407ull;
    for (int g = 0; g < groups; ++g) {
        if (g > 0) {
            text += '-';
        }
        for (int d = 0; d < 11; ++d) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            text += static_cast<char>('0' + ((x >> 33) % 10));
        }
    }
    return text;
}

// Row `i` of an sbtest table: id, k, c CHAR(120), pad CHAR(60). Every third change is an insert,
// the others updates with a before image (all inserts when `insertsOnly`).
inline v1::RowChange sysbenchChange(std::uint64_t i, std::uint64_t eventPos,
                                    bool insertsOnly = false) {
    v1::RowChange change;
    change.set_table(0);
    change.set_event_pos(eventPos);
    auto fill = [&](google::protobuf::RepeatedPtrField<v1::Value>* image, std::uint64_t seed) {
        image->Add()->set_int_(static_cast<std::int64_t>(i + 1));
        image->Add()->set_int_(static_cast<std::int64_t>((seed * 7919) % 1000003));
        v1::Value* c = image->Add();
        c->set_text(sysbenchText(seed, 10));
        c->set_collation(255);
        v1::Value* pad = image->Add();
        pad->set_text(sysbenchText(seed + 1, 5));
        pad->set_collation(255);
    };
    if (insertsOnly || i % 3 == 0) {
        change.set_type(v1::CHANGE_TYPE_INSERT);
        fill(change.mutable_after(), i);
    } else {
        change.set_type(v1::CHANGE_TYPE_UPDATE);
        fill(change.mutable_before(), i);
        fill(change.mutable_after(), i + 1000000007ull);
    }
    return change;
}

inline v1::TableDefinition sbtestTable() {
    v1::TableDefinition table;
    table.set_schema("sbtest");
    table.set_name("sbtest1");
    const char* names[] = {"id", "k", "c", "pad"};
    const std::uint32_t types[] = {3, 3, 254, 254};
    for (int n = 0; n < 4; ++n) {
        v1::Column* column = table.add_columns();
        column->set_name(names[n]);
        column->set_type(types[n]);
        column->set_collation(n >= 2 ? 255 : 0);
    }
    table.add_primary_key(0);
    return table;
}

// A transaction header at binlog position `begin` of file `file`.
inline v1::Transaction transactionHeader(const std::string& file, std::uint64_t begin,
                                         std::uint64_t rows) {
    v1::Transaction t;
    *t.mutable_begin() = position(file, begin);
    *t.mutable_end() = position(file, begin + 100 + rows * 250);
    t.set_gtid("3e11fa47-71ca-11e1-9e33-c80aa9429562:" + std::to_string(begin));
    t.set_commit_ts(1795000000 + begin / 1000);
    t.set_server_id(1);
    *t.add_tables() = sbtestTable();
    t.set_row_count(rows);
    return t;
}

// A small whole transaction with `rows` changes; the rows are numbered from `firstRow`.
inline capture::CapturedTransaction wholeTransaction(const std::string& file, std::uint64_t begin,
                                                     std::uint64_t rows,
                                                     std::uint64_t firstRow = 0) {
    capture::CapturedTransaction captured;
    captured.transaction = transactionHeader(file, begin, rows);
    for (std::uint64_t r = 0; r < rows; ++r) {
        *captured.transaction.add_changes() = sysbenchChange(firstRow + r, begin + 50);
    }
    return captured;
}

// A streamed transaction of `rows` changes written through the capture SpoolWriter.
inline capture::CapturedTransaction spooledTransaction(const std::filesystem::path& directory,
                                                       const std::string& file, std::uint64_t begin,
                                                       std::uint64_t rows,
                                                       bool insertsOnly = false) {
    static std::atomic<int> counter{0};
    std::filesystem::create_directories(directory);
    capture::CapturedTransaction captured;
    captured.transaction = transactionHeader(file, begin, rows);
    captured.transaction.set_streamed(true);
    auto writer = capture::SpoolWriter::create(directory, "tx" + std::to_string(counter++)).value();
    for (std::uint64_t r = 0; r < rows; ++r) {
        EXPECT_TRUE(
            writer->append(sysbenchChange(r, begin + 50 + (r / 1000) * 8000, insertsOnly)).ok());
    }
    captured.spooled = std::move(writer->finish()).value();
    return captured;
}

inline double peakRssMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // KiB on Linux
}

}  // namespace ferry::stream::test
