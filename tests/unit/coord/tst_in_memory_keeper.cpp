// SPDX-License-Identifier: Apache-2.0
// The in-memory fake behaves as ZooKeeper does where coordination logic depends on it:
// versions, zxids, sequential and ephemeral nodes, one-shot watches, multi, session states.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/coord/in_memory_keeper.h"

namespace ferry::coord {
namespace {

class InMemoryKeeperTest : public ::testing::Test {
protected:
    std::shared_ptr<InMemoryEnsemble> m_ensemble = InMemoryEnsemble::create();
    std::unique_ptr<InMemoryKeeper> m_keeper = m_ensemble->connect();
};

TEST_F(InMemoryKeeperTest, CreateGetSetRemoveFollowVersions) {
    auto created = m_keeper->create("/a", "one");
    ASSERT_TRUE(created.ok()) << created.error().message;
    EXPECT_EQ(*created, "/a");

    auto got = m_keeper->get("/a");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->data, "one");
    EXPECT_EQ(got->stat.version, 0);
    EXPECT_EQ(got->stat.czxid, got->stat.mzxid);
    EXPECT_EQ(got->stat.ephemeralOwner, 0);

    auto set = m_keeper->set("/a", "two", 0);
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->version, 1);
    EXPECT_GT(set->mzxid, got->stat.mzxid);
    EXPECT_EQ(set->czxid, got->stat.czxid);

    auto stale = m_keeper->set("/a", "three", 0);
    ASSERT_FALSE(stale.ok());
    EXPECT_EQ(stale.kind(), KeeperError::BadVersion);
    EXPECT_EQ(stale.error().code, ErrorCode::Conflict);
    EXPECT_NE(stale.error().message.find("/a"), std::string::npos) << stale.error().message;
    EXPECT_EQ(m_keeper->get("/a")->data, "two");

    EXPECT_EQ(m_keeper->remove("/a", 0).kind(), KeeperError::BadVersion);
    EXPECT_TRUE(m_keeper->remove("/a", 1).ok());
    auto gone = m_keeper->get("/a");
    EXPECT_EQ(gone.kind(), KeeperError::NoNode);
    EXPECT_EQ(gone.error().code, ErrorCode::NotFound);
    EXPECT_NE(gone.error().message.find("/a"), std::string::npos);
    auto missing = m_keeper->exists("/a");
    ASSERT_TRUE(missing.ok());
    EXPECT_FALSE(missing->has_value());
}

TEST_F(InMemoryKeeperTest, RefusedOperationsNameTheirError) {
    ASSERT_TRUE(m_keeper->create("/p", "").ok());
    ASSERT_TRUE(m_keeper->create("/p/c", "").ok());
    ASSERT_TRUE(m_keeper->create("/e", "", CreateMode::Ephemeral).ok());
    struct Case {
        const char* name;
        std::function<KeeperError()> call;
        KeeperError expected;
    };
    const std::vector<Case> cases = {
        {"create existing", [&] { return m_keeper->create("/p", "").kind(); },
         KeeperError::NodeExists},
        {"create without parent", [&] { return m_keeper->create("/x/y", "").kind(); },
         KeeperError::NoNode},
        {"remove with children", [&] { return m_keeper->remove("/p").kind(); },
         KeeperError::NotEmpty},
        {"child of ephemeral", [&] { return m_keeper->create("/e/c", "").kind(); },
         KeeperError::NoChildrenForEphemerals},
        {"relative path", [&] { return m_keeper->create("p", "").kind(); },
         KeeperError::BadArguments},
        {"trailing slash", [&] { return m_keeper->get("/p/").kind(); }, KeeperError::BadArguments},
        {"empty component", [&] { return m_keeper->exists("/p//c").kind(); },
         KeeperError::BadArguments},
        {"dot dot", [&] { return m_keeper->getChildren("/p/..").kind(); },
         KeeperError::BadArguments},
        {"children of missing", [&] { return m_keeper->getChildren("/nope").kind(); },
         KeeperError::NoNode},
        {"set missing", [&] { return m_keeper->set("/nope", "x").kind(); }, KeeperError::NoNode},
        {"remove root", [&] { return m_keeper->remove("/").kind(); }, KeeperError::BadArguments},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(c.call(), c.expected) << c.name;
    }
}

