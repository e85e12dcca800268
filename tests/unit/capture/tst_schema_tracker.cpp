// SPDX-License-Identifier: Apache-2.0
// SchemaTracker between the decoder, the TransactionAssembler and the schema history: MINIMAL
// TABLE_MAPs completed from the history (names, keys, signedness, charsets), FULL ones checked
// and completed with unique keys and generated columns, DDL followed in the middle of a stream,
// a restart before the DDL, mismatches and unparseable DDL as errors, and the start rules.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "binlog_encoder.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/row_image.h"
#include "ferry/capture/schema_tracker.h"
#include "ferry/capture/transaction_assembler.h"

namespace ferry::capture {
namespace {

using model::BinlogPosition;
namespace ct = binlog::column_type;

constexpr const char* kFile = "mysql-bin.000009";

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

schema::SchemaModel shopModel(const std::vector<std::string>& statements) {
    schema::SchemaModel model;
    model.putDatabase({"shop", "utf8mb4", "utf8mb4_general_ci"});
    schema::DdlParser parser(schema::CharsetCatalog::builtIn(schema::ServerFlavor::MariaDb));
    for (const auto& statement : statements) {
        auto done = parser.apply(model, "shop", statement);
        EXPECT_TRUE(done.ok()) << statement << ": " << done.error().toString();
    }
    return model;
}

// The table BinlogEncoder logs: (BIGINT, VARCHAR of 200 bytes, BLOB).
const char* const kCreate =
    "CREATE TABLE t (id BIGINT UNSIGNED NOT NULL PRIMARY KEY, "
    "name VARCHAR(200) CHARACTER SET latin1, data BLOB, UNIQUE KEY uk_name (name))";

SchemaTrackerOptions trackerOptions() {
    SchemaTrackerOptions options;
    options.history.trackedSchemas = {"shop"};
    options.sourceName = "source db1";
    return options;
}

class FakeSnapshots final : public SchemaSnapshotSource {
public:
    SchemaSnapshot taken;
    bool ddl = false;
    int snapshots = 0;
    Result<SchemaSnapshot> snapshot(const std::vector<std::string>&) override {
        ++snapshots;
        return taken;
    }
    Result<bool> ddlLoggedBetween(const BinlogPosition&, const BinlogPosition&) override {
        return ddl;
    }
};

struct Collect final : TransactionSink {
    std::vector<v1::Transaction> transactions;
    Status onTransaction(CapturedTransaction&& captured) override {
        transactions.push_back(std::move(captured.transaction));
        return okStatus();
    }
};

// Encoder -> decoder -> assembler (with the tracker) -> sink.
class Stream {
public:
    Stream(SchemaTracker& tracker, const std::filesystem::path& spool)
        : m_tracking(tracker, m_sink) {
        AssemblerOptions options;
        options.spoolDirectory = spool;
        options.resolveTable = tracker.resolver();
        auto assembler = TransactionAssembler::create(options, m_tracking);
        EXPECT_TRUE(assembler.ok());
        m_assembler = std::move(assembler).value();
        m_decoder.setFileName(kFile);
    }

    Status feed(const test::BinlogEncoder::Bytes& event, std::uint64_t offset) {
        return m_decoder.decode(event, offset, *m_assembler);
    }
    // BEGIN, TABLE_MAP, WRITE_ROWS, XID.
    Status insert(const std::vector<test::BinlogEncoder::Row>& rows) {
        for (auto make : {0, 1, 2, 3}) {
            const std::uint64_t at = encoder.offset();
            test::BinlogEncoder::Bytes event = make == 0   ? encoder.query("BEGIN")
                                               : make == 1 ? encoder.tableMap(70, "shop", "t")
                                               : make == 2 ? encoder.writeRows(70, rows)
                                                           : encoder.xid(5);
            FERRY_TRY(feed(event, at));
        }
        return okStatus();
    }
    Status ddl(std::string_view statement) {
        const std::uint64_t at = encoder.offset();
        return feed(encoder.query(statement), at);
    }
    Status start() {
        const std::uint64_t at = encoder.offset();
        return feed(encoder.formatDescription(), at);
    }

