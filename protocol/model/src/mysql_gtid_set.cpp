// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/mysql_gtid_set.h"

#include <algorithm>

#include "byte_io.h"
#include "mysql_gtid_text.h"

namespace ferry::model {
namespace {

using IntervalList = MysqlGtidSet::IntervalList;

constexpr std::uint64_t kTaggedFormat = 1;

// Adds `iv` to a canonical list, keeping it canonical.
void mergeInto(IntervalList& list, GtidInterval iv) {
    if (list.empty() || iv.first > list.back().last + 1) {
        list.push_back(iv);
        return;
    }
    // The first interval that touches or follows iv.
    auto it = std::lower_bound(
        list.begin(), list.end(), iv,
        [](const GtidInterval& x, const GtidInterval& v) { return x.last + 1 < v.first; });
    auto jt = it;
    while (jt != list.end() && jt->first <= iv.last + 1) {
        iv.first = std::min(iv.first, jt->first);
        iv.last = std::max(iv.last, jt->last);
        ++jt;
    }
    it = list.erase(it, jt);
    list.insert(it, iv);
}

IntervalList unite(const IntervalList& a, const IntervalList& b) {
    IntervalList all;
    all.reserve(a.size() + b.size());
    std::merge(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(all),
               [](const GtidInterval& x, const GtidInterval& y) { return x.first < y.first; });
    IntervalList out;
    out.reserve(all.size());
    for (const GtidInterval& iv : all) {
        if (!out.empty() && iv.first <= out.back().last + 1) {
            out.back().last = std::max(out.back().last, iv.last);
        } else {
            out.push_back(iv);
        }
    }
    return out;
}

IntervalList difference(const IntervalList& a, const IntervalList& b) {
    IntervalList out;
    std::size_t j = 0;
    for (const GtidInterval& iv : a) {
        while (j < b.size() && b[j].last < iv.first) {
            ++j;
        }
        std::uint64_t cur = iv.first;
        for (std::size_t k = j; k < b.size() && b[k].first <= iv.last; ++k) {
            if (b[k].first > cur) {
                out.push_back({cur, b[k].first - 1});
            }
            if (b[k].last >= iv.last) {
                cur = iv.last + 1;
                break;
            }
            cur = std::max(cur, b[k].last + 1);
        }
        if (cur <= iv.last) {
            out.push_back({cur, iv.last});
        }
    }
    return out;
}

bool includes(const IntervalList& super, const IntervalList& sub) {
    std::size_t i = 0;
    for (const GtidInterval& iv : sub) {
        while (i < super.size() && super[i].last < iv.first) {
            ++i;
        }
        if (i == super.size() || super[i].first > iv.first || super[i].last < iv.last) {
            return false;
        }
    }
    return true;
}

Error corrupt(std::size_t offset, const std::string& problem) {
    return makeError(ErrorCode::Corrupt, "corrupt MySQL GTID set encoding at byte " +
                                             std::to_string(offset) + ": " + problem);
}

Error truncated(const detail::ByteReader& in, std::size_t need, const std::string& what) {
    return corrupt(in.offset(), "need " + std::to_string(need) + " bytes for " + what +
                                    " but only " + std::to_string(in.remaining()) +
                                    " are left (truncated data)");
}

}  // namespace

Result<MysqlGtidSet> MysqlGtidSet::parse(std::string_view text) {
    detail::TextScanner scan("MySQL GTID set", text);
    MysqlGtidSet set;
    scan.skipSpace();
    if (scan.atEnd()) {
        return set;
    }
    while (true) {
        FERRY_ASSIGN_OR_RETURN(const Uuid uuid, detail::readUuid(scan));
        scan.skipSpace();
        if (!scan.peekIs(':')) {
            return scan.error("expected ':' and a transaction number or tag after the UUID");
        }
        Tsid tsid{uuid, ""};
        bool groupHasInterval = false;
        while (scan.peekIs(':')) {
            scan.advance();
            scan.skipSpace();
            if (scan.atEnd() ||
                (!detail::isDigit(scan.peek()) && !detail::isTagStart(scan.peek()))) {
                return scan.error("expected a transaction number or a tag after ':'");
            }
            if (detail::isTagStart(scan.peek())) {
                const std::size_t tagStart = scan.offset();
                if (!groupHasInterval && !tsid.tag.empty()) {
                    return scan.errorAt(tagStart, "tag '" + tsid.tag +
                                                      "' is not followed by any transaction "
                                                      "number");
                }
                FERRY_ASSIGN_OR_RETURN(tsid.tag, detail::readTag(scan));
                groupHasInterval = false;
            } else {
                const std::size_t start = scan.offset();
                FERRY_ASSIGN_OR_RETURN(const std::uint64_t first, detail::readGno(scan));
                std::uint64_t last = first;
                scan.skipSpace();
                if (scan.peekIs('-')) {
                    scan.advance();
                    scan.skipSpace();
                    FERRY_ASSIGN_OR_RETURN(last, detail::readGno(scan));
                    if (last < first) {
                        return scan.errorAt(start, "reversed interval " + std::to_string(first) +
                                                       "-" + std::to_string(last) +
                                                       "; write the smaller number first");
                    }
                }
                mergeInto(set.m_entries[tsid], {first, last});
                groupHasInterval = true;
            }
            scan.skipSpace();
        }
        if (!groupHasInterval) {
            return scan.error(tsid.tag.empty()
                                  ? std::string("expected ':' and a transaction number")
                                  : "tag '" + tsid.tag +
                                        "' is not followed by any transaction "
                                        "number");
        }
        if (scan.atEnd()) {
            return set;
        }
        if (scan.peek() != ',') {
            return scan.error("expected ',' or ':' (or the end of the set)");
        }
        scan.advance();
        scan.skipSpace();
        if (scan.atEnd()) {
            return scan.error("expected a UUID after ','; remove the trailing ','");
        }
        if (scan.peek() == ',') {
            return scan.error("empty element between ','; remove the extra ','");
        }
    }
}

std::string MysqlGtidSet::format(std::string_view separator) const {
    std::string out;
    const Uuid* previous = nullptr;
    for (const auto& [tsid, intervals] : m_entries) {
        if (previous == nullptr || *previous != tsid.uuid) {
            if (previous != nullptr) {
                out += separator;
            }
            out += tsid.uuid.toString();
            previous = &tsid.uuid;
        }
        if (!tsid.tag.empty()) {
            out += ':';
            out += tsid.tag;
        }
        for (const GtidInterval& iv : intervals) {
            out += ':';
            out += std::to_string(iv.first);
            if (iv.last != iv.first) {
                out += '-';
                out += std::to_string(iv.last);
            }
        }
    }
    return out;
}

std::string MysqlGtidSet::toString() const {
    return format(",\n");
}

std::string MysqlGtidSet::toSingleLineString() const {
    return format(",");
}

bool MysqlGtidSet::contains(const MysqlGtid& gtid) const {
    const auto found = m_entries.find(gtid.tsid());
    if (found == m_entries.end()) {
        return false;
    }
    const IntervalList& list = found->second;
    auto it =
        std::upper_bound(list.begin(), list.end(), gtid.gno(),
                         [](std::uint64_t gno, const GtidInterval& iv) { return gno < iv.first; });
    return it != list.begin() && std::prev(it)->last >= gtid.gno();
}

bool MysqlGtidSet::contains(const MysqlGtidSet& other) const {
    for (const auto& [tsid, intervals] : other.m_entries) {
        const auto found = m_entries.find(tsid);
        if (found == m_entries.end() || !includes(found->second, intervals)) {
            return false;
        }
    }
    return true;
}

void MysqlGtidSet::add(const MysqlGtid& gtid) {
    mergeInto(m_entries[gtid.tsid()], {gtid.gno(), gtid.gno()});
}

Status MysqlGtidSet::addInterval(const Tsid& tsid, GtidInterval interval) {
    if (interval.first == 0 || interval.first > interval.last || interval.last > kMaxGno) {
        return makeError(
            ErrorCode::InvalidArgument,
            "invalid GTID interval " + std::to_string(interval.first) + "-" +
                std::to_string(interval.last) + " for " + tsid.uuid.toString() +
                ": intervals must satisfy 1 <= first <= last <= " + std::to_string(kMaxGno));
    }
    FERRY_ASSIGN_OR_RETURN(const std::string normalTag, normalizeGtidTag(tsid.tag));
    if (normalTag != tsid.tag) {
        return makeError(ErrorCode::InvalidArgument, "GTID tag '" + tsid.tag +
                                                         "' is not in normal form; use '" +
                                                         normalTag + "' (see normalizeGtidTag)");
    }
    mergeInto(m_entries[tsid], interval);
    return okStatus();
}

void MysqlGtidSet::unionWith(const MysqlGtidSet& other) {
    for (const auto& [tsid, intervals] : other.m_entries) {
        auto [it, inserted] = m_entries.try_emplace(tsid, intervals);
        if (!inserted) {
            it->second = unite(it->second, intervals);
        }
    }
}

MysqlGtidSet MysqlGtidSet::subtract(const MysqlGtidSet& other) const {
    MysqlGtidSet result;
    for (const auto& [tsid, intervals] : m_entries) {
        const auto found = other.m_entries.find(tsid);
        if (found == other.m_entries.end()) {
            result.m_entries.emplace(tsid, intervals);
            continue;
        }
        IntervalList left = difference(intervals, found->second);
        if (!left.empty()) {
            result.m_entries.emplace(tsid, std::move(left));
        }
    }
    return result;
}

std::vector<std::uint8_t> MysqlGtidSet::encode() const {
    const bool tagged = std::any_of(m_entries.begin(), m_entries.end(),
                                    [](const auto& entry) { return !entry.first.tag.empty(); });
    std::vector<std::uint8_t> out;
    const std::uint64_t count = m_entries.size();
    detail::putLe(out, tagged ? (kTaggedFormat << 56) | (count << 8) | kTaggedFormat : count, 8);
    for (const auto& [tsid, intervals] : m_entries) {
        out.insert(out.end(), tsid.uuid.bytes.begin(), tsid.uuid.bytes.end());
        if (tagged) {
            // A one-byte varlen length (len << 1); tags are at most 32 bytes.
            out.push_back(static_cast<std::uint8_t>(tsid.tag.size() << 1));
            out.insert(out.end(), tsid.tag.begin(), tsid.tag.end());
        }
        detail::putLe(out, intervals.size(), 8);
        for (const GtidInterval& iv : intervals) {
            detail::putLe(out, iv.first, 8);
            detail::putLe(out, iv.last + 1, 8);
        }
    }
    return out;
}

Result<MysqlGtidSet> MysqlGtidSet::decode(std::span<const std::uint8_t> bytes) {
    detail::ByteReader in(bytes);
    std::uint64_t countWord = 0;
    if (!in.readU64(countWord)) {
        return truncated(in, 8, "the SID count");
    }
    const auto formatByte = static_cast<std::uint8_t>(countWord >> 56);
    bool tagged = false;
    std::uint64_t sidCount = 0;
    if (formatByte == 0) {
        sidCount = countWord;
    } else if (formatByte == kTaggedFormat) {
        if ((countWord & 0xff) != kTaggedFormat) {
            return corrupt(0, "tagged format marker in byte 7 but byte 0 is " +
                                  std::to_string(countWord & 0xff) + " instead of 1");
        }
        tagged = true;
        sidCount = (countWord >> 8) & 0xffffffffffffULL;
    } else {
        return corrupt(7, "unknown GTID set format " + std::to_string(formatByte) +
                              " (known: 0 untagged, 1 tagged)");
    }
    MysqlGtidSet set;
    for (std::uint64_t sid = 0; sid < sidCount; ++sid) {
        const std::string which =
            "SID #" + std::to_string(sid + 1) + " of " + std::to_string(sidCount);
        std::span<const std::uint8_t> raw;
        if (!in.readBytes(16, raw)) {
            return truncated(in, 16, "the UUID of " + which);
        }
        Tsid tsid{Uuid::fromBytes(raw.first<16>()), ""};
        if (tagged) {
            const std::size_t tagOffset = in.offset();
            std::uint8_t lengthByte = 0;
            if (!in.readU8(lengthByte)) {
                return truncated(in, 1, "the tag length of " + which);
            }
            const std::size_t length = lengthByte >> 1;
            if ((lengthByte & 1) != 0 || length > kMaxGtidTagLength) {
                return corrupt(tagOffset, "tag length of " + which +
                                              " is over 32 bytes (length byte " +
                                              std::to_string(lengthByte) + ")");
            }
            std::span<const std::uint8_t> tagBytes;
            if (!in.readBytes(length, tagBytes)) {
                return truncated(in, length, "the tag of " + which);
            }
            const std::string tagText(tagBytes.begin(), tagBytes.end());
            auto normal = normalizeGtidTag(tagText);
            if (!normal.ok()) {
                return corrupt(tagOffset + 1,
                               "bad tag of " + which + ": " + normal.error().message);
            }
            tsid.tag = std::move(normal).value();
        }
        std::uint64_t intervalCount = 0;
        if (!in.readU64(intervalCount)) {
            return truncated(in, 8, "the interval count of " + which);
        }
        if (intervalCount > in.remaining() / 16) {
            return corrupt(
                in.offset() - 8,
                "interval count " + std::to_string(intervalCount) + " of " + which + " needs " +
                    (intervalCount > UINT64_MAX / 16 ? std::string("more")
                                                     : std::to_string(intervalCount * 16)) +
                    " bytes but only " + std::to_string(in.remaining()) + " are left");
        }
        if (intervalCount == 0) {
            continue;
        }
        IntervalList intervals;
        intervals.reserve(intervalCount);
        std::uint64_t previousEnd = 0;
        for (std::uint64_t i = 0; i < intervalCount; ++i) {
            const std::size_t at = in.offset();
            std::uint64_t start = 0;
            std::uint64_t end = 0;
            // Both reads succeed: the count was checked against the bytes left.
            (void)in.readU64(start);
            (void)in.readU64(end);
            const std::string name = "interval #" + std::to_string(i + 1) + " [" +
                                     std::to_string(start) + ", " + std::to_string(end) + ") of " +
                                     which;
            if (start == 0) {
                return corrupt(at, name + " starts at 0; transaction numbers start at 1");
            }
            if (end <= start) {
                return corrupt(at, name + " is empty or reversed (end must be > start)");
            }
            if (end > kMaxGno + 1) {
                return corrupt(at, name + " ends past the largest transaction number");
            }
            if (start <= previousEnd) {
                return corrupt(at, name +
                                       " overlaps or touches the previous interval "
                                       "(intervals must be increasing)");
            }
            previousEnd = end;
            intervals.push_back({start, end - 1});
        }
        auto [it, inserted] = set.m_entries.try_emplace(tsid, intervals);
        if (!inserted) {
            it->second = unite(it->second, intervals);
        }
    }
    if (in.remaining() != 0) {
        return corrupt(in.offset(), std::to_string(in.remaining()) +
                                        " bytes left after the last SID; the length does not "
                                        "match the SID count");
    }
    return set;
}

}  // namespace ferry::model
