// SPDX-License-Identifier: Apache-2.0
#include "ferry/compare/compare_command.h"

#include <charconv>
#include <memory>
#include <optional>

#include "ferry/compare/table_compare.h"
#include "ferry/ctl/binlog_dump_command.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"
#include "report_writer.h"

namespace ferry::compare {
namespace {

namespace exit_code = ctl::exit_code;

struct SideArgs {
    std::string url;
    std::string passwordEnv;
    std::string passwordFile;
};

struct CommandArgs {
    SideArgs left;
    SideArgs right;
    std::string tables;
    CompareOptions options;
    ctl::OutputFormat output = ctl::OutputFormat::Table;
    bool help = false;
};

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

template <typename T>
Result<T> parseCount(const std::string& flag, const std::string& text, T minimum) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < minimum) {
        return usage(flag + " '" + text + "' must be a whole number of at least " +
                     std::to_string(minimum));
    }
    return value;
}

Result<CommandArgs> parseArgs(const std::vector<std::string>& args) {
    CommandArgs parsed;
    std::string sharedEnv;
    std::string sharedFile;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inlineValue;
        if (const auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
            inlineValue = flag.substr(eq + 1);
            flag.resize(eq);
        }
        if (flag == "--help" || flag == "-h") {
            parsed.help = true;
            continue;
        }
        std::string value;
        if (inlineValue) {
            value = *inlineValue;
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return usage(flag.rfind("--", 0) == 0
                             ? flag + " needs a value"
                             : "unexpected argument '" + flag + "'; see 'ferryctl compare --help'");
        }
        if (flag == "--left") {
            parsed.left.url = value;
        } else if (flag == "--right") {
            parsed.right.url = value;
        } else if (flag == "--left-password-env") {
            parsed.left.passwordEnv = value;
        } else if (flag == "--left-password-file") {
            parsed.left.passwordFile = value;
        } else if (flag == "--right-password-env") {
            parsed.right.passwordEnv = value;
        } else if (flag == "--right-password-file") {
            parsed.right.passwordFile = value;
        } else if (flag == "--password-env") {
            sharedEnv = value;
        } else if (flag == "--password-file") {
            sharedFile = value;
        } else if (flag == "--tables") {
            parsed.tables += (parsed.tables.empty() ? "" : ",") + value;
        } else if (flag == "--chunk-size") {
            FERRY_ASSIGN_OR_RETURN(parsed.options.chunkSize,
                                   parseCount<std::size_t>(flag, value, 1));
        } else if (flag == "--retries") {
            FERRY_ASSIGN_OR_RETURN(parsed.options.retries,
                                   parseCount<std::uint32_t>(flag, value, 0));
        } else if (flag == "--retry-delay-ms") {
            FERRY_ASSIGN_OR_RETURN(const auto ms, parseCount<std::uint32_t>(flag, value, 0));
            parsed.options.retryDelay = std::chrono::milliseconds(ms);
        } else if (flag == "--max-keys") {
            FERRY_ASSIGN_OR_RETURN(parsed.options.maxKeys, parseCount<std::size_t>(flag, value, 0));
        } else if (flag == "--output") {
            if (value == "table") {
                parsed.output = ctl::OutputFormat::Table;
            } else if (value == "json") {
                parsed.output = ctl::OutputFormat::Json;
            } else if (value == "jsonl") {
                parsed.output = ctl::OutputFormat::Jsonl;
            } else {
                return usage("--output '" + value + "': choose table, json or jsonl");
            }
        } else {
            return usage("unknown option " + flag + "; see 'ferryctl compare --help'");
        }
    }
    if (parsed.help) {
        return parsed;
    }
    if (parsed.left.url.empty() || parsed.right.url.empty()) {
        return usage("give both --left mysql://user@host:port and --right mysql://user@host:port");
    }
    if (parsed.tables.empty()) {
        return usage("give the table set: --tables 'shop.*,sbtest.sbtest1'");
    }
    FERRY_ASSIGN_OR_RETURN(parsed.options.tables, TableFilter::parse(parsed.tables));
    for (SideArgs* side : {&parsed.left, &parsed.right}) {
        if (!side->passwordEnv.empty() && !side->passwordFile.empty()) {
            return usage(
                "give a side's password either from an environment variable or from a "
                "file, not both");
        }
        if (side->passwordEnv.empty() && side->passwordFile.empty()) {
            side->passwordEnv = sharedEnv;
            side->passwordFile = sharedFile;
        }
    }
    return parsed;
}