    test::BinlogEncoder encoder;
    const std::vector<v1::Transaction>& transactions() const { return m_sink.transactions; }

private:
    Collect m_sink;
    SchemaTrackingSink m_tracking;
    binlog::EventDecoder m_decoder;
    std::unique_ptr<TransactionAssembler> m_assembler;
};

class SchemaTrackerTest : public ::testing::Test {
protected:
    void SetUp() override {
        m_spool = std::filesystem::temp_directory_path() /
                  ("ferry-tst-schema-tracker-" + std::to_string(::getpid()));
    }
    void TearDown() override { std::filesystem::remove_all(m_spool); }

    std::unique_ptr<SchemaTracker> startFresh(const BinlogPosition& at,
                                              const std::vector<std::string>& statements) {
        FakeSnapshots snapshots;
        snapshots.taken.model = shopModel(statements);
        snapshots.taken.position = at;
        auto tracker = SchemaTracker::open(m_store, at, trackerOptions(), &snapshots);
        EXPECT_TRUE(tracker.ok()) << tracker.error().toString();
        return tracker.ok() ? std::move(tracker).value() : nullptr;
    }

    schema::InMemorySchemaHistoryStore m_store;
    std::filesystem::path m_spool;
};

TEST_F(SchemaTrackerTest, MinimalTableMapIsCompletedFromTheHistory) {
    auto tracker = startFresh({kFile, 4}, {kCreate});
    ASSERT_TRUE(tracker);
    EXPECT_TRUE(tracker->tookSnapshot());
    Stream stream(*tracker, m_spool);
    ASSERT_OK(stream.start());
    ASSERT_OK(stream.insert({{-1, "Gr\xfc\xdf", std::string_view("\x00\x01", 2)}}));
    ASSERT_EQ(stream.transactions().size(), 1u);
    const v1::Transaction& txn = stream.transactions()[0];
    ASSERT_EQ(txn.tables_size(), 1);
    const v1::TableDefinition& def = txn.tables(0);
    ASSERT_EQ(def.columns_size(), 3);
    EXPECT_EQ(def.columns(0).name(), "id");
    EXPECT_TRUE(def.columns(0).unsigned_());
    EXPECT_EQ(def.columns(1).name(), "name");
    EXPECT_EQ(def.columns(1).collation(), 8u);  // latin1_swedish_ci
    EXPECT_EQ(def.columns(2).name(), "data");
    EXPECT_EQ(def.columns(2).type(), ct::kBlob);
    ASSERT_EQ(def.primary_key_size(), 1);
    EXPECT_EQ(def.primary_key(0), 0u);
    ASSERT_EQ(def.unique_keys_size(), 1);
    EXPECT_EQ(def.unique_keys(0).name(), "uk_name");
    ASSERT_EQ(def.unique_keys(0).columns_size(), 1);
    EXPECT_EQ(def.unique_keys(0).columns(0), 1u);

    ASSERT_EQ(txn.changes_size(), 1);
    const auto& after = txn.changes(0).after();
    ASSERT_EQ(after.size(), 3);
    EXPECT_EQ(after[0].kind_case(), v1::Value::kUint);
    EXPECT_EQ(after[0].uint(), 18446744073709551615ull);
    EXPECT_EQ(after[1].text(), "Gr\xfc\xdf");
    EXPECT_EQ(after[1].collation(), 8u);
    EXPECT_EQ(after[2].kind_case(), v1::Value::kBinary);
    EXPECT_EQ(after[2].binary(), std::string("\x00\x01", 2));
}

TEST_F(SchemaTrackerTest, DdlMidStreamChangesTheDefinitionAndARestartBeforeItDoesNot) {
    auto tracker = startFresh({kFile, 4}, {"CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, "
                                           "gone INT, name VARCHAR(200) CHARACTER SET latin1, "
                                           "data BLOB)"});
    ASSERT_TRUE(tracker);
    Stream stream(*tracker, m_spool);
    ASSERT_OK(stream.start());
    ASSERT_OK(stream.ddl("ALTER TABLE t DROP COLUMN gone"));
    const std::uint64_t afterDrop = stream.encoder.offset();
    ASSERT_OK(stream.insert({{1, "a", "x"}}));
    ASSERT_OK(stream.ddl("ALTER TABLE t RENAME COLUMN name TO label, ADD UNIQUE KEY uk (label)"));
    ASSERT_OK(stream.insert({{2, "b", "y"}}));
    ASSERT_EQ(stream.transactions().size(), 4u);
    const auto& before = stream.transactions()[1].tables(0);
    EXPECT_EQ(before.columns(1).name(), "name");
    EXPECT_EQ(before.unique_keys_size(), 0);
    const auto& later = stream.transactions()[3].tables(0);
    EXPECT_EQ(later.columns(1).name(), "label");
    ASSERT_EQ(later.unique_keys_size(), 1);
    EXPECT_EQ(later.unique_keys(0).name(), "uk");
    EXPECT_EQ(m_store.entries().size(), 3u);  // the snapshot and two DDL

    // A table logged with the wrong shape: ADD COLUMN that the binlog does not show.
    ASSERT_OK(stream.ddl("ALTER TABLE t ADD COLUMN extra INT"));
    const std::uint64_t mismatchAt = stream.encoder.offset();
    auto mismatch = stream.insert({{3, "c", "z"}});
    ASSERT_FALSE(mismatch.ok());
    const std::string& message = mismatch.error().message;
    EXPECT_NE(message.find("`shop`.`t`"), std::string::npos) << message;
    EXPECT_NE(message.find(std::string(kFile) + ":" + std::to_string(mismatchAt)),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("column count"), std::string::npos) << message;
    EXPECT_NE(message.find("3 columns"), std::string::npos) << message;
    EXPECT_NE(message.find("4 columns"), std::string::npos) << message;

    // Restart just after the DROP: the history is loaded up to there, the later DDL are
    // followed again and replace what the store held after it.
    auto restarted = SchemaTracker::open(m_store, {kFile, afterDrop}, trackerOptions(), nullptr);
    ASSERT_OK(restarted);
    EXPECT_FALSE((*restarted)->tookSnapshot());
    auto at = (*restarted)->tableAt({"shop", "t"}, {kFile, afterDrop});
    ASSERT_OK(at);
    ASSERT_TRUE(*at);
    EXPECT_EQ((*at)->columns.size(), 3u);
    EXPECT_EQ((*at)->columns[1].name, "name");
    EXPECT_EQ(m_store.entries().size(), 4u);  // nothing removed before a new entry
    auto ddl = v1::Transaction();
    ddl.mutable_end()->set_file(kFile);
    ddl.mutable_end()->set_pos(afterDrop + 500);
    ddl.mutable_ddl()->set_schema("shop");
    ddl.mutable_ddl()->set_statement("ALTER TABLE t RENAME COLUMN name TO label2");
    ASSERT_OK((*restarted)->observe(ddl));
    EXPECT_EQ(m_store.entries().size(), 3u);  // snapshot, DROP, the new RENAME
}

TEST_F(SchemaTrackerTest, UnparseableDdlOnATrackedTableStopsAndIrrelevantDdlPasses) {
    auto tracker = startFresh({kFile, 4}, {kCreate});
    ASSERT_TRUE(tracker);
    Stream stream(*tracker, m_spool);
    ASSERT_OK(stream.start());
    ASSERT_OK(stream.ddl("CREATE USER 'r'@'%' IDENTIFIED BY 'x'"));
    ASSERT_OK(stream.ddl("GRANT SELECT ON shop.* TO 'r'@'%'"));
    ASSERT_OK(stream.ddl("CREATE TABLE other.u (x INT)"));
    ASSERT_OK(stream.insert({{1, "a", "x"}}));
    auto stopped = stream.ddl("ALTER TABLE t FROBNICATE COLUMN name");
    ASSERT_FALSE(stopped.ok());
    EXPECT_NE(stopped.error().message.find("FROBNICATE"), std::string::npos)
        << stopped.error().message;
    EXPECT_NE(stopped.error().message.find("source db1"), std::string::npos)
        << stopped.error().message;
}

TEST_F(SchemaTrackerTest, FullTableMapIsCheckedAndCompleted) {
    auto tracker = startFresh(
        {kFile, 4}, {"CREATE TABLE g (id INT NOT NULL PRIMARY KEY, code VARCHAR(10) CHARACTER "
                     "SET latin1, twice INT AS (id * 2) VIRTUAL, UNIQUE KEY uk_code (code))"});
    ASSERT_TRUE(tracker);
    binlog::TableMap map;
    map.tableId = 3;
    map.schema = "shop";
    map.table = "g";
    map.optionalMetadataOrder = {binlog::optional_metadata::kColumnName};
    auto column = [](const char* name, std::uint8_t type, std::uint16_t meta) {
        binlog::ColumnInfo info;
        info.name = name;
        info.type = type;
        info.realType = type;
        info.meta = meta;
        return info;
    };
    map.columns = {column("id", ct::kLong, 0), column("code", ct::kVarchar, 10),
                   column("twice", ct::kLong, 0)};
    map.primaryKey = {0};
    v1::SourcePosition at;
    at.set_file(kFile);
    at.set_pos(900);
    auto resolved = tracker->resolve(map, at);
    ASSERT_OK(resolved);
    EXPECT_EQ(resolved->definition.columns(1).name(), "code");
    EXPECT_FALSE(resolved->definition.columns(0).generated());
    EXPECT_TRUE(resolved->definition.columns(2).generated());
    ASSERT_EQ(resolved->definition.unique_keys_size(), 1);
    EXPECT_EQ(resolved->definition.unique_keys(0).name(), "uk_code");

    struct Case {
        const char* what;
        std::function<void(binlog::TableMap&)> change;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"renamed", [](binlog::TableMap& m) { m.columns[1].name = "label"; }, "named `label`"},
        {"retyped", [](binlog::TableMap& m) { m.columns[1].meta = 40; }, "another type"},
        {"int to bigint",
         [](binlog::TableMap& m) { m.columns[0].type = m.columns[0].realType = ct::kLongLong; },
         "another type"},
        {"fewer columns", [](binlog::TableMap& m) { m.columns.pop_back(); }, "column count"},
        {"unknown table", [](binlog::TableMap& m) { m.table = "nope"; }, "no such table"},
    };
    for (const auto& c : cases) {
        binlog::TableMap changed = map;
        c.change(changed);
        auto refused = tracker->resolve(changed, at);
        ASSERT_FALSE(refused.ok()) << c.what;
        EXPECT_NE(refused.error().message.find(c.expected), std::string::npos)
            << c.what << ": " << refused.error().message;
        EXPECT_NE(refused.error().message.find(std::string(kFile) + ":900"), std::string::npos)
            << c.what << ": " << refused.error().message;
    }

