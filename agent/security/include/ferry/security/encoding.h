// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ferry::security {

// RFC 4648 base64 with padding ("standard") and base64url without padding ("url"). Decoders are
// strict: they refuse characters outside the alphabet, wrong padding and non-zero trailing bits,
// and return nullopt; they never read past the input.
std::string base64Encode(std::string_view bytes);
std::optional<std::string> base64Decode(std::string_view text);
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

// Lowercase hex.
std::string hexEncode(std::string_view bytes);
std::optional<std::string> hexDecode(std::string_view text);

// SHA-256 of `bytes`, 32 raw bytes.
std::string sha256(std::string_view bytes);

// `count` bytes from OpenSSL's CSPRNG; empty when it fails (callers report that).
std::string randomBytes(std::size_t count);

}  // namespace ferry::security
