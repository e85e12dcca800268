// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/dump_writers.h"

#include <cerrno>
#include <cstring>

#include "ferry/binlog/numeric.h"
#include "ferry/ctl/json_text.h"
#include "ferry/ctl/value_json.h"

namespace ferry::ctl {
namespace {

using binlog::EventContext;

constexpr std::size_t kTimeWidth = 20;

std::int64_t daysFromCivilEpoch(std::int64_t days, int& year, unsigned& month, unsigned& day) {
    // Howard Hinnant's civil_from_days.
    days += 719468;
    const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int>(y + (month <= 2 ? 1 : 0));
    return 0;
}

void pad(std::string& out, std::size_t from, std::size_t width) {
    const std::size_t used = out.size() - from;
    out.append(used < width ? width - used + 2 : 2, ' ');
}

// Names from the binlog are untrusted: in table output, control characters become '?'.
void appendPrintable(std::string_view text, std::string& out) {
    for (const char c : text) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
    }
}

bool startsWithWordCi(std::string_view text, std::string_view word) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n' ||
                             text.front() == '\r')) {
        text.remove_prefix(1);
    }
    if (text.size() < word.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        const char a = text[i] >= 'a' && text[i] <= 'z' ? static_cast<char>(text[i] - 32) : text[i];
        if (a != word[i]) {
            return false;
        }
    }
    if (text.size() == word.size()) {
        return true;
    }
    const char next = text[word.size()];
    return !((next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') ||
             (next >= '0' && next <= '9') || next == '_');
}

bool containsCi(std::string_view text, std::string_view word) {
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
        if (startsWithWordCi(text.substr(i), word)) {
            return true;
        }
    }
    return false;
}

// COMMIT, ROLLBACK (its rows changed non-transactional tables and are kept), XA COMMIT/ROLLBACK
// and DDL end a transaction; BEGIN, SAVEPOINT, ROLLBACK TO SAVEPOINT, XA START and XA END do not
// (an XA transaction's first phase ends at its XA_PREPARE event).
bool queryEndsTransaction(std::string_view query) {
    if (startsWithWordCi(query, "BEGIN") || startsWithWordCi(query, "SAVEPOINT")) {
        return false;
    }
    if (startsWithWordCi(query, "ROLLBACK")) {
        return !containsCi(query, "TO");
    }
    if (startsWithWordCi(query, "XA")) {
        return containsCi(query, "COMMIT") || containsCi(query, "ROLLBACK");
    }
    return true;
}

const char* kindName(binlog::RowsKind kind) {
    switch (kind) {
        case binlog::RowsKind::Write:
            return "insert";
        case binlog::RowsKind::Update:
            return "update";
        case binlog::RowsKind::Delete:
            return "delete";
    }
    return "unknown";
}

}  // namespace

void appendIsoTime(std::uint32_t epochSeconds, std::string& out) {
    int year = 0;
    unsigned month = 0;
    unsigned day = 0;
    daysFromCivilEpoch(epochSeconds / 86400, year, month, day);
    const std::uint32_t rest = epochSeconds % 86400;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02uZ", year, month, day, rest / 3600,
                  rest / 60 % 60, rest % 60);
    out += buf;
}

std::string_view eventTableHeader() {
    return "FILE                  OFFSET      TYPE                   SIZE      NEXT_POS    FLAGS   "
           "SERVER_ID   TIME";
}

std::string_view rowTableHeader() {
    return "TIME                  POSITION                      END_POS     GTID              TYPE "
           " "
           "  TABLE                       VALUES";
}

RecordOutput::RecordOutput(std::FILE* out, OutputFormat format, std::string tableHeader)
    : m_out(out), m_format(format), m_tableHeader(std::move(tableHeader)) {}

void RecordOutput::start() {
    m_started = true;
    if (m_format == OutputFormat::Json) {
        std::fputs("[\n", m_out);
    } else if (m_format == OutputFormat::Table && !m_tableHeader.empty()) {
        std::fputs(m_tableHeader.c_str(), m_out);
        std::fputc('\n', m_out);
    }
}

void RecordOutput::write(std::string_view record) {
    if (!m_started) {
        start();
    }
    if (m_format == OutputFormat::Json && m_count != 0) {
        std::fputs(",\n", m_out);
    }
    std::fwrite(record.data(), 1, record.size(), m_out);
    if (m_format != OutputFormat::Json) {
        std::fputc('\n', m_out);
    }
    ++m_count;
}

Status RecordOutput::flush() {
    if (std::fflush(m_out) != 0 || std::ferror(m_out)) {
        return makeError(ErrorCode::Io,
                         std::string("cannot write the output: ") + std::strerror(errno));
    }
    return okStatus();
}

Status RecordOutput::finish() {
    if (m_format == OutputFormat::Json) {
        if (!m_started) {
            m_started = true;
            std::fputs("[", m_out);
        } else {
            std::fputs("\n", m_out);
        }
        std::fputs("]\n", m_out);
    } else if (!m_started) {
        start();
    }
    return flush();
}

