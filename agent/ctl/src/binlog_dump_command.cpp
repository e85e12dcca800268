// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/binlog_dump_command.h"

#include <charconv>
#include <memory>

#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/model/command_line.h"
#include "ferry/mysql/database_url.h"
#include "ferry/mysql/mysql_binlog_source.h"
#include "ferry/mysql/start_filter.h"
#include "ferry/mysql/start_flags.h"

namespace ferry::ctl {
namespace {

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

using model::parseNumber;

int exitCodeFor(ErrorCode code, bool connecting) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return exit_code::kUsage;
        case ErrorCode::PermissionDenied:
            return exit_code::kRefused;
        case ErrorCode::Unavailable:
            return connecting ? exit_code::kCannotConnect : exit_code::kFailed;
        default:
            return exit_code::kFailed;
    }
}

int fail(std::FILE* err, const Error& error, int code) {
    std::fprintf(err, "ferryctl binlog dump: %s\n", error.message.c_str());
    return code;
}

// Runs events from `source` through the decoder into `handler`; stops at the end or the first
// error.
Status pump(binlog::BinlogSource& source, binlog::EventDecoder& decoder,
            binlog::EventHandler& handler, mysql::StartFilter* filter) {
    binlog::RawEvent event;
    for (;;) {
        FERRY_ASSIGN_OR_RETURN(bool more, source.next(event));
        if (!more) {
            return okStatus();
        }
        if (filter != nullptr && !filter->accept(event.bytes, event.offset)) {
            continue;
        }
        if (!event.file.empty() && event.file != decoder.fileName()) {
            decoder.setFileName(std::string(event.file));
        }
        FERRY_TRY(decoder.decode(event.bytes, event.offset, handler));
    }
}

struct Dump {
    Dump(const BinlogDumpOptions& options, std::FILE* out,
         RowChangeWriter::CommitCallback onCommit = {})
        : output(out, options.output,
                 std::string(options.events ? eventTableHeader() : rowTableHeader())) {
        if (options.events) {
            events = std::make_unique<EventListWriter>(output);
            events->setCommitCallback(std::move(onCommit));
        } else {
            rows = std::make_unique<RowChangeWriter>(output, options.maxTransactionMemory,
                                                     std::move(onCommit));
        }
    }
    binlog::EventHandler& handler() {
        return events ? static_cast<binlog::EventHandler&>(*events) : *rows;
    }
    // Closes the output and reports rows that were never committed.
    void finish(std::FILE* err) {
        if (rows && rows->pendingRows() != 0) {
            std::fprintf(err,
                         "ferryctl binlog dump: %llu row change(s) of a transaction starting at "
                         "%s were not printed: the transaction did not end before the dump "
                         "stopped\n",
                         static_cast<unsigned long long>(rows->pendingRows()),
                         rows->pendingStart().c_str());
        }
        auto status = output.finish();
        if (!status.ok()) {
            std::fprintf(err, "ferryctl binlog dump: %s\n", status.error().message.c_str());
        }
    }

    RecordOutput output;
    std::unique_ptr<EventListWriter> events;
    std::unique_ptr<RowChangeWriter> rows;
    binlog::EventDecoder decoder;
};

int dumpFiles(const BinlogDumpOptions& options, std::FILE* out, std::FILE* err) {
    Dump dump(options, out);
    mysql::StartFilter filter(options.startPos, options.startTime);
    bool started = options.startFile.empty();
    bool matched = false;
    for (const std::string& path : options.files) {
        auto source = binlog::BinlogFileSource::open(path);
        if (!source.ok()) {
            dump.finish(err);
            return fail(err, source.error(), exit_code::kFailed);
        }
        if (!started) {
            const std::string& name = (*source)->name();
            if (name != options.startFile && path != options.startFile) {
                continue;
            }
            started = true;
        }
        matched = true;
        Status status = pump(**source, dump.decoder, dump.handler(), &filter);
        if (!status.ok()) {
            dump.finish(err);
            return fail(err, status.error(), exit_code::kFailed);
        }
    }
    if (!matched && !options.startFile.empty()) {
        dump.finish(err);
        return fail(
            err, usage("--start-file " + options.startFile + " names none of the FILE arguments"),
            exit_code::kUsage);
    }
    dump.finish(err);
    return exit_code::kOk;
}

