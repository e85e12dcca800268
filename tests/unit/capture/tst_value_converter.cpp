// SPDX-License-Identifier: Apache-2.0
// ValueConverter: one row per value kind (and per edge of it), then a corrupt-input table.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "ferry/binlog/event_types.h"
#include "ferry/capture/value_converter.h"

namespace ferry::capture::test {
namespace {

using binlog::ValueKind;
namespace ct = binlog::column_type;

// Big-endian DATETIME2 bytes (fsp 0): 1 sign bit, 17 bits year*13+month, 5 day, 5 hour,
// 6 minute, 6 second.
std::string datetime2(unsigned year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                      unsigned second) {
    std::uint64_t ym = year * 13u + month;
    std::uint64_t packed = (std::uint64_t{1} << 39) | (ym << 22) | (std::uint64_t{day} << 17) |
                           (std::uint64_t{hour} << 12) | (std::uint64_t{minute} << 6) | second;
    std::string out;
    for (int shift = 32; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((packed >> shift) & 0xff));
    }
    return out;
}

// Big-endian TIME2 bytes (fsp 0) of a non-negative time: 0x800000 + hh<<12 | mm<<6 | ss.
std::string time2(unsigned hour, unsigned minute, unsigned second) {
    std::uint32_t packed = 0x800000u + ((hour << 12) | (minute << 6) | second);
    return {static_cast<char>(packed >> 16), static_cast<char>((packed >> 8) & 0xff),
            static_cast<char>(packed & 0xff)};
}

std::string le(std::uint64_t v, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    return out;
}

std::string pointWkb(double x, double y) {
    std::string out = le(0, 4);  // SRID 0
    out += '\x01';               // little-endian
    out += le(1, 4);             // POINT
    std::uint64_t bits;
    std::memcpy(&bits, &x, 8);
    out += le(bits, 8);
    std::memcpy(&bits, &y, 8);
    out += le(bits, 8);
    return out;
}

struct Case {
    std::string name;
    ValueKind kind;
    std::uint8_t type = 0;
    std::uint16_t meta = 0;
    std::uint16_t collation = 0;
    std::uint32_t padLength = 0;
    std::uint32_t micro = 0;
    std::int64_t scalar = 0;  // i or u (reinterpreted)
    double real = 0;
    std::string bytes;
    ColumnHint hint = ColumnHint::None;
    std::function<void(v1::Value&)> expect;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

binlog::ColumnValue makeValue(const Case& c) {
    binlog::ColumnValue v;
    v.kind = c.kind;
    v.type = c.type;
    v.meta = c.meta;
    v.collation = c.collation;
    v.padLength = c.padLength;
    v.microseconds = c.micro;
    if (c.kind == ValueKind::Float || c.kind == ValueKind::Double) {
        v.d = c.real;
    } else {
        v.i = c.scalar;
    }
    v.bytes = {reinterpret_cast<const std::uint8_t*>(c.bytes.data()), c.bytes.size()};
    return v;
}

std::vector<Case> valueCases() {
    std::vector<Case> cases;
    auto add = [&](Case c) { cases.push_back(std::move(c)); };
    add({"absent", ValueKind::Absent, ct::kLong, 0, 0, 0, 0, 0, 0, "", ColumnHint::None,
         [](v1::Value&) {}});
    add({"null", ValueKind::Null, ct::kLong, 0, 0, 0, 0, 0, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_null(true); }});
    add({"signed min", ValueKind::SignedInt, ct::kLongLong, 0, 0, 0, 0,
         std::numeric_limits<std::int64_t>::min(), 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_int_(std::numeric_limits<std::int64_t>::min()); }});
    add({"unsigned max", ValueKind::UnsignedInt, ct::kLongLong, 0, 0, 0, 0, -1, 0, "",
         ColumnHint::None,
         [](v1::Value& v) { v.set_uint(std::numeric_limits<std::uint64_t>::max()); }});
    add({"year", ValueKind::Year, ct::kYear, 0, 0, 0, 0, 2155, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_int_(2155); }});
    add({"float widened exactly", ValueKind::Float, ct::kFloat, 4, 0, 0, 0, 0,
         static_cast<double>(0.1f), "", ColumnHint::None,
         [](v1::Value& v) { v.set_real(static_cast<double>(0.1f)); }});
    add({"double", ValueKind::Double, ct::kDouble, 8, 0, 0, 0, 0, -2.5e-300, "", ColumnHint::None,
         [](v1::Value& v) { v.set_real(-2.5e-300); }});
    // DECIMAL(4,2): one byte of integer digits, one of fraction; the sign bit is flipped.
    add({"decimal positive", ValueKind::Decimal, ct::kNewDecimal, (4 << 8) | 2, 0, 0, 0, 0, 0,
         "\x8c\x22", ColumnHint::None, [](v1::Value& v) { v.set_decimal("12.34"); }});
    add({"decimal negative", ValueKind::Decimal, ct::kNewDecimal, (4 << 8) | 2, 0, 0, 0, 0, 0,
         "\x73\xdd", ColumnHint::None, [](v1::Value& v) { v.set_decimal("-12.34"); }});
    add({"date", ValueKind::Date, ct::kDate, 0, 0, 0, 0, 0, 0,
         le((2024u << 9) | (2u << 5) | 29u, 3), ColumnHint::None,
         [](v1::Value& v) { v.set_temporal("2024-02-29"); }});
    add({"zero date kept", ValueKind::Date, ct::kDate, 0, 0, 0, 0, 0, 0, le(0, 3), ColumnHint::None,
         [](v1::Value& v) { v.set_temporal("0000-00-00"); }});
    add({"old time", ValueKind::Time, ct::kTime, 0, 0, 0, 0, 0, 0, le(123456, 3), ColumnHint::None,
         [](v1::Value& v) { v.set_temporal("12:34:56"); }});
    add({"old datetime", ValueKind::Datetime, ct::kDatetime, 0, 0, 0, 0, 0, 0,
         le(20111231235958ull, 8), ColumnHint::None,
         [](v1::Value& v) { v.set_temporal("2011-12-31 23:59:58"); }});
    add({"time2", ValueKind::Time2, ct::kTime2, 0, 0, 0, 0, 0, 0, time2(838, 59, 59),
         ColumnHint::None, [](v1::Value& v) { v.set_temporal("838:59:59"); }});
    add({"datetime2", ValueKind::Datetime2, ct::kDatetime2, 0, 0, 0, 0, 0, 0,
         datetime2(2024, 2, 29, 23, 59, 58), ColumnHint::None,
         [](v1::Value& v) { v.set_temporal("2024-02-29 23:59:58"); }});
    add({"timestamp2 fsp 3", ValueKind::Timestamp, ct::kTimestamp2, 3, 0, 0, 999000, 2147483647, 0,
         "", ColumnHint::None, [](v1::Value& v) {
             v.mutable_timestamp()->set_seconds(2147483647);
             v.mutable_timestamp()->set_microseconds(999000);
             v.mutable_timestamp()->set_fsp(3);
         }});
    add({"old timestamp has fsp 0", ValueKind::Timestamp, ct::kTimestamp, 0, 0, 0, 0, 1, 0, "",
         ColumnHint::None, [](v1::Value& v) { v.mutable_timestamp()->set_seconds(1); }});
    add({"zero timestamp", ValueKind::Timestamp, ct::kTimestamp2, 6, 0, 0, 0, 0, 0, "",
         ColumnHint::None, [](v1::Value& v) { v.mutable_timestamp()->set_fsp(6); }});
    add({"bit", ValueKind::Bit, ct::kBit, 0x0105, 0, 0, 0, 0x1555, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_bit(0x1555); }});
    add({"enum", ValueKind::Enum, ct::kEnum, 0, 0, 0, 0, 3, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_enum_index(3); }});
    add({"enum error value", ValueKind::Enum, ct::kEnum, 0, 0, 0, 0, 0, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_enum_index(0); }});
    add({"set", ValueKind::Set, ct::kSet, 0, 0, 0, 0, 1ll << 63, 0, "", ColumnHint::None,
         [](v1::Value& v) { v.set_set_bits(std::uint64_t{1} << 63); }});
    add({"text keeps collation", ValueKind::String, ct::kVarchar, 1200, 45, 0, 0, 0, 0,
         "h\xc3\xa9llo", ColumnHint::None, [](v1::Value& v) {
             v.set_text("h\xc3\xa9llo");
             v.set_collation(45);
         }});
    add({"text of unknown collation", ValueKind::String, ct::kString, 0xfe0a, 0, 0, 0, 0, 0, "ab",
         ColumnHint::None, [](v1::Value& v) { v.set_text("ab"); }});
    add({"binary padding restored", ValueKind::String, ct::kString, 0xfe04, 63, 4, 0, 0, 0,
         std::string("\x01\x02", 2), ColumnHint::None,
         [](v1::Value& v) { v.set_binary(std::string("\x01\x02\x00\x00", 4)); }});
    add({"varbinary not padded", ValueKind::String, ct::kVarchar, 10, 63, 0, 0, 0, 0,
         std::string("\x00\x00", 2), ColumnHint::None,
         [](v1::Value& v) { v.set_binary(std::string(2, '\0')); }});
    add({"empty blob is binary", ValueKind::String, ct::kBlob, 4, 63, 0, 0, 0, 0, "",
         ColumnHint::None, [](v1::Value& v) { v.set_binary(""); }});
    add({"mariadb json by hint", ValueKind::String, ct::kBlob, 4, 46, 0, 0, 0, 0, R"({"a":[1,2]})",
         ColumnHint::Json, [](v1::Value& v) { v.set_json(R"({"a":[1,2]})"); }});
    add({"binary json int16", ValueKind::Json, ct::kJson, 4, 0, 0, 0, 0, 0,
         std::string("\x05\x1a\x00", 3), ColumnHint::None, [](v1::Value& v) { v.set_json("26"); }});
    add({"binary json string", ValueKind::Json, ct::kJson, 4, 0, 0, 0, 0, 0,
         "\x0c\x03"
         "abc",
         ColumnHint::None, [](v1::Value& v) { v.set_json("\"abc\""); }});
    add({"empty binary json is null", ValueKind::Json, ct::kJson, 4, 0, 0, 0, 0, 0, "",
         ColumnHint::None, [](v1::Value& v) { v.set_json("null"); }});
    add({"json diffs", ValueKind::JsonDiff, ct::kJson, 4, 0, 0, 0, 0, 0,
         std::string("\x00\x05$.age\x03\x05\x1a\x00"
                     "\x02\x03$.b",
                     16),
         ColumnHint::None, [](v1::Value& v) {
             auto* replace = v.mutable_json_diffs()->add_diffs();
             replace->set_operation(v1::JSON_DIFF_OPERATION_REPLACE);
             replace->set_path("$.age");
             replace->set_value("26");
             auto* remove = v.mutable_json_diffs()->add_diffs();
             remove->set_operation(v1::JSON_DIFF_OPERATION_REMOVE);
             remove->set_path("$.b");
         }});
    add({"geometry", ValueKind::Geometry, ct::kGeometry, 4, 63, 0, 0, 0, 0, pointWkb(1, 2),
         ColumnHint::None, [](v1::Value& v) { v.set_geometry(pointWkb(1, 2)); }});
    add({"vector", ValueKind::Vector, ct::kVector, 4, 0, 0, 0, 0, 0,
         std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8), ColumnHint::None,
         [](v1::Value& v) { v.set_vector(std::string("\x00\x00\x80\x3f\x00\x00\x00\xc0", 8)); }});
    return cases;
}

