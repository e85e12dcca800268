// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// A strict, small JSON reader for tests (RFC 8259): it checks that ferryctl's output is valid
// JSON and gives its values back. Numbers keep their text. Strings are decoded (\uXXXX with
// surrogate pairs); raw control characters and invalid escapes are errors. Test support only.
namespace ferry::testing {

struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::string text;  // Number: its literal text; String: the decoded string
    std::vector<JsonValue> array;
    std::vector<std::pair<std::string, JsonValue>> object;  // in order

    bool isNull() const { return type == Type::Null; }
    const JsonValue* find(std::string_view key) const {
        for (const auto& [k, v] : object) {
            if (k == key) {
                return &v;
            }
        }
        return nullptr;
    }
};

class JsonReader {
public:
    // Parses exactly one value (surrounding whitespace allowed); nullopt and error() on failure.
    static std::optional<JsonValue> parse(std::string_view text, std::string* error = nullptr) {
        JsonReader reader(text);
        JsonValue value;
        if (!reader.value(value, 0)) {
            if (error != nullptr) {
                *error = reader.m_error + " at offset " + std::to_string(reader.m_pos);
            }
            return std::nullopt;
        }
        reader.skipSpace();
        if (reader.m_pos != text.size()) {
            if (error != nullptr) {
                *error = "trailing characters at offset " + std::to_string(reader.m_pos);
            }
            return std::nullopt;
        }
        return value;
    }

private:
    explicit JsonReader(std::string_view text) : m_text(text) {}

    bool fail(std::string message) {
        m_error = std::move(message);
        return false;
    }
    void skipSpace() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                                         m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }
    bool literal(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) {
            return fail("bad literal");
        }
        m_pos += word.size();
        return true;
    }
    bool value(JsonValue& out, int depth) {
        if (depth > 200) {
            return fail("too deep");
        }
        skipSpace();
        if (m_pos >= m_text.size()) {
            return fail("unexpected end");
        }
        const char c = m_text[m_pos];
        switch (c) {
            case 'n':
                out.type = JsonValue::Type::Null;
                return literal("null");
            case 't':
                out.type = JsonValue::Type::Bool;
                out.boolean = true;
                return literal("true");
            case 'f':
                out.type = JsonValue::Type::Bool;
                return literal("false");
            case '"':
                out.type = JsonValue::Type::String;
                return string(out.text);
            case '[':
                out.type = JsonValue::Type::Array;
                ++m_pos;
                skipSpace();
                if (m_pos < m_text.size() && m_text[m_pos] == ']') {
                    ++m_pos;
                    return true;
                }
                for (;;) {
                    out.array.emplace_back();
                    if (!value(out.array.back(), depth + 1)) {
                        return false;
                    }
                    skipSpace();
                    if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text[m_pos] == ']') {
                        ++m_pos;
                        return true;
                    }
                    return fail("expected , or ]");
                }
            case '{':
                out.type = JsonValue::Type::Object;
                ++m_pos;
                skipSpace();
                if (m_pos < m_text.size() && m_text[m_pos] == '}') {
                    ++m_pos;
                    return true;
                }
                for (;;) {
                    skipSpace();
                    std::string key;
                    if (m_pos >= m_text.size() || m_text[m_pos] != '"' || !string(key)) {
                        return m_error.empty() ? fail("expected a key") : false;
                    }
                    skipSpace();
                    if (m_pos >= m_text.size() || m_text[m_pos] != ':') {
                        return fail("expected :");
                    }
                    ++m_pos;
                    out.object.emplace_back(std::move(key), JsonValue{});
                    if (!value(out.object.back().second, depth + 1)) {
                        return false;
                    }
                    skipSpace();
                    if (m_pos < m_text.size() && m_text[m_pos] == ',') {
                        ++m_pos;
                        continue;
                    }
                    if (m_pos < m_text.size() && m_text[m_pos] == '}') {
                        ++m_pos;
                        return true;
                    }
                    return fail("expected , or }");
                }
            default:
                out.type = JsonValue::Type::Number;
                return number(out.text);
        }
    }
    static bool digit(char c) { return c >= '0' && c <= '9'; }
    bool number(std::string& out) {
        const std::size_t start = m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '-') {
            ++m_pos;
        }
        if (m_pos >= m_text.size() || !digit(m_text[m_pos])) {
            return fail("bad number");
        }
        if (m_text[m_pos] == '0') {
            ++m_pos;
        } else {
            while (m_pos < m_text.size() && digit(m_text[m_pos])) {
                ++m_pos;
            }
        }
        if (m_pos < m_text.size() && m_text[m_pos] == '.') {
            ++m_pos;
            if (m_pos >= m_text.size() || !digit(m_text[m_pos])) {
                return fail("bad fraction");
            }
            while (m_pos < m_text.size() && digit(m_text[m_pos])) {
                ++m_pos;
            }
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            ++m_pos;
            if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) {
                ++m_pos;
            }
            if (m_pos >= m_text.size() || !digit(m_text[m_pos])) {
                return fail("bad exponent");
            }
            while (m_pos < m_text.size() && digit(m_text[m_pos])) {
                ++m_pos;
            }
        }
        out.assign(m_text.substr(start, m_pos - start));
        return true;
    }
    bool hex4(std::uint32_t& v) {
        if (m_pos + 4 > m_text.size()) {
            return fail("short \\u escape");
        }
        v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            v <<= 4;
            if (c >= '0' && c <= '9') {
                v |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return fail("bad hex digit");
            }
        }
        return true;
    }
    static void putUtf8(std::uint32_t cp, std::string& out) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    bool string(std::string& out) {
        ++m_pos;  // opening quote
        for (;;) {
            if (m_pos >= m_text.size()) {
                return fail("unterminated string");
            }
            const char c = m_text[m_pos++];
            if (c == '"') {
                return true;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return fail("raw control character in a string");
            }
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_pos >= m_text.size()) {
                return fail("unterminated escape");
            }
            const char e = m_text[m_pos++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out.push_back(e);
                    break;
                case 'b':
                    out.push_back('\b');
                    break;
                case 'f':
                    out.push_back('\f');
                    break;
                case 'n':
                    out.push_back('\n');
                    break;
                case 'r':
                    out.push_back('\r');
                    break;
                case 't':
                    out.push_back('\t');
                    break;
                case 'u': {
                    std::uint32_t cp = 0;
                    if (!hex4(cp)) {
                        return false;
                    }
                    if (cp >= 0xd800 && cp <= 0xdbff) {
                        std::uint32_t low = 0;
                        if (m_text.substr(m_pos, 2) != "\\u") {
                            return fail("lone high surrogate");
                        }
                        m_pos += 2;
                        if (!hex4(low) || low < 0xdc00 || low > 0xdfff) {
                            return fail("bad low surrogate");
                        }
                        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                        return fail("lone low surrogate");
                    }
                    putUtf8(cp, out);
                    break;
                }
                default:
                    return fail("bad escape");
            }
        }
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    std::string m_error;
};

}  // namespace ferry::testing
