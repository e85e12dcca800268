// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "ferry/model/result.h"

namespace ferry::binlog {

// Fixed-width integers and IEEE floats of a row image (binlog types TINY 1, SHORT 2, INT24 9,
// LONG 3, LONGLONG 8, FLOAT 4, DOUBLE 5). All functions are pure and thread-safe; they read
// `data` only and never keep a pointer to it.

// Reads a little-endian two's-complement integer of `width` bytes (1, 2, 3, 4 or 8) and
// sign-extends it (MEDIUMINT from bit 23). REQUIRES nothing: a short buffer or another width is
// an error.
[[nodiscard]] Result<int64_t> decodeSignedInt(const uint8_t* data, size_t size, unsigned width);

// Same bytes read as unsigned (for columns the SIGNEDNESS metadata or the schema marks UNSIGNED).
[[nodiscard]] Result<uint64_t> decodeUnsignedInt(const uint8_t* data, size_t size, unsigned width);

// IEEE-754 little-endian float (4 bytes) and double (8 bytes).
[[nodiscard]] Result<float> decodeFloat(const uint8_t* data, size_t size);
[[nodiscard]] Result<double> decodeDouble(const uint8_t* data, size_t size);

// Appends decimal text: "-128", "18446744073709551615".
void appendInt(int64_t value, std::string& out);
void appendUint(uint64_t value, std::string& out);

// Appends the shortest digits that read back to the same value, laid out as MySQL's my_gcvt
// does: fixed notation while the decimal exponent is within -15..14 ("0.000025", "-1.5",
// "100000000000000", "1234567890123456.8"), else exponent notation without '+' or leading
// zeros ("1e15", "1.5e-16", "1.7976931348623157e308"). A float keeps the shortest digits that
// read back as that float ("0.1", not "0.100000001"); MySQL's SELECT would round it to 6
// significant digits, which would change the value on replay. NaN and infinities (never stored
// by the server) print as "nan", "inf", "-inf".
void appendFloat(float value, std::string& out);
void appendDouble(double value, std::string& out);

}  // namespace ferry::binlog
