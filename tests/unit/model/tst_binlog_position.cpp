// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "ferry/model/binlog_position.h"

namespace ferry::model {
namespace {

struct ValidRow {
    const char* text;
    const char* file;
    std::uint64_t pos;
    const char* canonical;
};

TEST(BinlogPosition, ParsesValidPositions) {
    const ValidRow rows[] = {
        {"mysql-bin.000012:4567", "mysql-bin.000012", 4567, "mysql-bin.000012:4567"},
        {"mysql-bin.000001:4", "mysql-bin.000001", 4, "mysql-bin.000001:4"},
        {"  binlog.000003:120\n", "binlog.000003", 120, "binlog.000003:120"},
        {"mariadb-bin.1000000:8589934592", "mariadb-bin.1000000", 8589934592ULL,
         "mariadb-bin.1000000:8589934592"},
        {"relay.000002:18446744073709551615", "relay.000002", 18446744073709551615ULL,
         "relay.000002:18446744073709551615"},
        {"noindex:256", "noindex", 256, "noindex:256"},
    };
    for (const ValidRow& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = BinlogPosition::parse(row.text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
        EXPECT_EQ(parsed->file, row.file);
        EXPECT_EQ(parsed->pos, row.pos);
        EXPECT_EQ(parsed->toString(), row.canonical);
        auto again = BinlogPosition::parse(parsed->toString());
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *parsed);
    }
}

struct MalformedRow {
    const char* text;
    const char* offsetText;  // "at offset N" expected in the message
    const char* fragment;    // part of the problem description
};

TEST(BinlogPosition, RejectsMalformedText) {
    const MalformedRow rows[] = {
        {"", "at offset 0", "expected <file>:<offset>"},
        {"   ", "at offset 3", "expected <file>:<offset>"},
        {"mysql-bin.000001", "at offset 16", "expected ':'"},
        {"mysql-bin.000001:", "at offset 17", "expected byte offset"},
        {":4", "at offset 0", "file name is empty"},
        {"mysql-bin.000001:abc", "at offset 17", "expected byte offset"},
        {"mysql-bin.000001:-4", "at offset 17", "expected byte offset"},
        {"mysql-bin.000001:+4", "at offset 17", "expected byte offset"},
        {"mysql-bin.000001:4x", "at offset 18", "unexpected text"},
        {"mysql-bin.000001:0", "at offset 17", "inside the file header"},
        {"mysql-bin.000001:3", "at offset 17", "inside the file header"},
        {"mysql-bin.000001:0004", "at offset 17", "leading zeros"},
        {"mysql-bin.000001:18446744073709551616", "at offset 17", "too large"},
        {"mysql-bin.000001:4:5", "at offset 16", "base name"},
        {"/var/lib/mysql/mysql-bin.000001:4", "at offset 0", "base name"},
        {"mysql bin.000001:4", "at offset 5", "base name"},
        {"mysql-bin.000001 :4", "at offset 16", "base name"},
        {"mysql-bin.000001: 4", "at offset 17", "expected byte offset"},
        {"mysql\tbin.000001:4", "at offset 5", "base name"},
        {"mysql-bin.000001:4.5", "at offset 18", "unexpected text"},
    };
    for (const MalformedRow& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = BinlogPosition::parse(row.text);
        ASSERT_FALSE(parsed.ok()) << "parsed as " << parsed->toString();
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(parsed.error().message.find(row.offsetText), std::string::npos)
            << parsed.error().message;
        EXPECT_NE(parsed.error().message.find(row.fragment), std::string::npos)
            << parsed.error().message;
        EXPECT_NE(parsed.error().message.find("binlog position"), std::string::npos);
    }
}

TEST(BinlogPosition, RejectsOverlongFileName) {
    const std::string text = std::string(512, 'a') + ".000001:4";
    EXPECT_FALSE(BinlogPosition::parse(text).ok());
    EXPECT_TRUE(BinlogPosition::parse(std::string(502, 'a') + ".000001:4").ok());
}

struct OrderRow {
    BinlogPosition a;
    BinlogPosition b;
    std::strong_ordering expected;
};

TEST(BinlogPosition, OrdersWithinOneSeries) {
    const OrderRow rows[] = {
        {{"mysql-bin.000012", 4567}, {"mysql-bin.000012", 4567}, std::strong_ordering::equal},
        {{"mysql-bin.000012", 4}, {"mysql-bin.000012", 4567}, std::strong_ordering::less},
        {{"mysql-bin.000012", 9000}, {"mysql-bin.000012", 4567}, std::strong_ordering::greater},
        {{"mysql-bin.000011", 9000}, {"mysql-bin.000012", 4}, std::strong_ordering::less},
        // The suffix is compared as a number, not as text.
        {{"mysql-bin.999999", 4}, {"mysql-bin.1000000", 4}, std::strong_ordering::less},
        {{"mysql-bin.000010", 4}, {"mysql-bin.9", 4}, std::strong_ordering::greater},
        {{"mysql-bin.000009", 100}, {"mysql-bin.9", 50}, std::strong_ordering::greater},
        // Identical names without a numeric suffix still order by offset.
        {{"noindex", 10}, {"noindex", 20}, std::strong_ordering::less},
        // Dots inside the base name are fine.
        {{"host.example.000002", 4}, {"host.example.000001", 4}, std::strong_ordering::greater},
    };
    for (const OrderRow& row : rows) {
        SCOPED_TRACE(row.a.toString() + " vs " + row.b.toString());
        auto result = compare(row.a, row.b);
        ASSERT_TRUE(result.ok()) << result.error().toString();
        EXPECT_TRUE(*result == row.expected);
        auto reversed = compare(row.b, row.a);
        ASSERT_TRUE(reversed.ok());
        EXPECT_TRUE(*reversed == (0 <=> *result));
    }
}

TEST(BinlogPosition, RefusesToOrderDifferentSeries) {
    const std::pair<BinlogPosition, BinlogPosition> rows[] = {
        {{"mysql-bin.000001", 4}, {"mariadb-bin.000001", 4}},
        {{"mysql-bin.000001", 4}, {"mysql-bin", 4}},
        {{"mysql-bin.00000a", 4}, {"mysql-bin.000001", 4}},
        {{"a", 4}, {"b", 4}},
        {{"mysql-bin.", 4}, {"mysql-bin.000001", 4}},
    };
    for (const auto& [a, b] : rows) {
        SCOPED_TRACE(a.toString() + " vs " + b.toString());
        auto result = compare(a, b);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(result.error().message.find(a.toString()), std::string::npos);
        EXPECT_NE(result.error().message.find(b.toString()), std::string::npos);
        EXPECT_FALSE(compare(b, a).ok());
    }
}

TEST(BinlogPosition, DefaultIsEmpty) {
    BinlogPosition none;
    EXPECT_TRUE(none.isEmpty());
    EXPECT_FALSE((BinlogPosition{"mysql-bin.000001", 4}.isEmpty()));
}

}  // namespace
}  // namespace ferry::model
