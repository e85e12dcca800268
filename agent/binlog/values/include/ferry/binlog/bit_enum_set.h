// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ferry/model/result.h"

namespace ferry::binlog {

// BIT (binlog type 16), ENUM and SET (real types 247/248 behind binlog type 254). Labels come
// from TABLE_MAP optional metadata or the schema and are resolved by the caller. Pure functions,
// thread-safe.

// BIT metadata is two bytes [n % 8, n / 8]; read as a little-endian u16 (byte0 | byte1 << 8)
// it gives n = (meta >> 8) * 8 + (meta & 0xFF).
constexpr unsigned bitWidthFromMeta(uint16_t meta) {
    return static_cast<unsigned>(meta >> 8) * 8u + static_cast<unsigned>(meta & 0xFFu);
}

// ceil(bits / 8); errors unless 1 <= bits <= 64.
[[nodiscard]] Result<size_t> bitByteSize(unsigned bits);

// Reads the big-endian BIT(bits) value. Bits above `bits` must be zero (else Corrupt).
[[nodiscard]] Result<uint64_t> decodeBit(const uint8_t* data, size_t size, unsigned bits);

// Appends "b'1010101010101'": binary digits without leading zeros ("b'0'" for zero).
void appendBitLiteral(uint64_t value, std::string& out);

// ENUM: `packLength` (the second metadata byte: 1 or 2) bytes LE = 1-based index, 0 = the ''
// error value.
[[nodiscard]] Result<uint16_t> decodeEnum(const uint8_t* data, size_t size, unsigned packLength);

// SET: `packLength` (1..8) bytes LE = bitmask, bit k = member k.
[[nodiscard]] Result<uint64_t> decodeSet(const uint8_t* data, size_t size, unsigned packLength);

}  // namespace ferry::binlog
