// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ferry/model/mysql_gtid_set.h"

namespace ferry::model {
namespace {

const std::string U1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
const std::string U1_UPPER = "3E11FA47-71CA-11E1-9E33-C80AA9429562";
const std::string U2 = "24da167b-0c0c-11e8-8442-00059a3c7b00";  // sorts before U1
const std::string U3 = "ffffffff-0000-0000-0000-000000000001";

MysqlGtidSet parseOrDie(const std::string& text) {
    auto parsed = MysqlGtidSet::parse(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().toString();
    return parsed.ok() ? *parsed : MysqlGtidSet();
}

MysqlGtid gtid(const std::string& text) {
    auto parsed = MysqlGtid::parse(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().toString();
    return *parsed;
}

// ---- text ----------------------------------------------------------------------------------

struct ValidRow {
    std::string text;
    std::string singleLine;
};

std::vector<ValidRow> validRows() {
    return {
        {"", ""},
        {"  \n\t ", ""},
        {U1 + ":1-5:7", U1 + ":1-5:7"},
        {U1_UPPER + ":1-5:7", U1 + ":1-5:7"},
        {U1 + ":1-5:7," + U2 + ":1-3", U2 + ":1-3," + U1 + ":1-5:7"},
        {U1 + ":7:1-5", U1 + ":1-5:7"},
        {U1 + ":1-3:4-6", U1 + ":1-6"},
        {U1 + ":1-10:3-4", U1 + ":1-10"},
        {U1 + ":5-5", U1 + ":5"},
        {U1 + ":1," + U1 + ":2", U1 + ":1-2"},
        {U1 + ":1-5:7,\n" + U2 + ":1-3", U2 + ":1-3," + U1 + ":1-5:7"},
        {" " + U1 + " : 1 - 5 : 7 ,\n\t " + U2 + ":1-3  \n", U2 + ":1-3," + U1 + ":1-5:7"},
        {U1 + ":tag:1-5", U1 + ":tag:1-5"},
        {U1 + ":1-5:tag1:7-9", U1 + ":1-5:tag1:7-9"},
        {U1 + ":TAG1:7-9:1-5", U1 + ":tag1:1-5:7-9"},
        {U1 + ":b:1," + U1 + ":a:2," + U1 + ":3", U1 + ":3:a:2:b:1"},
        {U1 + ":tag:1:tag:2", U1 + ":tag:1-2"},
        {U1 + ":Domain_1:1-3:15-21, " + U1 + ":Domain_2:8-52",
         U1 + ":domain_1:1-3:15-21:domain_2:8-52"},
        {U1 + ":9223372036854775806", U1 + ":9223372036854775806"},
        {U1 + ":1-9223372036854775806", U1 + ":1-9223372036854775806"},
        {U3 + ":x:1," + U2 + ":2," + U1 + ":3", U2 + ":2," + U1 + ":3," + U3 + ":x:1"},
    };
}

TEST(MysqlGtidSetText, ParsesValidSetsToCanonicalForm) {
    for (const ValidRow& row : validRows()) {
        SCOPED_TRACE(row.text);
        auto parsed = MysqlGtidSet::parse(row.text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
        EXPECT_EQ(parsed->toSingleLineString(), row.singleLine);
        EXPECT_EQ(parsed->isEmpty(), row.singleLine.empty());
        // Round trips through both text forms.
        auto fromMultiLine = MysqlGtidSet::parse(parsed->toString());
        ASSERT_TRUE(fromMultiLine.ok()) << fromMultiLine.error().toString();
        EXPECT_EQ(*fromMultiLine, *parsed);
        auto fromSingleLine = MysqlGtidSet::parse(row.singleLine);
        ASSERT_TRUE(fromSingleLine.ok());
        EXPECT_EQ(*fromSingleLine, *parsed);
        EXPECT_EQ(fromSingleLine->toSingleLineString(), row.singleLine);
    }
}

TEST(MysqlGtidSetText, PrintsLikeMysql) {
    const MysqlGtidSet set = parseOrDie(U1 + ":7:1-5:tag1:9:7-8," + U2 + ":1-3," + U3 + ":x:1:y:2");
    EXPECT_EQ(set.toString(), U2 + ":1-3,\n" + U1 + ":1-5:7:tag1:7-9,\n" + U3 + ":x:1:y:2");
    EXPECT_EQ(set.toSingleLineString(), U2 + ":1-3," + U1 + ":1-5:7:tag1:7-9," + U3 + ":x:1:y:2");
    EXPECT_EQ(MysqlGtidSet().toString(), "");
    // A tag-only UUID prints without an empty untagged part.
    EXPECT_EQ(parseOrDie(U1 + ":t:4").toString(), U1 + ":t:4");
}

struct MalformedRow {
    std::string text;
    std::size_t offset;
    std::string fragment;
};

TEST(MysqlGtidSetText, RejectsMalformedSets) {
    // U1 is 36 characters: offset 36 is the first character after it.
    const std::string tag33 = "abcdefghijklmnopqrstuvwxyz0123456";
    const MalformedRow rows[] = {
        {U1, 36, "expected ':'"},
        {U1 + ":", 37, "expected a transaction number or a tag"},
        {U1 + ":0", 37, "transaction number 0"},
        {U1 + ":5-3", 37, "reversed interval 5-3"},
        {U1 + ":1-0", 39, "transaction number 0"},
        {U1 + ":9223372036854775807", 37, "too large (maximum 9223372036854775806)"},
        {U1 + ":9223372036854775808", 37, "too large"},
        {U1 + ":18446744073709551616", 37, "too large"},
        {U1 + ":1-9223372036854775808", 39, "too large"},
        {U1 + "::1", 37, "expected a transaction number or a tag"},
        {U1 + ":1,," + U2 + ":1", 39, "empty element"},
        {U1 + ":1 , , " + U2 + ":1", 41, "empty element"},
        {U1 + ":1,", 39, "trailing ','"},
        {"," + U1 + ":1", 0, "expected a UUID"},
        {U1 + ":1;" + U2 + ":1", 38, "expected ','"},
        {U1 + ":1-", 39, "expected transaction number"},
        {U1 + ":1--5", 39, "expected transaction number"},
        {U1 + ":-5", 37, "expected a transaction number or a tag"},
        {U1 + ":+5", 37, "expected a transaction number or a tag"},
        {U1 + ":05", 37, "leading zeros"},
        {U1 + ":1 2", 39, "expected ','"},
        {U1 + ":1:", 39, "expected a transaction number or a tag"},
        {U1 + ":tag", 40, "tag 'tag' is not followed"},
        {U1 + ":tag1:tag2:1", 42, "tag 'tag1' is not followed"},
        {U1 + ":1:tag", 42, "tag 'tag' is not followed"},
        {U1 + ":1tag:3", 38, "expected ','"},
        {U1 + ":" + tag33 + ":1", 37, "longer than 32"},
        {"3e11fa47-71ca-11e1-9e33-c80aa942956:1", 35, "expected a UUID"},
        {"garbage", 0, "expected a UUID"},
        {U1 + std::string(":1\0", 3), 38, "expected ','"},
        {U1 + ":1-5:7 garbage", 43, "expected ','"},
        {U1 + ":1," + U2, 75, "expected ':'"},
        {U1 + ":1.5", 38, "expected ','"},
    };
    for (const MalformedRow& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = MysqlGtidSet::parse(row.text);
        ASSERT_FALSE(parsed.ok()) << parsed->toSingleLineString();
        const Error& error = parsed.error();
        EXPECT_EQ(error.code, ErrorCode::InvalidArgument);
        EXPECT_NE(error.message.find("at offset " + std::to_string(row.offset) + " "),
                  std::string::npos)
            << error.message;
        EXPECT_NE(error.message.find(row.fragment), std::string::npos) << error.message;
        EXPECT_NE(error.message.find("invalid MySQL GTID set"), std::string::npos);
        EXPECT_EQ(error.message.find('\n'), std::string::npos) << "message must be one line";
    }
}

TEST(MysqlGtidSetText, ErrorNamesTheOffendingText) {
    auto parsed = MysqlGtidSet::parse(U1 + ":1-5:x7y-9");
    ASSERT_FALSE(parsed.ok());
    EXPECT_NE(parsed.error().message.find("near \"-9\""), std::string::npos)
        << parsed.error().message;
}

// ---- operations ----------------------------------------------------------------------------

TEST(MysqlGtidSetOps, ContainsSingleGtids) {
    const MysqlGtidSet set = parseOrDie(U1 + ":1-5:7:t:10-12");
    EXPECT_TRUE(set.contains(gtid(U1 + ":1")));
    EXPECT_TRUE(set.contains(gtid(U1 + ":5")));
    EXPECT_TRUE(set.contains(gtid(U1 + ":7")));
    EXPECT_FALSE(set.contains(gtid(U1 + ":6")));
    EXPECT_FALSE(set.contains(gtid(U1 + ":8")));
    EXPECT_FALSE(set.contains(gtid(U1 + ":10")));  // only tagged 10-12
    EXPECT_TRUE(set.contains(gtid(U1 + ":t:11")));
    EXPECT_FALSE(set.contains(gtid(U1 + ":t:1")));
    EXPECT_FALSE(set.contains(gtid(U1 + ":u:11")));
    EXPECT_FALSE(set.contains(gtid(U2 + ":1")));
    EXPECT_FALSE(MysqlGtidSet().contains(gtid(U1 + ":1")));
}

TEST(MysqlGtidSetOps, AddMergesNeighbours) {
    MysqlGtidSet set = parseOrDie(U1 + ":1-5:7");
    set.add(gtid(U1 + ":6"));
    EXPECT_EQ(set.toSingleLineString(), U1 + ":1-7");
    set.add(gtid(U1 + ":3"));
    EXPECT_EQ(set.toSingleLineString(), U1 + ":1-7");
    set.add(gtid(U1 + ":9"));
    set.add(gtid(U1 + ":8"));
    EXPECT_EQ(set.toSingleLineString(), U1 + ":1-9");
    set.add(gtid(U1 + ":mytag:1"));
    set.add(gtid(U2 + ":9223372036854775806"));
    EXPECT_EQ(set.toSingleLineString(), U2 + ":9223372036854775806," + U1 + ":1-9:mytag:1");
}

TEST(MysqlGtidSetOps, AddIntervalValidates) {
    MysqlGtidSet set;
    const Tsid plain{*Uuid::parse(U1), ""};
    EXPECT_TRUE(set.addInterval(plain, {3, 9}).ok());
    EXPECT_TRUE(set.addInterval(plain, {1, 2}).ok());
    EXPECT_EQ(set.toSingleLineString(), U1 + ":1-9");
    EXPECT_TRUE(set.addInterval(plain, {kMaxGno, kMaxGno}).ok());
    EXPECT_FALSE(set.addInterval(plain, {0, 5}).ok());
    EXPECT_FALSE(set.addInterval(plain, {5, 4}).ok());
    EXPECT_FALSE(set.addInterval(plain, {5, kMaxGno + 1}).ok());
    EXPECT_FALSE(set.addInterval({plain.uuid, "Upper"}, {1, 1}).ok());
    EXPECT_FALSE(set.addInterval({plain.uuid, "9x"}, {1, 1}).ok());
    EXPECT_TRUE(set.addInterval({plain.uuid, "lower"}, {1, 1}).ok());
    EXPECT_EQ(set.toSingleLineString(), U1 + ":1-9:9223372036854775806:lower:1");
}

TEST(MysqlGtidSetOps, UnionSubtractContainsExamples) {
    struct Row {
        std::string a, b, unionAB, aMinusB;
        bool aContainsB;
    };
    const Row rows[] = {
        {U1 + ":1-5", U1 + ":3-8", U1 + ":1-8", U1 + ":1-2", false},
        {U1 + ":1-10", U1 + ":3-4:8", U1 + ":1-10", U1 + ":1-2:5-7:9-10", true},
        {U1 + ":1-10", U1 + ":1-10", U1 + ":1-10", "", true},
        {U1 + ":1-3", U2 + ":1-3", U2 + ":1-3," + U1 + ":1-3", U1 + ":1-3", false},
        {U1 + ":1-3", "", U1 + ":1-3", U1 + ":1-3", true},
        {"", U1 + ":1", U1 + ":1", "", false},
        {U1 + ":1-3:t:1-3", U1 + ":t:2", U1 + ":1-3:t:1-3", U1 + ":1-3:t:1:3", true},
        {U1 + ":1-3", U1 + ":t:1-3", U1 + ":1-3:t:1-3", U1 + ":1-3", false},
        {U1 + ":1-2:5-6:9-10", U1 + ":3-4:7-8", U1 + ":1-10", U1 + ":1-2:5-6:9-10", false},
        {U1 + ":1-9223372036854775806", U1 + ":2-9223372036854775805",
         U1 + ":1-9223372036854775806", U1 + ":1:9223372036854775806", true},
        {U1 + ":5-20", U1 + ":1-6:10:19-30", U1 + ":1-30", U1 + ":7-9:11-18", false},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.a + " / " + row.b);
        const MysqlGtidSet a = parseOrDie(row.a);
        const MysqlGtidSet b = parseOrDie(row.b);
        MysqlGtidSet u = a;
        u.unionWith(b);
        EXPECT_EQ(u.toSingleLineString(), row.unionAB);
        EXPECT_EQ(a.subtract(b).toSingleLineString(), row.aMinusB);
        EXPECT_EQ(a.contains(b), row.aContainsB);
        EXPECT_TRUE(u.contains(a));
        EXPECT_TRUE(u.contains(b));
        EXPECT_TRUE(a.contains(a.subtract(b)));
    }
}

// ---- binary --------------------------------------------------------------------------------

using Bytes = std::vector<std::uint8_t>;

void le(Bytes& out, std::uint64_t value, int n = 8) {
    for (int i = 0; i < n; ++i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

void uuidBytes(Bytes& out, const std::string& text) {
    const Uuid uuid = *Uuid::parse(text);
    out.insert(out.end(), uuid.bytes.begin(), uuid.bytes.end());
}

void tagBytes(Bytes& out, const std::string& tag) {
    out.push_back(static_cast<std::uint8_t>(tag.size() << 1));
    out.insert(out.end(), tag.begin(), tag.end());
}

TEST(MysqlGtidSetBinary, EncodesUntaggedLikeMysql) {
    Bytes expected;
    le(expected, 2);  // two SIDs, U2 first (sorted)
    uuidBytes(expected, U2);
    le(expected, 1);
    le(expected, 1);
    le(expected, 4);  // 1-3 as [1, 4)
    uuidBytes(expected, U1);
    le(expected, 2);
    le(expected, 1);
    le(expected, 6);  // 1-5
    le(expected, 7);
    le(expected, 8);  // 7
    const MysqlGtidSet set = parseOrDie(U1 + ":1-5:7," + U2 + ":1-3");
    EXPECT_EQ(set.encode(), expected);
    auto decoded = MysqlGtidSet::decode(expected);
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    EXPECT_EQ(*decoded, set);

    const Bytes empty(8, 0);
    EXPECT_EQ(MysqlGtidSet().encode(), empty);
    auto decodedEmpty = MysqlGtidSet::decode(empty);
    ASSERT_TRUE(decodedEmpty.ok());
    EXPECT_TRUE(decodedEmpty->isEmpty());
}

TEST(MysqlGtidSetBinary, EncodesTaggedLikeMysql) {
    // Reference §2.12: byte 0 = 1, bytes 1-6 = count, byte 7 = 1; tag length byte = len << 1.
    Bytes expected = {0x01, 0x02, 0, 0, 0, 0, 0, 0x01};
    uuidBytes(expected, U1);
    tagBytes(expected, "");
    le(expected, 1);
    le(expected, 1);
    le(expected, 14);  // 1-13
    uuidBytes(expected, U1);
    tagBytes(expected, "mytag");
    le(expected, 1);
    le(expected, 1);
    le(expected, 3);  // 1-2
    const MysqlGtidSet set = parseOrDie(U1 + ":1-13:mytag:1-2");
    EXPECT_EQ(set.encode(), expected);
    auto decoded = MysqlGtidSet::decode(expected);
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    EXPECT_EQ(*decoded, set);
}

TEST(MysqlGtidSetBinary, DecodesWhatMysqlAccepts) {
    // A SID repeated in the input merges, as MySQL's decoder does.
    Bytes repeated;
    le(repeated, 2);
    uuidBytes(repeated, U1);
    le(repeated, 1);
    le(repeated, 1);
    le(repeated, 3);
    uuidBytes(repeated, U1);
    le(repeated, 1);
    le(repeated, 3);
    le(repeated, 5);
    auto merged = MysqlGtidSet::decode(repeated);
    ASSERT_TRUE(merged.ok()) << merged.error().toString();
    EXPECT_EQ(merged->toSingleLineString(), U1 + ":1-4");

    // Tags are case-insensitive in the encoding too; a SID with no intervals adds nothing.
    Bytes tagged = {0x01, 0x02, 0, 0, 0, 0, 0, 0x01};
    uuidBytes(tagged, U1);
    tagBytes(tagged, "MyTag");
    le(tagged, 1);
    le(tagged, 1);
    le(tagged, 2);
    uuidBytes(tagged, U2);
    tagBytes(tagged, "");
    le(tagged, 0);
    auto lowered = MysqlGtidSet::decode(tagged);
    ASSERT_TRUE(lowered.ok()) << lowered.error().toString();
    EXPECT_EQ(lowered->toSingleLineString(), U1 + ":mytag:1");

    // The largest transaction number: end (exclusive) = 2^63.
    Bytes top;
    le(top, 1);
    uuidBytes(top, U1);
    le(top, 1);
    le(top, kMaxGno);
    le(top, kMaxGno + 1);
    auto decodedTop = MysqlGtidSet::decode(top);
    ASSERT_TRUE(decodedTop.ok()) << decodedTop.error().toString();
    EXPECT_EQ(decodedTop->toSingleLineString(), U1 + ":9223372036854775806");
    EXPECT_EQ(decodedTop->encode(), top);
}

struct CorruptRow {
    const char* name;
    Bytes bytes;
    std::string fragment;
};

std::vector<CorruptRow> corruptRows() {
    std::vector<CorruptRow> rows;
    auto oneSid = [](std::uint64_t count,
                     std::vector<std::pair<std::uint64_t, std::uint64_t>> ivs) {
        Bytes b;
        le(b, 1);
        uuidBytes(b, U1);
        le(b, count);
        for (auto [s, e] : ivs) {
            le(b, s);
            le(b, e);
        }
        return b;
    };
    auto taggedSid = [](std::vector<std::uint8_t> tagPart) {
        Bytes b = {0x01, 0x01, 0, 0, 0, 0, 0, 0x01};
        uuidBytes(b, U1);
        b.insert(b.end(), tagPart.begin(), tagPart.end());
        le(b, 1);
        le(b, 1);
        le(b, 2);
        return b;
    };
    rows.push_back({"empty", {}, "at byte 0: need 8 bytes for the SID count"});
    rows.push_back({"short count", Bytes(7, 0), "need 8 bytes for the SID count"});
    {
        Bytes b;
        le(b, 1);
        rows.push_back(
            {"count past the end", b, "at byte 8: need 16 bytes for the UUID of SID #1"});
    }
    {
        Bytes b;
        le(b, 1);
        b.insert(b.end(), 10, 0xab);
        rows.push_back({"truncated uuid", b, "need 16 bytes for the UUID"});
    }
    {
        Bytes b;
        le(b, 1);
        uuidBytes(b, U1);
        rows.push_back(
            {"missing interval count", b, "at byte 24: need 8 bytes for the interval count"});
    }
    {
        Bytes b = oneSid(1, {});
        le(b, 1);
        rows.push_back(
            {"truncated interval", b, "interval count 1 of SID #1 of 1 needs 16 bytes but only 8"});
    }
    rows.push_back({"interval count huge", oneSid(1ULL << 63, {{1, 2}}),
                    "interval count 9223372036854775808"});
    rows.push_back({"interval count max", oneSid(UINT64_MAX, {{1, 2}}), "needs more bytes"});
    rows.push_back({"start 0", oneSid(1, {{0, 5}}),
                    "at byte 32: interval #1 [0, 5) of SID #1 of 1 starts at 0"});
    rows.push_back({"end == start", oneSid(1, {{5, 5}}), "empty or reversed"});
    rows.push_back({"end < start", oneSid(1, {{5, 4}}), "empty or reversed"});
    rows.push_back({"end past max", oneSid(1, {{5, kMaxGno + 2}}), "ends past the largest"});
    rows.push_back({"negative end", oneSid(1, {{5, UINT64_MAX}}), "ends past the largest"});
    rows.push_back({"overlap", oneSid(2, {{1, 5}, {4, 8}}), "at byte 48: interval #2 [4, 8)"});
    rows.push_back({"adjacent", oneSid(2, {{1, 5}, {5, 8}}), "overlaps or touches"});
    rows.push_back({"unsorted", oneSid(2, {{10, 12}, {1, 3}}), "overlaps or touches"});
    {
        Bytes b = oneSid(1, {{1, 2}});
        b.push_back(0);
        rows.push_back({"trailing byte", b, "at byte 48: 1 bytes left after the last SID"});
    }
    {
        Bytes b = oneSid(1, {{1, 2}});
        b[7] = 0x02;
        rows.push_back({"unknown format", b, "at byte 7: unknown GTID set format 2"});
    }
    {
        Bytes b = taggedSid({0x00});
        b[0] = 0x00;
        rows.push_back({"tagged marker mismatch", b, "byte 0 is 0 instead of 1"});
    }
    rows.push_back({"odd tag length byte", taggedSid({0x01, 'a'}), "at byte 24: tag length"});
    rows.push_back({"tag over 32", taggedSid({66}), "over 32 bytes (length byte 66)"});
    {
        Bytes b = {0x01, 0x01, 0, 0, 0, 0, 0, 0x01};
        uuidBytes(b, U1);
        b.push_back(10);
        b.push_back('a');
        rows.push_back({"truncated tag", b, "need 5 bytes for the tag of SID #1"});
    }
    {
        Bytes b = {0x01, 0x01, 0, 0, 0, 0, 0, 0x01};
        uuidBytes(b, U1);
        rows.push_back({"missing tag length", b, "need 1 bytes for the tag length"});
    }
    rows.push_back({"tag starts with digit", taggedSid({6, '1', 'a', 'b'}), "bad tag of SID #1"});
    rows.push_back({"tag with dash", taggedSid({6, 'a', '-', 'b'}), "bad tag of SID #1"});
    {
        Bytes b = oneSid(1, {{1, 2}});
        b[0] = 2;
        rows.push_back({"second sid missing", b, "need 16 bytes for the UUID of SID #2 of 2"});
    }
    {
        Bytes b;
        le(b, (1ULL << 56) - 1);
        rows.push_back({"untagged count huge", b, "SID #1 of 72057594037927935"});
    }
    return rows;
}

TEST(MysqlGtidSetBinary, RejectsCorruptBytes) {
    for (const CorruptRow& row : corruptRows()) {
        SCOPED_TRACE(row.name);
        auto decoded = MysqlGtidSet::decode(row.bytes);
        ASSERT_FALSE(decoded.ok()) << decoded->toSingleLineString();
        EXPECT_EQ(decoded.error().code, ErrorCode::Corrupt);
        EXPECT_NE(decoded.error().message.find(row.fragment), std::string::npos)
            << decoded.error().message;
        EXPECT_NE(decoded.error().message.find("corrupt MySQL GTID set encoding at byte"),
                  std::string::npos);
    }
}

TEST(MysqlGtidSetBinary, EveryTruncationFails) {
    const MysqlGtidSet set = parseOrDie(U1 + ":1-5:7:t:3," + U2 + ":1-3");
    const Bytes full = set.encode();
    for (std::size_t n = 0; n < full.size(); ++n) {
        auto decoded = MysqlGtidSet::decode(std::span(full.data(), n));
        EXPECT_FALSE(decoded.ok()) << "prefix of " << n << " bytes decoded";
    }
    EXPECT_TRUE(MysqlGtidSet::decode(full).ok());
}

TEST(MysqlGtidSetBinary, BitFlipsNeverCrashAndStayCanonical) {
    const MysqlGtidSet set = parseOrDie(U1 + ":1-5:7:t:3," + U2 + ":1-3");
    const Bytes full = set.encode();
    int accepted = 0;
    for (std::size_t i = 0; i < full.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            Bytes flipped = full;
            flipped[i] ^= static_cast<std::uint8_t>(1 << bit);
            auto decoded = MysqlGtidSet::decode(flipped);
            if (decoded.ok()) {
                ++accepted;
                auto again = MysqlGtidSet::decode(decoded->encode());
                ASSERT_TRUE(again.ok());
                EXPECT_EQ(*again, *decoded);
            } else {
                EXPECT_EQ(decoded.error().code, ErrorCode::Corrupt);
            }
        }
    }
    // Flips inside UUIDs and most interval bits stay valid; count and format flips do not.
    EXPECT_GT(accepted, 0);
}

std::vector<std::uint8_t> readFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// PREVIOUS_GTIDS bodies of real binlog files (fixtures described in the shared README).
TEST(MysqlGtidSetBinary, DecodesRealPreviousGtidsEvents) {
    const std::filesystem::path dir = std::filesystem::path(FERRY_SHARED_DIR) / "fixtures/binlog";
    struct Fixture {
        const char* file;
        std::size_t eventOffset;
        std::size_t eventSize;
        const char* expected;
    };
    const Fixture fixtures[] = {
        {"rust_mysql_common__transaction_compression.000001", 126, 71,
         "357df524-4139-11ee-9979-b033ee13919e:1"},
        {"osheroff__mysql-bin.compressed", 126, 31, ""},
    };
    for (const Fixture& f : fixtures) {
        SCOPED_TRACE(f.file);
        const Bytes file = readFile(dir / f.file);
        if (file.empty()) {
            GTEST_SKIP() << "fixture " << (dir / f.file) << " not found";
        }
        ASSERT_GE(file.size(), f.eventOffset + f.eventSize);
        ASSERT_EQ(file[f.eventOffset + 4], 35) << "not a PREVIOUS_GTIDS event";
        // Body: after the 19-byte header, before the 4-byte CRC32.
        const std::span<const std::uint8_t> body(file.data() + f.eventOffset + 19,
                                                 f.eventSize - 19 - 4);
        auto decoded = MysqlGtidSet::decode(body);
        ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
        EXPECT_EQ(decoded->toString(), f.expected);
        EXPECT_EQ(decoded->encode(), Bytes(body.begin(), body.end()));
    }
}

// ---- properties against a naive model ------------------------------------------------------

// The universe: five TSIDs and, for each, transaction numbers 1..40 and the 6 largest.
struct Universe {
    std::vector<Tsid> tsids;
    std::vector<std::uint64_t> lowGnos;
    std::vector<std::uint64_t> highGnos;

    Universe() {
        const Uuid a = *Uuid::parse(U1);
        const Uuid b = *Uuid::parse(U2);
        const Uuid c = *Uuid::parse(U3);
        tsids = {{a, ""}, {a, "alpha"}, {a, "beta"}, {b, ""}, {c, "x"}};
        for (std::uint64_t g = 1; g <= 40; ++g) {
            lowGnos.push_back(g);
        }
        for (std::uint64_t g = kMaxGno - 5; g <= kMaxGno; ++g) {
            highGnos.push_back(g);
        }
    }
};

using Model = std::set<std::pair<std::size_t, std::uint64_t>>;

std::size_t tsidIndex(const Universe& u, const Tsid& tsid) {
    const auto it = std::find(u.tsids.begin(), u.tsids.end(), tsid);
    EXPECT_NE(it, u.tsids.end());
    return static_cast<std::size_t>(it - u.tsids.begin());
}

// Expands a set into the model, checking the canonical-form invariants on the way.
Model toModel(const Universe& u, const MysqlGtidSet& set) {
    Model model;
    for (const auto& [tsid, intervals] : set.entries()) {
        EXPECT_FALSE(intervals.empty());
        const std::size_t index = tsidIndex(u, tsid);
        for (std::size_t i = 0; i < intervals.size(); ++i) {
            const GtidInterval& iv = intervals[i];
            EXPECT_GE(iv.first, 1U);
            EXPECT_LE(iv.first, iv.last);
            EXPECT_LE(iv.last, kMaxGno);
            if (i > 0) {
                EXPECT_GT(iv.first, intervals[i - 1].last + 1) << "not merged or not sorted";
            }
            EXPECT_LE(iv.last - iv.first, 64U) << "interval outside the test universe";
            for (std::uint64_t g = iv.first;; ++g) {
                model.emplace(index, g);
                if (g == iv.last) {
                    break;
                }
            }
        }
    }
    return model;
}

struct Generated {
    MysqlGtidSet set;
    Model model;
};

Generated randomSet(const Universe& u, std::mt19937_64& rng) {
    Generated out;
    const int operations = static_cast<int>(rng() % 12);
    for (int i = 0; i < operations; ++i) {
        const std::size_t t = rng() % u.tsids.size();
        const auto& pool = (rng() % 5 == 0) ? u.highGnos : u.lowGnos;
        std::size_t from = rng() % pool.size();
        std::size_t to = rng() % 3 == 0 ? from : rng() % pool.size();
        if (from > to) {
            std::swap(from, to);
        }
        if (from == to && rng() % 2 == 0) {
            out.set.add(*MysqlGtid::make(u.tsids[t].uuid, u.tsids[t].tag, pool[from]));
        } else {
            EXPECT_TRUE(out.set.addInterval(u.tsids[t], {pool[from], pool[to]}).ok());
        }
        for (std::size_t k = from; k <= to; ++k) {
            out.model.emplace(t, pool[k]);
        }
    }
    return out;
}

TEST(MysqlGtidSetProperties, AgreeWithNaiveModel) {
    const Universe u;
    std::mt19937_64 rng(20251125);
    for (int round = 0; round < 400; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        const Generated a = randomSet(u, rng);
        const Generated b = randomSet(u, rng);
        ASSERT_EQ(toModel(u, a.set), a.model) << a.set.toSingleLineString();
        ASSERT_EQ(toModel(u, b.set), b.model) << b.set.toSingleLineString();

        MysqlGtidSet unionSet = a.set;
        unionSet.unionWith(b.set);
        Model unionModel = a.model;
        unionModel.insert(b.model.begin(), b.model.end());
        EXPECT_EQ(toModel(u, unionSet), unionModel);

        Model diffModel;
        std::set_difference(a.model.begin(), a.model.end(), b.model.begin(), b.model.end(),
                            std::inserter(diffModel, diffModel.end()));
        const MysqlGtidSet diff = a.set.subtract(b.set);
        EXPECT_EQ(toModel(u, diff), diffModel);

        EXPECT_EQ(a.set.contains(b.set),
                  std::includes(a.model.begin(), a.model.end(), b.model.begin(), b.model.end()));
        EXPECT_EQ(a.set == b.set, a.model == b.model);
        EXPECT_EQ(a.set.isEmpty(), a.model.empty());
        EXPECT_TRUE(unionSet.contains(a.set));
        EXPECT_TRUE(unionSet.contains(b.set));
        EXPECT_TRUE(diff.subtract(b.set) == diff);

        for (std::size_t t = 0; t < u.tsids.size(); ++t) {
            for (const auto* pool : {&u.lowGnos, &u.highGnos}) {
                for (std::uint64_t g : *pool) {
                    const MysqlGtid one = *MysqlGtid::make(u.tsids[t].uuid, u.tsids[t].tag, g);
                    ASSERT_EQ(a.set.contains(one), a.model.count({t, g}) == 1)
                        << one.toString() << " in " << a.set.toSingleLineString();
                }
            }
        }

        auto fromText = MysqlGtidSet::parse(a.set.toString());
        ASSERT_TRUE(fromText.ok()) << fromText.error().toString();
        EXPECT_EQ(*fromText, a.set);
        auto fromBytes = MysqlGtidSet::decode(a.set.encode());
        ASSERT_TRUE(fromBytes.ok()) << fromBytes.error().toString();
        EXPECT_EQ(*fromBytes, a.set);
    }
}

}  // namespace
}  // namespace ferry::model
