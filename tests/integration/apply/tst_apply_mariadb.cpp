// SPDX-License-Identifier: Apache-2.0
// The applier against real MariaDB servers of the harness: server 0 (hz) plays the source
// (rows are written there with SQL), server 1 (us) the target (the same rows arrive as hand-made
// ferry.v1 transactions). Every column must read back byte for byte the same on both.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/apply/transaction_applier.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::apply {
namespace {

using ferry::harness::HarnessEnv;
using ferry::harness::MariadbConnection;
using ferry::v1::Transaction;
using ferry::v1::Value;

constexpr const char* kFerrySchema = "ferry_it_apply";
constexpr const char* kDb = "ferry_it_apply_db";

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

class ApplyMariadb : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        ASSERT_GE(m_env.mariadbCount(), 2u);
        for (std::size_t i = 0; i < 2; ++i) {
            auto connection = MariadbConnection::connect(m_env, i);
            ASSERT_OK(connection);
            m_servers.push_back(std::make_unique<MariadbConnection>(std::move(*connection)));
            ASSERT_OK(server(i).execute("SET SESSION time_zone = '+00:00'"));
            ASSERT_OK(server(i).execute("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'"));
            ASSERT_OK(server(i).execute(std::string("CREATE DATABASE IF NOT EXISTS ") + kDb));
        }
        auto installer = SchemaInstaller::create(kFerrySchema);
        ASSERT_OK(installer);
        auto session = targetSession();
        ASSERT_TRUE(session);
        ASSERT_OK(installer->install(*session));
    }

    MariadbConnection& server(std::size_t i) { return *m_servers[i]; }
    MariadbConnection& source() { return server(0); }
    MariadbConnection& target() { return server(1); }

    std::unique_ptr<MysqlSqlSession> targetSession() {
        auto server1 = m_env.mariadb(1);
        if (!server1.ok()) {
            return nullptr;
        }
        mysql::DatabaseUrl url;
        url.user = m_env.user();
        url.host = server1->host;
        url.port = static_cast<std::uint16_t>(server1->port);
        url.sslMode = mysql::SslMode::Disabled;
        auto session = MysqlSqlSession::connect(url, m_env.password());
        if (!session.ok()) {
            ADD_FAILURE() << session.error().toString();
            return nullptr;
        }
        return std::move(session).value();
    }

    // Both servers run `sql` (a fresh table for the test).
    void onBoth(const std::string& sql) {
        for (std::size_t i = 0; i < 2; ++i) {
            auto status = server(i).execute(sql);
            ASSERT_TRUE(status.ok()) << sql << ": " << status.error().toString();
        }
    }

    // Every column of every row as HEX of its bytes (NULL stays NULL), ordered by `order`.
    std::vector<std::vector<std::optional<std::string>>> dump(MariadbConnection& on,
                                                              const std::string& table,
                                                              const std::string& order) {
        auto columns = on.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
            "TABLE_SCHEMA = '" +
            std::string(kDb) + "' AND TABLE_NAME = '" + table + "' ORDER BY ORDINAL_POSITION");
        EXPECT_TRUE(columns.ok());
        std::string select = "SELECT ";
        for (std::size_t i = 0; columns.ok() && i < columns->rows.size(); ++i) {
            select += (i == 0 ? "" : ", ") + std::string("HEX(CAST(`") + *columns->rows[i][0] +
                      "` AS BINARY))";
        }
        auto rows = on.query(select + " FROM " + kDb + "." + table + " ORDER BY " + order);
        EXPECT_TRUE(rows.ok()) << (rows.ok() ? "" : rows.error().toString());
        return rows.ok() ? rows->rows : decltype(rows->rows){};
    }

    std::string scalar(MariadbConnection& on, const std::string& sql) {
        auto value = on.queryValue(sql);
        EXPECT_TRUE(value.ok()) << sql;
        return value.ok() && value->has_value() ? **value : std::string("NULL");
    }

    ApplierOptions options(std::uint64_t pipeline) {
        ApplierOptions o;
        o.pipelineId = pipeline;
        o.fencingToken = 1;
        o.ferrySchema = kFerrySchema;
        o.retry.initialBackoff = std::chrono::milliseconds(1);
        return o;
    }

    // Starts over for one pipeline: no position, no fence.
    void resetPipeline(std::uint64_t pipeline) {
        for (const char* table : {"apply_position", "fence"}) {
            ASSERT_OK(target().execute(std::string("DELETE FROM ") + kFerrySchema + "." + table +
                                       " WHERE pipeline_id = " + std::to_string(pipeline)));
        }
    }

    HarnessEnv m_env;
    std::vector<std::unique_ptr<MariadbConnection>> m_servers;
};

