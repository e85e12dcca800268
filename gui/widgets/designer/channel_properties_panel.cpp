// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/channel_properties_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QUndoStack>
#include <QVBoxLayout>

#include "widgets/designer/design_commands.h"

namespace ferry::gui {

namespace {

constexpr int kKeyRole = Qt::UserRole + 1;

void selectData(QComboBox* box, const QVariant& value) {
    const int i = box->findData(value);
    box->setCurrentIndex(i);
}

// Fills a site chooser with the channel's two sites, keeping a current value that is neither
// (so an invalid choice shows as what it is).
void fillSites(QComboBox* box, const QStringList& sites, const QString& current) {
    box->clear();
    box->addItem(QObject::tr("(none)"), QString());
    for (const auto& s : sites) {
        if (!s.isEmpty() && box->findData(s) < 0) {
            box->addItem(s, s);
        }
    }
    if (!current.isEmpty() && box->findData(current) < 0) {
        box->addItem(current, current);
    }
    selectData(box, current);
}

}  // namespace

ChannelPropertiesPanel::ChannelPropertiesPanel(ChannelDesignModel& model, QUndoStack& undo,
                                               QWidget* parent)
    : QWidget(parent), m_model(model), m_undo(undo) {
    setObjectName(QStringLiteral("channelPropertiesPanel"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(8, 8, 8, 8);
    m_title = new QLabel(this);
    m_title->setObjectName(QStringLiteral("channelTitle"));
    m_title->setWordWrap(true);
    QFont bold = m_title->font();
    bold.setBold(true);
    bold.setPointSizeF(bold.pointSizeF() * 1.1);
    m_title->setFont(bold);
    outer->addWidget(m_title);

    m_form = new QWidget(this);
    m_layout = new QFormLayout(m_form);
    m_layout->setContentsMargins(0, 4, 0, 4);
    m_layout->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_id = new QLineEdit(m_form);
    m_id->setObjectName(QStringLiteral("channelId"));
    m_id->setPlaceholderText(tr("e.g. hz-us"));
    m_layout->addRow(tr("&Id:"), m_id);
    addIssueRow(ChannelField::Id);

    m_endpoints = new QLabel(m_form);
    m_endpoints->setObjectName(QStringLiteral("channelEndpoints"));
    m_endpoints->setWordWrap(true);
    m_layout->addRow(tr("Data sources:"), m_endpoints);
    addIssueRow(ChannelField::Endpoints);

    auto* kindRow = new QWidget(m_form);
    auto* kindLayout = new QHBoxLayout(kindRow);
    kindLayout->setContentsMargins(0, 0, 0, 0);
    m_kind = new QComboBox(kindRow);
    m_kind->setObjectName(QStringLiteral("channelKind"));
    m_kind->addItem(tr("One-way →"), static_cast<int>(ferry::v1::CHANNEL_KIND_ONE_WAY));
    m_kind->addItem(tr("Two-way ⇄"), static_cast<int>(ferry::v1::CHANNEL_KIND_TWO_WAY));
    m_reverse = new QPushButton(tr("Re&verse"), kindRow);
    m_reverse->setObjectName(QStringLiteral("reverseChannel"));
    m_reverse->setToolTip(tr("Swap source and target"));
    kindLayout->addWidget(m_kind, 1);
    kindLayout->addWidget(m_reverse);
    m_layout->addRow(tr("&Direction:"), kindRow);
    addIssueRow(ChannelField::Kind);

    m_batch = new QSpinBox(m_form);
    m_batch->setObjectName(QStringLiteral("batchMaxRows"));
    m_batch->setRange(0, 1'000'000);
    m_batch->setSingleStep(100);
    m_batch->setSpecialValueText(tr("agent default"));
    m_batch->setSuffix(tr(" rows"));
    m_layout->addRow(tr("&Batch size:"), m_batch);
    addIssueRow(ChannelField::BatchMaxRows);

    m_parallelism = new QSpinBox(m_form);
    m_parallelism->setObjectName(QStringLiteral("parallelism"));
    m_parallelism->setRange(0, 256);
    m_parallelism->setSpecialValueText(tr("agent default"));
    m_parallelism->setSuffix(tr(" connections"));
    m_layout->addRow(tr("&Parallelism:"), m_parallelism);
    addIssueRow(ChannelField::Parallelism);

    m_ddl = new QComboBox(m_form);
    m_ddl->setObjectName(QStringLiteral("ddl"));
    m_ddl->addItem(tr("Agent default"), static_cast<int>(ferry::v1::DDL_MODE_UNSPECIFIED));
    m_ddl->addItem(tr("Replicate"), static_cast<int>(ferry::v1::DDL_MODE_REPLICATE));
    m_ddl->addItem(tr("Ignore"), static_cast<int>(ferry::v1::DDL_MODE_IGNORE));
    m_ddl->addItem(tr("Stop the pipeline"), static_cast<int>(ferry::v1::DDL_MODE_STOP));
    m_layout->addRow(tr("D&DL:"), m_ddl);
    addIssueRow(ChannelField::Ddl);

    m_ddlSite = new QComboBox(m_form);
    m_ddlSite->setObjectName(QStringLiteral("ddlFromSite"));
    m_ddlSite->setToolTip(tr("Two-way channels replicate DDL from one site only"));
    m_layout->addRow(tr("DDL &from site:"), m_ddlSite);
    addIssueRow(ChannelField::DdlFromSite);

    m_dryRun = new QCheckBox(tr("Dry run"), m_form);
    m_dryRun->setToolTip(tr("Read, map and check, but write nothing to the target"));
    m_dryRun->setObjectName(QStringLiteral("dryRun"));
    m_layout->addRow(QString(), m_dryRun);
    addIssueRow(ChannelField::DryRun);

    m_policy = new QComboBox(m_form);
    m_policy->setObjectName(QStringLiteral("conflictPolicy"));
    m_policy->addItem(tr("None (disjoint writes)"),
                      static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_UNSPECIFIED));
    m_policy->addItem(tr("Site priority"),
                      static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY));
    m_policy->addItem(tr("Last writer wins"),
                      static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS));
    m_policy->addItem(tr("Delta (counters)"),
                      static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_DELTA));
    m_policy->addItem(tr("Manual (conflict queue)"),
                      static_cast<int>(ferry::v1::CONFLICT_POLICY_KIND_MANUAL));
    m_layout->addRow(tr("&Conflict policy:"), m_policy);
    addIssueRow(ChannelField::ConflictPolicy);

    m_versionColumn = new QLineEdit(m_form);
    m_versionColumn->setObjectName(QStringLiteral("versionColumn"));
    m_versionColumn->setPlaceholderText(tr("e.g. updated_at"));
    m_layout->addRow(tr("&Version column:"), m_versionColumn);
    addIssueRow(ChannelField::VersionColumn);

    m_primarySite = new QComboBox(m_form);
    m_primarySite->setObjectName(QStringLiteral("primarySite"));
    m_layout->addRow(tr("P&rimary site:"), m_primarySite);
    addIssueRow(ChannelField::PrimarySite);

    outer->addWidget(m_form);
    auto* problemsTitle = new QLabel(tr("Problems"), this);
    problemsTitle->setFont(bold);
    outer->addWidget(problemsTitle);
    m_problems = new QListWidget(this);
    m_problems->setObjectName(QStringLiteral("designProblems"));
    m_problems->setWordWrap(true);
    m_problems->setAlternatingRowColors(true);
    outer->addWidget(m_problems, 1);

    connect(m_id, &QLineEdit::textEdited, this,
            [this](const QString& text) { push(ChannelField::Id, text); });
    connect(m_kind, &QComboBox::activated, this, [this] {
        if (m_refreshing || m_model.channel(m_key) == nullptr) {
            return;
        }
        const auto kind = static_cast<ferry::v1::ChannelKind>(m_kind->currentData().toInt());
        if (kind != m_model.channel(m_key)->kind) {
            m_undo.push(new SetDirectionCommand(m_model, m_key, kind));
        }
    });
    connect(m_reverse, &QPushButton::clicked, this, [this] {
        if (m_model.channel(m_key) != nullptr) {
            m_undo.push(new SetDirectionCommand(m_model, m_key));
        }
    });
    connect(m_batch, &QSpinBox::valueChanged, this,
            [this](int v) { push(ChannelField::BatchMaxRows, static_cast<quint32>(v)); });
    connect(m_parallelism, &QSpinBox::valueChanged, this,
            [this](int v) { push(ChannelField::Parallelism, static_cast<quint32>(v)); });
    connect(m_ddl, &QComboBox::activated, this,
            [this] { push(ChannelField::Ddl, m_ddl->currentData()); });
    connect(m_ddlSite, &QComboBox::activated, this,
            [this] { push(ChannelField::DdlFromSite, m_ddlSite->currentData()); });
    connect(m_dryRun, &QCheckBox::toggled, this,
            [this](bool on) { push(ChannelField::DryRun, on); });
    connect(m_policy, &QComboBox::activated, this,
            [this] { push(ChannelField::ConflictPolicy, m_policy->currentData()); });
    connect(m_versionColumn, &QLineEdit::textEdited, this,
            [this](const QString& text) { push(ChannelField::VersionColumn, text); });
    connect(m_primarySite, &QComboBox::activated, this,
            [this] { push(ChannelField::PrimarySite, m_primarySite->currentData()); });
    const auto activate = [this](QListWidgetItem* item) {
        if (const int key = item->data(kKeyRole).toInt(); key != 0) {
            emit channelActivated(key);
        }
    };
    connect(m_problems, &QListWidget::itemActivated, this, activate);
    connect(m_problems, &QListWidget::itemClicked, this, activate);

    connect(&m_model, &ChannelDesignModel::designChanged, this, [this] {
        refresh();
        refreshProblems();
    });
    connect(&m_model, &ChannelDesignModel::modelReset, this, [this] {
        refresh();
        refreshProblems();
    });
    refresh();
    refreshProblems();
}

