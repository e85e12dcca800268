// SPDX-License-Identifier: Apache-2.0
#include "json_test_encoder.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace ferry::binlog::test {
namespace {

void putLe(std::vector<uint8_t>& out, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
}

void putLeAt(std::vector<uint8_t>& out, size_t at, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        out[at + i] = static_cast<uint8_t>(v >> (8 * i));
    }
}

void putVarLength(std::vector<uint8_t>& out, uint64_t v) {
    do {
        uint8_t b = v & 0x7F;
        v >>= 7;
        if (v != 0) {
            b |= 0x80;
        }
        out.push_back(b);
    } while (v != 0);
}

struct Encoded {
    uint8_t type = 0;
    std::vector<uint8_t> bytes;
};

bool fitsInt16(int64_t v) {
    return v >= INT16_MIN && v <= INT16_MAX;
}
bool fitsInt32(int64_t v) {
    return v >= INT32_MIN && v <= INT32_MAX;
}

Encoded encode(const JsonNode& n, const JsonEncodeOptions& o);

// Encodes a container with 2- or 4-byte offsets; returns false when 2 bytes are too small.
bool encodeContainer(const JsonNode& n, const JsonEncodeOptions& o, bool large, Encoded& result) {
    const bool object = n.kind == JsonNode::Kind::Object;
    const size_t os = large ? 4 : 2;
    const size_t limit = large ? UINT32_MAX : UINT16_MAX;
    const size_t count = n.items.size();
    const size_t keyEntries = 2 * os;
    const size_t valueEntries = keyEntries + (object ? count * (os + 2) : 0);
    const size_t afterEntries = valueEntries + count * (1 + os);
    std::vector<uint8_t> out(afterEntries, 0);
    putLeAt(out, 0, count, os);
    if (object) {
        for (size_t i = 0; i < count; ++i) {
            if (out.size() > limit) {
                return false;
            }
            putLeAt(out, keyEntries + i * (os + 2), out.size(), os);
            putLeAt(out, keyEntries + i * (os + 2) + os, n.keys[i].size(), 2);
            out.insert(out.end(), n.keys[i].begin(), n.keys[i].end());
        }
    }
    for (size_t k = 0; k < count; ++k) {
        const size_t i = o.reverseValues ? count - 1 - k : k;
        const Encoded child = encode(n.items[i], o);
        const size_t entry = valueEntries + i * (1 + os);
        out[entry] = child.type;
        const bool inlined = child.type == 0x04 || child.type == 0x05 || child.type == 0x06 ||
                             (large && (child.type == 0x07 || child.type == 0x08));
        if (inlined) {
            for (size_t b = 0; b < child.bytes.size(); ++b) {
                out[entry + 1 + b] = child.bytes[b];
            }
            continue;
        }
        if (out.size() > limit) {
            return false;
        }
        putLeAt(out, entry + 1, out.size(), os);
        out.insert(out.end(), child.bytes.begin(), child.bytes.end());
    }
    if (out.size() > limit) {
        return false;
    }
    putLeAt(out, os, out.size(), os);
    result.type = static_cast<uint8_t>((object ? 0x00 : 0x02) + (large ? 1 : 0));
    result.bytes = std::move(out);
    return true;
}

Encoded encode(const JsonNode& n, const JsonEncodeOptions& o) {
    Encoded e;
    switch (n.kind) {
        case JsonNode::Kind::Null:
        case JsonNode::Kind::True:
        case JsonNode::Kind::False:
            e.type = 0x04;
            e.bytes.push_back(n.kind == JsonNode::Kind::Null   ? 0
                              : n.kind == JsonNode::Kind::True ? 1
                                                               : 2);
            break;
        case JsonNode::Kind::Int:
            if (fitsInt16(n.intValue)) {
                e.type = 0x05;
                putLe(e.bytes, static_cast<uint64_t>(n.intValue), 2);
            } else if (fitsInt32(n.intValue)) {
                e.type = 0x07;
                putLe(e.bytes, static_cast<uint64_t>(n.intValue), 4);
            } else {
                e.type = 0x09;
                putLe(e.bytes, static_cast<uint64_t>(n.intValue), 8);
            }
            break;
        case JsonNode::Kind::Uint:
            if (n.uintValue <= UINT16_MAX) {
                e.type = 0x06;
                putLe(e.bytes, n.uintValue, 2);
            } else if (n.uintValue <= UINT32_MAX) {
                e.type = 0x08;
                putLe(e.bytes, n.uintValue, 4);
            } else {
                e.type = 0x0A;
                putLe(e.bytes, n.uintValue, 8);
            }
            break;
        case JsonNode::Kind::Double: {
            e.type = 0x0B;
            uint64_t bits = 0;
            std::memcpy(&bits, &n.doubleValue, 8);
            putLe(e.bytes, bits, 8);
            break;
        }
        case JsonNode::Kind::String:
            e.type = 0x0C;
            putVarLength(e.bytes, n.text.size());
            e.bytes.insert(e.bytes.end(), n.text.begin(), n.text.end());
            break;
        case JsonNode::Kind::Array:
        case JsonNode::Kind::Object:
            if (o.forceLarge || !encodeContainer(n, o, false, e)) {
                encodeContainer(n, o, true, e);
            }
            break;
    }
    return e;
}

void appendQuoted(const std::string& s, std::string& out) {
    out.push_back('"');
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
        } else if (c == '\n') {
            out.append("\\n");
        } else if (c == '\t') {
            out.append("\\t");
        } else if (c == '\r') {
            out.append("\\r");
        } else if (c == '\b') {
            out.append("\\b");
        } else if (c == '\f') {
            out.append("\\f");
        } else if (c < 0x20) {
            const char* hex = "0123456789abcdef";
            out.append("\\u00");
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    out.push_back('"');
}