RowChangeWriter::RowChangeWriter(RecordOutput& output, std::size_t memoryLimit,
                                 CommitCallback onCommit)
    : m_output(output), m_buffer(memoryLimit), m_onCommit(std::move(onCommit)), m_gtid("null") {}

Status RowChangeWriter::onGtid(const EventContext&, const binlog::GtidEvent& gtid) {
    m_gtid.clear();
    if (gtid.gtid) {
        appendJsonString(gtid.gtid->toString(), m_gtid);
    } else {
        m_gtid = "null";
    }
    m_commitMicros = gtid.immediateCommitTimestamp;
    return okStatus();
}

Status RowChangeWriter::onMariadbGtid(const EventContext&, const binlog::MariadbGtidEvent& gtid) {
    m_gtid.clear();
    appendJsonString(gtid.gtid().toString(), m_gtid);
    m_commitMicros.reset();
    return okStatus();
}

Status RowChangeWriter::onQuery(const EventContext& ctx, const binlog::QueryEvent& query) {
    if (!queryEndsTransaction(query.query)) {
        return okStatus();
    }
    if (ctx.inner) {
        m_innerCommitPending = true;
        m_innerCommitTime = ctx.header.timestamp;
        return okStatus();
    }
    return commit(ctx, ctx.file, ctx.offset + ctx.header.eventLength);
}

Status RowChangeWriter::onXid(const EventContext& ctx, const binlog::XidEvent&) {
    if (ctx.inner) {
        m_innerCommitPending = true;
        m_innerCommitTime = ctx.header.timestamp;
        return okStatus();
    }
    return commit(ctx, ctx.file, ctx.offset + ctx.header.eventLength);
}

Status RowChangeWriter::onXaPrepare(const EventContext& ctx, const binlog::XaPrepareEvent&) {
    return onXid(ctx, binlog::XidEvent{});
}

Status RowChangeWriter::onTransactionPayload(const EventContext& ctx,
                                             const binlog::TransactionPayloadEvent&) {
    m_payloadFile.assign(ctx.file);
    m_payloadOffset = ctx.offset;
    m_payloadEnd = ctx.offset + ctx.header.eventLength;
    m_innerCommitPending = false;
    return okStatus();
}

Status RowChangeWriter::onTransactionPayloadEnd(const EventContext& ctx,
                                                const binlog::TransactionPayloadEvent&) {
    if (!m_innerCommitPending) {
        return okStatus();
    }
    m_innerCommitPending = false;
    EventContext commitCtx = ctx;
    commitCtx.header.timestamp = m_innerCommitTime;
    return commit(commitCtx, m_payloadFile, m_payloadEnd);
}

Status RowChangeWriter::onRowsBegin(const EventContext& ctx, const binlog::RowsEvent&) {
    if (ctx.inner) {
        m_rowsFile = m_payloadFile;
        m_rowsPos = m_payloadOffset;
    } else {
        m_rowsFile.assign(ctx.file);
        m_rowsPos = ctx.offset;
    }
    return okStatus();
}

Status RowChangeWriter::onRow(const binlog::RowsEvent& rows, const binlog::RowImage* before,
                              const binlog::RowImage* after) {
    const binlog::TableMap* table = rows.table;
    std::string& r = m_record;
    r.clear();
    if (m_buffer.empty()) {
        m_pendingStart = m_rowsFile + ":" + std::to_string(m_rowsPos);
    }
    const std::string_view schema = table != nullptr ? std::string_view(table->schema) : "";
    const std::string_view name = table != nullptr ? std::string_view(table->table) : "";
    if (m_output.format() == OutputFormat::Table) {
        r.push_back(TransactionBuffer::kTimeMark);
        r += "  ";
        std::size_t from = r.size();
        appendPrintable(m_rowsFile, r);
        r.push_back(':');
        binlog::appendUint(m_rowsPos, r);
        pad(r, from, 28);
        r.push_back(TransactionBuffer::kEndPosMark);
        r += "  ";
        from = r.size();
        if (m_gtid == "null") {
            r.push_back('-');
        } else {
            r.append(m_gtid, 1, m_gtid.size() - 2);
        }
        pad(r, from, 16);
        from = r.size();
        r += kindName(rows.kind);
        pad(r, from, 6);
        from = r.size();
        appendPrintable(schema, r);
        r.push_back('.');
        appendPrintable(name, r);
        pad(r, from, 26);
        if (before != nullptr) {
            FERRY_TRY(appendRowImageJson(*before, table, r));
        }
        if (before != nullptr && after != nullptr) {
            r += " -> ";
        }
        if (after != nullptr) {
            FERRY_TRY(appendRowImageJson(*after, table, r));
        }
    } else {
        r += "{\"file\":";
        appendJsonString(m_rowsFile, r);
        r += ",\"pos\":";
        binlog::appendUint(m_rowsPos, r);
        r += ",\"end_pos\":";
        r.push_back(TransactionBuffer::kEndPosMark);
        r += ",\"gtid\":";
        r += m_gtid;
        r += ",\"ts\":";
        r.push_back(TransactionBuffer::kTimeMark);
        r += ",\"db\":";
        appendJsonString(schema, r);
        r += ",\"table\":";
        appendJsonString(name, r);
        r += ",\"type\":\"";
        r += kindName(rows.kind);
        r += "\",\"before\":";
        if (before != nullptr) {
            FERRY_TRY(appendRowImageJson(*before, table, r));
        } else {
            r += "null";
        }
        r += ",\"after\":";
        if (after != nullptr) {
            FERRY_TRY(appendRowImageJson(*after, table, r));
        } else {
            r += "null";
        }
        r.push_back('}');
    }
    return m_buffer.add(r);
}

