// SPDX-License-Identifier: Apache-2.0
// The preflight rules against a fake session: one table row per check outcome, the grant parser,
// version parsing and the command's argument handling. No server.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "fake_preflight_session.h"
#include "ferry/preflight/grants.h"
#include "ferry/preflight/preflight.h"
#include "ferry/preflight/preflight_command.h"

namespace ferry::preflight {
namespace {

using testing::FakePreflightSession;
using testing::findCheck;

std::string describeChecks(const v1::PreflightResponse& response) {
    std::string out;
    for (const auto& check : response.checks()) {
        out += check.name() + " " + std::string(checkResultName(check.result())) + ": " +
               check.message() + (check.hint().empty() ? "" : " | fix: " + check.hint()) + "\n";
    }
    return out;
}

TEST(PreflightRules, CorrectSiteOnlyPasses) {
    FakePreflightSession source = FakePreflightSession::site(0);
    PreflightOptions options;
    const v1::PreflightResponse response = runPreflight(source, options);
    EXPECT_EQ(response.flavor(), v1::DATABASE_FLAVOR_MARIADB);
    EXPECT_EQ(response.version(), "10.11.19-MariaDB-log");
    EXPECT_EQ(response.server_id(), 1u);
    const std::vector<std::string> expected = {"connectivity",
                                               "version",
                                               "log_bin",
                                               "binlog_format",
                                               "binlog_row_image",
                                               "binlog_row_metadata",
                                               "gtid",
                                               "server_id",
                                               "replication_privileges",
                                               "replicated_schemas",
                                               "schema_privileges",
                                               "ferry_schema_privileges",
                                               "ferry_schema",
                                               "binlog_filters",
                                               "triggers",
                                               "cascading_foreign_keys",
                                               "sync_binlog",
                                               "innodb_flush_log_at_trx_commit",
                                               "binlog_retention",
                                               "max_allowed_packet"};
    ASSERT_EQ(response.checks_size(), static_cast<int>(expected.size()))
        << describeChecks(response);
    for (int i = 0; i < response.checks_size(); ++i) {
        const auto& check = response.checks(i);
        EXPECT_EQ(check.name(), expected[static_cast<std::size_t>(i)]);
        EXPECT_EQ(check.result(), v1::CHECK_RESULT_PASS) << describeChecks(response);
        EXPECT_TRUE(check.hint().empty()) << check.name();
        EXPECT_FALSE(check.message().empty()) << check.name();
    }
    EXPECT_FALSE(hasFailure(response));
    // Only reads.
    for (const std::string& sql : source.queries) {
        EXPECT_TRUE(sql.rfind("SHOW ", 0) == 0 || sql.rfind("SELECT ", 0) == 0) << sql;
    }
}

TEST(PreflightRules, CorrectPairPassesAndWarnsAboutConflicts) {
    FakePreflightSession source = FakePreflightSession::site(0);
    FakePreflightSession peer = FakePreflightSession::site(1);
    PreflightOptions options;
    options.peer = &peer;
    const v1::PreflightResponse response = runPreflight(source, options);
    for (const char* name : {"peer_connectivity", "peer_server_id", "peer_auto_increment",
                             "peer_gtid_domain_id", "schema_privileges"}) {
        const auto* check = findCheck(response, name);
        ASSERT_NE(check, nullptr) << name << "\n" << describeChecks(response);
        EXPECT_EQ(check->result(), v1::CHECK_RESULT_PASS) << describeChecks(response);
    }
    const auto* conflicts = findCheck(response, "two_way_conflicts");
    ASSERT_NE(conflicts, nullptr);
    EXPECT_EQ(conflicts->result(), v1::CHECK_RESULT_WARN);
    EXPECT_NE(conflicts->message().find("disjoint writes"), std::string::npos);
    EXPECT_EQ(findCheck(response, "peer_server_uuid"), nullptr);
    EXPECT_FALSE(hasFailure(response));
}

struct RuleCase {
    const char* label;
    std::function<void(FakePreflightSession& source, FakePreflightSession& peer,
                       PreflightOptions& options)>
        setup;
    bool withPeer;
    const char* check;
    v1::CheckResult expected;
    std::vector<const char*> inMessage;
    std::vector<const char*> inHint;
};

void setVar(FakePreflightSession& s, const std::string& name, const std::string& value) {
    s.variables[name] = value;
}

const std::vector<RuleCase>& ruleCases() {
    using R = v1::CheckResult;
    const R pass = v1::CHECK_RESULT_PASS;
    const R warn = v1::CHECK_RESULT_WARN;
    const R fail = v1::CHECK_RESULT_FAIL;
    static const std::vector<RuleCase> cases = {
        {"statement format",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_format", "STATEMENT"); },
         false,
         "binlog_format",
         fail,
         {"STATEMENT"},
         {"SET GLOBAL binlog_format=ROW", "binlog_format = ROW under [mysqld] in my.cnf"}},
        {"mixed format",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_format", "MIXED"); },
         false,
         "binlog_format",
         fail,
         {"MIXED"},
         {"SET GLOBAL binlog_format=ROW"}},
        {"minimal image",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_row_image", "MINIMAL"); },
         false,
         "binlog_row_image",
         fail,
         {"MINIMAL", "primary key"},
         {"SET GLOBAL binlog_row_image=FULL", "binlog_row_image = FULL under [mysqld]"}},
        {"noblob image",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_row_image", "noblob"); },
         false,
         "binlog_row_image",
         fail,
         {"NOBLOB", "BLOB"},
         {"binlog_row_image=FULL"}},
        {"minimal metadata",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_row_metadata", "MINIMAL"); },
         false,
         "binlog_row_metadata",
         warn,
         {"MINIMAL", "schema history"},
         {"SET GLOBAL binlog_row_metadata=FULL",
          "binlog_row_metadata = FULL under [mysqld] in my.cnf"}},
        {"no metadata on MariaDB 10.4",
         [](auto& s, auto&, auto&) {
             s.version = "10.4.32-MariaDB";
             s.variables.erase("binlog_row_metadata");
         },
         false,
         "binlog_row_metadata",
         warn,
         {"MariaDB 10.5+"},
         {"upgrade"}},
        {"binlog off",
         [](auto& s, auto&, auto&) { setVar(s, "log_bin", "OFF"); },
         false,
         "log_bin",
         fail,
         {"OFF"},
         {"log_bin = mariadb-bin", "restart"}},
        {"binlog off leaves filters unread",
         [](auto& s, auto&, auto&) { setVar(s, "log_bin", "OFF"); },
         false,
         "binlog_filters",
         warn,
         {"no row"},
         {"log_bin"}},
        {"server id zero",
         [](auto& s, auto&, auto&) { setVar(s, "server_id", "0"); },
         false,
         "server_id",
         fail,
         {"server_id is 0"},
         {"SET GLOBAL server_id="}},
        {"MariaDB 10.2 unsupported",
         [](auto& s, auto&, auto&) { s.version = "10.2.44-MariaDB"; },
         false,
         "version",
         fail,
         {"MariaDB 10.2.44", "not supported"},
         {"upgrade"}},
        {"MySQL 5.6 unsupported",
         [](auto& s, auto&, auto&) { s.version = "5.6.51-log"; },
         false,
         "version",
         fail,
         {"MySQL 5.6.51"},
         {"MySQL 8.0.14"}},
        {"MySQL 8.0 supported",
         [](auto& s, auto&, auto&) { s.version = "8.0.36"; },
         false,
         "version",
         pass,
         {"MySQL 8.0.36", "FULL row metadata"},
         {}},
        {"MariaDB gtid_strict_mode off",
         [](auto& s, auto&, auto&) { setVar(s, "gtid_strict_mode", "OFF"); },
         false,
         "gtid",
         warn,
         {"gtid_strict_mode is OFF"},
         {"SET GLOBAL gtid_strict_mode=ON"}},
        {"MySQL gtid_mode off",
         [](auto& s, auto&, auto&) {
             s.version = "8.0.36";
             setVar(s, "gtid_mode", "OFF");
         },
         false,
         "gtid",
         warn,
         {"gtid_mode is OFF"},
         {"SET GLOBAL gtid_mode=ON_PERMISSIVE", "enforce_gtid_consistency"}},
        {"MySQL gtid_mode on",
         [](auto& s, auto&, auto&) {
             s.version = "8.0.36";
             setVar(s, "gtid_mode", "ON");
         },
         false,
         "gtid",
         pass,
         {"gtid_mode is ON"},
         {}},
        {"no replication privileges",
         [](auto& s, auto&, auto&) {
             s.grants.erase(s.grants.begin());
             s.failing["SHOW MASTER STATUS"] =
                 makeError(ErrorCode::PermissionDenied, "Access denied; you need BINLOG MONITOR");
         },
         false,
         "replication_privileges",
         fail,
         {"'ferry'@'%' lacks REPLICATION SLAVE", "BINLOG MONITOR"},
         {"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'ferry'@'%'"}},
        {"MySQL 5.7 lacks REPLICATION CLIENT",
         [](auto& s, auto&, auto&) {
             s.version = "5.7.44-log";
             s.grants.front() = "GRANT REPLICATION SLAVE ON *.* TO 'ferry'@'%'";
             s.failing["SHOW MASTER STATUS"] =
                 makeError(ErrorCode::PermissionDenied, "Access denied");
         },
         false,
         "replication_privileges",
         fail,
         {"REPLICATION CLIENT"},
         {"GRANT REPLICATION CLIENT ON *.* TO 'ferry'@'%'"}},
        {"privileges through a role are not counted",
         [](auto& s, auto&, auto&) {
             s.grants.front() = "GRANT `ferry_role` TO `ferry`@`%`";
             s.failing["SHOW MASTER STATUS"] =
                 makeError(ErrorCode::PermissionDenied, "Access denied");
         },
         false,
         "replication_privileges",
         fail,
         {"ferry_role"},
         {"GRANT REPLICATION SLAVE"}},
        {"ALL PRIVILEGES covers replication",
         [](auto& s, auto&, auto&) {
             s.grants = {"GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"};
             s.currentUser = "root@localhost";
         },
         false,
         "replication_privileges",
         pass,
         {"'root'@'localhost'"},
         {}},
        {"no SELECT on a replicated schema",
         [](auto& s, auto&, auto& o) {
             s.schemas.push_back("crm");
             o.schemas = {"shop", "crm"};
         },
         false,
         "schema_privileges",
         fail,
         {"SELECT on `crm`"},
         {"GRANT SELECT ON `crm`.* TO 'ferry'@'%'"}},
        {"two-way needs writes",
         [](auto& s, auto&, auto&) { s.grants[2] = "GRANT SELECT ON `shop`.* TO `ferry`@`%`"; },
         true,
         "schema_privileges",
         fail,
         {"INSERT, UPDATE, DELETE on `shop`", "two-way"},
         {"GRANT INSERT, UPDATE, DELETE ON `shop`.* TO 'ferry'@'%'"}},
        {"SELECT on some tables only",
         [](auto& s, auto&, auto&) {
             s.grants[2] = "GRANT SELECT, TRIGGER ON `shop`.`orders` TO `ferry`@`%`";
         },
         false,
         "schema_privileges",
         warn,
         {"some tables of `shop`"},
         {"GRANT SELECT ON `shop`.*"}},
        {"wildcard database grant",
         [](auto& s, auto&, auto& o) {
             s.grants[2] = "GRANT SELECT, TRIGGER ON `sh\\_%`.* TO `ferry`@`%`";
             s.schemas.push_back("sh_eu");
             o.schemas = {"shop", "sh_eu"};
         },
         false,
         "schema_privileges",
         fail,
         {"SELECT on `shop`"},
         {"ON `shop`.*"}},
        {"no writes on ferry",
         [](auto& s, auto&, auto&) { s.grants[1] = "GRANT SELECT ON `ferry`.* TO `ferry`@`%`"; },
         false,
         "ferry_schema_privileges",
         fail,
         {"INSERT, UPDATE, DELETE on `ferry`"},
         {"GRANT INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON `ferry`.* TO "
          "'ferry'@'%'"}},
        {"no DDL on ferry",
         [](auto& s, auto&, auto&) {
             s.grants[1] = "GRANT SELECT, INSERT, UPDATE, DELETE ON `ferry`.* TO `ferry`@`%`";
         },
         false,
         "ferry_schema_privileges",
         warn,
         {"CREATE, ALTER, INDEX, DROP"},
         {"GRANT CREATE, ALTER, INDEX, DROP ON `ferry`.*"}},
        {"ferry schema missing, agent creates it",
         [](auto& s, auto&, auto&) {
             s.schemas.erase(std::find(s.schemas.begin(), s.schemas.end(), "ferry"));
             s.tables.clear();
         },
         false,
         "ferry_schema",
         warn,
         {"does not exist", "the agent will create it"},
         {"mariadb < sql/ferry_schema.sql"}},
        {"ferry schema missing, user may not create it",
         [](auto& s, auto&, auto&) {
             s.schemas.erase(std::find(s.schemas.begin(), s.schemas.end(), "ferry"));
             s.tables.clear();
             s.grants.erase(s.grants.begin() + 1);
         },
         false,
         "ferry_schema",
         fail,
         {"does not exist", "may not create"},
         {"mariadb < sql/ferry_schema.sql", "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE"}},
        {"ferry tables missing",
         [](auto& s, auto&, auto&) { s.tables.pop_back(); },
         false,
         "ferry_schema",
         warn,
         {"schema_history", "the agent will create them"},
         {}},
        {"ferry schema elsewhere",
         [](auto& s, auto&, auto& o) {
             o.ferrySchema = "ferry_hz";
             s.schemas.push_back("ferry_hz");
         },
         false,
         "ferry_schema",
         fail,
         {"`ferry_hz` lacks the tables apply_position"},
         {"GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON `ferry_hz`.*"}},
        {"ignore filter hides ferry",
         [](auto& s, auto&, auto&) { s.ignoreDb = "test,ferry"; },
         false,
         "binlog_filters",
         fail,
         {"Binlog_Ignore_DB='test,ferry'", "`ferry`", "loop"},
         {"remove binlog-ignore-db = ferry"}},
        {"do filter hides ferry",
         [](auto& s, auto&, auto&) { s.doDb = "shop"; },
         false,
         "binlog_filters",
         fail,
         {"Binlog_Do_DB='shop'", "`ferry`"},
         {"add binlog-do-db = ferry", "restart"}},
        {"do filter hides a replicated schema",
         [](auto& s, auto&, auto&) { s.doDb = "ferry"; },
         false,
         "binlog_filters",
         fail,
         {"`shop`", "never reach the binlog"},
         {"add binlog-do-db = shop"}},
        {"filters that hide nothing",
         [](auto& s, auto&, auto&) {
             s.doDb = "shop,ferry";
             s.ignoreDb = "scratch";
         },
         false,
         "binlog_filters",
         pass,
         {"hide neither"},
         {}},
        {"master status denied",
         [](auto& s, auto&, auto&) {
             s.failing["SHOW MASTER STATUS"] =
                 makeError(ErrorCode::PermissionDenied, "Access denied");
         },
         false,
         "binlog_filters",
         warn,
         {"cannot read SHOW MASTER STATUS"},
         {"GRANT BINLOG MONITOR ON *.*"}},
        {"MySQL 8.4 reads SHOW BINARY LOG STATUS",
         [](auto& s, auto&, auto&) {
             s.version = "8.4.3";
             s.failing["SHOW MASTER STATUS"] =
                 makeError(ErrorCode::Io, "syntax error (removed in 8.4)");
             s.ignoreDb = "ferry";
         },
         false,
         "binlog_filters",
         fail,
         {"Binlog_Ignore_DB='ferry'"},
         {}},
        {"trigger on a replicated table",
         [](auto& s, auto&, auto&) {
             s.triggers.push_back({"shop", "orders_audit", "orders", "AFTER", "INSERT"});
             s.triggers.push_back({"scratch", "ignored", "t", "BEFORE", "UPDATE"});
         },
         false,
         "triggers",
         warn,
         {"1 trigger(s)", "shop.orders: orders_audit (AFTER INSERT)"},
         {"DROP TRIGGER `shop`.`orders_audit`"}},
        {"trigger outside the replicated schemas",
         [](auto& s, auto&, auto&) {
             s.triggers.push_back({"scratch", "ignored", "t", "BEFORE", "UPDATE"});
         },
         false,
         "triggers",
         pass,
         {"no triggers"},
         {}},
        {"triggers invisible without TRIGGER",
         [](auto& s, auto&, auto&) { s.grants[2] = "GRANT SELECT ON `shop`.* TO `ferry`@`%`"; },
         false,
         "triggers",
         warn,
         {"lacks it on shop"},
         {"GRANT TRIGGER ON `shop`.* TO 'ferry'@'%'"}},
        {"cascading delete",
         [](auto& s, auto&, auto&) {
             s.foreignKeys.push_back(
                 {"shop", "items_order", "items", "orders", "RESTRICT", "CASCADE"});
         },
         false,
         "cascading_foreign_keys",
         warn,
         {"shop.items: items_order (ON DELETE CASCADE) -> shop.orders"},
         {"RESTRICT"}},
        {"set null on update",
         [](auto& s, auto&, auto&) {
             s.foreignKeys.push_back(
                 {"shop", "items_order", "items", "orders", "SET NULL", "NO ACTION"});
         },
         false,
         "cascading_foreign_keys",
         warn,
         {"ON UPDATE SET NULL"},
         {}},
        {"cascade outside the replicated schemas",
         [](auto& s, auto&, auto&) {
             s.foreignKeys.push_back({"scratch", "fk", "a", "b", "CASCADE", "CASCADE"});
         },
         false,
         "cascading_foreign_keys",
         pass,
         {},
         {}},
        {"sync_binlog 0",
         [](auto& s, auto&, auto&) { setVar(s, "sync_binlog", "0"); },
         false,
         "sync_binlog",
         warn,
         {"sync_binlog is 0"},
         {"SET GLOBAL sync_binlog=1"}},
        {"flush at commit 2",
         [](auto& s, auto&, auto&) { setVar(s, "innodb_flush_log_at_trx_commit", "2"); },
         false,
         "innodb_flush_log_at_trx_commit",
         warn,
         {"is 2"},
         {"SET GLOBAL innodb_flush_log_at_trx_commit=1"}},
        {"retention shorter than lag",
         [](auto& s, auto&, auto& o) {
             setVar(s, "binlog_expire_logs_seconds", "86400");
             o.lagSeconds = 86400;
         },
         false,
         "binlog_retention",
         fail,
         {"86400 s (1 d)", "needs at least 90000 s"},
         {"SET GLOBAL binlog_expire_logs_seconds=604800"}},
        {"retention shorter than a lag of ten days",
         [](auto&, auto&, auto& o) { o.lagSeconds = 10 * 86400; },
         false,
         "binlog_retention",
         fail,
         {"604800 s"},
         {"SET GLOBAL binlog_expire_logs_seconds=950400"}},
        {"retention under a day",
         [](auto& s, auto&, auto&) { setVar(s, "binlog_expire_logs_seconds", "43200"); },
         false,
         "binlog_retention",
         warn,
         {"kept only 43200 s (12.0 h)"},
         {"binlog_expire_logs_seconds = 604800 under [mysqld]"}},
        {"retention in days on MariaDB 10.3",
         [](auto& s, auto&, auto& o) {
             s.version = "10.3.39-MariaDB";
             s.variables.erase("binlog_expire_logs_seconds");
             s.variables.erase("binlog_row_metadata");
             setVar(s, "expire_logs_days", "1");
             o.lagSeconds = 86000;
         },
         false,
         "binlog_retention",
         fail,
         {"expire_logs_days=1"},
         {"SET GLOBAL expire_logs_days=7"}},
        {"retention never",
         [](auto& s, auto&, auto& o) {
             setVar(s, "binlog_expire_logs_seconds", "0");
             setVar(s, "expire_logs_days", "0.000000");
             o.lagSeconds = 1000000;
         },
         false,
         "binlog_retention",
         pass,
         {"never purged"},
         {}},
        {"small max_allowed_packet",
         [](auto& s, auto&, auto&) { setVar(s, "max_allowed_packet", "16777216"); },
         false,
         "max_allowed_packet",
         warn,
         {"16777216 (16.0 MiB)"},
         {"SET GLOBAL max_allowed_packet=67108864", "max_allowed_packet = 64M under [mysqld]"}},
        {"large columns with a small max_allowed_packet",
         [](auto& s, auto&, auto&) {
             setVar(s, "max_allowed_packet", "4194304");
             s.largeColumns.push_back({"shop", "docs", "body", "longtext"});
             s.largeColumns.push_back({"scratch", "blobs", "b", "longblob"});
         },
         false,
         "max_allowed_packet",
         warn,
         {"4194304 (4.0 MiB)", "1 replicated column(s)", "shop.docs.body longtext"},
         {"SET GLOBAL max_allowed_packet=67108864"}},
        {"large columns with a large max_allowed_packet",
         [](auto& s, auto&, auto&) {
             s.largeColumns.push_back({"shop", "docs", "body", "json"});
         },
         false,
         "max_allowed_packet",
         pass,
         {"shop.docs.body json", "stops the pipeline"},
         {}},
        {"every schema by default",
         [](auto& s, auto&, auto&) { s.schemas.push_back("crm"); },
         false,
         "replicated_schemas",
         pass,
         {"every non-system schema: shop, crm"},
         {}},
        {"a named schema is missing",
         [](auto&, auto&, auto& o) {
             o.schemas = {"shop", "nope"};
         },
         false,
         "replicated_schemas",
         warn,
         {"nope"},
         {"schema list"}},
        {"equal server ids",
         [](auto&, auto& p, auto&) { setVar(p, "server_id", "1"); },
         true,
         "peer_server_id",
         fail,
         {"server_id 1"},
         {"at ferry@site1:3306: SET GLOBAL server_id=2"}},
        {"equal offsets",
         [](auto&, auto& p, auto&) { setVar(p, "auto_increment_offset", "1"); },
         true,
         "peer_auto_increment",
         fail,
         {"equal offsets"},
         {"at ferry@site0:3306: SET GLOBAL auto_increment_increment=10; SET GLOBAL "
          "auto_increment_offset=1;",
          "at ferry@site1:3306: SET GLOBAL auto_increment_increment=10; SET GLOBAL "
          "auto_increment_offset=2;"}},
        {"increment 1",
         [](auto& s, auto& p, auto&) {
             setVar(s, "auto_increment_increment", "1");
             setVar(s, "auto_increment_offset", "1");
             setVar(p, "auto_increment_increment", "1");
             setVar(p, "auto_increment_offset", "1");
         },
         true,
         "peer_auto_increment",
         fail,
         {"under 2"},
         {"SET GLOBAL auto_increment_increment=2; SET GLOBAL auto_increment_offset=1;",
          "SET GLOBAL auto_increment_increment=2; SET GLOBAL auto_increment_offset=2;"}},
        {"different increments",
         [](auto&, auto& p, auto&) { setVar(p, "auto_increment_increment", "5"); },
         true,
         "peer_auto_increment",
         fail,
         {"different increments"},
         {"auto_increment_increment=10; SET GLOBAL auto_increment_offset=2;"}},
        {"offset above the increment",
         [](auto& s, auto& p, auto&) {
             setVar(s, "auto_increment_increment", "2");
             setVar(p, "auto_increment_increment", "2");
             setVar(p, "auto_increment_offset", "3");
         },
         true,
         "peer_auto_increment",
         fail,
         {"ignored"},
         {"ferry@site1:3306: SET GLOBAL auto_increment_increment=2; SET GLOBAL "
          "auto_increment_offset=2;"}},
        {"equal gtid domains",
         [](auto&, auto& p, auto&) { setVar(p, "gtid_domain_id", "1"); },
         true,
         "peer_gtid_domain_id",
         fail,
         {"gtid_domain_id 1"},
         {"at ferry@site1:3306: SET GLOBAL gtid_domain_id=2"}},
        {"equal server uuids on MySQL",
         [](auto& s, auto& p, auto&) {
             s.version = "8.0.36";
             p.version = "8.0.36";
             setVar(s, "server_uuid", "3e11fa47-71ca-11e1-9e33-c80aa9429562");
             setVar(p, "server_uuid", "3e11fa47-71ca-11e1-9e33-c80aa9429562");
         },
         true,
         "peer_server_uuid",
         fail,
         {"3e11fa47"},
         {"auto.cnf"}},
        {"peer does not answer",
         [](auto&, auto& p, auto&) {
             p.failing["SHOW GLOBAL VARIABLES"] = makeError(ErrorCode::Unavailable, "gone away");
         },
         true,
         "peer_connectivity",
         fail,
         {"gone away"},
         {"peer server runs"}},
    };
    return cases;
}

class PreflightRuleTable : public ::testing::TestWithParam<std::size_t> {};

TEST_P(PreflightRuleTable, Outcome) {
    const RuleCase& row = ruleCases()[GetParam()];
    SCOPED_TRACE(row.label);
    FakePreflightSession source = FakePreflightSession::site(0);
    FakePreflightSession peer = FakePreflightSession::site(1);
    PreflightOptions options;
    row.setup(source, peer, options);
    if (row.withPeer) {
        options.peer = &peer;
    }
    const v1::PreflightResponse response = runPreflight(source, options);
    const v1::PreflightCheck* check = findCheck(response, row.check);
    ASSERT_NE(check, nullptr) << row.check << " missing:\n" << describeChecks(response);
    EXPECT_EQ(check->result(), row.expected) << describeChecks(response);
    for (const char* fragment : row.inMessage) {
        EXPECT_NE(check->message().find(fragment), std::string::npos)
            << "message '" << check->message() << "' lacks '" << fragment << "'";
    }
    for (const char* fragment : row.inHint) {
        EXPECT_NE(check->hint().find(fragment), std::string::npos)
            << "hint '" << check->hint() << "' lacks '" << fragment << "'";
    }
    if (row.expected == v1::CHECK_RESULT_PASS) {
        EXPECT_TRUE(check->hint().empty());
    } else {
        EXPECT_FALSE(check->hint().empty());
    }
    if (row.expected == v1::CHECK_RESULT_FAIL) {
        EXPECT_TRUE(hasFailure(response));
    }
}

INSTANTIATE_TEST_SUITE_P(Rules, PreflightRuleTable,
                         ::testing::Range<std::size_t>(0, ruleCases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                             std::string name = ruleCases()[param.param].label;
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return name;
                         });

TEST(PreflightRules, SourceThatDoesNotAnswerGivesOnlyConnectivity) {
    FakePreflightSession source = FakePreflightSession::site(0);
    source.failing["SHOW GLOBAL VARIABLES"] =
        makeError(ErrorCode::Unavailable, "Lost connection to server");
    const v1::PreflightResponse response = runPreflight(source, {});
    ASSERT_EQ(response.checks_size(), 1);
    EXPECT_EQ(response.checks(0).name(), "connectivity");
    EXPECT_EQ(response.checks(0).result(), v1::CHECK_RESULT_FAIL);
    EXPECT_NE(response.checks(0).message().find("Lost connection"), std::string::npos);
    EXPECT_EQ(response.flavor(), v1::DATABASE_FLAVOR_MARIADB);
}

TEST(PreflightRules, InformationSchemaErrorsWarnInsteadOfPassing) {
    FakePreflightSession source = FakePreflightSession::site(0);
    source.failing["information_schema.TRIGGERS"] = makeError(ErrorCode::Io, "disk full");
    source.failing["REFERENTIAL_CONSTRAINTS"] = makeError(ErrorCode::Io, "disk full");
    source.failing["SHOW GRANTS"] = makeError(ErrorCode::PermissionDenied, "denied");
    const v1::PreflightResponse response = runPreflight(source, {});
    for (const char* name : {"triggers", "cascading_foreign_keys", "replication_privileges",
                             "schema_privileges", "ferry_schema_privileges"}) {
        const auto* check = findCheck(response, name);
        ASSERT_NE(check, nullptr) << name;
        EXPECT_EQ(check->result(), v1::CHECK_RESULT_WARN) << name << ": " << check->message();
    }
}

// ---- grants -------------------------------------------------------------------------------------

struct GrantCase {
    const char* line;
    GrantLevel level;
    std::vector<std::string> privileges;
    std::string database;
    std::string table;
};

TEST(PreflightGrants, ParsesShowGrantsLines) {
    const std::vector<GrantCase> cases = {
        {"GRANT ALL PRIVILEGES ON *.* TO `ferry`@`127.0.0.1` IDENTIFIED BY PASSWORD '*AB' WITH "
         "GRANT OPTION",
         GrantLevel::Global,
         {"ALL", "GRANT OPTION"},
         "",
         ""},
        {"GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `ferry`@`%`",
         GrantLevel::Global,
         {"REPLICATION SLAVE", "BINLOG MONITOR"},
         "",
         ""},
        {"GRANT REPLICATION REPLICA ON *.* TO 'f'@'%'",
         GrantLevel::Global,
         {"REPLICATION SLAVE"},
         "",
         ""},
        {"GRANT BACKUP_ADMIN,BINLOG_ADMIN,REPLICATION_APPLIER ON *.* TO `root`@`localhost`",
         GrantLevel::Global,
         {"BACKUP_ADMIN", "BINLOG_ADMIN", "REPLICATION_APPLIER"},
         "",
         ""},
        {"GRANT SELECT, INSERT ON `shop`.* TO `ferry`@`%`",
         GrantLevel::Database,
         {"SELECT", "INSERT"},
         "shop",
         ""},
        {"GRANT SELECT ON `we``ird`.* TO `ferry`@`%`",
         GrantLevel::Database,
         {"SELECT"},
         "we`ird",
         ""},
        {"GRANT SELECT ON `shop\\_eu`.`orders` TO `ferry`@`%`",
         GrantLevel::Table,
         {"SELECT"},
         "shop\\_eu",
         "orders"},
        {"GRANT SELECT (`id`, `note`), UPDATE ON `shop`.`orders` TO `ferry`@`%`",
         GrantLevel::Table,
         {"UPDATE"},
         "shop",
         "orders"},
        {"GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `ferry`@`%`",
         GrantLevel::Routine,
         {"EXECUTE"},
         "",
         ""},
        {"GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
         GrantLevel::Proxy,
         {"PROXY", "GRANT OPTION"},
         "",
         ""},
        {"GRANT `app_role`,`ops` TO `ferry`@`%`", GrantLevel::Role, {}, "", ""},
    };
    for (const GrantCase& c : cases) {
        SCOPED_TRACE(c.line);
        auto grant = parseGrantLine(c.line);
        ASSERT_TRUE(grant.ok()) << grant.error().message;
        EXPECT_EQ(grant->level, c.level);
        EXPECT_EQ(grant->privileges, c.privileges);
        EXPECT_EQ(grant->database, c.database);
        EXPECT_EQ(grant->table, c.table);
    }
    auto roles = parseGrantLine("GRANT `app_role`,`ops` TO `ferry`@`%`");
    ASSERT_TRUE(roles.ok());
    EXPECT_EQ(roles->roles, (std::vector<std::string>{"app_role", "ops"}));
    auto columns = parseGrantLine("GRANT SELECT (`id`), UPDATE ON `shop`.`orders` TO `f`@`%`");
    ASSERT_TRUE(columns.ok());
    EXPECT_EQ(columns->columnPrivileges, (std::vector<std::string>{"SELECT"}));
}

TEST(PreflightGrants, RejectsWhatIsNotAGrant) {
    for (const char* line : {"", "REVOKE SELECT ON `mysql`.* FROM `u`@`%`",
                             "SET DEFAULT ROLE `r` FOR `u`@`%`", "GRANT SELECT ON `shop TO `u`@`%`",
                             "GRANT SELECT ON shop TO `u`@`%`", "GRANT SELECT ON *.*"}) {
        SCOPED_TRACE(line);
        auto grant = parseGrantLine(line);
        ASSERT_FALSE(grant.ok());
        EXPECT_EQ(grant.error().code, ErrorCode::InvalidArgument);
    }
}

TEST(PreflightGrants, PatternsMatchLikeTheServer) {
    struct Row {
        const char* pattern;
        const char* name;
        bool match;
    };
    for (const Row& row : std::vector<Row>{{"shop", "shop", true},
                                           {"shop", "shops", false},
                                           {"shop%", "shop_eu", true},
                                           {"shop%", "sho", false},
                                           {"sh_p", "ship", true},
                                           {"sh\\_p", "ship", false},
                                           {"sh\\_p", "sh_p", true},
                                           {"%", "", true},
                                           {"%_eu", "shop_eu", true},
                                           {"a%b%c", "axxbyyc", true},
                                           {"a%b%c", "axxbyy", false}}) {
        EXPECT_EQ(matchesGrantPattern(row.pattern, row.name), row.match)
            << row.pattern << " vs " << row.name;
    }
}

TEST(PreflightGrants, SetAnswersPerDatabase) {
    const GrantSet set = GrantSet::parse({
        "GRANT USAGE ON *.* TO `f`@`%`",
        "GRANT ALL PRIVILEGES ON `ferry`.* TO `f`@`%`",
        "GRANT SELECT ON `shop\\_%`.* TO `f`@`%`",
        "GRANT INSERT ON `crm`.`leads` TO `f`@`%`",
        "GRANT `r1` TO `f`@`%`",
        "SET DEFAULT ROLE `r1` FOR `f`@`%`",
    });
    EXPECT_FALSE(set.hasGlobal("SELECT"));
    EXPECT_TRUE(set.hasOnDatabase("CREATE", "ferry"));
    EXPECT_FALSE(set.hasOnDatabase("GRANT OPTION", "ferry"));
    EXPECT_TRUE(set.hasOnDatabase("SELECT", "shop_eu"));
    EXPECT_FALSE(set.hasOnDatabase("SELECT", "shopx"));
    EXPECT_FALSE(set.hasOnDatabase("INSERT", "crm"));
    EXPECT_TRUE(set.hasOnSomeTable("INSERT", "crm"));
    EXPECT_FALSE(set.hasOnSomeTable("SELECT", "crm"));
    EXPECT_EQ(set.roles(), (std::vector<std::string>{"r1"}));
    EXPECT_EQ(set.unparsed().size(), 1u);
}

TEST(PreflightGrants, QuotesAccounts) {
    EXPECT_EQ(quoteAccount("ferry@%"), "'ferry'@'%'");
    EXPECT_EQ(quoteAccount("o'brien@10.0.0.%"), "'o''brien'@'10.0.0.%'");
    EXPECT_EQ(quoteAccount("a@b@c"), "'a@b'@'c'");
}

// ---- versions -----------------------------------------------------------------------------------

TEST(PreflightVersion, ParsesFlavorAndNumbers) {
    struct Row {
        const char* text;
        v1::DatabaseFlavor flavor;
        std::uint32_t major, minor, patch;
    };
    for (const Row& row : std::vector<Row>{
             {"10.11.19-MariaDB-0+deb12u1-log", v1::DATABASE_FLAVOR_MARIADB, 10, 11, 19},
             {"5.5.5-10.3.39-MariaDB", v1::DATABASE_FLAVOR_MARIADB, 10, 3, 39},
             {"8.0.36", v1::DATABASE_FLAVOR_MYSQL, 8, 0, 36},
             {"5.7.44-log", v1::DATABASE_FLAVOR_MYSQL, 5, 7, 44},
             {"8.0.36-28", v1::DATABASE_FLAVOR_MYSQL, 8, 0, 36},
             {"", v1::DATABASE_FLAVOR_UNSPECIFIED, 0, 0, 0},
             {"garbage", v1::DATABASE_FLAVOR_UNSPECIFIED, 0, 0, 0},
         }) {
        const ServerVersion v = parseServerVersion(row.text);
        EXPECT_EQ(v.flavor, row.flavor) << row.text;
        EXPECT_EQ(v.major, row.major) << row.text;
        EXPECT_EQ(v.minor, row.minor) << row.text;
        EXPECT_EQ(v.patch, row.patch) << row.text;
    }
    EXPECT_TRUE(parseServerVersion("8.0.14").atLeast(8, 0, 14));
    EXPECT_FALSE(parseServerVersion("8.0.13").atLeast(8, 0, 14));
    EXPECT_TRUE(parseServerVersion("10.5.0-MariaDB").atLeast(10, 5, 0));
}

// ---- the command --------------------------------------------------------------------------------

struct Captured {
    int code = -1;
    std::string out;
    std::string err;
};

Captured runCommand(const std::vector<std::string>& args) {
    Captured result;
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    result.code = runPreflightCommand(args, out, err);
    for (auto [file, text] : {std::pair{out, &result.out}, std::pair{err, &result.err}}) {
        std::rewind(file);
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) {
            text->append(buffer, n);
        }
        std::fclose(file);
    }
    return result;
}

TEST(PreflightCommand, ParsesArguments) {
    auto options =
        parsePreflightArgs({"--source", "mysql://ferry@db1:3306", "--peer=mysql://f@db2",
                            "--schemas", "shop,crm", "--lag-seconds", "120", "--output", "jsonl",
                            "--ferry-schema", "ferry_x", "--peer-password-env", "PEER_PW"});
    ASSERT_TRUE(options.ok()) << options.error().message;
    EXPECT_EQ(options->source, "mysql://ferry@db1:3306");
    EXPECT_EQ(options->peer, "mysql://f@db2");
    EXPECT_EQ(options->schemas, (std::vector<std::string>{"shop", "crm"}));
    EXPECT_EQ(options->lagSeconds, 120u);
    EXPECT_EQ(options->output, ctl::OutputFormat::Jsonl);
    EXPECT_EQ(options->ferrySchema, "ferry_x");
    EXPECT_EQ(options->peerPasswordEnv, "PEER_PW");
}

TEST(PreflightCommand, UsageErrorsExitTwo) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {},
             {"--source"},
             {"--source", "mysql://f@h", "--output", "xml"},
             {"--source", "mysql://f@h", "--lag-seconds", "-5"},
             {"--source", "mysql://f@h", "--schemas", ","},
             {"--source", "mysql://f@h", "--bogus"},
             {"--source", "mysql://f@h", "--peer-password-file", "/x"},
             {"--source", "postgres://f@h"},
         }) {
        const Captured run = runCommand(args);
        EXPECT_EQ(run.code, 2) << run.err;
        EXPECT_NE(run.err.find("ferryctl preflight: "), std::string::npos);
    }
}

