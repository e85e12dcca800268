// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::model {

// A 16-byte UUID, stored in the byte order of its text form (the order MySQL uses for a server
// UUID, in GTID events, PREVIOUS_GTIDS and COM_BINLOG_DUMP_GTID). Any 16 bytes are a valid
// value; ordering is bytewise, which is also the order of the lowercase text forms.
struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    // Parses the 36-character form "3e11fa47-71ca-11e1-9e33-c80aa9429562", hex digits in either
    // case. Nothing else is accepted (no braces, no undashed form, no surrounding whitespace).
    static Result<Uuid> parse(std::string_view text);
    // From raw bytes, e.g. a GTID event's SID; callers check untrusted lengths first.
    static Uuid fromBytes(std::span<const std::uint8_t, 16> raw);

    // Lowercase 36-character form, as MySQL prints it.
    std::string toString() const;

    auto operator<=>(const Uuid&) const = default;
};

// The largest MySQL transaction number (GNO): 2^63 - 2. GNOs start at 1. MySQL keeps intervals
// as [start, end) in signed 64-bit integers with GNO_END = 2^63 - 1 as "one past the largest",
// and its parser refuses 2^63 - 1 (the manual's "2^63 - 1" is that exclusive end).
inline constexpr std::uint64_t kMaxGno = 9223372036854775806ULL;
// The longest GTID tag (MySQL 8.3+).
inline constexpr std::size_t kMaxGtidTagLength = 32;

// Validates a GTID tag (MySQL 8.3+) and returns its normal form. A tag starts with a letter or
// '_', continues with letters, digits or '_', has at most 32 characters and is case-insensitive:
// the normal form is lowercase. The empty string is returned unchanged and means "untagged".
// Fails with InvalidArgument, naming the tag and the offending character.
Result<std::string> normalizeGtidTag(std::string_view tag);

// A transaction source identifier: the source UUID plus an optional tag ("" = untagged). The
// unit a GTID set keeps intervals for. Ordered by UUID, then tag (untagged first), as MySQL
// sorts them when printing and encoding a set.
// Invariant kept by every Ferry function that builds one: `tag` is empty or normalized (see
// normalizeGtidTag).
struct Tsid {
    Uuid uuid;
    std::string tag;

    auto operator<=>(const Tsid&) const = default;
};

// One MySQL GTID: "uuid:gno" or, tagged (MySQL 8.3+), "uuid:tag:gno".
// Invariant: 1 <= gno <= kMaxGno and the tag is normalized, so every instance is valid; build
// one with make() (from decoded event fields) or parse() (from text). Plain value type.
class MysqlGtid {
public:
    // Validates the parts (tag as normalizeGtidTag, gno in 1..kMaxGno); InvalidArgument if not.
    static Result<MysqlGtid> make(const Uuid& uuid, std::string_view tag, std::uint64_t gno);
    // Parses "uuid:gno" or "uuid:tag:gno". Whitespace around the whole text and around ':' is
    // ignored, as MySQL does for gtid_next; the UUID and tag are case-insensitive.
    static Result<MysqlGtid> parse(std::string_view text);

    const Uuid& uuid() const { return m_tsid.uuid; }
    const std::string& tag() const { return m_tsid.tag; }
    const Tsid& tsid() const { return m_tsid; }
    std::uint64_t gno() const { return m_gno; }

    // "uuid:gno" or "uuid:tag:gno", lowercase.
    std::string toString() const;

    bool operator==(const MysqlGtid&) const = default;

private:
    MysqlGtid(Tsid tsid, std::uint64_t gno) : m_tsid(std::move(tsid)), m_gno(gno) {}

    Tsid m_tsid;
    std::uint64_t m_gno = 1;
};

}  // namespace ferry::model
