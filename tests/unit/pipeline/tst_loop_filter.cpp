// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/pipeline/heartbeat.h"
#include "ferry/pipeline/loop_filter.h"

namespace ferry::pipeline {
namespace {

v1::TableDefinition table(const std::string& schema, const std::string& name,
                          std::initializer_list<const char*> columns) {
    v1::TableDefinition t;
    t.set_schema(schema);
    t.set_name(name);
    for (const char* column : columns) {
        t.add_columns()->set_name(column);
    }
    return t;
}

// A transaction whose changes touch `tables` in order (one insert each); the first value of
// every row is `firstValue`.
v1::Transaction transaction(const std::vector<v1::TableDefinition>& tables,
                            std::uint64_t firstValue) {
    v1::Transaction t;
    for (std::size_t i = 0; i < tables.size(); ++i) {
        *t.add_tables() = tables[i];
        auto* change = t.add_changes();
        change->set_table(static_cast<std::uint32_t>(i));
        change->set_type(v1::CHANGE_TYPE_INSERT);
        change->add_after()->set_uint(firstValue);
        for (int c = 1; c < tables[i].columns_size(); ++c) {
            change->add_after()->set_uint(static_cast<std::uint64_t>(c));
        }
    }
    return t;
}

const v1::TableDefinition kPosition =
    table("ferry", "apply_position", {"pipeline_id", "slot", "source_file"});
const v1::TableDefinition kHeartbeat = table("ferry", "heartbeat", {"source_id", "ts_us", "seq"});
const v1::TableDefinition kOrders = table("shop", "orders", {"id", "amount"});

TEST(LoopFilter, ClassifiesByTheFirstChange) {
    const LoopFilter filter("ferry", {8});
    struct Case {
        const char* what;
        std::vector<v1::TableDefinition> tables;
        std::uint64_t firstValue;
        OwnRows expected;
    };
    const std::vector<Case> cases = {
        {"applied by the reverse pipeline", {kPosition, kOrders}, 8, OwnRows::Loop},
        {"applied by another channel's pipeline", {kPosition, kOrders}, 3, OwnRows::None},
        {"an ordinary transaction", {kOrders}, 8, OwnRows::None},
        {"the heartbeat", {kHeartbeat}, 1, OwnRows::Heartbeat},
        {"another pipeline's position alone", {kPosition}, 3, OwnRows::Other},
        {"a reverse apply of a heartbeat", {kPosition, kHeartbeat}, 8, OwnRows::Loop},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(filter.classify(transaction(c.tables, c.firstValue)), c.expected) << c.what;
    }
}

TEST(LoopFilter, AnotherFerrySchemaNameIsHonoured) {
    const LoopFilter filter("ferry_b", {8});
    EXPECT_EQ(filter.classify(transaction({kPosition, kOrders}, 8)), OwnRows::None);
    v1::TableDefinition position = kPosition;
    position.set_schema("ferry_b");
    EXPECT_EQ(filter.classify(transaction({position, kOrders}, 8)), OwnRows::Loop);
}

TEST(LoopFilter, UnnamedColumnsUseTheKnownOrderAndMisnamedOnesAreNotTrusted) {
    const LoopFilter filter("ferry", {8});
    v1::TableDefinition unnamed = table("ferry", "apply_position", {"", "", ""});
    EXPECT_EQ(filter.classify(transaction({unnamed, kOrders}, 8)), OwnRows::Loop);
    v1::TableDefinition other = table("ferry", "apply_position", {"slot", "pipeline_id"});
    EXPECT_EQ(filter.classify(transaction({other, kOrders}, 8)), OwnRows::None);
}

TEST(Heartbeat, FindsTheLastHeartbeatRowOfATransaction) {
    v1::Transaction t;
    *t.add_tables() = kHeartbeat;
    for (std::uint64_t seq : {5u, 6u}) {
        auto* change = t.add_changes();
        change->set_table(0);
        change->set_type(v1::CHANGE_TYPE_UPDATE);
        change->add_after()->set_text("hz-db");
        change->add_after()->set_uint(1'700'000'000'000'000 + seq);
        change->add_after()->set_uint(seq);
    }
    const auto sample = findHeartbeat(t, "ferry");
    ASSERT_TRUE(sample);
    EXPECT_EQ(sample->sourceId, "hz-db");
    EXPECT_EQ(sample->seq, 6u);
    EXPECT_EQ(sample->tsUs, 1'700'000'000'000'006);
    EXPECT_FALSE(findHeartbeat(t, "ferry_other"));
    EXPECT_FALSE(findHeartbeat(transaction({kOrders}, 1), "ferry"));
}

}  // namespace
}  // namespace ferry::pipeline
