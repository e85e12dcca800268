// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/coord/clock.h"
#include "ferry/coord/keeper.h"
#include "ferry/coord/leader_election.h"
#include "ferry/daemon/cluster_view.h"
#include "ferry/daemon/pipeline_role.h"
#include "ferry/model/result.h"

namespace ferry::daemon {

struct SupervisorOptions {
    std::string agentId;
    std::string site;
    // Leaders rewrite their RoleReport at most this often.
    std::chrono::milliseconds reportInterval{1000};
    // A role that failed to start (or failed while running, reporting FAILED) is recreated
    // after this long, doubling up to maxRetryDelay while it keeps failing.
    std::chrono::milliseconds retryDelay{1000};
    std::chrono::milliseconds maxRetryDelay{30000};
    // Where log lines go (one line, no newline); the daemon prefixes the agent.
    std::function<void(const std::string&)> log;
};

// This agent's part in every pipeline of the cluster: for each pipeline whose source is in
// this agent's site it is a candidate for capture, for each whose target is here a candidate
// for apply (a pipeline inside one site has both). It leads a role when it wins that role's
// election and the pipeline is wanted RUNNING or PAUSED; it stops the role at once when it loses
// the leadership (session expired, or connection lost for two thirds of the session timeout:
// LeaderElection's self-demotion), when the pipeline is stopped, deleted or moved, and starts a
// new one in each new term, with the term's fencing token. A STOPPED pipeline's candidates
// leave the election, so another site's agents are not kept waiting on a role that will not run.
//
// Everything happens in tick(), which the owner calls a few times a second from one thread:
// re-read the configuration when a watch fired, tick the elections, start and stop roles, retry
// failed ones with backoff, write reports. Keeper callbacks only raise flags.
// REQUIRES: keeper, clock and factory outlive the supervisor.
class PipelineSupervisor {
public:
    PipelineSupervisor(coord::Keeper& keeper, const coord::Clock& clock, RoleFactory& factory,
                       SupervisorOptions options);
    ~PipelineSupervisor();
    PipelineSupervisor(const PipelineSupervisor&) = delete;
    PipelineSupervisor& operator=(const PipelineSupervisor&) = delete;

    void tick();
    // Stops every role and leaves every election.
    void stop();

    // What this agent does for one pipeline, for status and tests.
    struct RoleView {
        std::uint64_t pipelineId = 0;
        RoleKind kind = RoleKind::Capture;
        bool candidate = false;
        bool leader = false;
        bool running = false;  // a role object exists
        std::int64_t fencingToken = 0;
        std::string lastError;  // why the role last failed to start or stopped
        // For the metrics endpoint: the pipeline's readable name (empty if unknown) and the
        // report the running role last wrote (none while no role runs).
        std::string pipelineName;
        std::optional<v1::RoleReport> report;
    };
    std::vector<RoleView> roles() const;
    // The snapshot the last successful read produced.
    const ClusterSnapshot& snapshot() const { return m_snapshot; }

private:
    struct Slot;
    using SlotKey = std::pair<std::uint64_t, RoleKind>;

    void reconcile();
    void driveSlot(Slot& slot);
    void startRole(Slot& slot);
    void stopRole(Slot& slot, const std::string& why);
    void writeReport(Slot& slot, bool force);
    std::optional<RoleAssignment> assignmentFor(const Slot& slot) const;
    void log(const std::string& line) const;

    coord::Keeper& m_keeper;
    const coord::Clock& m_clock;
    RoleFactory& m_factory;
    SupervisorOptions m_options;
    ClusterReader m_reader;
    ClusterSnapshot m_snapshot;
    bool m_haveSnapshot = false;
    std::map<SlotKey, std::unique_ptr<Slot>> m_slots;
};

}  // namespace ferry::daemon
