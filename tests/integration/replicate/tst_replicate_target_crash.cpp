// SPDX-License-Identifier: Apache-2.0
// Target crash test: `ferry-agent replicate` follows harness server 0 into a MariaDB of this
// test's own (RestartableMariadb), and the test kills that TARGET with SIGKILL and starts it
// again:
//   LargeTransaction: while a 2 x N row source transaction (a keyed and a keyless table) is
//     being applied, seen in the target's information_schema.INNODB_TRX;
//   Ddl: right after ALTER TABLE ADD COLUMN, CREATE TABLE and RENAME TABLE were applied, before
//     their position row (the test holds a lock on the pipeline's apply_position rows, sees the
//     DDL done and replicate's position write waiting, then kills) and after it; on some kills
//     replicate is killed too, so the restarted process must replay the DDL;
//   SteadyLoad: at a random moment (seed printed; FERRY_TARGET_CRASH_SEED replays it) of a
//     stream of small transactions from a writer thread.
// Replicate either rides out the outage with its retries or exits with an error (exit 1; a
// failure when the outage was shorter than 10 s) and is restarted; each outage and what
// replicate did is printed. Afterwards (and in Ddl also before its last kill) every table is
// identical row by row, the keyless tables have as many rows as on the source, and every source
// transaction of the schema appears exactly once among the committed apply_position writes of
// the target's binlog (mariadb-binlog; upserts on the tables would hide duplicates, the
// position writes do not), and every DDL exactly once.
//
// FERRY_TARGET_CRASH_ROWS sets N (default 100000), FERRY_TARGET_CRASH_STEADY_KILLS the kills
// under steady load (default 2).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "replicate_test_support.h"
#include "restartable_mariadb.h"

namespace ferry::replicate {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;
using harness::RestartableMariadb;
using Clock = std::chrono::steady_clock;

constexpr const char* kFerry = "ferry_it_tcrash_ferry";

#define EXPECT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        EXPECT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

long long msSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

// Runs a function when the scope is left, however it is left (a failed ASSERT included).
class ScopeExit {
public:
    explicit ScopeExit(std::function<void()> function) : m_function(std::move(function)) {}
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit() { m_function(); }

private:
    std::function<void()> m_function;
};

// One transaction of a mariadb-binlog text (from one GTID event to the next), reduced to what
// the checks need.
struct BinlogGroup {
    std::string gtid;
    bool ddl = false;
    std::string db;                // default database of its statements
    std::string statement;         // a DDL's text
    std::set<std::string> tables;  // `db`.`table` of its row events (Table_map)
    std::vector<std::pair<std::string, std::string>> positions;  // apply_position (@1, @5)
    bool committed = false;  // a crash can leave a last group without its COMMIT
};

// Reads `mariadb-binlog --base64-output=DECODE-ROWS [-v]` output. The apply_position row
// values of `ferrySchema` need -v; everything else is read from event headers and statements.
std::vector<BinlogGroup> binlogGroups(const std::string& text, const std::string& ferrySchema) {
    const std::string positionTable = "`" + ferrySchema + "`.`apply_position`";
    std::vector<BinlogGroup> groups;
    std::string currentDb;
    bool inPosition = false;  // in the row image lines of an apply_position event
    bool inSet = false;
    std::pair<std::string, std::string> position;
    auto closePosition = [&] {
        if (inPosition && !groups.empty()) {
            groups.back().positions.push_back(position);
        }
        inPosition = inSet = false;
        position = {};
    };
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("###", 0) == 0) {
            if (groups.empty()) {
                continue;
            }
            if (line.rfind("### INSERT INTO " + positionTable, 0) == 0 ||
                line.rfind("### UPDATE " + positionTable, 0) == 0) {
                closePosition();
                inPosition = true;
                inSet = line.rfind("### INSERT", 0) == 0;
            } else if (inPosition && line.rfind("### SET", 0) == 0) {
                inSet = true;
            } else if (inPosition && inSet && line.rfind("###   @1=", 0) == 0) {
                position.first = line.substr(9);
            } else if (inPosition && inSet && line.rfind("###   @5=", 0) == 0) {
                std::string value = line.substr(9);
                if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'') {
                    value = value.substr(1, value.size() - 2);
                }
                position.second = value;
            } else if (inPosition && line.rfind("###   @", 0) != 0 &&
                       line.rfind("### WHERE", 0) != 0) {
                closePosition();
            }
            continue;
        }
        closePosition();
        if (line.rfind("#", 0) == 0) {
            if (line.find("end_log_pos") == std::string::npos) {
                continue;  // "# at N" and comments
            }
            const auto gtid = line.find("GTID ");
            if (gtid != std::string::npos && gtid > 0 &&
                std::isspace(static_cast<unsigned char>(line[gtid - 1])) != 0) {
                std::istringstream words(line.substr(gtid + 5));
                BinlogGroup group;
                std::string kind;
                words >> group.gtid >> kind;
                group.ddl = kind == "ddl";
                group.db = currentDb;
                groups.push_back(std::move(group));
                continue;
            }
            const auto map = line.find("Table_map: ");
            if (map != std::string::npos && !groups.empty()) {
                const std::string rest = line.substr(map + 11);
                groups.back().tables.insert(rest.substr(0, rest.find(" mapped")));
            }
            continue;
        }
        if (groups.empty()) {
            continue;
        }
        BinlogGroup& group = groups.back();
        if (line.rfind("use `", 0) == 0) {
            currentDb = line.substr(5, line.find('`', 5) - 5);
            group.db = currentDb;
        } else if (line.rfind("COMMIT", 0) == 0) {
            group.committed = true;
        } else if (group.ddl && !group.committed) {
            if (line.rfind("/*!*/;", 0) == 0) {
                group.committed = true;  // the DDL's statement is complete
            } else if (line.rfind("SET ", 0) != 0 && line.rfind("/*!", 0) != 0 &&
                       line.rfind("/*M!", 0) != 0) {
                group.statement += line;
            }
        }
    }
    closePosition();
    return groups;
}

