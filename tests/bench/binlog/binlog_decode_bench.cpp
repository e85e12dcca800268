// SPDX-License-Identifier: Apache-2.0
// binlog_decode_bench FILE...: decodes binlog files fully to row values with ferry_binlog, formats
// every value as text (as mariadb-binlog -v prints it: numbers, quoted strings, dates, epoch
// timestamps, DECIMAL digits, JSON text) and hashes that text, so no value can be skipped lazily.
// Prints one JSON line: {"files", "bytes", "events", "rows", "values", "digest"}.
// Exit status 0, or 1 with the decoder's error on stderr.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/bit_enum_set.h"
#include "ferry/binlog/decimal.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/json_binary.h"
#include "ferry/binlog/numeric.h"
#include "ferry/binlog/temporal.h"

namespace ferry::binlog::bench {
namespace {

// A 64-bit hash over whole words (the digest must not cost more than formatting itself).
class Digest {
public:
    void add(const char* data, std::size_t size) {
        std::size_t i = 0;
        for (; i + 8 <= size; i += 8) {
            std::uint64_t w;
            std::memcpy(&w, data + i, 8);
            mix(w);
        }
        std::uint64_t tail = size;
        for (; i < size; ++i) {
            tail = (tail << 8) | static_cast<unsigned char>(data[i]);
        }
        mix(tail);
    }
    std::uint64_t value() const { return m_h ^ (m_h >> 29); }

private:
    void mix(std::uint64_t w) {
        m_h = (m_h ^ w) * 0x9e3779b97f4a7c15ULL;
        m_h ^= m_h >> 32;
    }
    std::uint64_t m_h = 0x243f6a8885a308d3ULL;
};

class DigestHandler final : public EventHandler {
public:
    Status onRow(const RowsEvent&, const RowImage* before, const RowImage* after) override {
        m_text.clear();
        if (before != nullptr) {
            FERRY_TRY(formatImage(*before));
        }
        if (after != nullptr) {
            m_text += "=>";
            FERRY_TRY(formatImage(*after));
        }
        m_digest.add(m_text.data(), m_text.size());
        ++rows;
        return okStatus();
    }
    Status onEvent(const EventContext&) override {
        ++events;
        return okStatus();
    }

    std::uint64_t events = 0;
    std::uint64_t rows = 0;
    std::uint64_t values = 0;
    std::uint64_t digest() const { return m_digest.value(); }

private:
    Status formatImage(RowImage image) {
        for (const ColumnValue& v : image) {
            m_text += ' ';
            FERRY_TRY(formatValue(v));
            ++values;
        }
        return okStatus();
    }

