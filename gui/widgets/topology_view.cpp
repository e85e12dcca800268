// SPDX-License-Identifier: Apache-2.0
#include "widgets/topology_view.h"

#include <QGraphicsDropShadowEffect>
#include <QGraphicsRectItem>
#include <QGraphicsSimpleTextItem>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>

#include <cmath>
#include <map>

#include "models/format.h"

namespace ferry::gui {

namespace {

using Kind = TopologyModel::Kind;

constexpr int kKindData = 0;
constexpr int kIdData = 1;
constexpr qreal kSiteWidth = 330;
constexpr qreal kSiteGap = 260;
constexpr qreal kNodeWidth = 230;
constexpr qreal kAgentHeight = 40;
constexpr qreal kDataSourceHeight = 64;

QString key(Kind kind, const QString& id) {
    return QString::number(static_cast<int>(kind)) + QLatin1Char(':') + id;
}

// An agent or a data source: a box (agents) or a cylinder (data sources) with a title and a
// subtitle.
class NodeItem : public QGraphicsItem {
public:
    NodeItem(Kind kind, QString title, QString subtitle, QSizeF size)
        : m_kind(kind), m_title(std::move(title)), m_subtitle(std::move(subtitle)), m_size(size) {
        setFlag(ItemIsSelectable);
        setAcceptHoverEvents(true);
        setCursor(Qt::PointingHandCursor);
    }

    QRectF boundingRect() const override { return {QPointF(0, 0), m_size}; }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        painter->setRenderHint(QPainter::Antialiasing);
        const QRectF r = boundingRect().adjusted(1, 1, -1, -1);
        const QColor border = isSelected() ? QColor(0x1f, 0x6f, 0xd1) : QColor(0x6b, 0x77, 0x85);
        painter->setPen(QPen(border, isSelected() ? 2.5 : 1.2));
        if (m_kind == Kind::DataSource) {
            const qreal ellipse = 14;
            QPainterPath body;
            body.moveTo(r.left(), r.top() + ellipse / 2);
            body.lineTo(r.left(), r.bottom() - ellipse / 2);
            body.arcTo(QRectF(r.left(), r.bottom() - ellipse, r.width(), ellipse), 180, 180);
            body.lineTo(r.right(), r.top() + ellipse / 2);
            body.arcTo(QRectF(r.left(), r.top(), r.width(), ellipse), 0, 180);
            painter->setBrush(QColor(0xe8, 0xf0, 0xfa));
            painter->drawPath(body);
            painter->setBrush(QColor(0xd3, 0xe2, 0xf5));
            painter->drawEllipse(QRectF(r.left(), r.top(), r.width(), ellipse));
        } else {
            painter->setBrush(QColor(0xf4, 0xf1, 0xea));
            painter->drawRoundedRect(r, 6, 6);
        }
        QFont bold = painter->font();
        bold.setBold(true);
        painter->setFont(bold);
        painter->setPen(QColor(0x20, 0x25, 0x2b));
        const qreal top = m_kind == Kind::DataSource ? r.top() + 14 : r.top() + 3;
        const QRectF text(r.left() + 8, top, r.width() - 16, r.bottom() - top - 3);
        painter->drawText(text, Qt::AlignHCenter | Qt::AlignTop,
                          (m_kind == Kind::Agent ? QStringLiteral("⚙ ") : QString()) + m_title);
        QFont normal = painter->font();
        normal.setBold(false);
        normal.setPointSizeF(normal.pointSizeF() * 0.85);
        painter->setFont(normal);
        painter->setPen(QColor(0x55, 0x5e, 0x68));
        painter->drawText(text, Qt::AlignHCenter | Qt::AlignBottom, m_subtitle);
    }

private:
    Kind m_kind;
    QString m_title;
    QString m_subtitle;
    QSizeF m_size;
};

}  // namespace

