// SPDX-License-Identifier: Apache-2.0
#include <QtTest>

class TestChannelDesigner : public QObject {
    Q_OBJECT

private slots:
    void placeholder() {}
};

QTEST_MAIN(TestChannelDesigner)
#include "tst_channel_designer.moc"
