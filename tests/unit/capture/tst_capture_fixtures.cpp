// SPDX-License-Identifier: Apache-2.0
// Assembles every real binlog in shared/fixtures/binlog into transactions and checks them
// against the reference decode in expected/<file>.txt (boundaries derived from its event
// listing) and against the values the fixture README states.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include "capture_test_util.h"
#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/capture/transaction_assembler.h"

namespace ferry::capture::test {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtureDir = fs::path(FERRY_SHARED_DIR) / "fixtures" / "binlog";

// Transaction boundaries as the reference listing shows them.
struct ExpectedTransaction {
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::uint64_t rows = 0;
    bool ddl = false;
};

struct ExpectedFile {
    std::vector<ExpectedTransaction> transactions;
    bool openAtEnd = false;
};

// Reads "@<offset> <TYPE> size=<n>" headers (and "[inner]" ones), "query=" lines and "row<n>:"
// lines of expected/<file>.txt. A GTID, or a BEGIN when none is pending, starts a transaction;
// XID ends it; any other statement is a DDL transaction of its own. Inner events take the
// position of their TRANSACTION_PAYLOAD.
ExpectedFile readExpected(const fs::path& path) {
    static const std::regex header(R"(^(  \[inner\])?@(\d+) (\S+) size=(\d+))");
    static const std::regex row(R"(^\s+row\d+:)");
    std::ifstream in(path, std::ios::binary);
    ExpectedFile out;
    bool open = false;
    std::uint64_t begin = 0;
    std::uint64_t rows = 0;
    std::uint64_t payloadStart = 0;
    std::uint64_t payloadEnd = 0;
    std::string type;
    std::uint64_t start = 0;
    std::uint64_t end = 0;
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (std::regex_search(line, m, header)) {
            const bool inner = m[1].matched;
            const std::uint64_t offset = std::stoull(m[2].str());
            const std::uint64_t size = std::stoull(m[4].str());
            type = m[3].str();
            if (!inner && type == "TRANSACTION_PAYLOAD") {
                payloadStart = offset;
                payloadEnd = offset + size;
            }
            start = inner ? payloadStart : offset;
            end = inner ? payloadEnd : offset + size;
            if (type == "GTID" || type == "ANONYMOUS_GTID" || type == "MARIA_GTID") {
                begin = start;
                open = true;
            } else if (type == "XID") {
                out.transactions.push_back({open ? begin : start, end, rows, false});
                open = false;
                rows = 0;
            }
            continue;
        }
        auto q = line.find("query=");
        if (q != std::string::npos && (type == "QUERY" || type == "MARIA_QUERY_COMPRESSED") &&
            line.find_first_not_of(' ') == q) {
            std::string text = line.substr(q + 7);
            if (text.rfind("BEGIN", 0) == 0) {
                if (!open) {
                    begin = start;
                    open = true;
                }
            } else {
                out.transactions.push_back({open ? begin : start, end, 0, true});
                open = false;
            }
            continue;
        }
        if (std::regex_search(line, row)) {
            ++rows;
        }
    }
    out.openAtEnd = open;
    return out;
}

struct FixtureCase {
    std::string name;
    std::size_t transactions;  // counted by hand from the listing
    std::size_t ddl;
    std::uint64_t rows;
    bool openAtEnd;
};

// Counts from the listings: XID events plus non-BEGIN statements; rows are "row<n>:" lines.
const std::vector<FixtureCase> kFixtures = {
    {"canal__parse__mysql-bin.000001", 111, 22, 95, false},
    {"local__mariadb-10.11-alltypes.000001", 10, 3, 10, false},
    {"osheroff__mysql-bin.aurora-padding", 0, 0, 0, true},
    {"osheroff__mysql-bin.checksum-crc32", 60, 0, 63, false},
    {"osheroff__mysql-bin.checksum-none", 40, 4, 36, false},
    {"osheroff__mysql-bin.compressed", 1, 0, 1, false},
    {"rust_mysql_common__json.binlog.000001", 8, 2, 18, false},
    {"rust_mysql_common__mariadb-bin.000001", 2, 0, 2, false},
    {"rust_mysql_common__minimal_row_metadata.000001", 1, 0, 1, false},
    {"rust_mysql_common__mysql-enum-string-set.000001", 5, 2, 3, false},
    {"rust_mysql_common__mysql_type_bit.000001", 3, 2, 1, false},
    {"rust_mysql_common__transaction_compression.000001", 1, 0, 1, false},
};

