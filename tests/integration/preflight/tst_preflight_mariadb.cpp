// SPDX-License-Identifier: Apache-2.0
// Preflight against the harness's two MariaDB sites, which are set up as production sites should
// be: every check passes or warns as expected. Negative cases that need no change to a global
// setting (the servers are shared with other tests): a user with fewer privileges, a schema with
// a trigger and a cascading foreign key, a lag longer than the binlog retention. Everything the
// test creates is named after its pid, kept out of the binlog (sql_log_bin=0 on its own
// session), and dropped at the end.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fake_preflight_session.h"
#include "ferry/mysql/connection.h"
#include "ferry/preflight/preflight.h"
#include "ferry/preflight/preflight_command.h"
#include "harness_env.h"

namespace ferry::preflight {
namespace {

using testing::findCheck;

const std::string kPid = std::to_string(::getpid());
const std::string kSchema = "preflight_it_" + kPid;        // trigger and cascade
const std::string kClean = "preflight_it_" + kPid + "_c";  // plain tables
const std::string kUser = "pf_" + kPid;
const std::string kUserPassword = "pf-pw-" + kPid;

std::string describeChecks(const v1::PreflightResponse& response) {
    std::string out;
    for (const auto& check : response.checks()) {
        out += check.name() + " " + std::string(checkResultName(check.result())) + ": " +
               check.message() + (check.hint().empty() ? "" : " | fix: " + check.hint()) + "\n";
    }
    return out;
}

mysql::DatabaseUrl urlFor(const harness::MariadbServerEnv& server, const std::string& user) {
    mysql::DatabaseUrl url;
    url.user = user;
    url.host = server.host;
    url.port = static_cast<std::uint16_t>(server.port);
    return url;
}

class PreflightMariadb : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto env = harness::HarnessEnv::loadDefault();
        ASSERT_TRUE(env.ok()) << env.error().message;
        ASSERT_GE(env->mariadbCount(), 2u);
        s_env = new harness::HarnessEnv(*env);
        std::ifstream script(std::string(FERRY_SOURCE_DIR) + "/sql/ferry_schema.sql");
        std::stringstream ferrySchema;
        ferrySchema << script.rdbuf();
        ASSERT_FALSE(ferrySchema.str().empty());
        for (std::size_t i = 0; i < 2; ++i) {
            auto admin = adminConnection(i);
            ASSERT_TRUE(admin.ok()) << admin.error().message;
            auto& c = **admin;
            // The agent creates the ferry schema itself; the test does it beforehand so the
            // ferry_schema check has one expected result. Re-runnable.
            ASSERT_TRUE(c.execute(ferrySchema.str()).ok());
            for (const std::string& sql : {
                     "DROP DATABASE IF EXISTS `" + kClean + "`",
                     "CREATE DATABASE `" + kClean + "`",
                     "CREATE TABLE `" + kClean +
                         "`.items (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(20), doc "
                         "LONGTEXT)",
                 }) {
                ASSERT_TRUE(c.execute(sql).ok()) << sql;
            }
        }
        auto admin = adminConnection(0);
        ASSERT_TRUE(admin.ok()) << admin.error().message;
        auto& c = **admin;
        for (const std::string& sql : {
                 "DROP DATABASE IF EXISTS `" + kSchema + "`",
                 "CREATE DATABASE `" + kSchema + "`",
                 "CREATE TABLE `" + kSchema + "`.orders (id INT PRIMARY KEY, total INT)",
                 "CREATE TABLE `" + kSchema +
                     "`.order_items (id INT PRIMARY KEY, order_id INT, "
                     "CONSTRAINT items_order FOREIGN KEY (order_id) REFERENCES orders (id) "
                     "ON DELETE CASCADE)",
                 "CREATE TABLE `" + kSchema +
                     "`.audit (id INT PRIMARY KEY AUTO_INCREMENT, "
                     "order_id INT)",
                 "CREATE TRIGGER `" + kSchema +
                     "`.orders_audit AFTER INSERT ON orders FOR EACH ROW "
                     "INSERT INTO audit (order_id) VALUES (NEW.id)",
                 "DROP USER IF EXISTS '" + kUser + "'@'127.0.0.1'",
                 "CREATE USER '" + kUser + "'@'127.0.0.1' IDENTIFIED BY '" + kUserPassword + "'",
                 "GRANT SELECT ON `" + kClean + "`.* TO '" + kUser + "'@'127.0.0.1'",
             }) {
            ASSERT_TRUE(c.execute(sql).ok()) << sql;
        }
    }

