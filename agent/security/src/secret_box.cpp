// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/secret_box.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "ferry/security/encoding.h"
#include "ferry/security/files.h"
#include "ferry/v1/config.pb.h"

namespace ferry::security {
namespace {

constexpr std::string_view kAadLabel = "ferry-secret";

struct CipherContextFree {
    void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

std::string associatedData(std::uint8_t version, std::string_view keyId,
                           std::string_view objectId) {
    std::string aad(kAadLabel);
    aad += '\0';
    aad += char(version);
    aad += keyId;
    aad += objectId;
    return aad;
}

const unsigned char* bytesOf(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

Status headerCheck(std::string_view sealed, std::string_view objectId) {
    if (sealed.empty()) {
        return makeError(ErrorCode::Corrupt, "sealed secret of " + std::string(objectId) +
                                                 " is empty; seal it again with 'ferryctl cert "
                                                 "seal'");
    }
    if (std::uint8_t(sealed[0]) != SecretBox::kVersion) {
        return makeError(ErrorCode::Unsupported,
                         "sealed secret of " + std::string(objectId) + " has format version " +
                             std::to_string(std::uint8_t(sealed[0])) +
                             ", this agent knows version " + std::to_string(SecretBox::kVersion) +
                             "; upgrade the agent or seal the secret again");
    }
    if (sealed.size() < SecretBox::kHeaderSize + SecretBox::kTagSize) {
        return makeError(ErrorCode::Corrupt,
                         "sealed secret of " + std::string(objectId) + " is truncated: " +
                             std::to_string(sealed.size()) + " bytes, at least " +
                             std::to_string(SecretBox::kHeaderSize + SecretBox::kTagSize) +
                             " expected; seal it again with 'ferryctl cert seal'");
    }
    return okStatus();
}

}  // namespace

Result<DataKey> DataKey::fromBytes(std::string_view bytes) {
    if (bytes.size() != kSize) {
        return makeError(ErrorCode::InvalidArgument, "a data key has " + std::to_string(kSize) +
                                                         " bytes, not " +
                                                         std::to_string(bytes.size()));
    }
    DataKey key;
    std::memcpy(key.m_bytes.data(), bytes.data(), kSize);
    std::string digest = sha256(bytes);
    std::memcpy(key.m_id.data(), digest.data(), kIdSize);
    return key;
}

Result<DataKey> DataKey::generate() {
    std::string bytes = randomBytes(kSize);
    if (bytes.size() != kSize) {
        return makeError(ErrorCode::Internal, "the random number generator failed");
    }
    auto key = fromBytes(bytes);
    wipeString(bytes);
    return key;
}

DataKey::DataKey(DataKey&& other) noexcept : m_bytes(other.m_bytes), m_id(other.m_id) {
    wipeMemory(other.m_bytes.data(), other.m_bytes.size());
}

DataKey& DataKey::operator=(DataKey&& other) noexcept {
    if (this != &other) {
        m_bytes = other.m_bytes;
        m_id = other.m_id;
        wipeMemory(other.m_bytes.data(), other.m_bytes.size());
    }
    return *this;
}

DataKey::~DataKey() {
    wipeMemory(m_bytes.data(), m_bytes.size());
}

std::string DataKey::idHex() const {
    return hexEncode(std::string_view(reinterpret_cast<const char*>(m_id.data()), m_id.size()));
}

SecretString DataKey::toFileText() const {
    SecretString text(
        base64Encode(std::string_view(reinterpret_cast<const char*>(m_bytes.data()), kSize)) +
        "\n");
    return text;
}

Result<DataKey> loadDataKey(const std::string& path) {
    FERRY_ASSIGN_OR_RETURN(SecretString content, readPrivateFile(path, "data key file"));
    std::string_view text = content.view();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
        text.remove_suffix(1);
    }
    if (text.find('\n') != std::string_view::npos) {
        return makeError(ErrorCode::Corrupt,
                         "data key file " + path +
                             " has more than one line; it must hold the key as base64 on one "
                             "line (make one with 'ferryctl cert data-key --out PATH')");
    }
    std::optional<std::string> bytes = base64Decode(text);
    if (!bytes || bytes->size() != DataKey::kSize) {
        const std::size_t size = bytes ? bytes->size() : 0;
        if (bytes) {
            wipeString(*bytes);
        }
        return makeError(ErrorCode::Corrupt,
                         "data key file " + path + " does not hold base64 of " +
                             std::to_string(DataKey::kSize) + " bytes" +
                             (bytes ? " (it holds " + std::to_string(size) + ")" : "") +
                             "; make one with 'ferryctl cert data-key --out PATH'");
    }
    auto key = DataKey::fromBytes(*bytes);
    wipeString(*bytes);
    return key;
}

Status writeDataKeyFile(const std::string& path, const DataKey& key) {
    const SecretString text = key.toFileText();
    return writeNewFile(path, text.view(), 0600, "data key file");
}

Result<std::string> SecretBox::seal(std::string_view clear, std::string_view objectId) const {
    if (objectId.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "sealing a secret needs the id of the object it belongs to");
    }
    if (clear.size() > kMaxClearSize) {
        return makeError(ErrorCode::InvalidArgument,
                         "secret of " + std::string(objectId) + " is " +
                             std::to_string(clear.size()) + " bytes, more than the " +
                             std::to_string(kMaxClearSize) + " a sealed secret may hold");
    }
    const std::string nonce = randomBytes(kNonceSize);
    if (nonce.size() != kNonceSize) {
        return makeError(ErrorCode::Internal, "the random number generator failed");
    }
    const std::string_view keyId(reinterpret_cast<const char*>(m_key.id().data()),
                                 DataKey::kIdSize);
    std::string out;
    out.reserve(kHeaderSize + clear.size() + kTagSize);
    out += char(kVersion);
    out += keyId;
    out += nonce;
    const std::string aad = associatedData(kVersion, keyId, objectId);

    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    out.resize(kHeaderSize + clear.size() + kTagSize);
    auto* cipherText = reinterpret_cast<unsigned char*>(out.data()) + kHeaderSize;
    const bool ok =
        context != nullptr &&
        EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, int(kNonceSize), nullptr) == 1 &&
        EVP_EncryptInit_ex(context.get(), nullptr, nullptr, m_key.bytes().data(), bytesOf(nonce)) ==
            1 &&
        EVP_EncryptUpdate(context.get(), nullptr, &length, bytesOf(aad), int(aad.size())) == 1 &&
        EVP_EncryptUpdate(context.get(), cipherText, &length, bytesOf(clear), int(clear.size())) ==
            1 &&
        std::size_t(length) == clear.size() &&
        EVP_EncryptFinal_ex(context.get(), cipherText + length, &length) == 1 && length == 0 &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, int(kTagSize),
                            cipherText + clear.size()) == 1;
    if (!ok) {
        return makeError(ErrorCode::Internal,
                         "AES-256-GCM sealing failed in OpenSSL for " + std::string(objectId));
    }
    return out;
}

