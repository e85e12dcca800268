// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <array>
#include <cstdint>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::gui {

class ConnectionManager;

// The recent lag, rows/s and bytes/s of one pipeline, for the charts: the agent's history for the
// chosen range (metric_history, one request per metric through the ConnectionManager's current
// connection), extended by the live statuses the ClusterState receives.
//
// A live status at time t falls into the newest step when t is before that step's end, else it
// starts a new step on the same grid; within a step lag keeps the maximum and rates the mean,
// as the agent reports steps (service.proto's MetricPoint). Points older than the range's span
// before the newest one are dropped, so each series holds at most span / step + 1 points.
// Statuses that arrive while the history is on its way are replayed over it. Answers to an
// earlier pipeline, range or connection are ignored.
//
// Reloads when the pipeline, the range or the current connection changes, and after a topology
// reload if the last load failed (e.g. the connection was down).
//
// Does not own the manager, which must outlive it. Lives in the GUI thread; not thread safe.
class MetricHistoryModel : public QObject {
    Q_OBJECT

public:
    enum class Range { FiveMinutes, OneHour, TwentyFourHours };
    enum class Metric { Lag, Rows, Bytes };
    static constexpr int kMetricCount = 3;

    struct Point {
        qint64 timeMs = 0;  // Unix milliseconds, start of the step
        double value = 0;   // lag in seconds, rates per second
    };

    explicit MetricHistoryModel(ConnectionManager& manager, QObject* parent = nullptr);

    // 0 shows nothing.
    void setPipeline(std::uint64_t pipelineId);
    std::uint64_t pipelineId() const { return m_pipelineId; }
    void setRange(Range range);
    Range range() const { return m_range; }
    // Asks the agent for the history again.
    void reload();

    const std::vector<Point>& points(Metric metric) const {
        return m_series[static_cast<std::size_t>(metric)];
    }
    int stepSeconds() const { return m_stepSeconds; }
    int spanSeconds() const { return spanSeconds(m_range); }
    // The newest time with data (history or live), 0 when there is none.
    qint64 latestMs() const { return m_latestMs; }
    bool isLoading() const { return m_outstanding > 0; }
    // Why the last load failed, empty when it did not.
    QString errorText() const { return m_error; }

    static int spanSeconds(Range range);
    static int defaultStepSeconds(Range range);
    static ferry::v1::MetricRange toProto(Range range);
    static ferry::v1::Metric toProto(Metric metric);

signals:
    // The series were replaced (new pipeline, range or history) or cleared.
    void reset();
    // Live points were added to or merged into the series.
    void updated();
    void loadingChanged(bool loading);

private:
    struct Sample {
        qint64 timeMs = 0;
        std::array<double, kMetricCount> values{};
    };

    void onHistory(std::uint64_t generation, Metric metric,
                   const Result<ferry::v1::Response>& answer);
    void onStatuses(const QList<quint64>& pipelineIds);
    void apply(Metric metric, qint64 timeMs, double value);
    void trim(Metric metric);

    ConnectionManager& m_manager;
    std::uint64_t m_pipelineId = 0;
    Range m_range = Range::FiveMinutes;
    std::uint64_t m_generation = 0;
    int m_outstanding = 0;
    int m_stepSeconds = 1;
    qint64 m_latestMs = 0;
    qint64 m_lastSampleMs = 0;
    QString m_error;
    std::array<std::vector<Point>, kMetricCount> m_series;
    std::array<int, kMetricCount> m_lastCount{};  // samples merged into each newest point
    std::vector<Sample> m_pending;                // live samples received while loading
};

}  // namespace ferry::gui