QLabel* ChannelPropertiesPanel::addIssueRow(ChannelField field) {
    auto* label = new QLabel(m_form);
    label->setObjectName(QStringLiteral("issue%1").arg(static_cast<int>(field)));
    label->setWordWrap(true);
    label->setTextFormat(Qt::PlainText);
    label->setContentsMargins(12, 0, 0, 4);
    label->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    m_layout->addRow(label);
    m_layout->setRowVisible(label, false);
    m_issueLabels.insert(static_cast<int>(field), label);
    return label;
}

void ChannelPropertiesPanel::setChannel(int key) {
    if (key == m_key) {
        return;
    }
    m_key = key;
    refresh();
}

QString ChannelPropertiesPanel::issueText(ChannelField field) const {
    auto* label = m_issueLabels.value(static_cast<int>(field));
    return label != nullptr && m_layout->isRowVisible(label) ? label->text() : QString();
}

void ChannelPropertiesPanel::push(ChannelField field, const QVariant& value) {
    if (m_refreshing) {
        return;
    }
    const auto* p = m_model.channel(m_key);
    if (p == nullptr || ChannelDesignModel::field(*p, field) == value) {
        return;
    }
    m_undo.push(new ChangePropertyCommand(m_model, m_key, field, value));
}

void ChannelPropertiesPanel::refresh() {
    const auto* p = m_model.channel(m_key);
    m_form->setVisible(p != nullptr);
    if (p == nullptr) {
        m_key = 0;
        m_title->setText(m_model.dataSources().empty()
                             ? tr("No data sources to design with.")
                             : tr("Drag from one data source to another to create a channel; "
                                  "click a channel to edit it."));
        return;
    }
    m_refreshing = true;
    const QString from = m_model.siteOf(p->source);
    const QString to = m_model.siteOf(p->target);
    const bool twoWay = p->kind == ferry::v1::CHANNEL_KIND_TWO_WAY;
    const bool existing = m_model.isFromCluster(m_key);
    m_title->setText((existing ? tr("Channel %1") : tr("New channel %1")).arg(p->id));
    if (m_id->text() != p->id) {
        const int cursor = m_id->cursorPosition();
        m_id->setText(p->id);
        m_id->setCursorPosition(std::min(cursor, static_cast<int>(p->id.size())));
    }
    m_id->setReadOnly(existing);
    m_id->setToolTip(existing ? tr("A saved channel keeps its id") : QString());
    m_endpoints->setText(QStringLiteral("%1 (%2) %3 %4 (%5)")
                             .arg(p->source, from,
                                  twoWay ? QStringLiteral("⇄") : QStringLiteral("→"), p->target,
                                  to));
    selectData(m_kind, static_cast<int>(p->kind));
    m_reverse->setEnabled(!twoWay);
    m_batch->setValue(static_cast<int>(std::min<quint32>(p->batchMaxRows, 1'000'000)));
    m_parallelism->setValue(static_cast<int>(std::min<quint32>(p->parallelism, 256)));
    selectData(m_ddl, static_cast<int>(p->ddl));
    fillSites(m_ddlSite, {from, to}, p->ddlFromSite);
    m_ddlSite->setEnabled(twoWay);
    m_dryRun->setChecked(p->dryRun);
    selectData(m_policy, static_cast<int>(p->conflictPolicy));
    if (m_versionColumn->text() != p->versionColumn) {
        m_versionColumn->setText(p->versionColumn);
    }
    m_versionColumn->setEnabled(p->conflictPolicy ==
                                ferry::v1::CONFLICT_POLICY_KIND_LAST_WRITER_WINS);
    fillSites(m_primarySite, {from, to}, p->primarySite);
    m_primarySite->setEnabled(p->conflictPolicy == ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY);

    QHash<int, QStringList> errors;
    QHash<int, QStringList> warnings;
    for (const auto& issue : m_model.issues(m_key)) {
        (issue.severity == DesignIssue::Severity::Error ? errors
                                                        : warnings)[static_cast<int>(issue.field)]
            .append(issue.message);
    }
    for (auto it = m_issueLabels.begin(); it != m_issueLabels.end(); ++it) {
        const QStringList e = errors.value(it.key());
        const QStringList w = warnings.value(it.key());
        QStringList lines;
        for (const auto& m : e) {
            lines.append(QStringLiteral("✖ ") + m);
        }
        for (const auto& m : w) {
            lines.append(QStringLiteral("⚠ ") + m);
        }
        it.value()->setText(lines.join(QLatin1Char('\n')));
        it.value()->setStyleSheet(!e.isEmpty() ? QStringLiteral("color: #c62828;")
                                               : QStringLiteral("color: #8a6d00;"));
        m_layout->setRowVisible(it.value(), !lines.isEmpty());
    }
    m_refreshing = false;
}

void ChannelPropertiesPanel::refreshProblems() {
    m_problems->clear();
    for (const int key : m_model.keys()) {
        const auto* p = m_model.channel(key);
        for (const auto& issue : m_model.issues(key)) {
            const bool error = issue.severity == DesignIssue::Severity::Error;
            auto* item = new QListWidgetItem((error ? QStringLiteral("✖ ") : QStringLiteral("⚠ ")) +
                                                 p->id + QStringLiteral(": ") + issue.message,
                                             m_problems);
            item->setData(kKeyRole, key);
            item->setForeground(error ? QColor(0xc6, 0x28, 0x28) : QColor(0x8a, 0x6d, 0x00));
        }
    }
    if (m_problems->count() == 0) {
        auto* item = new QListWidgetItem(tr("No problems."), m_problems);
        item->setFlags(Qt::NoItemFlags);
    }
}

}  // namespace ferry::gui
