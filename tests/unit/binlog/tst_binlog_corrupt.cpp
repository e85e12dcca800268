// SPDX-License-Identifier: Apache-2.0
// Corrupt-input table for the binlog decoder and file source, plus synthetic events for the
// event kinds and value types the fixtures do not cover.
#include <gtest/gtest.h>

#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "binlog_test_util.h"
#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/event_decoder.h"

namespace ferry::binlog::test {
namespace {

namespace fs = std::filesystem;

Bytes le8(std::uint64_t v) {
    Bytes b;
    putLe(b, v, 8);
    return b;
}

void putLenenc(Bytes& out, std::uint64_t v) {
    if (v < 251) {
        out.push_back(static_cast<std::uint8_t>(v));
    } else if (v < 65536) {
        out.push_back(0xfc);
        putLe(out, v, 2);
    } else if (v < (1u << 24)) {
        out.push_back(0xfd);
        putLe(out, v, 3);
    } else {
        out.push_back(0xfe);
        putLe(out, v, 8);
    }
}

Bytes payloadBody(std::uint64_t compression, std::uint64_t uncompressed, std::uint64_t size,
                  const Bytes& payload) {
    Bytes b;
    auto field = [&](std::uint64_t type, std::uint64_t value) {
        Bytes v;
        putLenenc(v, value);
        putLenenc(b, type);
        putLenenc(b, v.size());
        b.insert(b.end(), v.begin(), v.end());
    };
    field(2, compression);
    field(3, uncompressed);
    field(1, size);
    b.push_back(0);
    b.insert(b.end(), payload.begin(), payload.end());
    return b;
}

Bytes zstdCompress(const Bytes& in) {
    Bytes out(ZSTD_compressBound(in.size()));
    std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
    out.resize(n);
    return out;
}

Bytes mariadbCompress(const Bytes& in) {
    uLongf len = compressBound(static_cast<uLong>(in.size()));
    Bytes z(len);
    compress(z.data(), &len, in.data(), static_cast<uLong>(in.size()));
    z.resize(len);
    Bytes out{0x82};
    out.push_back(static_cast<std::uint8_t>(in.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(in.size()));
    out.insert(out.end(), z.begin(), z.end());
    return out;
}

Bytes queryBody(const Bytes& status, std::string_view db, const Bytes& query) {
    Bytes b;
    putLe(b, 7, 4);
    putLe(b, 0, 4);
    b.push_back(static_cast<std::uint8_t>(db.size()));
    putLe(b, 0, 2);
    putLe(b, status.size(), 2);
    b.insert(b.end(), status.begin(), status.end());
    putBytes(b, db);
    b.push_back(0);
    b.insert(b.end(), query.begin(), query.end());
    return b;
}

Bytes text(std::string_view s) {
    return Bytes(s.begin(), s.end());
}

// Feeds `events` to a fresh decoder and returns the first error (or OK).
Status decodeEvents(const std::vector<Bytes>& events, EventHandler& handler) {
    EventDecoder decoder;
    decoder.setFileName("test-bin.000001");
    std::uint64_t offset = 4;
    for (const auto& e : events) {
        FERRY_TRY(decoder.decode(e, offset, handler));
        offset += e.size();
    }
    return okStatus();
}

Status decodeEvents(const std::vector<Bytes>& events) {
    EventHandler ignore;
    return decodeEvents(events, ignore);
}

Bytes fileBytes(const std::vector<Bytes>& events) {
    Bytes out(kBinlogMagic, kBinlogMagic + 4);
    for (const auto& e : events) {
        out.insert(out.end(), e.begin(), e.end());
    }
    return out;
}

// Writes bytes to a temporary file and decodes it through BinlogFileSource.
Status decodeFile(const Bytes& content) {
    fs::path path =
        fs::temp_directory_path() / ("ferry-corrupt-" + std::to_string(::getpid()) + ".bin");
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(content.data()),
                  static_cast<std::streamsize>(content.size()));
    }
    auto source = BinlogFileSource::open(path.string());
    Status result = okStatus();
    if (!source.ok()) {
        result = source.error();
    } else {
        EventDecoder decoder;
        EventHandler ignore;
        auto count = decodeAll(**source, decoder, ignore);
        if (!count.ok()) {
            result = count.error();
        }
    }
    fs::remove(path);
    return result;
}

struct CorruptCase {
    std::string name;
    std::function<Status()> run;
    ErrorCode code;
    std::string substring;
};

std::vector<CorruptCase> corruptCases() {
    const Bytes fde = makeFde();
    const Bytes mariaFde = makeFde(true);
    const Bytes map = makeEvent(19, tableMapBody(42, {3, 15}, {10, 0}));
    std::vector<CorruptCase> cases;
    auto add = [&](std::string name, std::function<Status()> run, ErrorCode code, std::string sub) {
        cases.push_back({std::move(name), std::move(run), code, std::move(sub)});
    };

    add(
        "truncated header",
        [=] {
            return decodeEvents({fde, Bytes(10, 0)});
        },
        ErrorCode::Corrupt, "fewer than the 19-byte common header");
    add(
        "file ends inside a header",
        [=] {
            Bytes f = fileBytes({fde});
            f.insert(f.end(), 7, 0);
            return decodeFile(f);
        },
        ErrorCode::Corrupt, "ends inside an event header");
    add(
        "event length past the end of the file",
        [=] {
            Bytes xid = makeEvent(16, le8(5));
            xid[9] = 200;  // length 200, the file has 31
            return decodeFile(fileBytes({fde, xid}));
        },
        ErrorCode::Corrupt, "the file is truncated");
    add(
        "event length below the header",
        [=] {
            Bytes xid = makeEvent(16, le8(5));
            xid[9] = 10;
            return decodeFile(fileBytes({fde, xid}));
        },
        ErrorCode::Corrupt, "less than its 19-byte header");
    add(
        "event length above the limit",
        [=] {
            Bytes xid = makeEvent(16, le8(5));
            xid[12] = 0x7f;
            return decodeFile(fileBytes({fde, xid}));
        },
        ErrorCode::Corrupt, "above the limit");
    add(
        "length field disagrees with the framed bytes",
        [=] {
            Bytes xid = makeEvent(16, le8(5));
            xid[9] = 40;
            return decodeEvents({fde, xid});
        },
        ErrorCode::Corrupt, "disagrees with the 31 bytes");
    add(
        "wrong CRC",
        [=] {
            Bytes xid = makeEvent(16, le8(5));
            xid[20] ^= 0x01;
            return decodeEvents({fde, xid});
        },
        ErrorCode::Corrupt, "CRC32 mismatch");
    add(
        "wrong FDE CRC",
        [=] {
            Bytes bad = fde;
            bad[25] ^= 0x40;
            return decodeEvents({bad});
        },
        ErrorCode::Corrupt, "CRC32 mismatch");
    add(
        "garbage event",
        [=] {
            return decodeEvents({fde, Bytes(64, 0xab)});
        },
        ErrorCode::Corrupt, "disagrees");
    add(
        "garbage file", [=] { return decodeFile(Bytes(64, 0xab)); }, ErrorCode::Corrupt,
        "not a binlog file");
    add(
        "event before any FDE", [=] { return decodeEvents({makeEvent(16, le8(1), false)}); },
        ErrorCode::Corrupt, "before any FORMAT_DESCRIPTION");
    add(
        "FDE with a foreign header length",
        [=] {
            Bytes body(fde.begin() + 19, fde.end() - 4);
            body[2 + 50 + 4] = 13;
            return decodeEvents({makeEvent(15, body)});
        },
        ErrorCode::Corrupt, "common header of 13");
    add(
        "TABLE_MAP column count past the end",
        [=] {
            Bytes body = tableMapBody(42, {3, 15}, {10, 0});
            body[8 + 4 + 3] = 200;  // the column count byte
            return decodeEvents({fde, makeEvent(19, body)});
        },
        ErrorCode::Corrupt, "column count (200)");
    add(
        "TABLE_MAP metadata shorter than the types need",
        [=] {
            return decodeEvents({fde, makeEvent(19, tableMapBody(42, {3, 15}, {10}))});
        },
        ErrorCode::Corrupt, "metadata block of 1 bytes");
    add(
        "TABLE_MAP with an unknown column type",
        [=] {
            return decodeEvents({fde, makeEvent(19, tableMapBody(42, {3, 99}, {}))});
        },
        ErrorCode::Unsupported, "unknown binlog type 99");
    add(
        "TABLE_MAP optional metadata past the end",
        [=] {
            return decodeEvents({fde, makeEvent(19, tableMapBody(42, {3}, {}, {4, 30, 2}))});
        },
        ErrorCode::Corrupt, "optional metadata field 4");
    add(
        "rows event for an unknown table id",
        [=] {
            return decodeEvents({fde, makeEvent(30, writeRowsBody(77, 2, {0x00, 1, 0, 0, 0, 0}))});
        },
        ErrorCode::Corrupt, "table id 77");
    add(
        "rows event column count disagrees with the table map",
        [=] {
            return decodeEvents({fde, map, makeEvent(30, writeRowsBody(42, 3, {0x00}))});
        },
        ErrorCode::Corrupt, "has 3 columns but TABLE_MAP");
    add(
        "rows event bitmap past the end",
        [=] {
            Bytes body = writeRowsBody(42, 2, {});
            body.pop_back();  // drop the present bitmap
            return decodeEvents({fde, map, makeEvent(30, body)});
        },
        ErrorCode::Corrupt, "column bitmaps");
    add(
        "rows value past the end",
        [=] {
            // INT 1, VARCHAR length 50 with 2 bytes behind it.
            return decodeEvents(
                {fde, map, makeEvent(30, writeRowsBody(42, 2, {0x00, 1, 0, 0, 0, 50, 'a', 'b'}))});
        },
        ErrorCode::Corrupt, "runs past the end of the row data");
    add(
        "rows NULL bitmap past the end",
        [=] {
            return decodeEvents({fde, map, makeEvent(30, writeRowsBody(42, 2, {0x00, 1, 0}))});
        },
        ErrorCode::Corrupt, "column 0 needs 4 bytes");
    add(
        "zstd payload corrupt",
        [=] {
            Bytes junk(40, 0x5a);
            return decodeEvents({fde, makeEvent(40, payloadBody(0, 100, junk.size(), junk))});
        },
        ErrorCode::Corrupt, "zstd cannot decompress");
    add(
        "zstd payload smaller than declared",
        [=] {
            Bytes inner = makeEvent(16, le8(9), false);
            Bytes z = zstdCompress(inner);
            return decodeEvents(
                {fde, makeEvent(40, payloadBody(0, inner.size() + 10, z.size(), z))});
        },
        ErrorCode::Corrupt, "decompressed to 27 bytes, header says 37");
    add(
        "zstd payload larger than declared",
        [=] {
            Bytes inner = makeEvent(16, le8(9), false);
            Bytes z = zstdCompress(inner);
            return decodeEvents(
                {fde, makeEvent(40, payloadBody(0, inner.size() - 5, z.size(), z))});
        },
        ErrorCode::Corrupt, "more than the declared");
    add(
        "payload size field disagrees",
        [=] {
            Bytes inner = makeEvent(16, le8(9), false);
            Bytes z = zstdCompress(inner);
            return decodeEvents(
                {fde, makeEvent(40, payloadBody(0, inner.size(), z.size() + 3, z))});
        },
        ErrorCode::Corrupt, "payload bytes but carries");
    add(
        "payload uncompressed size above the limit",
        [=] {
            Bytes z(10, 0);
            return decodeEvents({fde, makeEvent(40, payloadBody(0, 1u << 31, z.size(), z))});
        },
        ErrorCode::Corrupt, "above the limit");
    add(
        "inner event overruns the payload",
        [=] {
            Bytes inner = makeEvent(16, le8(9), false);
            inner[9] = 90;
            Bytes z = zstdCompress(inner);
            return decodeEvents({fde, makeEvent(40, payloadBody(0, inner.size(), z.size(), z))});
        },
        ErrorCode::Corrupt, "inner event length 90");
    add(
        "zlib compressed query corrupt",
        [=] {
            Bytes q{0x81, 20};
            q.insert(q.end(), 12, 0x33);
            return decodeEvents({mariaFde, makeEvent(165, queryBody({}, "db", q))});
        },
        ErrorCode::Corrupt, "zlib could not inflate");
    add(
        "zlib compressed rows with a bad header byte",
        [=] {
            Bytes body = writeRowsBody(42, 2, {0x10, 0, 0});
            body.erase(body.begin() + 8, body.begin() + 10);  // v1: no extra-data length
            return decodeEvents({mariaFde, map, makeEvent(166, body)});
        },
        ErrorCode::Corrupt, "is not 0x8N");
    add(
        "zlib compressed rows inflate to another size",
        [=] {
            Bytes rows = {0x00, 1, 0, 0, 0, 1, 'a'};
            Bytes z = mariadbCompress(rows);
            z[2] = static_cast<std::uint8_t>(z[2] + 1);
            Bytes body = writeRowsBody(42, 2, z);
            body.erase(body.begin() + 8, body.begin() + 10);
            return decodeEvents({mariaFde, map, makeEvent(166, body)});
        },
        ErrorCode::Corrupt, "inflated to 7 bytes, header says 8");
    add(
        "unknown event type without the ignorable flag",
        [=] {
            return decodeEvents({fde, makeEvent(99, Bytes(5, 0))});
        },
        ErrorCode::Unsupported, "event type 99 is not supported");
    add(
        "unknown QUERY status variable",
        [=] {
            return decodeEvents({fde, makeEvent(2, queryBody({77, 1, 2}, "db", text("BEGIN")))});
        },
        ErrorCode::Unsupported, "status variable code 77");
    add(
        "QUERY status variables past the end",
        [=] {
            Bytes body = queryBody({}, "db", text("BEGIN"));
            body[11] = 200;
            return decodeEvents({fde, makeEvent(2, body)});
        },
        ErrorCode::Corrupt, "status variables (200 bytes)");
    add(
        "encrypted MariaDB binlog",
        [=] {
            return decodeEvents({mariaFde, makeEvent(164, Bytes(17, 1))});
        },
        ErrorCode::Unsupported, "encrypted binlog files are not supported");
    add(
        "PREVIOUS_GTIDS count past the end",
        [=] {
            return decodeEvents({fde, makeEvent(35, le8(1000))});
        },
        ErrorCode::Corrupt, "SID count 1000");
    add(
        "XID body too short",
        [=] {
            return decodeEvents({fde, makeEvent(16, Bytes(3, 0))});
        },
        ErrorCode::Corrupt, "XID body is 3 bytes");
    add(
        "error position names file and offset",
        [=] {
            return decodeEvents({fde, makeEvent(16, Bytes(3, 0))});
        },
        ErrorCode::Corrupt, "XID event at test-bin.000001:" + std::to_string(4 + fde.size()));
    return cases;
}

TEST(BinlogCorrupt, EveryCaseFailsWithItsCodeAndMessage) {
    for (const auto& c : corruptCases()) {
        SCOPED_TRACE(c.name);
        Status status = c.run();
        ASSERT_FALSE(status.ok()) << c.name << " decoded without error";
        EXPECT_EQ(status.error().code, c.code) << status.error().toString();
        EXPECT_NE(status.error().message.find(c.substring), std::string::npos)
            << "message: " << status.error().message << "\nwanted: " << c.substring;
    }
}

// Records events as short strings for assertions.
class Recorder final : public EventHandler {
public:
    std::vector<std::string> log;
    std::vector<std::vector<ColumnValue>> rows;
    std::deque<std::vector<Bytes>> bytes;

