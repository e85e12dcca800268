// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/ctl/arg_list.h"
#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::ctl {

// What `ferryctl channel create` was asked for.
struct ChannelSpec {
    std::string name;
    bool twoWay = false;
    std::string source;  // data source ids (--between SRC,DST)
    std::string target;
    std::vector<ferry::v1::TableSet> tables;                   // as seen on the source
    std::map<std::string, std::string> renames;                // source schema -> target schema
    ferry::v1::DdlMode ddl = ferry::v1::DDL_MODE_UNSPECIFIED;  // unset: replicate
    std::string primarySite;
    std::string ddlFromSite;
    ferry::v1::ConflictPolicy conflictPolicy;
    std::uint32_t parallelism = 0;
    std::uint64_t largeTransactionBytes = 0;  // 0: the agent's default
};

// Parses `schema.tables`: `shop.*` (every table), `shop.orders` (exact), `shop.offer[0001-0128]`
// (shard range), `shop.re:order_.*` (RE2 regex), `shop.order_*` (a glob, turned into a regex).
// Errors: InvalidArgument.
Result<ferry::v1::TableSet> parseTableSet(std::string_view text);

// Reads the channel create flags. Errors: InvalidArgument (usage).
Result<ChannelSpec> channelSpecFromArgs(const std::string& name, const ArgList& args);
std::string_view channelCreateHelp();

// What buildChannel needs to know of the cluster.
struct ChannelInputs {
    std::map<std::string, ferry::v1::DataSource> dataSources;  // at least source and target
    std::set<std::uint64_t> takenPipelineIds;
    std::set<std::string> takenMappingIds;
};

// The objects to create, in order: the pipelines (ids: the next free numbers;
// names `<channel>:<source site>-><target site>`; stopped), and their table mappings (the
// reverse pipeline of a two-way channel maps the renamed schemas back), then the channel
// (last, since it names the pipelines). All at version 0.
// Errors: InvalidArgument (a data source in no site, both in one site, a site that is neither).
Result<std::vector<ferry::v1::ConfigObject>> buildChannel(const ChannelSpec& spec,
                                                          const ChannelInputs& inputs);

}  // namespace ferry::ctl
