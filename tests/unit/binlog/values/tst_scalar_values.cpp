// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

#include "ferry/binlog/bit_enum_set.h"
#include "ferry/binlog/geometry_vector.h"
#include "ferry/binlog/numeric.h"
#include "hex_bytes.h"

namespace ferry::binlog {
namespace {

using test::fromHex;

// Integer rows: width, bytes, signed text, unsigned text. The first rows are the alltypes
// fixture's row id=1 (TINYINT -128, TINYINT UNSIGNED 255, SMALLINT -32768, MEDIUMINT -8388608,
// MEDIUMINT UNSIGNED 16777215, BIGINT min, BIGINT UNSIGNED max).
struct IntRow {
    unsigned width;
    const char* hex;
    const char* signedText;
    const char* unsignedText;
};

const IntRow kIntRows[] = {
    {1, "80", "-128", "128"},
    {1, "ff", "-1", "255"},
    {2, "0080", "-32768", "32768"},
    {3, "000080", "-8388608", "8388608"},
    {3, "ffffff", "-1", "16777215"},
    {3, "ffff7f", "8388607", "8388607"},
    {4, "fdffffff", "-3", "4294967293"},
    {4, "d3b1881c", "478720467", "478720467"},
    {8, "0000000000000080", "-9223372036854775808", "9223372036854775808"},
    {8, "ffffffffffffffff", "-1", "18446744073709551615"},
};

class IntegerDecode : public testing::TestWithParam<IntRow> {};

TEST_P(IntegerDecode, SignExtendsAndReadsUnsigned) {
    const IntRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    auto s = decodeSignedInt(bytes.data(), bytes.size(), row.width);
    auto u = decodeUnsignedInt(bytes.data(), bytes.size(), row.width);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(u.ok());
    std::string text;
    appendInt(*s, text);
    EXPECT_EQ(text, row.signedText);
    text.clear();
    appendUint(*u, text);
    EXPECT_EQ(text, row.unsignedText);
    EXPECT_FALSE(decodeSignedInt(bytes.data(), bytes.size() - 1, row.width).ok());
}

INSTANTIATE_TEST_SUITE_P(Values, IntegerDecode, testing::ValuesIn(kIntRows));

TEST(IntegerDecode, RejectsOtherWidths) {
    const auto bytes = fromHex("0102030405060708");
    for (unsigned width : {0u, 5u, 6u, 7u, 9u}) {
        auto r = decodeSignedInt(bytes.data(), bytes.size(), width);
        ASSERT_FALSE(r.ok()) << width;
        EXPECT_EQ(r.error().code, ErrorCode::InvalidArgument);
    }
}

struct DoubleRow {
    double value;
    const char* text;
};

// Layout pinned by MySQL 8.0.43's own readings of double values (shortest digits; fixed
// notation for decimal exponents -15..14; no '+' and no padding in exponents).
const DoubleRow kDoubleRows[] = {
    {100, "100"},
    {1.5, "1.5"},
    {-1.5, "-1.5"},                            // fixture f
    {3.141592653589793, "3.141592653589793"},  // fixture dbl
    {1e-7, "0.0000001"},
    {2.5e-5, "0.000025"},
    {1.5e-7, "0.00000015"},
    {1e-15, "0.000000000000001"},
    {1e-16, "1e-16"},
    {1.234e-16, "1.234e-16"},
    {1e14, "100000000000000"},
    {1e15, "1e15"},
    {-1e15, "-1e15"},
    {9999999999999999.0, "1e16"},
    {1e100, "1e100"},
    {1.5e300, "1.5e300"},
    {123456789012345678.0, "1.2345678901234568e17"},
    {1234567890123456.0, "1.234567890123456e15"},
    {1234567890123456.7, "1234567890123456.8"},
    {123456789012345.67, "123456789012345.67"},
    {0.0, "0"},
    {std::numeric_limits<double>::max(), "1.7976931348623157e308"},
    {5e-324, "5e-324"},
};

class DoubleFormat : public testing::TestWithParam<DoubleRow> {};

TEST_P(DoubleFormat, MatchesMySqlLayout) {
    const DoubleRow& row = GetParam();
    uint8_t bytes[8];
    std::memcpy(bytes, &row.value, 8);  // the test host is little-endian like the binlog
    auto d = decodeDouble(bytes, sizeof bytes);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, row.value);
    std::string out;
    appendDouble(*d, out);
    EXPECT_EQ(out, row.text);
}

INSTANTIATE_TEST_SUITE_P(Values, DoubleFormat, testing::ValuesIn(kDoubleRows));

TEST(FloatFormat, KeepsShortestFloatDigits) {
    struct Row {
        const char* hex;
        const char* text;
    };
    const Row rows[] = {
        {"0000c0bf", "-1.5"},         {"cdcccc3d", "0.1"}, {"10069e3f", "1.23456"},
        {"ffff7f7f", "3.4028235e38"}, {"00000000", "0"},
    };
    for (const Row& r : rows) {
        const auto bytes = fromHex(r.hex);
        auto f = decodeFloat(bytes.data(), bytes.size());
        ASSERT_TRUE(f.ok());
        std::string out;
        appendFloat(*f, out);
        EXPECT_EQ(out, r.text) << r.hex;
    }
    const auto three = fromHex("000000");
    EXPECT_FALSE(decodeFloat(three.data(), three.size()).ok());
    EXPECT_FALSE(decodeDouble(three.data(), three.size()).ok());
}

struct BitRow {
    uint16_t meta;  // TABLE_MAP bytes [n % 8, n / 8] read little-endian
    const char* hex;
    uint64_t value;
    const char* text;
};

const BitRow kBitRows[] = {
    {0x0001, "01", 1, "b'1'"},                     // fixture BIT(1)
    {0x0105, "1555", 0x1555, "b'1010101010101'"},  // fixture BIT(13)
    {0x0003, "04", 4, "b'100'"},                   // mysql_type_bit a
    {0x0100, "20", 0x20, "b'100000'"},             // mysql_type_bit c
    {0x0100, "00", 0, "b'0'"},
    {0x0800, "ffffffffffffffff", UINT64_MAX,
     "b'1111111111111111111111111111111111111111111111111111111111111111'"},
    {0x0207, "7fffff", 0x7fffff, "b'11111111111111111111111'"},
};

class BitDecode : public testing::TestWithParam<BitRow> {};

TEST_P(BitDecode, ReadsBigEndian) {
    const BitRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    const unsigned bits = bitWidthFromMeta(row.meta);
    auto size = bitByteSize(bits);
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, bytes.size());
    auto v = decodeBit(bytes.data(), bytes.size(), bits);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(*v, row.value);
    std::string out;
    appendBitLiteral(*v, out);
    EXPECT_EQ(out, row.text);
    EXPECT_FALSE(decodeBit(bytes.data(), bytes.size() - 1, bits).ok());
}

