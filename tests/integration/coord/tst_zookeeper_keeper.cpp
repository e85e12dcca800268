// SPDX-License-Identifier: Apache-2.0
// ZooKeeperKeeper against the harness's real ZooKeeper: the same contract the fakes implement.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "ferry/coord/leader_election.h"
#include "ferry/coord/versioned_config_store.h"
#include "ferry/coord/zookeeper_keeper.h"
#include "harness_env.h"

namespace ferry::coord {
namespace {

using namespace std::chrono_literals;

constexpr auto kWait = 20s;

// Collects values from callbacks and waits, with a bound, for a condition on them.
template <typename T>
class Inbox {
public:
    void push(T value) {
        {
            std::lock_guard lock(m_mutex);
            m_values.push_back(std::move(value));
        }
        m_changed.notify_all();
    }
    template <typename Pred>
    bool waitFor(Pred pred) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, kWait, [&] { return pred(m_values); });
    }
    std::vector<T> values() {
        std::lock_guard lock(m_mutex);
        return m_values;
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::vector<T> m_values;
};

class ZooKeeperKeeperTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = harness::HarnessEnv::loadDefault();
        ASSERT_TRUE(env.ok()) << env.error().toString();
        ASSERT_TRUE(env->hasZookeeper()) << "the fixture ferry_servers starts ZooKeeper";
        m_connect = env->zookeeperConnect();
        static std::mt19937_64 random{std::random_device{}()};
        m_chroot =
            "/ferry/it_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 1000000);
    }

    void TearDown() override {
        if (m_connect.empty()) {
            return;
        }
        auto root = ZooKeeperKeeper::connect(options(""));
        if (root.ok()) {
            EXPECT_TRUE((*root)->removeRecursive(m_chroot).ok());
        }
    }

    ZooKeeperOptions options(const std::string& chroot) {
        ZooKeeperOptions out;
        out.connect = m_connect;
        out.chroot = chroot;
        out.sessionTimeout = 6000ms;
        out.connectTimeout = 20000ms;
        out.logLevel = ZooKeeperLogLevel::Info;
        out.log = [this](ZooKeeperLogLevel, std::string_view) { ++m_logLines; };
        return out;
    }

    std::unique_ptr<ZooKeeperKeeper> connect() {
        auto keeper = ZooKeeperKeeper::connect(options(m_chroot));
        EXPECT_TRUE(keeper.ok()) << keeper.error().toString();
        if (!keeper.ok()) {
            return nullptr;
        }
        return std::move(keeper).value();
    }

    std::string m_connect;
    std::string m_chroot;
    std::atomic<int> m_logLines{0};
};

TEST_F(ZooKeeperKeeperTest, ConnectsUnderAChrootItCreates) {
    auto keeper = connect();
    ASSERT_NE(keeper, nullptr);
    EXPECT_EQ(keeper->state(), SessionState::Connected);
    EXPECT_NE(keeper->sessionId(), 0);
    EXPECT_GT(keeper->sessionTimeout().count(), 0);
    ASSERT_TRUE(keeper->create("/inside", "x").ok());

    auto root = ZooKeeperKeeper::connect(options(""));
    ASSERT_TRUE(root.ok()) << root.error().toString();
    auto seen = (*root)->get(m_chroot + "/inside");
    ASSERT_TRUE(seen.ok()) << seen.error().toString();
    EXPECT_EQ(seen->data, "x");
    EXPECT_GT(m_logLines.load(), 0) << "the library's log did not reach our sink";
}

