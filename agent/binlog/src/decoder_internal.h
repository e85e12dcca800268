// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ferry/binlog/event_decoder.h"
#include "ferry/binlog/events.h"
#include "ferry/binlog/row_image.h"
#include "ferry/model/result.h"

namespace ferry::binlog::detail {

// Describes the event being decoded for error messages: "QUERY event at mysql-bin.000001:219".
std::string where(const EventContext& ctx);
Error corrupt(const EventContext& ctx, std::string_view what);
Error unsupported(const EventContext& ctx, std::string_view what);

// Parses a TABLE_MAP body (after the common header, checksum stripped).
Result<std::unique_ptr<TableMap>> parseTableMap(const EventContext& ctx,
                                                std::span<const std::uint8_t> body,
                                                const FormatDescription& fde);

// Value bytes of one column; fills `value` (kind, scalar fields, bytes view) and advances.
// `jsonDiff` is set for a PARTIAL_UPDATE_ROWS JSON column whose partial bit is set.
Status decodeValue(const EventContext& ctx, const ColumnInfo& column, std::size_t index,
                   std::span<const std::uint8_t>& data, bool jsonDiff, ColumnValue& value);

// Parses a GTID_TAGGED_LOG_EVENT body (checksum stripped) into `ev`: tagged = true, the tagged
// model::MysqlGtid in `gtid`, optional fields set when present (originals default to the
// immediate values, as MySQL does).
Status parseGtidTagged(const EventContext& ctx, std::span<const std::uint8_t> body, GtidEvent& ev);

// Inflates a MariaDB compressed block (header byte 0x8N, N-byte BE length, zlib stream) into
// `out`, which is reused.
Status inflateMariadb(const EventContext& ctx, std::span<const std::uint8_t> in,
                      std::size_t maxSize, std::vector<std::uint8_t>& out);

}  // namespace ferry::binlog::detail
