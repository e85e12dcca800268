// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "widgets/charts/time_series_chart.h"

namespace ferry::gui {

// A pipeline's replication lag over the model's range: one line, the lag of each step (its
// maximum over steps longer than a second, as the agent reports it), on an axis in ms, s, min or
// h as the values need. Does not own the model. GUI thread only.
class LatencyChart : public TimeSeriesChart {
    Q_OBJECT

public:
    explicit LatencyChart(MetricHistoryModel& model, QWidget* parent = nullptr);

    // What is drawn (for tests): points in axis units, and the axis title with its unit.
    QList<QPointF> lagPoints() const;
    AxisScale scale() const { return m_scale; }
    QString valueAxisTitle() const;

protected:
    void refresh() override;

private:
    QValueAxis* m_axis;
    QLineSeries* m_lag;
    AxisScale m_scale;
};

}  // namespace ferry::gui
