// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHash>
#include <QPointF>
#include <QStringList>

#include "models/topology_model.h"
#include "widgets/zoomable_view.h"

class QGraphicsSimpleTextItem;

namespace ferry::gui {

class PipelineEdgeItem;

// Draws a TopologyModel: sites as regions side by side, their agents and data sources inside,
// pipelines as arrows from source to target data source (opposite directions of a channel bend
// apart), labelled with lag and rows/s and colored by state. Selecting an item emits
// objectSelected. Rebuilt on model resets; labels and colors follow dataChanged.
//
// Does not own the model, which must outlive it.
class TopologyScene : public QGraphicsScene {
    Q_OBJECT

public:
    explicit TopologyScene(TopologyModel& model, QObject* parent = nullptr);

    // For tests and tools: what is drawn.
    QStringList siteTitles() const;
    QString pipelineLabel(const QString& pipelineId) const;
    int pipelineCount() const { return static_cast<int>(m_edges.size()); }
    // Scene position of an object's center; null when not drawn.
    QPointF centerOf(TopologyModel::Kind kind, const QString& id) const;
    void select(TopologyModel::Kind kind, const QString& id);

signals:
    void objectSelected(ferry::gui::TopologyModel::Kind kind, const QString& id);
    void selectionCleared();

private:
    void rebuild();
    void updatePipelines(const QModelIndex& topLeft, const QModelIndex& bottomRight);
    void onSelectionChanged();

    TopologyModel& m_model;
    QHash<QString, QGraphicsItem*> m_nodes;     // "kind:id" -> item
    QHash<QString, PipelineEdgeItem*> m_edges;  // pipeline id -> edge
    QList<QGraphicsSimpleTextItem*> m_siteTitles;
    bool m_rebuilding = false;
};

// The view of a TopologyScene: antialiased, zoom with Ctrl+wheel or zoomIn()/zoomOut(),
// fitAll() to show everything. Does not own the scene.
class TopologyView : public ZoomableView {
    Q_OBJECT

public:
    explicit TopologyView(TopologyScene& scene, QWidget* parent = nullptr);

    TopologyScene& topologyScene() const { return m_scene; }

public slots:
    void fitAll() override;

protected:
    void drawForeground(QPainter* painter, const QRectF& rect) override;

private:
    TopologyScene& m_scene;
};

}  // namespace ferry::gui
