// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

// Binlog events built in code for the event-decoder fuzz target: the FORMAT_DESCRIPTIONs it
// decodes single events after, and synthetic streams used as seeds when the shared fixtures
// are absent (and beside them otherwise). Byte layouts follow what MySQL 8.0 and MariaDB 10.11
// write; values are valid so that the seeds reach every value formatter.
namespace ferry::binlog::fuzz {

using Bytes = std::vector<std::uint8_t>;

enum class Flavor : std::uint8_t { MySql8, MariaDb1011 };

// The first input byte of the fuzz target.
namespace control {
inline constexpr std::uint8_t kModeMask = 0x03;
inline constexpr std::uint8_t kModeFileImage = 0;  // "\xfebin" + events
inline constexpr std::uint8_t kModeMySql8 = 1;     // events after a built-in MySQL 8.0 FDE
inline constexpr std::uint8_t kModeMariaDb = 2;    // events after a built-in MariaDB 10.11 FDE
inline constexpr std::uint8_t kModeNoFde = 3;      // events with no FDE decoded first
inline constexpr std::uint8_t kCrc32 = 0x04;       // the built-in FDE announces CRC32
inline constexpr std::uint8_t kVerifyChecksums = 0x08;
inline constexpr std::uint8_t kSmallLimits = 0x10;  // 4 KiB decompression limit, else 1 MiB
inline constexpr std::uint8_t kTwice = 0x20;        // decode twice, compare the digests
// File image mode: read through BinlogFileSource (on a memfd) rather than split in memory. Costly
// under ASan (the source allocates a 1 MiB read block per file), so only some inputs do.
inline constexpr std::uint8_t kFileSource = 0xc0;  // both bits
}  // namespace control

void putLe(Bytes& out, std::uint64_t value, std::size_t width);
void putBe(Bytes& out, std::uint64_t value, std::size_t width);
void putLenenc(Bytes& out, std::uint64_t value);
void putBytes(Bytes& out, std::span<const std::uint8_t> bytes);
void putText(Bytes& out, std::string_view text);

// A whole event: the 19-byte v4 header (event length and `logPos` filled in), `body`, and a
// CRC32 trailer when `crc`.
Bytes makeEvent(std::uint8_t type, std::span<const std::uint8_t> body, bool crc,
                std::uint16_t flags = 0, std::uint32_t logPos = 0);

// The FORMAT_DESCRIPTION a MySQL 8.0 or MariaDB 10.11 server writes, with checksum algorithm
// CRC32 or NONE (both carry the algorithm byte and a 4-byte trailer).
Bytes formatDescription(Flavor flavor, bool crc);

// A synthetic binlog stream of `flavor`: FORMAT_DESCRIPTION first, then events of most types
// the decoder knows, with a table of every column type and valid values. Events are whole
// (header, body, trailer); log positions are those of a file that starts with the magic.
std::vector<Bytes> syntheticStream(Flavor flavor, bool crc);

// "\xfebin" followed by `events`.
Bytes fileImage(const std::vector<Bytes>& events);

}  // namespace ferry::binlog::fuzz