Value v(auto setter) {
    Value value;
    setter(value);
    return value;
}
Value i64(std::int64_t x) {
    return v([&](Value& y) { y.set_int_(x); });
}
Value null() {
    return v([](Value& y) { y.set_null(true); });
}
Value text(std::string bytes, std::uint32_t collation) {
    return v([&](Value& y) {
        y.set_text(std::move(bytes));
        y.set_collation(collation);
    });
}

Transaction transactionAt(std::uint64_t end) {
    Transaction t;
    t.mutable_begin()->set_file("hz-bin.000001");
    t.mutable_begin()->set_pos(end - 100);
    t.mutable_end()->set_file("hz-bin.000001");
    t.mutable_end()->set_pos(end);
    t.set_gtid("1-1-" + std::to_string(end));
    t.set_commit_ts(1700000000);
    return t;
}

ferry::v1::TableDefinition* addTable(Transaction& t, const std::string& name,
                                     const std::vector<std::string>& columns,
                                     std::vector<std::uint32_t> primaryKey) {
    auto* table = t.add_tables();
    table->set_schema(kDb);
    table->set_name(name);
    for (const std::string& column : columns) {
        auto* c = table->add_columns();
        c->set_name(column);
        c->set_nullable(true);
    }
    for (const std::uint32_t k : primaryKey) {
        table->add_primary_key(k);
        table->mutable_columns(static_cast<int>(k))->set_nullable(false);
    }
    return table;
}

void addRow(Transaction& t, ferry::v1::ChangeType type, std::vector<Value> before,
            std::vector<Value> after, std::uint32_t table = 0) {
    auto* change = t.add_changes();
    change->set_table(table);
    change->set_type(type);
    change->set_event_pos(t.begin().pos() + 10);
    for (Value& x : before) {
        *change->add_before() = std::move(x);
    }
    for (Value& x : after) {
        *change->add_after() = std::move(x);
    }
}

const std::vector<std::string> kTypeColumns = {"id", "ti", "ui", "d",  "f",   "db", "dt", "dz",
                                               "tm", "ts", "vc", "l1", "bin", "b4", "bt", "e",
                                               "st", "j",  "g",  "y",  "txt", "u2"};