// GTIDs of the committed source transactions that touched `db`: row events on its tables, or
// DDL run in it or naming it.
std::vector<std::string> sourceGtids(const std::vector<BinlogGroup>& groups,
                                     const std::string& db) {
    std::vector<std::string> out;
    const std::string prefix = "`" + db + "`.";
    for (const BinlogGroup& group : groups) {
        const bool rows =
            std::any_of(group.tables.begin(), group.tables.end(),
                        [&](const std::string& table) { return table.rfind(prefix, 0) == 0; });
        const bool ddl =
            group.ddl && (group.db == db || group.statement.find(db + ".") != std::string::npos);
        if (group.committed && (rows || ddl)) {
            out.push_back(group.gtid);
        }
    }
    return out;
}

// source_gtid of every apply_position row event of `pipeline` in COMMITTED target
// transactions: one per target transaction.
std::vector<std::string> appliedGtids(const std::vector<BinlogGroup>& groups,
                                      const std::string& pipeline) {
    std::vector<std::string> out;
    for (const BinlogGroup& group : groups) {
        for (const auto& [id, gtid] : group.positions) {
            if (group.committed && id == pipeline) {
                out.push_back(gtid);
            }
        }
    }
    return out;
}

// How many committed DDL transactions ran exactly `statement`.
std::size_t ddlCount(const std::vector<BinlogGroup>& groups, const std::string& statement) {
    return static_cast<std::size_t>(
        std::count_if(groups.begin(), groups.end(), [&](const BinlogGroup& group) {
            return group.ddl && group.committed && group.statement == statement;
        }));
}

// What one kill of the target led to, for the printed summary.
struct Outage {
    std::string what;
    long long downMs = 0;   // from the kill until the restarted server took a login
    std::string replicate;  // rode out / exited N / killed by the test
};

// The private target server, shared by the tests of this file (started once).
std::unique_ptr<RestartableMariadb> g_target;

