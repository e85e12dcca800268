// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

#include "ferry/v1/wire.pb.h"

namespace ferry::security {

// "admin", "operator", "viewer"; "unspecified" for anything else.
std::string_view roleName(ferry::v1::Role role);
// The inverse of roleName for the three real roles; nullopt otherwise.
std::optional<ferry::v1::Role> parseRole(std::string_view name);

// True when `granted` allows what `required` allows (admin > operator > viewer).
bool roleAllows(ferry::v1::Role granted, ferry::v1::Role required);

}  // namespace ferry::security
