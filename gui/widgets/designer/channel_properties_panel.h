// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QHash>
#include <QWidget>

#include "widgets/designer/channel_design_model.h"

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QUndoStack;

namespace ferry::gui {

// The designer's side panel: a form with the selected channel's properties (id, direction,
// batch size, parallelism, DDL and its site, dry run, conflict policy with its version column
// and primary site) and each field's validation message right under it, then the list of every
// problem of the design (activating one selects its channel).
//
// Every edit is pushed to the undo stack as a command; the form only reflects the model, so
// undo, redo and rebases show at once. Does not own the model or the stack, which must outlive
// it. GUI thread only.
class ChannelPropertiesPanel : public QWidget {
    Q_OBJECT

public:
    ChannelPropertiesPanel(ChannelDesignModel& model, QUndoStack& undo, QWidget* parent = nullptr);

    int channel() const { return m_key; }
    void setChannel(int key);
    // The message shown under a field ("" when none), for tests.
    QString issueText(ChannelField field) const;
    QListWidget& problemList() const { return *m_problems; }

signals:
    void channelActivated(int key);

private:
    void refresh();
    void refreshProblems();
    void push(ChannelField field, const QVariant& value);
    QLabel* addIssueRow(ChannelField field);

    ChannelDesignModel& m_model;
    QUndoStack& m_undo;
    int m_key = 0;
    bool m_refreshing = false;

    QLabel* m_title;
    QWidget* m_form;
    QLineEdit* m_id;
    QLabel* m_endpoints;
    QComboBox* m_kind;
    QPushButton* m_reverse;
    QSpinBox* m_batch;
    QSpinBox* m_parallelism;
    QComboBox* m_ddl;
    QComboBox* m_ddlSite;
    QCheckBox* m_dryRun;
    QComboBox* m_policy;
    QLineEdit* m_versionColumn;
    QComboBox* m_primarySite;
    QHash<int, QLabel*> m_issueLabels;  // by ChannelField
    QFormLayout* m_layout;
    QListWidget* m_problems;
};

}  // namespace ferry::gui
