// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/channel_builder.h"

#include <cctype>
#include <charconv>

#include "ferry/model/command_line.h"

namespace ferry::ctl {

namespace {

Error invalid(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

bool isIdentifier(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) != 0 || c == '_' || c == '$' || u >= 0x80)) {
            return false;
        }
    }
    return true;
}

// `offer[0001-0128]`: a prefix, a bracketed numeric range, an optional suffix.
bool isShardRange(std::string_view text) {
    const auto open = text.find('[');
    const auto close = text.find(']');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return false;
    }
    const auto range = text.substr(open + 1, close - open - 1);
    const auto dash = range.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == range.size()) {
        return false;
    }
    for (std::size_t i = 0; i < range.size(); ++i) {
        if (i != dash && std::isdigit(static_cast<unsigned char>(range[i])) == 0) {
            return false;
        }
    }
    return true;
}

std::string globToRegex(std::string_view glob) {
    std::string regex;
    for (const char c : glob) {
        switch (c) {
            case '*':
                regex += ".*";
                break;
            case '?':
                regex += '.';
                break;
            case '.':
            case '\\':
            case '+':
            case '(':
            case ')':
            case '|':
            case '^':
            case '$':
            case '{':
            case '}':
            case '[':
            case ']':
                regex += '\\';
                regex += c;
                break;
            default:
                regex += c;
        }
    }
    return regex;
}

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto comma = text.find(',', start);
        const auto end = comma == std::string::npos ? text.size() : comma;
        std::string item = text.substr(start, end - start);
        while (!item.empty() && item.front() == ' ') {
            item.erase(item.begin());
        }
        while (!item.empty() && item.back() == ' ') {
            item.pop_back();
        }
        if (!item.empty()) {
            items.push_back(item);
        }
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    return items;
}

std::string siteOf(const ChannelInputs& inputs, const std::string& dataSource) {
    auto it = inputs.dataSources.find(dataSource);
    return it == inputs.dataSources.end() ? std::string() : it->second.site();
}

}  // namespace

Result<ferry::v1::TableSet> parseTableSet(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
        return invalid("table set '" + std::string(text) +
                       "' is not SCHEMA.TABLES (e.g. shop.*, shop.orders, shop.offer[0001-0128], "
                       "shop.re:order_.*)");
    }
    const auto schema = text.substr(0, dot);
    const auto tables = text.substr(dot + 1);
    if (!isIdentifier(schema)) {
        return invalid("table set '" + std::string(text) + "': schema '" + std::string(schema) +
                       "' is not a plain name");
    }
    ferry::v1::TableSet set;
    set.set_schema(std::string(schema));
    if (tables.rfind("re:", 0) == 0) {
        if (tables.size() == 3) {
            return invalid("table set '" + std::string(text) + "': empty regex");
        }
        set.set_regex(std::string(tables.substr(3)));
    } else if (tables == "*") {
        set.set_regex(".*");
    } else if (isShardRange(tables)) {
        set.set_shard_range(std::string(tables));
    } else if (tables.find_first_of("*?") != std::string_view::npos) {
        set.set_regex(globToRegex(tables));
    } else if (isIdentifier(tables)) {
        set.set_exact(std::string(tables));
    } else {
        return invalid("table set '" + std::string(text) +
                       "': write a table name, a glob (order_*), a shard range "
                       "(offer[0001-0128]) or re:REGEX");
    }
    return set;
}

std::string_view channelCreateHelp() {
    return "usage: ferryctl channel create NAME --between SRC_DATASOURCE,DST_DATASOURCE\n"
           "           --tables 'shop.*' [--tables ...] [--kind one-way|two-way]\n"
           "           [--rename-schema SRC:DST ...] [--ddl replicate|ignore|stop]\n"
           "           [--primary-site SITE] [--ddl-from-site SITE]\n"
           "           [--conflict-policy site-priority|last-writer-wins|manual]\n"
           "           [--version-column COL] [--parallelism N]\n"
           "           [--large-transaction-bytes BYTES] [--dry-run]\n"
           "Creates a channel and its pipeline (one-way) or two opposite pipelines (two-way),\n"
           "named CHANNEL:SRC_SITE->DST_SITE, stopped, with a table mapping per --tables.\n"
           "Tables: shop.* (all), shop.orders, shop.order_* (glob), shop.offer[0001-0128],\n"
           "shop.re:REGEX. --rename-schema maps a source schema to another name on the target\n"
           "(and back on the reverse pipeline). DDL replicates from --ddl-from-site (default:\n"
           "the primary site, else the source's); --ddl sets what that direction does with DDL\n"
           "(default replicate); the other direction of a two-way channel stops on DDL.\n"
           "A source transaction larger than --large-transaction-bytes (default 64 MiB, as\n"
           "decoded) is spooled to disk, sent in fragments and applied from disk in chunks.\n"
           "Two-way channels resolve conflicts by --conflict-policy (default site-priority,\n"
           "--primary-site defaulting to the source's site).\n";
}

