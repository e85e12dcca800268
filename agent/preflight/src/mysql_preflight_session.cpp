// SPDX-License-Identifier: Apache-2.0
#include "ferry/preflight/preflight_session.h"

namespace ferry::preflight {

Result<std::unique_ptr<MysqlPreflightSession>> MysqlPreflightSession::connect(
    const mysql::DatabaseUrl& url, const std::string& password) {
    mysql::ConnectOptions options;
    options.readTimeoutSeconds = 30;
    options.writeTimeoutSeconds = 30;
    FERRY_ASSIGN_OR_RETURN(auto connection,
                           mysql::MysqlConnection::connect(url, password, options));
    return std::make_unique<MysqlPreflightSession>(std::move(connection));
}

Result<mysql::QueryResult> MysqlPreflightSession::query(std::string_view sql) {
    return m_connection->query(sql);
}

std::string MysqlPreflightSession::serverVersion() const {
    return m_connection->server().version;
}

std::string MysqlPreflightSession::describe() const {
    return m_connection->url().endpoint();
}

}  // namespace ferry::preflight
