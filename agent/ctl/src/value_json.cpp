// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/value_json.h"

#include <cmath>
#include <string_view>

#include "ferry/binlog/decimal.h"
#include "ferry/binlog/geometry_vector.h"
#include "ferry/binlog/json_binary.h"
#include "ferry/binlog/numeric.h"
#include "ferry/binlog/temporal.h"
#include "ferry/ctl/json_text.h"

namespace ferry::ctl {
namespace {

using binlog::ColumnValue;
using binlog::ValueKind;

constexpr std::uint32_t kBinaryCollation = 63;

void appendFloatJson(double value, bool single, std::string& out) {
    if (!std::isfinite(value)) {
        // The server never stores these; keep the output valid JSON anyway.
        out += std::isnan(value) ? "\"nan\"" : (value < 0 ? "\"-inf\"" : "\"inf\"");
        return;
    }
    if (single) {
        binlog::appendFloat(static_cast<float>(value), out);
    } else {
        binlog::appendDouble(value, out);
    }
}

void appendBase64Object(std::span<const std::uint8_t> bytes, std::uint32_t padLength,
                        std::string& out) {
    out += "{\"base64\":\"";
    if (padLength > bytes.size()) {
        // BINARY(n) is logged without its trailing 0x00 bytes; SELECT returns them.
        std::string padded(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        padded.resize(padLength, '\0');
        appendBase64({reinterpret_cast<const std::uint8_t*>(padded.data()), padded.size()}, out);
    } else {
        appendBase64(bytes, out);
    }
    out += "\"}";
}

void appendText(const ColumnValue& value, std::string& out) {
    const std::string_view text = value.text();
    switch (charsetOfCollation(value.collation)) {
        case TextCharset::Utf8:
        case TextCharset::Ascii:
        case TextCharset::Unknown:
            if (isValidUtf8(text)) {
                appendJsonString(text, out);
                return;
            }
            break;
        case TextCharset::Latin1: {
            std::string utf8;
            appendLatin1AsUtf8(text, utf8);
            appendJsonString(utf8, out);
            return;
        }
        case TextCharset::Binary:
        case TextCharset::Other:
            break;
    }
    appendBase64Object(value.bytes, value.padLength, out);
}

Status appendQuoted(Status status, std::string& scratch, std::string& out) {
    FERRY_TRY(status);
    appendJsonString(scratch, out);
    return okStatus();
}

Status appendTemporal(const ColumnValue& value, std::string& out) {
    std::string text;
    switch (value.kind) {
        case ValueKind::Year:
            binlog::appendYear(static_cast<std::uint16_t>(value.i), text);
            break;
        case ValueKind::Date: {
            binlog::DateTimeValue date;
            date.day = static_cast<std::uint8_t>(value.u & 31);
            date.month = static_cast<std::uint8_t>((value.u >> 5) & 15);
            date.year = static_cast<std::uint16_t>(value.u >> 9);
            binlog::appendDate(date, text);
            break;
        }
        case ValueKind::Time: {
            binlog::TimeValue time;
            time.negative = value.i < 0;
            const std::uint64_t hms = time.negative ? std::uint64_t{0} - value.u : value.u;
            time.hour = static_cast<std::uint16_t>(hms / 10000);
            time.minute = static_cast<std::uint8_t>(hms / 100 % 100);
            time.second = static_cast<std::uint8_t>(hms % 100);
            binlog::appendTime(time, text);
            break;
        }
        case ValueKind::Time2: {
            FERRY_ASSIGN_OR_RETURN(
                binlog::TimeValue time,
                binlog::decodeTime2(value.bytes.data(), value.bytes.size(), value.meta));
            binlog::appendTime(time, text);
            break;
        }
        case ValueKind::Datetime: {
            binlog::DateTimeValue dt;
            const std::uint64_t date = value.u / 1000000;
            const std::uint64_t time = value.u % 1000000;
            dt.year = static_cast<std::uint16_t>(date / 10000);
            dt.month = static_cast<std::uint8_t>(date / 100 % 100);
            dt.day = static_cast<std::uint8_t>(date % 100);
            dt.hour = static_cast<std::uint8_t>(time / 10000);
            dt.minute = static_cast<std::uint8_t>(time / 100 % 100);
            dt.second = static_cast<std::uint8_t>(time % 100);
            binlog::appendDateTime(dt, text);
            break;
        }
        case ValueKind::Datetime2: {
            FERRY_ASSIGN_OR_RETURN(
                binlog::DateTimeValue dt,
                binlog::decodeDateTime2(value.bytes.data(), value.bytes.size(), value.meta));
            binlog::appendDateTime(dt, text);
            break;
        }
        case ValueKind::Timestamp: {
            binlog::TimestampValue ts;
            ts.seconds = static_cast<std::uint32_t>(value.u);
            ts.micro = value.microseconds;
            ts.fsp = value.type == binlog::column_type::kTimestamp2
                         ? static_cast<std::uint8_t>(value.meta)
                         : std::uint8_t{0};
            binlog::appendTimestampUtc(ts, text);
            break;
        }
        default:
            return makeError(ErrorCode::Internal, "not a temporal value");
    }
    appendJsonString(text, out);
    return okStatus();
}

void appendLabelsOrNumber(const ColumnValue& value, const std::vector<std::string>* labels,
                          std::string& out) {
    if (value.kind == ValueKind::Enum) {
        if (labels != nullptr && value.u <= labels->size()) {
            // 0 is the '' an invalid value became in non-strict mode.
            appendJsonString(value.u == 0 ? std::string_view() : (*labels)[value.u - 1], out);
            return;
        }
        appendJsonUnsigned(value.u, out);
        return;
    }
    if (labels != nullptr && (labels->size() >= 64 || (value.u >> labels->size()) == 0)) {
        std::string members;
        for (std::size_t bit = 0; bit < labels->size() && bit < 64; ++bit) {
            if ((value.u >> bit) & 1) {
                if (!members.empty()) {
                    members.push_back(',');
                }
                members += (*labels)[bit];
            }
        }
        appendJsonString(members, out);
        return;
    }
    appendJsonUnsigned(value.u, out);
}

Status appendJsonDiffs(const ColumnValue& value, std::string& out) {
    binlog::JsonDiffReader reader(value.bytes);
    binlog::JsonDiff diff;
    std::string text;
    out += "{\"json_diff\":[";
    bool first = true;
    for (;;) {
        FERRY_ASSIGN_OR_RETURN(bool more, reader.next(diff));
        if (!more) {
            break;
        }
        text.clear();
        FERRY_TRY(binlog::appendJsonDiffText(diff, text));
        if (!first) {
            out.push_back(',');
        }
        first = false;
        appendJsonString(text, out);
    }
    out += "]}";
    return okStatus();
}

Status appendVector(const ColumnValue& value, std::string& out) {
    FERRY_ASSIGN_OR_RETURN(std::size_t count, binlog::vectorDimension(value.bytes.size()));
    out.push_back('[');
    for (std::size_t i = 0; i < count; ++i) {
        FERRY_ASSIGN_OR_RETURN(float element, binlog::decodeFloat(value.bytes.data() + 4 * i, 4));
        if (i != 0) {
            out.push_back(',');
        }
        appendFloatJson(element, true, out);
    }
    out.push_back(']');
    return okStatus();
}

Status appendValueUnchecked(const ColumnValue& value, const std::vector<std::string>* labels,
                            std::string& out) {
    switch (value.kind) {
        case ValueKind::Absent:
        case ValueKind::Null:
            out += "null";
            return okStatus();
        case ValueKind::SignedInt:
            appendJsonInteger(value.i, out);
            return okStatus();
        case ValueKind::UnsignedInt:
        case ValueKind::Bit:
            appendJsonUnsigned(value.u, out);
            return okStatus();
        case ValueKind::Float:
            appendFloatJson(value.d, true, out);
            return okStatus();
        case ValueKind::Double:
            appendFloatJson(value.d, false, out);
            return okStatus();
        case ValueKind::Decimal: {
            std::string text;
            return appendQuoted(binlog::appendDecimal(value.bytes.data(), value.bytes.size(),
                                                      value.meta >> 8, value.meta & 0xffu, text),
                                text, out);
        }
        case ValueKind::Year:
        case ValueKind::Date:
        case ValueKind::Time:
        case ValueKind::Time2:
        case ValueKind::Datetime:
        case ValueKind::Datetime2:
        case ValueKind::Timestamp:
            return appendTemporal(value, out);
        case ValueKind::Enum:
        case ValueKind::Set:
            appendLabelsOrNumber(value, labels, out);
            return okStatus();
        case ValueKind::String:
            if (value.collation == kBinaryCollation) {
                appendBase64Object(value.bytes, value.padLength, out);
            } else {
                appendText(value, out);
            }
            return okStatus();
        case ValueKind::Json:
            return binlog::appendJsonText(value.bytes, out);
        case ValueKind::JsonDiff:
            return appendJsonDiffs(value, out);
        case ValueKind::Geometry: {
            FERRY_ASSIGN_OR_RETURN(binlog::GeometryValue geometry,
                                   binlog::splitGeometry(value.bytes.data(), value.bytes.size()));
            out += "{\"srid\":";
            binlog::appendUint(geometry.srid, out);
            out += ",\"wkb_base64\":\"";
            appendBase64(geometry.wkb, out);
            out += "\"}";
            return okStatus();
        }
        case ValueKind::Vector:
            return appendVector(value, out);
    }
    return makeError(ErrorCode::Unsupported, "value kind " +
                                                 std::to_string(static_cast<int>(value.kind)) +
                                                 " has no JSON form; update ferryctl");
}

}  // namespace

TextCharset charsetOfCollation(std::uint32_t collation) {
    if (collation == 0) {
        return TextCharset::Unknown;
    }
    if (collation >= 2048 && collation < 2560) {
        // MariaDB uca1400 collations: 2048.. utf8mb3, 2304.. utf8mb4.
        return TextCharset::Utf8;
    }
    if (collation >= 1024 && collation < 2048) {
        // MariaDB NO PAD collations: the PAD SPACE id plus 1024.
        collation -= 1024;
    }
    switch (collation) {
        case 63:
            return TextCharset::Binary;
        case 11:
        case 65:
            return TextCharset::Ascii;
        case 5:
        case 8:
        case 15:
        case 31:
        case 47:
        case 48:
        case 49:
        case 94:
            return TextCharset::Latin1;
        case 33:
        case 45:
        case 46:
        case 76:
        case 83:
        case 223:
            return TextCharset::Utf8;
        default:
            break;
    }
    if ((collation >= 192 && collation <= 215) || (collation >= 224 && collation <= 247) ||
        (collation >= 255 && collation <= 323) || (collation >= 576 && collation <= 639)) {
        return TextCharset::Utf8;
    }
    return TextCharset::Other;
}

Status appendValueJson(const binlog::ColumnValue& value, const std::vector<std::string>* labels,
                       std::string& out) {
    const std::size_t mark = out.size();
    Status status = appendValueUnchecked(value, labels, out);
    if (!status.ok()) {
        out.resize(mark);
    }
    return status;
}

Status appendRowImageJson(binlog::RowImage image, const binlog::TableMap* table, std::string& out) {
    out.push_back('{');
    bool first = true;
    for (std::size_t i = 0; i < image.size(); ++i) {
        const ColumnValue& value = image[i];
        if (!value.isPresent()) {
            continue;
        }
        if (!first) {
            out.push_back(',');
        }
        first = false;
        const binlog::ColumnInfo* info =
            table != nullptr && i < table->columns.size() ? &table->columns[i] : nullptr;
        if (info != nullptr && !info->name.empty()) {
            appendJsonString(info->name, out);
        } else {
            out.push_back('"');
            binlog::appendUint(i, out);
            out.push_back('"');
        }
        out.push_back(':');
        const std::vector<std::string>* labels = table != nullptr ? table->labels(i) : nullptr;
        Status status = appendValueJson(value, labels, out);
        if (!status.ok()) {
            std::string where = table != nullptr ? table->schema + "." + table->table : "a table";
            where +=
                " column " +
                (info != nullptr && !info->name.empty() ? info->name : "#" + std::to_string(i));
            return makeError(status.error().code,
                             "cannot render " + where + ": " + status.error().message);
        }
    }
    out.push_back('}');
    return okStatus();
}

}  // namespace ferry::ctl
