// SPDX-License-Identifier: Apache-2.0
#include "widgets/charts/time_series_chart.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace ferry::gui {

TimeSeriesChart::TimeSeriesChart(MetricHistoryModel& model, QWidget* parent)
    : QWidget(parent),
      m_model(model),
      m_chart(new QChart),
      m_view(new QChartView(m_chart, this)),
      m_timeAxis(new QDateTimeAxis(m_chart)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(160);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    connect(&m_model, &MetricHistoryModel::reset, this, [this] { refresh(); });
    connect(&m_model, &MetricHistoryModel::updated, this, [this] { refresh(); });
}

qint64 TimeSeriesChart::axisStartMs() const {
    return m_timeAxis->min().toMSecsSinceEpoch();
}

qint64 TimeSeriesChart::axisEndMs() const {
    return m_timeAxis->max().toMSecsSinceEpoch();
}

QString TimeSeriesChart::timeFormat() const {
    return m_timeAxis->format();
}

QValueAxis* TimeSeriesChart::addValueAxis(Qt::Alignment alignment) {
    auto* axis = new QValueAxis(m_chart);
    axis->setLabelFormat(QStringLiteral("%.4g"));
    axis->setMin(0);
    m_chart->addAxis(axis, alignment);
    return axis;
}

QLineSeries* TimeSeriesChart::addSeries(const QString& name, QValueAxis* axis) {
    auto* series = new QLineSeries(m_chart);
    series->setName(name);
    m_chart->addSeries(series);
    series->attachAxis(m_timeAxis);
    series->attachAxis(axis);
    return series;
}

AxisScale TimeSeriesChart::fill(QLineSeries* series, QValueAxis* axis,
                                MetricHistoryModel::Metric metric, const QString& title,
                                AxisScale (*scaleFor)(double)) {
    const auto& points = m_model.points(metric);
    double largest = 0;
    for (const auto& p : points) {
        largest = std::max(largest, p.value);
    }
    const AxisScale scale = scaleFor(largest);
    QList<QPointF> scaled;
    scaled.reserve(static_cast<qsizetype>(points.size()));
    for (const auto& p : points) {
        scaled.append(QPointF(static_cast<double>(p.timeMs), p.value / scale.divisor));
    }
    series->replace(scaled);
    axis->setTitleText(QStringLiteral("%1 (%2)").arg(title, scale.unit));
    // Lag can be negative by a little when clocks disagree; show it rather than clip it.
    double lowest = 0;
    for (const auto& p : scaled) {
        lowest = std::min(lowest, p.y());
    }
    const double top = largest / scale.divisor;
    axis->setRange(lowest, top > 0 ? top * 1.1 : 1.0);
    axis->applyNiceNumbers();
    return scale;
}

void TimeSeriesChart::updateTimeAxis() {
    const qint64 spanMs = static_cast<qint64>(m_model.spanSeconds()) * 1000;
    const qint64 end =
        m_model.latestMs() > 0 ? m_model.latestMs() : QDateTime::currentMSecsSinceEpoch();
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(end - spanMs),
                         QDateTime::fromMSecsSinceEpoch(end));
    switch (m_model.range()) {
        case MetricHistoryModel::Range::FiveMinutes:
            m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
            m_timeAxis->setTickCount(6);
            break;
        case MetricHistoryModel::Range::OneHour:
            m_timeAxis->setFormat(QStringLiteral("HH:mm"));
            m_timeAxis->setTickCount(7);
            break;
        case MetricHistoryModel::Range::TwentyFourHours:
            m_timeAxis->setFormat(QStringLiteral("HH:mm"));
            m_timeAxis->setTickCount(7);
            break;
    }
}

}  // namespace ferry::gui
