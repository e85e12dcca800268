// SPDX-License-Identifier: Apache-2.0
// The console's item models under QAbstractItemModelTester: topology resets, status updates,
// connections added and removed; plus what they show.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QtTest>

#include "gui_test_support.h"
#include "models/connection_list_model.h"
#include "models/format.h"
#include "models/pipeline_status_model.h"
#include "models/topology_model.h"

using ferry::gui::ClusterState;
using ferry::gui::PipelineStatusModel;
using ferry::gui::TopologyModel;
using ferry::gui::test::FakeWorld;

namespace {

constexpr auto kFatal = QAbstractItemModelTester::FailureReportingMode::Fatal;

void pushStatuses(FakeWorld& world, ClusterState& state) {
    state.updateStatuses(world.cluster.statuses({}));
}

}  // namespace

class TestGuiModels : public QObject {
    Q_OBJECT

private slots:
    void formats_data() {
        QTest::addColumn<double>("lag");
        QTest::addColumn<QString>("text");
        QTest::newRow("sub-second") << 0.314 << "0.31 s";
        QTest::newRow("seconds") << 12.4 << "12 s";
        QTest::newRow("minutes") << 184.0 << "3 min 04 s";
        QTest::newRow("hours") << 7500.0 << "2 h 05 min";
        QTest::newRow("negative") << -1.0 << "–";
    }
    void formats() {
        QFETCH(double, lag);
        QFETCH(QString, text);
        QCOMPARE(ferry::gui::formatLag(lag), text);
    }

    void topologyTree() {
        FakeWorld world(4);
        ClusterState state;
        TopologyModel model(state);
        QAbstractItemModelTester tester(&model, kFatal);
        QCOMPARE(model.rowCount(), 0);
        state.setTopology(world.topology());
        QCOMPARE(model.rowCount(), 2);
        const QModelIndex hz = model.index(0, 0);
        QCOMPARE(hz.data(TopologyModel::IdRole).toString(), QStringLiteral("hz"));
        QCOMPARE(hz.data().toString(), QStringLiteral("hz (Hangzhou)"));
        QCOMPARE(model.rowCount(hz), 2);  // hz-agent1, hz-db
        const QModelIndex hzDb =
            model.find(TopologyModel::Kind::DataSource, QStringLiteral("hz-db"));
        QVERIFY(hzDb.isValid());
        QCOMPARE(model.parent(hzDb), hz);
        QCOMPARE(model.rowCount(hzDb), 2);  // pipelines 1 and 3 read from hz-db
        const QModelIndex p1 = model.find(TopologyModel::Kind::Pipeline, QStringLiteral("1"));
        QCOMPARE(p1.data().toString(), QStringLiteral("orders:hz->us"));
        QCOMPARE(p1.data(TopologyModel::TargetRole).toString(), QStringLiteral("us-db"));
        QCOMPARE(p1.data(TopologyModel::LabelRole).toString(), QStringLiteral("no status yet"));

        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        pushStatuses(world, state);
        QVERIFY(changed.count() >= 4);
        const double lag = ferry::testing::FakeCluster::runningLag(1, world.nowMs);
        QCOMPARE(p1.data(TopologyModel::LagRole).toDouble(), lag);
        QVERIFY(
            p1.data(TopologyModel::LabelRole).toString().startsWith(ferry::gui::formatLag(lag)));
        QCOMPARE(p1.sibling(p1.row(), TopologyModel::StateColumn).data().toString(),
                 QStringLiteral("running"));

        // The topology shrinks: the model resets cleanly.
        FakeWorld smaller(1);
        state.setTopology(smaller.topology());
        QVERIFY(!model.find(TopologyModel::Kind::Pipeline, QStringLiteral("3")).isValid());
        state.clear();
        QCOMPARE(model.rowCount(), 0);
    }

    void pipelineTable() {
        FakeWorld world(6);
        ClusterState state;
        PipelineStatusModel model(state);
        QAbstractItemModelTester tester(&model, kFatal);
        state.setTopology(world.topology());
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.index(0, PipelineStatusModel::StateColumn).data().toString(),
                 QStringLiteral("unknown"));
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        pushStatuses(world, state);
        QCOMPARE(changed.count(), 1);  // one contiguous run of rows
        QCOMPARE(model.index(0, PipelineStatusModel::NameColumn).data().toString(),
                 QStringLiteral("orders:hz->us"));
        QCOMPARE(model.index(4, PipelineStatusModel::NameColumn).data().toString(),
                 QStringLiteral("ch3:hz->us"));
        QVERIFY(model.index(1, PipelineStatusModel::RowsColumn)
                    .data()
                    .toString()
                    .endsWith(QStringLiteral("rows/s")));

        world.cluster.failPipeline(2, "table shop.orders has no primary key",
                                   "add one or set key_columns", "0-21-9");
        pushStatuses(world, state);
        const int row = model.rowOf(2);
        QCOMPARE(model.index(row, PipelineStatusModel::StateColumn).data().toString(),
                 QStringLiteral("failed"));
        QCOMPARE(model.index(row, PipelineStatusModel::ErrorColumn).data().toString(),
                 QStringLiteral("table shop.orders has no primary key"));
        QVERIFY(model.index(row, PipelineStatusModel::ErrorColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("key_columns")));
        // Lag sorts by value.
        QVERIFY(model.index(row, PipelineStatusModel::LagColumn)
                    .data(PipelineStatusModel::SortRole)
                    .canConvert<double>());
    }

    void connectionList() {
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::ConnectionListModel model(manager);
        QAbstractItemModelTester tester(&model, kFatal);
        ferry::gui::ConnectionSettings s;
        s.endpoint.host = QStringLiteral("127.0.0.1");
        s.endpoint.port = 1;  // nothing listens; the connection stays in error
        s.endpoint.plainTcp = true;
        s.autoConnect = false;
        s.name = QStringLiteral("lab");
        const auto id = manager.add(s);
        QVERIFY(id.ok());
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.index(0, 0).data().toString(), QStringLiteral("lab"));
        QCOMPARE(model.index(0, 1).data().toString(), QStringLiteral("127.0.0.1:1"));
        s.endpoint.port = 0;
        QVERIFY(!manager.add(s).ok());  // invalid endpoints are not added
        QCOMPARE(model.rowCount(), 1);
        manager.connectTo(*id);
        QTRY_COMPARE_WITH_TIMEOUT(
            model.index(0, 0).data(ferry::gui::ConnectionListModel::StateRole).toInt(),
            int(ferry::client::ConnectionState::Error), 10000);
        QVERIFY(model.index(0, 2).data().toString().contains(QStringLiteral("retrying")));
        manager.remove(*id);
        QCOMPARE(model.rowCount(), 0);
    }
};

QTEST_MAIN(TestGuiModels)
#include "tst_gui_models.moc"