TEST_F(ZooKeeperKeeperTest, CreateGetSetAndVersionConflict) {
    auto keeper = connect();
    ASSERT_NE(keeper, nullptr);
    const std::string payload("site=hz;\x01\x02\0binary", 17);
    auto created = keeper->create("/node", payload);
    ASSERT_TRUE(created.ok()) << created.error().toString();
    EXPECT_EQ(*created, "/node");
    EXPECT_EQ(keeper->create("/node", "").kind(), KeeperError::NodeExists);

    auto got = keeper->get("/node");
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->data, payload);
    EXPECT_EQ(got->stat.version, 0);
    EXPECT_GT(got->stat.czxid, 0);

    auto set = keeper->set("/node", "v1", 0);
    ASSERT_TRUE(set.ok()) << set.error().toString();
    EXPECT_EQ(set->version, 1);
    auto stale = keeper->set("/node", "v2", 0);
    EXPECT_EQ(stale.kind(), KeeperError::BadVersion);
    EXPECT_EQ(stale.error().code, ErrorCode::Conflict);
    EXPECT_NE(stale.error().message.find("/node"), std::string::npos);

    const std::string big(200 * 1024, 'b');
    ASSERT_TRUE(keeper->set("/node", big).ok());
    EXPECT_EQ(keeper->get("/node")->data, big) << "data larger than the first read buffer";

    auto sequential = keeper->create("/node/s-", "", CreateMode::PersistentSequential);
    ASSERT_TRUE(sequential.ok());
    EXPECT_EQ(*sequential, "/node/s-0000000000");
    EXPECT_EQ(keeper->remove("/node").kind(), KeeperError::NotEmpty);
    EXPECT_EQ(*keeper->getChildren("/node"), std::vector<std::string>{"s-0000000000"});
    EXPECT_EQ(keeper->get("/missing").kind(), KeeperError::NoNode);
}

TEST_F(ZooKeeperKeeperTest, ConfigStoreConflictOnARealServer) {
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    VersionedConfigStore storeA(*a);
    VersionedConfigStore storeB(*b);
    ASSERT_TRUE(storeA.create(ConfigKind::DataSource, "hz-db", "v0").ok());
    auto read = storeB.read(ConfigKind::DataSource, "hz-db");
    ASSERT_TRUE(read.ok());
    ASSERT_TRUE(storeA.write(ConfigKind::DataSource, "hz-db", "a", read->version).ok());
    auto conflict = storeB.write(ConfigKind::DataSource, "hz-db", "b", read->version);
    ASSERT_FALSE(conflict.ok());
    EXPECT_EQ(conflict.error().message,
              "data source hz-db was changed by someone else (version 1, you edited version 0): "
              "reload and reapply your change");
}

TEST_F(ZooKeeperKeeperTest, MultiIsAllOrNothing) {
    auto keeper = connect();
    ASSERT_NE(keeper, nullptr);
    ASSERT_TRUE(keeper->create("/m", "v0").ok());
    auto failed = keeper->multi({Op::create("/m/new", ""), Op::set("/m", "v1", 5)});
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.kind(), KeeperError::BadVersion);
    EXPECT_EQ(failed.error().failedOp, 1);
    EXPECT_FALSE(keeper->exists("/m/new")->has_value());
    auto applied =
        keeper->multi({Op::check("/m", 0), Op::create("/m/new", "n"), Op::set("/m", "v1", 0)});
    ASSERT_TRUE(applied.ok()) << applied.error().toString();
    EXPECT_EQ((*applied)[1].path, "/m/new");
    EXPECT_EQ((*applied)[2].stat.version, 1);
}

TEST_F(ZooKeeperKeeperTest, WatchesFireOnTheEventThread) {
    auto writer = connect();
    auto reader = connect();
    ASSERT_TRUE(writer && reader);
    ASSERT_TRUE(writer->create("/w", "0").ok());
    Inbox<WatchEvent> events;
    // The callback calls the keeper: it must not run on the library's completion thread.
    Inbox<std::string> reread;
    ASSERT_TRUE(reader
                    ->get("/w",
                          [&](const WatchEvent& event) {
                              events.push(event);
                              auto now = reader->get("/w");
                              reread.push(now.ok() ? now->data : now.error().message);
                          })
                    .ok());
    ASSERT_TRUE(
        reader->getChildren("/w", [&](const WatchEvent& event) { events.push(event); }).ok());
    ASSERT_TRUE(
        reader->exists("/later", [&](const WatchEvent& event) { events.push(event); }).ok());
    ASSERT_TRUE(writer->set("/w", "1").ok());
    ASSERT_TRUE(writer->create("/w/c", "").ok());
    ASSERT_TRUE(writer->create("/later", "").ok());
    ASSERT_TRUE(events.waitFor([](const auto& v) { return v.size() >= 3; }));
    ASSERT_TRUE(reread.waitFor([](const auto& v) { return !v.empty(); }));
    EXPECT_EQ(reread.values()[0], "1");
    std::vector<std::string> seen;
    for (const WatchEvent& event : events.values()) {
        seen.push_back(std::string(watchEventTypeName(event.type)) + " " + event.path);
    }
    std::sort(seen.begin(), seen.end());
    const std::vector<std::string> expected = {"children changed /w", "created /later",
                                               "data changed /w"};
    EXPECT_EQ(seen, expected) << "paths must be relative to the chroot";
}

