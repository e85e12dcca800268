// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace ferry::binlog {

// Binlog event type codes (MySQL and MariaDB). Codes not listed here are vendor extensions; the
// decoder reports them as ignorable when they carry LOG_EVENT_IGNORABLE_F and stops otherwise.
enum class EventType : std::uint8_t {
    Unknown = 0,
    StartV3 = 1,
    Query = 2,
    Stop = 3,
    Rotate = 4,
    Intvar = 5,
    Load = 6,
    Slave = 7,
    CreateFile = 8,
    AppendBlock = 9,
    ExecLoad = 10,
    DeleteFile = 11,
    NewLoad = 12,
    Rand = 13,
    UserVar = 14,
    FormatDescription = 15,
    Xid = 16,
    BeginLoadQuery = 17,
    ExecuteLoadQuery = 18,
    TableMap = 19,
    PreGaWriteRows = 20,
    PreGaUpdateRows = 21,
    PreGaDeleteRows = 22,
    WriteRowsV1 = 23,
    UpdateRowsV1 = 24,
    DeleteRowsV1 = 25,
    Incident = 26,
    Heartbeat = 27,
    Ignorable = 28,
    RowsQuery = 29,
    WriteRowsV2 = 30,
    UpdateRowsV2 = 31,
    DeleteRowsV2 = 32,
    Gtid = 33,
    AnonymousGtid = 34,
    PreviousGtids = 35,
    TransactionContext = 36,
    ViewChange = 37,
    XaPrepare = 38,
    PartialUpdateRows = 39,
    TransactionPayload = 40,
    HeartbeatV2 = 41,
    GtidTagged = 42,
    MariadbAnnotateRows = 160,
    MariadbBinlogCheckpoint = 161,
    MariadbGtid = 162,
    MariadbGtidList = 163,
    MariadbStartEncryption = 164,
    MariadbQueryCompressed = 165,
    MariadbWriteRowsCompressedV1 = 166,
    MariadbUpdateRowsCompressedV1 = 167,
    MariadbDeleteRowsCompressedV1 = 168,
    MariadbWriteRowsCompressed = 169,
    MariadbUpdateRowsCompressed = 170,
    MariadbDeleteRowsCompressed = 171,
};

// The name used in logs and dumps ("QUERY", "WRITE_ROWS_V2", "MARIA_GTID"); "type<N>" for codes
// without a name.
std::string eventTypeName(std::uint8_t typeCode);

// Common-header flag bits.
namespace header_flags {
inline constexpr std::uint16_t kBinlogInUse = 0x0001;
inline constexpr std::uint16_t kThreadSpecific = 0x0004;
inline constexpr std::uint16_t kSuppressUse = 0x0008;
inline constexpr std::uint16_t kArtificial = 0x0020;
inline constexpr std::uint16_t kRelayLog = 0x0040;
inline constexpr std::uint16_t kIgnorable = 0x0080;
inline constexpr std::uint16_t kNoFilter = 0x0100;
inline constexpr std::uint16_t kMtsIsolate = 0x0200;
inline constexpr std::uint16_t kSkipReplication = 0x8000;  // MariaDB @@skip_replication
}  // namespace header_flags

inline constexpr std::size_t kCommonHeaderLength = 19;
inline constexpr std::size_t kChecksumLength = 4;
// A binlog file starts with these 4 bytes ("\xfebin").
inline constexpr std::uint8_t kBinlogMagic[4] = {0xfe, 0x62, 0x69, 0x6e};

// The 19-byte v4 common header of every event.
struct EventHeader {
    std::uint32_t timestamp = 0;
    std::uint8_t typeCode = 0;
    std::uint32_t serverId = 0;
    std::uint32_t eventLength = 0;
    std::uint32_t logPos = 0;  // offset of the next event in the source binlog; 0 = not in a file
    std::uint16_t flags = 0;

    EventType type() const { return static_cast<EventType>(typeCode); }
    bool hasFlag(std::uint16_t flag) const { return (flags & flag) != 0; }
};

// Where an event sits and how it was checked; handed to every handler callback with the event.
struct EventContext {
    EventHeader header;
    std::string_view file;          // binlog file name as known to the decoder (may be empty)
    std::uint64_t offset = 0;       // offset in the file, or in the decompressed payload if inner
    bool inner = false;             // unpacked from a TRANSACTION_PAYLOAD
    bool checksumVerified = false;  // a CRC32 trailer was present and matched
    std::span<const std::uint8_t> raw;  // the whole event: header, body and checksum trailer
};

}  // namespace ferry::binlog
