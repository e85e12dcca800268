// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/mysql/database_url.h"

typedef struct st_mysql MYSQL;  // NOLINT: the client library's own name

namespace ferry::mysql {

struct ConnectOptions {
    uint32_t readTimeoutSeconds = 60;  // a silent server is declared dead after this
    uint32_t writeTimeoutSeconds = 60;
    uint64_t maxAllowedPacket = 1ull << 30;
};

// One result set: column names and rows of nullable text values.
struct QueryResult {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;

    // The value of the first row's column `name`, if both exist and it is not NULL.
    std::optional<std::string> firstValue(std::string_view name) const;
};

// What the server said about itself at connect time.
struct ServerInfo {
    std::string version;  // e.g. "10.11.19-MariaDB-0+deb12u1-log"
    bool mariadb = false;
    uint32_t major = 0;
    uint32_t minor = 0;
    uint32_t patch = 0;
};

// A client connection to MySQL or MariaDB through the client library (MariaDB Connector/C),
// which does authentication (mysql_native_password, caching_sha2_password, ed25519) and TLS.
// Not thread-safe: one thread uses a connection at a time. Owns the MYSQL handle.
class MysqlConnection {
public:
    static Result<std::unique_ptr<MysqlConnection>> connect(const DatabaseUrl& url,
                                                            const std::string& password,
                                                            const ConnectOptions& options = {});
    ~MysqlConnection();
    MysqlConnection(const MysqlConnection&) = delete;
    MysqlConnection& operator=(const MysqlConnection&) = delete;

    Status execute(std::string_view sql);
    Result<QueryResult> query(std::string_view sql);
    // A SQL string literal with quotes, escaped for this connection's character set.
    std::string quote(std::string_view value);

    const ServerInfo& server() const { return m_server; }
    const DatabaseUrl& url() const { return m_url; }
    // The library handle, for the replica stream only.
    MYSQL* handle() { return m_mysql; }
    // The Error for the connection's last failure, with `what` describing the operation.
    Error lastError(std::string_view what) const;

private:
    MysqlConnection(MYSQL* mysql, DatabaseUrl url);

    MYSQL* m_mysql;
    DatabaseUrl m_url;
    ServerInfo m_server;
};

// Maps a server or client error number to Ferry's error codes.
ErrorCode classifyMysqlError(unsigned errorNumber);

}  // namespace ferry::mysql
