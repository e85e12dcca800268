// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/coord/in_memory_keeper.h"
#include "ferry/daemon/cluster_view.h"
#include "ferry/daemon/paths.h"
#include "ferry/daemon/service_backend.h"
#include "ferry/v1/coordination.pb.h"

namespace ferry::daemon {
namespace {

class ServiceBackendTest : public ::testing::Test {
protected:
    v1::Response put(v1::ConfigObject object, std::uint64_t version = 0) {
        object.set_version(version);
        v1::Request request;
        *request.mutable_put_config()->mutable_object() = std::move(object);
        return m_backend.handle(m_admin, request);
    }
    static v1::ConfigObject dataSource(const std::string& id, const std::string& site,
                                       const std::string& url = "") {
        v1::ConfigObject o;
        auto* d = o.mutable_data_source();
        d->set_id(id);
        d->set_site(site);
        d->set_url(url.empty() ? "mysql://ferry@" + id + ":3306" : url);
        d->mutable_password()->set_env("FERRY_DB_PASSWORD");
        return o;
    }
    static v1::ConfigObject pipeline(std::uint64_t id, const std::string& from,
                                     const std::string& to, const std::string& channel = "shop") {
        v1::ConfigObject o;
        auto* p = o.mutable_pipeline();
        p->set_id(id);
        p->set_channel(channel);
        p->set_source(from);
        p->set_target(to);
        auto* m = p->add_mappings();
        m->set_id("all");
        m->mutable_source()->set_schema("shop");
        m->mutable_source()->set_regex(".*");
        return o;
    }
    static v1::ServiceErrorCode code(const v1::Response& r) {
        return r.has_error() ? r.error().code() : v1::SERVICE_ERROR_CODE_UNSPECIFIED;
    }