struct Assembled {
    CollectingSink sink;
    bool openAtEnd = false;
    TransactionAssembler::Stats stats;
};

// Decodes `name` through an assembler into a CollectingSink.
void assemble(const std::string& name, Assembled& out, AssemblerOptions options = {}) {
    TempDir spool("fixture");
    options.spoolDirectory = spool.path();
    auto assembler = TransactionAssembler::create(std::move(options), out.sink);
    ASSERT_TRUE(assembler.ok()) << assembler.error().toString();
    auto source = binlog::BinlogFileSource::open((kFixtureDir / name).string());
    ASSERT_TRUE(source.ok()) << source.error().toString();
    binlog::EventDecoder decoder;
    auto decoded = binlog::decodeAll(**source, decoder, **assembler);
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    out.openAtEnd = (*assembler)->inTransaction();
    out.stats = (*assembler)->stats();
}

bool fixturesPresent() {
    return fs::is_directory(kFixtureDir / "expected");
}

class CaptureFixtures : public ::testing::Test {
protected:
    void SetUp() override {
        if (!fixturesPresent()) {
            GTEST_SKIP() << "binlog fixtures not found at " << kFixtureDir
                         << " (set FERRY_SHARED_DIR to the shared folder)";
        }
    }
};

TEST_F(CaptureFixtures, EveryFixtureAssemblesToTheListedTransactions) {
    std::size_t listed = 0;
    for (const auto& entry : fs::directory_iterator(kFixtureDir / "expected")) {
        listed += entry.path().extension() == ".txt" ? 1 : 0;
    }
    ASSERT_EQ(listed, kFixtures.size()) << "a fixture was added or removed; extend kFixtures";

    for (const auto& fixture : kFixtures) {
        SCOPED_TRACE(fixture.name);
        auto expected = readExpected(kFixtureDir / "expected" / (fixture.name + ".txt"));
        ASSERT_EQ(expected.transactions.size(), fixture.transactions) << "listing vs table";

        Assembled got;
        assemble(fixture.name, got);
        if (HasFatalFailure()) {
            return;
        }
        const auto& entries = got.sink.entries;
        ASSERT_EQ(entries.size(), fixture.transactions);
        EXPECT_EQ(got.openAtEnd, fixture.openAtEnd);
        EXPECT_EQ(got.stats.transactions, fixture.transactions);
        EXPECT_EQ(got.stats.ddlTransactions, fixture.ddl);
        EXPECT_EQ(got.stats.rows, fixture.rows);
        EXPECT_EQ(got.stats.streamedTransactions, 0u);

        std::uint64_t previousEnd = 0;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            SCOPED_TRACE("transaction " + std::to_string(i));
            const auto& t = entries[i].transaction;
            const auto& e = expected.transactions[i];
            EXPECT_EQ(t.begin().pos(), e.begin);
            EXPECT_EQ(t.end().pos(), e.end);
            EXPECT_EQ(t.begin().file(), fixture.name);
            EXPECT_EQ(t.end().file(), fixture.name);
            EXPECT_EQ(t.source_bytes(), e.end - e.begin);
            EXPECT_EQ(t.has_ddl(), e.ddl);
            EXPECT_EQ(t.row_count(), e.rows);
            EXPECT_EQ(static_cast<std::uint64_t>(t.changes_size()), e.rows);
            EXPECT_FALSE(t.streamed());
            EXPECT_GE(t.begin().pos(), previousEnd) << "transactions overlap";
            previousEnd = t.end().pos();
            for (const auto& change : t.changes()) {
                ASSERT_LT(change.table(), static_cast<std::uint32_t>(t.tables_size()));
                const auto columns = t.tables(static_cast<int>(change.table())).columns_size();
                if (change.type() != v1::CHANGE_TYPE_INSERT) {
                    EXPECT_EQ(change.before_size(), columns);
                }
                if (change.type() != v1::CHANGE_TYPE_DELETE) {
                    EXPECT_EQ(change.after_size(), columns);
                }
                EXPECT_GE(change.event_pos(), t.begin().pos());
                EXPECT_LT(change.event_pos(), t.end().pos());
            }
        }
    }
}

