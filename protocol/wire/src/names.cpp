// SPDX-License-Identifier: Apache-2.0
#include "ferry/wire/names.h"

#include <cctype>
#include <string_view>

namespace ferry::wire {

namespace {

// "FRAME_KIND_HELLO_REPLY" with prefix "FRAME_KIND_" -> "hello_reply".
std::string lowerWithoutPrefix(const std::string& name, std::string_view prefix) {
    std::string_view rest(name);
    if (rest.substr(0, prefix.size()) == prefix) {
        rest.remove_prefix(prefix.size());
    }
    std::string out;
    out.reserve(rest.size());
    for (char c : rest) {
        out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    return out;
}

}  // namespace

std::string frameKindName(int kind) {
    if (!ferry::v1::FrameKind_IsValid(kind)) {
        return "unknown kind " + std::to_string(kind);
    }
    return lowerWithoutPrefix(ferry::v1::FrameKind_Name(static_cast<ferry::v1::FrameKind>(kind)),
                              "FRAME_KIND_");
}

std::string peerKindName(int kind) {
    switch (kind) {
        case ferry::v1::PEER_KIND_CONSOLE:
            return "ferry-console";
        case ferry::v1::PEER_KIND_FERRYCTL:
            return "ferryctl";
        case ferry::v1::PEER_KIND_AGENT:
            return "ferry-agent";
        case ferry::v1::PEER_KIND_UNSPECIFIED:
            return "an unspecified peer";
        default:
            return "an unknown peer kind " + std::to_string(kind);
    }
}

std::string roleName(int role) {
    if (!ferry::v1::Role_IsValid(role)) {
        return "unknown role " + std::to_string(role);
    }
    return lowerWithoutPrefix(ferry::v1::Role_Name(static_cast<ferry::v1::Role>(role)), "ROLE_");
}

}  // namespace ferry::wire
