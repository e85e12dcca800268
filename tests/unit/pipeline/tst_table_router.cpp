// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/pipeline/table_router.h"

namespace ferry::pipeline {
namespace {

v1::TableMapping mapping(const std::string& id, const std::string& schema, const std::string& kind,
                         const std::string& value) {
    v1::TableMapping m;
    m.set_id(id);
    m.mutable_source()->set_schema(schema);
    if (kind == "exact") {
        m.mutable_source()->set_exact(value);
    } else if (kind == "shard") {
        m.mutable_source()->set_shard_range(value);
    } else {
        m.mutable_source()->set_regex(value);
    }
    return m;
}

v1::Pipeline pipelineWith(std::vector<v1::TableMapping> mappings) {
    v1::Pipeline p;
    p.set_id(3);
    p.set_name("shop:hz->us");
    for (auto& m : mappings) {
        *p.add_mappings() = std::move(m);
    }
    return p;
}

TEST(TableRouter, MatchesExactShardRangeAndRegexSets) {
    auto withExclude = mapping("r", "shop", "regex", "audit_.*");
    withExclude.mutable_source()->add_excludes("audit_tmp");
    auto router = TableRouter::compile(pipelineWith({
        mapping("e", "shop", "exact", "orders"),
        mapping("s", "shop", "shard", "offer[0001-0128]"),
        withExclude,
    }));
    ASSERT_TRUE(router.ok()) << router.error().toString();
    struct Case {
        const char* schema;
        const char* table;
        const char* mapping;  // "" = not replicated
    };
    const Case cases[] = {
        {"shop", "orders", "e"},     {"shop", "orders2", ""},    {"other", "orders", ""},
        {"shop", "offer0001", "s"},  {"shop", "offer0128", "s"}, {"shop", "offer0129", ""},
        {"shop", "offer0000", ""},   {"shop", "offer001", ""},   {"shop", "offer00a1", ""},
        {"shop", "audit_2026", "r"}, {"shop", "audit_tmp", ""},  {"shop", "xaudit_1", ""},
    };
    for (const auto& c : cases) {
        const v1::TableMapping* m = (*router)->route(c.schema, c.table);
        EXPECT_EQ(m == nullptr ? std::string() : m->id(), c.mapping) << c.schema << "." << c.table;
    }
}

TEST(TableRouter, RefusesWhatItCannotHonour) {
    auto filtered = mapping("f", "shop", "exact", "orders");
    filtered.set_row_filter("region = 'cn'");
    auto renamedRegex = mapping("x", "shop", "regex", "a.*");
    renamedRegex.set_target_table("b");
    const std::vector<std::pair<v1::TableMapping, const char*>> bad = {
        {filtered, "row filters"},
        {renamedRegex, "exact source table"},
        {mapping("b", "shop", "shard", "offer[01-0128]"), "same width"},
        {mapping("c", "shop", "shard", "offer[0128-0001]"), "backwards"},
        {mapping("d", "shop", "shard", "offer0001-0128"), "not of the form"},
        {mapping("g", "shop", "regex", "(unclosed"), "does not compile"},
        {mapping("h", "", "exact", "orders"), "no schema"},
    };
    for (const auto& [m, expected] : bad) {
        auto router = TableRouter::compile(pipelineWith({m}));
        ASSERT_FALSE(router.ok()) << m.id();
        EXPECT_NE(router.error().message.find(expected), std::string::npos)
            << router.error().message;
        EXPECT_NE(router.error().message.find("'" + m.id() + "'"), std::string::npos);
    }
}

TEST(TableRouter, MapsNamesAndDropsExcludedColumnsEverywhere) {
    auto m = mapping("e", "shop", "exact", "orders");
    m.set_target_schema("shop_us");
    m.set_target_table("orders_cn");
    auto* rename = m.add_columns();
    rename->set_source("amount");
    rename->set_target("amount_cny");
    auto* drop = m.add_columns();
    drop->set_source("secret");
    drop->set_exclude(true);
    auto router = TableRouter::compile(pipelineWith({m}));
    ASSERT_TRUE(router.ok());

    v1::Transaction t;
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("orders");
    for (const char* name : {"id", "secret", "amount", "email"}) {
        table->add_columns()->set_name(name);
    }
    table->add_primary_key(0);
    auto* byEmail = table->add_unique_keys();
    byEmail->set_name("email");
    byEmail->add_columns(3);
    auto* bySecret = table->add_unique_keys();
    bySecret->set_name("secret");
    bySecret->add_columns(1);
    auto* change = t.add_changes();
    change->set_type(v1::CHANGE_TYPE_UPDATE);
    for (int i = 0; i < 4; ++i) {
        change->add_before()->set_int_(i);
        change->add_after()->set_int_(10 + i);
    }

    ASSERT_TRUE((*router)->map(t).ok());
    const auto& mapped = t.tables(0);
    EXPECT_EQ(mapped.schema(), "shop_us");
    EXPECT_EQ(mapped.name(), "orders_cn");
    ASSERT_EQ(mapped.columns_size(), 3);
    EXPECT_EQ(mapped.columns(0).name(), "id");
    EXPECT_EQ(mapped.columns(1).name(), "amount_cny");
    EXPECT_EQ(mapped.columns(2).name(), "email");
    ASSERT_EQ(mapped.primary_key_size(), 1);
    EXPECT_EQ(mapped.primary_key(0), 0u);
    ASSERT_EQ(mapped.unique_keys_size(), 1) << "the key on an excluded column is gone";
    EXPECT_EQ(mapped.unique_keys(0).columns(0), 2u);
    ASSERT_EQ(t.changes(0).before_size(), 3);
    EXPECT_EQ(t.changes(0).before(1).int_(), 2);
    EXPECT_EQ(t.changes(0).after(2).int_(), 13);
}

TEST(TableRouter, ExcludingAKeyColumnIsRefused) {
    auto m = mapping("e", "shop", "exact", "orders");
    auto* drop = m.add_columns();
    drop->set_source("id");
    drop->set_exclude(true);
    auto router = TableRouter::compile(pipelineWith({m}));
    ASSERT_TRUE(router.ok());
    v1::Transaction t;
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("orders");
    table->add_columns()->set_name("id");
    table->add_primary_key(0);
    auto mapped = (*router)->map(t);
    ASSERT_FALSE(mapped.ok());
    EXPECT_NE(mapped.error().message.find("primary key"), std::string::npos);
}

}  // namespace
}  // namespace ferry::pipeline
