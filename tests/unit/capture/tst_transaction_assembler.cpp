// SPDX-License-Identifier: Apache-2.0
// TransactionAssembler: boundaries, positions, errors that must stop capture, filters, flags,
// and spilling to disk, driven by an EventFeeder (the decoder's call order, exact positions).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "binlog_encoder.h"
#include "capture_test_util.h"
#include "event_feeder.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_types.h"
#include "ferry/capture/transaction_assembler.h"

namespace ferry::capture::test {
namespace {

namespace ct = binlog::column_type;
using binlog::ColumnValue;
using binlog::RowsKind;
using binlog::ValueKind;
constexpr std::uint64_t kSize = EventFeeder::kEventSize;

binlog::TableMap makeTable(std::uint64_t id, std::string schema, std::string table) {
    binlog::TableMap map;
    map.tableId = id;
    map.schema = std::move(schema);
    map.table = std::move(table);
    map.columns.resize(3);
    map.columns[0].type = map.columns[0].realType = ct::kLongLong;
    map.columns[0].name = "id";
    map.columns[1].type = map.columns[1].realType = ct::kVarchar;
    map.columns[1].collation = 45;
    map.columns[1].name = "name";
    map.columns[2].type = map.columns[2].realType = ct::kBlob;
    map.columns[2].collation = 63;
    map.columns[2].name = "data";
    map.primaryKey = {0};
    return map;
}

// One row of makeTable(); `data` must outlive the returned values.
std::vector<ColumnValue> makeRow(std::int64_t id, const std::string& data) {
    std::vector<ColumnValue> row(3);
    row[0].kind = ValueKind::SignedInt;
    row[0].type = ct::kLongLong;
    row[0].i = id;
    row[1].kind = ValueKind::String;
    row[1].type = ct::kVarchar;
    row[1].collation = 45;
    static const std::string kName = "n\xc3\xa4me";
    row[1].bytes = {reinterpret_cast<const std::uint8_t*>(kName.data()), kName.size()};
    row[2].kind = ValueKind::String;
    row[2].type = ct::kBlob;
    row[2].collation = 63;
    row[2].bytes = {reinterpret_cast<const std::uint8_t*>(data.data()), data.size()};
    return row;
}

model::MysqlGtid gtid(std::uint64_t gno) {
    auto uuid = model::Uuid::parse("3e11fa47-71ca-11e1-9e33-c80aa9429562");
    return model::MysqlGtid::make(*uuid, "", gno).value();
}

class AssemblerTest : public ::testing::Test {
protected:
    void SetUp() override { create({}); }

    void create(AssemblerOptions options) {
        options.spoolDirectory = m_spool.path();
        if (options.spillThresholdBytes == AssemblerOptions{}.spillThresholdBytes) {
            options.spillThresholdBytes = m_threshold;
        }
        auto made = TransactionAssembler::create(std::move(options), m_sink);
        ASSERT_TRUE(made.ok()) << made.error().toString();
        m_assembler = std::move(made).value();
        m_feed = std::make_unique<EventFeeder>(*m_assembler);
    }

