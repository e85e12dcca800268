// SPDX-License-Identifier: Apache-2.0
#include <cstring>
#include <string>

#include <zlib.h>

#include "byte_reader.h"
#include "decoder_internal.h"

namespace ferry::binlog::detail {

namespace ct = column_type;

namespace {

std::uint64_t readLe(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    }
    return v;
}

std::uint64_t readBe(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        v = (v << 8) | p[i];
    }
    return v;
}

std::int64_t signExtend(std::uint64_t v, unsigned bits) {
    if (bits >= 64) {
        return static_cast<std::int64_t>(v);
    }
    std::uint64_t m = std::uint64_t{1} << (bits - 1);
    v &= (std::uint64_t{1} << bits) - 1;
    return static_cast<std::int64_t>((v ^ m) - m);
}

constexpr int kDigitBytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};

std::size_t decimalSize(unsigned precision, unsigned scale) {
    unsigned intg = precision - scale;
    return (intg / 9) * 4 + kDigitBytes[intg % 9] + (scale / 9) * 4 + kDigitBytes[scale % 9];
}

}  // namespace

Status decodeValue(const EventContext& ctx, const ColumnInfo& column, std::size_t index,
                   std::span<const std::uint8_t>& data, bool jsonDiff, ColumnValue& value) {
    value.type = column.realType;
    value.meta = column.meta;
    value.collation = column.collation;
    value.padLength = 0;
    value.microseconds = 0;
    value.bytes = {};
    value.u = 0;
    std::size_t fixed = 0;   // bytes of a fixed-size value
    std::size_t prefix = 0;  // bytes of a length prefix
    switch (column.realType) {
        case ct::kTiny:
        case ct::kYear:
            fixed = 1;
            break;
        case ct::kShort:
            fixed = 2;
            break;
        case ct::kInt24:
        case ct::kDate:
        case ct::kNewDate:
        case ct::kTime:
            fixed = 3;
            break;
        case ct::kLong:
        case ct::kFloat:
        case ct::kTimestamp:
            fixed = 4;
            break;
        case ct::kLongLong:
        case ct::kDouble:
        case ct::kDatetime:
            fixed = 8;
            break;
        case ct::kNull:
            fixed = 0;
            break;
        case ct::kNewDecimal: {
            unsigned precision = column.meta >> 8;
            unsigned scale = column.meta & 0xff;
            if (precision == 0 || precision > 65 || scale > 38 || scale > precision) {
                return corrupt(ctx, "column " + std::to_string(index) + " DECIMAL(" +
                                        std::to_string(precision) + "," + std::to_string(scale) +
                                        ") has impossible metadata");
            }
            fixed = decimalSize(precision, scale);
            break;
        }
        case ct::kTime2:
        case ct::kDatetime2:
        case ct::kTimestamp2: {
            unsigned fsp = column.meta;
            if (fsp > 6) {
                return corrupt(ctx, "column " + std::to_string(index) +
                                        " has fractional-second precision " + std::to_string(fsp) +
                                        " (0-6 allowed)");
            }
            std::size_t base = column.realType == ct::kTime2       ? 3
                               : column.realType == ct::kDatetime2 ? 5
                                                                   : 4;
            fixed = base + (fsp + 1) / 2;
            break;
        }
        case ct::kBit: {
            std::size_t bits = (column.meta >> 8) * 8u + (column.meta & 0xff);
            fixed = (bits + 7) / 8;
            if (fixed > 8) {
                return corrupt(ctx, "column " + std::to_string(index) + " BIT(" +
                                        std::to_string(bits) + ") is wider than 64 bits");
            }
            break;
        }
        case ct::kEnum:
        case ct::kSet:
            fixed = column.maxLength;
            if (fixed == 0 || fixed > 8 || (column.realType == ct::kEnum && fixed > 2)) {
                return corrupt(ctx, "column " + std::to_string(index) + " ENUM/SET is " +
                                        std::to_string(fixed) + " bytes wide");
            }
            break;
        case ct::kVarchar:
        case ct::kVarString:
        case ct::kString:
            prefix = column.maxLength < 256 ? 1 : 2;
            break;
        case ct::kBlob:
        case ct::kTinyBlob:
        case ct::kMediumBlob:
        case ct::kLongBlob:
        case ct::kJson:
        case ct::kGeometry:
        case ct::kVector:
            prefix = column.meta;
            if (prefix < 1 || prefix > 4) {
                return corrupt(ctx, "column " + std::to_string(index) + " has a " +
                                        std::to_string(prefix) + "-byte length prefix (1-4)");
            }
            break;
        default:
            return unsupported(ctx, "column " + std::to_string(index) + " has binlog type " +
                                        std::to_string(column.realType) +
                                        ", which has no row-value decoder");
    }

    std::size_t size = fixed;
    const std::uint8_t* p = data.data();
    if (prefix != 0) {
        if (data.size() < prefix) {
            return corrupt(ctx, "length of column " + std::to_string(index) +
                                    " runs past the end of the row data");
        }
        std::uint64_t len = readLe(p, prefix);
        if (len > data.size() - prefix) {
            return corrupt(ctx, "column " + std::to_string(index) + " value of " +
                                    std::to_string(len) +
                                    " bytes runs past the end of the row "
                                    "data (" +
                                    std::to_string(data.size() - prefix) + " left)");
        }
        value.bytes = data.subspan(prefix, static_cast<std::size_t>(len));
        data = data.subspan(prefix + static_cast<std::size_t>(len));
    } else {
        if (data.size() < size) {
            return corrupt(ctx, "column " + std::to_string(index) + " needs " +
                                    std::to_string(size) + " bytes, " +
                                    std::to_string(data.size()) + " left in the row data");
        }
        value.bytes = data.subspan(0, size);
        data = data.subspan(size);
    }

    switch (column.realType) {
        case ct::kTiny:
        case ct::kShort:
        case ct::kInt24:
        case ct::kLong:
        case ct::kLongLong: {
            std::uint64_t raw = readLe(p, size);
            if (column.isUnsigned) {
                value.kind = ValueKind::UnsignedInt;
                value.u = raw;
            } else {
                value.kind = ValueKind::SignedInt;
                value.i = signExtend(raw, static_cast<unsigned>(size * 8));
            }
            break;
        }
        case ct::kYear:
            value.kind = ValueKind::Year;
            value.i = p[0] == 0 ? 0 : 1900 + p[0];
            break;
        case ct::kFloat: {
            float f;
            auto bits = static_cast<std::uint32_t>(readLe(p, 4));
            std::memcpy(&f, &bits, 4);
            value.kind = ValueKind::Float;
            value.d = f;
            break;
        }
        case ct::kDouble: {
            std::uint64_t bits = readLe(p, 8);
            double d;
            std::memcpy(&d, &bits, 8);
            value.kind = ValueKind::Double;
            value.d = d;
            break;
        }
        case ct::kNewDecimal:
            value.kind = ValueKind::Decimal;
            break;
        case ct::kDate:
        case ct::kNewDate:
            value.kind = ValueKind::Date;
            value.u = readLe(p, 3);
            break;
        case ct::kTime:
            value.kind = ValueKind::Time;
            value.i = signExtend(readLe(p, 3), 24);
            break;
        case ct::kDatetime:
            value.kind = ValueKind::Datetime;
            value.u = readLe(p, 8);
            break;
        case ct::kTimestamp:
            value.kind = ValueKind::Timestamp;
            value.u = readLe(p, 4);
            break;
        case ct::kTimestamp2: {
            static constexpr std::uint32_t kScale[4] = {0, 10000, 100, 1};
            std::size_t fracBytes = (column.meta + 1u) / 2;
            value.kind = ValueKind::Timestamp;
            value.u = readBe(p, 4);
            value.microseconds =
                static_cast<std::uint32_t>(readBe(p + 4, fracBytes)) * kScale[fracBytes];
            break;
        }
        case ct::kTime2:
            value.kind = ValueKind::Time2;
            break;
        case ct::kDatetime2:
            value.kind = ValueKind::Datetime2;
            break;
        case ct::kBit:
            value.kind = ValueKind::Bit;
            value.u = readBe(p, size);
            break;
        case ct::kEnum:
            value.kind = ValueKind::Enum;
            value.u = readLe(p, size);
            break;
        case ct::kSet:
            value.kind = ValueKind::Set;
            value.u = readLe(p, size);
            break;
        case ct::kString:
            value.kind = ValueKind::String;
            if (column.collation == 63 && value.bytes.size() < column.maxLength) {
                value.padLength = column.maxLength;
            }
            break;
        case ct::kVarchar:
        case ct::kVarString:
        case ct::kBlob:
        case ct::kTinyBlob:
        case ct::kMediumBlob:
        case ct::kLongBlob:
            value.kind = ValueKind::String;
            break;
        case ct::kJson:
            value.kind = jsonDiff ? ValueKind::JsonDiff : ValueKind::Json;
            break;
        case ct::kGeometry:
            value.kind = ValueKind::Geometry;
            break;
        case ct::kVector:
            value.kind = ValueKind::Vector;
            if (value.bytes.size() % 4 != 0) {
                return corrupt(ctx, "VECTOR column " + std::to_string(index) + " holds " +
                                        std::to_string(value.bytes.size()) +
                                        " bytes, not a multiple of 4");
            }
            break;
        case ct::kNull:
            value.kind = ValueKind::Null;
            break;
        default:
            break;
    }
    return okStatus();
}

