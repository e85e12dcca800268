// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/preflight/preflight.h"
#include "ferry/preflight/preflight_session.h"

namespace ferry::preflight::testing {

// A PreflightSession answering from plain fields, for the rules' unit tests. It recognises the
// statements runPreflight issues by their text (SHOW GLOBAL VARIABLES, SHOW MASTER STATUS, the
// information_schema tables) and answers every statement it does not know with Unsupported.
// `failing` maps a fragment of a statement to the error it gets. Not thread-safe.
class FakePreflightSession final : public PreflightSession {
public:
    std::string version = "10.11.19-MariaDB-log";
    std::string name = "ferry@hz:3306";
    std::map<std::string, std::string> variables;
    bool masterStatusRow = true;  // SHOW MASTER STATUS has a row (when log_bin is ON)
    std::string doDb;
    std::string ignoreDb;
    std::string currentUser = "ferry@%";
    std::vector<std::string> grants;
    std::vector<std::string> schemas;
    std::vector<std::pair<std::string, std::string>> tables;  // (schema, table)
    std::vector<std::vector<std::string>> triggers;           // schema, name, table, timing, event
    std::vector<std::vector<std::string>> foreignKeys;        // schema, name, table, ref, upd, del
    std::vector<std::vector<std::string>> largeColumns;       // schema, table, column, type
    std::map<std::string, Error> failing;
    std::vector<std::string> queries;

    // A correct MariaDB site, configured like the harness's site `index` (server_id and
    // gtid_domain_id index + 1, increment 10, offset index + 1), with a least-privilege user,
    // the ferry schema and one replicated schema `shop`; every single-source check passes.
    static FakePreflightSession site(int index) {
        FakePreflightSession s;
        s.name = "ferry@site" + std::to_string(index) + ":3306";
        s.variables = {
            {"log_bin", "ON"},
            {"binlog_format", "ROW"},
            {"binlog_row_image", "FULL"},
            {"binlog_row_metadata", "FULL"},
            {"gtid_strict_mode", "ON"},
            {"gtid_domain_id", std::to_string(index + 1)},
            {"server_id", std::to_string(index + 1)},
            {"sync_binlog", "1"},
            {"innodb_flush_log_at_trx_commit", "1"},
            {"expire_logs_days", "7.000000"},
            {"binlog_expire_logs_seconds", "604800"},
            {"max_allowed_packet", "67108864"},
            {"auto_increment_increment", "10"},
            {"auto_increment_offset", std::to_string(index + 1)},
        };
        s.grants = {
            "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `ferry`@`%` IDENTIFIED BY "
            "PASSWORD '*0123'",
            "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `ferry`.* TO "
            "`ferry`@`%`",
            "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, TRIGGER ON "
            "`shop`.* TO `ferry`@`%`",
        };
        s.schemas = {"information_schema", "mysql", "performance_schema", "sys", "ferry", "shop"};
        for (std::string_view table : kFerryTables) {
            s.tables.emplace_back("ferry", std::string(table));
        }
        return s;
    }

    Result<mysql::QueryResult> query(std::string_view sql) override {
        queries.emplace_back(sql);
        for (const auto& [fragment, error] : failing) {
            if (sql.find(fragment) != std::string_view::npos) {
                return error;
            }
        }
        mysql::QueryResult out;
        if (sql.rfind("SHOW GLOBAL VARIABLES", 0) == 0) {
            out.columns = {"Variable_name", "Value"};
            for (const auto& [key, value] : variables) {
                out.rows.push_back({key, value});
            }
        } else if (sql == "SHOW MASTER STATUS" || sql == "SHOW BINARY LOG STATUS") {
            out.columns = {"File", "Position", "Binlog_Do_DB", "Binlog_Ignore_DB"};
            auto logBin = variables.find("log_bin");
            if (masterStatusRow && logBin != variables.end() && logBin->second == "ON") {
                out.rows.push_back({"mariadb-bin.000001", "4", doDb, ignoreDb});
            }
        } else if (sql == "SELECT CURRENT_USER()") {
            out.columns = {"CURRENT_USER()"};
            out.rows.push_back({currentUser});
        } else if (sql.rfind("SHOW GRANTS", 0) == 0) {
            out.columns = {"Grants for " + currentUser};
            for (const std::string& line : grants) {
                out.rows.push_back({line});
            }
        } else if (sql.find("information_schema.SCHEMATA") != std::string_view::npos) {
            out.columns = {"SCHEMA_NAME"};
            for (const std::string& schema : schemas) {
                out.rows.push_back({schema});
            }
        } else if (sql.find("information_schema.TABLES") != std::string_view::npos) {
            out.columns = {"TABLE_SCHEMA", "TABLE_NAME"};
            for (const auto& [schema, table] : tables) {
                out.rows.push_back({schema, table});
            }
        } else if (sql.find("information_schema.TRIGGERS") != std::string_view::npos) {
            out.columns = {"TRIGGER_SCHEMA", "TRIGGER_NAME", "EVENT_OBJECT_TABLE", "ACTION_TIMING",
                           "EVENT_MANIPULATION"};
            addRows(triggers, out);
        } else if (sql.find("information_schema.REFERENTIAL_CONSTRAINTS") !=
                   std::string_view::npos) {
            out.columns = {"CONSTRAINT_SCHEMA",     "CONSTRAINT_NAME", "TABLE_NAME",
                           "REFERENCED_TABLE_NAME", "UPDATE_RULE",     "DELETE_RULE"};
            addRows(foreignKeys, out);
        } else if (sql.find("information_schema.COLUMNS") != std::string_view::npos) {
            out.columns = {"TABLE_SCHEMA", "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE"};
            addRows(largeColumns, out);
        } else {
            return makeError(ErrorCode::Unsupported,
                             "the fake session does not know '" + std::string(sql) + "'");
        }
        return out;
    }

    std::string serverVersion() const override { return version; }
    std::string describe() const override { return name; }

private:
    static void addRows(const std::vector<std::vector<std::string>>& rows,
                        mysql::QueryResult& out) {
        for (const auto& row : rows) {
            auto& values = out.rows.emplace_back();
            for (const std::string& value : row) {
                values.emplace_back(value);
            }
        }
    }
};

// The check named `name` in `response`, or null.
inline const v1::PreflightCheck* findCheck(const v1::PreflightResponse& response,
                                           std::string_view name) {
    for (const v1::PreflightCheck& check : response.checks()) {
        if (check.name() == name) {
            return &check;
        }
    }
    return nullptr;
}

}  // namespace ferry::preflight::testing