int dumpSource(const BinlogDumpOptions& options, std::FILE* out, std::FILE* err) {
    auto url = mysql::DatabaseUrl::parse(options.source);
    if (!url.ok()) {
        return fail(err, url.error(), exit_code::kUsage);
    }
    if (url->passwordInUrl()) {
        std::fprintf(err,
                     "ferryctl binlog dump: warning: the password in --source shows in the "
                     "process list; use FERRY_PASSWORD, --password-env or --password-file\n");
    }
    auto password = mysql::resolvePassword(*url, options.passwordFile, options.passwordEnv);
    if (!password.ok()) {
        return fail(err, password.error(),
                    password.error().code == ErrorCode::InvalidArgument ? exit_code::kUsage
                                                                        : exit_code::kFailed);
    }
    mysql::ConnectOptions connect;
    auto connection = mysql::MysqlConnection::connect(*url, *password, connect);
    if (!connection.ok()) {
        const ErrorCode code = connection.error().code;
        return fail(
            err, connection.error(),
            code == ErrorCode::PermissionDenied ? exit_code::kRefused : exit_code::kCannotConnect);
    }
    mysql::ReplicaOptions replica;
    replica.serverId = options.serverId;
    replica.nonBlocking = options.stopAtEnd;
    replica.registerReplica = false;
    replica.requireRowFormat = false;
    replica.reportHost = "ferryctl";
    mysql::ReplicaOptions probeOptions = replica;
    probeOptions.nonBlocking = true;

    mysql::StartRequest request;
    request.file = options.startFile;
    request.position = options.startPos;
    request.gtid = options.startGtid;
    request.time = options.startTime;
    const mysql::StreamOpener probe =
        mysql::replicaStreamOpener(*url, *password, connect, probeOptions);
    auto start = mysql::resolveStart(**connection, request, probe);
    connection->reset();
    if (!start.ok()) {
        return fail(err, start.error(), exitCodeFor(start.error().code, true));
    }

    mysql::MysqlBinlogSourceOptions sourceOptions;
    sourceOptions.startTime = start->skipBefore;
    sourceOptions.reconnect.maxAttempts = options.reconnectAttempts;
    sourceOptions.log = [err](const std::string& line) {
        std::fprintf(err, "ferryctl binlog dump: %s\n", line.c_str());
    };
    auto source = mysql::MysqlBinlogSource::open(
        mysql::replicaStreamOpener(*url, *password, connect, replica), start->start, sourceOptions);
    if (!source.ok()) {
        return fail(err, source.error(), exitCodeFor(source.error().code, true));
    }
    mysql::MysqlBinlogSource* raw = source->get();
    Dump dump(options, out,
              [raw](std::string_view file, std::uint64_t endPos) { raw->confirm(file, endPos); });
    Status status = pump(*raw, dump.decoder, dump.handler(), nullptr);
    dump.finish(err);
    if (!status.ok()) {
        return fail(err, status.error(), exitCodeFor(status.error().code, false));
    }
    return exit_code::kOk;
}

}  // namespace

std::string_view binlogDumpUsage() {
    return R"(Usage: ferryctl binlog dump FILE...          (binlog files, plain or .gz)
       ferryctl binlog dump --source mysql://user@host:port [options]

Prints the row changes of a binlog (or, with --events, its raw events).

Source:
  FILE...                    binlog files read in the order given
  --source URL               read from a server over the replica protocol
  --password-env NAME        environment variable holding the password (default FERRY_PASSWORD)
  --password-file F          file holding the password
  --server-id N              replica server id (default 4000000001; unique per concurrent dump)
  --stop-at-end              stop at the end of the binlog instead of following it
  --reconnect-attempts N     retries after a lost connection, with backoff (default 8; 0: none)

Start (one of; default: the server's current position, or the start of the first FILE):
  --start-file NAME [--start-pos N]
  --start-gtid SET           MySQL GTID set (uuid:1-5) or MariaDB GTID position (0-1-100)
  --start-time TIME          2026-11-25T08:00:00Z: first transaction at or after TIME

Output:
  --output table|json|jsonl  (default table)
  --events                   list raw events (type, offset, size, next position, flags,
                             server id, timestamp) instead of row changes
  --max-transaction-memory BYTES   buffer per transaction before spilling to $TMPDIR
                             (default 67108864)

Exit codes: 0 ok, 1 failed, 2 usage, 3 cannot connect, 4 refused.
See docs/binlog-dump.md.
)";
}

