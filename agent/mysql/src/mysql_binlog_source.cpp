// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/mysql_binlog_source.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_types.h"
#include "ferry/model/mariadb_gtid.h"
#include "ferry/model/mysql_gtid_set.h"

namespace ferry::mysql {
namespace {

constexpr std::size_t kHeader = 19;
constexpr std::uint8_t kRotate = 4;
constexpr std::uint8_t kFormatDescription = 15;
constexpr std::uint16_t kArtificialFlag = 0x0020;

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::uint64_t le64(const std::uint8_t* p) {
    return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

// Events a server sends outside the file's sequence when log_pos is 0 or the artificial flag is
// set: they do not move the position.
bool isStreamOnlyEvent(std::uint8_t type) {
    switch (type) {
        case 15:   // FORMAT_DESCRIPTION re-sent at a start > 4
        case 27:   // HEARTBEAT
        case 35:   // PREVIOUS_GTIDS
        case 41:   // HEARTBEAT_V2
        case 161:  // BINLOG_CHECKPOINT
        case 163:  // GTID_LIST (MariaDB's fake one in GTID mode)
            return true;
        default:
            return false;
    }
}

std::string describe(const ReplicaStart& start) {
    switch (start.kind) {
        case ReplicaStart::Kind::FilePosition:
            return start.file.empty() ? std::string("the oldest binlog")
                                      : start.file + ":" + std::to_string(start.position);
        case ReplicaStart::Kind::MysqlGtid:
            return "a MySQL GTID set";
        case ReplicaStart::Kind::MariadbGtid:
            return "MariaDB GTID position " + start.mariadbGtidPosition;
    }
    return "?";
}

}  // namespace

MysqlBinlogSource::MysqlBinlogSource(StreamOpener opener, const ReplicaStart& start,
                                     MysqlBinlogSourceOptions options)
    : m_opener(std::move(opener)),
      m_start(start),
      m_options(std::move(options)),
      m_filter(std::nullopt, m_options.startTime) {
    if (!m_options.sleep) {
        m_options.sleep = [](std::chrono::milliseconds delay) {
            std::this_thread::sleep_for(delay);
        };
    }
    if (start.kind == ReplicaStart::Kind::FilePosition && !start.file.empty()) {
        m_file = start.file;
        m_nextPos = start.position;
    }
}

Result<std::unique_ptr<MysqlBinlogSource>> MysqlBinlogSource::open(
    StreamOpener opener, const ReplicaStart& start, MysqlBinlogSourceOptions options) {
    std::unique_ptr<MysqlBinlogSource> source(
        new MysqlBinlogSource(std::move(opener), start, std::move(options)));
    FERRY_ASSIGN_OR_RETURN(source->m_stream, source->m_opener(start));
    return source;
}

void MysqlBinlogSource::confirm(std::string_view file, std::uint64_t endPos) {
    m_confirmed.file.assign(file);
    m_confirmed.pos = endPos;
}

ReplicaStart MysqlBinlogSource::resumeStart() const {
    if (m_confirmed.isEmpty()) {
        return m_start;
    }
    ReplicaStart start;
    start.kind = ReplicaStart::Kind::FilePosition;
    start.file = m_confirmed.file;
    start.position = m_confirmed.pos;
    return start;
}

Status MysqlBinlogSource::reconnect(const Error& cause) {
    m_stream.reset();
    if (!m_file.empty() && !m_resuming) {
        m_resuming = true;
        m_resumeAt = {m_file, m_nextPos};
    }
    Error last = cause;
    for (;;) {
        if (m_failures >= m_options.reconnect.maxAttempts) {
            return makeError(last.code, last.message + " (gave up after " +
                                            std::to_string(m_failures) + " reconnection attempts)");
        }
        const auto initial = std::max<std::int64_t>(m_options.reconnect.initialDelay.count(), 1);
        const std::int64_t factor = std::int64_t{1} << std::min<std::uint32_t>(m_failures, 30);
        const auto delay = std::chrono::milliseconds(
            std::min<std::int64_t>(initial * factor, m_options.reconnect.maxDelay.count()));
        ++m_failures;
        const ReplicaStart start = resumeStart();
        if (m_options.log) {
            m_options.log(last.message + "; reconnecting in " + std::to_string(delay.count()) +
                          " ms from " + describe(start) + " (attempt " +
                          std::to_string(m_failures) + " of " +
                          std::to_string(m_options.reconnect.maxAttempts) + ")");
        }
        m_options.sleep(delay);
        auto stream = m_opener(start);
        if (stream.ok()) {
            m_stream = std::move(stream).value();
            ++m_reconnects;
            return okStatus();
        }
        if (stream.error().code != ErrorCode::Unavailable) {
            return std::move(stream).error();
        }
        last = std::move(stream).error();
    }
}

Result<bool> MysqlBinlogSource::next(binlog::RawEvent& event) {
    for (;;) {
        if (!m_stream) {
            FERRY_TRY(reconnect(makeError(ErrorCode::Unavailable, "no binlog stream")));
        }
        auto received = m_stream->next();
        if (!received.ok()) {
            if (received.error().code != ErrorCode::Unavailable ||
                m_options.reconnect.maxAttempts == 0) {
                return std::move(received).error();
            }
            FERRY_TRY(reconnect(received.error()));
            continue;
        }
        const std::span<const std::uint8_t> bytes = *received;
        if (bytes.empty()) {
            return false;
        }
        if (bytes.size() < kHeader) {
            return makeError(ErrorCode::Corrupt,
                             "the server sent an event of " + std::to_string(bytes.size()) +
                                 " bytes after " + m_file + ":" + std::to_string(m_nextPos) +
                                 ", shorter than the 19-byte header");
        }
        const std::uint8_t type = bytes[4];
        const std::uint32_t logPos = le32(bytes.data() + 13);
        const std::uint16_t flags =
            static_cast<std::uint16_t>(bytes[17] | (static_cast<std::uint16_t>(bytes[18]) << 8));
        const std::uint64_t size = bytes.size();

        std::uint64_t offset = m_nextPos;
        std::uint64_t next = m_nextPos;
        bool advance = false;
        if (type == kRotate && ((flags & kArtificialFlag) != 0 || logPos == 0)) {
            // The artificial ROTATE naming the file the server reads now, and where.
            if (size < kHeader + 8) {
                return makeError(ErrorCode::Corrupt, "the server sent a ROTATE of " +
                                                         std::to_string(size) + " bytes after " +
                                                         m_file + ":" + std::to_string(m_nextPos) +
                                                         ", too short for its 8-byte position");
            }
            std::size_t nameEnd = bytes.size();
            if (size >= kHeader + 8 + binlog::kChecksumLength &&
                binlog::crc32(bytes.first(size - 4)) == le32(bytes.data() + size - 4)) {
                nameEnd -= binlog::kChecksumLength;
            }
            m_file.assign(reinterpret_cast<const char*>(bytes.data()) + kHeader + 8,
                          nameEnd - kHeader - 8);
            m_nextPos = le64(bytes.data() + kHeader);
            offset = 0;
        } else if ((logPos == 0 || (flags & kArtificialFlag) != 0) && isStreamOnlyEvent(type)) {
            offset = type == kFormatDescription ? 4 : m_nextPos;
        } else if (logPos == 0) {
            // Servers that leave log_pos 0 on real events: prev_pos + size.
            offset = m_nextPos;
            next = m_nextPos + size;
            advance = true;
        } else {
            // log_pos is 32 bits; a file past 4 GiB wraps it.
            std::uint64_t end = (m_nextPos & ~std::uint64_t{0xffffffff}) | logPos;
            if (end < m_nextPos && m_nextPos - end > (std::uint64_t{1} << 31)) {
                end += std::uint64_t{1} << 32;
            }
            offset = end >= size ? end - size : m_nextPos;
            next = end;
            advance = true;
        }

        if (m_resuming) {
            // Skip what the consumer already has: everything before the resume point, and the
            // ROTATE and FORMAT_DESCRIPTION re-sent at the new stream's start.
            const bool reached = advance && m_file == m_resumeAt.file && offset >= m_resumeAt.pos;
            if (!reached) {
                if (advance) {
                    m_nextPos = next;
                }
                continue;
            }
            m_resuming = false;
        }
        if (advance) {
            m_nextPos = next;
        }
        if (!m_filter.accept(bytes, offset)) {
            continue;
        }
        m_failures = 0;
        event.bytes = bytes;
        event.offset = offset;
        event.file = m_file;
        return true;
    }
}

StreamOpener replicaStreamOpener(DatabaseUrl url, std::string password, ConnectOptions connect,
                                 ReplicaOptions replica) {
    return [url = std::move(url), password = std::move(password), connect,
            replica](const ReplicaStart& start) -> Result<std::unique_ptr<RawEventStream>> {
        FERRY_ASSIGN_OR_RETURN(auto connection, MysqlConnection::connect(url, password, connect));
        FERRY_ASSIGN_OR_RETURN(auto stream,
                               MysqlReplicaStream::open(std::move(connection), start, replica));
        return std::unique_ptr<RawEventStream>(new ReplicaRawEventStream(std::move(stream)));
    };
}

namespace {

Result<std::uint32_t> firstEventTime(const std::string& file, const StreamOpener& probe) {
    ReplicaStart start;
    start.file = file;
    start.position = 4;
    FERRY_ASSIGN_OR_RETURN(auto stream, probe(start));
    // The artificial ROTATE, then the file's FORMAT_DESCRIPTION with its creation time.
    for (int i = 0; i < 8; ++i) {
        FERRY_ASSIGN_OR_RETURN(std::span<const std::uint8_t> bytes, stream->next());
        if (bytes.empty()) {
            break;
        }
        if (bytes.size() >= kHeader && bytes[4] == kFormatDescription) {
            return le32(bytes.data());
        }
    }
    return makeError(ErrorCode::Corrupt, "binlog " + file +
                                             " did not start with a FORMAT_DESCRIPTION event; "
                                             "cannot tell when it was written");
}

}  // namespace

Result<std::string> findBinlogByTime(MysqlConnection& connection, std::uint32_t time,
                                     const StreamOpener& probe) {
    FERRY_ASSIGN_OR_RETURN(QueryResult logs, connection.query("SHOW BINARY LOGS"));
    std::vector<std::string> files;
    for (const auto& row : logs.rows) {
        if (!row.empty() && row[0]) {
            files.push_back(*row[0]);
        }
    }
    if (files.empty()) {
        return makeError(ErrorCode::NotFound,
                         connection.url().endpoint() + " lists no binary log (SHOW BINARY LOGS)");
    }
    // The last file whose first event is at or before `time`: times increase with the files.
    std::size_t lo = 0;
    std::size_t hi = files.size();  // answer in [lo, hi); lo = 0 when every file is later
    while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        FERRY_ASSIGN_OR_RETURN(std::uint32_t created, firstEventTime(files[mid], probe));
        if (created <= time) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return files[lo];
}

Result<ResolvedStart> resolveStart(MysqlConnection& connection, const StartRequest& request,
                                   const StreamOpener& probe) {
    ResolvedStart resolved;
    ReplicaStart& start = resolved.start;
    const bool mariadb = connection.server().mariadb;
    if (request.time) {
        FERRY_ASSIGN_OR_RETURN(start.file, findBinlogByTime(connection, *request.time, probe));
        start.position = 4;
        resolved.skipBefore = request.time;
        resolved.description = "the first transaction at or after the time, from " + start.file;
    } else if (!request.gtid.empty()) {
        if (mariadb) {
            auto position = model::MariadbGtidPosition::parse(request.gtid);
            if (!position.ok()) {
                return makeError(ErrorCode::InvalidArgument,
                                 connection.url().endpoint() +
                                     " is MariaDB, so --start-gtid takes a GTID position "
                                     "(domain-server-seq, comma-separated, e.g. 0-1-100): " +
                                     position.error().message);
            }
            start.kind = ReplicaStart::Kind::MariadbGtid;
            start.mariadbGtidPosition = position->toString();
            resolved.description = "MariaDB GTID position " + start.mariadbGtidPosition;
        } else {
            auto set = model::MysqlGtidSet::parse(request.gtid);
            if (!set.ok()) {
                return makeError(ErrorCode::InvalidArgument,
                                 connection.url().endpoint() +
                                     " is MySQL, so --start-gtid takes a GTID set (uuid:1-5,...) "
                                     "of transactions already applied: " +
                                     set.error().message);
            }
            start.kind = ReplicaStart::Kind::MysqlGtid;
            start.mysqlGtidEncoded = set->encode();
            resolved.description = "after MySQL GTID set " + request.gtid;
        }
    } else if (!request.file.empty()) {
        start.file = request.file;
        start.position = request.position.value_or(4);
        resolved.description = start.file + ":" + std::to_string(start.position);
    } else {
        auto status = connection.query("SHOW MASTER STATUS");
        if (!status.ok()) {
            status = connection.query("SHOW BINARY LOG STATUS");  // MySQL 8.4 and later
        }
        if (!status.ok()) {
            return std::move(status).error();
        }
        auto file = status->firstValue("File");
        auto position = status->firstValue("Position");
        if (!file || !position) {
            return makeError(ErrorCode::Unsupported,
                             connection.url().endpoint() +
                                 " reports no current binlog position (SHOW MASTER STATUS is "
                                 "empty): is log_bin on?");
        }
        start.file = *file;
        const char* end = position->data() + position->size();
        if (std::from_chars(position->data(), end, start.position).ptr != end) {
            return makeError(ErrorCode::Corrupt, connection.url().endpoint() +
                                                     " reported binlog position '" + *position +
                                                     "', not a number");
        }
        resolved.description = "the current end of the binlog, " + start.file + ":" + *position;
    }
    return resolved;
}

}  // namespace ferry::mysql
