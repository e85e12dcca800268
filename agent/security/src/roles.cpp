// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/roles.h"

namespace ferry::security {

std::string_view roleName(ferry::v1::Role role) {
    switch (role) {
        case ferry::v1::ROLE_ADMIN:
            return "admin";
        case ferry::v1::ROLE_OPERATOR:
            return "operator";
        case ferry::v1::ROLE_VIEWER:
            return "viewer";
        default:
            return "unspecified";
    }
}

std::optional<ferry::v1::Role> parseRole(std::string_view name) {
    if (name == "admin") {
        return ferry::v1::ROLE_ADMIN;
    }
    if (name == "operator") {
        return ferry::v1::ROLE_OPERATOR;
    }
    if (name == "viewer") {
        return ferry::v1::ROLE_VIEWER;
    }
    return std::nullopt;
}

bool roleAllows(ferry::v1::Role granted, ferry::v1::Role required) {
    if (required == ferry::v1::ROLE_UNSPECIFIED || granted == ferry::v1::ROLE_UNSPECIFIED) {
        return false;
    }
    return int(granted) >= int(required);
}

}  // namespace ferry::security
