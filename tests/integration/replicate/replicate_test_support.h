// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <signal.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "child_process.h"
#include "harness_env.h"
#include "mariadb_connection.h"

// Runs ferry-agent, sysbench and mariadb-binlog as child processes, and compares tables of two
// harness servers. Test support only.
namespace ferry::replicate::testing {

using harness::Child;
using harness::Finished;
using harness::readWholeFile;
using harness::runToEnd;

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

}  // namespace ferry::replicate::testing
