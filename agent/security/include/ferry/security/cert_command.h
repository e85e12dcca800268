// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ferry::security {

// `ferryctl cert <verb> ...`: `args` are the words after "cert" (args[0] is the verb: ca, agent,
// client, token, data-key, seal, show, verify; or --help). Writes results to `out` and messages to
// `err`; `seal` reads the password from `in` (one line; echo is turned off when it is a
// terminal). Returns the ferryctl exit code: 0 success, 1 failed, 2 usage error.
int runCertCommand(const std::vector<std::string>& args, std::FILE* in, std::FILE* out,
                   std::FILE* err);
// The same with standard input.
int runCertCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::security
