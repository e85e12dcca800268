// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/coordination_loop.h"

#include "ferry/daemon/paths.h"

namespace ferry::daemon {

CoordinationLoop::CoordinationLoop(CoordinationOptions options, KeeperConnector connector,
                                   RoleFactory& factory, Logger& logger)
    : m_options(std::move(options)),
      m_connector(std::move(connector)),
      m_factory(factory),
      m_log(logger) {
    m_options.supervisor.agentId = m_options.agent.id();
    m_options.supervisor.site = m_options.agent.site();
    if (!m_options.supervisor.log) {
        m_options.supervisor.log = [this](const std::string& line) { m_log.info(line); };
    }
}

CoordinationLoop::~CoordinationLoop() {
    stop();
}

void CoordinationLoop::start() {
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable()) {
        return;
    }
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
}

void CoordinationLoop::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::shared_ptr<coord::Keeper> CoordinationLoop::keeper() const {
    std::lock_guard lock(m_mutex);
    return m_keeper;
}

bool CoordinationLoop::registered() const {
    std::lock_guard lock(m_mutex);
    return m_registered;
}

std::vector<PipelineSupervisor::RoleView> CoordinationLoop::roles() const {
    std::lock_guard lock(m_mutex);
    return m_roles;
}

std::vector<std::string> CoordinationLoop::problems() const {
    std::lock_guard lock(m_mutex);
    return m_problems;
}

void CoordinationLoop::waitFor(std::chrono::milliseconds interval) {
    std::unique_lock lock(m_mutex);
    m_wake.wait_for(lock, interval, [this] { return m_stopping; });
}

void CoordinationLoop::run() {
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping) {
                break;
            }
        }
        step();
        waitFor(m_keeper ? m_options.tickInterval : m_options.connectRetry);
    }
    // Drain: roles first (a deposed or stopping leader writes nothing more), then leave.
    if (m_supervisor) {
        m_supervisor->stop();
        m_supervisor.reset();
    }
    if (m_membership) {
        (void)m_membership->leave();
        m_membership.reset();
    }
    std::shared_ptr<coord::Keeper> keeper;
    {
        std::lock_guard lock(m_mutex);
        keeper = std::move(m_keeper);
        m_registered = false;
        m_roles.clear();
    }
    if (keeper) {
        keeper->close();
    }
    m_log.info("left the cluster");
}

void CoordinationLoop::step() {
    std::shared_ptr<coord::Keeper> keeper = this->keeper();
    if (!keeper) {
        auto connected = m_connector();
        if (!connected.ok()) {
            if (connected.error().message != m_lastConnectError) {
                m_lastConnectError = connected.error().message;
                m_log.warning("ZooKeeper is not reachable (retrying every " +
                              std::to_string(m_options.connectRetry.count() / 1000) +
                              " s): " + m_lastConnectError);
            }
            return;
        }
        m_lastConnectError.clear();
        keeper = std::shared_ptr<coord::Keeper>(std::move(*connected));
        for (const auto& path : {std::string(paths::kAgents), std::string(paths::kConfig),
                                 std::string(paths::kPipelines)}) {
            if (auto made = keeper->ensurePath(path); !made.ok()) {
                m_log.warning("cannot create " + path + ": " + made.error().message);
                return;
            }
        }
        m_membership = std::make_unique<coord::AgentMembership>(*keeper, m_options.agent.id(),
                                                                m_options.agent.SerializeAsString(),
                                                                std::string(paths::kAgents));
        m_supervisor =
            std::make_unique<PipelineSupervisor>(*keeper, m_clock, m_factory, m_options.supervisor);
        std::lock_guard lock(m_mutex);
        m_keeper = keeper;
        m_log.info("connected to ZooKeeper (session timeout " +
                   std::to_string(keeper->sessionTimeout().count()) + " ms)");
    }

    if (keeper->state() == coord::SessionState::Expired) {
        // Let the elections see the expiry first, so every role stops before anything else.
        m_supervisor->tick();
        m_log.warning("ZooKeeper session expired: leaderships dropped; starting a new session");
        if (auto renewed = keeper->renewSession(); !renewed.ok()) {
            m_log.warning("cannot start a new ZooKeeper session (retrying): " +
                          renewed.error().message);
            return;
        }
    }
    if (!m_membership->joined() && keeper->state() == coord::SessionState::Connected) {
        if (auto joined = m_membership->join(); !joined.ok()) {
            m_log.error("cannot register in the cluster: " + joined.error().message);
        } else {
            m_log.info("registered as " + m_options.agent.id() + " in site " +
                       m_options.agent.site());
        }
    }
    m_supervisor->tick();
    std::lock_guard lock(m_mutex);
    m_registered = m_membership->joined();
    m_roles = m_supervisor->roles();
    m_problems = m_supervisor->snapshot().problems;
}

}  // namespace ferry::daemon
