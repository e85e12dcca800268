// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/temporal.h"

#include "value_bytes.h"

namespace ferry::binlog {
namespace {

constexpr uint32_t kMicrosPerSecond = 1000000;
constexpr unsigned kMaxTimeHour = 838;
constexpr uint32_t kFractionScale[kMaxFsp + 1] = {1, 10000, 10000, 100, 100, 1, 1};
constexpr uint32_t kPrintDivisor[kMaxFsp + 1] = {1000000, 100000, 10000, 1000, 100, 10, 1};

Status checkFsp(std::string_view what, unsigned fsp) {
    if (fsp > kMaxFsp) {
        return values_detail::corrupt(what, "fractional-second precision " + std::to_string(fsp) +
                                                " is above 6; the TABLE_MAP metadata is corrupt");
    }
    return okStatus();
}

Status need(std::string_view what, size_t want, size_t have) {
    if (have < want) {
        return values_detail::truncated(what, want, have);
    }
    return okStatus();
}

// Reads the fraction of a DATETIME2/TIMESTAMP2 value (unsigned, big-endian).
Result<uint32_t> readFraction(std::string_view what, const uint8_t* p, unsigned fsp) {
    const size_t bytes = fractionByteSize(fsp);
    if (bytes == 0) {
        return uint32_t{0};
    }
    const auto raw = static_cast<uint32_t>(values_detail::loadBe(p, bytes));
    const uint32_t micro = raw * kFractionScale[fsp];
    if (micro >= kMicrosPerSecond) {
        return values_detail::corrupt(what, "fraction " + std::to_string(raw) +
                                                " does not fit fsp " + std::to_string(fsp) +
                                                "; the row image is corrupt");
    }
    return micro;
}

Status checkDate(std::string_view what, const DateTimeValue& v) {
    if (v.year > 9999 || v.month > 12 || v.day > 31) {
        return values_detail::corrupt(
            what, "date " + std::to_string(v.year) + "-" + std::to_string(v.month) + "-" +
                      std::to_string(v.day) + " is out of range; the row image is corrupt");
    }
    return okStatus();
}

Status checkClock(std::string_view what, unsigned hour, unsigned maxHour, unsigned minute,
                  unsigned second) {
    if (hour > maxHour || minute > 59 || second > 59) {
        return values_detail::corrupt(
            what, "time " + std::to_string(hour) + ":" + std::to_string(minute) + ":" +
                      std::to_string(second) + " is out of range; the row image is corrupt");
    }
    return okStatus();
}

// Fills hour/minute/second/micro of a TIME from MySQL's packed |hms << 24 | micro|.
Result<TimeValue> timeFromPacked(std::string_view what, int64_t packed, unsigned fsp) {
    TimeValue t;
    t.negative = packed < 0;
    const uint64_t mag =
        t.negative ? static_cast<uint64_t>(0) - static_cast<uint64_t>(packed) : packed;
    const uint64_t hms = mag >> 24;
    t.micro = static_cast<uint32_t>(mag & 0xFFFFFF);
    t.hour = static_cast<uint16_t>((hms >> 12) & 0x3FF);
    t.minute = static_cast<uint8_t>((hms >> 6) & 63);
    t.second = static_cast<uint8_t>(hms & 63);
    t.fsp = static_cast<uint8_t>(fsp);
    if ((hms >> 22) != 0) {
        return values_detail::corrupt(what, "unused high bits are set; the row image is corrupt");
    }
    FERRY_TRY(checkClock(what, t.hour, kMaxTimeHour, t.minute, t.second));
    if (t.micro >= kMicrosPerSecond || t.micro % kFractionScale[fsp] != 0) {
        return values_detail::corrupt(what, "fraction " + std::to_string(t.micro) +
                                                " does not fit fsp " + std::to_string(fsp) +
                                                "; the row image is corrupt");
    }
    return t;
}

void appendFraction(uint32_t micro, unsigned fsp, std::string& out) {
    if (fsp == 0) {
        return;
    }
    out.push_back('.');
    values_detail::appendPadded(micro / kPrintDivisor[fsp], fsp, out);
}

// Civil date from days since 1970-01-01 (proleptic Gregorian), for TIMESTAMP text.
void civilFromDays(int64_t days, int64_t& year, unsigned& month, unsigned& day) {
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    day = doy - (153 * mp + 2) / 5 + 1;
    month = mp < 10 ? mp + 3 : mp - 9;
    year = static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0);
}

}  // namespace

