// SPDX-License-Identifier: Apache-2.0
// Renders the main window against the fake agent (fixed clock, one failed pipeline so every
// state color shows) and saves PNGs: always into <build>/screenshots/, and into
// $FERRY_SCREENSHOT_DIR when set (the console-screenshots target points it at docs/screenshots).
#include <QDir>
#include <QPixmap>
#include <QTableView>
#include <QtTest>

#include "gui_test_support.h"
#include "widgets/designer/channel_designer.h"
#include "widgets/designer/design_scene.h"
#include "widgets/details_panel.h"
#include "widgets/main_window.h"
#include "widgets/topology_view.h"

using ferry::gui::TopologyModel;
using ferry::gui::test::FakeWorld;

namespace {

void save(QWidget& widget, const QString& name) {
    const QPixmap shot = widget.grab();
    QVERIFY(!shot.isNull());
    QStringList dirs{QStringLiteral(FERRY_BINARY_DIR) + QStringLiteral("/screenshots")};
    const QString extra = qEnvironmentVariable("FERRY_SCREENSHOT_DIR");
    if (!extra.isEmpty()) {
        dirs << extra;
    }
    for (const auto& dir : dirs) {
        QVERIFY(QDir().mkpath(dir));
        const QString path = dir + QLatin1Char('/') + name;
        QVERIFY2(shot.save(path, "PNG"), qPrintable(path));
        QVERIFY(QFileInfo(path).size() > 10'000);  // a real picture, not an empty frame
        qInfo("saved %s", qPrintable(path));
    }
}

}  // namespace

class TestScreenshots : public QObject {
    Q_OBJECT

private slots:
    void mainWindow() {
        FakeWorld world(4, true);
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.resize(1440, 880);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto settings = world.settingsFor(*world.hz);
        settings.name = QStringLiteral("hz-agent1 (lab)");
        QVERIFY(manager.add(settings).ok());
        // A paused and a failed pipeline, so the picture shows every state.
        world.cluster.failPipeline(4,
                                   "pipeline ch2:us->hz: table shop.order_items has no "
                                   "primary or unique key",
                                   "add one or set key_columns in its table mapping", "0-21-1042");
        QTRY_COMPARE_WITH_TIMEOUT(window.topologyScene().pipelineCount(), 4, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(manager.state().status(4) != nullptr, 10000);
        window.requestAction(3, ferry::v1::PIPELINE_ACTION_PAUSE);
        world.nowMs += 7000;
        QTRY_COMPARE_WITH_TIMEOUT(manager.state().status(3)->state(),
                                  ferry::v1::PIPELINE_STATE_PAUSED, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(manager.count(), 2, 10000);  // us-agent1 discovered
        window.topologyScene().select(TopologyModel::Kind::Pipeline, QStringLiteral("1"));
        QTRY_VERIFY(window.detailsPanel().hasPipeline());
        QTRY_VERIFY_WITH_TIMEOUT(window.topologyScene()
                                     .pipelineLabel(QStringLiteral("3"))
                                     .contains(QStringLiteral("0 rows/s")),
                                 10000);
        save(window, QStringLiteral("main-window.png"));

        window.topologyScene().select(TopologyModel::Kind::Pipeline, QStringLiteral("4"));
        QTest::keyClick(&window, Qt::Key_2, Qt::ControlModifier);
        QTRY_VERIFY(window.pipelineTable().isVisible());
        save(window, QStringLiteral("pipelines.png"));

        // The channel designer with the two-way "orders" channel selected.
        window.showDesigner();
        auto& designer = window.channelDesigner();
        QTRY_COMPARE_WITH_TIMEOUT(designer.model().channelCount(), 2, 10000);
        designer.scene().selectChannel(designer.model().keyOf(QStringLiteral("orders")));
        QTRY_VERIFY(designer.isVisible());
        save(window, QStringLiteral("channel-designer.png"));
    }
};

QTEST_MAIN(TestScreenshots)
#include "tst_screenshots.moc"
