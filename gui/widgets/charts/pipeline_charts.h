// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

#include "models/metric_history_model.h"

class QButtonGroup;
class QLabel;

namespace ferry::gui {

class LatencyChart;
class ThroughputChart;

// The monitoring part of a pipeline's details: a range selector (5 min, 1 h, 24 h: buttons named
// range_5m, range_1h, range_24h), a line saying whether history is loading or why it failed,
// the lag chart and the throughput chart, all over one MetricHistoryModel. Does not own the
// model, which must outlive it. GUI thread only.
class PipelineCharts : public QWidget {
    Q_OBJECT

public:
    explicit PipelineCharts(MetricHistoryModel& model, QWidget* parent = nullptr);

    LatencyChart& latencyChart() const { return *m_latency; }
    ThroughputChart& throughputChart() const { return *m_throughput; }
    // The loading or error line, empty when history is shown.
    QString statusText() const;

private:
    void updateStatus();

    MetricHistoryModel& m_model;
    QButtonGroup* m_ranges;
    QLabel* m_status;
    LatencyChart* m_latency;
    ThroughputChart* m_throughput;
};

}  // namespace ferry::gui
