// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::compare {

// The table set of `ferryctl compare`: a comma-separated list of patterns, each one of
//   shop.orders          an exact schema.table name
//   shop.*, shop.ord_?   globs: `*` any run of characters, `?` one character, per part
//   /shop\.ord_[0-9]+/   a regular expression (ECMAScript) that must match all of `schema.table`
// A table belongs to the set when any pattern matches. Names compare case-sensitively, as table
// names do on Linux servers. Immutable after parse; thread-safe.
class TableFilter {
public:
    // Errors: InvalidArgument for an empty list, a pattern without `schema.`, or a bad regex.
    static Result<TableFilter> parse(std::string_view patterns);

    bool matches(std::string_view schema, std::string_view table) const;
    // The patterns as given, for messages.
    const std::string& text() const { return m_text; }

private:
    struct Pattern {
        bool isRegex = false;
        std::string schemaGlob;
        std::string tableGlob;
        std::regex regex;
    };

    std::string m_text;
    std::vector<Pattern> m_patterns;
};

// True when `text` matches `glob` entirely (`*` any run, `?` one byte, everything else itself).
bool globMatches(std::string_view glob, std::string_view text);

}  // namespace ferry::compare