void appendText(const JsonNode& n, std::string& out) {
    switch (n.kind) {
        case JsonNode::Kind::Null:
            out.append("null");
            break;
        case JsonNode::Kind::True:
            out.append("true");
            break;
        case JsonNode::Kind::False:
            out.append("false");
            break;
        case JsonNode::Kind::Int:
            out.append(std::to_string(n.intValue));
            break;
        case JsonNode::Kind::Uint:
            out.append(std::to_string(n.uintValue));
            break;
        case JsonNode::Kind::Double:
            out.append(n.doubleText);
            break;
        case JsonNode::Kind::String:
            appendQuoted(n.text, out);
            break;
        case JsonNode::Kind::Array:
        case JsonNode::Kind::Object: {
            const bool object = n.kind == JsonNode::Kind::Object;
            out.push_back(object ? '{' : '[');
            for (size_t i = 0; i < n.items.size(); ++i) {
                if (i > 0) {
                    out.append(", ");
                }
                if (object) {
                    appendQuoted(n.keys[i], out);
                    out.append(": ");
                }
                appendText(n.items[i], out);
            }
            out.push_back(object ? '}' : ']');
            break;
        }
    }
}

std::string randomString(std::mt19937& rng) {
    static const char* const kPieces[] = {
        "a",  "b",    "xyz",  " ", "\"",       "\\",           "\n",
        "\t", "\x01", "\x1f", "/", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "{",  "]",    ":",    ","};
    constexpr size_t kCount = sizeof kPieces / sizeof kPieces[0];
    std::string s;
    const unsigned n = rng() % 8;
    for (unsigned i = 0; i < n; ++i) {
        s += kPieces[rng() % kCount];
    }
    return s;
}

}  // namespace

JsonNode JsonNode::boolean(bool v) {
    JsonNode n;
    n.kind = v ? Kind::True : Kind::False;
    return n;
}

JsonNode JsonNode::integer(int64_t v) {
    JsonNode n;
    n.kind = Kind::Int;
    n.intValue = v;
    return n;
}

JsonNode JsonNode::unsignedInteger(uint64_t v) {
    JsonNode n;
    n.kind = Kind::Uint;
    n.uintValue = v;
    return n;
}

JsonNode JsonNode::real(double v, std::string mysqlText) {
    JsonNode n;
    n.kind = Kind::Double;
    n.doubleValue = v;
    n.doubleText = std::move(mysqlText);
    return n;
}

JsonNode JsonNode::string(std::string v) {
    JsonNode n;
    n.kind = Kind::String;
    n.text = std::move(v);
    return n;
}

JsonNode JsonNode::array(std::vector<JsonNode> items) {
    JsonNode n;
    n.kind = Kind::Array;
    n.items = std::move(items);
    return n;
}

JsonNode JsonNode::object(std::vector<std::pair<std::string, JsonNode>> members) {
    JsonNode n;
    n.kind = Kind::Object;
    for (auto& [key, value] : members) {
        n.keys.push_back(key);
        n.items.push_back(std::move(value));
    }
    return n;
}

std::vector<uint8_t> encodeJson(const JsonNode& node, const JsonEncodeOptions& options) {
    Encoded e = encode(node, options);
    std::vector<uint8_t> out(1 + e.bytes.size());
    out[0] = e.type;
    std::copy(e.bytes.begin(), e.bytes.end(), out.begin() + 1);
    return out;
}

std::string mysqlText(const JsonNode& node) {
    std::string out;
    appendText(node, out);
    return out;
}

JsonNode randomJson(std::mt19937& rng, unsigned maxDepth) {
    static const std::pair<double, const char*> kDoubles[] = {
        {1.5, "1.5"},       {-0.25, "-0.25"},         {3.0, "3.0"},
        {1e100, "1e100"},   {2.5e-7, "0.00000025"},   {1e15, "1e15"},
        {-1e-16, "-1e-16"}, {1234.5678, "1234.5678"}, {1e10, "10000000000.0"},
        {0.1, "0.1"},
    };
    const unsigned pick = rng() % (maxDepth == 0 ? 8 : 11);
    switch (pick) {
        case 0:
            return JsonNode::null();
        case 1:
            return JsonNode::boolean(rng() % 2 == 0);
        case 2:
            return JsonNode::integer(static_cast<int16_t>(rng()));
        case 3:
            return JsonNode::integer(static_cast<int32_t>(rng()));
        case 4:
            return JsonNode::integer(static_cast<int64_t>((uint64_t{rng()} << 32) | rng()));
        case 5:
            return JsonNode::unsignedInteger(rng() % 3 == 0 ? (uint64_t{rng()} << 32) | rng()
                                                            : rng() % 100000);
        case 6: {
            const auto& d = kDoubles[rng() % (sizeof kDoubles / sizeof kDoubles[0])];
            return JsonNode::real(d.first, d.second);
        }
        case 7:
            return JsonNode::string(randomString(rng));
        case 8:
        case 9: {
            std::vector<JsonNode> items;
            const unsigned n = rng() % 6;
            for (unsigned i = 0; i < n; ++i) {
                items.push_back(randomJson(rng, maxDepth - 1));
            }
            return JsonNode::array(std::move(items));
        }
        default: {
            std::vector<std::pair<std::string, JsonNode>> members;
            const unsigned n = rng() % 6;
            for (unsigned i = 0; i < n; ++i) {
                members.emplace_back(randomString(rng), randomJson(rng, maxDepth - 1));
            }
            return JsonNode::object(std::move(members));
        }
    }
}

}  // namespace ferry::binlog::test
