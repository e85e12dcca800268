// SPDX-License-Identifier: Apache-2.0
#include "fixture_renderer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include <zlib.h>

#include "ferry/binlog/bit_enum_set.h"
#include "ferry/binlog/decimal.h"
#include "ferry/binlog/json_binary.h"
#include "ferry/binlog/temporal.h"

namespace ferry::binlog::test {

namespace {

namespace ct = column_type;

std::string hex(std::span<const std::uint8_t> bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 15]);
    }
    return out;
}

std::string hexNum(std::uint64_t v) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

// Decodes UTF-8 into code points; invalid sequences give U+FFFD per maximal subpart.
std::vector<char32_t> utf8Decode(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    std::size_t i = 0;
    auto u = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    while (i < s.size()) {
        unsigned char c = u(i);
        if (c < 0x80) {
            out.push_back(c);
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
            if (c == 0xe0) {
                lo = 0xa0;
            } else if (c == 0xed) {
                hi = 0x9f;
            }
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
            if (c == 0xf0) {
                lo = 0x90;
            } else if (c == 0xf4) {
                hi = 0x8f;
            }
        } else {
            out.push_back(0xfffd);
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        bool bad = false;
        for (int k = 1; k < len; ++k, ++j) {
            if (j >= s.size()) {
                bad = true;
                break;
            }
            unsigned char cc = u(j);
            unsigned char l = k == 1 ? lo : 0x80;
            unsigned char h = k == 1 ? hi : 0xbf;
            if (cc < l || cc > h) {
                bad = true;
                break;
            }
            cp = (cp << 6) | (cc & 0x3f);
        }
        if (bad) {
            out.push_back(0xfffd);
            i = j;
            continue;
        }
        out.push_back(cp);
        i = j;
    }
    return out;
}

void appendUtf8(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    } else {
        out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
    }
}

// Approximates Python's str.isprintable() for the code points binlogs realistically carry.
bool isPrintable(char32_t cp) {
    if (cp < 0x20 || cp == 0x7f) {
        return false;
    }
    if (cp >= 0x80 && cp <= 0xa0) {
        return false;
    }
    if (cp == 0xad || (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
        (cp >= 0x2060 && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff ||
        (cp >= 0xfff9 && cp <= 0xfffb) || (cp >= 0xe000 && cp <= 0xf8ff) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return false;
    }
    return true;
}

std::string pyList(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i != 0) {
            out += ", ";
        }
        out += items[i];
    }
    return out + "]";
}

template <typename T>
std::string numList(const std::vector<T>& v) {
    std::vector<std::string> items;
    for (auto x : v) {
        items.push_back(std::to_string(x));
    }
    return pyList(items);
}

std::string uuid(const std::array<std::uint8_t, 16>& sid, bool dashes) {
    std::string h = hex(sid);
    if (!dashes) {
        return h;
    }
    return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
           "-" + h.substr(20);
}

std::string charsetList(const CharsetList& list) {
    std::vector<std::string> items;
    if (list.defaultCollation) {
        items.push_back(std::to_string(*list.defaultCollation));
        for (auto [index, collation] : list.exceptions) {
            items.push_back("(" + std::to_string(index) + ", " + std::to_string(collation) + ")");
        }
    } else {
        for (auto c : list.perColumn) {
            items.push_back(std::to_string(c));
        }
    }
    return pyList(items);
}

std::string strValuesList(const std::vector<std::vector<std::string>>& values) {
    std::vector<std::string> outer;
    for (const auto& labels : values) {
        std::vector<std::string> inner;
        for (const auto& l : labels) {
            inner.push_back(pyStr(l));
        }
        outer.push_back(pyList(inner));
    }
    return pyList(outer);
}

std::uint64_t le(std::span<const std::uint8_t> b) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < b.size() && i < 8; ++i) {
        v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    }
    return v;
}

