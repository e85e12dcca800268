// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

// Private helpers shared by the value codecs: byte loads, digit output and error text.
namespace ferry::binlog::values_detail {

inline uint64_t loadLe(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = n; i > 0; --i) {
        v = (v << 8) | p[i - 1];
    }
    return v;
}

inline uint64_t loadBe(const uint8_t* p, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) {
        v = (v << 8) | p[i];
    }
    return v;
}

// Appends `value` in decimal, zero-padded to at least `width` digits.
inline void appendPadded(uint64_t value, unsigned width, std::string& out) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;
    const auto len = static_cast<unsigned>(end - buf);
    if (len < width) {
        out.append(width - len, '0');
    }
    out.append(buf, end);
}

// "<what>: need N bytes, have M; the row image is truncated or its column metadata is wrong"
Error truncated(std::string_view what, size_t need, size_t have);
Error corrupt(std::string_view what, std::string_view detail);

// MySQL's my_gcvt layout of the shortest round-trip digits of `value` (see numeric.h).
// Returns whether the text has a '.' or an exponent (JSON appends ".0" when it has neither).
bool appendShortestDouble(double value, std::string& out);
bool appendShortestFloat(float value, std::string& out);

}  // namespace ferry::binlog::values_detail
