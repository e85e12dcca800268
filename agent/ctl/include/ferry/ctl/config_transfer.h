// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ferry/ctl/v1/config_export.pb.h"
#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::ctl {

// (ConfigKind, id): how the agent API names a configuration object.
using ConfigKey = std::pair<int, std::string>;

ConfigKey configKeyOf(const ferry::v1::ConfigObject& object);
// "data source 'hz-db'", "pipeline '3'".
std::string describeKey(const ConfigKey& key);

// The cluster's configuration as read from an agent: every object with its version.
struct ConfigSnapshot {
    std::string cluster;
    std::vector<ferry::v1::Site> sites;
    std::map<ConfigKey, ferry::v1::ConfigObject> objects;
};

// The export of a snapshot: objects sorted by id, a pipeline's table mappings (stored as their
// own objects, or inline in the pipeline) inside the pipeline, and the versions read.
ferry::ctl::v1::ConfigExport buildExport(const ConfigSnapshot& snapshot);

// Protobuf's JSON mapping, indented, proto field names; ends with a newline.
Result<std::string> exportToJson(const ferry::ctl::v1::ConfigExport& exported);

// A file `import` reads: a ConfigExport (with versions), or a bare ClusterConfig (no versions:
// the import then carries the versions it reads from the agent, and the file wins).
struct ImportFile {
    ferry::ctl::v1::ConfigExport content;
    bool hasVersions = false;
};
// Errors: InvalidArgument naming what does not parse; unknown fields are refused.
Result<ImportFile> parseImportJson(const std::string& text);

enum class ChangeAction { Create, Update, Delete };
std::string_view changeActionName(ChangeAction action);  // "create", "update", "delete"

struct PlannedChange {
    ChangeAction action = ChangeAction::Create;
    ConfigKey key;
    // Create and update: the object to put, its version the one the write carries (0: create).
    // Delete: only the version matters.
    ferry::v1::ConfigObject object;
    std::uint64_t version = 0;         // the version the write carries
    std::uint64_t currentVersion = 0;  // on the agent now (0: absent)
    // The file was exported at another version than the agent's now (or the object was
    // created since): someone else changed it, so the import must not overwrite it.
    bool stale = false;
};

struct ImportPlan {
    // Creates (data sources, channels, pipelines, mappings), updates, then deletes (mappings
    // first, data sources last).
    std::vector<PlannedChange> changes;
    std::size_t unchanged = 0;
    std::vector<std::string> warnings;

    bool anyStale() const;
};

// What importing `file` into `current` changes. Objects on the agent but not in the file are
// deleted only with `prune`. Detected data-source fields (flavor, version, server id) are not
// compared and are kept. Errors: InvalidArgument (objects without ids, duplicate ids, another
// cluster's file).
Result<ImportPlan> planImport(const ImportFile& file, const ConfigSnapshot& current, bool prune);

}  // namespace ferry::ctl
