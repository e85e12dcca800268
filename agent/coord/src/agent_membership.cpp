// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/agent_membership.h"

#include <cstdio>
#include <mutex>

#include "ferry/coord/versioned_config_store.h"

namespace ferry::coord {

struct AgentMembership::Core {
    Keeper& keeper;
    std::string agentId;
    std::string root;
    std::string path;

    mutable std::mutex mutex;
    std::string payload;
    bool wanted = false;
    int64_t registeredSession = 0;
    ListenerId listener = 0;

    Core(Keeper& keeperRef, std::string id, std::string data, std::string rootPath)
        : keeper(keeperRef),
          agentId(std::move(id)),
          root(std::move(rootPath)),
          path(joinPath(root, agentId)),
          payload(std::move(data)) {}

    // REQUIRES: mutex held.
    Status registerNode() {
        const int64_t session = keeper.sessionId();
        if (registeredSession == session && session != 0) {
            return okStatus();
        }
        FERRY_TRY(keeper.ensurePath(root));
        for (int attempt = 0; attempt < 3; ++attempt) {
            auto created = keeper.create(path, payload, CreateMode::Ephemeral);
            if (created.ok()) {
                registeredSession = session;
                return okStatus();
            }
            if (isConnectionError(created.kind())) {
                continue;  // the next attempt finds the node if this one applied
            }
            if (created.kind() != KeeperError::NodeExists) {
                return Error(std::move(created).error());
            }
            auto existing = keeper.get(path);
            if (existing.kind() == KeeperError::NoNode) {
                continue;  // its owner's session just ended
            }
            if (!existing.ok()) {
                return Error(std::move(existing).error());
            }
            if (existing->stat.ephemeralOwner == session) {
                registeredSession = session;
                if (existing->data != payload) {
                    auto set = keeper.set(path, payload);
                    if (!set.ok()) {
                        return Error(std::move(set).error());
                    }
                }
                return okStatus();
            }
            char owner[32];
            std::snprintf(owner, sizeof(owner), "0x%llx",
                          static_cast<unsigned long long>(existing->stat.ephemeralOwner));
            return makeError(ErrorCode::Conflict,
                             "agent " + agentId +
                                 " is already registered by another live "
                                 "ZooKeeper session (" +
                                 owner +
                                 "): is another ferry-agent running with the same agent id? "
                                 "Stop it or give this one another id");
        }
        return makeError(ErrorCode::Unavailable,
                         "agent " + agentId + ": could not register at " + path +
                             ": the ZooKeeper connection keeps dropping; retrying later");
    }
};

AgentMembership::AgentMembership(Keeper& keeper, std::string agentId, std::string payload,
                                 std::string root)
    : m_core(
          std::make_shared<Core>(keeper, std::move(agentId), std::move(payload), std::move(root))) {
    std::weak_ptr<Core> weak = m_core;
    m_core->listener = keeper.addSessionListener([weak](SessionState state) {
        auto core = weak.lock();
        if (!core || state != SessionState::Connected) {
            return;
        }
        std::lock_guard lock(core->mutex);
        if (core->wanted) {
            (void)core->registerNode();
        }
    });
}

AgentMembership::~AgentMembership() {
    m_core->keeper.removeSessionListener(m_core->listener);
}

Status AgentMembership::join() {
    if (!VersionedConfigStore::validateId(ConfigKind::DataSource, m_core->agentId).ok()) {
        return makeError(ErrorCode::InvalidArgument,
                         "invalid agent id \"" + m_core->agentId +
                             "\": use 1 to 128 letters, digits and -_.:@+");
    }
    std::lock_guard lock(m_core->mutex);
    m_core->wanted = true;
    return m_core->registerNode();
}

Status AgentMembership::update(std::string payload) {
    std::lock_guard lock(m_core->mutex);
    m_core->payload = std::move(payload);
    if (!m_core->wanted || m_core->registeredSession != m_core->keeper.sessionId()) {
        return okStatus();  // the next registration carries it
    }
    auto set = m_core->keeper.set(m_core->path, m_core->payload);
    if (!set.ok()) {
        return Error(std::move(set).error());
    }
    return okStatus();
}

Status AgentMembership::leave() {
    std::lock_guard lock(m_core->mutex);
    m_core->wanted = false;
    if (m_core->registeredSession == 0 || m_core->registeredSession != m_core->keeper.sessionId()) {
        m_core->registeredSession = 0;
        return okStatus();
    }
    m_core->registeredSession = 0;
    auto removed = m_core->keeper.remove(m_core->path);
    if (!removed.ok() && removed.kind() != KeeperError::NoNode) {
        return Error(std::move(removed).error());
    }
    return okStatus();
}

bool AgentMembership::joined() const {
    std::lock_guard lock(m_core->mutex);
    return m_core->wanted && m_core->registeredSession != 0 &&
           m_core->registeredSession == m_core->keeper.sessionId() &&
           m_core->keeper.state() != SessionState::Expired &&
           m_core->keeper.state() != SessionState::Closed;
}

Result<std::vector<AgentRecord>> AgentMembership::list(Keeper& keeper, const std::string& root) {
    auto children = keeper.getChildren(root);
    if (children.kind() == KeeperError::NoNode) {
        return std::vector<AgentRecord>{};
    }
    if (!children.ok()) {
        return Error(std::move(children).error());
    }
    std::vector<AgentRecord> agents;
    for (const std::string& child : *children) {
        auto node = keeper.get(joinPath(root, child));
        if (node.kind() == KeeperError::NoNode) {
            continue;  // it left while we listed
        }
        if (!node.ok()) {
            return Error(std::move(node).error());
        }
        agents.push_back({child, std::move(node->data), node->stat.ephemeralOwner});
    }
    return agents;
}

}  // namespace ferry::coord
