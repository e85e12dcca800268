// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ferry::binlog::detail {

// Reader for MySQL's serialization library format (libs/mysql/serialization, MySQL 8.3+), used
// by GTID_TAGGED_LOG_EVENT. Values are variable-length integers of 1 to 9 bytes, little-endian:
// the number of trailing one bits of the first byte, plus one, is the byte count; for 1..8
// bytes a zero bit follows the ones and the value sits above it (value = LE bytes >> count);
// a first byte of 0xff means 8 full value bytes follow. Signed integers are zig-zag encoded
// (x >= 0 as x << 1, x < 0 as (-(x + 1) << 1) | 1). Strings are a varlen length then the bytes.
//
// Over untrusted bytes: a read past the end returns nullopt and leaves the reader failed for
// good. Not thread-safe; string views point into the caller's buffer.
class SerializationReader {
public:
    explicit SerializationReader(std::span<const std::uint8_t> data) : m_data(data) {}

    bool ok() const { return m_ok; }
    std::size_t position() const { return m_pos; }
    std::size_t remaining() const { return m_data.size() - m_pos; }
    bool atEnd() const { return m_pos == m_data.size(); }

    std::optional<std::uint64_t> readUnsigned() {
        if (!m_ok || m_pos >= m_data.size()) {
            return fail();
        }
        std::uint8_t first = m_data[m_pos];
        if (first == 0xff) {
            if (remaining() < 9) {
                return fail();
            }
            std::uint64_t v = 0;
            for (std::size_t i = 0; i < 8; ++i) {
                v |= static_cast<std::uint64_t>(m_data[m_pos + 1 + i]) << (8 * i);
            }
            m_pos += 9;
            return v;
        }
        std::size_t count = 1;
        while ((first >> (count - 1)) & 1) {
            ++count;
        }
        if (remaining() < count) {
            return fail();
        }
        std::uint64_t raw = 0;
        for (std::size_t i = 0; i < count; ++i) {
            raw |= static_cast<std::uint64_t>(m_data[m_pos + i]) << (8 * i);
        }
        m_pos += count;
        return raw >> count;
    }

    std::optional<std::int64_t> readSigned() {
        auto u = readUnsigned();
        if (!u) {
            return std::nullopt;
        }
        auto magnitude = static_cast<std::int64_t>(*u >> 1);
        return (*u & 1) ? -magnitude - 1 : magnitude;
    }

    std::optional<std::string_view> readString() {
        auto len = readUnsigned();
        if (!len) {
            return std::nullopt;
        }
        if (*len > remaining()) {
            fail();
            return std::nullopt;
        }
        std::string_view s(reinterpret_cast<const char*>(m_data.data() + m_pos),
                           static_cast<std::size_t>(*len));
        m_pos += static_cast<std::size_t>(*len);
        return s;
    }

private:
    std::nullopt_t fail() {
        m_ok = false;
        return std::nullopt;
    }

    std::span<const std::uint8_t> m_data;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

}  // namespace ferry::binlog::detail
