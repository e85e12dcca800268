// SPDX-License-Identifier: Apache-2.0
#include "widgets/details_panel.h"

#include <QDateTime>
#include <QGridLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextBrowser>
#include <QVBoxLayout>

#include "models/format.h"
#include "models/metric_history_model.h"
#include "widgets/charts/pipeline_charts.h"

namespace ferry::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString esc(const QString& s) {
    return s.toHtmlEscaped();
}

QString row(const QString& name, const QString& value) {
    return QStringLiteral(
               "<tr><td style='color:#5a6470;padding-right:10px'>%1</td><td>%2</td></tr>")
        .arg(esc(name), value);
}

}  // namespace

DetailsPanel::DetailsPanel(const ClusterState& state, QWidget* parent)
    : QWidget(parent),
      m_state(state),
      m_title(new QLabel(this)),
      m_body(new QTextBrowser(this)),
      m_start(new QPushButton(tr("Start"), this)),
      m_pause(new QPushButton(tr("Pause"), this)),
      m_resume(new QPushButton(tr("Resume"), this)),
      m_stop(new QPushButton(tr("Stop"), this)),
      m_skip(new QPushButton(tr("Skip failed transaction"), this)) {
    setObjectName(QStringLiteral("detailsPanel"));
    auto* layout = new QVBoxLayout(this);
    QFont f = m_title->font();
    f.setBold(true);
    f.setPointSizeF(f.pointSizeF() * 1.2);
    m_title->setFont(f);
    m_title->setWordWrap(true);
    layout->addWidget(m_title);
    layout->addWidget(m_body, 1);
    auto* buttons = new QGridLayout;
    buttons->addWidget(m_start, 0, 0);
    buttons->addWidget(m_pause, 0, 1);
    buttons->addWidget(m_resume, 1, 0);
    buttons->addWidget(m_stop, 1, 1);
    buttons->addWidget(m_skip, 2, 0, 1, 2);
    layout->addLayout(buttons);
    m_body->setOpenLinks(false);
    const auto wire = [this](QPushButton* b, ferry::v1::PipelineAction a) {
        b->setObjectName(QStringLiteral("action_%1").arg(qs(ferry::v1::PipelineAction_Name(a))));
        connect(b, &QPushButton::clicked, this, [this, a] {
            if (hasPipeline()) {
                emit actionRequested(pipelineId(), a);
            }
        });
    };
    wire(m_start, ferry::v1::PIPELINE_ACTION_START);
    wire(m_pause, ferry::v1::PIPELINE_ACTION_PAUSE);
    wire(m_resume, ferry::v1::PIPELINE_ACTION_RESUME);
    wire(m_stop, ferry::v1::PIPELINE_ACTION_STOP);
    wire(m_skip, ferry::v1::PIPELINE_ACTION_SKIP);
    connect(&m_state, &ClusterState::topologyReset, this, &DetailsPanel::render);
    connect(&m_state, &ClusterState::statusesChanged, this, [this](const QList<quint64>& ids) {
        if (hasPipeline() && ids.contains(pipelineId())) {
            render();
        }
    });
    render();
}

void DetailsPanel::showObject(TopologyModel::Kind kind, const QString& id) {
    m_hasObject = true;
    m_kind = kind;
    m_id = id;
    render();
}

void DetailsPanel::clearObject() {
    m_hasObject = false;
    render();
}

void DetailsPanel::enableMonitoring(ConnectionManager& manager) {
    if (m_metrics != nullptr) {
        return;
    }
    m_metrics = new MetricHistoryModel(manager, this);
    m_charts = new PipelineCharts(*m_metrics, this);
    auto* box = qobject_cast<QVBoxLayout*>(layout());
    box->insertWidget(box->indexOf(m_body) + 1, m_charts, 2);
    render();
}

QString DetailsPanel::text() const {
    return m_title->text() + QLatin1Char('\n') + m_body->toPlainText();
}