Result<std::uint32_t> parseStartTime(std::string_view text) {
    return mysql::parseStartTime(text);
}

Result<BinlogDumpOptions> parseBinlogDumpArgs(const std::vector<std::string>& args) {
    BinlogDumpOptions options;
    bool positionalOnly = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        if (positionalOnly || arg.empty() || arg[0] != '-' || arg == "-") {
            options.files.push_back(arg);
            continue;
        }
        if (arg == "--") {
            positionalOnly = true;
            continue;
        }
        model::FlagWord word(args, i);
        arg = word.name();
        auto flag = [&](std::string_view name) { return word.is(name); };
        auto takeValue = [&] { return word.value(); };
        auto noValue = [&] { return word.noValue(); };
        if (flag("--help") || flag("-h")) {
            options.help = true;
        } else if (flag("--stop-at-end")) {
            FERRY_TRY(noValue());
            options.stopAtEnd = true;
        } else if (flag("--events")) {
            FERRY_TRY(noValue());
            options.events = true;
        } else if (flag("--source")) {
            FERRY_ASSIGN_OR_RETURN(options.source, takeValue());
        } else if (flag("--password-env")) {
            FERRY_ASSIGN_OR_RETURN(options.passwordEnv, takeValue());
        } else if (flag("--password-file")) {
            FERRY_ASSIGN_OR_RETURN(options.passwordFile, takeValue());
        } else if (flag("--start-file")) {
            FERRY_ASSIGN_OR_RETURN(options.startFile, takeValue());
        } else if (flag("--start-pos")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_ASSIGN_OR_RETURN(options.startPos, mysql::parseStartPosition(text));
        } else if (flag("--start-gtid")) {
            FERRY_ASSIGN_OR_RETURN(options.startGtid, takeValue());
            if (options.startGtid.empty()) {
                return usage("--start-gtid needs a GTID set or position");
            }
        } else if (flag("--start-time")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_ASSIGN_OR_RETURN(options.startTime, parseStartTime(text));
        } else if (flag("--server-id")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (!parseNumber(text, options.serverId) || options.serverId == 0) {
                return usage("--server-id '" + text + "' must be a number from 1 to 4294967295");
            }
        } else if (flag("--output")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (text == "table") {
                options.output = OutputFormat::Table;
            } else if (text == "json") {
                options.output = OutputFormat::Json;
            } else if (text == "jsonl") {
                options.output = OutputFormat::Jsonl;
            } else {
                return usage("--output '" + text + "': choose table, json or jsonl");
            }
        } else if (flag("--max-transaction-memory")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (!parseNumber(text, options.maxTransactionMemory) ||
                options.maxTransactionMemory == 0) {
                return usage("--max-transaction-memory '" + text + "' must be a byte count");
            }
        } else if (flag("--reconnect-attempts")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (!parseNumber(text, options.reconnectAttempts)) {
                return usage("--reconnect-attempts '" + text + "' must be a number");
            }
        } else {
            return usage("unknown option " + arg + "; see 'ferryctl binlog dump --help'");
        }
    }
    if (options.help) {
        return options;
    }
    if (options.files.empty() == options.source.empty()) {
        return usage(options.files.empty() ? "give binlog FILEs or --source mysql://user@host:port"
                                           : "give either binlog FILEs or --source, not both");
    }
    mysql::StartRequest start;
    start.file = options.startFile;
    start.position = options.startPos;
    start.gtid = options.startGtid;
    start.time = options.startTime;
    FERRY_TRY(mysql::checkStartRequest(start, !options.source.empty()));
    if (!options.files.empty()) {
        if (!options.startGtid.empty()) {
            return usage(
                "--start-gtid works with --source only; for files use --start-file and "
                "--start-pos, or --start-time");
        }
        if (!options.passwordEnv.empty() || !options.passwordFile.empty()) {
            return usage("--password-env and --password-file go with --source");
        }
    }
    return options;
}

int runBinlogDump(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    auto options = parseBinlogDumpArgs(args);
    if (!options.ok()) {
        std::fprintf(err, "ferryctl binlog dump: %s\n", options.error().message.c_str());
        return exit_code::kUsage;
    }
    if (options->help) {
        std::fputs(std::string(binlogDumpUsage()).c_str(), out);
        return exit_code::kOk;
    }
    return options->files.empty() ? dumpSource(*options, out, err) : dumpFiles(*options, out, err);
}

}  // namespace ferry::ctl
