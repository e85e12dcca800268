// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/security/secret_string.h"
#include "ferry/v1/wire.pb.h"

namespace ferry::security {

// Whom a bearer token stands for.
struct TokenIdentity {
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
    std::string name;
};

// One line of a tokens file.
struct TokenEntry {
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;
    std::array<std::uint8_t, 32> hash{};  // SHA-256 of the whole token text
    std::string name;
};

// The agent's bearer tokens ([auth] tokens_file). The file holds no tokens, only their SHA-256
// hashes, one per line:
//     <role> <sha256 hex of the token> <name>
// role is admin, operator or viewer; name is 1..64 of [A-Za-z0-9._@-]; '#' starts a comment
// line; blank lines are ignored. A name may appear on several lines (a new token next to the old
// one while clients switch over). Tokens are "ferry_" + base64url of 32 random bytes.
// Immutable after loading: authenticate() is thread-safe. Reloading means loading a new store.
class TokenStore {
public:
    TokenStore() = default;
    explicit TokenStore(std::vector<TokenEntry> entries) : m_entries(std::move(entries)) {}

    // Parses a tokens file's text; `origin` names it in messages ("/etc/ferry/tokens:3: ...").
    // Errors: InvalidArgument naming the line.
    static Result<TokenStore> parse(std::string_view text, std::string_view origin);
    // Loads and parses a tokens file, refusing one writable by group or others.
    static Result<TokenStore> load(const std::string& path);

    // The identity of `token`, or nullopt. Hashes the token and compares it with every entry in
    // constant time (CRYPTO_memcmp, no early exit), so timing reveals neither the hash nor which
    // entry matched.
    std::optional<TokenIdentity> authenticate(std::string_view token) const;

    const std::vector<TokenEntry>& entries() const { return m_entries; }
    std::size_t size() const { return m_entries.size(); }

private:
    std::vector<TokenEntry> m_entries;
};

// A new token: "ferry_" + base64url (no padding) of 32 random bytes. Errors: Internal.
Result<SecretString> generateToken();

// SHA-256 of the token text.
std::array<std::uint8_t, 32> hashToken(std::string_view token);

// Whether `name` may name a token's owner: 1..64 of [A-Za-z0-9._@-].
bool validTokenName(std::string_view name);

// The tokens-file line for an entry, without the newline.
std::string formatTokenEntry(const TokenEntry& entry);

// Appends the entry for `token` to the tokens file at `path`, creating it with mode 0600 when it
// does not exist. Refuses an existing file that is writable by group or others, or that does not
// parse (the new line would hide among broken ones). Errors: InvalidArgument, PermissionDenied, Io.
Status appendToken(const std::string& path, ferry::v1::Role role, std::string_view name,
                   std::string_view token);

}  // namespace ferry::security
