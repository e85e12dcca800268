// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for ferry::binlog::EventDecoder (and BinlogFileSource). The first input byte
// is a control byte (event_builder.h, namespace control): its low two bits choose how the rest
// is read: a whole binlog file image (split in memory, or read through BinlogFileSource from a
// memfd when both kFileSource bits are set), or a sequence of events
// decoded after a built-in MySQL 8.0 or MariaDB 10.11 FORMAT_DESCRIPTION, or with none. Other
// bits choose CRC32 in the built-in FDE, checksum verification, small decompression limits, and
// decoding twice. Each event is copied into a buffer of its exact size, so a read past its end
// is an AddressSanitizer report. Decoding goes on after an error, as a consumer that skips a
// transaction would.
//
// The handler touches every value it is handed: it checks every view against AddressSanitizer's
// shadow memory, hashes it, and formats every row value through the values library (the lazy paths:
// DECIMAL, temporal, JSON, JSON diffs, BIT, ENUM/SET, GEOMETRY, VECTOR). Checks (abort, so
// libFuzzer saves the input): the callback order EventHandler documents, row images the size of
// their table, values the decoder unpacked agree with the values library, and decoding is
// deterministic. Decoder errors are expected.
#include <fcntl.h>
#include <sanitizer/asan_interface.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "event_builder.h"
#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/bit_enum_set.h"
#include "ferry/binlog/decimal.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_handler.h"
#include "ferry/binlog/geometry_vector.h"
#include "ferry/binlog/json_binary.h"
#include "ferry/binlog/numeric.h"
#include "ferry/binlog/temporal.h"

namespace {

using namespace ferry::binlog;
namespace fz = ferry::binlog::fuzz;
namespace ct = column_type;

// Bounds that keep one input's allocations far below -malloc_limit_mb.
constexpr std::uint32_t kMaxEventSize = 1u << 20;
constexpr std::size_t kMaxEvents = 4096;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "fuzz_event_decoder: check failed: %s\n", what);
    std::abort();
}

#define FUZZ_CHECK(condition) \
    do {                      \
        if (!(condition)) {   \
            fail(#condition); \
        }                     \
    } while (false)

// Hashes what it is handed (FNV-1a over sizes, edge bytes and scalars), so nothing it reads can
// be optimised away. A view is checked whole against AddressSanitizer's shadow memory first: a
// view reaching into freed memory or a redzone gets a full ASan report at its first bad byte.
class Digest {
public:
    void add(std::span<const std::uint8_t> bytes) {
        if (!bytes.empty()) {
            if (const void* bad = __asan_region_is_poisoned(const_cast<std::uint8_t*>(bytes.data()),
                                                            bytes.size())) {
                volatile std::uint8_t sink = *static_cast<const volatile std::uint8_t*>(bad);
                (void)sink;
                fail("a view reaches memory it does not own");
            }
            mix(bytes.front());
            mix(bytes[bytes.size() / 2]);
            mix(bytes.back());
        }
        add(static_cast<std::uint64_t>(bytes.size()));
    }
    void add(std::string_view text) {
        add(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                          text.size()));
    }
    void add(std::uint64_t value) {
        for (int i = 0; i < 8; ++i) {
            mix(static_cast<std::uint8_t>(value >> (8 * i)));
        }
    }
    template <typename T>
    void add(const std::optional<T>& value) {
        add(static_cast<std::uint64_t>(value.has_value()));
        if (value) {
            add(static_cast<std::uint64_t>(*value));
        }
    }
    void add(const ferry::Status& status) {
        add(static_cast<std::uint64_t>(status.ok()));
        if (!status.ok()) {
            add(status.error().message);
        }
    }
    std::uint64_t value() const { return m_value; }

private:
    void mix(std::uint8_t b) { m_value = (m_value ^ b) * 0x100000001b3ULL; }

    std::uint64_t m_value = 0xcbf29ce484222325ULL;
};

class TouchingHandler final : public EventHandler {
public:
    explicit TouchingHandler(const EventDecoder& decoder) : m_decoder(decoder) {}

    Digest& digest() { return m_digest; }