class ValueConverterKinds : public ::testing::TestWithParam<Case> {};

TEST_P(ValueConverterKinds, ConvertsExactly) {
    const Case& c = GetParam();
    binlog::ColumnInfo column;
    column.name = "c";
    v1::Value got;
    got.set_text("stale");  // convert() must start from a clean value
    auto status = ValueConverter::convert(makeValue(c), column, 3, got, c.hint);
    ASSERT_TRUE(status.ok()) << status.error().toString();
    v1::Value want;
    c.expect(want);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, want))
        << "got:  " << got.ShortDebugString() << "\nwant: " << want.ShortDebugString();
}

INSTANTIATE_TEST_SUITE_P(AllKinds, ValueConverterKinds, ::testing::ValuesIn(valueCases()),
                         [](const ::testing::TestParamInfo<Case>& param) {
                             std::string name;
                             for (char ch : param.param.name) {
                                 name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             }
                             return name;
                         });

struct CorruptCase {
    std::string name;
    ValueKind kind;
    std::uint8_t type;
    std::uint16_t meta;
    std::uint32_t micro;
    std::int64_t scalar;
    std::string bytes;
    std::string expectInMessage;
};

std::vector<CorruptCase> corruptCases() {
    return {
        {"decimal truncated", ValueKind::Decimal, ct::kNewDecimal, (10 << 8) | 2, 0, 0, "\x80",
         "DECIMAL"},
        {"decimal bad metadata", ValueKind::Decimal, ct::kNewDecimal, (70 << 8) | 2, 0, 0,
         std::string(40, '\x80'), "DECIMAL"},
        {"date month 13", ValueKind::Date, ct::kDate, 0, 0, 0, le((2024u << 9) | (13u << 5) | 1, 3),
         "DATE"},
        {"old time minute 60", ValueKind::Time, ct::kTime, 0, 0, 0, le(126000, 3), "TIME"},
        {"old datetime hour 24", ValueKind::Datetime, ct::kDatetime, 0, 0, 0,
         le(20240101240000ull, 8), "DATETIME"},
        {"time2 truncated", ValueKind::Time2, ct::kTime2, 0, 0, 0, "\x80", "TIME"},
        {"datetime2 fsp 7", ValueKind::Datetime2, ct::kDatetime2, 7, 0, 0,
         datetime2(2024, 1, 1, 0, 0, 0) + "\0\0\0\0", "DATETIME"},
        {"timestamp fraction a second", ValueKind::Timestamp, ct::kTimestamp2, 6, 1000000, 5, "",
         "fraction"},
        {"enum index above 65535", ValueKind::Enum, ct::kEnum, 0, 0, 70000, "", "ENUM"},
        {"json bad type byte", ValueKind::Json, ct::kJson, 4, 0, 0, "\x7f\x00", "JSON"},
        {"json truncated object", ValueKind::Json, ct::kJson, 4, 0, 0,
         std::string("\x00\x01\x00\x40\x00", 5), "JSON"},
        {"json diff truncated", ValueKind::JsonDiff, ct::kJson, 4, 0, 0,
         std::string("\x00\x05$.a", 5), "partial JSON"},
        {"json diff bad operation", ValueKind::JsonDiff, ct::kJson, 4, 0, 0,
         std::string("\x09\x03$.a", 5), "partial JSON"},
        {"geometry too short", ValueKind::Geometry, ct::kGeometry, 4, 0, 0, "\0\0\0", "GEOMETRY"},
        {"geometry bad byte order", ValueKind::Geometry, ct::kGeometry, 4, 0, 0,
         std::string("\0\0\0\0\x07\x01\0\0\0", 9), "GEOMETRY"},
        {"vector not a multiple of 4", ValueKind::Vector, ct::kVector, 4, 0, 0,
         std::string(5, '\0'), "VECTOR"},
    };
}

