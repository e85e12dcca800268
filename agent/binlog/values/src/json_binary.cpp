// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/json_binary.h"

#include <bit>
#include <cmath>

#include "ferry/binlog/decimal.h"
#include "ferry/binlog/numeric.h"
#include "ferry/binlog/temporal.h"
#include "value_bytes.h"

namespace ferry::binlog {
namespace {

enum JsonType : uint8_t {
    kSmallObject = 0x00,
    kLargeObject = 0x01,
    kSmallArray = 0x02,
    kLargeArray = 0x03,
    kLiteral = 0x04,
    kInt16 = 0x05,
    kUint16 = 0x06,
    kInt32 = 0x07,
    kUint32 = 0x08,
    kInt64 = 0x09,
    kUint64 = 0x0A,
    kDouble = 0x0B,
    kString = 0x0C,
    kOpaque = 0x0F,
};

enum Literal : uint8_t { kNull = 0x00, kTrue = 0x01, kFalse = 0x02 };

// MySQL field types that binary JSON opaques render specially.
constexpr uint8_t kFieldTimestamp = 7;
constexpr uint8_t kFieldDate = 10;
constexpr uint8_t kFieldTime = 11;
constexpr uint8_t kFieldDateTime = 12;
constexpr uint8_t kFieldNewDecimal = 246;

constexpr std::string_view kWhat = "JSON value";

Error jsonCorrupt(std::string detail) {
    return values_detail::corrupt(kWhat, detail + "; the binary JSON is corrupt");
}

// Appends the base64 (RFC 4648, with padding, no line breaks) of `data`.
void appendBase64(const uint8_t* data, size_t size, std::string& out) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i = 0;
    for (; i + 3 <= size; i += 3) {
        const uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(kAlphabet[(v >> 6) & 63]);
        out.push_back(kAlphabet[v & 63]);
    }
    if (i < size) {
        uint32_t v = uint32_t{data[i]} << 16;
        if (i + 1 < size) {
            v |= uint32_t{data[i + 1]} << 8;
        }
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < size ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
}

// Reads MySQL's variable-length length (7 bits a byte, low bits first, at most 5 bytes, value
// within uint32). Advances `pos`.
Result<uint32_t> readVarLength(const uint8_t* data, size_t size, size_t& pos) {
    uint64_t value = 0;
    for (unsigned i = 0; i < 5; ++i) {
        if (pos >= size) {
            return jsonCorrupt("a string or opaque length runs past the end of its value");
        }
        const uint8_t b = data[pos++];
        value |= static_cast<uint64_t>(b & 0x7F) << (7 * i);
        if ((b & 0x80) == 0) {
            if (value > UINT32_MAX) {
                return jsonCorrupt("a string or opaque length is above 4 GiB");
            }
            return static_cast<uint32_t>(value);
        }
    }
    return jsonCorrupt("a string or opaque length uses more than 5 bytes");
}

class JsonPrinter {
public:
    // `inputSize` bounds the work: offsets may be shared by several entries (no server writes
    // that), which could otherwise make a small document print for ever.
    JsonPrinter(std::string& out, size_t inputSize)
        : m_out(out),
          m_start(out.size()),
          m_visitBudget(inputSize + 1),
          m_outputBudget(kMaxExpansion * inputSize + 64) {}

    // Prints the value of `type` stored in data[0, size).
    Status value(uint8_t type, const uint8_t* data, size_t size, unsigned depth) {
        if (m_visitBudget == 0 || m_out.size() - m_start > m_outputBudget) {
            return jsonCorrupt(
                "entries share or overlap their values (the document would print "
                "far beyond its size)");
        }
        --m_visitBudget;
        switch (type) {
            case kSmallObject:
            case kLargeObject:
            case kSmallArray:
            case kLargeArray:
                return container(type, data, size, depth);
            case kLiteral:
                if (size < 1) {
                    return truncatedScalar("literal", 1, size);
                }
                return literal(data[0]);
            case kInt16:
                if (size < 2) {
                    return truncatedScalar("int16", 2, size);
                }
                appendInt(static_cast<int16_t>(values_detail::loadLe(data, 2)), m_out);
                return okStatus();
            case kUint16:
                if (size < 2) {
                    return truncatedScalar("uint16", 2, size);
                }
                appendUint(values_detail::loadLe(data, 2), m_out);
                return okStatus();
            case kInt32:
                if (size < 4) {
                    return truncatedScalar("int32", 4, size);
                }
                appendInt(static_cast<int32_t>(values_detail::loadLe(data, 4)), m_out);
                return okStatus();
            case kUint32:
                if (size < 4) {
                    return truncatedScalar("uint32", 4, size);
                }
                appendUint(values_detail::loadLe(data, 4), m_out);
                return okStatus();
            case kInt64:
                if (size < 8) {
                    return truncatedScalar("int64", 8, size);
                }
                appendInt(static_cast<int64_t>(values_detail::loadLe(data, 8)), m_out);
                return okStatus();
            case kUint64:
                if (size < 8) {
                    return truncatedScalar("uint64", 8, size);
                }
                appendUint(values_detail::loadLe(data, 8), m_out);
                return okStatus();
            case kDouble:
                if (size < 8) {
                    return truncatedScalar("double", 8, size);
                }
                return doubleValue(std::bit_cast<double>(values_detail::loadLe(data, 8)));
            case kString:
                return string(data, size);
            case kOpaque:
                return opaque(data, size);
            default:
                return jsonCorrupt("unknown value type 0x" + hex(type));
        }
    }

private:
    static std::string hex(uint8_t b) {
        static constexpr char kDigits[] = "0123456789abcdef";
        return {kDigits[b >> 4], kDigits[b & 15]};
    }