TEST(PreflightCommand, HelpExitsZero) {
    const Captured run = runCommand({"--help"});
    EXPECT_EQ(run.code, 0);
    EXPECT_NE(run.out.find("--lag-seconds"), std::string::npos);
}

TEST(PreflightCommand, UnreachableServerExitsThree) {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const Captured run = runCommand({"--source", "mysql://ferry@127.0.0.1:1"});
    EXPECT_EQ(run.code, 3) << run.err;
    EXPECT_NE(run.err.find("cannot connect"), std::string::npos) << run.err;
}

TEST(PreflightCommand, MissingPasswordEnvIsAUsageError) {
    const Captured run = runCommand({"--source", "mysql://ferry@127.0.0.1:1", "--password-env",
                                     "FERRY_PREFLIGHT_TEST_UNSET_VARIABLE"});
    EXPECT_EQ(run.code, 2) << run.err;
}

TEST(PreflightCommand, WritesTableAndJson) {
    FakePreflightSession source = FakePreflightSession::site(0);
    setVar(source, "binlog_row_image", "MINIMAL");
    std::vector<PreflightReport> reports;
    reports.push_back({"source", "ferry@site0:3306", runPreflight(source, {})});
    for (ctl::OutputFormat format :
         {ctl::OutputFormat::Table, ctl::OutputFormat::Json, ctl::OutputFormat::Jsonl}) {
        std::FILE* out = std::tmpfile();
        ASSERT_TRUE(writePreflightReports(reports, format, out).ok());
        std::rewind(out);
        std::string text;
        char buffer[4096];
        std::size_t n = 0;
        while ((n = std::fread(buffer, 1, sizeof buffer, out)) > 0) {
            text.append(buffer, n);
        }
        std::fclose(out);
        if (format == ctl::OutputFormat::Table) {
            EXPECT_NE(text.find("source ferry@site0:3306: MariaDB 10.11.19-MariaDB-log, "
                                "server_id 1"),
                      std::string::npos)
                << text;
            EXPECT_NE(text.find("binlog_row_image"), std::string::npos);
            EXPECT_NE(text.find("FAIL"), std::string::npos);
            EXPECT_NE(text.find("fix: SET GLOBAL binlog_row_image=FULL"), std::string::npos);
            EXPECT_NE(text.find("19 passed, 0 warned, 1 failed"), std::string::npos) << text;
        } else {
            EXPECT_NE(text.find("\"name\":\"binlog_row_image\""), std::string::npos) << text;
            EXPECT_NE(text.find("\"result\":\"CHECK_RESULT_FAIL\""), std::string::npos);
            EXPECT_NE(text.find("\"server_id\":1"), std::string::npos);
            EXPECT_NE(text.find("\"flavor\":\"DATABASE_FLAVOR_MARIADB\""), std::string::npos);
            EXPECT_EQ(text.front(), format == ctl::OutputFormat::Json ? '[' : '{');
        }
    }
}

}  // namespace
}  // namespace ferry::preflight
