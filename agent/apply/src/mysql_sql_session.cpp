// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/mysql_sql_session.h"

#include <mysql.h>

#include <charconv>
#include <cstring>

namespace ferry::apply {
namespace {

constexpr unsigned kClientConnectionError = 2003;  // CR_CONN_HOST_ERROR
constexpr unsigned kClientServerGone = 2006;       // CR_SERVER_GONE_ERROR

// "Rows matched: 1  Changed: 0  Warnings: 0" -> 1.
std::optional<std::uint64_t> rowsMatched(const char* info) {
    static constexpr std::string_view kPrefix = "Rows matched: ";
    if (info == nullptr || std::strncmp(info, kPrefix.data(), kPrefix.size()) != 0) {
        return std::nullopt;
    }
    const char* begin = info + kPrefix.size();
    const char* end = begin + std::strlen(begin);
    std::uint64_t value = 0;
    const auto [next, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || next == begin) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

MysqlSqlSession::MysqlSqlSession(mysql::DatabaseUrl url, std::string password,
                                 mysql::ConnectOptions options)
    : m_url(std::move(url)), m_password(std::move(password)), m_options(options) {}

Result<std::unique_ptr<MysqlSqlSession>> MysqlSqlSession::connect(mysql::DatabaseUrl url,
                                                                  std::string password,
                                                                  mysql::ConnectOptions options) {
    std::unique_ptr<MysqlSqlSession> session(
        new MysqlSqlSession(std::move(url), std::move(password), options));
    FERRY_TRY(session->reconnect());
    return session;
}

Status MysqlSqlSession::reconnect() {
    m_connection.reset();
    auto connection = mysql::MysqlConnection::connect(m_url, m_password, m_options);
    if (!connection.ok()) {
        m_lastErrorNumber = kClientConnectionError;
        return std::move(connection).error();
    }
    m_connection = std::move(connection).value();
    m_lastErrorNumber = 0;
    return okStatus();
}

Status MysqlSqlSession::noConnection() {
    m_lastErrorNumber = kClientServerGone;
    return makeError(ErrorCode::Unavailable,
                     "no connection to " + m_url.endpoint() + " (the last reconnect failed)");
}

Status MysqlSqlSession::execute(std::string_view sql) {
    m_affectedRows = 0;
    if (!m_connection) {
        return noConnection();
    }
    // Straight on the handle: the affected rows and the info string must be read before any
    // further call on the connection (mysql_next_result clears them).
    MYSQL* handle = m_connection->handle();
    if (mysql_real_query(handle, sql.data(), sql.size()) != 0) {
        m_lastErrorNumber = mysql_errno(handle);
        return m_connection->lastError("statement failed");
    }
    const my_ulonglong affected = mysql_affected_rows(handle);
    m_affectedRows = affected == static_cast<my_ulonglong>(-1) ? 0 : affected;
    if (const auto matched = rowsMatched(mysql_info(handle))) {
        m_affectedRows = *matched;
    }
    do {
        if (MYSQL_RES* result = mysql_store_result(handle)) {
            mysql_free_result(result);
        } else if (mysql_field_count(handle) != 0) {
            m_lastErrorNumber = mysql_errno(handle);
            return m_connection->lastError("reading a result failed");
        }
        const int next = mysql_next_result(handle);
        if (next > 0) {
            m_lastErrorNumber = mysql_errno(handle);
            return m_connection->lastError("statement failed");
        }
        if (next < 0) {
            break;
        }
    } while (true);
    m_lastErrorNumber = 0;
    return okStatus();
}

Result<SqlRows> MysqlSqlSession::query(std::string_view sql) {
    m_affectedRows = 0;
    if (!m_connection) {
        return noConnection().error();
    }
    auto result = m_connection->query(sql);
    if (!result.ok()) {
        m_lastErrorNumber = mysql_errno(m_connection->handle());
        return std::move(result).error();
    }
    m_lastErrorNumber = 0;
    SqlRows rows;
    rows.columns = std::move(result->columns);
    rows.rows = std::move(result->rows);
    return rows;
}

std::string MysqlSqlSession::quote(std::string_view bytes) const {
    if (!m_connection) {
        return quoteUtf8mb4(bytes);
    }
    return m_connection->quote(bytes);
}

Result<std::uint64_t> MysqlSqlSession::connectionId() {
    if (!m_connection) {
        return noConnection().error();
    }
    return static_cast<std::uint64_t>(mysql_thread_id(m_connection->handle()));
}

}  // namespace ferry::apply
