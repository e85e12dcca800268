// SPDX-License-Identifier: Apache-2.0
// Crash test: a sysbench oltp_write_only load on harness server 0 while `ferry-agent replicate`
// follows it into server 1 and is killed with SIGKILL at random moments (the seed is printed;
// set FERRY_REPLICATE_SEED to replay one), restarting each time from the target's position.
// After the load, a last run with --until-caught-up; then the tables must be identical, and
// every source transaction must have been applied exactly once.
//
// Exactly-once is read from the target's binlog, not from its tables (an upsert would hide a
// duplicate there): every target transaction writes its pipeline's apply_position row first,
// carrying the source GTID, and the row event is logged even when nothing else changes (seq
// moves). With --group-transactions 1 each source transaction is its own target transaction,
// so the GTIDs in the apply_position row events of the target's binlog (decoded by
// mariadb-binlog, a tool independent of Ferry) must be exactly the source GTIDs that touched
// the schema, each once.
//
// FERRY_REPLICATE_KILLS sets the number of kills (3 here, 20 in the soak variant).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "replicate_test_support.h"

namespace ferry::replicate {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;

constexpr const char* kDb = "ferry_it_replcrash";
constexpr const char* kFerry = "ferry_it_replcrash_ferry";
constexpr const char* kPipeline = "7302";
constexpr const char* kServerId = "4000007302";

class ReplicateCrash : public ::testing::Test {
protected:
    void SetUp() override {
        auto harness = testing::connectHarness(2);
        ASSERT_OK(harness);
        m_env = harness->env;
        m_servers = std::move(harness->servers);
    }

    MariadbConnection& source() { return m_servers[0]; }
    MariadbConnection& target() { return m_servers[1]; }

    std::vector<std::string> replicateArgs(bool untilCaughtUp) {
        std::vector<std::string> args = {"replicate",
                                         "--source",
                                         testing::urlOf(m_env, 0),
                                         "--target",
                                         testing::urlOf(m_env, 1),
                                         "--pipeline-id",
                                         kPipeline,
                                         "--server-id",
                                         kServerId,
                                         "--ferry-schema",
                                         kFerry,
                                         "--include",
                                         std::string(kDb) + ".*",
                                         "--group-transactions",
                                         "1",
                                         "--progress-interval",
                                         "1"};
        if (untilCaughtUp) {
            args.push_back("--until-caught-up");
        }
        auto position = target().queryValue("SELECT COUNT(*) FROM " + std::string(kFerry) +
                                            ".apply_position WHERE pipeline_id = " + kPipeline);
        if (!position.ok() || !*position || **position == "0") {
            args.insert(args.end(), {"--start-file", m_start.first, "--start-pos", m_start.second});
        }
        return args;
    }

    std::map<std::string, std::string> passwordEnv() {
        return {{"FERRY_PASSWORD", m_env.password()}};
    }

    std::vector<std::string> sysbench(const std::string& command, unsigned seconds) {
        const auto server = m_env.mariadb(0);
        std::vector<std::string> args = {"oltp_write_only",
                                         "--db-driver=mysql",
                                         "--mysql-host=" + server->host,
                                         "--mysql-port=" + std::to_string(server->port),
                                         "--mysql-user=" + m_env.user(),
                                         "--mysql-password=" + m_env.password(),
                                         "--mysql-db=" + std::string(kDb),
                                         "--tables=2",
                                         "--table-size=1000",
                                         "--threads=4",
                                         "--time=" + std::to_string(seconds),
                                         "--report-interval=0",
                                         "--mysql-ssl=off"};
        args.push_back(command);
        return args;
    }

    HarnessEnv m_env;
    std::vector<MariadbConnection> m_servers;
    std::pair<std::string, std::string> m_start;
};

// GTIDs of the source transactions that touched `db` (rows or DDL), in binlog order. A DDL
// counts when it runs in `db`: mariadb-binlog prints `use` only when the database changes, so
// the current one is carried across transactions.
std::vector<std::string> sourceGtids(const std::string& text, const std::string& db) {
    static const std::regex gtidLine(R"(\sGTID (\d+-\d+-\d+)( ddl)?)");
    std::vector<std::string> gtids;
    std::string current;
    std::string currentDb;
    bool touched = false;
    bool ddl = false;
    auto close = [&] {
        if (!current.empty() && (touched || (ddl && currentDb == db))) {
            gtids.push_back(current);
        }
    };
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (line.rfind("#", 0) == 0 && line.find("end_log_pos") != std::string::npos &&
            std::regex_search(line, match, gtidLine)) {
            close();
            current = match[1];
            ddl = match[2].matched;
            touched = false;
        } else if (line.rfind("use `", 0) == 0) {
            currentDb = line.substr(5, line.find('`', 5) - 5);
        } else if (line.find("`" + db + "`.") != std::string::npos) {
            touched = true;
        }
    }
    close();
    return gtids;
}

