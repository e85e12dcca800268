// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/replica_stream.h"

#include <mysql.h>

#include <algorithm>

namespace ferry::mysql {
namespace {

constexpr unsigned char kComRegisterSlave = 0x15;
constexpr unsigned char kComBinlogDump = 0x12;
constexpr unsigned char kComBinlogDumpGtid = 0x1e;
constexpr uint16_t kDumpNonBlock = 0x01;
constexpr uint16_t kDumpSendAnnotateRows = 0x02;
constexpr uint16_t kDumpThroughGtid = 0x04;
constexpr unsigned kMariadbSlaveCapabilityGtid = 4;

void putLe(std::string& out, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) {
        out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
    }
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

}  // namespace

Result<SourceSettings> readSourceSettings(MysqlConnection& connection) {
    FERRY_ASSIGN_OR_RETURN(
        QueryResult vars,
        connection.query("SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', "
                         "'binlog_format', 'binlog_row_image', 'binlog_row_metadata', "
                         "'binlog_checksum', 'server_id', 'gtid_mode')"));
    SourceSettings settings;
    for (const auto& row : vars.rows) {
        if (row.size() < 2 || !row[0] || !row[1]) {
            continue;
        }
        const std::string& name = *row[0];
        const std::string& value = *row[1];
        if (name == "log_bin") {
            settings.logBin = value == "ON" || value == "1";
        } else if (name == "binlog_format") {
            settings.binlogFormat = value;
        } else if (name == "binlog_row_image") {
            settings.binlogRowImage = value;
        } else if (name == "binlog_row_metadata") {
            settings.binlogRowMetadata = value;
        } else if (name == "binlog_checksum") {
            settings.binlogChecksum = value;
        } else if (name == "server_id") {
            settings.serverId = static_cast<uint32_t>(std::stoul(value));
        } else if (name == "gtid_mode") {
            settings.gtidMode = value;
        }
    }
    return settings;
}

MysqlReplicaStream::MysqlReplicaStream(std::unique_ptr<MysqlConnection> connection)
    : m_connection(std::move(connection)) {}

Result<std::unique_ptr<MysqlReplicaStream>> MysqlReplicaStream::open(
    std::unique_ptr<MysqlConnection> connection, const ReplicaStart& start,
    const ReplicaOptions& options) {
    if (options.serverId == 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "replica server id 0 is reserved (the server would stop at the end of "
                         "the binlog); configure a server id no other replica of this source uses");
    }
    std::unique_ptr<MysqlReplicaStream> stream(new MysqlReplicaStream(std::move(connection)));
    FERRY_TRY(stream->prepare(options));
    if (start.kind == ReplicaStart::Kind::MysqlGtid && stream->server().mariadb) {
        return makeError(ErrorCode::InvalidArgument,
                         stream->m_connection->url().endpoint() +
                             " is MariaDB: start from a MariaDB GTID position (domain-server-seq) "
                             "or a file and position, not a MySQL GTID set");
    }
    if (start.kind == ReplicaStart::Kind::MariadbGtid && !stream->server().mariadb) {
        return makeError(ErrorCode::InvalidArgument,
                         stream->m_connection->url().endpoint() +
                             " is MySQL: start from a MySQL GTID set (uuid:1-5) or a file and "
                             "position, not a MariaDB GTID position");
    }
    if (options.registerReplica) {
        FERRY_TRY(stream->registerReplica(options));
    }
    FERRY_TRY(stream->sendDump(start, options));
    return stream;
}

Status MysqlReplicaStream::prepare(const ReplicaOptions& options) {
    MysqlConnection& conn = *m_connection;
    FERRY_ASSIGN_OR_RETURN(m_settings, readSourceSettings(conn));
    const std::string where = conn.url().endpoint();
    if (!m_settings.logBin) {
        return makeError(ErrorCode::Unsupported,
                         where +
                             " has no binary log (log_bin=OFF); start the server with "
                             "--log-bin and binlog_format=ROW");
    }
    if (options.requireRowFormat && m_settings.binlogFormat != "ROW") {
        return makeError(ErrorCode::Unsupported,
                         where + " writes binlog_format=" + m_settings.binlogFormat +
                             "; Ferry needs ROW: SET GLOBAL binlog_format='ROW' and set it in the "
                             "server's configuration (sessions already open keep the old format)");
    }
    // The server only checks that the variable exists (reference §1.1 step 2).
    FERRY_TRY(
        conn.execute("SET @master_binlog_checksum = @@global.binlog_checksum, "
                     "@source_binlog_checksum = @@global.binlog_checksum"));
    const auto nanos = static_cast<unsigned long long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(options.heartbeatPeriod).count());
    FERRY_TRY(conn.execute("SET @master_heartbeat_period = " + std::to_string(nanos) +
                           ", @source_heartbeat_period = " + std::to_string(nanos)));
    if (conn.server().mariadb) {
        FERRY_TRY(conn.execute("SET @mariadb_slave_capability = " +
                               std::to_string(kMariadbSlaveCapabilityGtid)));
    }
    return okStatus();
}

Status MysqlReplicaStream::registerReplica(const ReplicaOptions& options) {
    std::string packet;
    putLe(packet, options.serverId, 4);
    const std::string host = options.reportHost.substr(0, 255);
    packet.push_back(static_cast<char>(host.size()));
    packet += host;
    packet.push_back(0);  // user
    packet.push_back(0);  // password
    putLe(packet, 0, 2);  // port
    putLe(packet, 0, 4);  // rank
    putLe(packet, 0, 4);  // master id
    MYSQL* mysql = m_connection->handle();
    if (mysql->methods->db_command(mysql, static_cast<enum_server_command>(kComRegisterSlave),
                                   packet.data(), packet.size(), 0, nullptr) != 0) {
        return dumpError("registering as a replica (COM_REGISTER_SLAVE)");
    }
    return okStatus();
}

