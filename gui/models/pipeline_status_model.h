// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QAbstractTableModel>

#include <cstdint>
#include <map>

#include "client/cluster_state.h"

namespace ferry::gui {

// One row per configured pipeline (by id) with its latest status: state, lag, rates, position,
// GTID set, leaders and last error (its hint in the tooltip). SortRole gives numbers for the
// numeric columns so a QSortFilterProxyModel sorts lag by value, not by text.
//
// Follows the ClusterState (reset on topology changes, dataChanged per pipeline on status
// updates). Does not own the state, which must outlive it.
class PipelineStatusModel : public QAbstractTableModel {
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        NameColumn,
        StateColumn,
        LagColumn,
        RowsColumn,
        BytesColumn,
        PositionColumn,
        GtidColumn,
        AgentsColumn,
        ErrorColumn,
        ColumnCount
    };
    enum Role {
        PipelineIdRole = Qt::UserRole + 1,  // quint64
        StateRole,                          // int(PipelineState)
        SortRole,                           // a number for numeric columns, else the text
    };

    explicit PipelineStatusModel(const ClusterState& state, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The row of a pipeline, or -1.
    int rowOf(std::uint64_t pipelineId) const;

private:
    void onStatusesChanged(const QList<quint64>& ids);
    void rebuildIndex();

    const ClusterState& m_state;
    std::map<std::uint64_t, int> m_rows;
};

}  // namespace ferry::gui
