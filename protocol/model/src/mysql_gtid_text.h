// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ferry/model/mysql_gtid.h"
#include "ferry/model/result.h"
#include "text_scanner.h"

namespace ferry::model::detail {

inline constexpr std::size_t kUuidTextLength = 36;

// Matches a UUID at the start of `text`. Returns the number of characters that match the
// 36-character form; 36 means success and fills `out`.
std::size_t scanUuid(std::string_view text, Uuid& out);

inline bool isTagStart(char c) {
    return isAlpha(c) || c == '_';
}
inline bool isTagChar(char c) {
    return isAlpha(c) || isDigit(c) || c == '_';
}

// Reads a UUID at the cursor (InvalidArgument naming the first wrong character).
Result<Uuid> readUuid(TextScanner& scan);
// Reads a tag at the cursor. REQUIRES: the cursor is at a character for which isTagStart().
Result<std::string> readTag(TextScanner& scan);
// Reads a transaction number at the cursor: 1..kMaxGno.
Result<std::uint64_t> readGno(TextScanner& scan);

}  // namespace ferry::model::detail