Status inflateMariadb(const EventContext& ctx, std::span<const std::uint8_t> in,
                      std::size_t maxSize, std::vector<std::uint8_t>& out) {
    if (in.empty()) {
        return corrupt(ctx, "compressed block is empty");
    }
    std::uint8_t head = in[0];
    std::size_t lenBytes = head & 0x07;
    if ((head & 0x80) == 0 || ((head >> 4) & 0x07) != 0 || lenBytes < 1 || lenBytes > 4) {
        return corrupt(
            ctx, "compressed block header byte 0x" + [&] {
                char buf[4];
                std::snprintf(buf, sizeof buf, "%02x", head);
                return std::string(buf);
            }() + " is not 0x8N (zlib, N = 1..4 length bytes)");
    }
    if (in.size() < 1 + lenBytes) {
        return corrupt(ctx, "compressed block length runs past the end of the event");
    }
    std::uint64_t expected = readBe(in.data() + 1, lenBytes);
    if (expected > maxSize) {
        return corrupt(ctx, "compressed block claims " + std::to_string(expected) +
                                " bytes, above the limit of " + std::to_string(maxSize));
    }
    auto src = in.subspan(1 + lenBytes);
    // Deflate cannot expand data more than about 1032:1, so a larger claim is a lie; checking it
    // before allocating keeps a tiny event from making us allocate up to the limit.
    constexpr std::uint64_t kMaxDeflateRatio = 1032;
    if (expected > src.size() * kMaxDeflateRatio + 64) {
        return corrupt(ctx, "compressed block claims " + std::to_string(expected) + " bytes from " +
                                std::to_string(src.size()) +
                                " compressed bytes, more than zlib can produce");
    }
    out.resize(static_cast<std::size_t>(expected));
    uLongf destLen = static_cast<uLongf>(expected);
    int rc = ::uncompress(out.data(), &destLen, src.data(), static_cast<uLong>(src.size()));
    if (rc != Z_OK) {
        return corrupt(
            ctx, std::string("zlib could not inflate the compressed block (") + zError(rc) + ")");
    }
    if (destLen != expected) {
        return corrupt(ctx, "compressed block inflated to " + std::to_string(destLen) +
                                " bytes, header says " + std::to_string(expected));
    }
    return okStatus();
}

}  // namespace ferry::binlog::detail
