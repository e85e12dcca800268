// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/binlog_source.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include <libdeflate.h>
#include <zstd.h>

#include "byte_reader.h"
#include "decoder_internal.h"

namespace ferry::binlog {

using detail::corrupt;
using detail::unsupported;

namespace detail {

std::string where(const EventContext& ctx) {
    std::string out = eventTypeName(ctx.header.typeCode) + " event at " +
                      (ctx.file.empty() ? std::string("<unnamed binlog>") : std::string(ctx.file)) +
                      ":" + std::to_string(ctx.offset);
    if (ctx.inner) {
        out += " (offset inside a TRANSACTION_PAYLOAD)";
    }
    return out;
}

Error corrupt(const EventContext& ctx, std::string_view what) {
    return makeError(ErrorCode::Corrupt,
                     where(ctx) + ": " + std::string(what) +
                         "; the binlog is damaged or truncated: re-read it from the source");
}

Error unsupported(const EventContext& ctx, std::string_view what) {
    return makeError(ErrorCode::Unsupported, where(ctx) + ": " + std::string(what));
}

}  // namespace detail

namespace {

namespace ct = column_type;

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

std::size_t countBits(std::span<const std::uint8_t> bitmap, std::uint64_t bits) {
    std::size_t n = 0;
    for (std::uint64_t i = 0; i < bits; ++i) {
        n += (bitmap[i / 8] >> (i % 8)) & 1;
    }
    return n;
}

bool bitSet(std::span<const std::uint8_t> bitmap, std::size_t bit) {
    return (bitmap[bit / 8] >> (bit % 8)) & 1;
}

}  // namespace

ServerVersion ServerVersion::parse(std::string_view text) {
    ServerVersion v;
    int* parts[3] = {&v.major, &v.minor, &v.patch};
    std::size_t i = 0;
    for (int k = 0; k < 3; ++k) {
        if (i >= text.size() || !isDigit(text[i])) {
            break;
        }
        int n = 0;
        while (i < text.size() && isDigit(text[i]) && n < 100000) {
            n = n * 10 + (text[i] - '0');
            ++i;
        }
        *parts[k] = n;
        if (i >= text.size() || text[i] != '.') {
            break;
        }
        ++i;
    }
    return v;
}

bool ServerVersion::atLeast(int maj, int min, int pat) const {
    if (major != maj) {
        return major > maj;
    }
    if (minor != min) {
        return minor > min;
    }
    return patch >= pat;
}

std::uint8_t FormatDescription::postHeaderLength(std::uint8_t typeCode,
                                                 std::uint8_t fallback) const {
    if (typeCode == 0 || typeCode > postHeaderLengths.size()) {
        return fallback;
    }
    return postHeaderLengths[typeCode - 1];
}

std::uint32_t crc32(std::span<const std::uint8_t> data) {
    return libdeflate_crc32(0, data.data(), data.size());
}

Result<FormatDescription> parseFormatDescription(std::span<const std::uint8_t> event) {
    constexpr std::size_t kFixed = 2 + 50 + 4 + 1;
    if (event.size() < kCommonHeaderLength + kFixed) {
        return makeError(ErrorCode::Corrupt, "FORMAT_DESCRIPTION event of " +
                                                 std::to_string(event.size()) +
                                                 " bytes is shorter than its fixed part");
    }
    auto body = event.subspan(kCommonHeaderLength);
    ByteReader r(body);
    FormatDescription fde;
    fde.binlogVersion = r.u16();
    auto version = r.text(50);
    fde.serverVersion = std::string(version.substr(0, version.find('\0')));
    fde.createTimestamp = r.u32();
    fde.commonHeaderLength = r.u8();
    if (fde.binlogVersion != 4) {
        return makeError(ErrorCode::Unsupported,
                         "binlog version " + std::to_string(fde.binlogVersion) +
                             " is not supported (only v4, MySQL 5.0 and later)");
    }
    if (fde.commonHeaderLength != kCommonHeaderLength) {
        return makeError(ErrorCode::Corrupt, "FORMAT_DESCRIPTION declares a common header of " +
                                                 std::to_string(fde.commonHeaderLength) +
                                                 " bytes; v4 binlogs use 19");
    }
    fde.version = ServerVersion::parse(fde.serverVersion);
    fde.flavor = fde.serverVersion.find("MariaDB") != std::string::npos ? ServerFlavor::MariaDb
                                                                        : ServerFlavor::MySql;
    fde.checksumCapable = fde.flavor == ServerFlavor::MariaDb ? fde.version.atLeast(5, 3, 0)
                                                              : fde.version.atLeast(5, 6, 1);
    std::size_t tableLen = r.remaining();
    if (fde.checksumCapable) {
        if (tableLen < 5) {
            return makeError(ErrorCode::Corrupt,
                             "FORMAT_DESCRIPTION of a checksum-capable server (" +
                                 fde.serverVersion + ") lacks the checksum algorithm byte");
        }
        tableLen -= 5;
        std::uint8_t alg = body[body.size() - 5];
        if (alg != 0 && alg != 1 && alg != 255) {
            return makeError(ErrorCode::Unsupported,
                             "FORMAT_DESCRIPTION announces checksum "
                             "algorithm " +
                                 std::to_string(alg) + "; only NONE (0) and CRC32 (1) exist");
        }
        fde.checksumAlgorithm = alg == 1   ? ChecksumAlgorithm::Crc32
                                : alg == 0 ? ChecksumAlgorithm::Off
                                           : ChecksumAlgorithm::Undefined;
    }
    auto table = r.bytes(tableLen);
    fde.postHeaderLengths.assign(table.begin(), table.end());
    return fde;
}

struct EventDecoder::Impl {
    explicit Impl(EventDecoder& owner) : self(owner) {}
    ~Impl() {
        if (zstd != nullptr) {
            ZSTD_freeDCtx(zstd);
        }
    }

