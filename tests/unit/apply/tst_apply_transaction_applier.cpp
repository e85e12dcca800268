// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "fake_sql_session.h"
#include "ferry/apply/transaction_applier.h"

namespace ferry::apply {
namespace {

using ferry::v1::Transaction;
using std::chrono::milliseconds;
using testing::FakeSqlSession;

constexpr std::uint64_t kPipeline = 7;
constexpr std::uint64_t kToken = 5;

// shop.t (id INT PK, v INT): one insert of (id, id * 10), ending at bin.000003:<end>.
Transaction insertTransaction(std::uint64_t end, std::int64_t id) {
    Transaction t;
    t.mutable_begin()->set_file("bin.000003");
    t.mutable_begin()->set_pos(end - 50);
    t.mutable_end()->set_file("bin.000003");
    t.mutable_end()->set_pos(end);
    t.set_gtid("1-1-" + std::to_string(end));
    t.set_commit_ts(1700000000 + end);
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("t");
    table->add_columns()->set_name("id");
    table->add_columns()->set_name("v");
    table->add_primary_key(0);
    auto* change = t.add_changes();
    change->set_type(ferry::v1::CHANGE_TYPE_INSERT);
    change->set_event_pos(end - 40);
    change->add_after()->set_int_(id);
    change->add_after()->set_int_(id * 10);
    return t;
}

Transaction updateTransaction(std::uint64_t end, std::int64_t id) {
    Transaction t = insertTransaction(end, id);
    auto* change = t.mutable_changes(0);
    change->set_type(ferry::v1::CHANGE_TYPE_UPDATE);
    *change->mutable_before() = change->after();
    change->mutable_after(1)->set_int_(id * 100);
    return t;
}

Transaction ddlTransaction(std::uint64_t end, std::string statement) {
    Transaction t;
    t.mutable_begin()->set_file("bin.000003");
    t.mutable_begin()->set_pos(end - 50);
    t.mutable_end()->set_file("bin.000003");
    t.mutable_end()->set_pos(end);
    t.mutable_ddl()->set_schema("shop");
    t.mutable_ddl()->set_statement(std::move(statement));
    return t;
}

struct Fixture {
    FakeSqlSession session;
    std::vector<milliseconds> sleeps;
    TransactionApplier applier;

    explicit Fixture(ApplierOptions options = defaults())
        : applier(session, std::move(options), [this](milliseconds d) { sleeps.push_back(d); }) {}

    static ApplierOptions defaults() {
        ApplierOptions options;
        options.pipelineId = kPipeline;
        options.slot = 0;
        options.fencingToken = kToken;
        options.ferrySchema = "fx";
        options.retry.maxAttempts = 4;
        options.retry.initialBackoff = milliseconds(10);
        options.retry.maxBackoff = milliseconds(25);
        return options;
    }

