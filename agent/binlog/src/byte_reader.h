// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace ferry::binlog {

// Little-endian reader over untrusted bytes. A read past the end returns zero / an empty view
// and makes ok() false for good, so a parser checks ok() once after a group of reads; values
// that size loops or allocations must be checked against remaining() before use.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> data) : m_data(data) {}

    bool ok() const { return m_ok; }
    std::size_t remaining() const { return m_data.size() - m_pos; }
    std::size_t position() const { return m_pos; }
    bool atEnd() const { return m_pos == m_data.size(); }
    std::span<const std::uint8_t> rest() const { return m_data.subspan(m_pos); }
    void fail() { m_ok = false; }

    std::uint64_t uint(std::size_t n) {
        if (!need(n)) {
            return 0;
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v |= static_cast<std::uint64_t>(m_data[m_pos + i]) << (8 * i);
        }
        m_pos += n;
        return v;
    }
    std::uint64_t uintBe(std::size_t n) {
        if (!need(n)) {
            return 0;
        }
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < n; ++i) {
            v = (v << 8) | m_data[m_pos + i];
        }
        m_pos += n;
        return v;
    }
    std::uint8_t u8() { return static_cast<std::uint8_t>(uint(1)); }
    std::uint16_t u16() { return static_cast<std::uint16_t>(uint(2)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
    std::uint64_t u64() { return uint(8); }

    // MySQL length-encoded integer. 0xfb (NULL) and 0xff are invalid here.
    std::uint64_t lenenc() {
        std::uint8_t first = u8();
        if (!m_ok) {
            return 0;
        }
        if (first < 0xfb) {
            return first;
        }
        if (first == 0xfc) {
            return uint(2);
        }
        if (first == 0xfd) {
            return uint(3);
        }
        if (first == 0xfe) {
            return uint(8);
        }
        m_ok = false;
        return 0;
    }

    std::span<const std::uint8_t> bytes(std::uint64_t n) {
        if (!need(n)) {
            return {};
        }
        auto out = m_data.subspan(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return out;
    }
    std::string_view text(std::uint64_t n) {
        auto b = bytes(n);
        return {reinterpret_cast<const char*>(b.data()), b.size()};
    }
    void skip(std::uint64_t n) { (void)bytes(n); }

private:
    bool need(std::uint64_t n) {
        if (!m_ok || n > remaining()) {
            m_ok = false;
            return false;
        }
        return true;
    }

    std::span<const std::uint8_t> m_data;
    std::size_t m_pos = 0;
    bool m_ok = true;
};

inline std::string_view asText(std::span<const std::uint8_t> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace ferry::binlog
