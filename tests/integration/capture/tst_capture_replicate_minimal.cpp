// SPDX-License-Identifier: Apache-2.0
// `ferry-agent replicate --schema-history on` as a real process between two MariaDB servers of
// this test's own (ferry-harness up), the source on binlog_row_metadata=MINIMAL: the first run
// creates the source's ferry.schema_history and snapshots it; the second reads rows written
// around ADD, DROP and RENAME COLUMN and ADD UNIQUE KEY with that history alone, and the target
// ends up equal to the source.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "child_process.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::capture {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

std::string urlOf(const HarnessEnv& env, std::size_t index) {
    const auto server = env.mariadb(index);
    return "mysql://" + env.user() + "@" + server->host + ":" + std::to_string(server->port) +
           "/?ssl-mode=DISABLED";
}

class OwnHarness {
public:
    OwnHarness() {
        m_dir = std::filesystem::temp_directory_path() /
                ("ferry-it-capture-repl-" + std::to_string(::getpid()));
        std::filesystem::remove_all(m_dir);
        const std::string command = std::string(FERRY_HARNESS_SCRIPT) + " up --dir " +
                                    m_dir.string() + " --mariadb 2 --no-zookeeper --owner-pid " +
                                    std::to_string(::getpid()) + " > " + m_dir.string() +
                                    ".log 2>&1";
        m_up = std::system(command.c_str()) == 0;
    }
    ~OwnHarness() {
        const std::string command = std::string(FERRY_HARNESS_SCRIPT) + " down --dir " +
                                    m_dir.string() + " > /dev/null 2>&1";
        (void)std::system(command.c_str());
        std::filesystem::remove(m_dir.string() + ".log");
    }
    OwnHarness(const OwnHarness&) = delete;
    OwnHarness& operator=(const OwnHarness&) = delete;

    bool up() const { return m_up; }
    std::string dir() const { return m_dir.string(); }
    std::string log() const { return m_dir.string() + ".log"; }

private:
    std::filesystem::path m_dir;
    bool m_up = false;
};

std::vector<std::string> tableText(MariadbConnection& sql, const std::string& table) {
    std::vector<std::string> out;
    auto result = sql.query("SELECT * FROM " + table + " ORDER BY 1");
    EXPECT_TRUE(result.ok()) << result.error().toString();
    if (!result.ok()) {
        return out;
    }
    std::string header;
    for (const auto& column : result->columns) {
        header += column + "|";
    }
    out.push_back(header);
    for (const auto& row : result->rows) {
        std::string line;
        for (const auto& value : row) {
            line += value.value_or("NULL") + "|";
        }
        out.push_back(line);
    }
    return out;
}

TEST(CaptureReplicateMinimal, HistoryCarriesMinimalMetadataAcrossDdl) {
    OwnHarness harness;
    ASSERT_TRUE(harness.up()) << "ferry-harness up failed; see " << harness.log();
    auto env = HarnessEnv::load(harness.dir());
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
    ASSERT_OK(source.execute("SET GLOBAL binlog_row_metadata = MINIMAL"));
    const std::string db = "ferry_it_caprepl";
    const std::string t = db + ".t";
    for (auto* server : {&source, &target}) {
        ASSERT_OK(server->execute("CREATE DATABASE " + db));
        ASSERT_OK(server->execute("CREATE TABLE " + t +
                                  " (id INT NOT NULL PRIMARY KEY, a VARCHAR(20) CHARACTER SET "
                                  "utf8mb4, b INT UNSIGNED, c TEXT CHARACTER SET latin1)"));
    }
    auto status = source.query("SHOW MASTER STATUS");
    ASSERT_OK(status);
    ASSERT_FALSE(status->rows.empty());
    const std::string file = status->rows[0][0].value_or("");
    const std::string pos = status->rows[0][1].value_or("");

    auto replicate = [&](const std::string& mode) {
        return harness::runToEnd(
            FERRY_AGENT_PATH,
            {"replicate", "--source", urlOf(*env, 0), "--target", urlOf(*env, 1), "--pipeline-id",
             "7401", "--include", db + ".*", "--schema-history", mode, "--start-file", file,
             "--start-pos", pos, "--until-caught-up", "--workers", "1"},
            {{"FERRY_PASSWORD", env->password()}});
    };
    // First run: nothing to copy yet; it creates the history and snapshots at the start.
    auto first = replicate("on");
    ASSERT_EQ(first.exitCode, 0) << first.err;
    EXPECT_NE(first.err.find("new snapshot"), std::string::npos) << first.err;
    auto entries = source.queryValue(
        "SELECT COUNT(*) FROM ferry.schema_history WHERE kind = "
        "'snapshot'");
    ASSERT_OK(entries);
    EXPECT_EQ(entries->value_or(""), "1");

    for (const std::string& sql : {
             "INSERT INTO " + t + " VALUES (1, 'één', 4000000000, 'c1'), (2, 'two', 0, NULL)",
             "ALTER TABLE " + t + " ADD COLUMN d INT NOT NULL DEFAULT 5",
             "INSERT INTO " + t + " VALUES (3, 'three', 3, 'c3', 33)",
             "ALTER TABLE " + t + " DROP COLUMN b",
             "INSERT INTO " + t + " VALUES (4, 'four', 'c4', 44)",
             "ALTER TABLE " + t + " RENAME COLUMN a TO label",
             "UPDATE " + t + " SET label = 'TWO', d = 22 WHERE id = 2",
             "ALTER TABLE " + t + " ADD UNIQUE KEY uk_label (label)",
             "DELETE FROM " + t + " WHERE id = 3",
         }) {
        ASSERT_OK(source.execute(sql));
    }

    // Without the history, MINIMAL TABLE_MAPs carry no names: replicate must not guess.
    // With it, everything arrives.
    auto second = replicate("auto");
    ASSERT_EQ(second.exitCode, 0) << second.err;
    EXPECT_NE(second.err.find("schema history loaded"), std::string::npos) << second.err;
    EXPECT_EQ(tableText(source, t), tableText(target, t));
    auto ddl = source.queryValue("SELECT COUNT(*) FROM ferry.schema_history WHERE kind = 'ddl'");
    ASSERT_OK(ddl);
    EXPECT_EQ(ddl->value_or(""), "4");
}

}  // namespace
}  // namespace ferry::capture