    TempDir m_spool{"assembler"};
    std::uint64_t m_threshold = AssemblerOptions{}.spillThresholdBytes;
    CollectingSink m_sink;
    std::unique_ptr<TransactionAssembler> m_assembler;
    std::unique_ptr<EventFeeder> m_feed;
};

TEST_F(AssemblerTest, MysqlGtidTransactionWithRows) {
    auto table = makeTable(70, "shop", "orders");
    const std::string a = "aaa";
    const std::string b = "bbb";
    const std::uint64_t begin = m_feed->position();
    ASSERT_TRUE(m_feed->gtid(gtid(5), 1700000123456789ull).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    const std::uint64_t rowsPos = m_feed->position();
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a), makeRow(2, b)}).ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Update, table, {makeRow(1, a)}, {makeRow(1, b)}).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Delete, table, {makeRow(2, b)}, {}).ok());
    EXPECT_TRUE(m_assembler->inTransaction());
    EXPECT_TRUE(m_sink.entries.empty());
    ASSERT_TRUE(m_feed->xid().ok());
    EXPECT_FALSE(m_assembler->inTransaction());

    ASSERT_EQ(m_sink.entries.size(), 1u);
    const auto& t = m_sink.entries[0].transaction;
    EXPECT_EQ(t.begin().file(), "mysql-bin.000003");
    EXPECT_EQ(t.begin().pos(), begin);
    EXPECT_EQ(t.end().pos(), m_feed->position());
    EXPECT_EQ(t.end().pos(), begin + 8 * kSize);
    EXPECT_EQ(t.source_bytes(), 8 * kSize);
    EXPECT_EQ(t.gtid(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:5");
    EXPECT_EQ(t.commit_ts(), 1700000123u);
    EXPECT_EQ(t.server_id(), 7u);
    EXPECT_FALSE(t.streamed());
    EXPECT_FALSE(t.has_ddl());
    EXPECT_EQ(t.row_count(), 4u);
    ASSERT_EQ(t.tables_size(), 1);
    EXPECT_EQ(t.tables(0).name(), "orders");
    ASSERT_EQ(t.changes_size(), 4);
    EXPECT_EQ(t.changes(0).type(), v1::CHANGE_TYPE_INSERT);
    EXPECT_EQ(t.changes(0).event_pos(), rowsPos);
    EXPECT_EQ(t.changes(1).after(0).int_(), 2);
    EXPECT_EQ(t.changes(1).after(1).text(), "n\xc3\xa4me");
    EXPECT_EQ(t.changes(1).after(1).collation(), 45u);
    EXPECT_EQ(t.changes(1).after(2).binary(), "bbb");
    EXPECT_EQ(t.changes(2).type(), v1::CHANGE_TYPE_UPDATE);
    EXPECT_EQ(t.changes(2).before(2).binary(), "aaa");
    EXPECT_EQ(t.changes(2).after(2).binary(), "bbb");
    EXPECT_EQ(t.changes(3).type(), v1::CHANGE_TYPE_DELETE);
    EXPECT_EQ(t.changes(3).after_size(), 0);
    EXPECT_EQ(m_assembler->stats().rows, 4u);
    EXPECT_FALSE(m_sink.entries[0].skipReplication);
}

TEST_F(AssemblerTest, CommitTimeFallsBackToTheClosingEvent) {
    auto table = makeTable(70, "shop", "orders");
    const std::string a = "a";
    ASSERT_TRUE(m_feed->query("BEGIN").ok());  // MySQL 5.1: no GTID at all
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a)}).ok());
    m_feed->timestamp = 1700000999;
    ASSERT_TRUE(m_feed->query("COMMIT").ok());  // MyISAM-style end
    ASSERT_EQ(m_sink.entries.size(), 1u);
    EXPECT_EQ(m_sink.entries[0].transaction.commit_ts(), 1700000999u);
    EXPECT_EQ(m_sink.entries[0].transaction.gtid(), "");
    EXPECT_EQ(m_sink.entries[0].transaction.begin().pos(), 4u);
}

TEST_F(AssemblerTest, DdlBecomesItsOwnTransaction) {
    ASSERT_TRUE(m_feed->gtid(std::nullopt).ok());
    ASSERT_TRUE(m_feed->query("/* ferry */ ALTER TABLE orders ADD COLUMN x INT", "shop").ok());
    ASSERT_TRUE(m_feed->query("CREATE DATABASE other", "").ok());  // no GTID (MySQL 5.1)
    ASSERT_EQ(m_sink.entries.size(), 2u);
    const auto& alter = m_sink.entries[0].transaction;
    ASSERT_TRUE(alter.has_ddl());
    EXPECT_EQ(alter.ddl().schema(), "shop");
    EXPECT_EQ(alter.ddl().statement(), "/* ferry */ ALTER TABLE orders ADD COLUMN x INT");
    EXPECT_EQ(alter.begin().pos(), 4u);
    EXPECT_EQ(alter.end().pos(), 4u + 2 * kSize);
    EXPECT_EQ(alter.changes_size(), 0);
    const auto& create = m_sink.entries[1].transaction;
    EXPECT_EQ(create.begin().pos(), 4u + 2 * kSize);
    EXPECT_EQ(create.end().pos(), 4u + 3 * kSize);
    EXPECT_EQ(m_assembler->stats().ddlTransactions, 2u);
}

