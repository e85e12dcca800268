// SPDX-License-Identifier: Apache-2.0
// One row per column type: the JSON `ferryctl binlog dump` writes for a decoded value.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "ferry/binlog/row_image.h"
#include "ferry/ctl/value_json.h"
#include "mini_json.h"

namespace ferry::ctl {
namespace {

using binlog::ColumnValue;
using binlog::ValueKind;
namespace ct = binlog::column_type;

struct ValueCase {
    std::string name;
    ValueKind kind;
    std::uint8_t type;
    std::uint16_t meta;
    std::int64_t i;  // also u, through the union
    std::vector<std::uint8_t> bytes;
    std::string expected;
    std::uint16_t collation = 0;
    std::uint32_t padLength = 0;
    std::uint32_t microseconds = 0;
    double d = 0;
};

std::vector<std::uint8_t> b(std::initializer_list<int> values) {
    std::vector<std::uint8_t> out;
    for (int v : values) {
        out.push_back(static_cast<std::uint8_t>(v));
    }
    return out;
}

std::vector<std::uint8_t> text(std::string_view s) {
    return {s.begin(), s.end()};
}

// DATETIME2 as the server stores it: 5 bytes big-endian of (packed + 2^39), then the fraction.
std::vector<std::uint8_t> datetime2(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi,
                                    unsigned s, std::uint32_t fraction, unsigned fractionBytes) {
    const std::uint64_t ym = y * 13ull + mo;
    const std::uint64_t ymd = (ym << 5) | d;
    const std::uint64_t hms = (h << 12) | (mi << 6) | s;
    const std::uint64_t packed = ((ymd << 17) | hms) + (std::uint64_t{1} << 39);
    std::vector<std::uint8_t> out;
    for (int shift = 32; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(packed >> shift));
    }
    for (int k = static_cast<int>(fractionBytes) - 1; k >= 0; --k) {
        out.push_back(static_cast<std::uint8_t>(fraction >> (8 * k)));
    }
    return out;
}

// TIME2(0): 3 bytes big-endian of (hms + 2^23), negative values as 2^23 - hms.
std::vector<std::uint8_t> time2(bool negative, unsigned h, unsigned mi, unsigned s) {
    const std::int64_t hms = (h << 12) | (mi << 6) | s;
    const auto v = static_cast<std::uint32_t>((negative ? -hms : hms) + (1 << 23));
    return b({static_cast<int>((v >> 16) & 0xff), static_cast<int>((v >> 8) & 0xff),
              static_cast<int>(v & 0xff)});
}

constexpr std::int64_t kSafe = (std::int64_t{1} << 53) - 1;

std::vector<ValueCase> valueCases() {
    std::vector<ValueCase> c;
    c.push_back({"null", ValueKind::Null, ct::kLong, 0, 0, {}, "null"});
    c.push_back({"tinyint_min", ValueKind::SignedInt, ct::kTiny, 0, -128, {}, "-128"});
    c.push_back(
        {"int_safe_max", ValueKind::SignedInt, ct::kLongLong, 0, kSafe, {}, "9007199254740991"});
    c.push_back({"bigint_past_53_bits",
                 ValueKind::SignedInt,
                 ct::kLongLong,
                 0,
                 kSafe + 1,
                 {},
                 "\"9007199254740992\""});
    c.push_back({"bigint_min",
                 ValueKind::SignedInt,
                 ct::kLongLong,
                 0,
                 std::numeric_limits<std::int64_t>::min(),
                 {},
                 "\"-9223372036854775808\""});
    c.push_back({"bigint_unsigned_max",
                 ValueKind::UnsignedInt,
                 ct::kLongLong,
                 0,
                 -1,
                 {},
                 "\"18446744073709551615\""});
    c.push_back(
        {"int_unsigned", ValueKind::UnsignedInt, ct::kLong, 0, 4294967295, {}, "4294967295"});
    ValueCase dbl{"double", ValueKind::Double, ct::kDouble, 8, 0, {}, "-1.5"};
    dbl.d = -1.5;
    c.push_back(dbl);
    ValueCase big{"double_exponent", ValueKind::Double, ct::kDouble, 8, 0, {}, "1e300"};
    big.d = 1e300;
    c.push_back(big);
    ValueCase flt{"float_shortest", ValueKind::Float, ct::kFloat, 4, 0, {}, "0.1"};
    flt.d = static_cast<double>(0.1f);
    c.push_back(flt);
    // DECIMAL(10,2): 4 bytes for 8 integer digits, 1 byte for 2 fraction digits, sign bit flipped.
    c.push_back({"decimal_positive", ValueKind::Decimal, ct::kNewDecimal, (10 << 8) | 2, 0,
                 b({0x80, 0x00, 0x04, 0xd2, 0x38}), "\"1234.56\""});
    c.push_back({"decimal_negative", ValueKind::Decimal, ct::kNewDecimal, (10 << 8) | 2, 0,
                 b({0x7f, 0xff, 0xfb, 0x2d, 0xc7}), "\"-1234.56\""});
    c.push_back({"year", ValueKind::Year, ct::kYear, 0, 2155, {}, "\"2155\""});
    c.push_back({"year_zero", ValueKind::Year, ct::kYear, 0, 0, {}, "\"0000\""});
    c.push_back({"date",
                 ValueKind::Date,
                 ct::kNewDate,
                 0,
                 (2024 << 9) | (2 << 5) | 29,
                 {},
                 "\"2024-02-29\""});
    c.push_back({"date_zero", ValueKind::Date, ct::kNewDate, 0, 0, {}, "\"0000-00-00\""});
    c.push_back({"time_old", ValueKind::Time, ct::kTime, 0, -123456, {}, "\"-12:34:56\""});
    c.push_back({"time2_min", ValueKind::Time2, ct::kTime2, 0, 0, time2(true, 838, 59, 59),
                 "\"-838:59:59\""});
    c.push_back({"datetime_old",
                 ValueKind::Datetime,
                 ct::kDatetime,
                 0,
                 20240229235959,
                 {},
                 "\"2024-02-29 23:59:59\""});
    c.push_back({"datetime2_fsp6", ValueKind::Datetime2, ct::kDatetime2, 6, 0,
                 datetime2(2024, 2, 29, 23, 59, 59, 999999, 3), "\"2024-02-29 23:59:59.999999\""});
    c.push_back({"datetime2_zero", ValueKind::Datetime2, ct::kDatetime2, 0, 0,
                 datetime2(0, 0, 0, 0, 0, 0, 0, 0), "\"0000-00-00 00:00:00\""});
    ValueCase ts{"timestamp2_fsp3",
                 ValueKind::Timestamp,
                 ct::kTimestamp2,
                 3,
                 2147483647,
                 {},
                 "\"2038-01-19 03:14:07.999\""};
    ts.microseconds = 999000;
    c.push_back(ts);
    c.push_back({"timestamp_zero",
                 ValueKind::Timestamp,
                 ct::kTimestamp,
                 0,
                 0,
                 {},
                 "\"0000-00-00 00:00:00\""});
    c.push_back({"bit", ValueKind::Bit, ct::kBit, 0, 5461, {}, "5461"});
    c.push_back({"enum_without_labels", ValueKind::Enum, ct::kEnum, 0, 2, {}, "2"});
    c.push_back({"set_without_labels", ValueKind::Set, ct::kSet, 0, 5, {}, "5"});
    c.push_back({"utf8mb4_text", ValueKind::String, ct::kVarchar, 0, 0,
                 text("h\xc3\xa9llo \xf0\x9f\x98\x80 \"q\"\n"),
                 "\"h\xc3\xa9llo \xf0\x9f\x98\x80 \\\"q\\\"\\n\"", 45});
    c.push_back({"utf8_empty", ValueKind::String, ct::kVarchar, 0, 0, {}, "\"\"", 33});
    c.push_back(
        {"utf8mb4_0900", ValueKind::String, ct::kBlob, 0, 0, text("t\x01"), "\"t\\u0001\"", 255});
    c.push_back(
        {"mariadb_uca1400", ValueKind::String, ct::kVarchar, 0, 0, text("x"), "\"x\"", 2304});
    c.push_back({"latin1", ValueKind::String, ct::kVarchar, 0, 0, text("caf\xe9 \x80"),
                 "\"caf\xc3\xa9 \xe2\x82\xac\"", 8});
    c.push_back({"ascii", ValueKind::String, ct::kString, 0, 0, text("abc"), "\"abc\"", 11});
    c.push_back({"utf8_invalid_bytes", ValueKind::String, ct::kVarchar, 0, 0, text("a\xff"),
                 "{\"base64\":\"Yf8=\"}", 45});
    c.push_back({"other_charset_gbk", ValueKind::String, ct::kVarchar, 0, 0, text("\xd6\xd0"),
                 "{\"base64\":\"1tA=\"}", 28});
    c.push_back(
        {"unknown_charset_utf8", ValueKind::String, ct::kVarchar, 0, 0, text("ok"), "\"ok\"", 0});
    c.push_back({"unknown_charset_binary", ValueKind::String, ct::kBlob, 0, 0, b({0xff, 0x00}),
                 "{\"base64\":\"/wA=\"}", 0});
    c.push_back({"blob", ValueKind::String, ct::kBlob, 0, 0, b({0x00, 0x01, 0xfe}),
                 "{\"base64\":\"AAH+\"}", 63});
    ValueCase padded{"binary_padded", ValueKind::String,           ct::kString, 0, 0,
                     b({0x01, 0x02}), "{\"base64\":\"AQIAAA==\"}", 63};
    padded.padLength = 4;
    c.push_back(padded);
    // {"a": 1}: small object, 1 element, 12 bytes, key entry (11, 1), int16 value inline.
    c.push_back({"json_object", ValueKind::Json, ct::kJson, 4, 0,
                 b({0x00, 0x01, 0x00, 0x0c, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x05, 0x01, 0x00, 0x61}),
                 "{\"a\": 1}"});
    c.push_back({"json_empty_is_null", ValueKind::Json, ct::kJson, 4, 0, {}, "null"});
    c.push_back({"json_diff", ValueKind::JsonDiff, ct::kJson, 4, 0,
                 b({0x00, 0x03, '$', '.', 'a', 0x03, 0x05, 0x02, 0x00}),
                 "{\"json_diff\":[\"REPLACE $.a 2\"]}"});
    std::vector<std::uint8_t> point = b({0xe6, 0x10, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00});
    point.insert(point.end(), {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f});
    c.push_back({"geometry_point", ValueKind::Geometry, ct::kGeometry, 4, 0, point,
                 "{\"srid\":4326,\"wkb_base64\":\"AQEAAAAAAAAAAAAAAAAAAAAAAPA/\"}"});
    c.push_back({"vector", ValueKind::Vector, ct::kVector, 4, 0,
                 b({0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x80, 0xbe}), "[1,-0.25]"});
    return c;
}

class ValueJsonTest : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ValueJsonTest, RendersAsDocumented) {
    const ValueCase& c = GetParam();
    ColumnValue value;
    value.kind = c.kind;
    value.type = c.type;
    value.meta = c.meta;
    value.collation = c.collation;
    value.padLength = c.padLength;
    value.microseconds = c.microseconds;
    if (c.kind == ValueKind::Float || c.kind == ValueKind::Double) {
        value.d = c.d;
    } else {
        value.i = c.i;
    }
    value.bytes = c.bytes;
    std::string out;
    Status status = appendValueJson(value, nullptr, out);
    ASSERT_TRUE(status.ok()) << status.error().toString();
    EXPECT_EQ(out, c.expected);
    std::string error;
    EXPECT_TRUE(testing::JsonReader::parse(out, &error)) << error << ": " << out;
}

