// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/design_scene.h"

#include <QGraphicsLineItem>
#include <QGraphicsRectItem>
#include <QGraphicsSceneMouseEvent>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>

#include <cmath>
#include <map>

namespace ferry::gui {

namespace {

constexpr qreal kSiteWidth = 250;
constexpr qreal kSiteGap = 200;
constexpr qreal kNodeWidth = 200;
constexpr qreal kNodeHeight = 70;
constexpr qreal kNodeGap = 50;
constexpr qreal kSiteTop = 50;
constexpr qreal kBendStep = 56;

const QColor kOneWay(0x2f, 0x6f, 0xb0);
const QColor kTwoWay(0x7b, 0x3f, 0xa0);
const QColor kInvalid(0xc6, 0x28, 0x28);

// Where the segment from `inside` (within rect) towards `outside` leaves the rect.
QPointF leaveRect(const QPointF& inside, const QPointF& outside, const QRectF& rect) {
    const QLineF ray(inside, outside);
    const QLineF edges[] = {{rect.topLeft(), rect.topRight()},
                            {rect.topRight(), rect.bottomRight()},
                            {rect.bottomRight(), rect.bottomLeft()},
                            {rect.bottomLeft(), rect.topLeft()}};
    for (const auto& edge : edges) {
        QPointF hit;
        if (ray.intersects(edge, &hit) == QLineF::BoundedIntersection) {
            return hit;
        }
    }
    return inside;
}

QPolygonF arrowHead(const QPointF& tip, const QPointF& from, qreal size) {
    QLineF back(tip, from);
    if (back.length() < 1e-6) {
        return {};
    }
    back.setLength(size);
    const auto turned = [&](qreal degrees) {
        QTransform t;
        t.translate(tip.x(), tip.y()).rotate(degrees).translate(-tip.x(), -tip.y());
        return t.map(back.p2());
    };
    return QPolygonF({tip, turned(25), turned(-25)});
}

}  // namespace

// A data source: a cylinder with its id and address; highlighted while it is a drop target.
class DesignDataSourceItem : public QGraphicsItem {
public:
    explicit DesignDataSourceItem(DesignDataSource ds) : m_ds(std::move(ds)) {
        setCursor(Qt::CrossCursor);
        setToolTip(QObject::tr("%1 (%2)\nDrag to another data source to create a channel.")
                       .arg(m_ds.id, m_ds.url));
        setZValue(1);
    }

    const QString& id() const { return m_ds.id; }
    void setHighlighted(bool on) {
        m_highlighted = on;
        update();
    }

    QRectF boundingRect() const override { return {0, 0, kNodeWidth, kNodeHeight}; }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        painter->setRenderHint(QPainter::Antialiasing);
        const QRectF r = boundingRect().adjusted(1, 1, -1, -1);
        const qreal ellipse = 14;
        const QColor border = m_highlighted ? QColor(0x1f, 0x8f, 0x4e) : QColor(0x6b, 0x77, 0x85);
        painter->setPen(QPen(border, m_highlighted ? 3 : 1.2));
        QPainterPath body;
        body.moveTo(r.left(), r.top() + ellipse / 2);
        body.lineTo(r.left(), r.bottom() - ellipse / 2);
        body.arcTo(QRectF(r.left(), r.bottom() - ellipse, r.width(), ellipse), 180, 180);
        body.lineTo(r.right(), r.top() + ellipse / 2);
        body.arcTo(QRectF(r.left(), r.top(), r.width(), ellipse), 0, 180);
        painter->setBrush(m_highlighted ? QColor(0xe3, 0xf4, 0xe8) : QColor(0xe8, 0xf0, 0xfa));
        painter->drawPath(body);
        painter->setBrush(QColor(0xd3, 0xe2, 0xf5));
        painter->drawEllipse(QRectF(r.left(), r.top(), r.width(), ellipse));
        QFont bold = painter->font();
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(QColor(0x20, 0x25, 0x2b));
        const QRectF text(r.left() + 8, r.top() + 16, r.width() - 16, r.height() - 20);
        painter->drawText(text, Qt::AlignHCenter | Qt::AlignTop, m_ds.id);
        QFont small = painter->font();
        small.setBold(false);
        small.setPointSizeF(small.pointSizeF() * 0.85);
        painter->setFont(small);
        painter->setPen(QColor(0x55, 0x5e, 0x68));
        painter->drawText(text, Qt::AlignHCenter | Qt::AlignBottom,
                          painter->fontMetrics().elidedText(m_ds.url, Qt::ElideMiddle,
                                                            static_cast<int>(text.width())));
    }

private:
    DesignDataSource m_ds;
    bool m_highlighted = false;
};

