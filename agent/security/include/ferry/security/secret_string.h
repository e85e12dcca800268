// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ferry::security {

// Overwrites `size` bytes at `data` in a way the compiler cannot elide (OPENSSL_cleanse).
void wipeMemory(void* data, std::size_t size);
// Overwrites the whole capacity of `text` and leaves it empty.
void wipeString(std::string& text);

// A secret held in clear (a password, a token, a key in text form), wiped when destroyed or
// moved from. Copies are explicit (copy()) so that clear secrets do not multiply by accident.
// Not thread-safe; one owner at a time.
class SecretString {
public:
    SecretString() = default;
    explicit SecretString(std::string value) : m_value(std::move(value)) {}
    SecretString(const SecretString&) = delete;
    SecretString& operator=(const SecretString&) = delete;
    SecretString(SecretString&& other) noexcept;
    SecretString& operator=(SecretString&& other) noexcept;
    ~SecretString();

    const std::string& str() const { return m_value; }
    std::string_view view() const { return m_value; }
    const char* c_str() const { return m_value.c_str(); }
    std::size_t size() const { return m_value.size(); }
    bool empty() const { return m_value.empty(); }
    SecretString copy() const { return SecretString(m_value); }
    void clear() { wipeString(m_value); }

private:
    std::string m_value;
};

}  // namespace ferry::security
