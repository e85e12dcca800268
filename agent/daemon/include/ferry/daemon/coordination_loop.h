// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ferry/coord/agent_membership.h"
#include "ferry/coord/clock.h"
#include "ferry/coord/keeper.h"
#include "ferry/daemon/log.h"
#include "ferry/daemon/pipeline_supervisor.h"
#include "ferry/model/result.h"
#include "ferry/v1/config.pb.h"

namespace ferry::daemon {

// Opens a keeper session (ZooKeeperKeeper::connect in the agent, an in-memory fake in tests).
using KeeperConnector = std::function<Result<std::unique_ptr<coord::Keeper>>()>;

struct CoordinationOptions {
    v1::Agent agent;  // id, site, advertised address, version: the membership payload
    std::chrono::milliseconds tickInterval{100};
    std::chrono::milliseconds connectRetry{2000};
    SupervisorOptions supervisor;  // agentId and site are taken from `agent`
};

// The agent's coordination thread: it connects to ZooKeeper (retrying while it is away), keeps
// the agent registered (AgentMembership), starts a new session after an expiry, and ticks the
// PipelineSupervisor. All blocking ZooKeeper work happens here, never on the network thread.
// A ZooKeeper outage therefore pauses pipelines (the leaders demote themselves) and they resume
// by themselves when it returns.
//
// Thread-safe: start() and stop() from the owner's thread; keeper() and the status accessors
// from any thread. REQUIRES: factory and logger outlive this object.
class CoordinationLoop {
public:
    CoordinationLoop(CoordinationOptions options, KeeperConnector connector, RoleFactory& factory,
                     Logger& logger);
    ~CoordinationLoop();
    CoordinationLoop(const CoordinationLoop&) = delete;
    CoordinationLoop& operator=(const CoordinationLoop&) = delete;

    void start();
    // Stops every role (they finish what is in flight and write nothing more), leaves the
    // cluster, closes the session and joins the thread.
    void stop();

    // The keeper while a session exists (else null). The service API uses it for reads and
    // configuration writes; a Keeper is thread-safe.
    std::shared_ptr<coord::Keeper> keeper() const;
    bool registered() const;
    std::vector<PipelineSupervisor::RoleView> roles() const;
    // Configuration problems of the last read (see ClusterSnapshot::problems).
    std::vector<std::string> problems() const;

private:
    void run();
    void step();
    void waitFor(std::chrono::milliseconds interval);

    CoordinationOptions m_options;
    KeeperConnector m_connector;
    RoleFactory& m_factory;
    Logger& m_log;
    coord::SteadyClock m_clock;

    mutable std::mutex m_mutex;  // guards the members below and the stop flag
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::shared_ptr<coord::Keeper> m_keeper;
    std::vector<PipelineSupervisor::RoleView> m_roles;
    std::vector<std::string> m_problems;
    bool m_registered = false;

    // Used by the thread only.
    std::unique_ptr<coord::AgentMembership> m_membership;
    std::unique_ptr<PipelineSupervisor> m_supervisor;
    std::string m_lastConnectError;
    std::thread m_thread;
};

}  // namespace ferry::daemon
