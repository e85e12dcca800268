// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace ferry::mysql {

// Drops the raw events before a start that a server cannot apply itself: a byte offset in a
// file (for file dumps) and/or a time (the first transaction that begins at or after it). File
// header events (FORMAT_DESCRIPTION, ROTATE, PREVIOUS_GTIDS, GTID_LIST, BINLOG_CHECKPOINT,
// START_ENCRYPTION, heartbeats) always pass, so the decoder keeps its state. A transaction begins
// at a GTID event (MySQL GTID, ANONYMOUS_GTID, GTID_TAGGED, MariaDB GTID) or, in a stream that
// has none, at a QUERY that is not COMMIT. Once a transaction passes, everything passes.
// Reads only the common header and a QUERY's text; never trusts a length it has not checked.
// Not thread-safe.
class StartFilter {
public:
    StartFilter() = default;
    StartFilter(std::optional<std::uint64_t> minOffset, std::optional<std::uint32_t> minTime)
        : m_minOffset(minOffset), m_minTime(minTime), m_open(!minOffset && !minTime) {}

    // True when the event at `offset` is to be delivered.
    bool accept(std::span<const std::uint8_t> event, std::uint64_t offset);
    bool open() const { return m_open; }

private:
    std::optional<std::uint64_t> m_minOffset;
    std::optional<std::uint32_t> m_minTime;
    bool m_open = true;
    bool m_sawGtid = false;
};

}  // namespace ferry::mysql
