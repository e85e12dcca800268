// SPDX-License-Identifier: Apache-2.0
#include "models/topology_model.h"

#include <QBrush>

#include "models/format.h"

namespace ferry::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString agentStateName(ferry::v1::AgentState state) {
    switch (state) {
        case ferry::v1::AGENT_STATE_ONLINE:
            return QStringLiteral("online");
        case ferry::v1::AGENT_STATE_UNREACHABLE:
            return QStringLiteral("unreachable");
        case ferry::v1::AGENT_STATE_OFFLINE:
            return QStringLiteral("offline");
        default:
            return QStringLiteral("unknown");
    }
}

}  // namespace

TopologyModel::TopologyModel(const ClusterState& state, QObject* parent)
    : QAbstractItemModel(parent), m_state(state) {
    connect(&m_state, &ClusterState::topologyReset, this, [this] {
        beginResetModel();
        rebuild();
        endResetModel();
    });
    connect(&m_state, &ClusterState::statusesChanged, this, &TopologyModel::onStatusesChanged);
    rebuild();
}

int TopologyModel::addNode(Kind kind, const QString& id, int parent) {
    Node n;
    n.kind = kind;
    n.id = id;
    n.parent = parent;
    const int index = static_cast<int>(m_nodes.size());
    if (parent < 0) {
        n.row = static_cast<int>(m_roots.size());
        m_roots.push_back(index);
    } else {
        n.row = static_cast<int>(m_nodes[static_cast<std::size_t>(parent)].children.size());
        m_nodes[static_cast<std::size_t>(parent)].children.push_back(index);
    }
    m_nodes.push_back(std::move(n));
    return index;
}

void TopologyModel::rebuild() {
    m_nodes.clear();
    m_roots.clear();
    m_pipelineNodes.clear();
    const auto& t = m_state.topology();
    std::map<QString, int> siteNodes;
    const auto siteNode = [&](const QString& name) {
        auto it = siteNodes.find(name);
        if (it != siteNodes.end()) {
            return it->second;
        }
        const int n = addNode(Kind::Site, name, -1);
        siteNodes[name] = n;
        return n;
    };
    for (const auto& s : t.sites) {
        siteNode(qs(s.site().name()));
    }
    for (const auto& a : t.agents) {
        addNode(Kind::Agent, qs(a.agent().id()), siteNode(qs(a.agent().site())));
    }
    std::map<QString, int> dataSourceNodes;
    for (const auto& d : t.dataSources) {
        const QString id = qs(d.data_source().id());
        dataSourceNodes[id] = addNode(Kind::DataSource, id, siteNode(qs(d.data_source().site())));
    }
    for (const auto& p : t.pipelines) {
        const auto source = dataSourceNodes.find(qs(p.pipeline().source()));
        if (source == dataSourceNodes.end()) {
            continue;  // its data source is gone; the pipeline table still lists it
        }
        m_pipelineNodes[p.pipeline().id()] =
            addNode(Kind::Pipeline, QString::number(p.pipeline().id()), source->second);
    }
}

void TopologyModel::onStatusesChanged(const QList<quint64>& ids) {
    for (const auto id : ids) {
        const auto it = m_pipelineNodes.find(id);
        if (it == m_pipelineNodes.end()) {
            continue;
        }
        const Node& n = m_nodes[static_cast<std::size_t>(it->second)];
        emit dataChanged(createIndex(n.row, StateColumn, it->second),
                         createIndex(n.row, RowsColumn, it->second));
        emit dataChanged(createIndex(n.row, NameColumn, it->second),
                         createIndex(n.row, NameColumn, it->second),
                         {StateRole, LagRole, RowsRole, LabelRole});
    }
}

const TopologyModel::Node* TopologyModel::nodeOf(const QModelIndex& index) const {
    if (!index.isValid() || index.model() != this || index.internalId() >= m_nodes.size()) {
        return nullptr;
    }
    return &m_nodes[index.internalId()];
}

QModelIndex TopologyModel::index(int row, int column, const QModelIndex& parent) const {
    if (row < 0 || column < 0 || column >= ColumnCount) {
        return {};
    }
    if (!parent.isValid()) {
        if (row >= static_cast<int>(m_roots.size())) {
            return {};
        }
        return createIndex(row, column, static_cast<quintptr>(m_roots[static_cast<size_t>(row)]));
    }
    const Node* p = nodeOf(parent);
    if (p == nullptr || parent.column() != 0 || row >= static_cast<int>(p->children.size())) {
        return {};
    }
    return createIndex(row, column, static_cast<quintptr>(p->children[static_cast<size_t>(row)]));
}

QModelIndex TopologyModel::parent(const QModelIndex& child) const {
    const Node* n = nodeOf(child);
    if (n == nullptr || n->parent < 0) {
        return {};
    }
    const Node& p = m_nodes[static_cast<std::size_t>(n->parent)];
    return createIndex(p.row, 0, static_cast<quintptr>(n->parent));
}

int TopologyModel::rowCount(const QModelIndex& parent) const {
    if (!parent.isValid()) {
        return static_cast<int>(m_roots.size());
    }
    const Node* p = nodeOf(parent);
    return p == nullptr || parent.column() != 0 ? 0 : static_cast<int>(p->children.size());
}

