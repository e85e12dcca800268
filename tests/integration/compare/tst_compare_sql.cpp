// SPDX-License-Identifier: Apache-2.0
// The SQL `compare` builds and its table-set patterns, without a server.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/compare/row_sql.h"
#include "ferry/compare/table_filter.h"

namespace ferry::compare {
namespace {

TEST(TableFilter, MatchesNamesGlobsAndRegexes) {
    auto filter = TableFilter::parse("shop.orders, sbtest.sbtest?,logs.*, /arch\\.t_[0-9]+/");
    ASSERT_TRUE(filter.ok()) << filter.error().message;
    struct Row {
        const char* schema;
        const char* table;
        bool expected;
    };
    const Row rows[] = {
        {"shop", "orders", true},    {"shop", "orders2", false},    {"shop", "Orders", false},
        {"sbtest", "sbtest1", true}, {"sbtest", "sbtest12", false}, {"logs", "anything", true},
        {"logs2", "x", false},       {"arch", "t_12", true},        {"arch", "t_12x", false},
        {"xarch", "t_1", false},     {"other", "orders", false},
    };
    for (const Row& row : rows) {
        EXPECT_EQ(filter->matches(row.schema, row.table), row.expected)
            << row.schema << "." << row.table;
    }
}

TEST(TableFilter, RejectsMalformedPatterns) {
    for (const char* text : {"", " , ", "orders", "shop.", ".orders", "/unclosed", "/a(/"}) {
        auto filter = TableFilter::parse(text);
        EXPECT_FALSE(filter.ok()) << "'" << text << "'";
        if (!filter.ok()) {
            EXPECT_EQ(filter.error().code, ErrorCode::InvalidArgument);
        }
    }
}

TEST(TableFilter, RegexMayContainCommas) {
    auto filter = TableFilter::parse("/s\\.t_[0-9]{1,2}/,x.y");
    ASSERT_TRUE(filter.ok()) << filter.error().message;
    EXPECT_TRUE(filter->matches("s", "t_42"));
    EXPECT_FALSE(filter->matches("s", "t_423"));
    EXPECT_TRUE(filter->matches("x", "y"));
}

TEST(Glob, Table) {
    EXPECT_TRUE(globMatches("*", ""));
    EXPECT_TRUE(globMatches("a*b*c", "aXbYbZc"));
    EXPECT_FALSE(globMatches("a*b*c", "aXbYbZ"));
    EXPECT_TRUE(globMatches("?x", "ax"));
    EXPECT_FALSE(globMatches("?x", "x"));
}

TEST(RowSql, NormalizesIntegerDisplayWidths) {
    EXPECT_EQ(normalizeColumnType("int(11)"), "int");
    EXPECT_EQ(normalizeColumnType("INT(10) UNSIGNED"), "int unsigned");
    EXPECT_EQ(normalizeColumnType("bigint(20)"), "bigint");
    EXPECT_EQ(normalizeColumnType("tinyint(1)"), "tinyint");
    EXPECT_EQ(normalizeColumnType("decimal(10,2)"), "decimal(10,2)");
    EXPECT_EQ(normalizeColumnType("varchar(20)"), "varchar(20)");
}

TEST(RowSql, QuotesIdentifiers) {
    EXPECT_EQ(quoteIdentifier("a`b"), "`a``b`");
    EXPECT_EQ(qualifiedName("s", "t"), "`s`.`t`");
}

TEST(RowSql, ClassifiesTypes) {
    EXPECT_EQ(classifyDataType("BLOB"), ValueClass::Binary);
    EXPECT_EQ(classifyDataType("varbinary"), ValueClass::Binary);
    EXPECT_EQ(classifyDataType("varchar"), ValueClass::Text);
    EXPECT_EQ(classifyDataType("enum"), ValueClass::Text);
    EXPECT_EQ(classifyDataType("decimal"), ValueClass::Plain);
    EXPECT_EQ(classifyDataType("datetime"), ValueClass::Plain);
}

TEST(RowSql, RowHashMarksNullsAndLengths) {
    const std::vector<ColumnInfo> columns = {{"id", "int", "int(11)", false},
                                             {"b", "blob", "blob", true},
                                             {"t", "varchar", "varchar(5)", true}};
    EXPECT_EQ(rowHashExpression(columns),
              "MD5(CONCAT_WS('#', `id`, HEX(`b`), CONVERT(`t` USING utf8mb4), "
              "CONCAT(ISNULL(`id`), ISNULL(`b`), ISNULL(`t`)), "
              "CONCAT_WS(',', LENGTH(`b`), CHAR_LENGTH(`t`))))");
    EXPECT_EQ(rowHashExpression({}), "MD5('')");
}

TEST(RowSql, KeyRangesExpandTuples) {
    EXPECT_EQ(keyAfter({"a"}, {"1"}), "((`a` > 1))");
    EXPECT_EQ(keyAfter({"a", "b"}, {"1", "'x'"}), "((`a` > 1) OR (`a` = 1 AND `b` > 'x'))");
    EXPECT_EQ(keyAtMost({"a", "b", "c"}, {"1", "2", "3"}),
              "((`a` < 1) OR (`a` = 1 AND `b` < 2) OR (`a` = 1 AND `b` = 2 AND `c` <= 3))");
    EXPECT_EQ(hexLiteral(std::string("\x00\xff", 2)), "X'00FF'");
}

}  // namespace
}  // namespace ferry::compare
