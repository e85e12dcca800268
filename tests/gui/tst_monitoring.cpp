// SPDX-License-Identifier: Apache-2.0
// Pipeline monitoring against an in-process fake agent over the real protocol: the metric
// history model asks for each metric's history, switches ranges and pipelines, and follows the
// live statuses; the charts draw what the model holds, in sensible units; the details panel
// shows the charts of the selected pipeline.
#include <QToolButton>
#include <QtTest>

#include <algorithm>
#include <cmath>

#include "gui_test_support.h"
#include "models/metric_history_model.h"
#include "widgets/charts/chart_units.h"
#include "widgets/charts/latency_chart.h"
#include "widgets/charts/pipeline_charts.h"
#include "widgets/charts/throughput_chart.h"
#include "widgets/details_panel.h"

using ferry::gui::ConnectionManager;
using ferry::gui::MetricHistoryModel;
using ferry::gui::test::FakeWorld;
using ferry::testing::FakeCluster;
using Metric = MetricHistoryModel::Metric;
using Range = MetricHistoryModel::Range;

Q_DECLARE_METATYPE(MetricHistoryModel::Range)

namespace {

// Connects `manager` to the world's hz agent and waits for the topology and first statuses.
bool connectToFake(FakeWorld& world, ConnectionManager& manager) {
    if (!manager.add(world.settingsFor(*world.hz)).ok()) {
        return false;
    }
    return QTest::qWaitFor(
        [&] {
            return manager.state().pipeline(1) != nullptr && manager.state().status(1) != nullptr;
        },
        10000);
}

bool waitLoaded(const MetricHistoryModel& model) {
    return QTest::qWaitFor([&] { return !model.isLoading(); }, 10000);
}

double fakeValue(Metric metric, std::uint64_t pipeline, qint64 t) {
    switch (metric) {
        case Metric::Lag:
            return FakeCluster::runningLag(pipeline, t);
        case Metric::Rows:
            return FakeCluster::runningRows(pipeline, t);
        case Metric::Bytes:
            return FakeCluster::runningRows(pipeline, t) * 180.0;
    }
    return 0;
}

}  // namespace