    // Called around every decode(): an error may cut a callback sequence short, so the order
    // checks restart with each event.
    void beginEvent() {
        m_awaitingTyped = false;
        m_inRows = false;
        m_payloadDepth = 0;
    }
    void endEvent(const ferry::Status& status) {
        m_digest.add(status);
        if (status.ok()) {
            FUZZ_CHECK(!m_awaitingTyped);
            FUZZ_CHECK(!m_inRows);
            FUZZ_CHECK(m_payloadDepth == 0);
        }
        if (const FormatDescription* fde = m_decoder.formatDescription()) {
            m_digest.add(fde->serverVersion);
            m_digest.add(fde->postHeaderLengths);
            m_digest.add(static_cast<std::uint64_t>(fde->checksumAlgorithm));
        }
        m_digest.add(m_decoder.fileName());
    }

    ferry::Status onEvent(const EventContext& ctx) override {
        FUZZ_CHECK(!m_awaitingTyped);
        FUZZ_CHECK(!m_inRows);
        FUZZ_CHECK(ctx.inner == (m_payloadDepth > 0));
        FUZZ_CHECK(ctx.raw.size() >= kCommonHeaderLength);
        FUZZ_CHECK(ctx.header.eventLength == ctx.raw.size());
        m_digest.add(ctx.raw);
        m_digest.add(ctx.file);
        m_digest.add(ctx.offset);
        m_digest.add(static_cast<std::uint64_t>(ctx.checksumVerified));
        m_digest.add(eventTypeName(ctx.header.typeCode));
        m_awaitingTyped = true;
        return ferry::okStatus();
    }
    ferry::Status onFormatDescription(const EventContext&, const FormatDescription& fde) override {
        typed();
        m_digest.add(fde.serverVersion);
        m_digest.add(fde.postHeaderLengths);
        for (int part : {fde.version.major, fde.version.minor, fde.version.patch}) {
            m_digest.add(static_cast<std::uint64_t>(static_cast<std::uint32_t>(part)));
        }
        m_digest.add(fde.postHeaderLength(19, 8));
        FUZZ_CHECK(m_decoder.formatDescription() != nullptr);
        return ferry::okStatus();
    }
    ferry::Status onRotate(const EventContext&, const RotateEvent& ev) override {
        typed();
        m_digest.add(ev.position);
        m_digest.add(ev.nextFile);
        return ferry::okStatus();
    }
    ferry::Status onQuery(const EventContext&, const QueryEvent& ev) override {
        typed();
        m_digest.add(ev.database);
        m_digest.add(ev.query);
        m_digest.add(ev.timeZone);
        for (const auto& var : ev.statusVars) {
            m_digest.add(var.code);
            m_digest.add(var.value);
        }
        m_digest.add(ev.flags2);
        m_digest.add(ev.sqlMode);
        m_digest.add(ev.clientCharset);
        m_digest.add(ev.connectionCollation);
        m_digest.add(ev.serverCollation);
        m_digest.add(ev.ddlXid);
        return ferry::okStatus();
    }
    ferry::Status onXid(const EventContext&, const XidEvent& ev) override {
        typed();
        m_digest.add(ev.xid);
        return ferry::okStatus();
    }
    ferry::Status onTableMap(const EventContext&, const TableMap& map) override {
        typed();
        FUZZ_CHECK(m_decoder.tableMap(map.tableId) == &map);
        FUZZ_CHECK(map.enumSetIndex.size() == map.columns.size());
        m_digest.add(map.schema);
        m_digest.add(map.table);
        m_digest.add(map.nullBitmap);
        m_digest.add(map.optionalMetadataOrder);
        m_digest.add(map.signedness);
        m_digest.add(map.columnVisibility);
        for (std::size_t i = 0; i < map.columns.size(); ++i) {
            const ColumnInfo& col = map.columns[i];
            m_digest.add(col.name);
            m_digest.add((std::uint64_t{col.type} << 56) | (std::uint64_t{col.realType} << 48) |
                         (std::uint64_t{col.meta} << 32) | col.maxLength);
            m_digest.add((std::uint64_t{col.collation} << 32) |
                         static_cast<std::uint32_t>(col.geometryType));
            m_digest.add(static_cast<std::uint64_t>(col.isNumeric()) |
                         static_cast<std::uint64_t>(col.isCharacter(ServerFlavor::MySql)) << 1 |
                         static_cast<std::uint64_t>(col.isCharacter(ServerFlavor::MariaDb)) << 2 |
                         static_cast<std::uint64_t>(col.nullable) << 3 |
                         static_cast<std::uint64_t>(col.visible) << 4 |
                         static_cast<std::uint64_t>(col.isUnsigned) << 5);
            if (const auto* labels = map.labels(i)) {
                for (const auto& label : *labels) {
                    m_digest.add(label);
                }
            }
        }
        for (auto index : map.primaryKey) {
            FUZZ_CHECK(index < map.columns.size());
        }
        return ferry::okStatus();
    }
    ferry::Status onRowsBegin(const EventContext&, const RowsEvent& ev) override {
        typed();
        if (ev.table != nullptr) {
            FUZZ_CHECK(ev.columnCount == ev.table->columns.size());
            FUZZ_CHECK(m_decoder.tableMap(ev.tableId) == ev.table);
        }
        m_digest.add(ev.extraData);
        m_digest.add(ev.columnsPresent);
        m_digest.add(ev.columnsPresentAfter);
        m_digest.add(ev.tableId);
        m_inRows = true;
        m_table = ev.table;
        return ferry::okStatus();
    }
    ferry::Status onRow(const RowsEvent& ev, const RowImage* before,
                        const RowImage* after) override {
        FUZZ_CHECK(m_inRows);
        FUZZ_CHECK(ev.table != nullptr && ev.table == m_table);
        switch (ev.kind) {
            case RowsKind::Write:
                FUZZ_CHECK(before == nullptr && after != nullptr);
                break;
            case RowsKind::Delete:
                FUZZ_CHECK(before != nullptr && after == nullptr);
                break;
            case RowsKind::Update:
                FUZZ_CHECK(before != nullptr && after != nullptr);
                break;
        }
        for (const RowImage* image : {before, after}) {
            if (image != nullptr) {
                FUZZ_CHECK(image->size() == ev.table->columns.size());
                for (std::size_t i = 0; i < image->size(); ++i) {
                    touchValue(*ev.table, i, (*image)[i]);
                }
            }
        }
        return ferry::okStatus();
    }
    ferry::Status onRowsEnd(const EventContext&, const RowsEvent& ev) override {
        FUZZ_CHECK(m_inRows);
        FUZZ_CHECK(ev.table == m_table);
        m_inRows = false;
        return ferry::okStatus();
    }
    ferry::Status onGtid(const EventContext&, const GtidEvent& ev) override {
        typed();
        m_digest.add(ev.sid);
        m_digest.add(ev.gno);
        m_digest.add(ev.tag);
        m_digest.add(ev.logicalTimestampType);
        m_digest.add(ev.lastCommitted ^ ev.sequenceNumber);
        m_digest.add(ev.immediateCommitTimestamp);
        m_digest.add(ev.originalCommitTimestamp);
        m_digest.add(ev.transactionLength);
        m_digest.add(ev.immediateServerVersion);
        m_digest.add(ev.originalServerVersion);
        m_digest.add(ev.commitGroupTicket);
        if (ev.gtid) {
            m_digest.add(ev.gtid->toString());
        }
        return ferry::okStatus();
    }
    ferry::Status onPreviousGtids(const EventContext&, const PreviousGtidsEvent& ev) override {
        typed();
        for (const auto& entry : ev.entries) {
            m_digest.add(entry.sid);
            m_digest.add(entry.tag);
            for (auto [start, end] : entry.intervals) {
                FUZZ_CHECK(start < end);
                m_digest.add(start ^ (end << 1));
            }
        }
        m_digest.add(ev.encoded);
        m_digest.add(ev.gtidSet.toString());
        return ferry::okStatus();
    }
    ferry::Status onTransactionPayload(const EventContext&,
                                       const TransactionPayloadEvent& ev) override {
        typed();
        m_digest.add(ev.decompressed);
        m_digest.add(ev.compressionType ^ ev.uncompressedSize ^ ev.payloadSize);
        ++m_payloadDepth;
        return ferry::okStatus();
    }
    ferry::Status onTransactionPayloadEnd(const EventContext&,
                                          const TransactionPayloadEvent& ev) override {
        FUZZ_CHECK(m_payloadDepth == 1);
        FUZZ_CHECK(!m_awaitingTyped && !m_inRows);
        m_digest.add(ev.decompressed);
        --m_payloadDepth;
        return ferry::okStatus();
    }
    ferry::Status onMariadbGtid(const EventContext&, const MariadbGtidEvent& ev) override {
        typed();
        m_digest.add(ev.gtid().toString());
        m_digest.add(ev.commitId);
        m_digest.add(ev.xaFormatId);
        m_digest.add(ev.xaGtrid);
        m_digest.add(ev.xaBqual);
        m_digest.add(ev.extra);
        return ferry::okStatus();
    }
    ferry::Status onMariadbGtidList(const EventContext&, const MariadbGtidListEvent& ev) override {
        typed();
        for (const auto& gtid : ev.gtids) {
            m_digest.add(gtid.toString());
        }
        return ferry::okStatus();
    }
    ferry::Status onAnnotateRows(const EventContext&, const AnnotateRowsEvent& ev) override {
        typed();
        m_digest.add(ev.query);
        return ferry::okStatus();
    }
    ferry::Status onBinlogCheckpoint(const EventContext&,
                                     const BinlogCheckpointEvent& ev) override {
        typed();
        m_digest.add(ev.file);
        return ferry::okStatus();
    }
    ferry::Status onHeartbeat(const EventContext&, const HeartbeatEvent& ev) override {
        typed();
        m_digest.add(ev.file);
        m_digest.add(ev.position);
        return ferry::okStatus();
    }
    ferry::Status onRowsQuery(const EventContext&, const RowsQueryEvent& ev) override {
        typed();
        m_digest.add(ev.query);
        return ferry::okStatus();
    }
    ferry::Status onIntvar(const EventContext&, const IntvarEvent& ev) override {
        typed();
        m_digest.add(ev.value + ev.type);
        return ferry::okStatus();
    }
    ferry::Status onRand(const EventContext&, const RandEvent& ev) override {
        typed();
        m_digest.add(ev.seed1 ^ (ev.seed2 << 1));
        return ferry::okStatus();
    }
    ferry::Status onUserVar(const EventContext&, const UserVarEvent& ev) override {
        typed();
        m_digest.add(ev.name);
        m_digest.add(ev.value);
        m_digest.add(ev.flags);
        return ferry::okStatus();
    }
    ferry::Status onXaPrepare(const EventContext&, const XaPrepareEvent& ev) override {
        typed();
        m_digest.add(ev.gtrid);
        m_digest.add(ev.bqual);
        return ferry::okStatus();
    }
    ferry::Status onStop(const EventContext&) override {
        typed();
        return ferry::okStatus();
    }
    ferry::Status onIncident(const EventContext&, const IncidentEvent& ev) override {
        typed();
        m_digest.add(ev.message);
        return ferry::okStatus();
    }
    ferry::Status onIgnorable(const EventContext& ctx) override {
        typed();
        m_digest.add(ctx.raw);
        return ferry::okStatus();
    }

private:
    void typed() {
        FUZZ_CHECK(m_awaitingTyped);
        m_awaitingTyped = false;
    }