INSTANTIATE_TEST_SUITE_P(Types, ValueJsonTest, ::testing::ValuesIn(valueCases()),
                         [](const ::testing::TestParamInfo<ValueCase>& row) {
                             return row.param.name;
                         });

TEST(ValueJson, EnumAndSetUseLabelsWhenTheyCoverTheValue) {
    const std::vector<std::string> labels = {"a", "b", "c\"d"};
    ColumnValue value;
    value.kind = ValueKind::Enum;
    const std::pair<std::uint64_t, std::string> enums[] = {
        {1, "\"a\""}, {3, "\"c\\\"d\""}, {0, "\"\""}, {4, "4"}};
    for (const auto& [index, expected] : enums) {
        value.u = index;
        std::string out;
        ASSERT_TRUE(appendValueJson(value, &labels, out).ok());
        EXPECT_EQ(out, expected);
    }
    value.kind = ValueKind::Set;
    const std::pair<std::uint64_t, std::string> sets[] = {
        {0, "\"\""}, {5, "\"a,c\\\"d\""}, {7, "\"a,b,c\\\"d\""}, {8, "8"}};
    for (const auto& [mask, expected] : sets) {
        value.u = mask;
        std::string out;
        ASSERT_TRUE(appendValueJson(value, &labels, out).ok());
        EXPECT_EQ(out, expected);
    }
}

