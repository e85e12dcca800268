// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "ferry/apply/sql_session.h"
#include "ferry/apply/statement_builder.h"

namespace ferry::apply {
namespace {

using ferry::v1::Column;
using ferry::v1::Transaction;
using ferry::v1::Value;

Value intValue(std::int64_t v) {
    Value value;
    value.set_int_(v);
    return value;
}
Value nullValue() {
    Value value;
    value.set_null(true);
    return value;
}
Value textValue(std::string bytes, std::uint32_t collation = 0) {
    Value value;
    value.set_text(std::move(bytes));
    value.set_collation(collation);
    return value;
}
Value absent() {
    return Value{};
}

Column column(std::string name, bool nullable = false) {
    Column c;
    c.set_name(std::move(name));
    c.set_nullable(nullable);
    return c;
}

StatementBuilder builder(BuilderOptions options = {}, NameMapping mapping = {}) {
    return StatementBuilder([](std::string_view bytes) { return quoteUtf8mb4(bytes); }, options,
                            std::move(mapping));
}

struct ValueCase {
    const char* name;
    Value value;
    Column column;
    const char* expected;
};

Value make(auto setter) {
    Value value;
    setter(value);
    return value;
}

class RenderValue : public ::testing::TestWithParam<ValueCase> {};

TEST_P(RenderValue, RendersExactLiteral) {
    const ValueCase& c = GetParam();
    auto rendered = builder().renderValue(c.column, c.value);
    ASSERT_TRUE(rendered.ok()) << rendered.error().toString();
    EXPECT_EQ(*rendered, c.expected);
}

Column ujisColumn() {
    Column c = column("c");
    c.set_collation(12);
    return c;
}

Column enumColumn() {
    Column c = column("e");
    c.add_enum_names("small");
    c.add_enum_names("it's");
    return c;
}

INSTANTIATE_TEST_SUITE_P(
    Types, RenderValue,
    ::testing::Values(
        ValueCase{"null", nullValue(), column("c"), "NULL"},
        ValueCase{"int_min", intValue(INT64_MIN), column("c"), "-9223372036854775808"},
        ValueCase{"uint_max", make([](Value& v) { v.set_uint(UINT64_MAX); }), column("c"),
                  "18446744073709551615"},
        ValueCase{"double", make([](Value& v) { v.set_real(0.1); }), column("c"), "1e-01"},
        ValueCase{"float_widened", make([](Value& v) { v.set_real(static_cast<double>(1.1f)); }),
                  column("c"), "1.100000023841858e+00"},
        ValueCase{"double_max", make([](Value& v) { v.set_real(1.7976931348623157e308); }),
                  column("c"), "1.7976931348623157e+308"},
        ValueCase{"negative_zero", make([](Value& v) { v.set_real(-0.0); }), column("c"), "-0e+00"},
        ValueCase{"decimal", make([](Value& v) { v.set_decimal("-12345678.90"); }), column("c"),
                  "-12345678.90"},
        ValueCase{"decimal_long",
                  make([](Value& v) { v.set_decimal("123456789012345678.0123456789"); }),
                  column("c"), "123456789012345678.0123456789"},
        ValueCase{"zero_date", make([](Value& v) { v.set_temporal("0000-00-00"); }), column("c"),
                  "'0000-00-00'"},
        ValueCase{"datetime6", make([](Value& v) { v.set_temporal("2024-02-29 23:59:59.999999"); }),
                  column("c"), "'2024-02-29 23:59:59.999999'"},
        ValueCase{"negative_time", make([](Value& v) { v.set_temporal("-838:59:59.000000"); }),
                  column("c"), "'-838:59:59.000000'"},
        ValueCase{"timestamp3", make([](Value& v) {
                      v.mutable_timestamp()->set_seconds(2147483647);
                      v.mutable_timestamp()->set_microseconds(999000);
                      v.mutable_timestamp()->set_fsp(3);
                  }),
                  column("c"), "'2038-01-19 03:14:07.999'"},
        ValueCase{"timestamp0", make([](Value& v) { v.mutable_timestamp()->set_seconds(86400); }),
                  column("c"), "'1970-01-02 00:00:00'"},
        ValueCase{"timestamp_zero", make([](Value& v) { v.mutable_timestamp()->set_fsp(2); }),
                  column("c"), "'0000-00-00 00:00:00.00'"},
        ValueCase{"timestamp_more_precision_than_fsp", make([](Value& v) {
                      v.mutable_timestamp()->set_seconds(1);
                      v.mutable_timestamp()->set_microseconds(5);
                      v.mutable_timestamp()->set_fsp(2);
                  }),
                  column("c"), "'1970-01-01 00:00:01.000005'"},
        ValueCase{"text_utf8mb4_with_quotes_and_nul",
                  textValue(std::string("a'b\\c\0d\xE2\x82\xAC", 10), 45), column("c"),
                  "_utf8mb4'a\\'b\\\\c\\0d\xE2\x82\xAC'"},
        ValueCase{"text_latin1", textValue("caf\xE9", 8), column("c"), "_latin1 X'636166E9'"},
        ValueCase{"text_collation_from_column", textValue("\xA4\xA2"), ujisColumn(),
                  "_ujis X'A4A2'"},
        ValueCase{"text_utf8_invalid_bytes", textValue("\xC3\x28", 33), column("c"),
                  "_utf8mb4 X'C328'"},
        ValueCase{"text_unknown_charset_not_utf8", textValue("\xFF"), column("c"), "X'FF'"},
        ValueCase{"text_binary_collation", textValue("\x01\x02", 63), column("c"), "X'0102'"},
        ValueCase{"text_mariadb_nopad", textValue("ab", 1069), column("c"), "_utf8mb4'ab'"},
        ValueCase{"binary_with_nul",
                  make([](Value& v) { v.set_binary(std::string("\x00\xFF\x00", 3)); }), column("c"),
                  "X'00FF00'"},
        ValueCase{"json", make([](Value& v) { v.set_json("{\"a\": \"x'y\"}"); }), column("c"),
                  "_utf8mb4'{\\\"a\\\": \\\"x\\'y\\\"}'"},
        ValueCase{"bit_zero", make([](Value& v) { v.set_bit(0); }), column("c"), "b'0'"},
        ValueCase{"bit_13", make([](Value& v) { v.set_bit(0b1010101010101); }), column("c"),
                  "b'1010101010101'"},
        ValueCase{"enum_by_name", make([](Value& v) { v.set_enum_index(2); }), enumColumn(),
                  "_utf8mb4'it\\'s'"},
        ValueCase{"enum_unknown_name", make([](Value& v) { v.set_enum_index(3); }), enumColumn(),
                  "3"},
        ValueCase{"enum_error_value", make([](Value& v) { v.set_enum_index(0); }), enumColumn(),
                  "0"},
        ValueCase{"set_bits", make([](Value& v) { v.set_set_bits(5); }), column("c"), "5"},
        ValueCase{"geometry_point_srid4326", make([](Value& v) {
                      v.set_geometry(std::string("\xE6\x10\x00\x00\x01\x01\x00\x00\x00", 9));
                  }),
                  column("c"), "ST_GeomFromWKB(X'0101000000', 4326)"},
        ValueCase{"vector",
                  make([](Value& v) { v.set_vector(std::string("\x00\x00\x80\x3F", 4)); }),
                  column("c"), "X'0000803F'"}),
    [](const ::testing::TestParamInfo<ValueCase>& row) { return std::string(row.param.name); });

struct BadValueCase {
    const char* name;
    Value value;
    const char* messagePart;
};

class RenderBadValue : public ::testing::TestWithParam<BadValueCase> {};

TEST_P(RenderBadValue, IsRefusedWithReason) {
    const BadValueCase& c = GetParam();
    auto rendered = builder().renderValue(column("col"), c.value);
    ASSERT_FALSE(rendered.ok()) << *rendered;
    EXPECT_NE(rendered.error().message.find(c.messagePart), std::string::npos)
        << rendered.error().message;
    EXPECT_NE(rendered.error().message.find("col"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Types, RenderBadValue,
    ::testing::Values(
        BadValueCase{"nan", make([](Value& v) { v.set_real(std::nan("")); }), "non-finite"},
        BadValueCase{"decimal_injection", make([](Value& v) { v.set_decimal("1; DROP TABLE t"); }),
                     "not a decimal"},
        BadValueCase{"decimal_empty_fraction", make([](Value& v) { v.set_decimal("1."); }),
                     "not a decimal"},
        BadValueCase{"temporal_quote", make([](Value& v) { v.set_temporal("2020-01-01'"); }),
                     "not a date"},
        BadValueCase{"geometry_short",
                     make([](Value& v) { v.set_geometry(std::string("\x00\x00", 2)); }),
                     "shorter than its 4-byte SRID"},
        BadValueCase{"timestamp_micros",
                     make([](Value& v) { v.mutable_timestamp()->set_microseconds(1000000); }),
                     "out of range"},
        BadValueCase{"json_diffs", make([](Value& v) { v.mutable_json_diffs(); }), "partial JSON"},
        BadValueCase{"absent", Value{}, "absent"}),
    [](const ::testing::TestParamInfo<BadValueCase>& row) { return std::string(row.param.name); });

// shop.t (id INT PK, name VARCHAR utf8mb4 NULL, g INT GENERATED)
Transaction shopTransaction() {
    Transaction t;
    t.mutable_end()->set_file("bin.000001");
    t.mutable_end()->set_pos(900);
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("t");
    *table->add_columns() = column("id");
    *table->add_columns() = column("name", true);
    Column generated = column("g");
    generated.set_generated(true);
    *table->add_columns() = generated;
    table->add_primary_key(0);
    return t;
}

void addInsert(Transaction& t, std::vector<Value> after, std::uint32_t table = 0) {
    auto* change = t.add_changes();
    change->set_table(table);
    change->set_type(ferry::v1::CHANGE_TYPE_INSERT);
    change->set_event_pos(100);
    for (Value& v : after) {
        *change->add_after() = std::move(v);
    }
}

void addUpdate(Transaction& t, std::vector<Value> before, std::vector<Value> after) {
    auto* change = t.add_changes();
    change->set_type(ferry::v1::CHANGE_TYPE_UPDATE);
    for (Value& v : before) {
        *change->add_before() = std::move(v);
    }
    for (Value& v : after) {
        *change->add_after() = std::move(v);
    }
}

void addDelete(Transaction& t, std::vector<Value> before) {
    auto* change = t.add_changes();
    change->set_type(ferry::v1::CHANGE_TYPE_DELETE);
    for (Value& v : before) {
        *change->add_before() = std::move(v);
    }
}

std::vector<std::string> sqlOf(const Result<std::vector<RowStatement>>& statements) {
    std::vector<std::string> out;
    if (!statements.ok()) {
        out.push_back("error: " + statements.error().message);
        return out;
    }
    for (const RowStatement& s : *statements) {
        out.push_back(s.sql);
    }
    return out;
}

TEST(StatementBuilder, InsertUpdateDeleteByPrimaryKey) {
    Transaction t = shopTransaction();
    addInsert(t, {intValue(1), textValue("a", 45), intValue(7)});
    addUpdate(t, {intValue(1), textValue("a", 45), intValue(7)},
              {intValue(2), nullValue(), intValue(8)});
    addDelete(t, {intValue(2), nullValue(), intValue(8)});
    const auto statements = builder().build(t);
    EXPECT_EQ(sqlOf(statements),
              (std::vector<std::string>{
                  "INSERT INTO `shop`.`t` (`id`, `name`) VALUES (1, _utf8mb4'a')",
                  "UPDATE `shop`.`t` SET `id` = 2, `name` = NULL WHERE `id` = 1",
                  "DELETE FROM `shop`.`t` WHERE `id` = 2",
              }));
    ASSERT_TRUE(statements.ok());
    EXPECT_EQ((*statements)[1].key, "`id`=1");
    EXPECT_EQ((*statements)[0].key, "`id`=1");
}

TEST(StatementBuilder, AbsentColumnsAreLeftOut) {
    Transaction t = shopTransaction();
    addInsert(t, {intValue(1), absent(), absent()});
    addUpdate(t, {intValue(1), absent(), absent()}, {absent(), textValue("b", 45), absent()});
    EXPECT_EQ(sqlOf(builder().build(t)),
              (std::vector<std::string>{
                  "INSERT INTO `shop`.`t` (`id`) VALUES (1)",
                  "UPDATE `shop`.`t` SET `name` = _utf8mb4'b' WHERE `id` = 1",
              }));
}

TEST(StatementBuilder, UpdateWithNothingToWriteStillMatchesTheRow) {
    Transaction t = shopTransaction();
    addUpdate(t, {intValue(1), absent(), intValue(3)}, {absent(), absent(), intValue(4)});
    EXPECT_EQ(sqlOf(builder().build(t)),
              (std::vector<std::string>{"UPDATE `shop`.`t` SET `id` = `id` WHERE `id` = 1"}));
}

TEST(StatementBuilder, MissingKeyInBeforeImageIsRefused) {
    Transaction t = shopTransaction();
    addDelete(t, {absent(), textValue("a", 45), absent()});
    const auto result = builder().build(t);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("lacks key column id"), std::string::npos);
    EXPECT_NE(result.error().message.find("shop.t"), std::string::npos);
}

TEST(StatementBuilder, ConsecutiveInsertsShareOneStatementWithinTheBound) {
    Transaction t = shopTransaction();
    for (int i = 1; i <= 5; ++i) {
        addInsert(t, {intValue(i), textValue("x", 45), absent()});
    }
    addInsert(t, {intValue(6), absent(), absent()});  // other column set: new statement
    addDelete(t, {intValue(1), absent(), absent()});
    addInsert(t, {intValue(7), absent(), absent()});
    BuilderOptions options;
    options.maxInsertBytes = 100;  // room for three rows of the first kind (98 bytes)
    const auto statements = builder(options).build(t);
    EXPECT_EQ(sqlOf(statements),
              (std::vector<std::string>{
                  "INSERT INTO `shop`.`t` (`id`, `name`) VALUES (1, _utf8mb4'x'), (2, "
                  "_utf8mb4'x'), (3, _utf8mb4'x')",
                  "INSERT INTO `shop`.`t` (`id`, `name`) VALUES (4, _utf8mb4'x'), (5, "
                  "_utf8mb4'x')",
                  "INSERT INTO `shop`.`t` (`id`) VALUES (6)",
                  "DELETE FROM `shop`.`t` WHERE `id` = 1",
                  "INSERT INTO `shop`.`t` (`id`) VALUES (7)",
              }));
    ASSERT_TRUE(statements.ok());
    EXPECT_EQ((*statements)[0].rowCount, 3u);
    EXPECT_EQ((*statements)[1].rowCount, 2u);
    EXPECT_EQ((*statements)[1].firstChange, 3u);
    EXPECT_EQ((*statements)[3].firstChange, 6u);
}

TEST(StatementBuilder, OneRowLargerThanTheBoundIsNotSplit) {
    Transaction t = shopTransaction();
    addInsert(t, {intValue(1), textValue(std::string(200, 'y'), 45), absent()});
    BuilderOptions options;
    options.maxInsertBytes = 10;
    const auto statements = builder(options).build(t);
    ASSERT_TRUE(statements.ok());
    ASSERT_EQ(statements->size(), 1u);
    EXPECT_EQ((*statements)[0].rowCount, 1u);
}

TEST(StatementBuilder, RenamesFromTheMapping) {
    Transaction t = shopTransaction();
    addInsert(t, {intValue(1), textValue("a", 45), absent()});
    addUpdate(t, {intValue(1), absent(), absent()}, {absent(), textValue("b", 45), absent()});
    NameMapping mapping;
    mapping.renameTable("shop", "t", "shop_us", "t2");
    mapping.renameColumn("shop", "t", "id", "t_id");
    EXPECT_EQ(sqlOf(builder({}, mapping).build(t)),
              (std::vector<std::string>{
                  "INSERT INTO `shop_us`.`t2` (`t_id`, `name`) VALUES (1, _utf8mb4'a')",
                  "UPDATE `shop_us`.`t2` SET `name` = _utf8mb4'b' WHERE `t_id` = 1",
              }));
}

TEST(StatementBuilder, IdentifiersWithBackticksAreQuoted) {
    Transaction t = shopTransaction();
    t.mutable_tables(0)->set_name("we`ird");
    addDelete(t, {intValue(1), absent(), absent()});
    EXPECT_EQ(sqlOf(builder().build(t)),
              (std::vector<std::string>{"DELETE FROM `shop`.`we``ird` WHERE `id` = 1"}));
}

// shop.u (a INT NULL, b VARCHAR NOT NULL, c INT NOT NULL), unique (a), unique (b, c)
Transaction uniqueOnlyTransaction() {
    Transaction t;
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("u");
    *table->add_columns() = column("a", true);
    *table->add_columns() = column("b");
    *table->add_columns() = column("c");
    auto* nullableKey = table->add_unique_keys();
    nullableKey->set_name("ua");
    nullableKey->add_columns(0);
    auto* key = table->add_unique_keys();
    key->set_name("ubc");
    key->add_columns(1);
    key->add_columns(2);
    return t;
}

TEST(StatementBuilder, UniqueKeyOfNotNullColumnsWhenNoPrimaryKey) {
    Transaction t = uniqueOnlyTransaction();
    addUpdate(t, {nullValue(), textValue("k", 45), intValue(3)},
              {intValue(5), textValue("k", 45), intValue(3)});
    addDelete(t, {intValue(5), textValue("k", 45), intValue(3)});
    const auto statements = builder().build(t);
    EXPECT_EQ(sqlOf(statements),
              (std::vector<std::string>{
                  "UPDATE `shop`.`u` SET `a` = 5, `b` = _utf8mb4'k', `c` = 3 WHERE `b` = "
                  "_utf8mb4'k' AND `c` = 3",
                  "DELETE FROM `shop`.`u` WHERE `b` = _utf8mb4'k' AND `c` = 3",
              }));
    ASSERT_TRUE(statements.ok());
    EXPECT_EQ((*statements)[1].key, "(`b`, `c`)=(_utf8mb4'k', 3)");
}

Transaction noKeyTransaction() {
    Transaction t;
    t.mutable_end()->set_file("bin.000002");
    t.mutable_end()->set_pos(77);
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("nokey");
    *table->add_columns() = column("a", true);
    *table->add_columns() = column("b", true);
    addDelete(t, {intValue(1), nullValue()});
    return t;
}

TEST(StatementBuilder, NoKeyTableIsRefusedNamingTheTable) {
    const auto result = builder().build(noKeyTransaction());
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::Unsupported);
    EXPECT_NE(result.error().message.find("table shop.nokey has no primary key"), std::string::npos)
        << result.error().message;
    EXPECT_NE(result.error().message.find("bin.000002:77"), std::string::npos);
}

TEST(StatementBuilder, NoKeyTableMatchesAllColumnsWhenConfigured) {
    BuilderOptions options;
    options.matchAllColumnsWithoutKey = true;
    Transaction t = noKeyTransaction();
    addUpdate(t, {intValue(1), nullValue()}, {intValue(1), intValue(2)});
    EXPECT_EQ(sqlOf(builder(options).build(t)),
              (std::vector<std::string>{
                  "DELETE FROM `shop`.`nokey` WHERE `a` <=> 1 AND `b` <=> NULL LIMIT 1",
                  "UPDATE `shop`.`nokey` SET `a` = 1, `b` = 2 WHERE `a` <=> 1 AND `b` <=> NULL "
                  "LIMIT 1",
              }));
}

TEST(StatementBuilder, JsonInAKeyIsComparedAsJson) {
    BuilderOptions options;
    options.matchAllColumnsWithoutKey = true;
    Transaction t;
    auto* table = t.add_tables();
    table->set_schema("s");
    table->set_name("j");
    *table->add_columns() = column("doc", true);
    Value doc;
    doc.set_json("[1]");
    addDelete(t, {doc});
    EXPECT_EQ(sqlOf(builder(options).build(t)),
              (std::vector<std::string>{
                  "DELETE FROM `s`.`j` WHERE `doc` <=> CAST(_utf8mb4'[1]' AS JSON) LIMIT 1"}));
}

struct CorruptCase {
    const char* name;
    std::function<void(Transaction&)> mutate;
    const char* messagePart;
};

class CorruptTransaction : public ::testing::TestWithParam<CorruptCase> {};

TEST_P(CorruptTransaction, IsRefused) {
    Transaction t = shopTransaction();
    GetParam().mutate(t);
    const auto result = builder().build(t);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find(GetParam().messagePart), std::string::npos)
        << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CorruptTransaction,
    ::testing::Values(CorruptCase{"table_index",
                                  [](Transaction& tx) {
                                      addInsert(tx, {intValue(1), absent(), absent()}, 4);
                                  },
                                  "table index 4 out of range"},
                      CorruptCase{"short_image",
                                  [](Transaction& tx) { addInsert(tx, {intValue(1)}); },
                                  "images of 0 and 1 values for 3 columns"},
                      CorruptCase{"update_without_before",
                                  [](Transaction& tx) {
                                      addUpdate(tx, {}, {intValue(1), absent(), absent()});
                                  },
                                  "UPDATE of shop.t has images"},
                      CorruptCase{"unknown_type",
                                  [](Transaction& tx) {
                                      addInsert(tx, {intValue(1), absent(), absent()});
                                      tx.mutable_changes(0)->set_type(
                                          ferry::v1::CHANGE_TYPE_UNSPECIFIED);
                                  },
                                  "is not INSERT, UPDATE or DELETE"},
                      CorruptCase{"primary_key_index",
                                  [](Transaction& tx) {
                                      tx.mutable_tables(0)->set_primary_key(0, 9);
                                      addDelete(tx, {intValue(1), absent(), absent()});
                                  },
                                  "primary key column index 9 out of range"}),
    [](const ::testing::TestParamInfo<CorruptCase>& row) { return std::string(row.param.name); });

TEST(CharsetOfCollation, KnownAndUnknownIds) {
    EXPECT_EQ(charsetOfCollation(8), "latin1");
    EXPECT_EQ(charsetOfCollation(45), "utf8mb4");
    EXPECT_EQ(charsetOfCollation(255), "utf8mb4");
    EXPECT_EQ(charsetOfCollation(63), "binary");
    EXPECT_EQ(charsetOfCollation(1057), "utf8mb3");
    EXPECT_EQ(charsetOfCollation(28), "gbk");
    EXPECT_EQ(charsetOfCollation(0), std::nullopt);
    EXPECT_EQ(charsetOfCollation(17), std::nullopt);
}

}  // namespace
}  // namespace ferry::apply