    template <typename T>
    void addResult(const ferry::Result<T>& result) {
        m_digest.add(static_cast<std::uint64_t>(result.ok()));
        if (!result.ok()) {
            m_digest.add(result.error().message);
        }
    }

    void touchValue(const TableMap& table, std::size_t index, const ColumnValue& v);

    const EventDecoder& m_decoder;
    Digest m_digest;
    std::string m_text;
    bool m_awaitingTyped = false;
    bool m_inRows = false;
    int m_payloadDepth = 0;
    const TableMap* m_table = nullptr;
};

void TouchingHandler::touchValue(const TableMap& table, std::size_t index, const ColumnValue& v) {
    m_digest.add((std::uint64_t{static_cast<std::uint8_t>(v.kind)} << 56) |
                 (std::uint64_t{v.type} << 48) | (std::uint64_t{v.meta} << 32) | v.padLength);
    m_digest.add(v.bytes);  // every byte the view claims must be readable
    m_text.clear();
    const std::uint8_t* p = v.bytes.data();
    const std::size_t n = v.bytes.size();
    switch (v.kind) {
        case ValueKind::Absent:
        case ValueKind::Null:
            return;
        case ValueKind::SignedInt:
        case ValueKind::UnsignedInt: {
            const bool isSigned = v.kind == ValueKind::SignedInt;
            if (isSigned) {
                appendInt(v.i, m_text);
                auto again = decodeSignedInt(p, n, static_cast<unsigned>(n));
                FUZZ_CHECK(again.ok() && *again == v.i);
            } else {
                appendUint(v.u, m_text);
                auto again = decodeUnsignedInt(p, n, static_cast<unsigned>(n));
                FUZZ_CHECK(again.ok() && *again == v.u);
            }
            break;
        }
        case ValueKind::Float: {
            auto again = decodeFloat(p, n);
            FUZZ_CHECK(again.ok());
            appendFloat(*again, m_text);
            break;
        }
        case ValueKind::Double: {
            auto again = decodeDouble(p, n);
            FUZZ_CHECK(again.ok());
            appendDouble(v.d, m_text);
            break;
        }
        case ValueKind::Decimal:
            m_digest.add(appendDecimal(p, n, v.meta >> 8, v.meta & 0xff, m_text));
            break;
        case ValueKind::Year: {
            auto year = decodeYear(p, n);
            addResult(year);
            if (year.ok()) {
                FUZZ_CHECK(*year == v.i);
                appendYear(*year, m_text);
            }
            break;
        }
        case ValueKind::Date: {
            auto date = decodeDate(p, n);
            addResult(date);
            if (date.ok()) {
                FUZZ_CHECK(date->day == (v.u & 31) && date->month == ((v.u >> 5) & 15) &&
                           date->year == (v.u >> 9));
                appendDate(*date, m_text);
            }
            break;
        }
        case ValueKind::Time:
        case ValueKind::Time2: {
            auto time = v.kind == ValueKind::Time ? decodeTime(p, n) : decodeTime2(p, n, v.meta);
            addResult(time);
            if (time.ok()) {
                appendTime(*time, m_text);
            }
            break;
        }
        case ValueKind::Datetime:
        case ValueKind::Datetime2: {
            auto dt = v.kind == ValueKind::Datetime ? decodeDateTime(p, n)
                                                    : decodeDateTime2(p, n, v.meta);
            addResult(dt);
            if (dt.ok()) {
                appendDateTime(*dt, m_text);
            }
            break;
        }
        case ValueKind::Timestamp: {
            const bool two = v.type == ct::kTimestamp2;
            auto ts = two ? decodeTimestamp2(p, n, v.meta) : decodeTimestamp(p, n);
            addResult(ts);
            if (ts.ok()) {
                FUZZ_CHECK(ts->seconds == v.u);
                FUZZ_CHECK(ts->micro == v.microseconds);
                appendTimestampUtc(*ts, m_text);
                appendTimestampEpoch(*ts, m_text);
            }
            break;
        }
        case ValueKind::Bit: {
            auto bits = decodeBit(p, n, bitWidthFromMeta(v.meta));
            addResult(bits);
            if (bits.ok()) {
                FUZZ_CHECK(*bits == v.u);
            }
            appendBitLiteral(v.u, m_text);
            break;
        }
        case ValueKind::Enum:
        case ValueKind::Set: {
            const unsigned packLength = v.meta & 0xff;
            if (v.kind == ValueKind::Enum) {
                auto decoded = decodeEnum(p, n, packLength);
                addResult(decoded);
                if (decoded.ok()) {
                    FUZZ_CHECK(*decoded == v.u);
                }
            } else {
                auto decoded = decodeSet(p, n, packLength);
                addResult(decoded);
                if (decoded.ok()) {
                    FUZZ_CHECK(*decoded == v.u);
                }
            }
            if (const auto* labels = table.labels(index)) {
                if (v.kind == ValueKind::Enum) {
                    if (v.u >= 1 && v.u <= labels->size()) {
                        m_text += (*labels)[v.u - 1];
                    }
                } else {
                    for (std::size_t k = 0; k < labels->size() && k < 64; ++k) {
                        if ((v.u >> k) & 1) {
                            m_text += (*labels)[k];
                        }
                    }
                }
            }
            break;
        }
        case ValueKind::String:
            appendJsonQuoted(v.text(), m_text);
            break;
        case ValueKind::Json:
            m_digest.add(appendJsonText(v.bytes, m_text));
            break;
        case ValueKind::JsonDiff: {
            JsonDiffReader reader(v.bytes);
            JsonDiff diff;
            for (int k = 0; k < 100000; ++k) {
                auto more = reader.next(diff);
                addResult(more);
                if (!more.ok() || !*more) {
                    break;
                }
                FUZZ_CHECK(reader.offset() <= n);
                m_digest.add(jsonDiffOperationName(diff.operation));
                m_digest.add(appendJsonDiffText(diff, m_text));
            }
            break;
        }
        case ValueKind::Geometry: {
            auto geometry = splitGeometry(p, n);
            addResult(geometry);
            if (geometry.ok()) {
                m_digest.add(geometry->srid);
                m_digest.add(geometry->wkb);
            }
            break;
        }
        case ValueKind::Vector: {
            auto dims = vectorDimension(n);
            addResult(dims);
            m_digest.add(appendVectorText(p, n, m_text));
            break;
        }
    }
    m_digest.add(m_text);
}

