// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "ferry/binlog/decimal.h"
#include "hex_bytes.h"

namespace ferry::binlog {
namespace {

using test::fromHex;

struct DecimalRow {
    const char* hex;
    unsigned precision;
    unsigned scale;
    const char* text;
};

// Bytes built by hand from decimal2bin's rules (9-digit BE groups, leftover integer group first,
// sign bit set for positives, every byte inverted for negatives). The first four values are the
// ones the alltypes fixture README lists for rows id=1 and id=3.
const DecimalRow kDecimalRows[] = {
    {"7f439eb1a5", 10, 2, "-12345678.90"},
    {"7ffffffffffffffffffffffffffe", 30, 10, "-0.0000000001"},
    {"8000000005", 10, 2, "0.05"},
    {"80075bcd1500bc614e00bc614e09", 30, 10, "123456789012345678.0123456789"},
    {"8000000000", 10, 2, "0.00"},
    {"87", 1, 0, "7"},
    {"78", 1, 0, "-7"},
    {"810dfb38d204d2", 14, 4, "1234567890.1234"},
    {"7ef204c72dfb2d", 14, 4, "-1234567890.1234"},
    {"85f5e0ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff3b9ac9ff03e7", 65, 30,
     "99999999999999999999999999999999999.999999999999999999999999999999"},
    {"7ffa", 2, 1, "-0.5"},
    {"8000000064", 10, 0, "100"},
    {"8000000001", 10, 9, "0.000000001"},
    {"44653600", 9, 0, "-999999999"},
    {"807b01c8", 6, 3, "123.456"},
    {"8900", 3, 2, "9.00"},
};

class DecimalDecode : public testing::TestWithParam<DecimalRow> {};

TEST_P(DecimalDecode, PrintsAsMySql) {
    const DecimalRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    auto size = decimalByteSize(row.precision, row.scale);
    ASSERT_TRUE(size.ok()) << size.error().message;
    EXPECT_EQ(*size, bytes.size());

    auto value = decodeDecimal(bytes.data(), bytes.size(), row.precision, row.scale);
    ASSERT_TRUE(value.ok()) << value.error().message;
    EXPECT_EQ(value->text(), row.text);

    std::string out = "x=";
    ASSERT_TRUE(appendDecimal(bytes.data(), bytes.size(), row.precision, row.scale, out).ok());
    EXPECT_EQ(out, std::string("x=") + row.text);
}

TEST_P(DecimalDecode, ReadsOnlyItsOwnBytes) {
    const DecimalRow& row = GetParam();
    auto bytes = fromHex(row.hex);
    bytes.push_back(0xEE);
    auto value = decodeDecimal(bytes.data(), bytes.size(), row.precision, row.scale);
    ASSERT_TRUE(value.ok()) << value.error().message;
    EXPECT_EQ(value->text(), row.text);
}

INSTANTIATE_TEST_SUITE_P(Values, DecimalDecode, testing::ValuesIn(kDecimalRows));

TEST(DecimalByteSize, FollowsDigitGroups) {
    struct Row {
        unsigned precision;
        unsigned scale;
        size_t size;
    };
    const Row rows[] = {{1, 0, 1},    {2, 0, 1},    {3, 0, 2},    {4, 0, 2},   {5, 0, 3},
                        {7, 0, 4},    {9, 0, 4},    {10, 0, 5},   {18, 0, 8},  {10, 2, 5},
                        {30, 10, 14}, {65, 30, 30}, {38, 38, 17}, {65, 0, 29}, {4, 4, 2}};
    for (const Row& r : rows) {
        auto size = decimalByteSize(r.precision, r.scale);
        ASSERT_TRUE(size.ok()) << r.precision << "," << r.scale;
        EXPECT_EQ(*size, r.size) << r.precision << "," << r.scale;
    }
}

struct CorruptRow {
    const char* name;
    const char* hex;
    unsigned precision;
    unsigned scale;
    ErrorCode code;
};

const CorruptRow kCorruptRows[] = {
    {"truncated by one byte", "7f439eb1", 10, 2, ErrorCode::Corrupt},
    {"empty", "", 10, 2, ErrorCode::Corrupt},
    {"full group above 999999999", "bb9aca00", 9, 0, ErrorCode::Corrupt},
    {"leftover integer group above 99", "ff00", 4, 2, ErrorCode::Corrupt},
    {"leftover fraction group above 99 after a valid integer", "80ff", 4, 2, ErrorCode::Corrupt},
    {"leftover fraction group above 99", "8000000064", 10, 2, ErrorCode::Corrupt},
    {"negative group above 999999999", "44653500", 9, 0, ErrorCode::Corrupt},
    {"precision zero", "80", 0, 0, ErrorCode::Corrupt},
    {"precision above 65", "80", 66, 0, ErrorCode::Corrupt},
    {"scale above precision", "80", 2, 3, ErrorCode::Corrupt},
    {"scale above 38", "80", 50, 39, ErrorCode::Corrupt},
};

class DecimalCorrupt : public testing::TestWithParam<CorruptRow> {};

TEST_P(DecimalCorrupt, IsRejected) {
    const CorruptRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    auto value = decodeDecimal(bytes.data(), bytes.size(), row.precision, row.scale);
    ASSERT_FALSE(value.ok()) << row.name << " decoded as " << value->text();
    EXPECT_EQ(value.error().code, row.code) << row.name;
    EXPECT_FALSE(value.error().message.empty());

    std::string out = "keep";
    EXPECT_FALSE(appendDecimal(bytes.data(), bytes.size(), row.precision, row.scale, out).ok());
    EXPECT_EQ(out, "keep");
}

INSTANTIATE_TEST_SUITE_P(Inputs, DecimalCorrupt, testing::ValuesIn(kCorruptRows),
                         [](const testing::TestParamInfo<CorruptRow>& param) {
                             std::string name = param.param.name;
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return name;
                         });

TEST(DecimalDecode, NegativeZeroPrintsWithoutSign) {
    // All digits zero with the sign bit clear (a negative zero no server writes).
    const auto bytes = fromHex("7fffffffff");
    auto value = decodeDecimal(bytes.data(), bytes.size(), 10, 2);
    ASSERT_TRUE(value.ok());
    EXPECT_EQ(value->text(), "0.00");
}

}  // namespace
}  // namespace ferry::binlog
