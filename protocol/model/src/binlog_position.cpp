// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/binlog_position.h"

#include <optional>

#include "text_scanner.h"

namespace ferry::model {
namespace {

constexpr std::string_view kKind = "binlog position";
// FN_REFLEN - 1: the longest file name a server accepts.
constexpr std::size_t kMaxFileNameLength = 511;

struct SplitName {
    std::string_view base;
    std::string_view index;  // the digits after the last '.', leading zeros stripped
};

std::optional<SplitName> splitFileName(std::string_view file) {
    const auto dot = file.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == file.size()) {
        return std::nullopt;
    }
    std::string_view digits = file.substr(dot + 1);
    for (char c : digits) {
        if (!detail::isDigit(c)) {
            return std::nullopt;
        }
    }
    while (digits.size() > 1 && digits.front() == '0') {
        digits.remove_prefix(1);
    }
    return SplitName{file.substr(0, dot), digits};
}

}  // namespace

Result<BinlogPosition> BinlogPosition::parse(std::string_view text) {
    // Offsets in messages refer to the text as given, so trim by moving the scanner instead.
    detail::TextScanner scan(kKind, text);
    scan.skipSpace();
    const std::size_t fileStart = scan.offset();
    const std::string_view trimmed = detail::trimSpace(text);
    if (trimmed.empty()) {
        return scan.error("expected <file>:<offset>, e.g. mysql-bin.000012:4567");
    }
    const auto colon = trimmed.rfind(':');
    if (colon == std::string_view::npos) {
        return scan.errorAt(fileStart + trimmed.size(),
                            "expected ':' and a byte offset after the file name, e.g. "
                            "mysql-bin.000012:4567");
    }
    const std::string_view file = trimmed.substr(0, colon);
    if (file.empty()) {
        return scan.errorAt(fileStart, "the binlog file name is empty");
    }
    if (file.size() > kMaxFileNameLength) {
        return scan.errorAt(fileStart, "the binlog file name is longer than 511 characters");
    }
    for (std::size_t i = 0; i < file.size(); ++i) {
        const char c = file[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == ':' || c == '/' || c == '\\' || u < 0x20 || u == 0x7f || detail::isSpace(c)) {
            return scan.errorAt(fileStart + i,
                                "a binlog file name is a base name without whitespace, control "
                                "characters, ':', '/' or '\\'");
        }
    }
    scan.advance(colon + 1);
    FERRY_ASSIGN_OR_RETURN(const std::uint64_t pos, scan.readNumber("byte offset", UINT64_MAX));
    if (scan.offset() != fileStart + trimmed.size()) {
        return scan.error("unexpected text after the byte offset");
    }
    if (pos < kFirstEventOffset) {
        return scan.errorAt(fileStart + colon + 1,
                            "byte offset " + std::to_string(pos) +
                                " is inside the file header; the first event is at offset 4");
    }
    return BinlogPosition{std::string(file), pos};
}

std::string BinlogPosition::toString() const {
    return file + ":" + std::to_string(pos);
}

Result<std::strong_ordering> compare(const BinlogPosition& a, const BinlogPosition& b) {
    if (a.file == b.file) {
        return a.pos <=> b.pos;
    }
    const auto splitA = splitFileName(a.file);
    const auto splitB = splitFileName(b.file);
    if (!splitA || !splitB) {
        return makeError(ErrorCode::InvalidArgument,
                         "cannot order binlog positions " + a.toString() + " and " + b.toString() +
                             ": '" + (splitA ? b.file : a.file) +
                             "' has no numeric suffix, so file order is unknown");
    }
    if (splitA->base != splitB->base) {
        return makeError(ErrorCode::InvalidArgument,
                         "cannot order binlog positions " + a.toString() + " and " + b.toString() +
                             ": they belong to different binlog series ('" +
                             std::string(splitA->base) + "' and '" + std::string(splitB->base) +
                             "'); compare positions of one server's binlog only");
    }
    // Numeric comparison of arbitrarily long digit strings without leading zeros.
    if (splitA->index.size() != splitB->index.size()) {
        return splitA->index.size() <=> splitB->index.size();
    }
    if (const int c = splitA->index.compare(splitB->index); c != 0) {
        return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    }
    return a.pos <=> b.pos;
}

}  // namespace ferry::model