TEST_F(ZooKeeperKeeperTest, EphemeralNodeGoesWhenItsSessionCloses) {
    auto owner = connect();
    auto observer = connect();
    ASSERT_TRUE(owner && observer);
    ASSERT_TRUE(owner->create("/agent", "hz", CreateMode::Ephemeral).ok());
    auto stat = observer->exists("/agent");
    ASSERT_TRUE(stat.ok() && stat->has_value());
    EXPECT_EQ((*stat)->ephemeralOwner, owner->sessionId());
    Inbox<WatchEventType> deleted;
    ASSERT_TRUE(
        observer->exists("/agent", [&](const WatchEvent& event) { deleted.push(event.type); })
            .ok());
    Inbox<SessionState> states;
    owner->addSessionListener([&](SessionState state) { states.push(state); });
    owner->close();
    ASSERT_TRUE(deleted.waitFor([](const auto& v) { return !v.empty(); }));
    EXPECT_EQ(deleted.values()[0], WatchEventType::Deleted);
    EXPECT_FALSE(observer->exists("/agent")->has_value());
    EXPECT_EQ(owner->get("/agent").kind(), KeeperError::Closed);
    ASSERT_TRUE(states.waitFor([](const auto& v) { return !v.empty(); }));
    EXPECT_EQ(states.values().back(), SessionState::Closed);
}

TEST_F(ZooKeeperKeeperTest, RenewedSessionLosesTheOldEphemerals) {
    auto keeper = connect();
    ASSERT_NE(keeper, nullptr);
    ASSERT_TRUE(keeper->create("/mine", "", CreateMode::Ephemeral).ok());
    const int64_t first = keeper->sessionId();
    ASSERT_TRUE(keeper->renewSession().ok());
    EXPECT_EQ(keeper->state(), SessionState::Connected);
    EXPECT_NE(keeper->sessionId(), first);
    EXPECT_FALSE(keeper->exists("/mine")->has_value());
    EXPECT_TRUE(keeper->create("/mine", "", CreateMode::Ephemeral).ok());
}

TEST_F(ZooKeeperKeeperTest, ElectionBetweenTwoRealSessions) {
    auto a = connect();
    auto b = connect();
    ASSERT_TRUE(a && b);
    SteadyClock clock;
    Inbox<LeadershipChange> heardA;
    Inbox<LeadershipChange> heardB;
    LeaderElection electionA(*a, clock, ElectionOptions{"/pipelines/7/capture", "hz-a", 0ms},
                             [&](const LeadershipChange& c) { heardA.push(c); });
    LeaderElection electionB(*b, clock, ElectionOptions{"/pipelines/7/capture", "hz-b", 0ms},
                             [&](const LeadershipChange& c) { heardB.push(c); });
    ASSERT_TRUE(electionA.start().ok());
    ASSERT_TRUE(electionB.start().ok());
    EXPECT_TRUE(electionA.isLeader());
    EXPECT_FALSE(electionB.isLeader());
    const int64_t tokenA = *electionA.fencingToken();
    EXPECT_EQ(*electionB.leaderData(), std::optional<std::string>("hz-a"));

    a->close();  // the leader's session ends: B takes over through its watch
    EXPECT_FALSE(electionA.isLeader());
    ASSERT_TRUE(heardB.waitFor([](const auto& v) { return !v.empty() && v.back().leader; }));
    EXPECT_TRUE(electionB.isLeader());
    EXPECT_GT(*electionB.fencingToken(), tokenA);
    EXPECT_EQ(*electionB.leaderData(), std::optional<std::string>("hz-b"));
}

TEST_F(ZooKeeperKeeperTest, UnreachableServerFailsWithinTheTimeout) {
    ZooKeeperOptions bad = options("");
    bad.connect = "127.0.0.1:1";
    bad.connectTimeout = 1500ms;
    auto keeper = ZooKeeperKeeper::connect(bad);
    ASSERT_FALSE(keeper.ok());
    EXPECT_EQ(keeper.error().code, ErrorCode::Unavailable);
    EXPECT_NE(keeper.error().message.find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace ferry::coord
