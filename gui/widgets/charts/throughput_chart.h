// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "widgets/charts/time_series_chart.h"

namespace ferry::gui {

// A pipeline's throughput over the model's range: rows/s on the left axis and bytes/s on the
// right one, each in the unit its values need (the mean of each step). Does not own the model.
// GUI thread only.
class ThroughputChart : public TimeSeriesChart {
    Q_OBJECT

public:
    explicit ThroughputChart(MetricHistoryModel& model, QWidget* parent = nullptr);

    // What is drawn (for tests): points in axis units, and the axes' titles.
    QList<QPointF> rowPoints() const;
    QList<QPointF> bytePoints() const;
    AxisScale rowScale() const { return m_rowScale; }
    AxisScale byteScale() const { return m_byteScale; }
    QString rowAxisTitle() const;
    QString byteAxisTitle() const;

protected:
    void refresh() override;

private:
    QValueAxis* m_rowAxis;
    QValueAxis* m_byteAxis;
    QLineSeries* m_rows;
    QLineSeries* m_bytes;
    AxisScale m_rowScale;
    AxisScale m_byteScale;
};

}  // namespace ferry::gui