TEST_F(AssemblerTest, MariadbGtidOpensTransactionsAndMarksStandaloneDdl) {
    m_feed->serverId = 11;
    auto table = makeTable(23, "cdc", "t");
    const std::string a = "a";
    // flags2 0x29: standalone + DDL (+ allow-parallel): one statement.
    ASSERT_TRUE(m_feed->mariadbGtid(1, 0x29).ok());
    ASSERT_TRUE(m_feed->query("CREATE TABLE t (id BIGINT PRIMARY KEY)", "cdc").ok());
    // flags2 0x0c: transactional; MariaDB writes no BEGIN after its GTID.
    ASSERT_TRUE(m_feed->mariadbGtid(2, 0x0c).ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a)}).ok());
    ASSERT_TRUE(m_feed->xid().ok());
    ASSERT_EQ(m_sink.entries.size(), 2u);
    EXPECT_TRUE(m_sink.entries[0].transaction.has_ddl());
    EXPECT_EQ(m_sink.entries[0].transaction.gtid(), "0-11-1");
    EXPECT_EQ(m_sink.entries[1].transaction.gtid(), "0-11-2");
    EXPECT_EQ(m_sink.entries[1].transaction.server_id(), 11u);
    EXPECT_EQ(m_sink.entries[1].transaction.changes_size(), 1);
}

struct StatementCase {
    const char* name;
    const char* statement;
    bool insideTransaction;
};

class StatementDml : public AssemblerTest, public ::testing::WithParamInterface<StatementCase> {};

TEST_P(StatementDml, IsAnErrorNamingThePosition) {
    const auto& c = GetParam();
    ASSERT_TRUE(m_feed->gtid(gtid(9)).ok());
    if (c.insideTransaction) {
        ASSERT_TRUE(m_feed->query("BEGIN").ok());
    }
    const std::uint64_t at = m_feed->position();
    auto status = m_feed->query(c.statement);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::Unsupported);
    const std::string& message = status.error().message;
    EXPECT_NE(
        message.find("statement-logged DML at QUERY at mysql-bin.000003:" + std::to_string(at)),
        std::string::npos)
        << message;
    EXPECT_NE(message.find("binlog_format=ROW"), std::string::npos) << message;
    EXPECT_TRUE(m_sink.entries.empty());
    EXPECT_FALSE(m_assembler->inTransaction()) << "the broken transaction is dropped";
}

INSTANTIATE_TEST_SUITE_P(
    Statements, StatementDml,
    ::testing::Values(StatementCase{"insert", "INSERT INTO t VALUES (1)", true},
                      StatementCase{"update_comment", "/* app */ update t set a=1", true},
                      StatementCase{"replace_spaces", "\n  REPLACE INTO t VALUES (1)", true},
                      StatementCase{"delete_standalone", "delete from t", false},
                      StatementCase{"load_data", "LOAD DATA INFILE 'x' INTO TABLE t", true},
                      StatementCase{"cte_update", "WITH x AS (SELECT 1) UPDATE t SET a=1", true},
                      StatementCase{"versioned_comment", "/*!40000 INSERT INTO t VALUES (1) */",
                                    true}),
    [](const ::testing::TestParamInfo<StatementCase>& param) { return param.param.name; });

