// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/mariadb_gtid.h"

#include <algorithm>
#include <set>
#include <utility>

#include "byte_io.h"
#include "text_scanner.h"

namespace ferry::model {
namespace {

constexpr std::size_t kGtidListEntrySize = 16;
constexpr std::uint32_t kGtidListCountMask = 0x0fffffff;

// Reads "domain-server-seq" at the cursor.
Result<MariadbGtid> readGtid(detail::TextScanner& scan) {
    MariadbGtid gtid;
    FERRY_ASSIGN_OR_RETURN(const std::uint64_t domain, scan.readNumber("domain id", UINT32_MAX));
    if (!scan.peekIs('-')) {
        return scan.error("expected '-' after the domain id, as in 0-1-100");
    }
    scan.advance();
    FERRY_ASSIGN_OR_RETURN(const std::uint64_t server, scan.readNumber("server id", UINT32_MAX));
    if (!scan.peekIs('-')) {
        return scan.error("expected '-' after the server id, as in 0-1-100");
    }
    scan.advance();
    FERRY_ASSIGN_OR_RETURN(gtid.seqNo, scan.readNumber("sequence number", UINT64_MAX));
    gtid.domainId = static_cast<std::uint32_t>(domain);
    gtid.serverId = static_cast<std::uint32_t>(server);
    return gtid;
}

// Parses a comma-separated list of GTIDs, calling accept(gtid, offset) for each; accept returns
// an empty string to go on or a problem to report at the element's offset.
template <typename Accept>
Status parseList(std::string_view kind, std::string_view text, Accept&& accept) {
    detail::TextScanner scan(kind, text);
    scan.skipSpace();
    if (scan.atEnd()) {
        return okStatus();
    }
    while (true) {
        if (scan.peekIs(',')) {
            return scan.error("empty element; remove the extra ','");
        }
        const std::size_t start = scan.offset();
        FERRY_ASSIGN_OR_RETURN(const MariadbGtid gtid, readGtid(scan));
        if (std::string problem = accept(gtid); !problem.empty()) {
            return scan.errorAt(start, problem);
        }
        scan.skipSpace();
        if (scan.atEnd()) {
            return okStatus();
        }
        if (!scan.peekIs(',')) {
            return scan.error("expected ',' between GTIDs (or the end of the list)");
        }
        scan.advance();
        scan.skipSpace();
        if (scan.atEnd()) {
            return scan.error("expected a GTID after ','; remove the trailing ','");
        }
    }
}

std::string joinGtids(const auto& gtids) {
    std::string out;
    for (const MariadbGtid& gtid : gtids) {
        if (!out.empty()) {
            out += ',';
        }
        out += gtid.toString();
    }
    return out;
}

Error corrupt(std::size_t offset, const std::string& problem) {
    return makeError(ErrorCode::Corrupt, "corrupt MariaDB GTID_LIST body at byte " +
                                             std::to_string(offset) + ": " + problem);
}

}  // namespace

Result<MariadbGtid> MariadbGtid::parse(std::string_view text) {
    detail::TextScanner scan("MariaDB GTID", text);
    scan.skipSpace();
    FERRY_ASSIGN_OR_RETURN(const MariadbGtid gtid, readGtid(scan));
    scan.skipSpace();
    if (!scan.atEnd()) {
        return scan.error("unexpected text after the GTID (domain-server-seq)");
    }
    return gtid;
}

std::string MariadbGtid::toString() const {
    return std::to_string(domainId) + "-" + std::to_string(serverId) + "-" + std::to_string(seqNo);
}

Result<MariadbGtidPosition> MariadbGtidPosition::parse(std::string_view text) {
    MariadbGtidPosition position;
    auto accept = [&](const MariadbGtid& gtid) {
        auto [it, inserted] = position.m_byDomain.emplace(gtid.domainId, gtid);
        if (!inserted) {
            return "domain " + std::to_string(gtid.domainId) + " appears twice (" +
                   it->second.toString() + " and " + gtid.toString() +
                   "); a position holds one GTID per domain";
        }
        return std::string();
    };
    FERRY_TRY(parseList("MariaDB GTID position", text, accept));
    return position;
}

std::string MariadbGtidPosition::toString() const {
    std::vector<MariadbGtid> gtids;
    gtids.reserve(m_byDomain.size());
    for (const auto& entry : m_byDomain) {
        gtids.push_back(entry.second);
    }
    return joinGtids(gtids);
}

std::optional<MariadbGtid> MariadbGtidPosition::find(std::uint32_t domainId) const {
    const auto it = m_byDomain.find(domainId);
    if (it == m_byDomain.end()) {
        return std::nullopt;
    }
    return it->second;
}

bool MariadbGtidPosition::contains(const MariadbGtid& gtid) const {
    const auto it = m_byDomain.find(gtid.domainId);
    return it != m_byDomain.end() && it->second.seqNo >= gtid.seqNo;
}

bool MariadbGtidPosition::contains(const MariadbGtidPosition& other) const {
    return std::all_of(other.m_byDomain.begin(), other.m_byDomain.end(),
                       [this](const auto& entry) { return contains(entry.second); });
}

std::partial_ordering MariadbGtidPosition::compare(const MariadbGtidPosition& other) const {
    const bool thisCoversOther = contains(other);
    const bool otherCoversThis = other.contains(*this);
    if (thisCoversOther && otherCoversThis) {
        return std::partial_ordering::equivalent;
    }
    if (thisCoversOther) {
        return std::partial_ordering::greater;
    }
    if (otherCoversThis) {
        return std::partial_ordering::less;
    }
    return std::partial_ordering::unordered;
}

void MariadbGtidPosition::update(const MariadbGtid& gtid) {
    m_byDomain[gtid.domainId] = gtid;
}

void MariadbGtidPosition::unionWith(const MariadbGtidPosition& other) {
    for (const auto& [domain, gtid] : other.m_byDomain) {
        auto [it, inserted] = m_byDomain.emplace(domain, gtid);
        if (!inserted && gtid.seqNo > it->second.seqNo) {
            it->second = gtid;
        }
    }
}

Result<MariadbGtidList> MariadbGtidList::parse(std::string_view text) {
    MariadbGtidList list;
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    auto accept = [&](const MariadbGtid& gtid) {
        if (!seen.emplace(gtid.domainId, gtid.serverId).second) {
            return "domain " + std::to_string(gtid.domainId) + " and server " +
                   std::to_string(gtid.serverId) +
                   " appear twice; a GTID list holds one GTID per domain and server";
        }
        list.m_gtids.push_back(gtid);
        return std::string();
    };
    FERRY_TRY(parseList("MariaDB GTID list", text, accept));
    return list;
}

std::string MariadbGtidList::toString() const {
    return joinGtids(m_gtids);
}

void MariadbGtidList::record(const MariadbGtid& gtid) {
    std::erase_if(m_gtids, [&](const MariadbGtid& g) {
        return g.domainId == gtid.domainId && g.serverId == gtid.serverId;
    });
    m_gtids.push_back(gtid);
}

MariadbGtidPosition MariadbGtidList::toPosition() const {
    MariadbGtidPosition position;
    for (const MariadbGtid& gtid : m_gtids) {
        position.update(gtid);
    }
    return position;
}

Result<MariadbGtidListBody> decodeMariadbGtidListBody(std::span<const std::uint8_t> body) {
    detail::ByteReader in(body);
    std::uint32_t word = 0;
    if (!in.readU32(word)) {
        return corrupt(0, "need 4 bytes for the count and flags, have " +
                              std::to_string(body.size()) + " (truncated data)");
    }
    const std::uint32_t count = word & kGtidListCountMask;
    if (count > in.remaining() / kGtidListEntrySize) {
        return corrupt(0, "count " + std::to_string(count) + " needs " +
                              std::to_string(std::uint64_t{count} * kGtidListEntrySize) +
                              " bytes but only " + std::to_string(in.remaining()) + " are left");
    }
    MariadbGtidListBody out;
    out.flags = static_cast<std::uint8_t>(word >> 28);
    std::set<std::pair<std::uint32_t, std::uint32_t>> seen;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::size_t at = in.offset();
        MariadbGtid gtid;
        // The reads succeed: the length was checked against the count above.
        (void)in.readU32(gtid.domainId);
        (void)in.readU32(gtid.serverId);
        (void)in.readU64(gtid.seqNo);
        if (!seen.emplace(gtid.domainId, gtid.serverId).second) {
            return corrupt(at, "GTID #" + std::to_string(i + 1) + " (" + gtid.toString() +
                                   ") repeats a domain and server of an earlier GTID");
        }
        out.list.record(gtid);
    }
    return out;
}

std::vector<std::uint8_t> encodeMariadbGtidListBody(const MariadbGtidListBody& body) {
    std::vector<std::uint8_t> out;
    const auto& gtids = body.list.gtids();
    out.reserve(4 + gtids.size() * kGtidListEntrySize);
    const std::uint32_t word = (static_cast<std::uint32_t>(body.flags & 0x0f) << 28) |
                               (static_cast<std::uint32_t>(gtids.size()) & kGtidListCountMask);
    detail::putLe(out, word, 4);
    for (const MariadbGtid& gtid : gtids) {
        detail::putLe(out, gtid.domainId, 4);
        detail::putLe(out, gtid.serverId, 4);
        detail::putLe(out, gtid.seqNo, 8);
    }
    return out;
}

}  // namespace ferry::model
