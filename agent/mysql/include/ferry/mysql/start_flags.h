// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/mysql/mysql_binlog_source.h"

namespace ferry::mysql {

// The start flags of CONVENTIONS.md, shared by `ferryctl binlog dump`, `ferry-agent replicate`
// and `pipeline rewind`: --start-file NAME [--start-pos N], --start-gtid SET, --start-time TIME.
// Pure parsing; every error is InvalidArgument (a usage error) naming the flag and the value.

// "2026-11-25T08:00:00Z", "2026-11-25 08:00:00+01:00": a UTC offset or Z is required. Returns
// epoch seconds.
Result<std::uint32_t> parseStartTime(std::string_view text);

// A binlog offset for --start-pos: a decimal number, at least 4.
Result<std::uint64_t> parseStartPosition(std::string_view text);

// Whether `flag` (e.g. "--start-gtid") is one of the start flags.
bool isStartFlag(std::string_view flag);

// Stores the value of start flag `flag` into `request`. REQUIRES: isStartFlag(flag).
Status applyStartFlag(std::string_view flag, std::string_view value, StartRequest& request);

// The combinations CONVENTIONS.md allows: at most one of --start-file, --start-gtid and
// --start-time; --start-pos only with --start-file when `posNeedsFile`.
Status checkStartRequest(const StartRequest& request, bool posNeedsFile = true);

// True when the request names a start (any flag given).
bool hasStart(const StartRequest& request);

}  // namespace ferry::mysql
