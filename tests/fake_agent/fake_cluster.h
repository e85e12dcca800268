// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ferry/v1/service.pb.h"
#include "ferry/v1/wire.pb.h"

namespace ferry::testing {

// Milliseconds since the Unix epoch; injected so lag and rates are reproducible in tests.
using Clock = std::function<std::int64_t()>;

// The state of a made-up cluster that fake agents serve: sites hz and us, agents hz-agent1 and
// us-agent1, data sources hz-db and us-db, and N pipelines (default 2: one two-way channel
// "orders"; more pipelines form more two-way channels "ch2", "ch3", ... between the same data
// sources, the last one one-way when N is odd). Every configuration object starts at version 1.
//
// Lag, rates, positions and counters are pure functions of the clock and each pipeline's state
// history, so a test that sets the clock knows what to expect: a running pipeline's lag is
// runningLag(id, now); a paused or failed one's grows by one second per second from the moment
// it stopped moving; a stopped one reports no rates.
//
// handle() answers one service request exactly as the agent API defines it (versions and
// conflicts, roles, state rules of pipeline actions). Listeners hear every event (log events,
// configuration changes) as a Push with its topic.
//
// Not thread safe; owned by the test or by the fake agent program.
class FakeCluster {
public:
    struct Options {
        int pipelines = 2;
        std::string cluster = "default";
    };
    using Listener = std::function<void(ferry::v1::Topic, const ferry::v1::Push&)>;

    FakeCluster(Options options, Clock clock);

    const std::string& clusterName() const { return m_options.cluster; }
    std::int64_t now() const { return m_clock(); }

    // Answers one request as a connection with `role` may.
    ferry::v1::Response handle(const ferry::v1::Request& request, ferry::v1::Role role);

    // Statuses of the given pipelines (all when empty), at now().
    std::vector<ferry::v1::PipelineStatus> statuses(const std::vector<std::uint64_t>& ids) const;
    std::vector<std::uint64_t> pipelineIds() const;

    // The lag of a running pipeline at `timeMs`, in seconds.
    static double runningLag(std::uint64_t pipelineId, std::int64_t timeMs);
    static double runningRows(std::uint64_t pipelineId, std::int64_t timeMs);

    // Where each agent listens (set by the servers that play it).
    void setAgentAddress(const std::string& agentId, const std::string& address);
    std::vector<std::string> agentIds() const;
    std::string siteOfAgent(const std::string& agentId) const;

    // Makes a running pipeline fail the way a real one stops on an error.
    void failPipeline(std::uint64_t id, const std::string& message, const std::string& hint,
                      const std::string& transaction);

    void addListener(Listener listener) { m_listeners.push_back(std::move(listener)); }

private:
    struct Versioned {
        ferry::v1::ConfigObject object;
    };
    struct Runtime {
        ferry::v1::PipelineState state = ferry::v1::PIPELINE_STATE_RUNNING;
        ferry::v1::PipelineState desired = ferry::v1::PIPELINE_STATE_RUNNING;
        std::int64_t startedMs = 0;  // when it last started running
        std::int64_t stalledMs = 0;  // when it stopped moving (paused, failed)
        double lagAtStall = 0;
        std::uint64_t rowsBefore = 0;  // rows applied before startedMs
        ferry::v1::PipelineError lastError;
    };
    using Key = std::pair<int, std::string>;  // (ConfigKind, id)

    ferry::v1::Response listAgents() const;
    ferry::v1::Response listSites() const;
    ferry::v1::Response listConfig(const ferry::v1::ListConfigRequest& r) const;
    ferry::v1::Response getConfig(const ferry::v1::GetConfigRequest& r) const;
    ferry::v1::Response putConfig(const ferry::v1::PutConfigRequest& r);
    ferry::v1::Response deleteConfig(const ferry::v1::DeleteConfigRequest& r);
    ferry::v1::Response pipelineAction(const ferry::v1::PipelineActionRequest& r);
    ferry::v1::Response browse(const ferry::v1::BrowseRequest& r) const;
    ferry::v1::Response preflight(const ferry::v1::PreflightRequest& r) const;
    ferry::v1::Response metricHistory(const ferry::v1::MetricHistoryRequest& r) const;

    ferry::v1::PipelineStatus statusOf(std::uint64_t id) const;
    double lagOf(std::uint64_t id, const Runtime& rt, std::int64_t at) const;
    std::uint64_t rowsApplied(std::uint64_t id, const Runtime& rt, std::int64_t at) const;
    void stall(std::uint64_t id, Runtime& rt, ferry::v1::PipelineState state);
    void run(std::uint64_t id, Runtime& rt);
    void emitEvent(ferry::v1::Topic topic, const ferry::v1::Push& push);
    void logEvent(std::uint64_t pipelineId, ferry::v1::LogSeverity severity,
                  const std::string& message);
    const ferry::v1::Pipeline* pipeline(std::uint64_t id) const;

    Options m_options;
    Clock m_clock;
    std::int64_t m_startMs = 0;
    std::vector<ferry::v1::Site> m_sites;
    std::vector<ferry::v1::Agent> m_agents;
    std::map<Key, ferry::v1::ConfigObject> m_config;
    std::map<std::uint64_t, Runtime> m_runtime;
    std::vector<Listener> m_listeners;
};

}  // namespace ferry::testing