    Status onIntvar(const EventContext&, const IntvarEvent& ev) override {
        log.push_back("intvar " + std::to_string(ev.type) + " " + std::to_string(ev.value));
        return okStatus();
    }
    Status onRand(const EventContext&, const RandEvent& ev) override {
        log.push_back("rand " + std::to_string(ev.seed1) + " " + std::to_string(ev.seed2));
        return okStatus();
    }
    Status onUserVar(const EventContext&, const UserVarEvent& ev) override {
        log.push_back("uservar " + std::string(ev.name) + " null=" + std::to_string(ev.isNull) +
                      " type=" + std::to_string(ev.valueType) + " value=" +
                      std::string(reinterpret_cast<const char*>(ev.value.data()), ev.value.size()) +
                      " flags=" + std::to_string(ev.flags.value_or(255)));
        return okStatus();
    }
    Status onXaPrepare(const EventContext&, const XaPrepareEvent& ev) override {
        log.push_back("xa " + std::to_string(ev.onePhase) + " " + std::to_string(ev.formatId) +
                      " " +
                      std::string(reinterpret_cast<const char*>(ev.gtrid.data()), ev.gtrid.size()));
        return okStatus();
    }
    Status onRowsQuery(const EventContext&, const RowsQueryEvent& ev) override {
        log.push_back("rowsquery " + std::string(ev.query));
        return okStatus();
    }
    Status onHeartbeat(const EventContext&, const HeartbeatEvent& ev) override {
        log.push_back("heartbeat v" + std::to_string(ev.version) + " " + std::string(ev.file) +
                      (ev.position ? " " + std::to_string(*ev.position) : ""));
        return okStatus();
    }
    Status onIgnorable(const EventContext& ctx) override {
        log.push_back("ignorable " + eventTypeName(ctx.header.typeCode));
        return okStatus();
    }
    Status onIncident(const EventContext&, const IncidentEvent& ev) override {
        log.push_back("incident " + std::to_string(ev.type) + " " + std::string(ev.message));
        return okStatus();
    }
    Status onRowsBegin(const EventContext&, const RowsEvent& ev) override {
        log.push_back(ev.table == nullptr ? "rows dummy" : "rows " + ev.table->table);
        return okStatus();
    }
    // Values are copied with their bytes: views die with the callback.
    Status onRow(const RowsEvent&, const RowImage* before, const RowImage* after) override {
        const RowImage* img = after != nullptr ? after : before;
        rows.emplace_back(img->begin(), img->end());
        auto& owned = bytes.emplace_back();
        for (auto& v : rows.back()) {
            owned.emplace_back(v.bytes.begin(), v.bytes.end());
        }
        for (std::size_t i = 0; i < rows.back().size(); ++i) {
            rows.back()[i].bytes = owned[i];
        }
        return okStatus();
    }
    Status onRotate(const EventContext& ctx, const RotateEvent& ev) override {
        log.push_back("rotate " + std::string(ev.nextFile) + " " + std::to_string(ev.position) +
                      " crc=" + std::to_string(ctx.checksumVerified));
        return okStatus();
    }
};

TEST(BinlogEvents, SmallEventsDecode) {
    Bytes userVar;
    putLe(userVar, 1, 4);
    putBytes(userVar, "x");
    userVar.push_back(0);
    userVar.push_back(0);
    putLe(userVar, 33, 4);
    putLe(userVar, 3, 4);
    putBytes(userVar, "abc");
    userVar.push_back(0);
    Bytes xa{0};
    putLe(xa, 7, 4);
    putLe(xa, 3, 4);
    putLe(xa, 0, 4);
    putBytes(xa, "g1!");
    Bytes hb2{1, 5};
    putBytes(hb2, "b.001");
    hb2.insert(hb2.end(), {2, 3, 0xfc, 0x10, 0x27, 0});
    Bytes rowsQuery{4};  // the length byte is unreliable; the text is the rest of the body
    putBytes(rowsQuery, "INSERT INTO t VALUES (1)");
    Bytes incident;
    putLe(incident, 1, 2);
    incident.push_back(4);
    putBytes(incident, "LOST");
    Bytes intvar{2};
    putLe(intvar, 99, 8);
    Bytes rand = le8(11);
    putLe(rand, 22, 8);
    Bytes dummyRows = writeRowsBody(0xffffff, 1, {});

    Recorder rec;
    Status st =
        decodeEvents({makeFde(), makeEvent(5, intvar), makeEvent(13, rand), makeEvent(14, userVar),
                      makeEvent(38, xa), makeEvent(29, rowsQuery), makeEvent(41, hb2),
                      makeEvent(27, text("b.001")), makeEvent(26, incident),
                      makeEvent(100, Bytes(9, 0), true, header_flags::kIgnorable),
                      makeEvent(36, Bytes(3, 0)), makeEvent(30, dummyRows)},
                     rec);
    ASSERT_TRUE(st.ok()) << st.error().toString();
    const std::vector<std::string> want = {
        "intvar 2 99",
        "rand 11 22",
        "uservar x null=0 type=0 value=abc flags=0",
        "xa 0 7 g1!",
        "rowsquery INSERT INTO t VALUES (1)",
        "heartbeat v2 b.001 10000",
        "heartbeat v1 b.001",
        "incident 1 LOST",
        "ignorable type100",
        "ignorable TRANSACTION_CONTEXT",
        "rows dummy",
    };
    EXPECT_EQ(rec.log, want);
}

TEST(BinlogEvents, ArtificialRotateBeforeFdeDetectsItsChecksum) {
    Bytes body = le8(4);
    putBytes(body, "mysql-bin.000007");
    for (bool crc : {true, false}) {
        Recorder rec;
        ASSERT_TRUE(decodeEvents({makeEvent(4, body, crc, header_flags::kArtificial)}, rec).ok());
        ASSERT_EQ(rec.log.size(), 1u);
        EXPECT_EQ(rec.log[0], "rotate mysql-bin.000007 4 crc=" + std::to_string(crc));
    }
}

TEST(BinlogEvents, RowValuesOfEveryKind) {
    namespace ct = column_type;
    // Columns: TINY(unsigned), INT24, ENUM(1), SET(1), BIT(10), YEAR, BINARY(4) (collation 63),
    // VARCHAR(300) (2-byte prefix), MEDIUMBLOB, JSON (empty), GEOMETRY, NEWDECIMAL(5,2),
    // TIMESTAMP2(3), DOUBLE, INT (absent), TINY (NULL).
    Bytes types = {ct::kTiny,       ct::kInt24,  ct::kString,   ct::kString,
                   ct::kBit,        ct::kYear,   ct::kString,   ct::kVarchar,
                   ct::kBlob,       ct::kJson,   ct::kGeometry, ct::kNewDecimal,
                   ct::kTimestamp2, ct::kDouble, ct::kLong,     ct::kTiny};
    Bytes meta = {0xf7, 1, 0xf8, 1, 2, 1, 0xfe, 4, 0x2c, 0x01, 3, 4, 4, 5, 2, 3, 8};
    // SIGNEDNESS: the first numeric column is unsigned. COLUMN_CHARSET: BINARY 63, VARCHAR 8,
    // MEDIUMBLOB 63 (ENUM and SET are not character columns).
    Bytes opt = {1, 1, 0x80, 3, 3, 63, 8, 63};
    Bytes mapBody = tableMapBody(5, types, meta, opt);

    Bytes row;
    row.insert(row.end(), {0x00, 0x40});        // NULL bitmap over 15 present columns: last is NULL
    row.push_back(200);                         // TINY unsigned 200
    row.insert(row.end(), {0xfe, 0xff, 0xff});  // INT24 -2
    row.push_back(2);                           // ENUM 2
    row.push_back(5);                           // SET 0b101
    row.insert(row.end(), {0x02, 0x01});        // BIT(10) = 0x201
    row.push_back(0);                           // YEAR 0
    row.insert(row.end(), {2, 0x01, 0x02});     // BINARY(4) logged as 01 02
    Bytes longText(260, 'v');
    putLe(row, longText.size(), 2);
    row.insert(row.end(), longText.begin(), longText.end());
    putLe(row, 3, 3);
    putBytes(row, "mmm");
    putLe(row, 0, 4);  // JSON: empty document
    Bytes geom = {0, 0, 0, 0, 1, 1, 0, 0, 0};
    putLe(row, geom.size(), 4);
    row.insert(row.end(), geom.begin(), geom.end());
    row.insert(row.end(), {0x80, 0x01, 0x05});                    // DECIMAL(5,2) 1.05
    row.insert(row.end(), {0x12, 0x34, 0x56, 0x78, 0x13, 0x88});  // TIMESTAMP2(3) .500
    double dbl = -2.5;
    std::uint64_t bits;
    std::memcpy(&bits, &dbl, 8);
    putLe(row, bits, 8);

    Bytes rowsBody;
    putLe(rowsBody, 5, 6);
    putLe(rowsBody, 1, 2);
    putLe(rowsBody, 2, 2);
    rowsBody.push_back(16);
    rowsBody.insert(rowsBody.end(), {0xff, 0xbf});  // column 14 absent
    rowsBody.insert(rowsBody.end(), row.begin(), row.end());

    Recorder rec;
    Status st = decodeEvents({makeFde(), makeEvent(19, mapBody), makeEvent(30, rowsBody)}, rec);
    ASSERT_TRUE(st.ok()) << st.error().toString();
    ASSERT_EQ(rec.rows.size(), 1u);
    const auto& r = rec.rows[0];
    ASSERT_EQ(r.size(), 16u);
    EXPECT_EQ(r[0].kind, ValueKind::UnsignedInt);
    EXPECT_EQ(r[0].u, 200u);
    EXPECT_EQ(r[1].kind, ValueKind::SignedInt);
    EXPECT_EQ(r[1].i, -2);
    EXPECT_EQ(r[2].kind, ValueKind::Enum);
    EXPECT_EQ(r[2].u, 2u);
    EXPECT_EQ(r[3].kind, ValueKind::Set);
    EXPECT_EQ(r[3].u, 5u);
    EXPECT_EQ(r[4].kind, ValueKind::Bit);
    EXPECT_EQ(r[4].u, 0x201u);
    EXPECT_EQ(r[5].kind, ValueKind::Year);
    EXPECT_EQ(r[5].i, 0);
    EXPECT_EQ(r[6].kind, ValueKind::String);
    EXPECT_EQ(r[6].bytes.size(), 2u);
    EXPECT_EQ(r[6].collation, 63);
    EXPECT_EQ(r[6].padLength, 4u);
    EXPECT_EQ(r[7].bytes.size(), 260u);
    EXPECT_EQ(r[7].collation, 8);
    EXPECT_EQ(r[8].text(), "mmm");
    EXPECT_EQ(r[9].kind, ValueKind::Json);
    EXPECT_TRUE(r[9].bytes.empty());
    EXPECT_EQ(r[10].kind, ValueKind::Geometry);
    EXPECT_EQ(r[10].bytes.size(), geom.size());
    EXPECT_EQ(r[11].kind, ValueKind::Decimal);
    EXPECT_EQ(r[11].bytes.size(), 3u);
    EXPECT_EQ(r[12].kind, ValueKind::Timestamp);
    EXPECT_EQ(r[12].u, 0x12345678u);
    EXPECT_EQ(r[12].microseconds, 500000u);
    EXPECT_EQ(r[13].kind, ValueKind::Double);
    EXPECT_EQ(r[13].d, -2.5);
    EXPECT_EQ(r[14].kind, ValueKind::Absent);
    EXPECT_EQ(r[15].kind, ValueKind::Null);
}

TEST(BinlogEvents, CompressedEventsRoundTrip) {
    Recorder rec;
    const Bytes map = makeEvent(19, tableMapBody(42, {3, 15}, {10, 0}));
    Bytes rows = {0x00, 7, 0, 0, 0, 2, 'h', 'i'};
    Bytes body = writeRowsBody(42, 2, mariadbCompress(rows));
    body.erase(body.begin() + 8, body.begin() + 10);
    Status st = decodeEvents({makeFde(true), map, makeEvent(166, body)}, rec);
    ASSERT_TRUE(st.ok()) << st.error().toString();
    ASSERT_EQ(rec.rows.size(), 1u);
    EXPECT_EQ(rec.rows[0][0].i, 7);
    EXPECT_EQ(rec.rows[0][1].text(), "hi");

    Recorder inner;
    Bytes innerEvents = makeEvent(16, le8(77), false);
    Bytes z = zstdCompress(innerEvents);
    Bytes uncompressedPayload =
        payloadBody(255, innerEvents.size(), innerEvents.size(), innerEvents);
    st = decodeEvents({makeFde(), makeEvent(40, payloadBody(0, innerEvents.size(), z.size(), z)),
                       makeEvent(40, uncompressedPayload)},
                      inner);
    ASSERT_TRUE(st.ok()) << st.error().toString();
}

TEST(BinlogEvents, ServerVersionParsingStopsAtTheFirstNonDigit) {
    struct Row {
        const char* text;
        int major, minor, patch;
    };
    for (const Row& row :
         {Row{"5.1.34sp1-enterprise-gpl-advanced-log", 5, 1, 34},
          Row{"10.11.19-MariaDB-0+deb12u1-log", 10, 11, 19}, Row{"8.0.2-dmr", 8, 0, 2},
          Row{"5.7.12-log", 5, 7, 12}, Row{"garbage", 0, 0, 0}, Row{"9", 9, 0, 0}}) {
        SCOPED_TRACE(row.text);
        auto v = ServerVersion::parse(row.text);
        EXPECT_EQ(v.major, row.major);
        EXPECT_EQ(v.minor, row.minor);
        EXPECT_EQ(v.patch, row.patch);
    }
}

class GtidRecorder final : public EventHandler {
public:
    std::vector<PreviousGtidsEvent> previous;
    std::vector<std::string> gtids;
    Status onPreviousGtids(const EventContext&, const PreviousGtidsEvent& ev) override {
        previous.push_back(ev);
        previous.back().encoded = {};
        return okStatus();
    }
    Status onGtid(const EventContext&, const GtidEvent& ev) override {
        gtids.push_back(ev.gtid ? ev.gtid->toString() : "anonymous");
        return okStatus();
    }
};

TEST(BinlogEvents, TaggedPreviousGtidsAndGtidEvents) {
    Bytes uuid = {0x55, 0x77, 0x89, 0x04, 0x11, 0x22, 0x33, 0x44,
                  0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc};
    Bytes tagged = {0x01, 1, 0, 0, 0, 0, 0, 0x01};
    tagged.insert(tagged.end(), uuid.begin(), uuid.end());
    tagged.push_back(5 << 1);
    putBytes(tagged, "mytag");
    putLe(tagged, 1, 8);
    putLe(tagged, 1, 8);
    putLe(tagged, 3, 8);
    Bytes gtid = {0x01};
    gtid.insert(gtid.end(), uuid.begin(), uuid.end());
    putLe(gtid, 42, 8);
    Bytes badGtid = gtid;
    std::fill(badGtid.end() - 8, badGtid.end(), 0);  // GNO 0 is not a GTID

    GtidRecorder rec;
    Status st = decodeEvents(
        {makeFde(), makeEvent(35, tagged, true, header_flags::kIgnorable), makeEvent(33, gtid)},
        rec);
    ASSERT_TRUE(st.ok()) << st.error().toString();
    ASSERT_EQ(rec.previous.size(), 1u);
    EXPECT_EQ(rec.previous[0].format, 1);
    ASSERT_EQ(rec.previous[0].entries.size(), 1u);
    EXPECT_EQ(rec.previous[0].entries[0].tag, "mytag");
    EXPECT_EQ(rec.previous[0].gtidSet.toSingleLineString(),
              "55778904-1122-3344-5566-778899aabbcc:mytag:1-2");
    EXPECT_EQ(rec.gtids, std::vector<std::string>{"55778904-1122-3344-5566-778899aabbcc:42"});

    st = decodeEvents({makeFde(), makeEvent(33, badGtid)});
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, ErrorCode::Corrupt);
}