TEST(ValueJson, CorruptValuesFailAndLeaveTheOutputUnchanged) {
    const std::vector<std::uint8_t> shortDecimal = b({0x80, 0x00});
    const std::vector<std::uint8_t> badGeometry = b({0x00, 0x00});
    const std::vector<std::uint8_t> badVector = b({0x00, 0x00, 0x80});
    const std::vector<std::uint8_t> badJson = b({0x00, 0x05, 0x00});
    struct Bad {
        ValueKind kind;
        std::uint16_t meta;
        const std::vector<std::uint8_t>* bytes;
    };
    const Bad cases[] = {{ValueKind::Decimal, (10 << 8) | 2, &shortDecimal},
                         {ValueKind::Geometry, 4, &badGeometry},
                         {ValueKind::Vector, 4, &badVector},
                         {ValueKind::Json, 4, &badJson}};
    for (const Bad& bad : cases) {
        ColumnValue value;
        value.kind = bad.kind;
        value.meta = bad.meta;
        value.bytes = *bad.bytes;
        std::string out = "prefix";
        Status status = appendValueJson(value, nullptr, out);
        EXPECT_FALSE(status.ok()) << static_cast<int>(bad.kind);
        EXPECT_EQ(out, "prefix");
    }
}

TEST(RowImageJson, KeysByNameOrIndexAndSkipsAbsentColumns) {
    binlog::TableMap table;
    table.schema = "shop";
    table.table = "orders";
    table.columns.resize(3);
    table.columns[0].name = "id";
    table.columns[2].name = "";  // no name: keyed by index
    table.enumSetIndex.assign(3, -1);
    std::vector<ColumnValue> row(3);
    row[0].kind = ValueKind::SignedInt;
    row[0].i = 7;
    row[1].kind = ValueKind::Absent;
    row[2].kind = ValueKind::Null;
    std::string out;
    ASSERT_TRUE(appendRowImageJson(row, &table, out).ok());
    EXPECT_EQ(out, "{\"id\":7,\"2\":null}");

    std::string noTable;
    ASSERT_TRUE(appendRowImageJson(row, nullptr, noTable).ok());
    EXPECT_EQ(noTable, "{\"0\":7,\"2\":null}");
}

