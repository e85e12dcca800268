// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/transaction_applier.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <thread>

#include "ferry/model/binlog_position.h"

namespace ferry::apply {
namespace {

using ferry::v1::SourcePosition;
using ferry::v1::Transaction;

model::BinlogPosition toModel(const SourcePosition& position) {
    return model::BinlogPosition{position.file(), position.pos()};
}

std::optional<std::uint64_t> parseUnsigned(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size()) {
        return std::nullopt;
    }
    return value;
}

const char* changeVerb(ferry::v1::ChangeType type) {
    switch (type) {
        case ferry::v1::CHANGE_TYPE_INSERT:
            return "INSERT into";
        case ferry::v1::CHANGE_TYPE_UPDATE:
            return "UPDATE of";
        case ferry::v1::CHANGE_TYPE_DELETE:
            return "DELETE from";
        default:
            return "change of";
    }
}

// The first keyword of a statement, upper-cased, after whitespace and comments.
std::string firstKeyword(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size()) {
        if (std::isspace(static_cast<unsigned char>(sql[i]))) {
            ++i;
        } else if (sql.substr(i, 2) == "/*") {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (sql.substr(i, 2) == "--" || sql[i] == '#') {
            const auto end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else {
            break;
        }
    }
    std::string word;
    while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) {
        word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
        ++i;
    }
    return word;
}

// Errors a replayed DDL gives when it already ran before a crash.
// True when `word` (upper case) appears in `text` as a whole word, in any case.
bool containsWord(std::string_view text, std::string_view word) {
    auto isWordChar = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    };
    for (std::size_t at = 0; at + word.size() <= text.size(); ++at) {
        bool same = true;
        for (std::size_t i = 0; i < word.size() && same; ++i) {
            same = std::toupper(static_cast<unsigned char>(text[at + i])) == word[i];
        }
        if (same && (at == 0 || !isWordChar(text[at - 1])) &&
            (at + word.size() == text.size() || !isWordChar(text[at + word.size()]))) {
            return true;
        }
    }
    return false;
}

// The error a DDL gives when it already ran (a replay after a crash between the DDL and its
// position row). `keyword` is the statement's first keyword, upper case.
bool isAlreadyDoneDdlError(unsigned number, std::string_view keyword, std::string_view statement) {
    switch (number) {
        case 1007:  // ER_DB_CREATE_EXISTS
        case 1008:  // ER_DB_DROP_EXISTS
        case 1050:  // ER_TABLE_EXISTS_ERROR
        case 1051:  // ER_BAD_TABLE_ERROR (DROP TABLE of a dropped table)
        case 1060:  // ER_DUP_FIELDNAME
        case 1061:  // ER_DUP_KEYNAME
        case 1068:  // ER_MULTIPLE_PRI_KEY (ADD PRIMARY KEY)
        case 1091:  // ER_CANT_DROP_FIELD_OR_KEY
        case 1826:  // ER_FK_DUP_NAME
        case 4092:  // ER_UNKNOWN_VIEW (DROP VIEW of a dropped view)
            return true;
        case 1146:  // ER_NO_SUCH_TABLE: RENAME TABLE a TO b, ALTER TABLE a RENAME TO b, once done
            return keyword == "RENAME" || (keyword == "ALTER" && containsWord(statement, "RENAME"));
        case 1054:  // ER_BAD_FIELD_ERROR: RENAME COLUMN a TO b, CHANGE a b, once done
            return keyword == "ALTER" &&
                   (containsWord(statement, "RENAME") || containsWord(statement, "CHANGE"));
        default:
            return false;
    }
}

// An attempt that ended inside one of its parts, as that part's result.
template <typename End>
Result<std::optional<End>> endedBy(Result<End> end) {
    if (!end.ok()) {
        return std::move(end).error();
    }
    return std::optional<End>(*end);
}

}  // namespace

Result<bool> ApplyProgress::isApplied(const Transaction& transaction) const {
    for (const SourcePosition& above : appliedAbove) {
        if (above.file() == transaction.end().file() && above.pos() == transaction.end().pos()) {
            return true;
        }
    }
    if (!lowWater) {
        return false;
    }
    auto order = model::compare(toModel(transaction.end()), toModel(*lowWater));
    if (!order.ok()) {
        return makeError(ErrorCode::InvalidArgument,
                         describeTransaction(transaction) +
                             " cannot be ordered against the applied position " +
                             positionText(*lowWater) + ": " + order.error().message +
                             "; rewind the pipeline to a position of the current binlog series");
    }
    return *order != std::strong_ordering::greater;
}

