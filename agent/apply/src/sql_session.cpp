// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/sql_session.h"

namespace ferry::apply {

std::optional<std::size_t> SqlRows::column(std::string_view name) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columns[i] == name) {
            return i;
        }
    }
    return std::nullopt;
}

std::optional<std::string> SqlRows::firstValue(std::string_view name) const {
    const auto index = column(name);
    if (!index || rows.empty() || *index >= rows.front().size()) {
        return std::nullopt;
    }
    return rows.front()[*index];
}

SqlErrorKind classifySqlError(unsigned errorNumber) {
    switch (errorNumber) {
        case 0:
            return SqlErrorKind::None;
        case 1205:  // ER_LOCK_WAIT_TIMEOUT
        case 1213:  // ER_LOCK_DEADLOCK
            return SqlErrorKind::Transient;
        case 1053:  // ER_SERVER_SHUTDOWN
        case 1927:  // ER_CONNECTION_KILLED (MariaDB)
        case 2006:  // CR_SERVER_GONE_ERROR
        case 2013:  // CR_SERVER_LOST
        case 2055:  // CR_SERVER_LOST_EXTENDED
        case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
            return SqlErrorKind::ConnectionLost;
        default:
            return SqlErrorKind::Permanent;
    }
}

std::string quoteUtf8mb4(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + 2);
    out.push_back('\'');
    for (const char c : bytes) {
        switch (c) {
            case '\0':
                out += "\\0";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\'':
                out += "\\'";
                break;
            case '"':
                out += "\\\"";
                break;
            case '\x1a':
                out += "\\Z";
                break;
            default:
                out.push_back(c);
        }
    }
    out.push_back('\'');
    return out;
}

std::string quoteIdentifier(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 2);
    out.push_back('`');
    for (const char c : name) {
        if (c == '`') {
            out.push_back('`');
        }
        out.push_back(c);
    }
    out.push_back('`');
    return out;
}

}  // namespace ferry::apply
