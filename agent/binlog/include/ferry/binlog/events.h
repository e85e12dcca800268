// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/binlog/event_types.h"
#include "ferry/model/mariadb_gtid.h"
#include "ferry/model/mysql_gtid.h"
#include "ferry/model/mysql_gtid_set.h"

// Decoded events. Views (std::string_view, std::span) point into the event buffer and are valid
// only during the handler callback that receives them; copy what must outlive it.
namespace ferry::binlog {

enum class ChecksumAlgorithm : std::uint8_t { Off = 0, Crc32 = 1, Undefined = 255 };

enum class ServerFlavor : std::uint8_t { MySql, MariaDb };

// Numeric prefix of a server version string: "5.1.34sp1-enterprise" gives 5.1.34.
struct ServerVersion {
    int major = 0;
    int minor = 0;
    int patch = 0;

    static ServerVersion parse(std::string_view text);
    bool atLeast(int maj, int min, int pat) const;
};

// FORMAT_DESCRIPTION_EVENT (15): resets the decoder for the file it starts.
struct FormatDescription {
    std::uint16_t binlogVersion = 4;
    std::string serverVersion;
    std::uint32_t createTimestamp = 0;
    std::uint8_t commonHeaderLength = 19;
    std::vector<std::uint8_t> postHeaderLengths;  // index = type code - 1
    bool checksumCapable = false;                 // the FDE carries the algorithm byte
    ChecksumAlgorithm checksumAlgorithm = ChecksumAlgorithm::Off;
    ServerFlavor flavor = ServerFlavor::MySql;
    ServerVersion version;

    // Post-header length for a type, or `fallback` when the table does not cover it.
    std::uint8_t postHeaderLength(std::uint8_t typeCode, std::uint8_t fallback) const;
};

struct RotateEvent {
    std::uint64_t position = 0;
    std::string_view nextFile;
};

// One status variable of a QUERY event, in the order the server wrote them.
struct StatusVar {
    std::uint8_t code = 0;
    std::span<const std::uint8_t> value;  // the encoded value bytes, after the code byte
};

namespace status_code {
inline constexpr std::uint8_t kFlags2 = 0;
inline constexpr std::uint8_t kSqlMode = 1;
inline constexpr std::uint8_t kCatalog = 2;
inline constexpr std::uint8_t kAutoIncrement = 3;
inline constexpr std::uint8_t kCharset = 4;
inline constexpr std::uint8_t kTimeZone = 5;
inline constexpr std::uint8_t kCatalogNz = 6;
inline constexpr std::uint8_t kLcTimeNames = 7;
inline constexpr std::uint8_t kCharsetDatabase = 8;
inline constexpr std::uint8_t kTableMapForUpdate = 9;
inline constexpr std::uint8_t kMasterDataWritten = 10;
inline constexpr std::uint8_t kInvoker = 11;
inline constexpr std::uint8_t kUpdatedDbNames = 12;
inline constexpr std::uint8_t kMicroseconds = 13;
inline constexpr std::uint8_t kCommitTs = 14;
inline constexpr std::uint8_t kCommitTs2 = 15;
inline constexpr std::uint8_t kExplicitDefaultsForTimestamp = 16;
inline constexpr std::uint8_t kDdlLoggedWithXid = 17;
inline constexpr std::uint8_t kDefaultCollationForUtf8mb4 = 18;
inline constexpr std::uint8_t kSqlRequirePrimaryKey = 19;
inline constexpr std::uint8_t kDefaultTableEncryption = 20;
inline constexpr std::uint8_t kMariadbHrnow = 128;
inline constexpr std::uint8_t kMariadbXid = 129;
}  // namespace status_code

// QUERY_EVENT (2) and MariaDB QUERY_COMPRESSED (165; `query` is the decompressed text).
struct QueryEvent {
    std::uint32_t threadId = 0;
    std::uint32_t execTime = 0;
    std::uint16_t errorCode = 0;
    std::string_view database;
    std::string_view query;
    std::vector<StatusVar> statusVars;  // raw, in order
    // Frequently used values, decoded from statusVars.
    std::optional<std::uint32_t> flags2;
    std::optional<std::uint64_t> sqlMode;
    std::optional<std::uint16_t> clientCharset;
    std::optional<std::uint16_t> connectionCollation;
    std::optional<std::uint16_t> serverCollation;
    std::string_view timeZone;
    std::optional<std::uint64_t> ddlXid;  // MySQL Q_DDL_LOGGED_WITH_XID or MariaDB Q_XID
    bool compressed = false;
};

struct XidEvent {
    std::uint64_t xid = 0;
};

// One column of a TABLE_MAP, with what the optional metadata says about it.
struct ColumnInfo {
    std::uint8_t type = 0;        // binlog type byte
    std::uint8_t realType = 0;    // for type 254: 254 (CHAR/BINARY), 247 (ENUM) or 248 (SET)
    std::uint16_t meta = 0;       // as listed by mysqlbinlog: BE for 254/246, LE for 15/253/16
    std::uint32_t maxLength = 0;  // CHAR/BINARY/VARCHAR max bytes; ENUM/SET value bytes
    bool nullable = false;
    bool isUnsigned = false;      // from SIGNEDNESS metadata (numeric columns only)
    bool visible = true;          // from COLUMN_VISIBILITY
    std::uint16_t collation = 0;  // 0 = unknown; 63 = binary
    std::int32_t geometryType = -1;
    std::uint32_t vectorDimensions = 0;
    std::string name;  // empty when the table map has no COLUMN_NAME

