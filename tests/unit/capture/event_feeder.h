// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/binlog/event_handler.h"
#include "ferry/binlog/event_types.h"
#include "ferry/model/mysql_gtid.h"

namespace ferry::capture::test {

// Drives an EventHandler the way EventDecoder does (onEvent, then the typed callback; rows as
// onRowsBegin / onRow... / onRowsEnd), with made-up event sizes laid out one after another in
// one file, so tests can say exactly which position each event had. Inner events of a
// TRANSACTION_PAYLOAD get payload-relative offsets, as the decoder gives them.
class EventFeeder {
public:
    static constexpr std::uint32_t kEventSize = 100;

    explicit EventFeeder(binlog::EventHandler& handler, std::string file = "mysql-bin.000003")
        : m_handler(handler), m_file(std::move(file)) {}

    std::uint64_t position() const { return m_pos; }
    std::uint16_t flags = 0;
    std::uint32_t serverId = 7;
    std::uint32_t timestamp = 1700000000;

    Status gtid(std::optional<model::MysqlGtid> gtid,
                std::optional<std::uint64_t> commitMicros = std::nullopt) {
        binlog::GtidEvent ev;
        ev.anonymous = !gtid.has_value();
        ev.gtid = std::move(gtid);
        ev.immediateCommitTimestamp = commitMicros;
        auto ctx = next(binlog::EventType::Gtid);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onGtid(ctx, ev);
    }

    Status mariadbGtid(std::uint64_t sequence, std::uint8_t flags2) {
        binlog::MariadbGtidEvent ev;
        ev.sequence = sequence;
        ev.domainId = 0;
        ev.serverId = serverId;
        ev.flags2 = flags2;
        auto ctx = next(binlog::EventType::MariadbGtid);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onMariadbGtid(ctx, ev);
    }

    Status query(std::string_view text, std::string_view database = "shop") {
        binlog::QueryEvent ev;
        ev.query = text;
        ev.database = database;
        auto ctx = next(binlog::EventType::Query);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onQuery(ctx, ev);
    }

    Status xid() {
        binlog::XidEvent ev;
        ev.xid = 42;
        auto ctx = next(binlog::EventType::Xid);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onXid(ctx, ev);
    }

    Status xaPrepare(bool onePhase) {
        binlog::XaPrepareEvent ev;
        ev.onePhase = onePhase;
        auto ctx = next(binlog::EventType::XaPrepare);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onXaPrepare(ctx, ev);
    }

    Status formatDescription() {
        binlog::FormatDescription fde;
        fde.createTimestamp = timestamp;
        auto ctx = next(binlog::EventType::FormatDescription);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onFormatDescription(ctx, fde);
    }

    Status incident() {
        binlog::IncidentEvent ev;
        ev.type = 1;
        ev.message = "LOST_EVENTS";
        auto ctx = next(binlog::EventType::Incident);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onIncident(ctx, ev);
    }

    Status tableMap(const binlog::TableMap& map) {
        auto ctx = next(binlog::EventType::TableMap);
        FERRY_TRY(m_handler.onEvent(ctx));
        return m_handler.onTableMap(ctx, map);
    }

    // One rows event: `before` and `after` hold one image per row (either may be empty).
    Status rows(binlog::RowsKind kind, const binlog::TableMap& map,
                const std::vector<std::vector<binlog::ColumnValue>>& before,
                const std::vector<std::vector<binlog::ColumnValue>>& after) {
        binlog::RowsEvent ev;
        ev.kind = kind;
        ev.version = 2;
        ev.tableId = map.tableId;
        ev.table = &map;
        ev.columnCount = map.columns.size();
        auto ctx = next(kind == binlog::RowsKind::Write    ? binlog::EventType::WriteRowsV2
                        : kind == binlog::RowsKind::Update ? binlog::EventType::UpdateRowsV2
                                                           : binlog::EventType::DeleteRowsV2);
        FERRY_TRY(m_handler.onEvent(ctx));
        FERRY_TRY(m_handler.onRowsBegin(ctx, ev));
        const std::size_t n = std::max(before.size(), after.size());
        for (std::size_t i = 0; i < n; ++i) {
            binlog::RowImage b =
                i < before.size() ? binlog::RowImage(before[i]) : binlog::RowImage();
            binlog::RowImage a = i < after.size() ? binlog::RowImage(after[i]) : binlog::RowImage();
            FERRY_TRY(m_handler.onRow(ev, i < before.size() ? &b : nullptr,
                                      i < after.size() ? &a : nullptr));
        }
        return m_handler.onRowsEnd(ctx, ev);
    }

    // Opens a TRANSACTION_PAYLOAD of `size` bytes; events until endPayload() are inner.
    Status beginPayload(std::uint32_t size) {
        binlog::TransactionPayloadEvent ev;
        m_payloadCtx = next(binlog::EventType::TransactionPayload, size);
        FERRY_TRY(m_handler.onEvent(m_payloadCtx));
        FERRY_TRY(m_handler.onTransactionPayload(m_payloadCtx, ev));
        m_inner = true;
        m_innerPos = 0;
        return okStatus();
    }

    Status endPayload() {
        m_inner = false;
        binlog::TransactionPayloadEvent ev;
        return m_handler.onTransactionPayloadEnd(m_payloadCtx, ev);
    }

private:
    binlog::EventContext next(binlog::EventType type, std::uint32_t size = kEventSize) {
        binlog::EventContext ctx;
        ctx.header.typeCode = static_cast<std::uint8_t>(type);
        ctx.header.eventLength = size;
        ctx.header.flags = flags;
        ctx.header.serverId = serverId;
        ctx.header.timestamp = timestamp;
        ctx.file = m_file;
        ctx.inner = m_inner;
        if (m_inner) {
            ctx.offset = m_innerPos;
            m_innerPos += size;
        } else {
            ctx.offset = m_pos;
            ctx.header.logPos = static_cast<std::uint32_t>(m_pos + size);
            m_pos += size;
        }
        return ctx;
    }

    binlog::EventHandler& m_handler;
    std::string m_file;
    std::uint64_t m_pos = 4;
    bool m_inner = false;
    std::uint64_t m_innerPos = 0;
    binlog::EventContext m_payloadCtx;
};

}  // namespace ferry::capture::test
