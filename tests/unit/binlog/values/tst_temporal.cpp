// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>

#include "ferry/binlog/temporal.h"
#include "hex_bytes.h"

namespace ferry::binlog {
namespace {

using test::fromHex;

// One row per value: binlog type, fsp (metadata), bytes, and MySQL's text. TIMESTAMP rows give
// the UTC text; their epoch text is checked separately. Bytes were built by hand from the
// storage rules (my_datetime_packed_to_binary, my_time_packed_to_binary, the old packed
// integers); values marked "fixture" are those the alltypes README lists for rows id=1 and id=3.
struct TemporalRow {
    TemporalType type;
    unsigned fsp;
    const char* hex;
    const char* text;
};

const TemporalRow kRows[] = {
    // DATE
    {TemporalType::Date, 0, "5dd00f", "2024-02-29"},  // fixture
    {TemporalType::Date, 0, "000000", "0000-00-00"},  // fixture
    {TemporalType::Date, 0, "9f1f4e", "9999-12-31"},
    // DATETIME2
    {TemporalType::DateTime2, 6, "99b2bb7efb0f423f", "2024-02-29 23:59:59.999999"},  // fixture
    {TemporalType::DateTime2, 0, "8cb2420000", "1000-01-01 00:00:00"},               // fixture
    {TemporalType::DateTime2, 0, "8000000000", "0000-00-00 00:00:00"},
    {TemporalType::DateTime2, 2, "998be4b7ad0c", "2012-03-18 11:30:45.12"},
    {TemporalType::DateTime2, 4, "fef3ff7efb270f", "9999-12-31 23:59:59.9999"},
    {TemporalType::DateTime2, 1, "996900108332", "2001-07-00 01:02:03.5"},
    // TIME2
    {TemporalType::Time2, 0, "7f3748", "-12:34:56"},                // fixture
    {TemporalType::Time2, 3, "7ffffffff6", "-00:00:00.001"},        // fixture
    {TemporalType::Time2, 6, "4b9105000000", "-838:59:59.000000"},  // fixture
    {TemporalType::Time2, 6, "7ffffeffffff", "-00:00:01.000001"},   // fixture
    {TemporalType::Time2, 3, "8000001388", "00:00:00.500"},         // fixture
    {TemporalType::Time2, 0, "6043e5", "-507:48:27"},
    {TemporalType::Time2, 2, "7fffffff", "-00:00:00.01"},
    {TemporalType::Time2, 0, "b46efb", "838:59:59"},
    {TemporalType::Time2, 1, "7fefffce", "-01:00:00.5"},
    {TemporalType::Time2, 5, "817efb0f423f", "23:59:59.99999"},
    {TemporalType::Time2, 4, "7fdf3bfe0c", "-02:03:04.0500"},
    // Old TIME: 3-byte signed (+/-)HHMMSS
    {TemporalType::Time, 0, "c01dfe", "-12:34:56"},
    {TemporalType::Time, 0, "a7f57f", "838:59:59"},
    {TemporalType::Time, 0, "590a80", "-838:59:59"},
    {TemporalType::Time, 0, "000000", "00:00:00"},
    // Old DATETIME: 8-byte LE YYYYMMDDhhmmss
    {TemporalType::DateTime, 0, "f77cac8b68120000", "2024-02-29 23:59:59"},
    {TemporalType::DateTime, 0, "0000000000000000", "0000-00-00 00:00:00"},
    // TIMESTAMP2 / TIMESTAMP (UTC text)
    {TemporalType::Timestamp2, 0, "00000001", "1970-01-01 00:00:01"},          // fixture
    {TemporalType::Timestamp2, 3, "7fffffff2706", "2038-01-19 03:14:07.999"},  // fixture
    {TemporalType::Timestamp2, 0, "00000000", "0000-00-00 00:00:00"},
    {TemporalType::Timestamp2, 6, "65e10cbf0f423f", "2024-02-29 23:01:19.999999"},
    {TemporalType::Timestamp, 0, "ffffff7f", "2038-01-19 03:14:07"},
    {TemporalType::Timestamp, 0, "ffffffff", "2106-02-07 06:28:15"},
    // YEAR
    {TemporalType::Year, 0, "01", "1901"},  // fixture
    {TemporalType::Year, 0, "00", "0000"},  // fixture
    {TemporalType::Year, 0, "ff", "2155"},
};

std::string decodeToText(TemporalType type, unsigned fsp, const std::vector<uint8_t>& b,
                         Error* error) {
    std::string out;
    auto fail = [&](const Error& e) {
        *error = e;
        return std::string("<error>");
    };
    switch (type) {
        case TemporalType::Date: {
            auto v = decodeDate(b.data(), b.size());
            if (!v.ok()) {
                return fail(v.error());
            }
            appendDate(*v, out);
            break;
        }
        case TemporalType::DateTime: {
            auto v = decodeDateTime(b.data(), b.size());
            if (!v.ok()) {
                return fail(v.error());
            }
            appendDateTime(*v, out);
            break;
        }
        case TemporalType::DateTime2: {
            auto v = decodeDateTime2(b.data(), b.size(), fsp);
            if (!v.ok()) {
                return fail(v.error());
            }
            appendDateTime(*v, out);
            break;
        }
        case TemporalType::Time: {
            auto v = decodeTime(b.data(), b.size());
            if (!v.ok()) {
                return fail(v.error());
            }
            appendTime(*v, out);
            break;
        }
        case TemporalType::Time2: {
            auto v = decodeTime2(b.data(), b.size(), fsp);
            if (!v.ok()) {
                return fail(v.error());
            }
            appendTime(*v, out);
            break;
        }
        case TemporalType::Timestamp: {
            auto v = decodeTimestamp(b.data(), b.size());
            if (!v.ok()) {
                return fail(v.error());
            }
            appendTimestampUtc(*v, out);
            break;
        }
        case TemporalType::Timestamp2: {
            auto v = decodeTimestamp2(b.data(), b.size(), fsp);
            if (!v.ok()) {
                return fail(v.error());
            }
            appendTimestampUtc(*v, out);
            break;
        }
        case TemporalType::Year: {
            auto v = decodeYear(b.data(), b.size());
            if (!v.ok()) {
                return fail(v.error());
            }
            appendYear(*v, out);
            break;
        }
    }
    return out;
}

class TemporalDecode : public testing::TestWithParam<TemporalRow> {};

TEST_P(TemporalDecode, PrintsAsMySql) {
    const TemporalRow& row = GetParam();
    const auto bytes = fromHex(row.hex);
    auto size = temporalByteSize(row.type, row.fsp);
    ASSERT_TRUE(size.ok()) << size.error().message;
    EXPECT_EQ(*size, bytes.size());
    Error error;
    EXPECT_EQ(decodeToText(row.type, row.fsp, bytes, &error), row.text) << error.message;
}

TEST_P(TemporalDecode, TruncatedByOneByteIsCorrupt) {
    const TemporalRow& row = GetParam();
    auto bytes = fromHex(row.hex);
    bytes.pop_back();
    Error error;
    EXPECT_EQ(decodeToText(row.type, row.fsp, bytes, &error), "<error>");
    EXPECT_EQ(error.code, ErrorCode::Corrupt);
    EXPECT_NE(error.message.find("need"), std::string::npos) << error.message;
}

INSTANTIATE_TEST_SUITE_P(Values, TemporalDecode, testing::ValuesIn(kRows));

TEST(TemporalByteSize, DependsOnFsp) {
    const size_t time2[] = {3, 4, 4, 5, 5, 6, 6};
    const size_t datetime2[] = {5, 6, 6, 7, 7, 8, 8};
    const size_t timestamp2[] = {4, 5, 5, 6, 6, 7, 7};
    for (unsigned fsp = 0; fsp <= kMaxFsp; ++fsp) {
        EXPECT_EQ(temporalByteSize(TemporalType::Time2, fsp).valueOr(0), time2[fsp]);
        EXPECT_EQ(temporalByteSize(TemporalType::DateTime2, fsp).valueOr(0), datetime2[fsp]);
        EXPECT_EQ(temporalByteSize(TemporalType::Timestamp2, fsp).valueOr(0), timestamp2[fsp]);
    }
    EXPECT_EQ(temporalByteSize(TemporalType::Date, 0).valueOr(0), 3u);
    EXPECT_EQ(temporalByteSize(TemporalType::Time, 0).valueOr(0), 3u);
    EXPECT_EQ(temporalByteSize(TemporalType::DateTime, 0).valueOr(0), 8u);
    EXPECT_EQ(temporalByteSize(TemporalType::Timestamp, 0).valueOr(0), 4u);
    EXPECT_EQ(temporalByteSize(TemporalType::Year, 0).valueOr(0), 1u);
    EXPECT_FALSE(temporalByteSize(TemporalType::Time2, 7).ok());
    EXPECT_FALSE(temporalByteSize(TemporalType::Date, 1).ok());
    EXPECT_FALSE(temporalByteSize(static_cast<TemporalType>(200), 0).ok());
}

TEST(TimestampEpoch, PrintsSecondsWithFraction) {
    struct Row {
        const char* hex;
        unsigned fsp;
        const char* text;
    };
    const Row rows[] = {
        {"00000001", 0, "1"},                   // fixture ts
        {"7fffffff2706", 3, "2147483647.999"},  // fixture ts3
        {"000000000a", 1, "0.1"},
        {"00000000000001", 6, "0.000001"},
    };
    for (const Row& r : rows) {
        const auto bytes = fromHex(r.hex);
        auto ts = decodeTimestamp2(bytes.data(), bytes.size(), r.fsp);
        ASSERT_TRUE(ts.ok()) << r.hex << ": " << ts.error().message;
        std::string out;
        appendTimestampEpoch(*ts, out);
        EXPECT_EQ(out, r.text);
    }
}

TEST(TemporalStructs, HoldTheFields) {
    const auto bytes = fromHex("4b9105000000");
    auto t = decodeTime2(bytes.data(), bytes.size(), 6);
    ASSERT_TRUE(t.ok());
    EXPECT_TRUE(t->negative);
    EXPECT_EQ(t->hour, 838);
    EXPECT_EQ(t->minute, 59);
    EXPECT_EQ(t->second, 59);
    EXPECT_EQ(t->micro, 0u);

    const auto dt = fromHex("99b2bb7efb0f423f");
    auto d = decodeDateTime2(dt.data(), dt.size(), 6);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->year, 2024);
    EXPECT_EQ(d->month, 2);
    EXPECT_EQ(d->day, 29);
    EXPECT_EQ(d->micro, 999999u);