TransactionApplier::TransactionApplier(SqlSession& session, ApplierOptions options,
                                       SleepFunction sleep)
    : m_session(session),
      m_options(std::move(options)),
      m_sleep(std::move(sleep)),
      m_builder([&session](std::string_view bytes) { return session.quote(bytes); },
                m_options.builder, m_options.mapping) {
    if (!m_sleep) {
        m_sleep = [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
    }
}

std::string TransactionApplier::positionTable() const {
    return quoteIdentifier(m_options.ferrySchema) + ".`apply_position`";
}

Status TransactionApplier::setupSession() {
    const std::string statements[] = {
        "SET NAMES utf8mb4",
        "SET SESSION time_zone = '+00:00'",
        "SET SESSION sql_mode = " + m_session.quote(m_options.sqlMode),
        "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
        "SET SESSION foreign_key_checks = 1",
        "SET SESSION autocommit = 1",
    };
    for (const std::string& sql : statements) {
        auto status = m_session.execute(sql);
        if (!status.ok()) {
            return makeError(status.error().code, "setting up the apply session on " +
                                                      m_session.where() + " (" + sql +
                                                      ") failed: " + status.error().message);
        }
    }
    if (m_options.idleTransactionTimeout.count() > 0) {
        const auto seconds = (m_options.idleTransactionTimeout.count() + 999) / 1000;
        const std::string sql = "SET SESSION idle_transaction_timeout = " + std::to_string(seconds);
        auto status = m_session.execute(sql);
        // 1193: unknown system variable (MySQL, MariaDB before 10.3): the fence still keeps a
        // frozen leader out, only the next leader's claim may wait for its lock.
        if (!status.ok() && m_session.lastErrorNumber() != 1193) {
            return makeError(status.error().code, "setting up the apply session on " +
                                                      m_session.where() + " (" + sql +
                                                      ") failed: " + status.error().message);
        }
    }
    m_sessionReady = true;
    return okStatus();
}

Result<ApplyProgress> TransactionApplier::loadProgress() {
    FERRY_ASSIGN_OR_RETURN(
        SqlRows rows,
        m_session.query("SELECT slot, source_file, source_pos, source_gtid, source_ts, seq, "
                        "fencing_token FROM " +
                        positionTable() + " WHERE pipeline_id = " +
                        std::to_string(m_options.pipelineId) + " ORDER BY slot"));
    ApplyProgress progress;
    m_seq = 0;
    for (const auto& row : rows.rows) {
        if (row.size() < 7) {
            return makeError(ErrorCode::Internal, "apply_position query returned " +
                                                      std::to_string(row.size()) + " columns");
        }
        SlotPosition slot;
        const auto slotNumber = parseUnsigned(row[0]);
        const auto pos = parseUnsigned(row[2]);
        const auto ts = parseUnsigned(row[4]);
        const auto seq = parseUnsigned(row[5]);
        const auto token = parseUnsigned(row[6]);
        if (!slotNumber || !pos || !ts || !seq || !token || !row[1] || !row[3]) {
            return makeError(ErrorCode::Corrupt, "apply_position row of pipeline " +
                                                     std::to_string(m_options.pipelineId) + " on " +
                                                     m_session.where() +
                                                     " has an unreadable value");
        }
        slot.slot = static_cast<std::uint16_t>(*slotNumber);
        slot.end.set_file(*row[1]);
        slot.end.set_pos(*pos);
        slot.gtid = *row[3];
        slot.commitTs = *ts;
        slot.seq = *seq;
        slot.fencingToken = *token;
        if (slot.slot == m_options.slot) {
            m_seq = slot.seq;
        }
        if (!slot.end.file().empty()) {
            if (!progress.lowWater) {
                progress.lowWater = slot.end;
            } else {
                FERRY_ASSIGN_OR_RETURN(
                    auto order, model::compare(toModel(slot.end), toModel(*progress.lowWater)));
                if (order == std::strong_ordering::greater) {
                    progress.lowWater = slot.end;
                }
            }
        }
        progress.slots.push_back(std::move(slot));
    }
    m_progress = progress;
    m_loaded = true;
    m_maybeReplay = true;
    return progress;
}

std::string TransactionApplier::positionStatement(const Transaction& last) const {
    return "INSERT INTO " + positionTable() +
           " (pipeline_id, slot, source_file, source_pos, source_gtid, source_ts, seq, "
           "fencing_token, updated_at) VALUES (" +
           std::to_string(m_options.pipelineId) + ", " + std::to_string(m_options.slot) + ", " +
           m_session.quote(last.end().file()) + ", " + std::to_string(last.end().pos()) + ", " +
           m_session.quote(last.gtid()) + ", " + std::to_string(last.commit_ts()) + ", 1, " +
           std::to_string(m_options.fencingToken) +
           ", CURRENT_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE source_file = VALUES(source_file), "
           "source_pos = VALUES(source_pos), source_gtid = VALUES(source_gtid), source_ts = "
           "VALUES(source_ts), seq = seq + 1, fencing_token = VALUES(fencing_token), updated_at "
           "= VALUES(updated_at)";
}

std::string TransactionApplier::fenceQuery() const {
    return "SELECT token FROM " + quoteIdentifier(m_options.ferrySchema) +
           ".`fence` WHERE pipeline_id = " + std::to_string(m_options.pipelineId) +
           " LOCK IN SHARE MODE";
}

void TransactionApplier::backoff(std::uint32_t attempt) {
    auto delay = m_options.retry.initialBackoff;
    for (std::uint32_t i = 1; i < attempt && delay < m_options.retry.maxBackoff; ++i) {
        delay *= 2;
    }
    m_sleep(std::min(delay, m_options.retry.maxBackoff));
}

void TransactionApplier::rollbackQuietly() {
    // The error that led here is what gets reported; a failed ROLLBACK only means the server
    // already ended the transaction (deadlock) or the connection is gone.
    (void)m_session.execute("ROLLBACK");
}

Status TransactionApplier::reconnect(std::uint32_t attempt) {
    m_sessionReady = false;
    Error last = makeError(ErrorCode::Unavailable, "no attempt");
    for (std::uint32_t tries = attempt; tries <= m_options.retry.maxAttempts; ++tries) {
        auto status = m_session.reconnect();
        if (status.ok()) {
            status = setupSession();
            if (status.ok()) {
                return okStatus();
            }
        }
        last = status.error();
        backoff(tries);
    }
    return makeError(ErrorCode::Unavailable, "pipeline " + std::to_string(m_options.pipelineId) +
                                                 ": cannot reconnect to " + m_session.where() +
                                                 " after a lost connection: " + last.message);
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::onFailure(const Error& error,
                                                                     const std::string& context,
                                                                     std::uint32_t attempt) {
    switch (m_session.lastErrorKind()) {
        case SqlErrorKind::Transient:
            rollbackQuietly();
            return AttemptEnd::Retry;
        case SqlErrorKind::ConnectionLost:
            FERRY_TRY(reconnect(attempt));
            return AttemptEnd::Retry;
        case SqlErrorKind::None:
        case SqlErrorKind::Permanent:
            break;
    }
    rollbackQuietly();
    return makeError(error.code, context + ": " + error.message);
}

Status TransactionApplier::runRead(const std::string& what,
                                   const std::function<Status(SqlSession&)>& read) {
    const std::string context = "pipeline " + std::to_string(m_options.pipelineId) + ": " + what;
    Error last = makeError(ErrorCode::Unavailable, context + ": no attempt");
    for (std::uint32_t attempt = 1; attempt <= m_options.retry.maxAttempts; ++attempt) {
        Status status = m_sessionReady ? okStatus() : setupSession();
        if (status.ok()) {
            status = read(m_session);
        }
        if (status.ok()) {
            return okStatus();
        }
        FERRY_ASSIGN_OR_RETURN(const AttemptEnd end, onFailure(status.error(), context, attempt));
        (void)end;
        last = std::move(status).error();
        backoff(attempt);
    }
    return makeError(ErrorCode::Unavailable,
                     context + " still fails after " + std::to_string(m_options.retry.maxAttempts) +
                         " attempts on " + m_session.where() + ": " + last.message);
}

Status TransactionApplier::checkFence() {
    FERRY_ASSIGN_OR_RETURN(SqlRows rows, m_session.query(fenceQuery()));
    const auto token = parseUnsigned(rows.firstValue("token"));
    if (token && *token > m_options.fencingToken) {
        return makeError(ErrorCode::Conflict,
                         "pipeline " + std::to_string(m_options.pipelineId) +
                             ": the fencing token in " + quoteIdentifier(m_options.ferrySchema) +
                             ".`fence` on " + m_session.where() + " is " + std::to_string(*token) +
                             ", higher than this apply leader's " +
                             std::to_string(m_options.fencingToken) +
                             ": a newer leader took over, so this agent stops applying");
    }
    return okStatus();
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::commit(const Transaction& last,
                                                                  std::uint32_t attempt) {
    auto status = m_session.execute("COMMIT");
    if (status.ok()) {
        return AttemptEnd::Committed;
    }
    const std::string context = "pipeline " + std::to_string(m_options.pipelineId) +
                                ": COMMIT of " + describeTransaction(last) + " on " +
                                m_session.where();
    if (m_session.lastErrorKind() != SqlErrorKind::ConnectionLost) {
        return onFailure(status.error(), context, attempt);
    }
    // The COMMIT may or may not have happened: the position row says which.
    FERRY_TRY(reconnect(attempt));
    FERRY_ASSIGN_OR_RETURN(
        SqlRows rows,
        m_session.query("SELECT source_file, source_pos, seq FROM " + positionTable() +
                        " WHERE pipeline_id = " + std::to_string(m_options.pipelineId) +
                        " AND slot = " + std::to_string(m_options.slot)));
    const auto seq = parseUnsigned(rows.firstValue("seq"));
    const auto pos = parseUnsigned(rows.firstValue("source_pos"));
    const auto file = rows.firstValue("source_file");
    const std::uint64_t current = seq.value_or(0);
    if (current == m_seq + 1 && file == last.end().file() && pos == last.end().pos()) {
        return AttemptEnd::Committed;
    }
    if (current == m_seq) {
        return AttemptEnd::Retry;
    }
    return makeError(ErrorCode::Conflict,
                     context +
                         ": the connection was lost during COMMIT and the position row now "
                         "has seq " +
                         std::to_string(current) + " (expected " + std::to_string(m_seq) +
                         " if the commit was lost or " + std::to_string(m_seq + 1) +
                         " if it happened): another applier writes this pipeline slot; stop the "
                         "other agent, then resume");
}

void TransactionApplier::recordApplied(const Transaction& last) {
    ++m_seq;
    m_progress.lowWater = last.end();
    m_maybeReplay = false;
    for (SlotPosition& slot : m_progress.slots) {
        if (slot.slot == m_options.slot) {
            slot.end = last.end();
            slot.gtid = last.gtid();
            slot.commitTs = last.commit_ts();
            slot.seq = m_seq;
            slot.fencingToken = m_options.fencingToken;
            return;
        }
    }
    m_progress.slots.push_back(SlotPosition{m_options.slot, last.end(), last.gtid(),
                                            last.commit_ts(), m_seq, m_options.fencingToken});
}

Result<std::optional<TransactionApplier::AttemptEnd>> TransactionApplier::openTarget(
    const Transaction& last, std::uint32_t attempt) {
    const std::string context = "pipeline " + std::to_string(m_options.pipelineId) + ": applying " +
                                describeTransaction(last) + " on " + m_session.where();
    if (!m_sessionReady) {
        auto status = setupSession();
        if (!status.ok()) {
            return endedBy(onFailure(status.error(), context, attempt));
        }
    }
    auto status = m_session.execute("BEGIN");
    if (!status.ok()) {
        return endedBy(onFailure(status.error(), context, attempt));
    }
    status = m_session.execute(positionStatement(last));
    if (!status.ok()) {
        return endedBy(
            onFailure(status.error(), context + ": writing the apply position", attempt));
    }
    status = checkFence();
    if (!status.ok()) {
        if (status.error().code == ErrorCode::Conflict) {
            rollbackQuietly();
            return std::move(status).error();
        }
        return endedBy(onFailure(status.error(), context + ": reading the fence", attempt));
    }
    return std::optional<AttemptEnd>();
}

Result<std::optional<TransactionApplier::AttemptEnd>> TransactionApplier::runStatements(
    const Transaction& transaction, const std::vector<RowStatement>& statements,
    std::uint32_t attempt) {
    for (const RowStatement& statement : statements) {
        const std::string where = "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                                  changeVerb(statement.type) + " " + statement.targetTable +
                                  " key " + statement.key + " (" +
                                  describeTransaction(transaction) + ", rows event at " +
                                  std::to_string(statement.eventPos) + ") on " + m_session.where();
        auto status = m_session.execute(statement.sql);
        if (!status.ok()) {
            if (m_session.lastErrorNumber() == 1062) {
                rollbackQuietly();
                return makeError(ErrorCode::Conflict,
                                 where + ": the row already exists on the target (" +
                                     status.error().message +
                                     "); the sites have diverged: compare the table, fix the "
                                     "target row, then resume or skip this transaction");
            }
            return endedBy(onFailure(status.error(),
                                     where +
                                         " failed; fix the target (missing table or column, value "
                                         "out of range) or skip this transaction",
                                     attempt));
        }
        const std::uint64_t affected = m_session.affectedRows();
        if (affected != statement.rowCount) {
            rollbackQuietly();
            return makeError(ErrorCode::Conflict,
                             where + ": matched " + std::to_string(affected) + " row(s), " +
                                 std::to_string(statement.rowCount) +
                                 " expected; the sites have diverged: compare the table, fix "
                                 "the target row, then resume or skip this transaction");
        }
    }
    return std::optional<AttemptEnd>();
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::finishTarget(const Transaction& last,
                                                                        std::uint32_t attempt) {
    if (m_hooks.beforeCommit) {
        auto proceed = m_hooks.beforeCommit();
        if (!proceed.ok()) {
            rollbackQuietly();
            return std::move(proceed).error();
        }
        if (!*proceed) {
            rollbackQuietly();
            m_skipBackoff = true;
            return AttemptEnd::Retry;
        }
    }
    return commit(last, attempt);
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::attemptRows(
    std::span<const Transaction* const> group,
    const std::vector<std::vector<RowStatement>>& statements, std::uint32_t attempt) {
    const Transaction& last = *group.back();
    FERRY_ASSIGN_OR_RETURN(std::optional<AttemptEnd> ended, openTarget(last, attempt));
    if (ended) {
        return *ended;
    }
    for (std::size_t t = 0; t < group.size(); ++t) {
        FERRY_ASSIGN_OR_RETURN(ended, runStatements(*group[t], statements[t], attempt));
        if (ended) {
            return *ended;
        }
    }
    return finishTarget(last, attempt);
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::attemptStreamed(
    const Transaction& header, ChangeSource& changes, std::uint32_t attempt, std::size_t& rows) {
    rows = 0;
    FERRY_ASSIGN_OR_RETURN(std::optional<AttemptEnd> ended, openTarget(header, attempt));
    if (ended) {
        return *ended;
    }
    if (attempt > 1) {
        auto rewound = changes.rewind();
        if (!rewound.ok()) {
            rollbackQuietly();
            return std::move(rewound).error();
        }
    }
    // One chunk of the transaction at a time: the header's tables, up to kStreamChunkRows
    // changes, built into statements and run inside the one open target transaction.
    Transaction chunk = header;
    chunk.clear_changes();
    chunk.set_streamed(false);
    for (bool more = true; more;) {
        chunk.clear_changes();
        while (chunk.changes_size() < static_cast<int>(kStreamChunkRows)) {
            auto read = changes.next(*chunk.add_changes());
            if (!read.ok()) {
                rollbackQuietly();
                return makeError(read.error().code,
                                 "pipeline " + std::to_string(m_options.pipelineId) +
                                     ": reading the changes of " + describeTransaction(header) +
                                     ": " + read.error().message);
            }
            if (!*read) {
                chunk.mutable_changes()->RemoveLast();
                more = false;
                break;
            }
        }
        if (chunk.changes_size() == 0) {
            break;
        }
        auto built = m_builder.build(chunk);
        if (!built.ok()) {
            rollbackQuietly();
            return makeError(
                built.error().code,
                "pipeline " + std::to_string(m_options.pipelineId) + ": " + built.error().message);
        }
        for (const RowStatement& statement : *built) {
            rows += statement.rowCount;
        }
        FERRY_ASSIGN_OR_RETURN(ended, runStatements(header, *built, attempt));
        if (ended) {
            return *ended;
        }
    }
    return finishTarget(header, attempt);
}

Result<ApplyOutcome> TransactionApplier::apply(const Transaction& transaction) {
    return apply(std::span<const Transaction>(&transaction, 1));
}

Result<ApplyOutcome> TransactionApplier::apply(std::span<const Transaction> group) {
    if (!m_loaded) {
        FERRY_TRY(loadProgress());
    }
    std::vector<const Transaction*> pending;
    for (const Transaction& transaction : group) {
        FERRY_ASSIGN_OR_RETURN(const bool applied, m_progress.isApplied(transaction));
        if (!applied) {
            pending.push_back(&transaction);
        }
    }
    ApplyOutcome outcome;
    if (pending.empty()) {
        outcome.result = ApplyResult::AlreadyApplied;
        return outcome;
    }
    for (const Transaction* transaction : pending) {
        if (transaction->has_ddl() && pending.size() > 1) {
            return makeError(ErrorCode::InvalidArgument,
                             "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                                 describeTransaction(*transaction) +
                                 " is a DDL and cannot be grouped with other transactions");
        }
        if (transaction->streamed()) {
            return makeError(ErrorCode::Unsupported,
                             "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                                 describeTransaction(*transaction) +
                                 " is streamed; streamed transactions are applied from the spool");
        }
    }
    if (pending.front()->has_ddl()) {
        return applyDdl(*pending.front());
    }
    std::vector<std::vector<RowStatement>> statements;
    for (const Transaction* transaction : pending) {
        auto built = m_builder.build(*transaction);
        if (!built.ok()) {
            return makeError(
                built.error().code,
                "pipeline " + std::to_string(m_options.pipelineId) + ": " + built.error().message);
        }
        for (const RowStatement& statement : built.value()) {
            outcome.rows += statement.rowCount;
        }
        statements.push_back(std::move(built).value());
    }
    for (std::uint32_t attempt = 1; attempt <= m_options.retry.maxAttempts; ++attempt) {
        outcome.attempts = attempt;
        if (m_hooks.beforeAttempt) {
            FERRY_TRY(m_hooks.beforeAttempt(attempt));
        }
        m_skipBackoff = false;
        FERRY_ASSIGN_OR_RETURN(const AttemptEnd end, attemptRows(pending, statements, attempt));
        if (end == AttemptEnd::Committed) {
            recordApplied(*pending.back());
            outcome.transactions = pending.size();
            return outcome;
        }
        if (!m_skipBackoff) {
            backoff(attempt);
        }
    }
    return makeError(ErrorCode::Unavailable,
                     "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                         describeTransaction(*pending.back()) + " still fails after " +
                         std::to_string(m_options.retry.maxAttempts) +
                         " attempts (deadlocks, lock wait timeouts or lost connections on " +
                         m_session.where() + "); it will be retried when the pipeline resumes");
}

Result<ApplyOutcome> TransactionApplier::applyStreamed(const Transaction& header,
                                                       ChangeSource& changes) {
    if (!m_loaded) {
        FERRY_TRY(loadProgress());
    }
    ApplyOutcome outcome;
    FERRY_ASSIGN_OR_RETURN(const bool applied, m_progress.isApplied(header));
    if (applied) {
        outcome.result = ApplyResult::AlreadyApplied;
        return outcome;
    }
    if (header.has_ddl()) {
        return makeError(ErrorCode::InvalidArgument,
                         "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                             describeTransaction(header) + " is a DDL; a DDL is never streamed");
    }
    for (std::uint32_t attempt = 1; attempt <= m_options.retry.maxAttempts; ++attempt) {
        outcome.attempts = attempt;
        if (m_hooks.beforeAttempt) {
            FERRY_TRY(m_hooks.beforeAttempt(attempt));
        }
        m_skipBackoff = false;
        FERRY_ASSIGN_OR_RETURN(const AttemptEnd end,
                               attemptStreamed(header, changes, attempt, outcome.rows));
        if (end == AttemptEnd::Committed) {
            recordApplied(header);
            outcome.transactions = 1;
            return outcome;
        }
        if (!m_skipBackoff) {
            backoff(attempt);
        }
    }
    return makeError(ErrorCode::Unavailable,
                     "pipeline " + std::to_string(m_options.pipelineId) + ": " +
                         describeTransaction(header) + " still fails after " +
                         std::to_string(m_options.retry.maxAttempts) +
                         " attempts (deadlocks, lock wait timeouts or lost connections on " +
                         m_session.where() + "); it will be retried when the pipeline resumes");
}

Result<TransactionApplier::AttemptEnd> TransactionApplier::attemptPosition(
    const Transaction& transaction, std::uint32_t attempt) {
    const std::string context = "pipeline " + std::to_string(m_options.pipelineId) +
                                ": recording the position of DDL " +
                                describeTransaction(transaction) + " on " + m_session.where();
    for (const std::string& sql : {std::string("BEGIN"), positionStatement(transaction)}) {
        auto status = m_session.execute(sql);
        if (!status.ok()) {
            return onFailure(status.error(), context, attempt);
        }
    }
    auto status = checkFence();
    if (!status.ok()) {
        if (status.error().code == ErrorCode::Conflict) {
            rollbackQuietly();
            return std::move(status).error();
        }
        return onFailure(status.error(), context, attempt);
    }
    return commit(transaction, attempt);
}

Result<ApplyOutcome> TransactionApplier::applyDdl(const Transaction& transaction) {
    const std::string context = "pipeline " + std::to_string(m_options.pipelineId) + ": DDL " +
                                describeTransaction(transaction);
    const std::string keyword = firstKeyword(transaction.ddl().statement());
    if (keyword == "INSERT" || keyword == "UPDATE" || keyword == "DELETE" || keyword == "REPLACE" ||
        keyword == "LOAD") {
        return makeError(ErrorCode::Unsupported,
                         context + " is statement-logged DML (" + keyword +
                             "), which Ferry cannot apply exactly; set binlog_format=ROW on the "
                             "source, then skip or rewind past this transaction");
    }
    ApplyOutcome outcome;
    bool ddlDone = false;
    for (std::uint32_t attempt = 1; attempt <= m_options.retry.maxAttempts; ++attempt) {
        outcome.attempts = attempt;
        if (!m_sessionReady) {
            auto status = setupSession();
            if (!status.ok()) {
                FERRY_TRY(onFailure(status.error(), context, attempt));
                backoff(attempt);
                continue;
            }
        }
        if (!ddlDone) {
            // A plain read: DDL commits implicitly, so the fence cannot be held across it.
            auto rows = m_session.query(fenceQuery());
            if (!rows.ok()) {
                FERRY_ASSIGN_OR_RETURN(auto end, onFailure(rows.error(), context, attempt));
                (void)end;
                backoff(attempt);
                continue;
            }
            const auto token = parseUnsigned(rows->firstValue("token"));
            if (token && *token > m_options.fencingToken) {
                return makeError(ErrorCode::Conflict,
                                 context + ": fencing token " + std::to_string(*token) +
                                     " on the target is higher than this leader's " +
                                     std::to_string(m_options.fencingToken) +
                                     ": a newer leader took over");
            }
            if (!transaction.ddl().schema().empty()) {
                auto status =
                    m_session.execute("USE " + quoteIdentifier(transaction.ddl().schema()));
                if (!status.ok()) {
                    FERRY_ASSIGN_OR_RETURN(auto end, onFailure(status.error(), context, attempt));
                    (void)end;
                    backoff(attempt);
                    continue;
                }
            }
            auto status =
                m_session.execute("/* ferry:pipeline=" + std::to_string(m_options.pipelineId) +
                                  " */ " + transaction.ddl().statement());
            if (!status.ok()) {
                const unsigned number = m_session.lastErrorNumber();
                if (m_maybeReplay &&
                    isAlreadyDoneDdlError(number, keyword, transaction.ddl().statement())) {
                    outcome.notes.push_back(context + " was already applied before a restart (" +
                                            status.error().message +
                                            "); only its position is "
                                            "recorded now");
                } else if (m_session.lastErrorKind() == SqlErrorKind::ConnectionLost) {
                    // It may have run: a re-run tolerates "already done" errors.
                    FERRY_TRY(reconnect(attempt));
                    m_maybeReplay = true;
                    backoff(attempt);
                    continue;
                } else if (m_session.lastErrorKind() == SqlErrorKind::Transient) {
                    backoff(attempt);
                    continue;
                } else {
                    return makeError(status.error().code,
                                     context + " failed on " + m_session.where() + ": " +
                                         status.error().message +
                                         "; fix the target schema, then resume or skip it");
                }
            }
            ddlDone = true;
        }
        FERRY_ASSIGN_OR_RETURN(const AttemptEnd end, attemptPosition(transaction, attempt));
        if (end == AttemptEnd::Committed) {
            recordApplied(transaction);
            outcome.transactions = 1;
            return outcome;
        }
        backoff(attempt);
    }
    return makeError(ErrorCode::Unavailable, context + " still fails after " +
                                                 std::to_string(m_options.retry.maxAttempts) +
                                                 " attempts on " + m_session.where());
}

}  // namespace ferry::apply