void DetailsPanel::render() {
    for (auto* b : {m_start, m_pause, m_resume, m_stop, m_skip}) {
        b->setVisible(hasPipeline());
    }
    if (m_metrics != nullptr) {
        m_metrics->setPipeline(hasPipeline() ? pipelineId() : 0);
        m_charts->setVisible(hasPipeline());
    }
    if (!m_hasObject) {
        m_title->setText(tr("Nothing selected"));
        m_body->setHtml(
            tr("<p style='color:#707880'>Click a site, an agent, a data source or a "
               "pipeline arrow to see its details here.</p>"));
        return;
    }
    QString html = QStringLiteral("<table>");
    switch (m_kind) {
        case TopologyModel::Kind::Site: {
            m_title->setText(tr("Site %1").arg(m_id));
            if (const auto* s = m_state.site(m_id)) {
                html += row(tr("Description"), esc(qs(s->site().description())));
                html += row(tr("Priority"), QString::number(s->site().priority()));
                QStringList agents;
                for (const auto& a : s->agents()) {
                    agents << esc(qs(a));
                }
                QStringList sources;
                for (const auto& d : s->data_sources()) {
                    sources << esc(qs(d));
                }
                html += row(tr("Agents"), agents.join(QStringLiteral(", ")));
                html += row(tr("Data sources"), sources.join(QStringLiteral(", ")));
            }
            break;
        }
        case TopologyModel::Kind::Agent: {
            m_title->setText(tr("Agent %1").arg(m_id));
            if (const auto* a = m_state.agent(m_id)) {
                html += row(tr("Site"), esc(qs(a->agent().site())));
                html += row(tr("Address"), esc(qs(a->agent().address())));
                html += row(tr("Version"), esc(qs(a->agent().version())));
                html += row(tr("Leads capture of"),
                            QString::number(a->capture_pipelines_size()) + tr(" pipelines"));
                html += row(tr("Leads apply of"),
                            QString::number(a->apply_pipelines_size()) + tr(" pipelines"));
            }
            break;
        }
        case TopologyModel::Kind::DataSource: {
            m_title->setText(tr("Data source %1").arg(m_id));
            if (const auto* d = m_state.dataSource(m_id)) {
                const auto& ds = d->data_source();
                html += row(tr("Site"), esc(qs(ds.site())));
                html += row(tr("URL"), esc(qs(ds.url())));
                html += row(tr("Server"),
                            esc(qs(ds.version())) + tr(", server id %1").arg(ds.server_id()));
                html +=
                    row(tr("Ferry schema"), esc(ds.ferry_schema().empty() ? QStringLiteral("ferry")
                                                                          : qs(ds.ferry_schema())));
                html += row(tr("Config version"), QString::number(d->version()));
            }
            break;
        }
        case TopologyModel::Kind::Pipeline: {
            const auto* p = m_state.pipeline(m_id.toULongLong());
            const auto* s = m_state.status(m_id.toULongLong());
            m_title->setText(p != nullptr
                                 ? tr("Pipeline %1 (%2)").arg(qs(p->pipeline().name()), m_id)
                                 : tr("Pipeline %1").arg(m_id));
            const auto state = s != nullptr ? s->state() : ferry::v1::PIPELINE_STATE_UNSPECIFIED;
            m_start->setEnabled(state == ferry::v1::PIPELINE_STATE_STOPPED);
            m_pause->setEnabled(state == ferry::v1::PIPELINE_STATE_RUNNING);
            m_resume->setEnabled(state == ferry::v1::PIPELINE_STATE_PAUSED ||
                                 state == ferry::v1::PIPELINE_STATE_FAILED);
            m_stop->setEnabled(state != ferry::v1::PIPELINE_STATE_STOPPED &&
                               state != ferry::v1::PIPELINE_STATE_UNSPECIFIED);
            m_skip->setEnabled(state == ferry::v1::PIPELINE_STATE_FAILED);
            if (p != nullptr) {
                html += row(tr("Channel"), esc(qs(p->pipeline().channel())));
                html +=
                    row(tr("From → to"), esc(qs(p->pipeline().source())) + QStringLiteral(" → ") +
                                             esc(qs(p->pipeline().target())));
            }
            if (s != nullptr) {
                html += row(tr("State"), QStringLiteral("<b style='color:%1'>%2</b>")
                                             .arg(stateColor(state).name(), stateName(state)));
                html += row(tr("Lag"), formatLag(s->lag_seconds()));
                html += row(tr("Rows/s"), formatRows(s->rows_per_second()));
                html += row(tr("Bytes/s"), formatBytesPerSecond(s->bytes_per_second()));
                html += row(tr("Position"), esc(qs(s->position().file())) + QLatin1Char(':') +
                                                QString::number(s->position().pos()));
                html += row(tr("GTID set"), esc(qs(s->gtid_set())));
                html +=
                    row(tr("Capture / apply"), esc(qs(s->capture_agent())) + QStringLiteral(" / ") +
                                                   esc(qs(s->apply_agent())));
                if (!s->last_error().message().empty()) {
                    html += row(tr("Last error"),
                                QStringLiteral("<span style='color:#b3261e'>%1</span>")
                                    .arg(esc(qs(s->last_error().message()))));
                    html += row(tr("What to do"), esc(qs(s->last_error().hint())));
                    html += row(tr("Transaction"), esc(qs(s->last_error().transaction())));
                }
            }
            html += QStringLiteral("</table>");
            if (s != nullptr && s->tables_size() > 0) {
                html += QStringLiteral(
                            "<h4>%1</h4><table cellpadding='2'><tr><th "
                            "align='left'>%2</th><th>%3</th><th>%4</th><th>%5</th></tr>")
                            .arg(tr("Rows applied per table"), tr("Table"), tr("Inserts"),
                                 tr("Updates"), tr("Deletes"));
                for (const auto& t : s->tables()) {
                    html += QStringLiteral(
                                "<tr><td>%1.%2</td><td align='right'>%3</td><td "
                                "align='right'>%4</td><td align='right'>%5</td></tr>")
                                .arg(esc(qs(t.schema())), esc(qs(t.table())))
                                .arg(t.inserts())
                                .arg(t.updates())
                                .arg(t.deletes());
                }
            }
            break;
        }
    }
    html += QStringLiteral("</table>");
    m_body->setHtml(html);
}

}  // namespace ferry::gui
