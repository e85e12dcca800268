// SPDX-License-Identifier: Apache-2.0
// `ferry-agent replicate --until-caught-up` as a real process, harness server 0 (source) to
// server 1 (target): inserts, updates (with primary key changes), deletes and an ALTER TABLE on
// tables with a primary key, with only a unique key, and with no key; a keyless table is refused
// without --match-all-columns and applied with it; the source's ferry schema never arrives as
// data; a second run applies nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "replicate_test_support.h"

namespace ferry::replicate {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;
using testing::runToEnd;

constexpr const char* kDb = "ferry_it_repl";
constexpr const char* kFerry = "ferry_it_repl_ferry";  // the ferry schema on both sides
constexpr const char* kOther = "ferry_it_repl_other";  // written on the source, not included
constexpr const char* kNew = "ferry_it_repl_new";      // created on the source mid-stream
constexpr const char* kPipeline = "7301";
constexpr const char* kServerId = "4000007301";

class ReplicateOneWay : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        ASSERT_GE(m_env.mariadbCount(), 2u);
        for (std::size_t i = 0; i < 2; ++i) {
            auto connection = MariadbConnection::connect(m_env, i);
            ASSERT_OK(connection);
            m_servers.push_back(std::move(*connection));
        }
    }

    MariadbConnection& source() { return m_servers[0]; }
    MariadbConnection& target() { return m_servers[1]; }

    testing::Finished replicate(std::vector<std::string> extra) {
        std::vector<std::string> args = {"replicate", "--source", testing::urlOf(m_env, 0),
                                         "--target", testing::urlOf(m_env, 1), "--pipeline-id",
                                         kPipeline, "--server-id", kServerId, "--ferry-schema",
                                         kFerry, "--include", std::string(kDb) + ".*",
                                         // Not "ferry_it_repl*": that would also match the
                                         // crash test's schema, which may run at the same time.
                                         "--include", std::string(kDb) + "_*.*", "--exclude",
                                         std::string(kOther) + ".*", "--until-caught-up"};
        args.insert(args.end(), extra.begin(), extra.end());
        return runToEnd(FERRY_AGENT_PATH, args, {{"FERRY_PASSWORD", m_env.password()}});
    }

    std::uint64_t number(MariadbConnection& server, const std::string& sql) {
        auto value = server.queryValue(sql);
        EXPECT_TRUE(value.ok()) << sql;
        return value.ok() && *value ? std::stoull(**value) : 0;
    }

    void expectSameTable(const std::string& table) {
        auto want = testing::tableRows(source(), kDb, table);
        auto got = testing::tableRows(target(), kDb, table);
        ASSERT_OK(want);
        ASSERT_OK(got);
        EXPECT_FALSE(want->empty()) << table;
        ASSERT_EQ(want->size(), got->size()) << table;
        for (std::size_t i = 0; i < want->size(); ++i) {
            EXPECT_EQ((*want)[i], (*got)[i]) << table << " row " << i;
        }
    }

    HarnessEnv m_env;
    std::vector<MariadbConnection> m_servers;
};

