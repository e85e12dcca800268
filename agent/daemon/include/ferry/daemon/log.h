// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace ferry::daemon {

enum class LogLevel { Debug, Info, Warning, Error };

// The agent's log: one line per message on stderr. Under systemd (JOURNAL_STREAM set) each line
// starts with the syslog priority prefix journald understands ("<6>") and no timestamp (journald
// adds its own); elsewhere with an ISO-8601 UTC timestamp and the level. Thread-safe.
class Logger {
public:
    explicit Logger(std::string agentId, LogLevel threshold = LogLevel::Info,
                    std::FILE* out = stderr);

    void log(LogLevel level, std::string_view message);
    void debug(std::string_view message) { log(LogLevel::Debug, message); }
    void info(std::string_view message) { log(LogLevel::Info, message); }
    void warning(std::string_view message) { log(LogLevel::Warning, message); }
    void error(std::string_view message) { log(LogLevel::Error, message); }

    void setThreshold(LogLevel level) { m_threshold = level; }
    // Forces the journald form (true) or the timestamped form (false); tests.
    void setJournal(bool journal) { m_journal = journal; }

private:
    std::mutex m_mutex;
    std::string m_agentId;
    LogLevel m_threshold;
    std::FILE* m_out;
    bool m_journal;
};

}  // namespace ferry::daemon
