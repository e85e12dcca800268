// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ferry/binlog/event_types.h"
#include "ferry/binlog/events.h"
#include "ferry/binlog/row_image.h"
#include "ferry/model/result.h"

namespace ferry::binlog {

// Receives decoded events from EventDecoder (like LevelDB's WriteBatch::Handler): the applier,
// the dump tool and the tests are handlers. Every callback may return an error, which stops the
// decoder and is returned from EventDecoder::decode unchanged. Default implementations accept and
// ignore the event.
//
// For each event, onEvent comes first, then exactly one typed callback (for rows events:
// onRowsBegin, onRow per row, onRowsEnd). When a rows event turns out to be corrupt half-way,
// rows before the damage have been delivered and decode() returns the error: the consumer must
// drop the transaction. All views are valid only during the callback. Not thread-safe: one
// decoder calls one handler from one thread.
class EventHandler {
public:
    virtual ~EventHandler() = default;

    virtual Status onEvent(const EventContext&) { return okStatus(); }
    virtual Status onFormatDescription(const EventContext&, const FormatDescription&) {
        return okStatus();
    }
    virtual Status onRotate(const EventContext&, const RotateEvent&) { return okStatus(); }
    virtual Status onQuery(const EventContext&, const QueryEvent&) { return okStatus(); }
    virtual Status onXid(const EventContext&, const XidEvent&) { return okStatus(); }
    virtual Status onTableMap(const EventContext&, const TableMap&) { return okStatus(); }
    virtual Status onRowsBegin(const EventContext&, const RowsEvent&) { return okStatus(); }
    // WRITE: after only; DELETE: before only; UPDATE and PARTIAL_UPDATE: both.
    virtual Status onRow(const RowsEvent&, const RowImage* /*before*/, const RowImage* /*after*/) {
        return okStatus();
    }
    virtual Status onRowsEnd(const EventContext&, const RowsEvent&) { return okStatus(); }
    virtual Status onGtid(const EventContext&, const GtidEvent&) { return okStatus(); }
    virtual Status onPreviousGtids(const EventContext&, const PreviousGtidsEvent&) {
        return okStatus();
    }
    // Called before the inner events of the payload, and onTransactionPayloadEnd after them.
    virtual Status onTransactionPayload(const EventContext&, const TransactionPayloadEvent&) {
        return okStatus();
    }
    virtual Status onTransactionPayloadEnd(const EventContext&, const TransactionPayloadEvent&) {
        return okStatus();
    }
    virtual Status onMariadbGtid(const EventContext&, const MariadbGtidEvent&) {
        return okStatus();
    }
    virtual Status onMariadbGtidList(const EventContext&, const MariadbGtidListEvent&) {
        return okStatus();
    }
    virtual Status onAnnotateRows(const EventContext&, const AnnotateRowsEvent&) {
        return okStatus();
    }
    virtual Status onBinlogCheckpoint(const EventContext&, const BinlogCheckpointEvent&) {
        return okStatus();
    }
    virtual Status onHeartbeat(const EventContext&, const HeartbeatEvent&) { return okStatus(); }
    virtual Status onRowsQuery(const EventContext&, const RowsQueryEvent&) { return okStatus(); }
    virtual Status onIntvar(const EventContext&, const IntvarEvent&) { return okStatus(); }
    virtual Status onRand(const EventContext&, const RandEvent&) { return okStatus(); }
    virtual Status onUserVar(const EventContext&, const UserVarEvent&) { return okStatus(); }
    virtual Status onXaPrepare(const EventContext&, const XaPrepareEvent&) { return okStatus(); }
    virtual Status onStop(const EventContext&) { return okStatus(); }
    // INCIDENT: the source may have lost events; a replicating consumer must stop here.
    virtual Status onIncident(const EventContext&, const IncidentEvent&) { return okStatus(); }
    // An event the decoder does not interpret but may pass over: an unknown type carrying
    // LOG_EVENT_IGNORABLE_F, IGNORABLE (28), TRANSACTION_CONTEXT (36), VIEW_CHANGE (37), or a
    // MariaDB START_ENCRYPTION sent over the wire with the ignorable flag.
    virtual Status onIgnorable(const EventContext&) { return okStatus(); }
};

}  // namespace ferry::binlog
