// SPDX-License-Identifier: Apache-2.0
#include "ferry/preflight/preflight_command.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>
#include <memory>

#include "ferry/ctl/binlog_dump_command.h"
#include "ferry/mysql/database_url.h"
#include "ferry/preflight/preflight.h"
#include "ferry/preflight/preflight_session.h"

namespace ferry::preflight {
namespace {

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

std::vector<std::string> splitSchemas(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        if (comma > start) {
            out.emplace_back(text.substr(start, comma - start));
        }
        start = comma + 1;
    }
    return out;
}

int fail(std::FILE* err, const Error& error, int code) {
    std::fprintf(err, "ferryctl preflight: %s\n", error.message.c_str());
    return code;
}

struct Connected {
    std::unique_ptr<MysqlPreflightSession> session;
    std::string endpoint;
    int exitCode = ctl::exit_code::kOk;
};

Connected connectTo(std::string_view flag, const std::string& urlText,
                    const std::string& passwordFile, const std::string& passwordEnv,
                    std::FILE* err) {
    Connected result;
    auto url = mysql::DatabaseUrl::parse(urlText);
    if (!url.ok()) {
        result.exitCode = fail(
            err,
            makeError(ErrorCode::InvalidArgument, std::string(flag) + ": " + url.error().message),
            ctl::exit_code::kUsage);
        return result;
    }
    if (url->passwordInUrl()) {
        std::fprintf(err,
                     "ferryctl preflight: warning: the password in %.*s shows in the process "
                     "list; use FERRY_PASSWORD, --password-env or --password-file\n",
                     static_cast<int>(flag.size()), flag.data());
    }
    auto password = mysql::resolvePassword(*url, passwordFile, passwordEnv);
    if (!password.ok()) {
        result.exitCode =
            fail(err, password.error(),
                 password.error().code == ErrorCode::InvalidArgument ? ctl::exit_code::kUsage
                                                                     : ctl::exit_code::kFailed);
        return result;
    }
    auto session = MysqlPreflightSession::connect(*url, *password);
    if (!session.ok()) {
        result.exitCode = fail(err, session.error(),
                               session.error().code == ErrorCode::PermissionDenied
                                   ? ctl::exit_code::kRefused
                                   : ctl::exit_code::kCannotConnect);
        return result;
    }
    result.session = std::move(*session);
    result.endpoint = url->endpoint();
    return result;
}

void writeTable(const PreflightReport& report, std::FILE* out) {
    const v1::PreflightResponse& r = report.response;
    std::string flavor = r.flavor() == v1::DATABASE_FLAVOR_MARIADB ? "MariaDB"
                         : r.flavor() == v1::DATABASE_FLAVOR_MYSQL ? "MySQL"
                                                                   : "unknown flavor";
    std::fprintf(out, "%s %s: %s %s, server_id %u\n", report.role.c_str(), report.endpoint.c_str(),
                 flavor.c_str(), r.version().c_str(), r.server_id());
    std::fprintf(out, "%-32s %-6s %s\n", "CHECK", "RESULT", "MESSAGE");
    int counts[4] = {0, 0, 0, 0};
    for (const v1::PreflightCheck& check : r.checks()) {
        const std::string_view result = checkResultName(check.result());
        std::fprintf(out, "%-32s %-6.*s %s\n", check.name().c_str(),
                     static_cast<int>(result.size()), result.data(), check.message().c_str());
        if (!check.hint().empty()) {
            std::fprintf(out, "%-32s %-6s fix: %s\n", "", "", check.hint().c_str());
        }
        const int index = static_cast<int>(check.result());
        if (index >= 0 && index < 4) {
            ++counts[index];
        }
    }
    std::fprintf(out, "%d passed, %d warned, %d failed\n", counts[v1::CHECK_RESULT_PASS],
                 counts[v1::CHECK_RESULT_WARN], counts[v1::CHECK_RESULT_FAIL]);
}

}  // namespace

std::string_view preflightUsage() {
    return R"(Usage: ferryctl preflight --source mysql://user@host:port [options]

Checks a data source before a pipeline starts: binlog settings, privileges, the ferry schema,
triggers and cascading foreign keys, durability and binlog retention. With --peer (the other
side of a two-way channel) it checks the peer too, and the settings the two must agree on
(server ids, auto-increment offsets, GTID domains). Each failed check says how to fix it.

Options:
  --source URL               the data source (mysql://user@host:port/?ssl-mode=...)
  --peer URL                 the other data source of a two-way channel
  --password-env NAME        environment variable holding the password (default FERRY_PASSWORD)
  --password-file F          file holding the password
  --peer-password-env NAME   the same for the peer (default: as for the source)
  --peer-password-file F
  --schemas a,b              the replicated schemas (default: every non-system schema)
  --ferry-schema NAME        Ferry's own schema (default ferry)
  --lag-seconds N            how far behind the pipeline is now, to check binlog retention
                             (default 0)
  --output table|json|jsonl  (default table); json and jsonl print PreflightResponse objects
                             in protobuf's JSON mapping, the source first

Exit codes: 0 every check passed or warned, 1 a check failed, 2 usage, 3 cannot connect,
4 refused.
)";
}

