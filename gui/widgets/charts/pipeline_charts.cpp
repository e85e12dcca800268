// SPDX-License-Identifier: Apache-2.0
#include "widgets/charts/pipeline_charts.h"

#include <QButtonGroup>
#include <QHBoxLayout>
#include <QLabel>
#include <QToolButton>
#include <QVBoxLayout>

#include "widgets/charts/latency_chart.h"
#include "widgets/charts/throughput_chart.h"

namespace ferry::gui {

PipelineCharts::PipelineCharts(MetricHistoryModel& model, QWidget* parent)
    : QWidget(parent),
      m_model(model),
      m_ranges(new QButtonGroup(this)),
      m_status(new QLabel(this)),
      m_latency(new LatencyChart(model, this)),
      m_throughput(new ThroughputChart(model, this)) {
    setObjectName(QStringLiteral("pipelineCharts"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("History:"), this));
    const struct {
        MetricHistoryModel::Range range;
        const char* name;
        QString text;
    } ranges[] = {{MetricHistoryModel::Range::FiveMinutes, "range_5m", tr("5 min")},
                  {MetricHistoryModel::Range::OneHour, "range_1h", tr("1 h")},
                  {MetricHistoryModel::Range::TwentyFourHours, "range_24h", tr("24 h")}};
    for (const auto& r : ranges) {
        auto* button = new QToolButton(this);
        button->setText(r.text);
        button->setObjectName(QString::fromLatin1(r.name));
        button->setCheckable(true);
        button->setAutoRaise(true);
        button->setChecked(r.range == m_model.range());
        m_ranges->addButton(button, static_cast<int>(r.range));
        bar->addWidget(button);
    }
    m_ranges->setExclusive(true);
    bar->addStretch(1);
    m_status->setStyleSheet(QStringLiteral("color:#707880"));
    bar->addWidget(m_status);
    layout->addLayout(bar);
    layout->addWidget(m_latency, 1);
    layout->addWidget(m_throughput, 1);
    connect(m_ranges, &QButtonGroup::idClicked, this,
            [this](int id) { m_model.setRange(static_cast<MetricHistoryModel::Range>(id)); });
    connect(&m_model, &MetricHistoryModel::reset, this, &PipelineCharts::updateStatus);
    connect(&m_model, &MetricHistoryModel::loadingChanged, this, &PipelineCharts::updateStatus);
    updateStatus();
}

QString PipelineCharts::statusText() const {
    return m_status->text();
}

void PipelineCharts::updateStatus() {
    if (auto* button = m_ranges->button(static_cast<int>(m_model.range()))) {
        button->setChecked(true);
    }
    if (m_model.isLoading()) {
        m_status->setText(tr("loading history…"));
    } else {
        m_status->setText(m_model.errorText());
    }
    m_status->setToolTip(m_status->text());
}

}  // namespace ferry::gui
