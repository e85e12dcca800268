// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ferry/binlog/json_binary.h"
#include "hex_bytes.h"
#include "json_test_encoder.h"

namespace ferry::binlog {
namespace {

using test::encodeJson;
using test::fromHex;
using test::JsonEncodeOptions;
using test::JsonNode;

// JSON column values of rust_mysql_common__json.binlog.000001 (MySQL 8.0.22), copied from the
// WRITE_ROWS_V2 events at 1059, 1409 and 1759; the texts are the fixture's expected decode.
struct FixtureRow {
    const char* hex;
    const char* text;
};

std::string render(const std::vector<uint8_t>& bytes, Status* status = nullptr) {
    std::string out;
    Status s = appendJsonText(bytes.data(), bytes.size(), out);
    if (status != nullptr) {
        *status = s;
    }
    return s.ok() ? out : "<error: " + s.error().message + ">";
}

TEST(JsonFixture, RowsDecodeToMySqlText) {
    const FixtureRow rows[] = {
        {"0003003300190003001c000400200004000518000c24000c2f00616765646174616e616d650a787878787878"
         "78787878034a6f65",
         R"({"age": 24, "data": "xxxxxxxxxx", "name": "Joe"})"},
        {"0003003300190003001c000400200004000520000c24000c2f00616765646174616e616d650a797979797979"
         "79797979035375 65",
         R"({"age": 32, "data": "yyyyyyyyyy", "name": "Sue"})"},
        {"0003003400190003001c000400200004000528000c24000c2f00616765646174616e616d650a7a7a7a7a7a7a"
         "7a7a7a7a0450657465",
         R"({"age": 40, "data": "zzzzzzzzzz", "name": "Pete"})"},
    };
    for (const FixtureRow& row : rows) {
        EXPECT_EQ(render(fromHex(row.hex)), row.text);
    }
}

TEST(JsonFixture, TestEncoderReproducesServerBytes) {
    // Guards the test-side encoder: it must lay out a document exactly as MySQL did.
    const JsonNode doc = JsonNode::object({{"age", JsonNode::integer(24)},
                                           {"data", JsonNode::string("xxxxxxxxxx")},
                                           {"name", JsonNode::string("Joe")}});
    EXPECT_EQ(encodeJson(doc),
              fromHex("0003003300190003001c000400200004000518000c24000c2f00616765646174616e616d"
                      "650a78787878787878787878034a6f65"));
    EXPECT_EQ(test::mysqlText(doc), R"({"age": 24, "data": "xxxxxxxxxx", "name": "Joe"})");
}

struct ValueRow {
    const char* name;
    const char* hex;
    const char* text;
};

const ValueRow kValueRows[] = {
    {"empty value is null", "", "null"},
    {"null", "0400", "null"},
    {"true", "0401", "true"},
    {"false", "0402", "false"},
    {"int16 -1", "05ffff", "-1"},
    {"uint16 max", "06ffff", "65535"},
    {"int32 min", "0700000080", "-2147483648"},
    {"uint32 max", "08ffffffff", "4294967295"},
    {"int64 min", "090000000000000080", "-9223372036854775808"},
    {"uint64 max", "0affffffffffffffff", "18446744073709551615"},
    {"double 1.5", "0b000000000000f83f", "1.5"},
    {"double 1.0 keeps .0", "0b000000000000f03f", "1.0"},
    {"double -3.0", "0b00000000000008c0", "-3.0"},
    {"double 0.0", "0b0000000000000000", "0.0"},
    {"double 1e10", "0b000000205fa00242", "10000000000.0"},
    {"double 1e100", "0b7dc39425ad49b254", "1e100"},
    {"double 3e100", "0b3b255fb8836ecb54", "3e100"},
    {"double 1e15", "0b00003426f56b0c43", "1e15"},
    {"double 1.5e-5", "0b691d554d1075ef3e", "0.000015"},
    {"double 1e-16", "0bbc89d897b2d29c3c", "1e-16"},
    {"double 0.1", "0b9a9999999999b93f", "0.1"},
    {"string", "0c03616263", R"("abc")"},
    {"empty string", "0c00", R"("")"},
    {"string escapes", "0c0a225c080c0a0d09011f7f",
     R"("\"\\\b\f\n\r\t\u0001\u001f)"
     "\x7f\""},
    {"string utf8", "0c07c3a9e282ac2f41", "\"\xc3\xa9\xe2\x82\xac/A\""},
    {"empty object", "0000000400", "{}"},
    {"empty array", "0200000400", "[]"},
    {"large empty array", "030000000008000000", "[]"},
    {"array of inlined scalars", "02 0400 1000 040100 06ff00 050400 040200",
     "[true, 255, 4, false]"},
    {"nested array", "02 0100 1200 020700 0100 0b00 020700 0000 0400", "[[[]]]"},
    {"opaque decimal 123.456", "0ff60606 03807b01c8", "123.456"},
    {"opaque decimal 9.00", "0ff604 03028900", "9.00"},
    {"opaque decimal negative", "0ff607 0a027f439eb1a5", "-12345678.90"},
    {"opaque date", "0f0a08 0000000000e48b19", R"("2012-03-18")"},
    {"opaque datetime", "0f0c08 000000adb7e48b19", R"("2012-03-18 11:30:45.000000")"},
    {"opaque timestamp", "0f0708 40e20119761f9519", R"("2015-01-15 23:24:25.123456")"},
    {"opaque time", "0f0b08 f1fb09ee77050000", R"("87:31:46.654321")"},
    {"opaque negative time", "0f0b08 0000000040ffffff", R"("-12:00:00.000000")"},
    {"opaque varchar", "0f0f01 55", R"("base64:type15:VQ==")"},
    {"opaque blob", "0ffc03 010203", R"("base64:type252:AQID")"},
    {"opaque empty", "0ffc00", R"("base64:type252:")"},
    {"opaque two bytes", "0ff502 fffe", R"("base64:type245://4=")"},
};

class JsonValue : public testing::TestWithParam<ValueRow> {};

TEST_P(JsonValue, PrintsAsMySql) {
    const ValueRow& row = GetParam();
    if (row.text == nullptr) {
        GTEST_SKIP() << "covered elsewhere";
    }
    Status status;
    EXPECT_EQ(render(fromHex(row.hex), &status), row.text) << row.name;
    EXPECT_TRUE(status.ok());
}

INSTANTIATE_TEST_SUITE_P(Values, JsonValue, testing::ValuesIn(kValueRows));

TEST(JsonValue, LongStringUsesMultiByteLength) {
    const std::string text(200, 'q');
    std::vector<uint8_t> bytes(3 + text.size(), 'q');
    bytes[0] = 0x0c;
    bytes[1] = 0xc8;  // 200 = 0x48 | 1 << 7
    bytes[2] = 0x01;
    EXPECT_EQ(render(bytes), "\"" + text + "\"");
}

TEST(JsonContainers, LargeFormatInlinesInt32) {
    const JsonNode doc = JsonNode::object({{"a", JsonNode::integer(-100000)},
                                           {"b", JsonNode::unsignedInteger(4000000000u)},
                                           {"c", JsonNode::boolean(true)},
                                           {"", JsonNode::string("empty key")}});
    JsonEncodeOptions large;
    large.forceLarge = true;
    const auto bytes = encodeJson(doc, large);
    ASSERT_EQ(bytes[0], 0x01);
    EXPECT_EQ(render(bytes), R"({"a": -100000, "b": 4000000000, "c": true, "": "empty key"})");
    // The same document in small format stores the int32s out of line.
    EXPECT_EQ(render(encodeJson(doc)), render(bytes));
}

TEST(JsonContainers, DocumentAbove64KiBUsesLargeOffsets) {
    std::vector<JsonNode> items;
    std::string expected = "[";
    for (int i = 0; i < 7000; ++i) {
        const std::string s = "item" + std::to_string(i) + "-xxxxx";
        items.push_back(JsonNode::string(s));
        if (i > 0) {
            expected += ", ";
        }
        expected += "\"" + s + "\"";
    }
    expected += "]";
    const auto bytes = encodeJson(JsonNode::array(std::move(items)));
    ASSERT_GT(bytes.size(), 65536u);
    ASSERT_EQ(bytes[0], 0x03);
    EXPECT_EQ(render(bytes), expected);
}

TEST(JsonContainers, FollowsOffsetsNotStorageOrder) {
    const JsonNode doc = JsonNode::object(
        {{"k1", JsonNode::string("first")},
         {"k2", JsonNode::array({JsonNode::integer(70000), JsonNode::real(0.5, "0.5")})},
         {"k3", JsonNode::string("third")}});
    JsonEncodeOptions reversed;
    reversed.reverseValues = true;
    const auto bytes = encodeJson(doc, reversed);
    ASSERT_NE(bytes, encodeJson(doc));
    EXPECT_EQ(render(bytes), R"({"k1": "first", "k2": [70000, 0.5], "k3": "third"})");
}

std::vector<uint8_t> nestedArrays(unsigned depth) {
    JsonNode node = JsonNode::array({});
    for (unsigned i = 1; i < depth; ++i) {
        node = JsonNode::array({std::move(node)});
    }
    return encodeJson(node);
}

TEST(JsonDepth, HundredLevelsPrintAndMoreAreRejected) {
    const auto ok = nestedArrays(kMaxJsonDepth);
    EXPECT_EQ(render(ok), std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']'));

    const auto deep = nestedArrays(kMaxJsonDepth + 1);
    std::string out = "prefix";
    Status status = appendJsonText(deep.data(), deep.size(), out);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::Corrupt);
    EXPECT_NE(status.error().message.find("deeper"), std::string::npos);
    EXPECT_EQ(out, "prefix");
}

TEST(JsonRandom, RoundTripsGeneratedDocuments) {
    std::mt19937 rng(20240229);
    for (int i = 0; i < 300; ++i) {
        const JsonNode doc = test::randomJson(rng, 6);
        const std::string expected = test::mysqlText(doc);
        JsonEncodeOptions options;
        options.forceLarge = i % 3 == 0;
        options.reverseValues = i % 2 == 0;
        const auto bytes = encodeJson(doc, options);
        ASSERT_EQ(render(bytes), expected) << "document " << i;
    }
}

TEST(JsonCorrupt, EveryTruncationOfAContainerIsRejected) {
    std::mt19937 rng(7);
    std::vector<std::vector<uint8_t>> docs;
    docs.push_back(
        fromHex("0003003300190003001c000400200004000518000c24000c2f00616765646174616e"
                "616d650a78787878787878787878034a6f65"));
    for (int i = 0; i < 20; ++i) {
        docs.push_back(encodeJson(JsonNode::array({test::randomJson(rng, 4)})));
    }
    for (const auto& doc : docs) {
        for (size_t len = 1; len < doc.size(); ++len) {
            std::vector<uint8_t> cut(doc.begin(), doc.begin() + static_cast<long>(len));
            std::string out;
            Status status = appendJsonText(cut.data(), cut.size(), out);
            EXPECT_FALSE(status.ok()) << "prefix " << len << " of " << doc.size();
            EXPECT_TRUE(out.empty());
        }
    }
}

const ValueRow kCorruptRows[] = {
    {"unknown type", "0d00", nullptr},
    {"unknown literal", "0403", nullptr},
    {"int16 truncated", "05ff", nullptr},
    {"int64 truncated", "0900000000000000", nullptr},
    {"double truncated", "0b000000", nullptr},
    {"double NaN", "0b000000000000f87f", nullptr},
    {"double infinity", "0b000000000000f07f", nullptr},
    {"string length past end", "0c0561", nullptr},
    {"string length of six bytes", "0cffffffffff01", nullptr},
    {"string length above 4 GiB", "0cffffffff7f", nullptr},
    {"string length unterminated", "0c80", nullptr},
    {"opaque without type", "0f", nullptr},
    {"opaque length past end", "0f0f0555", nullptr},
    {"opaque decimal bad meta", "0ff603 000005", nullptr},
    {"opaque decimal wrong length", "0ff605 0302890000", nullptr},
    {"opaque decimal bad digits", "0ff604 0302ff00", nullptr},
    {"opaque date 7 bytes", "0f0a07 00000000e48b19", nullptr},
    {"opaque datetime negative", "0f0c08 0000000040ffffff", nullptr},
    {"opaque time hour 1023", "0f0b08 00000000ffff3f00", nullptr},
    {"object header truncated", "000100", nullptr},
    {"object size past end", "0001001000", nullptr},
    {"object entries past size", "00050009000000000000", nullptr},
    {"key offset past end", "0001000c00ff0001000400", nullptr},
    {"key length past end", "0001000c000b00ff000400", nullptr},
    {"value offset past end", "0001000d000b0001000c400061", nullptr},
    {"value offset inside header", "0201000a000c0000000000", nullptr},
    {"large array count overflow", "03ffffffff08000000", nullptr},
    {"nested string past container", "0201000800 0c0700 0c05", nullptr},
    {"inlined literal bad", "02010007000409000000", nullptr},
};

class JsonCorruptValue : public testing::TestWithParam<ValueRow> {};

TEST_P(JsonCorruptValue, IsRejectedAndLeavesOutput) {
    const ValueRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    std::string out = "keep";
    Status status = appendJsonText(bytes.data(), bytes.size(), out);
    ASSERT_FALSE(status.ok()) << row.name << " printed " << out;
    EXPECT_EQ(status.error().code, ErrorCode::Corrupt) << row.name;
    EXPECT_FALSE(status.error().message.empty());
    EXPECT_EQ(out, "keep") << row.name;
}

INSTANTIATE_TEST_SUITE_P(Inputs, JsonCorruptValue, testing::ValuesIn(kCorruptRows));

TEST(JsonCorrupt, SharedOffsetsCannotBlowUp) {
    // 60 levels of [x, x] where both entries point at the same child: 2^60 visits if followed.
    std::vector<uint8_t> body = {0x00, 0x00, 0x04, 0x00};  // innermost []
    for (int level = 0; level < 60; ++level) {
        const size_t size = 10 + body.size();
        std::vector<uint8_t> next = {0x02,
                                     0x00,
                                     static_cast<uint8_t>(size),
                                     static_cast<uint8_t>(size >> 8),
                                     0x02,
                                     0x0a,
                                     0x00,
                                     0x02,
                                     0x0a,
                                     0x00};
        next.resize(10 + body.size());
        std::copy(body.begin(), body.end(), next.begin() + 10);
        body = std::move(next);
    }
    std::vector<uint8_t> doc(1 + body.size(), 0x02);
    std::copy(body.begin(), body.end(), doc.begin() + 1);
    Status status;
    EXPECT_EQ(render(doc, &status).substr(0, 7), "<error:");
    EXPECT_NE(status.error().message.find("share"), std::string::npos);

    // 100 entries pointing at one 500-byte string.
    const size_t header = 4 + 100 * 3;
    std::vector<uint8_t> arr(header, 0);
    arr[0] = 100;
    for (size_t i = 0; i < 100; ++i) {
        arr[4 + i * 3] = 0x0c;
        arr[4 + i * 3 + 1] = static_cast<uint8_t>(header);
        arr[4 + i * 3 + 2] = static_cast<uint8_t>(header >> 8);
    }
    arr.push_back(0xf4);  // 500 as a variable-length length
    arr.push_back(0x03);
    arr.resize(arr.size() + 500, 'z');
    arr[2] = static_cast<uint8_t>(arr.size());
    arr[3] = static_cast<uint8_t>(arr.size() >> 8);
    std::vector<uint8_t> doc2(1 + arr.size(), 0x02);
    std::copy(arr.begin(), arr.end(), doc2.begin() + 1);
    EXPECT_EQ(render(doc2).substr(0, 7), "<error:");
}

TEST(JsonCorrupt, RandomByteFlipsNeverEscapeTheBuffer) {
    // Meaningful under ASan/UBSan (FERRY_SANITIZE=ON): every read must stay inside `mutated`.
    std::mt19937 rng(99);
    for (int i = 0; i < 3000; ++i) {
        const auto doc = encodeJson(test::randomJson(rng, 4));
        std::vector<uint8_t> mutated(doc.size());
        std::copy(doc.begin(), doc.end(), mutated.begin());
        const unsigned flips = 1 + rng() % 3;
        for (unsigned f = 0; f < flips; ++f) {
            mutated[rng() % mutated.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
        std::string out = "keep";
        Status status = appendJsonText(mutated.data(), mutated.size(), out);
        if (!status.ok()) {
            EXPECT_EQ(out, "keep");
            EXPECT_EQ(status.error().code, ErrorCode::Corrupt);
        }
    }
}

TEST(JsonQuoted, EscapesLikeMySql) {
    std::string out;
    appendJsonQuoted(std::string_view("a\"b\\c\x02\x1f\x20\xe2\x82\xac", 11), out);
    EXPECT_EQ(out, "\"a\\\"b\\\\c\\u0002\\u001f \xe2\x82\xac\"");
}

// ---- partial updates ---------------------------------------------------------------------

TEST(JsonDiffFixture, ReplaceAgeFromPartialUpdateEvent) {
    // The diff lists of PARTIAL_UPDATE_ROWS_EVENT @3750 in the json fixture.
    const std::pair<const char*, const char*> rows[] = {
        {"0005242e61676503051a00", "REPLACE $.age 26"},
        {"0005242e616765030522 00", "REPLACE $.age 34"},
        {"0005242e61676503052a00", "REPLACE $.age 42"},
    };
    for (const auto& [hex, text] : rows) {
        const auto bytes = fromHex(hex);
        JsonDiffReader reader(bytes);
        JsonDiff diff;
        auto more = reader.next(diff);
        ASSERT_TRUE(more.ok()) << more.error().message;
        ASSERT_TRUE(*more);
        EXPECT_EQ(diff.operation, JsonDiffOperation::Replace);
        EXPECT_EQ(diff.path, "$.age");
        EXPECT_EQ(diff.value.size(), 3u);
        std::string out;
        ASSERT_TRUE(appendJsonDiffText(diff, out).ok());
        EXPECT_EQ(out, text);
        auto end = reader.next(diff);
        ASSERT_TRUE(end.ok());
        EXPECT_FALSE(*end);
        EXPECT_EQ(reader.offset(), bytes.size());
    }
}

TEST(JsonDiffReader, ReadsSeveralOperations) {
    // INSERT $.tags[1] "x", REMOVE $.old, REPLACE $.o {"k": [1]} with a 2-byte lenenc value.
    std::vector<uint8_t> bytes = fromHex("01 09 242e746167735b315d 03 0c0178 02 05 242e6f6c64");
    const JsonNode big = JsonNode::object({{"k", JsonNode::array({JsonNode::integer(1)})},
                                           {"pad", JsonNode::string(std::string(300, 'p'))}});
    const auto bigBytes = encodeJson(big);
    bytes.push_back(0x00);
    bytes.push_back(0x03);
    for (char c : std::string_view("$.o")) {
        bytes.push_back(static_cast<uint8_t>(c));
    }
    bytes.push_back(0xfc);
    bytes.push_back(static_cast<uint8_t>(bigBytes.size()));
    bytes.push_back(static_cast<uint8_t>(bigBytes.size() >> 8));
    bytes.insert(bytes.end(), bigBytes.begin(), bigBytes.end());

    JsonDiffReader reader(bytes.data(), bytes.size());
    std::vector<std::string> texts;
    JsonDiff diff;
    while (true) {
        auto more = reader.next(diff);
        ASSERT_TRUE(more.ok()) << more.error().message;
        if (!*more) {
            break;
        }
        std::string out;
        ASSERT_TRUE(appendJsonDiffText(diff, out).ok());
        texts.push_back(out);
    }
    ASSERT_EQ(texts.size(), 3u);
    EXPECT_EQ(texts[0], R"(INSERT $.tags[1] "x")");
    EXPECT_EQ(texts[1], "REMOVE $.old");
    EXPECT_EQ(texts[2], "REPLACE $.o " + test::mysqlText(big));
    EXPECT_EQ(jsonDiffOperationName(JsonDiffOperation::Insert), "INSERT");
}

const ValueRow kCorruptDiffRows[] = {
    {"unknown operation", "0305242e61676503051a00", nullptr},
    {"path length missing", "00", nullptr},
    {"empty path", "0000", nullptr},
    {"path past end", "0009242e616765", nullptr},
    {"path length NULL", "00fb", nullptr},
    {"path length 0xff", "00ff", nullptr},
    {"path lenenc truncated", "00fc05", nullptr},
    {"value length missing", "0005242e616765", nullptr},
    {"value past end", "0005242e61676509051a00", nullptr},
    {"empty value", "0005242e61676500", nullptr},
    {"value lenenc 8 bytes truncated", "0005242e616765fe0100", nullptr},
};

class JsonDiffCorrupt : public testing::TestWithParam<ValueRow> {};

TEST_P(JsonDiffCorrupt, IsRejectedAndStaysFailed) {
    const ValueRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    JsonDiffReader reader(bytes);
    JsonDiff diff;
    auto first = reader.next(diff);
    ASSERT_FALSE(first.ok()) << row.name;
    EXPECT_EQ(first.error().code, ErrorCode::Corrupt);
    auto second = reader.next(diff);
    EXPECT_FALSE(second.ok()) << row.name;
}

INSTANTIATE_TEST_SUITE_P(Inputs, JsonDiffCorrupt, testing::ValuesIn(kCorruptDiffRows));

TEST(JsonDiffText, BadValueLeavesOutput) {
    const auto bytes = fromHex("0005242e616765020d00");
    JsonDiffReader reader(bytes);
    JsonDiff diff;
    auto more = reader.next(diff);
    ASSERT_TRUE(more.ok());
    ASSERT_TRUE(*more);
    std::string out = "keep";
    EXPECT_FALSE(appendJsonDiffText(diff, out).ok());
    EXPECT_EQ(out, "keep");
}

}  // namespace
}  // namespace ferry::binlog
