// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/config_transfer.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace ferry::ctl {

namespace {

using ferry::v1::ConfigObject;

Error invalid(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

std::string kindName(int kind) {
    switch (kind) {
        case ferry::v1::CONFIG_KIND_DATA_SOURCE:
            return "data source";
        case ferry::v1::CONFIG_KIND_CHANNEL:
            return "channel";
        case ferry::v1::CONFIG_KIND_PIPELINE:
            return "pipeline";
        case ferry::v1::CONFIG_KIND_TABLE_MAPPING:
            return "table mapping";
        default:
            return "object";
    }
}

// Order of creation: what others refer to first.
int creationRank(int kind) {
    switch (kind) {
        case ferry::v1::CONFIG_KIND_DATA_SOURCE:
            return 0;
        case ferry::v1::CONFIG_KIND_CHANNEL:
            return 1;
        case ferry::v1::CONFIG_KIND_PIPELINE:
            return 2;
        default:
            return 3;
    }
}

// An object without what the comparison ignores: its version and detected fields.
ConfigObject comparable(const ConfigObject& object) {
    ConfigObject copy = object;
    copy.set_version(0);
    if (copy.has_data_source()) {
        auto* ds = copy.mutable_data_source();
        ds->set_flavor(ferry::v1::DATABASE_FLAVOR_UNSPECIFIED);
        ds->clear_version();
        ds->set_server_id(0);
    }
    return copy;
}

bool sameObject(const ConfigObject& a, const ConfigObject& b) {
    return google::protobuf::util::MessageDifferencer::Equals(comparable(a), comparable(b));
}

std::uint64_t pipelineIdOf(const std::string& id) {
    std::uint64_t value = 0;
    std::from_chars(id.data(), id.data() + id.size(), value);
    return value;
}

}  // namespace

ConfigKey configKeyOf(const ConfigObject& o) {
    switch (o.object_case()) {
        case ConfigObject::kDataSource:
            return {ferry::v1::CONFIG_KIND_DATA_SOURCE, o.data_source().id()};
        case ConfigObject::kChannel:
            return {ferry::v1::CONFIG_KIND_CHANNEL, o.channel().id()};
        case ConfigObject::kPipeline:
            return {ferry::v1::CONFIG_KIND_PIPELINE,
                    o.pipeline().id() == 0 ? std::string() : std::to_string(o.pipeline().id())};
        case ConfigObject::kTableMapping:
            return {ferry::v1::CONFIG_KIND_TABLE_MAPPING, o.table_mapping().id()};
        default:
            return {ferry::v1::CONFIG_KIND_UNSPECIFIED, {}};
    }
}

std::string describeKey(const ConfigKey& key) {
    return kindName(key.first) + " '" + key.second + "'";
}

ferry::ctl::v1::ConfigExport buildExport(const ConfigSnapshot& snapshot) {
    ferry::ctl::v1::ConfigExport out;
    auto* config = out.mutable_config();
    config->set_cluster(snapshot.cluster);
    std::vector<ferry::v1::Site> sites = snapshot.sites;
    std::sort(sites.begin(), sites.end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    for (const auto& site : sites) {
        *config->add_sites() = site;
    }
    // std::map orders ids as strings; pipelines go by number.
    std::map<std::uint64_t, ferry::v1::Pipeline> pipelines;
    std::map<std::uint64_t, std::map<std::string, ferry::v1::TableMapping>> mappings;
    for (const auto& [key, object] : snapshot.objects) {
        switch (object.object_case()) {
            case ConfigObject::kDataSource:
                *config->add_data_sources() = object.data_source();
                break;
            case ConfigObject::kChannel:
                *config->add_channels() = object.channel();
                break;
            case ConfigObject::kPipeline:
                pipelines[object.pipeline().id()] = object.pipeline();
                break;
            case ConfigObject::kTableMapping:
                mappings[object.pipeline_id()][object.table_mapping().id()] =
                    object.table_mapping();
                break;
            default:
                continue;
        }
        auto* version = out.add_versions();
        version->set_kind(static_cast<ferry::v1::ConfigKind>(key.first));
        version->set_id(key.second);
        version->set_version(object.version());
    }
    for (auto& [id, pipeline] : pipelines) {
        std::map<std::string, ferry::v1::TableMapping> all;
        for (const auto& m : pipeline.mappings()) {
            all[m.id()] = m;
        }
        for (const auto& [mappingId, m] : mappings[id]) {
            all[mappingId] = m;
        }
        pipeline.clear_mappings();
        for (auto& [mappingId, m] : all) {
            *pipeline.add_mappings() = std::move(m);
        }
        *config->add_pipelines() = std::move(pipeline);
    }
    std::sort(out.mutable_versions()->begin(), out.mutable_versions()->end(),
              [](const auto& a, const auto& b) {
                  return a.kind() != b.kind() ? a.kind() < b.kind() : a.id() < b.id();
              });
    return out;
}

Result<std::string> exportToJson(const ferry::ctl::v1::ConfigExport& exported) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    std::string json;
    const auto status = google::protobuf::util::MessageToJsonString(exported, &json, options);
    if (!status.ok()) {
        return makeError(ErrorCode::Internal,
                         "cannot write the configuration as JSON: " + status.ToString());
    }
    if (json.empty() || json.back() != '\n') {
        json += '\n';
    }
    return json;
}

Result<ImportFile> parseImportJson(const std::string& text) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    google::protobuf::Struct top;
    if (auto status = google::protobuf::util::JsonStringToMessage(text, &top, options);
        !status.ok()) {
        return invalid("not a JSON object: " + status.ToString());
    }
    ImportFile file;
    const bool wrapped = top.fields().count("config") != 0 || top.fields().count("versions") != 0;
    file.hasVersions = wrapped;
    const auto status =
        wrapped ? google::protobuf::util::JsonStringToMessage(text, &file.content, options)
                : google::protobuf::util::JsonStringToMessage(text, file.content.mutable_config(),
                                                              options);
    if (!status.ok()) {
        return invalid(std::string("not a Ferry configuration (") +
                       (wrapped ? "ferryctl export file" : "ClusterConfig") +
                       "): " + status.ToString());
    }
    return file;
}

