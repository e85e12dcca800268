// SPDX-License-Identifier: Apache-2.0
// Fencing on a real MariaDB (ARCHITECTURE.md, "Fencing"): a new apply term claims the fence with
// a larger token; from then on an applier of the older term cannot commit, and cannot take the
// fence back.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ferry/apply/fence.h"
#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/apply/transaction_applier.h"
#include "harness_env.h"

namespace ferry::apply {
namespace {

using ferry::harness::HarnessEnv;

constexpr const char* kFerrySchema = "ferry_it_fence";
constexpr const char* kDb = "ferry_it_fence_db";
constexpr std::uint64_t kPipeline = 41;

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

std::unique_ptr<MysqlSqlSession> connectTarget() {
    auto env = HarnessEnv::loadDefault();
    if (!env.ok()) {
        ADD_FAILURE() << env.error().toString();
        return nullptr;
    }
    auto server = env->mariadb(1);
    if (!server.ok()) {
        ADD_FAILURE() << server.error().toString();
        return nullptr;
    }
    mysql::DatabaseUrl url;
    url.user = env->user();
    url.host = server->host;
    url.port = static_cast<std::uint16_t>(server->port);
    url.sslMode = mysql::SslMode::Disabled;
    auto session = MysqlSqlSession::connect(url, env->password());
    if (!session.ok()) {
        ADD_FAILURE() << session.error().toString();
        return nullptr;
    }
    return std::move(session).value();
}

v1::Transaction insertRow(std::uint64_t pos, std::int64_t id) {
    v1::Transaction t;
    t.mutable_begin()->set_file("mysql-bin.000001");
    t.mutable_begin()->set_pos(pos);
    t.mutable_end()->set_file("mysql-bin.000001");
    t.mutable_end()->set_pos(pos + 100);
    t.set_commit_ts(1'700'000'000);
    auto* table = t.add_tables();
    table->set_schema(kDb);
    table->set_name("t");
    auto* column = table->add_columns();
    column->set_name("id");
    table->add_primary_key(0);
    auto* change = t.add_changes();
    change->set_table(0);
    change->set_type(v1::CHANGE_TYPE_INSERT);
    change->add_after()->set_int_(id);
    t.set_row_count(1);
    return t;
}

TEST(ApplyFence, ANewerTermLocksTheOlderOneOut) {
    auto admin = connectTarget();
    ASSERT_TRUE(admin);
    auto installer = SchemaInstaller::create(kFerrySchema);
    ASSERT_OK(installer);
    ASSERT_OK(installer->install(*admin));
    ASSERT_OK(admin->execute(std::string("DROP DATABASE IF EXISTS ") + kDb));
    ASSERT_OK(admin->execute(std::string("CREATE DATABASE ") + kDb));
    ASSERT_OK(admin->execute(std::string("CREATE TABLE ") + kDb + ".t (id BIGINT PRIMARY KEY)"));
    ASSERT_OK(admin->execute(std::string("DELETE FROM ") + kFerrySchema +
                             ".fence WHERE pipeline_id = " + std::to_string(kPipeline)));
    ASSERT_OK(admin->execute(std::string("DELETE FROM ") + kFerrySchema +
                             ".apply_position WHERE pipeline_id = " + std::to_string(kPipeline)));

    // Term 100 claims and applies.
    auto oldSession = connectTarget();
    ASSERT_TRUE(oldSession);
    ASSERT_OK(claimFence(*oldSession, kFerrySchema, kPipeline, 100, "hz-old"));
    ApplierOptions oldOptions;
    oldOptions.pipelineId = kPipeline;
    oldOptions.fencingToken = 100;
    oldOptions.ferrySchema = kFerrySchema;
    TransactionApplier oldApplier(*oldSession, oldOptions, [](std::chrono::milliseconds) {});
    ASSERT_OK(oldApplier.setupSession());
    ASSERT_OK(oldApplier.apply(insertRow(1000, 1)));
    // Claiming again with the same token is fine (a restarted role of the same term).
    ASSERT_OK(claimFence(*oldSession, kFerrySchema, kPipeline, 100, "hz-old"));

    // Term 200 takes over.
    auto newSession = connectTarget();
    ASSERT_TRUE(newSession);
    ASSERT_OK(claimFence(*newSession, kFerrySchema, kPipeline, 200, "hz-new"));

    // The old term can neither commit nor take the fence back.
    auto refused = oldApplier.apply(insertRow(2000, 2));
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::Conflict) << refused.error().toString();
    auto reclaimed = claimFence(*oldSession, kFerrySchema, kPipeline, 100, "hz-old");
    ASSERT_FALSE(reclaimed.ok());
    EXPECT_EQ(reclaimed.error().code, ErrorCode::Conflict);
    EXPECT_NE(reclaimed.error().message.find("hz-new"), std::string::npos)
        << reclaimed.error().message;

    auto rows = admin->query(std::string("SELECT COUNT(*) AS n FROM ") + kDb + ".t");
    ASSERT_OK(rows);
    EXPECT_EQ(rows->firstValue("n").value_or(""), "1") << "the deposed term's row never landed";
    auto fence = admin->query(std::string("SELECT token, holder FROM ") + kFerrySchema +
                              ".fence WHERE pipeline_id = " + std::to_string(kPipeline));
    ASSERT_OK(fence);
    EXPECT_EQ(fence->firstValue("token").value_or(""), "200");
    EXPECT_EQ(fence->firstValue("holder").value_or(""), "hz-new");
}

}  // namespace
}  // namespace ferry::apply
