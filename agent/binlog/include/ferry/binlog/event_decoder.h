// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ferry/binlog/event_handler.h"
#include "ferry/binlog/events.h"
#include "ferry/model/result.h"

namespace ferry::binlog {

struct DecoderOptions {
    // Upper bound for a decompressed TRANSACTION_PAYLOAD or MariaDB compressed event body.
    std::size_t maxDecompressedSize = std::size_t{1} << 30;
    // Verify CRC32 trailers when the FORMAT_DESCRIPTION announces them.
    bool verifyChecksums = true;
};

// Decodes binlog events one at a time and calls an EventHandler for each (pure C++, no I/O).
// It keeps the state a binlog stream needs: the current FORMAT_DESCRIPTION (checksum algorithm,
// post-header lengths, flavor), the table-map cache keyed by table id (cleared at FDE and
// ROTATE), and the current file name. Errors name the event and its position (file:offset).
// Not thread-safe; one decoder per stream. Reusable buffers make steady-state decoding
// allocation-free except for TABLE_MAP events.
class EventDecoder {
public:
    explicit EventDecoder(DecoderOptions options = {});
    ~EventDecoder();
    EventDecoder(const EventDecoder&) = delete;
    EventDecoder& operator=(const EventDecoder&) = delete;

    // The file the next events come from (a file source or an artificial ROTATE sets it).
    void setFileName(std::string file) { m_file = std::move(file); }
    const std::string& fileName() const { return m_file; }

    // Decodes one complete event (header, body and checksum trailer if any) found at `offset`.
    // REQUIRES: `event` stays valid during the call.
    Status decode(std::span<const std::uint8_t> event, std::uint64_t offset, EventHandler& handler);

    // The FORMAT_DESCRIPTION in force, if one was seen.
    const FormatDescription* formatDescription() const { return m_fde ? &*m_fde : nullptr; }
    const TableMap* tableMap(std::uint64_t tableId) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    DecoderOptions m_options;
    std::string m_file;
    std::optional<FormatDescription> m_fde;

    friend struct Impl;
};

// Parses a whole FORMAT_DESCRIPTION event (common header, body and the 5-byte checksum-algorithm
// trailer of checksum-capable servers). Does not verify the CRC; EventDecoder::decode does.
Result<FormatDescription> parseFormatDescription(std::span<const std::uint8_t> event);

// CRC-32 (zlib polynomial) of `data`.
std::uint32_t crc32(std::span<const std::uint8_t> data);

}  // namespace ferry::binlog