// source_gtid (@5) of every apply_position row event of `pipeline` (@1) in the target's
// binlog: one per target transaction.
std::vector<std::string> appliedGtids(const std::string& text, const std::string& ferrySchema,
                                      const std::string& pipeline) {
    std::vector<std::string> gtids;
    const std::string insert = "### INSERT INTO `" + ferrySchema + "`.`apply_position`";
    const std::string update = "### UPDATE `" + ferrySchema + "`.`apply_position`";
    bool inBlock = false;
    bool inSet = false;
    std::string id;
    std::string gtid;
    auto close = [&] {
        if (inBlock && id == pipeline) {
            gtids.push_back(gtid);
        }
        inBlock = inSet = false;
        id.clear();
        gtid.clear();
    };
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(insert, 0) == 0 || line.rfind(update, 0) == 0) {
            close();
            inBlock = true;
            inSet = line.rfind(insert, 0) == 0;
        } else if (inBlock && line.rfind("### SET", 0) == 0) {
            inSet = true;
        } else if (inBlock && line.rfind("###   @", 0) == 0) {
            if (inSet && line.rfind("###   @1=", 0) == 0) {
                id = line.substr(9);
            } else if (inSet && line.rfind("###   @5=", 0) == 0) {
                gtid = line.substr(9);
                if (gtid.size() >= 2 && gtid.front() == '\'' && gtid.back() == '\'') {
                    gtid = gtid.substr(1, gtid.size() - 2);
                }
            }
        } else if (inBlock && line.rfind("### WHERE", 0) != 0) {
            close();
        }
    }
    close();
    return gtids;
}

TEST_F(ReplicateCrash, KilledReplicateAppliesEverySourceTransactionOnce) {
    const unsigned kills = testing::envNumber("FERRY_REPLICATE_KILLS", 3);
    const unsigned seed = testing::envNumber(
        "FERRY_REPLICATE_SEED",
        static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count()));
    std::cout << "FERRY_REPLICATE_SEED=" << seed << " kills=" << kills << std::endl;
    std::mt19937 random(seed);

    for (std::size_t i = 0; i < 2; ++i) {
        ASSERT_OK(m_servers[i].execute("DROP DATABASE IF EXISTS " + std::string(kDb)));
        ASSERT_OK(m_servers[i].execute("DROP DATABASE IF EXISTS " + std::string(kFerry)));
        ASSERT_OK(m_servers[i].execute("CREATE DATABASE " + std::string(kDb)));
    }
    auto start = testing::masterStatus(source());
    ASSERT_OK(start);
    m_start = *start;
    auto targetStart = testing::masterStatus(target());
    ASSERT_OK(targetStart);

    // The tables and their first rows come through replicate too (DDL and a bulk insert).
    auto prepare = testing::runToEnd("sysbench", sysbench("prepare", 1));
    ASSERT_EQ(prepare.exitCode, 0) << prepare.out << prepare.err;

    const unsigned loadSeconds = kills > 5 ? 20 : 5;
    testing::Child load;
    ASSERT_TRUE(load.start("sysbench", sysbench("run", loadSeconds)));
    auto follower = std::make_unique<testing::Child>();
    ASSERT_TRUE(follower->start(FERRY_AGENT_PATH, replicateArgs(false), passwordEnv()));
    auto followerStarted = std::chrono::steady_clock::now();
    const unsigned spacingMs = loadSeconds * 1000 / (kills + 1);
    std::uniform_int_distribution<unsigned> delay(spacingMs / 4, spacingMs * 7 / 4);
    std::string logs;
    for (unsigned k = 0; k < kills; ++k) {
        // Fault injection at a random moment, not a wait for a condition.
        std::this_thread::sleep_for(std::chrono::milliseconds(delay(random)));
        follower->signal(SIGKILL);
        EXPECT_EQ(follower->wait(), 128 + SIGKILL);
        logs += follower->err();
        follower = std::make_unique<testing::Child>();
        ASSERT_TRUE(follower->start(FERRY_AGENT_PATH, replicateArgs(false), passwordEnv()));
        followerStarted = std::chrono::steady_clock::now();
    }
    EXPECT_EQ(load.wait(), 0) << load.out() << load.err();

    // A clean stop of the follower (SIGTERM: exit 0), then the final catch-up.
    const bool justStarted =
        std::chrono::steady_clock::now() - followerStarted < std::chrono::seconds(1);
    follower->signal(SIGTERM);
    const int stopped = follower->wait();
    if (justStarted && stopped == 128 + SIGTERM) {
        // The signal came before the process could install its handler (it was restarted an
        // instant ago, still loading libraries): the default action, harmless here.
    } else {
        EXPECT_EQ(stopped, 0) << follower->err();
    }
    logs += follower->err();
    auto last = testing::runToEnd(FERRY_AGENT_PATH, replicateArgs(true), passwordEnv());
    ASSERT_EQ(last.exitCode, 0) << last.err << "\nearlier runs:\n" << logs;
    EXPECT_NE(last.err.find("caught up"), std::string::npos) << last.err;

    for (const std::string table : {"sbtest1", "sbtest2"}) {
        const std::string name = std::string(kDb) + "." + table;
        auto sourceSum = source().query("CHECKSUM TABLE " + name);
        auto targetSum = target().query("CHECKSUM TABLE " + name);
        ASSERT_OK(sourceSum);
        ASSERT_OK(targetSum);
        EXPECT_EQ(sourceSum->rows.at(0).at(1), targetSum->rows.at(0).at(1)) << name;
        auto want = testing::tableRows(source(), kDb, table);
        auto got = testing::tableRows(target(), kDb, table);
        ASSERT_OK(want);
        ASSERT_OK(got);
        EXPECT_GT(want->size(), 500u) << name;
        EXPECT_EQ(want->size(), got->size()) << name;
        EXPECT_TRUE(*want == *got) << name << " differs row by row";
    }

    const auto expected = sourceGtids(testing::binlogText(m_env, 0, m_start, true), kDb);
    const auto applied =
        appliedGtids(testing::binlogText(m_env, 1, *targetStart, true), kFerry, kPipeline);
    EXPECT_GT(expected.size(), 100u);
    testing::expectEachAppliedOnce(expected, applied);
    std::cout << "source transactions " << expected.size() << ", target position writes "
              << applied.size() << std::endl;
}

}  // namespace
}  // namespace ferry::replicate
