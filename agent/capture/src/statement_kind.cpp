// SPDX-License-Identifier: Apache-2.0
#include "statement_kind.h"

#include <cctype>
#include <string>

namespace ferry::capture::detail {

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool isWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Reads the statement word by word, skipping comments and version-comment markers.
class Words {
public:
    explicit Words(std::string_view text) : m_text(text) {}

    // The next keyword in upper case, or "" at the end or at a non-word character.
    std::string next() {
        skip();
        std::string word;
        while (m_pos < m_text.size() && isWordChar(m_text[m_pos])) {
            word.push_back(
                static_cast<char>(std::toupper(static_cast<unsigned char>(m_text[m_pos]))));
            ++m_pos;
        }
        return word;
    }

    // True when the rest (ignoring comments and the closing of a version comment) contains the
    // two keywords in a row, e.g. ONE PHASE.
    bool containsPair(std::string_view first, std::string_view second) {
        std::string previous;
        while (m_pos < m_text.size()) {
            std::string word = next();
            if (word.empty()) {
                if (m_pos < m_text.size()) {
                    ++m_pos;
                }
                continue;
            }
            if (previous == first && word == second) {
                return true;
            }
            previous = std::move(word);
        }
        return false;
    }

private:
    void skip() {
        while (m_pos < m_text.size()) {
            char c = m_text[m_pos];
            if (isSpace(c)) {
                ++m_pos;
            } else if (c == '#' || (c == '-' && m_text.substr(m_pos, 3) == "-- ")) {
                while (m_pos < m_text.size() && m_text[m_pos] != '\n') {
                    ++m_pos;
                }
            } else if (m_text.substr(m_pos, 3) == "/*!" || m_text.substr(m_pos, 3) == "/*M") {
                // Executable comment: its content is part of the statement.
                m_pos += 3;
                if (m_pos < m_text.size() && m_text[m_pos] == '!') {
                    ++m_pos;  // MariaDB's /*M!
                }
                while (m_pos < m_text.size() &&
                       std::isdigit(static_cast<unsigned char>(m_text[m_pos])) != 0) {
                    ++m_pos;
                }
            } else if (m_text.substr(m_pos, 2) == "/*") {
                auto end = m_text.find("*/", m_pos + 2);
                m_pos = end == std::string_view::npos ? m_text.size() : end + 2;
            } else if (m_text.substr(m_pos, 2) == "*/") {
                m_pos += 2;
            } else {
                return;
            }
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
};

}  // namespace

StatementKind classifyStatement(std::string_view query) {
    Words words(query);
    const std::string first = words.next();
    if (first == "BEGIN") {
        return StatementKind::Begin;
    }
    if (first == "START") {
        return words.next() == "TRANSACTION" ? StatementKind::Begin : StatementKind::Other;
    }
    if (first == "COMMIT") {
        return StatementKind::Commit;
    }
    if (first == "ROLLBACK") {
        std::string second = words.next();
        if (second == "WORK") {
            second = words.next();
        }
        return second == "TO" ? StatementKind::Savepoint : StatementKind::Rollback;
    }
    if (first == "SAVEPOINT") {
        return StatementKind::Savepoint;
    }
    if (first == "RELEASE") {
        return words.next() == "SAVEPOINT" ? StatementKind::Savepoint : StatementKind::Other;
    }
    if (first == "XA") {
        const std::string second = words.next();
        if (second == "START" || second == "BEGIN") {
            return StatementKind::Begin;
        }
        if (second == "END") {
            return StatementKind::XaEnd;
        }
        if (second == "PREPARE") {
            return StatementKind::XaPrepare;
        }
        if (second == "COMMIT") {
            return words.containsPair("ONE", "PHASE") ? StatementKind::Commit
                                                      : StatementKind::XaCommit;
        }
        if (second == "ROLLBACK") {
            return StatementKind::XaRollback;
        }
        return StatementKind::Other;
    }
    if (first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "REPLACE" ||
        first == "LOAD" || first == "WITH") {
        return StatementKind::Dml;
    }
    return StatementKind::Other;
}

}  // namespace ferry::capture::detail
