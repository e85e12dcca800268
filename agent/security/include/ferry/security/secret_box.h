// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/security/secret_string.h"

namespace ferry::v1 {
class Secret;
}

namespace ferry::security {

// The cluster's 32-byte data key, which seals data-source passwords. It never goes to ZooKeeper:
// each agent reads it from a local file ([secrets] data_key_file). Wiped when destroyed.
// Movable; not thread-safe while being moved, const use is.
class DataKey {
public:
    static constexpr std::size_t kSize = 32;
    static constexpr std::size_t kIdSize = 8;

    // REQUIRES: bytes.size() == kSize (else InvalidArgument).
    static Result<DataKey> fromBytes(std::string_view bytes);
    // 32 bytes from the CSPRNG. Errors: Internal when the CSPRNG fails.
    static Result<DataKey> generate();

    DataKey(const DataKey&) = delete;
    DataKey& operator=(const DataKey&) = delete;
    DataKey(DataKey&& other) noexcept;
    DataKey& operator=(DataKey&& other) noexcept;
    ~DataKey();

    // The first 8 bytes of SHA-256 of the key: names the key in sealed blobs and messages.
    const std::array<std::uint8_t, kIdSize>& id() const { return m_id; }
    std::string idHex() const;
    const std::array<std::uint8_t, kSize>& bytes() const { return m_bytes; }
    // The key file's content: base64 and a newline.
    SecretString toFileText() const;

private:
    DataKey() = default;

    std::array<std::uint8_t, kSize> m_bytes{};
    std::array<std::uint8_t, kIdSize> m_id{};
};

// Reads a data key file: one line of base64 holding 32 bytes. Refuses a file readable or
// writable by group or others, saying the chmod to run.
// Errors: NotFound, Io, PermissionDenied, Corrupt (not base64 of 32 bytes).
Result<DataKey> loadDataKey(const std::string& path);

// Writes a new data key file (mode 0600); refuses to overwrite an existing file.
Status writeDataKeyFile(const std::string& path, const DataKey& key);

// AES-256-GCM sealing of small secrets with the data key. The sealed format (all versions start
// with their version byte):
//   version 1:  0x01 | key id (8) | nonce (12, random) | ciphertext (= clear length) | tag (16)
// The associated data is "ferry-secret" 0x00, the version byte, the key id and the object id
// (the id of the data source or pipeline the secret belongs to), so a blob copied to another
// object, or edited anywhere, fails to open. Seals with the current key; opens with whichever
// held key the blob names, so that during a key rotation agents hold the new key as current and
// the old one as previous. Thread-safe (const methods only, no shared state).
class SecretBox {
public:
    static constexpr std::uint8_t kVersion = 1;
    static constexpr std::size_t kNonceSize = 12;
    static constexpr std::size_t kTagSize = 16;
    static constexpr std::size_t kHeaderSize = 1 + DataKey::kIdSize + kNonceSize;
    static constexpr std::size_t kMaxClearSize = 64 * 1024;

    explicit SecretBox(DataKey current, std::vector<DataKey> previous = {})
        : m_key(std::move(current)), m_previous(std::move(previous)) {}

    // The current key, which seals.
    const DataKey& key() const { return m_key; }
    const std::vector<DataKey>& previousKeys() const { return m_previous; }

    // Seals `clear` for `objectId` (non-empty). Errors: InvalidArgument (empty object id, clear
    // text over kMaxClearSize), Internal (OpenSSL failed).
    Result<std::string> seal(std::string_view clear, std::string_view objectId) const;

    // Opens a sealed blob of `objectId`. Errors: Corrupt (truncated, altered, or sealed for
    // another object), Unsupported (unknown version), PermissionDenied (sealed with a key this
    // box does not hold: the message names the blob's key id and the ones held).
    Result<SecretString> open(std::string_view sealed, std::string_view objectId) const;

    // The key id a blob names, without opening it. Errors as open() for the header.
    static Result<std::string> sealedKeyIdHex(std::string_view sealed);

private:
    const DataKey* findKey(std::string_view keyId) const;

    DataKey m_key;
    std::vector<DataKey> m_previous;
};

// The agent's SecretBox from [secrets] data_key_file and previous_data_key_files.
Result<SecretBox> loadSecretBox(const std::string& dataKeyFile,
                                const std::vector<std::string>& previousDataKeyFiles = {});

// The clear password a v1::Secret stands for, for the object `objectId` (used in messages and as
// the associated data of sealed secrets):
// - sealed: opened with `box`; NotFound when `box` is null (the agent has no data key);
// - env: the variable must exist (it may be empty);
// - file: must exist and be readable by its owner only; trailing newlines are stripped.
// An unset Secret means "no password" and gives an empty string.
Result<SecretString> resolveSecret(const ferry::v1::Secret& secret, std::string_view objectId,
                                   const SecretBox* box);

}  // namespace ferry::security
