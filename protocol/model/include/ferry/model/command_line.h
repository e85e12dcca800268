// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::model {

// One flag word of a command line, `--name=value` or `--name value` (CONVENTIONS.md), as the
// hand-written parsers of ferryctl and ferry-agent read them. Errors are InvalidArgument (exit
// code 2) and name the flag.
class FlagWord {
public:
    // Splits args[index] at its first '=' when it starts with "--". `index` moves on when
    // value() takes the next word.
    FlagWord(const std::vector<std::string>& args, std::size_t& index);

    const std::string& name() const { return m_name; }
    bool is(std::string_view flag) const { return m_name == flag; }
    bool hasInlineValue() const { return m_hasInlineValue; }
    // The inline value, else the next word; "NAME needs a value" at the end of the line.
    Result<std::string> value();
    // "NAME takes no value" when one was given inline.
    Status noValue() const;

private:
    const std::vector<std::string>& m_args;
    std::size_t& m_index;
    std::string m_name;
    std::string m_value;
    bool m_hasInlineValue = false;
};

// A whole decimal number (no sign, no spaces) that fits in T.
template <typename T>
bool parseNumber(std::string_view text, T& value) {
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace ferry::model
