// SPDX-License-Identifier: Apache-2.0
#include "mariadb_connection.h"

#include <mysql.h>

#include <mutex>
#include <utility>

namespace ferry::harness {
namespace {

constexpr unsigned int kConnectTimeoutS = 10;
constexpr unsigned int kReadWriteTimeoutS = 120;
constexpr unsigned int kAccessDenied = 1045;  // ER_ACCESS_DENIED_ERROR
constexpr unsigned int kFirstClientError = 2000;

void initLibraryOnce() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

ErrorCode codeFor(unsigned int mysqlErrno) {
    if (mysqlErrno == kAccessDenied) {
        return ErrorCode::PermissionDenied;
    }
    if (mysqlErrno >= kFirstClientError) {
        return ErrorCode::Unavailable;  // CR_*: the client lost or could not reach the server
    }
    return ErrorCode::Internal;
}

std::string shorten(std::string_view sql) {
    constexpr std::size_t kMax = 200;
    return sql.size() <= kMax ? std::string(sql) : std::string(sql.substr(0, kMax)) + "...";
}

}  // namespace

std::optional<std::size_t> QueryResult::column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == name) {
            return i;
        }
    }
    return std::nullopt;
}

void MariadbConnection::Closer::operator()(st_mysql* mysql) const {
    mysql_close(mysql);
}

MariadbConnection::MariadbConnection(std::unique_ptr<st_mysql, Closer> mysql, std::string where)
    : m_mysql(std::move(mysql)), m_where(std::move(where)) {}

MariadbConnection::MariadbConnection(MariadbConnection&&) noexcept = default;
MariadbConnection& MariadbConnection::operator=(MariadbConnection&&) noexcept = default;
MariadbConnection::~MariadbConnection() = default;

Result<MariadbConnection> MariadbConnection::connect(const MariadbServerEnv& server,
                                                     const std::string& user,
                                                     const std::string& password,
                                                     Transport transport,
                                                     const std::string& database) {
    initLibraryOnce();
    std::string where =
        server.site + " (" +
        (transport == Transport::Tcp ? server.host + ":" + std::to_string(server.port)
                                     : server.socket) +
        ")";
    std::unique_ptr<st_mysql, Closer> mysql(mysql_init(nullptr));
    if (!mysql) {
        return makeError(ErrorCode::Internal, "MariaDB " + where + ": mysql_init failed");
    }
    unsigned int protocol =
        transport == Transport::Tcp ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
    mysql_optionsv(mysql.get(), MYSQL_OPT_PROTOCOL, &protocol);
    mysql_optionsv(mysql.get(), MYSQL_OPT_CONNECT_TIMEOUT, &kConnectTimeoutS);
    mysql_optionsv(mysql.get(), MYSQL_OPT_READ_TIMEOUT, &kReadWriteTimeoutS);
    mysql_optionsv(mysql.get(), MYSQL_OPT_WRITE_TIMEOUT, &kReadWriteTimeoutS);
    mysql_optionsv(mysql.get(), MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const bool tcp = transport == Transport::Tcp;
    if (mysql_real_connect(mysql.get(), tcp ? server.host.c_str() : "localhost", user.c_str(),
                           password.c_str(), database.empty() ? nullptr : database.c_str(),
                           tcp ? static_cast<unsigned int>(server.port) : 0,
                           tcp ? nullptr : server.socket.c_str(), 0) == nullptr) {
        const unsigned int code = mysql_errno(mysql.get());
        return makeError(codeFor(code), "MariaDB " + where + ": connect as " + user +
                                            " failed: " + mysql_error(mysql.get()) + " (errno " +
                                            std::to_string(code) + "); is the harness up? see " +
                                            server.errorLog);
    }
    return MariadbConnection(std::move(mysql), std::move(where));
}

Result<MariadbConnection> MariadbConnection::connect(const HarnessEnv& env, std::size_t index,
                                                     Transport transport) {
    FERRY_ASSIGN_OR_RETURN(MariadbServerEnv server, env.mariadb(index));
    return connect(server, env.user(), env.password(), transport);
}

Error MariadbConnection::queryError(std::string_view sql) const {
    const unsigned int code = mysql_errno(m_mysql.get());
    return makeError(codeFor(code), "MariaDB " + m_where + ": `" + shorten(sql) +
                                        "` failed: " + mysql_error(m_mysql.get()) + " (errno " +
                                        std::to_string(code) + ")");
}

Status MariadbConnection::execute(std::string_view sql) {
    FERRY_ASSIGN_OR_RETURN(QueryResult ignored, query(sql));
    (void)ignored;
    return okStatus();
}

Result<QueryResult> MariadbConnection::query(std::string_view sql) {
    if (!m_mysql) {
        return makeError(ErrorCode::Internal, "MariaDB connection used after move");
    }
    if (mysql_real_query(m_mysql.get(), sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
        return queryError(sql);
    }
    QueryResult result;
    MYSQL_RES* raw = mysql_store_result(m_mysql.get());
    if (raw == nullptr) {
        if (mysql_field_count(m_mysql.get()) != 0) {
            return queryError(sql);  // rows were expected but could not be read
        }
        return result;
    }
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> rows(raw, &mysql_free_result);
    const unsigned int fieldCount = mysql_num_fields(raw);
    MYSQL_FIELD* fields = mysql_fetch_fields(raw);
    for (unsigned int i = 0; i < fieldCount; ++i) {
        result.columns.emplace_back(fields[i].name, fields[i].name_length);
    }
    while (MYSQL_ROW row = mysql_fetch_row(raw)) {
        unsigned long* lengths = mysql_fetch_lengths(raw);
        std::vector<std::optional<std::string>> values;
        values.reserve(fieldCount);
        for (unsigned int i = 0; i < fieldCount; ++i) {
            if (row[i] == nullptr) {
                values.emplace_back(std::nullopt);
            } else {
                values.emplace_back(std::string(row[i], lengths[i]));
            }
        }
        result.rows.push_back(std::move(values));
    }
    return result;
}

Result<std::optional<std::string>> MariadbConnection::queryValue(std::string_view sql) {
    FERRY_ASSIGN_OR_RETURN(QueryResult result, query(sql));
    if (result.rows.empty() || result.rows.front().empty()) {
        return makeError(ErrorCode::NotFound,
                         "MariaDB " + m_where + ": `" + shorten(sql) + "` returned no row");
    }
    return std::move(result.rows.front().front());
}

std::uint64_t MariadbConnection::lastInsertId() const {
    return m_mysql ? mysql_insert_id(m_mysql.get()) : 0;
}

std::uint64_t MariadbConnection::affectedRows() const {
    return m_mysql ? mysql_affected_rows(m_mysql.get()) : 0;
}

}  // namespace ferry::harness