TEST_F(AssemblerTest, ErrorsThatMustStopCapture) {
    struct Step {
        const char* name;
        std::function<Status(EventFeeder&, const binlog::TableMap&)> run;
        const char* expect;
    };
    const std::string a = "a";
    std::vector<Step> steps = {
        {"statement inside a transaction",
         [](EventFeeder& f, const binlog::TableMap&) -> Status {
             FERRY_TRY(f.query("BEGIN"));
             return f.query("CREATE TABLE t2 SELECT * FROM t");
         },
         "inside the transaction begun at mysql-bin.000003:"},
        {"rows outside a transaction",
         [&a](EventFeeder& f, const binlog::TableMap& t) -> Status {
             FERRY_TRY(f.tableMap(t));
             return f.rows(RowsKind::Write, t, {}, {makeRow(1, a)});
         },
         "outside a transaction"},
        {"xid outside a transaction",
         [](EventFeeder& f, const binlog::TableMap&) -> Status { return f.xid(); },
         "XID without a transaction"},
        {"commit outside a transaction",
         [](EventFeeder& f, const binlog::TableMap&) -> Status { return f.query("COMMIT"); },
         "COMMIT without a transaction"},
        {"gtid while open",
         [](EventFeeder& f, const binlog::TableMap&) -> Status {
             FERRY_TRY(f.gtid(gtid(1)));
             FERRY_TRY(f.query("BEGIN"));
             return f.gtid(gtid(2));
         },
         "has no COMMIT or XID"},
        {"two-phase XA",
         [&a](EventFeeder& f, const binlog::TableMap& t) -> Status {
             FERRY_TRY(f.gtid(gtid(1)));
             FERRY_TRY(f.query("XA START 'x'"));
             FERRY_TRY(f.tableMap(t));
             FERRY_TRY(f.rows(RowsKind::Write, t, {}, {makeRow(1, a)}));
             FERRY_TRY(f.query("XA END 'x'"));
             return f.xaPrepare(false);
         },
         "two-phase XA"},
        {"rollback after rows",
         [&a](EventFeeder& f, const binlog::TableMap& t) -> Status {
             FERRY_TRY(f.query("BEGIN"));
             FERRY_TRY(f.tableMap(t));
             FERRY_TRY(f.rows(RowsKind::Write, t, {}, {makeRow(1, a)}));
             return f.query("ROLLBACK");
         },
         "ends with ROLLBACK"},
        {"incident", [](EventFeeder& f, const binlog::TableMap&) -> Status { return f.incident(); },
         "may have lost changes"},
    };
    for (const auto& step : steps) {
        SCOPED_TRACE(step.name);
        create({});
        auto table = makeTable(70, "shop", "orders");
        auto status = step.run(*m_feed, table);
        ASSERT_FALSE(status.ok());
        EXPECT_NE(status.error().message.find(step.expect), std::string::npos)
            << status.error().message;
        EXPECT_NE(status.error().message.find("mysql-bin.000003:"), std::string::npos)
            << status.error().message;
        EXPECT_FALSE(m_assembler->inTransaction());
        EXPECT_TRUE(m_sink.entries.empty());
    }
}

TEST_F(AssemblerTest, SavepointsOnePhaseXaAndEmptyRollbackAreFine) {
    auto table = makeTable(70, "shop", "orders");
    const std::string a = "a";
    ASSERT_TRUE(m_feed->gtid(gtid(1)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->query("SAVEPOINT `s1`").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a)}).ok());
    ASSERT_TRUE(m_feed->query("ROLLBACK TO `s1`").ok());
    ASSERT_TRUE(m_feed->xid().ok());

    ASSERT_TRUE(m_feed->gtid(gtid(2)).ok());
    ASSERT_TRUE(m_feed->query("XA START X'61',X'',1").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(2, a)}).ok());
    ASSERT_TRUE(m_feed->query("XA END X'61',X'',1").ok());
    ASSERT_TRUE(m_feed->xaPrepare(true).ok());

    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->query("ROLLBACK").ok());

    ASSERT_EQ(m_sink.entries.size(), 3u);
    EXPECT_EQ(m_sink.entries[0].transaction.changes_size(), 1);
    EXPECT_EQ(m_sink.entries[1].transaction.changes_size(), 1);
    EXPECT_EQ(m_sink.entries[1].transaction.changes(0).after(0).int_(), 2);
    EXPECT_EQ(m_sink.entries[2].transaction.changes_size(), 0);
    EXPECT_GT(m_sink.entries[2].transaction.end().pos(),
              m_sink.entries[2].transaction.begin().pos());
}

