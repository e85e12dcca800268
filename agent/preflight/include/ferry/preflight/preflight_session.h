// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"

namespace ferry::preflight {

// What preflight needs of a data source: run one read-only statement and get its rows as text
// (NULL as nullopt), and the server's version string as the server reported it at connect time.
// Implementations: MysqlPreflightSession (a real server) and a fake in the tests.
// Errors of query() carry ErrorCode::PermissionDenied when the server refused for lack of a
// privilege, so a check can say which privilege it missed. Not thread-safe.
class PreflightSession {
public:
    virtual ~PreflightSession() = default;

    virtual Result<mysql::QueryResult> query(std::string_view sql) = 0;
    // e.g. "10.11.19-MariaDB-0+deb12u1-log" or "8.0.36".
    virtual std::string serverVersion() const = 0;
    // Names the data source in messages and hints: "ferry@db1.hz:3306".
    virtual std::string describe() const = 0;
};

// A PreflightSession over one MysqlConnection, which it owns.
class MysqlPreflightSession final : public PreflightSession {
public:
    explicit MysqlPreflightSession(std::unique_ptr<mysql::MysqlConnection> connection)
        : m_connection(std::move(connection)) {}

    // Connects to `url` with `password`; errors are those of MysqlConnection::connect
    // (Unavailable: cannot reach the server; PermissionDenied: authentication refused).
    static Result<std::unique_ptr<MysqlPreflightSession>> connect(const mysql::DatabaseUrl& url,
                                                                  const std::string& password);

    Result<mysql::QueryResult> query(std::string_view sql) override;
    std::string serverVersion() const override;
    std::string describe() const override;

private:
    std::unique_ptr<mysql::MysqlConnection> m_connection;
};

}  // namespace ferry::preflight