    static Error truncatedScalar(std::string_view name, size_t need, size_t have) {
        return jsonCorrupt(std::string(name) + " needs " + std::to_string(need) + " bytes, only " +
                           std::to_string(have) + " are left");
    }

    Status literal(uint8_t v) {
        switch (v) {
            case kNull:
                m_out.append("null");
                return okStatus();
            case kTrue:
                m_out.append("true");
                return okStatus();
            case kFalse:
                m_out.append("false");
                return okStatus();
            default:
                return jsonCorrupt("unknown literal 0x" + hex(v));
        }
    }

    Status doubleValue(double d) {
        if (!std::isfinite(d)) {
            return jsonCorrupt("a double is NaN or infinite");
        }
        if (!values_detail::appendShortestDouble(d, m_out)) {
            m_out.append(".0");
        }
        return okStatus();
    }

    Status string(const uint8_t* data, size_t size) {
        size_t pos = 0;
        FERRY_ASSIGN_OR_RETURN(const uint32_t len, readVarLength(data, size, pos));
        if (len > size - pos) {
            return jsonCorrupt("a string of " + std::to_string(len) +
                               " bytes runs past its "
                               "container (" +
                               std::to_string(size - pos) + " bytes left)");
        }
        appendJsonQuoted(std::string_view(reinterpret_cast<const char*>(data + pos), len), m_out);
        return okStatus();
    }

    Status opaque(const uint8_t* data, size_t size) {
        if (size < 1) {
            return truncatedScalar("opaque", 1, size);
        }
        const uint8_t fieldType = data[0];
        size_t pos = 1;
        FERRY_ASSIGN_OR_RETURN(const uint32_t len, readVarLength(data, size, pos));
        if (len > size - pos) {
            return jsonCorrupt("an opaque value of " + std::to_string(len) +
                               " bytes runs past its container (" + std::to_string(size - pos) +
                               " bytes left)");
        }
        const uint8_t* payload = data + pos;
        switch (fieldType) {
            case kFieldNewDecimal: {
                if (len < 2) {
                    return jsonCorrupt(
                        "a DECIMAL opaque is shorter than its precision and "
                        "scale");
                }
                const unsigned precision = payload[0];
                const unsigned scale = payload[1];
                FERRY_ASSIGN_OR_RETURN(const size_t bin, decimalByteSize(precision, scale));
                if (bin != len - 2u) {
                    return jsonCorrupt("a DECIMAL(" + std::to_string(precision) + "," +
                                       std::to_string(scale) + ") opaque has " +
                                       std::to_string(len - 2u) + " bytes, expected " +
                                       std::to_string(bin));
                }
                return appendDecimal(payload + 2, bin, precision, scale, m_out);
            }
            case kFieldDate:
            case kFieldDateTime:
            case kFieldTimestamp: {
                FERRY_ASSIGN_OR_RETURN(const DateTimeValue dt,
                                       decodePackedDateTime(payload, len, fieldType == kFieldDate));
                m_out.push_back('"');
                if (fieldType == kFieldDate) {
                    appendDate(dt, m_out);
                } else {
                    appendDateTime(dt, m_out);
                }
                m_out.push_back('"');
                return okStatus();
            }
            case kFieldTime: {
                FERRY_ASSIGN_OR_RETURN(const TimeValue t, decodePackedTime(payload, len));
                m_out.push_back('"');
                appendTime(t, m_out);
                m_out.push_back('"');
                return okStatus();
            }
            default:
                // base64 output has no character that needs escaping.
                m_out.append("\"base64:type");
                appendUint(fieldType, m_out);
                m_out.push_back(':');
                appendBase64(payload, len, m_out);
                m_out.push_back('"');
                return okStatus();
        }
    }

