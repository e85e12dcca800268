// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/ctl/dump_writers.h"
#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::preflight {

struct PreflightCommandOptions {
    std::string source;  // mysql://user@host:port
    std::string peer;    // empty: one data source
    std::string passwordEnv;
    std::string passwordFile;
    std::string peerPasswordEnv;   // empty: as for the source
    std::string peerPasswordFile;  // empty: as for the source
    std::vector<std::string> schemas;
    std::string ferrySchema = "ferry";
    std::uint64_t lagSeconds = 0;
    ctl::OutputFormat output = ctl::OutputFormat::Table;
    bool help = false;
};

// Parses the arguments after `preflight`. Errors are InvalidArgument (exit code 2).
Result<PreflightCommandOptions> parsePreflightArgs(const std::vector<std::string>& args);

std::string_view preflightUsage();

// One checked data source as the command prints it.
struct PreflightReport {
    std::string role;      // "source" or "peer"
    std::string endpoint;  // user@host:port
    v1::PreflightResponse response;
};

// Writes the reports: `table` (a section per data source with one line per check and its hint
// below), `json` (an array of PreflightResponse objects in protobuf's JSON mapping, source first)
// or `jsonl` (one such object per line). Returns the first write error.
Status writePreflightReports(const std::vector<PreflightReport>& reports, ctl::OutputFormat format,
                             std::FILE* out);

// `ferryctl preflight --source mysql://user@host:port [--peer URL] [--schemas a,b]
// [--lag-seconds N] [--output table|json|jsonl]`: checks the source (and with --peer the peer
// too, plus the checks between the two) and prints the results to `out`, messages to `err`.
// Exit codes (CONVENTIONS.md): 0 every check passed or warned, 1 a check failed, 2 usage,
// 3 cannot connect, 4 authentication refused.
int runPreflightCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::preflight
