// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ferry::binlog {

// Binlog column type bytes (TABLE_MAP), including the real types hidden in type 254's metadata.
namespace column_type {
inline constexpr std::uint8_t kDecimal = 0;
inline constexpr std::uint8_t kTiny = 1;
inline constexpr std::uint8_t kShort = 2;
inline constexpr std::uint8_t kLong = 3;
inline constexpr std::uint8_t kFloat = 4;
inline constexpr std::uint8_t kDouble = 5;
inline constexpr std::uint8_t kNull = 6;
inline constexpr std::uint8_t kTimestamp = 7;
inline constexpr std::uint8_t kLongLong = 8;
inline constexpr std::uint8_t kInt24 = 9;
inline constexpr std::uint8_t kDate = 10;
inline constexpr std::uint8_t kTime = 11;
inline constexpr std::uint8_t kDatetime = 12;
inline constexpr std::uint8_t kYear = 13;
inline constexpr std::uint8_t kNewDate = 14;
inline constexpr std::uint8_t kVarchar = 15;
inline constexpr std::uint8_t kBit = 16;
inline constexpr std::uint8_t kTimestamp2 = 17;
inline constexpr std::uint8_t kDatetime2 = 18;
inline constexpr std::uint8_t kTime2 = 19;
inline constexpr std::uint8_t kVector = 242;
inline constexpr std::uint8_t kJson = 245;
inline constexpr std::uint8_t kNewDecimal = 246;
inline constexpr std::uint8_t kEnum = 247;
inline constexpr std::uint8_t kSet = 248;
inline constexpr std::uint8_t kTinyBlob = 249;
inline constexpr std::uint8_t kMediumBlob = 250;
inline constexpr std::uint8_t kLongBlob = 251;
inline constexpr std::uint8_t kBlob = 252;
inline constexpr std::uint8_t kVarString = 253;
inline constexpr std::uint8_t kString = 254;
inline constexpr std::uint8_t kGeometry = 255;
}  // namespace column_type

// What a ColumnValue holds.
enum class ValueKind : std::uint8_t {
    Absent,       // not in this image (MINIMAL/NOBLOB row image): unknown, not NULL
    Null,         // SQL NULL
    SignedInt,    // i: TINY/SHORT/INT24/LONG/LONGLONG without UNSIGNED
    UnsignedInt,  // u: the same with UNSIGNED
    Float,        // d: FLOAT widened to double
    Double,       // d
    Decimal,      // bytes: MySQL binary decimal; precision = meta >> 8, scale = meta & 0xff
    Year,         // i: 0 or 1901..2155
    Date,         // u: the 3-byte packed value (day = u & 31, month = (u >> 5) & 15, year = u >> 9)
    Time,         // i: old TIME, signed HHMMSS
    Time2,        // bytes: TIME2 big-endian with fraction; fsp = meta
    Datetime,     // u: old DATETIME, YYYYMMDDhhmmss
    Datetime2,    // bytes: DATETIME2 big-endian with fraction; fsp = meta
    Timestamp,    // u: epoch seconds (UTC), plus `microseconds`; fsp = meta for TIMESTAMP2
    Bit,          // u: the value; bytes: big-endian bytes
    Enum,         // u: 1-based index (0 = the '' error value)
    Set,          // u: member bitmask
    String,       // bytes: CHAR/VARCHAR/BINARY/VARBINARY/TEXT/BLOB and MariaDB JSON; see collation
    Json,         // bytes: MySQL binary JSON (may be empty)
    JsonDiff,     // bytes: a PARTIAL_UPDATE_ROWS diff list
    Geometry,     // bytes: 4-byte LE SRID then WKB
    Vector,       // bytes: float32 LE array
};

// One column of a row image. Trivially copyable, no allocation: `bytes` views the event buffer
// (or the decompressed payload) and is valid only during the handler callback.
struct ColumnValue {
    ValueKind kind = ValueKind::Absent;
    std::uint8_t type = 0;        // binlog type (the real type for 254: ENUM/SET/STRING)
    std::uint16_t meta = 0;       // column metadata as in ColumnInfo::meta
    std::uint16_t collation = 0;  // strings: collation id from the table map (0 unknown, 63 binary)
    std::uint32_t padLength = 0;  // BINARY(n) logged without trailing 0x00: the width n, else 0
    std::uint32_t microseconds = 0;  // Timestamp: fractional part (TIMESTAMP2, fsp = meta)
    union {
        std::int64_t i;
        std::uint64_t u;
        double d;
    };
    std::span<const std::uint8_t> bytes;

    ColumnValue() : u(0) {}
    bool isNull() const { return kind == ValueKind::Null; }
    bool isPresent() const { return kind != ValueKind::Absent; }
    std::string_view text() const {
        return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
    }
};

// A row image: one ColumnValue per table column, indexed by column number.
using RowImage = std::span<const ColumnValue>;

}  // namespace ferry::binlog