Result<size_t> temporalByteSize(TemporalType type, unsigned fsp) {
    switch (type) {
        case TemporalType::Timestamp2:
        case TemporalType::DateTime2:
        case TemporalType::Time2:
            FERRY_TRY(checkFsp("temporal column", fsp));
            break;
        default:
            if (fsp != 0) {
                return values_detail::corrupt(
                    "temporal column", "type " + std::to_string(static_cast<unsigned>(type)) +
                                           " has no fractional seconds but fsp " +
                                           std::to_string(fsp) + " was given");
            }
    }
    const size_t frac = fractionByteSize(fsp);
    switch (type) {
        case TemporalType::Timestamp:
            return size_t{4};
        case TemporalType::Date:
        case TemporalType::Time:
            return size_t{3};
        case TemporalType::DateTime:
            return size_t{8};
        case TemporalType::Year:
            return size_t{1};
        case TemporalType::Timestamp2:
            return 4 + frac;
        case TemporalType::DateTime2:
            return 5 + frac;
        case TemporalType::Time2:
            return 3 + frac;
    }
    return makeError(ErrorCode::InvalidArgument, "temporal column: binlog type " +
                                                     std::to_string(static_cast<unsigned>(type)) +
                                                     " is not a temporal type");
}

Result<DateTimeValue> decodeDate(const uint8_t* data, size_t size) {
    constexpr std::string_view kWhat = "DATE value";
    FERRY_TRY(need(kWhat, 3, size));
    const auto v = static_cast<uint32_t>(values_detail::loadLe(data, 3));
    DateTimeValue d;
    d.day = static_cast<uint8_t>(v & 31);
    d.month = static_cast<uint8_t>((v >> 5) & 15);
    d.year = static_cast<uint16_t>(v >> 9);
    FERRY_TRY(checkDate(kWhat, d));
    return d;
}

Result<DateTimeValue> decodeDateTime(const uint8_t* data, size_t size) {
    constexpr std::string_view kWhat = "DATETIME value";
    FERRY_TRY(need(kWhat, 8, size));
    const uint64_t v = values_detail::loadLe(data, 8);
    if (v > 99991231235959ULL) {
        return values_detail::corrupt(kWhat, std::to_string(v) +
                                                 " is above 9999-12-31 23:59:59; the row image is "
                                                 "corrupt");
    }
    const uint64_t date = v / 1000000;
    const uint64_t time = v % 1000000;
    DateTimeValue d;
    d.year = static_cast<uint16_t>(date / 10000);
    d.month = static_cast<uint8_t>(date / 100 % 100);
    d.day = static_cast<uint8_t>(date % 100);
    d.hour = static_cast<uint8_t>(time / 10000);
    d.minute = static_cast<uint8_t>(time / 100 % 100);
    d.second = static_cast<uint8_t>(time % 100);
    FERRY_TRY(checkDate(kWhat, d));
    FERRY_TRY(checkClock(kWhat, d.hour, 23, d.minute, d.second));
    return d;
}

Result<DateTimeValue> decodeDateTime2(const uint8_t* data, size_t size, unsigned fsp) {
    constexpr std::string_view kWhat = "DATETIME2 value";
    FERRY_TRY(checkFsp(kWhat, fsp));
    FERRY_TRY(need(kWhat, 5 + fractionByteSize(fsp), size));
    const uint64_t raw = values_detail::loadBe(data, 5);
    if (raw < 0x8000000000ULL) {
        return values_detail::corrupt(kWhat,
                                      "the sign bit is clear (negative DATETIME); the row "
                                      "image is corrupt");
    }
    const uint64_t v = raw - 0x8000000000ULL;
    const uint64_t ymd = v >> 17;
    const uint64_t ym = ymd >> 5;
    const uint64_t hms = v & 0x1FFFF;
    DateTimeValue d;
    if (ym / 13 > 9999) {
        return values_detail::corrupt(
            kWhat, "year " + std::to_string(ym / 13) + " is above 9999; the row image is corrupt");
    }
    d.year = static_cast<uint16_t>(ym / 13);
    d.month = static_cast<uint8_t>(ym % 13);
    d.day = static_cast<uint8_t>(ymd & 31);
    d.hour = static_cast<uint8_t>(hms >> 12);
    d.minute = static_cast<uint8_t>((hms >> 6) & 63);
    d.second = static_cast<uint8_t>(hms & 63);
    d.fsp = static_cast<uint8_t>(fsp);
    FERRY_TRY(checkClock(kWhat, d.hour, 23, d.minute, d.second));
    FERRY_ASSIGN_OR_RETURN(d.micro, readFraction(kWhat, data + 5, fsp));
    return d;
}

