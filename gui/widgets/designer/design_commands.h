// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QUndoCommand>
#include <QVariant>

#include "widgets/designer/channel_design_model.h"

namespace ferry::gui {

// The designer's edits as undoable commands on a ChannelDesignModel. Each holds the model by
// reference (the model must outlive the undo stack that owns the command) and addresses its
// channel by key, so undoing a delete brings back the same channel, with its cluster identity.

// Adds a channel (drawn from one data source to another).
class CreateChannelCommand : public QUndoCommand {
public:
    CreateChannelCommand(ChannelDesignModel& model, ChannelProperties properties,
                         QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    // The channel's key once redo() ran.
    int key() const { return m_key; }

private:
    ChannelDesignModel& m_model;
    ChannelProperties m_properties;
    int m_key = 0;
};

// Removes a channel; undo puts it back where it was.
class DeleteChannelCommand : public QUndoCommand {
public:
    DeleteChannelCommand(ChannelDesignModel& model, int key, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    ChannelDesignModel& m_model;
    int m_key;
    int m_row = -1;
    std::optional<ChannelDesignModel::Entry> m_removed;
};

// Sets one property of a channel. Consecutive edits of the same field of the same channel
// (typing, spin box steps) merge into one command; one that ends where it began is dropped.
class ChangePropertyCommand : public QUndoCommand {
public:
    ChangePropertyCommand(ChannelDesignModel& model, int key, ChannelField field, QVariant value,
                          QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;
    int id() const override { return 0x6368; }
    bool mergeWith(const QUndoCommand* other) override;

private:
    void apply(const QVariant& value);

    ChannelDesignModel& m_model;
    int m_key;
    ChannelField m_field;
    QVariant m_before;
    QVariant m_after;
};

// Changes a channel's direction: one-way or two-way, or (reverse) swaps a one-way channel's
// source and target. Going two-way picks the source's site for DDL when none was chosen.
class SetDirectionCommand : public QUndoCommand {
public:
    SetDirectionCommand(ChannelDesignModel& model, int key, ferry::v1::ChannelKind kind,
                        QUndoCommand* parent = nullptr);
    // Reverse: swap source and target.
    SetDirectionCommand(ChannelDesignModel& model, int key, QUndoCommand* parent = nullptr);
    void redo() override;
    void undo() override;

private:
    ChannelDesignModel& m_model;
    int m_key;
    ChannelProperties m_before;
    ChannelProperties m_after;
};

// A text for undo/redo menus: "batch size", "conflict policy", ...
QString fieldName(ChannelField field);

}  // namespace ferry::gui
