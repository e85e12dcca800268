// SPDX-License-Identifier: Apache-2.0
// The pure parts of ferryctl's API commands: argument lists, table sets, channel building,
// aligned tables and the import plan.
#include <gtest/gtest.h>

#include "ferry/ctl/arg_list.h"
#include "ferry/ctl/channel_builder.h"
#include "ferry/ctl/config_transfer.h"
#include "ferry/ctl/text_table.h"

namespace {

using ferry::ErrorCode;
using ferry::ctl::ArgList;
using ferry::ctl::ArgSpec;

TEST(ArgList, ParsesValuesSwitchesAndPositionals) {
    const ArgSpec spec{{"tables", "kind"}, {"yes"}};
    auto args =
        ArgList::parse({"sales", "--tables", "a.*", "--tables=b.c", "--yes", "--", "--x"}, spec);
    ASSERT_TRUE(args.ok());
    EXPECT_EQ(args->positionals(), (std::vector<std::string>{"sales", "--x"}));
    EXPECT_EQ(args->values("tables"), (std::vector<std::string>{"a.*", "b.c"}));
    EXPECT_TRUE(args->has("yes"));
    EXPECT_FALSE(args->value("kind").has_value());

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"--nope"}, {"--tables"}, {"--yes=1"}, {"-y"}}) {
        auto parsed = ArgList::parse(bad, spec);
        ASSERT_FALSE(parsed.ok()) << bad[0];
        EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument);
    }
}

struct TableSetCase {
    const char* text;
    const char* schema;  // nullptr: refused
    const char* exact;
    const char* shardRange;
    const char* regex;
};

TEST(ChannelBuilder, ParsesTableSets) {
    const TableSetCase cases[] = {
        {"shop.*", "shop", "", "", ".*"},
        {"shop.orders", "shop", "orders", "", ""},
        {"shop.offer[0001-0128]", "shop", "", "offer[0001-0128]", ""},
        {"shop.order_*", "shop", "", "", "order_.*"},
        {"shop.re:ord(er|ers)", "shop", "", "", "ord(er|ers)"},
        {"shop.a.b", "shop", "", "", ""},
        {"shop", nullptr, "", "", ""},
        {".orders", nullptr, "", "", ""},
        {"shop.", nullptr, "", "", ""},
        {"sh op.x", nullptr, "", "", ""},
        {"shop.re:", nullptr, "", "", ""},
    };
    for (const auto& c : cases) {
        auto set = ferry::ctl::parseTableSet(c.text);
        if (c.schema == nullptr || std::string(c.text) == "shop.a.b") {
            EXPECT_FALSE(set.ok()) << c.text;
            continue;
        }
        ASSERT_TRUE(set.ok()) << c.text << ": " << set.error().message;
        EXPECT_EQ(set->schema(), c.schema) << c.text;
        EXPECT_EQ(set->exact(), c.exact) << c.text;
        EXPECT_EQ(set->shard_range(), c.shardRange) << c.text;
        EXPECT_EQ(set->regex(), c.regex) << c.text;
    }
}

ferry::ctl::ChannelInputs inputs() {
    ferry::ctl::ChannelInputs in;
    for (const auto& [id, site] :
         {std::pair{"a-db", "a"}, std::pair{"b-db", "b"}, std::pair{"a2-db", "a"}}) {
        ferry::v1::DataSource ds;
        ds.set_id(id);
        ds.set_site(site);
        in.dataSources[id] = ds;
    }
    in.takenPipelineIds = {1, 2, 4};
    in.takenMappingIds = {"p3-shop"};
    return in;
}