    static void TearDownTestSuite() {
        if (s_env == nullptr) {
            return;
        }
        for (std::size_t i = 0; i < 2; ++i) {
            auto admin = adminConnection(i);
            if (!admin.ok()) {
                continue;
            }
            (void)(*admin)->execute("DROP DATABASE IF EXISTS `" + kClean + "`");
            if (i == 0) {
                (void)(*admin)->execute("DROP DATABASE IF EXISTS `" + kSchema + "`");
                (void)(*admin)->execute("DROP USER IF EXISTS '" + kUser + "'@'127.0.0.1'");
            }
        }
        delete s_env;
        s_env = nullptr;
    }

    // The harness user's connection with its statements kept out of the binlog.
    static Result<std::unique_ptr<mysql::MysqlConnection>> adminConnection(std::size_t index) {
        FERRY_ASSIGN_OR_RETURN(harness::MariadbServerEnv server, s_env->mariadb(index));
        FERRY_ASSIGN_OR_RETURN(
            auto connection,
            mysql::MysqlConnection::connect(urlFor(server, s_env->user()), s_env->password()));
        FERRY_TRY(connection->execute("SET SESSION sql_log_bin=0"));
        return connection;
    }

    static std::unique_ptr<MysqlPreflightSession> session(std::size_t index,
                                                          const std::string& user,
                                                          const std::string& password) {
        auto server = s_env->mariadb(index);
        EXPECT_TRUE(server.ok());
        if (!server.ok()) {
            return nullptr;
        }
        auto connected = MysqlPreflightSession::connect(urlFor(*server, user), password);
        EXPECT_TRUE(connected.ok()) << connected.error().message;
        return connected.ok() ? std::move(*connected) : nullptr;
    }

    static std::unique_ptr<MysqlPreflightSession> harnessSession(std::size_t index) {
        return session(index, s_env->user(), s_env->password());
    }

    static std::string globalValue(std::size_t index, const std::string& name) {
        auto admin = adminConnection(index);
        if (!admin.ok()) {
            return {};
        }
        auto rows = (*admin)->query("SELECT @@GLOBAL." + name + " AS v");
        if (!rows.ok()) {
            return {};
        }
        return rows->firstValue("v").value_or("");
    }

    static harness::HarnessEnv* s_env;
};

harness::HarnessEnv* PreflightMariadb::s_env = nullptr;

void expectResult(const v1::PreflightResponse& response, const std::string& name,
                  v1::CheckResult expected) {
    const v1::PreflightCheck* check = findCheck(response, name);
    ASSERT_NE(check, nullptr) << name << " missing\n" << describeChecks(response);
    EXPECT_EQ(check->result(), expected) << name << "\n" << describeChecks(response);
}

TEST_F(PreflightMariadb, HarnessSitesPassAsATwoWayPair) {
    auto source = harnessSession(0);
    auto peer = harnessSession(1);
    ASSERT_TRUE(source && peer);
    PreflightOptions options;
    options.schemas = {kClean};
    options.peer = peer.get();
    const v1::PreflightResponse response = runPreflight(*source, options);
    std::printf("%s", describeChecks(response).c_str());  // for the test log

    EXPECT_EQ(response.flavor(), v1::DATABASE_FLAVOR_MARIADB);
    EXPECT_NE(response.version().find("MariaDB"), std::string::npos);
    EXPECT_EQ(response.server_id(), static_cast<std::uint32_t>(s_env->mariadb()[0].serverId));

    // The harness does not set these two; the expected result follows what the server says.
    const bool strict = globalValue(0, "gtid_strict_mode") == "1";
    const std::uint64_t packet = std::stoull(globalValue(0, "max_allowed_packet"));
    const auto pass = v1::CHECK_RESULT_PASS;
    const auto warn = v1::CHECK_RESULT_WARN;
    const std::vector<std::pair<std::string, v1::CheckResult>> expected = {
        {"connectivity", pass},
        {"version", pass},
        {"log_bin", pass},
        {"binlog_format", pass},
        {"binlog_row_image", pass},
        {"binlog_row_metadata", pass},
        {"gtid", strict ? pass : warn},
        {"server_id", pass},
        {"replication_privileges", pass},
        {"replicated_schemas", pass},
        {"schema_privileges", pass},
        {"ferry_schema_privileges", pass},
        {"ferry_schema", pass},
        {"binlog_filters", pass},
        {"triggers", pass},
        {"cascading_foreign_keys", pass},
        {"sync_binlog", pass},
        {"innodb_flush_log_at_trx_commit", pass},
        {"binlog_retention", pass},  // 86400 s against a lag of 0
        {"max_allowed_packet", packet >= kRecommendedMaxAllowedPacket ? pass : warn},
        {"peer_connectivity", pass},
        {"peer_server_id", pass},
        {"peer_auto_increment", pass},  // increment 10, offsets 1 and 2
        {"peer_gtid_domain_id", pass},
        {"two_way_conflicts", warn},
    };
    ASSERT_EQ(response.checks_size(), static_cast<int>(expected.size()))
        << describeChecks(response);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const auto& check = response.checks(static_cast<int>(i));
        EXPECT_EQ(check.name(), expected[i].first);
        EXPECT_EQ(check.result(), expected[i].second) << check.name() << "\n"
                                                      << describeChecks(response);
    }
    EXPECT_FALSE(hasFailure(response));
    EXPECT_NE(findCheck(response, "peer_auto_increment")
                  ->message()
                  .find("auto_increment_increment=10 auto_increment_offset=1"),
              std::string::npos);
    EXPECT_NE(
        findCheck(response, "max_allowed_packet")->message().find(kClean + ".items.doc longtext"),
        std::string::npos);
    EXPECT_NE(findCheck(response, "binlog_retention")->message().find("86400 s"),
              std::string::npos);
    if (packet < kRecommendedMaxAllowedPacket) {
        EXPECT_NE(findCheck(response, "max_allowed_packet")->message().find(std::to_string(packet)),
                  std::string::npos);
    }
}