TEST_F(AssemblerTest, InnerPayloadEventsTakeThePayloadPosition) {
    auto table = makeTable(84, "demo", "movies");
    const std::string a = "a";
    const std::uint64_t gtidPos = m_feed->position();
    ASSERT_TRUE(m_feed->gtid(std::nullopt).ok());
    const std::uint64_t payloadPos = m_feed->position();
    ASSERT_TRUE(m_feed->beginPayload(488).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Update, table, {makeRow(1, a)}, {makeRow(1, a)}).ok());
    ASSERT_TRUE(m_feed->xid().ok());
    ASSERT_TRUE(m_feed->endPayload().ok());
    ASSERT_EQ(m_sink.entries.size(), 1u);
    const auto& t = m_sink.entries[0].transaction;
    EXPECT_EQ(t.begin().pos(), gtidPos);
    EXPECT_EQ(t.end().pos(), payloadPos + 488);
    EXPECT_EQ(t.changes(0).event_pos(), payloadPos);

    // An error inside a payload names the payload's position and the inner offset.
    ASSERT_TRUE(m_feed->gtid(std::nullopt).ok());
    const std::uint64_t second = m_feed->position();
    ASSERT_TRUE(m_feed->beginPayload(300).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    auto status = m_feed->query("INSERT INTO t VALUES (1)");
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("mysql-bin.000003:" + std::to_string(second) +
                                          " (offset 100 inside its TRANSACTION_PAYLOAD)"),
              std::string::npos)
        << status.error().message;
}

TEST_F(AssemblerTest, SkipReplicationFlagIsRecorded) {
    auto table = makeTable(70, "shop", "orders");
    const std::string a = "a";
    ASSERT_TRUE(m_feed->mariadbGtid(1, 0x0c).ok());
    m_feed->flags = binlog::header_flags::kSkipReplication;
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a)}).ok());
    ASSERT_TRUE(m_feed->xid().ok());
    m_feed->flags = 0;
    ASSERT_TRUE(m_feed->mariadbGtid(2, 0x0c).ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(2, a)}).ok());
    ASSERT_TRUE(m_feed->xid().ok());
    m_feed->flags = binlog::header_flags::kSkipReplication;
    ASSERT_TRUE(m_feed->mariadbGtid(3, 0x29).ok());  // flagged from the GTID itself
    ASSERT_TRUE(m_feed->query("DROP TABLE x").ok());
    ASSERT_EQ(m_sink.entries.size(), 3u);
    EXPECT_TRUE(m_sink.entries[0].skipReplication);
    EXPECT_FALSE(m_sink.entries[1].skipReplication);
    EXPECT_TRUE(m_sink.entries[2].skipReplication);
}

TEST_F(AssemblerTest, FilterSkipsTablesButNeverTheFerrySchema) {
    std::vector<std::string> asked;
    AssemblerOptions options;
    options.tableFilter = [&asked](std::string_view schema, std::string_view table) {
        asked.push_back(std::string(schema) + "." + std::string(table));
        return false;
    };
    create(std::move(options));
    auto orders = makeTable(70, "shop", "orders");
    auto position = makeTable(71, "ferry", "apply_position");
    const std::string a = "a";
    ASSERT_TRUE(m_feed->gtid(gtid(1)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(position).ok());
    ASSERT_TRUE(m_feed->tableMap(orders).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Update, position, {makeRow(1, a)}, {makeRow(1, a)}).ok());
    // A value that would not convert proves the filtered rows are never converted.
    auto broken = makeRow(6, a);
    broken[0].kind = ValueKind::Decimal;
    broken[0].meta = (10 << 8) | 2;
    broken[0].bytes = {};
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, orders, {}, {makeRow(5, a), broken}).ok());
    ASSERT_TRUE(m_feed->xid().ok());
    EXPECT_EQ(asked, std::vector<std::string>{"shop.orders"}) << "asked once, at TABLE_MAP";
    ASSERT_EQ(m_sink.entries.size(), 1u);
    const auto& t = m_sink.entries[0].transaction;
    ASSERT_EQ(t.tables_size(), 1);
    EXPECT_EQ(t.tables(0).schema(), "ferry");
    EXPECT_EQ(t.changes_size(), 1);
    EXPECT_EQ(t.row_count(), 1u);
    EXPECT_EQ(m_assembler->stats().filteredRows, 2u);
}

