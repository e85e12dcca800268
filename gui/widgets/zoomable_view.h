// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QColor>
#include <QGraphicsView>
#include <QRectF>
#include <QString>

class QGraphicsScene;

namespace ferry::gui {

// A QGraphicsView that zooms with Ctrl+wheel or zoomIn()/zoomOut() by a fixed step and otherwise
// keeps its scene fitted: fitAll() (each subclass says what "all" is) runs on resize and when the
// scene rect changes, until the user zooms; fitAll() implementations call fitToRect(), which
// clears the user zoom again. Antialiased, zooming anchored under the mouse.
//
// Does not own the scene, which must outlive it. GUI thread only.
class ZoomableView : public QGraphicsView {
    Q_OBJECT

public:
    ZoomableView(QGraphicsScene& scene, qreal zoomStep, QWidget* parent = nullptr);

public slots:
    void zoomIn();
    void zoomOut();
    virtual void fitAll() = 0;

protected:
    bool isUserZoomed() const { return m_userZoomed; }
    // Fits `rect` into the viewport but never magnifies past 1:1, centered on `rect`, and
    // clears the user zoom.
    void fitToRect(const QRectF& rect);
    // Back to 1:1 and clears the user zoom.
    void resetZoom();
    // Called after each user zoom step (the transform is already scaled).
    virtual void onUserZoom() {}
    // Draws `text` centered in the viewport, in `color`, when the scene has no items.
    void drawEmptyHint(QPainter* painter, const QColor& color, const QString& text);

    void wheelEvent(QWheelEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void zoomBy(qreal factor);

    QGraphicsScene& m_zoomScene;
    qreal m_zoomStep;
    bool m_userZoomed = false;
};

}  // namespace ferry::gui
