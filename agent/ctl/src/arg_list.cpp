// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/arg_list.h"

namespace ferry::ctl {

Result<ArgList> ArgList::parse(const std::vector<std::string>& args, const ArgSpec& spec) {
    ArgList list;
    bool optionsEnded = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (optionsEnded || arg.size() < 2 || arg.rfind("--", 0) != 0) {
            if (!optionsEnded && arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
                return makeError(ErrorCode::InvalidArgument,
                                 "unknown option '" + arg + "'; options are spelled --name");
            }
            list.m_positionals.push_back(arg);
            continue;
        }
        if (arg == "--") {
            optionsEnded = true;
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name.resize(eq);
        }
        if (spec.switches.count(name) != 0) {
            if (inlineValue) {
                return makeError(ErrorCode::InvalidArgument,
                                 "option --" + name + " takes no value");
            }
            list.m_options[name].emplace_back();
            continue;
        }
        if (spec.values.count(name) == 0) {
            return makeError(ErrorCode::InvalidArgument, "unknown option --" + name);
        }
        if (!inlineValue) {
            if (i + 1 >= args.size()) {
                return makeError(ErrorCode::InvalidArgument, "option --" + name + " needs a value");
            }
            inlineValue = args[++i];
        }
        list.m_options[name].push_back(*inlineValue);
    }
    return list;
}

bool ArgList::has(const std::string& name) const {
    return m_options.count(name) != 0;
}

std::optional<std::string> ArgList::value(const std::string& name) const {
    auto it = m_options.find(name);
    if (it == m_options.end() || it->second.empty()) {
        return std::nullopt;
    }
    return it->second.back();
}

std::string ArgList::valueOr(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

std::vector<std::string> ArgList::values(const std::string& name) const {
    auto it = m_options.find(name);
    return it == m_options.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace ferry::ctl
