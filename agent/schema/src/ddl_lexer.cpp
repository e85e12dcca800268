// SPDX-License-Identifier: Apache-2.0
#include "ddl_lexer.h"

#include <cctype>

namespace ferry::schema::detail {
namespace {

bool isNameChar(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '$' || u >= 0x80;
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

Error lexError(std::string_view what, std::size_t at) {
    return makeError(ErrorCode::InvalidArgument,
                     std::string(what) + " at offset " + std::to_string(at));
}

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view sql, bool mariadb) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    const std::size_t n = sql.size();
    bool inVersioned = false;
    while (i < n) {
        char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
            continue;
        }
        if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            bool code = false;
            std::size_t body = i + 2;
            if (body < n && sql[body] == '!') {
                code = true;
                ++body;
            } else if (body + 1 < n && sql[body] == 'M' && sql[body + 1] == '!') {
                code = mariadb;
                body += 2;
            }
            if (code) {
                while (body < n && isDigit(sql[body])) {
                    ++body;
                }
                if (inVersioned) {
                    return lexError("nested versioned comment", i);
                }
                inVersioned = true;
                i = body;
                continue;
            }
            std::size_t close = sql.find("*/", body);
            if (close == std::string_view::npos) {
                return lexError("unterminated comment", i);
            }
            i = close + 2;
            continue;
        }
        if (c == '*' && inVersioned && i + 1 < n && sql[i + 1] == '/') {
            inVersioned = false;
            i += 2;
            continue;
        }
        if (c == '#' || (c == '-' && i + 1 < n && sql[i + 1] == '-' &&
                         (i + 2 >= n || std::isspace(static_cast<unsigned char>(sql[i + 2])) ||
                          std::iscntrl(static_cast<unsigned char>(sql[i + 2]))))) {
            std::size_t eol = sql.find('\n', i);
            i = eol == std::string_view::npos ? n : eol + 1;
            continue;
        }
        Token token;
        token.begin = i;
        if (c == '`' || c == '\'' || c == '"') {
            char quote = c;
            std::string value;
            std::size_t j = i + 1;
            bool closed = false;
            while (j < n) {
                char d = sql[j];
                if (d == quote) {
                    if (j + 1 < n && sql[j + 1] == quote) {
                        value.push_back(quote);
                        j += 2;
                        continue;
                    }
                    closed = true;
                    ++j;
                    break;
                }
                if (d == '\\' && quote != '`' && j + 1 < n) {
                    char e = sql[j + 1];
                    switch (e) {
                        case 'n':
                            value.push_back('\n');
                            break;
                        case 't':
                            value.push_back('\t');
                            break;
                        case 'r':
                            value.push_back('\r');
                            break;
                        case '0':
                            value.push_back('\0');
                            break;
                        case 'b':
                            value.push_back('\b');
                            break;
                        case 'Z':
                            value.push_back('\x1a');
                            break;
                        default:
                            value.push_back(e);
                            break;
                    }
                    j += 2;
                    continue;
                }
                value.push_back(d);
                ++j;
            }
            if (!closed) {
                return lexError(quote == '`' ? "unterminated quoted name" : "unterminated string",
                                i);
            }
            token.kind = quote == '`' ? TokenKind::QuotedName : TokenKind::String;
            token.text = std::move(value);
            token.end = j;
            i = j;
        } else if (c == '@') {
            std::size_t j = i + 1;
            while (j < n && (isNameChar(sql[j]) || sql[j] == '@' || sql[j] == '.')) {
                ++j;
            }
            token.kind = TokenKind::Variable;
            token.text = std::string(sql.substr(i, j - i));
            token.end = j;
            i = j;
        } else if (isNameChar(c)) {
            std::size_t j = i;
            bool numeric = isDigit(c);
            while (j < n && isNameChar(sql[j])) {
                if (!isDigit(sql[j])) {
                    numeric = false;
                }
                ++j;
            }
            if (numeric && j < n && sql[j] == '.' && j + 1 < n && isDigit(sql[j + 1])) {
                ++j;
                while (j < n && isDigit(sql[j])) {
                    ++j;
                }
            }
            if (numeric && j < n && (sql[j] == 'e' || sql[j] == 'E')) {
                std::size_t k = j + 1;
                if (k < n && (sql[k] == '+' || sql[k] == '-')) {
                    ++k;
                }
                if (k < n && isDigit(sql[k])) {
                    j = k;
                    while (j < n && isDigit(sql[j])) {
                        ++j;
                    }
                }
            }
            token.kind = numeric ? TokenKind::Number : TokenKind::Word;
            token.text = std::string(sql.substr(i, j - i));
            token.end = j;
            i = j;
        } else if (c == '.' && i + 1 < n && isDigit(sql[i + 1]) &&
                   (tokens.empty() || tokens.back().kind == TokenKind::Punct)) {
            std::size_t j = i + 1;
            while (j < n && isDigit(sql[j])) {
                ++j;
            }
            token.kind = TokenKind::Number;
            token.text = std::string(sql.substr(i, j - i));
            token.end = j;
            i = j;
        } else {
            token.kind = TokenKind::Punct;
            token.text = std::string(1, c);
            token.end = i + 1;
            ++i;
        }
        tokens.push_back(std::move(token));
    }
    return tokens;
}

}  // namespace ferry::schema::detail
