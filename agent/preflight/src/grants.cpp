// SPDX-License-Identifier: Apache-2.0
#include "ferry/preflight/grants.h"

#include <algorithm>
#include <cctype>

namespace ferry::preflight {
namespace {

char upper(char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        if (upper(text[i]) != upper(prefix[i])) {
            return false;
        }
    }
    return true;
}

// Position of `keyword` (e.g. " ON ") in `text` outside quotes and parentheses, or npos.
std::size_t findTopLevel(std::string_view text, std::string_view keyword) {
    char quote = 0;
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quote != 0) {
            if (c == quote) {
                if (i + 1 < text.size() && text[i + 1] == quote) {
                    ++i;
                } else {
                    quote = 0;
                }
            } else if (c == '\\' && quote != '`') {
                ++i;
            }
            continue;
        }
        if (c == '`' || c == '\'' || c == '"') {
            quote = c;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            depth = std::max(0, depth - 1);
        } else if (depth == 0 && startsWithNoCase(text.substr(i), keyword)) {
            return i;
        }
    }
    return std::string_view::npos;
}

// Splits at commas outside quotes and parentheses.
std::vector<std::string_view> splitTopLevel(std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = findTopLevel(text.substr(start), ",");
        if (comma == std::string_view::npos) {
            parts.push_back(trim(text.substr(start)));
            return parts;
        }
        parts.push_back(trim(text.substr(start, comma)));
        start += comma + 1;
    }
}

std::string normalisePrivilege(std::string_view text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c))) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out.push_back(' ');
            space = false;
        }
        out.push_back(upper(c));
    }
    if (out == "ALL PRIVILEGES") {
        return "ALL";
    }
    if (out == "REPLICATION REPLICA") {
        return "REPLICATION SLAVE";
    }
    return out;
}

// Reads one identifier (`quoted`, 'quoted', "quoted", bare or `*`) from the front of `text`.
Result<std::string> readIdentifier(std::string_view& text, std::string_view line) {
    if (text.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "grant '" + std::string(line) + "': missing object name after ON");
    }
    const char first = text.front();
    std::string out;
    if (first == '`' || first == '\'' || first == '"') {
        std::size_t i = 1;
        for (; i < text.size(); ++i) {
            if (text[i] == first) {
                if (i + 1 < text.size() && text[i + 1] == first) {
                    out.push_back(first);
                    ++i;
                    continue;
                }
                break;
            }
            out.push_back(text[i]);
        }
        if (i >= text.size()) {
            return makeError(ErrorCode::InvalidArgument,
                             "grant '" + std::string(line) + "': unterminated quoted name");
        }
        text.remove_prefix(i + 1);
        return out;
    }
    std::size_t i = 0;
    while (i < text.size() && text[i] != '.' &&
           !std::isspace(static_cast<unsigned char>(text[i]))) {
        ++i;
    }
    out.assign(text.substr(0, i));
    text.remove_prefix(i);
    return out;
}

// Removes the backslash escapes of a grant's database name (literal in table-level grants).
std::string unescapeName(std::string_view pattern) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '\\' && i + 1 < pattern.size()) {
            ++i;
        }
        out.push_back(pattern[i]);
    }
    return out;
}

bool contains(const std::vector<std::string>& values, std::string_view value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

// ALL covers every privilege of its level except GRANT OPTION and PROXY.
bool covers(const Grant& grant, std::string_view privilege) {
    if (contains(grant.privileges, privilege)) {
        return true;
    }
    return contains(grant.privileges, "ALL") && privilege != "GRANT OPTION" && privilege != "PROXY";
}

}  // namespace