std::string_view changeActionName(ChangeAction action) {
    switch (action) {
        case ChangeAction::Create:
            return "create";
        case ChangeAction::Update:
            return "update";
        case ChangeAction::Delete:
            return "delete";
    }
    return "?";
}

bool ImportPlan::anyStale() const {
    return std::any_of(changes.begin(), changes.end(), [](const auto& c) { return c.stale; });
}

Result<ImportPlan> planImport(const ImportFile& file, const ConfigSnapshot& current, bool prune) {
    const auto& config = file.content.config();
    if (!config.cluster().empty() && !current.cluster.empty() &&
        config.cluster() != current.cluster) {
        return invalid("the file holds the configuration of cluster '" + config.cluster() +
                       "', the agent belongs to cluster '" + current.cluster +
                       "'; pick the right --agent, or change \"cluster\" in the file");
    }
    ImportPlan plan;
    std::map<ConfigKey, ConfigObject> desired;
    const auto add = [&](ConfigObject object, const std::string& where) -> Status {
        const ConfigKey key = configKeyOf(object);
        if (key.second.empty()) {
            return invalid(where + " has no id");
        }
        if (!desired.emplace(key, std::move(object)).second) {
            return invalid("the file holds " + describeKey(key) + " twice");
        }
        return okStatus();
    };
    for (int i = 0; i < config.data_sources_size(); ++i) {
        ConfigObject o;
        *o.mutable_data_source() = config.data_sources(i);
        FERRY_TRY(add(std::move(o), "data_sources[" + std::to_string(i) + "]"));
    }
    for (int i = 0; i < config.channels_size(); ++i) {
        ConfigObject o;
        *o.mutable_channel() = config.channels(i);
        FERRY_TRY(add(std::move(o), "channels[" + std::to_string(i) + "]"));
    }
    for (int i = 0; i < config.pipelines_size(); ++i) {
        const auto& pipeline = config.pipelines(i);
        const std::string where = "pipelines[" + std::to_string(i) + "]";
        const ConfigKey pipelineKey{ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(pipeline.id())};
        const auto existing = current.objects.find(pipelineKey);
        const bool inlineMappings =
            existing != current.objects.end() && existing->second.pipeline().mappings_size() > 0;
        ConfigObject o;
        *o.mutable_pipeline() = pipeline;
        if (!inlineMappings) {
            o.mutable_pipeline()->clear_mappings();
            for (int m = 0; m < pipeline.mappings_size(); ++m) {
                ConfigObject mo;
                mo.set_pipeline_id(pipeline.id());
                *mo.mutable_table_mapping() = pipeline.mappings(m);
                FERRY_TRY(add(std::move(mo), where + ".mappings[" + std::to_string(m) + "]"));
            }
        }
        FERRY_TRY(add(std::move(o), where));
    }

    std::map<ConfigKey, std::uint64_t> exported;
    for (const auto& v : file.content.versions()) {
        exported[{v.kind(), v.id()}] = v.version();
    }
    const auto exportedVersion = [&](const ConfigKey& key) -> std::uint64_t {
        auto it = exported.find(key);
        return it == exported.end() ? 0 : it->second;
    };

    for (const auto& [key, object] : desired) {
        auto it = current.objects.find(key);
        PlannedChange change;
        change.key = key;
        change.object = object;
        if (it == current.objects.end()) {
            change.action = ChangeAction::Create;
            // Exported, then deleted by someone else: recreating it would undo their delete.
            change.stale = file.hasVersions && exportedVersion(key) != 0;
        } else if (sameObject(object, it->second)) {
            ++plan.unchanged;
            continue;
        } else {
            change.action = ChangeAction::Update;
            change.currentVersion = it->second.version();
            change.version = file.hasVersions ? exportedVersion(key) : it->second.version();
            change.stale = change.version != change.currentVersion;
            if (change.object.has_data_source() && it->second.has_data_source()) {
                const auto& now = it->second.data_source();
                auto* ds = change.object.mutable_data_source();
                ds->set_flavor(now.flavor());
                ds->set_version(now.version());
                ds->set_server_id(now.server_id());
            }
        }
        change.object.set_version(change.version);
        plan.changes.push_back(std::move(change));
    }
    for (const auto& [key, object] : current.objects) {
        if (desired.count(key) != 0) {
            continue;
        }
        if (!prune) {
            continue;
        }
        PlannedChange change;
        change.action = ChangeAction::Delete;
        change.key = key;
        change.currentVersion = object.version();
        change.version =
            file.hasVersions && exportedVersion(key) != 0 ? exportedVersion(key) : object.version();
        change.stale = change.version != change.currentVersion;
        plan.changes.push_back(std::move(change));
    }
    std::stable_sort(plan.changes.begin(), plan.changes.end(),
                     [](const PlannedChange& a, const PlannedChange& b) {
                         const auto rank = [](const PlannedChange& c) {
                             const int kind = creationRank(c.key.first);
                             switch (c.action) {
                                 case ChangeAction::Create:
                                     return kind;
                                 case ChangeAction::Update:
                                     return 10 + kind;
                                 case ChangeAction::Delete:
                                     return 30 - kind;
                             }
                             return 0;
                         };
                         const int ra = rank(a);
                         const int rb = rank(b);
                         if (ra != rb) {
                             return ra < rb;
                         }
                         if (a.key.first == ferry::v1::CONFIG_KIND_PIPELINE) {
                             return pipelineIdOf(a.key.second) < pipelineIdOf(b.key.second);
                         }
                         return a.key.second < b.key.second;
                     });

    std::set<std::string> known;
    for (const auto& site : current.sites) {
        known.insert(site.name());
    }
    for (const auto& site : config.sites()) {
        if (!current.sites.empty() && known.count(site.name()) == 0) {
            plan.warnings.push_back("site '" + site.name() +
                                    "' is not a site of the cluster; sites come from the agents' "
                                    "configuration, import does not create them");
        }
    }
    return plan;
}

}  // namespace ferry::ctl
