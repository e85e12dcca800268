// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ferry/coord/fault_injecting_keeper.h"
#include "ferry/coord/in_memory_keeper.h"
#include "ferry/coord/leader_election.h"

namespace ferry::coord {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPath = "/pipelines/7/apply";

// One agent: its session, its election, and what its listener heard.
struct Agent {
    std::unique_ptr<InMemoryKeeper> keeper;
    std::unique_ptr<LeaderElection> election;
    std::vector<LeadershipChange> changes;
};

class LeaderElectionTest : public ::testing::Test {
protected:
    std::unique_ptr<Agent> makeAgent(const std::string& name) {
        auto agent = std::make_unique<Agent>();
        agent->keeper = m_ensemble->connect(9000ms);
        Agent* raw = agent.get();
        agent->election = std::make_unique<LeaderElection>(
            *agent->keeper, m_clock, ElectionOptions{kPath, name, 0ms},
            [raw](const LeadershipChange& change) { raw->changes.push_back(change); });
        return agent;
    }

    std::vector<std::string> candidates() {
        auto children = m_observer->getChildren(kPath);
        return children.ok() ? *children : std::vector<std::string>{};
    }

    std::shared_ptr<InMemoryEnsemble> m_ensemble = InMemoryEnsemble::create();
    std::unique_ptr<InMemoryKeeper> m_observer = m_ensemble->connect();
    ManualClock m_clock;
};

TEST_F(LeaderElectionTest, LowestCandidateLeadsAndSuccessorsTakeOverWithLargerTokens) {
    auto a = makeAgent("hz-a");
    auto b = makeAgent("hz-b");
    auto c = makeAgent("hz-c");
    ASSERT_TRUE(a->election->start().ok());
    ASSERT_TRUE(b->election->start().ok());
    ASSERT_TRUE(c->election->start().ok());
    m_ensemble->deliverEvents();

    EXPECT_TRUE(a->election->isLeader());
    EXPECT_FALSE(b->election->isLeader());
    EXPECT_FALSE(c->election->isLeader());
    EXPECT_EQ(candidates().size(), 3u);
    const auto tokenA = a->election->fencingToken();
    ASSERT_TRUE(tokenA.has_value());
    auto stat = m_observer->exists(a->election->candidatePath());
    ASSERT_TRUE(stat.ok() && stat->has_value());
    EXPECT_EQ(*tokenA, (*stat)->czxid) << "the token is the leader node's creation zxid";
    ASSERT_EQ(a->changes.size(), 1u);
    EXPECT_TRUE(a->changes[0].leader);
    EXPECT_EQ(*a->election->leaderData(), std::optional<std::string>("hz-a"));

    // The leader's process dies: its session expires and the next candidate takes over.
    m_ensemble->expireSession(a->keeper->sessionId());
    EXPECT_FALSE(a->election->isLeader()) << "expiry must end leadership at once";
    m_ensemble->deliverEvents();
    EXPECT_TRUE(b->election->isLeader());
    EXPECT_FALSE(c->election->isLeader());
    const auto tokenB = b->election->fencingToken();
    ASSERT_TRUE(tokenB.has_value());
    EXPECT_GT(*tokenB, *tokenA);
    ASSERT_EQ(a->changes.size(), 2u);
    EXPECT_FALSE(a->changes[1].leader);
    EXPECT_EQ(a->changes[1].fencingToken, *tokenA);
    EXPECT_TRUE(c->changes.empty()) << "only the successor of the leader wakes up";

    // The new leader stops cleanly: the last candidate leads.
    b->election->stop();
    m_ensemble->deliverEvents();
    EXPECT_TRUE(c->election->isLeader());
    EXPECT_GT(*c->election->fencingToken(), *tokenB);
    EXPECT_EQ(*c->election->leaderData(), std::optional<std::string>("hz-c"));
}

TEST_F(LeaderElectionTest, ExpiredLeaderRejoinsAfterANewSessionWithANewTerm) {
    auto a = makeAgent("hz-a");
    ASSERT_TRUE(a->election->start().ok());
    const int64_t first = *a->election->fencingToken();
    m_ensemble->expireSession(a->keeper->sessionId());
    m_ensemble->deliverEvents();
    EXPECT_FALSE(a->election->isLeader());
    EXPECT_TRUE(candidates().empty());

    ASSERT_TRUE(a->keeper->renewSession().ok());
    m_ensemble->deliverEvents();
    ASSERT_TRUE(a->election->isLeader());
    EXPECT_GT(*a->election->fencingToken(), first);
    EXPECT_EQ(candidates().size(), 1u);
}

TEST_F(LeaderElectionTest, ConnectionLossAfterCreateAdoptsTheCreatedNode) {
    ASSERT_TRUE(m_observer->ensurePath(kPath).ok());
    auto inner = m_ensemble->connect(9000ms);
    FaultInjectingKeeper faulty(*inner);
    std::vector<LeadershipChange> changes;
    LeaderElection election(faulty, m_clock, ElectionOptions{kPath, "hz-a", 0ms},
                            [&](const LeadershipChange& change) { changes.push_back(change); });
    // start(): getChildren (finds nothing of ours), then create: applied, reply lost.
    faulty.schedule({Fault::None, Fault::LossAfter});
    Status started = election.start();
    ASSERT_FALSE(started.ok());
    EXPECT_EQ(started.error().code, ErrorCode::Unavailable);
    EXPECT_EQ(candidates().size(), 1u) << "the create should have applied";
    EXPECT_FALSE(election.isLeader());

    election.tick();
    EXPECT_TRUE(election.isLeader());
    EXPECT_EQ(candidates().size(), 1u) << "a retry created a second candidate of ours";
    EXPECT_EQ(election.candidatePath(), std::string(kPath) + "/" + candidates()[0]);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_TRUE(changes[0].leader);
}

TEST_F(LeaderElectionTest, RetriedStartAfterLossBeforeCreatesOneCandidate) {
    ASSERT_TRUE(m_observer->ensurePath(kPath).ok());
    auto inner = m_ensemble->connect(9000ms);
    FaultInjectingKeeper faulty(*inner);
    LeaderElection election(faulty, m_clock, ElectionOptions{kPath, "hz-a", 0ms}, {});
    faulty.schedule({Fault::None, Fault::LossBefore});
    EXPECT_FALSE(election.start().ok());
    EXPECT_TRUE(candidates().empty());
    election.tick();
    EXPECT_TRUE(election.isLeader());
    EXPECT_EQ(candidates().size(), 1u);
}

TEST_F(LeaderElectionTest, LostConnectionDemotesAfterTwoThirdsOfTheSessionTimeout) {
    auto a = makeAgent("hz-a");
    auto b = makeAgent("hz-b");
    ASSERT_TRUE(a->election->start().ok());
    ASSERT_TRUE(b->election->start().ok());
    EXPECT_EQ(a->election->selfDemoteAfter(), 6000ms);
    const int64_t firstTerm = *a->election->fencingToken();

    m_ensemble->disconnect(a->keeper->sessionId());
    m_ensemble->deliverEvents();
    m_clock.advance(5999ms);
    a->election->tick();
    EXPECT_TRUE(a->election->isLeader()) << "demoted before two thirds of the session timeout";
    m_clock.advance(1ms);
    EXPECT_FALSE(a->election->isLeader());
    EXPECT_FALSE(a->election->fencingToken().has_value());
    a->election->tick();
    ASSERT_EQ(a->changes.size(), 2u);
    EXPECT_FALSE(a->changes[1].leader);
    EXPECT_NE(a->changes[1].reason.find("two thirds"), std::string::npos) << a->changes[1].reason;

    // The connection returns with the same session: the old term is not resumed; the agent
    // re-enters behind the waiting candidate, which leads with a larger token.
    m_ensemble->reconnect(a->keeper->sessionId());
    m_ensemble->deliverEvents();
    EXPECT_FALSE(a->election->isLeader());
    EXPECT_TRUE(b->election->isLeader());
    EXPECT_GT(*b->election->fencingToken(), firstTerm);
    EXPECT_EQ(candidates().size(), 2u) << "the old candidate node was left behind";
}

TEST_F(LeaderElectionTest, ShortOutageKeepsTheLeadership) {
    auto a = makeAgent("hz-a");
    ASSERT_TRUE(a->election->start().ok());
    const int64_t token = *a->election->fencingToken();
    m_ensemble->disconnect(a->keeper->sessionId());
    m_ensemble->deliverEvents();
    m_clock.advance(3000ms);
    a->election->tick();
    m_ensemble->reconnect(a->keeper->sessionId());
    m_ensemble->deliverEvents();
    m_clock.advance(10000ms);
    a->election->tick();
    EXPECT_TRUE(a->election->isLeader());
    EXPECT_EQ(*a->election->fencingToken(), token);
    EXPECT_EQ(a->changes.size(), 1u);
}

TEST_F(LeaderElectionTest, InjectedExpiryDropsLeadershipAndHandsOver) {
    auto inner = m_ensemble->connect(9000ms);
    FaultInjectingKeeper faulty(*inner);
    std::vector<LeadershipChange> changes;
    LeaderElection a(faulty, m_clock, ElectionOptions{kPath, "hz-a", 0ms},
                     [&](const LeadershipChange& change) { changes.push_back(change); });
    auto b = makeAgent("hz-b");
    ASSERT_TRUE(a.start().ok());
    ASSERT_TRUE(b->election->start().ok());
    ASSERT_TRUE(a.isLeader());

    faulty.schedule({Fault::ExpireBefore});
    EXPECT_FALSE(a.leaderData().ok());
    EXPECT_FALSE(a.isLeader());
    m_ensemble->deliverEvents();
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_FALSE(changes[1].leader);
    EXPECT_TRUE(b->election->isLeader());
}

TEST_F(LeaderElectionTest, DestroyedCandidateLeavesTheLine) {
    auto a = makeAgent("hz-a");
    auto b = makeAgent("hz-b");
    ASSERT_TRUE(a->election->start().ok());
    ASSERT_TRUE(b->election->start().ok());
    a->election.reset();
    EXPECT_TRUE(a->changes.size() == 1u) << "the listener ran after destruction began";
    m_ensemble->deliverEvents();
    EXPECT_TRUE(b->election->isLeader());
    EXPECT_EQ(candidates().size(), 1u);
}

}  // namespace
}  // namespace ferry::coord
