// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/bit_enum_set.h"

#include "value_bytes.h"

namespace ferry::binlog {

Result<size_t> bitByteSize(unsigned bits) {
    if (bits == 0 || bits > 64) {
        return values_detail::corrupt("BIT column",
                                      "width " + std::to_string(bits) +
                                          " is not within 1..64; the TABLE_MAP metadata "
                                          "is corrupt");
    }
    return size_t{(bits + 7) / 8};
}

Result<uint64_t> decodeBit(const uint8_t* data, size_t size, unsigned bits) {
    FERRY_ASSIGN_OR_RETURN(const size_t bytes, bitByteSize(bits));
    if (size < bytes) {
        return values_detail::truncated("BIT(" + std::to_string(bits) + ") value", bytes, size);
    }
    const uint64_t value = values_detail::loadBe(data, bytes);
    if (bits < 64 && (value >> bits) != 0) {
        return values_detail::corrupt(
            "BIT(" + std::to_string(bits) + ") value",
            "bits above the column width are set; the row image is corrupt");
    }
    return value;
}

void appendBitLiteral(uint64_t value, std::string& out) {
    out.append("b'");
    int top = 63;
    while (top > 0 && ((value >> top) & 1) == 0) {
        --top;
    }
    for (int i = top; i >= 0; --i) {
        out.push_back(((value >> i) & 1) != 0 ? '1' : '0');
    }
    out.push_back('\'');
}

Result<uint16_t> decodeEnum(const uint8_t* data, size_t size, unsigned packLength) {
    if (packLength != 1 && packLength != 2) {
        return values_detail::corrupt("ENUM column",
                                      "pack length " + std::to_string(packLength) +
                                          " is not 1 or 2; the TABLE_MAP metadata is "
                                          "corrupt");
    }
    if (size < packLength) {
        return values_detail::truncated("ENUM value", packLength, size);
    }
    return static_cast<uint16_t>(values_detail::loadLe(data, packLength));
}

Result<uint64_t> decodeSet(const uint8_t* data, size_t size, unsigned packLength) {
    if (packLength == 0 || packLength > 8) {
        return values_detail::corrupt("SET column",
                                      "pack length " + std::to_string(packLength) +
                                          " is not within 1..8; the TABLE_MAP metadata "
                                          "is corrupt");
    }
    if (size < packLength) {
        return values_detail::truncated("SET value", packLength, size);
    }
    return values_detail::loadLe(data, packLength);
}

}  // namespace ferry::binlog
