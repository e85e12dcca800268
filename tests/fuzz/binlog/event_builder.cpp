// SPDX-License-Identifier: Apache-2.0
#include "event_builder.h"

#include <array>
#include <bit>
#include <cstring>
#include <string>

#include <zlib.h>
#include <zstd.h>

#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_types.h"

namespace ferry::binlog::fuzz {

namespace {

namespace ct = column_type;

constexpr std::uint64_t kTableId = 108;
constexpr std::uint32_t kServerId = 7;

void putFloat(Bytes& out, float value) {
    putLe(out, std::bit_cast<std::uint32_t>(value), 4);
}

void putDouble(Bytes& out, double value) {
    putLe(out, std::bit_cast<std::uint64_t>(value), 8);
}

// Lenenc-length string, as optional metadata and JSON diffs use.
void putLenencText(Bytes& out, std::string_view text) {
    putLenenc(out, text.size());
    putText(out, text);
}

void putTlv(Bytes& out, std::uint8_t type, const Bytes& value) {
    out.push_back(type);
    putLenenc(out, value.size());
    putBytes(out, value);
}

// MySQL 8.0.28 post-header lengths, types 1..41.
constexpr std::array<std::uint8_t, 41> kMySql8PostHeaders = {
    0, 13, 0, 8, 0, 0, 0, 0, 4,  0,  4,  0,  0,  0, 98, 0,  4, 26, 8,  0, 0,
    0, 8,  8, 8, 2, 0, 0, 0, 10, 10, 10, 42, 42, 0, 18, 52, 0, 10, 40, 0};

// MariaDB 10.11 post-header lengths, types 1..171.
Bytes mariadbPostHeaders() {
    Bytes table = {56, 13,  0, 8, 0,  18, 0, 4, 4, 4, 4, 18, 0,
                   0,  228, 0, 4, 26, 8,  0, 0, 0, 8, 8, 8,  2};
    table.resize(171, 0);
    for (std::uint8_t type : {30, 31, 32, 39, 40, 41}) {
        table[type - 1] = 10;
    }
    const std::array<std::pair<std::uint8_t, std::uint8_t>, 11> tail = {{{161, 4},
                                                                         {162, 19},
                                                                         {163, 4},
                                                                         {164, 0},
                                                                         {165, 13},
                                                                         {166, 8},
                                                                         {167, 8},
                                                                         {168, 8},
                                                                         {169, 10},
                                                                         {170, 10},
                                                                         {171, 10}}};
    for (auto [type, length] : tail) {
        table[type - 1] = length;
    }
    return table;
}

// MariaDB compressed block: 0x80 | length bytes, the inflated length big-endian, a zlib stream.
Bytes mariadbCompress(const Bytes& plain) {
    uLongf bound = compressBound(static_cast<uLong>(plain.size()));
    Bytes packed(bound);
    compress(packed.data(), &bound, plain.data(), static_cast<uLong>(plain.size()));
    packed.resize(bound);
    Bytes out;
    out.push_back(0x80 | 4);
    putBe(out, plain.size(), 4);
    putBytes(out, packed);
    return out;
}

// --- QUERY ---------------------------------------------------------------------------------

Bytes queryBody(std::string_view db, const Bytes& query, bool mariadb) {
    Bytes status;
    status.push_back(0);  // Q_FLAGS2
    putLe(status, 0x00000000, 4);
    status.push_back(1);  // Q_SQL_MODE
    putLe(status, 0x0000000040000000ULL, 8);
    status.push_back(6);  // Q_CATALOG_NZ_CODE
    status.push_back(3);
    putText(status, "std");
    status.push_back(4);  // Q_CHARSET_CODE
    putLe(status, 33, 2);
    putLe(status, 33, 2);
    putLe(status, 255, 2);
    status.push_back(5);  // Q_TIME_ZONE_CODE
    status.push_back(6);
    putText(status, "+00:00");
    status.push_back(12);  // Q_UPDATED_DB_NAMES
    status.push_back(1);
    putText(status, db);
    status.push_back(0);
    if (mariadb) {
        status.push_back(128);  // Q_HRNOW
        putLe(status, 123456, 3);
    } else {
        status.push_back(17);  // Q_DDL_LOGGED_WITH_XID
        putLe(status, 77, 8);
        status.push_back(16);  // Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP
        status.push_back(1);
        status.push_back(18);  // Q_DEFAULT_COLLATION_FOR_UTF8MB4
        putLe(status, 255, 2);
    }
    Bytes body;
    putLe(body, 12, 4);  // thread id
    putLe(body, 0, 4);   // exec time
    body.push_back(static_cast<std::uint8_t>(db.size()));
    putLe(body, 0, 2);  // error code
    putLe(body, status.size(), 2);
    putBytes(body, status);
    putText(body, db);
    body.push_back(0);
    putBytes(body, query);
    return body;
}

Bytes textBytes(std::string_view text) {
    return Bytes(text.begin(), text.end());
}

// --- TABLE_MAP and rows ----------------------------------------------------------------------

struct Column {
    std::uint8_t type;
    Bytes meta;
    std::string name;
};

std::vector<Column> mysqlColumns() {
    return {
        {ct::kLong, {}, "id"},
        {ct::kLongLong, {}, "big_u"},
        {ct::kTiny, {}, "tiny"},
        {ct::kShort, {}, "small"},
        {ct::kInt24, {}, "medium"},
        {ct::kFloat, {4}, "f"},
        {ct::kDouble, {8}, "d"},
        {ct::kNewDecimal, {10, 2}, "price"},
        {ct::kVarchar, {0xfc, 0x03}, "name"},  // VARCHAR(255) utf8mb4: 1020 bytes, LE
        {ct::kString, {0xfe, 10}, "bin10"},    // BINARY(10)
        {ct::kString, {0xf7, 1}, "color"},     // ENUM
        {ct::kString, {0xf8, 1}, "flags"},     // SET
        {ct::kBlob, {2}, "blob"},
        {ct::kJson, {4}, "doc"},
        {ct::kGeometry, {4}, "pt"},
        {ct::kBit, {2, 1}, "bits"},  // BIT(10)
        {ct::kDate, {}, "day"},
        {ct::kTime2, {0}, "t"},
        {ct::kDatetime2, {3}, "dt"},
        {ct::kTimestamp2, {6}, "ts"},
        {ct::kYear, {}, "y"},
        {ct::kVector, {4}, "vec"},
        {ct::kTimestamp, {}, "old_ts"},
        {ct::kDatetime, {}, "old_dt"},
        {ct::kTime, {}, "old_t"},
    };
}

std::vector<Column> mariadbColumns() {
    return {
        {ct::kLong, {}, "id"},
        {ct::kVarchar, {0x90, 0x01}, "name"},  // VARCHAR(100) utf8mb4: 400 bytes
        {ct::kBlob, {4}, "doc"},               // JSON is LONGTEXT on MariaDB
        {ct::kNewDecimal, {12, 4}, "amount"},
        {ct::kDatetime2, {6}, "dt"},
        {ct::kTimestamp2, {0}, "ts"},
        {ct::kString, {0xf7, 1}, "state"},  // ENUM
        {ct::kGeometry, {4}, "shape"},
        {ct::kLongLong, {}, "counter"},
        {ct::kString, {0xfe, 40}, "code"},  // CHAR(10) utf8mb4
    };
}

Bytes tableMapBody(std::string_view schema, std::string_view table,
                   const std::vector<Column>& columns, Flavor flavor) {
    Bytes body;
    putLe(body, kTableId, 6);
    putLe(body, 1, 2);
    body.push_back(static_cast<std::uint8_t>(schema.size()));
    putText(body, schema);
    body.push_back(0);
    body.push_back(static_cast<std::uint8_t>(table.size()));
    putText(body, table);
    body.push_back(0);
    putLenenc(body, columns.size());
    Bytes meta;
    for (const auto& c : columns) {
        body.push_back(c.type);
        putBytes(meta, c.meta);
    }
    putLenenc(body, meta.size());
    putBytes(body, meta);
    Bytes nullable((columns.size() + 7) / 8, 0xff);
    nullable[0] &= 0xfe;  // the key is NOT NULL
    putBytes(body, nullable);

    // Optional metadata, as binlog_row_metadata=FULL writes it.
    Bytes signedness;
    std::size_t numeric = 0;
    Bytes bits;
    for (const auto& c : columns) {
        switch (c.type) {
            case ct::kTiny:
            case ct::kShort:
            case ct::kInt24:
            case ct::kLong:
            case ct::kLongLong:
            case ct::kFloat:
            case ct::kDouble:
            case ct::kNewDecimal:
            case ct::kYear:
                if (numeric % 8 == 0) {
                    bits.push_back(0);
                }
                if (c.name == "big_u" || c.name == "counter") {
                    bits.back() |= static_cast<std::uint8_t>(0x80 >> (numeric % 8));
                }
                ++numeric;
                break;
            default:
                break;
        }
    }
    putTlv(body, 1, bits);
    Bytes charset;
    if (flavor == Flavor::MySql8) {
        putLenenc(charset, 255);  // DEFAULT_CHARSET: utf8mb4_0900_ai_ci ...
        putLenenc(charset, 1);    // ... except character column 1 (BINARY) ...
        putLenenc(charset, 63);
        putLenenc(charset, 2);  // ... and 2 (BLOB): binary
        putLenenc(charset, 63);
        putTlv(body, 2, charset);
    } else {
        // COLUMN_CHARSET: VARCHAR, BLOB, GEOMETRY (a character column on MariaDB), CHAR.
        for (std::uint32_t collation : {45u, 46u, 63u, 45u}) {
            putLenenc(charset, collation);
        }
        putTlv(body, 3, charset);
    }
    Bytes names;
    for (const auto& c : columns) {
        names.push_back(static_cast<std::uint8_t>(c.name.size()));
        putText(names, c.name);
    }
    putTlv(body, 4, names);
    if (flavor == Flavor::MySql8) {
        Bytes setValues;
        putLenenc(setValues, 3);
        for (auto label : {"a", "b", "c"}) {
            putLenencText(setValues, label);
        }
        putTlv(body, 5, setValues);
    }
    Bytes enumValues;
    putLenenc(enumValues, 3);
    for (auto label : {"red", "green", "blue"}) {
        putLenencText(enumValues, label);
    }
    putTlv(body, 6, enumValues);
    Bytes geometry;
    putLenenc(geometry, 1);  // POINT
    putTlv(body, 7, geometry);
    Bytes key;
    putLenenc(key, 0);
    putTlv(body, 8, key);
    Bytes enumCharset;
    putLenenc(enumCharset, 255);
    putTlv(body, 10, enumCharset);
    if (flavor == Flavor::MySql8) {
        putTlv(body, 12, Bytes((columns.size() + 7) / 8, 0xff));  // COLUMN_VISIBILITY
        Bytes dims;
        putLenenc(dims, 2);
        putTlv(body, 13, dims);
    }
    return body;
}

// {"a": 1, "list": [true, "x"]} in MySQL binary JSON.
Bytes jsonDocument() {
    Bytes array;  // small array of 2: literal true, string "x"
    putLe(array, 2, 2);
    putLe(array, 0, 2);     // size, patched below
    array.push_back(0x04);  // literal
    putLe(array, 0x01, 2);  // true
    array.push_back(0x0c);  // string at offset 10
    putLe(array, 10, 2);
    array.push_back(1);  // length
    array.push_back('x');
    array[2] = static_cast<std::uint8_t>(array.size());

    Bytes object;  // small object of 2 keys
    putLe(object, 2, 2);
    putLe(object, 0, 2);  // size, patched below
    const std::size_t keysAt = 4 + 2 * 4 + 2 * 3;
    putLe(object, keysAt, 2);  // "a"
    putLe(object, 1, 2);
    putLe(object, keysAt + 1, 2);  // "list"
    putLe(object, 4, 2);
    object.push_back(0x05);  // int16 1, inline
    putLe(object, 1, 2);
    object.push_back(0x02);  // small array, after the keys
    putLe(object, keysAt + 5, 2);
    putText(object, "alist");
    putBytes(object, array);
    object[2] = static_cast<std::uint8_t>(object.size());

    Bytes doc = {0x00};
    putBytes(doc, object);
    return doc;
}

Bytes geometryPoint() {
    Bytes g;
    putLe(g, 4326, 4);  // SRID
    g.push_back(1);     // little-endian WKB
    putLe(g, 1, 4);     // POINT
    putDouble(g, 12.5);
    putDouble(g, -3.25);
    return g;
}

std::uint64_t packDatetime2(int year, int month, int day, int hour, int minute, int second) {
    std::uint64_t ym = static_cast<std::uint64_t>(year) * 13 + static_cast<std::uint64_t>(month);
    std::uint64_t ymd = (ym << 5) | static_cast<std::uint64_t>(day);
    std::uint64_t hms = (static_cast<std::uint64_t>(hour) << 12) |
                        (static_cast<std::uint64_t>(minute) << 6) |
                        static_cast<std::uint64_t>(second);
    return (std::uint64_t{1} << 39) | (ymd << 17) | hms;
}

// One MySQL row image with every column present. `id` distinguishes rows.
Bytes mysqlRow(std::uint32_t id, bool nulls) {
    const std::size_t n = mysqlColumns().size();
    Bytes row((n + 7) / 8, 0);
    if (nulls) {
        for (std::size_t i = 1; i < n; ++i) {
            row[i / 8] |= static_cast<std::uint8_t>(1u << (i % 8));
        }
        putLe(row, id, 4);
        return row;
    }
    putLe(row, id, 4);
    putLe(row, ~std::uint64_t{0}, 8);
    row.push_back(0xfb);                                 // -5
    putLe(row, 0xfed4, 2);                               // -300
    putLe(row, 0xffffff, 3);                             // -1
    putFloat(row, 1.5f);                                 // FLOAT
    putDouble(row, -0.25);                               // DOUBLE
    putBytes(row, Bytes{0x80, 0x00, 0x04, 0xd2, 0x38});  // 1234.56
    const std::string name = "h\xc3\xa9llo";
    putLe(row, name.size(), 2);
    putText(row, name);
    row.push_back(2);  // BINARY(10) logged without its trailing zeros
    putText(row, "ab");
    row.push_back(2);     // ENUM 'green'
    row.push_back(0x05);  // SET 'a,c'
    putLe(row, 3, 2);
    putBytes(row, Bytes{0x00, 0x01, 0xff});
    const Bytes doc = jsonDocument();
    putLe(row, doc.size(), 4);
    putBytes(row, doc);
    const Bytes point = geometryPoint();
    putLe(row, point.size(), 4);
    putBytes(row, point);
    putBe(row, 0x2ab, 2);                                      // BIT(10)
    putLe(row, 29u | (2u << 5) | (2024u << 9), 3);             // DATE 2024-02-29
    putBe(row, 0x800000 | (12u << 12) | (34u << 6) | 56u, 3);  // TIME2 12:34:56
    putBe(row, packDatetime2(2024, 2, 29, 12, 34, 56), 5);     // DATETIME2(3) ...
    putBe(row, 7890, 2);                                       // ... .789
    putBe(row, 1700000000, 4);                                 // TIMESTAMP2(6)
    putBe(row, 123456, 3);
    row.push_back(124);  // YEAR 2024
    putLe(row, 8, 4);    // VECTOR of 2 floats
    putFloat(row, 1.0f);
    putFloat(row, -0.5f);
    putLe(row, 1700000000, 4);             // TIMESTAMP
    putLe(row, 20240229123456ULL, 8);      // DATETIME
    putLe(row, 0xffffff - 123456 + 1, 3);  // TIME -12:34:56
    return row;
}

Bytes mariadbRow(std::uint32_t id) {
    const std::size_t n = mariadbColumns().size();
    Bytes row((n + 7) / 8, 0);
    putLe(row, id, 4);
    const std::string name = "caf\xc3\xa9";
    putLe(row, name.size(), 2);
    putText(row, name);
    const std::string json = "{\"k\": [1, 2.5, null]}";
    putLe(row, json.size(), 4);
    putText(row, json);
    putBytes(row, Bytes{0x7f, 0xff, 0xff, 0xfb, 0xf8, 0x2f});  // DECIMAL(12,4) -4.2000
    putBe(row, packDatetime2(1999, 12, 31, 23, 59, 59), 5);
    putBe(row, 999999, 3);
    putBe(row, 946684799, 4);  // TIMESTAMP2(0)
    row.push_back(3);          // ENUM 'blue'
    const Bytes point = geometryPoint();
    putLe(row, point.size(), 4);
    putBytes(row, point);
    putLe(row, 42, 8);
    row.push_back(3);
    putText(row, "XYZ");
    return row;
}

// Rows event body: post-header (v2 with an empty extra-data block), column count, bitmaps, rows.
Bytes rowsBody(std::size_t columns, bool v2, bool update, const std::vector<Bytes>& rows) {
    Bytes body;
    putLe(body, kTableId, 6);
    putLe(body, 0x0001, 2);  // STMT_END_F
    if (v2) {
        putLe(body, 2, 2);
    }
    putLenenc(body, columns);
    Bytes present((columns + 7) / 8, 0xff);
    putBytes(body, present);
    if (update) {
        putBytes(body, present);
    }
    for (const auto& row : rows) {
        putBytes(body, row);
    }
    return body;
}

// PARTIAL_UPDATE_ROWS after-image: JSON column 13 carries a diff list.
Bytes mysqlPartialAfter(std::uint32_t id) {
    Bytes full = mysqlRow(id, false);
    Bytes diff;
    diff.push_back(0);  // REPLACE
    putLenencText(diff, "$.a");
    putLenenc(diff, 3);
    putBytes(diff, Bytes{0x05, 0x02, 0x00});  // int16 2
    diff.push_back(2);                        // REMOVE
    putLenencText(diff, "$.list[0]");

    // Rebuild the row: everything before the JSON value, the diff, everything after.
    Bytes row;
    putLenenc(row, 1);  // PARTIAL_JSON_UPDATES
    row.push_back(0x01);
    const Bytes doc = jsonDocument();
    const std::size_t jsonAt = [&] {
        Bytes probe = full;
        // The JSON length prefix is the first occurrence of doc's size followed by doc.
        for (std::size_t i = 0; i + 4 + doc.size() <= probe.size(); ++i) {
            if (std::memcmp(probe.data() + i + 4, doc.data(), doc.size()) == 0) {
                return i;
            }
        }
        return probe.size();
    }();
    row.insert(row.end(), full.begin(), full.begin() + static_cast<std::ptrdiff_t>(jsonAt));
    putLe(row, diff.size(), 4);
    putBytes(row, diff);
    row.insert(row.end(), full.begin() + static_cast<std::ptrdiff_t>(jsonAt + 4 + doc.size()),
               full.end());
    return row;
}

Bytes xidBody(std::uint64_t xid) {
    Bytes body;
    putLe(body, xid, 8);
    return body;
}

Bytes rotateBody(std::string_view next) {
    Bytes body;
    putLe(body, 4, 8);
    putText(body, next);
    return body;
}

Bytes gtidBody(std::uint64_t gno, bool anonymous) {
    Bytes body;
    body.push_back(1);  // may commit in parallel
    for (int i = 0; i < 16; ++i) {
        body.push_back(anonymous ? 0 : static_cast<std::uint8_t>(0x30 + i));
    }
    putLe(body, anonymous ? 0 : gno, 8);
    body.push_back(2);  // logical timestamps
    putLe(body, gno - 1, 8);
    putLe(body, gno, 8);
    putLe(body, (std::uint64_t{1} << 55) | 1700000000123456ULL, 7);  // immediate, original follows
    putLe(body, 1700000000000001ULL, 7);
    putLenenc(body, 600);
    putLe(body, (1u << 31) | 80036u, 4);  // immediate server version, original follows
    putLe(body, 80028u, 4);
    return body;
}

Bytes previousGtidsBody() {
    Bytes body;
    putLe(body, 1, 8);
    for (int i = 0; i < 16; ++i) {
        body.push_back(static_cast<std::uint8_t>(0x30 + i));
    }
    putLe(body, 2, 8);
    putLe(body, 1, 8);
    putLe(body, 5, 8);
    putLe(body, 7, 8);
    putLe(body, 9, 8);
    return body;
}

Bytes payloadBody(const Bytes& inner, bool zstd) {
    Bytes data = inner;
    if (zstd) {
        data.resize(ZSTD_compressBound(inner.size()));
        std::size_t n = ZSTD_compress(data.data(), data.size(), inner.data(), inner.size(), 3);
        data.resize(ZSTD_isError(n) ? 0 : n);
    }
    auto field = [](Bytes& out, std::uint64_t type, std::uint64_t value) {
        Bytes encoded;
        putLenenc(encoded, value);
        putLenenc(out, type);
        putLenenc(out, encoded.size());
        putBytes(out, encoded);
    };
    Bytes body;
    field(body, 2, zstd ? 0 : 255);  // compression type
    field(body, 3, inner.size());    // uncompressed size
    field(body, 1, data.size());     // payload size
    putLenenc(body, 0);              // end of header
    putBytes(body, data);
    return body;
}

class StreamWriter {
public:
    explicit StreamWriter(bool crc) : m_crc(crc) {}