    bool isNumeric() const;
    // CHAR/VARCHAR/TEXT/BLOB (and, on MariaDB, GEOMETRY): the columns the charset lists count.
    bool isCharacter(ServerFlavor flavor) const;
    bool isEnumOrSet() const { return realType == 247 || realType == 248; }
};

namespace optional_metadata {
inline constexpr std::uint8_t kSignedness = 1;
inline constexpr std::uint8_t kDefaultCharset = 2;
inline constexpr std::uint8_t kColumnCharset = 3;
inline constexpr std::uint8_t kColumnName = 4;
inline constexpr std::uint8_t kSetStrValue = 5;
inline constexpr std::uint8_t kEnumStrValue = 6;
inline constexpr std::uint8_t kGeometryType = 7;
inline constexpr std::uint8_t kSimplePrimaryKey = 8;
inline constexpr std::uint8_t kPrimaryKeyWithPrefix = 9;
inline constexpr std::uint8_t kEnumAndSetDefaultCharset = 10;
inline constexpr std::uint8_t kEnumAndSetColumnCharset = 11;
inline constexpr std::uint8_t kColumnVisibility = 12;
inline constexpr std::uint8_t kVectorDimensionality = 13;
}  // namespace optional_metadata

// A charset list as sent: a default collation plus exceptions, or one collation per column.
struct CharsetList {
    std::optional<std::uint32_t> defaultCollation;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> exceptions;  // (index, collation)
    std::vector<std::uint32_t> perColumn;
};

// TABLE_MAP_EVENT (19). Owns its data: it stays cached after the event buffer is reused.
struct TableMap {
    std::uint64_t tableId = 0;
    std::uint16_t flags = 0;
    std::string schema;
    std::string table;
    std::vector<ColumnInfo> columns;
    std::vector<std::uint8_t> nullBitmap;  // raw nullability bitmap
    std::size_t jsonColumnCount = 0;       // type 245 columns (PARTIAL_UPDATE_ROWS bitmaps)

    // Optional metadata as sent (empty when absent).
    std::vector<std::uint8_t> optionalMetadataOrder;   // TLV types in the order they came
    std::vector<std::uint8_t> signedness;              // raw MSB-first bitmap
    CharsetList defaultCharset;                        // DEFAULT_CHARSET or COLUMN_CHARSET
    CharsetList enumSetCharset;                        // ENUM_AND_SET_{DEFAULT,COLUMN}_CHARSET
    std::vector<std::vector<std::string>> setValues;   // per SET column
    std::vector<std::vector<std::string>> enumValues;  // per ENUM column
    std::vector<std::uint32_t> geometryTypes;
    std::vector<std::uint32_t> primaryKey;  // column indexes, key order
    std::vector<std::pair<std::uint32_t, std::uint32_t>> primaryKeyPrefixes;  // (index, prefix)
    std::vector<std::uint8_t> columnVisibility;  // raw MSB-first bitmap
    std::vector<std::uint32_t> vectorDimensions;
    // ENUM/SET labels of a column, or nullptr when the metadata has none.
    const std::vector<std::string>* labels(std::size_t column) const;
    std::vector<std::int32_t> enumSetIndex;  // per column: index into enumValues/setValues, or -1
};

enum class RowsKind : std::uint8_t { Write, Update, Delete };

// The header part of a rows event (WRITE/UPDATE/DELETE v1, v2, PARTIAL_UPDATE, MariaDB
// compressed). Rows arrive one by one through EventHandler::onRow.
struct RowsEvent {
    RowsKind kind = RowsKind::Write;
    std::uint8_t version = 1;  // 1 or 2
    bool partial = false;      // PARTIAL_UPDATE_ROWS (39)
    bool compressed = false;   // MariaDB *_ROWS_COMPRESSED
    std::uint64_t tableId = 0;
    std::uint16_t flags = 0;                  // 0x0001 STMT_END_F, ...
    std::span<const std::uint8_t> extraData;  // v2 extra data, without its length field
    std::uint64_t columnCount = 0;
    std::span<const std::uint8_t> columnsPresent;
    std::span<const std::uint8_t> columnsPresentAfter;  // UPDATE and PARTIAL_UPDATE only
    const TableMap* table = nullptr;  // nullptr only for the dummy STMT_END table id