TEST_F(InMemoryKeeperTest, SequentialNodesGetIncreasingSuffixesAndZxids) {
    ASSERT_TRUE(m_keeper->create("/q", "").ok());
    std::vector<std::string> paths;
    int64_t lastZxid = 0;
    for (int i = 0; i < 3; ++i) {
        auto created = m_keeper->create("/q/item-", "", CreateMode::PersistentSequential);
        ASSERT_TRUE(created.ok());
        paths.push_back(*created);
        auto stat = m_keeper->exists(*created);
        ASSERT_TRUE(stat.ok() && stat->has_value());
        EXPECT_GT((*stat)->czxid, lastZxid);
        lastZxid = (*stat)->czxid;
    }
    EXPECT_EQ(paths[0], "/q/item-0000000000");
    EXPECT_EQ(paths[1], "/q/item-0000000001");
    EXPECT_EQ(paths[2], "/q/item-0000000002");
    EXPECT_EQ(m_ensemble->lastZxid(), lastZxid);
    auto children = m_keeper->getChildren("/q");
    ASSERT_TRUE(children.ok());
    EXPECT_EQ(children->size(), 3u);
}

TEST_F(InMemoryKeeperTest, EphemeralsGoWhenTheirSessionExpiresOrCloses) {
    auto other = m_ensemble->connect();
    ASSERT_TRUE(m_keeper->create("/expiring", "", CreateMode::Ephemeral).ok());
    ASSERT_TRUE(other->create("/closing", "", CreateMode::Ephemeral).ok());
    ASSERT_TRUE(m_keeper->create("/staying", "").ok());
    auto owner = m_keeper->exists("/expiring");
    ASSERT_TRUE(owner.ok() && owner->has_value());
    EXPECT_EQ((*owner)->ephemeralOwner, m_keeper->sessionId());

    m_ensemble->expireSession(m_keeper->sessionId());
    EXPECT_FALSE(other->exists("/expiring")->has_value());
    EXPECT_TRUE(other->exists("/staying")->has_value());
    EXPECT_EQ(m_keeper->get("/staying").kind(), KeeperError::SessionExpired);

    other->close();
    auto observer = m_ensemble->connect();
    EXPECT_FALSE(observer->exists("/closing")->has_value());
    EXPECT_EQ(other->exists("/staying").kind(), KeeperError::Closed);
}

TEST_F(InMemoryKeeperTest, WatchesAreOneShotAndRunOnlyWhenDelivered) {
    ASSERT_TRUE(m_keeper->create("/w", "0").ok());
    auto other = m_ensemble->connect();
    std::vector<std::string> seen;
    auto record = [&](const WatchEvent& event) {
        seen.push_back(std::string(watchEventTypeName(event.type)) + " " + event.path);
    };
    ASSERT_TRUE(m_keeper->get("/w", record).ok());
    ASSERT_TRUE(m_keeper->getChildren("/w", record).ok());
    ASSERT_TRUE(m_keeper->exists("/later", record).ok());

    ASSERT_TRUE(other->set("/w", "1").ok());
    ASSERT_TRUE(other->set("/w", "2").ok());
    ASSERT_TRUE(other->create("/w/child", "").ok());
    ASSERT_TRUE(other->create("/later", "").ok());
    EXPECT_TRUE(seen.empty()) << "callbacks ran inside keeper calls";
    EXPECT_EQ(m_ensemble->deliverEvents(), 3u);
    const std::vector<std::string> expected = {"data changed /w", "children changed /w",
                                               "created /later"};
    EXPECT_EQ(seen, expected);

    seen.clear();
    ASSERT_TRUE(other->set("/w", "3").ok());
    m_ensemble->deliverEvents();
    EXPECT_TRUE(seen.empty()) << "a watch fired twice";
}