    void add(std::uint8_t type, const Bytes& body, std::uint16_t flags = 0) {
        std::size_t length = 19 + body.size() + (m_crc ? 4 : 0);
        m_position += static_cast<std::uint32_t>(length);
        m_events.push_back(makeEvent(type, body, m_crc, flags, m_position));
    }
    void addRaw(Bytes event) {
        m_position += static_cast<std::uint32_t>(event.size());
        m_events.push_back(std::move(event));
    }
    std::vector<Bytes> take() { return std::move(m_events); }

private:
    bool m_crc;
    std::uint32_t m_position = 4;
    std::vector<Bytes> m_events;
};

std::vector<Bytes> mysqlStream(bool crc) {
    StreamWriter w(crc);
    w.addRaw(formatDescription(Flavor::MySql8, crc));
    w.add(35, previousGtidsBody());
    const std::size_t n = mysqlColumns().size();
    const Bytes tableMap = tableMapBody("shop", "all_types", mysqlColumns(), Flavor::MySql8);

    w.add(33, gtidBody(10, false));
    w.add(2, queryBody("shop", textBytes("BEGIN"), false));
    w.add(29, [] {
        Bytes b = {0};
        putText(b, "INSERT INTO all_types VALUES (...)");
        return b;
    }());
    w.add(19, tableMap);
    w.add(30, rowsBody(n, true, false, {mysqlRow(1, false), mysqlRow(2, true)}));
    w.add(31, rowsBody(n, true, true, {mysqlRow(1, false), mysqlRow(3, false)}));
    w.add(39, rowsBody(n, true, true, {mysqlRow(3, false), mysqlPartialAfter(3)}));
    w.add(32, rowsBody(n, true, false, {mysqlRow(2, true)}));
    w.add(16, xidBody(1001));

    // A compressed transaction: inner events carry no checksum.
    Bytes inner;
    auto addInner = [&inner](std::uint8_t type, const Bytes& body) {
        putBytes(inner, makeEvent(type, body, false));
    };
    addInner(2, queryBody("shop", textBytes("BEGIN"), false));
    addInner(19, tableMap);
    addInner(30, rowsBody(n, true, false, {mysqlRow(4, false)}));
    addInner(16, xidBody(1002));
    w.add(33, gtidBody(11, false));
    w.add(40, payloadBody(inner, true));
    w.add(34, gtidBody(1, true));
    w.add(40, payloadBody(inner, false));

    // Statement-level events around a DDL.
    w.add(33, gtidBody(12, false));
    w.add(5, [] {
        Bytes b = {2};
        putLe(b, 99, 8);
        return b;
    }());
    w.add(13, [] {
        Bytes b;
        putLe(b, 0x1234, 8);
        putLe(b, 0x5678, 8);
        return b;
    }());
    w.add(14, [] {
        Bytes b;
        putLe(b, 1, 4);
        putText(b, "v");
        b.push_back(0);
        b.push_back(2);  // INT
        putLe(b, 33, 4);
        putLe(b, 8, 4);
        putLe(b, 42, 8);
        b.push_back(1);  // unsigned
        return b;
    }());
    w.add(2, queryBody("shop", textBytes("CREATE TABLE t (a INT PRIMARY KEY)"), false));
    w.add(38, [] {
        Bytes b = {0};
        putLe(b, 1, 4);
        putLe(b, 3, 4);
        putLe(b, 2, 4);
        putText(b, "gtrbq");
        return b;
    }());
    w.add(26, [] {
        Bytes b;
        putLe(b, 1, 2);
        b.push_back(11);
        putText(b, "lost events");
        return b;
    }());
    w.add(41, [] {
        Bytes b = {1};
        putLenencText(b, "binlog.000002");
        b.push_back(2);
        Bytes pos;
        putLenenc(pos, 70000);
        putLenenc(b, pos.size());
        putBytes(b, pos);
        b.push_back(0);
        return b;
    }());
    w.add(60, textBytes("vendor"), header_flags::kIgnorable);
    w.add(4, rotateBody("binlog.000002"));
    return w.take();
}

std::vector<Bytes> mariadbStream(bool crc) {
    StreamWriter w(crc);
    w.addRaw(formatDescription(Flavor::MariaDb1011, crc));
    w.add(163, [] {
        Bytes b;
        putLe(b, 2, 4);
        for (std::uint32_t domain : {0u, 3u}) {
            putLe(b, domain, 4);
            putLe(b, kServerId, 4);
            putLe(b, 100 + domain, 8);
        }
        return b;
    }());
    w.add(161, [] {
        Bytes b;
        putLe(b, 16, 4);
        putText(b, "mariadb-bin.0001");
        return b;
    }());
    const std::size_t n = mariadbColumns().size();
    const Bytes tableMap = tableMapBody("app", "orders", mariadbColumns(), Flavor::MariaDb1011);
    auto gtid = [](std::uint64_t seq, std::uint8_t flags) {
        Bytes b;
        putLe(b, seq, 8);
        putLe(b, 0, 4);
        b.push_back(flags);
        if (flags & 0x02) {
            putLe(b, 5000 + seq, 8);
        } else if (flags & 0xc0) {
            putLe(b, 1, 4);
            b.push_back(2);
            b.push_back(1);
            putText(b, "xyz");
        } else {
            putLe(b, 0, 6);
        }
        return b;
    };
    w.add(162, gtid(101, 0x0c));
    w.add(160, textBytes("INSERT INTO orders VALUES (1, 'caf\xc3\xa9')"));
    w.add(19, tableMap);
    w.add(23, rowsBody(n, false, false, {mariadbRow(1), mariadbRow(2)}));
    w.add(24, rowsBody(n, false, true, {mariadbRow(1), mariadbRow(5)}));
    w.add(16, xidBody(2001));

    // Compressed events (log_bin_compress=ON).
    w.add(162, gtid(102, 0x0e));
    w.add(165, queryBody("app", mariadbCompress(textBytes("BEGIN")), true));
    w.add(19, tableMap);
    {
        Bytes rows;
        putBytes(rows, mariadbRow(7));
        Bytes body = rowsBody(n, false, false, {});
        putBytes(body, mariadbCompress(rows));
        w.add(166, body);
    }
    {
        Bytes rows;
        putBytes(rows, mariadbRow(7));
        putBytes(rows, mariadbRow(8));
        Bytes body = rowsBody(n, false, true, {});
        putBytes(body, mariadbCompress(rows));
        w.add(167, body);
    }
    w.add(25, rowsBody(n, false, false, {mariadbRow(8)}));
    w.add(16, xidBody(2002));

    // XA prepare and a DDL.
    w.add(162, gtid(103, 0x40));
    w.add(2, queryBody("app", textBytes("XA END 'xyz'"), true));
    w.add(162, gtid(104, 0x21));
    w.add(2, queryBody("app", textBytes("ALTER TABLE orders ADD c INT"), true));
    w.add(164, textBytes("\x01\x00\x00\x00key-nonce-bytes!"), header_flags::kIgnorable);
    w.add(3, Bytes{});
    return w.take();
}

}  // namespace

void putLe(Bytes& out, std::uint64_t value, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

void putBe(Bytes& out, std::uint64_t value, std::size_t width) {
    for (std::size_t i = width; i > 0; --i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * (i - 1))));
    }
}