// Connects one side; on failure writes the message and sets the exit code.
std::unique_ptr<mysql::MysqlConnection> connectSide(const char* name, const SideArgs& side,
                                                    std::FILE* err, int& code) {
    auto url = mysql::DatabaseUrl::parse(side.url);
    if (!url.ok()) {
        std::fprintf(err, "ferryctl compare: --%s: %s\n", name, url.error().message.c_str());
        code = exit_code::kUsage;
        return nullptr;
    }
    if (url->passwordInUrl()) {
        std::fprintf(err,
                     "ferryctl compare: warning: the password in --%s shows in the process list; "
                     "use FERRY_PASSWORD, --%s-password-env or --%s-password-file\n",
                     name, name, name);
    }
    auto password = mysql::resolvePassword(*url, side.passwordFile, side.passwordEnv);
    if (!password.ok()) {
        std::fprintf(err, "ferryctl compare: %s side: %s\n", name,
                     password.error().message.c_str());
        code = password.error().code == ErrorCode::InvalidArgument ? exit_code::kUsage
                                                                   : exit_code::kFailed;
        return nullptr;
    }
    auto connection = mysql::MysqlConnection::connect(*url, *password);
    if (!connection.ok()) {
        std::fprintf(err, "ferryctl compare: %s side: %s\n", name,
                     connection.error().message.c_str());
        code = connection.error().code == ErrorCode::PermissionDenied ? exit_code::kRefused
                                                                      : exit_code::kCannotConnect;
        return nullptr;
    }
    return std::move(connection).value();
}

}  // namespace

std::string_view compareUsage() {
    return R"(Usage: ferryctl compare --left URL --right URL --tables SET [options]

Proves that two data sources hold the same rows, or names the keys that differ. For each table
of the set (listed from both sides: a table on one side only is a difference), compares the
column lists (names and types; rows are then compared on the common columns) and then the rows:
in chunks along the primary key (or a unique NOT NULL key), each side counting and checksumming
the chunk's key range in its own REPEATABLE READ snapshot; a differing chunk is read row by row
to name the keys missing on the left, missing on the right, or whose rows differ. A table with no
such key is compared by row count and a whole-table checksum only. Read-only on both sides.

Data sources:
  --left URL, --right URL    mysql://user@host:port/?ssl-mode=... or
                             mysql://user@localhost/?socket=/path
  --left-password-env NAME   environment variable holding the left password
  --left-password-file F     file holding the left password
  --right-password-env NAME, --right-password-file F    the same for the right
  --password-env NAME, --password-file F                default for both sides
                             (without any of these: $FERRY_PASSWORD)

Table set:
  --tables SET               comma-separated: schema.table, globs (shop.*, shop.order_?),
                             /regex/ matched against all of schema.table; repeatable

Options:
  --chunk-size N             rows per chunk (default 1000)
  --retries N                re-check differing chunks N times before reporting them, for
                             replication lag (default 0)
  --retry-delay-ms N         wait before each re-check (default 1000)
  --max-keys N               differing keys listed per table, then "and N more" (default 100)
  --output table|json|jsonl  table for people (default); json: an array with one object per
                             table; jsonl: one object per line

Exit codes: 0 identical, 1 differences found or the comparison failed (stderr says which),
2 usage, 3 cannot connect, 4 refused (authentication).
)";
}

int runCompareCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    auto parsed = parseArgs(args);
    if (!parsed.ok()) {
        std::fprintf(err, "ferryctl compare: %s\n", parsed.error().message.c_str());
        return exit_code::kUsage;
    }
    if (parsed->help) {
        const std::string_view text = compareUsage();
        std::fwrite(text.data(), 1, text.size(), out);
        return exit_code::kOk;
    }
    int code = exit_code::kOk;
    auto left = connectSide("left", parsed->left, err, code);
    if (!left) {
        return code;
    }
    auto right = connectSide("right", parsed->right, err, code);
    if (!right) {
        return code;
    }
    auto report = compareTables(*left, *right, parsed->options);
    if (!report.ok()) {
        std::fprintf(err, "ferryctl compare: comparison failed: %s\n",
                     report.error().message.c_str());
        return exit_code::kFailed;
    }
    auto written = writeReport(*report, parsed->output, out);
    if (!written.ok()) {
        std::fprintf(err, "ferryctl compare: %s\n", written.error().message.c_str());
        return exit_code::kFailed;
    }
    if (report->tables.empty()) {
        std::fprintf(err,
                     "ferryctl compare: nothing compared: no table on either side matches '%s'\n",
                     parsed->options.tables.text().c_str());
        return exit_code::kFailed;
    }
    if (!report->identical()) {
        std::size_t differing = 0;
        for (const TableReport& table : report->tables) {
            differing += table.verdict != TableVerdict::Identical ? 1 : 0;
        }
        std::fprintf(err, "ferryctl compare: differences found in %zu of %zu table(s)\n", differing,
                     report->tables.size());
        return exit_code::kFailed;
    }
    return exit_code::kOk;
}

}  // namespace ferry::compare