TEST_F(InMemoryKeeperTest, PendingWatchesHearSessionLossOnExpiry) {
    ASSERT_TRUE(m_keeper->create("/w", "").ok());
    std::vector<WatchEventType> seen;
    ASSERT_TRUE(
        m_keeper->get("/w", [&](const WatchEvent& event) { seen.push_back(event.type); }).ok());
    m_ensemble->expireSession(m_keeper->sessionId());
    m_ensemble->deliverEvents();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0], WatchEventType::SessionLost);
}

TEST_F(InMemoryKeeperTest, MultiAppliesAllOrNothing) {
    ASSERT_TRUE(m_keeper->create("/m", "v0").ok());
    const int64_t before = m_ensemble->lastZxid();
    auto failed = m_keeper->multi({Op::create("/m/new", "x"), Op::set("/m", "v1", 7)});
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.kind(), KeeperError::BadVersion);
    EXPECT_EQ(failed.error().failedOp, 1);
    EXPECT_FALSE(m_keeper->exists("/m/new")->has_value()) << "half a transaction applied";
    EXPECT_EQ(m_ensemble->lastZxid(), before);

    auto applied = m_keeper->multi({Op::check("/m", 0),
                                    Op::create("/m/seq-", "", CreateMode::PersistentSequential),
                                    Op::set("/m", "v1", 0), Op::remove("/m/seq-0000000000")});
    ASSERT_TRUE(applied.ok()) << applied.error().message;
    ASSERT_EQ(applied->size(), 4u);
    EXPECT_EQ((*applied)[1].path, "/m/seq-0000000000");
    EXPECT_EQ((*applied)[2].stat.version, 1);
    EXPECT_EQ(m_ensemble->lastZxid(), before + 1) << "a multi is one transaction";
    EXPECT_EQ(m_keeper->get("/m")->data, "v1");
}

TEST_F(InMemoryKeeperTest, SessionListenersFollowTheSession) {
    std::vector<SessionState> states;
    m_keeper->addSessionListener([&](SessionState state) { states.push_back(state); });
    const int64_t first = m_keeper->sessionId();

    m_ensemble->disconnect(first);
    EXPECT_EQ(m_keeper->state(), SessionState::Suspended);
    auto lost = m_keeper->create("/x", "");
    EXPECT_EQ(lost.kind(), KeeperError::ConnectionLoss);
    EXPECT_TRUE(isConnectionError(lost.kind()));
    m_ensemble->reconnect(first);
    m_ensemble->expireSession(first);
    EXPECT_TRUE(isSessionError(m_keeper->create("/x", "").kind()));
    ASSERT_TRUE(m_keeper->renewSession().ok());
    m_ensemble->deliverEvents();

    const std::vector<SessionState> expected = {SessionState::Suspended, SessionState::Connected,
                                                SessionState::Expired, SessionState::Connected};
    EXPECT_EQ(states, expected);
    EXPECT_NE(m_keeper->sessionId(), first);
    EXPECT_TRUE(m_keeper->create("/x", "").ok());
}

TEST_F(InMemoryKeeperTest, EnsurePathAndRemoveRecursive) {
    ASSERT_TRUE(m_keeper->ensurePath("/a/b/c").ok());
    ASSERT_TRUE(m_keeper->ensurePath("/a/b/c").ok());
    ASSERT_TRUE(m_keeper->create("/a/b/c/d", "").ok());
    ASSERT_TRUE(m_keeper->removeRecursive("/a").ok());
    EXPECT_FALSE(m_keeper->exists("/a")->has_value());
    EXPECT_TRUE(m_keeper->removeRecursive("/a").ok());
}

Result<std::string> readThroughResult(Keeper& keeper, const std::string& path) {
    FERRY_ASSIGN_OR_RETURN(GetResult node, keeper.get(path));
    return node.data;
}

TEST_F(InMemoryKeeperTest, FailuresPropagateAsFerryErrors) {
    auto missing = readThroughResult(*m_keeper, "/absent");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    EXPECT_EQ(missing.error().message, "zookeeper get /absent: no such node");
    ASSERT_TRUE(m_keeper->create("/present", "x").ok());
    auto present = readThroughResult(*m_keeper, "/present");
    ASSERT_TRUE(present.ok());
    EXPECT_EQ(*present, "x");
}

}  // namespace
}  // namespace ferry::coord