    Status container(uint8_t type, const uint8_t* data, size_t size, unsigned depth) {
        if (depth >= kMaxJsonDepth) {
            return values_detail::corrupt(kWhat, "nesting is deeper than " +
                                                     std::to_string(kMaxJsonDepth) +
                                                     " levels, MySQL's limit; the binary JSON is "
                                                     "corrupt");
        }
        const bool large = type == kLargeObject || type == kLargeArray;
        const bool object = type == kSmallObject || type == kLargeObject;
        const size_t offsetSize = large ? 4 : 2;
        if (size < 2 * offsetSize) {
            return jsonCorrupt("a container header needs " + std::to_string(2 * offsetSize) +
                               " bytes, only " + std::to_string(size) + " are left");
        }
        const uint64_t count = values_detail::loadLe(data, offsetSize);
        const uint64_t bytes = values_detail::loadLe(data + offsetSize, offsetSize);
        if (bytes > size) {
            return jsonCorrupt("a container claims " + std::to_string(bytes) + " bytes, only " +
                               std::to_string(size) + " are left");
        }
        const size_t keyEntrySize = offsetSize + 2;
        const size_t valueEntrySize = 1 + offsetSize;
        const uint64_t headerSize =
            2 * offsetSize + count * ((object ? keyEntrySize : 0) + valueEntrySize);
        if (headerSize > bytes) {
            return jsonCorrupt("a container of " + std::to_string(count) + " elements needs " +
                               std::to_string(headerSize) + " bytes of entries, it has " +
                               std::to_string(bytes));
        }
        const auto total = static_cast<size_t>(bytes);
        const size_t keyEntries = 2 * offsetSize;
        const size_t valueEntries =
            keyEntries + (object ? static_cast<size_t>(count) * keyEntrySize : 0);

        m_out.push_back(object ? '{' : '[');
        for (size_t i = 0; i < count; ++i) {
            if (i > 0) {
                m_out.append(", ");
            }
            if (object) {
                const uint8_t* entry = data + keyEntries + i * keyEntrySize;
                const uint64_t keyOffset = values_detail::loadLe(entry, offsetSize);
                const uint64_t keyLength = values_detail::loadLe(entry + offsetSize, 2);
                if (keyOffset < headerSize || keyOffset > total || keyLength > total - keyOffset) {
                    return jsonCorrupt("key " + std::to_string(i) + " (offset " +
                                       std::to_string(keyOffset) + ", length " +
                                       std::to_string(keyLength) + ") runs past its container of " +
                                       std::to_string(total) + " bytes");
                }
                appendJsonQuoted(std::string_view(reinterpret_cast<const char*>(data) + keyOffset,
                                                  static_cast<size_t>(keyLength)),
                                 m_out);
                m_out.append(": ");
            }
            const uint8_t* entry = data + valueEntries + i * valueEntrySize;
            const uint8_t elementType = entry[0];
            const uint8_t* slot = entry + 1;
            if (isInlined(elementType, large)) {
                FERRY_TRY(value(elementType, slot, offsetSize, depth + 1));
                continue;
            }
            const uint64_t valueOffset = values_detail::loadLe(slot, offsetSize);
            if (valueOffset < headerSize || valueOffset >= total) {
                return jsonCorrupt("element " + std::to_string(i) + " at offset " +
                                   std::to_string(valueOffset) +
                                   " is outside the data area of its container (" +
                                   std::to_string(headerSize) + ".." + std::to_string(total) + ")");
            }
            FERRY_TRY(value(elementType, data + valueOffset, total - valueOffset, depth + 1));
        }
        m_out.push_back(object ? '}' : ']');
        return okStatus();
    }

    static bool isInlined(uint8_t type, bool large) {
        switch (type) {
            case kLiteral:
            case kInt16:
            case kUint16:
                return true;
            case kInt32:
            case kUint32:
                return large;
            default:
                return false;
        }
    }

    // Text per byte of binary JSON is at most ~7 (a control character in a string prints as
    // \u00XX); 16 leaves room.
    static constexpr size_t kMaxExpansion = 16;

    std::string& m_out;
    size_t m_start;
    size_t m_visitBudget;
    size_t m_outputBudget;
};

}  // namespace

void appendJsonQuoted(std::string_view text, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back('"');
    size_t runStart = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        char escape = 0;
        switch (c) {
            case '"':
                escape = '"';
                break;
            case '\\':
                escape = '\\';
                break;
            case '\b':
                escape = 'b';
                break;
            case '\f':
                escape = 'f';
                break;
            case '\n':
                escape = 'n';
                break;
            case '\r':
                escape = 'r';
                break;
            case '\t':
                escape = 't';
                break;
            default:
                if (c >= 0x20) {
                    continue;
                }
        }
        out.append(text.data() + runStart, i - runStart);
        runStart = i + 1;
        if (escape != 0) {
            out.push_back('\\');
            out.push_back(escape);
        } else {
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
        }
    }
    out.append(text.data() + runStart, text.size() - runStart);
    out.push_back('"');
}

Status appendJsonText(const uint8_t* data, size_t size, std::string& out) {
    if (size == 0) {
        out.append("null");
        return okStatus();
    }
    const size_t mark = out.size();
    JsonPrinter printer(out, size);
    Status status = printer.value(data[0], data + 1, size - 1, 0);
    if (!status.ok()) {
        out.resize(mark);
    }
    return status;
}

}  // namespace ferry::binlog
