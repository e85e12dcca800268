// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/binlog/event_handler.h"
#include "ferry/ctl/transaction_buffer.h"
#include "ferry/model/result.h"

namespace ferry::ctl {

enum class OutputFormat : std::uint8_t { Table, Json, Jsonl };

// Writes records to a stream in one of the three output forms: `table` lines under a header,
// a `json` array (one element per line), or `jsonl` (one object per line). Does not own `out`.
// Not thread-safe.
class RecordOutput {
public:
    RecordOutput(std::FILE* out, OutputFormat format, std::string tableHeader);

    OutputFormat format() const { return m_format; }
    // A table line or a JSON object, without '\n'.
    void write(std::string_view record);
    // Closes the JSON array (an empty one when nothing was written) and flushes.
    Status finish();
    Status flush();

private:
    void start();

    std::FILE* m_out;
    OutputFormat m_format;
    std::string m_tableHeader;
    bool m_started = false;
    std::uint64_t m_count = 0;
};

// "2026-11-25T08:00:00Z".
void appendIsoTime(std::uint32_t epochSeconds, std::string& out);

// The row-change dump: one record per row of every WRITE/UPDATE/DELETE rows event, buffered per
// transaction (TransactionBuffer) and written at its XID or COMMIT, when `end_pos` and the commit
// time are known; `onCommit(file, endPos)` is then called (the source's "confirmed up to here").
// A transaction is also ended by ROLLBACK (its rows touched non-transactional tables), a DDL
// QUERY and XA_PREPARE. Rows of a transaction that never ends (truncated file, decoder error) are
// not written: see pendingRows(). Not thread-safe.
class RowChangeWriter final : public binlog::EventHandler {
public:
    using CommitCallback = std::function<void(std::string_view file, std::uint64_t endPos)>;

    RowChangeWriter(RecordOutput& output, std::size_t memoryLimit, CommitCallback onCommit = {});

    Status onGtid(const binlog::EventContext&, const binlog::GtidEvent&) override;
    Status onMariadbGtid(const binlog::EventContext&, const binlog::MariadbGtidEvent&) override;
    Status onQuery(const binlog::EventContext&, const binlog::QueryEvent&) override;
    Status onXid(const binlog::EventContext&, const binlog::XidEvent&) override;
    Status onXaPrepare(const binlog::EventContext&, const binlog::XaPrepareEvent&) override;
    Status onTransactionPayload(const binlog::EventContext&,
                                const binlog::TransactionPayloadEvent&) override;
    Status onTransactionPayloadEnd(const binlog::EventContext&,
                                   const binlog::TransactionPayloadEvent&) override;
    Status onRowsBegin(const binlog::EventContext&, const binlog::RowsEvent&) override;
    Status onRow(const binlog::RowsEvent&, const binlog::RowImage* before,
                 const binlog::RowImage* after) override;

    std::uint64_t rowsWritten() const { return m_rowsWritten; }
    std::uint64_t transactionsWritten() const { return m_transactions; }
    std::uint64_t pendingRows() const { return m_buffer.count(); }
    // "file:pos" of the first buffered row, for the message about an unfinished transaction.
    const std::string& pendingStart() const { return m_pendingStart; }

private:
    Status commit(const binlog::EventContext& ctx, std::string_view file, std::uint64_t endPos);
    void endTransaction();

    RecordOutput& m_output;
    TransactionBuffer m_buffer;
    CommitCallback m_onCommit;
    std::string m_gtid;  // JSON value: a quoted GTID or null
    std::optional<std::uint64_t> m_commitMicros;
    std::string m_rowsFile;
    std::uint64_t m_rowsPos = 0;
    std::string m_payloadFile;
    std::uint64_t m_payloadOffset = 0;
    std::uint64_t m_payloadEnd = 0;
    bool m_innerCommitPending = false;
    std::uint32_t m_innerCommitTime = 0;
    std::string m_record;
    std::string m_pendingStart;
    std::uint64_t m_rowsWritten = 0;
    std::uint64_t m_transactions = 0;
};

// The raw event listing (`--events`): one record per event with the common-header fields (type
// name, offset, size, next position, flags, server id, timestamp). Events unpacked from a
// TRANSACTION_PAYLOAD are marked inner; their offset is within the decompressed payload.
class EventListWriter final : public binlog::EventHandler {
public:
    explicit EventListWriter(RecordOutput& output) : m_output(output) {}

    Status onEvent(const binlog::EventContext& ctx) override;
    Status onXid(const binlog::EventContext& ctx, const binlog::XidEvent&) override;
    Status onQuery(const binlog::EventContext& ctx, const binlog::QueryEvent& query) override;

    std::uint64_t eventsWritten() const { return m_events; }

    // Called with (file, endPos) after each complete transaction, like RowChangeWriter.
    void setCommitCallback(RowChangeWriter::CommitCallback onCommit) {
        m_onCommit = std::move(onCommit);
    }

private:
    RecordOutput& m_output;
    std::string m_record;
    std::uint64_t m_events = 0;
    RowChangeWriter::CommitCallback m_onCommit;
};

std::string_view eventTableHeader();
std::string_view rowTableHeader();

}  // namespace ferry::ctl
