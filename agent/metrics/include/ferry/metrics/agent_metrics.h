// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "ferry/daemon/pipeline_supervisor.h"
#include "ferry/metrics/health.h"
#include "ferry/metrics/registry.h"

namespace ferry::metrics {

// Who this agent is, for ferry_build_info.
struct AgentIdentity {
    std::string agentId;
    std::string site;
    std::string version;
    std::string buildId;
};

// What the daemon knows at the moment of a scrape: its ZooKeeper session and its roles as the
// PipelineSupervisor sees them (each with the RoleReport the running role last wrote).
struct AgentState {
    bool zookeeperConnected = false;
    std::string zookeeperState;  // "connected", "suspended", ..., or "no session"
    bool registered = false;     // the agent's znode exists in this session
    std::size_t configProblems = 0;
    std::vector<daemon::PipelineSupervisor::RoleView> roles;
};

// The state of one local role as metrics and health name it: "standby" (not the leader),
// "starting" (leader, role not running yet), "running", "paused" or "failed" (it reports
// FAILED, or could not start and is being retried).
std::string roleStateName(const daemon::PipelineSupervisor::RoleView& role);

// Writes the agent's metrics into `registry` (a fresh one per scrape, so series of roles that
// ended disappear): agent-level ferry_up, ferry_zookeeper_connected, ferry_agent_registered,
// ferry_config_problems, ferry_build_info; per local role (labels pipeline = name,
// pipeline_id, role = capture|apply) ferry_pipeline_role_state{state=...},
// ferry_pipeline_leader, ferry_pipeline_last_error, ferry_pipeline_fencing_token, and from the
// role's report ferry_pipeline_lag_seconds (apply), ferry_pipeline_rows_total and
// ferry_pipeline_bytes_total. docs/agent.md, "Metrics", lists them for operators.
void collectAgentMetrics(const AgentIdentity& identity, const AgentState& state,
                         Registry& registry);

// Prometheus text for one scrape: collectAgentMetrics into a fresh registry.
std::string renderAgentMetrics(const AgentIdentity& identity, const AgentState& state);

// Healthy when the ZooKeeper session is connected and no local role is failed; otherwise the
// reason names the session state or the first failed role and its error.
Health agentHealth(const AgentState& state);

}  // namespace ferry::metrics
