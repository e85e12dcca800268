// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

// Child processes for integration tests (ferryctl, ferry-agent, sysbench, mariadb-binlog):
// stdout and stderr go to temporary files, which may be large. Test support only.
namespace ferry::harness {

inline std::string readWholeFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A child process whose stdout and stderr go to files.
class Child {
public:
    Child() = default;
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            wait();
        }
        if (!m_outPath.empty()) {
            ::unlink(m_outPath.c_str());
            ::unlink(m_errPath.c_str());
        }
    }

    // Starts `program args...` with `extraEnv` added to this process's environment.
    bool start(const std::string& program, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& extraEnv = {}) {
        char outPath[] = "/tmp/ferry-it-repl-out-XXXXXX";
        char errPath[] = "/tmp/ferry-it-repl-err-XXXXXX";
        const int outFd = ::mkstemp(outPath);
        const int errFd = ::mkstemp(errPath);
        if (outFd < 0 || errFd < 0) {
            m_startError = "mkstemp in /tmp failed";
            return false;
        }
        m_outPath = outPath;
        m_errPath = errPath;
        std::vector<std::string> envStrings;
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string entry = *e;
            if (extraEnv.count(entry.substr(0, entry.find('='))) == 0) {
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
        const int rc =
            posix_spawnp(&m_pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        ::close(outFd);
        ::close(errFd);
        if (rc != 0) {
            m_pid = 0;
            m_startError = "posix_spawnp " + program + ": " + std::strerror(rc);
            return false;
        }
        return true;
    }

    // Why the last start() failed.
    const std::string& startError() const { return m_startError; }

    // Does not block: the exit code (128 + signal when killed) once it has exited, else nothing.
    std::optional<int> poll() {
        if (m_pid <= 0) {
            return m_exitCode >= 0 ? std::optional<int>(m_exitCode) : std::nullopt;
        }
        int status = 0;
        struct rusage usage {};
        if (::wait4(m_pid, &status, WNOHANG, &usage) != m_pid) {
            return std::nullopt;
        }
        finish(status, usage);
        return m_exitCode;
    }

    // Waits for the exit; the exit code, or 128 + signal.
    int wait() {
        if (m_pid <= 0) {
            return m_exitCode;
        }
        int status = 0;
        struct rusage usage {};
        ::wait4(m_pid, &status, 0, &usage);
        finish(status, usage);
        return m_exitCode;
    }

    void signal(int number) {
        if (m_pid > 0) {
            ::kill(m_pid, number);
        }
    }

    bool running() const { return m_pid > 0; }
    // Peak resident memory of the child in KiB, known once it has been waited for.
    long maxRssKb() const { return m_maxRssKb; }
    std::string out() const { return readWholeFile(m_outPath); }
    std::string err() const { return readWholeFile(m_errPath); }

private:
    void finish(int status, const struct rusage& usage) {
        m_maxRssKb = usage.ru_maxrss;
        m_pid = 0;
        m_exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    pid_t m_pid = 0;
    int m_exitCode = -1;
    long m_maxRssKb = 0;
    std::string m_outPath;
    std::string m_errPath;
    std::string m_startError;
};

struct Finished {
    int exitCode = -1;
    long maxRssKb = 0;
    std::string out;
    std::string err;
};

inline Finished runToEnd(const std::string& program, const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& extraEnv = {}) {
    Child child;
    Finished result;
    if (!child.start(program, args, extraEnv)) {
        result.err = "cannot start " + program;
        return result;
    }
    result.exitCode = child.wait();
    result.maxRssKb = child.maxRssKb();
    result.out = child.out();
    result.err = child.err();
    return result;
}

}  // namespace ferry::harness