    const auto ts = fromHex("7fffffff2706");
    auto s = decodeTimestamp2(ts.data(), ts.size(), 3);
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->seconds, 2147483647u);
    EXPECT_EQ(s->micro, 999000u);
}

TEST(PackedTemporal, DecodesJsonOpaquePayloads) {
    struct Row {
        const char* hex;
        bool time;
        bool dateOnly;
        const char* text;
    };
    const Row rows[] = {
        {"000000adb7e48b19", false, false, "2012-03-18 11:30:45.000000"},
        {"0000000000e48b19", false, true, "2012-03-18"},
        {"40e20119761f9519", false, false, "2015-01-15 23:24:25.123456"},
        {"f1fb09ee77050000", true, false, "87:31:46.654321"},
        {"0000000040ffffff", true, false, "-12:00:00.000000"},
    };
    for (const Row& r : rows) {
        const auto bytes = fromHex(r.hex);
        std::string out;
        if (r.time) {
            auto t = decodePackedTime(bytes.data(), bytes.size());
            ASSERT_TRUE(t.ok()) << r.hex << ": " << t.error().message;
            appendTime(*t, out);
        } else {
            auto d = decodePackedDateTime(bytes.data(), bytes.size(), r.dateOnly);
            ASSERT_TRUE(d.ok()) << r.hex << ": " << d.error().message;
            if (r.dateOnly) {
                appendDate(*d, out);
            } else {
                appendDateTime(*d, out);
            }
        }
        EXPECT_EQ(out, r.text);
    }
}