    // A schema outside the tracked ones: FULL TABLE_MAPs stand alone, MINIMAL ones cannot.
    binlog::TableMap outside = map;
    outside.schema = "elsewhere";
    ASSERT_OK(tracker->resolve(outside, at));
    outside.optionalMetadataOrder.clear();
    for (auto& c : outside.columns) {
        c.name.clear();
    }
    auto minimal = tracker->resolve(outside, at);
    ASSERT_FALSE(minimal.ok());
    EXPECT_NE(minimal.error().message.find("binlog_row_metadata=FULL"), std::string::npos);
}

TEST_F(SchemaTrackerTest, StartRules) {
    struct Case {
        const char* what;
        BinlogPosition start;
        BinlogPosition now;
        bool ddlBetween;
        bool ok;
        BinlogPosition recordedAt;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"at now", {kFile, 800}, {kFile, 800}, false, true, {kFile, 800}, ""},
        {"before now, no DDL", {kFile, 300}, {kFile, 800}, false, true, {kFile, 300}, ""},
        {"before now, DDL", {kFile, 300}, {kFile, 800}, true, false, {}, "current position"},
    };
    for (const auto& c : cases) {
        schema::InMemorySchemaHistoryStore store;
        FakeSnapshots snapshots;
        snapshots.taken.model = shopModel({kCreate});
        snapshots.taken.position = c.now;
        snapshots.ddl = c.ddlBetween;
        auto tracker = SchemaTracker::open(store, c.start, trackerOptions(), &snapshots);
        ASSERT_EQ(tracker.ok(), c.ok) << c.what;
        if (!c.ok) {
            EXPECT_NE(tracker.error().message.find(c.expected), std::string::npos)
                << c.what << ": " << tracker.error().message;
            EXPECT_TRUE(store.entries().empty()) << c.what;
            continue;
        }
        ASSERT_EQ(store.entries().size(), 1u) << c.what;
        EXPECT_EQ(store.entries()[0].position, c.recordedAt) << c.what;
    }

