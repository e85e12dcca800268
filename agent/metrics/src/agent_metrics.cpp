// SPDX-License-Identifier: Apache-2.0
#include "ferry/metrics/agent_metrics.h"

#include <array>
#include <string_view>

namespace ferry::metrics {
namespace {

using RoleView = daemon::PipelineSupervisor::RoleView;

constexpr std::array<std::string_view, 5> kRoleStates = {"standby", "starting", "running", "paused",
                                                         "failed"};

std::string pipelineLabel(const RoleView& role) {
    return role.pipelineName.empty() ? std::to_string(role.pipelineId) : role.pipelineName;
}

Labels roleLabels(const RoleView& role) {
    return {{"pipeline", pipelineLabel(role)},
            {"pipeline_id", std::to_string(role.pipelineId)},
            {"role", std::string(daemon::roleKindName(role.kind))}};
}

// The error a role shows: its report's, else why it could not start.
std::string roleError(const RoleView& role) {
    if (role.report && !role.report->last_error().message().empty()) {
        return role.report->last_error().message();
    }
    return role.running ? std::string() : role.lastError;
}

void declareFamilies(Registry& registry) {
    registry.declare("ferry_up", MetricType::Gauge, "1 while the agent serves metrics.");
    registry.declare("ferry_build_info", MetricType::Gauge,
                     "The agent's version and build (the value is always 1).");
    registry.declare("ferry_zookeeper_connected", MetricType::Gauge,
                     "1 while the agent's ZooKeeper session is connected.");
    registry.declare("ferry_agent_registered", MetricType::Gauge,
                     "1 while the agent is registered in the cluster (its agents/ znode exists).");
    registry.declare("ferry_config_problems", MetricType::Gauge,
                     "Problems found in the cluster configuration at its last read "
                     "(ferryctl pipeline status shows them).");
    registry.declare("ferry_pipeline_role_state", MetricType::Gauge,
                     "1 for the current state of a local capture or apply role: standby (not "
                     "the leader), starting, running, paused or failed.");
    registry.declare("ferry_pipeline_leader", MetricType::Gauge,
                     "1 while this agent leads the role (won its election).");
    registry.declare("ferry_pipeline_last_error", MetricType::Gauge,
                     "1 while the role reports an error (failed, cannot start, or waiting "
                     "for its peer); ferryctl pipeline status shows the message.");
    registry.declare("ferry_pipeline_fencing_token", MetricType::Gauge,
                     "Fencing token of the leader's current term (grows with every new term).");
    registry.declare("ferry_pipeline_lag_seconds", MetricType::Gauge,
                     "Replication lag: apply time of the newest source heartbeat committed on "
                     "the target minus its source timestamp.");
    registry.declare("ferry_pipeline_rows_total", MetricType::Counter,
                     "Rows applied (apply) or captured (capture) during the role's current term.");
    registry.declare("ferry_pipeline_transactions_total", MetricType::Counter,
                     "Source transactions committed on the target (apply) during the role's "
                     "current term.");
    registry.declare("ferry_pipeline_bytes_total", MetricType::Counter,
                     "Stream bytes received (apply) or sent (capture) during the role's current "
                     "term.");
}

}  // namespace

std::string roleStateName(const RoleView& role) {
    if (!role.leader) {
        return "standby";
    }
    if (!role.running) {
        return role.lastError.empty() ? "starting" : "failed";
    }
    if (!role.report) {
        return "starting";
    }
    switch (role.report->state()) {
        case v1::PIPELINE_STATE_PAUSED:
            return "paused";
        case v1::PIPELINE_STATE_FAILED:
            return "failed";
        default:
            return "running";
    }
}

void collectAgentMetrics(const AgentIdentity& identity, const AgentState& state,
                         Registry& registry) {
    declareFamilies(registry);
    registry.series("ferry_up").set(1);
    registry
        .series("ferry_build_info", {{"agent", identity.agentId},
                                     {"build", identity.buildId},
                                     {"site", identity.site},
                                     {"version", identity.version}})
        .set(1);
    registry.series("ferry_zookeeper_connected").set(state.zookeeperConnected ? 1 : 0);
    registry.series("ferry_agent_registered").set(state.registered ? 1 : 0);
    registry.series("ferry_config_problems").set(static_cast<double>(state.configProblems));

    for (const RoleView& role : state.roles) {
        const Labels labels = roleLabels(role);
        const std::string current = roleStateName(role);
        for (const std::string_view name : kRoleStates) {
            Labels withState = labels;
            withState.emplace_back("state", std::string(name));
            registry.series("ferry_pipeline_role_state", withState).set(name == current ? 1 : 0);
        }
        registry.series("ferry_pipeline_leader", labels).set(role.leader ? 1 : 0);
        registry.series("ferry_pipeline_last_error", labels).set(roleError(role).empty() ? 0 : 1);
        if (role.leader) {
            registry.series("ferry_pipeline_fencing_token", labels)
                .set(static_cast<double>(role.fencingToken));
        }
        if (!role.running || !role.report) {
            continue;
        }
        const v1::RoleReport& report = *role.report;
        const bool apply = role.kind == daemon::RoleKind::Apply;
        if (apply) {
            registry
                .series("ferry_pipeline_lag_seconds",
                        {{"pipeline", pipelineLabel(role)},
                         {"pipeline_id", std::to_string(role.pipelineId)}})
                .set(report.lag_seconds());
        }
        // Capture does not count rows or bytes yet: a series appears once its role reports a
        // value, so a missing count never reads as "nothing happened".
        if (apply || report.rows_total() > 0) {
            registry.series("ferry_pipeline_rows_total", labels)
                .set(static_cast<double>(report.rows_total()));
        }
        if (apply) {
            registry.series("ferry_pipeline_transactions_total", labels)
                .set(static_cast<double>(report.transactions_total()));
        }
        if (report.bytes_total() > 0) {
            registry.series("ferry_pipeline_bytes_total", labels)
                .set(static_cast<double>(report.bytes_total()));
        }
    }
}

std::string renderAgentMetrics(const AgentIdentity& identity, const AgentState& state) {
    Registry registry;
    collectAgentMetrics(identity, state, registry);
    return registry.renderText();
}

Health agentHealth(const AgentState& state) {
    Health health;
    if (!state.zookeeperConnected) {
        health.healthy = false;
        health.reason =
            "ZooKeeper session is not connected (" +
            (state.zookeeperState.empty() ? std::string("no session") : state.zookeeperState) +
            "): this agent leads no role until it is";
        return health;
    }
    std::size_t failed = 0;
    for (const RoleView& role : state.roles) {
        if (roleStateName(role) != "failed") {
            continue;
        }
        if (failed++ == 0) {
            const std::string error = roleError(role);
            health.reason = std::string(daemon::roleKindName(role.kind)) + " of pipeline " +
                            std::to_string(role.pipelineId) + " (" + pipelineLabel(role) +
                            ") failed" + (error.empty() ? std::string() : ": " + error);
        }
    }
    if (failed > 0) {
        health.healthy = false;
        if (failed > 1) {
            health.reason += " (and " + std::to_string(failed - 1) + " more failed role(s))";
        }
    }
    return health;
}

}  // namespace ferry::metrics