class ReplicateTargetCrash : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto started = Clock::now();
        auto server = RestartableMariadb::start(
            std::string(FERRY_SOURCE_DIR) + "/tests/harness/ferry-harness", "tcrash");
        if (!server.ok()) {
            std::cerr << "cannot start the target server: " << server.error().toString()
                      << std::endl;
            return;
        }
        g_target = std::move(*server);
        std::cout << "target server up in " << msSince(started) << " ms" << std::endl;
        // Another site: its own server id, GTID domain and auto-increment offset, also after
        // restarts.
        g_target->setOption("--server-id", "2");
        g_target->setOption("--gtid-domain-id", "2");
        g_target->setOption("--auto-increment-offset", "2");
        auto connection = MariadbConnection::connect(g_target->env(), 0);
        const Status set =
            connection.ok()
                ? connection->execute(
                      "SET GLOBAL server_id = 2, gtid_domain_id = 2, auto_increment_offset = 2")
                : Status(connection.error());
        if (!set.ok()) {
            std::cerr << "the target keeps server id 1: " << set.error().toString() << std::endl;
        }
    }

    static void TearDownTestSuite() { g_target.reset(); }

    void SetUp() override {
        ASSERT_NE(g_target, nullptr) << "the target MariaDB of this test did not start";
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        ASSERT_GE(m_env.mariadbCount(), 1u);
        auto source = MariadbConnection::connect(m_env, 0);
        ASSERT_OK(source);
        m_source.emplace(std::move(*source));
        ASSERT_OK(connectTarget());
        m_started = Clock::now();
        std::cout << "target " << g_target->server().host << ":" << g_target->server().port << " ("
                  << g_target->env().dir() << ")" << std::endl;
    }

    void TearDown() override {
        if (m_follower) {
            m_follower->signal(SIGKILL);
            m_follower->wait();
        }
        if (!m_pipeline.empty()) {
            std::error_code ignored;
            std::filesystem::remove_all(spoolDir(), ignored);
        }
        std::cout << "outages of " << m_db << ":" << std::endl;
        for (const Outage& outage : m_outages) {
            std::cout << "  " << outage.what << ": target down " << outage.downMs
                      << " ms; replicate " << outage.replicate << std::endl;
        }
    }

    Status connectTarget() {
        m_target.reset();
        FERRY_ASSIGN_OR_RETURN(auto connection, MariadbConnection::connect(g_target->env(), 0));
        m_target.emplace(std::move(connection));
        return okStatus();
    }

    // Prints what the test has reached and when, to see where its time goes.
    void phase(const std::string& what) const {
        std::cout << "[" << msSince(m_started) << " ms] " << what << std::endl;
    }

    MariadbConnection& source() { return *m_source; }
    MariadbConnection& target() { return *m_target; }

    // Fresh schema `db` on both servers (the tables come through replicate), and the binlog
    // windows the checks read.
    void prepare(const std::string& db, const std::string& pipeline) {
        m_db = db;
        m_pipeline = pipeline;
        for (MariadbConnection* server : {&source(), &target()}) {
            ASSERT_OK(server->execute("DROP DATABASE IF EXISTS " + db));
            ASSERT_OK(server->execute("CREATE DATABASE " + db));
        }
        auto exists = target().queryValue(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
            std::string(kFerry) + "' AND TABLE_NAME = 'apply_position'");
        ASSERT_OK(exists);
        if (exists->value_or("0") != "0") {
            ASSERT_OK(target().execute("DELETE FROM " + std::string(kFerry) +
                                       ".apply_position WHERE pipeline_id = " + pipeline));
        }
        ASSERT_OK(source().execute("USE " + db));
        auto start = testing::masterStatus(source());
        ASSERT_OK(start);
        m_sourceStart = *start;
        auto targetStart = testing::masterStatus(target());
        ASSERT_OK(targetStart);
        m_targetStart = *targetStart;
    }

    // Replicate's spool folder; a killed replicate leaves it behind, TearDown removes it.
    std::string spoolDir() const {
        return (std::filesystem::temp_directory_path() /
                ("ferry-it-tcrash-spool-" + std::to_string(::getpid()) + "-" + m_pipeline))
            .string();
    }

    std::string targetUrl() const {
        return "mysql://" + g_target->env().user() + "@" + g_target->server().host + ":" +
               std::to_string(g_target->server().port) + "/?ssl-mode=DISABLED";
    }

    std::vector<std::string> replicateArgs() {
        std::vector<std::string> args = {"replicate",
                                         "--source",
                                         testing::urlOf(m_env, 0),
                                         "--target",
                                         targetUrl(),
                                         "--target-password-env",
                                         "FERRY_IT_TARGET_PASSWORD",
                                         "--pipeline-id",
                                         m_pipeline,
                                         "--server-id",
                                         "400000" + m_pipeline,
                                         "--ferry-schema",
                                         kFerry,
                                         "--include",
                                         m_db + ".*",
                                         "--match-all-columns",
                                         "--group-transactions",
                                         "1",
                                         "--max-transaction-memory",
                                         "4194304",
                                         "--spool-dir",
                                         spoolDir(),
                                         "--progress-interval",
                                         "1"};
        auto position = target().queryValue("SELECT COUNT(*) FROM " + std::string(kFerry) +
                                            ".apply_position WHERE pipeline_id = " + m_pipeline);
        if (!position.ok() || !*position || **position == "0") {
            args.insert(args.end(),
                        {"--start-file", m_sourceStart.first, "--start-pos", m_sourceStart.second});
        }
        return args;
    }

    void startFollower() {
        if (m_follower) {
            m_logs += m_follower->err();
        }
        m_follower = std::make_unique<testing::Child>();
        ASSERT_TRUE(m_follower->start(FERRY_AGENT_PATH, replicateArgs(),
                                      {{"FERRY_PASSWORD", m_env.password()},
                                       {"FERRY_IT_TARGET_PASSWORD", g_target->env().password()}}))
            << m_follower->startError();
    }

    std::string logs() const { return m_logs + (m_follower ? m_follower->err() : ""); }

    // GTID of the last transaction of the source session.
    std::string lastSourceGtid() {
        auto gtid = source().queryValue("SELECT @@last_gtid");
        EXPECT_TRUE(gtid.ok() && *gtid && !(*gtid)->empty()) << "no @@last_gtid on the source";
        return gtid.ok() && *gtid ? **gtid : std::string();
    }

    // True once the target's apply_position rows of the pipeline carry `gtid`.
    bool targetHas(const std::string& gtid) {
        auto count = target().queryValue("SELECT COUNT(*) FROM " + std::string(kFerry) +
                                         ".apply_position WHERE pipeline_id = " + m_pipeline +
                                         " AND source_gtid = '" + gtid + "'");
        return count.ok() && *count && **count != "0";
    }

    // Target transactions the pipeline has committed (the seq of its slots add up to it).
    std::uint64_t appliedCount() {
        auto sum = target().queryValue("SELECT COALESCE(SUM(seq), 0) FROM " + std::string(kFerry) +
                                       ".apply_position WHERE pipeline_id = " + m_pipeline);
        return sum.ok() && *sum ? std::stoull(**sum) : 0;
    }

    // Polls `done` (target queries) until it holds. A follower that exits meanwhile is
    // recorded and restarted; false after `timeout` or when the follower failed twice in a row.
    bool waitUntil(const std::string& what, const std::function<bool()>& done,
                   std::chrono::seconds timeout = std::chrono::seconds(60),
                   std::chrono::milliseconds interval = std::chrono::milliseconds(20)) {
        const auto deadline = Clock::now() + timeout;
        int exitsInARow = 0;
        for (;;) {
            if (done()) {
                return true;
            }
            if (m_follower) {
                if (auto code = m_follower->poll()) {
                    ++exitsInARow;
                    ADD_FAILURE() << "replicate exited with " << *code << " while waiting for "
                                  << what << "; its log:\n"
                                  << m_follower->err();
                    if (exitsInARow > 1) {
                        return false;
                    }
                    startFollower();
                }
            }
            if (Clock::now() > deadline) {
                ADD_FAILURE() << "timed out waiting for " << what << "; replicate log:\n" << logs();
                return false;
            }
            std::this_thread::sleep_for(interval);
        }
    }

    bool waitApplied(const std::string& gtid) {
        return waitUntil("the target to apply source GTID " + gtid,
                         [&] { return targetHas(gtid); });
    }

    // Kills the target with SIGKILL (and replicate too when `killReplicate`), starts the target
    // again, and records whether replicate rode the outage out. Replicate gets until the
    // restarted target answers; if it has exited by then, that is recorded, asserted to be a
    // reported failure (exit 1), and it is restarted.
    // `whileReplicateDown` runs on the restarted target before a killed replicate restarts.
    void crashTarget(const std::string& what, bool killReplicate,
                     const std::function<void()>& whileReplicateDown = {}) {
        Outage outage;
        outage.what = what;
        const auto killed = Clock::now();
        ASSERT_OK(g_target->kill());
        m_target.reset();
        if (killReplicate) {
            m_follower->signal(SIGKILL);
            EXPECT_EQ(m_follower->wait(), 128 + SIGKILL);
        }
        ASSERT_OK(g_target->restart());
        outage.downMs = msSince(killed);
        phase("target restarted after " + what);
        ASSERT_OK(connectTarget());
        if (killReplicate) {
            outage.replicate = "killed by the test, restarted";
            if (whileReplicateDown) {
                ASSERT_NO_FATAL_FAILURE(whileReplicateDown());
            }
            ASSERT_NO_FATAL_FAILURE(startFollower());
        } else if (auto code = m_follower->poll()) {
            outage.replicate = "exited with " + std::to_string(*code) + ", restarted";
            const std::string err = m_follower->err();
            EXPECT_EQ(*code, 1) << "replicate must report a failed apply with exit code 1:\n"
                                << err;
            EXPECT_GT(outage.downMs, 10000)
                << "replicate gave up during a " << outage.downMs
                << " ms target restart; its retries (RetryPolicy: 10 attempts, backoff up to "
                   "5 s) should ride that out:\n"
                << err;
            ASSERT_NO_FATAL_FAILURE(startFollower());
        } else {
            outage.replicate = "rode it out";
        }
        m_outages.push_back(outage);
    }

    // Stops replicate cleanly once it has applied `lastGtid`, then compares both sides.
    void finishAndVerify(const std::string& lastGtid, const std::vector<std::string>& keyless,
                         const std::vector<std::string>& ddl) {
        ASSERT_TRUE(waitApplied(lastGtid));
        phase("caught up");
        m_follower->signal(SIGTERM);
        EXPECT_EQ(m_follower->wait(), 0) << m_follower->err();
        verify(keyless, ddl);
    }

    // Compares both sides: tables row by row, keyless row counts, every source transaction of
    // the schema once among the committed position writes, every DDL once. REQUIRES: the
    // target has applied the source's last transaction of the schema, and nothing writes it.
    void verify(const std::vector<std::string>& keyless, const std::vector<std::string>& ddl) {
        // The same tables, row by row.
        const std::string tablesQuery =
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + m_db +
            "' ORDER BY TABLE_NAME";
        auto sourceTables = source().query(tablesQuery);
        auto targetTables = target().query(tablesQuery);
        ASSERT_OK(sourceTables);
        ASSERT_OK(targetTables);
        EXPECT_EQ(sourceTables->rows, targetTables->rows) << "tables of " << m_db;
        for (const auto& row : sourceTables->rows) {
            const std::string table = row.at(0).value_or("");
            auto want = testing::tableRows(source(), m_db, table);
            auto got = testing::tableRows(target(), m_db, table);
            ASSERT_OK(want);
            ASSERT_OK(got);
            EXPECT_EQ(want->size(), got->size()) << m_db << "." << table << " row count";
            EXPECT_TRUE(*want == *got) << m_db << "." << table << " differs row by row";
        }
        for (const std::string& table : keyless) {
            const std::string count = "SELECT COUNT(*) FROM " + m_db + "." + table;
            auto want = source().queryValue(count);
            auto got = target().queryValue(count);
            ASSERT_OK(want);
            ASSERT_OK(got);
            EXPECT_NE(want->value_or("0"), "0") << m_db << "." << table << " is empty";
            EXPECT_EQ(*want, *got) << "rows of the keyless table " << m_db << "." << table;
        }

        // Exactly once, from the binlogs.
        const auto sourceGroups =
            binlogGroups(testing::binlogText(m_env, 0, m_sourceStart, false), kFerry);
        const auto targetGroups =
            binlogGroups(testing::binlogText(g_target->env(), 0, m_targetStart, true), kFerry);
        const auto expected = sourceGtids(sourceGroups, m_db);
        const auto applied = appliedGtids(targetGroups, m_pipeline);
        EXPECT_FALSE(expected.empty());
        testing::expectEachAppliedOnce(expected, applied);
        for (const std::string& statement : ddl) {
            EXPECT_EQ(
                ddlCount(targetGroups, "/* ferry:pipeline=" + m_pipeline + " */ " + statement), 1u)
                << "DDL in the target's binlog: " << statement;
        }
        phase("verified");
        std::cout << m_db << ": source transactions " << expected.size()
                  << ", committed target position writes " << applied.size() << std::endl;
    }

    // Runs `sql` on the source and returns its GTID.
    std::string onSource(const std::string& sql) {
        EXPECT_OK(source().execute(sql));
        return lastSourceGtid();
    }

    HarnessEnv m_env;
    std::optional<MariadbConnection> m_source;
    std::optional<MariadbConnection> m_target;
    std::unique_ptr<testing::Child> m_follower;
    std::string m_logs;
    std::string m_db;
    std::string m_pipeline;
    std::pair<std::string, std::string> m_sourceStart;
    std::pair<std::string, std::string> m_targetStart;
    std::vector<Outage> m_outages;
    Clock::time_point m_started;
};