int TopologyModel::columnCount(const QModelIndex&) const {
    return ColumnCount;
}

QModelIndex TopologyModel::find(Kind kind, const QString& id) const {
    for (std::size_t i = 0; i < m_nodes.size(); ++i) {
        if (m_nodes[i].kind == kind && m_nodes[i].id == id) {
            return createIndex(m_nodes[i].row, 0, static_cast<quintptr>(i));
        }
    }
    return {};
}

QVariant TopologyModel::data(const QModelIndex& index, int role) const {
    const Node* n = nodeOf(index);
    if (n == nullptr) {
        return {};
    }
    switch (role) {
        case KindRole:
            return static_cast<int>(n->kind);
        case IdRole:
            return n->id;
        default:
            break;
    }
    if (n->kind == Kind::Site) {
        const auto* site = m_state.site(n->id);
        if (role == SiteRole) {
            return n->id;
        }
        if (role == Qt::DisplayRole && index.column() == NameColumn) {
            return site != nullptr && !site->site().description().empty()
                       ? QStringLiteral("%1 (%2)").arg(n->id, qs(site->site().description()))
                       : n->id;
        }
        if (role == Qt::DisplayRole && index.column() == StateColumn && site != nullptr) {
            switch (site->health()) {
                case ferry::v1::SITE_HEALTH_OK:
                    return QStringLiteral("ok");
                case ferry::v1::SITE_HEALTH_DEGRADED:
                    return QStringLiteral("degraded");
                case ferry::v1::SITE_HEALTH_DOWN:
                    return QStringLiteral("down");
                default:
                    return QStringLiteral("unknown");
            }
        }
        return {};
    }
    if (n->kind == Kind::Agent) {
        const auto* agent = m_state.agent(n->id);
        if (agent == nullptr) {
            return {};
        }
        switch (role) {
            case SiteRole:
                return qs(agent->agent().site());
            case StateRole:
                return static_cast<int>(agent->state());
            case Qt::DisplayRole:
                if (index.column() == NameColumn) {
                    return n->id;
                }
                if (index.column() == StateColumn) {
                    return agentStateName(agent->state());
                }
                return {};
            case Qt::ToolTipRole:
                return QStringLiteral("agent %1 at %2, version %3")
                    .arg(n->id, qs(agent->agent().address()), qs(agent->agent().version()));
            default:
                return {};
        }
    }
    if (n->kind == Kind::DataSource) {
        const auto* ds = m_state.dataSource(n->id);
        if (ds == nullptr) {
            return {};
        }
        switch (role) {
            case SiteRole:
                return qs(ds->data_source().site());
            case Qt::DisplayRole:
                if (index.column() == NameColumn) {
                    return n->id;
                }
                if (index.column() == StateColumn) {
                    return qs(ds->data_source().version());
                }
                return {};
            case Qt::ToolTipRole:
                return qs(ds->data_source().url());
            default:
                return {};
        }
    }
    // Pipeline.
    const std::uint64_t id = n->id.toULongLong();
    const auto* p = m_state.pipeline(id);
    const auto* s = m_state.status(id);
    if (p == nullptr) {
        return {};
    }
    const auto state = s != nullptr ? s->state() : ferry::v1::PIPELINE_STATE_UNSPECIFIED;
    switch (role) {
        case SiteRole:
            return m_state.siteOfDataSource(qs(p->pipeline().source()));
        case SourceRole:
            return qs(p->pipeline().source());
        case TargetRole:
            return qs(p->pipeline().target());
        case StateRole:
            return static_cast<int>(state);
        case LagRole:
            return s != nullptr ? QVariant(s->lag_seconds()) : QVariant();
        case RowsRole:
            return s != nullptr ? QVariant(s->rows_per_second()) : QVariant();
        case LabelRole:
            return s == nullptr ? QStringLiteral("no status yet")
                                : QStringLiteral("%1 · %2").arg(formatLag(s->lag_seconds()),
                                                                formatRows(s->rows_per_second()));
        case Qt::ForegroundRole:
            return index.column() == StateColumn ? QVariant(QBrush(stateColor(state))) : QVariant();
        case Qt::ToolTipRole:
            return s != nullptr && !s->last_error().message().empty()
                       ? QStringLiteral("%1\n%2").arg(qs(s->last_error().message()),
                                                      qs(s->last_error().hint()))
                       : QVariant();
        case Qt::DisplayRole:
            switch (index.column()) {
                case NameColumn:
                    return qs(p->pipeline().name());
                case StateColumn:
                    return stateName(state);
                case LagColumn:
                    return s != nullptr ? formatLag(s->lag_seconds()) : QString();
                case RowsColumn:
                    return s != nullptr ? formatRows(s->rows_per_second()) : QString();
                default:
                    return {};
            }
        default:
            return {};
    }
}

QVariant TopologyModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case NameColumn:
            return tr("Name");
        case StateColumn:
            return tr("State");
        case LagColumn:
            return tr("Lag");
        case RowsColumn:
            return tr("Rows/s");
        default:
            return {};
    }
}

}  // namespace ferry::gui