std::string renderStatusVar(const StatusVar& var) {
    auto v = var.value;
    auto text = [&](std::size_t off, std::size_t len) {
        return std::string(reinterpret_cast<const char*>(v.data()) + off, len);
    };
    namespace sc = status_code;
    switch (var.code) {
        case sc::kFlags2:
            return "flags2=" + hexNum(le(v));
        case sc::kSqlMode:
            return "sql_mode=" + hexNum(le(v));
        case sc::kCatalogNz:
            return "catalog=" + text(1, v[0]);
        case sc::kCharset:
            return "charset(client=" + std::to_string(le(v.subspan(0, 2))) +
                   ",conn=" + std::to_string(le(v.subspan(2, 2))) +
                   ",server=" + std::to_string(le(v.subspan(4, 2))) + ")";
        case sc::kTimeZone:
            return "tz=" + text(1, v[0]);
        case sc::kInvoker: {
            std::size_t userLen = v[0];
            std::size_t hostLen = v[1 + userLen];
            return "invoker=" + text(1, userLen) + "@" + text(2 + userLen, hostLen);
        }
        case sc::kUpdatedDbNames: {
            std::vector<std::string> names;
            std::size_t pos = 1;
            for (std::size_t i = 0; i < v[0] && v[0] != 254; ++i) {
                std::size_t end = pos;
                while (end < v.size() && v[end] != 0) {
                    ++end;
                }
                names.push_back(pyStr(text(pos, end - pos)));
                pos = end + 1;
            }
            return "updated_dbs=" + pyList(names);
        }
        case sc::kDdlLoggedWithXid:
            return "ddl_xid=" + std::to_string(le(v));
        case sc::kDefaultCollationForUtf8mb4:
            return "default_coll_utf8mb4=" + std::to_string(le(v));
        case sc::kMariadbXid:
            return "maria_xid=" + std::to_string(le(v));
        default:
            return "code" + std::to_string(var.code) + "=" + hex(v);
    }
}

std::string pyJsonScalar(const std::string& json) {
    if (json == "null") {
        return "None";
    }
    if (json == "true") {
        return "True";
    }
    if (json == "false") {
        return "False";
    }
    if (!json.empty() && json.front() == '"' && json.back() == '"') {
        return pyStr(json.substr(1, json.size() - 2));
    }
    return json;
}

}  // namespace

std::string pyStr(std::string_view bytes, std::size_t maxChars, bool marker) {
    auto cps = utf8Decode(bytes);
    std::size_t total = cps.size();
    bool cut = total > maxChars;
    if (cut) {
        cps.resize(maxChars);
    }
    bool hasSingle = false;
    bool hasDouble = false;
    for (auto cp : cps) {
        hasSingle |= cp == '\'';
        hasDouble |= cp == '"';
    }
    char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    for (auto cp : cps) {
        if (cp == '\\') {
            out += "\\\\";
        } else if (cp == static_cast<char32_t>(quote)) {
            out += '\\';
            out += quote;
        } else if (cp == '\t') {
            out += "\\t";
        } else if (cp == '\n') {
            out += "\\n";
        } else if (cp == '\r') {
            out += "\\r";
        } else if (!isPrintable(cp)) {
            char buf[16];
            if (cp < 0x100) {
                std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
            } else if (cp < 0x10000) {
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
            } else {
                std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
            }
            out += buf;
        } else {
            appendUtf8(cp, out);
        }
    }
    if (cut && marker) {
        out += "...(" + std::to_string(total) + ")";
    }
    out += quote;
    return out;
}

std::string pyFloat(double value) {
    if (std::isnan(value)) {
        return "nan";
    }
    if (std::isinf(value)) {
        return value < 0 ? "-inf" : "inf";
    }
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    bool negative = sci[0] == '-';
    if (negative) {
        sci.erase(0, 1);
    }
    auto e = sci.find('e');
    std::string mantissa = sci.substr(0, e);
    int exponent = std::stoi(sci.substr(e + 1));
    std::string digits;
    for (char c : mantissa) {
        if (c != '.') {
            digits += c;
        }
    }
    int decpt = exponent + 1;
    std::string out = negative ? "-" : "";
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out += "0." + std::string(static_cast<std::size_t>(-decpt), '0') + digits;
        } else if (static_cast<std::size_t>(decpt) >= digits.size()) {
            out +=
                digits + std::string(static_cast<std::size_t>(decpt) - digits.size(), '0') + ".0";
        } else {
            out += digits.substr(0, static_cast<std::size_t>(decpt)) + "." +
                   digits.substr(static_cast<std::size_t>(decpt));
        }
        return out;
    }
    out += digits.substr(0, 1);
    if (digits.size() > 1) {
        out += "." + digits.substr(1);
    }
    char ebuf[16];
    std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + ebuf;
}

