// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "ferry/v1/service.pb.h"

namespace ferry::node {

// One second's reading of a pipeline, as its status reports it.
struct MetricValues {
    double lagSeconds = 0;
    double rowsPerSecond = 0;
    double bytesPerSecond = 0;
};

enum class MetricKind { Lag, RowsPerSecond, BytesPerSecond };
enum class MetricSpan { FiveMinutes, OneHour, TwentyFourHours };

// One step of a series: the mean and the maximum of the samples that fell into it.
struct MetricPointValue {
    std::int64_t timeUnixMs = 0;  // start of the step
    double mean = 0;
    double max = 0;
    std::uint32_t samples = 0;
};

struct MetricSeries {
    std::uint32_t stepSeconds = 0;
    std::vector<MetricPointValue> points;  // oldest first; steps without samples are left out
};

// The agent's recent history of each pipeline's lag, rows/s and bytes/s, for the console's
// charts. Samples are recorded (about once a second) into three rings per pipeline:
//   1 s steps for 5 minutes (300 steps), 10 s steps for 1 hour (360 steps),
//   5 min steps for 24 hours (288 steps);
// each step keeps, per metric, the sample count, sum and maximum. A ring slot is addressed by
// (time / step) modulo the ring length and remembers which step it holds, so old steps are
// overwritten in place, a second without a sample is a gap, and nothing ever grows.
//
// Memory is bounded: bytesPerPipeline() (948 steps of 72 bytes, about 67 KiB) per pipeline that
// has samples, allocated at its first sample, for at most maxPipelines pipelines (by default
// 4096, about 270 MiB at worst; samples of further pipelines are dropped); retain() frees the
// pipelines that no longer exist. Known pipelines without samples cost a map entry.
//
// Time comes from the injected clock (Unix milliseconds): record() files a sample at clock(),
// series() answers the window ending at clock(). A sample older than what its slot holds (the
// clock went back) is dropped for that ring; values that are not finite are ignored.
//
// Not thread safe: one owner (AgentService, on the network thread).
class MetricHistory {
public:
    using Clock = std::function<std::int64_t()>;

    static constexpr std::size_t kDefaultMaxPipelines = 4096;

    explicit MetricHistory(Clock clock, std::size_t maxPipelines = kDefaultMaxPipelines);
    ~MetricHistory();
    MetricHistory(const MetricHistory&) = delete;
    MetricHistory& operator=(const MetricHistory&) = delete;

    // Records one sample of `pipelineId` at clock(); the pipeline becomes known.
    void record(std::uint64_t pipelineId, const MetricValues& values);
    // Marks pipelines as existing (a series of a known pipeline without samples is empty, not
    // unknown) and forgets every pipeline not listed, with its history.
    void retain(const std::vector<std::uint64_t>& pipelineIds);

    bool knows(std::uint64_t pipelineId) const { return m_pipelines.count(pipelineId) != 0; }
    std::size_t pipelinesWithSamples() const;

    // The window of `span` ending now, or nullopt when the pipeline is unknown.
    std::optional<MetricSeries> series(std::uint64_t pipelineId, MetricKind kind,
                                       MetricSpan span) const;

    static std::uint32_t stepSeconds(MetricSpan span);
    static std::size_t steps(MetricSpan span);
    static std::size_t bytesPerPipeline();

private:
    struct Rings;

    Clock m_clock;
    std::size_t m_maxPipelines;
    std::map<std::uint64_t, std::unique_ptr<Rings>> m_pipelines;  // null: known, no samples yet
    std::size_t m_withSamples = 0;
};

// The service's answer to a MetricHistoryRequest from `history`: the step's maximum for lag and
// its mean for rates (service.proto's MetricPoint contract); INVALID_ARGUMENT for a missing
// metric or range, NOT_FOUND for a pipeline the history does not know.
ferry::v1::Response metricHistoryResponse(const MetricHistory& history,
                                          const ferry::v1::MetricHistoryRequest& request);

}  // namespace ferry::node