class TestMonitoring : public QObject {
    Q_OBJECT

private slots:
    void asksForEachMetricsHistory() {
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QVERIFY(connectToFake(world, manager));
        MetricHistoryModel model(manager);
        QSignalSpy resets(&model, &MetricHistoryModel::reset);
        const auto before = world.hz->requestsServed();
        model.setPipeline(1);
        QVERIFY(model.isLoading());
        QVERIFY(waitLoaded(model));
        QCOMPARE(world.hz->requestsServed() - before, 3u);
        QVERIFY(model.errorText().isEmpty());
        QCOMPARE(model.stepSeconds(), 1);
        QCOMPARE(resets.count(), 4);  // cleared, then one per metric's answer
        for (const Metric metric : {Metric::Lag, Metric::Rows, Metric::Bytes}) {
            const auto& points = model.points(metric);
            QCOMPARE(points.size(), std::size_t{301});
            QCOMPARE(points.front().timeMs, world.nowMs - 300'000);
            QCOMPARE(points.back().timeMs, world.nowMs);
            for (const auto& p : points) {
                QCOMPARE(p.value, fakeValue(metric, 1, p.timeMs));
            }
        }
        QCOMPARE(model.latestMs(), world.nowMs);
    }

    void switchesRanges_data() {
        QTest::addColumn<Range>("range");
        QTest::addColumn<int>("step");
        QTest::addColumn<int>("span");
        QTest::addColumn<QString>("format");
        QTest::newRow("5 min") << Range::FiveMinutes << 1 << 300 << QStringLiteral("HH:mm:ss");
        QTest::newRow("1 h") << Range::OneHour << 10 << 3600 << QStringLiteral("HH:mm");
        QTest::newRow("24 h") << Range::TwentyFourHours << 300 << 86400 << QStringLiteral("HH:mm");
    }

    void switchesRanges() {
        QFETCH(Range, range);
        QFETCH(int, step);
        QFETCH(int, span);
        QFETCH(QString, format);
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QVERIFY(connectToFake(world, manager));
        MetricHistoryModel model(manager);
        ferry::gui::PipelineCharts charts(model);
        model.setPipeline(1);
        QVERIFY(waitLoaded(model));
        // Through the range buttons, as a user would.
        const char* names[] = {"range_5m", "range_1h", "range_24h"};
        auto* button =
            charts.findChild<QToolButton*>(QString::fromLatin1(names[static_cast<int>(range)]));
        QVERIFY(button != nullptr);
        if (range == Range::FiveMinutes) {
            // Already there: go away and back so the click reloads.
            charts.findChild<QToolButton*>(QStringLiteral("range_1h"))->click();
            QVERIFY(waitLoaded(model));
        }
        const auto before = world.hz->requestsServed();
        button->click();
        QCOMPARE(model.range(), range);
        QVERIFY(button->isChecked());
        QVERIFY(model.isLoading());
        QCOMPARE(charts.statusText(), QStringLiteral("loading history…"));
        QVERIFY(waitLoaded(model));
        QCOMPARE(world.hz->requestsServed() - before, 3u);
        QVERIFY(charts.statusText().isEmpty());
        QCOMPARE(model.stepSeconds(), step);
        const auto& lag = model.points(Metric::Lag);
        QCOMPARE(lag.size(), static_cast<std::size_t>(span / step + 1));
        QCOMPARE(lag.front().timeMs, world.nowMs - span * 1000LL);
        for (std::size_t i = 1; i < lag.size(); ++i) {
            QCOMPARE(lag[i].timeMs - lag[i - 1].timeMs, step * 1000LL);
        }
        auto& chart = charts.latencyChart();
        QCOMPARE(chart.axisEndMs(), world.nowMs);
        QCOMPARE(chart.axisStartMs(), world.nowMs - span * 1000LL);
        QCOMPARE(chart.timeFormat(), format);
        QCOMPARE(chart.lagPoints().size(), static_cast<qsizetype>(lag.size()));
    }

    void chartsDrawHistoryAndLiveUpdates() {
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QVERIFY(connectToFake(world, manager));
        MetricHistoryModel model(manager);
        ferry::gui::PipelineCharts charts(model);
        model.setPipeline(1);
        QVERIFY(waitLoaded(model));

        // History: lag below a second is drawn in ms, rows as rows/s, bytes in KiB/s.
        auto& latency = charts.latencyChart();
        auto& throughput = charts.throughputChart();
        QCOMPARE(latency.scale().unit, QStringLiteral("ms"));
        QCOMPARE(latency.valueAxisTitle(), QStringLiteral("Lag (ms)"));
        QCOMPARE(throughput.rowAxisTitle(), QStringLiteral("Rows (rows/s)"));
        QCOMPARE(throughput.byteAxisTitle(), QStringLiteral("Bytes (KiB/s)"));
        const auto lag = latency.lagPoints();
        QCOMPARE(lag.size(), 301);
        for (const auto& p : lag) {
            const auto t = static_cast<qint64>(p.x());
            QVERIFY(qFuzzyCompare(p.y(), FakeCluster::runningLag(1, t) * 1000.0));
        }
        const auto rows = throughput.rowPoints();
        QCOMPARE(rows.size(), 301);
        QVERIFY(qFuzzyCompare(rows.back().y(), FakeCluster::runningRows(1, world.nowMs)));
        QVERIFY(qFuzzyCompare(throughput.bytePoints().back().y(),
                              FakeCluster::runningRows(1, world.nowMs) * 180.0 / 1024.0));

        // Live: a status one second later is a new 1 s point; the window slides.
        const qint64 start = world.nowMs;
        QSignalSpy updates(&model, &MetricHistoryModel::updated);
        world.nowMs += 1000;
        QTRY_COMPARE_WITH_TIMEOUT(model.latestMs(), world.nowMs, 10000);
        QVERIFY(updates.count() >= 1);
        const auto live = latency.lagPoints();
        QCOMPARE(live.size(), 301);
        QCOMPARE(static_cast<qint64>(live.back().x()), world.nowMs);
        QVERIFY(qFuzzyCompare(live.back().y(), FakeCluster::runningLag(1, world.nowMs) * 1000.0));
        QCOMPARE(static_cast<qint64>(live.front().x()), start - 299'000);
        QCOMPARE(latency.axisEndMs(), world.nowMs);
        QVERIFY(qFuzzyCompare(throughput.rowPoints().back().y(),
                              FakeCluster::runningRows(1, world.nowMs)));

        // Ten seconds of one-second statuses each add one point.
        for (int i = 0; i < 10; ++i) {
            world.nowMs += 1000;
            QTRY_COMPARE_WITH_TIMEOUT(model.latestMs(), world.nowMs, 10000);
        }
        QCOMPARE(latency.lagPoints().size(), 301);
        QCOMPARE(static_cast<qint64>(latency.lagPoints().front().x()), start - 289'000);

        // 1 h: a status within the newest 10 s step merges into it, lag as the maximum and rates
        // as the mean.
        charts.findChild<QToolButton*>(QStringLiteral("range_1h"))->click();
        QVERIFY(waitLoaded(model));
        const qint64 end = world.nowMs;
        const std::size_t count = model.points(Metric::Lag).size();
        world.nowMs += 1000;
        QTRY_COMPARE_WITH_TIMEOUT(model.latestMs(), world.nowMs, 10000);
        QCOMPARE(model.points(Metric::Lag).size(), count);
        QCOMPARE(model.points(Metric::Lag).back().timeMs, end);
        QCOMPARE(model.points(Metric::Lag).back().value,
                 std::max(FakeCluster::runningLag(1, end), FakeCluster::runningLag(1, end + 1000)));
        QVERIFY(qFuzzyCompare(
            model.points(Metric::Rows).back().value,
            (FakeCluster::runningRows(1, end) + FakeCluster::runningRows(1, end + 1000)) / 2));
        QVERIFY(qFuzzyCompare(latency.lagPoints().back().y(),
                              model.points(Metric::Lag).back().value * 1000.0));
        // The next step starts a new point.
        world.nowMs = end + 10'000;
        QTRY_COMPARE_WITH_TIMEOUT(model.latestMs(), world.nowMs, 10000);
        QCOMPARE(model.points(Metric::Lag).back().timeMs, end + 10'000);
        QCOMPARE(model.points(Metric::Lag).size(), count);  // and the oldest one goes
    }

    void liveStatusesAggregateIntoSteps() {
        // No connection: history fails, live statuses still draw.
        ConnectionManager manager(nullptr);
        MetricHistoryModel model(manager);
        model.setRange(Range::OneHour);
        model.setPipeline(7);
        QVERIFY(waitLoaded(model));
        QVERIFY(model.errorText().contains(QStringLiteral("no agent connection")));
        const qint64 base = 1'764'057'600'000;
        const struct {
            qint64 at;
            double lag;
            double rows;
            ferry::v1::PipelineState state;
        } statuses[] = {
            {base + 1000, 2.0, 10, ferry::v1::PIPELINE_STATE_RUNNING},
            {base + 2000, 5.0, 20, ferry::v1::PIPELINE_STATE_RUNNING},
            {base + 2000, 9.0, 99, ferry::v1::PIPELINE_STATE_RUNNING},  // not newer: ignored
            {base + 3000, 1.0, 30, ferry::v1::PIPELINE_STATE_PAUSED},
            {base + 4000, 50.0, 0, ferry::v1::PIPELINE_STATE_STOPPED},  // no reading
            {base + 12'000, 3.0, 40, ferry::v1::PIPELINE_STATE_RUNNING},
            {base + 35'000, 4.0, 50, ferry::v1::PIPELINE_STATE_FAILED},
        };
        for (const auto& s : statuses) {
            ferry::v1::PipelineStatus status;
            status.set_pipeline_id(7);
            status.set_state(s.state);
            status.set_lag_seconds(s.lag);
            status.set_rows_per_second(s.rows);
            status.set_bytes_per_second(s.rows * 100);
            status.set_updated_unix_ms(s.at);
            manager.state().updateStatuses({status});
        }
        const auto& lag = model.points(Metric::Lag);
        const auto& rows = model.points(Metric::Rows);
        QCOMPARE(lag.size(), std::size_t{3});
        QCOMPARE(lag[0].timeMs, base);
        QCOMPARE(lag[0].value, 5.0);
        QCOMPARE(rows[0].value, 20.0);
        QCOMPARE(lag[1].timeMs, base + 10'000);
        QCOMPARE(lag[1].value, 3.0);
        QCOMPARE(lag[2].timeMs, base + 30'000);  // a gap of one step, on the same grid
        QCOMPARE(rows[2].value, 50.0);
        QCOMPARE(model.points(Metric::Bytes)[0].value, 2000.0);
        QCOMPARE(model.latestMs(), base + 35'000);
        // Other pipelines do not leak in.
        ferry::v1::PipelineStatus other;
        other.set_pipeline_id(8);
        other.set_state(ferry::v1::PIPELINE_STATE_RUNNING);
        other.set_updated_unix_ms(base + 60'000);
        manager.state().updateStatuses({other});
        QCOMPARE(model.latestMs(), base + 35'000);
    }

    void switchesPipelines() {
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QVERIFY(connectToFake(world, manager));
        MetricHistoryModel model(manager);
        ferry::gui::LatencyChart chart(model);
        model.setPipeline(1);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.points(Metric::Lag).back().value, FakeCluster::runningLag(1, world.nowMs));
        // A quick change: the answers for pipeline 1 that may still come are not shown.
        model.setPipeline(2);
        model.setRange(Range::OneHour);
        model.setPipeline(1);
        model.setPipeline(2);
        QVERIFY(waitLoaded(model));
        QCOMPARE(model.stepSeconds(), 10);
        for (const auto& p : model.points(Metric::Lag)) {
            QCOMPARE(p.value, FakeCluster::runningLag(2, p.timeMs));
        }
        QVERIFY(qFuzzyCompare(chart.lagPoints().back().y(),
                              FakeCluster::runningLag(2, world.nowMs) * 1000.0));
        // Live statuses of pipeline 2 only.
        world.nowMs += 10'000;
        QTRY_COMPARE_WITH_TIMEOUT(model.latestMs(), world.nowMs, 10000);
        QCOMPARE(model.points(Metric::Lag).back().value, FakeCluster::runningLag(2, world.nowMs));
        // Unknown pipelines say so.
        model.setPipeline(99);
        QVERIFY(waitLoaded(model));
        QVERIFY(model.errorText().contains(QStringLiteral("99")));
        QVERIFY(model.points(Metric::Lag).empty());
        QVERIFY(chart.lagPoints().isEmpty());
        // Nothing selected clears.
        model.setPipeline(0);
        QVERIFY(!model.isLoading());
        QVERIFY(model.errorText().isEmpty());
        QVERIFY(model.points(Metric::Rows).empty());
    }

    void detailsPanelShowsChartsOfTheSelectedPipeline() {
        FakeWorld world(2, true);
        ConnectionManager manager(nullptr);
        QVERIFY(connectToFake(world, manager));
        ferry::gui::DetailsPanel panel(manager.state());
        panel.resize(420, 800);
        QVERIFY(panel.charts() == nullptr);
        panel.enableMonitoring(manager);
        auto* charts = panel.charts();
        QVERIFY(charts != nullptr);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        QVERIFY(!charts->isVisible());

        panel.showObject(ferry::gui::TopologyModel::Kind::Pipeline, QStringLiteral("2"));
        QVERIFY(charts->isVisible());
        QCOMPARE(panel.metricModel()->pipelineId(), std::uint64_t{2});
        QVERIFY(waitLoaded(*panel.metricModel()));
        const auto lag = charts->latencyChart().lagPoints();
        QCOMPARE(lag.size(), 301);
        QVERIFY(qFuzzyCompare(lag.back().y(), FakeCluster::runningLag(2, world.nowMs) * 1000.0));
        QVERIFY(charts->latencyChart().height() > 100);

        // Status pushes re-render the panel without reloading the history.
        const auto before = world.hz->requestsServed();
        world.nowMs += 1000;
        QTRY_COMPARE_WITH_TIMEOUT(panel.metricModel()->latestMs(), world.nowMs, 10000);
        QCOMPARE(world.hz->requestsServed(), before);
        QCOMPARE(charts->latencyChart().lagPoints().size(), 301);

        panel.showObject(ferry::gui::TopologyModel::Kind::Pipeline, QStringLiteral("1"));
        QVERIFY(waitLoaded(*panel.metricModel()));
        QVERIFY(qFuzzyCompare(charts->throughputChart().rowPoints().back().y(),
                              FakeCluster::runningRows(1, world.nowMs)));

        panel.showObject(ferry::gui::TopologyModel::Kind::Site, QStringLiteral("hz"));
        QVERIFY(!charts->isVisible());
        QCOMPARE(panel.metricModel()->pipelineId(), std::uint64_t{0});
        QVERIFY(charts->latencyChart().lagPoints().isEmpty());
    }

    void axisUnits_data() {
        QTest::addColumn<int>("kind");  // 0 lag, 1 rows, 2 bytes
        QTest::addColumn<double>("largest");
        QTest::addColumn<double>("divisor");
        QTest::addColumn<QString>("unit");
        QTest::newRow("lag 0") << 0 << 0.0 << 0.001 << QStringLiteral("ms");
        QTest::newRow("lag 0.4 s") << 0 << 0.4 << 0.001 << QStringLiteral("ms");
        QTest::newRow("lag 1 s") << 0 << 1.0 << 1.0 << QStringLiteral("s");
        QTest::newRow("lag 90 s") << 0 << 90.0 << 1.0 << QStringLiteral("s");
        QTest::newRow("lag 10 min") << 0 << 600.0 << 60.0 << QStringLiteral("min");
        QTest::newRow("lag 3 h") << 0 << 10800.0 << 3600.0 << QStringLiteral("h");
        QTest::newRow("rows 900") << 1 << 900.0 << 1.0 << QStringLiteral("rows/s");
        QTest::newRow("rows 50k") << 1 << 5e4 << 1e3 << QStringLiteral("thousand rows/s");
        QTest::newRow("rows 20M") << 1 << 2e7 << 1e6 << QStringLiteral("million rows/s");
        QTest::newRow("bytes 500") << 2 << 500.0 << 1.0 << QStringLiteral("B/s");
        QTest::newRow("bytes 160k") << 2 << 160e3 << 1024.0 << QStringLiteral("KiB/s");
        QTest::newRow("bytes 30M") << 2 << 30e6 << 1048576.0 << QStringLiteral("MiB/s");
        QTest::newRow("bytes 2G") << 2 << 2e9 << 1073741824.0 << QStringLiteral("GiB/s");
    }

    void axisUnits() {
        QFETCH(int, kind);
        QFETCH(double, largest);
        QFETCH(double, divisor);
        QFETCH(QString, unit);
        const auto scale = kind == 0   ? ferry::gui::lagScale(largest)
                           : kind == 1 ? ferry::gui::rowsScale(largest)
                                       : ferry::gui::bytesScale(largest);
        QCOMPARE(scale.divisor, divisor);
        QCOMPARE(scale.unit, unit);
    }
};

QTEST_MAIN(TestMonitoring)
#include "tst_monitoring.moc"