// A pipeline: a curved arrow from its source to its target data source with a label.
class PipelineEdgeItem : public QGraphicsPathItem {
public:
    PipelineEdgeItem(QLineF line, qreal bend) : m_line(line), m_bend(bend) {
        setFlag(ItemIsSelectable);
        setCursor(Qt::PointingHandCursor);
        setZValue(2);
        m_label = new QGraphicsSimpleTextItem(this);
        m_label->setZValue(3);
        m_labelBack = new QGraphicsRectItem(this);
        m_labelBack->setZValue(2.5);
        m_labelBack->setPen(Qt::NoPen);
        m_label->setParentItem(m_labelBack);
        const QPointF mid = m_line.pointAt(0.5);
        const QPointF normal(-m_line.dy() / m_line.length(), m_line.dx() / m_line.length());
        m_control = mid + normal * m_bend;
        QPainterPath path(m_line.p1());
        path.quadTo(m_control, m_line.p2());
        setPath(path);
    }

    void setState(ferry::v1::PipelineState state, const QString& name, const QString& label) {
        m_color = stateColor(state);
        m_label->setText(name + QLatin1Char('\n') + label);
        m_label->setBrush(m_color.darker(140));
        QFont f = m_label->font();
        f.setBold(true);
        m_label->setFont(f);
        const QRectF text = m_label->boundingRect();
        // The curve's midpoint is halfway between the line midpoint and the control point.
        const QPointF apex = (m_line.pointAt(0.5) + m_control) / 2;
        m_labelBack->setRect(QRectF(0, 0, text.width() + 10, text.height() + 4));
        m_labelBack->setPos(apex - QPointF(text.width() / 2 + 5, text.height() / 2 + 2));
        m_labelBack->setBrush(QColor(255, 255, 255, 230));
        m_label->setPos(5, 2);
        update();
    }

    QString labelText() const { return m_label->text(); }

    QRectF boundingRect() const override {
        return QGraphicsPathItem::boundingRect().adjusted(-12, -12, 12, 12);
    }

    QPainterPath shape() const override {
        QPainterPathStroker stroker;
        stroker.setWidth(14);
        return stroker.createStroke(path());
    }

    void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
        painter->setRenderHint(QPainter::Antialiasing);
        QPen pen(m_color, isSelected() ? 4.5 : 3);
        pen.setCapStyle(Qt::RoundCap);
        painter->setPen(pen);
        painter->setBrush(Qt::NoBrush);
        painter->drawPath(path());
        // Arrow head along the curve's tangent at its end.
        const QLineF tangent(m_control, m_line.p2());
        const qreal angle = std::atan2(-tangent.dy(), tangent.dx());
        const QPointF tip = m_line.p2();
        const qreal size = 14;
        const QPointF a =
            tip - QPointF(std::cos(angle - M_PI / 7) * size, -std::sin(angle - M_PI / 7) * size);
        const QPointF b =
            tip - QPointF(std::cos(angle + M_PI / 7) * size, -std::sin(angle + M_PI / 7) * size);
        painter->setBrush(m_color);
        painter->setPen(Qt::NoPen);
        painter->drawPolygon(QPolygonF({tip, a, b}));
    }

private:
    QLineF m_line;
    qreal m_bend;
    QPointF m_control;
    QColor m_color = stateColor(ferry::v1::PIPELINE_STATE_UNSPECIFIED);
    QGraphicsSimpleTextItem* m_label;
    QGraphicsRectItem* m_labelBack;
};

TopologyScene::TopologyScene(TopologyModel& model, QObject* parent)
    : QGraphicsScene(parent), m_model(model) {
    connect(&m_model, &QAbstractItemModel::modelReset, this, &TopologyScene::rebuild);
    connect(&m_model, &QAbstractItemModel::rowsInserted, this, &TopologyScene::rebuild);
    connect(&m_model, &QAbstractItemModel::rowsRemoved, this, &TopologyScene::rebuild);
    connect(&m_model, &QAbstractItemModel::dataChanged, this, &TopologyScene::updatePipelines);
    connect(this, &QGraphicsScene::selectionChanged, this, &TopologyScene::onSelectionChanged);
    setBackgroundBrush(QColor(0xfb, 0xfb, 0xfc));
    rebuild();
}

