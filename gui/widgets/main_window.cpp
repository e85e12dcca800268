// SPDX-License-Identifier: Apache-2.0
#include "widgets/main_window.h"

#include <QAction>
#include <QDockWidget>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QSortFilterProxyModel>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include "ferry/version.h"
#include "models/format.h"
#include "widgets/connections_panel.h"
#include "widgets/designer/channel_designer.h"
#include "widgets/details_panel.h"
#include "widgets/message_bar.h"
#include "widgets/topology_view.h"

namespace ferry::gui {

namespace {

using ferry::client::ConnectionState;

QString actionVerb(ferry::v1::PipelineAction action) {
    switch (action) {
        case ferry::v1::PIPELINE_ACTION_START:
            return QStringLiteral("start");
        case ferry::v1::PIPELINE_ACTION_PAUSE:
            return QStringLiteral("pause");
        case ferry::v1::PIPELINE_ACTION_RESUME:
            return QStringLiteral("resume");
        case ferry::v1::PIPELINE_ACTION_STOP:
            return QStringLiteral("stop");
        case ferry::v1::PIPELINE_ACTION_SKIP:
            return QStringLiteral("skip the failed transaction of");
        default:
            return QStringLiteral("act on");
    }
}

}  // namespace

MainWindow::MainWindow(ConnectionManager& manager, QWidget* parent)
    : QMainWindow(parent),
      m_manager(manager),
      m_topologyModel(new TopologyModel(manager.state(), this)),
      m_pipelineModel(new PipelineStatusModel(manager.state(), this)),
      m_connectionModel(new ConnectionListModel(manager, this)),
      m_pipelineProxy(new QSortFilterProxyModel(this)),
      m_scene(new TopologyScene(*m_topologyModel, this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Ferry Console"));
    resize(1400, 860);

    // Centre: message bar over the topology and pipeline tabs.
    auto* centre = new QWidget(this);
    auto* layout = new QVBoxLayout(centre);
    layout->setContentsMargins(4, 4, 4, 0);
    m_messages = new MessageBar(centre);
    m_tabs = new QTabWidget(centre);
    m_topologyView = new TopologyView(*m_scene, m_tabs);
    m_pipelineProxy->setSourceModel(m_pipelineModel);
    m_pipelineProxy->setSortRole(PipelineStatusModel::SortRole);
    m_pipelineTable = new QTableView(m_tabs);
    m_pipelineTable->setObjectName(QStringLiteral("pipelineTable"));
    m_pipelineTable->setModel(m_pipelineProxy);
    m_pipelineTable->setSortingEnabled(true);
    m_pipelineTable->sortByColumn(PipelineStatusModel::IdColumn, Qt::AscendingOrder);
    m_pipelineTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_pipelineTable->setSelectionMode(QAbstractItemView::SingleSelection);
    m_pipelineTable->verticalHeader()->hide();
    m_pipelineTable->horizontalHeader()->setStretchLastSection(true);
    m_pipelineTable->setAlternatingRowColors(true);
    m_pipelineTable->setColumnWidth(PipelineStatusModel::NameColumn, 160);
    m_pipelineTable->setColumnWidth(PipelineStatusModel::PositionColumn, 180);
    m_pipelineTable->setColumnWidth(PipelineStatusModel::AgentsColumn, 180);
    m_tabs->addTab(m_topologyView, tr("&Topology"));
    m_tabs->addTab(m_pipelineTable, tr("&Pipelines"));
    m_designer = new ChannelDesigner(m_manager, m_tabs);
    m_tabs->addTab(m_designer, tr("&Design"));
    layout->addWidget(m_messages);
    layout->addWidget(m_tabs, 1);
    setCentralWidget(centre);

    // Docks.
    m_connections = new ConnectionsPanel(*m_connectionModel, m_manager, this);
    auto* connectionsDock = new QDockWidget(tr("Connections"), this);
    connectionsDock->setObjectName(QStringLiteral("connectionsDock"));
    connectionsDock->setWidget(m_connections);
    addDockWidget(Qt::LeftDockWidgetArea, connectionsDock);
    m_details = new DetailsPanel(m_manager.state(), this);
    m_details->enableMonitoring(m_manager);
    auto* detailsDock = new QDockWidget(tr("Details"), this);
    detailsDock->setObjectName(QStringLiteral("detailsDock"));
    detailsDock->setWidget(m_details);
    addDockWidget(Qt::RightDockWidgetArea, detailsDock);
    resizeDocks({connectionsDock, detailsDock}, {290, 320}, Qt::Horizontal);

    // Status bar.
    m_connectionStatus = new QLabel(this);
    m_connectionStatus->setObjectName(QStringLiteral("connectionStatus"));
    m_pipelineSummary = new QLabel(this);
    m_pipelineSummary->setObjectName(QStringLiteral("pipelineSummary"));
    statusBar()->addWidget(m_connectionStatus, 1);
    statusBar()->addPermanentWidget(m_pipelineSummary);
    statusBar()->addPermanentWidget(
        new QLabel(QStringLiteral("Ferry %1").arg(QLatin1String(ferry::kVersion)), this));

    buildMenus();
    auto* viewMenu = menuBar()->findChild<QMenu*>(QStringLiteral("viewMenu"));
    if (viewMenu != nullptr) {
        viewMenu->addSeparator();
        auto* toggleConnections = connectionsDock->toggleViewAction();
        toggleConnections->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
        viewMenu->addAction(toggleConnections);
        auto* toggleDetails = detailsDock->toggleViewAction();
        toggleDetails->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
        viewMenu->addAction(toggleDetails);
    }

    // Wiring.
    connect(m_scene, &TopologyScene::objectSelected, this, &MainWindow::onObjectSelected);
    connect(m_scene, &TopologyScene::selectionCleared, m_details, &DetailsPanel::clearObject);
    connect(m_pipelineTable->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                if (current.isValid()) {
                    m_details->showObject(
                        TopologyModel::Kind::Pipeline,
                        QString::number(
                            current.data(PipelineStatusModel::PipelineIdRole).toULongLong()));
                }
            });
    connect(m_details, &DetailsPanel::actionRequested, this, &MainWindow::requestAction);
    connect(m_connections, &ConnectionsPanel::messageRequested, this,
            [this](const QString& text) { m_messages->showMessage(text); });
    connect(&m_manager, &ConnectionManager::operationFailed, this,
            [this](const QString& text) { m_messages->showMessage(text); });
    connect(&m_manager, &ConnectionManager::connectionChanged, this, &MainWindow::updateStatusBar);
    connect(&m_manager, &ConnectionManager::currentChanged, this, &MainWindow::updateStatusBar);
    connect(&m_manager.state(), &ClusterState::topologyReset, this, &MainWindow::updateStatusBar);
    connect(&m_manager.state(), &ClusterState::statusesChanged, this, &MainWindow::updateStatusBar);
    updateStatusBar();
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_connections->addAction());
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));

    auto* view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(QStringLiteral("viewMenu"));
    auto* topology = view->addAction(tr("&Topology"), this, [this] { m_tabs->setCurrentIndex(0); });
    topology->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_1));
    auto* pipelines =
        view->addAction(tr("&Pipelines"), this, [this] { m_tabs->setCurrentIndex(1); });
    pipelines->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_2));
    auto* design = view->addAction(tr("Channel &designer"), this, &MainWindow::showDesigner);
    design->setObjectName(QStringLiteral("showDesignerAction"));
    design->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_3));
    view->addSeparator();
    auto* zoomIn = view->addAction(tr("Zoom &in"), m_topologyView, &TopologyView::zoomIn);
    zoomIn->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Equal), QKeySequence::ZoomIn});
    auto* zoomOut = view->addAction(tr("Zoom &out"), m_topologyView, &TopologyView::zoomOut);
    zoomOut->setShortcut(QKeySequence::ZoomOut);
    auto* fit = view->addAction(tr("&Fit topology"), m_topologyView, &TopologyView::fitAll);
    fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
    auto* refresh = view->addAction(tr("&Refresh"), this, [this] {
        m_manager.reconnectAll();
        m_manager.refresh();
    });
    refresh->setShortcut(QKeySequence::Refresh);

    auto* pipeline = menuBar()->addMenu(tr("&Pipeline"));
    const auto add = [this, pipeline](const QString& text, ferry::v1::PipelineAction action,
                                      const QKeySequence& key) {
        auto* a = pipeline->addAction(text, this, [this, action] {
            if (const auto id = selectedPipeline()) {
                requestAction(*id, action);
            } else {
                m_messages->showMessage(tr("Select a pipeline first (in the topology or the "
                                           "pipeline table)."),
                                        MessageBar::Level::Info);
            }
        });
        a->setShortcut(key);
    };
    add(tr("&Start"), ferry::v1::PIPELINE_ACTION_START, QKeySequence());
    add(tr("&Pause"), ferry::v1::PIPELINE_ACTION_PAUSE, QKeySequence(Qt::CTRL | Qt::Key_P));
    add(tr("&Resume"), ferry::v1::PIPELINE_ACTION_RESUME, QKeySequence(Qt::CTRL | Qt::Key_R));
    add(tr("S&top"), ferry::v1::PIPELINE_ACTION_STOP, QKeySequence());
    add(tr("S&kip failed transaction"), ferry::v1::PIPELINE_ACTION_SKIP, QKeySequence());
}

