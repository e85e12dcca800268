// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QAbstractItemModel>
#include <QString>

#include <cstdint>
#include <map>
#include <vector>

#include "client/cluster_state.h"

namespace ferry::gui {

// The cluster as a tree: sites at the top; under each site its agents and data sources; under
// each data source the pipelines that read from it (with state, lag and rows/s). Columns: name,
// state, lag, rows/s. The topology view and the details panel read it through the roles below.
//
// Follows the ClusterState: a topology change resets the model, a status change emits
// dataChanged for that pipeline's row. Does not own the state, which must outlive it.
class TopologyModel : public QAbstractItemModel {
    Q_OBJECT

public:
    enum class Kind { Site, Agent, DataSource, Pipeline };
    enum Role {
        KindRole = Qt::UserRole + 1,  // int(Kind)
        IdRole,                       // QString: site name, agent id, data source id, pipeline id
        StateRole,                    // pipelines: int(PipelineState); agents: int(AgentState)
        LagRole,                      // pipelines: double seconds
        RowsRole,                     // pipelines: double rows/s
        SourceRole,                   // pipelines: source data source id
        TargetRole,                   // pipelines: target data source id
        SiteRole,                     // the site this item belongs to
        LabelRole,                    // pipelines: "0.31 s · 1,204 rows/s"
    };
    enum Column { NameColumn, StateColumn, LagColumn, RowsColumn, ColumnCount };

    explicit TopologyModel(const ClusterState& state, QObject* parent = nullptr);

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The index (column 0) of an object, invalid when absent.
    QModelIndex find(Kind kind, const QString& id) const;

private:
    struct Node {
        Kind kind = Kind::Site;
        QString id;
        int parent = -1;  // node index, -1 for sites
        int row = 0;      // row under its parent
        std::vector<int> children;
    };

    void rebuild();
    void onStatusesChanged(const QList<quint64>& ids);
    const Node* nodeOf(const QModelIndex& index) const;
    int addNode(Kind kind, const QString& id, int parent);

    const ClusterState& m_state;
    std::vector<Node> m_nodes;
    std::vector<int> m_roots;
    std::map<std::uint64_t, int> m_pipelineNodes;
};

}  // namespace ferry::gui
