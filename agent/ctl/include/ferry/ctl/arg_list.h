// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::ctl {

// The options one command accepts: those taking a value (`--name VALUE` or `--name=VALUE`,
// repeatable) and switches (`--name`).
struct ArgSpec {
    std::set<std::string> values;
    std::set<std::string> switches;
};

// A command's arguments after `<noun> <verb>`, checked against an ArgSpec: positionals in order,
// options by name. `--` ends the options. Value type; not thread-safe.
class ArgList {
public:
    // Errors: InvalidArgument naming the unknown option or the missing value.
    static Result<ArgList> parse(const std::vector<std::string>& args, const ArgSpec& spec);

    bool has(const std::string& name) const;
    // The last value given for `name`.
    std::optional<std::string> value(const std::string& name) const;
    std::string valueOr(const std::string& name, const std::string& fallback) const;
    // Every value given for `name`, in order.
    std::vector<std::string> values(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return m_positionals; }

private:
    std::vector<std::string> m_positionals;
    std::map<std::string, std::vector<std::string>> m_options;
};

}  // namespace ferry::ctl
