// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/coord/keeper.h"
#include "ferry/model/result.h"

namespace ferry::coord {

struct AgentRecord {
    std::string id;
    std::string payload;    // site, address, version, capabilities (protobuf)
    int64_t sessionId = 0;  // the session that registered it
};

// This agent's presence in the cluster: the ephemeral node `<root>/<agent id>` holding a payload.
// It disappears when the session ends; after the keeper starts a new session, the membership
// registers again by itself. A second live agent with the same id is refused (Conflict), so two
// processes configured alike cannot both run.
//
// Thread-safe. REQUIRES: keeper outlives this object.
class AgentMembership {
public:
    AgentMembership(Keeper& keeper, std::string agentId, std::string payload,
                    std::string root = "/agents");
    ~AgentMembership();
    AgentMembership(const AgentMembership&) = delete;
    AgentMembership& operator=(const AgentMembership&) = delete;

    // Registers (or re-registers after a new session). Idempotent.
    Status join();
    // Replaces the payload of the registered node.
    Status update(std::string payload);
    // Removes the node; the membership no longer re-registers.
    Status leave();
    bool joined() const;

    // Every registered agent, sorted by id.
    static Result<std::vector<AgentRecord>> list(Keeper& keeper,
                                                 const std::string& root = "/agents");

private:
    struct Core;
    std::shared_ptr<Core> m_core;
};

}  // namespace ferry::coord