    static constexpr std::uint16_t kStmtEndFlag = 0x0001;
};

// MySQL GTID (33), ANONYMOUS_GTID (34) and GTID_TAGGED (42, MySQL 8.3+); fields appear by server
// version. A GTID_TAGGED event sets `tagged`, `tag` and a tagged `gtid`; it has no
// logicalTimestampType, and its optional fields are set when the server wrote them (the
// originals then default to the immediate values, as MySQL does).
struct GtidEvent {
    bool anonymous = false;
    bool tagged = false;  // decoded from a GTID_TAGGED event
    std::uint8_t flags = 0;
    std::array<std::uint8_t, 16> sid{};
    std::uint64_t gno = 0;
    std::string tag;
    std::optional<std::uint8_t> logicalTimestampType;
    std::uint64_t lastCommitted = 0;
    std::uint64_t sequenceNumber = 0;
    std::optional<std::uint64_t> immediateCommitTimestamp;  // µs
    std::optional<std::uint64_t> originalCommitTimestamp;
    std::optional<std::uint64_t> transactionLength;
    std::optional<std::uint32_t> immediateServerVersion;
    std::optional<std::uint32_t> originalServerVersion;
    std::optional<std::uint64_t> commitGroupTicket;
    std::optional<model::MysqlGtid> gtid;  // set for GTID (not ANONYMOUS_GTID)
};

// One SID of a GTID set with its intervals [start, end) as encoded.
struct GtidSetEntry {
    std::array<std::uint8_t, 16> sid{};
    std::string tag;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> intervals;
};

// PREVIOUS_GTIDS (35).
struct PreviousGtidsEvent {
    std::uint8_t format = 0;            // 0 untagged, 1 tagged
    std::vector<GtidSetEntry> entries;  // as encoded, in order
    model::MysqlGtidSet gtidSet;        // the same set as a model value
    std::span<const std::uint8_t> encoded;
};

// TRANSACTION_PAYLOAD (40); its inner events follow through the same handler.
struct TransactionPayloadEvent {
    std::uint64_t compressionType = 0;  // 0 ZSTD, 255 NONE
    std::uint64_t uncompressedSize = 0;
    std::uint64_t payloadSize = 0;
    std::size_t actualPayloadBytes = 0;
    std::span<const std::uint8_t> decompressed;  // the inner events
};

// MariaDB GTID (162).
struct MariadbGtidEvent {
    std::uint64_t sequence = 0;
    std::uint32_t domainId = 0;
    std::uint32_t serverId = 0;  // from the common header
    std::uint8_t flags2 = 0;
    std::optional<std::uint64_t> commitId;
    std::optional<std::uint32_t> xaFormatId;
    std::span<const std::uint8_t> xaGtrid;
    std::span<const std::uint8_t> xaBqual;
    std::span<const std::uint8_t> extra;  // bytes after the fixed part (newer servers)

    model::MariadbGtid gtid() const { return {domainId, serverId, sequence}; }

    static constexpr std::uint8_t kStandalone = 0x01;
    static constexpr std::uint8_t kGroupCommitId = 0x02;
    static constexpr std::uint8_t kTransactional = 0x04;
    static constexpr std::uint8_t kDdl = 0x20;
    static constexpr std::uint8_t kPreparedXa = 0x40;
    static constexpr std::uint8_t kCompletedXa = 0x80;
};

// MariaDB GTID_LIST (163).
struct MariadbGtidListEvent {
    std::uint8_t flags = 0;
    std::vector<model::MariadbGtid> gtids;
};

struct AnnotateRowsEvent {
    std::string_view query;
};

struct BinlogCheckpointEvent {
    std::string_view file;
};

// HEARTBEAT (27) and HEARTBEAT_V2 (41).
struct HeartbeatEvent {
    std::uint8_t version = 1;
    std::string_view file;
    std::optional<std::uint64_t> position;  // v2 only
};

struct RowsQueryEvent {
    std::string_view query;
};

struct IntvarEvent {
    std::uint8_t type = 0;  // 1 LAST_INSERT_ID, 2 INSERT_ID
    std::uint64_t value = 0;
};

struct RandEvent {
    std::uint64_t seed1 = 0;
    std::uint64_t seed2 = 0;
};

struct UserVarEvent {
    std::string_view name;
    bool isNull = false;
    std::uint8_t valueType = 0;  // 0 STRING, 1 REAL, 2 INT, 4 DECIMAL
    std::uint32_t charset = 0;
    std::span<const std::uint8_t> value;
    std::optional<std::uint8_t> flags;  // bit 0 = UNSIGNED
};

struct XaPrepareEvent {
    bool onePhase = false;
    std::uint32_t formatId = 0;
    std::span<const std::uint8_t> gtrid;
    std::span<const std::uint8_t> bqual;
};

struct IncidentEvent {
    std::uint16_t type = 0;
    std::string_view message;
};

}  // namespace ferry::binlog