Result<TimeValue> decodeTime(const uint8_t* data, size_t size) {
    constexpr std::string_view kWhat = "TIME value";
    FERRY_TRY(need(kWhat, 3, size));
    const auto raw = static_cast<uint32_t>(values_detail::loadLe(data, 3));
    int32_t v = static_cast<int32_t>(raw << 8) >> 8;
    TimeValue t;
    t.negative = v < 0;
    const auto mag = static_cast<uint32_t>(t.negative ? -v : v);
    t.hour = static_cast<uint16_t>(mag / 10000);
    t.minute = static_cast<uint8_t>(mag / 100 % 100);
    t.second = static_cast<uint8_t>(mag % 100);
    FERRY_TRY(checkClock(kWhat, mag / 10000, kMaxTimeHour, t.minute, t.second));
    return t;
}

Result<TimeValue> decodeTime2(const uint8_t* data, size_t size, unsigned fsp) {
    constexpr std::string_view kWhat = "TIME2 value";
    FERRY_TRY(checkFsp(kWhat, fsp));
    FERRY_TRY(need(kWhat, 3 + fractionByteSize(fsp), size));
    int64_t packed = 0;
    if (fsp >= 5) {
        packed = static_cast<int64_t>(values_detail::loadBe(data, 6)) - 0x800000000000LL;
    } else {
        int64_t intPart = static_cast<int64_t>(values_detail::loadBe(data, 3)) - 0x800000;
        int64_t frac = 0;
        if (fsp >= 1) {
            const size_t bytes = fractionByteSize(fsp);
            frac = static_cast<int64_t>(values_detail::loadBe(data + 3, bytes));
            if (intPart < 0 && frac != 0) {
                // The whole value is one two's-complement number: borrow from the int part.
                intPart += 1;
                frac -= bytes == 1 ? 0x100 : 0x10000;
            }
            frac *= kFractionScale[fsp];
        }
        packed = intPart * (int64_t{1} << 24) + frac;
    }
    return timeFromPacked(kWhat, packed, fsp);
}

Result<TimestampValue> decodeTimestamp(const uint8_t* data, size_t size) {
    FERRY_TRY(need("TIMESTAMP value", 4, size));
    TimestampValue ts;
    ts.seconds = static_cast<uint32_t>(values_detail::loadLe(data, 4));
    return ts;
}

Result<TimestampValue> decodeTimestamp2(const uint8_t* data, size_t size, unsigned fsp) {
    constexpr std::string_view kWhat = "TIMESTAMP2 value";
    FERRY_TRY(checkFsp(kWhat, fsp));
    FERRY_TRY(need(kWhat, 4 + fractionByteSize(fsp), size));
    TimestampValue ts;
    ts.seconds = static_cast<uint32_t>(values_detail::loadBe(data, 4));
    ts.fsp = static_cast<uint8_t>(fsp);
    FERRY_ASSIGN_OR_RETURN(ts.micro, readFraction(kWhat, data + 4, fsp));
    return ts;
}

Result<uint16_t> decodeYear(const uint8_t* data, size_t size) {
    FERRY_TRY(need("YEAR value", 1, size));
    return static_cast<uint16_t>(data[0] == 0 ? 0 : 1900 + data[0]);
}

