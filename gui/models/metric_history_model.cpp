// SPDX-License-Identifier: Apache-2.0
#include "models/metric_history_model.h"

#include <QPointer>

#include <algorithm>
#include <cmath>

#include "client/connection_manager.h"

namespace ferry::gui {

namespace {

// Live samples kept while a load is outstanding; a slow agent loses the oldest.
constexpr std::size_t kMaxPending = 600;

qint64 floorTo(qint64 value, qint64 step) {
    const qint64 q = value / step;
    return (value % step != 0 && value < 0 ? q - 1 : q) * step;
}

bool recorded(ferry::v1::PipelineState state) {
    return state == ferry::v1::PIPELINE_STATE_RUNNING ||
           state == ferry::v1::PIPELINE_STATE_PAUSED || state == ferry::v1::PIPELINE_STATE_FAILED;
}

}  // namespace

MetricHistoryModel::MetricHistoryModel(ConnectionManager& manager, QObject* parent)
    : QObject(parent), m_manager(manager) {
    connect(&m_manager.state(), &ClusterState::statusesChanged, this,
            &MetricHistoryModel::onStatuses);
    connect(&m_manager, &ConnectionManager::currentChanged, this, &MetricHistoryModel::reload);
    connect(&m_manager.state(), &ClusterState::topologyReset, this, [this] {
        if (m_pipelineId != 0 && !isLoading() && !m_error.isEmpty()) {
            reload();
        }
    });
}

int MetricHistoryModel::spanSeconds(Range range) {
    switch (range) {
        case Range::FiveMinutes:
            return 300;
        case Range::OneHour:
            return 3600;
        case Range::TwentyFourHours:
            return 86400;
    }
    return 300;
}

int MetricHistoryModel::defaultStepSeconds(Range range) {
    switch (range) {
        case Range::FiveMinutes:
            return 1;
        case Range::OneHour:
            return 10;
        case Range::TwentyFourHours:
            return 300;
    }
    return 1;
}

ferry::v1::MetricRange MetricHistoryModel::toProto(Range range) {
    switch (range) {
        case Range::FiveMinutes:
            return ferry::v1::METRIC_RANGE_5_MINUTES;
        case Range::OneHour:
            return ferry::v1::METRIC_RANGE_1_HOUR;
        case Range::TwentyFourHours:
            return ferry::v1::METRIC_RANGE_24_HOURS;
    }
    return ferry::v1::METRIC_RANGE_UNSPECIFIED;
}

ferry::v1::Metric MetricHistoryModel::toProto(Metric metric) {
    switch (metric) {
        case Metric::Lag:
            return ferry::v1::METRIC_LAG_SECONDS;
        case Metric::Rows:
            return ferry::v1::METRIC_ROWS_PER_SECOND;
        case Metric::Bytes:
            return ferry::v1::METRIC_BYTES_PER_SECOND;
    }
    return ferry::v1::METRIC_UNSPECIFIED;
}

void MetricHistoryModel::setPipeline(std::uint64_t pipelineId) {
    if (pipelineId == m_pipelineId) {
        return;
    }
    m_pipelineId = pipelineId;
    reload();
}

void MetricHistoryModel::setRange(Range range) {
    if (range == m_range) {
        return;
    }
    m_range = range;
    reload();
}

void MetricHistoryModel::reload() {
    const bool wasLoading = isLoading();
    ++m_generation;
    m_outstanding = 0;
    m_error.clear();
    m_stepSeconds = defaultStepSeconds(m_range);
    m_latestMs = 0;
    m_lastSampleMs = 0;
    m_pending.clear();
    for (auto& s : m_series) {
        s.clear();
    }
    m_lastCount.fill(0);
    if (m_pipelineId != 0) {
        for (const Metric metric : {Metric::Lag, Metric::Rows, Metric::Bytes}) {
            ferry::v1::Request request;
            auto* history = request.mutable_metric_history();
            history->set_pipeline_id(m_pipelineId);
            history->set_metric(toProto(metric));
            history->set_range(toProto(m_range));
            ++m_outstanding;
            m_manager.send(request,
                           [self = QPointer<MetricHistoryModel>(this), generation = m_generation,
                            metric](Result<ferry::v1::Response> answer) {
                               if (self) {
                                   self->onHistory(generation, metric, answer);
                               }
                           });
        }
    }
    emit reset();
    if (wasLoading != isLoading()) {
        emit loadingChanged(isLoading());
    }
}

void MetricHistoryModel::onHistory(std::uint64_t generation, Metric metric,
                                   const Result<ferry::v1::Response>& answer) {
    if (generation != m_generation) {
        return;
    }
    --m_outstanding;
    const auto index = static_cast<std::size_t>(metric);
    if (!answer.ok()) {
        if (m_error.isEmpty()) {
            m_error =
                tr("history unavailable: %1").arg(QString::fromStdString(answer.error().message));
        }
    } else if (!answer->has_metric_history()) {
        if (m_error.isEmpty()) {
            m_error = tr("history unavailable: the agent answered something else");
        }
    } else {
        const auto& history = answer->metric_history();
        if (history.step_seconds() > 0 && history.step_seconds() <= 86400u) {
            m_stepSeconds = static_cast<int>(history.step_seconds());
        }
        auto& series = m_series[index];
        std::vector<Point> fresh;
        fresh.reserve(static_cast<std::size_t>(history.points_size()));
        for (const auto& p : history.points()) {
            // Oldest first; anything out of order or not a number is the agent's bug, not ours.
            if (!std::isfinite(p.value()) ||
                (!fresh.empty() && p.time_unix_ms() <= fresh.back().timeMs)) {
                continue;
            }
            fresh.push_back(Point{p.time_unix_ms(), p.value()});
        }
        // Live points that are newer than the history stay.
        const qint64 newest = fresh.empty() ? 0 : fresh.back().timeMs;
        series.swap(fresh);
        m_lastCount[index] = series.empty() ? 0 : 1;
        m_latestMs = std::max(m_latestMs, newest);
        for (const auto& sample : m_pending) {
            if (sample.timeMs > newest) {
                apply(metric, sample.timeMs, sample.values[index]);
            }
        }
        trim(metric);
    }
    if (m_outstanding == 0) {
        m_pending.clear();
        emit loadingChanged(false);
    }
    emit reset();
}

void MetricHistoryModel::onStatuses(const QList<quint64>& pipelineIds) {
    if (m_pipelineId == 0 || !pipelineIds.contains(m_pipelineId)) {
        return;
    }
    const auto* status = m_manager.state().status(m_pipelineId);
    if (status == nullptr || !recorded(status->state()) ||
        status->updated_unix_ms() <= m_lastSampleMs) {
        return;
    }
    Sample sample;
    sample.timeMs = status->updated_unix_ms();
    sample.values = {status->lag_seconds(), status->rows_per_second(), status->bytes_per_second()};
    m_lastSampleMs = sample.timeMs;
    if (isLoading()) {
        if (m_pending.size() == kMaxPending) {
            m_pending.erase(m_pending.begin());
        }
        m_pending.push_back(sample);
    }
    for (const Metric metric : {Metric::Lag, Metric::Rows, Metric::Bytes}) {
        apply(metric, sample.timeMs, sample.values[static_cast<std::size_t>(metric)]);
        trim(metric);
    }
    emit updated();
}

void MetricHistoryModel::apply(Metric metric, qint64 timeMs, double value) {
    if (!std::isfinite(value)) {
        return;
    }
    const auto index = static_cast<std::size_t>(metric);
    auto& series = m_series[index];
    const qint64 stepMs = static_cast<qint64>(m_stepSeconds) * 1000;
    m_latestMs = std::max(m_latestMs, timeMs);
    if (!series.empty() && timeMs < series.back().timeMs + stepMs) {
        if (timeMs < series.back().timeMs) {
            return;
        }
        Point& last = series.back();
        const int n = std::max(1, m_lastCount[index]);
        last.value = metric == Metric::Lag ? std::max(last.value, value)
                                           : (last.value * n + value) / static_cast<double>(n + 1);
        m_lastCount[index] = n + 1;
        return;
    }
    const qint64 start =
        series.empty() ? floorTo(timeMs, stepMs)
                       : series.back().timeMs + floorTo(timeMs - series.back().timeMs, stepMs);
    series.push_back(Point{start, value});
    m_lastCount[index] = 1;
}

void MetricHistoryModel::trim(Metric metric) {
    auto& series = m_series[static_cast<std::size_t>(metric)];
    if (series.empty()) {
        return;
    }
    const qint64 oldest = series.back().timeMs - static_cast<qint64>(spanSeconds()) * 1000;
    const auto keep = std::find_if(series.begin(), series.end(),
                                   [oldest](const Point& p) { return p.timeMs >= oldest; });
    series.erase(series.begin(), keep);
}

}  // namespace ferry::gui
