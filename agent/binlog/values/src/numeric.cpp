// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/numeric.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include "value_bytes.h"

namespace ferry::binlog {
namespace values_detail {

Error truncated(std::string_view what, size_t need, size_t have) {
    std::string msg(what);
    msg += ": need ";
    msg += std::to_string(need);
    msg += " bytes, have ";
    msg += std::to_string(have);
    msg += "; the row image is truncated or the column metadata does not match it";
    return makeError(ErrorCode::Corrupt, std::move(msg));
}

Error corrupt(std::string_view what, std::string_view detail) {
    std::string msg(what);
    msg += ": ";
    msg += detail;
    return makeError(ErrorCode::Corrupt, std::move(msg));
}

namespace {

// Lays out the digits of a std::to_chars scientific string ("-1.2345e-05") as my_gcvt does:
// with decpt the position of the point relative to the digits, fixed notation when
// -14 <= decpt <= 15 or when the digits reach past the point (decpt < len, at most 16),
// exponent notation otherwise.
bool layoutScientific(std::string_view sci, std::string& out) {
    size_t pos = 0;
    if (!sci.empty() && sci[0] == '-') {
        out.push_back('-');
        pos = 1;
    }
    char digits[32];
    int len = 0;
    while (pos < sci.size() && sci[pos] != 'e') {
        if (sci[pos] != '.' && len < static_cast<int>(sizeof digits)) {
            digits[len++] = sci[pos];
        }
        ++pos;
    }
    int exponent = 0;
    if (pos < sci.size()) {
        const char* first = sci.data() + pos + 1;
        if (*first == '+') {
            ++first;
        }
        std::from_chars(first, sci.data() + sci.size(), exponent);
    }
    const int decpt = exponent + 1;
    if (decpt >= -14 && (decpt <= 15 || len > decpt)) {
        if (decpt <= 0) {
            out.append("0.");
            out.append(static_cast<size_t>(-decpt), '0');
            out.append(digits, static_cast<size_t>(len));
            return true;
        }
        if (decpt < len) {
            out.append(digits, static_cast<size_t>(decpt));
            out.push_back('.');
            out.append(digits + decpt, static_cast<size_t>(len - decpt));
            return true;
        }
        out.append(digits, static_cast<size_t>(len));
        out.append(static_cast<size_t>(decpt - len), '0');
        return false;
    }
    out.push_back(digits[0]);
    if (len > 1) {
        out.push_back('.');
        out.append(digits + 1, static_cast<size_t>(len - 1));
    }
    out.push_back('e');
    if (exponent < 0) {
        out.push_back('-');
        exponent = -exponent;
    }
    appendPadded(static_cast<uint64_t>(exponent), 1, out);
    return true;
}

template <typename F>
bool appendShortest(F value, std::string& out) {
    if (std::isnan(value)) {
        out.append("nan");
        return false;
    }
    if (std::isinf(value)) {
        out.append(value < 0 ? "-inf" : "inf");
        return false;
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    (void)ec;
    return layoutScientific(std::string_view(buf, static_cast<size_t>(end - buf)), out);
}

}  // namespace

bool appendShortestDouble(double value, std::string& out) {
    return appendShortest(value, out);
}

bool appendShortestFloat(float value, std::string& out) {
    return appendShortest(value, out);
}

}  // namespace values_detail

Result<int64_t> decodeSignedInt(const uint8_t* data, size_t size, unsigned width) {
    FERRY_ASSIGN_OR_RETURN(const uint64_t raw, decodeUnsignedInt(data, size, width));
    if (width == 8) {
        return static_cast<int64_t>(raw);
    }
    const unsigned shift = 64 - width * 8;
    return static_cast<int64_t>(raw << shift) >> shift;
}

Result<uint64_t> decodeUnsignedInt(const uint8_t* data, size_t size, unsigned width) {
    if (width != 1 && width != 2 && width != 3 && width != 4 && width != 8) {
        return makeError(ErrorCode::InvalidArgument,
                         "integer column: width " + std::to_string(width) +
                             " is not 1, 2, 3, 4 or 8 bytes; check the column type mapping");
    }
    if (size < width) {
        return values_detail::truncated("integer column", width, size);
    }
    return values_detail::loadLe(data, width);
}

Result<float> decodeFloat(const uint8_t* data, size_t size) {
    if (size < 4) {
        return values_detail::truncated("FLOAT column", 4, size);
    }
    return std::bit_cast<float>(static_cast<uint32_t>(values_detail::loadLe(data, 4)));
}

Result<double> decodeDouble(const uint8_t* data, size_t size) {
    if (size < 8) {
        return values_detail::truncated("DOUBLE column", 8, size);
    }
    return std::bit_cast<double>(values_detail::loadLe(data, 8));
}

void appendInt(int64_t value, std::string& out) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    (void)ec;
    out.append(buf, end);
}

void appendUint(uint64_t value, std::string& out) {
    values_detail::appendPadded(value, 1, out);
}

void appendFloat(float value, std::string& out) {
    values_detail::appendShortestFloat(value, out);
}

void appendDouble(double value, std::string& out) {
    values_detail::appendShortestDouble(value, out);
}

}  // namespace ferry::binlog