TEST_F(AssemblerTest, RestartMidTransactionDropsIt) {
    auto table = makeTable(70, "shop", "orders");
    const std::string a = "a";
    ASSERT_TRUE(m_feed->gtid(gtid(1)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(1, a)}).ok());
    ASSERT_TRUE(m_feed->formatDescription().ok());
    EXPECT_FALSE(m_assembler->inTransaction());
    EXPECT_EQ(m_assembler->stats().droppedIncomplete, 1u);
    ASSERT_TRUE(m_feed->gtid(gtid(2)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->xid().ok());
    ASSERT_EQ(m_sink.entries.size(), 1u);
    EXPECT_EQ(m_sink.entries[0].transaction.gtid(), "3e11fa47-71ca-11e1-9e33-c80aa9429562:2");
}

TEST_F(AssemblerTest, SinkErrorsPropagate) {
    class FailingSink final : public TransactionSink {
    public:
        Status onTransaction(CapturedTransaction&&) override {
            return makeError(ErrorCode::Unavailable, "peer gone");
        }
    } failing;
    AssemblerOptions options;
    options.spoolDirectory = m_spool.path();
    auto assembler = TransactionAssembler::create(std::move(options), failing);
    ASSERT_TRUE(assembler.ok());
    EventFeeder feed(**assembler);
    ASSERT_TRUE(feed.query("BEGIN").ok());
    auto status = feed.xid();
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message, "peer gone");
}

// ---- spilling ----

// Feeds `transactions` transactions of `rowsEvents` rows events with `rowsPerEvent` rows each.
void feedLarge(EventFeeder& feed, const binlog::TableMap& table, int transactions, int rowsEvents,
               int rowsPerEvent, const std::string& payload) {
    for (int t = 0; t < transactions; ++t) {
        ASSERT_TRUE(feed.gtid(gtid(static_cast<std::uint64_t>(t + 1))).ok());
        ASSERT_TRUE(feed.query("BEGIN").ok());
        ASSERT_TRUE(feed.tableMap(table).ok());
        for (int e = 0; e < rowsEvents; ++e) {
            std::vector<std::vector<ColumnValue>> rows;
            for (int r = 0; r < rowsPerEvent; ++r) {
                rows.push_back(makeRow(e * rowsPerEvent + r, payload));
            }
            if (e % 3 == 1) {
                ASSERT_TRUE(feed.rows(RowsKind::Update, table, rows, rows).ok());
            } else {
                ASSERT_TRUE(feed.rows(RowsKind::Write, table, {}, rows).ok());
            }
        }
        ASSERT_TRUE(feed.xid().ok());
    }
}

