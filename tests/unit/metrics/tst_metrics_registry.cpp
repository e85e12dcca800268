// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "ferry/metrics/registry.h"

namespace ferry::metrics {
namespace {

TEST(MetricsRegistry, RendersTheTextExpositionFormat) {
    Registry registry;
    registry.declare("ferry_pipeline_rows_total", MetricType::Counter, "Rows applied.");
    registry.declare("ferry_pipeline_lag_seconds", MetricType::Gauge, "Lag from the heartbeat.");
    registry.series("ferry_pipeline_rows_total", {{"pipeline", "orders:hz->us"}, {"table", "a.b"}})
        .add(3);
    registry.series("ferry_pipeline_rows_total", {{"pipeline", "orders:hz->us"}, {"table", "a.b"}})
        .add(4);
    registry.series("ferry_pipeline_lag_seconds", {{"pipeline", "orders:hz->us"}}).set(0.125);

    EXPECT_EQ(registry.renderText(),
              "# HELP ferry_pipeline_lag_seconds Lag from the heartbeat.\n"
              "# TYPE ferry_pipeline_lag_seconds gauge\n"
              "ferry_pipeline_lag_seconds{pipeline=\"orders:hz->us\"} 0.125\n"
              "# HELP ferry_pipeline_rows_total Rows applied.\n"
              "# TYPE ferry_pipeline_rows_total counter\n"
              "ferry_pipeline_rows_total{pipeline=\"orders:hz->us\",table=\"a.b\"} 7\n");
}

TEST(MetricsRegistry, EscapesLabelValuesAndSkipsInvalidNames) {
    Registry registry;
    registry.declare("9bad", MetricType::Gauge, "never rendered");
    registry.series("ferry_x", {{"table", "we\"ird\\na\nme"}}).set(1);
    registry.series("9bad").set(1);
    const std::string text = registry.renderText();
    EXPECT_NE(text.find("ferry_x{table=\"we\\\"ird\\\\na\\nme\"} 1\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("9bad"), std::string::npos) << text;
}

TEST(MetricsRegistry, RemovesTheSeriesOfADeletedPipeline) {
    Registry registry;
    registry.series("ferry_pipeline_lag_seconds", {{"pipeline", "a"}}).set(1);
    registry.series("ferry_pipeline_lag_seconds", {{"pipeline", "b"}}).set(2);
    registry.removeSeries("pipeline", "a");
    const std::string text = registry.renderText();
    EXPECT_EQ(text.find("pipeline=\"a\""), std::string::npos);
    EXPECT_NE(text.find("pipeline=\"b\"} 2"), std::string::npos);
}

TEST(MetricsRegistry, ConcurrentAddsAreNotLost) {
    Registry registry;
    Series& series = registry.series("ferry_pipeline_rows_total");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 100000; ++i) {
                series.add(1);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(series.value(), 400000.0);
}

}  // namespace
}  // namespace ferry::metrics
