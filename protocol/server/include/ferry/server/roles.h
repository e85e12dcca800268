// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"
#include "ferry/v1/wire.pb.h"

namespace ferry::server {

// What one Request operation (a case of Request.operation) needs, and how it behaves.
struct OperationPolicy {
    ferry::v1::Request::OperationCase operation = ferry::v1::Request::OPERATION_NOT_SET;
    std::string_view name;  // the oneof field name, e.g. "put_config"
    ferry::v1::Role minRole = ferry::v1::ROLE_ADMIN;
    // Only PEER_KIND_AGENT connections may send it (the replication stream).
    bool agentsOnly = false;
    // The call stays open after its Response and carries Pushes until the client cancels it or
    // the connection closes (subscribe, stream_open).
    bool streaming = false;
};

// The one table of every operation the server knows, in field-number order:
//   viewer:   list_agents, list_sites, list_config, get_config, get_pipeline_status, browse,
//             metric_history, subscribe (streaming), list_conflicts
//   operator: pipeline_action, preflight
//   admin:    put_config, delete_config
//   agents only, admin: stream_open (streaming), stream_ack
std::span<const OperationPolicy> operationPolicies();

// The policy of `operation`, or nullptr for OPERATION_NOT_SET and any case the table lacks (a
// request from a newer peer: the server answers UNKNOWN_REQUEST).
const OperationPolicy* findOperationPolicy(ferry::v1::Request::OperationCase operation);

// Whether a connection of `peerKind` holding `role` may send `policy`'s operation. The error
// (PermissionDenied) names the operation, the role it needs and the role held, e.g.
// "put_config needs the admin role; this connection is viewer".
Status authorize(const OperationPolicy& policy, ferry::v1::PeerKind peerKind, ferry::v1::Role role);

}  // namespace ferry::server
