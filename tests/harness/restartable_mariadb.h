// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ferry/model/result.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::harness {

// A MariaDB server of a test's own that the test may kill with SIGKILL and start again, on the
// same datadir, port and socket: for crash tests of the server side, which must never touch the
// shared servers of the ctest fixture. `ferry-harness up --mariadb 1 --no-zookeeper` makes it in
// a temporary folder owned by this process; the first restart and every later one run mariadbd
// with the command line the harness gave it (read from /proc before the first kill), plus any
// overrides set with setOption().
//
// Ownership: the harness folder and every server process; the destructor kills a restarted
// server and runs `ferry-harness down`. A restarted server is this process's child and gets
// SIGKILL when the thread that called restart() exits (PR_SET_PDEATHSIG), so call restart()
// from the test's main thread. Thread safety: none; one thread drives it.
class RestartableMariadb {
public:
    // Starts the server in a new folder named after `name` and this process id.
    static Result<std::unique_ptr<RestartableMariadb>> start(const std::string& harnessScript,
                                                             const std::string& name) {
        std::unique_ptr<RestartableMariadb> server(new RestartableMariadb(harnessScript));
        server->m_dir = (std::filesystem::temp_directory_path() /
                         ("ferry-it-" + name + "-" + std::to_string(::getpid())))
                            .string();
        std::error_code ignored;
        std::filesystem::remove_all(server->m_dir, ignored);
        const std::string log = server->m_dir + ".log";
        const std::string command = harnessScript + " up --dir " + server->m_dir +
                                    " --mariadb 1 --no-zookeeper --owner-pid " +
                                    std::to_string(::getpid()) + " > " + log + " 2>&1";
        if (std::system(command.c_str()) != 0) {
            return makeError(ErrorCode::Unavailable,
                             "ferry-harness up failed for " + server->m_dir + ":\n" + tail(log));
        }
        server->m_up = true;
        FERRY_ASSIGN_OR_RETURN(server->m_env, HarnessEnv::load(server->m_dir));
        FERRY_ASSIGN_OR_RETURN(server->m_server, server->m_env.mariadb(0));
        server->m_pid = server->m_server.pid;
        FERRY_TRY(server->readCommandLine());
        return server;
    }

    RestartableMariadb(const RestartableMariadb&) = delete;
    RestartableMariadb& operator=(const RestartableMariadb&) = delete;

    ~RestartableMariadb() {
        if (m_child) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        if (m_up) {
            const std::string command =
                m_harnessScript + " down --dir " + m_dir + " > /dev/null 2>&1";
            (void)std::system(command.c_str());
            std::error_code ignored;
            std::filesystem::remove(m_dir + ".log", ignored);
        }
    }

    const HarnessEnv& env() const { return m_env; }
    // Host, port and socket stay the same across restarts; `pid` is the first server's.
    const MariadbServerEnv& server() const { return m_server; }
    pid_t pid() const { return m_pid; }
    bool running() const { return m_pid > 0; }

    // Replaces (or adds) `--name=value` on the command line of the next restart.
    void setOption(const std::string& name, const std::string& value) {
        const std::string prefix = name + "=";
        for (std::string& arg : m_argv) {
            if (arg.rfind(prefix, 0) == 0) {
                arg = prefix + value;
                return;
            }
        }
        m_argv.push_back(prefix + value);
    }

