// SPDX-License-Identifier: Apache-2.0
#include <QLabel>
#include <QMenuBar>
#include <QtTest>

#include "widgets/main_window.h"

class TestMainWindow : public QObject {
    Q_OBJECT

private slots:
    void showsAndCloses() {
        ferry::gui::MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QCOMPARE(window.windowTitle(), QStringLiteral("Ferry Console"));
        QVERIFY(window.findChild<QLabel*>(QStringLiteral("emptyState")) != nullptr);
        QVERIFY(!window.menuBar()->actions().isEmpty());
        QVERIFY(window.close());
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
