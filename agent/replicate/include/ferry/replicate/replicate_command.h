// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ferry::replicate {

// Exit codes (CONVENTIONS.md).
namespace exit_code {
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;
inline constexpr int kCannotConnect = 3;
inline constexpr int kRefused = 4;
}  // namespace exit_code

// Runs `ferry-agent replicate ARGS`: connects to both servers, installs or checks the ferry
// schema on the target, resolves the start (flags, else the target's recorded position), and
// runs a ReplicationRuntime until caught up (--until-caught-up), stopped by SIGINT/SIGTERM, or
// failed. Progress and errors go to `err`, one line each, prefixed "ferry-agent replicate:".
// Installs SIGINT/SIGTERM handlers for the duration. Returns the exit code.
int runReplicate(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::replicate
