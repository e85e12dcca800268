// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.h"
#include "mini_json.h"

// Runs the real ferryctl as a child process for the integration tests. Test support only.
namespace ferry::testing {

struct ProcessResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

inline std::string readFile(const std::string& path) {
    return harness::readWholeFile(path);
}

// Runs `program args...` to its end with `extraEnv` added to this process's environment.
inline ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& extraEnv = {}) {
    const harness::Finished done = harness::runToEnd(program, args, extraEnv);
    return ProcessResult{done.exitCode, done.out, done.err};
}

// Splits JSON lines; a line that does not parse is reported through `error`.
inline std::vector<JsonValue> parseJsonLines(const std::string& text, std::string* error) {
    std::vector<JsonValue> values;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            *error = "the output does not end with a newline";
            return values;
        }
        std::string lineError;
        auto value =
            JsonReader::parse(std::string_view(text).substr(start, end - start), &lineError);
        if (!value) {
            *error = "line " + std::to_string(values.size() + 1) + ": " + lineError;
            return values;
        }
        values.push_back(std::move(*value));
        start = end + 1;
    }
    return values;
}

}  // namespace ferry::testing
