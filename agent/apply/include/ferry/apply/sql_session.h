// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::apply {

// The rows of one result set as text, NULL as nullopt (binary-safe).
struct SqlRows {
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;

    // Index of a column by name, or nullopt.
    std::optional<std::size_t> column(std::string_view name) const;
    // The value of the first row's column `name`; nullopt when there is no row, no such column
    // or the value is NULL.
    std::optional<std::string> firstValue(std::string_view name) const;
};

// How the applier reacts to a failed statement, from the server's error number.
enum class SqlErrorKind {
    None,            // the last call succeeded
    Transient,       // deadlock (1213) or lock wait timeout (1205): roll back and retry
    ConnectionLost,  // the session is gone (2006, 2013, 2055, 1927, 1053, 4031): reconnect
    Permanent,       // anything else: data, schema or permission errors; retrying cannot help
};

SqlErrorKind classifySqlError(unsigned errorNumber);

// One server session the applier talks to: the only way ferry_apply reaches a database, so the
// SQL building and transaction logic is driven by a fake in unit tests. A session is one server
// connection; reconnect() replaces it by a fresh one (session variables are then lost: the
// caller sets them up again).
// Not thread-safe: one thread uses a session at a time.
class SqlSession {
public:
    virtual ~SqlSession() = default;

    // Runs one statement, discarding any result.
    virtual Status execute(std::string_view sql) = 0;
    // Runs one statement that returns rows.
    virtual Result<SqlRows> query(std::string_view sql) = 0;
    // After a successful execute(): rows inserted or deleted; for an UPDATE the rows it matched
    // (found rows), whether or not the new values differ from the old.
    virtual std::uint64_t affectedRows() const = 0;
    // The server or client error number of the last failed call, 0 after a success.
    virtual unsigned lastErrorNumber() const = 0;
    // A SQL string literal with its quotes, escaped with the server's rules for the session's
    // character set (utf8mb4) with backslash escapes on (the applier never sets
    // NO_BACKSLASH_ESCAPES).
    virtual std::string quote(std::string_view bytes) const = 0;
    // Drops the connection, if any, and opens a new one. Errors say why it could not connect.
    virtual Status reconnect() = 0;
    // Names the server in messages, e.g. "ferry@127.0.0.1:3306".
    virtual std::string where() const = 0;

    SqlErrorKind lastErrorKind() const { return classifySqlError(lastErrorNumber()); }
};

// Backslash escaping as mysql_real_escape_string does it for utf8mb4 (and every charset whose
// multi-byte sequences never contain 0x5C or 0x27): NUL, \n, \r, \\, ', " and ^Z are escaped.
// For fakes and for tests; real sessions use the client library.
std::string quoteUtf8mb4(std::string_view bytes);

// `name` as a backtick-quoted identifier (backticks doubled).
std::string quoteIdentifier(std::string_view name);

}  // namespace ferry::apply
