// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::schema::detail {

enum class TokenKind { Word, QuotedName, String, Number, Punct, Variable };

// One token of a DDL statement. `text` is the unquoted, unescaped value (a Word as written);
// [begin, end) is where it sits in the statement.
struct Token {
    TokenKind kind = TokenKind::Punct;
    std::string text;
    std::size_t begin = 0;
    std::size_t end = 0;
};

// Splits MySQL/MariaDB SQL into tokens. Comments are dropped; the bodies of versioned comments
// (/*!50100 ... */, and /*M!100100 ... */ when `mariadb`) are code. Fails with InvalidArgument on
// an unterminated string, quoted name or comment.
Result<std::vector<Token>> tokenize(std::string_view sql, bool mariadb);

}  // namespace ferry::schema::detail
