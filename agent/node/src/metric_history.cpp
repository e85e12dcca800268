// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/metric_history.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace ferry::node {

namespace {

constexpr std::size_t kMetrics = 3;
constexpr std::size_t kSpans = 3;

struct SpanShape {
    std::uint32_t stepSeconds;
    std::size_t steps;
};

constexpr std::array<SpanShape, kSpans> kShapes{{
    {1, 300},   // 5 minutes
    {10, 360},  // 1 hour
    {300, 288}  // 24 hours
}};

std::size_t indexOf(MetricSpan span) {
    return static_cast<std::size_t>(span);
}

std::size_t indexOf(MetricKind kind) {
    return static_cast<std::size_t>(kind);
}

// floor(a / b) for b > 0, also for negative a.
std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    const std::int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::size_t slotOf(std::int64_t step, std::size_t length) {
    const auto n = static_cast<std::int64_t>(length);
    return static_cast<std::size_t>(((step % n) + n) % n);
}

struct Step {
    std::int64_t index = std::numeric_limits<std::int64_t>::min();  // time / step length
    std::array<std::uint32_t, kMetrics> count{};
    std::array<double, kMetrics> sum{};
    std::array<double, kMetrics> max{};
};

}  // namespace

struct MetricHistory::Rings {
    std::array<std::vector<Step>, kSpans> rings;

    Rings() {
        for (std::size_t i = 0; i < kSpans; ++i) {
            rings[i].resize(kShapes[i].steps);
        }
    }
};

MetricHistory::MetricHistory(Clock clock, std::size_t maxPipelines)
    : m_clock(std::move(clock)), m_maxPipelines(maxPipelines) {}

MetricHistory::~MetricHistory() = default;

std::uint32_t MetricHistory::stepSeconds(MetricSpan span) {
    return kShapes[indexOf(span)].stepSeconds;
}

std::size_t MetricHistory::steps(MetricSpan span) {
    return kShapes[indexOf(span)].steps;
}

std::size_t MetricHistory::bytesPerPipeline() {
    std::size_t total = 0;
    for (const auto& shape : kShapes) {
        total += shape.steps;
    }
    return sizeof(Rings) + total * sizeof(Step);
}

std::size_t MetricHistory::pipelinesWithSamples() const {
    return m_withSamples;
}

void MetricHistory::record(std::uint64_t pipelineId, const MetricValues& values) {
    auto it = m_pipelines.find(pipelineId);
    if (it == m_pipelines.end()) {
        if (m_withSamples >= m_maxPipelines) {
            return;
        }
        it = m_pipelines.emplace(pipelineId, nullptr).first;
    }
    if (!it->second) {
        if (m_withSamples >= m_maxPipelines) {
            return;
        }
        it->second = std::make_unique<Rings>();
        ++m_withSamples;
    }
    const std::array<double, kMetrics> sample{values.lagSeconds, values.rowsPerSecond,
                                              values.bytesPerSecond};
    const std::int64_t now = m_clock();
    for (std::size_t r = 0; r < kSpans; ++r) {
        auto& ring = it->second->rings[r];
        const std::int64_t index =
            floorDiv(now, static_cast<std::int64_t>(kShapes[r].stepSeconds) * 1000);
        Step& step = ring[slotOf(index, ring.size())];
        if (step.index > index) {
            continue;
        }
        if (step.index < index) {
            step = Step{};
            step.index = index;
        }
        for (std::size_t m = 0; m < kMetrics; ++m) {
            if (!std::isfinite(sample[m])) {
                continue;
            }
            step.max[m] = step.count[m] == 0 ? sample[m] : std::max(step.max[m], sample[m]);
            step.sum[m] += sample[m];
            ++step.count[m];
        }
    }
}

