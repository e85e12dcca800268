// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::model::detail {

inline bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
inline bool isAlpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

std::string_view trimSpace(std::string_view text);

// A cursor over text being parsed that builds uniform error messages:
//   invalid <kind> "<text>" at offset <n> near "<excerpt>": <problem>
// (the text is left out when long; control characters are escaped so messages stay one line).
// Does not own the text: REQUIRES the text outlives the scanner.
class TextScanner {
public:
    TextScanner(std::string_view kind, std::string_view text) : m_kind(kind), m_text(text) {}

    bool atEnd() const { return m_pos >= m_text.size(); }
    // REQUIRES: !atEnd().
    char peek() const { return m_text[m_pos]; }
    bool peekIs(char c) const { return !atEnd() && m_text[m_pos] == c; }
    std::size_t offset() const { return m_pos; }
    std::string_view rest() const { return m_text.substr(m_pos); }
    void advance(std::size_t n = 1) {
        m_pos = m_pos + n > m_text.size() ? m_text.size() : m_pos + n;
    }
    void skipSpace() {
        while (!atEnd() && isSpace(m_text[m_pos])) {
            ++m_pos;
        }
    }

    Error error(std::string_view problem) const { return errorAt(m_pos, problem); }
    Error errorAt(std::size_t offset, std::string_view problem) const;

    // Reads a decimal number at the cursor: digits only (no sign), no leading zeros, at most
    // `max`. `what` names the number in messages ("transaction number").
    Result<std::uint64_t> readNumber(std::string_view what, std::uint64_t max);

private:
    std::string_view m_kind;
    std::string_view m_text;
    std::size_t m_pos = 0;
};

}  // namespace ferry::model::detail