TEST(ChannelBuilder, TakesTheNextFreeIdsAndNamesPipelinesBySite) {
    ferry::ctl::ChannelSpec spec;
    spec.name = "c";
    spec.twoWay = true;
    spec.source = "a-db";
    spec.target = "b-db";
    spec.tables.push_back(*ferry::ctl::parseTableSet("shop.*"));
    auto objects = ferry::ctl::buildChannel(spec, inputs());
    ASSERT_TRUE(objects.ok()) << objects.error().message;
    ASSERT_EQ(objects->size(), 5u);
    EXPECT_EQ((*objects)[0].pipeline().id(), 3u);
    EXPECT_EQ((*objects)[0].pipeline().name(), "c:a->b");
    EXPECT_EQ((*objects)[1].pipeline().id(), 5u);
    EXPECT_EQ((*objects)[1].pipeline().name(), "c:b->a");
    EXPECT_EQ((*objects)[2].table_mapping().id(), "p3-shop-2");
    EXPECT_EQ((*objects)[2].pipeline_id(), 3u);
    EXPECT_EQ((*objects)[3].table_mapping().id(), "p5-shop");
    EXPECT_EQ((*objects)[4].channel().pipelines_size(), 2) << "the channel comes last";
    for (const auto& o : *objects) {
        EXPECT_EQ(o.version(), 0u);
    }

    spec.target = "a2-db";
    auto sameSite = ferry::ctl::buildChannel(spec, inputs());
    ASSERT_FALSE(sameSite.ok());
    EXPECT_NE(sameSite.error().message.find("both data sources are in site 'a'"),
              std::string::npos);
}

TEST(ChannelBuilder, SettingsFromFlags) {
    const ArgSpec spec{{"between", "tables", "parallelism", "large-transaction-bytes"}, {}};
    auto args = ArgList::parse({"--between", "a-db,b-db", "--tables", "shop.*", "--parallelism",
                                "8", "--large-transaction-bytes", "1048576"},
                               spec);
    ASSERT_TRUE(args.ok()) << args.error().message;
    auto channel = ferry::ctl::channelSpecFromArgs("c", *args);
    ASSERT_TRUE(channel.ok()) << channel.error().message;
    auto objects = ferry::ctl::buildChannel(*channel, inputs());
    ASSERT_TRUE(objects.ok()) << objects.error().message;
    EXPECT_EQ((*objects)[0].pipeline().settings().parallelism(), 8u);
    EXPECT_EQ((*objects)[0].pipeline().settings().spill_threshold_bytes(), 1048576u);

    for (const char* bad : {"0", "4095", "1e6", "-1", ""}) {
        auto badArgs = ArgList::parse(
            {"--between", "a-db,b-db", "--tables", "shop.*", "--large-transaction-bytes", bad},
            spec);
        ASSERT_TRUE(badArgs.ok());
        auto refused = ferry::ctl::channelSpecFromArgs("c", *badArgs);
        ASSERT_FALSE(refused.ok()) << bad;
        EXPECT_NE(refused.error().message.find("--large-transaction-bytes"), std::string::npos);
    }
}

TEST(TextTable, PadsColumnsToTheWidestCell) {
    ferry::ctl::TextTable table({"ID", "NAME"});
    table.addRow({"100", "x"});
    table.addRow({"7", "名字"});
    EXPECT_EQ(table.render(), "ID   NAME\n100  x\n7    名字\n");
}

ferry::v1::ConfigObject dataSource(const std::string& id, const std::string& url,
                                   std::uint64_t version) {
    ferry::v1::ConfigObject o;
    o.set_version(version);
    o.mutable_data_source()->set_id(id);
    o.mutable_data_source()->set_site("hz");
    o.mutable_data_source()->set_url(url);
    return o;
}

