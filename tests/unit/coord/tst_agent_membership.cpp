// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/coord/agent_membership.h"
#include "ferry/coord/fault_injecting_keeper.h"
#include "ferry/coord/in_memory_keeper.h"

namespace ferry::coord {
namespace {

class AgentMembershipTest : public ::testing::Test {
protected:
    std::vector<std::string> ids() {
        auto agents = AgentMembership::list(*m_observer);
        EXPECT_TRUE(agents.ok());
        std::vector<std::string> out;
        for (const AgentRecord& agent : *agents) {
            out.push_back(agent.id);
        }
        return out;
    }

    std::shared_ptr<InMemoryEnsemble> m_ensemble = InMemoryEnsemble::create();
    std::unique_ptr<InMemoryKeeper> m_observer = m_ensemble->connect();
};

TEST_F(AgentMembershipTest, AgentsAppearWithPayloadAndLeave) {
    auto keeper = m_ensemble->connect();
    AgentMembership hz(*keeper, "hz-host1", "site=hz");
    EXPECT_TRUE(ids().empty());
    ASSERT_TRUE(hz.join().ok());
    ASSERT_TRUE(hz.join().ok()) << "join is idempotent";
    EXPECT_TRUE(hz.joined());
    auto agents = AgentMembership::list(*m_observer);
    ASSERT_EQ(agents->size(), 1u);
    EXPECT_EQ((*agents)[0].payload, "site=hz");
    EXPECT_EQ((*agents)[0].sessionId, keeper->sessionId());
    ASSERT_TRUE(hz.update("site=hz;v=2").ok());
    EXPECT_EQ((*AgentMembership::list(*m_observer))[0].payload, "site=hz;v=2");
    ASSERT_TRUE(hz.leave().ok());
    EXPECT_TRUE(ids().empty());
}

TEST_F(AgentMembershipTest, SecondLiveAgentWithTheSameIdIsRefused) {
    auto first = m_ensemble->connect();
    auto second = m_ensemble->connect();
    AgentMembership a(*first, "hz-host1", "");
    AgentMembership b(*second, "hz-host1", "");
    ASSERT_TRUE(a.join().ok());
    Status refused = b.join();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::Conflict);
    EXPECT_NE(refused.error().message.find("another ferry-agent"), std::string::npos);
}

TEST_F(AgentMembershipTest, ExpiredAgentRegistersAgainOnItsNewSession) {
    auto keeper = m_ensemble->connect();
    AgentMembership hz(*keeper, "hz-host1", "p");
    ASSERT_TRUE(hz.join().ok());
    m_ensemble->expireSession(keeper->sessionId());
    EXPECT_TRUE(ids().empty());
    EXPECT_FALSE(hz.joined());
    ASSERT_TRUE(keeper->renewSession().ok());
    m_ensemble->deliverEvents();
    EXPECT_EQ(ids(), std::vector<std::string>{"hz-host1"});
    EXPECT_TRUE(hz.joined());
}

TEST_F(AgentMembershipTest, RegistrationWhoseReplyWasLostSucceeds) {
    auto keeper = m_ensemble->connect();
    ASSERT_TRUE(keeper->ensurePath("/agents").ok());
    FaultInjectingKeeper faulty(*keeper);
    AgentMembership hz(faulty, "hz-host1", "p");
    faulty.schedule({Fault::None, Fault::LossAfter});  // exists /agents, then the create
    ASSERT_TRUE(hz.join().ok());
    EXPECT_EQ(ids(), std::vector<std::string>{"hz-host1"});
}

}  // namespace
}  // namespace ferry::coord
