// SPDX-License-Identifier: Apache-2.0
#include <QtTest>

class TestMonitoring : public QObject {
    Q_OBJECT

private slots:
    void placeholder() {}
};

QTEST_MAIN(TestMonitoring)
#include "tst_monitoring.moc"
