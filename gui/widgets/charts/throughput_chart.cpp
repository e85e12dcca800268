// SPDX-License-Identifier: Apache-2.0
#include "widgets/charts/throughput_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QValueAxis>

namespace ferry::gui {

ThroughputChart::ThroughputChart(MetricHistoryModel& model, QWidget* parent)
    : TimeSeriesChart(model, parent),
      m_rowAxis(addValueAxis(Qt::AlignLeft)),
      m_byteAxis(addValueAxis(Qt::AlignRight)),
      m_rows(addSeries(tr("Rows/s"), m_rowAxis)),
      m_bytes(addSeries(tr("Bytes/s"), m_byteAxis)) {
    setObjectName(QStringLiteral("throughputChart"));
    m_rows->setColor(QColor(0x1f, 0x6f, 0xb2));
    m_bytes->setColor(QColor(0x4c, 0x9a, 0x52));
    refresh();
}

QList<QPointF> ThroughputChart::rowPoints() const {
    return m_rows->points();
}

QList<QPointF> ThroughputChart::bytePoints() const {
    return m_bytes->points();
}

QString ThroughputChart::rowAxisTitle() const {
    return m_rowAxis->titleText();
}

QString ThroughputChart::byteAxisTitle() const {
    return m_byteAxis->titleText();
}

void ThroughputChart::refresh() {
    m_rowScale = fill(m_rows, m_rowAxis, MetricHistoryModel::Metric::Rows, tr("Rows"),
                      &ferry::gui::rowsScale);
    m_byteScale = fill(m_bytes, m_byteAxis, MetricHistoryModel::Metric::Bytes, tr("Bytes"),
                       &ferry::gui::bytesScale);
    updateTimeAxis();
}

}  // namespace ferry::gui