void MainWindow::showDesigner() {
    m_tabs->setCurrentWidget(m_designer);
}

std::optional<std::uint64_t> MainWindow::selectedPipeline() const {
    if (m_details->hasPipeline()) {
        return m_details->pipelineId();
    }
    return std::nullopt;
}

void MainWindow::requestAction(std::uint64_t pipelineId, ferry::v1::PipelineAction action) {
    const auto* p = m_manager.state().pipeline(pipelineId);
    const QString name =
        p != nullptr ? QString::fromStdString(p->pipeline().name()) : QString::number(pipelineId);
    m_manager.pipelineAction(
        pipelineId, action, [this, name, action](Result<ferry::v1::Response> answer) {
            if (!answer.ok()) {
                m_messages->showMessage(tr("Could not %1 pipeline %2: %3")
                                            .arg(actionVerb(action), name,
                                                 QString::fromStdString(answer.error().message)));
            }
        });
}

void MainWindow::onObjectSelected(TopologyModel::Kind kind, const QString& id) {
    m_details->showObject(kind, id);
}

QString MainWindow::connectionStatusText() const {
    return m_connectionStatus->text();
}

void MainWindow::updateStatusBar() {
    const int row = m_manager.indexOf(m_manager.currentId());
    if (row < 0) {
        int connecting = 0;
        QString lastProblem;
        for (int i = 0; i < m_manager.count(); ++i) {
            const auto& c = m_manager.at(i);
            connecting += c.state == ConnectionState::Connecting;
            if (c.state == ConnectionState::Error || c.state == ConnectionState::Refused) {
                lastProblem = c.statusText;
            }
        }
        m_connectionStatus->setText(m_manager.count() == 0   ? tr("No agent connection")
                                    : !lastProblem.isEmpty() ? lastProblem
                                    : connecting > 0         ? tr("Connecting…")
                                                             : tr("Disconnected"));
    } else {
        const auto& c = m_manager.at(row);
        const QString cluster = m_manager.state().cluster();
        m_connectionStatus->setText(
            cluster.isEmpty() ? c.statusText : tr("cluster %1 · %2").arg(cluster, c.statusText));
    }
    int running = 0;
    int troubled = 0;
    const auto& pipelines = m_manager.state().topology().pipelines;
    for (const auto& p : pipelines) {
        const auto* s = m_manager.state().status(p.pipeline().id());
        if (s == nullptr) {
            continue;
        }
        running += s->state() == ferry::v1::PIPELINE_STATE_RUNNING;
        troubled += s->state() == ferry::v1::PIPELINE_STATE_FAILED;
    }
    m_pipelineSummary->setText(
        pipelines.empty() ? QString()
                          : tr("%1 pipelines: %2 running%3")
                                .arg(pipelines.size())
                                .arg(running)
                                .arg(troubled > 0 ? tr(", %1 failed").arg(troubled) : QString()));
}

}  // namespace ferry::gui
