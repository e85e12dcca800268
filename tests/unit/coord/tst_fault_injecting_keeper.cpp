// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ferry/coord/fault_injecting_keeper.h"
#include "ferry/coord/in_memory_keeper.h"

namespace ferry::coord {
namespace {

class FaultInjectingKeeperTest : public ::testing::Test {
protected:
    std::shared_ptr<InMemoryEnsemble> m_ensemble = InMemoryEnsemble::create();
    std::unique_ptr<InMemoryKeeper> m_inner = m_ensemble->connect();
    std::unique_ptr<InMemoryKeeper> m_observer = m_ensemble->connect();
};

TEST_F(FaultInjectingKeeperTest, LossBeforeLeavesTheTreeAlone) {
    FaultInjectingKeeper keeper(*m_inner);
    keeper.schedule({Fault::LossBefore});
    auto created = keeper.create("/n", "x");
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.kind(), KeeperError::ConnectionLoss);
    EXPECT_EQ(created.error().code, ErrorCode::Unavailable);
    EXPECT_FALSE(m_observer->exists("/n")->has_value());
    EXPECT_EQ(keeper.injectedCount(), 1u);
}

TEST_F(FaultInjectingKeeperTest, LossAfterAppliesButReportsFailure) {
    FaultInjectingKeeper keeper(*m_inner);
    keeper.schedule({Fault::LossAfter, Fault::LossAfter});
    auto created = keeper.create("/n", "x");
    EXPECT_EQ(created.kind(), KeeperError::ConnectionLoss);
    EXPECT_TRUE(m_observer->exists("/n")->has_value()) << "the create did not apply";
    auto set = keeper.set("/n", "y", 0);
    EXPECT_EQ(set.kind(), KeeperError::ConnectionLoss);
    EXPECT_EQ(m_observer->get("/n")->data, "y");
    // A naive retry now sees the caller's own write as someone else's.
    EXPECT_EQ(keeper.set("/n", "y", 0).kind(), KeeperError::BadVersion);
}

TEST_F(FaultInjectingKeeperTest, InjectedExpiryEndsTheSessionUntilRenewed) {
    FaultInjectingKeeper keeper(*m_inner);
    std::vector<SessionState> states;
    keeper.addSessionListener([&](SessionState state) { states.push_back(state); });
    ASSERT_TRUE(keeper.create("/eph", "", CreateMode::Ephemeral).ok());
    keeper.schedule({Fault::ExpireAfter});
    auto created = keeper.create("/eph2", "", CreateMode::Ephemeral);
    EXPECT_EQ(created.kind(), KeeperError::SessionExpired);
    EXPECT_EQ(keeper.state(), SessionState::Expired);
    EXPECT_EQ(keeper.get("/eph").kind(), KeeperError::SessionExpired);
    EXPECT_FALSE(m_observer->exists("/eph")->has_value()) << "ephemerals outlived the session";
    EXPECT_FALSE(m_observer->exists("/eph2")->has_value());
    m_ensemble->deliverEvents();
    ASSERT_FALSE(states.empty());
    EXPECT_EQ(states.back(), SessionState::Expired);

    ASSERT_TRUE(keeper.renewSession().ok());
    m_ensemble->deliverEvents();
    EXPECT_EQ(keeper.state(), SessionState::Connected);
    EXPECT_EQ(states.back(), SessionState::Connected);
    EXPECT_TRUE(keeper.create("/eph", "", CreateMode::Ephemeral).ok());
}

std::vector<KeeperError> runSeeded(uint64_t seed) {
    auto ensemble = InMemoryEnsemble::create();
    auto inner = ensemble->connect();
    FaultInjectingKeeper keeper(*inner, seed, FaultProbabilities{0.2, 0.2, 0});
    std::vector<KeeperError> outcomes;
    for (int i = 0; i < 64; ++i) {
        outcomes.push_back(keeper.set("/", std::to_string(i)).kind());
    }
    return outcomes;
}

TEST_F(FaultInjectingKeeperTest, SeededFaultsReplayExactly) {
    const auto first = runSeeded(42);
    EXPECT_EQ(first, runSeeded(42));
    const auto losses = std::count(first.begin(), first.end(), KeeperError::ConnectionLoss);
    EXPECT_GT(losses, 5);
    EXPECT_LT(losses, 50);
    EXPECT_NE(first, runSeeded(43));
}

TEST_F(FaultInjectingKeeperTest, ScheduleComesBeforeTheRandomFaults) {
    FaultInjectingKeeper keeper(*m_inner, 1, FaultProbabilities{1.0, 0, 0});
    keeper.schedule({Fault::None});
    EXPECT_TRUE(keeper.create("/a", "").ok());
    EXPECT_EQ(keeper.create("/b", "").kind(), KeeperError::ConnectionLoss);
    EXPECT_EQ(keeper.operationCount(), 2u);
    EXPECT_EQ(keeper.injectedCount(), 1u);
}

}  // namespace
}  // namespace ferry::coord