Status RowChangeWriter::commit(const EventContext& ctx, std::string_view file,
                               std::uint64_t endPos) {
    if (!m_buffer.empty()) {
        const std::uint32_t seconds = m_commitMicros
                                          ? static_cast<std::uint32_t>(*m_commitMicros / 1000000)
                                          : ctx.header.timestamp;
        std::string end;
        std::string time;
        binlog::appendUint(endPos, end);
        if (m_output.format() == OutputFormat::Table) {
            end.resize(std::max<std::size_t>(end.size(), 10), ' ');
            appendIsoTime(seconds, time);
            time.resize(std::max(time.size(), kTimeWidth), ' ');
        } else {
            binlog::appendUint(seconds, time);
        }
        m_rowsWritten += m_buffer.count();
        FERRY_TRY(
            m_buffer.drain(end, time, [&](std::string_view record) { m_output.write(record); }));
        ++m_transactions;
        FERRY_TRY(m_output.flush());
    }
    endTransaction();
    if (m_onCommit) {
        m_onCommit(file, endPos);
    }
    return okStatus();
}

void RowChangeWriter::endTransaction() {
    m_gtid = "null";
    m_commitMicros.reset();
    m_pendingStart.clear();
}

Status EventListWriter::onEvent(const EventContext& ctx) {
    const binlog::EventHeader& h = ctx.header;
    std::string& r = m_record;
    r.clear();
    const std::string type = binlog::eventTypeName(h.typeCode);
    char flags[8];
    std::snprintf(flags, sizeof flags, "0x%04x", static_cast<unsigned>(h.flags));
    if (m_output.format() == OutputFormat::Table) {
        std::size_t from = r.size();
        appendPrintable(ctx.file, r);
        pad(r, from, 20);
        from = r.size();
        if (ctx.inner) {
            r += "+";
        }
        binlog::appendUint(ctx.offset, r);
        pad(r, from, 10);
        from = r.size();
        r += type;
        pad(r, from, 21);
        from = r.size();
        binlog::appendUint(h.eventLength, r);
        pad(r, from, 8);
        from = r.size();
        binlog::appendUint(h.logPos, r);
        pad(r, from, 10);
        from = r.size();
        r += flags;
        pad(r, from, 6);
        from = r.size();
        binlog::appendUint(h.serverId, r);
        pad(r, from, 10);
        if (h.timestamp != 0) {
            appendIsoTime(h.timestamp, r);
        } else {
            r.push_back('-');
        }
    } else {
        r += "{\"file\":";
        appendJsonString(ctx.file, r);
        r += ",\"offset\":";
        binlog::appendUint(ctx.offset, r);
        r += ",\"inner\":";
        r += ctx.inner ? "true" : "false";
        r += ",\"type\":";
        appendJsonString(type, r);
        r += ",\"type_code\":";
        binlog::appendUint(h.typeCode, r);
        r += ",\"size\":";
        binlog::appendUint(h.eventLength, r);
        r += ",\"next_pos\":";
        binlog::appendUint(h.logPos, r);
        r += ",\"flags\":";
        binlog::appendUint(h.flags, r);
        r += ",\"server_id\":";
        binlog::appendUint(h.serverId, r);
        r += ",\"ts\":";
        binlog::appendUint(h.timestamp, r);
        r.push_back('}');
    }
    m_output.write(r);
    ++m_events;
    return okStatus();
}

Status EventListWriter::onXid(const EventContext& ctx, const binlog::XidEvent&) {
    if (m_onCommit && !ctx.inner) {
        m_onCommit(ctx.file, ctx.offset + ctx.header.eventLength);
    }
    return okStatus();
}

Status EventListWriter::onQuery(const EventContext& ctx, const binlog::QueryEvent& query) {
    if (m_onCommit && !ctx.inner && queryEndsTransaction(query.query)) {
        m_onCommit(ctx.file, ctx.offset + ctx.header.eventLength);
    }
    return okStatus();
}

}  // namespace ferry::ctl
