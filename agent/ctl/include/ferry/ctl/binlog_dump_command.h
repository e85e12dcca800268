// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/ctl/dump_writers.h"
#include "ferry/ctl/transaction_buffer.h"
#include "ferry/model/result.h"

namespace ferry::ctl {

// ferryctl exit codes (CONVENTIONS.md).
namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;
inline constexpr int kCannotConnect = 3;
inline constexpr int kRefused = 4;
}  // namespace exit_code

// The replica server id `binlog dump` uses unless --server-id is given. High, so it does not
// collide with the small ids sites use; two dumps of one server at once need distinct ids (the
// server drops the older connection of a replica id it sees again).
inline constexpr std::uint32_t kDefaultDumpServerId = 4'000'000'001u;

struct BinlogDumpOptions {
    std::vector<std::string> files;
    std::string source;  // mysql://user@host:port
    std::string passwordEnv;
    std::string passwordFile;
    std::string startFile;
    std::optional<std::uint64_t> startPos;
    std::string startGtid;
    std::optional<std::uint32_t> startTime;  // epoch seconds
    std::uint32_t serverId = kDefaultDumpServerId;
    bool stopAtEnd = false;
    OutputFormat output = OutputFormat::Table;
    bool events = false;
    std::size_t maxTransactionMemory = TransactionBuffer::kDefaultMemoryLimit;
    std::uint32_t reconnectAttempts = 8;
    bool help = false;
};

// Parses the arguments after `binlog dump`. Errors are InvalidArgument (exit code 2).
Result<BinlogDumpOptions> parseBinlogDumpArgs(const std::vector<std::string>& args);

// mysql::parseStartTime (ferry/mysql/start_flags.h), kept here for ferryctl callers.
Result<std::uint32_t> parseStartTime(std::string_view text);

std::string_view binlogDumpUsage();

// Runs `ferryctl binlog dump`: writes the dump to `out`, messages to `err`; returns the exit
// code.
int runBinlogDump(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::ctl
