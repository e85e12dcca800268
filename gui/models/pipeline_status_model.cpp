// SPDX-License-Identifier: Apache-2.0
#include "models/pipeline_status_model.h"

#include <QBrush>

#include <algorithm>
#include <vector>

#include "models/format.h"

namespace ferry::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

}  // namespace

PipelineStatusModel::PipelineStatusModel(const ClusterState& state, QObject* parent)
    : QAbstractTableModel(parent), m_state(state) {
    connect(&m_state, &ClusterState::topologyReset, this, [this] {
        beginResetModel();
        rebuildIndex();
        endResetModel();
    });
    connect(&m_state, &ClusterState::statusesChanged, this,
            &PipelineStatusModel::onStatusesChanged);
    rebuildIndex();
}

void PipelineStatusModel::rebuildIndex() {
    m_rows.clear();
    int row = 0;
    for (const auto& p : m_state.topology().pipelines) {
        m_rows[p.pipeline().id()] = row++;
    }
}

int PipelineStatusModel::rowOf(std::uint64_t pipelineId) const {
    const auto it = m_rows.find(pipelineId);
    return it == m_rows.end() ? -1 : it->second;
}

void PipelineStatusModel::onStatusesChanged(const QList<quint64>& ids) {
    // Contiguous runs of rows become one signal each: 200 pipelines updating every second cost
    // one dataChanged, not 200.
    int first = -1;
    int last = -1;
    const auto flush = [&] {
        if (first >= 0) {
            emit dataChanged(index(first, StateColumn), index(last, ErrorColumn));
        }
    };
    std::vector<int> rows;
    for (const auto id : ids) {
        if (const int r = rowOf(id); r >= 0) {
            rows.push_back(r);
        }
    }
    std::sort(rows.begin(), rows.end());
    for (const int r : rows) {
        if (first >= 0 && r == last + 1) {
            last = r;
            continue;
        }
        flush();
        first = last = r;
    }
    flush();
}

int PipelineStatusModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_state.topology().pipelines.size());
}

int PipelineStatusModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant PipelineStatusModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.model() != this || index.row() >= rowCount() ||
        index.column() >= ColumnCount) {
        return {};
    }
    const auto& p = m_state.topology().pipelines[static_cast<std::size_t>(index.row())].pipeline();
    const auto* s = m_state.status(p.id());
    const auto state = s != nullptr ? s->state() : ferry::v1::PIPELINE_STATE_UNSPECIFIED;
    switch (role) {
        case PipelineIdRole:
            return QVariant::fromValue<quint64>(p.id());
        case StateRole:
            return static_cast<int>(state);
        case Qt::ForegroundRole:
            return index.column() == StateColumn ||
                           (index.column() == ErrorColumn && s != nullptr &&
                            !s->last_error().message().empty())
                       ? QVariant(QBrush(stateColor(index.column() == ErrorColumn
                                                        ? ferry::v1::PIPELINE_STATE_FAILED
                                                        : state)))
                       : QVariant();
        case Qt::TextAlignmentRole:
            if (index.column() == IdColumn || index.column() == LagColumn ||
                index.column() == RowsColumn || index.column() == BytesColumn) {
                return QVariant(Qt::AlignRight | Qt::AlignVCenter);
            }
            return {};
        case Qt::ToolTipRole:
            if (s != nullptr && index.column() == ErrorColumn && !s->last_error().hint().empty()) {
                return tr("%1\nWhat to do: %2")
                    .arg(qs(s->last_error().message()), qs(s->last_error().hint()));
            }
            return {};
        case SortRole:
            switch (index.column()) {
                case IdColumn:
                    return QVariant::fromValue<quint64>(p.id());
                case LagColumn:
                    return s != nullptr ? s->lag_seconds() : -1.0;
                case RowsColumn:
                    return s != nullptr ? s->rows_per_second() : -1.0;
                case BytesColumn:
                    return s != nullptr ? s->bytes_per_second() : -1.0;
                default:
                    return data(index, Qt::DisplayRole);
            }
        case Qt::DisplayRole:
            break;
        default:
            return {};
    }
    switch (index.column()) {
        case IdColumn:
            return QString::number(p.id());
        case NameColumn:
            return qs(p.name());
        case StateColumn:
            return stateName(state);
        default:
            break;
    }
    if (s == nullptr) {
        return {};
    }
    switch (index.column()) {
        case LagColumn:
            return formatLag(s->lag_seconds());
        case RowsColumn:
            return formatRows(s->rows_per_second());
        case BytesColumn:
            return formatBytesPerSecond(s->bytes_per_second());
        case PositionColumn:
            return s->position().file().empty() ? QString()
                                                : QStringLiteral("%1:%2")
                                                      .arg(qs(s->position().file()))
                                                      .arg(s->position().pos());
        case GtidColumn:
            return qs(s->gtid_set());
        case AgentsColumn:
            return QStringLiteral("%1 → %2").arg(qs(s->capture_agent()), qs(s->apply_agent()));
        case ErrorColumn:
            return qs(s->last_error().message());
        default:
            return {};
    }
}

QVariant PipelineStatusModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) {
        return {};
    }
    switch (section) {
        case IdColumn:
            return tr("Id");
        case NameColumn:
            return tr("Pipeline");
        case StateColumn:
            return tr("State");
        case LagColumn:
            return tr("Lag");
        case RowsColumn:
            return tr("Rows/s");
        case BytesColumn:
            return tr("Bytes/s");
        case PositionColumn:
            return tr("Position");
        case GtidColumn:
            return tr("GTID set");
        case AgentsColumn:
            return tr("Capture → apply");
        case ErrorColumn:
            return tr("Last error");
        default:
            return {};
    }
}

}  // namespace ferry::gui