TEST_F(AssemblerTest, LargeTransactionSpillsAndStreamsBackIdentically) {
    const std::string payload(1000, 'p');
    auto table = makeTable(70, "shop", "orders");

    // Reference: the same input assembled in memory.
    CollectingSink inMemory;
    {
        TempDir spool("reference");
        AssemblerOptions options;
        options.spoolDirectory = spool.path();
        auto reference = TransactionAssembler::create(std::move(options), inMemory);
        ASSERT_TRUE(reference.ok());
        EventFeeder feed(**reference);
        feedLarge(feed, table, 2, 50, 20, payload);
        ASSERT_EQ(inMemory.entries.size(), 2u);
        EXPECT_FALSE(inMemory.entries[0].streamed);
    }

    // Watch the spool file while the sink reads it.
    class Watching final : public TransactionSink {
    public:
        explicit Watching(CollectingSink& inner) : m_inner(inner) {}
        Status onTransaction(CapturedTransaction&& captured) override {
            if (captured.spooled) {
                paths.push_back(captured.spooled->path());
                existedDuringRead.push_back(std::filesystem::exists(captured.spooled->path()));
                counts.push_back(captured.spooled->count());
                // A first apply attempt that read part of it, then a rewind: the sink below
                // must still see every change from the first.
                v1::RowChange change;
                for (int i = 0; i < 3; ++i) {
                    FERRY_ASSIGN_OR_RETURN(bool more, captured.spooled->next(change));
                    (void)more;
                }
                FERRY_TRY(captured.spooled->rewind());
            }
            return m_inner.onTransaction(std::move(captured));
        }
        std::vector<std::filesystem::path> paths;
        std::vector<bool> existedDuringRead;
        std::vector<std::uint64_t> counts;

    private:
        CollectingSink& m_inner;
    } watching(m_sink);
    AssemblerOptions spillOptions;
    spillOptions.spoolDirectory = m_spool.path();
    spillOptions.spillThresholdBytes = 64 * 1024;
    auto assembler = TransactionAssembler::create(std::move(spillOptions), watching);
    ASSERT_TRUE(assembler.ok());
    EventFeeder feed(**assembler);
    feedLarge(feed, table, 2, 50, 20, payload);

    ASSERT_EQ(m_sink.entries.size(), 2u);
    EXPECT_EQ((*assembler)->stats().streamedTransactions, 2u);
    EXPECT_GT((*assembler)->stats().spilledBytes, 2u * 1000 * 1000);
    ASSERT_EQ(watching.paths.size(), 2u);
    EXPECT_TRUE(watching.existedDuringRead[0]);
    EXPECT_EQ(watching.counts[0], 1000u);
    for (const auto& path : watching.paths) {
        EXPECT_FALSE(std::filesystem::exists(path)) << path << " was not removed";
    }
    EXPECT_EQ(m_spool.fileCount(), 0u);

    for (std::size_t i = 0; i < 2; ++i) {
        SCOPED_TRACE(i);
        const auto& got = m_sink.entries[i];
        EXPECT_TRUE(got.streamed);
        EXPECT_TRUE(got.transaction.streamed());
        EXPECT_EQ(got.transaction.row_count(), 1000u);
        // Apart from `streamed`, the streamed transaction equals the in-memory one.
        v1::Transaction expected = inMemory.entries[i].transaction;
        expected.set_streamed(true);
        EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got.transaction, expected));
    }
}

TEST_F(AssemblerTest, SpillThroughTheRealDecoder) {
    AssemblerOptions options;
    options.spillThresholdBytes = 256 * 1024;
    create(std::move(options));
    BinlogEncoder encoder;
    binlog::EventDecoder decoder;
    decoder.setFileName("mysql-bin.000009");
    auto feed = [&](const BinlogEncoder::Bytes& event, std::uint64_t at) {
        auto status = decoder.decode(event, at, *m_assembler);
        ASSERT_TRUE(status.ok()) << status.error().toString();
    };
    auto at = encoder.offset();
    feed(encoder.formatDescription(), at);
    const std::uint64_t begin = encoder.offset();
    at = encoder.offset();
    feed(encoder.query("BEGIN"), at);
    constexpr int kEvents = 100;
    constexpr int kRowsPerEvent = 40;
    std::vector<std::string> data;
    for (int i = 0; i < kRowsPerEvent; ++i) {
        data.push_back(std::string(1000, static_cast<char>('a' + i % 26)));
    }
    for (int e = 0; e < kEvents; ++e) {
        at = encoder.offset();
        feed(encoder.tableMap(108, "shop", "orders"), at);
        std::vector<BinlogEncoder::Row> rows;
        for (int r = 0; r < kRowsPerEvent; ++r) {
            rows.push_back({e * kRowsPerEvent + r, "name", data[static_cast<std::size_t>(r)]});
        }
        at = encoder.offset();
        feed(encoder.writeRows(108, rows), at);
        if (e == 10) {
            EXPECT_EQ(m_spool.fileCount(), 1u) << "spilled long before the end";
        }
    }
    at = encoder.offset();
    feed(encoder.xid(1), at);

    ASSERT_EQ(m_sink.entries.size(), 1u);
    const auto& got = m_sink.entries[0];
    EXPECT_TRUE(got.streamed);
    const auto& t = got.transaction;
    EXPECT_EQ(t.begin().file(), "mysql-bin.000009");
    EXPECT_EQ(t.begin().pos(), begin);
    EXPECT_EQ(t.end().pos(), encoder.offset());
    EXPECT_EQ(t.row_count(), std::uint64_t{kEvents} * kRowsPerEvent);
    ASSERT_EQ(t.changes_size(), kEvents * kRowsPerEvent);
    for (int i = 0; i < t.changes_size(); ++i) {
        const auto& change = t.changes(i);
        ASSERT_EQ(change.after(0).int_(), i);
        ASSERT_EQ(change.after(2).text(), data[static_cast<std::size_t>(i % kRowsPerEvent)]);
    }
    EXPECT_EQ(m_spool.fileCount(), 0u);
}

