// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the console's tests: a FakeCluster with a settable clock, its topology as the
// ConnectionManager would load it, and a fake agent endpoint.
#pragma once

#include <cstdint>
#include <memory>

#include "client/cluster_state.h"
#include "client/connection_manager.h"
#include "fake_agent_server.h"
#include "fake_cluster.h"

namespace ferry::gui::test {

struct FakeWorld {
    std::int64_t nowMs = 1'764'057'600'000;  // 2025-11-25T08:00:00Z
    ferry::testing::FakeCluster cluster;
    std::unique_ptr<ferry::testing::FakeAgentServer> hz;
    std::unique_ptr<ferry::testing::FakeAgentServer> us;

    explicit FakeWorld(int pipelines = 2, bool serve = false,
                       std::chrono::milliseconds pushInterval = std::chrono::milliseconds(50))
        : cluster({pipelines, "default"}, [this] { return nowMs; }) {
        if (!serve) {
            return;
        }
        for (const char* id : {"hz-agent1", "us-agent1"}) {
            ferry::testing::FakeAgentServer::Options o;
            o.agentId = id;
            o.pushInterval = pushInterval;
            auto server = std::make_unique<ferry::testing::FakeAgentServer>(cluster, o);
            if (!server->listen()) {
                qFatal("fake agent cannot listen: %s", qPrintable(server->errorString()));
            }
            (std::string(id) == "hz-agent1" ? hz : us) = std::move(server);
        }
    }

    ConnectionSettings settingsFor(const ferry::testing::FakeAgentServer& server,
                                   const QString& token = QStringLiteral("operator-token")) const {
        ConnectionSettings s;
        s.endpoint.host = QStringLiteral("127.0.0.1");
        s.endpoint.port = server.port();
        s.endpoint.plainTcp = true;
        s.endpoint.token = token;
        s.endpoint.user = QStringLiteral("tester");
        return s;
    }

    // The topology as ConnectionManager::refresh() assembles it, without a network.
    ClusterState::Topology topology() {
        const auto ask = [this](auto fill) {
            ferry::v1::Request r;
            fill(r);
            return cluster.handle(r, ferry::v1::ROLE_VIEWER);
        };
        ClusterState::Topology t;
        t.cluster = QStringLiteral("default");
        const auto sites = ask([](auto& r) { r.mutable_list_sites(); }).list_sites().sites();
        t.sites.assign(sites.begin(), sites.end());
        const auto agents = ask([](auto& r) { r.mutable_list_agents(); }).list_agents().agents();
        t.agents.assign(agents.begin(), agents.end());
        const auto list = [&](ferry::v1::ConfigKind kind) {
            const auto o = ask([kind](auto& r) { r.mutable_list_config()->set_kind(kind); })
                               .list_config()
                               .objects();
            return std::vector<ferry::v1::ConfigObject>(o.begin(), o.end());
        };
        t.dataSources = list(ferry::v1::CONFIG_KIND_DATA_SOURCE);
        t.channels = list(ferry::v1::CONFIG_KIND_CHANNEL);
        t.pipelines = list(ferry::v1::CONFIG_KIND_PIPELINE);
        return t;
    }
};

}  // namespace ferry::gui::test
