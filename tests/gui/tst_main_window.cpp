// SPDX-License-Identifier: Apache-2.0
// The main window with no agent: it shows, says what to do, has its menus and shortcuts.
#include <QAction>
#include <QDockWidget>
#include <QMenuBar>
#include <QtTest>

#include "client/connection_manager.h"
#include "widgets/main_window.h"
#include "widgets/message_bar.h"
#include "widgets/topology_view.h"

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void showsAndCloses() {
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("Ferry Console"));
        QCOMPARE(window.connectionStatusText(), QStringLiteral("No agent connection"));
        QCOMPARE(window.topologyScene().pipelineCount(), 0);
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("connectionsDock")) != nullptr);
        QVERIFY(window.findChild<QDockWidget*>(QStringLiteral("detailsDock")) != nullptr);
        QVERIFY(!window.messageBar().isVisible());
        QVERIFY(window.close());
    }

    void shortcuts_data() {
        QTest::addColumn<QKeySequence>("key");
        QTest::newRow("topology") << QKeySequence(Qt::CTRL | Qt::Key_1);
        QTest::newRow("pipelines") << QKeySequence(Qt::CTRL | Qt::Key_2);
        QTest::newRow("pause") << QKeySequence(Qt::CTRL | Qt::Key_P);
        QTest::newRow("resume") << QKeySequence(Qt::CTRL | Qt::Key_R);
        QTest::newRow("refresh") << QKeySequence(QKeySequence::Refresh);
        QTest::newRow("add connection") << QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N);
        QTest::newRow("fit") << QKeySequence(Qt::CTRL | Qt::Key_0);
        QTest::newRow("quit") << QKeySequence(Qt::CTRL | Qt::Key_Q);
    }
    void shortcuts() {
        QFETCH(QKeySequence, key);
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        int found = 0;
        for (auto* action : window.findChildren<QAction*>()) {
            found += action->shortcuts().contains(key);
        }
        QCOMPARE(found, 1);  // exactly one action: no ambiguous shortcuts
    }

    void pauseWithoutSelectionExplainsInPlace() {
        ferry::gui::ConnectionManager manager(nullptr);
        ferry::gui::MainWindow window(manager);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QTRY_VERIFY(window.messageBar().isVisible());
        QVERIFY(window.messageBar().text().contains(QStringLiteral("Select a pipeline")));
        QTest::keyClick(&window, Qt::Key_P, Qt::ControlModifier);
        QCOMPARE(window.messageBar().repeats(), 2);  // repeated, not stacked
        QVERIFY(QApplication::activeModalWidget() == nullptr);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