Status FixtureRenderer::onEvent(const EventContext& ctx) {
    const auto& h = ctx.header;
    std::string line = ctx.inner ? "  [inner]@" : "@";
    line += std::to_string(ctx.offset) + " " + eventTypeName(h.typeCode) +
            " size=" + std::to_string(h.eventLength) + " next=" + std::to_string(h.logPos) +
            " flags=" + hexNum(h.flags) + " sid=" + std::to_string(h.serverId) +
            " ts=" + std::to_string(h.timestamp);
    if (ctx.checksumVerified && h.type() != EventType::FormatDescription) {
        line += " crc=ok";
    }
    m_lines.push_back(std::move(line));
    return okStatus();
}

Status FixtureRenderer::onFormatDescription(const EventContext& ctx, const FormatDescription& fde) {
    std::string line = "   binlog_ver=" + std::to_string(fde.binlogVersion) +
                       " server=" + fde.serverVersion +
                       " header_len=" + std::to_string(fde.commonHeaderLength) +
                       " n_post_header_lens=" + std::to_string(fde.postHeaderLengths.size());
    if (!fde.checksumCapable) {
        line += " (pre-checksum server)";
    } else {
        line += " checksum_alg=" + std::to_string(static_cast<int>(fde.checksumAlgorithm));
        if (fde.checksumAlgorithm == ChecksumAlgorithm::Crc32) {
            // The reference decoder checks the stored bytes as they are, without clearing
            // BINLOG_IN_USE first, so it reports False for files still open. The decoder itself
            // verified the CRC with the bit cleared (it would have failed otherwise).
            auto body = ctx.raw.first(ctx.raw.size() - 4);
            auto tail = ctx.raw.last(4);
            std::uint32_t stored = static_cast<std::uint32_t>(le(tail));
            auto computed =
                static_cast<std::uint32_t>(::crc32(0, body.data(), static_cast<uInt>(body.size())));
            line += stored == computed ? " crc_ok=True" : " crc_ok=False";
        } else {
            line += " crc_ok=None";
        }
    }
    m_lines.push_back(std::move(line));
    return okStatus();
}

Status FixtureRenderer::onRotate(const EventContext&, const RotateEvent& ev) {
    m_lines.push_back("   next_file=" + std::string(ev.nextFile) +
                      " pos=" + std::to_string(ev.position));
    return okStatus();
}

Status FixtureRenderer::onQuery(const EventContext&, const QueryEvent& ev) {
    std::vector<std::string> vars;
    for (const auto& var : ev.statusVars) {
        vars.push_back(renderStatusVar(var));
    }
    m_lines.push_back("   thread=" + std::to_string(ev.threadId) +
                      " exec=" + std::to_string(ev.execTime) + " db=" + pyStr(ev.database) +
                      " err=" + std::to_string(ev.errorCode) + " status_vars=" + pyList(vars));
    m_lines.push_back("   query=" + pyStr(ev.query, 200));
    return okStatus();
}

Status FixtureRenderer::onXid(const EventContext&, const XidEvent& ev) {
    m_lines.push_back("   xid=" + std::to_string(ev.xid));
    return okStatus();
}

