// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/log.h"

#include <chrono>
#include <cstdlib>
#include <ctime>

namespace ferry::daemon {
namespace {

int syslogPriority(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return 7;
        case LogLevel::Info:
            return 6;
        case LogLevel::Warning:
            return 4;
        case LogLevel::Error:
            return 3;
    }
    return 6;
}

const char* levelName(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "DEBUG";
        case LogLevel::Info:
            return "INFO";
        case LogLevel::Warning:
            return "WARN";
        case LogLevel::Error:
            return "ERROR";
    }
    return "INFO";
}

}  // namespace

Logger::Logger(std::string agentId, LogLevel threshold, std::FILE* out)
    : m_agentId(std::move(agentId)),
      m_threshold(threshold),
      m_out(out),
      m_journal(std::getenv("JOURNAL_STREAM") != nullptr) {}

void Logger::log(LogLevel level, std::string_view message) {
    if (static_cast<int>(level) < static_cast<int>(m_threshold)) {
        return;
    }
    // One message is one line: embedded newlines would split it in the journal.
    std::string text(message);
    for (char& c : text) {
        if (c == '\n' || c == '\r') {
            c = ' ';
        }
    }
    std::lock_guard lock(m_mutex);
    if (m_journal) {
        std::fprintf(m_out, "<%d>%s: %s\n", syslogPriority(level), m_agentId.c_str(), text.c_str());
    } else {
        const auto now = std::chrono::system_clock::now();
        const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
        const auto millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
            1000;
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char stamp[32];
        std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
        std::fprintf(m_out, "%s.%03dZ %-5s %s: %s\n", stamp, static_cast<int>(millis),
                     levelName(level), m_agentId.c_str(), text.c_str());
    }
    std::fflush(m_out);
}

}  // namespace ferry::daemon
