// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/cluster_view.h"

#include <charconv>

#include "ferry/coord/versioned_config_store.h"
#include "ferry/daemon/paths.h"
#include "ferry/v1/service.pb.h"

namespace ferry::daemon {
namespace {

std::string siteOf(const ClusterSnapshot& snapshot, const std::string& dataSource) {
    const auto it = snapshot.dataSources.find(dataSource);
    return it == snapshot.dataSources.end() ? std::string() : it->second.site();
}

std::string folder(coord::ConfigKind kind) {
    return std::string(paths::kConfig) + "/" + std::string(coord::configKindFolder(kind));
}

// The children of `path` (none when it does not exist yet), watched.
Result<std::vector<std::string>> watchedChildren(coord::Keeper& keeper, const std::string& path,
                                                 const coord::WatchCallback& watch) {
    auto children = keeper.getChildren(path, watch);
    if (children.kind() == coord::KeeperError::NoNode) {
        // Watch for the folder's creation instead.
        auto exists = keeper.exists(path, watch);
        if (!exists.ok()) {
            return Error(std::move(exists).error());
        }
        if (exists->has_value()) {
            return watchedChildren(keeper, path, watch);
        }
        return std::vector<std::string>{};
    }
    return Result<std::vector<std::string>>(std::move(children));
}

}  // namespace

std::string ClusterSnapshot::sourceSite(const v1::Pipeline& pipeline) const {
    return siteOf(*this, pipeline.source());
}

std::string ClusterSnapshot::targetSite(const v1::Pipeline& pipeline) const {
    return siteOf(*this, pipeline.target());
}

v1::PipelineState ClusterSnapshot::desiredState(const v1::Pipeline& pipeline) const {
    const auto it = controls.find(pipeline.id());
    if (it != controls.end() && it->second.desired_state() != v1::PIPELINE_STATE_UNSPECIFIED) {
        return it->second.desired_state();
    }
    if (pipeline.desired_state() != v1::PIPELINE_STATE_UNSPECIFIED) {
        return pipeline.desired_state();
    }
    return v1::PIPELINE_STATE_RUNNING;
}

ClusterReader::ClusterReader(coord::Keeper& keeper) : m_keeper(keeper) {}

coord::WatchCallback ClusterReader::watch() const {
    return [flag = m_changed](const coord::WatchEvent&) { flag->store(true); };
}

Result<ClusterSnapshot> ClusterReader::read() {
    m_changed->store(false);
    ClusterSnapshot snapshot;
    const auto w = watch();

    // Reads every object of a kind into `parse`, watched; bad ones become problems.
    auto readKind = [&](coord::ConfigKind kind, auto&& parse) -> Status {
        const std::string dir = folder(kind);
        FERRY_ASSIGN_OR_RETURN(const auto ids, watchedChildren(m_keeper, dir, w));
        for (const auto& id : ids) {
            auto node = m_keeper.get(dir + "/" + id, w);
            if (node.kind() == coord::KeeperError::NoNode) {
                continue;  // deleted since the listing; the children watch has fired
            }
            if (!node.ok()) {
                return Error(std::move(node).error());
            }
            parse(id, node->data);
        }
        return okStatus();
    };
    auto problem = [&](coord::ConfigKind kind, const std::string& id, const std::string& what) {
        snapshot.problems.push_back(std::string(coord::configKindLabel(kind)) + " '" + id + "' (" +
                                    folder(kind) + "/" + id + "): " + what);
    };

    FERRY_TRY(readKind(coord::ConfigKind::DataSource, [&](const std::string& id,
                                                          const std::string& data) {
        v1::DataSource source;
        if (!source.ParseFromString(data)) {
            problem(coord::ConfigKind::DataSource, id, "not a DataSource message; re-import it");
        } else if (source.id() != id) {
            problem(coord::ConfigKind::DataSource, id, "holds id '" + source.id() + "'");
        } else {
            snapshot.dataSources.emplace(id, std::move(source));
        }
    }));
    FERRY_TRY(
        readKind(coord::ConfigKind::Channel, [&](const std::string& id, const std::string& data) {
            v1::Channel channel;
            if (!channel.ParseFromString(data)) {
                problem(coord::ConfigKind::Channel, id, "not a Channel message; re-import it");
            } else if (channel.id() != id) {
                problem(coord::ConfigKind::Channel, id, "holds id '" + channel.id() + "'");
            } else {
                snapshot.channels.emplace(id, std::move(channel));
            }
        }));
    FERRY_TRY(
        readKind(coord::ConfigKind::Pipeline, [&](const std::string& id, const std::string& data) {
            v1::Pipeline pipeline;
            if (!pipeline.ParseFromString(data)) {
                problem(coord::ConfigKind::Pipeline, id, "not a Pipeline message; re-import it");
                return;
            }
            if (std::to_string(pipeline.id()) != id) {
                problem(coord::ConfigKind::Pipeline, id,
                        "holds id " + std::to_string(pipeline.id()) +
                            "; pipeline znodes are named "
                            "by their numeric id");
                return;
            }
            for (const std::string* ref : {&pipeline.source(), &pipeline.target()}) {
                if (!snapshot.dataSources.contains(*ref)) {
                    problem(coord::ConfigKind::Pipeline, id,
                            "names data source '" + *ref +
                                "', which does not exist; create it or "
                                "fix the pipeline");
                    return;
                }
            }
            snapshot.pipelines.emplace(pipeline.id(), std::move(pipeline));
        }));

    // Table mappings stored as objects of their own join their pipeline's mappings.
    FERRY_TRY(readKind(coord::ConfigKind::Mapping, [&](const std::string& id,
                                                        const std::string& data) {
        v1::ConfigObject stored;
        if (!stored.ParseFromString(data) || !stored.has_table_mapping()) {
            problem(coord::ConfigKind::Mapping, id, "not a table mapping; re-import it");
            return;
        }
        const auto pipeline = snapshot.pipelines.find(stored.pipeline_id());
        if (pipeline == snapshot.pipelines.end()) {
            problem(coord::ConfigKind::Mapping, id,
                    "belongs to pipeline " + std::to_string(stored.pipeline_id()) +
                        ", which does not exist");
            return;
        }
        *pipeline->second.add_mappings() = stored.table_mapping();
    }));

    for (auto it = snapshot.pipelines.begin(); it != snapshot.pipelines.end();) {
        const std::uint64_t id = it->first;
        auto node = m_keeper.get(paths::control(id), w);
        if (node.kind() == coord::KeeperError::NoNode) {
            auto exists = m_keeper.exists(paths::control(id), w);
            if (!exists.ok()) {
                return Error(std::move(exists).error());
            }
            ++it;
            continue;
        }
        if (!node.ok()) {
            return Error(std::move(node).error());
        }
        v1::PipelineControl control;
        if (!control.ParseFromString(node->data)) {
            snapshot.problems.push_back("pipeline " + std::to_string(id) + ": " +
                                        paths::control(id) +
                                        " is not a PipelineControl message; run `ferryctl "
                                        "pipeline stop` then `start` to rewrite it");
            it = snapshot.pipelines.erase(it);  // its wanted state is unknown: do not run it
            continue;
        }
        snapshot.controls.emplace(id, std::move(control));
        ++it;
    }
    return snapshot;
}

}  // namespace ferry::daemon