TEST(RowImageJson, ErrorsNameTheColumn) {
    binlog::TableMap table;
    table.schema = "shop";
    table.table = "orders";
    table.columns.resize(1);
    table.columns[0].name = "price";
    table.enumSetIndex.assign(1, -1);
    const std::vector<std::uint8_t> bytes = b({0x80});
    std::vector<ColumnValue> row(1);
    row[0].kind = ValueKind::Decimal;
    row[0].meta = (10 << 8) | 2;
    row[0].bytes = bytes;
    std::string out;
    Status status = appendRowImageJson(row, &table, out);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("shop.orders column price"), std::string::npos)
        << status.error().message;
}

TEST(Collations, MapToCharsets) {
    EXPECT_EQ(charsetOfCollation(0), TextCharset::Unknown);
    EXPECT_EQ(charsetOfCollation(63), TextCharset::Binary);
    EXPECT_EQ(charsetOfCollation(33), TextCharset::Utf8);
    EXPECT_EQ(charsetOfCollation(45), TextCharset::Utf8);
    EXPECT_EQ(charsetOfCollation(224), TextCharset::Utf8);
    EXPECT_EQ(charsetOfCollation(255), TextCharset::Utf8);
    EXPECT_EQ(charsetOfCollation(1069), TextCharset::Utf8);  // MariaDB utf8mb4_general_nopad_ci
    EXPECT_EQ(charsetOfCollation(8), TextCharset::Latin1);
    EXPECT_EQ(charsetOfCollation(1032), TextCharset::Latin1);  // latin1_swedish_nopad_ci
    EXPECT_EQ(charsetOfCollation(11), TextCharset::Ascii);
    EXPECT_EQ(charsetOfCollation(28), TextCharset::Other);   // gbk
    EXPECT_EQ(charsetOfCollation(35), TextCharset::Other);   // ucs2
    EXPECT_EQ(charsetOfCollation(248), TextCharset::Other);  // gb18030
}

}  // namespace
}  // namespace ferry::ctl
