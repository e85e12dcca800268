// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/start_filter.h"

#include <cstring>

namespace ferry::mysql {
namespace {

constexpr std::size_t kHeader = 19;

bool isHeaderEvent(std::uint8_t type) {
    switch (type) {
        case 4:    // ROTATE
        case 15:   // FORMAT_DESCRIPTION
        case 27:   // HEARTBEAT
        case 35:   // PREVIOUS_GTIDS
        case 41:   // HEARTBEAT_V2
        case 161:  // MariaDB BINLOG_CHECKPOINT
        case 163:  // MariaDB GTID_LIST
        case 164:  // MariaDB START_ENCRYPTION
            return true;
        default:
            return false;
    }
}

bool isGtidEvent(std::uint8_t type) {
    return type == 33 || type == 34 || type == 42 || type == 162;
}

// True when a QUERY event's text starts with COMMIT. QUERY post-header (v4): thread id 4, exec
// time 4, schema length 1, error code 2, status-vars length 2.
bool queryIsCommit(std::span<const std::uint8_t> event) {
    constexpr std::size_t kPostHeader = 13;
    if (event.size() < kHeader + kPostHeader) {
        return false;
    }
    const std::size_t schemaLength = event[kHeader + 8];
    const std::size_t statusLength =
        static_cast<std::size_t>(event[kHeader + 11]) | (std::size_t{event[kHeader + 12]} << 8);
    const std::size_t queryStart = kHeader + kPostHeader + statusLength + schemaLength + 1;
    constexpr char kCommit[] = "COMMIT";
    return queryStart + 6 <= event.size() &&
           std::memcmp(event.data() + queryStart, kCommit, 6) == 0;
}

}  // namespace

bool StartFilter::accept(std::span<const std::uint8_t> event, std::uint64_t offset) {
    if (m_open || event.size() < kHeader) {
        return true;  // a short event is the decoder's to report
    }
    const std::uint8_t type = event[4];
    if (isHeaderEvent(type)) {
        return true;
    }
    const bool gtid = isGtidEvent(type);
    m_sawGtid = m_sawGtid || gtid;
    if (m_minOffset && offset < *m_minOffset) {
        return false;
    }
    if (!m_minTime) {
        m_open = true;
        return true;
    }
    const bool begins = gtid || (!m_sawGtid && type == 2 && !queryIsCommit(event));
    if (!begins) {
        return false;
    }
    const std::uint32_t timestamp =
        static_cast<std::uint32_t>(event[0]) | (static_cast<std::uint32_t>(event[1]) << 8) |
        (static_cast<std::uint32_t>(event[2]) << 16) | (static_cast<std::uint32_t>(event[3]) << 24);
    if (timestamp < *m_minTime) {
        return false;
    }
    m_open = true;
    return true;
}

}  // namespace ferry::mysql
