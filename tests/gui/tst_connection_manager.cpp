// SPDX-License-Identifier: Apache-2.0
// ConnectionManager against in-process fake agents: persistence, the cluster cache, discovery of
// the other agent, reconnects, and failures reported in place.
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest>

#include "gui_test_support.h"

using ferry::client::ConnectionState;
using ferry::gui::ConnectionManager;
using ferry::gui::test::FakeWorld;

class TestConnectionManager : public QObject {
    Q_OBJECT

private slots:
    void persistsConnections() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString file = dir.filePath(QStringLiteral("console.ini"));
        QString savedId;
        {
            QSettings settings(file, QSettings::IniFormat);
            ConnectionManager manager(&settings);
            ferry::gui::ConnectionSettings s;
            s.name = QStringLiteral("hz primary");
            s.endpoint.host = QStringLiteral("hz-agent1.example");
            s.endpoint.port = 7450;
            s.endpoint.pinnedSha256 = QByteArray(32, '\x2a');
            s.endpoint.token = QStringLiteral("t0k");
            s.endpoint.cluster = QStringLiteral("prod");
            s.autoConnect = false;
            const auto id = manager.add(s);
            QVERIFY(id.ok());
            savedId = *id;
        }
        QSettings settings(file, QSettings::IniFormat);
        ConnectionManager manager(&settings);
        manager.load();
        QCOMPARE(manager.count(), 1);
        const auto& c = manager.at(0);
        QCOMPARE(c.id, savedId);
        QCOMPARE(c.settings.name, QStringLiteral("hz primary"));
        QCOMPARE(c.settings.endpoint.address(), QStringLiteral("hz-agent1.example:7450"));
        QCOMPARE(c.settings.endpoint.pinnedSha256, QByteArray(32, '\x2a'));
        QCOMPARE(c.settings.endpoint.cluster, QStringLiteral("prod"));
        QCOMPARE(c.state, ConnectionState::Disconnected);  // autoConnect off
        manager.remove(savedId);
        ConnectionManager reloaded(&settings);
        reloaded.load();
        QCOMPARE(reloaded.count(), 0);
    }

    void loadsClusterAndDiscovers() {
        FakeWorld world(4, true);
        ConnectionManager manager(nullptr);
        const auto id = manager.add(world.settingsFor(*world.hz));
        QVERIFY(id.ok());
        QTRY_COMPARE_WITH_TIMEOUT(manager.currentId(), *id, 10000);
        auto& state = manager.state();
        QTRY_COMPARE_WITH_TIMEOUT(state.topology().pipelines.size(), std::size_t{4}, 10000);
        QCOMPARE(state.cluster(), QStringLiteral("default"));
        QCOMPARE(state.topology().sites.size(), std::size_t{2});
        QTRY_VERIFY_WITH_TIMEOUT(state.status(4) != nullptr, 10000);
        // The other agent is discovered, not connected, not saved.
        QTRY_COMPARE_WITH_TIMEOUT(manager.count(), 2, 10000);
        const auto& us = manager.at(1);
        QVERIFY(us.discovered);
        QCOMPARE(us.settings.name, QStringLiteral("us-agent1"));
        QCOMPARE(us.settings.endpoint.port, world.us->port());
        QCOMPARE(us.state, ConnectionState::Disconnected);
        QCOMPARE(manager.at(0).agentId, QStringLiteral("hz-agent1"));
        QCOMPARE(manager.at(0).role, QStringLiteral("operator"));

        // Statuses keep flowing with the clock.
        world.nowMs += 60'000;
        QTRY_COMPARE_WITH_TIMEOUT(state.status(1)->lag_seconds(),
                                  ferry::testing::FakeCluster::runningLag(1, world.nowMs), 10000);

        // The agent drops us: the client fails over to the discovered agent (or back to the
        // first) on its own, and renews the subscription there.
        world.hz->dropConnections();
        QTRY_COMPARE_WITH_TIMEOUT(world.hz->subscriptionCount() + world.us->subscriptionCount(), 1,
                                  15000);
        QTRY_COMPARE_WITH_TIMEOUT(manager.at(0).state, ConnectionState::Connected, 15000);

        // A configuration change (someone else adds a pipeline) reloads the topology.
        ferry::v1::Request put;
        auto* p = put.mutable_put_config()->mutable_object()->mutable_pipeline();
        p->set_id(99);
        p->set_name("extra:hz->us");
        p->set_source("hz-db");
        p->set_target("us-db");
        QVERIFY(!world.cluster.handle(put, ferry::v1::ROLE_ADMIN).has_error());
        QTRY_VERIFY_WITH_TIMEOUT(state.pipeline(99) != nullptr, 10000);
    }

    void actionsAndRefusalsReportInPlace() {
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QSignalSpy failures(&manager, &ConnectionManager::operationFailed);
        const auto id = manager.add(world.settingsFor(*world.hz, QStringLiteral("viewer-token")));
        QVERIFY(id.ok());
        QTRY_VERIFY_WITH_TIMEOUT(manager.state().status(1) != nullptr, 10000);
        std::optional<ferry::Result<ferry::v1::Response>> answer;
        manager.pipelineAction(1, ferry::v1::PIPELINE_ACTION_PAUSE,
                               [&](ferry::Result<ferry::v1::Response> r) { answer.emplace(r); });
        QTRY_VERIFY_WITH_TIMEOUT(answer.has_value(), 10000);
        QCOMPARE(answer->error().code, ferry::ErrorCode::PermissionDenied);
        QCOMPARE(failures.count(), 0);  // the caller reports action failures itself

        const auto bad = manager.add(world.settingsFor(*world.us, QStringLiteral("wrong")));
        QVERIFY(bad.ok());
        const int row = manager.indexOf(*bad);
        QTRY_COMPARE_WITH_TIMEOUT(manager.at(row).state, ConnectionState::Refused, 10000);
        QVERIFY(manager.at(row).statusText.contains(QStringLiteral("token")));
        QCOMPARE(manager.currentId(), *id);  // a refused connection never becomes current
    }
};

QTEST_MAIN(TestConnectionManager)
#include "tst_connection_manager.moc"
