// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/decimal.h"

#include <algorithm>

#include "value_bytes.h"

namespace ferry::binlog {
namespace {

constexpr unsigned kDigitsPerGroup = 9;
constexpr size_t kGroupBytes = 4;
constexpr uint8_t kDigitBytes[kDigitsPerGroup + 1] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr uint32_t kPowersOfTen[kDigitsPerGroup + 1] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

Status checkMeta(unsigned precision, unsigned scale) {
    if (precision == 0 || precision > kMaxDecimalPrecision || scale > precision ||
        scale > kMaxDecimalScale) {
        return makeError(ErrorCode::Corrupt,
                         "DECIMAL metadata (" + std::to_string(precision) + "," +
                             std::to_string(scale) +
                             ") is out of range (precision 1..65, scale 0..38 and at most the "
                             "precision); the TABLE_MAP metadata is corrupt");
    }
    return okStatus();
}

size_t byteSizeOf(unsigned precision, unsigned scale) {
    const unsigned intg = precision - scale;
    return (intg / kDigitsPerGroup) * kGroupBytes + kDigitBytes[intg % kDigitsPerGroup] +
           (scale / kDigitsPerGroup) * kGroupBytes + kDigitBytes[scale % kDigitsPerGroup];
}

// Reads the stored groups in order, undoing the sign encoding (the top bit of the first byte
// is set for positive numbers; negative numbers have every byte inverted).
class GroupReader {
public:
    explicit GroupReader(const uint8_t* data) : m_data(data) {
        m_negative = (data[0] & 0x80) == 0;
        m_mask = m_negative ? 0xFF : 0x00;
    }

    bool negative() const { return m_negative; }

    uint32_t next(size_t bytes) {
        uint32_t v = 0;
        for (size_t i = 0; i < bytes; ++i) {
            uint8_t b = m_data[m_pos] ^ m_mask;
            if (m_pos == 0) {
                b ^= 0x80;
            }
            v = (v << 8) | b;
            ++m_pos;
        }
        return v;
    }

private:
    const uint8_t* m_data;
    size_t m_pos = 0;
    uint8_t m_mask = 0;
    bool m_negative = false;
};

}  // namespace

Result<size_t> decimalByteSize(unsigned precision, unsigned scale) {
    FERRY_TRY(checkMeta(precision, scale));
    return byteSizeOf(precision, scale);
}

Result<DecimalValue> decodeDecimal(const uint8_t* data, size_t size, unsigned precision,
                                   unsigned scale) {
    FERRY_TRY(checkMeta(precision, scale));
    const size_t need = byteSizeOf(precision, scale);
    if (size < need) {
        return values_detail::truncated(
            "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ") value", need,
            size);
    }
    const unsigned intg = precision - scale;
    const unsigned intgFull = intg / kDigitsPerGroup;
    const unsigned intgLeft = intg % kDigitsPerGroup;
    const unsigned fracFull = scale / kDigitsPerGroup;
    const unsigned fracLeft = scale % kDigitsPerGroup;

    // Digits are written into `digits` fully padded, then leading integer zeros are dropped.
    char digits[kMaxDecimalPrecision];
    size_t count = 0;
    GroupReader reader(data);
    auto put = [&](uint32_t group, unsigned width) -> Status {
        if (group >= kPowersOfTen[width]) {
            return values_detail::corrupt(
                "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ") value",
                "a group holds " + std::to_string(group) + ", more than " + std::to_string(width) +
                    " digits; the row image is corrupt");
        }
        for (unsigned i = width; i > 0; --i) {
            digits[count + i - 1] = static_cast<char>('0' + group % 10);
            group /= 10;
        }
        count += width;
        return okStatus();
    };
    if (intgLeft > 0) {
        FERRY_TRY(put(reader.next(kDigitBytes[intgLeft]), intgLeft));
    }
    for (unsigned i = 0; i < intgFull; ++i) {
        FERRY_TRY(put(reader.next(kGroupBytes), kDigitsPerGroup));
    }
    const size_t intDigits = count;
    for (unsigned i = 0; i < fracFull; ++i) {
        FERRY_TRY(put(reader.next(kGroupBytes), kDigitsPerGroup));
    }
    if (fracLeft > 0) {
        FERRY_TRY(put(reader.next(kDigitBytes[fracLeft]), fracLeft));
    }

    size_t firstInt = 0;
    while (firstInt < intDigits && digits[firstInt] == '0') {
        ++firstInt;
    }
    const bool allZero = firstInt == intDigits && std::all_of(digits + intDigits, digits + count,
                                                              [](char c) { return c == '0'; });

    DecimalValue value;
    char* p = value.chars.data();
    if (reader.negative() && !allZero) {
        *p++ = '-';
    }
    if (firstInt == intDigits) {
        *p++ = '0';
    } else {
        p = std::copy(digits + firstInt, digits + intDigits, p);
    }
    if (scale > 0) {
        *p++ = '.';
        p = std::copy(digits + intDigits, digits + count, p);
    }
    value.length = static_cast<uint8_t>(p - value.chars.data());
    return value;
}

Status appendDecimal(const uint8_t* data, size_t size, unsigned precision, unsigned scale,
                     std::string& out) {
    FERRY_ASSIGN_OR_RETURN(const DecimalValue value, decodeDecimal(data, size, precision, scale));
    out.append(value.text());
    return okStatus();
}

}  // namespace ferry::binlog