void putLenenc(Bytes& out, std::uint64_t value) {
    if (value < 0xfb) {
        out.push_back(static_cast<std::uint8_t>(value));
    } else if (value <= 0xffff) {
        out.push_back(0xfc);
        putLe(out, value, 2);
    } else if (value <= 0xffffff) {
        out.push_back(0xfd);
        putLe(out, value, 3);
    } else {
        out.push_back(0xfe);
        putLe(out, value, 8);
    }
}

void putBytes(Bytes& out, std::span<const std::uint8_t> bytes) {
    out.insert(out.end(), bytes.begin(), bytes.end());
}

void putText(Bytes& out, std::string_view text) {
    out.insert(out.end(), text.begin(), text.end());
}

Bytes makeEvent(std::uint8_t type, std::span<const std::uint8_t> body, bool crc,
                std::uint16_t flags, std::uint32_t logPos) {
    Bytes event;
    const std::size_t length = 19 + body.size() + (crc ? 4 : 0);
    putLe(event, 1700000000, 4);
    event.push_back(type);
    putLe(event, kServerId, 4);
    putLe(event, length, 4);
    putLe(event, logPos, 4);
    putLe(event, flags, 2);
    putBytes(event, body);
    if (crc) {
        putLe(event, crc32(event), 4);
    }
    return event;
}