Result<std::string> SecretBox::sealedKeyIdHex(std::string_view sealed) {
    FERRY_TRY(headerCheck(sealed, "this object"));
    return hexEncode(sealed.substr(1, DataKey::kIdSize));
}

const DataKey* SecretBox::findKey(std::string_view keyId) const {
    auto matches = [&](const DataKey& key) {
        return keyId ==
               std::string_view(reinterpret_cast<const char*>(key.id().data()), DataKey::kIdSize);
    };
    if (matches(m_key)) {
        return &m_key;
    }
    for (const DataKey& previous : m_previous) {
        if (matches(previous)) {
            return &previous;
        }
    }
    return nullptr;
}

Result<SecretString> SecretBox::open(std::string_view sealed, std::string_view objectId) const {
    FERRY_TRY(headerCheck(sealed, objectId));
    const std::string_view keyId = sealed.substr(1, DataKey::kIdSize);
    const DataKey* key = findKey(keyId);
    if (key == nullptr) {
        std::string held = m_key.idHex();
        for (const DataKey& previous : m_previous) {
            held += " and " + previous.idHex();
        }
        return makeError(ErrorCode::PermissionDenied,
                         "secret of " + std::string(objectId) + " was sealed with key " +
                             hexEncode(keyId) + ", this agent has key" +
                             (m_previous.empty() ? " " : "s ") + held +
                             "; give this agent the data key the secret was sealed with, or "
                             "seal it again with 'ferryctl cert seal'");
    }
    const std::string_view nonce = sealed.substr(1 + DataKey::kIdSize, kNonceSize);
    const std::size_t clearSize = sealed.size() - kHeaderSize - kTagSize;
    const std::string_view cipherText = sealed.substr(kHeaderSize, clearSize);
    std::string tag(sealed.substr(kHeaderSize + clearSize, kTagSize));
    const std::string aad = associatedData(kVersion, keyId, objectId);

    std::string clear(clearSize, '\0');
    CipherContext context(EVP_CIPHER_CTX_new());
    int length = 0;
    auto* clearOut = reinterpret_cast<unsigned char*>(clear.data());
    const bool setUp =
        context != nullptr &&
        EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, int(kNonceSize), nullptr) == 1 &&
        EVP_DecryptInit_ex(context.get(), nullptr, nullptr, key->bytes().data(), bytesOf(nonce)) ==
            1 &&
        EVP_DecryptUpdate(context.get(), nullptr, &length, bytesOf(aad), int(aad.size())) == 1 &&
        EVP_DecryptUpdate(context.get(), clearOut, &length, bytesOf(cipherText),
                          int(cipherText.size())) == 1 &&
        std::size_t(length) == clearSize &&
        EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, int(kTagSize), tag.data()) == 1;
    if (!setUp) {
        wipeString(clear);
        return makeError(ErrorCode::Internal,
                         "AES-256-GCM opening failed in OpenSSL for " + std::string(objectId));
    }
    if (EVP_DecryptFinal_ex(context.get(), clearOut + length, &length) != 1) {
        wipeString(clear);
        return makeError(ErrorCode::Corrupt,
                         "sealed secret of " + std::string(objectId) +
                             " does not authenticate: it was altered, or sealed for another "
                             "object; seal it again with 'ferryctl cert seal --object " +
                             std::string(objectId) + "'");
    }
    return SecretString(std::move(clear));
}

