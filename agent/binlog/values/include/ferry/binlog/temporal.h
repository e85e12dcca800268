// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ferry/model/result.h"

namespace ferry::binlog {

// Temporal column values of a row image, decoded into small structs and formatted separately,
// exactly as MySQL prints them (zero dates kept). Pure functions, thread-safe; decoders read
// only the first byteSize bytes of `data` (`size` may be larger) and reject out-of-range fields
// (month > 12, minute > 59, a fraction above what its bytes may hold, ...) as Corrupt.

// The binlog type byte of each temporal type (TABLE_MAP column type).
enum class TemporalType : uint8_t {
    Timestamp = 7,    // old TIMESTAMP: 4 bytes LE epoch seconds, no fraction
    Date = 10,        // 3 bytes LE: day 5 bits, month 4 bits, year above
    Time = 11,        // old TIME: 3 bytes LE signed (+/-)HHMMSS, no fraction
    DateTime = 12,    // old DATETIME: 8 bytes LE unsigned YYYYMMDDhhmmss, no fraction
    Year = 13,        // 1 byte: 0 = year 0000, else 1900 + v
    Timestamp2 = 17,  // 4 bytes BE epoch seconds + fraction (metadata = fsp)
    DateTime2 = 18,   // 5 bytes BE packed + fraction (metadata = fsp)
    Time2 = 19,       // 3 bytes BE packed signed + fraction (metadata = fsp)
};

inline constexpr unsigned kMaxFsp = 6;

// Bytes a value takes in a row image. `fsp` is the metadata byte of the "2" types (0..6) and
// must be 0 for the others. Errors on fsp > 6 or an fsp for a type that has none.
[[nodiscard]] Result<size_t> temporalByteSize(TemporalType type, unsigned fsp);

// Bytes of the fractional part for an fsp: 0 -> 0, 1-2 -> 1, 3-4 -> 2, 5-6 -> 3.
constexpr size_t fractionByteSize(unsigned fsp) {
    return (fsp + 1) / 2;
}

// DATE, DATETIME and DATETIME2. Zero and partial zero dates are legal (month or day 0).
struct DateTimeValue {
    uint16_t year = 0;
    uint8_t month = 0;
    uint8_t day = 0;
    uint8_t hour = 0;
    uint8_t minute = 0;
    uint8_t second = 0;
    uint8_t fsp = 0;  // digits printed after the point (0 = none)
    uint32_t micro = 0;
};

// TIME and TIME2: signed, hours up to 838.
struct TimeValue {
    bool negative = false;
    uint16_t hour = 0;
    uint8_t minute = 0;
    uint8_t second = 0;
    uint8_t fsp = 0;
    uint32_t micro = 0;
};

// TIMESTAMP and TIMESTAMP2: UTC epoch seconds; 0 is the zero timestamp.
struct TimestampValue {
    uint32_t seconds = 0;
    uint32_t micro = 0;
    uint8_t fsp = 0;
};

[[nodiscard]] Result<DateTimeValue> decodeDate(const uint8_t* data, size_t size);
[[nodiscard]] Result<DateTimeValue> decodeDateTime(const uint8_t* data, size_t size);
[[nodiscard]] Result<DateTimeValue> decodeDateTime2(const uint8_t* data, size_t size, unsigned fsp);
[[nodiscard]] Result<TimeValue> decodeTime(const uint8_t* data, size_t size);
[[nodiscard]] Result<TimeValue> decodeTime2(const uint8_t* data, size_t size, unsigned fsp);
[[nodiscard]] Result<TimestampValue> decodeTimestamp(const uint8_t* data, size_t size);
[[nodiscard]] Result<TimestampValue> decodeTimestamp2(const uint8_t* data, size_t size,
                                                      unsigned fsp);
// Returns 0 (the zero year) or 1901..2155.
[[nodiscard]] Result<uint16_t> decodeYear(const uint8_t* data, size_t size);

// Decodes MySQL's 8-byte LE signed "packed" temporal int used by DATE/DATETIME/TIMESTAMP/TIME
// values inside binary JSON: packed = ((ymd << 17 | hms) << 24) + micro (TIME: signed
// (hms << 24) + micro). The result's fsp is 6 for DATETIME/TIMESTAMP/TIME and 0 for DATE
// (MySQL prints JSON datetimes with 6 digits).
[[nodiscard]] Result<DateTimeValue> decodePackedDateTime(const uint8_t* data, size_t size,
                                                         bool dateOnly);
[[nodiscard]] Result<TimeValue> decodePackedTime(const uint8_t* data, size_t size);

// "2024-02-29", "0000-00-00".
void appendDate(const DateTimeValue& value, std::string& out);
// "1000-01-01 00:00:00", "2024-02-29 23:59:59.999999" (fsp digits after the point).
void appendDateTime(const DateTimeValue& value, std::string& out);
// "-12:34:56", "-838:59:59.000000", "-00:00:00.001" (at least two hour digits).
void appendTime(const TimeValue& value, std::string& out);
// UTC civil time "2038-01-19 03:14:07.999"; seconds 0 gives "0000-00-00 00:00:00[.000]".
void appendTimestampUtc(const TimestampValue& value, std::string& out);
// Epoch seconds with the fsp fraction: "1", "2147483647.999".
void appendTimestampEpoch(const TimestampValue& value, std::string& out);
// "0000" for 0, else four digits.
void appendYear(uint16_t year, std::string& out);

}  // namespace ferry::binlog
