// SPDX-License-Identifier: Apache-2.0
#include "widgets/zoomable_view.h"

#include <QGraphicsScene>
#include <QPainter>
#include <QWheelEvent>

namespace ferry::gui {

ZoomableView::ZoomableView(QGraphicsScene& scene, qreal zoomStep, QWidget* parent)
    : QGraphicsView(&scene, parent), m_zoomScene(scene), m_zoomStep(zoomStep) {
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
    setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    connect(&scene, &QGraphicsScene::sceneRectChanged, this, [this] {
        if (!m_userZoomed) {
            fitAll();
        }
    });
}

void ZoomableView::zoomIn() {
    zoomBy(m_zoomStep);
}

void ZoomableView::zoomOut() {
    zoomBy(1 / m_zoomStep);
}

void ZoomableView::zoomBy(qreal factor) {
    m_userZoomed = true;
    scale(factor, factor);
    onUserZoom();
}

void ZoomableView::fitToRect(const QRectF& rect) {
    m_userZoomed = false;
    fitInView(rect, Qt::KeepAspectRatio);
    if (transform().m11() > 1.0) {
        resetTransform();
    }
    centerOn(rect.center());
}

void ZoomableView::resetZoom() {
    m_userZoomed = false;
    resetTransform();
}

void ZoomableView::drawEmptyHint(QPainter* painter, const QColor& color, const QString& text) {
    if (!m_zoomScene.items().isEmpty()) {
        return;
    }
    painter->save();
    painter->resetTransform();
    painter->setPen(color);
    painter->drawText(viewport()->rect(), Qt::AlignCenter, text);
    painter->restore();
}

void ZoomableView::wheelEvent(QWheelEvent* event) {
    if (event->modifiers() & Qt::ControlModifier) {
        event->angleDelta().y() > 0 ? zoomIn() : zoomOut();
        event->accept();
        return;
    }
    QGraphicsView::wheelEvent(event);
}

void ZoomableView::resizeEvent(QResizeEvent* event) {
    QGraphicsView::resizeEvent(event);
    if (!m_userZoomed) {
        fitAll();
    }
}

}  // namespace ferry::gui
