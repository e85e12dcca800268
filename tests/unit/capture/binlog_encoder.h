// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

namespace ferry::capture::test {

// Writes MySQL 8.0 binlog events (CRC32 on) for synthesized workloads: FORMAT_DESCRIPTION,
// QUERY, TABLE_MAP and WRITE_ROWS_V2 for a table (id BIGINT, name VARCHAR(200) bytes,
// data BLOB), and XID. Each call returns one whole event and advances the file offset, so the
// result can go straight into EventDecoder::decode(event, offset(), ...). Test-only.
class BinlogEncoder {
public:
    using Bytes = std::vector<std::uint8_t>;

    // Offset the next event will have (a file starts with the 4-byte magic).
    std::uint64_t offset() const { return m_offset; }

    Bytes formatDescription() {
        Bytes body;
        put(body, 4, 2);
        std::string version = "8.0.36";
        version.resize(50, '\0');
        body.insert(body.end(), version.begin(), version.end());
        put(body, 0, 4);
        body.push_back(19);
        Bytes post(41, 0);
        post[2 - 1] = 13;   // QUERY
        post[15 - 1] = 98;  // FORMAT_DESCRIPTION
        post[19 - 1] = 8;   // TABLE_MAP
        for (int type : {30, 31, 32}) {
            post[static_cast<std::size_t>(type - 1)] = 10;  // rows v2
        }
        body.insert(body.end(), post.begin(), post.end());
        body.push_back(1);  // CRC32
        return event(15, body);
    }

    Bytes query(std::string_view text, std::string_view database = "shop") {
        Bytes body;
        put(body, 1, 4);  // thread id
        put(body, 0, 4);  // exec time
        body.push_back(static_cast<std::uint8_t>(database.size()));
        put(body, 0, 2);  // error code
        put(body, 0, 2);  // status vars length
        body.insert(body.end(), database.begin(), database.end());
        body.push_back(0);
        body.insert(body.end(), text.begin(), text.end());
        return event(2, body);
    }

    Bytes tableMap(std::uint64_t tableId, std::string_view schema, std::string_view table) {
        Bytes body;
        put(body, tableId, 6);
        put(body, 1, 2);
        body.push_back(static_cast<std::uint8_t>(schema.size()));
        body.insert(body.end(), schema.begin(), schema.end());
        body.push_back(0);
        body.push_back(static_cast<std::uint8_t>(table.size()));
        body.insert(body.end(), table.begin(), table.end());
        body.push_back(0);
        body.push_back(3);     // columns
        body.push_back(8);     // BIGINT
        body.push_back(15);    // VARCHAR
        body.push_back(252);   // BLOB
        body.push_back(3);     // metadata bytes
        put(body, 200, 2);     // VARCHAR max bytes (< 256: 1-byte length prefix)
        body.push_back(2);     // BLOB: 2-byte length prefix
        body.push_back(0x06);  // name and data nullable
        return event(19, body);
    }

    struct Row {
        std::int64_t id;
        std::string_view name;  // up to 200 bytes
        std::string_view data;  // up to 65535 bytes
    };

    Bytes writeRows(std::uint64_t tableId, const std::vector<Row>& rows, bool last = true) {
        Bytes body;
        put(body, tableId, 6);
        put(body, last ? 1 : 0, 2);  // STMT_END_F
        put(body, 2, 2);             // extra data: just its length
        body.push_back(3);
        body.push_back(0xff);  // all columns present
        for (const auto& row : rows) {
            body.push_back(0);  // no NULLs
            put(body, static_cast<std::uint64_t>(row.id), 8);
            body.push_back(static_cast<std::uint8_t>(row.name.size()));
            body.insert(body.end(), row.name.begin(), row.name.end());
            put(body, row.data.size(), 2);
            body.insert(body.end(), row.data.begin(), row.data.end());
        }
        return event(30, body);
    }

    Bytes xid(std::uint64_t xid) {
        Bytes body;
        put(body, xid, 8);
        return event(16, body);
    }

    std::uint32_t timestamp = 1700000000;
    std::uint32_t serverId = 1;

private:
    static void put(Bytes& out, std::uint64_t v, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
        }
    }

    Bytes event(std::uint8_t type, const Bytes& body) {
        Bytes e;
        const std::uint64_t length = 19 + body.size() + 4;
        put(e, timestamp, 4);
        e.push_back(type);
        put(e, serverId, 4);
        put(e, length, 4);
        put(e, m_offset + length, 4);
        put(e, 0, 2);
        e.insert(e.end(), body.begin(), body.end());
        auto crc = static_cast<std::uint32_t>(::crc32(0, e.data(), static_cast<uInt>(e.size())));
        put(e, crc, 4);
        m_offset += length;
        return e;
    }

    std::uint64_t m_offset = 4;
};

}  // namespace ferry::capture::test
