// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/apply/sql_session.h"

namespace ferry::apply::testing {

// A scripted SqlSession: records every statement, fails the ones a test asks for, and models
// the two ferry tables the applier reads (apply_position rows that commit with COMMIT, and the
// fence token) so retries and commit-lost recovery can be checked end to end.
class FakeSqlSession final : public SqlSession {
public:
    struct Failure {
        std::string prefix;        // fails statements starting with this text
        unsigned number = 0;       // server or client error number
        int times = 1;             // how many matching statements fail
        bool afterEffect = false;  // COMMIT only: the commit happens, then the error
    };
    struct Position {
        std::string file;
        std::uint64_t pos = 0;
        std::string gtid;
        std::uint64_t ts = 0;
        std::uint64_t seq = 0;
        std::uint64_t token = 0;
    };

    std::vector<std::string> log;  // statements in order; "<reconnect>" for reconnects
    std::vector<Failure> failures;
    std::optional<std::uint64_t> fenceToken;
    std::map<std::uint16_t, Position> positions;  // committed rows of one pipeline
    // Affected rows of a successful statement; default: rows of an INSERT, 1 otherwise.
    std::function<std::uint64_t(std::string_view)> affected;
    std::map<std::string, SqlRows> queryResults;  // by statement prefix
    int reconnectFailures = 0;

    Status execute(std::string_view sql) override;
    Result<SqlRows> query(std::string_view sql) override;
    std::uint64_t affectedRows() const override { return m_affected; }
    unsigned lastErrorNumber() const override { return m_lastError; }
    std::string quote(std::string_view bytes) const override { return quoteUtf8mb4(bytes); }
    Status reconnect() override;
    std::string where() const override { return "fake:3306"; }

    // Statements logged that start with `prefix`.
    std::vector<std::string> statementsStartingWith(std::string_view prefix) const;

private:
    Status fail(unsigned number);
    std::optional<Failure> takeFailure(std::string_view sql);
    void applyPositionWrite(std::string_view sql);

    std::uint64_t m_affected = 0;
    unsigned m_lastError = 0;
    bool m_inTransaction = false;
    std::optional<std::pair<std::uint16_t, Position>> m_pending;
};

}  // namespace ferry::apply::testing