// A file the file-image mode writes each input into, to read it back through BinlogFileSource.
class ScratchFile {
public:
    ScratchFile() {
        m_fd = memfd_create("fuzz_event_decoder", MFD_CLOEXEC);
        if (m_fd < 0) {
            std::string dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
            m_tempPath = dir + "/fuzz_event_decoder.XXXXXX";
            m_fd = mkstemp(m_tempPath.data());
            FUZZ_CHECK(m_fd >= 0);
            m_path = m_tempPath;
        } else {
            m_path = "/proc/self/fd/" + std::to_string(m_fd);
        }
    }
    ~ScratchFile() {
        if (!m_tempPath.empty()) {
            unlink(m_tempPath.c_str());
        }
        close(m_fd);
    }
    const std::string& write(std::span<const std::uint8_t> data) {
        FUZZ_CHECK(ftruncate(m_fd, 0) == 0);
        std::size_t done = 0;
        while (done < data.size()) {
            ssize_t n =
                pwrite(m_fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
            FUZZ_CHECK(n > 0);
            done += static_cast<std::size_t>(n);
        }
        return m_path;
    }

private:
    int m_fd = -1;
    std::string m_path;
    std::string m_tempPath;
};

// Decodes one event from its own exact-size buffer.
void decodeOne(EventDecoder& decoder, TouchingHandler& handler, std::span<const std::uint8_t> raw,
               std::uint64_t offset) {
    const std::vector<std::uint8_t> event(raw.begin(), raw.end());
    handler.beginEvent();
    handler.endEvent(decoder.decode(event, offset, handler));
}

std::uint64_t runFileImage(std::span<const std::uint8_t> image, EventDecoder& decoder,
                           TouchingHandler& handler) {
    static ScratchFile scratch;
    const std::string& path = scratch.write(image);
    auto opened = BinlogFileSource::open(path, kMaxEventSize, "fuzz-bin.000001");
    if (!opened.ok()) {
        handler.digest().add(opened.error().message);
        return handler.digest().value();
    }
    BinlogFileSource& source = **opened;
    FUZZ_CHECK(source.name() == "fuzz-bin.000001");
    RawEvent event;
    std::uint64_t lastOffset = 0;
    for (std::size_t count = 0; count < kMaxEvents; ++count) {
        auto more = source.next(event);
        if (!more.ok()) {
            handler.digest().add(more.error().message);
            break;
        }
        if (!*more) {
            break;
        }
        FUZZ_CHECK(event.bytes.size() >= kCommonHeaderLength);
        FUZZ_CHECK(event.bytes.size() <= kMaxEventSize);
        FUZZ_CHECK(event.offset >= 4 && event.offset >= lastOffset);
        FUZZ_CHECK(event.offset + event.bytes.size() <= image.size());
        lastOffset = event.offset + event.bytes.size();
        if (!event.file.empty() && event.file != decoder.fileName()) {
            decoder.setFileName(std::string(event.file));
        }
        decodeOne(decoder, handler, event.bytes, event.offset);
    }
    return handler.digest().value();
}

// A file image split as BinlogFileSource splits it, in memory.
std::uint64_t runImage(std::span<const std::uint8_t> image, EventDecoder& decoder,
                       TouchingHandler& handler) {
    if (image.size() < 4 || !std::equal(image.begin(), image.begin() + 4, kBinlogMagic)) {
        handler.digest().add(std::uint64_t{1});
        return handler.digest().value();
    }
    decoder.setFileName("fuzz-bin.000001");
    std::size_t at = 4;
    for (std::size_t count = 0; image.size() - at >= kCommonHeaderLength && count < kMaxEvents;
         ++count) {
        const std::uint32_t length = static_cast<std::uint32_t>(image[at + 9]) |
                                     (static_cast<std::uint32_t>(image[at + 10]) << 8) |
                                     (static_cast<std::uint32_t>(image[at + 11]) << 16) |
                                     (static_cast<std::uint32_t>(image[at + 12]) << 24);
        if (length < kCommonHeaderLength || length > kMaxEventSize || length > image.size() - at) {
            break;
        }
        decodeOne(decoder, handler, image.subspan(at, length), at);
        at += length;
    }
    return handler.digest().value();
}

// Events framed by their own length field; a length that does not fit hands the decoder the
// rest of the input as one (damaged) event.
std::uint64_t runEvents(std::span<const std::uint8_t> data, EventDecoder& decoder,
                        TouchingHandler& handler) {
    std::uint64_t offset = 4;
    for (std::size_t count = 0; !data.empty() && count < kMaxEvents; ++count) {
        std::size_t length = data.size();
        if (data.size() >= kCommonHeaderLength) {
            const std::uint32_t declared = static_cast<std::uint32_t>(data[9]) |
                                           (static_cast<std::uint32_t>(data[10]) << 8) |
                                           (static_cast<std::uint32_t>(data[11]) << 16) |
                                           (static_cast<std::uint32_t>(data[12]) << 24);
            if (declared >= kCommonHeaderLength && declared <= data.size()) {
                length = declared;
            }
        }
        decodeOne(decoder, handler, data.first(length), offset);
        offset += length;
        data = data.subspan(length);
    }
    return handler.digest().value();
}

std::uint64_t runOnce(std::uint8_t control, std::span<const std::uint8_t> data) {
    DecoderOptions options;
    options.verifyChecksums = (control & fz::control::kVerifyChecksums) != 0;
    options.maxDecompressedSize = (control & fz::control::kSmallLimits) != 0 ? 4096 : 1u << 20;
    EventDecoder decoder(options);
    TouchingHandler handler(decoder);
    const bool crc = (control & fz::control::kCrc32) != 0;
    switch (control & fz::control::kModeMask) {
        case fz::control::kModeFileImage:
            if ((control & fz::control::kFileSource) == fz::control::kFileSource) {
                return runFileImage(data, decoder, handler);
            }
            return runImage(data, decoder, handler);
        case fz::control::kModeMySql8:
        case fz::control::kModeMariaDb: {
            static const fz::Bytes fdes[2][2] = {
                {fz::formatDescription(fz::Flavor::MySql8, false),
                 fz::formatDescription(fz::Flavor::MySql8, true)},
                {fz::formatDescription(fz::Flavor::MariaDb1011, false),
                 fz::formatDescription(fz::Flavor::MariaDb1011, true)}};
            const bool mariadb = (control & fz::control::kModeMask) == fz::control::kModeMariaDb;
            decoder.setFileName("fuzz-bin.000001");
            handler.beginEvent();
            const ferry::Status status = decoder.decode(fdes[mariadb][crc], 4, handler);
            FUZZ_CHECK(status.ok());
            handler.endEvent(status);
            return runEvents(data, decoder, handler);
        }
        default:
            return runEvents(data, decoder, handler);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::uint8_t control = data[0];
    const std::span<const std::uint8_t> rest(data + 1, size - 1);
    const std::uint64_t first = runOnce(control, rest);
    if ((control & fz::control::kTwice) != 0) {
        FUZZ_CHECK(runOnce(control, rest) == first);
    }
    return 0;
}
