// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/connection.h"

#include <mysql.h>

#include <charconv>
#include <mutex>

namespace ferry::mysql {
namespace {

void initLibraryOnce() {
    static std::once_flag once;
    std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

ServerInfo parseServerInfo(std::string version) {
    ServerInfo info;
    info.mariadb = version.find("MariaDB") != std::string::npos;
    // Numeric parts stop at the first non-digit ("5.1.34sp1-enterprise" is 5.1.34).
    const char* p = version.data();
    const char* end = p + version.size();
    uint32_t* parts[] = {&info.major, &info.minor, &info.patch};
    for (uint32_t* part : parts) {
        auto [next, ec] = std::from_chars(p, end, *part);
        if (ec != std::errc() || next == end || *next != '.') {
            break;
        }
        p = next + 1;
    }
    info.version = std::move(version);
    return info;
}

}  // namespace

std::optional<std::string> QueryResult::firstValue(std::string_view name) const {
    if (rows.empty()) {
        return std::nullopt;
    }
    for (size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == name) {
            return rows.front()[i];
        }
    }
    return std::nullopt;
}

ErrorCode classifyMysqlError(unsigned errorNumber) {
    switch (errorNumber) {
        case 1044:  // ER_DBACCESS_DENIED_ERROR
        case 1045:  // ER_ACCESS_DENIED_ERROR
        case 1142:  // ER_TABLEACCESS_DENIED_ERROR
        case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR
        case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
            return ErrorCode::PermissionDenied;
        case 2002:  // CR_CONNECTION_ERROR
        case 2003:  // CR_CONN_HOST_ERROR
        case 2005:  // CR_UNKNOWN_HOST
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 1040:  // ER_CON_COUNT_ERROR
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1205:  // ER_LOCK_WAIT_TIMEOUT
        case 1213:  // ER_LOCK_DEADLOCK
            return ErrorCode::Unavailable;
        case 1049:  // ER_BAD_DB_ERROR
        case 1146:  // ER_NO_SUCH_TABLE
            return ErrorCode::NotFound;
        default:
            return ErrorCode::Io;
    }
}

MysqlConnection::MysqlConnection(MYSQL* mysql, DatabaseUrl url)
    : m_mysql(mysql), m_url(std::move(url)) {
    m_server = parseServerInfo(mysql_get_server_info(m_mysql));
}

MysqlConnection::~MysqlConnection() {
    mysql_close(m_mysql);
}

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::connect(const DatabaseUrl& url,
                                                                  const std::string& password,
                                                                  const ConnectOptions& options) {
    initLibraryOnce();
    MYSQL* mysql = mysql_init(nullptr);
    if (mysql == nullptr) {
        return makeError(ErrorCode::Internal, "mysql_init failed (out of memory)");
    }
    unsigned connectTimeout = url.connectTimeoutSeconds;
    unsigned readTimeout = options.readTimeoutSeconds;
    unsigned writeTimeout = options.writeTimeoutSeconds;
    unsigned long maxPacket = options.maxAllowedPacket;
    mysql_optionsv(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connectTimeout);
    mysql_optionsv(mysql, MYSQL_OPT_READ_TIMEOUT, &readTimeout);
    mysql_optionsv(mysql, MYSQL_OPT_WRITE_TIMEOUT, &writeTimeout);
    mysql_optionsv(mysql, MYSQL_OPT_MAX_ALLOWED_PACKET, &maxPacket);
    mysql_optionsv(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    my_bool yes = 1;
    my_bool no = 0;
    switch (url.sslMode) {
        case SslMode::Disabled:
            break;
        case SslMode::Preferred:
            // Connector/C 3.3 only uses TLS when asked; Preferred means "if the server has it".
            break;
        case SslMode::Required:
            mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &yes);
            mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &no);
            break;
        case SslMode::VerifyCa:
        case SslMode::VerifyIdentity:
            mysql_optionsv(mysql, MYSQL_OPT_SSL_ENFORCE, &yes);
            mysql_optionsv(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
            break;
    }
    if (!url.sslCa.empty()) {
        mysql_optionsv(mysql, MYSQL_OPT_SSL_CA, url.sslCa.c_str());
    }
    if (!url.sslCert.empty()) {
        mysql_optionsv(mysql, MYSQL_OPT_SSL_CERT, url.sslCert.c_str());
    }
    if (!url.sslKey.empty()) {
        mysql_optionsv(mysql, MYSQL_OPT_SSL_KEY, url.sslKey.c_str());
    }
    const char* host = url.socket.empty() ? url.host.c_str() : "localhost";
    const char* socket = url.socket.empty() ? nullptr : url.socket.c_str();
    const char* database = url.database.empty() ? nullptr : url.database.c_str();
    if (mysql_real_connect(mysql, host, url.user.c_str(), password.c_str(), database, url.port,
                           socket, CLIENT_MULTI_STATEMENTS) == nullptr) {
        const unsigned number = mysql_errno(mysql);
        std::string message = "cannot connect to " + url.endpoint() + ": " + mysql_error(mysql) +
                              " (error " + std::to_string(number) + ")";
        const ErrorCode code = classifyMysqlError(number);
        if (code == ErrorCode::PermissionDenied) {
            message +=
                "; check the user name and the password (FERRY_PASSWORD, --password-env or "
                "--password-file)";
        } else if (code == ErrorCode::Unavailable) {
            message += "; check that the server runs and the address is right";
        }
        mysql_close(mysql);
        return makeError(code, std::move(message));
    }
    return std::unique_ptr<MysqlConnection>(new MysqlConnection(mysql, url));
}

Error MysqlConnection::lastError(std::string_view what) const {
    const unsigned number = mysql_errno(m_mysql);
    return makeError(classifyMysqlError(number), std::string(what) + " on " + m_url.endpoint() +
                                                     ": " + mysql_error(m_mysql) + " (error " +
                                                     std::to_string(number) + ")");
}

Status MysqlConnection::execute(std::string_view sql) {
    if (mysql_real_query(m_mysql, sql.data(), sql.size()) != 0) {
        return lastError("statement failed");
    }
    // Drain every result set a multi-statement may produce.
    do {
        if (MYSQL_RES* res = mysql_store_result(m_mysql)) {
            mysql_free_result(res);
        } else if (mysql_field_count(m_mysql) != 0) {
            return lastError("reading a result failed");
        }
        const int next = mysql_next_result(m_mysql);
        if (next > 0) {
            return lastError("statement failed");
        }
        if (next < 0) {
            break;
        }
    } while (true);
    return okStatus();
}

Result<QueryResult> MysqlConnection::query(std::string_view sql) {
    if (mysql_real_query(m_mysql, sql.data(), sql.size()) != 0) {
        return lastError("query failed");
    }
    MYSQL_RES* res = mysql_store_result(m_mysql);
    if (res == nullptr) {
        if (mysql_field_count(m_mysql) == 0) {
            return QueryResult{};
        }
        return lastError("reading a result failed");
    }
    QueryResult out;
    const unsigned fields = mysql_num_fields(res);
    MYSQL_FIELD* meta = mysql_fetch_fields(res);
    out.columns.reserve(fields);
    for (unsigned i = 0; i < fields; ++i) {
        out.columns.emplace_back(meta[i].name, meta[i].name_length);
    }
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
        const unsigned long* lengths = mysql_fetch_lengths(res);
        auto& values = out.rows.emplace_back();
        values.reserve(fields);
        for (unsigned i = 0; i < fields; ++i) {
            if (row[i] == nullptr) {
                values.emplace_back(std::nullopt);
            } else {
                values.emplace_back(std::string(row[i], lengths[i]));
            }
        }
    }
    mysql_free_result(res);
    while (mysql_next_result(m_mysql) == 0) {
        if (MYSQL_RES* extra = mysql_store_result(m_mysql)) {
            mysql_free_result(extra);
        }
    }
    return out;
}

std::string MysqlConnection::quote(std::string_view value) {
    std::string out;
    out.resize(value.size() * 2 + 3);
    out[0] = '\'';
    const unsigned long n =
        mysql_real_escape_string(m_mysql, out.data() + 1, value.data(), value.size());
    out.resize(n + 1);
    out.push_back('\'');
    return out;
}

}  // namespace ferry::mysql