void TopologyScene::rebuild() {
    // Selection signals are muted while items are replaced; the view must still hear about the
    // scene rect, so the scene's signals are not blocked.
    m_rebuilding = true;
    clear();
    m_nodes.clear();
    m_edges.clear();
    m_siteTitles.clear();

    struct Pending {
        QString id;
        QString source;
        QString target;
    };
    std::vector<Pending> pipelines;
    const int sites = m_model.rowCount();
    for (int s = 0; s < sites; ++s) {
        const QModelIndex site = m_model.index(s, 0);
        const qreal x = s * (kSiteWidth + kSiteGap);
        qreal y = 56;
        std::vector<std::pair<QModelIndex, Kind>> children;
        for (int c = 0; c < m_model.rowCount(site); ++c) {
            const QModelIndex child = m_model.index(c, 0, site);
            children.emplace_back(child,
                                  static_cast<Kind>(child.data(TopologyModel::KindRole).toInt()));
        }
        // Agents first, then data sources (the model already orders them so).
        for (const auto& [child, kind] : children) {
            const QString id = child.data(TopologyModel::IdRole).toString();
            const bool isAgent = kind == Kind::Agent;
            const QString subtitle =
                isAgent ? child.sibling(child.row(), TopologyModel::StateColumn).data().toString()
                        : child.data(Qt::ToolTipRole).toString().section(QLatin1Char('@'), 1);
            auto* node = new NodeItem(
                kind, id, subtitle, QSizeF(kNodeWidth, isAgent ? kAgentHeight : kDataSourceHeight));
            node->setPos(x + (kSiteWidth - kNodeWidth) / 2, y);
            node->setData(kKindData, static_cast<int>(kind));
            node->setData(kIdData, id);
            node->setZValue(1);
            node->setToolTip(child.data(Qt::ToolTipRole).toString());
            addItem(node);
            m_nodes.insert(key(kind, id), node);
            y += (isAgent ? kAgentHeight : kDataSourceHeight) + (isAgent ? 14 : 40);
            if (!isAgent && children.size() > 0) {
                for (int p = 0; p < m_model.rowCount(child); ++p) {
                    const QModelIndex pipe = m_model.index(p, 0, child);
                    pipelines.push_back({pipe.data(TopologyModel::IdRole).toString(),
                                         pipe.data(TopologyModel::SourceRole).toString(),
                                         pipe.data(TopologyModel::TargetRole).toString()});
                }
            }
        }
        const qreal height = std::max<qreal>(y + 10, 300);
        auto* region = addRect(QRectF(x, 0, kSiteWidth, height),
                               QPen(QColor(0xb8, 0xc4, 0xd2), 1.5), QColor(0xee, 0xf2, 0xf7));
        region->setZValue(0);
        region->setFlag(QGraphicsItem::ItemIsSelectable);
        region->setData(kKindData, static_cast<int>(Kind::Site));
        region->setData(kIdData, site.data(TopologyModel::IdRole));
        m_nodes.insert(key(Kind::Site, site.data(TopologyModel::IdRole).toString()), region);
        auto* title =
            addSimpleText(QStringLiteral("site %1 · %2")
                              .arg(site.data().toString(),
                                   site.sibling(s, TopologyModel::StateColumn).data().toString()));
        QFont f = title->font();
        f.setBold(true);
        f.setPointSizeF(f.pointSizeF() * 1.25);
        title->setFont(f);
        title->setBrush(QColor(0x33, 0x44, 0x55));
        title->setPos(x + 14, 14);
        title->setZValue(1);
        m_siteTitles.append(title);
    }

    // Arrows between data sources; several in one direction bend further apart.
    std::map<std::pair<QString, QString>, int> perPair;
    for (const auto& p : pipelines) {
        auto* from = m_nodes.value(key(Kind::DataSource, p.source));
        auto* to = m_nodes.value(key(Kind::DataSource, p.target));
        if (from == nullptr || to == nullptr || from == to) {
            continue;
        }
        const QRectF a = from->sceneBoundingRect();
        const QRectF b = to->sceneBoundingRect();
        const bool rightwards = a.center().x() < b.center().x();
        const QPointF start(rightwards ? a.right() + 4 : a.left() - 4, a.center().y());
        const QPointF end(rightwards ? b.left() - 6 : b.right() + 6, b.center().y());
        // Opposite directions bend to opposite sides by themselves; lanes count per direction.
        const int lane = perPair[{p.source, p.target}]++;
        // Room for a two-line label between neighbours; past a handful they pack tighter.
        const qreal bend = -(60 + 90 * std::min(lane, 5) + 14 * std::max(0, lane - 5));
        auto* edge = new PipelineEdgeItem(QLineF(start, end), bend);
        edge->setData(kKindData, static_cast<int>(Kind::Pipeline));
        edge->setData(kIdData, p.id);
        addItem(edge);
        m_edges.insert(p.id, edge);
    }
    if (m_model.rowCount() > 0) {
        updatePipelines({}, {});
    }
    setSceneRect(itemsBoundingRect().adjusted(-30, -30, 30, 30));
    m_rebuilding = false;
}