Status FixtureRenderer::onTableMap(const EventContext&, const TableMap& map) {
    std::vector<int> types;
    std::vector<int> metas;
    for (const auto& c : map.columns) {
        types.push_back(c.type);
        metas.push_back(c.meta);
    }
    m_lines.push_back("   table_id=" + std::to_string(map.tableId) + " " + map.schema + "." +
                      map.table + " cols=" + std::to_string(map.columns.size()) +
                      " types=" + numList(types) + " meta=" + numList(metas) +
                      " nullable=" + hex(map.nullBitmap));
    namespace om = optional_metadata;
    for (auto type : map.optionalMetadataOrder) {
        std::string line = "   optmeta ";
        switch (type) {
            case om::kSignedness:
                line += "SIGNEDNESS(1): " + hex(map.signedness) + " (MSB-first bitmap)";
                break;
            case om::kDefaultCharset:
                line += "DEFAULT_CHARSET(2): " + charsetList(map.defaultCharset);
                break;
            case om::kColumnCharset:
                line += "COLUMN_CHARSET(3): " + charsetList(map.defaultCharset);
                break;
            case om::kColumnName: {
                std::vector<std::string> names;
                for (const auto& c : map.columns) {
                    names.push_back(pyStr(c.name));
                }
                line += "COLUMN_NAME(4): " + pyList(names);
                break;
            }
            case om::kSetStrValue:
                line += "SET_STR_VALUE(5): " + strValuesList(map.setValues);
                break;
            case om::kEnumStrValue:
                line += "ENUM_STR_VALUE(6): " + strValuesList(map.enumValues);
                break;
            case om::kGeometryType:
                line += "GEOMETRY_TYPE(7): " + numList(map.geometryTypes);
                break;
            case om::kSimplePrimaryKey:
                line += "SIMPLE_PRIMARY_KEY(8): " + numList(map.primaryKey);
                break;
            case om::kPrimaryKeyWithPrefix: {
                std::vector<std::string> items;
                for (auto [i, p] : map.primaryKeyPrefixes) {
                    items.push_back("(" + std::to_string(i) + ", " + std::to_string(p) + ")");
                }
                line += "PRIMARY_KEY_WITH_PREFIX(9): " + pyList(items);
                break;
            }
            case om::kEnumAndSetDefaultCharset:
                line += "ENUM_AND_SET_DEFAULT_CHARSET(10): " + charsetList(map.enumSetCharset);
                break;
            case om::kEnumAndSetColumnCharset:
                line += "ENUM_AND_SET_COLUMN_CHARSET(11): " + charsetList(map.enumSetCharset);
                break;
            case om::kColumnVisibility:
                line +=
                    "COLUMN_VISIBILITY(12): " + hex(map.columnVisibility) + " (MSB-first bitmap)";
                break;
            case om::kVectorDimensionality:
                line += "VECTOR_DIMENSIONALITY(13): " + numList(map.vectorDimensions);
                break;
            default:
                line += "type" + std::to_string(type);
                break;
        }
        m_lines.push_back(std::move(line));
    }
    return okStatus();
}

Status FixtureRenderer::onRowsBegin(const EventContext&, const RowsEvent& ev) {
    std::string line = "   table_id=" + std::to_string(ev.tableId) + " flags=" + hexNum(ev.flags) +
                       " extra=" + hex(ev.extraData) + " ncols=" + std::to_string(ev.columnCount) +
                       " present=" + hex(ev.columnsPresent);
    if (ev.kind == RowsKind::Update) {
        line += " present_after=" + hex(ev.columnsPresentAfter);
    }
    m_lines.push_back(std::move(line));
    m_rowIndex = 0;
    return okStatus();
}

