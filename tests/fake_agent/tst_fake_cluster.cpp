// SPDX-License-Identifier: Apache-2.0
// The fake cluster's rules, which the console's tests rely on: versions and conflicts, roles,
// pipeline state changes and lag that follows the injected clock.
#include <QtTest>

#include <cstdint>

#include "fake_cluster.h"

using ferry::testing::FakeCluster;

namespace {

struct Fixture {
    std::int64_t nowMs = 1'700'000'000'000;
    FakeCluster cluster;
    explicit Fixture(int pipelines = 2)
        : cluster({pipelines, "default"}, [this] { return nowMs; }) {}

    ferry::v1::Response action(std::uint64_t id, ferry::v1::PipelineAction a,
                               ferry::v1::Role role = ferry::v1::ROLE_OPERATOR) {
        ferry::v1::Request r;
        r.mutable_pipeline_action()->set_pipeline_id(id);
        r.mutable_pipeline_action()->set_action(a);
        return cluster.handle(r, role);
    }
    ferry::v1::PipelineStatus status(std::uint64_t id) { return cluster.statuses({id}).at(0); }
};

ferry::v1::Request putDataSource(const std::string& id, std::uint64_t version,
                                 const std::string& site = "hz") {
    ferry::v1::Request r;
    auto* o = r.mutable_put_config()->mutable_object();
    o->set_version(version);
    o->mutable_data_source()->set_id(id);
    o->mutable_data_source()->set_site(site);
    return r;
}

}  // namespace

class TestFakeCluster : public QObject {
    Q_OBJECT

private slots:
    void cannedTopology() {
        Fixture f;
        ferry::v1::Request r;
        r.mutable_list_sites();
        const auto sites = f.cluster.handle(r, ferry::v1::ROLE_VIEWER).list_sites();
        QCOMPARE(sites.sites_size(), 2);
        QCOMPARE(sites.sites(0).site().name(), std::string("hz"));
        QCOMPARE(sites.sites(0).data_sources(0), std::string("hz-db"));
        QCOMPARE(sites.sites(1).agents(0), std::string("us-agent1"));
        const auto statuses = f.cluster.statuses({});
        QCOMPARE(statuses.size(), std::size_t{2});
        QCOMPARE(statuses[0].name(), std::string("orders:hz->us"));
        QCOMPARE(statuses[1].name(), std::string("orders:us->hz"));
    }

    void pipelineCount_data() {
        QTest::addColumn<int>("pipelines");
        QTest::addColumn<int>("channels");
        QTest::newRow("none") << 0 << 0;
        QTest::newRow("one one-way") << 1 << 1;
        QTest::newRow("default") << 2 << 1;
        QTest::newRow("odd") << 5 << 3;
        QTest::newRow("bench") << 200 << 100;
    }
    void pipelineCount() {
        QFETCH(int, pipelines);
        QFETCH(int, channels);
        Fixture f(pipelines);
        QCOMPARE(static_cast<int>(f.cluster.pipelineIds().size()), pipelines);
        ferry::v1::Request r;
        r.mutable_list_config()->set_kind(ferry::v1::CONFIG_KIND_CHANNEL);
        QCOMPARE(f.cluster.handle(r, ferry::v1::ROLE_VIEWER).list_config().objects_size(),
                 channels);
    }

    void lagFollowsTheClock() {
        Fixture f;
        QCOMPARE(f.status(1).lag_seconds(), FakeCluster::runningLag(1, f.nowMs));
        f.nowMs += 2500;
        QCOMPARE(f.status(1).lag_seconds(), FakeCluster::runningLag(1, f.nowMs));
        QVERIFY(f.status(1).rows_per_second() > 0);

        QVERIFY(!f.action(1, ferry::v1::PIPELINE_ACTION_PAUSE).has_error());
        const double atPause = f.status(1).lag_seconds();
        f.nowMs += 4000;
        QCOMPARE(f.status(1).state(), ferry::v1::PIPELINE_STATE_PAUSED);
        QCOMPARE(f.status(1).lag_seconds(), atPause + 4.0);
        QCOMPARE(f.status(1).rows_per_second(), 0.0);
        const auto posPaused = f.status(1).position().pos();
        f.nowMs += 1000;
        QCOMPARE(f.status(1).position().pos(), posPaused);

        QVERIFY(!f.action(1, ferry::v1::PIPELINE_ACTION_RESUME).has_error());
        QCOMPARE(f.status(1).lag_seconds(), FakeCluster::runningLag(1, f.nowMs));
        f.nowMs += 1000;
        QVERIFY(f.status(1).position().pos() > posPaused);
    }

