// SPDX-License-Identifier: Apache-2.0
#include "ferry/server/authenticator.h"

#include <algorithm>

#include "ferry/wire/names.h"

namespace ferry::server {

namespace {

// Equal contents, in time that depends on the lengths only.
bool sameToken(const std::string& a, const std::string& b) {
    const std::size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
        const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
        diff = static_cast<unsigned char>(diff | (x ^ y));
    }
    return diff == 0;
}

}  // namespace

void TokenTable::add(std::string token, ferry::v1::Role role,
                     std::optional<ferry::v1::PeerKind> onlyPeerKind) {
    for (auto& entry : m_entries) {
        if (entry.token == token) {
            entry.role = role;
            entry.onlyPeerKind = onlyPeerKind;
            return;
        }
    }
    m_entries.push_back(Entry{std::move(token), role, onlyPeerKind});
}

Result<ferry::v1::Role> TokenTable::authenticate(const std::string& token,
                                                 const PeerClaim& peer) const {
    const Entry* found = nullptr;
    for (const auto& entry : m_entries) {
        if (sameToken(entry.token, token) && found == nullptr) {
            found = &entry;
        }
    }
    if (found == nullptr || found->role == ferry::v1::ROLE_UNSPECIFIED) {
        return makeError(ErrorCode::PermissionDenied,
                         "this agent does not accept this token (offered by " +
                             ferry::wire::peerKindName(peer.kind) + " '" + peer.identity + "')");
    }
    if (found->onlyPeerKind && *found->onlyPeerKind != peer.kind) {
        return makeError(ErrorCode::PermissionDenied,
                         "the bearer token of '" + peer.identity + "' is for " +
                             ferry::wire::peerKindName(*found->onlyPeerKind) + " peers, not " +
                             ferry::wire::peerKindName(peer.kind));
    }
    return found->role;
}

}  // namespace ferry::server
