// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/json_text.h"

#include <array>

#include "ferry/binlog/numeric.h"

namespace ferry::ctl {
namespace {

// Length of the well-formed UTF-8 sequence at `p` (at most `left` bytes), or 0 when the byte at
// `p` does not start one (Unicode Table 3-7).
std::size_t utf8SequenceLength(const unsigned char* p, std::size_t left) {
    const unsigned char c = p[0];
    if (c < 0x80) {
        return 1;
    }
    auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
        return i < left && p[i] >= lo && p[i] <= hi;
    };
    if (c >= 0xc2 && c <= 0xdf) {
        return cont(1) ? 2 : 0;
    }
    if (c == 0xe0) {
        return cont(1, 0xa0, 0xbf) && cont(2) ? 3 : 0;
    }
    if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
        return cont(1) && cont(2) ? 3 : 0;
    }
    if (c == 0xed) {
        return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
    }
    if (c == 0xf0) {
        return cont(1, 0x90, 0xbf) && cont(2) && cont(3) ? 4 : 0;
    }
    if (c >= 0xf1 && c <= 0xf3) {
        return cont(1) && cont(2) && cont(3) ? 4 : 0;
    }
    if (c == 0xf4) {
        return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
    }
    return 0;
}

// 0: copy as is; 1: escape; printable ASCII and UTF-8 lead/continuation bytes are 0 here and
// checked separately.
constexpr std::array<std::uint8_t, 256> makeAsciiClass() {
    std::array<std::uint8_t, 256> table{};
    for (int c = 0; c < 0x20; ++c) {
        table[static_cast<std::size_t>(c)] = 1;
    }
    table['"'] = 1;
    table['\\'] = 1;
    for (int c = 0x80; c < 0x100; ++c) {
        table[static_cast<std::size_t>(c)] = 2;
    }
    return table;
}
constexpr std::array<std::uint8_t, 256> kAsciiClass = makeAsciiClass();

constexpr char kHex[] = "0123456789abcdef";

// Windows-1252 0x80..0x9f; MySQL maps the five undefined bytes to U+0081, U+008D, U+008F,
// U+0090 and U+009D.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008d, 0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022,
    0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178};

void appendUtf8CodePoint(std::uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

}  // namespace

void appendJsonString(std::string_view text, std::string& out) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    out.reserve(out.size() + n + 2);
    out.push_back('"');
    std::size_t runStart = 0;
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t cls = kAsciiClass[p[i]];
        if (cls == 0) {
            ++i;
            continue;
        }
        if (cls == 2) {
            const std::size_t len = utf8SequenceLength(p + i, n - i);
            if (len != 0) {
                i += len;
                continue;
            }
        }
        out.append(text.data() + runStart, i - runStart);
        const unsigned char c = p[i];
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(kHex[c >> 4]);
                    out.push_back(kHex[c & 15]);
                } else {
                    out += "\\ufffd";
                }
                break;
        }
        ++i;
        runStart = i;
    }
    out.append(text.data() + runStart, n - runStart);
    out.push_back('"');
}

bool isValidUtf8(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        const std::size_t len = utf8SequenceLength(p + i, n - i);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

void appendBase64(std::span<const std::uint8_t> bytes, std::string& out) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const std::size_t n = bytes.size();
    const std::size_t start = out.size();
    out.resize(start + (n + 2) / 3 * 4);
    char* o = out.data() + start;
    std::size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        const std::uint32_t v =
            (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        *o++ = kAlphabet[(v >> 18) & 63];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = kAlphabet[(v >> 6) & 63];
        *o++ = kAlphabet[v & 63];
    }
    if (i < n) {
        const bool two = i + 1 < n;
        const std::uint32_t v =
            (std::uint32_t{bytes[i]} << 16) | (two ? std::uint32_t{bytes[i + 1]} << 8 : 0u);
        *o++ = kAlphabet[(v >> 18) & 63];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = two ? kAlphabet[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
}

void appendLatin1AsUtf8(std::string_view latin1, std::string& out) {
    out.reserve(out.size() + latin1.size());
    for (const char ch : latin1) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x80) {
            out.push_back(ch);
        } else if (c < 0xa0) {
            appendUtf8CodePoint(kCp1252High[c - 0x80], out);
        } else {
            appendUtf8CodePoint(c, out);
        }
    }
}

void appendJsonInteger(std::int64_t value, std::string& out) {
    const std::uint64_t magnitude = value < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(value)
                                              : static_cast<std::uint64_t>(value);
    if (magnitude <= kMaxJsonSafeInteger) {
        binlog::appendInt(value, out);
        return;
    }
    out.push_back('"');
    binlog::appendInt(value, out);
    out.push_back('"');
}

void appendJsonUnsigned(std::uint64_t value, std::string& out) {
    if (value <= kMaxJsonSafeInteger) {
        binlog::appendUint(value, out);
        return;
    }
    out.push_back('"');
    binlog::appendUint(value, out);
    out.push_back('"');
}

}  // namespace ferry::ctl