Bytes formatDescription(Flavor flavor, bool crc) {
    Bytes body;
    putLe(body, 4, 2);
    std::string version = flavor == Flavor::MySql8 ? "8.0.36" : "10.11.6-MariaDB-log";
    version.resize(50, '\0');
    putText(body, version);
    putLe(body, 1700000000, 4);
    body.push_back(19);
    if (flavor == Flavor::MySql8) {
        putBytes(body, kMySql8PostHeaders);
    } else {
        putBytes(body, mariadbPostHeaders());
    }
    body.push_back(crc ? 1 : 0);
    // Both algorithms carry a 4-byte trailer after the algorithm byte; it is a CRC for CRC32.
    putLe(body, 0, 4);
    Bytes event = makeEvent(15, body, false, 0, static_cast<std::uint32_t>(4 + 19 + body.size()));
    const std::uint32_t sum = crc32(std::span<const std::uint8_t>(event).first(event.size() - 4));
    event.resize(event.size() - 4);
    putLe(event, sum, 4);
    return event;
}

std::vector<Bytes> syntheticStream(Flavor flavor, bool crc) {
    return flavor == Flavor::MySql8 ? mysqlStream(crc) : mariadbStream(crc);
}

Bytes fileImage(const std::vector<Bytes>& events) {
    Bytes image(std::begin(kBinlogMagic), std::end(kBinlogMagic));
    for (const auto& event : events) {
        putBytes(image, event);
    }
    return image;
}

}  // namespace ferry::binlog::fuzz
