// SPDX-License-Identifier: Apache-2.0
#include "fake_sql_session.h"

#include <charconv>

namespace ferry::apply::testing {
namespace {

bool startsWith(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

std::uint64_t number(std::string_view text) {
    std::uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

std::string unquote(std::string_view text) {
    if (text.size() >= 2 && text.front() == '\'') {
        return std::string(text.substr(1, text.size() - 2));
    }
    return std::string(text);
}

}  // namespace

std::vector<std::string> FakeSqlSession::statementsStartingWith(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const std::string& sql : log) {
        if (startsWith(sql, prefix)) {
            out.push_back(sql);
        }
    }
    return out;
}

Status FakeSqlSession::fail(unsigned errorNumber) {
    m_lastError = errorNumber;
    m_affected = 0;
    if (classifySqlError(errorNumber) == SqlErrorKind::ConnectionLost ||
        classifySqlError(errorNumber) == SqlErrorKind::Transient) {
        // The server rolls back on deadlock and on a lost connection; a lock wait timeout
        // leaves the transaction open until ROLLBACK, which the applier sends.
        if (errorNumber != 1205) {
            m_inTransaction = false;
            m_pending.reset();
        }
    }
    return makeError(ErrorCode::Io, "fake error " + std::to_string(errorNumber));
}

std::optional<FakeSqlSession::Failure> FakeSqlSession::takeFailure(std::string_view sql) {
    for (Failure& failure : failures) {
        if (failure.times > 0 && startsWith(sql, failure.prefix)) {
            --failure.times;
            return failure;
        }
    }
    return std::nullopt;
}

void FakeSqlSession::applyPositionWrite(std::string_view sql) {
    // VALUES (pipeline, slot, 'file', pos, 'gtid', ts, 1, token, CURRENT_TIMESTAMP(6))
    const auto open = sql.find("VALUES (");
    std::vector<std::string_view> parts;
    std::string_view rest = sql.substr(open + 8);
    for (int i = 0; i < 8; ++i) {
        const auto comma = rest.find(", ");
        parts.push_back(rest.substr(0, comma));
        rest.remove_prefix(comma + 2);
    }
    const auto slot = static_cast<std::uint16_t>(number(parts[1]));
    Position position = positions.count(slot) != 0 ? positions[slot] : Position{};
    if (m_pending && m_pending->first == slot) {
        position = m_pending->second;
    }
    position.file = unquote(parts[2]);
    position.pos = number(parts[3]);
    position.gtid = unquote(parts[4]);
    position.ts = number(parts[5]);
    position.token = number(parts[7]);
    position.seq += 1;
    m_pending = std::pair{slot, position};
}

Status FakeSqlSession::execute(std::string_view sql) {
    log.emplace_back(sql);
    if (auto failure = takeFailure(sql)) {
        if (failure->afterEffect && sql == "COMMIT" && m_pending) {
            positions[m_pending->first] = m_pending->second;
        }
        return fail(failure->number);
    }
    m_lastError = 0;
    if (sql == "BEGIN") {
        m_inTransaction = true;
        m_pending.reset();
    } else if (sql == "COMMIT") {
        if (m_pending) {
            positions[m_pending->first] = m_pending->second;
        }
        m_inTransaction = false;
        m_pending.reset();
    } else if (sql == "ROLLBACK") {
        m_inTransaction = false;
        m_pending.reset();
    } else if (sql.find("`apply_position` (pipeline_id") != std::string_view::npos) {
        applyPositionWrite(sql);
    }
    if (affected) {
        m_affected = affected(sql);
    } else if (startsWith(sql, "INSERT INTO")) {
        std::uint64_t rows = 1;
        for (auto at = sql.find("), ("); at != std::string_view::npos;
             at = sql.find("), (", at + 1)) {
            ++rows;
        }
        m_affected = rows;
    } else {
        m_affected = 1;
    }
    return okStatus();
}

Result<SqlRows> FakeSqlSession::query(std::string_view sql) {
    log.emplace_back(sql);
    if (auto failure = takeFailure(sql)) {
        return fail(failure->number).error();
    }
    m_lastError = 0;
    SqlRows rows;
    if (startsWith(sql, "SELECT token FROM")) {
        rows.columns = {"token"};
        if (fenceToken) {
            rows.rows.push_back({std::to_string(*fenceToken)});
        }
        return rows;
    }
    if (startsWith(sql, "SELECT slot, source_file")) {
        rows.columns = {"slot",      "source_file", "source_pos",   "source_gtid",
                        "source_ts", "seq",         "fencing_token"};
        for (const auto& [slot, p] : positions) {
            rows.rows.push_back({std::to_string(slot), p.file, std::to_string(p.pos), p.gtid,
                                 std::to_string(p.ts), std::to_string(p.seq),
                                 std::to_string(p.token)});
        }
        return rows;
    }
    if (startsWith(sql, "SELECT source_file, source_pos, seq")) {
        rows.columns = {"source_file", "source_pos", "seq"};
        const auto at = sql.find("slot = ");
        const auto slot = static_cast<std::uint16_t>(number(sql.substr(at + 7)));
        if (positions.count(slot) != 0) {
            const Position& p = positions[slot];
            rows.rows.push_back({p.file, std::to_string(p.pos), std::to_string(p.seq)});
        }
        return rows;
    }
    for (const auto& [prefix, result] : queryResults) {
        if (startsWith(sql, prefix)) {
            return result;
        }
    }
    return rows;
}

Status FakeSqlSession::reconnect() {
    log.emplace_back("<reconnect>");
    m_inTransaction = false;
    m_pending.reset();
    if (reconnectFailures > 0) {
        --reconnectFailures;
        m_lastError = 2003;
        return makeError(ErrorCode::Unavailable, "fake: cannot connect");
    }
    m_lastError = 0;
    return okStatus();
}

}  // namespace ferry::apply::testing
