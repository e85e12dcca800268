// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/mysql_gtid.h"

#include <algorithm>

#include "mysql_gtid_text.h"

namespace ferry::model {
namespace detail {
namespace {

int hexValue(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool isDashPosition(std::size_t i) {
    return i == 8 || i == 13 || i == 18 || i == 23;
}

constexpr std::string_view kUuidExample =
    "expected a UUID like 3e11fa47-71ca-11e1-9e33-c80aa9429562";

char toLower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::size_t scanUuid(std::string_view text, Uuid& out) {
    Uuid uuid;
    std::size_t byte = 0;
    int high = -1;
    for (std::size_t i = 0; i < kUuidTextLength; ++i) {
        if (i >= text.size()) {
            return i;
        }
        const char c = text[i];
        if (isDashPosition(i)) {
            if (c != '-') {
                return i;
            }
            continue;
        }
        const int v = hexValue(c);
        if (v < 0) {
            return i;
        }
        if (high < 0) {
            high = v;
        } else {
            uuid.bytes[byte++] = static_cast<std::uint8_t>((high << 4) | v);
            high = -1;
        }
    }
    out = uuid;
    return kUuidTextLength;
}

Result<Uuid> readUuid(TextScanner& scan) {
    Uuid uuid;
    const std::size_t matched = scanUuid(scan.rest(), uuid);
    if (matched != kUuidTextLength) {
        return scan.errorAt(scan.offset() + matched, kUuidExample);
    }
    scan.advance(kUuidTextLength);
    return uuid;
}

Result<std::string> readTag(TextScanner& scan) {
    const std::size_t start = scan.offset();
    std::string tag;
    while (!scan.atEnd() && isTagChar(scan.peek())) {
        tag += toLower(scan.peek());
        scan.advance();
    }
    if (tag.size() > kMaxGtidTagLength) {
        return scan.errorAt(start, "tag '" + tag + "' is longer than 32 characters");
    }
    return tag;
}

Result<std::uint64_t> readGno(TextScanner& scan) {
    const std::size_t start = scan.offset();
    FERRY_ASSIGN_OR_RETURN(const std::uint64_t gno, scan.readNumber("transaction number", kMaxGno));
    if (gno == 0) {
        return scan.errorAt(start, "transaction number 0 is not allowed; GTIDs start at 1");
    }
    return gno;
}

}  // namespace detail

Result<Uuid> Uuid::parse(std::string_view text) {
    detail::TextScanner scan("UUID", text);
    FERRY_ASSIGN_OR_RETURN(Uuid uuid, detail::readUuid(scan));
    if (!scan.atEnd()) {
        return scan.error("unexpected text after the UUID");
    }
    return uuid;
}

Uuid Uuid::fromBytes(std::span<const std::uint8_t, 16> raw) {
    Uuid uuid;
    std::copy_n(raw.begin(), uuid.bytes.size(), uuid.bytes.begin());
    return uuid;
}

std::string Uuid::toString() const {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(detail::kUuidTextLength);
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += kHex[bytes[i] >> 4];
        out += kHex[bytes[i] & 0x0f];
    }
    return out;
}

Result<std::string> normalizeGtidTag(std::string_view tag) {
    if (tag.empty()) {
        return std::string();
    }
    detail::TextScanner scan("GTID tag", tag);
    if (!detail::isTagStart(tag.front())) {
        return scan.error("a tag starts with a letter or '_'");
    }
    FERRY_ASSIGN_OR_RETURN(std::string normal, detail::readTag(scan));
    if (!scan.atEnd()) {
        return scan.error("a tag holds only letters, digits and '_'");
    }
    return normal;
}

Result<MysqlGtid> MysqlGtid::make(const Uuid& uuid, std::string_view tag, std::uint64_t gno) {
    FERRY_ASSIGN_OR_RETURN(std::string normalTag, normalizeGtidTag(tag));
    if (gno == 0 || gno > kMaxGno) {
        return makeError(ErrorCode::InvalidArgument,
                         "invalid MySQL GTID " + uuid.toString() + ":" +
                             (normalTag.empty() ? "" : normalTag + ":") + std::to_string(gno) +
                             ": the transaction number must be in 1.." + std::to_string(kMaxGno));
    }
    return MysqlGtid(Tsid{uuid, std::move(normalTag)}, gno);
}

Result<MysqlGtid> MysqlGtid::parse(std::string_view text) {
    detail::TextScanner scan("MySQL GTID", text);
    scan.skipSpace();
    FERRY_ASSIGN_OR_RETURN(Uuid uuid, detail::readUuid(scan));
    scan.skipSpace();
    if (!scan.peekIs(':')) {
        return scan.error("expected ':' after the UUID, as in uuid:23 or uuid:tag:23");
    }
    scan.advance();
    scan.skipSpace();
    std::string tag;
    if (!scan.atEnd() && detail::isTagStart(scan.peek())) {
        FERRY_ASSIGN_OR_RETURN(tag, detail::readTag(scan));
        scan.skipSpace();
        if (!scan.peekIs(':')) {
            return scan.error("expected ':' and a transaction number after the tag");
        }
        scan.advance();
        scan.skipSpace();
    }
    FERRY_ASSIGN_OR_RETURN(const std::uint64_t gno, detail::readGno(scan));
    scan.skipSpace();
    if (!scan.atEnd()) {
        return scan.error("unexpected text after the GTID (a single GTID has one number)");
    }
    return MysqlGtid(Tsid{uuid, std::move(tag)}, gno);
}

std::string MysqlGtid::toString() const {
    std::string out = m_tsid.uuid.toString();
    out += ':';
    if (!m_tsid.tag.empty()) {
        out += m_tsid.tag;
        out += ':';
    }
    out += std::to_string(m_gno);
    return out;
}

}  // namespace ferry::model
