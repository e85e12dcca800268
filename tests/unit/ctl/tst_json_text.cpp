// SPDX-License-Identifier: Apache-2.0
// The JSON text helpers of `ferryctl binlog dump`: string escaping (control characters, invalid
// UTF-8), base64, latin1 conversion and the 53-bit integer boundary.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "ferry/ctl/json_text.h"
#include "mini_json.h"

namespace ferry::ctl {
namespace {

struct EscapeCase {
    std::string input;
    std::string expected;
};

class JsonStringTest : public ::testing::TestWithParam<EscapeCase> {};

TEST_P(JsonStringTest, EscapesAndStaysValid) {
    const EscapeCase& c = GetParam();
    std::string out = "x";
    appendJsonString(c.input, out);
    EXPECT_EQ(out, "x" + c.expected);
    std::string error;
    auto parsed = testing::JsonReader::parse(out.substr(1), &error);
    ASSERT_TRUE(parsed) << error;
    if (isValidUtf8(c.input)) {
        EXPECT_EQ(parsed->text, c.input) << "valid text round-trips";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonStringTest,
    ::testing::Values(EscapeCase{"", "\"\""}, EscapeCase{"plain ascii", "\"plain ascii\""},
                      EscapeCase{"quote \" backslash \\", "\"quote \\\" backslash \\\\\""},
                      EscapeCase{"\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
                      EscapeCase{std::string("\0\x01\x1f", 3), "\"\\u0000\\u0001\\u001f\""},
                      EscapeCase{"\x7f and /", "\"\x7f and /\""},
                      EscapeCase{"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80",
                                 "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\""},
                      EscapeCase{"\xe4\xb8\xad\xe6\x96\x87", "\"\xe4\xb8\xad\xe6\x96\x87\""},
                      // Invalid UTF-8: each offending byte becomes U+FFFD.
                      EscapeCase{"a\x80z", "\"a\\ufffdz\""},         // stray continuation
                      EscapeCase{"\xc0\x80", "\"\\ufffd\\ufffd\""},  // overlong NUL
                      EscapeCase{"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},  // overlong 3-byte
                      EscapeCase{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},  // surrogate U+D800
                      EscapeCase{"\xf4\x90\x80\x80",
                                 "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},  // above U+10FFFF
                      EscapeCase{"\xe2\x82", "\"\\ufffd\\ufffd\""},    // truncated
                      EscapeCase{"ok\xff", "\"ok\\ufffd\""}, EscapeCase{"\xc3", "\"\\ufffd\""}));

TEST(Utf8Validity, AcceptsBoundariesAndRejectsMalformed) {
    EXPECT_TRUE(isValidUtf8(""));
    EXPECT_TRUE(isValidUtf8("\x7f"));
    EXPECT_TRUE(isValidUtf8("\xc2\x80"));
    EXPECT_TRUE(isValidUtf8("\xef\xbf\xbf"));
    EXPECT_TRUE(isValidUtf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
    EXPECT_FALSE(isValidUtf8("\xc1\xbf"));
    EXPECT_FALSE(isValidUtf8("\xed\xbf\xbf"));  // U+DFFF
    EXPECT_FALSE(isValidUtf8("\xf5\x80\x80\x80"));
    EXPECT_FALSE(isValidUtf8("\xf0\x9f\x98"));
}

TEST(Base64, MatchesRfc4648Vectors) {
    const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"},
                                                         {std::string("\0\xff\xfe", 3), "AP/+"}};
    for (const auto& [input, expected] : cases) {
        std::string out;
        appendBase64({reinterpret_cast<const std::uint8_t*>(input.data()), input.size()}, out);
        EXPECT_EQ(out, expected) << input;
    }
}

TEST(Latin1, ConvertsCp1252ToUtf8) {
    std::string out;
    appendLatin1AsUtf8("caf\xe9 \x80 \x81 \xff", out);
    EXPECT_EQ(out, "caf\xc3\xa9 \xe2\x82\xac \xc2\x81 \xc3\xbf");
    EXPECT_TRUE(isValidUtf8(out));
}

TEST(JsonInteger, FiftyThreeBitBoundary) {
    constexpr std::int64_t kSafe = (std::int64_t{1} << 53) - 1;
    const std::pair<std::int64_t, std::string> signedCases[] = {
        {0, "0"},
        {-1, "-1"},
        {kSafe, "9007199254740991"},
        {kSafe + 1, "\"9007199254740992\""},
        {-kSafe, "-9007199254740991"},
        {-kSafe - 1, "\"-9007199254740992\""},
        {std::numeric_limits<std::int64_t>::min(), "\"-9223372036854775808\""},
        {std::numeric_limits<std::int64_t>::max(), "\"9223372036854775807\""}};
    for (const auto& [value, expected] : signedCases) {
        std::string out;
        appendJsonInteger(value, out);
        EXPECT_EQ(out, expected);
    }
    const std::pair<std::uint64_t, std::string> unsignedCases[] = {
        {0, "0"},
        {static_cast<std::uint64_t>(kSafe), "9007199254740991"},
        {static_cast<std::uint64_t>(kSafe) + 1, "\"9007199254740992\""},
        {std::numeric_limits<std::uint64_t>::max(), "\"18446744073709551615\""}};
    for (const auto& [value, expected] : unsignedCases) {
        std::string out;
        appendJsonUnsigned(value, out);
        EXPECT_EQ(out, expected);
    }
}

}  // namespace
}  // namespace ferry::ctl