Result<SecretBox> loadSecretBox(const std::string& dataKeyFile,
                                const std::vector<std::string>& previousDataKeyFiles) {
    FERRY_ASSIGN_OR_RETURN(DataKey current, loadDataKey(dataKeyFile));
    std::vector<DataKey> previous;
    for (const std::string& path : previousDataKeyFiles) {
        FERRY_ASSIGN_OR_RETURN(DataKey key, loadDataKey(path));
        previous.push_back(std::move(key));
    }
    return SecretBox(std::move(current), std::move(previous));
}

Result<SecretString> resolveSecret(const ferry::v1::Secret& secret, std::string_view objectId,
                                   const SecretBox* box) {
    const std::string object(objectId);
    switch (secret.source_case()) {
        case ferry::v1::Secret::kSealed:
            if (box == nullptr) {
                return makeError(ErrorCode::NotFound,
                                 "password of " + object +
                                     " is sealed but this agent has no data key; set [secrets] "
                                     "data_key_file in agent.toml");
            }
            return box->open(secret.sealed(), objectId);
        case ferry::v1::Secret::kEnv: {
            if (secret.env().empty()) {
                return makeError(ErrorCode::InvalidArgument,
                                 "password of " + object + " names an empty environment variable");
            }
            const char* value = std::getenv(secret.env().c_str());
            if (value == nullptr) {
                return makeError(ErrorCode::NotFound,
                                 "password of " + object + " comes from environment variable " +
                                     secret.env() +
                                     ", which is not set for the agent; set it in the agent's "
                                     "service environment");
            }
            return SecretString(std::string(value));
        }
        case ferry::v1::Secret::kFile: {
            if (secret.file().empty()) {
                return makeError(ErrorCode::InvalidArgument,
                                 "password of " + object + " names an empty file path");
            }
            const std::string what = "password file of " + object;
            FERRY_ASSIGN_OR_RETURN(SecretString content, readPrivateFile(secret.file(), what));
            std::string text = content.str();
            while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
                text.back() = '\0';
                text.pop_back();
            }
            return SecretString(std::move(text));
        }
        case ferry::v1::Secret::SOURCE_NOT_SET:
            break;
    }
    return SecretString();
}

}  // namespace ferry::security
