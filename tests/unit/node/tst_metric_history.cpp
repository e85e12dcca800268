// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "ferry/node/metric_history.h"

namespace ferry::node {
namespace {

constexpr std::int64_t kStart = 1'764'057'600'000;  // 2025-11-25T08:00:00Z, a 5-minute boundary

class MetricHistoryTest : public ::testing::Test {
protected:
    std::int64_t m_now = kStart;
    MetricHistory m_history{[this] { return m_now; }};

    // One sample a second for `seconds` seconds; values from `f(second)`.
    template <typename F>
    void recordSeconds(std::uint64_t id, int seconds, F f) {
        for (int s = 0; s < seconds; ++s) {
            m_history.record(id, f(s));
            m_now += 1000;
        }
        m_now -= 1000;  // the clock stays on the last sample
    }
};

TEST_F(MetricHistoryTest, FiveMinutesKeepsEverySecond) {
    recordSeconds(7, 10, [](int s) { return MetricValues{0.5 + s, 100.0 * s, 1000.0 * s}; });
    const auto lag = m_history.series(7, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_TRUE(lag.has_value());
    EXPECT_EQ(lag->stepSeconds, 1u);
    ASSERT_EQ(lag->points.size(), 10u);
    for (int s = 0; s < 10; ++s) {
        const auto& p = lag->points[static_cast<std::size_t>(s)];
        EXPECT_EQ(p.timeUnixMs, kStart + s * 1000);
        EXPECT_DOUBLE_EQ(p.mean, 0.5 + s);
        EXPECT_DOUBLE_EQ(p.max, 0.5 + s);
        EXPECT_EQ(p.samples, 1u);
    }
    const auto bytes = m_history.series(7, MetricKind::BytesPerSecond, MetricSpan::FiveMinutes);
    ASSERT_EQ(bytes->points.size(), 10u);
    EXPECT_DOUBLE_EQ(bytes->points.back().mean, 9000.0);
}

TEST_F(MetricHistoryTest, WindowSlidesAndRingsStayBounded) {
    recordSeconds(1, 400, [](int s) { return MetricValues{double(s), 0, 0}; });
    const auto fine = m_history.series(1, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_EQ(fine->points.size(), 300u);
    EXPECT_EQ(fine->points.front().timeUnixMs, kStart + 100'000);
    EXPECT_DOUBLE_EQ(fine->points.front().mean, 100.0);
    EXPECT_EQ(fine->points.back().timeUnixMs, kStart + 399'000);
    for (std::size_t i = 1; i < fine->points.size(); ++i) {
        EXPECT_EQ(fine->points[i].timeUnixMs - fine->points[i - 1].timeUnixMs, 1000);
    }
}

TEST_F(MetricHistoryTest, TenSecondStepsKeepMeanAndMax) {
    // 0..9 in the first step, 10..19 in the second, and so on.
    recordSeconds(3, 30, [](int s) { return MetricValues{double(s % 10), double(s), 0}; });
    const auto lag = m_history.series(3, MetricKind::Lag, MetricSpan::OneHour);
    ASSERT_TRUE(lag.has_value());
    EXPECT_EQ(lag->stepSeconds, 10u);
    ASSERT_EQ(lag->points.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(lag->points[i].timeUnixMs, kStart + static_cast<std::int64_t>(i) * 10'000);
        EXPECT_DOUBLE_EQ(lag->points[i].mean, 4.5);
        EXPECT_DOUBLE_EQ(lag->points[i].max, 9.0);
        EXPECT_EQ(lag->points[i].samples, 10u);
    }
    const auto rows = m_history.series(3, MetricKind::RowsPerSecond, MetricSpan::OneHour);
    EXPECT_DOUBLE_EQ(rows->points[1].mean, 14.5);
    EXPECT_DOUBLE_EQ(rows->points[1].max, 19.0);
}

TEST_F(MetricHistoryTest, DayKeepsFiveMinuteStepsForTwentyFourHours) {
    const int seconds = 25 * 3600;
    recordSeconds(2, seconds, [](int s) { return MetricValues{double(s / 300), 1, 2}; });
    const auto day = m_history.series(2, MetricKind::Lag, MetricSpan::TwentyFourHours);
    ASSERT_TRUE(day.has_value());
    EXPECT_EQ(day->stepSeconds, 300u);
    ASSERT_EQ(day->points.size(), 288u);
    const std::int64_t lastStep = (seconds - 1) / 300;
    EXPECT_EQ(day->points.back().timeUnixMs, kStart + lastStep * 300'000);
    EXPECT_EQ(day->points.front().timeUnixMs, kStart + (lastStep - 287) * 300'000);
    EXPECT_DOUBLE_EQ(day->points.front().max, double(lastStep - 287));
    EXPECT_EQ(day->points.front().samples, 300u);
    const auto hour = m_history.series(2, MetricKind::Lag, MetricSpan::OneHour);
    EXPECT_EQ(hour->points.size(), 360u);
}

TEST_F(MetricHistoryTest, MissedSecondsAreGaps) {
    m_history.record(4, {1, 1, 1});
    m_now += 5000;
    m_history.record(4, {2, 2, 2});
    const auto lag = m_history.series(4, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_EQ(lag->points.size(), 2u);
    EXPECT_EQ(lag->points[1].timeUnixMs - lag->points[0].timeUnixMs, 5000);
    // Much later, the old samples are out of every window that no longer covers them.
    m_now += 400'000;
    EXPECT_TRUE(m_history.series(4, MetricKind::Lag, MetricSpan::FiveMinutes)->points.empty());
    EXPECT_EQ(m_history.series(4, MetricKind::Lag, MetricSpan::OneHour)->points.size(), 1u);
}

TEST_F(MetricHistoryTest, TwoSamplesInOneSecondAreMerged) {
    m_history.record(5, {1, 10, 0});
    m_now += 400;
    m_history.record(5, {3, 30, 0});
    const auto lag = m_history.series(5, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_EQ(lag->points.size(), 1u);
    EXPECT_DOUBLE_EQ(lag->points[0].mean, 2.0);
    EXPECT_DOUBLE_EQ(lag->points[0].max, 3.0);
    EXPECT_EQ(lag->points[0].samples, 2u);
}

TEST_F(MetricHistoryTest, ClockGoingBackDoesNotOverwriteNewerSteps) {
    m_now = kStart + 300'000;  // slot 0 of the 5-minute ring holds this second
    m_history.record(6, {9, 0, 0});
    m_now = kStart;  // the same slot, five minutes earlier
    m_history.record(6, {1, 0, 0});
    m_now = kStart + 300'000;
    const auto lag = m_history.series(6, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_EQ(lag->points.size(), 1u);
    EXPECT_DOUBLE_EQ(lag->points[0].max, 9.0);
    EXPECT_EQ(lag->points[0].samples, 1u);
}

TEST_F(MetricHistoryTest, NonFiniteValuesAreIgnoredPerMetric) {
    m_history.record(8, {std::numeric_limits<double>::quiet_NaN(), 5, 0});
    m_history.record(8, {2, std::numeric_limits<double>::infinity(), 0});
    const auto lag = m_history.series(8, MetricKind::Lag, MetricSpan::FiveMinutes);
    ASSERT_EQ(lag->points.size(), 1u);
    EXPECT_DOUBLE_EQ(lag->points[0].mean, 2.0);
    EXPECT_EQ(lag->points[0].samples, 1u);
    const auto rows = m_history.series(8, MetricKind::RowsPerSecond, MetricSpan::FiveMinutes);
    ASSERT_EQ(rows->points.size(), 1u);
    EXPECT_DOUBLE_EQ(rows->points[0].mean, 5.0);
}

TEST_F(MetricHistoryTest, RetainKnowsAndForgetsPipelines) {
    EXPECT_FALSE(m_history.series(1, MetricKind::Lag, MetricSpan::FiveMinutes).has_value());
    m_history.retain({1, 2});
    const auto empty = m_history.series(1, MetricKind::Lag, MetricSpan::OneHour);
    ASSERT_TRUE(empty.has_value());
    EXPECT_EQ(empty->stepSeconds, 10u);
    EXPECT_TRUE(empty->points.empty());
    m_history.record(2, {1, 1, 1});
    m_history.record(3, {1, 1, 1});
    EXPECT_EQ(m_history.pipelinesWithSamples(), 2u);
    m_history.retain({1});
    EXPECT_EQ(m_history.pipelinesWithSamples(), 0u);
    EXPECT_TRUE(m_history.knows(1));
    EXPECT_FALSE(m_history.knows(2));
    EXPECT_FALSE(m_history.series(3, MetricKind::Lag, MetricSpan::FiveMinutes).has_value());
}

TEST_F(MetricHistoryTest, MemoryIsBounded) {
    MetricHistory small([this] { return m_now; }, 3);
    for (std::uint64_t id = 1; id <= 5; ++id) {
        small.record(id, {1, 1, 1});
    }
    EXPECT_EQ(small.pipelinesWithSamples(), 3u);
    EXPECT_FALSE(small.knows(4));
    small.retain({1, 5});
    small.record(5, {1, 1, 1});
    EXPECT_EQ(small.pipelinesWithSamples(), 2u);
    EXPECT_EQ(small.series(5, MetricKind::Lag, MetricSpan::FiveMinutes)->points.size(), 1u);
    EXPECT_LT(MetricHistory::bytesPerPipeline(), 80u * 1024u);
    EXPECT_EQ(MetricHistory::steps(MetricSpan::FiveMinutes) *
                  MetricHistory::stepSeconds(MetricSpan::FiveMinutes),
              300u);
    EXPECT_EQ(
        MetricHistory::steps(MetricSpan::OneHour) * MetricHistory::stepSeconds(MetricSpan::OneHour),
        3600u);
    EXPECT_EQ(MetricHistory::steps(MetricSpan::TwentyFourHours) *
                  MetricHistory::stepSeconds(MetricSpan::TwentyFourHours),
              86400u);
}

struct ResponseCase {
    const char* name;
    ferry::v1::Metric metric;
    ferry::v1::MetricRange range;
    std::uint32_t step;
    double firstValue;  // lag: the step's maximum; rates: its mean
};

class MetricHistoryResponseTest : public MetricHistoryTest,
                                  public ::testing::WithParamInterface<ResponseCase> {};

TEST_P(MetricHistoryResponseTest, AnswersFromTheStore) {
    const auto& c = GetParam();
    recordSeconds(11, 20, [](int s) { return MetricValues{double(s), 10.0 * s, 100.0 * s}; });
    ferry::v1::MetricHistoryRequest request;
    request.set_pipeline_id(11);
    request.set_metric(c.metric);
    request.set_range(c.range);
    const auto response = metricHistoryResponse(m_history, request);
    ASSERT_TRUE(response.has_metric_history()) << response.DebugString();
    EXPECT_EQ(response.metric_history().step_seconds(), c.step);
    ASSERT_GT(response.metric_history().points_size(), 0);
    EXPECT_EQ(response.metric_history().points(0).time_unix_ms(), kStart);
    EXPECT_DOUBLE_EQ(response.metric_history().points(0).value(), c.firstValue);
}

INSTANTIATE_TEST_SUITE_P(
    Metrics, MetricHistoryResponseTest,
    ::testing::Values(ResponseCase{"lag_fine", ferry::v1::METRIC_LAG_SECONDS,
                                   ferry::v1::METRIC_RANGE_5_MINUTES, 1, 0.0},
                      ResponseCase{"lag_hour", ferry::v1::METRIC_LAG_SECONDS,
                                   ferry::v1::METRIC_RANGE_1_HOUR, 10, 9.0},
                      ResponseCase{"lag_day", ferry::v1::METRIC_LAG_SECONDS,
                                   ferry::v1::METRIC_RANGE_24_HOURS, 300, 19.0},
                      ResponseCase{"rows_hour", ferry::v1::METRIC_ROWS_PER_SECOND,
                                   ferry::v1::METRIC_RANGE_1_HOUR, 10, 45.0},
                      ResponseCase{"bytes_day", ferry::v1::METRIC_BYTES_PER_SECOND,
                                   ferry::v1::METRIC_RANGE_24_HOURS, 300, 950.0}),
    [](const ::testing::TestParamInfo<ResponseCase>& p) { return p.param.name; });

struct ErrorCase {
    const char* name;
    std::uint64_t pipeline;
    ferry::v1::Metric metric;
    ferry::v1::MetricRange range;
    ferry::v1::ServiceErrorCode code;
};

class MetricHistoryErrorTest : public MetricHistoryTest,
                               public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(MetricHistoryErrorTest, RefusesBadRequests) {
    const auto& c = GetParam();
    m_history.record(1, {1, 1, 1});
    ferry::v1::MetricHistoryRequest request;
    request.set_pipeline_id(c.pipeline);
    request.set_metric(c.metric);
    request.set_range(c.range);
    const auto response = metricHistoryResponse(m_history, request);
    ASSERT_TRUE(response.has_error());
    EXPECT_EQ(response.error().code(), c.code);
    EXPECT_FALSE(response.error().message().empty());
    EXPECT_FALSE(response.error().hint().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Errors, MetricHistoryErrorTest,
    ::testing::Values(
        ErrorCase{"no_metric", 1, ferry::v1::METRIC_UNSPECIFIED, ferry::v1::METRIC_RANGE_1_HOUR,
                  ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT},
        ErrorCase{"no_range", 1, ferry::v1::METRIC_LAG_SECONDS, ferry::v1::METRIC_RANGE_UNSPECIFIED,
                  ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT},
        ErrorCase{"bad_range", 1, ferry::v1::METRIC_LAG_SECONDS, ferry::v1::MetricRange(99),
                  ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT},
        ErrorCase{"unknown_pipeline", 2, ferry::v1::METRIC_LAG_SECONDS,
                  ferry::v1::METRIC_RANGE_5_MINUTES, ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND}),
    [](const ::testing::TestParamInfo<ErrorCase>& p) { return p.param.name; });

}  // namespace
}  // namespace ferry::node
