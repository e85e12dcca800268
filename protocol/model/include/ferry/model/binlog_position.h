// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::model {

// A file-and-offset position in a server's binary log, as SHOW BINARY LOG STATUS prints it and
// as COM_BINLOG_DUMP takes it: "mysql-bin.000012:4567".
//
// `file` is a binlog base name (no directory), `pos` a byte offset in that file (64-bit: a
// MySQL binlog can grow past 4 GiB with one huge transaction). parse() accepts only names
// without whitespace, control characters, '/', '\\' or ':' and offsets >= 4 (the first event
// starts after the 4-byte magic); a default-constructed value is empty and is what callers use
// for "no position".
//
// Positions are only partially ordered: within one binlog series (same base name, e.g.
// "mysql-bin") the numeric suffix of the file orders files numerically ("mysql-bin.999999" <
// "mysql-bin.1000000"), then `pos` orders positions in a file. Positions of different series are
// not comparable, so there is no operator<; use compare(), which says so with an error.
//
// A plain value type; safe to copy and share between threads when not mutated.
struct BinlogPosition {
    std::string file;
    std::uint64_t pos = 0;

    // The smallest valid offset in a binlog file: the first event follows the magic bytes.
    static constexpr std::uint64_t kFirstEventOffset = 4;

    // Parses "<file>:<pos>" (surrounding whitespace is ignored). The offset is decimal without a
    // sign or leading zeros. Errors are InvalidArgument and name the offending text and offset.
    static Result<BinlogPosition> parse(std::string_view text);

    // "<file>:<pos>"; parse(toString()) gives the same value for any parsed position.
    std::string toString() const;

    bool isEmpty() const { return file.empty(); }

    bool operator==(const BinlogPosition&) const = default;
};

// Orders two positions of the same binlog series (see BinlogPosition). Fails with
// InvalidArgument when the base names differ or a file name has no numeric suffix (unless both
// file names are identical, in which case only the offsets are compared).
Result<std::strong_ordering> compare(const BinlogPosition& a, const BinlogPosition& b);

}  // namespace ferry::model
