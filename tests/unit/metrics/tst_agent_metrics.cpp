// SPDX-License-Identifier: Apache-2.0
// What the agent exposes on its metrics endpoint: the series derived from the supervisor's view
// of its roles and their RoleReports, /healthz's verdict, the [metrics] configuration key, and
// the supervisor's hook (RoleView carries the pipeline's name and the last written report).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "ferry/config/agent_config.h"
#include "ferry/coord/clock.h"
#include "ferry/coord/in_memory_keeper.h"
#include "ferry/coord/versioned_config_store.h"
#include "ferry/daemon/paths.h"
#include "ferry/metrics/agent_metrics.h"

namespace ferry::metrics {
namespace {

using namespace std::chrono_literals;
using RoleView = daemon::PipelineSupervisor::RoleView;

bool contains(const std::string& text, const std::string& line) {
    return text.find(line) != std::string::npos;
}

RoleView role(daemon::RoleKind kind, bool leader, bool running) {
    RoleView view;
    view.pipelineId = 1;
    view.pipelineName = "e2e:hz->us";
    view.kind = kind;
    view.candidate = true;
    view.leader = leader;
    view.running = running;
    view.fencingToken = leader ? 4294967299 : 0;
    if (running) {
        view.report.emplace();
        view.report->set_state(v1::PIPELINE_STATE_RUNNING);
    }
    return view;
}

AgentState connectedState(std::vector<RoleView> roles) {
    AgentState state;
    state.zookeeperConnected = true;
    state.zookeeperState = "connected";
    state.registered = true;
    state.roles = std::move(roles);
    return state;
}

const AgentIdentity kIdentity{"us-e2e", "us", "0.3.0", "abc123"};

struct StateRow {
    const char* name;
    bool leader;
    bool running;
    const char* startError;
    v1::PipelineState reported;
    const char* expected;
};

TEST(AgentMetrics, RoleStateNames) {
    const StateRow rows[] = {
        {"not the leader", false, false, "", v1::PIPELINE_STATE_UNSPECIFIED, "standby"},
        {"leader, role not created yet", true, false, "", v1::PIPELINE_STATE_UNSPECIFIED,
         "starting"},
        {"leader, role could not start", true, false, "target refused the connection",
         v1::PIPELINE_STATE_UNSPECIFIED, "failed"},
        {"running", true, true, "", v1::PIPELINE_STATE_RUNNING, "running"},
        {"paused", true, true, "", v1::PIPELINE_STATE_PAUSED, "paused"},
        {"reports FAILED", true, true, "", v1::PIPELINE_STATE_FAILED, "failed"},
    };
    for (const auto& row : rows) {
        RoleView view = role(daemon::RoleKind::Apply, row.leader, row.running);
        view.lastError = row.startError;
        if (view.report) {
            view.report->set_state(row.reported);
        }
        EXPECT_EQ(roleStateName(view), row.expected) << row.name;
    }
}

TEST(AgentMetrics, AgentLevelSeries) {
    AgentState state;
    state.zookeeperConnected = false;
    state.configProblems = 2;
    const std::string text = renderAgentMetrics(kIdentity, state);
    EXPECT_TRUE(contains(text, "# TYPE ferry_up gauge\nferry_up 1\n")) << text;
    EXPECT_TRUE(contains(text,
                         "ferry_build_info{agent=\"us-e2e\",build=\"abc123\",site=\"us\","
                         "version=\"0.3.0\"} 1\n"))
        << text;
    EXPECT_TRUE(contains(text, "ferry_zookeeper_connected 0\n")) << text;
    EXPECT_TRUE(contains(text, "ferry_agent_registered 0\n")) << text;
    EXPECT_TRUE(contains(text, "ferry_config_problems 2\n")) << text;
    // No role: no per-role series, but their families are declared.
    EXPECT_FALSE(contains(text, "ferry_pipeline_role_state{")) << text;
    EXPECT_TRUE(contains(text, "# TYPE ferry_pipeline_rows_total counter\n")) << text;

    state.zookeeperConnected = true;
    state.registered = true;
    const std::string connected = renderAgentMetrics(kIdentity, state);
    EXPECT_TRUE(contains(connected, "ferry_zookeeper_connected 1\n")) << connected;
    EXPECT_TRUE(contains(connected, "ferry_agent_registered 1\n")) << connected;
}

TEST(AgentMetrics, RunningApplyLeaderReportsLagRowsAndToken) {
    RoleView apply = role(daemon::RoleKind::Apply, true, true);
    apply.report->set_lag_seconds(1.25);
    apply.report->set_rows_total(810);
    apply.report->set_bytes_total(65536);
    const std::string text = renderAgentMetrics(kIdentity, connectedState({apply}));

    const std::string labels = "pipeline=\"e2e:hz->us\",pipeline_id=\"1\",role=\"apply\"";
    EXPECT_TRUE(contains(text,
                         "ferry_pipeline_lag_seconds{pipeline=\"e2e:hz->us\","
                         "pipeline_id=\"1\"} 1.25\n"))
        << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_rows_total{" + labels + "} 810\n")) << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_bytes_total{" + labels + "} 65536\n")) << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_leader{" + labels + "} 1\n")) << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_fencing_token{" + labels + "} 4294967299\n"))
        << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_last_error{" + labels + "} 0\n")) << text;
    for (const std::string state : {"standby", "starting", "paused", "failed"}) {
        EXPECT_TRUE(
            contains(text, "ferry_pipeline_role_state{" + labels + ",state=\"" + state + "\"} 0\n"))
            << state << "\n"
            << text;
    }
    EXPECT_TRUE(contains(text, "ferry_pipeline_role_state{" + labels + ",state=\"running\"} 1\n"))
        << text;
}

