// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ferry/coord/in_memory_keeper.h"
#include "ferry/coord/versioned_config_store.h"
#include "ferry/daemon/paths.h"
#include "ferry/daemon/pipeline_supervisor.h"

namespace ferry::daemon {
namespace {

using namespace std::chrono_literals;

// What every fake role of one test did, in order.
struct RoleLog {
    struct Entry {
        std::string agent;
        RoleKind kind;
        std::uint64_t pipeline;
        std::int64_t token;
        bool stopped = false;
        int updates = 0;
        v1::PipelineState desired = v1::PIPELINE_STATE_UNSPECIFIED;
    };
    std::vector<Entry> entries;

    // Roles not stopped yet.
    std::vector<const Entry*> live() const {
        std::vector<const Entry*> out;
        for (const auto& e : entries) {
            if (!e.stopped) {
                out.push_back(&e);
            }
        }
        return out;
    }
};

class FakeRole final : public PipelineRole {
public:
    FakeRole(RoleLog& log, std::size_t index) : m_log(log), m_index(index) {}
    Status update(const RoleAssignment& a) override {
        auto& e = m_log.entries[m_index];
        ++e.updates;
        e.desired = a.desired;
        return okStatus();
    }
    void stop() override { m_log.entries[m_index].stopped = true; }
    v1::RoleReport report() const override {
        v1::RoleReport r;
        r.set_state(v1::PIPELINE_STATE_RUNNING);
        r.mutable_position()->set_file("mysql-bin.000001");
        r.mutable_position()->set_pos(4);
        return r;
    }

private:
    RoleLog& m_log;
    std::size_t m_index;
};

class FakeFactory final : public RoleFactory {
public:
    FakeFactory(RoleLog& log, std::string agent) : m_log(log), m_agent(std::move(agent)) {}
    Result<std::unique_ptr<PipelineRole>> create(const RoleAssignment& a) override {
        ++attempts;
        if (failuresLeft > 0) {
            --failuresLeft;
            return makeError(ErrorCode::Unavailable, "target database refused the connection");
        }
        m_log.entries.push_back(
            {m_agent, a.kind, a.pipeline.id(), a.fencingToken, false, 0, a.desired});
        return std::unique_ptr<PipelineRole>(
            std::make_unique<FakeRole>(m_log, m_log.entries.size() - 1));
    }
    int failuresLeft = 0;
    int attempts = 0;

private:
    RoleLog& m_log;
    std::string m_agent;
};

// One agent process: its session, clock-driven supervisor and factory.
struct Agent {
    std::string id;
    std::unique_ptr<coord::InMemoryKeeper> keeper;
    std::unique_ptr<FakeFactory> factory;
    std::unique_ptr<PipelineSupervisor> supervisor;
};

class PipelineSupervisorTest : public ::testing::Test {
protected:
    void SetUp() override {
        coord::VersionedConfigStore store(*m_admin, std::string(paths::kConfig));
        ASSERT_TRUE(store
                        .create(coord::ConfigKind::DataSource, "hz-db",
                                dataSource("hz-db", "hz").SerializeAsString())
                        .ok());
        ASSERT_TRUE(store
                        .create(coord::ConfigKind::DataSource, "us-db",
                                dataSource("us-db", "us").SerializeAsString())
                        .ok());
        ASSERT_TRUE(
            store.create(coord::ConfigKind::Pipeline, "7", pipeline(7).SerializeAsString()).ok());
    }

    static v1::DataSource dataSource(const std::string& id, const std::string& site) {
        v1::DataSource d;
        d.set_id(id);
        d.set_site(site);
        d.set_url("mysql://ferry@" + id + ":3306");
        return d;
    }

    static v1::Pipeline pipeline(std::uint64_t id) {
        v1::Pipeline p;
        p.set_id(id);
        p.set_name("orders:hz->us");
        p.set_source("hz-db");
        p.set_target("us-db");
        return p;
    }

    Agent& addAgent(const std::string& id, const std::string& site) {
        auto agent = std::make_unique<Agent>();
        agent->id = id;
        agent->keeper = m_ensemble->connect(9000ms);
        agent->factory = std::make_unique<FakeFactory>(m_log, id);
        SupervisorOptions options;
        options.agentId = id;
        options.site = site;
        options.retryDelay = 1000ms;
        agent->supervisor =
            std::make_unique<PipelineSupervisor>(*agent->keeper, m_clock, *agent->factory, options);
        m_agents.push_back(std::move(agent));
        return *m_agents.back();
    }