TEST_F(ApplyMariadb, EveryColumnTypeRoundTripsExactly) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".types");
    onBoth(std::string("CREATE TABLE ") + kDb +
           ".types (id INT PRIMARY KEY, ti TINYINT, ui BIGINT UNSIGNED, d DECIMAL(30,10), "
           "f FLOAT, db DOUBLE, dt DATETIME(6), dz DATE, tm TIME(3), ts TIMESTAMP(6) NULL, "
           "vc VARCHAR(20) CHARACTER SET utf8mb4, l1 VARCHAR(20) CHARACTER SET latin1, "
           "bin VARBINARY(20), b4 BINARY(4), bt BIT(13), e ENUM('a','b c'), st SET('x','y','z'), "
           "j JSON, g GEOMETRY NULL, y YEAR, txt TEXT, u2 VARCHAR(10) CHARACTER SET ucs2)");
    ASSERT_OK(source().execute(
        std::string("INSERT INTO ") + kDb +
        ".types VALUES (1, -128, 18446744073709551615, -12345678901234567890.0123456789, 1.1, "
        "0.1, '2024-02-29 23:59:59.999999', '0000-00-00', '-838:59:59.000', "
        "'2038-01-19 03:14:07.999000', _utf8mb4 X'6127625C6300E282ACF09F9880', X'636166E9', "
        "X'00FF002700', X'0102', b'1010101010101', 'b c', 'x,z', '{\"a\": [1, 2.5]}', "
        "ST_GeomFromText('POINT(1 2)'), 1901, 'line\\nnext', _ucs2 X'00E9')"));
    ASSERT_OK(source().execute(std::string("INSERT INTO ") + kDb +
                               ".types (id, ts, dt, dz) VALUES (2, '0000-00-00 00:00:00', "
                               "'0000-00-00 00:00:00', '2024-00-00')"));

    Transaction t = transactionAt(1000);
    auto* table = addTable(t, "types", kTypeColumns, {0});
    auto e = table->mutable_columns(15);
    e->add_enum_names("a");
    e->add_enum_names("b c");
    std::vector<Value> row1 = {
        i64(1),
        i64(-128),
        v([](Value& y) { y.set_uint(18446744073709551615ull); }),
        v([](Value& y) { y.set_decimal("-12345678901234567890.0123456789"); }),
        v([](Value& y) { y.set_real(static_cast<double>(1.1f)); }),
        v([](Value& y) { y.set_real(0.1); }),
        v([](Value& y) { y.set_temporal("2024-02-29 23:59:59.999999"); }),
        v([](Value& y) { y.set_temporal("0000-00-00"); }),
        v([](Value& y) { y.set_temporal("-838:59:59.000"); }),
        v([](Value& y) {
            y.mutable_timestamp()->set_seconds(2147483647);
            y.mutable_timestamp()->set_microseconds(999000);
            y.mutable_timestamp()->set_fsp(6);
        }),
        text(std::string("a'b\\c\0\xE2\x82\xAC\xF0\x9F\x98\x80", 13), 45),
        text("caf\xE9", 8),
        v([](Value& y) { y.set_binary(std::string("\x00\xFF\x00\x27\x00", 5)); }),
        v([](Value& y) { y.set_binary(std::string("\x01\x02\x00\x00", 4)); }),
        v([](Value& y) { y.set_bit(0b1010101010101); }),
        v([](Value& y) { y.set_enum_index(2); }),
        v([](Value& y) { y.set_set_bits(5); }),
        text("{\"a\": [1, 2.5]}", 46),
        v([](Value& y) {
            y.set_geometry(
                std::string("\x00\x00\x00\x00\x01\x01\x00\x00\x00"
                            "\x00\x00\x00\x00\x00\x00\xF0\x3F"
                            "\x00\x00\x00\x00\x00\x00\x00\x40",
                            25));
        }),
        i64(1901),
        text("line\nnext", 45),
        text(std::string("\x00\xE9", 2), 35),
    };
    std::vector<Value> row2(kTypeColumns.size(), null());
    row2[0] = i64(2);
    row2[6] = v([](Value& y) { y.set_temporal("0000-00-00 00:00:00.000000"); });
    row2[7] = v([](Value& y) { y.set_temporal("2024-00-00"); });
    row2[9] = v([](Value& y) { y.mutable_timestamp()->set_fsp(6); });
    addRow(t, ferry::v1::CHANGE_TYPE_INSERT, {}, row1);
    addRow(t, ferry::v1::CHANGE_TYPE_INSERT, {}, row2);

    resetPipeline(101);
    auto session = targetSession();
    ASSERT_TRUE(session);
    ASSERT_OK(target().execute(std::string("DELETE FROM ") + kDb + ".types"));
    TransactionApplier applier(*session, options(101));
    auto outcome = applier.apply(t);
    ASSERT_OK(outcome);
    EXPECT_EQ(outcome->rows, 2u);

    const auto expected = dump(source(), "types", "id");
    const auto actual = dump(target(), "types", "id");
    ASSERT_EQ(expected.size(), 2u);
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t r = 0; r < expected.size(); ++r) {
        for (std::size_t c = 0; c < kTypeColumns.size(); ++c) {
            EXPECT_EQ(actual[r][c], expected[r][c])
                << "row " << r + 1 << " column " << kTypeColumns[c];
        }
    }
}