TEST_F(AssemblerTest, ResetRemovesTheSpoolOfTheOpenTransaction) {
    AssemblerOptions options;
    options.spillThresholdBytes = 4096;
    create(std::move(options));
    auto table = makeTable(70, "shop", "orders");
    const std::string payload(500, 'x');
    ASSERT_TRUE(m_feed->gtid(gtid(1)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(i, payload)}).ok());
    }
    EXPECT_EQ(m_spool.fileCount(), 1u) << "spilled";
    EXPECT_EQ(m_assembler->openBytes(), 0u) << "nothing kept in memory once spilled";
    m_assembler->reset();
    EXPECT_EQ(m_spool.fileCount(), 0u);
    EXPECT_FALSE(m_assembler->inTransaction());

    // An error also drops the spool.
    ASSERT_TRUE(m_feed->gtid(gtid(2)).ok());
    ASSERT_TRUE(m_feed->query("BEGIN").ok());
    ASSERT_TRUE(m_feed->tableMap(table).ok());
    for (int i = 0; i < 40; ++i) {
        ASSERT_TRUE(m_feed->rows(RowsKind::Write, table, {}, {makeRow(i, payload)}).ok());
    }
    EXPECT_EQ(m_spool.fileCount(), 1u);
    EXPECT_FALSE(m_feed->query("UPDATE t SET a = 1").ok());
    EXPECT_EQ(m_spool.fileCount(), 0u);
}

TEST_F(AssemblerTest, StartWipesStaleSpoolFilesOnly) {
    std::ofstream(m_spool.path() / "txn-1-1.ferryspool") << "left by a crash";
    std::ofstream(m_spool.path() / "notes.txt") << "not ours";
    create({});
    EXPECT_FALSE(std::filesystem::exists(m_spool.path() / "txn-1-1.ferryspool"));
    EXPECT_TRUE(std::filesystem::exists(m_spool.path() / "notes.txt"));
}

TEST(Spool, DamagedFileIsCorrupt) {
    TempDir dir("damaged");
    auto writer = SpoolWriter::create(dir.path(), "t");
    ASSERT_TRUE(writer.ok());
    v1::RowChange change;
    change.set_table(1);
    change.add_after()->set_text(std::string(5000, 'z'));
    ASSERT_TRUE((*writer)->append(change).ok());
    ASSERT_TRUE((*writer)->append(change).ok());
    auto path = (*writer)->path();
    auto reader = (*writer)->finish();
    ASSERT_TRUE(reader.ok());
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
    v1::RowChange got;
    got.add_before()->set_int_(99);  // a reused message must come back holding only the change
    auto first = (*reader)->next(got);
    ASSERT_TRUE(first.ok());
    EXPECT_TRUE(*first);
    EXPECT_EQ(got.before_size(), 0);
    ASSERT_EQ(got.after_size(), 1);
    EXPECT_EQ(got.after(0).text(), std::string(5000, 'z'));
    auto second = (*reader)->next(got);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, ErrorCode::Corrupt);
    EXPECT_NE(second.error().message.find("change 2 of 2"), std::string::npos)
        << second.error().message;
    reader->reset();
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Spool, WriterDroppedBeforeFinishRemovesItsFile) {
    TempDir dir("dropped");
    std::filesystem::path path;
    {
        auto writer = SpoolWriter::create(dir.path(), "t");
        ASSERT_TRUE(writer.ok());
        path = (*writer)->path();
        EXPECT_TRUE(std::filesystem::exists(path));
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace ferry::capture::test
