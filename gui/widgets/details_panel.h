// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

#include <cstdint>

#include "client/cluster_state.h"
#include "models/topology_model.h"

class QLabel;
class QPushButton;
class QTextBrowser;

namespace ferry::gui {

class ConnectionManager;
class MetricHistoryModel;
class PipelineCharts;

// The side panel: details of the object selected in the topology or the pipeline table (a site,
// an agent, a data source, a pipeline with its status, per-table counters and last error with
// its hint), plus the pipeline actions that fit its state. It follows the ClusterState while an
// object is shown. With monitoring enabled, a pipeline also shows its lag and throughput charts
// (PipelineCharts over a MetricHistoryModel the panel owns). Does not own the state or the
// manager, which must outlive it.
class DetailsPanel : public QWidget {
    Q_OBJECT

public:
    explicit DetailsPanel(const ClusterState& state, QWidget* parent = nullptr);

    void showObject(TopologyModel::Kind kind, const QString& id);
    void clearObject();
    // The plain text shown (for tests).
    QString text() const;
    bool hasPipeline() const { return m_hasObject && m_kind == TopologyModel::Kind::Pipeline; }
    std::uint64_t pipelineId() const { return m_id.toULongLong(); }

    // Shows the charts of the selected pipeline, with history asked from `manager`.
    void enableMonitoring(ConnectionManager& manager);
    // Null until monitoring is enabled.
    MetricHistoryModel* metricModel() const { return m_metrics; }
    PipelineCharts* charts() const { return m_charts; }

signals:
    void actionRequested(std::uint64_t pipelineId, ferry::v1::PipelineAction action);

private:
    void render();

    const ClusterState& m_state;
    bool m_hasObject = false;
    TopologyModel::Kind m_kind = TopologyModel::Kind::Site;
    QString m_id;
    QLabel* m_title;
    QTextBrowser* m_body;
    QPushButton* m_start;
    QPushButton* m_pause;
    QPushButton* m_resume;
    QPushButton* m_stop;
    QPushButton* m_skip;
    MetricHistoryModel* m_metrics = nullptr;
    PipelineCharts* m_charts = nullptr;
};

}  // namespace ferry::gui
