// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/apply/write_set.h"

namespace ferry::apply {
namespace {

using ferry::v1::Transaction;

constexpr std::uint32_t kUtf8mb4GeneralCi = 45;
constexpr std::uint32_t kUtf8mb4Bin = 46;
constexpr std::uint32_t kUtf8mb4UnicodeCi = 224;
constexpr std::uint32_t kUtf8mb4SwedishCi = 232;
constexpr std::uint32_t kUtf8mb4DanishCi = 235;
constexpr std::uint32_t kUtf8mb4German2Ci = 244;
constexpr std::uint32_t kUtf8mb40900AiCi = 255;
constexpr std::uint32_t kUtf8mb40900Bin = 309;
constexpr std::uint32_t kLatin1SwedishCi = 8;
constexpr std::uint32_t kBinary = 63;
constexpr std::uint32_t kGbkChineseCi = 28;

struct FoldCase {
    const char* a;
    const char* b;
    std::uint32_t collation;
    bool equal;
    const char* why;
};

TEST(FoldText, EqualUnderTheCollationFoldsEqually) {
    const FoldCase cases[] = {
        {"abc", "ABC", kUtf8mb4GeneralCi, true, "ASCII case"},
        {"caf\xC3\xA9", "CAFE", kUtf8mb4UnicodeCi, true, "accent and case (unicode_ci)"},
        {"caf\xC3\xA9", "Cafe", kUtf8mb40900AiCi, true, "accent (0900_ai_ci)"},
        {"caf\xC3\xA9", "cafe\xCC\x81", kUtf8mb4UnicodeCi, true, "composed vs combining"},
        {"a ", "a", kUtf8mb4GeneralCi, true, "PAD SPACE trailing spaces"},
        {"a   ", "A", kUtf8mb4UnicodeCi, true, "several trailing spaces"},
        {"Stra\xC3\x9F"
         "e",
         "STRASSE", kUtf8mb4UnicodeCi, true, "sharp s expands (unicode_ci)"},
        {"Stra\xC3\x9F"
         "e",
         "STRASE", kUtf8mb4GeneralCi, true, "sharp s is s (general_ci)"},
        {"\xC3\x85sa", "aasa", kUtf8mb4DanishCi, true, "aa is a-ring (danish_ci)"},
        {"M\xC3\xBCller", "Mueller", kUtf8mb4German2Ci, true, "umlaut is ue (german2_ci)"},
        {"\xC3\x86gir", "\xC3\x84gir", kUtf8mb4SwedishCi, true,
         "ae ligature is a-umlaut (swedish)"},
        {"\xDC"
         "ber",
         "yber", kLatin1SwedishCi, true, "latin1 bytes, U-umlaut is Y (swedish)"},
        {"\xC9t\xE9", "ETE", kLatin1SwedishCi, true, "latin1 bytes, accents"},
        {"\x8A"
         "ar",
         "sar", kLatin1SwedishCi, true, "cp1252 S-caron"},
        {"\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "abc", kUtf8mb4UnicodeCi, true, "full-width"},
        {"\xCE\x86\xCE\xBB\xCF\x86\xCE\xB1", "\xCE\xB1\xCE\xBB\xCF\x86\xCE\xB1", kUtf8mb4UnicodeCi,
         true, "Greek tonos and case"},
        {"\xD0\x81\xD0\xBB\xD0\xBA\xD0\xB0", "\xD0\xB5\xD0\xBB\xD0\xBA\xD0\xB0", kUtf8mb4UnicodeCi,
         true, "Cyrillic yo and case"},
        {"a\xE2\x80\x8B"
         "b",
         "ab", kUtf8mb4UnicodeCi, true, "zero-width space is ignorable"},
        {"\xE3\x81\x8B", "\xE3\x82\xAB", kUtf8mb4UnicodeCi, true, "hiragana vs katakana"},
        {"\xEA\xB0\x80", "\xE1\x84\x80\xE1\x85\xA1", kUtf8mb4UnicodeCi, true,
         "Hangul syllable vs jamo"},
        {"abc", "ABC", 0, true, "unknown collation folds"},
        {"abc", "ABD", kGbkChineseCi, true, "other charsets fold to one value"},
        {"a ", "a", kUtf8mb4Bin, true, "utf8mb4_bin is PAD SPACE"},
        // Different under the collation: must stay different (parallelism).
        {"abc", "abd", kUtf8mb4GeneralCi, false, "different letters"},
        {"1", "11", kUtf8mb4GeneralCi, false, "digits never merge"},
        {"order-100", "order-1000", kUtf8mb4UnicodeCi, false, "numbers in text"},
        {"\xE4\xB8\xAD", "\xE5\x9B\xBD", kUtf8mb4UnicodeCi, false, "CJK ideographs differ"},
        {"a", "A", kUtf8mb4Bin, false, "binary collation keeps case"},
        {"a ", "a", kBinary, false, "binary keeps trailing spaces"},
        {"a ", "a", kUtf8mb40900Bin, false, "0900_bin is NO PAD"},
        {"\xC3\xA9", "e", kUtf8mb4Bin, false, "binary collation keeps accents"},
    };
    for (const FoldCase& c : cases) {
        const std::string a = foldText(c.a, c.collation);
        const std::string b = foldText(c.b, c.collation);
        if (c.equal) {
            EXPECT_EQ(a, b) << c.why;
        } else {
            EXPECT_NE(a, b) << c.why;
        }
    }
}

TEST(FoldText, InvalidUtf8FoldsToOneValue) {
    EXPECT_EQ(foldText("\xFF\xFE", kUtf8mb4UnicodeCi), "");
    EXPECT_EQ(foldText("\xC3", kUtf8mb4UnicodeCi), "");          // truncated
    EXPECT_EQ(foldText("\xC0\x80", kUtf8mb4UnicodeCi), "");      // overlong
    EXPECT_EQ(foldText("\xED\xA0\x80", kUtf8mb4UnicodeCi), "");  // surrogate
    EXPECT_EQ(foldText("\xFF\xFE", kBinary), std::string("\xFF\xFE"));
}

TEST(FoldText, ClassifiesCollations) {
    EXPECT_EQ(classifyCollation(kBinary), CollationClass::Binary);
    EXPECT_EQ(classifyCollation(kUtf8mb40900Bin), CollationClass::Binary);
    EXPECT_EQ(classifyCollation(46 + 1024), CollationClass::Binary);  // MariaDB nopad_bin
    EXPECT_EQ(classifyCollation(kUtf8mb4Bin), CollationClass::BinaryPadSpace);
    EXPECT_EQ(classifyCollation(kUtf8mb4GeneralCi), CollationClass::Folded);
    EXPECT_EQ(classifyCollation(278), CollationClass::Folded);  // 0900_as_cs: folds more
    EXPECT_EQ(classifyCollation(0), CollationClass::Folded);
    EXPECT_EQ(classifyCollation(99999), CollationClass::Folded);
}

// ---- write sets -------------------------------------------------------------------------------

struct TableSpec {
    std::string schema = "shop";
    std::string name = "t";
    bool primaryKey = true;
    bool uniqueEmail = true;
    std::uint32_t collation = kUtf8mb4UnicodeCi;
};

// shop.t (id INT PK, email VARCHAR UNIQUE, v INT).
ferry::v1::TableDefinition table(const TableSpec& spec = {}) {
    ferry::v1::TableDefinition t;
    t.set_schema(spec.schema);
    t.set_name(spec.name);
    t.add_columns()->set_name("id");
    auto* email = t.add_columns();
    email->set_name("email");
    email->set_collation(spec.collation);
    t.add_columns()->set_name("v");
    if (spec.primaryKey) {
        t.add_primary_key(0);
    }
    if (spec.uniqueEmail) {
        auto* unique = t.add_unique_keys();
        unique->set_name("uk_email");
        unique->add_columns(1);
    }
    return t;
}

struct Row {
    std::optional<std::int64_t> id;    // nullopt: absent from the image
    std::optional<std::string> email;  // nullopt: NULL
};

void fill(google::protobuf::RepeatedPtrField<ferry::v1::Value>* image, const Row& row) {
    auto* id = image->Add();
    if (row.id) {
        id->set_int_(*row.id);
    }
    auto* email = image->Add();
    if (row.email) {
        email->set_text(*row.email);
    } else {
        email->set_null(true);
    }
    image->Add()->set_int_(1);
}

Transaction change(ferry::v1::ChangeType type, std::optional<Row> before, std::optional<Row> after,
                   const TableSpec& spec = {}) {
    Transaction t;
    *t.add_tables() = table(spec);
    auto* c = t.add_changes();
    c->set_type(type);
    if (before) {
        fill(c->mutable_before(), *before);
    }
    if (after) {
        fill(c->mutable_after(), *after);
    }
    return t;
}

Transaction insert(std::int64_t id, std::optional<std::string> email, const TableSpec& spec = {}) {
    return change(ferry::v1::CHANGE_TYPE_INSERT, std::nullopt, Row{id, std::move(email)}, spec);
}

bool conflict(const Transaction& a, const Transaction& b, const WriteSetOptions& options = {}) {
    const WriteSet sa = computeWriteSet(a, options);
    const WriteSet sb = computeWriteSet(b, options);
    EXPECT_EQ(sa.conflictsWith(sb), sb.conflictsWith(sa));
    return sa.conflictsWith(sb);
}

TEST(WriteSet, KeysDecideConflicts) {
    const TableSpec other{.name = "u"};
    const TableSpec keyless{.primaryKey = false, .uniqueEmail = false};
    const TableSpec nullableUniqueOnly{.primaryKey = false};
    struct Case {
        const char* name;
        Transaction a;
        Transaction b;
        bool conflict;
    };
    const Case cases[] = {
        {"same primary key", insert(1, "a@x"), insert(1, "b@x"), true},
        {"different keys", insert(1, "a@x"), insert(2, "b@x"), false},
        {"same unique value, other primary key", insert(1, "a@x"), insert(2, "a@x"), true},
        {"unique value equal under the collation", insert(1, "Bob@X"), insert(2, "bob@x "), true},
        {"unique value with a binary collation", insert(1, "Bob@X", {.collation = kUtf8mb4Bin}),
         insert(2, "bob@x", {.collation = kUtf8mb4Bin}), false},
        {"NULL unique values never collide", insert(1, std::nullopt), insert(2, std::nullopt),
         false},
        {"update before image meets an insert of the old key",
         change(ferry::v1::CHANGE_TYPE_UPDATE, Row{5, "e@x"}, Row{6, "e@x"}), insert(5, "z@x"),
         true},
        {"update after image meets a delete of the new key",
         change(ferry::v1::CHANGE_TYPE_UPDATE, Row{5, "e@x"}, Row{6, "f@x"}),
         change(ferry::v1::CHANGE_TYPE_DELETE, Row{9, "f@x"}, std::nullopt), true},
        {"same key in another table", insert(1, "a@x"), insert(1, "a@x", other), false},
        {"keyless table is one write set", insert(1, "a@x", keyless), insert(2, "b@x", keyless),
         true},
        {"keyless table meets keyed rows of itself", insert(1, "a@x", keyless), insert(2, "b@x"),
         true},
        {"keyless table leaves other tables alone", insert(1, "a@x", keyless),
         insert(1, "a@x", other), false},
        {"no primary key and a NULL unique value: whole table",
         insert(1, std::nullopt, nullableUniqueOnly), insert(2, "b@x", nullableUniqueOnly), true},
        {"absent key value (MINIMAL image): whole table",
         change(ferry::v1::CHANGE_TYPE_UPDATE, Row{std::nullopt, "e@x"}, Row{7, "e@x"}),
         insert(8, "q@x"), true},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(conflict(c.a, c.b), c.conflict) << c.name;
    }
}

TEST(WriteSet, ForeignKeyGroupsSerialise) {
    ForeignKeyGroups groups;
    groups.link("shop", "order_items", "shop", "orders");
    groups.link("SHOP", "Payments", "shop", "ORDERS");
    WriteSetOptions options;
    options.foreignKeys = &groups;
    EXPECT_TRUE(conflict(insert(1, "a@x", {.name = "order_items"}),
                         insert(2, "b@x", {.name = "payments"}), options));
    EXPECT_TRUE(conflict(insert(1, "a@x", {.name = "orders"}), insert(2, "b@x", {.name = "orders"}),
                         options));
    EXPECT_FALSE(
        conflict(insert(1, "a@x", {.name = "orders"}), insert(2, "b@x", {.name = "t"}), options));
    EXPECT_EQ(groups.groupOf("shop", "orders"), groups.groupOf("shop", "payments"));
    EXPECT_FALSE(groups.groupOf("shop", "t").has_value());
}

TEST(WriteSet, TargetNamesCount) {
    // Two source tables mapped onto one target table share its keys.
    WriteSetOptions options;
    options.mapping.renameTable("shop_a", "t", "shop", "t");
    options.mapping.renameTable("shop_b", "t", "shop", "t");
    EXPECT_TRUE(conflict(insert(1, "a@x", {.schema = "shop_a"}),
                         insert(1, "b@x", {.schema = "shop_b"}), options));
    EXPECT_FALSE(
        conflict(insert(1, "a@x", {.schema = "shop_a"}), insert(1, "b@x", {.schema = "shop_b"})));
}

TEST(WriteSet, BarriersAndMalformedTransactions) {
    Transaction ddl;
    ddl.mutable_ddl()->set_statement("ALTER TABLE t ADD COLUMN c INT");
    EXPECT_TRUE(computeWriteSet(ddl).barrier);

    Transaction streamed = insert(1, "a@x");
    streamed.set_streamed(true);
    EXPECT_TRUE(computeWriteSet(streamed).barrier);

    Transaction badTable = insert(1, "a@x");
    badTable.mutable_changes(0)->set_table(3);
    EXPECT_TRUE(computeWriteSet(badTable).barrier);

    Transaction badKey = insert(1, "a@x");
    badKey.mutable_tables(0)->set_primary_key(0, 17);
    EXPECT_TRUE(computeWriteSet(badKey).barrier);

    Transaction badType = insert(1, "a@x");
    badType.mutable_changes(0)->set_type(ferry::v1::CHANGE_TYPE_UNSPECIFIED);
    EXPECT_TRUE(computeWriteSet(badType).barrier);

    EXPECT_TRUE(conflict(ddl, insert(99, "zz@x", {.name = "elsewhere"})));
    EXPECT_FALSE(computeWriteSet(insert(1, "a@x")).barrier);
}

TEST(WriteSet, HugeTransactionsTakeWholeTables) {
    Transaction big;
    *big.add_tables() = table();
    for (int i = 0; i < 50; ++i) {
        auto* c = big.add_changes();
        c->set_type(ferry::v1::CHANGE_TYPE_INSERT);
        fill(c->mutable_after(), Row{i, "u" + std::to_string(i)});
    }
    WriteSetOptions options;
    options.maxHashesPerTransaction = 10;
    const WriteSet set = computeWriteSet(big, options);
    EXPECT_EQ(set.exclusive.size(), 1u);
    EXPECT_TRUE(conflict(big, insert(1000, "other@x"), options));
    EXPECT_EQ(computeWriteSet(big).exclusive.size(), 100u);  // 50 ids + 50 emails
}

TEST(WriteSet, MergeUnites) {
    WriteSet a = computeWriteSet(insert(1, "a@x"));
    const WriteSet b = computeWriteSet(insert(2, "b@x"));
    const WriteSet c = computeWriteSet(insert(2, "c@x"));
    EXPECT_FALSE(a.conflictsWith(c));
    a.merge(b);
    EXPECT_TRUE(a.conflictsWith(c));
    EXPECT_TRUE(std::is_sorted(a.exclusive.begin(), a.exclusive.end()));
}

}  // namespace
}  // namespace ferry::apply