    // The log without the session setup and progress statements.
    std::vector<std::string> transactionLog() const {
        std::vector<std::string> out;
        for (const std::string& sql : session.log) {
            if (sql.rfind("SET ", 0) != 0 && sql.rfind("SELECT slot", 0) != 0) {
                out.push_back(sql);
            }
        }
        return out;
    }
};

const std::string kFence =
    "SELECT token FROM `fx`.`fence` WHERE pipeline_id = 7 LOCK IN SHARE MODE";
const std::string kInsert1 = "INSERT INTO `shop`.`t` (`id`, `v`) VALUES (1, 10)";

std::string positionSql(const TransactionApplier& applier, const Transaction& t) {
    return applier.positionStatement(t);
}

TEST(TransactionApplier, WritesPositionFirstThenFenceThenRows) {
    Fixture f;
    const Transaction t = insertTransaction(1000, 1);
    auto outcome = f.applier.apply(t);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->result, ApplyResult::Applied);
    EXPECT_EQ(outcome->rows, 1u);
    EXPECT_EQ(outcome->attempts, 1u);
    EXPECT_EQ(f.transactionLog(), (std::vector<std::string>{"BEGIN", positionSql(f.applier, t),
                                                            kFence, kInsert1, "COMMIT"}));
    EXPECT_EQ(positionSql(f.applier, t),
              "INSERT INTO `fx`.`apply_position` (pipeline_id, slot, source_file, source_pos, "
              "source_gtid, source_ts, seq, fencing_token, updated_at) VALUES (7, 0, "
              "'bin.000003', 1000, '1-1-1000', 1700001000, 1, 5, CURRENT_TIMESTAMP(6)) ON "
              "DUPLICATE KEY UPDATE source_file = VALUES(source_file), source_pos = "
              "VALUES(source_pos), source_gtid = VALUES(source_gtid), source_ts = "
              "VALUES(source_ts), seq = seq + 1, fencing_token = VALUES(fencing_token), "
              "updated_at = VALUES(updated_at)");
    EXPECT_EQ(f.session.positions[0].seq, 1u);
    EXPECT_EQ(f.session.positions[0].pos, 1000u);
    EXPECT_TRUE(f.sleeps.empty());
}

TEST(TransactionApplier, SessionSetupKeepsBinlogAndForeignKeysOn) {
    Fixture f;
    ASSERT_TRUE(f.applier.setupSession().ok());
    EXPECT_EQ(f.session.log,
              (std::vector<std::string>{
                  "SET NAMES utf8mb4", "SET SESSION time_zone = '+00:00'",
                  "SET SESSION sql_mode = "
                  "'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'",
                  "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                  "SET SESSION foreign_key_checks = 1", "SET SESSION autocommit = 1"}));
    for (const std::string& sql : f.session.log) {
        EXPECT_EQ(sql.find("sql_log_bin"), std::string::npos);
    }
}

TEST(TransactionApplier, SkipsWhatTheTargetAlreadyHas) {
    Fixture f;
    f.session.positions[0] = {"bin.000003", 1000, "1-1-1000", 0, 4, kToken};
    f.session.positions[1] = {"bin.000003", 1100, "1-1-1100", 0, 9, kToken};
    auto progress = f.applier.loadProgress();
    ASSERT_TRUE(progress.ok());
    ASSERT_TRUE(progress->lowWater.has_value());
    EXPECT_EQ(progress->lowWater->pos(), 1100u);
    EXPECT_EQ(progress->slots.size(), 2u);

    for (std::uint64_t end : {900u, 1000u, 1100u}) {
        auto outcome = f.applier.apply(insertTransaction(end, 1));
        ASSERT_TRUE(outcome.ok());
        EXPECT_EQ(outcome->result, ApplyResult::AlreadyApplied) << end;
    }
    EXPECT_TRUE(f.transactionLog().empty());
    auto outcome = f.applier.apply(insertTransaction(1200, 1));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->result, ApplyResult::Applied);
    EXPECT_EQ(f.session.positions[0].seq, 5u);
    // Applying it again is a no-op now.
    outcome = f.applier.apply(insertTransaction(1200, 1));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->result, ApplyResult::AlreadyApplied);
}

TEST(TransactionApplier, PositionsOfAnotherBinlogSeriesAreAnError) {
    Fixture f;
    f.session.positions[0] = {"other-bin.000001", 1000, "", 0, 1, kToken};
    Transaction t = insertTransaction(1200, 1);
    auto outcome = f.applier.apply(t);
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message.find("cannot be ordered"), std::string::npos);
}

TEST(TransactionApplier, GroupCommitsOnceWithTheLastPosition) {
    Fixture f;
    const std::vector<Transaction> group = {insertTransaction(1000, 1), insertTransaction(1100, 2),
                                            insertTransaction(1200, 3)};
    auto outcome = f.applier.apply(group);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->transactions, 3u);
    EXPECT_EQ(f.session.statementsStartingWith("BEGIN").size(), 1u);
    EXPECT_EQ(f.session.statementsStartingWith("COMMIT").size(), 1u);
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 3u);
    EXPECT_EQ(f.session.positions[0].pos, 1200u);
    EXPECT_EQ(f.session.positions[0].seq, 1u);
}

