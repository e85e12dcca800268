// SPDX-License-Identifier: Apache-2.0
// The heartbeat writer on a real MariaDB: the row is rewritten about ten times a second with the
// wall clock, and it survives the server dropping its connection.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/pipeline/heartbeat.h"
#include "harness_env.h"

namespace ferry::pipeline {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFerrySchema = "ferry_it_heartbeat";

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

std::unique_ptr<apply::MysqlSqlSession> connect() {
    auto env = harness::HarnessEnv::loadDefault();
    if (!env.ok()) {
        ADD_FAILURE() << env.error().toString();
        return nullptr;
    }
    auto server = env->mariadb(0);
    if (!server.ok()) {
        ADD_FAILURE() << server.error().toString();
        return nullptr;
    }
    mysql::DatabaseUrl url;
    url.user = env->user();
    url.host = server->host;
    url.port = static_cast<std::uint16_t>(server->port);
    url.sslMode = mysql::SslMode::Disabled;
    auto session = apply::MysqlSqlSession::connect(url, env->password());
    if (!session.ok()) {
        ADD_FAILURE() << session.error().toString();
        return nullptr;
    }
    return std::move(session).value();
}

struct Beat {
    std::int64_t tsUs = 0;
    std::uint64_t seq = 0;
};

Beat readBeat(apply::SqlSession& admin) {
    auto rows = admin.query(std::string("SELECT ts_us, seq FROM ") + kFerrySchema +
                            ".heartbeat WHERE source_id = 'hz-db'");
    if (!rows.ok() || rows->rows.empty()) {
        return {};
    }
    return {std::stoll(rows->firstValue("ts_us").value_or("0")),
            std::stoull(rows->firstValue("seq").value_or("0"))};
}

TEST(Heartbeat, WritesTenTimesASecondAndSurvivesAKilledConnection) {
    auto admin = connect();
    ASSERT_TRUE(admin);
    auto installer = apply::SchemaInstaller::create(kFerrySchema);
    ASSERT_OK(installer);
    ASSERT_OK(installer->install(*admin));
    ASSERT_OK(admin->execute(std::string("DELETE FROM ") + kFerrySchema + ".heartbeat"));

    auto session = connect();
    ASSERT_TRUE(session);
    auto idRows = session->query("SELECT CONNECTION_ID() AS id");
    ASSERT_OK(idRows);
    const std::string connectionId = idRows->firstValue("id").value_or("0");

    HeartbeatWriter writer(std::move(session), {kFerrySchema, "hz-db", "hz-a", 100ms});
    writer.start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (writer.written() < 5 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_GE(writer.written(), 5u);
    const Beat first = readBeat(*admin);
    EXPECT_LT(std::llabs(nowMicros() - first.tsUs), 2'000'000) << "ts_us is the wall clock";

    // The server drops the writer's connection: it reconnects and goes on.
    ASSERT_OK(admin->execute("KILL CONNECTION " + connectionId));
    const std::uint64_t before = writer.written();
    while (writer.written() < before + 5 && std::chrono::steady_clock::now() < deadline + 10s) {
        std::this_thread::sleep_for(20ms);
    }
    writer.stop();
    ASSERT_GE(writer.written(), before + 5);
    const Beat last = readBeat(*admin);
    EXPECT_GT(last.seq, first.seq);
    EXPECT_GT(last.tsUs, first.tsUs);
}

}  // namespace
}  // namespace ferry::pipeline
