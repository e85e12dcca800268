// SPDX-License-Identifier: Apache-2.0
// A 1,000,000-row source transaction through `ferry-agent replicate --until-caught-up` (harness
// server 0 to server 1): it is applied as one target transaction (a reader polling the target
// sees no row or every row, never a part), exactly once, with the replicate process's peak
// memory under 200 MB, and the table equal on both sides afterwards.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "replicate_test_support.h"

namespace ferry::replicate {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;

constexpr const char* kDb = "ferry_it_large";
constexpr const char* kFerry = "ferry_it_large_ferry";
constexpr const char* kPipeline = "7411";
constexpr const char* kServerId = "4000007411";
constexpr std::uint64_t kRows = 1000000;
constexpr long kMemoryLimitKb = 200 * 1024;

std::uint64_t number(MariadbConnection& server, const std::string& sql) {
    auto value = server.queryValue(sql);
    EXPECT_TRUE(value.ok()) << sql;
    return value.ok() && *value ? std::stoull(**value) : 0;
}

// A digest of every row, the same on both sides only if every row is.
std::string digest(MariadbConnection& server) {
    auto value = server.queryValue(std::string("SELECT CONCAT(COUNT(*), '/', SUM(CRC32(CONCAT_WS("
                                               "'|', id, grp, note, HEX(payload)))), '/', "
                                               "BIT_XOR(CRC32(CONCAT_WS('|', id, note)))) FROM ") +
                                   kDb + ".big");
    EXPECT_TRUE(value.ok());
    return value.ok() && *value ? **value : "";
}

TEST(ReplicateLarge, MillionRowTransactionIsAtomicWithBoundedMemory) {
    auto env = HarnessEnv::loadDefault();
    ASSERT_OK(env);
    ASSERT_GE(env->mariadbCount(), 2u);
    std::vector<MariadbConnection> servers;
    for (std::size_t i = 0; i < 2; ++i) {
        auto connection = MariadbConnection::connect(*env, i);
        ASSERT_OK(connection);
        servers.push_back(std::move(*connection));
    }
    MariadbConnection& source = servers[0];
    MariadbConnection& target = servers[1];
    for (auto* server : {&source, &target}) {
        for (const std::string& sql : {
                 "DROP DATABASE IF EXISTS " + std::string(kDb),
                 "DROP DATABASE IF EXISTS " + std::string(kFerry),
                 "CREATE DATABASE " + std::string(kDb),
                 "CREATE TABLE " + std::string(kDb) +
                     ".big (id INT PRIMARY KEY, grp INT NOT NULL, note VARCHAR(40) NOT NULL, "
                     "payload VARBINARY(32))",
             }) {
            ASSERT_OK(server->execute(sql));
        }
    }
    auto start = testing::masterStatus(source);
    ASSERT_OK(start);
    // One transaction of kRows rows (about 70 MB of row events).
    ASSERT_OK(source.execute("SET SESSION max_recursive_iterations = " + std::to_string(kRows)));
    ASSERT_OK(source.execute(
        "INSERT INTO " + std::string(kDb) +
        ".big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
        std::to_string(kRows) + ") SELECT i, i MOD 97, CONCAT('row ', i), UNHEX(SHA1(i)) FROM n"));
    ASSERT_EQ(number(source, "SELECT COUNT(*) FROM " + std::string(kDb) + ".big"), kRows);

    // Poll the target while replicate runs: only 0 or every row may ever be visible.
    auto watcher = MariadbConnection::connect(*env, 1);
    ASSERT_OK(watcher);
    std::atomic<bool> done{false};
    std::set<std::uint64_t> seen;
    std::thread watch([&] {
        while (!done.load()) {
            auto count = watcher->queryValue("SELECT COUNT(*) FROM " + std::string(kDb) + ".big");
            if (count.ok() && *count) {
                seen.insert(std::stoull(**count));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
    auto run = testing::runToEnd(
        FERRY_AGENT_PATH,
        {"replicate", "--source", testing::urlOf(*env, 0), "--target", testing::urlOf(*env, 1),
         "--pipeline-id", kPipeline, "--server-id", kServerId, "--ferry-schema", kFerry,
         "--include", std::string(kDb) + ".*", "--start-file", start->first, "--start-pos",
         start->second, "--until-caught-up"},
        {{"FERRY_PASSWORD", env->password()}});
    done = true;
    watch.join();
    ASSERT_EQ(run.exitCode, 0) << run.err;
    std::cout << "{\"rows\": " << kRows << ", \"replicate_max_rss_kb\": " << run.maxRssKb
              << ", \"limit_kb\": " << kMemoryLimitKb << "}" << std::endl;
    EXPECT_GT(run.maxRssKb, 0);
    EXPECT_LT(run.maxRssKb, kMemoryLimitKb) << "peak memory of replicate for " << kRows << " rows";
    for (const std::uint64_t count : seen) {
        EXPECT_TRUE(count == 0 || count == kRows) << "the target showed " << count << " rows";
    }
    EXPECT_EQ(digest(target), digest(source));
    // Applied exactly once, as one target transaction: one position write for it.
    EXPECT_EQ(number(target, "SELECT SUM(seq) FROM " + std::string(kFerry) +
                                 ".apply_position WHERE pipeline_id = " + kPipeline),
              1u);
    for (auto* server : {&source, &target}) {
        ASSERT_OK(server->execute("DROP DATABASE IF EXISTS " + std::string(kDb)));
    }
    ASSERT_OK(target.execute("DROP DATABASE IF EXISTS " + std::string(kFerry)));
}

}  // namespace
}  // namespace ferry::replicate
