// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/geometry_vector.h"

#include <bit>
#include <charconv>
#include <cmath>

#include "value_bytes.h"

namespace ferry::binlog {

Result<GeometryValue> splitGeometry(const uint8_t* data, size_t size) {
    constexpr size_t kMinimum = 4 + 5;
    if (size < kMinimum) {
        return values_detail::truncated("GEOMETRY value (SRID and WKB header)", kMinimum, size);
    }
    if (data[4] > 1) {
        return values_detail::corrupt("GEOMETRY value",
                                      "WKB byte order " + std::to_string(data[4]) +
                                          " is not 0 or 1; the row image is corrupt");
    }
    GeometryValue g;
    g.srid = static_cast<uint32_t>(values_detail::loadLe(data, 4));
    g.wkb = std::span<const uint8_t>(data + 4, size - 4);
    return g;
}

Result<size_t> vectorDimension(size_t size) {
    if (size % 4 != 0) {
        return values_detail::corrupt("VECTOR value",
                                      "length " + std::to_string(size) +
                                          " is not a multiple of 4 (float32 elements); "
                                          "the row image is corrupt");
    }
    return size / 4;
}

Status appendVectorText(const uint8_t* data, size_t size, std::string& out) {
    FERRY_ASSIGN_OR_RETURN(const size_t count, vectorDimension(size));
    const size_t mark = out.size();
    out.push_back('[');
    for (size_t i = 0; i < count; ++i) {
        const auto f =
            std::bit_cast<float>(static_cast<uint32_t>(values_detail::loadLe(data + 4 * i, 4)));
        if (!std::isfinite(f)) {
            out.resize(mark);
            return values_detail::corrupt("VECTOR value",
                                          "element " + std::to_string(i) +
                                              " is NaN or infinite; the row image is "
                                              "corrupt");
        }
        if (i > 0) {
            out.push_back(',');
        }
        char buf[32];
        // std::to_chars is locale-independent, unlike printf("%.5e").
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<double>(f),
                                       std::chars_format::scientific, 5);
        (void)ec;
        out.append(buf, end);
    }
    out.push_back(']');
    return okStatus();
}

}  // namespace ferry::binlog
