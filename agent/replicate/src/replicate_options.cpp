// SPDX-License-Identifier: Apache-2.0
#include "ferry/replicate/replicate_options.h"

#include <charconv>

#include "ferry/model/command_line.h"
#include "ferry/mysql/start_flags.h"
#include "ferry/replicate/table_filter.h"

namespace ferry::replicate {
namespace {

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

using model::parseNumber;

template <typename T>
Status positive(const std::string& flag, const std::string& text, T& value) {
    if (!parseNumber(text, value) || value == 0) {
        return usage(flag + " '" + text + "' must be a positive number");
    }
    return okStatus();
}

}  // namespace

std::string_view replicateUsage() {
    return R"(Usage: ferry-agent replicate --source mysql://user@host:port --target mysql://user@host:port
                           [options]

Copies row changes from the source's binlog to the target, one way, without ZooKeeper: for
one-shot catch-up and migrations. Each source transaction commits on the target together with
its position in TARGET's ferry.apply_position, so a restart (or a crash) resumes exactly where
the target is: nothing lost, nothing applied twice.

Servers:
  --source URL                  the server whose binlog is read (replica protocol)
  --target URL                  the server the changes are applied to
  --source-password-env NAME    environment variable with the source password (default
                                FERRY_PASSWORD)
  --source-password-file F      file with the source password
  --target-password-env NAME    the same for the target
  --target-password-file F
  --server-id N                 replica server id on the source (default 4000000002; unique
                                per reader of that source)

Start (one of; default: resume from the target's apply_position row of this pipeline):
  --start-file NAME [--start-pos N]
  --start-gtid SET              MySQL GTID set (uuid:1-5) or MariaDB GTID position (0-1-100)
  --start-time TIME             2026-11-25T08:00:00Z: first transaction at or after TIME
  Transactions at or before the target's recorded position are skipped, whatever the start.

What to copy:
  --include schema.table        replicate only matching tables (repeatable); `*` and `?` are
                                globs on either side: shop.*, shop.order_*, *.audit
  --exclude schema.table        never replicate matching tables (repeatable; wins over include)
  --match-all-columns           tables without a primary or NOT NULL unique key: match UPDATE
                                and DELETE on all columns (LIMIT 1); otherwise they are refused
  --apply-skip-replication      also apply transactions the source marked with MariaDB's
                                @@skip_replication (default: skipped and counted)
  The ferry schema is never copied as data; DDL is applied when every table it names is
  replicated, skipped when none is, and stops replication when it mixes both.

Running:
  --until-caught-up             exit 0 once everything the source had written at start is
                                applied (default: follow the source until SIGINT/SIGTERM)
  --pipeline-id N               the pipeline's row in ferry.apply_position (default 1)
  --ferry-schema NAME           Ferry's schema on both servers (default ferry)
  --progress-interval SECONDS   progress line on stderr every SECONDS (default 2)
  --workers N                   apply connections (default 4): transactions whose rows do not
                                overlap run in parallel, commits keep source order; 1 applies
                                on one connection
  --group-transactions N        source transactions per target transaction, at most (default
                                200)
  --group-rows N                rows per target transaction, at most (default 20000)
  --max-transaction-memory BYTES  a larger source transaction spills to --spool-dir
                                (default 67108864)
  --spool-dir DIR               default $TMPDIR/ferry-replicate-<pid>
  --reconnect-attempts N        retries after losing the source, with backoff (default 8)

Schema history (unique keys, foreign keys, generated columns; everything with
binlog_row_metadata=MINIMAL), kept in the SOURCE's ferry.schema_history:
  --schema-history auto|on|off  auto (default): use the source's history when it has one;
                                without one, read TABLE_MAPs alone (needs FULL metadata).
                                on: also start a history (a snapshot of information_schema,
                                valid when no DDL ran since the start) and create its table.
                                off: TABLE_MAPs alone

SIGINT or SIGTERM: the transaction being applied commits, then replicate exits 0 (a second
signal exits at once; the target stays consistent either way).
Exit codes: 0 ok, 1 failed, 2 usage, 3 cannot connect, 4 refused. See docs/replicate.md.
)";
}

Result<ReplicateOptions> parseReplicateArgs(const std::vector<std::string>& args) {
    ReplicateOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i].rfind("--", 0) != 0 && args[i] != "-h") {
            return usage("unexpected argument '" + args[i] +
                         "'; see 'ferry-agent replicate --help'");
        }
        model::FlagWord word(args, i);
        const std::string arg = word.name();
        auto flag = [&](std::string_view name) { return word.is(name); };
        auto takeValue = [&] { return word.value(); };
        auto noValue = [&] { return word.noValue(); };
        if (flag("--help") || flag("-h")) {
            options.help = true;
        } else if (mysql::isStartFlag(arg)) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(mysql::applyStartFlag(arg, text, options.start));
        } else if (flag("--source")) {
            FERRY_ASSIGN_OR_RETURN(options.source, takeValue());
        } else if (flag("--target")) {
            FERRY_ASSIGN_OR_RETURN(options.target, takeValue());
        } else if (flag("--source-password-env")) {
            FERRY_ASSIGN_OR_RETURN(options.sourcePassword.env, takeValue());
        } else if (flag("--source-password-file")) {
            FERRY_ASSIGN_OR_RETURN(options.sourcePassword.file, takeValue());
        } else if (flag("--target-password-env")) {
            FERRY_ASSIGN_OR_RETURN(options.targetPassword.env, takeValue());
        } else if (flag("--target-password-file")) {
            FERRY_ASSIGN_OR_RETURN(options.targetPassword.file, takeValue());
        } else if (flag("--include") || flag("--exclude")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            auto pattern = TablePattern::parse(text);
            if (!pattern.ok()) {
                return usage(arg + ": " + pattern.error().message);
            }
            (flag("--include") ? options.include : options.exclude).push_back(text);
        } else if (flag("--until-caught-up")) {
            FERRY_TRY(noValue());
            options.untilCaughtUp = true;
        } else if (flag("--match-all-columns")) {
            FERRY_TRY(noValue());
            options.matchAllColumns = true;
        } else if (flag("--apply-skip-replication")) {
            FERRY_TRY(noValue());
            options.applySkipReplication = true;
        } else if (flag("--pipeline-id")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(positive(arg, text, options.pipelineId));
        } else if (flag("--ferry-schema")) {
            FERRY_ASSIGN_OR_RETURN(options.ferrySchema, takeValue());
            if (options.ferrySchema.empty() || options.ferrySchema.size() > 64) {
                return usage("--ferry-schema needs a schema name of 1 to 64 characters");
            }
        } else if (flag("--server-id")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (!parseNumber(text, options.serverId) || options.serverId == 0) {
                return usage("--server-id '" + text + "' must be a number from 1 to 4294967295");
            }
        } else if (flag("--reconnect-attempts")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (!parseNumber(text, options.reconnectAttempts)) {
                return usage("--reconnect-attempts '" + text + "' must be a number");
            }
        } else if (flag("--progress-interval")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            double seconds = 0;
            if (!parseNumber(text, seconds) || seconds < 0.1 || seconds > 3600) {
                return usage("--progress-interval '" + text +
                             "' must be a number of seconds from 0.1 to 3600");
            }
            options.progressInterval =
                std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        } else if (flag("--workers")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(positive(arg, text, options.workers));
            if (options.workers > 64) {
                return usage("--workers '" + text + "' must be from 1 to 64");
            }
        } else if (flag("--group-transactions")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(positive(arg, text, options.groupTransactions));
        } else if (flag("--group-rows")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(positive(arg, text, options.groupRows));
        } else if (flag("--max-transaction-memory")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            FERRY_TRY(positive(arg, text, options.spillBytes));
        } else if (flag("--spool-dir")) {
            FERRY_ASSIGN_OR_RETURN(options.spoolDir, takeValue());
        } else if (flag("--schema-history")) {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (text == "auto") {
                options.schemaHistory = SchemaHistoryMode::Auto;
            } else if (text == "on") {
                options.schemaHistory = SchemaHistoryMode::On;
            } else if (text == "off") {
                options.schemaHistory = SchemaHistoryMode::Off;
            } else {
                return usage("--schema-history '" + text + "' must be auto, on or off");
            }
        } else {
            return usage("unknown option " + arg + "; see 'ferry-agent replicate --help'");
        }
    }
    if (options.help) {
        return options;
    }
    if (options.source.empty() || options.target.empty()) {
        return usage(
            "give both --source mysql://user@host:port and --target mysql://user@host:port");
    }
    FERRY_TRY(mysql::checkStartRequest(options.start));
    return options;
}

}  // namespace ferry::replicate
