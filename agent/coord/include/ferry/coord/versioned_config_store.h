// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/coord/keeper.h"
#include "ferry/model/result.h"

namespace ferry::coord {

enum class ConfigKind { DataSource, Channel, Pipeline, Mapping };

// The znode folder of a kind: "datasource", "channel", "pipeline", "mapping".
std::string_view configKindFolder(ConfigKind kind);
// For people: "data source", "channel", "pipeline", "table mapping".
std::string_view configKindLabel(ConfigKind kind);

struct VersionedValue {
    std::string data;  // the object's bytes (protobuf)
    int32_t version = 0;
};

// Configuration objects under `<root>/<kind>/<id>`, one znode each, with optimistic concurrency:
// every write carries the version that was read, so two consoles editing one object get a clear
// Conflict and editing different objects never conflicts.
//
// A connection lost during a write is resolved by reading back, never by guessing: a write that
// did apply is reported as done, not as someone else's change. Ids are 1 to 128 characters of
// letters, digits and `-_.:@+`. Thread-safe as the keeper is; REQUIRES: keeper outlives this.
class VersionedConfigStore {
public:
    explicit VersionedConfigStore(Keeper& keeper, std::string root = "/config");

    Result<VersionedValue> read(ConfigKind kind, std::string_view id) const;
    // Ids of the kind's objects, sorted; empty when there are none.
    Result<std::vector<std::string>> list(ConfigKind kind) const;
    // Creates a new object at version 0. Conflict when it exists.
    Result<int32_t> create(ConfigKind kind, std::string_view id, std::string_view data);
    // Replaces the object if it is still at `versionRead`; returns the new version. Conflict
    // when someone else changed or deleted it since.
    Result<int32_t> write(ConfigKind kind, std::string_view id, std::string_view data,
                          int32_t versionRead);
    // Deletes the object if it is still at `versionRead`.
    Status remove(ConfigKind kind, std::string_view id, int32_t versionRead);

    static Status validateId(ConfigKind kind, std::string_view id);

private:
    std::string pathOf(ConfigKind kind, std::string_view id) const;

    Keeper& m_keeper;
    std::string m_root;
};

}  // namespace ferry::coord
