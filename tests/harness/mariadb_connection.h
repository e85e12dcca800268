// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "harness_env.h"

struct st_mysql;

namespace ferry::harness {

// The rows of one result set as text (binary-safe), NULL as nullopt.
struct QueryResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;

    // Index of a column by name, or nullopt.
    std::optional<std::size_t> column(std::string_view name) const;
};

// A test's connection to one MariaDB server of the harness, over libmariadb (Connector/C).
// Owns the MYSQL handle and closes it on destruction; movable, not copyable.
// Thread safety: one connection is used by one thread at a time; separate connections may be
// used from separate threads (the client library is initialised once, before the first).
class MariadbConnection {
public:
    enum class Transport { Tcp, Socket };

    static Result<MariadbConnection> connect(const MariadbServerEnv& server,
                                             const std::string& user, const std::string& password,
                                             Transport transport = Transport::Tcp,
                                             const std::string& database = {});
    // Server `index` of env, as env's user.
    static Result<MariadbConnection> connect(const HarnessEnv& env, std::size_t index,
                                             Transport transport = Transport::Tcp);

    MariadbConnection(MariadbConnection&&) noexcept;
    MariadbConnection& operator=(MariadbConnection&&) noexcept;
    MariadbConnection(const MariadbConnection&) = delete;
    MariadbConnection& operator=(const MariadbConnection&) = delete;
    ~MariadbConnection();

    // Runs one statement and discards any rows.
    Status execute(std::string_view sql);
    // Runs one statement; a statement without a result set gives no columns and no rows.
    Result<QueryResult> query(std::string_view sql);
    // The first column of the first row; an error when there is no row.
    Result<std::optional<std::string>> queryValue(std::string_view sql);

    std::uint64_t lastInsertId() const;
    std::uint64_t affectedRows() const;
    // "hz (127.0.0.1:3306)": names the server in messages.
    const std::string& where() const { return m_where; }

private:
    struct Closer {
        void operator()(st_mysql* mysql) const;
    };

    MariadbConnection(std::unique_ptr<st_mysql, Closer> mysql, std::string where);
    Error queryError(std::string_view sql) const;

    std::unique_ptr<st_mysql, Closer> m_mysql;
    std::string m_where;
};

}  // namespace ferry::harness