    std::shared_ptr<coord::InMemoryEnsemble> m_ensemble = coord::InMemoryEnsemble::create();
    std::unique_ptr<coord::InMemoryKeeper> m_keeper = m_ensemble->connect();
    ServiceBackend m_backend{*m_keeper, "test"};
    Caller m_admin{"alice", v1::ROLE_ADMIN};
};

TEST_F(ServiceBackendTest, ConfigurationVersionsAndConflicts) {
    auto created = put(dataSource("hz-db", "hz"));
    ASSERT_FALSE(created.has_error()) << created.error().message();
    EXPECT_EQ(created.put_config().object().version(), 1u);
    EXPECT_EQ(code(put(dataSource("hz-db", "hz"))), v1::SERVICE_ERROR_CODE_ALREADY_EXISTS);

    auto updated = put(dataSource("hz-db", "hz", "mysql://ferry@db1:3307"), 1);
    ASSERT_FALSE(updated.has_error()) << updated.error().message();
    EXPECT_EQ(updated.put_config().object().version(), 2u);
    // A second editor still holding version 1 loses, with a hint.
    auto stale = put(dataSource("hz-db", "hz", "mysql://ferry@db2:3307"), 1);
    EXPECT_EQ(code(stale), v1::SERVICE_ERROR_CODE_CONFLICT);
    EXPECT_FALSE(stale.error().hint().empty());

    v1::Request get;
    get.mutable_get_config()->mutable_ref()->set_kind(v1::CONFIG_KIND_DATA_SOURCE);
    get.mutable_get_config()->mutable_ref()->set_id("hz-db");
    auto read = m_backend.handle(m_admin, get);
    ASSERT_FALSE(read.has_error());
    EXPECT_EQ(read.get_config().object().data_source().url(), "mysql://ferry@db1:3307");
    EXPECT_EQ(read.get_config().object().version(), 2u);
}

TEST_F(ServiceBackendTest, ValidatesBeforeStoring) {
    EXPECT_EQ(code(put(dataSource("a", "HZ!"))), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);
    auto clear = put(dataSource("a", "hz", "mysql://ferry:secret@db:3306"));
    EXPECT_EQ(code(clear), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);
    EXPECT_NE(clear.error().message().find("in clear"), std::string::npos);
    EXPECT_EQ(code(put(pipeline(1, "hz-db", "us-db"))), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);

    ASSERT_FALSE(put(dataSource("hz-db", "hz")).has_error());
    ASSERT_FALSE(put(dataSource("us-db", "us")).has_error());
    auto badRegex = pipeline(1, "hz-db", "us-db");
    badRegex.mutable_pipeline()->mutable_mappings(0)->mutable_source()->set_regex("(");
    EXPECT_EQ(code(put(badRegex)), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);

    auto made = put(pipeline(1, "hz-db", "us-db"));
    ASSERT_FALSE(made.has_error()) << made.error().message();
    EXPECT_EQ(made.put_config().object().pipeline().name(), "shop:hz->us");
    ASSERT_FALSE(put(pipeline(2, "us-db", "hz-db")).has_error());
    ASSERT_FALSE(put(pipeline(3, "hz-db", "us-db")).has_error());

    v1::ConfigObject channel;
    channel.mutable_channel()->set_id("shop");
    channel.mutable_channel()->set_kind(v1::CHANNEL_KIND_TWO_WAY);
    channel.mutable_channel()->add_pipelines(1);
    channel.mutable_channel()->add_pipelines(3);
    EXPECT_EQ(code(put(channel)), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT) << "same direction";
    channel.mutable_channel()->set_pipelines(1, 2);
    ASSERT_FALSE(put(channel).has_error());

    // Deleting what others use is refused.
    v1::Request del;
    del.mutable_delete_config()->mutable_ref()->set_kind(v1::CONFIG_KIND_DATA_SOURCE);
    del.mutable_delete_config()->mutable_ref()->set_id("hz-db");
    del.mutable_delete_config()->set_version(1);
    EXPECT_EQ(code(m_backend.handle(m_admin, del)), v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION);
    del.mutable_delete_config()->mutable_ref()->set_kind(v1::CONFIG_KIND_PIPELINE);
    del.mutable_delete_config()->mutable_ref()->set_id("1");
    EXPECT_EQ(code(m_backend.handle(m_admin, del)), v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION);
    del.mutable_delete_config()->mutable_ref()->set_id("3");
    EXPECT_FALSE(m_backend.handle(m_admin, del).has_error());
}

TEST_F(ServiceBackendTest, DeletingAPipelineDeletesItsTableMappings) {
    ASSERT_FALSE(put(dataSource("hz-db", "hz")).has_error());
    ASSERT_FALSE(put(dataSource("us-db", "us")).has_error());
    ASSERT_FALSE(put(pipeline(1, "hz-db", "us-db", "")).has_error());
    ASSERT_FALSE(put(pipeline(2, "us-db", "hz-db", "")).has_error());
    for (const auto& [pipelineId, id] : std::vector<std::pair<std::uint64_t, std::string>>{
             {1, "orders-1"}, {1, "users-1"}, {2, "orders-2"}}) {
        v1::ConfigObject mapping;
        mapping.set_pipeline_id(pipelineId);
        mapping.mutable_table_mapping()->set_id(id);
        mapping.mutable_table_mapping()->mutable_source()->set_schema("crm");
        mapping.mutable_table_mapping()->mutable_source()->set_exact("orders");
        ASSERT_FALSE(put(mapping).has_error()) << id;
    }
    v1::Request del;
    del.mutable_delete_config()->mutable_ref()->set_kind(v1::CONFIG_KIND_PIPELINE);
    del.mutable_delete_config()->mutable_ref()->set_id("1");
    del.mutable_delete_config()->set_version(1);
    ASSERT_FALSE(m_backend.handle(m_admin, del).has_error());

    v1::Request list;
    list.mutable_list_config()->set_kind(v1::CONFIG_KIND_TABLE_MAPPING);
    auto listed = m_backend.handle(m_admin, list);
    ASSERT_FALSE(listed.has_error());
    ASSERT_EQ(listed.list_config().objects_size(), 1);
    EXPECT_EQ(listed.list_config().objects(0).table_mapping().id(), "orders-2");
    ClusterReader reader(*m_keeper);
    auto snapshot = reader.read();
    ASSERT_TRUE(snapshot.ok());
    EXPECT_TRUE(snapshot->problems.empty());
}

TEST_F(ServiceBackendTest, MappingObjectsJoinTheirPipeline) {
    ASSERT_FALSE(put(dataSource("hz-db", "hz")).has_error());
    ASSERT_FALSE(put(dataSource("us-db", "us")).has_error());
    ASSERT_FALSE(put(pipeline(1, "hz-db", "us-db")).has_error());
    v1::ConfigObject mapping;
    mapping.set_pipeline_id(1);
    mapping.mutable_table_mapping()->set_id("orders");
    mapping.mutable_table_mapping()->mutable_source()->set_schema("crm");
    mapping.mutable_table_mapping()->mutable_source()->set_exact("orders");
    ASSERT_FALSE(put(mapping).has_error());
    mapping.set_pipeline_id(9);
    mapping.mutable_table_mapping()->set_id("nowhere");
    EXPECT_EQ(code(put(mapping)), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);

    ClusterReader reader(*m_keeper);
    auto snapshot = reader.read();
    ASSERT_TRUE(snapshot.ok());
    const auto& p = snapshot->pipelines.at(1);
    ASSERT_EQ(p.mappings_size(), 2);
    EXPECT_EQ(p.mappings(1).source().schema(), "crm");

    v1::Request list;
    list.mutable_list_config()->set_kind(v1::CONFIG_KIND_TABLE_MAPPING);
    list.mutable_list_config()->set_pipeline_id(1);
    auto listed = m_backend.handle(m_admin, list);
    ASSERT_FALSE(listed.has_error());
    ASSERT_EQ(listed.list_config().objects_size(), 1);
    EXPECT_EQ(listed.list_config().objects(0).pipeline_id(), 1u);
}

TEST_F(ServiceBackendTest, ActionsWriteTheControlAndStatusReflectsReports) {
    ASSERT_FALSE(put(dataSource("hz-db", "hz")).has_error());
    ASSERT_FALSE(put(dataSource("us-db", "us")).has_error());
    ASSERT_FALSE(put(pipeline(1, "hz-db", "us-db")).has_error());

    v1::Request status;
    status.mutable_get_pipeline_status();
    auto before = m_backend.handle(m_admin, status);
    ASSERT_EQ(before.get_pipeline_status().statuses_size(), 1);
    EXPECT_EQ(before.get_pipeline_status().statuses(0).state(), v1::PIPELINE_STATE_UNSPECIFIED);
    EXPECT_NE(before.get_pipeline_status().statuses(0).last_error().message().find("capture"),
              std::string::npos);

    // Leaders report.
    ASSERT_TRUE(m_keeper->ensurePath(paths::pipeline(1)).ok());
    for (const auto& [path, agent] :
         {std::pair{paths::captureReport(1), "hz-a"}, std::pair{paths::applyReport(1), "us-a"}}) {
        v1::RoleReport report;
        report.set_agent(agent);
        report.set_state(v1::PIPELINE_STATE_RUNNING);
        report.set_lag_seconds(0.25);
        report.set_updated_unix_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
        ASSERT_TRUE(m_keeper->create(path, report.SerializeAsString()).ok());
    }
    auto running = m_backend.handle(m_admin, status);
    const auto& s = running.get_pipeline_status().statuses(0);
    EXPECT_EQ(s.state(), v1::PIPELINE_STATE_RUNNING);
    EXPECT_EQ(s.capture_agent(), "hz-a");
    EXPECT_EQ(s.apply_agent(), "us-a");
    EXPECT_DOUBLE_EQ(s.lag_seconds(), 0.25);

    v1::Request pause;
    pause.mutable_pipeline_action()->set_pipeline_id(1);
    pause.mutable_pipeline_action()->set_action(v1::PIPELINE_ACTION_PAUSE);
    pause.mutable_pipeline_action()->set_reason("maintenance");
    auto paused = m_backend.handle(m_admin, pause);
    ASSERT_FALSE(paused.has_error()) << paused.error().message();
    EXPECT_EQ(paused.pipeline_action().status().desired_state(), v1::PIPELINE_STATE_PAUSED);
    auto control = m_keeper->get(paths::control(1));
    ASSERT_TRUE(control.ok());
    v1::PipelineControl parsed;
    ASSERT_TRUE(parsed.ParseFromString(control->data));
    EXPECT_EQ(parsed.desired_state(), v1::PIPELINE_STATE_PAUSED);
    EXPECT_EQ(parsed.generation(), 1u);
    EXPECT_EQ(parsed.requested_by(), "alice");
    EXPECT_EQ(parsed.reason(), "maintenance");

    v1::Request skip;
    skip.mutable_pipeline_action()->set_pipeline_id(1);
    skip.mutable_pipeline_action()->set_action(v1::PIPELINE_ACTION_SKIP);
    EXPECT_EQ(code(m_backend.handle(m_admin, skip)), v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);
    skip.mutable_pipeline_action()->set_pipeline_id(77);
    EXPECT_EQ(code(m_backend.handle(m_admin, skip)), v1::SERVICE_ERROR_CODE_NOT_FOUND);
}

TEST_F(ServiceBackendTest, AgentsAndSites) {
    v1::Agent agent;
    agent.set_id("hz-a");
    agent.set_site("hz");
    agent.set_address("hz-a:7400");
    ASSERT_TRUE(m_keeper->ensurePath(std::string(paths::kAgents)).ok());
    ASSERT_TRUE(m_keeper
                    ->create(std::string(paths::kAgents) + "/hz-a", agent.SerializeAsString(),
                             coord::CreateMode::Ephemeral)
                    .ok());
    ASSERT_FALSE(put(dataSource("us-db", "us")).has_error());
    v1::Request agents;
    agents.mutable_list_agents();
    auto listed = m_backend.handle(m_admin, agents);
    ASSERT_FALSE(listed.has_error()) << listed.error().message();
    ASSERT_EQ(listed.list_agents().agents_size(), 1);
    EXPECT_EQ(listed.list_agents().agents(0).agent().address(), "hz-a:7400");
    EXPECT_EQ(listed.list_agents().cluster(), "test");

    v1::Request sites;
    sites.mutable_list_sites();
    auto s = m_backend.handle(m_admin, sites);
    ASSERT_EQ(s.list_sites().sites_size(), 2);
    EXPECT_EQ(s.list_sites().sites(0).site().name(), "hz");
    EXPECT_EQ(s.list_sites().sites(0).health(), v1::SITE_HEALTH_OK);
    EXPECT_EQ(s.list_sites().sites(1).site().name(), "us");
    EXPECT_EQ(s.list_sites().sites(1).health(), v1::SITE_HEALTH_DOWN);
}

}  // namespace
}  // namespace ferry::daemon
