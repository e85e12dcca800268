// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QWidget>

#include "client/connection_manager.h"
#include "models/connection_list_model.h"

class QAction;
class QTreeView;

namespace ferry::gui {

// The Connections dock: the list of agent endpoints with their status, and actions to add, edit,
// remove, connect, disconnect and make one current (double-click). Problems go to
// messageRequested, never to a modal box. Does not own the model or the manager.
class ConnectionsPanel : public QWidget {
    Q_OBJECT

public:
    ConnectionsPanel(ConnectionListModel& model, ConnectionManager& manager,
                     QWidget* parent = nullptr);

    QAction* addAction() const { return m_add; }
    QTreeView* view() const { return m_view; }

public slots:
    void addConnection();
    void editSelected();

signals:
    void messageRequested(const QString& text);

private:
    QString selectedId() const;
    void updateActions();

    ConnectionListModel& m_model;
    ConnectionManager& m_manager;
    QTreeView* m_view;
    QAction* m_add;
    QAction* m_edit;
    QAction* m_remove;
    QAction* m_connect;
    QAction* m_disconnect;
};

}  // namespace ferry::gui
