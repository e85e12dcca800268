// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ferry::binlog::test {

// A tiny JSON document model for tests, with a binary JSON encoder written from the format
// description (independent of the decoder under test) and the text MySQL would print for it.
struct JsonNode {
    enum class Kind { Null, True, False, Int, Uint, Double, String, Array, Object };

    Kind kind = Kind::Null;
    int64_t intValue = 0;
    uint64_t uintValue = 0;
    double doubleValue = 0;
    std::string doubleText;         // MySQL's text for doubleValue, given by the test
    std::string text;               // String value
    std::vector<std::string> keys;  // Object: one key per item
    std::vector<JsonNode> items;

    static JsonNode null() { return {}; }
    static JsonNode boolean(bool v);
    static JsonNode integer(int64_t v);
    static JsonNode unsignedInteger(uint64_t v);
    static JsonNode real(double v, std::string mysqlText);
    static JsonNode string(std::string v);
    static JsonNode array(std::vector<JsonNode> items);
    static JsonNode object(std::vector<std::pair<std::string, JsonNode>> members);
};

struct JsonEncodeOptions {
    bool forceLarge = false;     // use 4-byte offsets even when 2 would do
    bool reverseValues = false;  // store container values in reverse order (offsets still right)
};

// Binary JSON: type byte, then the value.
std::vector<uint8_t> encodeJson(const JsonNode& node, const JsonEncodeOptions& options = {});

// The text MySQL prints for the document.
std::string mysqlText(const JsonNode& node);

// A random document of at most `maxDepth` nested containers (strings with escapes and UTF-8,
// empty keys, all integer widths, a fixed set of doubles).
JsonNode randomJson(std::mt19937& rng, unsigned maxDepth);

}  // namespace ferry::binlog::test