TEST_F(ApplyMariadb, PrimaryKeyChangesUpdatesAndDeletes) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".pk");
    onBoth(std::string("CREATE TABLE ") + kDb + ".pk (id INT PRIMARY KEY, v VARCHAR(10))");
    ASSERT_OK(target().execute(std::string("INSERT INTO ") + kDb +
                               ".pk VALUES (1, 'one'), (2, 'two'), (3, 'three')"));
    resetPipeline(102);
    auto session = targetSession();
    ASSERT_TRUE(session);
    TransactionApplier applier(*session, options(102));
    Transaction t = transactionAt(2000);
    addTable(t, "pk", {"id", "v"}, {0});
    addRow(t, ferry::v1::CHANGE_TYPE_UPDATE, {i64(1), text("one", 45)}, {i64(10), text("ten", 45)});
    // Same values as before: the row is still found (rows matched, not rows changed).
    addRow(t, ferry::v1::CHANGE_TYPE_UPDATE, {i64(3), text("three", 45)},
           {i64(3), text("three", 45)});
    addRow(t, ferry::v1::CHANGE_TYPE_DELETE, {i64(2), text("two", 45)}, {});
    ASSERT_OK(applier.apply(t));
    EXPECT_EQ(scalar(target(), std::string("SELECT GROUP_CONCAT(id, '=', v ORDER BY id) FROM ") +
                                   kDb + ".pk"),
              "3=three,10=ten");

    // Updating a row that is not there is a divergence naming table, key and position; nothing
    // of the transaction stays.
    Transaction missing = transactionAt(2100);
    addTable(missing, "pk", {"id", "v"}, {0});
    addRow(missing, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(20), text("x", 45)});
    addRow(missing, ferry::v1::CHANGE_TYPE_UPDATE, {i64(99), text("x", 45)},
           {i64(99), text("y", 45)});
    auto outcome = applier.apply(missing);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Conflict);
    for (const char* part :
         {"`ferry_it_apply_db`.`pk` key `id`=99", "hz-bin.000001:2100", "matched 0 row(s)"}) {
        EXPECT_NE(outcome.error().message.find(part), std::string::npos)
            << part << " not in " << outcome.error().message;
    }
    EXPECT_EQ(scalar(target(), std::string("SELECT COUNT(*) FROM ") + kDb + ".pk"), "2");
    EXPECT_EQ(scalar(target(), std::string("SELECT source_pos FROM ") + kFerrySchema +
                                   ".apply_position WHERE pipeline_id = 102"),
              "2000");

    // A missing table stops with its name.
    Transaction noTable = transactionAt(2200);
    addTable(noTable, "not_there", {"id"}, {0});
    addRow(noTable, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(1)});
    outcome = applier.apply(noTable);
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message.find("`not_there`"), std::string::npos);
    EXPECT_NE(outcome.error().message.find("1146"), std::string::npos) << outcome.error().message;
}