Result<std::string> FixtureRenderer::renderImage(const RowsEvent&, const RowImage& image) {
    std::string out = "{";
    bool first = true;
    for (std::size_t i = 0; i < image.size(); ++i) {
        const ColumnValue& v = image[i];
        if (!v.isPresent()) {
            continue;
        }
        if (!first) {
            out += ", ";
        }
        first = false;
        out += std::to_string(i) + ": ";
        const auto* p = v.bytes.data();
        std::size_t n = v.bytes.size();
        std::string text;
        switch (v.kind) {
            case ValueKind::Absent:
                break;
            case ValueKind::Null:
                out += "None";
                break;
            case ValueKind::SignedInt:
            case ValueKind::Year:
                out += std::to_string(v.i);
                break;
            case ValueKind::UnsignedInt:
                out += std::to_string(v.u);
                break;
            case ValueKind::Float:
            case ValueKind::Double:
                out += pyFloat(v.d);
                break;
            case ValueKind::Decimal: {
                FERRY_ASSIGN_OR_RETURN(auto dec, decodeDecimal(p, n, v.meta >> 8, v.meta & 0xff));
                out += pyStr(dec.text());
                break;
            }
            case ValueKind::Date: {
                FERRY_ASSIGN_OR_RETURN(auto d, decodeDate(p, n));
                appendDate(d, text);
                out += pyStr(text);
                break;
            }
            case ValueKind::Time: {
                FERRY_ASSIGN_OR_RETURN(auto t, decodeTime(p, n));
                appendTime(t, text);
                out += pyStr(text);
                break;
            }
            case ValueKind::Time2: {
                FERRY_ASSIGN_OR_RETURN(auto t, decodeTime2(p, n, v.meta));
                appendTime(t, text);
                out += pyStr(text);
                break;
            }
            case ValueKind::Datetime: {
                FERRY_ASSIGN_OR_RETURN(auto d, decodeDateTime(p, n));
                appendDateTime(d, text);
                out += pyStr(text);
                break;
            }
            case ValueKind::Datetime2: {
                FERRY_ASSIGN_OR_RETURN(auto d, decodeDateTime2(p, n, v.meta));
                appendDateTime(d, text);
                out += pyStr(text);
                break;
            }
            case ValueKind::Timestamp: {
                unsigned fsp = v.type == ct::kTimestamp2 ? v.meta : 0;
                text = "ts:" + std::to_string(v.u);
                if (fsp > 0) {
                    char frac[8];
                    unsigned scaled = v.microseconds;
                    for (unsigned k = fsp; k < 6; ++k) {
                        scaled /= 10;
                    }
                    std::snprintf(frac, sizeof frac, ".%0*u", static_cast<int>(fsp), scaled);
                    text += frac;
                }
                out += pyStr(text);
                break;
            }
            case ValueKind::Bit:
                appendBitLiteral(v.u, text);
                out += pyStr(text);
                break;
            case ValueKind::Enum:
                out += pyStr("enum#" + std::to_string(v.u));
                break;
            case ValueKind::Set:
                out += pyStr("set:" + hexNum(v.u));
                break;
            case ValueKind::String:
                out += pyStr(v.text(), 60, true);
                break;
            case ValueKind::Json:
                FERRY_TRY(appendJsonText(v.bytes, text));
                out += "('JSON', " + pyStr(text) + ")";
                break;
            case ValueKind::JsonDiff: {
                JsonDiffReader reader(v.bytes);
                JsonDiff diff;
                std::vector<std::string> items;
                for (;;) {
                    FERRY_ASSIGN_OR_RETURN(bool more, reader.next(diff));
                    if (!more) {
                        break;
                    }
                    std::string item = "(" + pyStr(jsonDiffOperationName(diff.operation)) + ", " +
                                       pyStr(diff.path);
                    if (diff.operation != JsonDiffOperation::Remove) {
                        std::string json;
                        FERRY_TRY(appendJsonText(diff.value, json));
                        item += ", " + pyJsonScalar(json);
                    }
                    items.push_back(item + ")");
                }
                out += "('JSON_DIFF', " + pyList(items) + ")";
                break;
            }
            case ValueKind::Geometry:
                out += pyStr("0x" + hex(v.bytes));
                break;
            case ValueKind::Vector: {
                std::vector<std::string> items;
                for (std::size_t k = 0; k + 4 <= n; k += 4) {
                    std::uint32_t bits = static_cast<std::uint32_t>(le(v.bytes.subspan(k, 4)));
                    float f;
                    std::memcpy(&f, &bits, 4);
                    items.push_back(pyFloat(f));
                }
                out += pyList(items);
                break;
            }
        }
    }
    return out + "}";
}

