// SPDX-License-Identifier: Apache-2.0
#include "ferry/compare/table_filter.h"

namespace ferry::compare {
namespace {

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace

bool globMatches(std::string_view glob, std::string_view text) {
    // Iterative matcher with one backtrack point (the last `*`): linear in practice.
    std::size_t g = 0;
    std::size_t t = 0;
    std::size_t star = std::string_view::npos;
    std::size_t resume = 0;
    while (t < text.size()) {
        if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
            ++g;
            ++t;
        } else if (g < glob.size() && glob[g] == '*') {
            star = g++;
            resume = t;
        } else if (star != std::string_view::npos) {
            g = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (g < glob.size() && glob[g] == '*') {
        ++g;
    }
    return g == glob.size();
}

Result<TableFilter> TableFilter::parse(std::string_view patterns) {
    TableFilter filter;
    filter.m_text = std::string(patterns);
    std::size_t start = 0;
    while (start <= patterns.size()) {
        std::size_t end = start;
        // A regex may contain commas: it runs to its closing slash.
        const std::string_view rest = trim(patterns.substr(start));
        if (!rest.empty() && rest.front() == '/') {
            const std::size_t open = patterns.find('/', start);
            const std::size_t close = patterns.find('/', open + 1);
            if (close == std::string_view::npos) {
                return makeError(ErrorCode::InvalidArgument,
                                 "table pattern '" + std::string(rest) +
                                     "' has no closing '/'; write a regex as /schema\\.table_.*/");
            }
            end = patterns.find(',', close);
        } else {
            end = patterns.find(',', start);
        }
        if (end == std::string_view::npos) {
            end = patterns.size();
        }
        const std::string_view item = trim(patterns.substr(start, end - start));
        start = end + 1;
        if (item.empty()) {
            continue;
        }
        Pattern pattern;
        if (item.front() == '/') {
            if (item.size() < 3 || item.back() != '/') {
                return makeError(ErrorCode::InvalidArgument,
                                 "table pattern '" + std::string(item) +
                                     "': a regex is written /expression/ with nothing after it");
            }
            pattern.isRegex = true;
            try {
                pattern.regex = std::regex(std::string(item.substr(1, item.size() - 2)),
                                           std::regex::ECMAScript);
            } catch (const std::regex_error& error) {
                return makeError(ErrorCode::InvalidArgument, "table pattern '" + std::string(item) +
                                                                 "' is not a valid regular "
                                                                 "expression: " +
                                                                 error.what());
            }
        } else {
            const std::size_t dot = item.find('.');
            if (dot == std::string_view::npos || dot == 0 || dot + 1 == item.size()) {
                return makeError(ErrorCode::InvalidArgument,
                                 "table pattern '" + std::string(item) +
                                     "' must be schema.table, schema.* or /regex/");
            }
            pattern.schemaGlob = std::string(item.substr(0, dot));
            pattern.tableGlob = std::string(item.substr(dot + 1));
        }
        filter.m_patterns.push_back(std::move(pattern));
    }
    if (filter.m_patterns.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "the table set is empty; give --tables 'schema.table,schema.*,/regex/'");
    }
    return filter;
}

bool TableFilter::matches(std::string_view schema, std::string_view table) const {
    for (const Pattern& pattern : m_patterns) {
        if (pattern.isRegex) {
            std::string full;
            full.reserve(schema.size() + table.size() + 1);
            full.append(schema).append(".").append(table);
            if (std::regex_match(full, pattern.regex)) {
                return true;
            }
        } else if (globMatches(pattern.schemaGlob, schema) &&
                   globMatches(pattern.tableGlob, table)) {
            return true;
        }
    }
    return false;
}

}  // namespace ferry::compare
