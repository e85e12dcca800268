// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/channel_designer.h"

#include <QAction>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include "widgets/designer/channel_properties_panel.h"
#include "widgets/designer/design_commands.h"
#include "widgets/designer/design_scene.h"
#include "widgets/designer/design_sync.h"

namespace ferry::gui {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// "1 channel", "3 channels".
QString count(int n, const QString& one, const QString& many) {
    return QString::number(n) + QLatin1Char(' ') + (n == 1 ? one : many);
}

QFrame* makeStrip(QWidget* parent, const QString& name, const QString& style) {
    auto* frame = new QFrame(parent);
    frame->setObjectName(name);
    frame->setFrameShape(QFrame::StyledPanel);
    frame->setStyleSheet(QStringLiteral("QFrame#%1 { %2 border-radius: 4px; }").arg(name, style));
    frame->hide();
    return frame;
}

}  // namespace

ChannelDesigner::ChannelDesigner(ConnectionManager& manager, QWidget* parent)
    : QWidget(parent),
      m_manager(manager),
      m_model(new ChannelDesignModel(this)),
      m_undo(new QUndoStack(this)),
      m_sync(new DesignSync(manager, this)),
      m_scene(new DesignScene(*m_model, this)) {
    setObjectName(QStringLiteral("channelDesigner"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(4);

    auto* toolbar = new QToolBar(this);
    toolbar->setObjectName(QStringLiteral("designToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    const auto local = [this](QAction* a, const QKeySequence& key) {
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        addAction(a);
        return a;
    };
    m_saveAction =
        local(toolbar->addAction(tr("&Save"), this, &ChannelDesigner::save), QKeySequence::Save);
    m_saveAction->setObjectName(QStringLiteral("designSave"));
    m_saveAction->setToolTip(tr("Write the design to the cluster (Ctrl+S)"));
    m_reloadAction =
        local(toolbar->addAction(tr("Re&load"), this, &ChannelDesigner::reload), QKeySequence());
    m_reloadAction->setObjectName(QStringLiteral("designReload"));
    m_reloadAction->setToolTip(tr("Re-read the configuration from the cluster"));
    toolbar->addSeparator();
    auto* undo = m_undo->createUndoAction(this, tr("&Undo"));
    auto* redo = m_undo->createRedoAction(this, tr("&Redo"));
    toolbar->addAction(local(undo, QKeySequence::Undo));
    toolbar->addAction(local(redo, QKeySequence::Redo));
    toolbar->addSeparator();
    m_deleteAction =
        local(toolbar->addAction(tr("&Delete channel"), this, &ChannelDesigner::deleteSelected),
              QKeySequence::Delete);
    m_deleteAction->setObjectName(QStringLiteral("designDelete"));
    toolbar->addSeparator();
    auto* spacer = new QWidget(toolbar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    toolbar->addWidget(spacer);
    m_summary = new QLabel(toolbar);
    m_summary->setObjectName(QStringLiteral("designSummary"));
    toolbar->addWidget(m_summary);
    layout->addWidget(toolbar);

    m_messageBar =
        makeStrip(this, QStringLiteral("designMessageBar"), QStringLiteral("background: #eef4fb;"));
    auto* messageLayout = new QHBoxLayout(m_messageBar);
    messageLayout->setContentsMargins(8, 4, 4, 4);
    m_message = new QLabel(m_messageBar);
    m_message->setObjectName(QStringLiteral("designMessage"));
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);
    auto* closeMessage = new QPushButton(tr("Dismiss"), m_messageBar);
    connect(closeMessage, &QPushButton::clicked, m_messageBar, &QWidget::hide);
    messageLayout->addWidget(m_message, 1);
    messageLayout->addWidget(closeMessage);
    layout->addWidget(m_messageBar);

    m_choiceBar = makeStrip(this, QStringLiteral("designChoiceBar"),
                            QStringLiteral("background: #fff4d6; border: 1px solid #e0b94f;"));
    auto* choiceLayout = new QHBoxLayout(m_choiceBar);
    choiceLayout->setContentsMargins(8, 4, 4, 4);
    m_choiceText = new QLabel(m_choiceBar);
    m_choiceText->setObjectName(QStringLiteral("designChoiceText"));
    m_choiceText->setWordWrap(true);
    m_choiceText->setTextFormat(Qt::PlainText);
    m_keepMine = new QPushButton(tr("&Keep mine and save"), m_choiceBar);
    m_keepMine->setObjectName(QStringLiteral("keepMine"));
    m_keepMine->setToolTip(
        tr("Re-read the configuration, apply your edits on top of it, and save again"));
    m_reloadTheirs = new QPushButton(m_choiceBar);
    m_reloadTheirs->setObjectName(QStringLiteral("reloadTheirs"));
    m_dismiss = new QPushButton(tr("Cancel"), m_choiceBar);
    m_dismiss->setObjectName(QStringLiteral("dismissChoice"));
    choiceLayout->addWidget(m_choiceText, 1);
    choiceLayout->addWidget(m_keepMine);
    choiceLayout->addWidget(m_reloadTheirs);
    choiceLayout->addWidget(m_dismiss);
    layout->addWidget(m_choiceBar);
    connect(m_keepMine, &QPushButton::clicked, this, &ChannelDesigner::keepMine);
    connect(m_reloadTheirs, &QPushButton::clicked, this, &ChannelDesigner::reloadTheirs);
    connect(m_dismiss, &QPushButton::clicked, this, [this] { showChoice(Choice::None, {}); });

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    m_view = new DesignView(*m_scene, splitter);
    m_panel = new ChannelPropertiesPanel(*m_model, *m_undo, splitter);
    auto* scroll = new QScrollArea(splitter);
    scroll->setWidget(m_panel);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(300);
    splitter->addWidget(m_view);
    splitter->addWidget(scroll);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setCollapsible(0, false);
    splitter->setSizes({640, 340});
    layout->addWidget(splitter, 1);

    connect(m_scene, &DesignScene::connectRequested, this, &ChannelDesigner::createChannel);
    connect(m_scene, &DesignScene::channelSelected, m_panel, &ChannelPropertiesPanel::setChannel);
    connect(m_scene, &DesignScene::channelSelected, this, &ChannelDesigner::updateActions);
    connect(m_panel, &ChannelPropertiesPanel::channelActivated, this, [this](int key) {
        m_scene->selectChannel(key);
        m_panel->setChannel(key);
    });
    connect(m_model, &ChannelDesignModel::designChanged, this, &ChannelDesigner::updateActions);
    connect(&m_manager.state(), &ClusterState::topologyReset, this,
            &ChannelDesigner::followCluster);
    followCluster();
    updateActions();
}

ChannelDesigner::~ChannelDesigner() {
    // Commands refer to the model: drop them first.
    m_undo->clear();
}

bool ChannelDesigner::isBusy() const {
    return m_sync->busy();
}

QString ChannelDesigner::summaryText() const {
    return m_summary->text();
}

QString ChannelDesigner::messageText() const {
    return m_messageBar->isVisibleTo(this) ? m_message->text() : QString();
}

bool ChannelDesigner::isConflictShown() const {
    return m_choice == Choice::Conflict && m_choiceBar->isVisibleTo(this);
}

void ChannelDesigner::followCluster() {
    // Unsaved edits are never replaced behind the DBA's back; Save finds any conflict.
    if (m_model->isDirty() || m_sync->busy()) {
        return;
    }
    m_model->load(DesignSync::fromTopology(m_manager.state().topology()));
    m_undo->clear();
}

void ChannelDesigner::createChannel(const QString& source, const QString& target) {
    auto* command = new CreateChannelCommand(*m_model, m_model->newChannel(source, target));
    m_undo->push(command);  // runs redo(): the key is known now
    m_scene->selectChannel(command->key());
    m_panel->setChannel(command->key());
}

void ChannelDesigner::deleteSelected() {
    const int key =
        m_scene->selectedChannel() != 0 ? m_scene->selectedChannel() : m_panel->channel();
    if (m_model->channel(key) == nullptr) {
        showMessage(tr("Select a channel to delete first."), false);
        return;
    }
    m_undo->push(new DeleteChannelCommand(*m_model, key));
}

void ChannelDesigner::save() {
    if (m_sync->busy()) {
        return;
    }
    if (m_model->hasErrors()) {
        for (const int key : m_model->keys()) {
            const auto issues = m_model->issues(key);
            const bool error = std::any_of(issues.begin(), issues.end(), [](const auto& i) {
                return i.severity == DesignIssue::Severity::Error;
            });
            if (error) {
                m_scene->selectChannel(key);
                m_panel->setChannel(key);
                break;
            }
        }
        showMessage(tr("Nothing was saved: the design has %1 marked in red; fix them first.")
                        .arg(count(m_model->errorCount(), tr("problem"), tr("problems"))),
                    true);
        return;
    }
    auto plan = m_model->plan();
    if (!plan.ok()) {
        showMessage(tr("Nothing was saved: %1").arg(qs(plan.error().message)), true);
        return;
    }
    if (plan->empty()) {
        showMessage(tr("Nothing to save: the design matches the cluster."), false);
        return;
    }
    showChoice(Choice::None, {});
    const int steps = static_cast<int>(plan->size());
    m_sync->save(std::move(*plan), [this, steps](Status status, int written) {
        if (status.ok()) {
            showMessage(
                tr("Saved %1 to the cluster.").arg(count(steps, tr("change"), tr("changes"))),
                false);
            load(LoadMode::AfterSave);
            return;
        }
        if (status.error().code == ErrorCode::Conflict) {
            showChoice(Choice::Conflict,
                       tr("Someone else changed the configuration: %1. Keep your edits on top "
                          "of theirs and save, or reload theirs and drop yours?")
                           .arg(qs(status.error().message)));
            updateActions();
            return;
        }
        showMessage(
            tr("Save failed: %1%2")
                .arg(qs(status.error().message),
                     written > 0 ? tr(" Reload to see what the cluster holds now.") : QString()),
            true);
        updateActions();
    });
    updateActions();
}

void ChannelDesigner::reload() {
    if (m_model->isDirty()) {
        showChoice(Choice::DiscardEdits,
                   tr("Reloading drops your unsaved edits; they cannot be undone afterwards."));
        return;
    }
    load(LoadMode::Reload);
}

void ChannelDesigner::reloadTheirs() {
    showChoice(Choice::None, {});
    load(LoadMode::Reload);
}

void ChannelDesigner::keepMine() {
    showChoice(Choice::None, {});
    load(LoadMode::Rebase);
}

void ChannelDesigner::load(LoadMode mode) {
    m_sync->load([this, mode](Result<DesignSnapshot> snapshot) {
        const bool rebase = mode == LoadMode::Rebase;
        if (!snapshot.ok()) {
            showMessage(qs(snapshot.error().message), true);
            updateActions();
            return;
        }
        if (rebase) {
            m_model->rebase(*snapshot);
        } else {
            m_model->load(*snapshot);
        }
        m_undo->clear();
        updateActions();
        if (rebase) {
            if (m_model->hasErrors()) {
                showMessage(tr("Your edits were applied to the current configuration but now "
                               "have %1; fix them, then save.")
                                .arg(count(m_model->errorCount(), tr("problem"), tr("problems"))),
                            true);
                return;
            }
            save();
            return;
        }
        emit loaded();
        if (mode == LoadMode::AfterSave) {
            emit saved();
        }
    });
    updateActions();
}

void ChannelDesigner::showMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color: #b3261e;") : QString());
    m_messageBar->setVisible(!text.isEmpty());
}

void ChannelDesigner::showChoice(Choice choice, const QString& text) {
    m_choice = choice;
    m_choiceText->setText(text);
    m_keepMine->setVisible(choice == Choice::Conflict);
    m_reloadTheirs->setText(choice == Choice::Conflict ? tr("&Reload theirs (drop mine)")
                                                       : tr("&Discard edits and reload"));
    m_dismiss->setVisible(choice == Choice::DiscardEdits);
    m_choiceBar->setVisible(choice != Choice::None);
}

void ChannelDesigner::updateActions() {
    const bool busy = m_sync->busy();
    m_saveAction->setEnabled(!busy && m_model->isDirty());
    m_reloadAction->setEnabled(!busy);
    m_deleteAction->setEnabled(m_model->channel(m_scene->selectedChannel()) != nullptr);
    QStringList parts;
    parts.append(count(m_model->channelCount(), tr("channel"), tr("channels")));
    if (busy) {
        parts.append(tr("talking to the agent…"));
    } else if (m_model->isDirty()) {
        parts.append(tr("unsaved changes"));
    }
    if (const int e = m_model->errorCount(); e > 0) {
        parts.append(count(e, tr("error"), tr("errors")));
    }
    if (const int w = m_model->warningCount(); w > 0) {
        parts.append(count(w, tr("warning"), tr("warnings")));
    }
    m_summary->setText(parts.join(QStringLiteral(" · ")));
}

}  // namespace ferry::gui
