// SPDX-License-Identifier: Apache-2.0
#include "ferry/replicate/replicate_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ferry/apply/foreign_keys.h"
#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/apply/transaction_applier.h"
#include "ferry/model/binlog_position.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"
#include "ferry/mysql/mysql_binlog_source.h"
#include "ferry/mysql/start_flags.h"
#include "ferry/replicate/replicate_options.h"
#include "ferry/replicate/replication_runtime.h"
#include "ferry/replicate/table_filter.h"
#include "source_schema_history.h"

namespace ferry::replicate {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};

extern "C" void onStopSignal(int) {
    if (g_signals.fetch_add(1) > 0) {
        // A second signal: leave now. The target stays consistent (each transaction commits
        // with its position or not at all).
        std::_Exit(exit_code::kFailed);
    }
    g_stop.store(true);
}

// Installs the stop handlers and restores the previous ones on destruction.
class StopSignals {
public:
    StopSignals() {
        g_stop = false;
        g_signals = 0;
        struct sigaction action {};
        action.sa_handler = onStopSignal;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(SIGINT, &action, &m_oldInt);
        sigaction(SIGTERM, &action, &m_oldTerm);
    }
    ~StopSignals() {
        sigaction(SIGINT, &m_oldInt, nullptr);
        sigaction(SIGTERM, &m_oldTerm, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    struct sigaction m_oldInt {};
    struct sigaction m_oldTerm {};
};

class Command {
public:
    Command(const ReplicateOptions& options, std::FILE* err) : m_options(options), m_err(err) {}

    int run();

private:
    void say(const std::string& line) {
        std::fprintf(m_err, "ferry-agent replicate: %s\n", line.c_str());
        std::fflush(m_err);
    }
    int fail(const Error& error, int code) {
        say(error.message);
        return code;
    }
    int connectFailure(const Error& error) {
        return fail(error, error.code == ErrorCode::PermissionDenied ? exit_code::kRefused
                                                                     : exit_code::kCannotConnect);
    }
    Result<std::string> password(const mysql::DatabaseUrl& url, const PasswordOptions& from,
                                 const char* flag) {
        if (url.passwordInUrl()) {
            say(std::string("warning: the password in ") + flag +
                " shows in the process list; use FERRY_PASSWORD, " + flag + "-password-env or " +
                flag + "-password-file");
        }
        return mysql::resolvePassword(url, from.file, from.env);
    }
    Result<model::BinlogPosition> sourceEnd(mysql::MysqlConnection& connection);
    Result<apply::ForeignKeyGroups> loadForeignKeys(apply::SqlSession& target,
                                                    const apply::SchemaPredicate& replicated,
                                                    const std::string& pipeline);

    const ReplicateOptions& m_options;
    std::FILE* m_err;
};

Result<model::BinlogPosition> Command::sourceEnd(mysql::MysqlConnection& connection) {
    FERRY_ASSIGN_OR_RETURN(mysql::QueryResult status, connection.query("SHOW MASTER STATUS"));
    const auto file = status.firstValue("File");
    const auto position = status.firstValue("Position");
    if (!file || !position) {
        return makeError(ErrorCode::Unsupported,
                         "the source " + connection.url().endpoint() +
                             " reports no binlog (SHOW MASTER STATUS is empty): enable log_bin "
                             "with binlog_format=ROW and restart it");
    }
    return model::BinlogPosition::parse(*file + ":" + *position);
}

// The target's foreign keys among the schemas `replicated` accepts (as
// apply::loadReplicatedForeignKeyGroups, with a count for the log): the parallel applier
// serialises transactions on tables they link, since foreign_key_checks stays on at the target.
Result<apply::ForeignKeyGroups> Command::loadForeignKeys(apply::SqlSession& target,
                                                         const apply::SchemaPredicate& replicated,
                                                         const std::string& pipeline) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> schemas, apply::listUserSchemas(target));
    std::erase_if(schemas, [&](const std::string& schema) { return !replicated(schema); });
    FERRY_ASSIGN_OR_RETURN(const std::vector<apply::ForeignKey> keys,
                           apply::readForeignKeys(target, schemas));
    apply::ForeignKeyGroups groups = apply::buildForeignKeyGroups(keys);
    std::set<std::uint64_t> ids;
    for (const apply::ForeignKey& key : keys) {
        if (const auto id = groups.groupOf(key.schema, key.table)) {
            ids.insert(*id);
        }
    }
    say(pipeline + ": " + std::to_string(keys.size()) + " foreign key(s) on the target in " +
        std::to_string(schemas.size()) + " replicated schema(s); " + std::to_string(ids.size()) +
        " group(s) of linked tables apply one transaction at a time");
    return groups;
}