TEST_F(ApplyMariadb, UniqueOnlyAndKeylessTables) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".uk");
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".nk");
    onBoth(std::string("CREATE TABLE ") + kDb +
           ".uk (a INT NULL, b VARCHAR(10) NOT NULL, c INT NOT NULL, UNIQUE KEY (a), "
           "UNIQUE KEY (b, c))");
    onBoth(std::string("CREATE TABLE ") + kDb + ".nk (a INT, b VARCHAR(10))");
    ASSERT_OK(target().execute(std::string("INSERT INTO ") + kDb +
                               ".uk VALUES (NULL, 'k', 1), (5, 'k', 2)"));
    ASSERT_OK(target().execute(std::string("INSERT INTO ") + kDb +
                               ".nk VALUES (1, 'x'), (1, 'x'), (2, NULL)"));
    resetPipeline(103);

    auto tables = [](Transaction& t) {
        auto* uk = addTable(t, "uk", {"a", "b", "c"}, {});
        uk->mutable_columns(1)->set_nullable(false);
        uk->mutable_columns(2)->set_nullable(false);
        auto* ka = uk->add_unique_keys();
        ka->add_columns(0);
        auto* kbc = uk->add_unique_keys();
        kbc->add_columns(1);
        kbc->add_columns(2);
        addTable(t, "nk", {"a", "b"}, {});
    };
    Transaction t = transactionAt(3000);
    tables(t);
    addRow(t, ferry::v1::CHANGE_TYPE_UPDATE, {null(), text("k", 45), i64(1)},
           {i64(7), text("k", 45), i64(1)}, 0);
    addRow(t, ferry::v1::CHANGE_TYPE_DELETE, {i64(1), text("x", 45)}, {}, 1);
    addRow(t, ferry::v1::CHANGE_TYPE_UPDATE, {i64(2), null()}, {i64(2), text("z", 45)}, 1);

    {
        auto session = targetSession();
        ASSERT_TRUE(session);
        TransactionApplier refusing(*session, options(103));
        auto outcome = refusing.apply(t);
        ASSERT_FALSE(outcome.ok());
        EXPECT_NE(outcome.error().message.find("table ferry_it_apply_db.nk has no primary key"),
                  std::string::npos)
            << outcome.error().message;
    }
    auto session = targetSession();
    ASSERT_TRUE(session);
    ApplierOptions o = options(103);
    o.builder.matchAllColumnsWithoutKey = true;
    TransactionApplier applier(*session, o);
    ASSERT_OK(applier.apply(t));
    EXPECT_EQ(scalar(target(), std::string("SELECT GROUP_CONCAT(IFNULL(a, 'N'), b, c ORDER BY "
                                           "c) FROM ") +
                                   kDb + ".uk"),
              "7k1,5k2");
    EXPECT_EQ(scalar(target(), std::string("SELECT GROUP_CONCAT(a, '=', IFNULL(b, 'N') ORDER "
                                           "BY a) FROM ") +
                                   kDb + ".nk"),
              "1=x,2=z");
}

TEST_F(ApplyMariadb, ExactlyOnceAcrossRestarts) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".once");
    onBoth(std::string("CREATE TABLE ") + kDb + ".once (id INT PRIMARY KEY)");
    resetPipeline(104);
    std::vector<Transaction> stream;
    for (int i = 1; i <= 3; ++i) {
        Transaction t = transactionAt(4000 + 100 * static_cast<std::uint64_t>(i));
        addTable(t, "once", {"id"}, {0});
        addRow(t, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(i)});
        stream.push_back(t);
    }
    {
        auto session = targetSession();
        ASSERT_TRUE(session);
        TransactionApplier applier(*session, options(104));
        ASSERT_OK(applier.apply(std::span<const Transaction>(stream.data(), 2)));
    }
    // A restarted applier replays the whole stream: only the third is new.
    auto session = targetSession();
    ASSERT_TRUE(session);
    TransactionApplier restarted(*session, options(104));
    auto progress = restarted.loadProgress();
    ASSERT_OK(progress);
    ASSERT_TRUE(progress->lowWater.has_value());
    EXPECT_EQ(progress->lowWater->pos(), 4200u);
    for (const Transaction& t : stream) {
        ASSERT_OK(restarted.apply(t));
    }
    auto again = restarted.apply(stream[0]);
    ASSERT_OK(again);
    EXPECT_EQ(again->result, ApplyResult::AlreadyApplied);
    EXPECT_EQ(scalar(target(), std::string("SELECT COUNT(*) FROM ") + kDb + ".once"), "3");
    EXPECT_EQ(scalar(target(), std::string("SELECT CONCAT(source_pos, '/', seq) FROM ") +
                                   kFerrySchema + ".apply_position WHERE pipeline_id = 104"),
              "4300/2");
}

