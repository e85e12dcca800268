// SPDX-License-Identifier: Apache-2.0
// The whole console against an in-process fake agent over the real protocol: the topology view
// shows both sites and the pipelines with their lag; clicking selects and shows details;
// actions work, and refused ones explain themselves in place.
#include <QPushButton>
#include <QTableView>
#include <QtTest>

#include "gui_test_support.h"
#include "models/format.h"
#include "widgets/details_panel.h"
#include "widgets/main_window.h"
#include "widgets/message_bar.h"
#include "widgets/topology_view.h"

using ferry::gui::TopologyModel;
using ferry::gui::test::FakeWorld;

class TestConsoleFakeAgent : public QObject {
    Q_OBJECT

private slots:
    void showsTopologyWithLag() {
        FakeWorld world(2, true);
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(manager.add(world.settingsFor(*world.hz)).ok());

        auto& scene = window.topologyScene();
        QTRY_COMPARE_WITH_TIMEOUT(scene.siteTitles().size(), 2, 10000);
        QVERIFY(scene.siteTitles().at(0).startsWith(QStringLiteral("site hz")));
        QVERIFY(scene.siteTitles().at(1).startsWith(QStringLiteral("site us")));
        QCOMPARE(scene.pipelineCount(), 2);
        const QString lag =
            ferry::gui::formatLag(ferry::testing::FakeCluster::runningLag(1, world.nowMs));
        QTRY_VERIFY_WITH_TIMEOUT(scene.pipelineLabel(QStringLiteral("1")).contains(lag), 10000);
        QVERIFY(scene.pipelineLabel(QStringLiteral("1")).contains(QStringLiteral("rows/s")));
        QVERIFY(
            scene.pipelineLabel(QStringLiteral("2")).startsWith(QStringLiteral("orders:us->hz")));

        // The lag moves with the agent's clock.
        world.nowMs += 2000;
        const QString later =
            ferry::gui::formatLag(ferry::testing::FakeCluster::runningLag(1, world.nowMs));
        QVERIFY(later != lag);
        QTRY_VERIFY_WITH_TIMEOUT(scene.pipelineLabel(QStringLiteral("1")).contains(later), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(
            window.connectionStatusText().contains(QStringLiteral("hz-agent1")), 10000);

        // Clicking a data source shows its details.
        auto& view = window.topologyView();
        const QPoint ds = view.mapFromScene(
            scene.centerOf(TopologyModel::Kind::DataSource, QStringLiteral("us-db")));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, ds);
        QTRY_VERIFY(window.detailsPanel().text().startsWith(QStringLiteral("Data source us-db")));
        QVERIFY(window.detailsPanel().text().contains(QStringLiteral("mysql://ferry@us-db")));

        // Clicking a pipeline arrow selects it; Pause works from the details panel.
        const QPoint arrow =
            view.mapFromScene(scene.centerOf(TopologyModel::Kind::Pipeline, QStringLiteral("1")));
        QTest::mouseClick(view.viewport(), Qt::LeftButton, {}, arrow);
        QTRY_VERIFY(window.detailsPanel().hasPipeline());
        QCOMPARE(window.detailsPanel().pipelineId(), std::uint64_t{1});
        QVERIFY(window.detailsPanel().text().contains(QStringLiteral("shop.orders")));
        auto* pause = window.detailsPanel().findChild<QPushButton*>(
            QStringLiteral("action_PIPELINE_ACTION_PAUSE"));
        QVERIFY(pause != nullptr && pause->isEnabled());
        pause->click();
        QTRY_COMPARE_WITH_TIMEOUT(manager.state().status(1)->state(),
                                  ferry::v1::PIPELINE_STATE_PAUSED, 10000);
        QTRY_VERIFY(window.detailsPanel().text().contains(QStringLiteral("paused")));

        // Pausing again is refused by the agent: the reason shows in the message bar, no dialog.
        window.requestAction(1, ferry::v1::PIPELINE_ACTION_PAUSE);
        QTRY_VERIFY_WITH_TIMEOUT(window.messageBar().isVisible(), 10000);
        QVERIFY2(window.messageBar().text().contains(QStringLiteral("is not running")),
                 qPrintable(window.messageBar().text()));
        QVERIFY(QApplication::activeModalWidget() == nullptr);

        // The pipeline table lists both with their state.
        auto& table = window.pipelineTable();
        QCOMPARE(table.model()->rowCount(), 2);
    }

    void manyPipelines() {
        FakeWorld world(200, true, std::chrono::milliseconds(200));
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.show();
        QVERIFY(manager.add(world.settingsFor(*world.hz)).ok());
        QTRY_COMPARE_WITH_TIMEOUT(window.topologyScene().pipelineCount(), 200, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(window.topologyScene()
                                     .pipelineLabel(QStringLiteral("200"))
                                     .contains(QStringLiteral("rows/s")),
                                 20000);
        QCOMPARE(window.pipelineTable().model()->rowCount(), 200);
    }
};

QTEST_MAIN(TestConsoleFakeAgent)
#include "tst_console_fake_agent.moc"