TEST(BinlogFileSourceTest, ReadsGzipCompressedFiles) {
    fs::path plain =
        fs::path(FERRY_SHARED_DIR) / "fixtures" / "binlog" / "osheroff__mysql-bin.checksum-crc32";
    if (!fs::exists(plain)) {
        GTEST_SKIP() << "fixture not found at " << plain;
    }
    std::ifstream in(plain, std::ios::binary);
    Bytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    fs::path gz = fs::temp_directory_path() /
                  ("ferry-gz-" + std::to_string(::getpid()) + "-mysql-bin.000001.gz");
    gzFile out = gzopen(gz.string().c_str(), "wb");
    ASSERT_NE(out, nullptr);
    ASSERT_EQ(gzwrite(out, content.data(), static_cast<unsigned>(content.size())),
              static_cast<int>(content.size()));
    gzclose(out);

    auto source = BinlogFileSource::open(gz.string());
    ASSERT_TRUE(source.ok()) << source.error().toString();
    EXPECT_EQ((*source)->name(), "ferry-gz-" + std::to_string(::getpid()) + "-mysql-bin.000001");
    EventDecoder decoder;
    EventHandler ignore;
    auto count = decodeAll(**source, decoder, ignore);
    fs::remove(gz);
    ASSERT_TRUE(count.ok()) << count.error().toString();
    EXPECT_EQ(*count, 303u);
}