Result<PreflightCommandOptions> parsePreflightArgs(const std::vector<std::string>& args) {
    PreflightCommandOptions options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string arg = args[i];
        std::string value;
        bool hasInlineValue = false;
        if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
            value = arg.substr(eq + 1);
            arg.resize(eq);
            hasInlineValue = true;
        }
        auto takeValue = [&]() -> Result<std::string> {
            if (hasInlineValue) {
                return value;
            }
            if (i + 1 >= args.size()) {
                return usage(arg + " needs a value");
            }
            return args[++i];
        };
        if (arg == "--help" || arg == "-h") {
            options.help = true;
        } else if (arg == "--source") {
            FERRY_ASSIGN_OR_RETURN(options.source, takeValue());
        } else if (arg == "--peer") {
            FERRY_ASSIGN_OR_RETURN(options.peer, takeValue());
        } else if (arg == "--password-env") {
            FERRY_ASSIGN_OR_RETURN(options.passwordEnv, takeValue());
        } else if (arg == "--password-file") {
            FERRY_ASSIGN_OR_RETURN(options.passwordFile, takeValue());
        } else if (arg == "--peer-password-env") {
            FERRY_ASSIGN_OR_RETURN(options.peerPasswordEnv, takeValue());
        } else if (arg == "--peer-password-file") {
            FERRY_ASSIGN_OR_RETURN(options.peerPasswordFile, takeValue());
        } else if (arg == "--schemas") {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            options.schemas = splitSchemas(text);
            if (options.schemas.empty()) {
                return usage("--schemas needs schema names separated by commas");
            }
        } else if (arg == "--ferry-schema") {
            FERRY_ASSIGN_OR_RETURN(options.ferrySchema, takeValue());
            if (options.ferrySchema.empty()) {
                return usage("--ferry-schema needs a schema name");
            }
        } else if (arg == "--lag-seconds") {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            const char* end = text.data() + text.size();
            auto [ptr, ec] = std::from_chars(text.data(), end, options.lagSeconds);
            if (text.empty() || ec != std::errc() || ptr != end) {
                return usage("--lag-seconds '" + text + "' must be a number of seconds");
            }
        } else if (arg == "--output") {
            FERRY_ASSIGN_OR_RETURN(std::string text, takeValue());
            if (text == "table") {
                options.output = ctl::OutputFormat::Table;
            } else if (text == "json") {
                options.output = ctl::OutputFormat::Json;
            } else if (text == "jsonl") {
                options.output = ctl::OutputFormat::Jsonl;
            } else {
                return usage("--output '" + text + "': choose table, json or jsonl");
            }
        } else {
            return usage("unknown argument " + args[i] + "; see 'ferryctl preflight --help'");
        }
    }
    if (options.help) {
        return options;
    }
    if (options.source.empty()) {
        return usage("give --source mysql://user@host:port");
    }
    if (options.peer.empty() &&
        (!options.peerPasswordEnv.empty() || !options.peerPasswordFile.empty())) {
        return usage("--peer-password-env and --peer-password-file go with --peer");
    }
    return options;
}

Status writePreflightReports(const std::vector<PreflightReport>& reports, ctl::OutputFormat format,
                             std::FILE* out) {
    if (format == ctl::OutputFormat::Table) {
        for (std::size_t i = 0; i < reports.size(); ++i) {
            if (i != 0) {
                std::fputc('\n', out);
            }
            writeTable(reports[i], out);
        }
        if (std::fflush(out) != 0) {
            return makeError(ErrorCode::Io, "cannot write the output");
        }
        return okStatus();
    }
    ctl::RecordOutput output(out, format, {});
    google::protobuf::util::JsonPrintOptions json;
    json.preserve_proto_field_names = true;
    json.always_print_primitive_fields = true;
    for (const PreflightReport& report : reports) {
        std::string text;
        auto status = google::protobuf::util::MessageToJsonString(report.response, &text, json);
        if (!status.ok()) {
            return makeError(ErrorCode::Internal,
                             "cannot print the preflight result as JSON: " + status.ToString());
        }
        output.write(text);
    }
    return output.finish();
}

int runPreflightCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    auto options = parsePreflightArgs(args);
    if (!options.ok()) {
        return fail(err, options.error(), ctl::exit_code::kUsage);
    }
    if (options->help) {
        std::fputs(std::string(preflightUsage()).c_str(), out);
        return ctl::exit_code::kOk;
    }
    Connected source =
        connectTo("--source", options->source, options->passwordFile, options->passwordEnv, err);
    if (!source.session) {
        return source.exitCode;
    }
    Connected peer;
    if (!options->peer.empty()) {
        const bool ownPassword =
            !options->peerPasswordEnv.empty() || !options->peerPasswordFile.empty();
        peer = connectTo("--peer", options->peer,
                         ownPassword ? options->peerPasswordFile : options->passwordFile,
                         ownPassword ? options->peerPasswordEnv : options->passwordEnv, err);
        if (!peer.session) {
            return peer.exitCode;
        }
    }
    PreflightOptions checks;
    checks.schemas = options->schemas;
    checks.ferrySchema = options->ferrySchema;
    checks.lagSeconds = options->lagSeconds;
    std::vector<PreflightReport> reports;
    checks.peer = peer.session.get();
    reports.push_back({"source", source.endpoint, runPreflight(*source.session, checks)});
    if (peer.session) {
        // The peer's own checks; the pair checks ran once, with the source.
        PreflightOptions peerChecks = checks;
        peerChecks.peer = nullptr;
        reports.push_back({"peer", peer.endpoint, runPreflight(*peer.session, peerChecks)});
    }
    if (Status status = writePreflightReports(reports, options->output, out); !status.ok()) {
        return fail(err, status.error(), ctl::exit_code::kFailed);
    }
    bool failed = false;
    for (const PreflightReport& report : reports) {
        failed = failed || hasFailure(report.response);
    }
    if (failed) {
        std::fprintf(err, "ferryctl preflight: some checks failed; see the fixes above\n");
        return ctl::exit_code::kFailed;
    }
    return ctl::exit_code::kOk;
}

}  // namespace ferry::preflight