INSTANTIATE_TEST_SUITE_P(Values, BitDecode, testing::ValuesIn(kBitRows));

TEST(BitDecode, RejectsBadWidthsAndStrayBits) {
    const auto one = fromHex("08");
    EXPECT_FALSE(decodeBit(one.data(), one.size(), 3).ok());  // bit 3 set in BIT(3)
    EXPECT_FALSE(bitByteSize(0).ok());
    EXPECT_FALSE(bitByteSize(65).ok());
}

TEST(EnumSetDecode, ReadsIndexesAndMasks) {
    const auto one = fromHex("02");
    EXPECT_EQ(decodeEnum(one.data(), one.size(), 1).valueOr(0), 2);  // fixture e=2 ('b')
    const auto two = fromHex("2c01");
    EXPECT_EQ(decodeEnum(two.data(), two.size(), 2).valueOr(0), 300);
    const auto set = fromHex("05");
    EXPECT_EQ(decodeSet(set.data(), set.size(), 1).valueOr(0), 5u);  // fixture s=0b101
    const auto set8 = fromHex("0102030405060708");
    EXPECT_EQ(decodeSet(set8.data(), set8.size(), 8).valueOr(0), 0x0807060504030201u);

    EXPECT_FALSE(decodeEnum(one.data(), one.size(), 2).ok());
    EXPECT_FALSE(decodeEnum(two.data(), two.size(), 3).ok());
    EXPECT_FALSE(decodeSet(set.data(), set.size(), 0).ok());
    EXPECT_FALSE(decodeSet(set8.data(), set8.size(), 9).ok());
    EXPECT_FALSE(decodeSet(set8.data(), 3, 4).ok());
}

TEST(GeometrySplit, SeparatesSridAndWkb) {
    // The alltypes fixture's g column: SRID 0 + WKB POINT(1 2).
    const auto bytes = fromHex("000000000101000000000000000000f03f0000000000000040");
    auto g = splitGeometry(bytes.data(), bytes.size());
    ASSERT_TRUE(g.ok()) << g.error().message;
    EXPECT_EQ(g->srid, 0u);
    ASSERT_EQ(g->wkb.size(), 21u);
    EXPECT_EQ(g->wkb.data(), bytes.data() + 4);
    EXPECT_EQ(g->wkb[0], 1);

    const auto srid = fromHex("e6100000 0101000000000000000000f03f0000000000000040");
    auto g2 = splitGeometry(srid.data(), srid.size());
    ASSERT_TRUE(g2.ok());
    EXPECT_EQ(g2->srid, 4326u);

    const char* corrupt[] = {"", "00000000", "0000000001010000", "00000000 02 01000000"};
    for (const char* hex : corrupt) {
        const auto b = fromHex(hex);
        EXPECT_FALSE(splitGeometry(b.data(), b.size()).ok()) << hex;
    }
}

TEST(VectorText, FormatsLikeVectorToString) {
    struct Row {
        const char* hex;
        const char* text;
    };
    const Row rows[] = {
        {"00000040 00004040 0000a040", "[2.00000e+00,3.00000e+00,5.00000e+00]"},
        {"6666863f 66668ec1 00000042", "[1.05000e+00,-1.78000e+01,3.20000e+01]"},
        {"", "[]"},
        {"0000803e", "[2.50000e-01]"},
    };
    for (const Row& r : rows) {
        const auto bytes = fromHex(r.hex);
        EXPECT_EQ(vectorDimension(bytes.size()).valueOr(99), bytes.size() / 4);
        std::string out = ">";
        ASSERT_TRUE(appendVectorText(bytes.data(), bytes.size(), out).ok()) << r.hex;
        EXPECT_EQ(out, std::string(">") + r.text);
    }
    const char* corrupt[] = {"000000", "0000803e00", "0000c07f", "0000807f"};
    for (const char* hex : corrupt) {
        const auto b = fromHex(hex);
        std::string out = "keep";
        EXPECT_FALSE(appendVectorText(b.data(), b.size(), out).ok()) << hex;
        EXPECT_EQ(out, "keep");
    }
}

}  // namespace
}  // namespace ferry::binlog
