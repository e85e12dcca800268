// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ferry/coord/keeper.h"
#include "ferry/model/result.h"
#include "ferry/v1/config.pb.h"
#include "ferry/v1/coordination.pb.h"

namespace ferry::daemon {

// The configuration and pipeline controls as one agent last read them from ZooKeeper.
struct ClusterSnapshot {
    std::map<std::string, v1::DataSource> dataSources;
    std::map<std::string, v1::Channel> channels;
    std::map<std::uint64_t, v1::Pipeline> pipelines;
    std::map<std::uint64_t, v1::PipelineControl> controls;  // absent: never acted on
    // Objects that could not be used, one message each (e.g. bytes that do not parse, an id
    // that does not match its znode, a pipeline naming a data source that does not exist).
    // Their pipelines do not run; the messages are logged and shown by the service API.
    std::vector<std::string> problems;

    // The site of the pipeline's source (capture) or target (apply) data source; empty when
    // the data source is missing.
    std::string sourceSite(const v1::Pipeline& pipeline) const;
    std::string targetSite(const v1::Pipeline& pipeline) const;
    // The state the operator wants: the control's when set, else the configuration's, else
    // RUNNING.
    v1::PipelineState desiredState(const v1::Pipeline& pipeline) const;
};

// Reads a ClusterSnapshot and leaves one-shot watches on everything it read (the folders'
// children, every object, every control), all of which raise one shared flag when they fire:
// the owner re-reads when the flag is up. Thread-safe as the keeper is.
// REQUIRES: keeper outlives this object.
class ClusterReader {
public:
    explicit ClusterReader(coord::Keeper& keeper);

    // Clears the flag, then reads (so a change during the read raises it again).
    Result<ClusterSnapshot> read();
    // True when something read since the last read() may have changed (or a watch was lost
    // with the session).
    bool changed() const { return m_changed->load(); }
    // Forces the next changed() to be true (e.g. after a failed read).
    void markChanged() { m_changed->store(true); }

private:
    coord::WatchCallback watch() const;

    coord::Keeper& m_keeper;
    std::shared_ptr<std::atomic<bool>> m_changed = std::make_shared<std::atomic<bool>>(true);
};

}  // namespace ferry::daemon
