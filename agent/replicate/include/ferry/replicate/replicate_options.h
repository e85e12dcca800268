// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/mysql/mysql_binlog_source.h"

namespace ferry::replicate {

// The replica server id replicate uses unless --server-id is given (ferryctl binlog dump uses
// 4000000001). Two replicate processes reading one source at once need distinct ids.
inline constexpr std::uint32_t kDefaultReplicateServerId = 4'000'000'002u;

// Where a password comes from (CONVENTIONS.md): a file, else an environment variable
// (FERRY_PASSWORD unless named); a password in the URL wins, with a warning.
struct PasswordOptions {
    std::string env;
    std::string file;
};

// How replicate uses the source's schema history (ferry.schema_history on the source).
//   Auto: the history when the source has one for this source id, else TABLE_MAPs alone.
//   On: the history; without one, take a snapshot (refused when DDL ran since the start).
//   Off: TABLE_MAPs alone (binlog_row_metadata=FULL).
enum class SchemaHistoryMode { Auto, On, Off };

// `ferry-agent replicate` as the command line gives it. A plain value.
struct ReplicateOptions {
    std::string source;  // mysql://user@host:port
    std::string target;
    PasswordOptions sourcePassword;
    PasswordOptions targetPassword;
    mysql::StartRequest start;  // empty: resume from the target's position
    std::uint64_t pipelineId = 1;
    std::string ferrySchema = "ferry";
    std::vector<std::string> include;  // schema.table globs
    std::vector<std::string> exclude;
    bool untilCaughtUp = false;
    bool matchAllColumns = false;
    std::uint32_t serverId = kDefaultReplicateServerId;
    std::uint32_t reconnectAttempts = 8;
    std::chrono::milliseconds progressInterval{2000};
    std::uint16_t workers = 4;            // apply connections; 1: the serial applier
    std::size_t groupTransactions = 200;  // source transactions per target transaction, at most
    std::size_t groupRows = 20000;        // rows per target transaction, at most (unless one
                                          // source transaction has more)
    std::uint64_t spillBytes = std::uint64_t{64} << 20;
    std::string spoolDir;  // empty: $TMPDIR (or /tmp)/ferry-replicate-<pid>
    bool applySkipReplication = false;
    SchemaHistoryMode schemaHistory = SchemaHistoryMode::Auto;
    bool help = false;
};

// Parses the arguments after `replicate`. Errors are InvalidArgument (exit code 2) and name the
// flag.
Result<ReplicateOptions> parseReplicateArgs(const std::vector<std::string>& args);

std::string_view replicateUsage();

}  // namespace ferry::replicate