struct CorruptRow {
    const char* name;
    TemporalType type;
    unsigned fsp;
    const char* hex;
};

const CorruptRow kCorruptRows[] = {
    {"DATE month 13", TemporalType::Date, 0, "bd0100"},
    {"DATETIME2 negative", TemporalType::DateTime2, 0, "7fffffffff"},
    {"DATETIME2 hour 24", TemporalType::DateTime2, 0, "8000018000"},
    {"DATETIME2 minute 60", TemporalType::DateTime2, 0, "8000000f00"},
    {"DATETIME2 fraction 100 at fsp 2", TemporalType::DateTime2, 2, "800000000064"},
    {"DATETIME2 fraction 10000 at fsp 4", TemporalType::DateTime2, 4, "80000000002710"},
    {"DATETIME2 fraction 1000000 at fsp 6", TemporalType::DateTime2, 6, "80000000000f4240"},
    {"DATETIME2 year 10000", TemporalType::DateTime2, 0, "ffffffffc0"},
    {"DATETIME2 fsp 7", TemporalType::DateTime2, 7, "8000000000000000"},
    {"TIME2 hour 839", TemporalType::Time2, 0, "b47000"},
    {"TIME2 second 60", TemporalType::Time2, 0, "80003c"},
    {"TIME2 fraction 100 at fsp 2", TemporalType::Time2, 2, "80000064"},
    {"old TIME minute 60", TemporalType::Time, 0, "701700"},
    {"old DATETIME month 13", TemporalType::DateTime, 0, "408e39cd68120000"},
    {"old DATETIME above 9999", TemporalType::DateTime, 0, "ffffffffffffffff"},
    {"TIMESTAMP2 fraction 10000 at fsp 3", TemporalType::Timestamp2, 3, "000000012710"},
};

class TemporalCorrupt : public testing::TestWithParam<CorruptRow> {};

TEST_P(TemporalCorrupt, IsRejected) {
    const CorruptRow& row = GetParam();
    Error error;
    EXPECT_EQ(decodeToText(row.type, row.fsp, fromHex(row.hex), &error), "<error>") << row.name;
    EXPECT_EQ(error.code, ErrorCode::Corrupt) << row.name;
    EXPECT_FALSE(error.message.empty());
}

INSTANTIATE_TEST_SUITE_P(Inputs, TemporalCorrupt, testing::ValuesIn(kCorruptRows));

TEST(PackedTemporal, RejectsWrongLengthAndNegativeDates) {
    const auto seven = fromHex("00000000000000");
    EXPECT_FALSE(decodePackedDateTime(seven.data(), seven.size(), false).ok());
    EXPECT_FALSE(decodePackedTime(seven.data(), seven.size()).ok());
    const auto negative = fromHex("0000000040ffffff");
    EXPECT_FALSE(decodePackedDateTime(negative.data(), negative.size(), false).ok());
}

}  // namespace
}  // namespace ferry::binlog
