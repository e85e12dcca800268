// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ferry::model::detail {

// A bounds-checked little-endian reader over untrusted bytes. Each read returns false, and
// consumes nothing, when fewer bytes are left than it needs. Does not own the bytes.
class ByteReader {
public:
    explicit ByteReader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}

    std::size_t offset() const { return m_pos; }
    std::size_t remaining() const { return m_bytes.size() - m_pos; }

    bool readU8(std::uint8_t& out) {
        if (remaining() < 1) {
            return false;
        }
        out = m_bytes[m_pos++];
        return true;
    }
    bool readU32(std::uint32_t& out) {
        std::uint64_t wide = 0;
        if (!readLe(4, wide)) {
            return false;
        }
        out = static_cast<std::uint32_t>(wide);
        return true;
    }
    bool readU64(std::uint64_t& out) { return readLe(8, out); }
    bool readBytes(std::size_t n, std::span<const std::uint8_t>& out) {
        if (remaining() < n) {
            return false;
        }
        out = m_bytes.subspan(m_pos, n);
        m_pos += n;
        return true;
    }

private:
    bool readLe(std::size_t n, std::uint64_t& out) {
        if (remaining() < n) {
            return false;
        }
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < n; ++i) {
            value |= static_cast<std::uint64_t>(m_bytes[m_pos + i]) << (8 * i);
        }
        m_pos += n;
        out = value;
        return true;
    }

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_pos = 0;
};

inline void putLe(std::vector<std::uint8_t>& out, std::uint64_t value, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
    }
}

}  // namespace ferry::model::detail
