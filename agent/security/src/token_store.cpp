// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/token_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>

#include "ferry/security/encoding.h"
#include "ferry/security/files.h"
#include "ferry/security/roles.h"

namespace ferry::security {
namespace {

constexpr std::string_view kTokenPrefix = "ferry_";
constexpr std::size_t kTokenRandomBytes = 32;

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

// Splits on runs of spaces or tabs.
std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.push_back(line.substr(start, i - start));
        }
    }
    return out;
}

}  // namespace

bool validTokenName(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::array<std::uint8_t, 32> hashToken(std::string_view token) {
    std::array<std::uint8_t, 32> out{};
    const std::string digest = sha256(token);
    std::memcpy(out.data(), digest.data(), out.size());
    return out;
}

Result<SecretString> generateToken() {
    std::string bytes = randomBytes(kTokenRandomBytes);
    if (bytes.size() != kTokenRandomBytes) {
        return makeError(ErrorCode::Internal, "the random number generator failed");
    }
    SecretString token(std::string(kTokenPrefix) + base64UrlEncode(bytes));
    wipeString(bytes);
    return token;
}

std::string formatTokenEntry(const TokenEntry& entry) {
    return std::string(roleName(entry.role)) + " " +
           hexEncode(std::string_view(reinterpret_cast<const char*>(entry.hash.data()),
                                      entry.hash.size())) +
           " " + entry.name;
}

Result<TokenStore> TokenStore::parse(std::string_view text, std::string_view origin) {
    std::vector<TokenEntry> entries;
    std::size_t lineNumber = 0;
    while (!text.empty()) {
        ++lineNumber;
        const std::size_t end = text.find('\n');
        std::string_view line = text.substr(0, end);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        line = trim(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::string where = std::string(origin) + ":" + std::to_string(lineNumber) + ": ";
        const std::vector<std::string_view> parts = fields(line);
        if (parts.size() != 3) {
            return makeError(ErrorCode::InvalidArgument,
                             where + "expected '<role> <sha256 hex> <name>', found " +
                                 std::to_string(parts.size()) + " fields");
        }
        const auto role = parseRole(parts[0]);
        if (!role) {
            return makeError(
                ErrorCode::InvalidArgument,
                where + "unknown role '" + std::string(parts[0]) + "' (admin, operator or viewer)");
        }
        const auto hash = hexDecode(parts[1]);
        if (!hash || hash->size() != 32) {
            return makeError(ErrorCode::InvalidArgument,
                             where +
                                 "the second field must be 64 hex digits (the SHA-256 of the "
                                 "token), not a token; make entries with 'ferryctl cert "
                                 "token'");
        }
        if (!validTokenName(parts[2])) {
            return makeError(ErrorCode::InvalidArgument,
                             where + "name '" + std::string(parts[2]) +
                                 "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
        }
        TokenEntry entry;
        entry.role = *role;
        std::memcpy(entry.hash.data(), hash->data(), entry.hash.size());
        entry.name = std::string(parts[2]);
        entries.push_back(std::move(entry));
    }
    return TokenStore(std::move(entries));
}

Result<TokenStore> TokenStore::load(const std::string& path) {
    FERRY_ASSIGN_OR_RETURN(SecretString content,
                           readPrivateFile(path, "tokens file", FileAccess::NoForeignWrite));
    return parse(content.view(), path);
}

std::optional<TokenIdentity> TokenStore::authenticate(std::string_view token) const {
    const std::array<std::uint8_t, 32> hash = hashToken(token);
    const TokenEntry* match = nullptr;
    for (const TokenEntry& entry : m_entries) {
        const bool same = CRYPTO_memcmp(entry.hash.data(), hash.data(), hash.size()) == 0;
        // Every entry is compared, whatever matched before.
        if (same && match == nullptr) {
            match = &entry;
        }
    }
    if (match == nullptr) {
        return std::nullopt;
    }
    return TokenIdentity{match->role, match->name};
}

Status appendToken(const std::string& path, ferry::v1::Role role, std::string_view name,
                   std::string_view token) {
    if (!parseRole(roleName(role))) {
        return makeError(ErrorCode::InvalidArgument,
                         "a token needs the role admin, operator or viewer");
    }
    if (!validTokenName(name)) {
        return makeError(ErrorCode::InvalidArgument, "token name '" + std::string(name) +
                                                         "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return makeError(ErrorCode::Io,
                         "cannot open tokens file " + path + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        return makeError(ErrorCode::Io,
                         "cannot stat tokens file " + path + ": " + std::strerror(error));
    }
    if (info.st_size == 0) {
        ::fchmod(fd, 0600);  // a file we just made: not widened by the umask
    }
    ::close(fd);
    // Check the existing content before adding to it.
    FERRY_ASSIGN_OR_RETURN(SecretString content,
                           readPrivateFile(path, "tokens file", FileAccess::NoForeignWrite));
    FERRY_TRY(TokenStore::parse(content.view(), path));

    TokenEntry entry;
    entry.role = role;
    entry.hash = hashToken(token);
    entry.name = std::string(name);
    std::string line = formatTokenEntry(entry) + "\n";
    // A file whose last line has no newline would glue the new entry to it.
    if (!content.empty() && content.str().back() != '\n') {
        line.insert(line.begin(), '\n');
    }
    const int out = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (out < 0) {
        return makeError(ErrorCode::Io,
                         "cannot open tokens file " + path + ": " + std::strerror(errno));
    }
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = ::write(out, line.data() + written, line.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            ::close(out);
            return makeError(ErrorCode::Io,
                             "cannot write tokens file " + path + ": " + std::strerror(error));
        }
        written += std::size_t(n);
    }
    const bool synced = ::fsync(out) == 0;
    ::close(out);
    if (!synced) {
        return makeError(ErrorCode::Io, "cannot sync tokens file " + path);
    }
    return okStatus();
}

}  // namespace ferry::security