    // A history exists: a start before its earliest snapshot is refused, naming it; no new
    // snapshot is taken.
    auto tracker = startFresh({kFile, 1000}, {kCreate});
    ASSERT_TRUE(tracker);
    FakeSnapshots snapshots;
    auto early = SchemaTracker::open(m_store, {kFile, 400}, trackerOptions(), &snapshots);
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().message.find(std::string(kFile) + ":1000"), std::string::npos)
        << early.error().message;
    EXPECT_NE(early.error().message.find("Start at or after"), std::string::npos);
    EXPECT_EQ(snapshots.snapshots, 0);
    auto later = SchemaTracker::open(m_store, {kFile, 5000}, trackerOptions(), &snapshots);
    ASSERT_OK(later);
    EXPECT_EQ(snapshots.snapshots, 0);

    // No history and nothing to take one with.
    schema::InMemorySchemaHistoryStore empty;
    EXPECT_FALSE(SchemaTracker::open(empty, {kFile, 4}, trackerOptions(), nullptr).ok());
}

// A MINIMAL value read through the column the history completed: signed integers of UNSIGNED
// columns at every width, strings without a collation, BINARY(n) padding.
TEST(ValueThroughHistoryColumn, SignednessAndCollationComeFromTheColumn) {
    struct Case {
        const char* what;
        std::uint8_t type;
        std::int64_t decoded;
        std::uint64_t expected;
    };
    const std::vector<Case> cases = {
        {"tinyint", ct::kTiny, -1, 255},
        {"smallint", ct::kShort, -2, 65534},
        {"mediumint", ct::kInt24, -1, 16777215},
        {"int", ct::kLong, -2147483648LL, 2147483648ULL},
        {"bigint", ct::kLongLong, -1, 18446744073709551615ULL},
    };
    for (const auto& c : cases) {
        binlog::ColumnValue value;
        value.kind = binlog::ValueKind::SignedInt;
        value.type = c.type;
        value.i = c.decoded;
        binlog::ColumnInfo column;
        column.type = column.realType = c.type;
        column.isUnsigned = true;
        v1::Value out;
        ASSERT_OK(ValueConverter::convert(value, column, 0, out));
        ASSERT_EQ(out.kind_case(), v1::Value::kUint) << c.what;
        EXPECT_EQ(out.uint(), c.expected) << c.what;
        column.isUnsigned = false;
        ASSERT_OK(ValueConverter::convert(value, column, 0, out));
        EXPECT_EQ(out.int_(), c.decoded) << c.what;
    }

    const std::string bytes = "ab";
    binlog::ColumnValue text;
    text.kind = binlog::ValueKind::String;
    text.type = ct::kString;
    text.bytes = {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
    binlog::ColumnInfo column;
    column.type = column.realType = ct::kString;
    column.maxLength = 4;
    column.collation = 45;  // utf8mb4_general_ci
    v1::Value out;
    ASSERT_OK(ValueConverter::convert(text, column, 0, out));
    EXPECT_EQ(out.text(), "ab");
    EXPECT_EQ(out.collation(), 45u);
    column.collation = 63;  // BINARY(4): padded back to its width
    ASSERT_OK(ValueConverter::convert(text, column, 0, out));
    EXPECT_EQ(out.binary(), std::string("ab\0\0", 4));
    text.collation = 8;  // the TABLE_MAP's own collation wins
    ASSERT_OK(ValueConverter::convert(text, column, 0, out));
    EXPECT_EQ(out.text(), "ab");
    EXPECT_EQ(out.collation(), 8u);
}

}  // namespace
}  // namespace ferry::capture
