// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QMainWindow>

#include <cstdint>
#include <optional>

#include "client/connection_manager.h"
#include "models/connection_list_model.h"
#include "models/pipeline_status_model.h"
#include "models/topology_model.h"

class QLabel;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace ferry::gui {

class ChannelDesigner;
class ConnectionsPanel;
class DetailsPanel;
class MessageBar;
class TopologyScene;
class TopologyView;

// The console's main window: a Connections dock (left), the topology, the pipeline table and the
// channel designer (tabs in the middle, with an in-place message bar above them), a Details dock
// (right) and a status bar with the current connection's status and a pipeline summary.
//
// Shortcuts: Ctrl+1 topology, Ctrl+2 pipelines, Ctrl+3 channel designer (Ctrl+S saves there,
// Ctrl+Z / Ctrl+Shift+Z undo and redo), Ctrl+Shift+N add connection, F5 refresh,
// Ctrl+P pause and Ctrl+R resume the selected pipeline, Ctrl+= / Ctrl+- / Ctrl+0 zoom the
// topology, Ctrl+Q quit. Failures of actions show in the message bar, never as modal boxes.
//
// Owns its models and views; does not own the ConnectionManager, which must outlive it.
class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(ConnectionManager& manager, QWidget* parent = nullptr);
    ~MainWindow() override;

    TopologyModel& topologyModel() { return *m_topologyModel; }
    PipelineStatusModel& pipelineModel() { return *m_pipelineModel; }
    TopologyScene& topologyScene() const { return *m_scene; }
    TopologyView& topologyView() const { return *m_topologyView; }
    DetailsPanel& detailsPanel() const { return *m_details; }
    MessageBar& messageBar() const { return *m_messages; }
    QTableView& pipelineTable() const { return *m_pipelineTable; }
    ChannelDesigner& channelDesigner() const { return *m_designer; }
    // Shows the channel designer tab.
    void showDesigner();
    QString connectionStatusText() const;

    // The pipeline the actions apply to: the one selected in the topology or the table.
    std::optional<std::uint64_t> selectedPipeline() const;
    void requestAction(std::uint64_t pipelineId, ferry::v1::PipelineAction action);

private:
    void buildMenus();
    void updateStatusBar();
    void onObjectSelected(TopologyModel::Kind kind, const QString& id);

    ConnectionManager& m_manager;
    TopologyModel* m_topologyModel;
    PipelineStatusModel* m_pipelineModel;
    ConnectionListModel* m_connectionModel;
    QSortFilterProxyModel* m_pipelineProxy;
    TopologyScene* m_scene;
    TopologyView* m_topologyView = nullptr;
    QTableView* m_pipelineTable = nullptr;
    ChannelDesigner* m_designer = nullptr;
    QTabWidget* m_tabs = nullptr;
    MessageBar* m_messages = nullptr;
    DetailsPanel* m_details = nullptr;
    ConnectionsPanel* m_connections = nullptr;
    QLabel* m_connectionStatus = nullptr;
    QLabel* m_pipelineSummary = nullptr;
};

}  // namespace ferry::gui
