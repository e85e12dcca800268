// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "ferry/binlog/binlog_source.h"
#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"
#include "ferry/mysql/replica_stream.h"
#include "ferry/mysql/start_filter.h"

namespace ferry::mysql {

// How a lost connection is retried: delays double from `initialDelay` up to `maxDelay`;
// `maxAttempts` consecutive failures (0: none) give up with the last error. A delivered event
// resets the count.
struct ReconnectPolicy {
    std::chrono::milliseconds initialDelay{200};
    std::chrono::milliseconds maxDelay{30000};
    std::uint32_t maxAttempts = 8;
};

// A raw event stream (MysqlReplicaStream, or a fake in tests).
class RawEventStream {
public:
    virtual ~RawEventStream() = default;
    // As MysqlReplicaStream::next(): an empty span is the end of a non-blocking dump.
    virtual Result<std::span<const std::uint8_t>> next() = 0;
};

// Opens a stream at a start; MysqlBinlogSource calls it again to reconnect.
using StreamOpener =
    std::function<Result<std::unique_ptr<RawEventStream>>(const ReplicaStart& start)>;

struct MysqlBinlogSourceOptions {
    ReconnectPolicy reconnect;
    // Events before the first transaction that begins at or after this time (epoch seconds) are
    // not delivered (header events such as FORMAT_DESCRIPTION are).
    std::optional<std::uint32_t> startTime;
    // Waits between reconnection attempts; std::this_thread::sleep_for unless injected.
    std::function<void(std::chrono::milliseconds)> sleep;
    // Receives one line per reconnection ("lost ...; reconnecting in 400 ms (attempt 2 of 8)").
    std::function<void(const std::string&)> log;
};

// A BinlogSource over the replica protocol (MysqlReplicaStream). It tracks the binlog file (from
// the artificial ROTATE that opens each file) and the offset of each event (log_pos - event
// size; prev_pos + size when log_pos is 0), and reconnects with exponential backoff after an
// Unavailable error. A reconnection restarts from the end of the last transaction the consumer
// confirmed (confirm()) and drops the events the consumer has already received (including the
// re-sent ROTATE and FORMAT_DESCRIPTION, so the decoder keeps its table maps): the consumer sees
// one seamless stream, nothing lost or repeated.
//
// The consumer calls confirm(file, endPos) after it has made a transaction durable (e.g. printed
// it); endPos is the end of its XID or COMMIT event (offset + size). Before any confirmation a
// reconnection restarts from the original start.
//
// Not thread-safe. Owns its stream. The bytes of an event stay valid until the next call.
class MysqlBinlogSource final : public binlog::BinlogSource {
public:
    // Opens the first stream now (so connection and start errors surface here).
    static Result<std::unique_ptr<MysqlBinlogSource>> open(StreamOpener opener,
                                                           const ReplicaStart& start,
                                                           MysqlBinlogSourceOptions options = {});

    Result<bool> next(binlog::RawEvent& event) override;

    // The consumer's "committed up to here": the end of a complete transaction.
    void confirm(std::string_view file, std::uint64_t endPos);
    const model::BinlogPosition& confirmed() const { return m_confirmed; }
    // The end of the last delivered event (file and offset), empty before the first ROTATE.
    model::BinlogPosition delivered() const { return {m_file, m_nextPos}; }
    std::uint32_t reconnects() const { return m_reconnects; }

private:
    MysqlBinlogSource(StreamOpener opener, const ReplicaStart& start,
                      MysqlBinlogSourceOptions options);
    Status reconnect(const Error& cause);
    ReplicaStart resumeStart() const;

    StreamOpener m_opener;
    ReplicaStart m_start;
    MysqlBinlogSourceOptions m_options;
    std::unique_ptr<RawEventStream> m_stream;
    StartFilter m_filter;
    std::string m_file;
    std::uint64_t m_nextPos = 4;
    model::BinlogPosition m_confirmed;
    bool m_resuming = false;
    model::BinlogPosition m_resumeAt;
    std::uint32_t m_reconnects = 0;
    std::uint32_t m_failures = 0;
};

// Wraps MysqlReplicaStream as a RawEventStream.
class ReplicaRawEventStream final : public RawEventStream {
public:
    explicit ReplicaRawEventStream(std::unique_ptr<MysqlReplicaStream> stream)
        : m_stream(std::move(stream)) {}
    Result<std::span<const std::uint8_t>> next() override { return m_stream->next(); }

private:
    std::unique_ptr<MysqlReplicaStream> m_stream;
};

// A StreamOpener that connects to `url` and opens a replica stream for each start.
StreamOpener replicaStreamOpener(DatabaseUrl url, std::string password, ConnectOptions connect,
                                 ReplicaOptions replica);

// A user's start request, resolved against the server (flavor, binlog list) by resolveStart.
struct StartRequest {
    std::string file;  // --start-file (position `position`, default 4)
    std::optional<std::uint64_t> position;
    std::string gtid;                   // --start-gtid: a MySQL GTID set or a MariaDB position
    std::optional<std::uint32_t> time;  // --start-time, epoch seconds
};

struct ResolvedStart {
    ReplicaStart start;
    std::optional<std::uint32_t> skipBefore;  // for MysqlBinlogSourceOptions::startTime
    std::string description;                  // for messages: "mysql-bin.000003:4"
};

// Resolves a start: a file and position as given; a GTID set or position parsed by the
// server's flavor (MySQL sets are encoded for COM_BINLOG_DUMP_GTID); a time by
// findBinlogByTime; nothing: the server's current end of binlog (SHOW MASTER STATUS).
// `probe` opens non-blocking streams for the time search.
Result<ResolvedStart> resolveStart(MysqlConnection& connection, const StartRequest& request,
                                   const StreamOpener& probe);

// The binlog to start reading at `time`: the last file (SHOW BINARY LOGS) whose first event
// (its FORMAT_DESCRIPTION, read with a short non-blocking dump through `probe`) was written at
// or before `time`, found by binary search; the oldest file when all are later. NotFound when
// the server lists no binlog.
Result<std::string> findBinlogByTime(MysqlConnection& connection, std::uint32_t time,
                                     const StreamOpener& probe);

}  // namespace ferry::mysql
