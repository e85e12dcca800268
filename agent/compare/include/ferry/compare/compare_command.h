// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace ferry::compare {

std::string_view compareUsage();

// Runs `ferryctl compare` with the arguments after `compare`: connects to --left and --right,
// compares the table set and writes the report to `out` (--output table|json|jsonl), messages to
// `err`. Returns the exit code: 0 identical, 1 differences found or the comparison failed (stderr
// says which), 2 usage, 3 cannot connect, 4 refused (authentication).
int runCompareCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace ferry::compare
