// SPDX-License-Identifier: Apache-2.0
#include "ferry/server/roles.h"

#include <array>

#include "ferry/wire/names.h"

namespace ferry::server {

namespace {

using ferry::v1::Request;

constexpr ferry::v1::Role kViewer = ferry::v1::ROLE_VIEWER;
constexpr ferry::v1::Role kOperator = ferry::v1::ROLE_OPERATOR;
constexpr ferry::v1::Role kAdmin = ferry::v1::ROLE_ADMIN;

constexpr std::array kPolicies = {
    OperationPolicy{Request::kListAgents, "list_agents", kViewer, false, false},
    OperationPolicy{Request::kListSites, "list_sites", kViewer, false, false},
    OperationPolicy{Request::kListConfig, "list_config", kViewer, false, false},
    OperationPolicy{Request::kGetConfig, "get_config", kViewer, false, false},
    OperationPolicy{Request::kPutConfig, "put_config", kAdmin, false, false},
    OperationPolicy{Request::kDeleteConfig, "delete_config", kAdmin, false, false},
    OperationPolicy{Request::kPipelineAction, "pipeline_action", kOperator, false, false},
    OperationPolicy{Request::kGetPipelineStatus, "get_pipeline_status", kViewer, false, false},
    OperationPolicy{Request::kBrowse, "browse", kViewer, false, false},
    OperationPolicy{Request::kPreflight, "preflight", kOperator, false, false},
    OperationPolicy{Request::kMetricHistory, "metric_history", kViewer, false, false},
    OperationPolicy{Request::kSubscribe, "subscribe", kViewer, false, true},
    OperationPolicy{Request::kListConflicts, "list_conflicts", kViewer, false, false},
    OperationPolicy{Request::kStreamOpen, "stream_open", kAdmin, true, true},
    OperationPolicy{Request::kStreamAck, "stream_ack", kAdmin, true, false},
};

}  // namespace

std::span<const OperationPolicy> operationPolicies() {
    return kPolicies;
}

const OperationPolicy* findOperationPolicy(ferry::v1::Request::OperationCase operation) {
    for (const auto& policy : kPolicies) {
        if (policy.operation == operation) {
            return &policy;
        }
    }
    return nullptr;
}

Status authorize(const OperationPolicy& policy, ferry::v1::PeerKind peerKind,
                 ferry::v1::Role role) {
    if (policy.agentsOnly && peerKind != ferry::v1::PEER_KIND_AGENT) {
        return makeError(ErrorCode::PermissionDenied, std::string(policy.name) +
                                                          " is for ferry-agent peers only; this "
                                                          "connection is " +
                                                          ferry::wire::peerKindName(peerKind));
    }
    if (role < policy.minRole) {
        return makeError(ErrorCode::PermissionDenied, std::string(policy.name) + " needs the " +
                                                          ferry::wire::roleName(policy.minRole) +
                                                          " role; this connection is " +
                                                          ferry::wire::roleName(role));
    }
    return okStatus();
}

}  // namespace ferry::server
