// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include <zlib.h>

#include "ferry/binlog/binlog_source.h"
#include "ferry/binlog/event_decoder.h"

namespace ferry::binlog::test {

using Bytes = std::vector<std::uint8_t>;

inline void putLe(Bytes& out, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
}

inline void putBytes(Bytes& out, std::string_view s) {
    out.insert(out.end(), s.begin(), s.end());
}

// Builds whole events: header, body and (optionally) a CRC32 trailer.
inline Bytes makeEvent(std::uint8_t type, const Bytes& body, bool crc = true,
                       std::uint16_t flags = 0, std::uint32_t logPos = 0) {
    Bytes e;
    putLe(e, 1700000000, 4);
    e.push_back(type);
    putLe(e, 1, 4);
    putLe(e, 19 + body.size() + (crc ? 4 : 0), 4);
    putLe(e, logPos, 4);
    putLe(e, flags, 2);
    e.insert(e.end(), body.begin(), body.end());
    if (crc) {
        auto c = static_cast<std::uint32_t>(::crc32(0, e.data(), static_cast<uInt>(e.size())));
        putLe(e, c, 4);
    }
    return e;
}

// A FORMAT_DESCRIPTION for MySQL 8.0 or MariaDB 10.11 with CRC32 (or none).
inline Bytes makeFde(bool mariadb = false, bool crc = true) {
    Bytes body;
    putLe(body, 4, 2);
    std::string version = mariadb ? "10.11.19-MariaDB-log" : "8.0.28";
    version.resize(50, '\0');
    putBytes(body, version);
    putLe(body, 0, 4);
    body.push_back(19);
    std::size_t types = mariadb ? 171 : 41;
    Bytes post(types, 0);
    post[2 - 1] = 13;
    post[19 - 1] = 8;
    for (int t : {23, 24, 25}) {
        post[t - 1] = 8;
    }
    for (int t : {30, 31, 32, 39}) {
        post[t - 1] = 10;
    }
    if (mariadb) {
        post[165 - 1] = 13;
        for (int t : {166, 167, 168}) {
            post[t - 1] = 8;
        }
    }
    body.insert(body.end(), post.begin(), post.end());
    body.push_back(crc ? 1 : 0);
    if (!crc) {
        putLe(body, 0, 4);  // checksum-capable servers always write the 4 bytes
        return makeEvent(15, body, false);
    }
    return makeEvent(15, body, true);
}

// TABLE_MAP for `db.t` with the given column types and metadata bytes.
inline Bytes tableMapBody(std::uint64_t tableId, const Bytes& types, const Bytes& meta,
                          const Bytes& optional = {}) {
    Bytes b;
    putLe(b, tableId, 6);
    putLe(b, 1, 2);
    b.push_back(2);
    putBytes(b, "db");
    b.push_back(0);
    b.push_back(1);
    putBytes(b, "t");
    b.push_back(0);
    b.push_back(static_cast<std::uint8_t>(types.size()));
    b.insert(b.end(), types.begin(), types.end());
    b.push_back(static_cast<std::uint8_t>(meta.size()));
    b.insert(b.end(), meta.begin(), meta.end());
    for (std::size_t i = 0; i < (types.size() + 7) / 8; ++i) {
        b.push_back(0xff);
    }
    b.insert(b.end(), optional.begin(), optional.end());
    return b;
}

// WRITE_ROWS_V2 header for `tableId` with `columns` columns all present, then `rows` verbatim.
inline Bytes writeRowsBody(std::uint64_t tableId, std::size_t columns, const Bytes& rows) {
    Bytes b;
    putLe(b, tableId, 6);
    putLe(b, 1, 2);
    putLe(b, 2, 2);
    b.push_back(static_cast<std::uint8_t>(columns));
    for (std::size_t i = 0; i < (columns + 7) / 8; ++i) {
        b.push_back(0xff);
    }
    b.insert(b.end(), rows.begin(), rows.end());
    return b;
}

// An in-memory binlog (magic + events) served event by event, framing checked like a file.
class MemorySource final : public BinlogSource {
public:
    explicit MemorySource(Bytes data, std::string name = "mem-bin.000001")
        : m_data(std::move(data)), m_name(std::move(name)) {}

    Result<bool> next(RawEvent& event) override {
        if (m_pos == 0) {
            if (m_data.size() < 4 || std::memcmp(m_data.data(), kBinlogMagic, 4) != 0) {
                return makeError(ErrorCode::Corrupt, "not a binlog: magic bytes missing");
            }
            m_pos = 4;
        }
        if (m_pos == m_data.size()) {
            return false;
        }
        if (m_data.size() - m_pos < 19) {
            return makeError(ErrorCode::Corrupt, "truncated event header");
        }
        std::uint32_t len = 0;
        std::memcpy(&len, m_data.data() + m_pos + 9, 4);
        if (len < 19 || len > m_data.size() - m_pos) {
            return makeError(ErrorCode::Corrupt, "event length out of range");
        }
        event.bytes = std::span<const std::uint8_t>(m_data.data() + m_pos, len);
        event.offset = m_pos;
        event.file = m_name;
        m_pos += len;
        return true;
    }

private:
    Bytes m_data;
    std::string m_name;
    std::size_t m_pos = 0;
};

}  // namespace ferry::binlog::test
