// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/event_handler.h"
#include "ferry/model/result.h"

namespace ferry::binlog {

// One raw event as a source hands it over.
struct RawEvent {
    std::span<const std::uint8_t> bytes;  // header, body and checksum trailer
    std::uint64_t offset = 0;             // offset of the event in its binlog file
    std::string_view file;                // that binlog file's name
};

// A stream of raw binlog events: a file (BinlogFileSource) or a replica connection. Each call
// to next() invalidates the bytes of the previous event. Not thread-safe.
class BinlogSource {
public:
    virtual ~BinlogSource() = default;

    // Fills `event` and returns true, or returns false at the end of the stream.
    virtual Result<bool> next(RawEvent& event) = 0;
};

// Feeds every event of `source` through `decoder` into `handler` until the end or an error.
// Returns the number of top-level events decoded.
Result<std::uint64_t> decodeAll(BinlogSource& source, EventDecoder& decoder, EventHandler& handler);

}  // namespace ferry::binlog
