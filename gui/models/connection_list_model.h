// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QAbstractTableModel>

#include "client/connection_manager.h"

namespace ferry::gui {

// The agent connections as a table: name (bold for the current one, "discovered" ones in
// italics), address, status text. Follows the ConnectionManager's signals. Does not own the
// manager, which must outlive it.
class ConnectionListModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column { NameColumn, AddressColumn, StatusColumn, ColumnCount };
    enum Role {
        IdRole = Qt::UserRole + 1,  // QString connection id
        StateRole,                  // int(ferry::client::ConnectionState)
        CurrentRole,                // bool
        DiscoveredRole,             // bool
    };

    explicit ConnectionListModel(const ConnectionManager& manager, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    const ConnectionManager& m_manager;
};

}  // namespace ferry::gui
