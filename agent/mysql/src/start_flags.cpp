// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/start_flags.h"

#include <charconv>
#include <string>

namespace ferry::mysql {
namespace {

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

template <typename T>
bool parseNumber(std::string_view text, T& value) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

Result<std::uint32_t> parseStartTime(std::string_view text) {
    auto bad = [&](std::string_view why) {
        return usage("--start-time '" + std::string(text) + "': " + std::string(why) +
                     "; write it as 2026-11-25T08:00:00Z (UTC) or with an offset, "
                     "2026-11-25T09:00:00+01:00");
    };
    if (text.size() < 20) {
        return bad("too short");
    }
    auto digits = [&](std::size_t at, std::size_t count, unsigned& value) {
        return at + count <= text.size() && parseNumber(text.substr(at, count), value);
    };
    unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(0, 4, year) || text[4] != '-' || !digits(5, 2, month) || text[7] != '-' ||
        !digits(8, 2, day) || (text[10] != 'T' && text[10] != ' ' && text[10] != 't') ||
        !digits(11, 2, hour) || text[13] != ':' || !digits(14, 2, minute) || text[16] != ':' ||
        !digits(17, 2, second)) {
        return bad("not a date and time");
    }
    static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1970 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1] || hour > 23 ||
        minute > 59 || second > 59) {
        return bad("a field is out of range");
    }
    std::int64_t offsetSeconds = 0;
    std::string_view zone = text.substr(19);
    if (zone == "Z" || zone == "z") {
    } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
        unsigned oh = 0, om = 0;
        if (!digits(20, 2, oh) || !digits(23, 2, om) || oh > 14 || om > 59) {
            return bad("the UTC offset is not +HH:MM");
        }
        offsetSeconds = (zone[0] == '+' ? 1 : -1) * static_cast<std::int64_t>(oh * 3600 + om * 60);
    } else {
        return bad("a time zone (Z or +HH:MM) is required");
    }
    const std::int64_t epoch = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 +
                               second - offsetSeconds;
    if (epoch < 0 || epoch > 0xffffffffll) {
        return bad("outside the range of binlog timestamps");
    }
    return static_cast<std::uint32_t>(epoch);
}

Result<std::uint64_t> parseStartPosition(std::string_view text) {
    std::uint64_t pos = 0;
    if (!parseNumber(text, pos) || pos < 4) {
        return usage("--start-pos '" + std::string(text) +
                     "' is not a binlog offset (a number, at least 4)");
    }
    return pos;
}

bool isStartFlag(std::string_view flag) {
    return flag == "--start-file" || flag == "--start-pos" || flag == "--start-gtid" ||
           flag == "--start-time";
}

Status applyStartFlag(std::string_view flag, std::string_view value, StartRequest& request) {
    if (flag == "--start-file") {
        if (value.empty()) {
            return usage("--start-file needs a binlog file name");
        }
        request.file = std::string(value);
    } else if (flag == "--start-pos") {
        FERRY_ASSIGN_OR_RETURN(request.position, parseStartPosition(value));
    } else if (flag == "--start-gtid") {
        if (value.empty()) {
            return usage("--start-gtid needs a GTID set or position");
        }
        request.gtid = std::string(value);
    } else if (flag == "--start-time") {
        FERRY_ASSIGN_OR_RETURN(request.time, parseStartTime(value));
    } else {
        return usage(std::string(flag) + " is not a start flag");
    }
    return okStatus();
}

Status checkStartRequest(const StartRequest& request, bool posNeedsFile) {
    const int starts =
        (!request.file.empty() ? 1 : 0) + (!request.gtid.empty() ? 1 : 0) + (request.time ? 1 : 0);
    if (starts > 1) {
        return usage("--start-file, --start-gtid and --start-time exclude each other");
    }
    if (posNeedsFile && request.position && request.file.empty()) {
        return usage("--start-pos needs --start-file");
    }
    return okStatus();
}

bool hasStart(const StartRequest& request) {
    return !request.file.empty() || request.position || !request.gtid.empty() || request.time;
}

}  // namespace ferry::mysql
