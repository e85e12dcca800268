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

// The side panel: details of the object selected in the topology or the pipeline table (a site,
// an agent, a data source, a pipeline with its status, per-table counters and last error with
// its hint), plus the pipeline actions that fit its state. It follows the ClusterState while an
// object is shown. Does not own the state, which must outlive it.
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
};

}  // namespace ferry::gui