TEST_F(PreflightMariadb, RetentionShorterThanTheLagFails) {
    auto source = harnessSession(0);
    ASSERT_TRUE(source);
    PreflightOptions options;
    options.schemas = {kClean};
    options.lagSeconds = 86400;  // the harness keeps binlogs 86400 s
    const v1::PreflightResponse response = runPreflight(*source, options);
    expectResult(response, "binlog_retention", v1::CHECK_RESULT_FAIL);
    const auto* check = findCheck(response, "binlog_retention");
    ASSERT_NE(check, nullptr);
    EXPECT_NE(check->hint().find("SET GLOBAL binlog_expire_logs_seconds=604800"), std::string::npos)
        << check->hint();
    EXPECT_TRUE(hasFailure(response));
}

TEST_F(PreflightMariadb, TriggersAndCascadesAreNamed) {
    auto source = harnessSession(0);
    ASSERT_TRUE(source);
    PreflightOptions options;
    options.schemas = {kSchema};
    const v1::PreflightResponse response = runPreflight(*source, options);
    expectResult(response, "triggers", v1::CHECK_RESULT_WARN);
    expectResult(response, "cascading_foreign_keys", v1::CHECK_RESULT_WARN);
    const auto* triggers = findCheck(response, "triggers");
    ASSERT_NE(triggers, nullptr);
    EXPECT_NE(triggers->message().find(kSchema + ".orders: orders_audit (AFTER INSERT)"),
              std::string::npos)
        << triggers->message();
    EXPECT_NE(triggers->hint().find("DROP TRIGGER `" + kSchema + "`.`orders_audit`"),
              std::string::npos);
    const auto* keys = findCheck(response, "cascading_foreign_keys");
    ASSERT_NE(keys, nullptr);
    EXPECT_NE(keys->message().find(kSchema + ".order_items: items_order (ON DELETE CASCADE) -> " +
                                   kSchema + ".orders"),
              std::string::npos)
        << keys->message();
    // The clean schema next to it has neither.
    options.schemas = {kClean};
    const v1::PreflightResponse clean = runPreflight(*source, options);
    expectResult(clean, "triggers", v1::CHECK_RESULT_PASS);
    expectResult(clean, "cascading_foreign_keys", v1::CHECK_RESULT_PASS);
}