// A channel: a curve between two data sources with its id as a label.
class DesignChannelItem : public QGraphicsPathItem {
public:
    DesignChannelItem(int key, const ChannelProperties& p, QPointF from, QPointF to,
                      const QRectF& fromRect, const QRectF& toRect, qreal bend, bool invalid,
                      const QString& tooltip)
        : m_key(key), m_twoWay(p.kind == ferry::v1::CHANNEL_KIND_TWO_WAY), m_invalid(invalid) {
        setFlag(ItemIsSelectable);
        setCursor(Qt::PointingHandCursor);
        setZValue(2);
        setToolTip(tooltip);
        const QLineF line(from, to);
        const qreal length = std::max<qreal>(line.length(), 1);
        const QPointF normal(-line.dy() / length, line.dx() / length);
        // The control point lies twice as far out as the curve's apex.
        const QPointF control = line.pointAt(0.5) + normal * bend * 2;
        m_start = leaveRect(from, control, fromRect);
        m_end = leaveRect(to, control, toRect);
        m_control = control;
        QPainterPath path(m_start);
        path.quadTo(m_control, m_end);
        setPath(path);
        m_apex = path.pointAtPercent(0.5);

        m_labelBack = new QGraphicsRectItem(this);
        m_labelBack->setPen(Qt::NoPen);
        m_labelBack->setBrush(QColor(255, 255, 255, 235));
        m_label = new QGraphicsSimpleTextItem(m_labelBack);
        m_label->setText((m_invalid ? QStringLiteral("⚠ ") : QString()) + p.id +
                         (m_twoWay ? QStringLiteral("  ⇄") : QStringLiteral("  →")));
        QFont f = m_label->font();
        f.setBold(true);
        m_label->setFont(f);
        m_label->setBrush(color().darker(130));
        const QRectF text = m_label->boundingRect();
        m_labelBack->setRect(QRectF(0, 0, text.width() + 10, text.height() + 4));
        m_labelBack->setPos(m_apex - QPointF(text.width() / 2 + 5, text.height() / 2 + 2));
        m_label->setPos(5, 2);
    }

    int key() const { return m_key; }
    bool twoWay() const { return m_twoWay; }
    bool invalid() const { return m_invalid; }
    QString label() const { return m_label->text(); }
    QPointF apex() const { return m_apex; }

    QColor color() const { return m_invalid ? kInvalid : m_twoWay ? kTwoWay : kOneWay; }

    QRectF boundingRect() const override {
        return QGraphicsPathItem::boundingRect().adjusted(-14, -14, 14, 14);
    }