void PrintTo(const CorruptCase& c, std::ostream* os) {
    *os << c.name;
}

class ValueConverterCorrupt : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(ValueConverterCorrupt, IsRejectedWithTheColumnNamed) {
    const CorruptCase& c = GetParam();
    binlog::ColumnValue value;
    value.kind = c.kind;
    value.type = c.type;
    value.meta = c.meta;
    value.microseconds = c.micro;
    value.i = c.scalar;
    value.bytes = {reinterpret_cast<const std::uint8_t*>(c.bytes.data()), c.bytes.size()};
    binlog::ColumnInfo column;
    column.name = "price";
    v1::Value got;
    auto status = ValueConverter::convert(value, column, 7, got);
    ASSERT_FALSE(status.ok()) << "converted to " << got.ShortDebugString();
    EXPECT_EQ(status.error().code, ErrorCode::Corrupt);
    EXPECT_NE(status.error().message.find("column 7 (`price`)"), std::string::npos)
        << status.error().message;
    EXPECT_NE(status.error().message.find(c.expectInMessage), std::string::npos)
        << status.error().message;
    EXPECT_EQ(got.kind_case(), v1::Value::KIND_NOT_SET) << "no half-converted value is left";
}

INSTANTIATE_TEST_SUITE_P(Table, ValueConverterCorrupt, ::testing::ValuesIn(corruptCases()),
                         [](const ::testing::TestParamInfo<CorruptCase>& param) {
                             std::string name;
                             for (char ch : param.param.name) {
                                 name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                             }
                             return name;
                         });

