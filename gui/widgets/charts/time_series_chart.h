// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QPointF>
#include <QString>
#include <QWidget>

#include "models/metric_history_model.h"
#include "widgets/charts/chart_units.h"

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace ferry::gui {

// A chart of some of a MetricHistoryModel's series over time: a time axis spanning the model's
// range up to its newest point, and value axes whose units follow the largest value shown. It
// redraws whenever the model resets or receives live points. Subclasses add their series and
// fill them in refresh().
//
// Does not own the model, which must outlive it. GUI thread only.
class TimeSeriesChart : public QWidget {
    Q_OBJECT

public:
    // The time axis as shown, in Unix milliseconds, and its label format.
    qint64 axisStartMs() const;
    qint64 axisEndMs() const;
    QString timeFormat() const;

protected:
    TimeSeriesChart(MetricHistoryModel& model, QWidget* parent);

    virtual void refresh() = 0;
    // Adds a value axis on `alignment` and a line series attached to it and the time axis.
    QLineSeries* addSeries(const QString& name, QValueAxis* axis);
    QValueAxis* addValueAxis(Qt::Alignment alignment);
    // Fills `series` with the model's points of `metric` divided by a scale chosen for them, and
    // fits `axis` (titled `title` with the unit). Returns the scale.
    AxisScale fill(QLineSeries* series, QValueAxis* axis, MetricHistoryModel::Metric metric,
                   const QString& title, AxisScale (*scaleFor)(double));
    void updateTimeAxis();

    MetricHistoryModel& m_model;
    QChart* m_chart;
    QChartView* m_view;
    QDateTimeAxis* m_timeAxis;
};

}  // namespace ferry::gui
