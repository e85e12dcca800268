// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "fake_sql_session.h"
#include "ferry/apply/schema_installer.h"

namespace ferry::apply {
namespace {

using testing::FakeSqlSession;

const ExpectedTable* findTable(const SchemaInstaller& installer, std::string_view name) {
    for (const ExpectedTable& table : installer.expectedTables()) {
        if (table.name == name) {
            return &table;
        }
    }
    return nullptr;
}

TEST(SchemaInstaller, EmbedsTheRepositoryScript) {
    std::ifstream file(std::string(FERRY_SOURCE_DIR) + "/sql/ferry_schema.sql");
    ASSERT_TRUE(file) << "sql/ferry_schema.sql not readable";
    std::stringstream text;
    text << file.rdbuf();
    EXPECT_EQ(embeddedFerrySchemaSql(), text.str());
}

TEST(SchemaInstaller, KnowsTheTablesAndColumnsApplyUses) {
    auto installer = SchemaInstaller::create();
    ASSERT_TRUE(installer.ok()) << installer.error().toString();
    const ExpectedTable* position = findTable(*installer, "apply_position");
    ASSERT_NE(position, nullptr);
    for (const char* column : {"pipeline_id", "slot", "source_file", "source_pos", "source_gtid",
                               "source_ts", "applied_above", "seq", "fencing_token"}) {
        EXPECT_NE(std::find(position->columns.begin(), position->columns.end(), column),
                  position->columns.end())
            << column;
    }
    EXPECT_EQ(std::count(position->columns.begin(), position->columns.end(), "PRIMARY"), 0);
    const ExpectedTable* fence = findTable(*installer, "fence");
    ASSERT_NE(fence, nullptr);
    EXPECT_EQ(fence->columns,
              (std::vector<std::string>{"pipeline_id", "token", "holder", "updated_at"}));
    EXPECT_NE(findTable(*installer, "conflicts"), nullptr);
}

TEST(SchemaInstaller, SubstitutesTheSchemaName) {
    auto installer = SchemaInstaller::create("ferry_it_x");
    ASSERT_TRUE(installer.ok());
    ASSERT_FALSE(installer->statements().empty());
    EXPECT_EQ(
        installer->statements().front().rfind("CREATE DATABASE IF NOT EXISTS `ferry_it_x`", 0), 0u)
        << installer->statements().front();
    for (const std::string& statement : installer->statements()) {
        EXPECT_EQ(statement.find("`ferry`"), std::string::npos) << statement;
        EXPECT_EQ(statement.find("--"), std::string::npos) << "comment left in: " << statement;
    }
}

TEST(SchemaInstaller, RefusesBadSchemaNames) {
    for (const char* name : {"", "a`b", "a.b", "with space",
                             "x1234567890123456789012345678901234567890123456789012345678901234"}) {
        auto installer = SchemaInstaller::create(name);
        ASSERT_FALSE(installer.ok()) << name;
        EXPECT_EQ(installer.error().code, ErrorCode::InvalidArgument);
    }
}

SqlRows columnsOf(const SchemaInstaller& installer, std::string_view skipTable,
                  std::string_view skipColumn) {
    SqlRows rows;
    rows.columns = {"TABLE_NAME", "COLUMN_NAME"};
    for (const ExpectedTable& table : installer.expectedTables()) {
        for (const std::string& column : table.columns) {
            if (table.name == skipTable && (skipColumn.empty() || column == skipColumn)) {
                continue;
            }
            rows.rows.push_back({table.name, column});
        }
    }
    return rows;
}

TEST(SchemaInstaller, InstallRunsEveryStatementThenChecks) {
    auto installer = SchemaInstaller::create("fx");
    ASSERT_TRUE(installer.ok());
    FakeSqlSession session;
    session.queryResults["SELECT TABLE_NAME, COLUMN_NAME"] = columnsOf(*installer, "", "");
    ASSERT_TRUE(installer->install(session).ok());
    ASSERT_EQ(session.log.size(), installer->statements().size() + 1);
    EXPECT_EQ(session.log.back(),
              "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE "
              "TABLE_SCHEMA = 'fx'");
}

TEST(SchemaInstaller, CheckNamesTheMissingTableOrColumn) {
    auto installer = SchemaInstaller::create("fx");
    ASSERT_TRUE(installer.ok());
    FakeSqlSession session;
    session.queryResults["SELECT TABLE_NAME"] = columnsOf(*installer, "apply_position", "seq");
    auto status = installer->check(session);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("`fx`.`apply_position` has no column `seq`"),
              std::string::npos)
        << status.error().message;

    session.queryResults["SELECT TABLE_NAME"] = columnsOf(*installer, "fence", "");
    status = installer->check(session);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("`fx`.`fence` is missing"), std::string::npos)
        << status.error().message;
}

TEST(SchemaInstaller, InstallReportsAFailedStatement) {
    auto installer = SchemaInstaller::create();
    ASSERT_TRUE(installer.ok());
    FakeSqlSession session;
    session.failures.push_back({"CREATE TABLE", 1142, 1});
    auto status = installer->install(session);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("creating the ferry schema `ferry`"), std::string::npos);
    EXPECT_EQ(session.log.size(), 2u);  // the database, then the failing table
}

struct SplitCase {
    const char* name;
    const char* script;
    std::vector<std::string> statements;
};

class SplitScript : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitScript, Splits) {
    EXPECT_EQ(splitSqlScript(GetParam().script), GetParam().statements);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SplitScript,
    ::testing::Values(
        SplitCase{"two", "SELECT 1; SELECT 2;", {"SELECT 1", "SELECT 2"}},
        SplitCase{"no_trailing_semicolon", "SELECT 1", {"SELECT 1"}},
        SplitCase{"semicolon_in_quotes",
                  "SELECT 'a;b', \"c;d\", `e;f`;",
                  {"SELECT 'a;b', \"c;d\", `e;f`"}},
        SplitCase{"escaped_quote", "SELECT 'it\\'s;'; SELECT 2", {"SELECT 'it\\'s;'", "SELECT 2"}},
        SplitCase{"line_comments", "-- a; b\nSELECT 1; # c;\nSELECT 2", {"SELECT 1", "SELECT 2"}},
        SplitCase{"block_comment", "SELECT /* ; */ 1;", {"SELECT   1"}},
        SplitCase{"double_dash_without_space", "SELECT 1--1;", {"SELECT 1--1"}},
        SplitCase{"empty", " ;; \n", {}}),
    [](const ::testing::TestParamInfo<SplitCase>& row) { return std::string(row.param.name); });

}  // namespace
}  // namespace ferry::apply
