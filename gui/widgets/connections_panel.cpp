// SPDX-License-Identifier: Apache-2.0
#include "widgets/connections_panel.h"

#include <QAction>
#include <QHeaderView>
#include <QToolBar>
#include <QTreeView>
#include <QVBoxLayout>

#include "widgets/connection_dialog.h"

namespace ferry::gui {

ConnectionsPanel::ConnectionsPanel(ConnectionListModel& model, ConnectionManager& manager,
                                   QWidget* parent)
    : QWidget(parent), m_model(model), m_manager(manager), m_view(new QTreeView(this)) {
    setObjectName(QStringLiteral("connectionsPanel"));
    auto* toolbar = new QToolBar(this);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_add = toolbar->addAction(tr("Add…"), this, &ConnectionsPanel::addConnection);
    m_add->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_N));
    m_add->setShortcutContext(Qt::ApplicationShortcut);
    m_add->setToolTip(tr("Add an agent connection (Ctrl+Shift+N)"));
    m_edit = toolbar->addAction(tr("Edit…"), this, &ConnectionsPanel::editSelected);
    m_remove = toolbar->addAction(tr("Remove"), this, [this] { m_manager.remove(selectedId()); });
    m_connect =
        toolbar->addAction(tr("Connect"), this, [this] { m_manager.connectTo(selectedId()); });
    m_disconnect = toolbar->addAction(tr("Disconnect"), this,
                                      [this] { m_manager.disconnectFrom(selectedId()); });
    m_view->setModel(&m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(ConnectionListModel::NameColumn, 130);
    m_view->setColumnWidth(ConnectionListModel::AddressColumn, 130);
    connect(m_view, &QTreeView::doubleClicked, this, [this](const QModelIndex& index) {
        const QString id = index.data(ConnectionListModel::IdRole).toString();
        m_manager.connectTo(id);
        m_manager.setCurrent(id);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ConnectionsPanel::updateActions);
    connect(&m_model, &QAbstractItemModel::dataChanged, this, &ConnectionsPanel::updateActions);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(toolbar);
    layout->addWidget(m_view, 1);
    updateActions();
}

QString ConnectionsPanel::selectedId() const {
    const auto rows = m_view->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(ConnectionListModel::IdRole).toString();
}

void ConnectionsPanel::updateActions() {
    const int row = m_manager.indexOf(selectedId());
    m_edit->setEnabled(row >= 0);
    m_remove->setEnabled(row >= 0);
    const auto state =
        row >= 0 ? m_manager.at(row).state : ferry::client::ConnectionState::Disconnected;
    m_connect->setEnabled(row >= 0 && state != ferry::client::ConnectionState::Connected);
    m_disconnect->setEnabled(row >= 0 && state != ferry::client::ConnectionState::Disconnected);
}

void ConnectionsPanel::addConnection() {
    ConnectionDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    const auto settings = dialog.settings();
    if (!settings.ok()) {
        emit messageRequested(QString::fromStdString(settings.error().message));
        return;
    }
    if (auto added = m_manager.add(*settings); !added.ok()) {
        emit messageRequested(QString::fromStdString(added.error().message));
    }
}

void ConnectionsPanel::editSelected() {
    const QString id = selectedId();
    const int row = m_manager.indexOf(id);
    if (row < 0) {
        return;
    }
    ConnectionDialog dialog(this);
    dialog.setSettings(m_manager.at(row).settings);
    if (dialog.exec() != QDialog::Accepted) {
        return;
    }
    const auto settings = dialog.settings();
    if (!settings.ok()) {
        emit messageRequested(QString::fromStdString(settings.error().message));
        return;
    }
    if (auto updated = m_manager.update(id, *settings); !updated.ok()) {
        emit messageRequested(QString::fromStdString(updated.error().message));
    }
}

}  // namespace ferry::gui