TEST_F(PreflightMariadb, UserWithFewerPrivilegesIsToldWhatToGrant) {
    auto source = session(0, kUser, kUserPassword);
    ASSERT_TRUE(source);
    PreflightOptions options;
    options.schemas = {kClean};
    const v1::PreflightResponse response = runPreflight(*source, options);
    const std::string account = "'" + kUser + "'@'127.0.0.1'";
    expectResult(response, "connectivity", v1::CHECK_RESULT_PASS);
    expectResult(response, "log_bin", v1::CHECK_RESULT_PASS);
    expectResult(response, "replication_privileges", v1::CHECK_RESULT_FAIL);
    expectResult(response, "replicated_schemas", v1::CHECK_RESULT_PASS);
    expectResult(response, "schema_privileges", v1::CHECK_RESULT_PASS);
    expectResult(response, "ferry_schema_privileges", v1::CHECK_RESULT_FAIL);
    expectResult(response, "ferry_schema", v1::CHECK_RESULT_FAIL);
    expectResult(response, "binlog_filters", v1::CHECK_RESULT_WARN);  // SHOW MASTER STATUS denied
    expectResult(response, "triggers", v1::CHECK_RESULT_WARN);        // cannot see them
    const auto* replication = findCheck(response, "replication_privileges");
    ASSERT_NE(replication, nullptr);
    EXPECT_EQ(replication->hint(), "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO " + account);
    const auto* ferry = findCheck(response, "ferry_schema_privileges");
    ASSERT_NE(ferry, nullptr);
    EXPECT_EQ(ferry->hint(),
              "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON "
              "`ferry`.* TO " +
                  account);
    EXPECT_NE(findCheck(response, "ferry_schema")->hint().find("mariadb < sql/ferry_schema.sql"),
              std::string::npos);
    EXPECT_NE(findCheck(response, "triggers")->hint().find("GRANT TRIGGER ON `" + kClean + "`.*"),
              std::string::npos);
    EXPECT_TRUE(hasFailure(response));
    std::printf("%s", describeChecks(response).c_str());

    // Two-way: the same user may not write the replicated schema.
    auto peer = harnessSession(1);
    ASSERT_TRUE(peer);
    options.peer = peer.get();
    const v1::PreflightResponse twoWay = runPreflight(*source, options);
    expectResult(twoWay, "schema_privileges", v1::CHECK_RESULT_FAIL);
    EXPECT_EQ(findCheck(twoWay, "schema_privileges")->hint(),
              "GRANT INSERT, UPDATE, DELETE ON `" + kClean + "`.* TO " + account);
}

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

TEST_F(PreflightMariadb, CommandChecksBothSitesAndSetsTheExitCode) {
    const std::string passwordFile =
        std::string(FERRY_BINARY_DIR) + "/preflight_it_" + kPid + ".pw";
    {
        std::ofstream out(passwordFile);
        out << s_env->password() << "\n";
    }
    const auto url = [&](std::size_t i, const std::string& user) {
        return "mysql://" + user + "@" + s_env->mariadb()[i].host + ":" +
               std::to_string(s_env->mariadb()[i].port);
    };
    const std::vector<std::string> base = {
        "--source", url(0, s_env->user()), "--peer",    url(1, s_env->user()), "--schemas",
        kClean,     "--password-file",     passwordFile};

    std::vector<std::string> args = base;
    args.insert(args.end(), {"--output", "jsonl"});
    const Captured ok = runCommand(args);
    EXPECT_EQ(ok.code, 0) << ok.err << ok.out;
    std::vector<v1::PreflightResponse> responses;
    std::istringstream lines(ok.out);
    std::string line;
    while (std::getline(lines, line)) {
        v1::PreflightResponse response;
        ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &response).ok()) << line;
        responses.push_back(response);
    }
    ASSERT_EQ(responses.size(), 2u) << ok.out;
    EXPECT_EQ(responses[0].server_id(), static_cast<std::uint32_t>(s_env->mariadb()[0].serverId));
    EXPECT_EQ(responses[1].server_id(), static_cast<std::uint32_t>(s_env->mariadb()[1].serverId));
    EXPECT_NE(findCheck(responses[0], "peer_auto_increment"), nullptr);
    EXPECT_EQ(findCheck(responses[1], "peer_auto_increment"), nullptr);
    expectResult(responses[1], "binlog_format", v1::CHECK_RESULT_PASS);

    args = base;
    args.insert(args.end(), {"--lag-seconds", "86400"});
    const Captured late = runCommand(args);
    EXPECT_EQ(late.code, 1) << late.err;
    EXPECT_NE(late.out.find("binlog_retention"), std::string::npos);
    EXPECT_NE(late.out.find("fix: SET GLOBAL binlog_expire_logs_seconds="), std::string::npos)
        << late.out;

    // The test user with the harness user's password: authentication is refused (4).
    const Captured refused =
        runCommand({"--source", url(0, kUser), "--password-file", passwordFile});
    EXPECT_EQ(refused.code, 4) << refused.err;
    // The test user with its own password: connected, but checks fail (1).
    ::setenv("FERRY_PREFLIGHT_IT_PASSWORD", kUserPassword.c_str(), 1);
    const Captured weak = runCommand({"--source", url(0, kUser), "--schemas", kClean,
                                      "--password-env", "FERRY_PREFLIGHT_IT_PASSWORD"});
    EXPECT_EQ(weak.code, 1) << weak.err;
    EXPECT_NE(weak.out.find("GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.*"), std::string::npos)
        << weak.out;
    std::remove(passwordFile.c_str());
}

}  // namespace
}  // namespace ferry::preflight