    QPainterPath shape() const override {
        QPainterPathStroker stroker;
        stroker.setWidth(16);
        return stroker.createStroke(path());
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        painter->setRenderHint(QPainter::Antialiasing);
        const QColor c = color();
        const qreal width = isSelected() ? 3.2 : 2.2;
        if (isSelected()) {
            painter->setPen(
                QPen(QColor(c.red(), c.green(), c.blue(), 60), 14, Qt::SolidLine, Qt::RoundCap));
            painter->drawPath(path());
        }
        const Qt::PenStyle style = m_invalid ? Qt::DashLine : Qt::SolidLine;
        painter->setBrush(Qt::NoBrush);
        if (m_twoWay) {
            // A double rail: a wide stroke with a white core.
            painter->setPen(QPen(c, width * 2.6, style, Qt::FlatCap));
            painter->drawPath(path());
            painter->setPen(QPen(Qt::white, width * 0.9, Qt::SolidLine, Qt::FlatCap));
            painter->drawPath(path());
        } else {
            painter->setPen(QPen(c, width, style, Qt::RoundCap));
            painter->drawPath(path());
        }
        painter->setPen(Qt::NoPen);
        painter->setBrush(c);
        painter->drawPolygon(arrowHead(m_end, m_control, 14));
        if (m_twoWay) {
            painter->drawPolygon(arrowHead(m_start, m_control, 14));
        }
    }

private:
    int m_key;
    bool m_twoWay;
    bool m_invalid;
    QPointF m_start;
    QPointF m_end;
    QPointF m_control;
    QPointF m_apex;
    QGraphicsRectItem* m_labelBack;
    QGraphicsSimpleTextItem* m_label;
};

DesignScene::DesignScene(ChannelDesignModel& model, QObject* parent)
    : QGraphicsScene(parent), m_model(model) {
    setBackgroundBrush(QColor(0xfb, 0xfb, 0xfa));
    connect(&m_model, &ChannelDesignModel::modelReset, this, &DesignScene::rebuild);
    connect(&m_model, &ChannelDesignModel::channelAdded, this, &DesignScene::rebuildChannels);
    connect(&m_model, &ChannelDesignModel::channelRemoved, this, &DesignScene::rebuildChannels);
    connect(&m_model, &ChannelDesignModel::channelChanged, this, &DesignScene::rebuildChannels);
    connect(this, &QGraphicsScene::selectionChanged, this, [this] {
        if (!m_rebuilding) {
            emit channelSelected(selectedChannel());
        }
    });
    rebuild();
}

void DesignScene::rebuild() {
    const int selected = selectedChannel();
    m_rebuilding = true;
    m_rubber = nullptr;
    m_dropTarget = nullptr;
    m_dragFrom.clear();
    clear();
    m_dataSources.clear();
    m_channels.clear();
    m_siteTitles.clear();

    QStringList sites = m_model.sites();
    std::map<QString, std::vector<DesignDataSource>> bySite;
    for (const auto& ds : m_model.dataSources()) {
        bySite[ds.site].push_back(ds);
        if (!sites.contains(ds.site)) {
            sites.append(ds.site);
        }
    }
    std::size_t tallest = 1;
    for (const auto& [site, list] : bySite) {
        tallest = std::max(tallest, list.size());
    }
    const qreal siteHeight =
        kSiteTop + static_cast<qreal>(tallest) * (kNodeHeight + kNodeGap) + kNodeGap / 2;
    for (int i = 0; i < sites.size(); ++i) {
        const QString& site = sites[i];
        const qreal x = i * (kSiteWidth + kSiteGap);
        auto* region =
            addRect(QRectF(x, 0, kSiteWidth, siteHeight),
                    QPen(QColor(0xb8, 0xc0, 0xc8), 1.2, Qt::DashLine), QColor(0xf0, 0xf3, 0xf6));
        region->setZValue(-1);
        const QString title = site.isEmpty() ? tr("no site") : tr("site %1").arg(site);
        m_siteTitles.append(title);
        auto* text = addSimpleText(title);
        QFont f = text->font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.15);
        text->setFont(f);
        text->setBrush(QColor(0x3a, 0x44, 0x4f));
        text->setPos(x + 14, 12);
        const auto& list = bySite[site];
        for (std::size_t j = 0; j < list.size(); ++j) {
            auto* item = new DesignDataSourceItem(list[j]);
            item->setPos(
                x + (kSiteWidth - kNodeWidth) / 2,
                kSiteTop + static_cast<qreal>(j) * (kNodeHeight + kNodeGap) + kNodeGap / 2);
            addItem(item);
            m_dataSources.insert(list[j].id, item);
        }
    }
    m_rebuilding = false;
    rebuildChannels();
    if (selected != 0 && m_channels.contains(selected)) {
        selectChannel(selected);
    } else if (selected != 0) {
        emit channelSelected(0);
    }
}

