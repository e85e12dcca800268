// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "child_process.h"
#include "harness_env.h"
#include "mariadb_connection.h"

// A test failure, ending the test, unless the Result/Status `expr` is ok.
#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

// Runs ferry-agent, sysbench and mariadb-binlog as child processes, compares tables of two
// harness servers, and checks exactly-once application from binlogs. Test support only.
namespace ferry::replicate::testing {

using harness::Child;
using harness::Finished;
using harness::readWholeFile;
using harness::runToEnd;

// The number in environment variable `name`, `fallback` when it is unset or empty.
inline unsigned envNumber(const char* name, unsigned fallback) {
    const char* text = std::getenv(name);
    return text != nullptr && *text != 0 ? static_cast<unsigned>(std::stoul(text)) : fallback;
}

inline std::string urlOf(const harness::HarnessEnv& env, std::size_t index) {
    const auto server = env.mariadb(index);
    return "mysql://" + env.user() + "@" + server->host + ":" + std::to_string(server->port) +
           "/?ssl-mode=DISABLED";
}

// Every row of `db`.`table` as one string per row (HEX of every column, NULL marked),
// ordered by all columns: a row-by-row, byte-exact picture of the table.
inline Result<std::vector<std::string>> tableRows(harness::MariadbConnection& connection,
                                                  const std::string& db, const std::string& table) {
    FERRY_ASSIGN_OR_RETURN(
        auto columns,
        connection.query("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                         "TABLE_SCHEMA = '" +
                         db + "' AND TABLE_NAME = '" + table + "' ORDER BY ORDINAL_POSITION"));
    if (columns.rows.empty()) {
        return makeError(ErrorCode::NotFound,
                         db + "." + table + " does not exist on " + connection.where());
    }
    std::string select;
    std::string order;
    for (std::size_t i = 0; i < columns.rows.size(); ++i) {
        const std::string name = "`" + columns.rows[i][0].value_or("") + "`";
        select += (i == 0 ? "" : ", ") + std::string("IFNULL(HEX(") + name + "), 'NULL')";
        order += (i == 0 ? "" : ", ") + name;
    }
    FERRY_ASSIGN_OR_RETURN(
        auto rows, connection.query("SELECT CONCAT_WS('|', " + select + ") FROM `" + db + "`.`" +
                                    table + "` ORDER BY " + order));
    std::vector<std::string> out;
    for (const auto& row : rows.rows) {
        out.push_back(row[0].value_or("<null>"));
    }
    return out;
}

// "File:Position" of SHOW MASTER STATUS.
inline Result<std::pair<std::string, std::string>> masterStatus(
    harness::MariadbConnection& connection) {
    FERRY_ASSIGN_OR_RETURN(auto status, connection.query("SHOW MASTER STATUS"));
    if (status.rows.empty() || status.rows[0].size() < 2) {
        return makeError(ErrorCode::NotFound, "no binlog on " + connection.where());
    }
    return std::make_pair(status.rows[0][0].value_or(""), status.rows[0][1].value_or(""));
}

// The harness (its default environment) and a connection to each of its first `count` MariaDB
// servers.
struct HarnessServers {
    harness::HarnessEnv env;
    std::vector<harness::MariadbConnection> servers;
};

inline Result<HarnessServers> connectHarness(std::size_t count) {
    FERRY_ASSIGN_OR_RETURN(auto env, harness::HarnessEnv::loadDefault());
    if (env.mariadbCount() < count) {
        return makeError(ErrorCode::NotFound,
                         "the harness has " + std::to_string(env.mariadbCount()) +
                             " MariaDB servers, this test needs " + std::to_string(count) +
                             "; start it with --mariadb " + std::to_string(count));
    }
    HarnessServers out;
    for (std::size_t i = 0; i < count; ++i) {
        FERRY_ASSIGN_OR_RETURN(auto connection, harness::MariadbConnection::connect(env, i));
        out.servers.push_back(std::move(connection));
    }
    out.env = std::move(env);
    return out;
}

// mariadb-binlog of `env`'s server `index` from `start` ("File", "Position") to its last
// binlog, row events decoded; `rows` adds the row images (-v). A failed run is a test failure.
inline std::string binlogText(const harness::HarnessEnv& env, std::size_t index,
                              const std::pair<std::string, std::string>& start, bool rows) {
    const auto server = env.mariadb(index);
    std::vector<std::string> args = {"--read-from-remote-server",
                                     "--host=" + server->host,
                                     "--port=" + std::to_string(server->port),
                                     "--user=" + env.user(),
                                     "--password=" + env.password(),
                                     "--start-position=" + start.second,
                                     "--to-last-log",
                                     "--base64-output=DECODE-ROWS"};
    if (rows) {
        args.push_back("-v");
    }
    args.push_back(start.first);
    auto result = runToEnd("mariadb-binlog", args);
    EXPECT_EQ(result.exitCode, 0) << result.err;
    return result.out;
}

// Test failures unless every GTID of `expected` (source transactions) appears exactly once in
// `applied` (the source GTIDs of the target's position writes) and `applied` has no others.
inline void expectEachAppliedOnce(const std::vector<std::string>& expected,
                                  const std::vector<std::string>& applied) {
    std::map<std::string, int> counts;
    for (const std::string& gtid : applied) {
        ++counts[gtid];
    }
    int duplicates = 0;
    for (const auto& [gtid, count] : counts) {
        if (count != 1) {
            ++duplicates;
            ADD_FAILURE() << "source transaction " << gtid << " applied " << count << " times";
        }
    }
    EXPECT_EQ(duplicates, 0);
    const std::set<std::string> expectedSet(expected.begin(), expected.end());
    std::set<std::string> appliedSet;
    for (const auto& [gtid, count] : counts) {
        appliedSet.insert(gtid);
    }
    std::vector<std::string> missing;
    std::set_difference(expectedSet.begin(), expectedSet.end(), appliedSet.begin(),
                        appliedSet.end(), std::back_inserter(missing));
    std::vector<std::string> extra;
    std::set_difference(appliedSet.begin(), appliedSet.end(), expectedSet.begin(),
                        expectedSet.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << missing.size() << " source transactions never applied, first "
                                 << (missing.empty() ? "" : missing.front());
    EXPECT_TRUE(extra.empty()) << extra.size() << " applied GTIDs not in the source, first "
                               << (extra.empty() ? "" : extra.front());
}

}  // namespace ferry::replicate::testing