TEST(AgentMetrics, StandbyHasStateButNoCountersOrToken) {
    const RoleView standby = role(daemon::RoleKind::Capture, false, false);
    const std::string text = renderAgentMetrics(kIdentity, connectedState({standby}));
    const std::string labels = "pipeline=\"e2e:hz->us\",pipeline_id=\"1\",role=\"capture\"";
    EXPECT_TRUE(contains(text, "ferry_pipeline_role_state{" + labels + ",state=\"standby\"} 1\n"))
        << text;
    EXPECT_TRUE(contains(text, "ferry_pipeline_leader{" + labels + "} 0\n")) << text;
    EXPECT_FALSE(contains(text, "ferry_pipeline_fencing_token{")) << text;
    EXPECT_FALSE(contains(text, "ferry_pipeline_rows_total{")) << text;
    EXPECT_FALSE(contains(text, "ferry_pipeline_lag_seconds{")) << text;
}

TEST(AgentMetrics, CaptureCountersAppearOnlyOnceReported) {
    RoleView capture = role(daemon::RoleKind::Capture, true, true);
    const std::string before = renderAgentMetrics(kIdentity, connectedState({capture}));
    EXPECT_FALSE(contains(before, "ferry_pipeline_rows_total{")) << before;
    EXPECT_FALSE(contains(before, "ferry_pipeline_bytes_total{")) << before;
    EXPECT_FALSE(contains(before, "ferry_pipeline_lag_seconds{")) << before;

    capture.report->set_rows_total(5);
    capture.report->set_bytes_total(700);
    const std::string after = renderAgentMetrics(kIdentity, connectedState({capture}));
    const std::string labels = "pipeline=\"e2e:hz->us\",pipeline_id=\"1\",role=\"capture\"";
    EXPECT_TRUE(contains(after, "ferry_pipeline_rows_total{" + labels + "} 5\n")) << after;
    EXPECT_TRUE(contains(after, "ferry_pipeline_bytes_total{" + labels + "} 700\n")) << after;
}

TEST(AgentMetrics, LastErrorWithoutFailure) {
    RoleView apply = role(daemon::RoleKind::Apply, true, true);
    apply.report->mutable_last_error()->set_message("waiting for the capture leader");
    const AgentState state = connectedState({apply});
    const std::string text = renderAgentMetrics(kIdentity, state);
    EXPECT_TRUE(contains(text,
                         "ferry_pipeline_last_error{pipeline=\"e2e:hz->us\","
                         "pipeline_id=\"1\",role=\"apply\"} 1\n"))
        << text;
    EXPECT_TRUE(agentHealth(state).healthy);
}

TEST(AgentMetrics, UnnamedPipelineIsLabelledByItsId) {
    RoleView apply = role(daemon::RoleKind::Apply, true, true);
    apply.pipelineId = 12;
    apply.pipelineName.clear();
    const std::string text = renderAgentMetrics(kIdentity, connectedState({apply}));
    EXPECT_TRUE(contains(text,
                         "ferry_pipeline_leader{pipeline=\"12\",pipeline_id=\"12\","
                         "role=\"apply\"} 1\n"))
        << text;
}