TEST(TransactionApplier, GroupSkipsItsAlreadyAppliedPrefix) {
    Fixture f;
    f.session.positions[0] = {"bin.000003", 1100, "", 0, 2, kToken};
    const std::vector<Transaction> group = {insertTransaction(1000, 1), insertTransaction(1100, 2),
                                            insertTransaction(1200, 3)};
    auto outcome = f.applier.apply(group);
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome->transactions, 1u);
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`"),
              (std::vector<std::string>{"INSERT INTO `shop`.`t` (`id`, `v`) VALUES (3, 30)"}));
}

struct RetryCase {
    const char* name;
    std::string failingPrefix;
    unsigned errorNumber;
    bool reconnects;
    bool rollsBack;
};

class Retries : public ::testing::TestWithParam<RetryCase> {};

TEST_P(Retries, RetryTheWholeTransactionOnce) {
    const RetryCase& c = GetParam();
    Fixture f;
    f.session.failures.push_back({c.failingPrefix, c.errorNumber, 1});
    const Transaction t = insertTransaction(1000, 1);
    auto outcome = f.applier.apply(t);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->attempts, 2u);
    EXPECT_EQ(f.session.statementsStartingWith("<reconnect>").size(), c.reconnects ? 1u : 0u);
    EXPECT_EQ(f.session.statementsStartingWith("ROLLBACK").size(), c.rollsBack ? 1u : 0u);
    // A COMMIT that failed is sent again on the retry.
    const std::size_t commits = c.failingPrefix == "COMMIT" ? 2u : 1u;
    EXPECT_EQ(f.session.statementsStartingWith("COMMIT").size(), commits);
    EXPECT_EQ(f.session.positions[0].seq, 1u);  // committed exactly once
    EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(10)}));
    if (c.reconnects) {
        // The session is set up again on the new connection before the retry.
        const auto& log = f.session.log;
        const auto reconnect = std::find(log.begin(), log.end(), "<reconnect>");
        ASSERT_NE(reconnect, log.end());
        EXPECT_EQ(*(reconnect + 1), "SET NAMES utf8mb4");
    }
}

INSTANTIATE_TEST_SUITE_P(
    Errors, Retries,
    ::testing::Values(RetryCase{"deadlock_on_row", "INSERT INTO `shop`", 1213, false, true},
                      RetryCase{"lock_wait_timeout_on_position", "INSERT INTO `fx`", 1205, false,
                                true},
                      RetryCase{"lock_wait_timeout_on_fence", "SELECT token", 1205, false, true},
                      RetryCase{"connection_lost_on_row", "INSERT INTO `shop`", 2013, true, false},
                      RetryCase{"connection_killed", "INSERT INTO `shop`", 1927, true, false},
                      RetryCase{"server_gone_at_begin", "BEGIN", 2006, true, false},
                      RetryCase{"commit_not_done_connection_lost", "COMMIT", 2013, true, false}),
    [](const ::testing::TestParamInfo<RetryCase>& row) { return std::string(row.param.name); });

TEST(TransactionApplier, CommitLostButDoneIsNotAppliedTwice) {
    Fixture f;
    f.session.failures.push_back({"COMMIT", 2013, 1, /*afterEffect=*/true});
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->attempts, 1u);
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 1u);
    EXPECT_EQ(f.session.statementsStartingWith("SELECT source_file, source_pos, seq").size(), 1u);
    EXPECT_EQ(f.session.positions[0].seq, 1u);
    // The next transaction expects seq 2 on the row.
    f.session.failures.push_back({"COMMIT", 2013, 1, true});
    outcome = f.applier.apply(insertTransaction(1100, 2));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(f.session.positions[0].seq, 2u);
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 2u);
}

TEST(TransactionApplier, CommitLostAndNotDoneIsRetried) {
    Fixture f;
    f.session.failures.push_back({"COMMIT", 2013, 1, /*afterEffect=*/false});
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->attempts, 2u);
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 2u);
    EXPECT_EQ(f.session.statementsStartingWith("SELECT source_file, source_pos, seq").size(), 1u);
    EXPECT_EQ(f.session.positions[0].seq, 1u);
}

TEST(TransactionApplier, CommitLostWithAForeignWriterStops) {
    Fixture f;
    f.session.failures.push_back({"COMMIT", 2013, 1, false});
    // Someone else wrote the slot meanwhile: seq 3 is neither "lost" (0) nor "done" (1).
    f.session.failures.push_back({"SELECT source_file, source_pos, seq", 0, 0});
    ASSERT_TRUE(f.applier.loadProgress().ok());
    f.session.positions[0] = {"bin.000003", 900, "", 0, 3, 99};
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Conflict);
    EXPECT_NE(outcome.error().message.find("another applier writes this pipeline slot"),
              std::string::npos)
        << outcome.error().message;
}

TEST(TransactionApplier, GivesUpAfterMaxAttemptsWithBackoff) {
    Fixture f;
    f.session.failures.push_back({"INSERT INTO `shop`", 1213, 100});
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Unavailable);
    EXPECT_NE(outcome.error().message.find("after 4 attempts"), std::string::npos);
    EXPECT_EQ(f.sleeps, (std::vector<milliseconds>{milliseconds(10), milliseconds(20),
                                                   milliseconds(25), milliseconds(25)}));
    EXPECT_TRUE(f.session.positions.empty());
}

TEST(TransactionApplier, ReconnectFailuresAreRetriedThenReported) {
    Fixture f;
    f.session.failures.push_back({"BEGIN", 2006, 1});
    f.session.reconnectFailures = 2;
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(f.session.statementsStartingWith("<reconnect>").size(), 3u);

    Fixture g;
    g.session.failures.push_back({"BEGIN", 2006, 1});
    g.session.reconnectFailures = 100;
    outcome = g.applier.apply(insertTransaction(1000, 1));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Unavailable);
    EXPECT_NE(outcome.error().message.find("cannot reconnect"), std::string::npos);
}

TEST(TransactionApplier, DeposedLeaderIsRefused) {
    Fixture f;
    f.session.fenceToken = kToken + 1;
    auto outcome = f.applier.apply(insertTransaction(1000, 1));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Conflict);
    EXPECT_NE(outcome.error().message.find("is 6, higher than this apply leader's 5"),
              std::string::npos)
        << outcome.error().message;
    EXPECT_EQ(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 0u);
    EXPECT_EQ(f.session.log.back(), "ROLLBACK");
    EXPECT_TRUE(f.session.positions.empty());
}

TEST(TransactionApplier, EqualOrLowerFenceTokenIsAccepted) {
    for (std::uint64_t token : {kToken, kToken - 1}) {
        Fixture f;
        f.session.fenceToken = token;
        EXPECT_TRUE(f.applier.apply(insertTransaction(1000, 1)).ok()) << token;
    }
}

struct DivergenceCase {
    const char* name;
    Transaction transaction;
    unsigned errorNumber;  // 0: the statement succeeds with 0 affected rows
    ErrorCode code;
    std::vector<std::string> messageParts;
};

class Divergence : public ::testing::TestWithParam<DivergenceCase> {};

TEST_P(Divergence, StopsNamingTableKeyAndPosition) {
    const DivergenceCase& c = GetParam();
    Fixture f;
    if (c.errorNumber == 0) {
        f.session.affected = [](std::string_view sql) {
            return sql.rfind("UPDATE", 0) == 0 || sql.rfind("DELETE", 0) == 0 ? 0u : 1u;
        };
    } else {
        f.session.failures.push_back({"INSERT INTO `shop`", c.errorNumber, 1});
        f.session.failures.push_back({"UPDATE `shop`", c.errorNumber, 1});
    }
    auto outcome = f.applier.apply(c.transaction);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, c.code);
    for (const std::string& part : c.messageParts) {
        EXPECT_NE(outcome.error().message.find(part), std::string::npos)
            << "'" << part << "' not in: " << outcome.error().message;
    }
    EXPECT_EQ(f.session.log.back(), "ROLLBACK");
    EXPECT_TRUE(f.session.positions.empty());
    EXPECT_TRUE(f.sleeps.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, Divergence,
    ::testing::Values(
        DivergenceCase{"update_row_missing",
                       updateTransaction(1000, 4),
                       0,
                       ErrorCode::Conflict,
                       {"UPDATE of `shop`.`t` key `id`=4", "bin.000003:950..bin.000003:1000",
                        "rows event at 960", "matched 0 row(s), 1 expected"}},
        DivergenceCase{"duplicate_insert",
                       insertTransaction(1000, 3),
                       1062,
                       ErrorCode::Conflict,
                       {"INSERT into `shop`.`t` key `id`=3", "already exists", "GTID 1-1-1000"}},
        DivergenceCase{"missing_table",
                       insertTransaction(1000, 3),
                       1146,
                       ErrorCode::Io,
                       {"INSERT into `shop`.`t` key `id`=3", "bin.000003:1000", "fake error 1146",
                        "missing table"}},
        DivergenceCase{"value_too_long",
                       updateTransaction(1000, 3),
                       1406,
                       ErrorCode::Io,
                       {"UPDATE of `shop`.`t` key `id`=3", "fake error 1406"}}),
    [](const ::testing::TestParamInfo<DivergenceCase>& row) {
        return std::string(row.param.name);
    });

TEST(TransactionApplier, DdlRunsAloneMarkedThenRecordsItsPosition) {
    Fixture f;
    ASSERT_TRUE(f.applier.apply(insertTransaction(900, 1)).ok());
    f.session.log.clear();
    const Transaction ddl = ddlTransaction(1000, "ALTER TABLE t ADD COLUMN w INT");
    auto outcome = f.applier.apply(ddl);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(f.transactionLog(),
              (std::vector<std::string>{
                  "SELECT token FROM `fx`.`fence` WHERE pipeline_id = 7 LOCK IN SHARE MODE",
                  "USE `shop`", "/* ferry:pipeline=7 */ ALTER TABLE t ADD COLUMN w INT", "BEGIN",
                  positionSql(f.applier, ddl), kFence, "COMMIT"}));
    EXPECT_EQ(f.session.positions[0].pos, 1000u);
    EXPECT_TRUE(outcome->notes.empty());
}

TEST(TransactionApplier, DdlReplayAfterRestartIsHarmless) {
    Fixture f;
    f.session.positions[0] = {"bin.000003", 900, "", 0, 1, kToken};
    f.session.failures.push_back({"/* ferry:pipeline=7 */", 1050, 1});
    auto outcome = f.applier.apply(ddlTransaction(1000, "CREATE TABLE x (id INT PRIMARY KEY)"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    ASSERT_EQ(outcome->notes.size(), 1u);
    EXPECT_NE(outcome->notes[0].find("already applied"), std::string::npos);
    EXPECT_EQ(f.session.positions[0].pos, 1000u);
    EXPECT_EQ(f.session.positions[0].seq, 2u);
}

struct ReplayCase {
    const char* name;
    const char* statement;
    unsigned error;
    bool tolerated;
};

class DdlReplays : public ::testing::TestWithParam<ReplayCase> {};

// After a restart, the "already done" answer of each kind of DDL is tolerated; a look-alike
// error of another statement is not.
TEST_P(DdlReplays, AlreadyDoneAnswersAfterARestart) {
    const ReplayCase& c = GetParam();
    Fixture f;
    f.session.positions[0] = {"bin.000003", 900, "", 0, 1, kToken};
    f.session.failures.push_back({"/* ferry:pipeline=7 */", c.error, 1});
    auto outcome = f.applier.apply(ddlTransaction(1000, c.statement));
    EXPECT_EQ(outcome.ok(), c.tolerated) << (outcome.ok() ? "" : outcome.error().message);
    EXPECT_EQ(f.session.positions[0].pos, c.tolerated ? 1000u : 900u);
}

INSTANTIATE_TEST_SUITE_P(
    Statements, DdlReplays,
    ::testing::Values(
        ReplayCase{"rename_table", "RENAME TABLE made1 TO renamed1", 1146, true},
        ReplayCase{"alter_rename", "ALTER TABLE made1 RENAME TO renamed1", 1146, true},
        ReplayCase{"rename_column", "ALTER TABLE t RENAME COLUMN a TO b", 1054, true},
        ReplayCase{"change_column", "alter table t change a b INT", 1054, true},
        ReplayCase{"add_primary_key", "ALTER TABLE t ADD PRIMARY KEY (id)", 1068, true},
        ReplayCase{"drop_view", "DROP VIEW v", 4092, true},
        ReplayCase{"missing_table_on_alter", "ALTER TABLE gone ADD COLUMN c INT", 1146, false},
        ReplayCase{"missing_column_on_add_index", "ALTER TABLE t ADD INDEX (renamed)", 1054, false},
        ReplayCase{"renamed_is_not_rename", "ALTER TABLE t ADD COLUMN renamed_at INT", 1146,
                   false}),
    [](const ::testing::TestParamInfo<ReplayCase>& row) { return std::string(row.param.name); });

TEST(TransactionApplier, DdlFenceReadRidesOutALostConnection) {
    Fixture f;
    ASSERT_TRUE(f.applier.apply(insertTransaction(900, 1)).ok());
    f.session.failures.push_back({"SELECT token", 2013, 1});
    auto outcome = f.applier.apply(ddlTransaction(1000, "ALTER TABLE t ADD COLUMN w INT"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(f.session.statementsStartingWith("<reconnect>").size(), 1u);
    EXPECT_EQ(f.session.positions[0].pos, 1000u);
}

TEST(TransactionApplier, DdlAlreadyDoneErrorOutsideAReplayStops) {
    Fixture f;
    ASSERT_TRUE(f.applier.apply(insertTransaction(900, 1)).ok());
    f.session.failures.push_back({"/* ferry:pipeline=7 */", 1050, 1});
    auto outcome = f.applier.apply(ddlTransaction(1000, "CREATE TABLE x (id INT PRIMARY KEY)"));
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.error().message.find("DDL source transaction"), std::string::npos);
    EXPECT_NE(outcome.error().message.find("fix the target schema"), std::string::npos);
    EXPECT_EQ(f.session.positions[0].pos, 900u);
}

TEST(TransactionApplier, DdlConnectionLostIsRerunTolerantly) {
    Fixture f;
    ASSERT_TRUE(f.applier.apply(insertTransaction(900, 1)).ok());
    // The DDL ran, then the connection dropped; the re-run says the column exists.
    f.session.failures.push_back({"/* ferry:pipeline=7 */", 2013, 1});
    f.session.failures.push_back({"/* ferry:pipeline=7 */", 1060, 1});
    auto outcome = f.applier.apply(ddlTransaction(1000, "ALTER TABLE t ADD COLUMN w INT"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->notes.size(), 1u);
    EXPECT_EQ(f.session.statementsStartingWith("/* ferry:pipeline=7 */").size(), 2u);
    EXPECT_EQ(f.session.positions[0].pos, 1000u);
}

TEST(TransactionApplier, DdlPositionRetryDoesNotRerunTheDdl) {
    Fixture f;
    f.session.failures.push_back({"COMMIT", 2013, 1, false});
    auto outcome = f.applier.apply(ddlTransaction(1000, "DROP TABLE old"));
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(f.session.statementsStartingWith("/* ferry:pipeline=7 */").size(), 1u);
    EXPECT_EQ(f.session.positions[0].seq, 1u);
}

TEST(TransactionApplier, DeposedLeaderRunsNoDdl) {
    Fixture f;
    f.session.fenceToken = kToken + 3;
    auto outcome = f.applier.apply(ddlTransaction(1000, "DROP TABLE old"));
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Conflict);
    EXPECT_TRUE(f.session.statementsStartingWith("/* ferry").empty());
}

TEST(TransactionApplier, StatementLoggedDmlStops) {
    for (const char* statement : {"INSERT INTO t VALUES (1)", "/* app */ update t set a = 1",
                                  "  DELETE FROM t", "REPLACE INTO t VALUES (1)"}) {
        Fixture f;
        auto outcome = f.applier.apply(ddlTransaction(1000, statement));
        ASSERT_FALSE(outcome.ok()) << statement;
        EXPECT_EQ(outcome.error().code, ErrorCode::Unsupported);
        EXPECT_NE(outcome.error().message.find("statement-logged DML"), std::string::npos);
        EXPECT_NE(outcome.error().message.find("binlog_format=ROW"), std::string::npos);
        EXPECT_TRUE(f.transactionLog().empty());
    }
}

TEST(TransactionApplier, DdlCannotBeGrouped) {
    Fixture f;
    const std::vector<Transaction> group = {insertTransaction(900, 1),
                                            ddlTransaction(1000, "DROP TABLE x")};
    auto outcome = f.applier.apply(group);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::InvalidArgument);
}

// A streamed transaction's changes, served from memory the way a spool serves them from disk.
class VectorChangeSource final : public ChangeSource {
public:
    explicit VectorChangeSource(std::vector<ferry::v1::RowChange> changes)
        : m_changes(std::move(changes)) {}

    Result<bool> next(ferry::v1::RowChange& change) override {
        if (m_next == m_changes.size()) {
            return false;
        }
        change = m_changes[m_next++];
        return true;
    }
    Status rewind() override {
        ++rewinds;
        m_next = 0;
        return okStatus();
    }

    int rewinds = 0;

private:
    std::vector<ferry::v1::RowChange> m_changes;
    std::size_t m_next = 0;
};

// shop.t with `rows` inserts, as a streamed header plus its changes.
std::pair<Transaction, std::vector<ferry::v1::RowChange>> streamedInserts(std::uint64_t end,
                                                                          int rows) {
    Transaction header = insertTransaction(end, 0);
    header.clear_changes();
    header.set_streamed(true);
    header.set_row_count(static_cast<std::uint64_t>(rows));
    std::vector<ferry::v1::RowChange> changes;
    for (int id = 1; id <= rows; ++id) {
        changes.push_back(insertTransaction(end, id).changes(0));
    }
    return {header, changes};
}

std::size_t rowsInserted(const FakeSqlSession& session) {
    std::size_t rows = 0;
    for (const std::string& sql : session.statementsStartingWith("INSERT INTO `shop`")) {
        rows += static_cast<std::size_t>(std::count(sql.begin(), sql.end(), '(')) - 1;
    }
    return rows;
}

TEST(TransactionApplier, StreamedTransactionAppliesInChunksAsOneTargetTransaction) {
    Fixture f;
    const int rows = static_cast<int>(TransactionApplier::kStreamChunkRows) * 2 + 7;
    auto [header, changes] = streamedInserts(5000, rows);
    VectorChangeSource source(changes);
    auto outcome = f.applier.applyStreamed(header, source);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->rows, static_cast<std::size_t>(rows));
    EXPECT_EQ(outcome->transactions, 1u);
    const auto log = f.transactionLog();
    ASSERT_GE(log.size(), 5u);
    EXPECT_EQ(log[0], "BEGIN");
    EXPECT_EQ(log[1], positionSql(f.applier, header));
    EXPECT_EQ(log[2], kFence);
    EXPECT_EQ(log.back(), "COMMIT");
    EXPECT_EQ(f.session.statementsStartingWith("BEGIN").size(), 1u);
    EXPECT_EQ(rowsInserted(f.session), static_cast<std::size_t>(rows));
    // More than one statement: the rows went in chunks, not as one statement.
    EXPECT_GE(f.session.statementsStartingWith("INSERT INTO `shop`").size(), 3u);
    EXPECT_EQ(f.session.positions[0].pos, 5000u);

    // Applied again (a resumed stream re-sends it): skipped without reading a change.
    VectorChangeSource again(changes);
    auto replay = f.applier.applyStreamed(header, again);
    ASSERT_TRUE(replay.ok());
    EXPECT_EQ(replay->result, ApplyResult::AlreadyApplied);
}

TEST(TransactionApplier, StreamedTransactionRetryRewindsItsChanges) {
    Fixture f;
    const int rows = static_cast<int>(TransactionApplier::kStreamChunkRows) + 10;
    auto [header, changes] = streamedInserts(6000, rows);
    // The second chunk's statement deadlocks once: the attempt rolls back and starts over.
    f.session.failures.push_back({"INSERT INTO `shop`.`t` (`id`, `v`) VALUES (1001", 1213, 1});
    VectorChangeSource source(changes);
    auto outcome = f.applier.applyStreamed(header, source);
    ASSERT_TRUE(outcome.ok()) << outcome.error().toString();
    EXPECT_EQ(outcome->attempts, 2u);
    EXPECT_EQ(source.rewinds, 1);
    EXPECT_EQ(outcome->rows, static_cast<std::size_t>(rows));
    EXPECT_EQ(f.session.statementsStartingWith("ROLLBACK").size(), 1u);
    EXPECT_EQ(f.session.statementsStartingWith("COMMIT").size(), 1u);
    EXPECT_EQ(f.session.positions[0].seq, 1u);
}

TEST(TransactionApplier, StreamedSourceErrorRollsBackAndStops) {
    class Broken final : public ChangeSource {
    public:
        Result<bool> next(ferry::v1::RowChange&) override {
            return makeError(ErrorCode::Corrupt, "spool record 3 does not check");
        }
        Status rewind() override { return okStatus(); }
    } broken;
    Fixture f;
    auto [header, changes] = streamedInserts(7000, 3);
    auto outcome = f.applier.applyStreamed(header, broken);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.error().code, ErrorCode::Corrupt);
    EXPECT_NE(outcome.error().message.find("spool record 3"), std::string::npos);
    EXPECT_EQ(f.session.statementsStartingWith("COMMIT").size(), 0u);
    EXPECT_EQ(f.session.statementsStartingWith("ROLLBACK").size(), 1u);
    EXPECT_TRUE(f.session.positions.empty());
}

}  // namespace
}  // namespace ferry::apply