Status FixtureRenderer::onRow(const RowsEvent& ev, const RowImage* before, const RowImage* after) {
    std::string line = "   row" + std::to_string(m_rowIndex++) + ": ";
    if (before != nullptr) {
        FERRY_ASSIGN_OR_RETURN(auto b, renderImage(ev, *before));
        line += b;
    }
    if (before != nullptr && after != nullptr) {
        line += " => ";
    }
    if (after != nullptr) {
        FERRY_ASSIGN_OR_RETURN(auto a, renderImage(ev, *after));
        line += a;
    }
    m_lines.push_back(std::move(line));
    return okStatus();
}

Status FixtureRenderer::onGtid(const EventContext&, const GtidEvent& ev) {
    std::string line = "   flags=" + std::to_string(ev.flags) + " gtid=" + uuid(ev.sid, true) +
                       ":" + std::to_string(ev.gno) +
                       " last_committed=" + std::to_string(ev.lastCommitted) +
                       " seq=" + std::to_string(ev.sequenceNumber);
    if (ev.immediateCommitTimestamp) {
        line += " imm_commit_us=" + std::to_string(*ev.immediateCommitTimestamp) +
                " orig_commit_us=" + std::to_string(ev.originalCommitTimestamp.value_or(0));
    }
    if (ev.transactionLength) {
        line += " trx_len=" + std::to_string(*ev.transactionLength);
    }
    if (ev.immediateServerVersion) {
        line += " imm_srv_ver=" + std::to_string(*ev.immediateServerVersion) +
                " orig_srv_ver=" + std::to_string(ev.originalServerVersion.value_or(0));
    }
    m_lines.push_back(std::move(line));
    return okStatus();
}

Status FixtureRenderer::onPreviousGtids(const EventContext&, const PreviousGtidsEvent& ev) {
    std::string line = "   previous_gtids(format=" + std::to_string(ev.format) + ")=";
    for (std::size_t i = 0; i < ev.entries.size(); ++i) {
        const auto& e = ev.entries[i];
        if (i != 0) {
            line += ",";
        }
        line += uuid(e.sid, false);
        if (!e.tag.empty()) {
            line += ":" + e.tag;
        }
        for (auto [start, end] : e.intervals) {
            line += ":" + std::to_string(start) + "-" + std::to_string(end - 1);
        }
    }
    m_lines.push_back(std::move(line));
    return okStatus();
}

Status FixtureRenderer::onTransactionPayload(const EventContext&,
                                             const TransactionPayloadEvent& ev) {
    m_lines.push_back("   payload fields: compression_type=" + std::to_string(ev.compressionType) +
                      " uncompressed_size=" + std::to_string(ev.uncompressedSize) +
                      " payload_size=" + std::to_string(ev.payloadSize) +
                      " (actual payload bytes=" + std::to_string(ev.actualPayloadBytes) + ")");
    m_lines.push_back("   decompressed " + std::to_string(ev.decompressed.size()) + " bytes");
    return okStatus();
}

Status FixtureRenderer::onMariadbGtid(const EventContext&, const MariadbGtidEvent& ev) {
    m_lines.push_back("   mariadb gtid domain=" + std::to_string(ev.domainId) +
                      " seq=" + std::to_string(ev.sequence) + " flags2=" + hexNum(ev.flags2));
    return okStatus();
}

Status FixtureRenderer::onMariadbGtidList(const EventContext&, const MariadbGtidListEvent& ev) {
    std::vector<std::string> items;
    for (const auto& g : ev.gtids) {
        items.push_back(pyStr(std::to_string(g.domainId) + "-" + std::to_string(g.serverId) + "-" +
                              std::to_string(g.seqNo)));
    }
    m_lines.push_back("   gtid_list flags=" + std::to_string(ev.flags) + " " + pyList(items));
    return okStatus();
}

Status FixtureRenderer::onAnnotateRows(const EventContext&, const AnnotateRowsEvent& ev) {
    m_lines.push_back("   annotate=" + pyStr(ev.query, 200));
    return okStatus();
}

Status FixtureRenderer::onBinlogCheckpoint(const EventContext&, const BinlogCheckpointEvent& ev) {
    m_lines.push_back("   checkpoint file=" + std::string(ev.file));
    return okStatus();
}

}  // namespace ferry::binlog::test
