// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ferry/capture/transaction_sink.h"
#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"
#include "ferry/pipeline/loop_filter.h"
#include "ferry/pipeline/table_router.h"
#include "ferry/v1/config.pb.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::pipeline {

struct CaptureSourceOptions {
    std::uint64_t pipelineId = 0;
    mysql::DatabaseUrl url;
    std::string password;
    mysql::ConnectOptions connect;
    std::uint32_t serverId = 0;  // the replica server id Ferry uses on this source
    std::string ferrySchema = "ferry";
    std::shared_ptr<const TableRouter> router;
    std::set<std::uint64_t> reversePipelines;  // two-way: the opposite pipeline(s) of the channel
    v1::DdlMode ddl = v1::DDL_MODE_REPLICATE;
    bool shipSkipReplication = false;  // MariaDB @@skip_replication transactions: dropped unless
    std::filesystem::path spoolDirectory;
    std::uint64_t spillThresholdBytes = std::uint64_t{64} << 20;
    std::size_t maxQueuedTransactions = 20000;
    std::uint64_t maxQueuedBytes = std::uint64_t{64} << 20;  // estimated, in-memory ones
    std::chrono::milliseconds heartbeatPeriod{500};          // server heartbeats while idle
    // Called on the reader thread when the queue stops being empty, and when the reader stops
    // (error or end): the consumer then polls. Must not block.
    std::function<void()> wake;
    std::function<void(const std::string&)> log;
};

// The source side of a pipeline for one stream: a thread that reads the source's binlog from a
// resume point (the replica protocol, reconnecting by itself), decodes, assembles transactions
// (large ones spill to disk), and keeps what the pipeline ships in a bounded queue the consumer
// polls: the rows of routed tables, mapped to target names with excluded columns gone, and the
// source's heartbeat rows; never the transactions the reverse pipeline of a two-way channel
// applied here (loop avoidance), other ferry bookkeeping, @@skip_replication transactions, or
// DDL the pipeline does not replicate (logged). DDL_MODE_STOP stops the reader with an error
// naming the statement and position.
//
// A full queue stops reading (backpressure reaches the source connection, not memory).
// Thread-safe: poll(), error(), stats() and stop() from any one consumer thread.
class CaptureSource {
public:
    static Result<std::unique_ptr<CaptureSource>> start(CaptureSourceOptions options,
                                                        const v1::ResumePoint& resume);
    ~CaptureSource();
    CaptureSource(const CaptureSource&) = delete;
    CaptureSource& operator=(const CaptureSource&) = delete;

    // The next transaction to ship, if one is ready.
    std::optional<capture::CapturedTransaction> poll();
    // Why the reader stopped, once it has.
    std::optional<Error> error() const;
    bool running() const;
    void stop();

    struct Stats {
        std::uint64_t shipped = 0;
        std::uint64_t loops = 0;    // dropped: applied here by the reverse pipeline
        std::uint64_t dropped = 0;  // dropped: not routed, ferry bookkeeping, skip_replication
        std::uint64_t ddlSkipped = 0;
        model::BinlogPosition read;  // end of the last transaction assembled
    };
    Stats stats() const;
    // Where reading started (after resolving an empty resume point to the source's end).
    const model::BinlogPosition& startedAt() const { return m_startedAt; }

private:
    class Sink;
    explicit CaptureSource(CaptureSourceOptions options);
    void run();
    Status accept(capture::CapturedTransaction&& captured);
    void push(capture::CapturedTransaction&& captured);

    CaptureSourceOptions m_options;
    model::BinlogPosition m_startedAt;
    std::unique_ptr<class ReaderState> m_reader;
    std::thread m_thread;
    std::atomic<bool> m_stop{false};

    mutable std::mutex m_mutex;
    std::condition_variable m_space;
    std::deque<capture::CapturedTransaction> m_queue;
    std::uint64_t m_queuedBytes = 0;
    std::optional<Error> m_error;
    bool m_running = false;
    Stats m_stats;
};

}  // namespace ferry::pipeline
