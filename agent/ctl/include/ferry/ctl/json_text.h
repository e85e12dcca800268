// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// Small, fast JSON text helpers for `ferryctl binlog dump`. Configuration export and import use
// protobuf's JSON mapping; the dump is a hot path (one object per row change, values up to the
// largest BLOB) and writes its few fixed shapes directly into one reused std::string instead.
// Pure functions, thread-safe; nothing is allocated except in the caller's `out`.
namespace ferry::ctl {

// Appends `text` as a JSON string literal: `"`, `\` and the control characters U+0000..U+001F are
// escaped (\b \f \n \r \t, others \u00XX), and every byte that is not part of a well-formed UTF-8
// sequence (stray continuation bytes, overlong forms, surrogates, code points above U+10FFFF,
// truncated sequences) becomes \ufffd, so the output is always valid JSON in valid UTF-8.
void appendJsonString(std::string_view text, std::string& out);

// True when `text` is well-formed UTF-8 (the same rules appendJsonString applies).
bool isValidUtf8(std::string_view text);

// Appends standard base64 (RFC 4648, with '=' padding).
void appendBase64(std::span<const std::uint8_t> bytes, std::string& out);

// Appends MySQL latin1 (which is Windows-1252, with the five code points 1252 leaves undefined
// mapped to the C1 controls of the same value) converted to UTF-8.
void appendLatin1AsUtf8(std::string_view latin1, std::string& out);

// Integers: a JSON number when |value| <= 2^53 - 1 (exact in every JSON reader), else a JSON
// string holding the decimal digits.
inline constexpr std::uint64_t kMaxJsonSafeInteger = (std::uint64_t{1} << 53) - 1;
void appendJsonInteger(std::int64_t value, std::string& out);
void appendJsonUnsigned(std::uint64_t value, std::string& out);

}  // namespace ferry::ctl