TEST(ValueConverter, ImageMustHaveOneValuePerColumn) {
    binlog::TableMap map;
    map.schema = "s";
    map.table = "t";
    map.columns.resize(2);
    std::vector<binlog::ColumnValue> values(1);
    google::protobuf::RepeatedPtrField<v1::Value> out;
    auto status = ValueConverter::convertImage(values, map, {}, out);
    ASSERT_FALSE(status.ok());
    EXPECT_NE(status.error().message.find("`s`.`t`"), std::string::npos);
}

TEST(ValueConverter, TableDefinitionCarriesTheMetadata) {
    binlog::TableMap map;
    map.schema = "shop";
    map.table = "orders";
    map.columns.resize(3);
    map.columns[0].type = map.columns[0].realType = ct::kLongLong;
    map.columns[0].isUnsigned = true;
    map.columns[0].name = "id";
    map.columns[1].type = ct::kString;
    map.columns[1].realType = ct::kEnum;
    map.columns[1].meta = 0xf701;
    map.columns[1].nullable = true;
    map.columns[1].name = "state";
    map.columns[1].collation = 8;
    map.columns[2].type = map.columns[2].realType = ct::kVarchar;
    map.columns[2].meta = 1020;
    map.columns[2].collation = 255;
    map.columns[2].name = "note";
    map.enumValues = {{"new", "paid"}};
    map.enumSetIndex = {-1, 0, -1};
    map.primaryKey = {0};

    auto def = ValueConverter::tableDefinition(map);
    EXPECT_EQ(def.schema(), "shop");
    EXPECT_EQ(def.name(), "orders");
    ASSERT_EQ(def.columns_size(), 3);
    EXPECT_EQ(def.columns(0).name(), "id");
    EXPECT_EQ(def.columns(0).type(), ct::kLongLong);
    EXPECT_TRUE(def.columns(0).unsigned_());
    EXPECT_FALSE(def.columns(0).nullable());
    EXPECT_EQ(def.columns(1).type(), ct::kEnum);
    EXPECT_EQ(def.columns(1).meta(), 0xf701u);
    EXPECT_TRUE(def.columns(1).nullable());
    ASSERT_EQ(def.columns(1).enum_names_size(), 2);
    EXPECT_EQ(def.columns(1).enum_names(1), "paid");
    EXPECT_EQ(def.columns(2).collation(), 255u);
    EXPECT_EQ(def.columns(2).enum_names_size(), 0);
    ASSERT_EQ(def.primary_key_size(), 1);
    EXPECT_EQ(def.primary_key(0), 0u);
}

}  // namespace
}  // namespace ferry::capture::test