// Plain files are read in 1 MiB blocks: events cross block boundaries, and one event is larger
// than a block. Every event must arrive whole, at its offset, in order.
TEST(BinlogFileSourceTest, EventsAcrossReadBlocksAndLargerThanABlock) {
    std::vector<Bytes> events = {makeFde()};
    std::vector<std::uint64_t> offsets = {4};
    std::vector<std::size_t> sizes;
    auto rowsQuery = [](std::size_t length, char fill) {
        Bytes body = {1};
        body.insert(body.end(), length, static_cast<std::uint8_t>(fill));
        return makeEvent(29, body);
    };
    for (std::size_t i = 0; i < 9000; ++i) {
        events.push_back(rowsQuery(200 + (i * 37) % 500, static_cast<char>('a' + i % 26)));
        if (i == 4000) {
            events.push_back(rowsQuery(std::size_t{3} << 20, 'Z'));
        }
    }
    for (std::size_t i = 1; i < events.size(); ++i) {
        offsets.push_back(offsets.back() + events[i - 1].size());
    }
    for (const Bytes& e : events) {
        sizes.push_back(e.size());
    }
    Bytes content = fileBytes(events);
    ASSERT_GT(content.size(), std::size_t{5} << 20);

    class OffsetRecorder final : public EventHandler {
    public:
        std::vector<std::uint64_t> offsets;
        std::vector<std::size_t> sizes;
        std::size_t badText = 0;
        Status onEvent(const EventContext& ctx) override {
            offsets.push_back(ctx.offset);
            sizes.push_back(ctx.raw.size());
            return okStatus();
        }
        Status onRowsQuery(const EventContext&, const RowsQueryEvent& ev) override {
            if (ev.query.find_first_not_of(ev.query.front()) != std::string_view::npos) {
                ++badText;
            }
            return okStatus();
        }
    } rec;
    fs::path path =
        fs::temp_directory_path() / ("ferry-blocks-" + std::to_string(::getpid()) + ".bin");
    {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(content.data()),
                  static_cast<std::streamsize>(content.size()));
    }
    auto source = BinlogFileSource::open(path.string());
    ASSERT_TRUE(source.ok()) << source.error().toString();
    EventDecoder decoder;
    auto count = decodeAll(**source, decoder, rec);
    ASSERT_TRUE(count.ok()) << count.error().toString();
    EXPECT_EQ(*count, events.size());
    EXPECT_EQ(rec.offsets, offsets);
    EXPECT_EQ(rec.sizes, sizes);
    EXPECT_EQ(rec.badText, 0u);

    // The same file cut one byte short of its end: the last event is reported truncated.
    content.pop_back();
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(content.data()),
                  static_cast<std::streamsize>(content.size()));
    }
    auto cut = BinlogFileSource::open(path.string());
    ASSERT_TRUE(cut.ok()) << cut.error().toString();
    EventDecoder decoder2;
    EventHandler ignore;
    auto failed = decodeAll(**cut, decoder2, ignore);
    fs::remove(path);
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error().code, ErrorCode::Corrupt);
    EXPECT_NE(failed.error().message.find("the file is truncated"), std::string::npos)
        << failed.error().message;
}

