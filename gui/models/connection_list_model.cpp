// SPDX-License-Identifier: Apache-2.0
#include "models/connection_list_model.h"

#include <QColor>
#include <QFont>

namespace ferry::gui {

namespace {

using ferry::client::ConnectionState;

QColor colorOf(ConnectionState state) {
    switch (state) {
        case ConnectionState::Connected:
            return QColor(0x2e, 0x9d, 0x4f);
        case ConnectionState::Connecting:
            return QColor(0xd9, 0x8e, 0x04);
        case ConnectionState::Refused:
        case ConnectionState::Error:
            return QColor(0xd0, 0x31, 0x2d);
        default:
            return QColor(0x80, 0x80, 0x80);
    }
}

}  // namespace

ConnectionListModel::ConnectionListModel(const ConnectionManager& manager, QObject* parent)
    : QAbstractTableModel(parent), m_manager(manager) {
    connect(&manager, &ConnectionManager::connectionAboutToBeAdded, this,
            [this](int row) { beginInsertRows({}, row, row); });
    connect(&manager, &ConnectionManager::connectionAdded, this, [this] { endInsertRows(); });
    connect(&manager, &ConnectionManager::connectionAboutToBeRemoved, this,
            [this](int row) { beginRemoveRows({}, row, row); });
    connect(&manager, &ConnectionManager::connectionRemoved, this, [this] { endRemoveRows(); });
    connect(&manager, &ConnectionManager::connectionChanged, this, [this](int row) {
        if (row >= 0 && row < rowCount()) {
            emit dataChanged(index(row, 0), index(row, ColumnCount - 1));
        }
    });
    connect(&manager, &ConnectionManager::currentChanged, this, [this] {
        if (rowCount() > 0) {
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        }
    });
}

int ConnectionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : m_manager.count();
}

int ConnectionListModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ConnectionListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.model() != this || index.row() >= rowCount() ||
        index.column() >= ColumnCount) {
        return {};
    }
    const auto& c = m_manager.at(index.row());
    const bool current = c.id == m_manager.currentId();
    switch (role) {
        case IdRole:
            return c.id;
        case StateRole:
            return static_cast<int>(c.state);
        case CurrentRole:
            return current;
        case DiscoveredRole:
            return c.discovered;
        case Qt::DecorationRole:
            return index.column() == NameColumn ? QVariant(colorOf(c.state)) : QVariant();
        case Qt::FontRole: {
            if (!current && !c.discovered) {
                return {};
            }
            QFont font;
            font.setBold(current);
            font.setItalic(c.discovered);
            return font;
        }
        case Qt::ToolTipRole:
            return c.statusText;
        case Qt::DisplayRole:
            switch (index.column()) {
                case NameColumn:
                    return m_manager.displayName(index.row());
                case AddressColumn:
                    return c.settings.endpoint.address();
                case StatusColumn:
                    if (c.state == ConnectionState::Connected) {
                        return tr("connected as %1").arg(c.role);
                    }
                    return c.statusText.isEmpty() ? ferry::client::connectionStateName(c.state)
                                                  : c.statusText;
                default:
                    return {};
            }
        default:
            return {};
    }
}

QVariant ConnectionListModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case NameColumn:
            return tr("Agent");
        case AddressColumn:
            return tr("Address");
        case StatusColumn:
            return tr("Status");
        default:
            return {};
    }
}

}  // namespace ferry::gui
