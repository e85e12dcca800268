// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ferry/apply/sql_session.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::pipeline {

struct HeartbeatOptions {
    std::string ferrySchema = "ferry";
    std::string sourceId;  // the data source id: the row's key
    std::string agentId;
    std::chrono::milliseconds interval{100};  // ten times a second
};

// Writes the source's heartbeat row (ARCHITECTURE.md, "Lag"): `<ferry>.heartbeat` keyed by the
// data source id, with the wall clock in microseconds and a sequence, ten times a second, each
// an autocommitted statement that travels through the binlog like any write. The apply side
// reads the row out of the stream: lag = its apply time minus ts_us (clocks synchronised by
// NTP, as pt-heartbeat assumes). A lost connection is retried every interval; errors are logged
// once until it works again.
// Thread-safe; owns its thread and session.
class HeartbeatWriter {
public:
    using LogFunction = std::function<void(const std::string&)>;

    HeartbeatWriter(std::unique_ptr<apply::SqlSession> session, HeartbeatOptions options,
                    LogFunction log = {});
    ~HeartbeatWriter();
    HeartbeatWriter(const HeartbeatWriter&) = delete;
    HeartbeatWriter& operator=(const HeartbeatWriter&) = delete;

    void start();
    void stop();
    std::uint64_t written() const { return m_written.load(); }
    // The statement one beat runs (for tests and tools).
    std::string statement(std::int64_t tsUs, std::uint64_t seq) const;

private:
    void run();

    std::unique_ptr<apply::SqlSession> m_session;
    HeartbeatOptions m_options;
    LogFunction m_log;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::thread m_thread;
    std::atomic<std::uint64_t> m_written{0};
};

// A heartbeat row seen in a captured transaction.
struct HeartbeatSample {
    std::string sourceId;
    std::int64_t tsUs = 0;
    std::uint64_t seq = 0;
};

// The last heartbeat row written in `transaction` (an INSERT or the after image of an UPDATE of
// `<ferrySchema>.heartbeat`), if any. Columns are found by name, else by the table's order in
// sql/ferry_schema.sql.
std::optional<HeartbeatSample> findHeartbeat(const v1::Transaction& transaction,
                                             const std::string& ferrySchema);

std::int64_t nowMicros();

}  // namespace ferry::pipeline