    void actionRules_data() {
        QTest::addColumn<int>("action");
        QTest::addColumn<bool>("failFirst");
        QTest::addColumn<int>("expectedError");
        QTest::addColumn<int>("expectedState");
        QTest::newRow("pause running") << int(ferry::v1::PIPELINE_ACTION_PAUSE) << false
                                       << int(ferry::v1::SERVICE_ERROR_CODE_UNSPECIFIED)
                                       << int(ferry::v1::PIPELINE_STATE_PAUSED);
        QTest::newRow("start running") << int(ferry::v1::PIPELINE_ACTION_START) << false
                                       << int(ferry::v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION)
                                       << int(ferry::v1::PIPELINE_STATE_RUNNING);
        QTest::newRow("skip running") << int(ferry::v1::PIPELINE_ACTION_SKIP) << false
                                      << int(ferry::v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION)
                                      << int(ferry::v1::PIPELINE_STATE_RUNNING);
        QTest::newRow("skip failed") << int(ferry::v1::PIPELINE_ACTION_SKIP) << true
                                     << int(ferry::v1::SERVICE_ERROR_CODE_UNSPECIFIED)
                                     << int(ferry::v1::PIPELINE_STATE_RUNNING);
        QTest::newRow("stop failed") << int(ferry::v1::PIPELINE_ACTION_STOP) << true
                                     << int(ferry::v1::SERVICE_ERROR_CODE_UNSPECIFIED)
                                     << int(ferry::v1::PIPELINE_STATE_STOPPED);
        QTest::newRow("rewind running") << int(ferry::v1::PIPELINE_ACTION_REWIND) << false
                                        << int(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT)
                                        << int(ferry::v1::PIPELINE_STATE_RUNNING);
        QTest::newRow("no action") << int(ferry::v1::PIPELINE_ACTION_UNSPECIFIED) << false
                                   << int(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT)
                                   << int(ferry::v1::PIPELINE_STATE_RUNNING);
    }
    void actionRules() {
        QFETCH(int, action);
        QFETCH(bool, failFirst);
        QFETCH(int, expectedError);
        QFETCH(int, expectedState);
        Fixture f;
        if (failFirst) {
            f.cluster.failPipeline(2, "table shop.orders has no primary key", "add one", "0-21-77");
            QCOMPARE(f.status(2).last_error().hint(), std::string("add one"));
        }
        const auto r = f.action(2, static_cast<ferry::v1::PipelineAction>(action));
        QCOMPARE(int(r.error().code()), expectedError);
        QCOMPARE(int(f.status(2).state()), expectedState);
    }

    void rewindDryRunChangesNothing() {
        Fixture f;
        QVERIFY(!f.action(1, ferry::v1::PIPELINE_ACTION_PAUSE).has_error());
        f.nowMs += 10'000;
        const auto before = f.status(1);
        ferry::v1::Request r;
        auto* a = r.mutable_pipeline_action();
        a->set_pipeline_id(1);
        a->set_action(ferry::v1::PIPELINE_ACTION_REWIND);
        a->mutable_start_position()->set_gtid_set("0-11-100");
        a->set_dry_run(true);
        const auto answer = f.cluster.handle(r, ferry::v1::ROLE_OPERATOR);
        QVERIFY(!answer.has_error());
        QVERIFY(answer.pipeline_action().plan().rows() > 0);
        QCOMPARE(answer.pipeline_action().plan().tables_size(), 3);
        QCOMPARE(f.status(1).position().pos(), before.position().pos());
    }

    void versionsAndConflicts() {
        Fixture f;
        // Create, then edit with the version read, then a stale edit.
        auto created = f.cluster.handle(putDataSource("hz-db2", 0), ferry::v1::ROLE_ADMIN);
        QVERIFY(!created.has_error());
        QCOMPARE(created.put_config().object().version(), std::uint64_t{1});
        QCOMPARE(f.cluster.handle(putDataSource("hz-db2", 0), ferry::v1::ROLE_ADMIN).error().code(),
                 ferry::v1::SERVICE_ERROR_CODE_ALREADY_EXISTS);
        QVERIFY(!f.cluster.handle(putDataSource("hz-db2", 1), ferry::v1::ROLE_ADMIN).has_error());
        const auto stale = f.cluster.handle(putDataSource("hz-db2", 1), ferry::v1::ROLE_ADMIN);
        QCOMPARE(stale.error().code(), ferry::v1::SERVICE_ERROR_CODE_CONFLICT);
        QCOMPARE(stale.error().current_version(), std::uint64_t{2});
        QVERIFY(!stale.error().hint().empty());
        // Unknown site, missing role.
        QCOMPARE(
            f.cluster.handle(putDataSource("x", 0, "eu"), ferry::v1::ROLE_ADMIN).error().code(),
            ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT);
        QCOMPARE(f.cluster.handle(putDataSource("y", 0), ferry::v1::ROLE_OPERATOR).error().code(),
                 ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED);
        // Delete with a stale version, then the right one.
        ferry::v1::Request del;
        del.mutable_delete_config()->mutable_ref()->set_kind(ferry::v1::CONFIG_KIND_DATA_SOURCE);
        del.mutable_delete_config()->mutable_ref()->set_id("hz-db2");
        del.mutable_delete_config()->set_version(1);
        QCOMPARE(f.cluster.handle(del, ferry::v1::ROLE_ADMIN).error().code(),
                 ferry::v1::SERVICE_ERROR_CODE_CONFLICT);
        del.mutable_delete_config()->set_version(2);
        QVERIFY(!f.cluster.handle(del, ferry::v1::ROLE_ADMIN).has_error());
    }

    void eventsReachListeners() {
        Fixture f;
        int configEvents = 0;
        int logEvents = 0;
        f.cluster.addListener([&](ferry::v1::Topic topic, const ferry::v1::Push&) {
            configEvents += topic == ferry::v1::TOPIC_CONFIG;
            logEvents += topic == ferry::v1::TOPIC_EVENTS;
        });
        QVERIFY(!f.cluster.handle(putDataSource("n", 0), ferry::v1::ROLE_ADMIN).has_error());
        QVERIFY(!f.action(1, ferry::v1::PIPELINE_ACTION_PAUSE).has_error());
        QCOMPARE(configEvents, 1);
        QCOMPARE(logEvents, 1);
    }
};

QTEST_GUILESS_MAIN(TestFakeCluster)
#include "tst_fake_cluster.moc"