    Status dispatch(EventContext& ctx, std::span<const std::uint8_t> body, EventHandler& handler);
    Status decodeQuery(const EventContext& ctx, std::span<const std::uint8_t> body,
                       EventHandler& handler);
    Status decodeRows(const EventContext& ctx, std::span<const std::uint8_t> body,
                      EventHandler& handler);
    Status decodeRowImage(const EventContext& ctx, const TableMap& table,
                          std::span<const std::uint8_t> present, std::size_t presentCount,
                          std::span<const std::uint8_t>& data, bool partialAfter,
                          std::vector<ColumnValue>& image);
    Status decodePayload(const EventContext& ctx, std::span<const std::uint8_t> body,
                         EventHandler& handler);
    Status decodeGtid(const EventContext& ctx, std::span<const std::uint8_t> body,
                      EventHandler& handler);

    const FormatDescription& fde() const { return *self.m_fde; }

    EventDecoder& self;
    // A cached TABLE_MAP with the body it was parsed from: servers repeat the same TABLE_MAP
    // before every statement, and an identical body is not parsed again.
    struct CachedTable {
        std::unique_ptr<TableMap> map;
        std::vector<std::uint8_t> body;
    };
    std::unordered_map<std::uint64_t, CachedTable> tables;
    std::vector<ColumnValue> before;
    std::vector<ColumnValue> after;
    std::vector<std::uint8_t> inflated;  // MariaDB compressed event bodies
    std::vector<std::uint8_t> payload;   // TRANSACTION_PAYLOAD content
    std::vector<std::uint8_t> partialBits;
    ZSTD_DCtx* zstd = nullptr;
    bool inPayload = false;
};

EventDecoder::EventDecoder(DecoderOptions options)
    : m_impl(std::make_unique<Impl>(*this)), m_options(options) {}

EventDecoder::~EventDecoder() = default;

const TableMap* EventDecoder::tableMap(std::uint64_t tableId) const {
    auto it = m_impl->tables.find(tableId);
    return it == m_impl->tables.end() ? nullptr : it->second.map.get();
}

namespace {

// REQUIRES: event.size() >= kCommonHeaderLength (checked by every caller).
EventHeader parseHeader(std::span<const std::uint8_t> event) {
    const std::uint8_t* p = event.data();
    auto le16 = [](const std::uint8_t* q) {
        return static_cast<std::uint16_t>(q[0] | (q[1] << 8));
    };
    auto le32 = [](const std::uint8_t* q) {
        return static_cast<std::uint32_t>(q[0]) | (static_cast<std::uint32_t>(q[1]) << 8) |
               (static_cast<std::uint32_t>(q[2]) << 16) | (static_cast<std::uint32_t>(q[3]) << 24);
    };
    EventHeader h;
    h.timestamp = le32(p);
    h.typeCode = p[4];
    h.serverId = le32(p + 5);
    h.eventLength = le32(p + 9);
    h.logPos = le32(p + 13);
    h.flags = le16(p + 17);
    return h;
}

std::uint32_t storedCrc(std::span<const std::uint8_t> event) {
    const auto* p = event.data() + event.size() - 4;
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

}  // namespace

Status EventDecoder::decode(std::span<const std::uint8_t> event, std::uint64_t offset,
                            EventHandler& handler) {
    EventContext ctx;
    ctx.file = m_file;
    ctx.offset = offset;
    ctx.raw = event;
    if (event.size() < kCommonHeaderLength) {
        return makeError(ErrorCode::Corrupt,
                         "event at " + (m_file.empty() ? std::string("<unnamed binlog>") : m_file) +
                             ":" + std::to_string(offset) + " has " + std::to_string(event.size()) +
                             " bytes, fewer than the 19-byte common header; the binlog is "
                             "truncated or damaged");
    }
    ctx.header = parseHeader(event);
    if (ctx.header.eventLength != event.size()) {
        return corrupt(ctx, "the header's event length " + std::to_string(ctx.header.eventLength) +
                                " disagrees with the " + std::to_string(event.size()) +
                                " bytes framed for it");
    }

    std::size_t trailer = 0;
    if (ctx.header.type() == EventType::FormatDescription) {
        auto parsed = parseFormatDescription(event);
        if (!parsed.ok()) {
            return makeError(parsed.error().code,
                             detail::where(ctx) + ": " + parsed.error().message);
        }
        if (parsed->checksumAlgorithm == ChecksumAlgorithm::Crc32) {
            trailer = kChecksumLength;
        } else if (parsed->checksumCapable) {
            trailer = kChecksumLength;  // present but not a checksum when the algorithm is OFF
        }
        if (parsed->checksumAlgorithm == ChecksumAlgorithm::Crc32 && m_options.verifyChecksums) {
            // A file still open has BINLOG_IN_USE set; its CRC was computed with the bit clear.
            std::vector<std::uint8_t> copy(event.begin(), event.end() - 4);
            copy[17] = static_cast<std::uint8_t>(copy[17] & ~header_flags::kBinlogInUse);
            std::uint32_t want = storedCrc(event);
            std::uint32_t got = crc32(copy);
            if (want != got) {
                return corrupt(ctx, "CRC32 mismatch (stored " + hex32(want) + ", computed " +
                                        hex32(got) + ")");
            }
            ctx.checksumVerified = true;
        }
        m_fde = std::move(parsed).value();
        m_impl->tables.clear();
        FERRY_TRY(handler.onEvent(ctx));
        return handler.onFormatDescription(ctx, *m_fde);
    }

    bool crc = m_fde && m_fde->checksumAlgorithm == ChecksumAlgorithm::Crc32;
    if (!m_fde && ctx.header.type() == EventType::Rotate &&
        event.size() >= kCommonHeaderLength + 8 + kChecksumLength) {
        // The artificial ROTATE that opens a replication stream precedes the FDE; it carries a
        // CRC exactly when the binlog has checksums. A matching trailer tells.
        crc = crc32(event.first(event.size() - 4)) == storedCrc(event);
    }
    if (crc) {
        if (event.size() < kCommonHeaderLength + kChecksumLength) {
            return corrupt(ctx, "event too short to hold its CRC32 trailer");
        }
        trailer = kChecksumLength;
        if (m_options.verifyChecksums) {
            std::uint32_t want = storedCrc(event);
            std::uint32_t got = crc32(event.first(event.size() - 4));
            if (want != got) {
                return corrupt(ctx, "CRC32 mismatch (stored " + hex32(want) + ", computed " +
                                        hex32(got) + ")");
            }
            ctx.checksumVerified = true;
        }
    }
    auto body = event.subspan(kCommonHeaderLength, event.size() - kCommonHeaderLength - trailer);
    return m_impl->dispatch(ctx, body, handler);
}

Status EventDecoder::Impl::dispatch(EventContext& ctx, std::span<const std::uint8_t> body,
                                    EventHandler& handler) {
    const EventHeader& h = ctx.header;
    bool haveFde = self.m_fde.has_value();
    switch (h.type()) {
        case EventType::Rotate: {
            ByteReader r(body);
            RotateEvent ev;
            ev.position = r.u64();
            if (!r.ok()) {
                return corrupt(ctx, "ROTATE body of " + std::to_string(body.size()) +
                                        " bytes lacks the 8-byte position");
            }
            ev.nextFile = asText(r.rest());
            FERRY_TRY(handler.onEvent(ctx));
            FERRY_TRY(handler.onRotate(ctx, ev));
            if (!ctx.inner) {
                self.m_file = std::string(ev.nextFile);
                tables.clear();
            }
            return okStatus();
        }
        case EventType::FormatDescription:
            return corrupt(ctx, "a FORMAT_DESCRIPTION cannot appear inside a TRANSACTION_PAYLOAD");
        default:
            break;
    }
    if (!haveFde) {
        switch (h.type()) {
            case EventType::Heartbeat:
            case EventType::HeartbeatV2:
                break;
            default:
                return corrupt(ctx,
                               "event before any FORMAT_DESCRIPTION; read a binlog from its "
                               "start (offset 4) or let the server send the FDE first");
        }
    }

    switch (h.type()) {
        case EventType::Query:
        case EventType::MariadbQueryCompressed:
            return decodeQuery(ctx, body, handler);
        case EventType::Xid: {
            ByteReader r(body);
            XidEvent ev{r.u64()};
            if (!r.ok()) {
                return corrupt(ctx,
                               "XID body is " + std::to_string(body.size()) + " bytes, 8 expected");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onXid(ctx, ev);
        }
        case EventType::TableMap: {
            std::uint64_t tableId = 0;
            std::size_t idBytes = fde().postHeaderLength(19, 8) == 6 ? 4 : 6;
            for (std::size_t i = 0; i < idBytes && i < body.size(); ++i) {
                tableId |= static_cast<std::uint64_t>(body[i]) << (8 * i);
            }
            auto cached = tables.find(tableId);
            if (cached == tables.end() ||
                !std::equal(body.begin(), body.end(), cached->second.body.begin(),
                            cached->second.body.end())) {
                FERRY_ASSIGN_OR_RETURN(auto map, detail::parseTableMap(ctx, body, fde()));
                auto& slot = tables[map->tableId];
                slot.map = std::move(map);
                slot.body.assign(body.begin(), body.end());
                cached = tables.find(tableId);
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onTableMap(ctx, *cached->second.map);
        }
        case EventType::WriteRowsV1:
        case EventType::UpdateRowsV1:
        case EventType::DeleteRowsV1:
        case EventType::WriteRowsV2:
        case EventType::UpdateRowsV2:
        case EventType::DeleteRowsV2:
        case EventType::PartialUpdateRows:
        case EventType::MariadbWriteRowsCompressedV1:
        case EventType::MariadbUpdateRowsCompressedV1:
        case EventType::MariadbDeleteRowsCompressedV1:
            return decodeRows(ctx, body, handler);
        case EventType::Gtid:
        case EventType::AnonymousGtid:
        case EventType::GtidTagged:
            return decodeGtid(ctx, body, handler);
        case EventType::PreviousGtids: {
            PreviousGtidsEvent ev;
            ev.encoded = body;
            ByteReader r(body);
            std::uint64_t count = 0;
            // Tagged format (MySQL 8.3+): 0x01, 6-byte count, 0x01. The untagged 8-byte count
            // never has its top byte set.
            if (body.size() >= 8 && body[0] == 0x01 && body[7] == 0x01) {
                ev.format = 1;
                r.skip(1);
                count = r.uint(6);
                r.skip(1);
            } else {
                count = r.u64();
            }
            if (!r.ok() || count > r.remaining() / 16) {
                return corrupt(ctx, "PREVIOUS_GTIDS SID count " + std::to_string(count) +
                                        " runs past the end of the event");
            }
            for (std::uint64_t i = 0; i < count && r.ok(); ++i) {
                auto& e = ev.entries.emplace_back();
                auto sid = r.bytes(16);
                if (r.ok()) {
                    std::copy(sid.begin(), sid.end(), e.sid.begin());
                }
                if (ev.format == 1) {
                    std::uint8_t tagLen = r.u8();
                    e.tag = std::string(r.text(tagLen >> 1));
                }
                std::uint64_t n = r.u64();
                if (!r.ok() || n > r.remaining() / 16) {
                    return corrupt(ctx, "PREVIOUS_GTIDS interval count " + std::to_string(n) +
                                            " runs past the end of the event");
                }
                for (std::uint64_t k = 0; k < n; ++k) {
                    std::uint64_t start = r.u64();
                    std::uint64_t end = r.u64();
                    if (start >= end) {
                        return corrupt(ctx, "PREVIOUS_GTIDS interval [" + std::to_string(start) +
                                                ", " + std::to_string(end) + ") is empty");
                    }
                    e.intervals.emplace_back(start, end);
                }
            }
            if (!r.ok() || !r.atEnd()) {
                return corrupt(ctx, "PREVIOUS_GTIDS set does not fill its " +
                                        std::to_string(body.size()) + " bytes exactly");
            }
            auto set = model::MysqlGtidSet::decode(body);
            if (!set.ok()) {
                return corrupt(ctx, "PREVIOUS_GTIDS: " + set.error().message);
            }
            ev.gtidSet = std::move(set).value();
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onPreviousGtids(ctx, ev);
        }
        case EventType::TransactionPayload:
            return decodePayload(ctx, body, handler);
        case EventType::MariadbGtid: {
            ByteReader r(body);
            MariadbGtidEvent ev;
            ev.sequence = r.u64();
            ev.domainId = r.u32();
            ev.serverId = h.serverId;
            ev.flags2 = r.u8();
            if (ev.flags2 & MariadbGtidEvent::kGroupCommitId) {
                ev.commitId = r.u64();
            } else if (ev.flags2 &
                       (MariadbGtidEvent::kPreparedXa | MariadbGtidEvent::kCompletedXa)) {
                ev.xaFormatId = r.u32();
                std::uint8_t gtridLen = r.u8();
                std::uint8_t bqualLen = r.u8();
                if (gtridLen > 64 || bqualLen > 64) {
                    return corrupt(ctx, "MariaDB GTID XA id lengths exceed 64 bytes");
                }
                ev.xaGtrid = r.bytes(gtridLen);
                ev.xaBqual = r.bytes(bqualLen);
            } else {
                r.skip(std::min<std::size_t>(6, r.remaining()));
            }
            if (!r.ok()) {
                return corrupt(ctx, "MariaDB GTID body of " + std::to_string(body.size()) +
                                        " bytes is too short for its flags");
            }
            ev.extra = r.rest();
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onMariadbGtid(ctx, ev);
        }
        case EventType::MariadbGtidList: {
            ByteReader r(body);
            std::uint32_t countFlags = r.u32();
            MariadbGtidListEvent ev;
            ev.flags = static_cast<std::uint8_t>(countFlags >> 28);
            std::uint32_t count = countFlags & 0x0fffffff;
            if (!r.ok() || count > r.remaining() / 16) {
                return corrupt(ctx, "GTID_LIST count " + std::to_string(count) +
                                        " runs past the end of the event");
            }
            ev.gtids.reserve(count);
            for (std::uint32_t i = 0; i < count; ++i) {
                model::MariadbGtid g;
                g.domainId = r.u32();
                g.serverId = r.u32();
                g.seqNo = r.u64();
                ev.gtids.push_back(g);
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onMariadbGtidList(ctx, ev);
        }
        case EventType::MariadbAnnotateRows: {
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onAnnotateRows(ctx, AnnotateRowsEvent{asText(body)});
        }
        case EventType::MariadbBinlogCheckpoint: {
            ByteReader r(body);
            std::uint32_t len = r.u32();
            auto file = r.text(len);
            if (!r.ok()) {
                return corrupt(ctx, "BINLOG_CHECKPOINT file name of " + std::to_string(len) +
                                        " bytes runs past the end of the event");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onBinlogCheckpoint(ctx, BinlogCheckpointEvent{file});
        }
        case EventType::MariadbStartEncryption:
            if (h.hasFlag(header_flags::kIgnorable)) {
                FERRY_TRY(handler.onEvent(ctx));
                return handler.onIgnorable(ctx);
            }
            return unsupported(ctx,
                               "this binlog file is encrypted (MariaDB "
                               "encrypt_binlog=ON); encrypted binlog files are not "
                               "supported: read it through the server (replication "
                               "protocol), which decrypts it");
        case EventType::Heartbeat: {
            FERRY_TRY(handler.onEvent(ctx));
            HeartbeatEvent ev;
            ev.file = asText(body);
            return handler.onHeartbeat(ctx, ev);
        }
        case EventType::HeartbeatV2: {
            HeartbeatEvent ev;
            ev.version = 2;
            ByteReader r(body);
            while (r.ok() && !r.atEnd()) {
                std::uint8_t type = r.u8();
                if (type == 0) {
                    break;
                }
                std::uint64_t len = r.lenenc();
                auto value = r.bytes(len);
                if (type == 1) {
                    ev.file = asText(value);
                } else if (type == 2) {
                    ByteReader v(value);
                    ev.position = v.lenenc();
                    if (!v.ok()) {
                        r.fail();
                    }
                }
            }
            if (!r.ok()) {
                return corrupt(ctx, "HEARTBEAT_V2 fields run past the end of the event");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onHeartbeat(ctx, ev);
        }
        case EventType::RowsQuery: {
            if (body.empty()) {
                return corrupt(ctx, "ROWS_QUERY body is empty");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onRowsQuery(ctx, RowsQueryEvent{asText(body.subspan(1))});
        }
        case EventType::Intvar: {
            ByteReader r(body);
            IntvarEvent ev;
            ev.type = r.u8();
            ev.value = r.u64();
            if (!r.ok()) {
                return corrupt(ctx, "INTVAR body is shorter than 9 bytes");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onIntvar(ctx, ev);
        }
        case EventType::Rand: {
            ByteReader r(body);
            RandEvent ev;
            ev.seed1 = r.u64();
            ev.seed2 = r.u64();
            if (!r.ok()) {
                return corrupt(ctx, "RAND body is shorter than 16 bytes");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onRand(ctx, ev);
        }
        case EventType::UserVar: {
            ByteReader r(body);
            UserVarEvent ev;
            std::uint32_t nameLen = r.u32();
            ev.name = r.text(nameLen);
            ev.isNull = r.u8() != 0;
            if (!ev.isNull) {
                ev.valueType = r.u8();
                ev.charset = r.u32();
                std::uint32_t len = r.u32();
                ev.value = r.bytes(len);
                if (r.ok() && !r.atEnd()) {
                    ev.flags = r.u8();
                }
            }
            if (!r.ok()) {
                return corrupt(ctx, "USER_VAR fields run past the end of the event");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onUserVar(ctx, ev);
        }
        case EventType::XaPrepare: {
            ByteReader r(body);
            XaPrepareEvent ev;
            ev.onePhase = r.u8() != 0;
            ev.formatId = r.u32();
            std::uint32_t gtridLen = r.u32();
            std::uint32_t bqualLen = r.u32();
            if (gtridLen > 64 || bqualLen > 64) {
                return corrupt(ctx, "XA_PREPARE id lengths exceed 64 bytes");
            }
            ev.gtrid = r.bytes(gtridLen);
            ev.bqual = r.bytes(bqualLen);
            if (!r.ok()) {
                return corrupt(ctx, "XA_PREPARE fields run past the end of the event");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onXaPrepare(ctx, ev);
        }
        case EventType::Stop:
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onStop(ctx);
        case EventType::Incident: {
            ByteReader r(body);
            IncidentEvent ev;
            ev.type = r.u16();
            std::uint8_t len = r.u8();
            ev.message = r.text(len);
            if (!r.ok()) {
                return corrupt(ctx, "INCIDENT message runs past the end of the event");
            }
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onIncident(ctx, ev);
        }
        case EventType::Ignorable:
        case EventType::TransactionContext:
        case EventType::ViewChange:
            FERRY_TRY(handler.onEvent(ctx));
            return handler.onIgnorable(ctx);
        case EventType::MariadbWriteRowsCompressed:
        case EventType::MariadbUpdateRowsCompressed:
        case EventType::MariadbDeleteRowsCompressed:
            if (!h.hasFlag(header_flags::kIgnorable)) {
                return unsupported(ctx,
                                   "MariaDB compressed v2 rows events are defined but never "
                                   "written by the server; this stream is not supported");
            }
            break;
        default:
            if (!h.hasFlag(header_flags::kIgnorable)) {
                std::string what = "event type " + std::to_string(h.typeCode) +
                                   " is not supported and is not marked ignorable";
                if (h.typeCode == 1 || (h.typeCode >= 6 && h.typeCode <= 12) || h.typeCode == 17 ||
                    h.typeCode == 18 || (h.typeCode >= 20 && h.typeCode <= 22)) {
                    what += " (statement-based LOAD DATA or pre-GA rows; use binlog_format=ROW)";
                }
                return unsupported(ctx, what +
                                            "; stop here and decide: skip the transaction "
                                            "or resnapshot");
            }
            break;
    }
    FERRY_TRY(handler.onEvent(ctx));
    return handler.onIgnorable(ctx);
}

Status EventDecoder::Impl::decodeQuery(const EventContext& ctx, std::span<const std::uint8_t> body,
                                       EventHandler& handler) {
    ByteReader r(body);
    QueryEvent ev;
    ev.compressed = ctx.header.type() == EventType::MariadbQueryCompressed;
    std::uint8_t postHeader = fde().postHeaderLength(ctx.header.typeCode, 13);
    if (ev.compressed) {
        postHeader = fde().postHeaderLength(2, 13);
    }
    ev.threadId = r.u32();
    ev.execTime = r.u32();
    std::uint8_t dbLen = r.u8();
    ev.errorCode = r.u16();
    std::uint16_t statusLen = 0;
    if (postHeader >= 13) {
        statusLen = r.u16();
        r.skip(postHeader - 13);
    }
    auto status = r.bytes(statusLen);
    if (!r.ok()) {
        return corrupt(ctx, "QUERY post-header or status variables (" + std::to_string(statusLen) +
                                " bytes) run past the end of the event");
    }
    ByteReader s(status);
    namespace sc = status_code;
    while (!s.atEnd()) {
        std::size_t start = s.position() + 1;
        std::uint8_t code = s.u8();
        switch (code) {
            case sc::kFlags2:
                ev.flags2 = s.u32();
                break;
            case sc::kSqlMode:
                ev.sqlMode = s.u64();
                break;
            case sc::kCatalog:
                s.skip(s.u8() + 1u);
                break;
            case sc::kAutoIncrement:
                s.skip(4);
                break;
            case sc::kCharset:
                ev.clientCharset = s.u16();
                ev.connectionCollation = s.u16();
                ev.serverCollation = s.u16();
                break;
            case sc::kTimeZone: {
                std::uint8_t n = s.u8();
                ev.timeZone = s.text(n);
                break;
            }
            case sc::kCatalogNz:
                s.skip(s.u8());
                break;
            case sc::kLcTimeNames:
            case sc::kCharsetDatabase:
            case sc::kDefaultCollationForUtf8mb4:
                s.skip(2);
                break;
            case sc::kTableMapForUpdate:
                s.skip(8);
                break;
            case sc::kMasterDataWritten:
                s.skip(4);
                break;
            case sc::kInvoker:
                s.skip(s.u8());
                s.skip(s.u8());
                break;
            case sc::kUpdatedDbNames: {
                std::uint8_t count = s.u8();
                if (count != 254) {
                    for (std::uint8_t i = 0; i < count && s.ok(); ++i) {
                        auto rest = s.rest();
                        auto nul = std::find(rest.begin(), rest.end(), 0);
                        if (nul == rest.end()) {
                            s.fail();
                            break;
                        }
                        s.skip(static_cast<std::size_t>(nul - rest.begin()) + 1);
                    }
                }
                break;
            }
            case sc::kMicroseconds:
            case sc::kMariadbHrnow:
                s.skip(3);
                break;
            case sc::kExplicitDefaultsForTimestamp:
            case sc::kSqlRequirePrimaryKey:
            case sc::kDefaultTableEncryption:
                s.skip(1);
                break;
            case sc::kDdlLoggedWithXid:
            case sc::kMariadbXid:
                ev.ddlXid = s.u64();
                break;
            default:
                return unsupported(ctx, "QUERY status variable code " + std::to_string(code) +
                                            " is unknown; its length is not recorded, so the "
                                            "statement cannot be decoded safely");
        }
        if (!s.ok()) {
            return corrupt(ctx, "QUERY status variable " + std::to_string(code) +
                                    " runs past the end of the status block");
        }
        ev.statusVars.push_back(StatusVar{code, status.subspan(start, s.position() - start)});
    }
    ev.database = r.text(dbLen);
    if (r.u8() != 0 || !r.ok()) {
        return corrupt(ctx, "QUERY database name of " + std::to_string(dbLen) +
                                " bytes is not followed by its NUL");
    }
    if (ev.compressed) {
        FERRY_TRY(
            detail::inflateMariadb(ctx, r.rest(), self.m_options.maxDecompressedSize, inflated));
        ev.query = asText(inflated);
    } else {
        ev.query = asText(r.rest());
    }
    FERRY_TRY(handler.onEvent(ctx));
    return handler.onQuery(ctx, ev);
}

Status EventDecoder::Impl::decodeGtid(const EventContext& ctx, std::span<const std::uint8_t> body,
                                      EventHandler& handler) {
    GtidEvent ev;
    if (ctx.header.type() == EventType::GtidTagged) {
        FERRY_TRY(detail::parseGtidTagged(ctx, body, ev));
        FERRY_TRY(handler.onEvent(ctx));
        return handler.onGtid(ctx, ev);
    }
    ev.anonymous = ctx.header.type() == EventType::AnonymousGtid;
    ByteReader r(body);
    ev.flags = r.u8();
    auto sid = r.bytes(16);
    ev.gno = r.u64();
    if (!r.ok()) {
        return corrupt(ctx, "GTID body of " + std::to_string(body.size()) +
                                " bytes is shorter than flags, SID and GNO (25)");
    }
    std::copy(sid.begin(), sid.end(), ev.sid.begin());
    if (!ev.anonymous) {
        auto gtid = model::MysqlGtid::make(model::Uuid{ev.sid}, "", ev.gno);
        if (!gtid.ok()) {
            return corrupt(ctx, "GTID: " + gtid.error().message);
        }
        ev.gtid = std::move(gtid).value();
    }
    if (r.remaining() >= 17) {
        ev.logicalTimestampType = r.u8();
        ev.lastCommitted = r.u64();
        ev.sequenceNumber = r.u64();
    }
    if (r.remaining() >= 7) {
        std::uint64_t ts = r.uint(7);
        if (ts & (std::uint64_t{1} << 55)) {
            ts &= ~(std::uint64_t{1} << 55);
            ev.originalCommitTimestamp = r.uint(7);
        } else {
            ev.originalCommitTimestamp = ts;
        }
        ev.immediateCommitTimestamp = ts;
        if (r.ok() && !r.atEnd()) {
            ev.transactionLength = r.lenenc();
        }
        if (r.ok() && r.remaining() >= 4) {
            std::uint32_t v = r.u32();
            if (v & (1u << 31)) {
                v &= ~(1u << 31);
                ev.originalServerVersion = r.u32();
            } else {
                ev.originalServerVersion = v;
            }
            ev.immediateServerVersion = v;
        }
        if (r.ok() && r.remaining() >= 8) {
            ev.commitGroupTicket = r.u64();
        }
    }
    if (!r.ok()) {
        return corrupt(ctx, "GTID optional fields run past the end of the event");
    }
    FERRY_TRY(handler.onEvent(ctx));
    return handler.onGtid(ctx, ev);
}

Status EventDecoder::Impl::decodePayload(const EventContext& ctx,
                                         std::span<const std::uint8_t> body,
                                         EventHandler& handler) {
    if (inPayload) {
        return corrupt(ctx, "TRANSACTION_PAYLOAD nested inside another");
    }
    ByteReader r(body);
    TransactionPayloadEvent ev;
    bool haveSize = false;
    bool haveUncompressed = false;
    for (;;) {
        std::uint64_t type = r.lenenc();
        if (!r.ok() || type == 0) {
            break;
        }
        std::uint64_t len = r.lenenc();
        auto field = r.bytes(len);
        ByteReader f(field);
        std::uint64_t value = f.lenenc();
        if (!f.ok() || !f.atEnd()) {
            return corrupt(ctx, "TRANSACTION_PAYLOAD header field " + std::to_string(type) +
                                    " is not one length-encoded integer");
        }
        switch (type) {
            case 1:
                ev.payloadSize = value;
                haveSize = true;
                break;
            case 2:
                ev.compressionType = value;
                break;
            case 3:
                ev.uncompressedSize = value;
                haveUncompressed = true;
                break;
            default:
                break;
        }
    }
    if (!r.ok()) {
        return corrupt(ctx, "TRANSACTION_PAYLOAD header runs past the end of the event");
    }
    auto compressedBytes = r.rest();
    ev.actualPayloadBytes = compressedBytes.size();
    if (!haveSize || ev.payloadSize != compressedBytes.size()) {
        return corrupt(ctx, "TRANSACTION_PAYLOAD declares " + std::to_string(ev.payloadSize) +
                                " payload bytes but carries " +
                                std::to_string(compressedBytes.size()));
    }
    std::size_t limit = self.m_options.maxDecompressedSize;
    if (ev.compressionType == 255) {
        payload.assign(compressedBytes.begin(), compressedBytes.end());
    } else if (ev.compressionType == 0) {
        if (!haveUncompressed) {
            return corrupt(ctx, "TRANSACTION_PAYLOAD lacks its uncompressed size");
        }
        if (ev.uncompressedSize > limit) {
            return corrupt(ctx,
                           "TRANSACTION_PAYLOAD claims " + std::to_string(ev.uncompressedSize) +
                               " uncompressed bytes, above the limit of " + std::to_string(limit));
        }
        if (zstd == nullptr) {
            zstd = ZSTD_createDCtx();
            if (zstd == nullptr) {
                return makeError(ErrorCode::Internal, "cannot allocate a zstd context");
            }
        }
        ZSTD_DCtx_reset(zstd, ZSTD_reset_session_only);
        // The output grows as it arrives rather than trusting the declared size up front, so a
        // tiny event claiming a huge size cannot make us allocate and zero the whole limit.
        const auto declared = static_cast<std::size_t>(ev.uncompressedSize);
        constexpr std::size_t kInitialOutput = std::size_t{1} << 16;
        payload.resize(std::min(declared, std::max(kInitialOutput, compressedBytes.size() * 8)));
        ZSTD_inBuffer in{compressedBytes.data(), compressedBytes.size(), 0};
        ZSTD_outBuffer out{payload.data(), payload.size(), 0};
        for (;;) {
            std::size_t rc = ZSTD_decompressStream(zstd, &out, &in);
            if (ZSTD_isError(rc)) {
                return corrupt(ctx, std::string("zstd cannot decompress the payload (") +
                                        ZSTD_getErrorName(rc) + ")");
            }
            if (rc == 0) {
                break;  // frame complete
            }
            if (out.pos == out.size && payload.size() < declared) {
                payload.resize(std::min(declared, payload.size() * 2));
                out.dst = payload.data();
                out.size = payload.size();
                continue;
            }
            if (out.pos == out.size) {
                // Output full but the frame goes on: more than the declared size.
                std::uint8_t probe = 0;
                ZSTD_outBuffer extra{&probe, 1, 0};
                rc = ZSTD_decompressStream(zstd, &extra, &in);
                if (ZSTD_isError(rc) || extra.pos != 0) {
                    return corrupt(ctx,
                                   "TRANSACTION_PAYLOAD decompresses to more than the "
                                   "declared " +
                                       std::to_string(ev.uncompressedSize) + " bytes");
                }
                if (rc == 0) {
                    break;
                }
            }
            if (in.pos == in.size && out.pos < out.size) {
                return corrupt(ctx, "zstd payload ends before its frame is complete");
            }
        }
        if (out.pos != declared) {
            return corrupt(ctx, "TRANSACTION_PAYLOAD decompressed to " + std::to_string(out.pos) +
                                    " bytes, header says " + std::to_string(ev.uncompressedSize));
        }
        if (in.pos != in.size) {
            return corrupt(ctx, "TRANSACTION_PAYLOAD has bytes after its zstd frame");
        }
    } else {
        return unsupported(ctx, "TRANSACTION_PAYLOAD compression type " +
                                    std::to_string(ev.compressionType) +
                                    " is unknown (0 = zstd, 255 = none)");
    }
    ev.decompressed = payload;
    FERRY_TRY(handler.onEvent(ctx));
    FERRY_TRY(handler.onTransactionPayload(ctx, ev));

    inPayload = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{inPayload};
    std::span<const std::uint8_t> inner(payload);
    std::size_t pos = 0;
    while (pos < inner.size()) {
        EventContext ictx;
        ictx.file = ctx.file;
        ictx.offset = pos;
        ictx.inner = true;
        if (inner.size() - pos < kCommonHeaderLength) {
            ictx.header.typeCode = 0;
            return corrupt(ctx, "inner event at payload offset " + std::to_string(pos) +
                                    " is cut inside its 19-byte header");
        }
        ictx.header = parseHeader(inner.subspan(pos));
        if (ictx.header.eventLength < kCommonHeaderLength ||
            ictx.header.eventLength > inner.size() - pos) {
            return corrupt(ictx, "inner event length " + std::to_string(ictx.header.eventLength) +
                                     " does not fit the " + std::to_string(inner.size() - pos) +
                                     " payload bytes left");
        }
        ictx.raw = inner.subspan(pos, ictx.header.eventLength);
        auto ibody = ictx.raw.subspan(kCommonHeaderLength);
        if (ictx.header.type() == EventType::TransactionPayload ||
            ictx.header.type() == EventType::FormatDescription) {
            return corrupt(ictx, "event type not allowed inside a TRANSACTION_PAYLOAD");
        }
        FERRY_TRY(dispatch(ictx, ibody, handler));
        pos += ictx.header.eventLength;
    }
    return handler.onTransactionPayloadEnd(ctx, ev);
}

Status EventDecoder::Impl::decodeRowImage(const EventContext& ctx, const TableMap& table,
                                          std::span<const std::uint8_t> present,
                                          std::size_t presentCount,
                                          std::span<const std::uint8_t>& data, bool partialAfter,
                                          std::vector<ColumnValue>& image) {
    if (partialAfter) {
        ByteReader r(data);
        std::uint64_t options = r.lenenc();
        partialBits.assign((table.jsonColumnCount + 7) / 8, 0);
        if (options & 1) {
            auto bits = r.bytes(partialBits.size());
            if (r.ok()) {
                std::copy(bits.begin(), bits.end(), partialBits.begin());
            }
        }
        if (!r.ok()) {
            return corrupt(ctx, "partial-update value options run past the end of the row data");
        }
        data = r.rest();
    }
    std::size_t nullBytes = (presentCount + 7) / 8;
    if (data.size() < nullBytes) {
        return corrupt(ctx, "row NULL bitmap of " + std::to_string(nullBytes) +
                                " bytes runs past the end of the rows event");
    }
    auto nulls = data.first(nullBytes);
    data = data.subspan(nullBytes);
    std::size_t ordinal = 0;
    std::size_t jsonOrdinal = 0;
    image.resize(table.columns.size());
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        const ColumnInfo& col = table.columns[i];
        ColumnValue& v = image[i];
        bool isJson = col.type == ct::kJson;
        std::size_t jsonIndex = jsonOrdinal;
        if (isJson) {
            ++jsonOrdinal;
        }
        if (!bitSet(present, i)) {
            v = ColumnValue();
            v.type = col.realType;
            v.meta = col.meta;
            continue;
        }
        if (bitSet(nulls, ordinal++)) {
            v = ColumnValue();
            v.kind = ValueKind::Null;
            v.type = col.realType;
            v.meta = col.meta;
            continue;
        }
        bool diff = partialAfter && isJson && bitSet(partialBits, jsonIndex);
        FERRY_TRY(detail::decodeValue(ctx, col, i, data, diff, v));
    }
    return okStatus();
}

Status EventDecoder::Impl::decodeRows(const EventContext& ctx, std::span<const std::uint8_t> body,
                                      EventHandler& handler) {
    RowsEvent ev;
    std::uint8_t t = ctx.header.typeCode;
    switch (ctx.header.type()) {
        case EventType::WriteRowsV1:
        case EventType::WriteRowsV2:
        case EventType::MariadbWriteRowsCompressedV1:
            ev.kind = RowsKind::Write;
            break;
        case EventType::UpdateRowsV1:
        case EventType::UpdateRowsV2:
        case EventType::PartialUpdateRows:
        case EventType::MariadbUpdateRowsCompressedV1:
            ev.kind = RowsKind::Update;
            break;
        default:
            ev.kind = RowsKind::Delete;
            break;
    }
    ev.version = (t >= 30 && t <= 32) || t == 39 ? 2 : 1;
    ev.partial = t == 39;
    ev.compressed = t >= 166 && t <= 168;
    std::uint8_t postHeader = fde().postHeaderLength(t, ev.version == 2 ? 10 : 8);
    ByteReader r(body);
    ev.tableId = r.uint(postHeader == 6 ? 4 : 6);
    ev.flags = r.u16();
    if (ev.version == 2) {
        std::uint16_t extraLen = r.u16();
        if (extraLen < 2) {
            return corrupt(ctx, "rows event extra-data length " + std::to_string(extraLen) +
                                    " is below its own 2 bytes");
        }
        ev.extraData = r.bytes(extraLen - 2u);
    }
    std::size_t consumed = r.position();
    if (consumed < postHeader) {
        r.skip(postHeader - consumed);
    }
    ev.columnCount = r.lenenc();
    if (!r.ok()) {
        return corrupt(ctx, "rows event header runs past the end of the event");
    }
    bool dummy = ev.tableId == 0x00ffffff || ev.tableId == 0xffffffffffffULL;
    auto it = tables.find(ev.tableId);
    if (it == tables.end()) {
        if (dummy) {
            FERRY_TRY(handler.onEvent(ctx));
            FERRY_TRY(handler.onRowsBegin(ctx, ev));
            return handler.onRowsEnd(ctx, ev);
        }
        return corrupt(ctx, "rows event refers to table id " + std::to_string(ev.tableId) +
                                ", which no TABLE_MAP in this file defined");
    }
    const TableMap& table = *it->second.map;
    ev.table = &table;
    if (ev.columnCount != table.columns.size()) {
        return corrupt(ctx, "rows event has " + std::to_string(ev.columnCount) +
                                " columns but TABLE_MAP of " + table.schema + "." + table.table +
                                " (id " + std::to_string(ev.tableId) + ") has " +
                                std::to_string(table.columns.size()));
    }
    std::size_t bitmapBytes = static_cast<std::size_t>((ev.columnCount + 7) / 8);
    ev.columnsPresent = r.bytes(bitmapBytes);
    if (ev.kind == RowsKind::Update) {
        ev.columnsPresentAfter = r.bytes(bitmapBytes);
    }
    if (!r.ok()) {
        return corrupt(ctx, "column bitmaps of " + std::to_string(bitmapBytes) +
                                " bytes run past the end of the rows event");
    }
    std::span<const std::uint8_t> rows = r.rest();
    if (ev.compressed) {
        FERRY_TRY(detail::inflateMariadb(ctx, rows, self.m_options.maxDecompressedSize, inflated));
        rows = inflated;
    }
    std::size_t presentCount = countBits(ev.columnsPresent, ev.columnCount);
    std::size_t presentAfterCount =
        ev.kind == RowsKind::Update ? countBits(ev.columnsPresentAfter, ev.columnCount) : 0;

    FERRY_TRY(handler.onEvent(ctx));
    FERRY_TRY(handler.onRowsBegin(ctx, ev));
    while (!rows.empty()) {
        std::size_t left = rows.size();
        if (presentCount == 0 && presentAfterCount == 0) {
            return corrupt(ctx, "rows event has row data but no column present");
        }
        if (ev.kind == RowsKind::Update) {
            FERRY_TRY(
                decodeRowImage(ctx, table, ev.columnsPresent, presentCount, rows, false, before));
            FERRY_TRY(decodeRowImage(ctx, table, ev.columnsPresentAfter, presentAfterCount, rows,
                                     ev.partial, after));
            RowImage b(before);
            RowImage a(after);
            FERRY_TRY(handler.onRow(ev, &b, &a));
        } else {
            FERRY_TRY(
                decodeRowImage(ctx, table, ev.columnsPresent, presentCount, rows, false, before));
            RowImage img(before);
            if (ev.kind == RowsKind::Write) {
                FERRY_TRY(handler.onRow(ev, nullptr, &img));
            } else {
                FERRY_TRY(handler.onRow(ev, &img, nullptr));
            }
        }
        if (rows.size() >= left) {
            return corrupt(ctx, "a row image consumed no bytes");
        }
    }
    return handler.onRowsEnd(ctx, ev);
}

Result<std::uint64_t> decodeAll(BinlogSource& source, EventDecoder& decoder,
                                EventHandler& handler) {
    std::uint64_t count = 0;
    RawEvent event;
    for (;;) {
        FERRY_ASSIGN_OR_RETURN(bool more, source.next(event));
        if (!more) {
            return count;
        }
        if (!event.file.empty() && event.file != decoder.fileName()) {
            decoder.setFileName(std::string(event.file));
        }
        FERRY_TRY(decoder.decode(event.bytes, event.offset, handler));
        ++count;
    }
}

}  // namespace ferry::binlog
