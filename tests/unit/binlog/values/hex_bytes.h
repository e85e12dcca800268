// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace ferry::binlog::test {

// "7f 43 9e" or "7f439e" -> bytes. Spaces are ignored; a malformed literal is a test bug.
inline std::vector<uint8_t> fromHex(std::string_view hex) {
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw std::invalid_argument("bad hex digit in test data");
    };
    std::vector<uint8_t> out;
    int high = -1;
    for (char c : hex) {
        if (c == ' ') {
            continue;
        }
        const int v = nibble(c);
        if (high < 0) {
            high = v;
        } else {
            out.push_back(static_cast<uint8_t>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) {
        throw std::invalid_argument("odd number of hex digits in test data");
    }
    return out;
}

}  // namespace ferry::binlog::test