void DesignScene::rebuildChannels() {
    const int selected = selectedChannel();
    m_rebuilding = true;
    for (auto* item : std::as_const(m_channels)) {
        removeItem(item);
        delete item;
    }
    m_channels.clear();

    // Channels between the same two data sources (either direction) bend apart.
    std::map<std::pair<QString, QString>, QList<int>> byPair;
    const QList<int> keys = m_model.keys();
    for (const int key : keys) {
        const auto* p = m_model.channel(key);
        if (!m_dataSources.contains(p->source) || !m_dataSources.contains(p->target) ||
            p->source == p->target) {
            continue;
        }
        byPair[std::minmax(p->source, p->target)].append(key);
    }
    for (const auto& [pair, list] : byPair) {
        for (int i = 0; i < list.size(); ++i) {
            const int key = list[i];
            const auto* p = m_model.channel(key);
            auto* from = m_dataSources.value(p->source);
            auto* to = m_dataSources.value(p->target);
            // Bend relative to the pair's canonical direction, so opposite channels separate.
            qreal bend = (i - (list.size() - 1) / 2.0) * kBendStep;
            if (p->source != pair.first) {
                bend = -bend;
            }
            QStringList tips;
            bool invalid = false;
            for (const auto& issue : m_model.issues(key)) {
                invalid = invalid || issue.severity == DesignIssue::Severity::Error;
                tips.append((issue.severity == DesignIssue::Severity::Error ? tr("Error: ")
                                                                            : tr("Warning: ")) +
                            issue.message);
            }
            const QString kindText = p->kind == ferry::v1::CHANNEL_KIND_TWO_WAY
                                         ? tr("two-way: %1 ⇄ %2")
                                         : tr("one-way: %1 → %2");
            tips.prepend(tr("Channel %1, ").arg(p->id) + kindText.arg(p->source, p->target));
            auto* item = new DesignChannelItem(key, *p, from->sceneBoundingRect().center(),
                                               to->sceneBoundingRect().center(),
                                               from->sceneBoundingRect(), to->sceneBoundingRect(),
                                               bend, invalid, tips.join(QLatin1Char('\n')));
            addItem(item);
            m_channels.insert(key, item);
        }
    }
    m_rebuilding = false;
    if (selected != 0 && m_channels.contains(selected)) {
        selectChannel(selected);
    } else if (selected != 0) {
        emit channelSelected(0);
    }
}

QPointF DesignScene::dataSourceCenter(const QString& id) const {
    auto* item = m_dataSources.value(id);
    return item != nullptr ? item->sceneBoundingRect().center() : QPointF();
}

QPointF DesignScene::channelCenter(int key) const {
    auto* item = m_channels.value(key);
    return item != nullptr ? item->apex() : QPointF();
}

bool DesignScene::isDrawnTwoWay(int key) const {
    auto* item = m_channels.value(key);
    return item != nullptr && item->twoWay();
}

bool DesignScene::isDrawnInvalid(int key) const {
    auto* item = m_channels.value(key);
    return item != nullptr && item->invalid();
}

QString DesignScene::channelLabel(int key) const {
    auto* item = m_channels.value(key);
    return item != nullptr ? item->label() : QString();
}

int DesignScene::selectedChannel() const {
    for (auto* item : selectedItems()) {
        if (auto* channel = dynamic_cast<DesignChannelItem*>(item)) {
            return channel->key();
        }
    }
    return 0;
}