    // Every agent ticks, then events are delivered, a few rounds (as the timers would).
    void settle() {
        for (int round = 0; round < 4; ++round) {
            for (auto& agent : m_agents) {
                agent->supervisor->tick();
            }
            m_ensemble->deliverEvents();
        }
    }

    void setControl(std::uint64_t id, v1::PipelineState state, std::uint64_t generation) {
        v1::PipelineControl control;
        control.set_desired_state(state);
        control.set_generation(generation);
        ASSERT_TRUE(m_admin->ensurePath(paths::pipeline(id)).ok());
        auto set = m_admin->set(paths::control(id), control.SerializeAsString());
        if (set.kind() == coord::KeeperError::NoNode) {
            ASSERT_TRUE(m_admin->create(paths::control(id), control.SerializeAsString()).ok());
        } else {
            ASSERT_TRUE(set.ok());
        }
    }

    std::vector<const RoleLog::Entry*> live(RoleKind kind) const {
        std::vector<const RoleLog::Entry*> out;
        for (const auto* e : m_log.live()) {
            if (e->kind == kind) {
                out.push_back(e);
            }
        }
        return out;
    }

    std::shared_ptr<coord::InMemoryEnsemble> m_ensemble = coord::InMemoryEnsemble::create();
    std::unique_ptr<coord::InMemoryKeeper> m_admin = m_ensemble->connect();
    coord::ManualClock m_clock;
    RoleLog m_log;
    std::vector<std::unique_ptr<Agent>> m_agents;
};

TEST_F(PipelineSupervisorTest, OneCaptureInTheSourceSiteAndOneApplyInTheTargetSite) {
    addAgent("hz-a", "hz");
    addAgent("hz-b", "hz");
    addAgent("us-a", "us");
    settle();

    const auto captures = live(RoleKind::Capture);
    const auto applies = live(RoleKind::Apply);
    ASSERT_EQ(captures.size(), 1u);
    ASSERT_EQ(applies.size(), 1u);
    EXPECT_EQ(captures[0]->agent.substr(0, 3), "hz-");
    EXPECT_EQ(applies[0]->agent, "us-a");
    EXPECT_GT(captures[0]->token, 0);
    EXPECT_GT(applies[0]->token, 0);

    // The leaders wrote their reports.
    auto report = m_admin->get(paths::captureReport(7));
    ASSERT_TRUE(report.ok());
    v1::RoleReport parsed;
    ASSERT_TRUE(parsed.ParseFromString(report->data));
    EXPECT_EQ(parsed.agent(), captures[0]->agent);
    EXPECT_EQ(parsed.fencing_token(), captures[0]->token);
    EXPECT_EQ(parsed.position().file(), "mysql-bin.000001");
}

TEST_F(PipelineSupervisorTest, SessionExpiryHandsTheRoleToTheStandbyWithALargerToken) {
    Agent& a = addAgent("hz-a", "hz");
    Agent& b = addAgent("hz-b", "hz");
    settle();
    auto captures = live(RoleKind::Capture);
    ASSERT_EQ(captures.size(), 1u);
    ASSERT_EQ(captures[0]->agent, "hz-a");
    const std::int64_t firstToken = captures[0]->token;

    m_ensemble->expireSession(a.keeper->sessionId());
    settle();

    captures = live(RoleKind::Capture);
    ASSERT_EQ(captures.size(), 1u);
    EXPECT_EQ(captures[0]->agent, "hz-b");
    EXPECT_GT(captures[0]->token, firstToken);
    EXPECT_TRUE(m_log.entries[0].stopped);
    (void)b;
}

TEST_F(PipelineSupervisorTest, ALeaderCutOffFromZooKeeperStopsItsRoleAfterTwoThirdsOfTheTimeout) {
    Agent& a = addAgent("hz-a", "hz");
    settle();
    ASSERT_EQ(live(RoleKind::Capture).size(), 1u);

    m_ensemble->disconnect(a.keeper->sessionId());
    m_ensemble->deliverEvents();
    m_clock.advance(5000ms);  // less than 2/3 of 9 s: still leading
    settle();
    EXPECT_EQ(live(RoleKind::Capture).size(), 1u);

    m_clock.advance(1100ms);  // past 6 s
    settle();
    EXPECT_TRUE(live(RoleKind::Capture).empty());

    m_ensemble->reconnect(a.keeper->sessionId());
    settle();
    const auto captures = live(RoleKind::Capture);
    ASSERT_EQ(captures.size(), 1u);
    EXPECT_GT(captures[0]->token, m_log.entries[0].token) << "a new term after the demotion";
}

TEST_F(PipelineSupervisorTest, StoppedPipelinesReleaseTheirElectionsAndRestartWhenStarted) {
    addAgent("hz-a", "hz");
    addAgent("us-a", "us");
    settle();
    ASSERT_EQ(m_log.live().size(), 2u);

    setControl(7, v1::PIPELINE_STATE_STOPPED, 1);
    m_ensemble->deliverEvents();
    settle();
    EXPECT_TRUE(m_log.live().empty());
    auto candidates = m_admin->getChildren(paths::captureElection(7));
    ASSERT_TRUE(candidates.ok());
    EXPECT_TRUE(candidates->empty());

    setControl(7, v1::PIPELINE_STATE_RUNNING, 2);
    m_ensemble->deliverEvents();
    settle();
    EXPECT_EQ(m_log.live().size(), 2u);
}

TEST_F(PipelineSupervisorTest, PauseReachesTheRunningRoleAsAnUpdate) {
    addAgent("us-a", "us");
    settle();
    ASSERT_EQ(live(RoleKind::Apply).size(), 1u);

    setControl(7, v1::PIPELINE_STATE_PAUSED, 1);
    m_ensemble->deliverEvents();
    settle();
    const auto applies = live(RoleKind::Apply);
    ASSERT_EQ(applies.size(), 1u);
    EXPECT_EQ(applies[0]->updates, 1);
    EXPECT_EQ(applies[0]->desired, v1::PIPELINE_STATE_PAUSED);
    EXPECT_EQ(m_log.entries.size(), 1u) << "paused in place, not recreated";
}

TEST_F(PipelineSupervisorTest, DeletedPipelineStopsItsRoles) {
    addAgent("us-a", "us");
    settle();
    ASSERT_EQ(live(RoleKind::Apply).size(), 1u);

    coord::VersionedConfigStore store(*m_admin, std::string(paths::kConfig));
    auto current = store.read(coord::ConfigKind::Pipeline, "7");
    ASSERT_TRUE(current.ok());
    ASSERT_TRUE(store.remove(coord::ConfigKind::Pipeline, "7", current->version).ok());
    m_ensemble->deliverEvents();
    settle();
    EXPECT_TRUE(m_log.live().empty());
    EXPECT_TRUE(m_agents[0]->supervisor->roles().empty());
}

TEST_F(PipelineSupervisorTest, AFailingRoleIsRetriedWithBackoff) {
    Agent& a = addAgent("us-a", "us");
    a.factory->failuresLeft = 2;
    settle();
    EXPECT_EQ(a.factory->attempts, 1);
    auto views = a.supervisor->roles();
    ASSERT_EQ(views.size(), 1u);
    EXPECT_TRUE(views[0].leader);
    EXPECT_FALSE(views[0].running);
    EXPECT_NE(views[0].lastError.find("refused"), std::string::npos);

    m_clock.advance(1001ms);
    settle();
    EXPECT_EQ(a.factory->attempts, 2);
    m_clock.advance(1500ms);  // the second delay is 2 s
    settle();
    EXPECT_EQ(a.factory->attempts, 2);
    m_clock.advance(600ms);
    settle();
    EXPECT_EQ(a.factory->attempts, 3);
    EXPECT_EQ(live(RoleKind::Apply).size(), 1u);
}

TEST_F(PipelineSupervisorTest, ABrokenConfigurationObjectIsReportedAndNotRun) {
    ASSERT_TRUE(
        m_admin->create(std::string(paths::kConfig) + "/pipeline/8", "not protobuf \xff").ok());
    v1::Pipeline orphan = pipeline(9);
    orphan.set_target("nowhere");
    ASSERT_TRUE(
        m_admin->create(std::string(paths::kConfig) + "/pipeline/9", orphan.SerializeAsString())
            .ok());
    Agent& a = addAgent("us-a", "us");
    settle();

    const auto& problems = a.supervisor->snapshot().problems;
    ASSERT_EQ(problems.size(), 2u);
    EXPECT_NE(problems[0].find("'8'"), std::string::npos);
    EXPECT_NE(problems[1].find("'nowhere'"), std::string::npos);
    const auto applies = live(RoleKind::Apply);
    ASSERT_EQ(applies.size(), 1u);
    EXPECT_EQ(applies[0]->pipeline, 7u);
}

}  // namespace
}  // namespace ferry::daemon
