// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "ferry/model/result.h"

namespace ferry::binlog {

// GEOMETRY (binlog type 255) and MySQL 9 VECTOR (242) payloads, i.e. the bytes after the
// column's 4-byte length prefix. Pure functions, thread-safe.

// A spatial value: the SRID and a view of the WKB that follows it (valid as long as the input).
struct GeometryValue {
    uint32_t srid = 0;
    std::span<const uint8_t> wkb;
};

// Splits 4-byte LE SRID + WKB. Errors when fewer than 4 + 5 bytes (SRID, WKB byte order and
// type) are given or the WKB byte-order byte is not 0 or 1. The WKB is not parsed further.
[[nodiscard]] Result<GeometryValue> splitGeometry(const uint8_t* data, size_t size);

// Number of float32 elements; errors unless `size` is a multiple of 4.
[[nodiscard]] Result<size_t> vectorDimension(size_t size);

// Appends MySQL's VECTOR_TO_STRING text: "[1.00000e+00,-2.50000e-01]" ("%.5e" per element,
// "," without space, "[]" for no element). NaN or infinity (which the server refuses) is Corrupt.
// On error `out` is restored.
[[nodiscard]] Status appendVectorText(const uint8_t* data, size_t size, std::string& out);

}  // namespace ferry::binlog