// The statements below are spelled out in the fixture README.
TEST_F(CaptureFixtures, MariadbAllTypesRowValuesMatchTheServer) {
    Assembled got;
    assemble("local__mariadb-10.11-alltypes.000001", got);
    ASSERT_FALSE(HasFatalFailure());
    const auto& entries = got.sink.entries;
    ASSERT_EQ(entries.size(), 10u);

    const auto& create = entries[1].transaction;
    ASSERT_TRUE(create.has_ddl());
    EXPECT_EQ(create.ddl().schema(), "cdc");
    EXPECT_EQ(create.ddl().statement().rfind("CREATE TABLE alltypes (", 0), 0u);
    EXPECT_EQ(create.gtid(), "0-11-2");
    EXPECT_EQ(entries[0].transaction.ddl().statement(), "CREATE DATABASE cdc");

    const auto& insert = entries[2].transaction;
    EXPECT_EQ(insert.gtid(), "0-11-3");
    EXPECT_EQ(insert.server_id(), 11u);
    EXPECT_EQ(insert.commit_ts(), 1795593003u);
    ASSERT_EQ(insert.tables_size(), 1);
    const auto& table = insert.tables(0);
    EXPECT_EQ(table.schema(), "cdc");
    EXPECT_EQ(table.name(), "alltypes");
    ASSERT_EQ(table.columns_size(), 36);
    ASSERT_EQ(table.primary_key_size(), 1);
    EXPECT_EQ(table.primary_key(0), 0u);
    EXPECT_EQ(table.columns(0).name(), "id");
    EXPECT_TRUE(table.columns(0).unsigned_());
    EXPECT_FALSE(table.columns(0).nullable());
    EXPECT_FALSE(table.columns(1).unsigned_());
    EXPECT_TRUE(table.columns(1).nullable());
    EXPECT_EQ(table.columns(23).type(), 247u);
    EXPECT_EQ(std::vector<std::string>(table.columns(23).enum_names().begin(),
                                       table.columns(23).enum_names().end()),
              (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(std::vector<std::string>(table.columns(24).enum_names().begin(),
                                       table.columns(24).enum_names().end()),
              (std::vector<std::string>{"x", "y", "z"}));
    EXPECT_EQ(table.columns(26).collation(), 45u);
    EXPECT_EQ(table.columns(34).name(), "j");

    ASSERT_EQ(insert.changes_size(), 1);
    const auto& row = insert.changes(0);
    EXPECT_EQ(row.type(), v1::CHANGE_TYPE_INSERT);
    EXPECT_EQ(row.event_pos(), 1957u);
    EXPECT_EQ(row.before_size(), 0);
    ASSERT_EQ(row.after_size(), 36);
    const auto& a = row.after();
    EXPECT_EQ(a[0].uint(), 1u);
    EXPECT_EQ(a[1].int_(), -128);
    EXPECT_EQ(a[2].uint(), 255u);
    EXPECT_EQ(a[3].int_(), -32768);
    EXPECT_EQ(a[4].int_(), -8388608);
    EXPECT_EQ(a[5].uint(), 16777215u);
    EXPECT_EQ(a[6].int_(), INT64_MIN);
    EXPECT_EQ(a[7].uint(), UINT64_MAX);
    EXPECT_EQ(a[8].decimal(), "-12345678.90");
    EXPECT_EQ(a[9].decimal(), "-0.0000000001");
    EXPECT_EQ(a[10].real(), -1.5);
    EXPECT_EQ(a[11].real(), 3.141592653589793);
    EXPECT_EQ(a[12].temporal(), "2024-02-29");
    EXPECT_EQ(a[13].temporal(), "-12:34:56");
    EXPECT_EQ(a[14].temporal(), "-00:00:00.001");
    EXPECT_EQ(a[15].temporal(), "-838:59:59.000000");
    EXPECT_EQ(a[16].temporal(), "1000-01-01 00:00:00");
    EXPECT_EQ(a[17].temporal(), "2024-02-29 23:59:59.999999");
    ASSERT_EQ(a[18].kind_case(), v1::Value::kTimestamp);
    EXPECT_EQ(a[18].timestamp().seconds(), 1);
    EXPECT_EQ(a[18].timestamp().microseconds(), 0u);
    EXPECT_EQ(a[18].timestamp().fsp(), 0u);
    EXPECT_EQ(a[19].timestamp().seconds(), 2147483647);
    EXPECT_EQ(a[19].timestamp().microseconds(), 999000u);
    EXPECT_EQ(a[19].timestamp().fsp(), 3u);
    EXPECT_EQ(a[20].int_(), 1901);
    EXPECT_EQ(a[21].bit(), 1u);
    EXPECT_EQ(a[22].bit(), 0b1010101010101u);
    EXPECT_EQ(a[23].enum_index(), 2u);
    EXPECT_EQ(a[24].set_bits(), 0b101u);
    EXPECT_EQ(a[25].text(), "ab");
    EXPECT_EQ(a[25].collation(), 8u);
    EXPECT_EQ(a[26].text(), "h\xc3\xa9llo \xf0\x9f\x98\x80");
    EXPECT_EQ(a[26].collation(), 45u);
    std::string euros;
    for (int i = 0; i < 300; ++i) {
        euros += "\xe2\x82\xac";
    }
    EXPECT_EQ(a[27].text(), euros);
    ASSERT_EQ(a[28].kind_case(), v1::Value::kBinary);
    EXPECT_EQ(a[28].binary(), std::string("\x01\x02\x00\x00", 4)) << "BINARY(4) padding";
    EXPECT_EQ(a[29].binary(), std::string("\x00\x00", 2));
    EXPECT_EQ(a[30].text(), "tiny");
    EXPECT_EQ(a[31].text(), "text");
    EXPECT_EQ(a[32].binary(), std::string(70000, 'm'));
    ASSERT_EQ(a[33].kind_case(), v1::Value::kBinary);
    EXPECT_EQ(a[33].binary(), "");
    // MariaDB JSON is LONGTEXT: text with its collation unless a hint says JSON.
    EXPECT_EQ(a[34].text(), R"({"a":[1,2,{"b":null}],"n":1.5})");
    EXPECT_EQ(a[34].collation(), 46u);
    EXPECT_EQ(a[35].geometry(),
              std::string("\x00\x00\x00\x00\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\xf0\x3f"
                          "\x00\x00\x00\x00\x00\x00\x00\x40",
                          25));

    // id=2: all NULL but the key.
    const auto& nulls = entries[3].transaction.changes(0).after();
    for (int i = 1; i < 36; ++i) {
        EXPECT_EQ(nulls[i].kind_case(), v1::Value::kNull) << "column " << i;
    }

    const auto& three = entries[4].transaction.changes(0).after();
    EXPECT_EQ(three[0].uint(), 3u);
    EXPECT_EQ(three[8].decimal(), "0.05");
    EXPECT_EQ(three[9].decimal(), "123456789012345678.0123456789");
    EXPECT_EQ(three[12].temporal(), "0000-00-00");
    EXPECT_EQ(three[14].temporal(), "00:00:00.500");
    EXPECT_EQ(three[15].temporal(), "-00:00:01.000001");
    EXPECT_EQ(three[20].int_(), 0);
    EXPECT_EQ(three[1].kind_case(), v1::Value::kNull);

    // UPDATE id=1 and DELETE id=2 in one transaction.
    const auto& update = entries[5].transaction;
    ASSERT_EQ(update.changes_size(), 2);
    EXPECT_EQ(update.changes(0).type(), v1::CHANGE_TYPE_UPDATE);
    EXPECT_EQ(update.changes(0).before(1).int_(), -128);
    EXPECT_EQ(update.changes(0).after(1).int_(), 127);
    EXPECT_EQ(update.changes(0).after(27).text(), "short");
    EXPECT_EQ(update.changes(0).after(34).text(), R"({"a": [1, 2, {"b": null}], "n": 2})");
    EXPECT_EQ(update.changes(1).type(), v1::CHANGE_TYPE_DELETE);
    EXPECT_EQ(update.changes(1).before(0).uint(), 2u);
    EXPECT_EQ(update.changes(1).after_size(), 0);

    for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
        EXPECT_FALSE(entries[i].skipReplication) << "transaction " << i;
    }
    EXPECT_TRUE(entries.back().skipReplication);
    EXPECT_EQ(entries.back().transaction.gtid(), "0-11-10");
    EXPECT_EQ(entries.back().transaction.changes(0).after(1).text(), "skipped-flag");
}

TEST_F(CaptureFixtures, MariadbJsonHintMakesJsonValues) {
    AssemblerOptions options;
    options.columnHints = [](const binlog::TableMap& map) {
        std::vector<ColumnHint> hints(map.columns.size(), ColumnHint::None);
        for (std::size_t i = 0; i < map.columns.size(); ++i) {
            if (map.columns[i].name == "j") {
                hints[i] = ColumnHint::Json;
            }
        }
        return hints;
    };
    Assembled got;
    assemble("local__mariadb-10.11-alltypes.000001", got, std::move(options));
    ASSERT_FALSE(HasFatalFailure());
    const auto& j = got.sink.entries[2].transaction.changes(0).after(34);
    ASSERT_EQ(j.kind_case(), v1::Value::kJson);
    EXPECT_EQ(j.json(), R"({"a":[1,2,{"b":null}],"n":1.5})");
}

TEST_F(CaptureFixtures, FilteredTablesCostNoConversionButKeepPositions) {
    AssemblerOptions options;
    options.tableFilter = [](std::string_view schema, std::string_view table) {
        return !(schema == "cdc" && table == "alltypes");
    };
    Assembled got;
    assemble("local__mariadb-10.11-alltypes.000001", got, std::move(options));
    ASSERT_FALSE(HasFatalFailure());
    const auto& entries = got.sink.entries;
    ASSERT_EQ(entries.size(), 10u);
    EXPECT_EQ(got.stats.filteredRows, 5u);
    EXPECT_EQ(got.stats.rows, 5u);
    for (std::size_t i : {2u, 3u, 4u, 5u}) {
        EXPECT_EQ(entries[i].transaction.changes_size(), 0) << i;
        EXPECT_EQ(entries[i].transaction.tables_size(), 0) << i;
        EXPECT_GT(entries[i].transaction.end().pos(), entries[i].transaction.begin().pos());
    }
    EXPECT_EQ(entries[7].transaction.changes_size(), 3);
    EXPECT_EQ(entries[7].transaction.tables(0).name(), "nopk");
}

TEST_F(CaptureFixtures, CompressedPayloadIsOneUpdateAtThePayloadPosition) {
    Assembled got;
    assemble("osheroff__mysql-bin.compressed", got);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(got.sink.entries.size(), 1u);
    const auto& t = got.sink.entries[0].transaction;
    EXPECT_EQ(t.begin().pos(), 157u);  // ANONYMOUS_GTID
    EXPECT_EQ(t.end().pos(), 724u);    // end of the TRANSACTION_PAYLOAD
    EXPECT_EQ(t.gtid(), "");
    EXPECT_EQ(t.commit_ts(), 1646406641u);
    EXPECT_EQ(t.server_id(), 223344u);
    ASSERT_EQ(t.changes_size(), 1);
    const auto& change = t.changes(0);
    EXPECT_EQ(change.type(), v1::CHANGE_TYPE_UPDATE);
    EXPECT_EQ(change.event_pos(), 236u);
    EXPECT_EQ(change.before(0).int_(), 1);
    EXPECT_EQ(change.before(4).text(), "Western");
    EXPECT_EQ(change.after(4).text(), "Western|Action");
    EXPECT_EQ(change.after(4).collation(), 255u);
    EXPECT_EQ(t.tables(0).schema(), "demo");
    EXPECT_EQ(t.tables(0).name(), "movies");
}

TEST_F(CaptureFixtures, Crc32FileHasSixtyTransactionsAndTheCjkUpdate) {
    Assembled got;
    assemble("osheroff__mysql-bin.checksum-crc32", got);
    ASSERT_FALSE(HasFatalFailure());
    ASSERT_EQ(got.sink.entries.size(), 60u);
    bool found = false;
    for (const auto& entry : got.sink.entries) {
        for (const auto& change : entry.transaction.changes()) {
            if (change.type() != v1::CHANGE_TYPE_UPDATE) {
                continue;
            }
            for (const auto& value : change.after()) {
                if (value.text() == "\xe9\x99\xb6\xe7\x93\xb7.jpg") {
                    found = true;
                    EXPECT_EQ(entry.transaction.tables(static_cast<int>(change.table())).name(),
                              "file");
                }
            }
        }
    }
    EXPECT_TRUE(found) << "the update to '\xe9\x99\xb6\xe7\x93\xb7.jpg'";
}

TEST_F(CaptureFixtures, MysqlValueKinds) {
    {
        SCOPED_TRACE("minimal row image: absent columns and SIGNEDNESS");
        Assembled got;
        assemble("rust_mysql_common__minimal_row_metadata.000001", got);
        ASSERT_FALSE(HasFatalFailure());
        ASSERT_EQ(got.sink.entries.size(), 1u);
        const auto& after = got.sink.entries[0].transaction.changes(0).after();
        ASSERT_EQ(after.size(), 5);
        EXPECT_EQ(after[1].kind_case(), v1::Value::KIND_NOT_SET);
        EXPECT_EQ(after[3].kind_case(), v1::Value::KIND_NOT_SET);
        EXPECT_EQ(after[4].uint(), 3230202323u);
    }
    {
        SCOPED_TRACE("BIT");
        Assembled got;
        assemble("rust_mysql_common__mysql_type_bit.000001", got);
        ASSERT_FALSE(HasFatalFailure());
        const auto& after = got.sink.entries.back().transaction.changes(0).after();
        EXPECT_EQ(after[0].bit(), 0b100u);
        EXPECT_EQ(after[1].text(), "foo");
        EXPECT_EQ(after[2].bit(), 0b100000u);
    }
    {
        SCOPED_TRACE("ENUM and SET");
        Assembled got;
        assemble("rust_mysql_common__mysql-enum-string-set.000001", got);
        ASSERT_FALSE(HasFatalFailure());
        const v1::RowChange* update = nullptr;
        for (const auto& entry : got.sink.entries) {
            for (const auto& change : entry.transaction.changes()) {
                if (change.type() == v1::CHANGE_TYPE_UPDATE) {
                    update = &change;
                }
            }
        }
        ASSERT_NE(update, nullptr);
        EXPECT_EQ(update->before(2).enum_index(), 1u);
        EXPECT_EQ(update->after(2).enum_index(), 2u);
        EXPECT_EQ(update->before(3).set_bits(), 0b0101u);
        EXPECT_EQ(update->after(3).set_bits(), 0b1010u);
    }
    {
        SCOPED_TRACE("binary JSON and partial JSON updates");
        Assembled got;
        assemble("rust_mysql_common__json.binlog.000001", got);
        ASSERT_FALSE(HasFatalFailure());
        bool sawJson = false;
        std::size_t diffs = 0;
        for (const auto& entry : got.sink.entries) {
            for (const auto& change : entry.transaction.changes()) {
                for (const auto& value : change.after()) {
                    if (value.kind_case() == v1::Value::kJson &&
                        value.json() == R"({"age": 24, "data": "xxxxxxxxxx", "name": "Joe"})") {
                        sawJson = true;
                    }
                    if (value.kind_case() == v1::Value::kJsonDiffs) {
                        // MINIMAL image: the before image holds only the key.
                        EXPECT_EQ(change.before(0).kind_case(), v1::Value::kInt);
                        EXPECT_EQ(change.before(1).kind_case(), v1::Value::KIND_NOT_SET);
                        ASSERT_EQ(value.json_diffs().diffs_size(), 1);
                        const auto& diff = value.json_diffs().diffs(0);
                        EXPECT_EQ(diff.operation(), v1::JSON_DIFF_OPERATION_REPLACE);
                        EXPECT_EQ(diff.path(), "$.age");
                        EXPECT_TRUE(diff.value() == "26" || diff.value() == "34" ||
                                    diff.value() == "42")
                            << diff.value();
                        ++diffs;
                    }
                }
            }
        }
        EXPECT_TRUE(sawJson);
        EXPECT_EQ(diffs, 6u);  // six rows of one PARTIAL_UPDATE_ROWS event
    }
    {
        SCOPED_TRACE("MariaDB 10.5 collations and GTID");
        Assembled got;
        assemble("rust_mysql_common__mariadb-bin.000001", got);
        ASSERT_FALSE(HasFatalFailure());
        ASSERT_EQ(got.sink.entries.size(), 2u);
        const auto& t = got.sink.entries[0].transaction;
        EXPECT_EQ(t.gtid().substr(0, 2), "0-");
        EXPECT_EQ(t.gtid().substr(t.gtid().size() - 2), "-1");
        const auto& after = t.changes(0).after();
        EXPECT_EQ(after[0].int_(), 62);
        EXPECT_EQ(after[1].text(), "foo");
        EXPECT_EQ(after[1].collation(), 45u);
        EXPECT_EQ(after[2].enum_index(), 2u);
        EXPECT_EQ(after[3].binary(), R"({"foo":1})");
        EXPECT_EQ(after[4].kind_case(), v1::Value::kTimestamp);
    }
}

}  // namespace
}  // namespace ferry::capture::test