Result<DateTimeValue> decodePackedDateTime(const uint8_t* data, size_t size, bool dateOnly) {
    constexpr std::string_view kWhat = "packed DATETIME in JSON";
    if (size != 8) {
        return values_detail::corrupt(
            kWhat, "length " + std::to_string(size) + " is not 8; the JSON value is corrupt");
    }
    const auto packed = static_cast<int64_t>(values_detail::loadLe(data, 8));
    if (packed < 0) {
        return values_detail::corrupt(kWhat, "the value is negative; the JSON value is corrupt");
    }
    const auto v = static_cast<uint64_t>(packed);
    const uint64_t ymdhms = v >> 24;
    const uint64_t ymd = ymdhms >> 17;
    const uint64_t ym = ymd >> 5;
    const uint64_t hms = ymdhms & 0x1FFFF;
    if (ym / 13 > 9999) {
        return values_detail::corrupt(
            kWhat, "year " + std::to_string(ym / 13) + " is above 9999; the JSON value is corrupt");
    }
    DateTimeValue d;
    d.year = static_cast<uint16_t>(ym / 13);
    d.month = static_cast<uint8_t>(ym % 13);
    d.day = static_cast<uint8_t>(ymd & 31);
    d.hour = static_cast<uint8_t>(hms >> 12);
    d.minute = static_cast<uint8_t>((hms >> 6) & 63);
    d.second = static_cast<uint8_t>(hms & 63);
    d.micro = static_cast<uint32_t>(v & 0xFFFFFF);
    d.fsp = dateOnly ? 0 : 6;
    FERRY_TRY(checkClock(kWhat, d.hour, 23, d.minute, d.second));
    if (d.micro >= kMicrosPerSecond) {
        return values_detail::corrupt(kWhat, "microseconds " + std::to_string(d.micro) +
                                                 " are above 999999; the JSON value is corrupt");
    }
    return d;
}

Result<TimeValue> decodePackedTime(const uint8_t* data, size_t size) {
    constexpr std::string_view kWhat = "packed TIME in JSON";
    if (size != 8) {
        return values_detail::corrupt(
            kWhat, "length " + std::to_string(size) + " is not 8; the JSON value is corrupt");
    }
    const auto packed = static_cast<int64_t>(values_detail::loadLe(data, 8));
    return timeFromPacked(kWhat, packed, 6);
}

void appendDate(const DateTimeValue& value, std::string& out) {
    values_detail::appendPadded(value.year, 4, out);
    out.push_back('-');
    values_detail::appendPadded(value.month, 2, out);
    out.push_back('-');
    values_detail::appendPadded(value.day, 2, out);
}

void appendDateTime(const DateTimeValue& value, std::string& out) {
    appendDate(value, out);
    out.push_back(' ');
    values_detail::appendPadded(value.hour, 2, out);
    out.push_back(':');
    values_detail::appendPadded(value.minute, 2, out);
    out.push_back(':');
    values_detail::appendPadded(value.second, 2, out);
    appendFraction(value.micro, value.fsp, out);
}

void appendTime(const TimeValue& value, std::string& out) {
    if (value.negative) {
        out.push_back('-');
    }
    values_detail::appendPadded(value.hour, 2, out);
    out.push_back(':');
    values_detail::appendPadded(value.minute, 2, out);
    out.push_back(':');
    values_detail::appendPadded(value.second, 2, out);
    appendFraction(value.micro, value.fsp, out);
}

void appendTimestampUtc(const TimestampValue& value, std::string& out) {
    DateTimeValue d;
    d.fsp = value.fsp;
    d.micro = value.micro;
    if (value.seconds != 0) {
        const uint32_t days = value.seconds / 86400;
        const uint32_t secs = value.seconds % 86400;
        int64_t year = 0;
        unsigned month = 0;
        unsigned day = 0;
        civilFromDays(days, year, month, day);
        d.year = static_cast<uint16_t>(year);
        d.month = static_cast<uint8_t>(month);
        d.day = static_cast<uint8_t>(day);
        d.hour = static_cast<uint8_t>(secs / 3600);
        d.minute = static_cast<uint8_t>(secs / 60 % 60);
        d.second = static_cast<uint8_t>(secs % 60);
    }
    appendDateTime(d, out);
}

void appendTimestampEpoch(const TimestampValue& value, std::string& out) {
    values_detail::appendPadded(value.seconds, 1, out);
    appendFraction(value.micro, value.fsp, out);
}

void appendYear(uint16_t year, std::string& out) {
    values_detail::appendPadded(year, 4, out);
}

}  // namespace ferry::binlog
