// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/model/mysql_gtid.h"

namespace ferry::model {
namespace {

constexpr const char* kUuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

bool messageHas(const Error& error, const std::string& fragment) {
    return error.message.find(fragment) != std::string::npos;
}

TEST(Uuid, ParsesAndFormats) {
    auto lower = Uuid::parse(kUuid);
    ASSERT_TRUE(lower.ok()) << lower.error().toString();
    const std::array<std::uint8_t, 16> expected = {0x3e, 0x11, 0xfa, 0x47, 0x71, 0xca, 0x11, 0xe1,
                                                   0x9e, 0x33, 0xc8, 0x0a, 0xa9, 0x42, 0x95, 0x62};
    EXPECT_EQ(lower->bytes, expected);
    EXPECT_EQ(lower->toString(), kUuid);

    auto upper = Uuid::parse("3E11FA47-71CA-11E1-9E33-C80AA9429562");
    ASSERT_TRUE(upper.ok());
    EXPECT_EQ(*upper, *lower);
    EXPECT_EQ(upper->toString(), kUuid);

    EXPECT_EQ(Uuid::fromBytes(expected), *lower);
    EXPECT_EQ(Uuid{}.toString(), "00000000-0000-0000-0000-000000000000");
}

TEST(Uuid, OrdersLikeItsText) {
    const std::vector<std::string> sorted = {
        "00000000-0000-0000-0000-000000000000", "0000000a-0000-0000-0000-000000000000",
        "3e11fa47-71ca-11e1-9e33-c80aa9429562", "3e11fa47-71ca-11e1-9e33-c80aa9429563",
        "ffffffff-ffff-ffff-ffff-ffffffffffff"};
    for (std::size_t i = 0; i + 1 < sorted.size(); ++i) {
        EXPECT_LT(*Uuid::parse(sorted[i]), *Uuid::parse(sorted[i + 1])) << sorted[i];
    }
}

struct MalformedRow {
    std::string text;
    std::size_t offset;
};

TEST(Uuid, RejectsMalformedText) {
    const MalformedRow rows[] = {
        {"", 0},
        {"3e11fa47", 8},
        {"3e11fa47-71ca-11e1-9e33-c80aa942956", 35},
        {"3e11fa47-71ca-11e1-9e33-c80aa94295627", 36},
        {"3e11fa4771ca11e19e33c80aa9429562", 8},
        {"{3e11fa47-71ca-11e1-9e33-c80aa9429562}", 0},
        {"3e11fa47_71ca-11e1-9e33-c80aa9429562", 8},
        {"3e11fa47-71ca-11e1-9e33-c80aa942956g", 35},
        {"ge11fa47-71ca-11e1-9e33-c80aa9429562", 0},
        {"3e11fa47-71ca-11e1-9e3-3c80aa9429562", 22},
        {" 3e11fa47-71ca-11e1-9e33-c80aa9429562", 0},
        {"3e11fa47-71ca-11e1-9e33-c80aa9429562 ", 36},
        {"3e11fa47--71ca-11e1-9e33-c80aa942956", 9},
        {"3e11fa47-71ca-11e1-9e33-c80aa94295\xff", 34},
        {std::string("3e11fa47-71ca-11e1-9e33-c80aa94295\0"
                     "2",
                     36),
         34},
        {"-3e11fa47-71ca-11e1-9e33-c80aa942956", 0},
    };
    for (const MalformedRow& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = Uuid::parse(row.text);
        ASSERT_FALSE(parsed.ok()) << parsed->toString();
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(messageHas(parsed.error(), "at offset " + std::to_string(row.offset)))
            << parsed.error().message;
    }
}

TEST(GtidTag, NormalizesValidTags) {
    const std::pair<const char*, const char*> rows[] = {
        {"", ""},
        {"a", "a"},
        {"_", "_"},
        {"MyTag", "mytag"},
        {"Domain_1", "domain_1"},
        {"_9", "_9"},
        {"abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345"},
    };
    for (const auto& [input, normal] : rows) {
        auto result = normalizeGtidTag(input);
        ASSERT_TRUE(result.ok()) << input << ": " << result.error().toString();
        EXPECT_EQ(*result, normal);
    }
}

TEST(GtidTag, RejectsInvalidTags) {
    const char* rows[] = {
        "1abc",                               // starts with a digit
        "abc-def",                            // '-'
        "abc def",                            // space
        " abc",                               // leading space
        "abcdefghijklmnopqrstuvwxyz0123456",  // 33 characters
        "tag:",                               // separator
        "t\xc3\xa4g",                         // non-ASCII letter
        "-",
    };
    for (const char* row : rows) {
        SCOPED_TRACE(row);
        auto result = normalizeGtidTag(row);
        ASSERT_FALSE(result.ok()) << *result;
        EXPECT_EQ(result.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(messageHas(result.error(), "GTID tag")) << result.error().message;
    }
}

struct GtidRow {
    std::string text;
    std::string tag;
    std::uint64_t gno;
    std::string canonical;
};

TEST(MysqlGtid, ParsesValidText) {
    const std::string u = kUuid;
    const GtidRow rows[] = {
        {u + ":23", "", 23, u + ":23"},
        {"3E11FA47-71CA-11E1-9E33-C80AA9429562:1", "", 1, u + ":1"},
        {u + ":9223372036854775806", "", 9223372036854775806ULL, u + ":9223372036854775806"},
        {u + ":Domain_1:117", "domain_1", 117, u + ":domain_1:117"},
        {"  " + u + " : mytag : 5 \n", "mytag", 5, u + ":mytag:5"},
        {u + ":_:1", "_", 1, u + ":_:1"},
    };
    for (const GtidRow& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = MysqlGtid::parse(row.text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
        EXPECT_EQ(parsed->uuid().toString(), kUuid);
        EXPECT_EQ(parsed->tag(), row.tag);
        EXPECT_EQ(parsed->gno(), row.gno);
        EXPECT_EQ(parsed->toString(), row.canonical);
        auto again = MysqlGtid::parse(parsed->toString());
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *parsed);
    }
}

TEST(MysqlGtid, RejectsMalformedText) {
    const std::string u = kUuid;  // 36 characters
    const std::pair<std::string, std::string> rows[] = {
        {"", "at offset 0"},
        {u, "at offset 36"},
        {u + ":", "at offset 37"},
        {u + ":0", "at offset 37"},
        {u + ":-1", "at offset 37"},
        {u + ":+1", "at offset 37"},
        {u + ":01", "at offset 37"},
        {u + ":9223372036854775807", "at offset 37"},  // MySQL's GNO_END, one past the max
        {u + ":9223372036854775808", "at offset 37"},
        {u + ":99999999999999999999999", "at offset 37"},
        {u + ":1-5", "at offset 38"},
        {u + ":1:2", "at offset 38"},
        {u + ":1,", "at offset 38"},
        {u + "::1", "at offset 37"},
        {u + ":tag", "at offset 40"},
        {u + ":tag:", "at offset 41"},
        {u + ":tag:0", "at offset 41"},
        {u + ":1tag:1", "at offset 38"},
        {u + ":abcdefghijklmnopqrstuvwxyz0123456:1", "at offset 37"},
        {u + ":t-g:1", "at offset 38"},
        {"3e11fa47-71ca-11e1-9e33-c80aa94295:1", "at offset 34"},
        {"ANONYMOUS", "at offset 1"},  // "A" is a hex digit
        {u + ":1 x", "at offset 39"},
    };
    for (const auto& [text, offset] : rows) {
        SCOPED_TRACE(text);
        auto parsed = MysqlGtid::parse(text);
        ASSERT_FALSE(parsed.ok()) << parsed->toString();
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(messageHas(parsed.error(), offset)) << parsed.error().message;
        EXPECT_TRUE(messageHas(parsed.error(), "MySQL GTID")) << parsed.error().message;
    }
}

TEST(MysqlGtid, MakeValidatesParts) {
    const Uuid uuid = *Uuid::parse(kUuid);
    auto plain = MysqlGtid::make(uuid, "", 7);
    ASSERT_TRUE(plain.ok());
    EXPECT_EQ(plain->toString(), std::string(kUuid) + ":7");
    auto tagged = MysqlGtid::make(uuid, "MyTag", 3);
    ASSERT_TRUE(tagged.ok());
    EXPECT_EQ(tagged->tag(), "mytag");
    EXPECT_EQ(*tagged, *MysqlGtid::parse(std::string(kUuid) + ":mytag:3"));
    EXPECT_NE(*tagged, *plain);

    EXPECT_FALSE(MysqlGtid::make(uuid, "", 0).ok());
    EXPECT_FALSE(MysqlGtid::make(uuid, "", kMaxGno + 1).ok());
    EXPECT_FALSE(MysqlGtid::make(uuid, "", UINT64_MAX).ok());
    EXPECT_FALSE(MysqlGtid::make(uuid, "9tag", 1).ok());
    EXPECT_TRUE(MysqlGtid::make(uuid, "", kMaxGno).ok());
}

}  // namespace
}  // namespace ferry::model