void DesignScene::selectChannel(int key) {
    auto* item = m_channels.value(key);
    if (item != nullptr && item->isSelected() && selectedItems().size() == 1) {
        return;
    }
    clearSelection();
    if (item != nullptr) {
        item->setSelected(true);
    }
}

DesignDataSourceItem* DesignScene::dataSourceAt(const QPointF& scenePos) const {
    for (auto* item : items(scenePos)) {
        for (auto* i = item; i != nullptr; i = i->parentItem()) {
            if (auto* ds = dynamic_cast<DesignDataSourceItem*>(i)) {
                return ds;
            }
        }
    }
    return nullptr;
}

void DesignScene::setDropTarget(DesignDataSourceItem* item) {
    if (item == m_dropTarget) {
        return;
    }
    if (m_dropTarget != nullptr) {
        m_dropTarget->setHighlighted(false);
    }
    m_dropTarget = item;
    if (m_dropTarget != nullptr) {
        m_dropTarget->setHighlighted(true);
    }
}

void DesignScene::mousePressEvent(QGraphicsSceneMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        if (auto* ds = dataSourceAt(event->scenePos())) {
            m_dragFrom = ds->id();
            const QPointF c = ds->sceneBoundingRect().center();
            m_rubber = addLine(QLineF(c, event->scenePos()),
                               QPen(QColor(0x1f, 0x8f, 0x4e), 2, Qt::DashLine, Qt::RoundCap));
            m_rubber->setZValue(5);
            clearSelection();
            event->accept();
            return;
        }
    }
    QGraphicsScene::mousePressEvent(event);
}

void DesignScene::mouseMoveEvent(QGraphicsSceneMouseEvent* event) {
    if (m_rubber != nullptr) {
        QLineF line = m_rubber->line();
        line.setP2(event->scenePos());
        m_rubber->setLine(line);
        auto* target = dataSourceAt(event->scenePos());
        setDropTarget(target != nullptr && target->id() != m_dragFrom ? target : nullptr);
        event->accept();
        return;
    }
    QGraphicsScene::mouseMoveEvent(event);
}

void DesignScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* event) {
    if (m_rubber != nullptr && event->button() == Qt::LeftButton) {
        removeItem(m_rubber);
        delete m_rubber;
        m_rubber = nullptr;
        setDropTarget(nullptr);
        const QString from = m_dragFrom;
        m_dragFrom.clear();
        auto* target = dataSourceAt(event->scenePos());
        event->accept();
        if (target != nullptr && target->id() != from) {
            emit connectRequested(from, target->id());
        }
        return;
    }
    QGraphicsScene::mouseReleaseEvent(event);
}

DesignView::DesignView(DesignScene& scene, QWidget* parent)
    : ZoomableView(scene, 1.15, parent), m_scene(scene) {
    setObjectName(QStringLiteral("designView"));
    setDragMode(QGraphicsView::NoDrag);
    setViewportUpdateMode(QGraphicsView::BoundingRectViewportUpdate);
}

void DesignView::fitAll() {
    const QRectF bounds = m_scene.itemsBoundingRect().adjusted(-30, -30, 30, 30);
    if (bounds.isEmpty()) {
        return;
    }
    // Fitted, everything shows: no scroll bars (they would shrink the viewport and the fit).
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSceneRect(bounds);
    // Never blow small designs up beyond their natural size.
    fitToRect(bounds);
}

void DesignView::onUserZoom() {
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setVerticalScrollBarPolicy(Qt::ScrollBarAsNeeded);
}

void DesignView::drawForeground(QPainter* painter, const QRectF& rect) {
    QGraphicsView::drawForeground(painter, rect);
    drawEmptyHint(painter, QColor(0x6b, 0x77, 0x85),
                  tr("No data sources yet.\nConnect to an agent to design channels."));
}

}  // namespace ferry::gui