TEST_F(ApplyMariadb, DeposedLeaderIsFenced) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".fenced");
    onBoth(std::string("CREATE TABLE ") + kDb + ".fenced (id INT PRIMARY KEY)");
    resetPipeline(105);
    auto session = targetSession();
    ASSERT_TRUE(session);
    TransactionApplier applier(*session, options(105));
    Transaction first = transactionAt(5000);
    addTable(first, "fenced", {"id"}, {0});
    addRow(first, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(1)});
    ASSERT_OK(applier.apply(first));

    // A new leader takes over from another connection.
    ASSERT_OK(target().execute(std::string("INSERT INTO ") + kFerrySchema +
                               ".fence (pipeline_id, token, holder) VALUES (105, 2, 'us-new') "
                               "ON DUPLICATE KEY UPDATE token = 2"));
    Transaction second = transactionAt(5100);
    addTable(second, "fenced", {"id"}, {0});
    addRow(second, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(2)});
    auto outcome = applier.apply(second);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Conflict);
    EXPECT_NE(outcome.error().message.find("a newer leader took over"), std::string::npos);
    EXPECT_EQ(scalar(target(), std::string("SELECT COUNT(*) FROM ") + kDb + ".fenced"), "1");
    EXPECT_EQ(scalar(target(), std::string("SELECT source_pos FROM ") + kFerrySchema +
                                   ".apply_position WHERE pipeline_id = 105"),
              "5000");
}

// A session that kills its own server connection (KILL from another connection) at a chosen
// statement: before it runs, or after COMMIT succeeded (the client then sees a lost connection
// although the commit happened).
class KillingSession final : public SqlSession {
public:
    enum class When { Before, AfterCommit };

    KillingSession(MysqlSqlSession& inner, MariadbConnection& killer, std::string prefix, When when)
        : m_inner(inner), m_killer(killer), m_prefix(std::move(prefix)), m_when(when) {}

    Status execute(std::string_view sql) override {
        m_fakeError = 0;
        if (!m_done && sql.substr(0, m_prefix.size()) == m_prefix) {
            m_done = true;
            if (m_when == When::Before) {
                kill();
                return m_inner.execute(sql);
            }
            FERRY_TRY(m_inner.execute(sql));
            kill();
            m_fakeError = 2013;
            return makeError(ErrorCode::Unavailable, "lost connection after COMMIT (test)");
        }
        return m_inner.execute(sql);
    }
    Result<SqlRows> query(std::string_view sql) override { return m_inner.query(sql); }
    std::uint64_t affectedRows() const override { return m_inner.affectedRows(); }
    unsigned lastErrorNumber() const override {
        return m_fakeError != 0 ? m_fakeError : m_inner.lastErrorNumber();
    }
    std::string quote(std::string_view bytes) const override { return m_inner.quote(bytes); }
    Status reconnect() override {
        m_fakeError = 0;
        ++reconnects;
        return m_inner.reconnect();
    }
    std::string where() const override { return m_inner.where(); }

    int reconnects = 0;

private:
    void kill() {
        auto id = m_inner.connectionId();
        ASSERT_TRUE(id.ok());
        ASSERT_TRUE(m_killer.execute("KILL " + std::to_string(*id)).ok());
    }

    MysqlSqlSession& m_inner;
    MariadbConnection& m_killer;
    std::string m_prefix;
    When m_when;
    bool m_done = false;
    unsigned m_fakeError = 0;
};

struct KillCase {
    const char* name;
    std::string prefix;
    KillingSession::When when;
};

class ApplyMariadbKill : public ApplyMariadb, public ::testing::WithParamInterface<KillCase> {};