void MetricHistory::retain(const std::vector<std::uint64_t>& pipelineIds) {
    for (auto it = m_pipelines.begin(); it != m_pipelines.end();) {
        if (std::find(pipelineIds.begin(), pipelineIds.end(), it->first) == pipelineIds.end()) {
            if (it->second) {
                --m_withSamples;
            }
            it = m_pipelines.erase(it);
        } else {
            ++it;
        }
    }
    for (const std::uint64_t id : pipelineIds) {
        m_pipelines.try_emplace(id, nullptr);
    }
}

std::optional<MetricSeries> MetricHistory::series(std::uint64_t pipelineId, MetricKind kind,
                                                  MetricSpan span) const {
    const auto it = m_pipelines.find(pipelineId);
    if (it == m_pipelines.end()) {
        return std::nullopt;
    }
    const SpanShape& shape = kShapes[indexOf(span)];
    MetricSeries out;
    out.stepSeconds = shape.stepSeconds;
    if (!it->second) {
        return out;
    }
    const auto& ring = it->second->rings[indexOf(span)];
    const std::size_t m = indexOf(kind);
    const std::int64_t stepMs = static_cast<std::int64_t>(shape.stepSeconds) * 1000;
    const std::int64_t last = floorDiv(m_clock(), stepMs);
    const std::int64_t first = last - static_cast<std::int64_t>(ring.size()) + 1;
    out.points.reserve(ring.size());
    for (std::int64_t index = first; index <= last; ++index) {
        const Step& step = ring[slotOf(index, ring.size())];
        if (step.index != index || step.count[m] == 0) {
            continue;
        }
        out.points.push_back(MetricPointValue{index * stepMs,
                                              step.sum[m] / static_cast<double>(step.count[m]),
                                              step.max[m], step.count[m]});
    }
    return out;
}

ferry::v1::Response metricHistoryResponse(const MetricHistory& history,
                                          const ferry::v1::MetricHistoryRequest& request) {
    const auto error = [](ferry::v1::ServiceErrorCode code, std::string message, std::string hint) {
        ferry::v1::Response response;
        auto* e = response.mutable_error();
        e->set_code(code);
        e->set_message(std::move(message));
        e->set_hint(std::move(hint));
        return response;
    };
    MetricKind kind = MetricKind::Lag;
    switch (request.metric()) {
        case ferry::v1::METRIC_LAG_SECONDS:
            kind = MetricKind::Lag;
            break;
        case ferry::v1::METRIC_ROWS_PER_SECOND:
            kind = MetricKind::RowsPerSecond;
            break;
        case ferry::v1::METRIC_BYTES_PER_SECOND:
            kind = MetricKind::BytesPerSecond;
            break;
        default:
            return error(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                         "metric_history: unknown metric " + std::to_string(request.metric()),
                         "ask for lag, rows per second or bytes per second");
    }
    MetricSpan span = MetricSpan::FiveMinutes;
    switch (request.range()) {
        case ferry::v1::METRIC_RANGE_5_MINUTES:
            span = MetricSpan::FiveMinutes;
            break;
        case ferry::v1::METRIC_RANGE_1_HOUR:
            span = MetricSpan::OneHour;
            break;
        case ferry::v1::METRIC_RANGE_24_HOURS:
            span = MetricSpan::TwentyFourHours;
            break;
        default:
            return error(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                         "metric_history: unknown range " + std::to_string(request.range()),
                         "choose 5 minutes, 1 hour or 24 hours");
    }
    const auto series = history.series(request.pipeline_id(), kind, span);
    if (!series) {
        return error(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                     "metric_history: pipeline " + std::to_string(request.pipeline_id()) +
                         " is not known to this agent",
                     "list the pipelines to see which exist; a new pipeline has history after "
                     "its first second");
    }
    ferry::v1::Response response;
    auto* out = response.mutable_metric_history();
    out->set_step_seconds(series->stepSeconds);
    for (const auto& p : series->points) {
        auto* point = out->add_points();
        point->set_time_unix_ms(p.timeUnixMs);
        point->set_value(kind == MetricKind::Lag ? p.max : p.mean);
    }
    return response;
}

}  // namespace ferry::node