TEST(ConfigTransfer, PlansUpdatesCreatesDeletesAndStaleVersions) {
    ferry::ctl::ConfigSnapshot exportedState;
    exportedState.cluster = "default";
    for (const auto& o : {dataSource("a", "mysql://u@a/", 1), dataSource("b", "mysql://u@b/", 3),
                          dataSource("c", "mysql://u@c/", 1)}) {
        exportedState.objects[ferry::ctl::configKeyOf(o)] = o;
    }
    ferry::ctl::ImportFile file;
    file.content = ferry::ctl::buildExport(exportedState);
    file.hasVersions = true;
    auto round = ferry::ctl::exportToJson(file.content);
    ASSERT_TRUE(round.ok());
    auto parsed = ferry::ctl::parseImportJson(*round);
    ASSERT_TRUE(parsed.ok());
    EXPECT_TRUE(parsed->hasVersions);
    EXPECT_EQ(parsed->content.DebugString(), file.content.DebugString());

    // The file edits a and b, drops c and adds d; on the agent, b moved on to version 4 and a
    // has detected fields the file lacks.
    auto* sources = file.content.mutable_config()->mutable_data_sources();
    (*sources)[0].set_url("mysql://u@a2/");
    (*sources)[1].set_url("mysql://u@b2/");
    sources->RemoveLast();
    *file.content.mutable_config()->add_data_sources() =
        dataSource("d", "mysql://u@d/", 0).data_source();
    ferry::ctl::ConfigSnapshot now = exportedState;
    now.objects[{ferry::v1::CONFIG_KIND_DATA_SOURCE, "b"}].set_version(4);
    now.objects[{ferry::v1::CONFIG_KIND_DATA_SOURCE, "a"}].mutable_data_source()->set_server_id(11);

    auto plan = ferry::ctl::planImport(file, now, false);
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    ASSERT_EQ(plan->changes.size(), 3u);
    EXPECT_EQ(plan->changes[0].action, ferry::ctl::ChangeAction::Create);
    EXPECT_EQ(plan->changes[0].key.second, "d");
    EXPECT_EQ(plan->changes[1].key.second, "a");
    EXPECT_FALSE(plan->changes[1].stale);
    EXPECT_EQ(plan->changes[1].object.version(), 1u);
    EXPECT_EQ(plan->changes[1].object.data_source().server_id(), 11u);  // kept
    EXPECT_EQ(plan->changes[2].key.second, "b");
    EXPECT_TRUE(plan->changes[2].stale);
    EXPECT_TRUE(plan->anyStale());

    auto pruned = ferry::ctl::planImport(file, now, true);
    ASSERT_TRUE(pruned.ok());
    ASSERT_EQ(pruned->changes.size(), 4u);
    EXPECT_EQ(pruned->changes[3].action, ferry::ctl::ChangeAction::Delete);
    EXPECT_EQ(pruned->changes[3].key.second, "c");
    EXPECT_EQ(pruned->changes[3].version, 1u);

    // Without versions the file wins: writes carry the agent's versions, nothing is stale.
    file.hasVersions = false;
    auto bare = ferry::ctl::planImport(file, now, false);
    ASSERT_TRUE(bare.ok());
    EXPECT_FALSE(bare->anyStale());
    EXPECT_EQ(bare->changes[2].version, 4u);

    file.content.mutable_config()->set_cluster("other");
    EXPECT_FALSE(ferry::ctl::planImport(file, now, false).ok());
}

TEST(ConfigTransfer, RefusesDuplicateIdsAndUnknownFields) {
    ferry::ctl::ImportFile file;
    *file.content.mutable_config()->add_data_sources() = dataSource("a", "x", 0).data_source();
    *file.content.mutable_config()->add_data_sources() = dataSource("a", "y", 0).data_source();
    auto plan = ferry::ctl::planImport(file, {}, false);
    ASSERT_FALSE(plan.ok());
    EXPECT_NE(plan.error().message.find("twice"), std::string::npos);

    EXPECT_FALSE(ferry::ctl::parseImportJson(R"({"config": {"nope": 1}})").ok());
    EXPECT_FALSE(ferry::ctl::parseImportJson("[1, 2]").ok());
    EXPECT_FALSE(ferry::ctl::parseImportJson("{\"cluster\": ").ok());
    auto bare = ferry::ctl::parseImportJson(R"({"cluster": "default", "data_sources": []})");
    ASSERT_TRUE(bare.ok());
    EXPECT_FALSE(bare->hasVersions);
}

}  // namespace
