// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/command_line.h"

namespace ferry::model {

FlagWord::FlagWord(const std::vector<std::string>& args, std::size_t& index)
    : m_args(args), m_index(index), m_name(args[index]) {
    if (m_name.rfind("--", 0) == 0) {
        if (const auto eq = m_name.find('='); eq != std::string::npos) {
            m_value = m_name.substr(eq + 1);
            m_name.resize(eq);
            m_hasInlineValue = true;
        }
    }
}

Result<std::string> FlagWord::value() {
    if (m_hasInlineValue) {
        return m_value;
    }
    if (m_index + 1 >= m_args.size()) {
        return makeError(ErrorCode::InvalidArgument, m_name + " needs a value");
    }
    return m_args[++m_index];
}

Status FlagWord::noValue() const {
    if (m_hasInlineValue) {
        return makeError(ErrorCode::InvalidArgument, m_name + " takes no value");
    }
    return okStatus();
}

}  // namespace ferry::model
