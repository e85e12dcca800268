// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ferry/coord/keeper.h"
#include "ferry/v1/service.pb.h"
#include "ferry/v1/wire.pb.h"

namespace ferry::daemon {

// Who asks, as the server authenticated them.
struct Caller {
    std::string identity;
    v1::Role role = v1::ROLE_VIEWER;
};

// The cluster-wide part of the service API, answered from ZooKeeper (any agent answers for the
// whole cluster): agents and sites, configuration objects with their versions, pipeline actions
// (written as the pipeline's control for the leaders to act on) and pipeline status (assembled
// from the configuration and the leaders' reports). Operations that need a database connection
// (browse, preflight) or history (metrics, conflicts) are answered elsewhere.
//
// Configuration rules: an object's API version is its znode version + 1 (1 after create); a put
// with version 0 creates (ALREADY_EXISTS if taken), with the version read replaces (CONFLICT if
// stale); every object is validated before it is stored (ids, references, table mappings that
// compile, passwords only as sealed secrets or references on the agent host); deleting a data
// source a pipeline uses, or a pipeline a channel lists, is refused.
//
// Thread-safe as the keeper is. REQUIRES: keeper outlives this object.
class ServiceBackend {
public:
    ServiceBackend(coord::Keeper& keeper, std::string cluster);

    // Answers one request (never throws; errors are ServiceError responses with a hint).
    v1::Response handle(const Caller& caller, const v1::Request& request);

    v1::Response listAgents();
    v1::Response listSites();
    v1::Response listConfig(const v1::ListConfigRequest& request);
    v1::Response getConfig(const v1::GetConfigRequest& request);
    v1::Response putConfig(const Caller& caller, const v1::PutConfigRequest& request);
    v1::Response deleteConfig(const v1::DeleteConfigRequest& request);
    v1::Response pipelineAction(const Caller& caller, const v1::PipelineActionRequest& request);
    v1::Response pipelineStatus(const v1::GetPipelineStatusRequest& request);

    // Statuses of the given pipelines (all when empty), for subscriptions too.
    Result<std::vector<v1::PipelineStatus>> statuses(const std::vector<std::uint64_t>& ids);

private:
    coord::Keeper& m_keeper;
    std::string m_cluster;
};

v1::Response errorResponse(v1::ServiceErrorCode code, std::string message, std::string hint = {});

}  // namespace ferry::daemon
