// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>

#include "ferry/apply/sql_session.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"

namespace ferry::apply {

// The real SqlSession over ferry_mysql (MariaDB Connector/C). affectedRows() reports the rows
// an UPDATE matched (from the server's "Rows matched" info), so an UPDATE that writes the
// values a row already has still counts as found. reconnect() opens a new connection with the
// same URL, password and options.
// Not thread-safe. Owns its connection.
class MysqlSqlSession final : public SqlSession {
public:
    static Result<std::unique_ptr<MysqlSqlSession>> connect(mysql::DatabaseUrl url,
                                                            std::string password,
                                                            mysql::ConnectOptions options = {});

    Status execute(std::string_view sql) override;
    Result<SqlRows> query(std::string_view sql) override;
    std::uint64_t affectedRows() const override { return m_affectedRows; }
    unsigned lastErrorNumber() const override { return m_lastErrorNumber; }
    std::string quote(std::string_view bytes) const override;
    Status reconnect() override;
    std::string where() const override { return m_url.endpoint(); }

    // The server's id for this session (CONNECTION_ID()), e.g. for KILL in tests.
    Result<std::uint64_t> connectionId();

private:
    MysqlSqlSession(mysql::DatabaseUrl url, std::string password, mysql::ConnectOptions options);
    Status noConnection();

    mysql::DatabaseUrl m_url;
    std::string m_password;
    mysql::ConnectOptions m_options;
    std::unique_ptr<mysql::MysqlConnection> m_connection;
    std::uint64_t m_affectedRows = 0;
    unsigned m_lastErrorNumber = 0;
};

}  // namespace ferry::apply