TEST_P(ApplyMariadbKill, KilledConnectionIsRetriedWithoutDuplicates) {
    const KillCase& c = GetParam();
    const std::string table = std::string("kill_") + c.name;
    onBoth("DROP TABLE IF EXISTS " + std::string(kDb) + "." + table);
    onBoth("CREATE TABLE " + std::string(kDb) + "." + table + " (id INT PRIMARY KEY, n INT)");
    const std::uint64_t pipeline = 200 + static_cast<std::uint64_t>(table.size());
    resetPipeline(pipeline);
    auto inner = targetSession();
    ASSERT_TRUE(inner);
    KillingSession session(*inner, target(), c.prefix, c.when);
    TransactionApplier applier(session, options(pipeline));
    Transaction t = transactionAt(6000);
    addTable(t, table, {"id", "n"}, {0});
    for (int i = 1; i <= 3; ++i) {
        addRow(t, ferry::v1::CHANGE_TYPE_INSERT, {}, {i64(i), i64(i * 2)});
    }
    addRow(t, ferry::v1::CHANGE_TYPE_UPDATE, {i64(2), i64(4)}, {i64(2), i64(40)});
    auto outcome = applier.apply(t);
    ASSERT_OK(outcome);
    EXPECT_EQ(session.reconnects, 1);
    EXPECT_EQ(scalar(target(), "SELECT GROUP_CONCAT(id, '=', n ORDER BY id) FROM " +
                                   std::string(kDb) + "." + table),
              "1=2,2=40,3=6");
    EXPECT_EQ(
        scalar(target(), std::string("SELECT CONCAT(source_pos, '/', seq) FROM ") + kFerrySchema +
                             ".apply_position WHERE pipeline_id = " + std::to_string(pipeline)),
        "6000/1");
}

INSTANTIATE_TEST_SUITE_P(
    Points, ApplyMariadbKill,
    ::testing::Values(KillCase{"before_rows", "INSERT INTO `ferry_it_apply_db`",
                               KillingSession::When::Before},
                      KillCase{"before_update", "UPDATE", KillingSession::When::Before},
                      KillCase{"before_commit", "COMMIT", KillingSession::When::Before},
                      KillCase{"after_commit", "COMMIT", KillingSession::When::AfterCommit}),
    [](const ::testing::TestParamInfo<KillCase>& row) { return std::string(row.param.name); });

TEST_F(ApplyMariadb, DdlIsMarkedAndItsReplayIsHarmless) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".ddl_t");
    resetPipeline(106);
    Transaction ddl = transactionAt(7000);
    ddl.mutable_ddl()->set_schema(kDb);
    ddl.mutable_ddl()->set_statement("CREATE TABLE ddl_t (id INT PRIMARY KEY)");
    {
        auto session = targetSession();
        ASSERT_TRUE(session);
        TransactionApplier applier(*session, options(106));
        ASSERT_OK(applier.apply(ddl));
    }
    EXPECT_EQ(scalar(target(), std::string("SELECT COUNT(*) FROM information_schema.TABLES "
                                           "WHERE TABLE_SCHEMA = '") +
                                   kDb + "' AND TABLE_NAME = 'ddl_t'"),
              "1");
    // The marker is in the target's binlog, so capture there can drop it.
    // A crash after the DDL but before its position: the position row is rolled back to the
    // previous transaction; the restarted applier re-runs the DDL and goes on.
    ASSERT_OK(target().execute(std::string("UPDATE ") + kFerrySchema +
                               ".apply_position SET source_pos = 6900 WHERE pipeline_id = 106"));
    auto session = targetSession();
    ASSERT_TRUE(session);
    TransactionApplier restarted(*session, options(106));
    auto outcome = restarted.apply(ddl);
    ASSERT_OK(outcome);
    EXPECT_EQ(outcome->result, ApplyResult::Applied);
    ASSERT_EQ(outcome->notes.size(), 1u);
    EXPECT_EQ(scalar(target(), std::string("SELECT source_pos FROM ") + kFerrySchema +
                                   ".apply_position WHERE pipeline_id = 106"),
              "7000");
}

TEST_F(ApplyMariadb, SchemaInstallIsIdempotentAndChecked) {
    auto installer = SchemaInstaller::create(kFerrySchema);
    ASSERT_OK(installer);
    auto session = targetSession();
    ASSERT_TRUE(session);
    ASSERT_OK(installer->install(*session));
    ASSERT_OK(installer->install(*session));
    auto other = SchemaInstaller::create("ferry_it_apply_missing");
    ASSERT_OK(other);
    auto status = other->check(*session);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("is missing"), std::string::npos);
}

}  // namespace
}  // namespace ferry::apply