int Command::run() {
    auto filter = TableFilter::create(m_options.include, m_options.exclude, m_options.ferrySchema);
    if (!filter.ok()) {
        return fail(filter.error(), exit_code::kUsage);
    }
    auto sourceUrl = mysql::DatabaseUrl::parse(m_options.source);
    auto targetUrl = mysql::DatabaseUrl::parse(m_options.target);
    if (!sourceUrl.ok() || !targetUrl.ok()) {
        const Error& error = sourceUrl.ok() ? targetUrl.error() : sourceUrl.error();
        return fail(makeError(error.code, std::string(sourceUrl.ok() ? "--target" : "--source") +
                                              ": " + error.message),
                    exit_code::kUsage);
    }
    auto sourcePassword = password(*sourceUrl, m_options.sourcePassword, "--source");
    if (!sourcePassword.ok()) {
        return fail(sourcePassword.error(), exit_code::kUsage);
    }
    auto targetPassword = password(*targetUrl, m_options.targetPassword, "--target");
    if (!targetPassword.ok()) {
        return fail(targetPassword.error(), exit_code::kUsage);
    }
    const std::string pipeline = "pipeline " + std::to_string(m_options.pipelineId);

    // Target first: its position decides where reading starts.
    mysql::ConnectOptions connect;
    auto session = apply::MysqlSqlSession::connect(*targetUrl, *targetPassword, connect);
    if (!session.ok()) {
        return connectFailure(session.error());
    }
    auto installer = apply::SchemaInstaller::create(m_options.ferrySchema);
    if (!installer.ok()) {
        return fail(installer.error(), exit_code::kUsage);
    }
    if (auto status = installer->install(**session); !status.ok()) {
        return fail(makeError(status.error().code,
                              "installing the " + m_options.ferrySchema + " schema on the target " +
                                  targetUrl->endpoint() + " failed: " + status.error().message +
                                  "; grant the user CREATE on it, or run sql/ferry_schema.sql "
                                  "there as an administrator"),
                    exit_code::kFailed);
    }
    apply::ApplierOptions applierOptions;
    applierOptions.pipelineId = m_options.pipelineId;
    applierOptions.ferrySchema = m_options.ferrySchema;
    applierOptions.builder.matchAllColumnsWithoutKey = m_options.matchAllColumns;
    std::unique_ptr<apply::TransactionApplier> serial;
    std::unique_ptr<apply::ParallelApplier> parallel;
    std::unique_ptr<ApplyTarget> target;
    Result<apply::ApplyProgress> progress = apply::ApplyProgress{};
    if (m_options.workers <= 1) {
        serial = std::make_unique<apply::TransactionApplier>(**session, applierOptions);
        if (auto status = serial->setupSession(); !status.ok()) {
            return fail(status.error(), exit_code::kFailed);
        }
        progress = serial->loadProgress();
        target = std::make_unique<SerialApplyTarget>(*serial);
    } else {
        // The target schemas the filter replicates (all but the system ones and the ferry schema
        // when it is open). It copies the filter, so it stays valid wherever it is kept.
        const apply::SchemaPredicate replicated = [tables = *filter](std::string_view schema) {
            return schema != tables.ferrySchema() && tables.includesDatabase(schema);
        };
        apply::ParallelOptions parallelOptions;
        // Read at start and again after every DDL (the applier owns the groups).
        parallelOptions.loadForeignKeys = [this, replicated, pipeline](apply::SqlSession& on) {
            return loadForeignKeys(on, replicated, pipeline);
        };
        parallelOptions.applier = applierOptions;
        parallelOptions.workers = m_options.workers;
        parallelOptions.maxGroupTransactions = m_options.groupTransactions;
        parallelOptions.maxGroupRows = m_options.groupRows;
        const mysql::DatabaseUrl url = *targetUrl;
        const std::string secret = *targetPassword;
        parallel = std::make_unique<apply::ParallelApplier>(
            [url, secret, connect](std::uint16_t) -> Result<std::unique_ptr<apply::SqlSession>> {
                FERRY_ASSIGN_OR_RETURN(auto worker,
                                       apply::MysqlSqlSession::connect(url, secret, connect));
                return std::unique_ptr<apply::SqlSession>(std::move(worker));
            },
            parallelOptions);
        progress = parallel->start();
        target = std::make_unique<ParallelApplyTarget>(*parallel);
    }
    if (!progress.ok()) {
        return fail(progress.error(), exit_code::kFailed);
    }

    // Source: where to start, and (--until-caught-up) where to stop.
    auto sourceConnection = mysql::MysqlConnection::connect(*sourceUrl, *sourcePassword, connect);
    if (!sourceConnection.ok()) {
        return connectFailure(sourceConnection.error());
    }
    mysql::ReplicaOptions replica;
    replica.serverId = m_options.serverId;
    replica.heartbeatPeriod = std::chrono::milliseconds(1000);
    replica.reportHost = "ferry-replicate";
    mysql::ReplicaOptions probeOptions = replica;
    probeOptions.nonBlocking = true;
    probeOptions.registerReplica = false;

    mysql::ResolvedStart start;
    if (mysql::hasStart(m_options.start)) {
        auto resolved = mysql::resolveStart(
            **sourceConnection, m_options.start,
            mysql::replicaStreamOpener(*sourceUrl, *sourcePassword, connect, probeOptions));
        if (!resolved.ok()) {
            return fail(resolved.error(), resolved.error().code == ErrorCode::InvalidArgument
                                              ? exit_code::kUsage
                                              : exit_code::kFailed);
        }
        start = std::move(resolved).value();
    } else if (progress->lowWater) {
        start.start.kind = mysql::ReplicaStart::Kind::FilePosition;
        start.start.file = progress->lowWater->file();
        start.start.position = progress->lowWater->pos();
        start.description = apply::positionText(*progress->lowWater) + " (the target's position)";
    } else {
        return fail(makeError(ErrorCode::InvalidArgument,
                              pipeline + " has no position on the target " + targetUrl->endpoint() +
                                  " (no row in " + m_options.ferrySchema +
                                  ".apply_position): give where to start with --start-file NAME "
                                  "--start-pos N, --start-gtid SET or --start-time TIME"),
                    exit_code::kUsage);
    }
    std::optional<model::BinlogPosition> stopAt;
    if (m_options.untilCaughtUp) {
        auto end = sourceEnd(**sourceConnection);
        if (!end.ok()) {
            return fail(end.error(), exit_code::kFailed);
        }
        stopAt = *end;
    }
    SourceSchemaHistoryRequest historyRequest;
    historyRequest.mode = m_options.schemaHistory;
    historyRequest.ferrySchema = m_options.ferrySchema;
    historyRequest.sourceId = sourceUrl->endpoint();
    historyRequest.include = m_options.include;
    historyRequest.filter = &*filter;
    if (start.start.kind == mysql::ReplicaStart::Kind::FilePosition && !start.start.file.empty() &&
        !start.skipBefore) {
        historyRequest.start = {start.start.file, start.start.position};
    }
    historyRequest.startDescription = start.description;
    auto schemaHistory = SourceSchemaHistory::open(
        std::move(*sourceConnection), historyRequest,
        [this, pipeline](const std::string& line) { say(pipeline + ": " + line); });
    if (!schemaHistory.ok()) {
        return fail(
            makeError(schemaHistory.error().code, pipeline + ": " + schemaHistory.error().message),
            schemaHistory.error().code == ErrorCode::InvalidArgument ? exit_code::kUsage
                                                                     : exit_code::kFailed);
    }

    std::filesystem::path spool = m_options.spoolDir;
    if (spool.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        spool = std::filesystem::path(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") /
                ("ferry-replicate-" + std::to_string(::getpid()));
    }
    say(pipeline + ": " + sourceUrl->endpoint() + " -> " + targetUrl->endpoint() + " from " +
        start.description + (stopAt ? ", until " + stopAt->toString() : ", following") + "; " +
        filter->describe() + "; " + std::to_string(m_options.workers) + " apply worker(s)");

    if (stopAt && start.start.kind == mysql::ReplicaStart::Kind::FilePosition &&
        !start.start.file.empty()) {
        auto order = model::compare({start.start.file, start.start.position}, *stopAt);
        if (order.ok() && *order != std::strong_ordering::less) {
            say(pipeline + ": caught up: nothing to apply before " + stopAt->toString());
            if (parallel) {
                (void)parallel->stop(true);
            }
            return exit_code::kOk;
        }
    }

    // Waits between source reconnection attempts, cut short by a stop signal.
    mysql::MysqlBinlogSourceOptions sourceOptions;
    sourceOptions.startTime = start.skipBefore;
    sourceOptions.reconnect.maxAttempts = m_options.reconnectAttempts;
    sourceOptions.log = [this](const std::string& line) { say(line); };
    sourceOptions.sleep = [](std::chrono::milliseconds delay) {
        const auto until = std::chrono::steady_clock::now() + delay;
        while (!g_stop.load() && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    };
    auto source = mysql::MysqlBinlogSource::open(
        mysql::replicaStreamOpener(*sourceUrl, *sourcePassword, connect, replica), start.start,
        sourceOptions);
    if (!source.ok()) {
        return fail(source.error(), source.error().code == ErrorCode::PermissionDenied
                                        ? exit_code::kRefused
                                        : exit_code::kFailed);
    }

    RuntimeOptions runtimeOptions;
    runtimeOptions.maxGroupTransactions = m_options.groupTransactions;
    runtimeOptions.maxGroupRows = m_options.groupRows;
    runtimeOptions.stopAt = stopAt;
    runtimeOptions.progressInterval = m_options.progressInterval;
    runtimeOptions.assembler.spoolDirectory = spool;
    runtimeOptions.assembler.spillThresholdBytes = m_options.spillBytes;
    runtimeOptions.applySkipReplication = m_options.applySkipReplication;
    runtimeOptions.startPosition = start.description;
    if (*schemaHistory) {
        runtimeOptions.schemaTracker = &(*schemaHistory)->tracker();
    }
    ReplicationRuntime runtime(
        **source, *target, *filter, runtimeOptions,
        [this, pipeline](const std::string& line) { say(pipeline + ": " + line); });
    mysql::MysqlBinlogSource* raw = source->get();
    runtime.setConfirm(
        [raw](std::string_view file, std::uint64_t endPos) { raw->confirm(file, endPos); });
    auto summary = runtime.run(g_stop);
    std::error_code ignored;
    std::filesystem::remove_all(spool, ignored);
    if (!summary.ok()) {
        std::string message = summary.error().message;
        if (message.rfind("pipeline ", 0) != 0) {
            message = pipeline + ": " + message;
        }
        if (message.find("matching on all columns") != std::string::npos) {
            message += " (ferry-agent replicate: --match-all-columns)";
        }
        return fail(makeError(summary.error().code, message), exit_code::kFailed);
    }
    const char* how = summary->caughtUp  ? "caught up"
                      : summary->stopped ? "stopped by signal"
                                         : "source ended";
    say(pipeline + ": " + how + "; " + ProgressMeter::format(summary->progress));
    return exit_code::kOk;
}

}  // namespace

int runReplicate(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    auto options = parseReplicateArgs(args);
    if (!options.ok()) {
        std::fprintf(err, "ferry-agent replicate: %s\n", options.error().message.c_str());
        return exit_code::kUsage;
    }
    if (options->help) {
        std::fputs(std::string(replicateUsage()).c_str(), out);
        return exit_code::kOk;
    }
    StopSignals signals;
    return Command(*options, err).run();
}

}  // namespace ferry::replicate
