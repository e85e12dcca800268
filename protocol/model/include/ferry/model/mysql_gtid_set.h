// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/mysql_gtid.h"
#include "ferry/model/result.h"

namespace ferry::model {

// An inclusive range of transaction numbers, first..last, 1 <= first <= last <= kMaxGno.
struct GtidInterval {
    std::uint64_t first = 1;
    std::uint64_t last = 1;

    bool operator==(const GtidInterval&) const = default;
};

// A MySQL GTID set (gtid_executed, gtid_purged, PREVIOUS_GTIDS, the COM_BINLOG_DUMP_GTID
// argument), including tagged GTIDs of MySQL 8.3+.
//
// Representation: for each Tsid, its intervals sorted, disjoint and never adjacent (1-5 and 6-7
// are kept as 1-7), and no Tsid without intervals. Every operation keeps this canonical form, so
// operator== is set equality and toString() is exactly what MySQL prints.
//
// Text (parse/toString) follows MySQL's syntax:
//   uuid:1-5:7,uuid2:1-3      uuid:tag:1-5      uuid:1-5:tag1:7-9:tag2:1
// Binary (encode/decode) is MySQL's encoding (reference §1.3, §2.12): 8-byte little-endian SID
// count, then per SID the 16 UUID bytes, an 8-byte interval count and [start, end) pairs of
// 8-byte integers. When the set holds a tagged GTID, the tagged format is used: the count field
// is 0x01, 6 count bytes, 0x01, and every UUID is followed by a tag length byte (length << 1)
// and the tag bytes (0 for untagged).
//
// A value type; not synchronized: share between threads only when no one mutates it.
class MysqlGtidSet {
public:
    using IntervalList = std::vector<GtidInterval>;
    using Entries = std::map<Tsid, IntervalList>;

    MysqlGtidSet() = default;

    // Parses MySQL's text form. The empty string (or only whitespace) is the empty set.
    // Whitespace and newlines are accepted around ',' ':' and '-' (MySQL prints ",\n"); UUIDs
    // and tags are case-insensitive; overlapping or repeated intervals and repeated UUIDs merge.
    // Stricter than MySQL where MySQL silently accepts nonsense: rejects transaction number 0,
    // reversed ranges (5-3), numbers above kMaxGno, a UUID or tag with no interval, empty
    // elements (",,", "::", trailing ','), signs, leading zeros (MySQL would read them as octal)
    // and anything after the set. Errors are InvalidArgument and name the offset and the text
    // found there.
    static Result<MysqlGtidSet> parse(std::string_view text);

    // Decodes MySQL's binary encoding from untrusted bytes. Every count is checked against the
    // bytes left; intervals of one SID must be increasing, non-adjacent, start >= 1 and end <=
    // kMaxGno + 1 (what MySQL's signed fields can hold); tags must be valid; `bytes` must hold
    // exactly one set (no trailing bytes). A SID repeated in the input is merged, as MySQL does.
    // Errors are Corrupt.
    static Result<MysqlGtidSet> decode(std::span<const std::uint8_t> bytes);

    // MySQL's binary encoding: the untagged format unless the set holds a tagged GTID.
    std::vector<std::uint8_t> encode() const;

    // Exactly as MySQL prints a set (SELECT @@gtid_executed): UUIDs in order, elements joined by
    // ",\n", tags after their UUID's untagged intervals: "uuid:1-5:tag:7-9,\nuuid2:1-3".
    // The empty set is "".
    std::string toString() const;
    // The same with elements joined by "," only, for logs, flags and JSON.
    std::string toSingleLineString() const;

    bool isEmpty() const { return m_entries.empty(); }
    bool contains(const MysqlGtid& gtid) const;
    // True when every GTID of `other` is in this set (MySQL's GTID_SUBSET(other, this)).
    bool contains(const MysqlGtidSet& other) const;

    void add(const MysqlGtid& gtid);
    // Adds first..last for `tsid`. InvalidArgument if the interval is empty or out of
    // 1..kMaxGno, or the tag is not normalized.
    Status addInterval(const Tsid& tsid, GtidInterval interval);
    // Adds every GTID of `other`.
    void unionWith(const MysqlGtidSet& other);
    // This set without the GTIDs of `other` (MySQL's GTID_SUBTRACT(this, other)), e.g.
    // source.subtract(applied) is what the target is missing.
    MysqlGtidSet subtract(const MysqlGtidSet& other) const;

    const Entries& entries() const { return m_entries; }

    bool operator==(const MysqlGtidSet&) const = default;

private:
    std::string format(std::string_view separator) const;

    Entries m_entries;
};

}  // namespace ferry::model
