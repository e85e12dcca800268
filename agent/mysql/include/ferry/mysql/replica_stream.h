// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"

namespace ferry::mysql {

// Where a binlog stream starts.
struct ReplicaStart {
    enum class Kind { FilePosition, MysqlGtid, MariadbGtid };
    Kind kind = Kind::FilePosition;
    std::string file;                       // FilePosition; empty: the oldest binlog
    uint64_t position = 4;                  // FilePosition
    std::vector<uint8_t> mysqlGtidEncoded;  // MysqlGtid: the executed set, binary (§1.3)
    std::string mariadbGtidPosition;        // MariadbGtid: "0-1-100,1-2-55"
};

struct ReplicaOptions {
    uint32_t serverId = 0;  // must be unique among the source's replicas; not 0
    std::chrono::milliseconds heartbeatPeriod{5000};
    bool nonBlocking = false;     // stop at the end of the binlog instead of waiting
    bool annotateRows = true;     // MariaDB: send ANNOTATE_ROWS events
    bool registerReplica = true;  // COM_REGISTER_SLAVE: visible in SHOW SLAVE HOSTS
    std::string reportHost = "ferry";
    bool requireRowFormat = true;  // refuse binlog_format other than ROW
};

// The source's replication settings, read before dumping.
struct SourceSettings {
    bool logBin = false;
    std::string binlogFormat;
    std::string binlogRowImage;
    std::string binlogRowMetadata;
    std::string binlogChecksum;
    uint32_t serverId = 0;
    std::string gtidMode;  // MySQL
};

// A replica-protocol connection that yields the raw binlog events of a MySQL or MariaDB server.
// Authentication and TLS are the client library's; the dump commands (COM_REGISTER_SLAVE,
// COM_BINLOG_DUMP, COM_BINLOG_DUMP_GTID) and the packet reading are ours, because Connector/C's
// mariadb_rpl_* API sends no COM_BINLOG_DUMP_GTID and rejects MySQL event types 40-42
// (docs/decisions.md). Decoding is not done here. Not thread-safe; owns its connection.
class MysqlReplicaStream {
public:
    static Result<std::unique_ptr<MysqlReplicaStream>> open(
        std::unique_ptr<MysqlConnection> connection, const ReplicaStart& start,
        const ReplicaOptions& options);

    // The next event (common header, body and checksum, as stored in the binlog). The bytes
    // stay valid until the next call. An empty span means the end of the binlog (only with
    // nonBlocking). Errors: Unavailable for a lost or silent server (reconnect and resume),
    // NotFound for a purged start position, PermissionDenied for missing privileges.
    Result<std::span<const uint8_t>> next();

    const SourceSettings& settings() const { return m_settings; }
    const ServerInfo& server() const { return m_connection->server(); }

private:
    explicit MysqlReplicaStream(std::unique_ptr<MysqlConnection> connection);
    Status prepare(const ReplicaOptions& options);
    Status registerReplica(const ReplicaOptions& options);
    Status sendDump(const ReplicaStart& start, const ReplicaOptions& options);
    Error dumpError(std::string_view what) const;

    std::unique_ptr<MysqlConnection> m_connection;
    SourceSettings m_settings;
    std::string m_startDescription;
};

// Reads the source's replication settings and checks what capture needs.
Result<SourceSettings> readSourceSettings(MysqlConnection& connection);

}  // namespace ferry::mysql
