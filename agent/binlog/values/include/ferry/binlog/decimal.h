// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::binlog {

// MySQL "binary decimal" (binlog type NEWDECIMAL 246; also the payload of a DECIMAL inside
// binary JSON). Metadata is (precision, scale): precision 1..65, scale 0..min(precision, 38)
// (MySQL stops at 30, MariaDB at 38). Pure functions, thread-safe, no allocation except in the
// caller's `out`.

inline constexpr unsigned kMaxDecimalPrecision = 65;
inline constexpr unsigned kMaxDecimalScale = 38;
// '-', one leading '0' when there is no integer digit, the digits and '.'.
inline constexpr size_t kMaxDecimalTextLength = kMaxDecimalPrecision + 3;

// Bytes the value takes in a row image: (intg/9)*4 + dig2bytes[intg%9] + (scale/9)*4 +
// dig2bytes[scale%9] with intg = precision - scale. Errors on an invalid (precision, scale).
[[nodiscard]] Result<size_t> decimalByteSize(unsigned precision, unsigned scale);

// A decoded DECIMAL as MySQL prints it: "-12345678.90", "0.05", "-0.0000000001", "0.00", "7".
// Held inline (no allocation).
struct DecimalValue {
    std::array<char, kMaxDecimalTextLength> chars{};
    uint8_t length = 0;

    std::string_view text() const { return {chars.data(), length}; }
};

// Decodes the first decimalByteSize(precision, scale) bytes of `data` (`size` may be larger;
// the rest is not read). Errors: invalid metadata, `size` too small, a 9-digit group above
// 999999999 or a leftover group with more digits than it may hold (Corrupt).
[[nodiscard]] Result<DecimalValue> decodeDecimal(const uint8_t* data, size_t size,
                                                 unsigned precision, unsigned scale);

// decodeDecimal, then appends its text to `out`. On error `out` is left unchanged.
[[nodiscard]] Status appendDecimal(const uint8_t* data, size_t size, unsigned precision,
                                   unsigned scale, std::string& out);

}  // namespace ferry::binlog
