// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::model {

// One MariaDB GTID, "domain-server-seq" (uint32-uint32-uint64), e.g. "0-1-100". Every value of
// the three fields is valid. Plain value type.
struct MariadbGtid {
    std::uint32_t domainId = 0;
    std::uint32_t serverId = 0;
    std::uint64_t seqNo = 0;

    // Parses "domain-server-seq": decimal numbers without signs or leading zeros, surrounding
    // whitespace ignored. InvalidArgument (naming the offset) on anything else or on overflow.
    static Result<MariadbGtid> parse(std::string_view text);
    std::string toString() const;

    bool operator==(const MariadbGtid&) const = default;
};

// A MariaDB replication position, as @@gtid_slave_pos / @@gtid_current_pos / the
// slave_connect_state of a GTID dump: at most one GTID per replication domain, the last one
// applied in that domain.
//
// Ordering is per domain by sequence number and only partial: compare() says
// `unordered` when each side is ahead in some domain. Server ids do not take part in ordering or
// contains(), but do in operator== (a position names exact GTIDs a server must find in its
// binlog). A value type; not synchronized.
class MariadbGtidPosition {
public:
    MariadbGtidPosition() = default;

    // Parses a comma-separated list ("0-1-100,1-2-7"); "" is the empty position; whitespace
    // around elements is ignored. InvalidArgument on a malformed element, an empty element or a
    // second GTID for one domain (MariaDB refuses those too).
    static Result<MariadbGtidPosition> parse(std::string_view text);
    // Elements sorted by domain, joined by ",": "0-1-100,1-2-7". "" when empty.
    std::string toString() const;

    bool isEmpty() const { return m_byDomain.empty(); }
    std::optional<MariadbGtid> find(std::uint32_t domainId) const;
    // True when the position has `gtid`'s domain with a sequence number >= gtid.seqNo, i.e.
    // the transaction is at or before this position.
    bool contains(const MariadbGtid& gtid) const;
    // True when contains() holds for every GTID of `other`.
    bool contains(const MariadbGtidPosition& other) const;
    // less: `other` is ahead in some domain and never behind; equivalent: same sequence numbers
    // per domain; unordered: each is ahead somewhere.
    std::partial_ordering compare(const MariadbGtidPosition& other) const;

    // Records `gtid` as the last transaction of its domain, replacing the domain's entry even if
    // its sequence number is lower (as a replica does when it applies a transaction; in
    // non-strict mode sequence numbers can go back).
    void update(const MariadbGtid& gtid);
    // Per domain keeps the GTID with the higher sequence number (this one on a tie).
    void unionWith(const MariadbGtidPosition& other);

    const std::map<std::uint32_t, MariadbGtid>& entries() const { return m_byDomain; }

    bool operator==(const MariadbGtidPosition&) const = default;

private:
    std::map<std::uint32_t, MariadbGtid> m_byDomain;
};

// A MariaDB binlog state as GTID_LIST events and @@gtid_binlog_state carry it: the last GTID of
// each (domain, server) pair, so a domain may appear several times with different server ids.
// Order matters: within a domain the last element is the most recent GTID of the domain (MariaDB
// writes it last), which is what toPosition() takes. No (domain, server) pair appears twice.
// A value type; not synchronized.
class MariadbGtidList {
public:
    MariadbGtidList() = default;

    // Comma-separated GTIDs in order ("0-1-5,0-2-9"); "" is empty. InvalidArgument on a
    // malformed or empty element or a repeated (domain, server) pair.
    static Result<MariadbGtidList> parse(std::string_view text);
    // Elements in stored order joined by ",".
    std::string toString() const;

    // Appends `gtid`, or replaces the element with the same (domain, server) pair and moves it
    // to the end, as MariaDB's binlog state does when it logs a GTID.
    void record(const MariadbGtid& gtid);
    // Per domain, the last element in list order.
    MariadbGtidPosition toPosition() const;

    bool isEmpty() const { return m_gtids.empty(); }
    const std::vector<MariadbGtid>& gtids() const { return m_gtids; }

    bool operator==(const MariadbGtidList&) const = default;

private:
    std::vector<MariadbGtid> m_gtids;
};

// The body of a GTID_LIST event (MariaDB type 163, reference §2.13) without the common header
// and checksum: 4 bytes little-endian (low 28 bits count, high 4 bits flags), then count x
// (4 domain, 4 server, 8 seq).
struct MariadbGtidListBody {
    MariadbGtidList list;
    std::uint8_t flags = 0;  // high 4 bits of the first word, 0..15

    bool operator==(const MariadbGtidListBody&) const = default;
};

// Decodes untrusted GTID_LIST bytes: the count is checked against the bytes present and
// repeated (domain, server) pairs are rejected (Corrupt). Bytes after the last element are
// ignored, as MariaDB's own reader does: MariaDB 10.5 and 10.11 write an empty list as 6 bytes
// (count 0 plus 2 zero bytes).
Result<MariadbGtidListBody> decodeMariadbGtidListBody(std::span<const std::uint8_t> body);
// REQUIRES: flags <= 15 and fewer than 2^28 elements.
std::vector<std::uint8_t> encodeMariadbGtidListBody(const MariadbGtidListBody& body);

}  // namespace ferry::model