TEST(AgentMetrics, Health) {
    EXPECT_TRUE(agentHealth(connectedState({})).healthy);
    EXPECT_TRUE(agentHealth(connectedState({role(daemon::RoleKind::Capture, false, false),
                                            role(daemon::RoleKind::Apply, true, true)}))
                    .healthy);

    AgentState away;
    away.zookeeperState = "suspended";
    const Health disconnected = agentHealth(away);
    EXPECT_FALSE(disconnected.healthy);
    EXPECT_EQ(disconnected.reason,
              "ZooKeeper session is not connected (suspended): this agent leads no role until "
              "it is");
    EXPECT_TRUE(contains(agentHealth(AgentState{}).reason, "(no session)"));

    RoleView failed = role(daemon::RoleKind::Apply, true, true);
    failed.report->set_state(v1::PIPELINE_STATE_FAILED);
    failed.report->mutable_last_error()->set_message("duplicate key in shop.orders");
    const Health one = agentHealth(connectedState({failed}));
    EXPECT_FALSE(one.healthy);
    EXPECT_EQ(one.reason, "apply of pipeline 1 (e2e:hz->us) failed: duplicate key in shop.orders");

    RoleView cannotStart = role(daemon::RoleKind::Capture, true, false);
    cannotStart.pipelineId = 2;
    cannotStart.pipelineName = "e2e:us->hz";
    cannotStart.lastError = "access denied for user 'ferry'";
    const Health two = agentHealth(connectedState({failed, cannotStart}));
    EXPECT_FALSE(two.healthy);
    EXPECT_EQ(two.reason,
              "apply of pipeline 1 (e2e:hz->us) failed: duplicate key in shop.orders (and 1 "
              "more failed role(s))");
    EXPECT_EQ(agentHealth(connectedState({cannotStart})).reason,
              "capture of pipeline 2 (e2e:us->hz) failed: access denied for user 'ferry'");
}

struct ConfigRow {
    const char* name;
    const char* metricsSection;  // appended to a valid configuration
    bool ok;
    const char* hostOrError;  // the parsed host, or a part of the error
    std::uint16_t port;
};

TEST(AgentMetricsConfig, ListenKey) {
    const ConfigRow rows[] = {
        {"absent: off", "", true, "", 0},
        {"empty: off", "[metrics]\nlisten = \"\"\n", true, "", 0},
        {"loopback", "[metrics]\nlisten = \"127.0.0.1:9400\"\n", true, "127.0.0.1", 9400},
        {"IPv6", "[metrics]\nlisten = \"[::1]:9400\"\n", true, "::1", 9400},
        {"every address", "[metrics]\nlisten = \"0.0.0.0:9400\"\n", true, "0.0.0.0", 9400},
        {"localhost", "[metrics]\nlisten = \"localhost:9400\"\n", true, "localhost", 9400},
        {"any free port", "[metrics]\nlisten = \"127.0.0.1:0\"\n", true, "127.0.0.1", 0},
        {"host name", "[metrics]\nlisten = \"db1.example.com:9400\"\n", false,
         "is not an IP address", 0},
        {"no port", "[metrics]\nlisten = \"127.0.0.1\"\n", false, "[metrics] listen", 0},
        {"port out of range", "[metrics]\nlisten = \"127.0.0.1:70000\"\n", false, "is not 0-65535",
         0},
        {"the API's port", "[metrics]\nlisten = \"127.0.0.1:7400\"\n", false,
         "the port of [listen] address", 0},
        {"not a string", "[metrics]\nlisten = 9400\n", false, "must be a string", 0},
        {"unknown key", "[metrics]\nport = 9400\n", false, "unknown key 'port' in [metrics]", 0},
    };
    for (const auto& row : rows) {
        const std::string toml = std::string(
                                     "[agent]\nsite = \"hz\"\n[listen]\naddress = "
                                     "\"0.0.0.0:7400\"\n[zookeeper]\nconnect = \"zk:2181\"\n"
                                     "[tls]\nrequired = false\n") +
                                 row.metricsSection;
        const auto config = config::parseAgentConfig(toml, "agent.toml", "db1");
        ASSERT_EQ(config.ok(), row.ok) << row.name;
        if (!row.ok) {
            EXPECT_TRUE(contains(config.error().message, row.hostOrError))
                << row.name << ": " << config.error().message;
            continue;
        }
        EXPECT_EQ(config->metricsListen.host, row.hostOrError) << row.name;
        EXPECT_EQ(config->metricsListen.port, row.port) << row.name;
        const std::string described = config->describe();
        if (config->metricsListen.host.empty()) {
            EXPECT_TRUE(contains(described, "  metrics off\n")) << described;
        } else {
            EXPECT_TRUE(contains(described, "/metrics\n")) << described;
        }
    }
}