void TopologyScene::updatePipelines(const QModelIndex&, const QModelIndex&) {
    for (auto it = m_edges.begin(); it != m_edges.end(); ++it) {
        const QModelIndex index = m_model.find(Kind::Pipeline, it.key());
        if (!index.isValid()) {
            continue;
        }
        it.value()->setState(
            static_cast<ferry::v1::PipelineState>(index.data(TopologyModel::StateRole).toInt()),
            index.data(Qt::DisplayRole).toString(),
            index.data(TopologyModel::LabelRole).toString());
        it.value()->setToolTip(index.data(Qt::ToolTipRole).toString());
    }
}

QStringList TopologyScene::siteTitles() const {
    QStringList titles;
    for (const auto* t : m_siteTitles) {
        titles.append(t->text());
    }
    return titles;
}

QString TopologyScene::pipelineLabel(const QString& pipelineId) const {
    const auto* edge = m_edges.value(pipelineId);
    return edge == nullptr ? QString() : edge->labelText();
}

QPointF TopologyScene::centerOf(TopologyModel::Kind kind, const QString& id) const {
    if (kind == Kind::Pipeline) {
        const auto* edge = m_edges.value(id);
        return edge == nullptr ? QPointF() : edge->path().pointAtPercent(0.25);
    }
    const auto* node = m_nodes.value(key(kind, id));
    return node == nullptr ? QPointF() : node->sceneBoundingRect().center();
}

void TopologyScene::select(TopologyModel::Kind kind, const QString& id) {
    QGraphicsItem* item = kind == Kind::Pipeline ? m_edges.value(id) : m_nodes.value(key(kind, id));
    clearSelection();
    if (item != nullptr) {
        item->setSelected(true);
    }
}

void TopologyScene::onSelectionChanged() {
    if (m_rebuilding) {
        return;
    }
    const auto items = selectedItems();
    if (items.isEmpty()) {
        emit selectionCleared();
        return;
    }
    const auto* item = items.first();
    emit objectSelected(static_cast<Kind>(item->data(kKindData).toInt()),
                        item->data(kIdData).toString());
}

TopologyView::TopologyView(TopologyScene& scene, QWidget* parent)
    : ZoomableView(scene, 1.2, parent), m_scene(scene) {
    setDragMode(QGraphicsView::ScrollHandDrag);
    setObjectName(QStringLiteral("topologyView"));
}

void TopologyView::fitAll() {
    if (m_scene.items().isEmpty()) {
        resetZoom();
        return;
    }
    // Never blow small topologies up past their natural size.
    fitToRect(m_scene.sceneRect());
}

void TopologyView::drawForeground(QPainter* painter, const QRectF& rect) {
    drawEmptyHint(painter, QColor(0x70, 0x78, 0x80),
                  tr("No agent connected.\nAdd one in the Connections panel (Ctrl+Shift+N)."));
    (void)rect;
}

}  // namespace ferry::gui