constexpr const char* kKeyed =
    "CREATE TABLE keyed (id BIGINT PRIMARY KEY, v VARCHAR(64) NOT NULL, n INT NOT NULL)";
constexpr const char* kKeyless = "CREATE TABLE keyless (k INT NOT NULL, v VARCHAR(64) NOT NULL)";

TEST_F(ReplicateTargetCrash, KilledDuringALargeTransaction) {
    const unsigned rows = testing::envNumber("FERRY_TARGET_CRASH_ROWS", 100000);
    ASSERT_NO_FATAL_FAILURE(prepare("ferry_it_tcrash_big", "7401"));
    onSource(kKeyed);
    onSource(kKeyless);
    for (int i = 1; i <= 20; ++i) {
        onSource("INSERT INTO keyed VALUES (" + std::to_string(i) + ", 'small', " +
                 std::to_string(i) + ")");
        onSource("INSERT INTO keyless VALUES (" + std::to_string(i % 3) + ", 'small')");
    }
    ASSERT_NO_FATAL_FAILURE(startFollower());
    ASSERT_TRUE(waitApplied(lastSourceGtid()));
    phase("warm-up applied");

    // One source transaction: N keyed rows and N keyless rows (many of them identical). It is
    // "being applied" once a READ UNCOMMITTED count on the target sees a tenth of its rows
    // before its position row commits. A transaction applied faster than the test looks is
    // followed by another one (at most three).
    auto uncommitted = MariadbConnection::connect(g_target->env(), 0);
    ASSERT_OK(uncommitted);
    ASSERT_OK(uncommitted->execute("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED"));
    const std::uint64_t threshold = std::max<std::uint64_t>(1000, rows / 10);
    std::uint64_t atKill = 0;
    int tries = 0;
    for (bool seen = false; !seen;) {
        ASSERT_LT(tries, 3) << "three large transactions committed on the target before the test "
                               "saw one being applied";
        ++tries;
        const std::string offset = std::to_string(1000000 * tries);
        ASSERT_OK(source().execute("BEGIN"));
        ASSERT_OK(source().execute("INSERT INTO keyed SELECT " + offset +
                                   " + seq, CONCAT('big-', seq), seq FROM seq_1_to_" +
                                   std::to_string(rows)));
        ASSERT_OK(source().execute("INSERT INTO keyless SELECT seq % 100, 'big' FROM seq_1_to_" +
                                   std::to_string(rows)));
        ASSERT_OK(source().execute("COMMIT"));
        const std::string big = lastSourceGtid();
        phase("large transaction " + big + " committed on the source");
        auto committedBefore = target().queryValue(
            "SELECT (SELECT COUNT(*) FROM ferry_it_tcrash_big.keyed) + (SELECT COUNT(*) FROM "
            "ferry_it_tcrash_big.keyless)");
        ASSERT_OK(committedBefore);
        const std::uint64_t base = std::stoull(committedBefore->value_or("0"));
        ASSERT_TRUE(waitUntil(
            "the large transaction to be applied or committed on the target",
            [&] {
                auto count = uncommitted->queryValue(
                    "SELECT (SELECT COUNT(*) FROM ferry_it_tcrash_big.keyed) + (SELECT COUNT(*) "
                    "FROM ferry_it_tcrash_big.keyless)");
                const std::uint64_t now = count.ok() && *count ? std::stoull(**count) : 0;
                if (targetHas(big)) {
                    return true;
                }
                atKill = now > base ? now - base : 0;
                seen = atKill >= threshold && atKill < 2 * rows;
                return seen;
            },
            std::chrono::seconds(60), std::chrono::milliseconds(5)));
    }
    ASSERT_NO_FATAL_FAILURE(crashTarget("SIGKILL with " + std::to_string(atKill) + " of " +
                                            std::to_string(2 * rows + 1) +
                                            " rows of the large transaction written",
                                        false));

    // More after the crash, then everything must arrive once.
    for (int i = 21; i <= 30; ++i) {
        onSource("INSERT INTO keyed VALUES (" + std::to_string(i) + ", 'after', 0)");
        onSource("INSERT INTO keyless VALUES (1, 'after')");
    }
    onSource("UPDATE keyed SET n = n + 1 WHERE id <= 5");
    const std::string last = onSource("DELETE FROM keyless WHERE k = 1 AND v = 'small' LIMIT 1");
    finishAndVerify(last, {"keyless"}, {kKeyed, kKeyless});
    auto count = target().queryValue("SELECT COUNT(*) FROM ferry_it_tcrash_big.keyed");
    ASSERT_OK(count);
    EXPECT_EQ(count->value_or(""), std::to_string(tries * rows + 30));
}

