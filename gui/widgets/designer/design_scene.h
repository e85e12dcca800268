// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHash>
#include <QPointF>
#include <QStringList>

#include "widgets/designer/channel_design_model.h"
#include "widgets/zoomable_view.h"

class QGraphicsLineItem;

namespace ferry::gui {

class DesignChannelItem;
class DesignDataSourceItem;

// Draws a ChannelDesignModel: sites as columns, their data sources inside, channels as arrows
// between data sources (one-way: a single arrow; two-way: a double rail with heads at both
// ends; channels with errors red and dashed). Several channels between the same data sources
// bend apart.
//
// Dragging with the left button from one data source to another asks for a channel
// (connectRequested); the scene itself never edits the model, so every edit goes through the
// designer's undo stack. Selecting a channel emits channelSelected. Data sources are rebuilt on
// model resets, channels on every channel change (the selection is kept).
//
// Does not own the model, which must outlive it. GUI thread only.
class DesignScene : public QGraphicsScene {
    Q_OBJECT

public:
    explicit DesignScene(ChannelDesignModel& model, QObject* parent = nullptr);

    // For tests and tools: what is drawn, in scene coordinates (null points when not drawn).
    QPointF dataSourceCenter(const QString& id) const;
    QPointF channelCenter(int key) const;
    int channelCount() const { return static_cast<int>(m_channels.size()); }
    bool isDrawnTwoWay(int key) const;
    bool isDrawnInvalid(int key) const;
    QString channelLabel(int key) const;
    QStringList siteTitles() const { return m_siteTitles; }
    bool isDragging() const { return m_rubber != nullptr; }

    // The selected channel's key, 0 when none.
    int selectedChannel() const;
    void selectChannel(int key);

signals:
    void connectRequested(const QString& source, const QString& target);
    // key 0: nothing (or no channel) is selected.
    void channelSelected(int key);

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* event) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* event) override;

private:
    void rebuild();
    void rebuildChannels();
    DesignDataSourceItem* dataSourceAt(const QPointF& scenePos) const;
    void setDropTarget(DesignDataSourceItem* item);

    ChannelDesignModel& m_model;
    QHash<QString, DesignDataSourceItem*> m_dataSources;
    QHash<int, DesignChannelItem*> m_channels;
    QStringList m_siteTitles;
    QString m_dragFrom;
    QGraphicsLineItem* m_rubber = nullptr;
    DesignDataSourceItem* m_dropTarget = nullptr;
    bool m_rebuilding = false;
};

// The view of a DesignScene: antialiased, Ctrl+wheel zooms, fitAll() shows everything (also on
// resize until the user zooms).
class DesignView : public ZoomableView {
    Q_OBJECT

public:
    explicit DesignView(DesignScene& scene, QWidget* parent = nullptr);

public slots:
    void fitAll() override;

protected:
    void onUserZoom() override;
    void drawForeground(QPainter* painter, const QRectF& rect) override;

private:
    DesignScene& m_scene;
};

}  // namespace ferry::gui
