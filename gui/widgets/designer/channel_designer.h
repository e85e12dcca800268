// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

#include "client/connection_manager.h"
#include "widgets/designer/channel_design_model.h"

class QAction;
class QFrame;
class QLabel;
class QPushButton;
class QUndoStack;

namespace ferry::gui {

class ChannelPropertiesPanel;
class DesignScene;
class DesignSync;
class DesignView;

// The channel designer: a canvas of the cluster's data sources (grouped by site) on which the
// DBA drags from one data source to another to create a channel, a side panel with the selected
// channel's properties and every problem of the design, undo and redo of every edit, and Save.
//
// While the design is clean it follows the cluster (the ConnectionManager's ClusterState). Save
// refuses while the design has errors; otherwise it writes the model's plan through the current
// agent connection with the versions read (DesignSync), then reloads. When someone else changed
// an object the save touches, a strip offers the choice: Reload (drop local edits and re-read)
// or Keep mine (re-read the versions, re-apply the local edits on top, then save). Messages show
// in place, never in modal boxes.
//
// Owns its model, scene, undo stack and panel; does not own the ConnectionManager, which must
// outlive it. GUI thread only.
class ChannelDesigner : public QWidget {
    Q_OBJECT

public:
    explicit ChannelDesigner(ConnectionManager& manager, QWidget* parent = nullptr);
    ~ChannelDesigner() override;

    ChannelDesignModel& model() const { return *m_model; }
    DesignScene& scene() const { return *m_scene; }
    DesignView& view() const { return *m_view; }
    ChannelPropertiesPanel& panel() const { return *m_panel; }
    QUndoStack& undoStack() const { return *m_undo; }
    QAction* saveAction() const { return m_saveAction; }
    QAction* reloadAction() const { return m_reloadAction; }
    QAction* deleteAction() const { return m_deleteAction; }

    // A load or save is in flight.
    bool isBusy() const;
    // The summary beside the toolbar ("3 channels · unsaved changes · 1 error").
    QString summaryText() const;
    // The message strip's text ("" when hidden).
    QString messageText() const;
    // The version-conflict choice is shown.
    bool isConflictShown() const;

public slots:
    void save();
    // Drops local edits and re-reads the configuration (asks first when there are edits).
    void reload();
    // After a conflict: drop local edits and re-read.
    void reloadTheirs();
    // After a conflict: re-read, re-apply local edits, then save.
    void keepMine();
    void deleteSelected();

signals:
    // A save finished and the design was re-read.
    void saved();
    void loaded();

private:
    enum class Choice { None, Conflict, DiscardEdits };
    // Reload: replace the design; AfterSave: the same, then saved(); Rebase: keep mine, save.
    enum class LoadMode { Reload, AfterSave, Rebase };

    void followCluster();
    void load(LoadMode mode);
    void createChannel(const QString& source, const QString& target);
    void showMessage(const QString& text, bool error);
    void showChoice(Choice choice, const QString& text);
    void updateActions();

    ConnectionManager& m_manager;
    ChannelDesignModel* m_model;
    QUndoStack* m_undo;
    DesignSync* m_sync;
    DesignScene* m_scene;
    DesignView* m_view = nullptr;
    ChannelPropertiesPanel* m_panel = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_reloadAction = nullptr;
    QAction* m_deleteAction = nullptr;
    QLabel* m_summary = nullptr;
    QFrame* m_messageBar = nullptr;
    QLabel* m_message = nullptr;
    QFrame* m_choiceBar = nullptr;
    QLabel* m_choiceText = nullptr;
    QPushButton* m_keepMine = nullptr;
    QPushButton* m_reloadTheirs = nullptr;
    QPushButton* m_dismiss = nullptr;
    Choice m_choice = Choice::None;
};

}  // namespace ferry::gui
