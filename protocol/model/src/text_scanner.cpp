// SPDX-License-Identifier: Apache-2.0
#include "text_scanner.h"

#include <cstdio>

namespace ferry::model::detail {
namespace {

constexpr std::size_t kMaxQuotedText = 100;
constexpr std::size_t kExcerptLength = 16;

void appendEscaped(std::string& out, std::string_view text) {
    for (char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20 || u == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", u);
            out += buf;
        } else {
            out += c;
        }
    }
}

}  // namespace

std::string_view trimSpace(std::string_view text) {
    while (!text.empty() && isSpace(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && isSpace(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

Error TextScanner::errorAt(std::size_t offset, std::string_view problem) const {
    std::string message = "invalid ";
    message += m_kind;
    if (m_text.size() <= kMaxQuotedText) {
        message += " \"";
        appendEscaped(message, m_text);
        message += '"';
    }
    message += " at offset ";
    message += std::to_string(offset);
    if (offset >= m_text.size()) {
        message += " (end of text)";
    } else {
        message += " near \"";
        appendEscaped(message, m_text.substr(offset, kExcerptLength));
        if (m_text.size() - offset > kExcerptLength) {
            message += "...";
        }
        message += '"';
    }
    message += ": ";
    message += problem;
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

Result<std::uint64_t> TextScanner::readNumber(std::string_view what, std::uint64_t max) {
    const std::size_t start = m_pos;
    if (atEnd() || !isDigit(peek())) {
        std::string problem = "expected ";
        problem += what;
        problem += " (a decimal number)";
        return error(problem);
    }
    std::size_t end = start;
    while (end < m_text.size() && isDigit(m_text[end])) {
        ++end;
    }
    const std::string_view digits = m_text.substr(start, end - start);
    if (digits.size() > 1 && digits.front() == '0') {
        std::string problem = "leading zeros are not allowed in ";
        problem += what;
        problem += " '";
        problem += digits;
        problem += "'";
        return errorAt(start, problem);
    }
    std::uint64_t value = 0;
    bool overflow = false;
    for (char c : digits) {
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (max - digit) / 10) {
            overflow = true;
            break;
        }
        value = value * 10 + digit;
    }
    if (overflow) {
        std::string problem(what);
        problem += " ";
        problem += digits;
        problem += " is too large (maximum ";
        problem += std::to_string(max);
        problem += ")";
        return errorAt(start, problem);
    }
    m_pos = end;
    return value;
}

}  // namespace ferry::model::detail
