// SPDX-License-Identifier: Apache-2.0
#include "widgets/designer/design_commands.h"

#include <QCoreApplication>

namespace ferry::gui {

namespace {

QString tr(const char* text) {
    return QCoreApplication::translate("ferry::gui::DesignCommands", text);
}

}  // namespace

QString fieldName(ChannelField field) {
    switch (field) {
        case ChannelField::Id:
            return tr("id");
        case ChannelField::Endpoints:
            return tr("data sources");
        case ChannelField::Kind:
            return tr("direction");
        case ChannelField::BatchMaxRows:
            return tr("batch size");
        case ChannelField::Parallelism:
            return tr("parallelism");
        case ChannelField::Ddl:
            return tr("DDL");
        case ChannelField::DdlFromSite:
            return tr("DDL site");
        case ChannelField::DryRun:
            return tr("dry run");
        case ChannelField::ConflictPolicy:
            return tr("conflict policy");
        case ChannelField::VersionColumn:
            return tr("version column");
        case ChannelField::PrimarySite:
            return tr("primary site");
    }
    return {};
}

CreateChannelCommand::CreateChannelCommand(ChannelDesignModel& model, ChannelProperties properties,
                                           QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_properties(std::move(properties)) {
    setText(tr("create channel %1").arg(m_properties.id));
}

void CreateChannelCommand::redo() {
    m_key = m_model.addChannel(m_properties, m_key);
}

void CreateChannelCommand::undo() {
    (void)m_model.removeChannel(m_key);
}

DeleteChannelCommand::DeleteChannelCommand(ChannelDesignModel& model, int key, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_key(key) {
    const auto* p = model.channel(key);
    setText(tr("delete channel %1").arg(p != nullptr ? p->id : QString()));
}

void DeleteChannelCommand::redo() {
    m_row = m_model.rowOf(m_key);
    m_removed = m_model.removeChannel(m_key);
}

void DeleteChannelCommand::undo() {
    if (m_removed) {
        m_model.restoreChannel(*m_removed, m_row);
        m_removed.reset();
    }
}

ChangePropertyCommand::ChangePropertyCommand(ChannelDesignModel& model, int key, ChannelField field,
                                             QVariant value, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_key(key), m_field(field), m_after(std::move(value)) {
    if (const auto* p = model.channel(key)) {
        m_before = ChannelDesignModel::field(*p, field);
    }
    setText(tr("change %1 of %2")
                .arg(fieldName(field), model.channel(key) ? model.channel(key)->id : QString()));
}

void ChangePropertyCommand::apply(const QVariant& value) {
    const auto* p = m_model.channel(m_key);
    if (p == nullptr) {
        return;
    }
    ChannelProperties changed = *p;
    ChannelDesignModel::setField(changed, m_field, value);
    m_model.setChannel(m_key, changed);
}

void ChangePropertyCommand::redo() {
    apply(m_after);
}

void ChangePropertyCommand::undo() {
    apply(m_before);
}

bool ChangePropertyCommand::mergeWith(const QUndoCommand* other) {
    const auto* o = dynamic_cast<const ChangePropertyCommand*>(other);
    if (o == nullptr || o->m_key != m_key || o->m_field != m_field || &o->m_model != &m_model) {
        return false;
    }
    m_after = o->m_after;
    setObsolete(m_after == m_before);
    return true;
}

SetDirectionCommand::SetDirectionCommand(ChannelDesignModel& model, int key,
                                         ferry::v1::ChannelKind kind, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_key(key) {
    if (const auto* p = model.channel(key)) {
        m_before = *p;
    }
    m_after = m_before;
    m_after.kind = kind;
    if (kind == ferry::v1::CHANNEL_KIND_TWO_WAY && m_after.ddlFromSite.isEmpty()) {
        m_after.ddlFromSite = model.siteOf(m_after.source);
    }
    setText(kind == ferry::v1::CHANNEL_KIND_TWO_WAY ? tr("make %1 two-way").arg(m_before.id)
                                                    : tr("make %1 one-way").arg(m_before.id));
}

SetDirectionCommand::SetDirectionCommand(ChannelDesignModel& model, int key, QUndoCommand* parent)
    : QUndoCommand(parent), m_model(model), m_key(key) {
    if (const auto* p = model.channel(key)) {
        m_before = *p;
    }
    m_after = m_before;
    std::swap(m_after.source, m_after.target);
    setText(tr("reverse %1").arg(m_before.id));
}

void SetDirectionCommand::redo() {
    m_model.setChannel(m_key, m_after);
}

void SetDirectionCommand::undo() {
    m_model.setChannel(m_key, m_before);
}

}  // namespace ferry::gui
