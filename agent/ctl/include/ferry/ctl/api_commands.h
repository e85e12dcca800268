// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::ctl {

// True when `noun` names a command that talks to an agent through the service API: agent, site,
// datasource, channel, pipeline, conflict, export, import.
bool isApiCommand(std::string_view noun);

// The command list for `ferryctl --help`.
std::string_view apiCommandsHelp();

// Runs `ferryctl <noun> [<verb>] [args]` (args starts with the noun): output to `out`, messages
// to `err`; returns the exit code (CONVENTIONS.md: 0 ok, 1 failed, 2 usage, 3 cannot connect,
// 4 refused). Confirmations are read from stdin when it is a terminal.
//
// REQUIRES: a QCoreApplication exists in this thread; its event loop is not running (each
// request spins it until the answer).
int runApiCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::ctl