Result<ChannelSpec> channelSpecFromArgs(const std::string& name, const ArgList& args) {
    ChannelSpec spec;
    spec.name = name;
    bool validName = !name.empty();
    for (const char c : name) {
        validName =
            validName && (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-');
    }
    if (!validName) {
        return invalid("channel name '" + name + "': use letters, digits, '_' and '-'");
    }
    const std::string kind = args.valueOr("kind", "one-way");
    if (kind == "two-way") {
        spec.twoWay = true;
    } else if (kind != "one-way") {
        return invalid("--kind must be one-way or two-way, not '" + kind + "'");
    }
    const auto between = args.value("between");
    if (!between) {
        return invalid("missing --between SRC_DATASOURCE,DST_DATASOURCE");
    }
    const auto ends = splitList(*between);
    if (ends.size() != 2 || ends[0] == ends[1]) {
        return invalid("--between takes two different data source ids, SRC,DST, not '" + *between +
                       "'");
    }
    spec.source = ends[0];
    spec.target = ends[1];
    for (const auto& list : args.values("tables")) {
        for (const auto& item : splitList(list)) {
            FERRY_ASSIGN_OR_RETURN(auto set, parseTableSet(item));
            spec.tables.push_back(std::move(set));
        }
    }
    if (spec.tables.empty()) {
        return invalid(
            "missing --tables SCHEMA.TABLES (e.g. --tables 'shop.*'): a channel "
            "without tables replicates nothing");
    }
    for (const auto& rename : args.values("rename-schema")) {
        const auto colon = rename.find(':');
        if (colon == std::string::npos || !isIdentifier(rename.substr(0, colon)) ||
            !isIdentifier(rename.substr(colon + 1))) {
            return invalid("--rename-schema takes SOURCE:TARGET schema names, not '" + rename +
                           "'");
        }
        if (!spec.renames.emplace(rename.substr(0, colon), rename.substr(colon + 1)).second) {
            return invalid("--rename-schema names schema '" + rename.substr(0, colon) + "' twice");
        }
    }
    if (auto ddl = args.value("ddl")) {
        if (*ddl == "replicate") {
            spec.ddl = ferry::v1::DDL_MODE_REPLICATE;
        } else if (*ddl == "ignore") {
            spec.ddl = ferry::v1::DDL_MODE_IGNORE;
        } else if (*ddl == "stop") {
            spec.ddl = ferry::v1::DDL_MODE_STOP;
        } else {
            return invalid("--ddl must be replicate, ignore or stop, not '" + *ddl + "'");
        }
    }
    spec.primarySite = args.valueOr("primary-site", "");
    spec.ddlFromSite = args.valueOr("ddl-from-site", "");
    const std::string policy = args.valueOr("conflict-policy", spec.twoWay ? "site-priority" : "");
    if (policy == "site-priority") {
        spec.conflictPolicy.set_kind(ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY);
    } else if (policy == "last-writer-wins") {
        spec.conflictPolicy.set_kind(ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS);
        if (!args.has("version-column")) {
            return invalid("--conflict-policy last-writer-wins needs --version-column COL");
        }
    } else if (policy == "manual") {
        spec.conflictPolicy.set_kind(ferry::v1::CONFLICT_POLICY_KIND_MANUAL);
    } else if (!policy.empty()) {
        return invalid(
            "--conflict-policy must be site-priority, last-writer-wins or manual, not '" + policy +
            "'");
    }
    if (auto column = args.value("version-column")) {
        spec.conflictPolicy.set_version_column(*column);
    }
    if (auto parallelism = args.value("parallelism")) {
        unsigned value = 0;
        const auto [ptr, ec] =
            std::from_chars(parallelism->data(), parallelism->data() + parallelism->size(), value);
        if (ec != std::errc() || ptr != parallelism->data() + parallelism->size() || value == 0 ||
            value > 256) {
            return invalid("--parallelism must be from 1 to 256");
        }
        spec.parallelism = value;
    }
    if (auto bytes = args.value("large-transaction-bytes")) {
        std::uint64_t value = 0;
        if (!model::parseNumber(*bytes, value) || value < 4096) {
            return invalid("--large-transaction-bytes must be a number of bytes, at least 4096");
        }
        spec.largeTransactionBytes = value;
    }
    return spec;
}

Result<std::vector<ferry::v1::ConfigObject>> buildChannel(const ChannelSpec& spec,
                                                          const ChannelInputs& inputs) {
    const std::string sourceSite = siteOf(inputs, spec.source);
    const std::string targetSite = siteOf(inputs, spec.target);
    if (sourceSite.empty() || targetSite.empty()) {
        return invalid("data source '" + (sourceSite.empty() ? spec.source : spec.target) +
                       "' has no site; set one with 'ferryctl datasource update --site'");
    }
    if (sourceSite == targetSite) {
        return invalid("both data sources are in site '" + sourceSite +
                       "'; a channel connects two sites");
    }
    for (const auto* site : {&spec.primarySite, &spec.ddlFromSite}) {
        if (!site->empty() && *site != sourceSite && *site != targetSite) {
            return invalid("site '" + *site + "' is neither '" + sourceSite + "' nor '" +
                           targetSite + "'");
        }
    }
    const std::string primary =
        spec.primarySite.empty() ? (spec.twoWay ? sourceSite : std::string()) : spec.primarySite;
    const std::string ddlFrom =
        spec.ddlFromSite.empty() ? (primary.empty() ? sourceSite : primary) : spec.ddlFromSite;

    std::vector<ferry::v1::ConfigObject> objects;
    ferry::v1::ConfigObject channelObject;
    auto* channel = channelObject.mutable_channel();
    channel->set_id(spec.name);
    channel->set_kind(spec.twoWay ? ferry::v1::CHANNEL_KIND_TWO_WAY
                                  : ferry::v1::CHANNEL_KIND_ONE_WAY);
    channel->set_primary_site(primary);
    channel->set_ddl_from_site(ddlFrom);
    if (spec.conflictPolicy.kind() != ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED) {
        *channel->mutable_conflict_policy() = spec.conflictPolicy;
    }

    std::uint64_t nextId = 1;
    const auto freeId = [&] {
        while (inputs.takenPipelineIds.count(nextId) != 0) {
            ++nextId;
        }
        return nextId++;
    };
    std::set<std::string> mappingIds = inputs.takenMappingIds;
    std::vector<ferry::v1::ConfigObject> pipelines;
    std::vector<ferry::v1::ConfigObject> mappings;
    const int directions = spec.twoWay ? 2 : 1;
    for (int d = 0; d < directions; ++d) {
        const bool reverse = d == 1;
        const std::string& from = reverse ? spec.target : spec.source;
        const std::string& to = reverse ? spec.source : spec.target;
        const std::string& fromSite = reverse ? targetSite : sourceSite;
        const std::string& toSite = reverse ? sourceSite : targetSite;
        const std::uint64_t id = freeId();
        channel->add_pipelines(id);

        ferry::v1::ConfigObject pipelineObject;
        auto* pipeline = pipelineObject.mutable_pipeline();
        pipeline->set_id(id);
        pipeline->set_name(spec.name + ":" + fromSite + "->" + toSite);
        pipeline->set_channel(spec.name);
        pipeline->set_source(from);
        pipeline->set_target(to);
        pipeline->set_desired_state(ferry::v1::PIPELINE_STATE_STOPPED);
        auto* settings = pipeline->mutable_settings();
        if (fromSite == ddlFrom) {
            settings->set_ddl(spec.ddl == ferry::v1::DDL_MODE_UNSPECIFIED
                                  ? ferry::v1::DDL_MODE_REPLICATE
                                  : spec.ddl);
        } else {
            settings->set_ddl(ferry::v1::DDL_MODE_STOP);
        }
        if (spec.parallelism != 0) {
            settings->set_parallelism(spec.parallelism);
        }
        if (spec.largeTransactionBytes != 0) {
            settings->set_spill_threshold_bytes(spec.largeTransactionBytes);
        }
        pipelines.push_back(pipelineObject);

        for (const auto& set : spec.tables) {
            ferry::v1::ConfigObject mappingObject;
            mappingObject.set_pipeline_id(id);
            auto* mapping = mappingObject.mutable_table_mapping();
            ferry::v1::TableSet source = set;
            std::string targetSchema;
            if (!reverse) {
                if (auto it = spec.renames.find(set.schema()); it != spec.renames.end()) {
                    targetSchema = it->second;
                }
            } else {
                if (auto it = spec.renames.find(set.schema()); it != spec.renames.end()) {
                    source.set_schema(it->second);
                    targetSchema = set.schema();
                }
            }
            *mapping->mutable_source() = source;
            mapping->set_target_schema(targetSchema);
            std::string base = "p" + std::to_string(id) + "-" + source.schema();
            std::string mappingId = base;
            for (int n = 2; mappingIds.count(mappingId) != 0; ++n) {
                mappingId = base + "-" + std::to_string(n);
            }
            mappingIds.insert(mappingId);
            mapping->set_id(mappingId);
            mappings.push_back(mappingObject);
        }
    }
    // Referenced objects first: the agent refuses a channel listing pipelines that do not exist.
    objects.insert(objects.end(), pipelines.begin(), pipelines.end());
    objects.insert(objects.end(), mappings.begin(), mappings.end());
    objects.push_back(channelObject);
    return objects;
}

}  // namespace ferry::ctl