Result<Grant> parseGrantLine(std::string_view line) {
    std::string_view text = trim(line);
    if (!startsWithNoCase(text, "GRANT ")) {
        return makeError(ErrorCode::InvalidArgument,
                         "'" + std::string(line) + "' is not a GRANT statement");
    }
    text.remove_prefix(6);
    const std::size_t on = findTopLevel(text, " ON ");
    const std::size_t to = findTopLevel(text, " TO ");
    if (to == std::string_view::npos) {
        return makeError(ErrorCode::InvalidArgument,
                         "grant '" + std::string(line) + "' has no TO clause");
    }
    Grant grant;
    if (on == std::string_view::npos || on > to) {
        grant.level = GrantLevel::Role;
        for (std::string_view part : splitTopLevel(text.substr(0, to))) {
            std::string_view rest = part;
            FERRY_ASSIGN_OR_RETURN(std::string role, readIdentifier(rest, line));
            grant.roles.push_back(std::move(role));
        }
        return grant;
    }
    for (std::string_view part : splitTopLevel(text.substr(0, on))) {
        const std::size_t paren = part.find('(');
        if (paren != std::string_view::npos) {
            grant.columnPrivileges.push_back(normalisePrivilege(part.substr(0, paren)));
        } else if (!part.empty()) {
            grant.privileges.push_back(normalisePrivilege(part));
        }
    }
    if (findTopLevel(text.substr(to + 4), "WITH GRANT OPTION") != std::string_view::npos) {
        grant.privileges.emplace_back("GRANT OPTION");
    }
    if (!grant.privileges.empty() && grant.privileges.front() == "PROXY") {
        grant.level = GrantLevel::Proxy;
        return grant;
    }
    std::string_view object = trim(text.substr(on + 4, to - on - 4));
    if (startsWithNoCase(object, "TABLE ")) {
        object = trim(object.substr(6));
    } else if (startsWithNoCase(object, "FUNCTION ") || startsWithNoCase(object, "PROCEDURE ") ||
               startsWithNoCase(object, "PACKAGE ")) {
        grant.level = GrantLevel::Routine;
        return grant;
    }
    FERRY_ASSIGN_OR_RETURN(std::string first, readIdentifier(object, line));
    if (object.empty() || object.front() != '.') {
        return makeError(
            ErrorCode::InvalidArgument,
            "grant '" + std::string(line) + "': the object is not of the form db.* or db.table");
    }
    object.remove_prefix(1);
    FERRY_ASSIGN_OR_RETURN(std::string second, readIdentifier(object, line));
    if (first == "*" && second == "*") {
        grant.level = GrantLevel::Global;
    } else if (second == "*") {
        grant.level = GrantLevel::Database;
        grant.database = std::move(first);
    } else {
        grant.level = GrantLevel::Table;
        grant.database = std::move(first);
        grant.table = std::move(second);
    }
    return grant;
}

bool matchesGrantPattern(std::string_view pattern, std::string_view name) {
    // Iterative LIKE matching with backtracking to the last `%`.
    std::size_t p = 0;
    std::size_t n = 0;
    std::size_t starP = std::string_view::npos;
    std::size_t starN = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == '%') {
            starP = p++;
            starN = n;
            continue;
        }
        if (p < pattern.size()) {
            const bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
            const char want = escaped ? pattern[p + 1] : pattern[p];
            if ((!escaped && want == '_') || want == name[n]) {
                p += escaped ? 2 : 1;
                ++n;
                continue;
            }
        }
        if (starP == std::string_view::npos) {
            return false;
        }
        p = starP + 1;
        n = ++starN;
    }
    while (p < pattern.size() && pattern[p] == '%') {
        ++p;
    }
    return p == pattern.size();
}

GrantSet GrantSet::parse(const std::vector<std::string>& lines) {
    GrantSet set;
    for (const std::string& line : lines) {
        auto grant = parseGrantLine(line);
        if (!grant.ok()) {
            set.m_unparsed.push_back(line);
            continue;
        }
        if (grant->level == GrantLevel::Role) {
            set.m_roles.insert(set.m_roles.end(), grant->roles.begin(), grant->roles.end());
        }
        set.m_grants.push_back(std::move(*grant));
    }
    return set;
}

bool GrantSet::hasGlobal(std::string_view privilege) const {
    return std::any_of(m_grants.begin(), m_grants.end(), [&](const Grant& grant) {
        return grant.level == GrantLevel::Global && covers(grant, privilege);
    });
}

bool GrantSet::hasOnDatabase(std::string_view privilege, std::string_view database) const {
    return hasGlobal(privilege) ||
           std::any_of(m_grants.begin(), m_grants.end(), [&](const Grant& grant) {
               return grant.level == GrantLevel::Database && covers(grant, privilege) &&
                      matchesGrantPattern(grant.database, database);
           });
}

bool GrantSet::hasOnSomeTable(std::string_view privilege, std::string_view database) const {
    return std::any_of(m_grants.begin(), m_grants.end(), [&](const Grant& grant) {
        return grant.level == GrantLevel::Table && unescapeName(grant.database) == database &&
               (covers(grant, privilege) || contains(grant.columnPrivileges, privilege));
    });
}

std::string quoteAccount(std::string_view currentUser) {
    auto quote = [](std::string_view part) {
        std::string out = "'";
        for (char c : part) {
            if (c == '\'') {
                out.push_back('\'');
            }
            out.push_back(c);
        }
        out.push_back('\'');
        return out;
    };
    const std::size_t at = currentUser.rfind('@');
    if (at == std::string_view::npos) {
        return quote(currentUser);
    }
    return quote(currentUser.substr(0, at)) + "@" + quote(currentUser.substr(at + 1));
}

}  // namespace ferry::preflight
