// SPDX-License-Identifier: Apache-2.0
#include "widgets/charts/latency_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

namespace ferry::gui {

LatencyChart::LatencyChart(MetricHistoryModel& model, QWidget* parent)
    : TimeSeriesChart(model, parent),
      m_axis(addValueAxis(Qt::AlignLeft)),
      m_lag(addSeries(tr("Lag"), m_axis)) {
    setObjectName(QStringLiteral("latencyChart"));
    m_lag->setColor(QColor(0xc2, 0x5b, 0x12));
    m_chart->legend()->hide();
    refresh();
}

QList<QPointF> LatencyChart::lagPoints() const {
    return m_lag->points();
}

QString LatencyChart::valueAxisTitle() const {
    return m_axis->titleText();
}

void LatencyChart::refresh() {
    m_scale =
        fill(m_lag, m_axis, MetricHistoryModel::Metric::Lag, tr("Lag"), &ferry::gui::lagScale);
    updateTimeAxis();
}

}  // namespace ferry::gui