// Where a DDL kill lands.
enum class DdlKill {
    BeforePositionAndReplicate,  // DDL done, position row blocked; replicate killed too: replay
    BeforePosition,              // DDL done, position row blocked; replicate keeps running
    AfterPosition,               // the position row of the DDL committed
};

TEST_F(ReplicateTargetCrash, KilledRightAfterDdl) {
    ASSERT_NO_FATAL_FAILURE(prepare("ferry_it_tcrash_ddl", "7402"));
    onSource(kKeyed);
    onSource(kKeyless);
    ASSERT_NO_FATAL_FAILURE(startFollower());

    struct Step {
        std::string ddl;
        std::string visible;  // a target query that counts 1 once the DDL is applied
        DdlKill kill;
        std::string rowsAfter;  // a row statement that needs the DDL
    };
    const std::string columns =
        "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
        "TABLE_SCHEMA = 'ferry_it_tcrash_ddl' AND ";
    const std::string tables =
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE "
        "TABLE_SCHEMA = 'ferry_it_tcrash_ddl' AND ";
    const std::vector<Step> steps = {
        {"ALTER TABLE keyed ADD COLUMN c1 INT NOT NULL DEFAULT 7",
         columns + "TABLE_NAME = 'keyed' AND COLUMN_NAME = 'c1'",
         DdlKill::BeforePositionAndReplicate, "INSERT INTO keyed VALUES (101, 'c1', 1, 11)"},
        {"CREATE TABLE made1 (id BIGINT PRIMARY KEY, v VARCHAR(32) NOT NULL)",
         tables + "TABLE_NAME = 'made1'", DdlKill::BeforePositionAndReplicate,
         "INSERT INTO made1 VALUES (1, 'made1')"},
        {"ALTER TABLE keyless ADD COLUMN c2 VARCHAR(16) NOT NULL DEFAULT 'x'",
         columns + "TABLE_NAME = 'keyless' AND COLUMN_NAME = 'c2'", DdlKill::BeforePosition,
         "INSERT INTO keyless VALUES (5, 'c2', 'y')"},
        {"CREATE TABLE made2 (id BIGINT PRIMARY KEY, v VARCHAR(32) NOT NULL)",
         tables + "TABLE_NAME = 'made2'", DdlKill::AfterPosition,
         "INSERT INTO made2 VALUES (1, 'made2')"},
        {"RENAME TABLE made2 TO renamed2", tables + "TABLE_NAME = 'renamed2'",
         DdlKill::AfterPosition, "INSERT INTO renamed2 VALUES (2, 'renamed2')"},
        {"RENAME TABLE made1 TO renamed1", tables + "TABLE_NAME = 'renamed1'",
         DdlKill::BeforePositionAndReplicate, "INSERT INTO renamed1 VALUES (2, 'renamed1')"},
    };
    std::vector<std::string> ddl = {kKeyed, kKeyless};
    int row = 0;
    std::string last;
    for (const Step& step : steps) {
        if (&step == &steps.back()) {
            // Everything so far, before the last kill (a RENAME replayed by a restarted
            // replicate), which stops replication when the replay is not tolerated.
            last = onSource("INSERT INTO keyless (k, v) VALUES (1, 'mid')");
            ASSERT_TRUE(waitApplied(last));
            ASSERT_NO_FATAL_FAILURE(verify({"keyless"}, ddl));
        }
        // Rows on both sides of every DDL.
        for (int i = 0; i < 3; ++i) {
            ++row;
            onSource("INSERT INTO keyless (k, v) VALUES (" + std::to_string(row % 4) + ", 'r')");
            last = onSource("INSERT INTO keyed (id, v, n) VALUES (" + std::to_string(row) +
                            ", 'r', " + std::to_string(row) + ")");
        }
        ASSERT_TRUE(waitApplied(last)) << "before " << step.ddl;

        std::optional<MariadbConnection> lock;
        if (step.kill != DdlKill::AfterPosition) {
            // Holds every apply_position row (and gap) of the pipeline, so that replicate's
            // position write after the DDL waits.
            auto connection = MariadbConnection::connect(g_target->env(), 0);
            ASSERT_OK(connection);
            lock.emplace(std::move(*connection));
            ASSERT_OK(lock->execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
            ASSERT_OK(lock->execute("BEGIN"));
            ASSERT_OK(lock->query("SELECT * FROM " + std::string(kFerry) +
                                  ".apply_position WHERE pipeline_id = " + m_pipeline +
                                  " FOR UPDATE"));
        }
        const std::string gtid = onSource(step.ddl);
        ddl.push_back(step.ddl);
        if (step.kill == DdlKill::AfterPosition) {
            ASSERT_TRUE(waitApplied(gtid)) << step.ddl;
        } else {
            ASSERT_TRUE(waitUntil("'" + step.ddl + "' applied, its position write waiting", [&] {
                auto visible = target().queryValue(step.visible);
                // Replicate's position write runs (and waits for the test's lock).
                auto waiting = target().queryValue(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID <> "
                    "CONNECTION_ID() AND COMMAND = 'Query' AND INFO LIKE '%apply_position%'");
                return visible.ok() && visible->value_or("0") == "1" && waiting.ok() &&
                       waiting->value_or("0") != "0";
            })) << logs();
            EXPECT_FALSE(targetHas(gtid)) << step.ddl;
        }
        const char* where = step.kill == DdlKill::AfterPosition ? "after" : "before";
        ASSERT_NO_FATAL_FAILURE(crashTarget(
            "SIGKILL " + std::string(where) + " the position row of '" + step.ddl + "'",
            step.kill == DdlKill::BeforePositionAndReplicate, [&] {
                // The recovered target holds the DDL but not its position: the restarted
                // replicate must run the DDL again and take "already done" for success.
                auto visible = target().queryValue(step.visible);
                ASSERT_OK(visible);
                EXPECT_EQ(visible->value_or(""), "1") << step.ddl << " lost by the crash";
                EXPECT_FALSE(targetHas(gtid)) << step.ddl;
            }));
        lock.reset();
        last = onSource(step.rowsAfter);
        ASSERT_TRUE(waitApplied(last)) << "after " << step.ddl << "; replicate log:\n" << logs();
        if (step.kill == DdlKill::BeforePositionAndReplicate) {
            // TransactionApplier notes a tolerated replay; the parallel applier (the default,
            // 4 workers) does not pass the note on, so it is reported, not asserted.
            std::cout << step.ddl << ": replay noted in replicate's log: "
                      << (m_follower->err().find("was already applied before a restart") !=
                                  std::string::npos
                              ? "yes"
                              : "no")
                      << std::endl;
        }
    }
    ++row;
    last = onSource("INSERT INTO keyless (k, v) VALUES (1, 'end')");
    finishAndVerify(last, {"keyless"}, ddl);
}

TEST_F(ReplicateTargetCrash, KilledUnderSteadySmallTransactions) {
    const unsigned kills = testing::envNumber("FERRY_TARGET_CRASH_STEADY_KILLS", 2);
    const unsigned seed = testing::envNumber(
        "FERRY_TARGET_CRASH_SEED",
        static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count()));
    std::cout << "FERRY_TARGET_CRASH_SEED=" << seed << " kills=" << kills << std::endl;
    std::mt19937 random(seed);
    ASSERT_NO_FATAL_FAILURE(prepare("ferry_it_tcrash_steady", "7403"));
    onSource(kKeyed);
    onSource(kKeyless);
    ASSERT_NO_FATAL_FAILURE(startFollower());

    // A writer of small transactions (1 to 4 statements) on its own source connection: inserts,
    // updates and deletes on the keyed table, inserts and deletes of often identical rows on
    // the keyless one.
    std::atomic<bool> stopWriting{false};
    std::atomic<std::uint64_t> written{0};
    std::string writerError;
    const unsigned writerSeed = static_cast<unsigned>(random());
    std::thread writer([&] {
        std::mt19937 rng(writerSeed);
        auto connection = MariadbConnection::connect(m_env, 0);
        if (!connection.ok()) {
            writerError = connection.error().toString();
            return;
        }
        (void)connection->execute("USE ferry_it_tcrash_steady");
        std::uint64_t nextId = 1;
        while (!stopWriting.load()) {
            std::vector<std::string> statements;
            const int count = 1 + static_cast<int>(rng() % 4);
            for (int s = 0; s < count; ++s) {
                const std::string someId = std::to_string(1 + rng() % nextId);
                const std::string k = std::to_string(rng() % 5);
                const std::string v = "'w" + std::to_string(rng() % 3) + "'";
                switch (rng() % 6) {
                    case 0:
                    case 1:
                        statements.push_back("INSERT INTO keyed VALUES (" +
                                             std::to_string(nextId++) + ", 'w', 0)");
                        break;
                    case 2:
                        statements.push_back("UPDATE keyed SET n = n + 1, v = " + v +
                                             " WHERE id = " + someId);
                        break;
                    case 3:
                        statements.push_back("DELETE FROM keyed WHERE id = " + someId);
                        break;
                    case 4:
                        statements.push_back("INSERT INTO keyless VALUES (" + k + ", " + v + ")");
                        break;
                    default:
                        statements.push_back("DELETE FROM keyless WHERE k = " + k +
                                             " AND v = " + v + " LIMIT 1");
                        break;
                }
            }
            std::string failed;
            if (!connection->execute("BEGIN").ok()) {
                failed = "BEGIN";
            }
            for (const std::string& sql : statements) {
                if (failed.empty() && !connection->execute(sql).ok()) {
                    failed = sql;
                }
            }
            if (failed.empty() && !connection->execute("COMMIT").ok()) {
                failed = "COMMIT";
            }
            if (!failed.empty()) {
                writerError = "the writer failed at: " + failed;
                return;
            }
            ++written;
        }
    });
    auto stopWriter = [&] {
        stopWriting = true;
        if (writer.joinable()) {
            writer.join();
        }
    };
    const ScopeExit joinWriter(stopWriter);

    for (unsigned k = 0; k < kills && !HasFailure(); ++k) {
        const std::uint64_t before = appliedCount();
        ASSERT_TRUE(waitUntil("replicate to apply 50 more transactions",
                              [&] { return appliedCount() >= before + 50; }));
        // Fault injection at a random moment of the stream, not a wait for a condition.
        std::this_thread::sleep_for(std::chrono::milliseconds(random() % 400));
        ASSERT_NO_FATAL_FAILURE(
            crashTarget("SIGKILL " + std::to_string(k + 1) + " under steady load (" +
                            std::to_string(written.load()) + " source transactions so far)",
                        false));
    }
    const std::uint64_t afterCrash = appliedCount();
    EXPECT_TRUE(waitUntil("replicate to apply 50 transactions after the last restart",
                          [&] { return appliedCount() >= afterCrash + 50; }));
    stopWriter();
    ASSERT_TRUE(writerError.empty()) << writerError;
    std::cout << "writer: " << written.load() << " transactions" << std::endl;
    const std::string last = onSource("INSERT INTO keyless VALUES (9, 'end')");
    finishAndVerify(last, {"keyless"}, {kKeyed, kKeyless});
}

}  // namespace
}  // namespace ferry::replicate
