// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "ferry/v1/wire.pb.h"

namespace ferry::wire {

// Names for people and logs: "request", "hello_reply"; an unknown value prints as its number.
std::string frameKindName(int kind);
// Program names: "ferry-console", "ferryctl", "ferry-agent"; "an unspecified peer" for 0.
std::string peerKindName(int kind);
// "viewer", "operator", "admin".
std::string roleName(int role);

}  // namespace ferry::wire