// The supervisor's hook: roles() carries the pipeline's name and the report its running role
// last wrote, and drops the report when the role stops.
class ReportingRole final : public daemon::PipelineRole {
public:
    Status update(const daemon::RoleAssignment&) override { return okStatus(); }
    void stop() override {}
    v1::RoleReport report() const override {
        v1::RoleReport r;
        r.set_state(v1::PIPELINE_STATE_RUNNING);
        r.set_lag_seconds(0.5);
        r.set_rows_total(42);
        return r;
    }
};

class ReportingFactory final : public daemon::RoleFactory {
public:
    Result<std::unique_ptr<daemon::PipelineRole>> create(const daemon::RoleAssignment&) override {
        return std::unique_ptr<daemon::PipelineRole>(std::make_unique<ReportingRole>());
    }
};

TEST(AgentMetricsSupervisor, RoleViewsCarryNameAndLastReport) {
    auto ensemble = coord::InMemoryEnsemble::create();
    auto admin = ensemble->connect();
    coord::VersionedConfigStore store(*admin, std::string(daemon::paths::kConfig));
    for (const auto& [id, site] : {std::pair{"hz-db", "hz"}, std::pair{"us-db", "us"}}) {
        v1::DataSource source;
        source.set_id(id);
        source.set_site(site);
        source.set_url(std::string("mysql://ferry@") + id + ":3306");
        ASSERT_TRUE(
            store.create(coord::ConfigKind::DataSource, id, source.SerializeAsString()).ok());
    }
    v1::Pipeline pipeline;
    pipeline.set_id(7);
    pipeline.set_name("orders:hz->us");
    pipeline.set_source("hz-db");
    pipeline.set_target("us-db");
    ASSERT_TRUE(store.create(coord::ConfigKind::Pipeline, "7", pipeline.SerializeAsString()).ok());

    auto keeper = ensemble->connect(9000ms);
    coord::ManualClock clock;
    ReportingFactory factory;
    daemon::SupervisorOptions options;
    options.agentId = "us-a";
    options.site = "us";
    daemon::PipelineSupervisor supervisor(*keeper, clock, factory, options);
    for (int round = 0; round < 4; ++round) {
        supervisor.tick();
        ensemble->deliverEvents();
    }
    auto views = supervisor.roles();
    ASSERT_EQ(views.size(), 1u);
    EXPECT_EQ(views[0].pipelineName, "orders:hz->us");
    ASSERT_TRUE(views[0].leader);
    ASSERT_TRUE(views[0].report.has_value());
    EXPECT_EQ(views[0].report->rows_total(), 42u);
    EXPECT_EQ(views[0].report->agent(), "us-a");
    EXPECT_EQ(views[0].report->fencing_token(), views[0].fencingToken);

    AgentState state = connectedState(views);
    const std::string text = renderAgentMetrics(kIdentity, state);
    EXPECT_TRUE(contains(text,
                         "ferry_pipeline_lag_seconds{pipeline=\"orders:hz->us\","
                         "pipeline_id=\"7\"} 0.5\n"))
        << text;
    EXPECT_TRUE(contains(text,
                         "ferry_pipeline_rows_total{pipeline=\"orders:hz->us\","
                         "pipeline_id=\"7\",role=\"apply\"} 42\n"))
        << text;

    // Losing the leadership stops the role: its report goes with it.
    ensemble->expireSession(keeper->sessionId());
    ensemble->deliverEvents();
    supervisor.tick();
    views = supervisor.roles();
    ASSERT_EQ(views.size(), 1u);
    EXPECT_FALSE(views[0].running);
    EXPECT_FALSE(views[0].report.has_value());
    EXPECT_EQ(roleStateName(views[0]), "standby");

    supervisor.stop();
    EXPECT_TRUE(supervisor.roles().empty());
}

}  // namespace
}  // namespace ferry::metrics