TEST_F(ReplicateOneWay, CatchesUpExactlyOnce) {
    const std::string db = kDb;
    for (std::size_t i = 0; i < 2; ++i) {
        for (const std::string& sql : {
                 "DROP DATABASE IF EXISTS " + db,
                 "DROP DATABASE IF EXISTS " + std::string(kFerry),
                 "DROP DATABASE IF EXISTS " + std::string(kOther),
                 "DROP DATABASE IF EXISTS " + std::string(kNew),
                 "CREATE DATABASE " + db,
                 "CREATE TABLE " + db +
                     ".with_pk (id INT PRIMARY KEY, name VARCHAR(40) CHARACTER SET utf8mb4, "
                     "data VARBINARY(16), amount DECIMAL(12,2), at DATETIME(6), f DOUBLE)",
                 "CREATE TABLE " + db +
                     ".unique_only (code INT NOT NULL, label VARCHAR(20), UNIQUE KEY (code))",
                 "CREATE TABLE " + db + ".keyless (x INT, y VARCHAR(20))",
             }) {
            ASSERT_OK(m_servers[i].execute(sql));
        }
    }
    auto start = testing::masterStatus(source());
    ASSERT_OK(start);

    for (const std::string& sql : {
             "INSERT INTO " + db +
                 ".with_pk VALUES (1, 'één', X'00FF10', 12.50, '2026-01-02 03:04:05.123456', "
                 "0.1), (2, 'two', NULL, -1.00, NULL, 1e300), (3, 'three', X'', 0, "
                 "'0000-00-00 00:00:00', -0.0)",
             "UPDATE " + db + ".with_pk SET id = 10, name = 'ten' WHERE id = 1",
             "DELETE FROM " + db + ".with_pk WHERE id = 2",
             "INSERT INTO " + db + ".unique_only VALUES (1, 'a'), (2, 'b'), (3, 'c')",
             "UPDATE " + db + ".unique_only SET code = 20, label = 'B' WHERE code = 2",
             "DELETE FROM " + db + ".unique_only WHERE code = 3",
             "CREATE DATABASE " + std::string(kFerry),
             "CREATE TABLE " + std::string(kFerry) + ".source_only (id INT PRIMARY KEY)",
             "INSERT INTO " + std::string(kFerry) + ".source_only VALUES (1)",
             "CREATE DATABASE " + std::string(kOther),
             "CREATE TABLE " + std::string(kOther) + ".t (id INT PRIMARY KEY)",
             "INSERT INTO " + std::string(kOther) + ".t VALUES (1)",
             "CREATE DATABASE " + std::string(kNew),
             "CREATE TABLE " + std::string(kNew) + ".t (id INT PRIMARY KEY, v TEXT)",
             "INSERT INTO " + std::string(kNew) + ".t VALUES (1, 'created mid-stream')",
             "ALTER TABLE " + db + ".with_pk ADD COLUMN extra INT NOT NULL DEFAULT 7",
             "INSERT INTO " + db + ".with_pk (id, name, extra) VALUES (4, 'four', 44)",
             "UPDATE " + db + ".with_pk SET extra = extra + 1 WHERE id IN (3, 10)",
             "INSERT INTO " + db + ".keyless VALUES (1, 'x'), (1, 'x'), (2, NULL)",
             "UPDATE " + db + ".keyless SET y = 'z' WHERE x = 2",
             "DELETE FROM " + db + ".keyless WHERE x = 1 LIMIT 1",
         }) {
        ASSERT_OK(source().execute(sql));
    }

    // First run: the keyless table is refused. Transactions grouped with the refused one roll
    // back with it; the target stays at a consistent position.
    auto refused = replicate({"--start-file", start->first, "--start-pos", start->second});
    EXPECT_EQ(refused.exitCode, 1) << refused.err;
    EXPECT_NE(refused.err.find("keyless"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("--match-all-columns"), std::string::npos) << refused.err;
    expectSameTable("unique_only");

    // Second run resumes from the target's position (no start flags) and finishes.
    auto done = replicate({"--match-all-columns", "--workers", "1"});
    ASSERT_EQ(done.exitCode, 0) << done.err;
    EXPECT_NE(done.err.find("caught up"), std::string::npos) << done.err;
    expectSameTable("with_pk");
    expectSameTable("unique_only");
    expectSameTable("keyless");
    EXPECT_EQ(number(target(), "SELECT COUNT(*) FROM " + db + ".with_pk WHERE extra = 8"), 2u);
    EXPECT_EQ(number(target(), "SELECT COUNT(*) FROM " + std::string(kNew) + ".t"), 1u);

    // Nothing of the source's ferry schema, nor of the excluded schema, reached the target.
    EXPECT_EQ(number(target(),
                     "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                     "TABLE_SCHEMA = '" +
                         std::string(kFerry) + "' AND TABLE_NAME = 'source_only'"),
              0u);
    EXPECT_EQ(number(target(),
                     "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE "
                     "SCHEMA_NAME = '" +
                         std::string(kOther) + "'"),
              0u);

    // A third run, from the recorded position and from the original start: nothing again.
    const std::string seqSql = "SELECT SUM(seq) FROM " + std::string(kFerry) +
                               ".apply_position WHERE pipeline_id = " + kPipeline;
    const auto seqBefore = number(target(), seqSql);
    const auto rowsBefore = number(target(), "SELECT COUNT(*) FROM " + db + ".with_pk");
    auto again = replicate({"--match-all-columns"});
    ASSERT_EQ(again.exitCode, 0) << again.err;
    auto rewound = replicate(
        {"--match-all-columns", "--start-file", start->first, "--start-pos", start->second});
    ASSERT_EQ(rewound.exitCode, 0) << rewound.err;
    EXPECT_NE(rewound.err.find("applied 0 transactions"), std::string::npos) << rewound.err;
    EXPECT_EQ(number(target(), seqSql), seqBefore);
    EXPECT_EQ(number(target(), "SELECT COUNT(*) FROM " + db + ".with_pk"), rowsBefore);
    expectSameTable("with_pk");
    expectSameTable("keyless");
}

TEST_F(ReplicateOneWay, ErrorsSayWhatToDo) {
    auto noStart = runToEnd(
        FERRY_AGENT_PATH,
        {"replicate", "--source", testing::urlOf(m_env, 0), "--target", testing::urlOf(m_env, 1),
         "--pipeline-id", "7399", "--ferry-schema", kFerry, "--until-caught-up"},
        {{"FERRY_PASSWORD", m_env.password()}});
    EXPECT_EQ(noStart.exitCode, 2) << noStart.err;
    EXPECT_NE(noStart.err.find("--start-file"), std::string::npos) << noStart.err;

    auto badFlag =
        runToEnd(FERRY_AGENT_PATH, {"replicate", "--source", "x", "--target", "y", "--start-gtid",
                                    "0-1-1", "--start-time", "2026-11-25T08:00:00Z"});
    EXPECT_EQ(badFlag.exitCode, 2);
    EXPECT_NE(badFlag.err.find("exclude each other"), std::string::npos) << badFlag.err;

    auto wrongPassword = runToEnd(FERRY_AGENT_PATH,
                                  {"replicate", "--source", testing::urlOf(m_env, 0), "--target",
                                   testing::urlOf(m_env, 1), "--until-caught-up"},
                                  {{"FERRY_PASSWORD", "not-the-password"}});
    EXPECT_EQ(wrongPassword.exitCode, 4) << wrongPassword.err;
}

}  // namespace
}  // namespace ferry::replicate