TEST(BinlogFileSourceTest, MissingFileIsNotFound) {
    auto source = BinlogFileSource::open("/nonexistent/ferry/mysql-bin.000001");
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.error().code, ErrorCode::NotFound);
    EXPECT_NE(source.error().message.find("/nonexistent/ferry/mysql-bin.000001"),
              std::string::npos);
}

// Flips bytes and truncates real fixtures everywhere: the decoder may fail, never crash (run
// under -DFERRY_SANITIZE=ON to catch memory errors).
TEST(BinlogCorrupt, MutatedFixturesNeverCrash) {
    fs::path dir = fs::path(FERRY_SHARED_DIR) / "fixtures" / "binlog";
    if (!fs::is_directory(dir)) {
        GTEST_SKIP() << "binlog fixtures not found at " << dir;
    }
    std::size_t runs = 0;
    std::size_t failures = 0;
    for (const char* name :
         {"osheroff__mysql-bin.checksum-none", "rust_mysql_common__json.binlog.000001",
          "local__mariadb-10.11-alltypes.000001", "osheroff__mysql-bin.compressed",
          "rust_mysql_common__mysql-enum-string-set.000001"}) {
        std::ifstream in(dir / name, std::ios::binary);
        Bytes content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ASSERT_GT(content.size(), 4u) << name;
        std::size_t stride = std::max<std::size_t>(1, content.size() / 800);
        for (std::size_t pos = 4; pos < content.size(); pos += stride) {
            for (std::uint8_t mask : {0x01, 0x80, 0xff}) {
                Bytes mutated = content;
                mutated[pos] ^= mask;
                MemorySource source(mutated);
                EventDecoder decoder(
                    DecoderOptions{.maxDecompressedSize = 1u << 24, .verifyChecksums = false});
                EventHandler ignore;
                auto result = decodeAll(source, decoder, ignore);
                failures += result.ok() ? 0 : 1;
                ++runs;
            }
            Bytes cut(content.begin(), content.begin() + static_cast<std::ptrdiff_t>(pos));
            MemorySource source(cut);
            EventDecoder decoder;
            EventHandler ignore;
            (void)decodeAll(source, decoder, ignore);
        }
    }
    EXPECT_GT(runs, 1000u);
    EXPECT_GT(failures, 0u);  // some mutations must be detected
}

}  // namespace
}  // namespace ferry::binlog::test