    Status formatValue(const ColumnValue& v) {
        switch (v.kind) {
            case ValueKind::Absent:
                m_text += '-';
                return okStatus();
            case ValueKind::Null:
                m_text += "NULL";
                return okStatus();
            case ValueKind::SignedInt:
                appendInt(v.i, m_text);
                return okStatus();
            case ValueKind::UnsignedInt:
            case ValueKind::Enum:
            case ValueKind::Set:
                appendUint(v.u, m_text);
                return okStatus();
            case ValueKind::Float:
                appendFloat(static_cast<float>(v.d), m_text);
                return okStatus();
            case ValueKind::Double:
                appendDouble(v.d, m_text);
                return okStatus();
            case ValueKind::Decimal:
                return appendDecimal(v.bytes.data(), v.bytes.size(), v.meta >> 8, v.meta & 0xff,
                                     m_text);
            case ValueKind::Year:
                appendYear(static_cast<std::uint16_t>(v.i), m_text);
                return okStatus();
            case ValueKind::Date: {
                DateTimeValue d;
                d.day = static_cast<std::uint8_t>(v.u & 31);
                d.month = static_cast<std::uint8_t>((v.u >> 5) & 15);
                d.year = static_cast<std::uint16_t>(v.u >> 9);
                appendDate(d, m_text);
                return okStatus();
            }
            case ValueKind::Time: {
                TimeValue t;
                std::int64_t x = v.i;
                t.negative = x < 0;
                std::uint64_t a =
                    t.negative ? static_cast<std::uint64_t>(-x) : static_cast<std::uint64_t>(x);
                t.second = static_cast<std::uint8_t>(a % 100);
                t.minute = static_cast<std::uint8_t>((a / 100) % 100);
                t.hour = static_cast<std::uint16_t>(a / 10000);
                appendTime(t, m_text);
                return okStatus();
            }
            case ValueKind::Time2: {
                FERRY_ASSIGN_OR_RETURN(auto t, decodeTime2(v.bytes.data(), v.bytes.size(), v.meta));
                appendTime(t, m_text);
                return okStatus();
            }
            case ValueKind::Datetime: {
                DateTimeValue d;
                std::uint64_t x = v.u;
                d.second = static_cast<std::uint8_t>(x % 100);
                d.minute = static_cast<std::uint8_t>((x / 100) % 100);
                d.hour = static_cast<std::uint8_t>((x / 10000) % 100);
                d.day = static_cast<std::uint8_t>((x / 1000000) % 100);
                d.month = static_cast<std::uint8_t>((x / 100000000) % 100);
                d.year = static_cast<std::uint16_t>(x / 10000000000ULL);
                appendDateTime(d, m_text);
                return okStatus();
            }
            case ValueKind::Datetime2: {
                FERRY_ASSIGN_OR_RETURN(auto d,
                                       decodeDateTime2(v.bytes.data(), v.bytes.size(), v.meta));
                appendDateTime(d, m_text);
                return okStatus();
            }
            case ValueKind::Timestamp: {
                TimestampValue t;
                t.seconds = static_cast<std::uint32_t>(v.u);
                t.micro = v.microseconds;
                t.fsp = v.type == column_type::kTimestamp2 ? static_cast<std::uint8_t>(v.meta) : 0;
                appendTimestampEpoch(t, m_text);
                return okStatus();
            }
            case ValueKind::Bit:
                appendBitLiteral(v.u, m_text);
                return okStatus();
            case ValueKind::String:
                m_text += '\'';
                m_text.append(v.text());
                m_text += '\'';
                return okStatus();
            case ValueKind::Json:
                return appendJsonText(v.bytes, m_text);
            case ValueKind::JsonDiff:
            case ValueKind::Geometry:
            case ValueKind::Vector:
                m_text.append(v.text());
                return okStatus();
        }
        return okStatus();
    }

    std::string m_text;
    Digest m_digest;
};

int run(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s BINLOG_FILE...\n", argv[0]);
        return 2;
    }
    EventDecoder decoder;
    DigestHandler handler;
    std::uint64_t bytes = 0;
    for (int i = 1; i < argc; ++i) {
        auto source = BinlogFileSource::open(argv[i]);
        if (!source.ok()) {
            std::fprintf(stderr, "%s\n", source.error().toString().c_str());
            return 1;
        }
        auto count = decodeAll(**source, decoder, handler);
        if (!count.ok()) {
            std::fprintf(stderr, "%s\n", count.error().toString().c_str());
            return 1;
        }
        if (FILE* f = std::fopen(argv[i], "rb")) {
            std::fseek(f, 0, SEEK_END);
            bytes += static_cast<std::uint64_t>(std::ftell(f));
            std::fclose(f);
        }
    }
    std::printf("{\"files\": %d, \"bytes\": %" PRIu64 ", \"events\": %" PRIu64
                ", \"rows\": %" PRIu64 ", \"values\": %" PRIu64 ", \"digest\": \"%016" PRIx64
                "\"}\n",
                argc - 1, bytes, handler.events, handler.rows, handler.values, handler.digest());
    return 0;
}

}  // namespace
}  // namespace ferry::binlog::bench

int main(int argc, char** argv) {
    return ferry::binlog::bench::run(argc, argv);
}
