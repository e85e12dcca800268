// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ferry::replicate {

// The clocks replicate reads: a monotonic one for rates and a wall clock (epoch seconds) for lag
// against source commit times. Tests inject fakes.
struct Clock {
    std::function<std::chrono::steady_clock::time_point()> steady;
    std::function<std::int64_t()> epochSeconds;

    static Clock system();
};

// Totals and rates for the progress line.
struct ProgressSnapshot {
    std::uint64_t transactions = 0;    // source transactions committed on the target
    std::uint64_t rows = 0;            // row changes applied
    std::uint64_t ddl = 0;             // DDL statements applied
    std::uint64_t skipped = 0;         // filtered out, already applied, or skip_replication
    double rowsPerSecond = 0;          // since the previous report
    double transactionsPerSecond = 0;  // since the previous report
    double averageRowsPerSecond = 0;   // since start
    std::int64_t lagSeconds = 0;       // see ProgressMeter
    std::string position;              // "mysql-bin.000003:1234", empty before the first
    std::string gtid;                  // of the last applied transaction
    std::uint64_t queued = 0;          // transactions decoded, waiting to be applied
    double elapsedSeconds = 0;
};

// Counts what replicate applies and renders the periodic progress line.
//
// Lag is "seconds behind the source" as a DBA reads it: the age (now minus source commit time,
// one-second resolution) of the oldest transaction decoded but not yet applied; 0 when nothing
// waits. Rates are over the interval since the previous report.
// Not thread-safe: the applying thread owns it.
class ProgressMeter {
public:
    explicit ProgressMeter(Clock clock = Clock::system(), std::string startPosition = {});

    void addApplied(std::uint64_t transactions, std::uint64_t rows, const std::string& position,
                    const std::string& gtid);
    void addDdl(const std::string& position, const std::string& gtid);
    void addSkipped(std::uint64_t transactions) { m_skipped += transactions; }

    // True when `interval` has passed since the previous report (or the start).
    bool due(std::chrono::milliseconds interval) const;

    // Takes a snapshot and starts a new rate interval. `oldestPendingCommitTs` is the source
    // commit time of the oldest transaction waiting (0: none waits).
    ProgressSnapshot report(std::uint64_t oldestPendingCommitTs, std::uint64_t queued);

    static std::string format(const ProgressSnapshot& snapshot);

private:
    Clock m_clock;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastReport;
    std::uint64_t m_transactions = 0;
    std::uint64_t m_rows = 0;
    std::uint64_t m_ddl = 0;
    std::uint64_t m_skipped = 0;
    std::uint64_t m_lastTransactions = 0;
    std::uint64_t m_lastRows = 0;
    std::string m_position;
    std::string m_gtid;
};

}  // namespace ferry::replicate