    // SIGKILL, then waits (up to `timeout`) until the process is gone.
    Status kill(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
        if (m_pid <= 0) {
            return makeError(ErrorCode::InvalidArgument,
                             "the server of " + m_dir + " is not running");
        }
        if (m_child) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
            m_child = false;
            m_pid = 0;
            return okStatus();
        }
        // The harness supervisor's child: wait for its exit through a pidfd.
        const int fd = static_cast<int>(::syscall(SYS_pidfd_open, m_pid, 0));
        if (::kill(m_pid, SIGKILL) != 0) {
            if (fd >= 0) {
                ::close(fd);
            }
            return makeError(ErrorCode::Unavailable,
                             "cannot SIGKILL mariadbd pid " + std::to_string(m_pid));
        }
        if (fd >= 0) {
            pollfd entry{fd, POLLIN, 0};
            const int ready = ::poll(&entry, 1, static_cast<int>(timeout.count()));
            ::close(fd);
            if (ready != 1) {
                return makeError(ErrorCode::Unavailable, "mariadbd pid " + std::to_string(m_pid) +
                                                             " outlived SIGKILL for " +
                                                             std::to_string(timeout.count()) +
                                                             " ms");
            }
        }
        m_pid = 0;
        return okStatus();
    }

    // Starts mariadbd again on the same datadir and port, and waits (up to `timeout`) until a
    // login works. REQUIRES: the server is not running (kill() returned).
    Status restart(std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
        if (m_pid > 0) {
            return makeError(ErrorCode::InvalidArgument,
                             "the server of " + m_dir + " still runs (pid " +
                                 std::to_string(m_pid) + "); kill() it first");
        }
        const std::string errorLog = m_server.errorLog;
        const auto logOffset = fileSize(errorLog);
        std::vector<char*> argv;
        for (std::string& arg : m_argv) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        const pid_t parent = ::getpid();
        const pid_t pid = ::fork();
        if (pid < 0) {
            return makeError(ErrorCode::Unavailable, "fork failed restarting " + m_dir);
        }
        if (pid == 0) {
            // Only async-signal-safe calls until exec.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) {
                ::_exit(127);
            }
            ::setsid();
            const int null = ::open("/dev/null", O_RDONLY);
            const int log = ::open(errorLog.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0600);
            if (null < 0 || log < 0 || ::chdir(m_cwd.c_str()) != 0) {
                ::_exit(127);
            }
            ::dup2(null, 0);
            ::dup2(log, 1);
            ::dup2(log, 2);
            ::execv(m_executable.c_str(), argv.data());
            ::_exit(127);
        }
        m_pid = pid;
        m_child = true;
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = 0;
                m_child = false;
                return makeError(ErrorCode::Unavailable,
                                 "mariadbd of " + m_dir + " exited while restarting; " + errorLog +
                                     " says:\n" + since(errorLog, logOffset));
            }
            auto connection = MariadbConnection::connect(m_env, 0);
            if (connection.ok() && connection->queryValue("SELECT 1").ok()) {
                return okStatus();
            }
            if (std::chrono::steady_clock::now() > deadline) {
                return makeError(ErrorCode::Unavailable,
                                 "mariadbd of " + m_dir + " does not accept logins " +
                                     std::to_string(timeout.count()) + " ms after a restart; " +
                                     errorLog + " says:\n" + since(errorLog, logOffset));
            }
            // Polls the login: mariadbd has no readiness notification to block on here.
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

private:
    explicit RestartableMariadb(std::string harnessScript)
        : m_harnessScript(std::move(harnessScript)) {}

    Status readCommandLine() {
        const std::string proc = "/proc/" + std::to_string(m_pid);
        std::ifstream in(proc + "/cmdline", std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        const std::string text = bytes.str();
        std::error_code error;
        m_executable = std::filesystem::read_symlink(proc + "/exe", error).string();
        m_cwd = std::filesystem::read_symlink(proc + "/cwd", error).string();
        if (text.empty() || m_executable.empty() || m_cwd.empty() || error) {
            return makeError(ErrorCode::Unavailable,
                             "cannot read the command line of mariadbd pid " +
                                 std::to_string(m_pid) + " from " + proc);
        }
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t end = text.find('\0', start);
            m_argv.push_back(text.substr(start, end - start));
            start = end == std::string::npos ? text.size() : end + 1;
        }
        return okStatus();
    }

    static std::uintmax_t fileSize(const std::string& path) {
        std::error_code error;
        const auto size = std::filesystem::file_size(path, error);
        return error ? 0 : size;
    }

    static std::string since(const std::string& path, std::uintmax_t offset) {
        std::ifstream in(path, std::ios::binary);
        in.seekg(static_cast<std::streamoff>(offset));
        std::ostringstream text;
        text << in.rdbuf();
        std::string out = text.str();
        return out.size() > 4000 ? out.substr(out.size() - 4000) : out;
    }

    static std::string tail(const std::string& path) { return since(path, 0); }

    std::string m_harnessScript;
    std::string m_dir;
    bool m_up = false;
    HarnessEnv m_env;
    MariadbServerEnv m_server;
    pid_t m_pid = 0;
    bool m_child = false;  // a restarted server: ours to reap
    std::string m_executable;
    std::string m_cwd;
    std::vector<std::string> m_argv;
};

}  // namespace ferry::harness