Status MysqlReplicaStream::sendDump(const ReplicaStart& start, const ReplicaOptions& options) {
    MysqlConnection& conn = *m_connection;
    uint16_t flags = options.nonBlocking ? kDumpNonBlock : 0;
    std::string packet;
    unsigned char command = kComBinlogDump;
    switch (start.kind) {
        case ReplicaStart::Kind::MariadbGtid:
            FERRY_TRY(conn.execute("SET @slave_connect_state = " +
                                   conn.quote(start.mariadbGtidPosition)));
            FERRY_TRY(conn.execute("SET @slave_gtid_strict_mode = 1"));
            m_startDescription = "MariaDB GTID position " + start.mariadbGtidPosition;
            [[fallthrough]];
        case ReplicaStart::Kind::FilePosition: {
            if (start.kind == ReplicaStart::Kind::FilePosition) {
                if (start.position > 0xffffffffull) {
                    return makeError(ErrorCode::InvalidArgument,
                                     "start position " + std::to_string(start.position) +
                                         " is past 4 GiB, which COM_BINLOG_DUMP cannot express; "
                                         "start from a GTID instead");
                }
                m_startDescription = start.file.empty()
                                         ? std::string("the oldest binlog")
                                         : start.file + ":" + std::to_string(start.position);
            }
            if (conn.server().mariadb && options.annotateRows) {
                flags |= kDumpSendAnnotateRows;
            }
            const bool byGtid = start.kind == ReplicaStart::Kind::MariadbGtid;
            putLe(packet, byGtid ? 4 : start.position, 4);
            putLe(packet, flags, 2);
            putLe(packet, options.serverId, 4);
            if (!byGtid) {
                packet += start.file;
            }
            break;
        }
        case ReplicaStart::Kind::MysqlGtid:
            command = kComBinlogDumpGtid;
            flags |= kDumpThroughGtid;
            putLe(packet, flags, 2);
            putLe(packet, options.serverId, 4);
            putLe(packet, 0, 4);  // file name length: auto-positioning
            putLe(packet, 4, 8);  // position
            putLe(packet, start.mysqlGtidEncoded.size(), 4);
            packet.append(reinterpret_cast<const char*>(start.mysqlGtidEncoded.data()),
                          start.mysqlGtidEncoded.size());
            m_startDescription = "a MySQL GTID set";
            break;
    }
    MYSQL* mysql = conn.handle();
    if (mysql->methods->db_command(mysql, static_cast<enum_server_command>(command), packet.data(),
                                   packet.size(), 1, nullptr) != 0) {
        return dumpError("requesting the binlog");
    }
    return okStatus();
}

Error MysqlReplicaStream::dumpError(std::string_view what) const {
    MYSQL* mysql = m_connection->handle();
    const unsigned number = mysql_errno(mysql);
    const std::string message = mysql_error(mysql);
    const std::string where = m_connection->url().endpoint();
    std::string text = std::string(what) + " from " + where + " (starting at " +
                       m_startDescription + "): " + message + " (error " + std::to_string(number) +
                       ")";
    if (number == 1236) {  // ER_MASTER_FATAL_ERROR_READING_BINLOG
        const std::string lowered = lower(message);
        if (lowered.find("could not find") != std::string::npos ||
            lowered.find("purged") != std::string::npos ||
            lowered.find("not exist") != std::string::npos) {
            return makeError(ErrorCode::NotFound,
                             text +
                                 "; the start position is no longer on the source (its "
                                 "binlogs were purged or never existed): start from a position "
                                 "listed by SHOW BINARY LOGS, or take a new snapshot");
        }
        return makeError(ErrorCode::Io, text);
    }
    const ErrorCode code = classifyMysqlError(number);
    if (code == ErrorCode::PermissionDenied) {
        return makeError(code, text +
                                   "; grant the replication privileges: GRANT REPLICATION "
                                   "SLAVE, REPLICATION CLIENT ON *.* TO the user (MariaDB 10.5+: "
                                   "REPLICATION SLAVE, BINLOG MONITOR)");
    }
    if (code == ErrorCode::Unavailable) {
        return makeError(code, text +
                                   "; the connection was lost or the server was silent "
                                   "past the read timeout: reconnect and resume");
    }
    return makeError(code, std::move(text));
}

Result<std::span<const uint8_t>> MysqlReplicaStream::next() {
    MYSQL* mysql = m_connection->handle();
    const unsigned long length = mysql_net_read_packet(mysql);
    if (length == packet_error) {
        return dumpError("reading the binlog stream");
    }
    const uint8_t* data = mysql->net.read_pos;
    if (length == 0) {
        return makeError(ErrorCode::Corrupt, "empty packet in the binlog stream from " +
                                                 m_connection->url().endpoint());
    }
    if (data[0] == 0xfe && length < 9) {
        return std::span<const uint8_t>();  // EOF: end of the binlog (non-blocking dump)
    }
    if (data[0] != 0x00) {
        return makeError(ErrorCode::Corrupt, "unexpected packet marker " + std::to_string(data[0]) +
                                                 " in the binlog stream from " +
                                                 m_connection->url().endpoint() +
                                                 " (semi-sync is not negotiated by Ferry)");
    }
    return std::span<const uint8_t>(data + 1, length - 1);
}

}  // namespace ferry::mysql
