// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "mini_json.h"

extern char** environ;

// Runs the real ferryctl as a child process for the integration tests. Test support only.
namespace ferry::testing {

struct ProcessResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

inline std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Runs `program args...` with `extraEnv` added to this process's environment; stdout and
// stderr go through temporary files (the dump may be large).
inline ProcessResult runProcess(const std::string& program, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& extraEnv = {}) {
    ProcessResult result;
    char outPath[] = "/tmp/ferry-it-out-XXXXXX";
    char errPath[] = "/tmp/ferry-it-err-XXXXXX";
    const int outFd = ::mkstemp(outPath);
    const int errFd = ::mkstemp(errPath);
    if (outFd < 0 || errFd < 0) {
        result.err = "mkstemp failed";
        return result;
    }
    std::vector<std::string> envStrings;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        if (extraEnv.count(name) == 0) {
            envStrings.push_back(entry);
        }
    }
    for (const auto& [name, value] : extraEnv) {
        envStrings.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& s : envStrings) {
        envp.push_back(s.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> argStrings = {program};
    argStrings.insert(argStrings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argStrings) {
        argv.push_back(s.data());
    }
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, outFd, 1);
    posix_spawn_file_actions_adddup2(&actions, errFd, 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    ::close(outFd);
    ::close(errFd);
    if (rc == 0) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else {
        result.err = "posix_spawn failed";
    }
    result.out = readFile(outPath);
    result.err += readFile(errPath);
    ::unlink(outPath);
    ::unlink(errPath);
    return result;
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
