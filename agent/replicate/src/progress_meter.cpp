// SPDX-License-Identifier: Apache-2.0
#include "ferry/replicate/progress_meter.h"

#include <cstdio>

namespace ferry::replicate {
namespace {

double secondsBetween(std::chrono::steady_clock::time_point from,
                      std::chrono::steady_clock::time_point to) {
    return std::chrono::duration<double>(to - from).count();
}

}  // namespace

Clock Clock::system() {
    return Clock{[] { return std::chrono::steady_clock::now(); },
                 [] {
                     return static_cast<std::int64_t>(
                         std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
                 }};
}

ProgressMeter::ProgressMeter(Clock clock, std::string startPosition)
    : m_clock(std::move(clock)),
      m_start(m_clock.steady()),
      m_lastReport(m_start),
      m_position(std::move(startPosition)) {}

void ProgressMeter::addApplied(std::uint64_t transactions, std::uint64_t rows,
                               const std::string& position, const std::string& gtid) {
    m_transactions += transactions;
    m_rows += rows;
    m_position = position;
    m_gtid = gtid;
}

void ProgressMeter::addDdl(const std::string& position, const std::string& gtid) {
    ++m_ddl;
    ++m_transactions;
    m_position = position;
    m_gtid = gtid;
}

bool ProgressMeter::due(std::chrono::milliseconds interval) const {
    return m_clock.steady() - m_lastReport >= interval;
}

ProgressSnapshot ProgressMeter::report(std::uint64_t oldestPendingCommitTs, std::uint64_t queued) {
    const auto now = m_clock.steady();
    ProgressSnapshot snapshot;
    snapshot.transactions = m_transactions;
    snapshot.rows = m_rows;
    snapshot.ddl = m_ddl;
    snapshot.skipped = m_skipped;
    snapshot.position = m_position;
    snapshot.gtid = m_gtid;
    snapshot.queued = queued;
    snapshot.elapsedSeconds = secondsBetween(m_start, now);
    const double interval = secondsBetween(m_lastReport, now);
    if (interval > 0) {
        snapshot.rowsPerSecond = static_cast<double>(m_rows - m_lastRows) / interval;
        snapshot.transactionsPerSecond =
            static_cast<double>(m_transactions - m_lastTransactions) / interval;
    }
    if (snapshot.elapsedSeconds > 0) {
        snapshot.averageRowsPerSecond = static_cast<double>(m_rows) / snapshot.elapsedSeconds;
    }
    if (oldestPendingCommitTs != 0) {
        const std::int64_t age =
            m_clock.epochSeconds() - static_cast<std::int64_t>(oldestPendingCommitTs);
        snapshot.lagSeconds = age > 0 ? age : 0;
    }
    m_lastReport = now;
    m_lastRows = m_rows;
    m_lastTransactions = m_transactions;
    return snapshot;
}

std::string ProgressMeter::format(const ProgressSnapshot& s) {
    char line[512];
    std::snprintf(line, sizeof line,
                  "applied %llu transactions, %llu rows, %llu DDL (%.0f rows/s, %.0f tx/s; "
                  "average %.0f rows/s), lag %lld s, queued %llu, skipped %llu, at %s%s%s",
                  static_cast<unsigned long long>(s.transactions),
                  static_cast<unsigned long long>(s.rows), static_cast<unsigned long long>(s.ddl),
                  s.rowsPerSecond, s.transactionsPerSecond, s.averageRowsPerSecond,
                  static_cast<long long>(s.lagSeconds), static_cast<unsigned long long>(s.queued),
                  static_cast<unsigned long long>(s.skipped),
                  s.position.empty() ? "(nothing applied yet)" : s.position.c_str(),
                  s.gtid.empty() ? "" : " GTID ", s.gtid.c_str());
    return line;
}

}  // namespace ferry::replicate
