// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ferry/model/mariadb_gtid.h"

namespace ferry::model {
namespace {

MariadbGtid g(std::uint32_t d, std::uint32_t s, std::uint64_t q) {
    return {d, s, q};
}

MariadbGtidPosition pos(const std::string& text) {
    auto parsed = MariadbGtidPosition::parse(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.error().toString();
    return parsed.ok() ? *parsed : MariadbGtidPosition();
}

bool has(const Error& error, const std::string& fragment) {
    return error.message.find(fragment) != std::string::npos;
}

// ---- single GTID ---------------------------------------------------------------------------

TEST(MariadbGtid, ParsesValidText) {
    struct Row {
        std::string text;
        MariadbGtid expected;
        std::string canonical;
    };
    const Row rows[] = {
        {"0-1-100", g(0, 1, 100), "0-1-100"},
        {"0-0-0", g(0, 0, 0), "0-0-0"},
        {" 1-2-3\n", g(1, 2, 3), "1-2-3"},
        {"4294967295-4294967295-18446744073709551615",
         g(4294967295U, 4294967295U, 18446744073709551615ULL),
         "4294967295-4294967295-18446744073709551615"},
        {"10-11-1", g(10, 11, 1), "10-11-1"},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.text);
        auto parsed = MariadbGtid::parse(row.text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
        EXPECT_EQ(*parsed, row.expected);
        EXPECT_EQ(parsed->toString(), row.canonical);
        EXPECT_EQ(*MariadbGtid::parse(parsed->toString()), *parsed);
    }
}

TEST(MariadbGtid, RejectsMalformedText) {
    const std::pair<std::string, std::string> rows[] = {
        {"", "at offset 0"},
        {"0", "at offset 1"},
        {"0-1", "at offset 3"},
        {"0-1-", "at offset 4"},
        {"-1-2", "at offset 0"},
        {"0--1-2", "at offset 2"},
        {"0-1-2-3", "at offset 5"},
        {"0-1-x", "at offset 4"},
        {"a-1-2", "at offset 0"},
        {"+0-1-2", "at offset 0"},
        {"0-1--2", "at offset 4"},
        {"4294967296-1-2", "at offset 0"},
        {"0-4294967296-2", "at offset 2"},
        {"0-1-18446744073709551616", "at offset 4"},
        {"00-1-2", "at offset 0"},
        {"0-1-2,", "at offset 5"},
        {"0 -1-2", "at offset 1"},
        {"0-1-2 x", "at offset 6"},
        {"0:1:2", "at offset 1"},
        {"0-1-0x10", "at offset 5"},
    };
    for (const auto& [text, offset] : rows) {
        SCOPED_TRACE(text);
        auto parsed = MariadbGtid::parse(text);
        ASSERT_FALSE(parsed.ok()) << parsed->toString();
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(has(parsed.error(), offset)) << parsed.error().message;
        EXPECT_TRUE(has(parsed.error(), "invalid MariaDB GTID")) << parsed.error().message;
    }
}

// ---- position ------------------------------------------------------------------------------

TEST(MariadbGtidPosition, ParsesAndFormatsSortedByDomain) {
    const std::pair<std::string, std::string> rows[] = {
        {"", ""},
        {"  ", ""},
        {"0-1-100", "0-1-100"},
        {"1-2-7,0-1-100", "0-1-100,1-2-7"},
        {" 2-1-5 ,\n 0-3-9 , 1-1-1 ", "0-3-9,1-1-1,2-1-5"},
        {"4294967295-1-1,0-1-1", "0-1-1,4294967295-1-1"},
    };
    for (const auto& [text, canonical] : rows) {
        SCOPED_TRACE(text);
        auto parsed = MariadbGtidPosition::parse(text);
        ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
        EXPECT_EQ(parsed->toString(), canonical);
        EXPECT_EQ(parsed->isEmpty(), canonical.empty());
        auto again = MariadbGtidPosition::parse(parsed->toString());
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, *parsed);
    }
}

TEST(MariadbGtidPosition, RejectsMalformedText) {
    const std::pair<std::string, std::string> rows[] = {
        {",", "empty element"},
        {",0-1-1", "empty element"},
        {"0-1-1,", "trailing ','"},
        {"0-1-1,,1-1-1", "empty element"},
        {"0-1-1, ,1-1-1", "empty element"},
        {"0-1-1,0-2-5", "domain 0 appears twice"},
        {"0-1-1,1-1-1,0-1-1", "domain 0 appears twice"},
        {"0-1-1;1-1-1", "expected ','"},
        {"0-1-1 1-1-1", "expected ','"},
        {"0-1", "expected '-'"},
        {"x", "expected domain id"},
        {"0-1-1,x", "expected domain id"},
        {"0-1-01", "leading zeros"},
        {"0-1-1,4294967296-1-1", "too large"},
        {"0-1-1-1", "expected ','"},
        {"3e11fa47-71ca-11e1-9e33-c80aa9429562:1", "expected '-'"},
    };
    for (const auto& [text, fragment] : rows) {
        SCOPED_TRACE(text);
        auto parsed = MariadbGtidPosition::parse(text);
        ASSERT_FALSE(parsed.ok()) << parsed->toString();
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
        EXPECT_TRUE(has(parsed.error(), fragment)) << parsed.error().message;
        EXPECT_TRUE(has(parsed.error(), "invalid MariaDB GTID position")) << parsed.error().message;
        EXPECT_TRUE(has(parsed.error(), "at offset ")) << parsed.error().message;
    }
}

TEST(MariadbGtidPosition, DuplicateDomainErrorPointsAtSecondGtid) {
    auto parsed = MariadbGtidPosition::parse("0-1-1, 0-2-5");
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(has(parsed.error(), "at offset 7")) << parsed.error().message;
    EXPECT_TRUE(has(parsed.error(), "0-1-1 and 0-2-5")) << parsed.error().message;
}

TEST(MariadbGtidPosition, ContainsAndCompare) {
    const MariadbGtidPosition p = pos("0-1-100,1-2-7");
    EXPECT_TRUE(p.contains(g(0, 1, 100)));
    EXPECT_TRUE(p.contains(g(0, 9, 50)));  // server id does not matter for ordering
    EXPECT_FALSE(p.contains(g(0, 1, 101)));
    EXPECT_TRUE(p.contains(g(1, 2, 0)));
    EXPECT_FALSE(p.contains(g(2, 1, 1)));  // unknown domain
    EXPECT_FALSE(MariadbGtidPosition().contains(g(0, 1, 0)));

    struct Row {
        std::string a, b;
        std::partial_ordering expected;
    };
    const Row rows[] = {
        {"0-1-100,1-2-7", "0-1-100,1-2-7", std::partial_ordering::equivalent},
        {"0-1-100,1-2-7", "0-5-100,1-2-7", std::partial_ordering::equivalent},
        {"0-1-100,1-2-7", "0-1-99,1-2-7", std::partial_ordering::greater},
        {"0-1-100", "0-1-100,1-2-7", std::partial_ordering::less},
        {"0-1-100,1-2-6", "0-1-99,1-2-7", std::partial_ordering::unordered},
        {"", "", std::partial_ordering::equivalent},
        {"", "0-1-1", std::partial_ordering::less},
        {"0-1-5", "1-1-5", std::partial_ordering::unordered},
    };
    for (const Row& row : rows) {
        SCOPED_TRACE(row.a + " vs " + row.b);
        const MariadbGtidPosition a = pos(row.a);
        const MariadbGtidPosition b = pos(row.b);
        EXPECT_TRUE(a.compare(b) == row.expected);
        // compare is antisymmetric.
        const std::partial_ordering reversed = b.compare(a);
        if (row.expected == std::partial_ordering::less) {
            EXPECT_TRUE(reversed == std::partial_ordering::greater);
        } else if (row.expected == std::partial_ordering::greater) {
            EXPECT_TRUE(reversed == std::partial_ordering::less);
        } else {
            EXPECT_TRUE(reversed == row.expected);
        }
    }
    // Equality includes server ids; compare() does not.
    EXPECT_NE(pos("0-1-100"), pos("0-5-100"));
    EXPECT_EQ(pos("0-1-100,1-1-1"), pos("1-1-1,0-1-100"));
}

TEST(MariadbGtidPosition, UpdateAndUnion) {
    MariadbGtidPosition p = pos("0-1-100");
    p.update(g(1, 2, 5));
    EXPECT_EQ(p.toString(), "0-1-100,1-2-5");
    p.update(g(0, 3, 101));
    EXPECT_EQ(p.toString(), "0-3-101,1-2-5");
    // update() records the last applied GTID even when its sequence number is lower.
    p.update(g(0, 4, 50));
    EXPECT_EQ(p.toString(), "0-4-50,1-2-5");
    ASSERT_TRUE(p.find(0).has_value());
    EXPECT_EQ(*p.find(0), g(0, 4, 50));
    EXPECT_FALSE(p.find(7).has_value());

    MariadbGtidPosition u = pos("0-1-100,1-1-9,3-1-1");
    u.unionWith(pos("0-2-150,1-2-8,2-2-2"));
    EXPECT_EQ(u.toString(), "0-2-150,1-1-9,2-2-2,3-1-1");
    MariadbGtidPosition tie = pos("0-1-5");
    tie.unionWith(pos("0-2-5"));
    EXPECT_EQ(tie.toString(), "0-1-5");
}

TEST(MariadbGtidPosition, UnionPropertiesWithFixedSeed) {
    std::mt19937_64 rng(7);
    auto randomPosition = [&]() {
        MariadbGtidPosition p;
        const int n = static_cast<int>(rng() % 5);
        for (int i = 0; i < n; ++i) {
            p.update(g(static_cast<std::uint32_t>(rng() % 4), static_cast<std::uint32_t>(rng() % 3),
                       rng() % 20));
        }
        return p;
    };
    for (int round = 0; round < 300; ++round) {
        const MariadbGtidPosition a = randomPosition();
        const MariadbGtidPosition b = randomPosition();
        MariadbGtidPosition u = a;
        u.unionWith(b);
        EXPECT_TRUE(u.contains(a)) << a.toString() << " + " << b.toString();
        EXPECT_TRUE(u.contains(b)) << a.toString() << " + " << b.toString();
        // The union is the smallest such position: every domain's seq is one of the inputs'.
        for (const auto& [domain, gtid] : u.entries()) {
            const auto fromA = a.find(domain);
            const auto fromB = b.find(domain);
            const std::uint64_t best = std::max(fromA ? fromA->seqNo : 0, fromB ? fromB->seqNo : 0);
            EXPECT_EQ(gtid.seqNo, best);
        }
        EXPECT_EQ(u.entries().size(), [&] {
            std::set<std::uint32_t> domains;
            for (const auto& e : a.entries())
                domains.insert(e.first);
            for (const auto& e : b.entries())
                domains.insert(e.first);
            return domains.size();
        }());
        auto again = MariadbGtidPosition::parse(u.toString());
        ASSERT_TRUE(again.ok());
        EXPECT_EQ(*again, u);
    }
}

// ---- list ----------------------------------------------------------------------------------

TEST(MariadbGtidList, KeepsOrderAndSeveralServersPerDomain) {
    auto parsed = MariadbGtidList::parse("0-2-9, 1-1-4,0-1-5");
    ASSERT_TRUE(parsed.ok()) << parsed.error().toString();
    EXPECT_EQ(parsed->toString(), "0-2-9,1-1-4,0-1-5");
    EXPECT_EQ(parsed->gtids().size(), 3U);
    // The last element of a domain is its most recent GTID.
    EXPECT_EQ(parsed->toPosition().toString(), "0-1-5,1-1-4");

    MariadbGtidList list = *parsed;
    list.record(g(0, 2, 10));
    EXPECT_EQ(list.toString(), "1-1-4,0-1-5,0-2-10");
    EXPECT_EQ(list.toPosition().toString(), "0-2-10,1-1-4");
    EXPECT_TRUE(MariadbGtidList::parse("")->isEmpty());
}

TEST(MariadbGtidList, RejectsMalformedText) {
    const std::pair<std::string, std::string> rows[] = {
        {"0-1-5,0-1-6", "domain 0 and server 1 appear twice"},
        {"0-1-5,,0-2-6", "empty element"},
        {"0-1-5,", "trailing ','"},
        {"0-1", "expected '-'"},
        {"0-1-5 x", "expected ','"},
    };
    for (const auto& [text, fragment] : rows) {
        SCOPED_TRACE(text);
        auto parsed = MariadbGtidList::parse(text);
        ASSERT_FALSE(parsed.ok());
        EXPECT_TRUE(has(parsed.error(), fragment)) << parsed.error().message;
        EXPECT_TRUE(has(parsed.error(), "invalid MariaDB GTID list")) << parsed.error().message;
    }
}

using Bytes = std::vector<std::uint8_t>;

void le(Bytes& out, std::uint64_t value, int n) {
    for (int i = 0; i < n; ++i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

void entry(Bytes& out, std::uint32_t d, std::uint32_t s, std::uint64_t q) {
    le(out, d, 4);
    le(out, s, 4);
    le(out, q, 8);
}

TEST(MariadbGtidListBinary, EncodesAndDecodes) {
    // The MariaDB documentation's example: one GTID 0-10124-3584.
    const Bytes documented = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x8c, 0x27,
                              0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    auto decoded = decodeMariadbGtidListBody(documented);
    ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
    EXPECT_EQ(decoded->list.toString(), "0-10124-3584");
    EXPECT_EQ(decoded->flags, 0);
    EXPECT_EQ(encodeMariadbGtidListBody(*decoded), documented);

    Bytes withFlags;
    le(withFlags, (2U << 28) | 2U, 4);
    entry(withFlags, 0, 2, 9);
    entry(withFlags, 0, 1, 5);
    auto flagged = decodeMariadbGtidListBody(withFlags);
    ASSERT_TRUE(flagged.ok()) << flagged.error().toString();
    EXPECT_EQ(flagged->flags, 2);
    EXPECT_EQ(flagged->list.toString(), "0-2-9,0-1-5");
    EXPECT_EQ(encodeMariadbGtidListBody(*flagged), withFlags);

    // MariaDB pads an empty list; bytes after the elements are ignored as MariaDB does.
    const Bytes padded = {0, 0, 0, 0, 0, 0};
    auto empty = decodeMariadbGtidListBody(padded);
    ASSERT_TRUE(empty.ok()) << empty.error().toString();
    EXPECT_TRUE(empty->list.isEmpty());
}

TEST(MariadbGtidListBinary, RejectsCorruptBytes) {
    struct Row {
        const char* name;
        Bytes bytes;
        std::string fragment;
    };
    std::vector<Row> rows;
    rows.push_back({"empty", {}, "need 4 bytes"});
    rows.push_back({"short count", {1, 0, 0}, "need 4 bytes"});
    {
        Bytes b;
        le(b, 1, 4);
        rows.push_back({"count past the end", b, "count 1 needs 16 bytes but only 0"});
    }
    {
        Bytes b;
        le(b, 2, 4);
        entry(b, 0, 1, 1);
        rows.push_back({"second entry missing", b, "count 2 needs 32 bytes but only 16"});
    }
    {
        Bytes b;
        le(b, 1, 4);
        entry(b, 0, 1, 1);
        b.pop_back();
        rows.push_back({"truncated entry", b, "count 1 needs 16 bytes but only 15"});
    }
    {
        Bytes b;
        le(b, 0x0fffffff, 4);
        entry(b, 0, 1, 1);
        rows.push_back({"huge count", b, "count 268435455"});
    }
    {
        Bytes b;
        le(b, 2, 4);
        entry(b, 3, 1, 1);
        entry(b, 3, 1, 2);
        rows.push_back({"repeated pair", b, "at byte 20: GTID #2 (3-1-2) repeats"});
    }
    for (const Row& row : rows) {
        SCOPED_TRACE(row.name);
        auto decoded = decodeMariadbGtidListBody(row.bytes);
        ASSERT_FALSE(decoded.ok());
        EXPECT_EQ(decoded.error().code, ErrorCode::Corrupt);
        EXPECT_TRUE(has(decoded.error(), row.fragment)) << decoded.error().message;
        EXPECT_TRUE(has(decoded.error(), "corrupt MariaDB GTID_LIST body at byte"));
    }
}

TEST(MariadbGtidListBinary, DecodesRealGtidListEvents) {
    const std::filesystem::path dir = std::filesystem::path(FERRY_SHARED_DIR) / "fixtures/binlog";
    for (const char* name :
         {"rust_mysql_common__mariadb-bin.000001", "local__mariadb-10.11-alltypes.000001"}) {
        SCOPED_TRACE(name);
        std::ifstream in(dir / name, std::ios::binary);
        const Bytes file{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        if (file.empty()) {
            GTEST_SKIP() << "fixture " << (dir / name) << " not found";
        }
        // The GTID_LIST event at 256 (29 bytes): 19-byte header, body, 4-byte CRC32.
        ASSERT_GE(file.size(), 256U + 29U);
        ASSERT_EQ(file[256 + 4], 163) << "not a GTID_LIST event";
        const std::span<const std::uint8_t> body(file.data() + 256 + 19, 29 - 19 - 4);
        auto decoded = decodeMariadbGtidListBody(body);
        ASSERT_TRUE(decoded.ok()) << decoded.error().toString();
        EXPECT_TRUE(decoded->list.isEmpty());
        EXPECT_EQ(decoded->flags, 0);
    }
}

}  // namespace
}  // namespace ferry::model
