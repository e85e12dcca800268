// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/secret_string.h"

#include <openssl/crypto.h>

namespace ferry::security {

void wipeMemory(void* data, std::size_t size) {
    if (data != nullptr && size > 0) {
        OPENSSL_cleanse(data, size);
    }
}

void wipeString(std::string& text) {
    // Fill the whole capacity, not only the size: an earlier, longer value may remain there.
    const std::size_t used = text.size();
    text.resize(text.capacity());
    wipeMemory(text.data(), text.size());
    text.resize(used);
    text.clear();
}

SecretString::SecretString(SecretString&& other) noexcept : m_value(std::move(other.m_value)) {
    wipeString(other.m_value);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        wipeString(m_value);
        m_value = std::move(other.m_value);
        wipeString(other.m_value);
    }
    return *this;
}

SecretString::~SecretString() {
    wipeString(m_value);
}

}  // namespace ferry::security
