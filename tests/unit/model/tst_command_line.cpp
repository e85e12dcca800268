// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/model/command_line.h"

namespace ferry::model {
namespace {

TEST(FlagWord, TakesInlineOrNextValues) {
    const std::vector<std::string> args = {"--source=mysql://a", "--workers", "4", "--yes=1",
                                           "--end"};
    std::size_t i = 0;
    FlagWord inlineValue(args, i);
    EXPECT_TRUE(inlineValue.is("--source"));
    ASSERT_TRUE(inlineValue.value().ok());
    EXPECT_EQ(*inlineValue.value(), "mysql://a");
    EXPECT_EQ(i, 0u);

    i = 1;
    FlagWord separate(args, i);
    auto workers = separate.value();
    ASSERT_TRUE(workers.ok());
    EXPECT_EQ(*workers, "4");
    EXPECT_EQ(i, 2u) << "the value's word is consumed";

    i = 3;
    FlagWord flagWithValue(args, i);
    auto refused = flagWithValue.noValue();
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(refused.error().message, "--yes takes no value");

    i = 4;
    FlagWord last(args, i);
    EXPECT_TRUE(last.noValue().ok());
    auto missing = last.value();
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().message, "--end needs a value");
}

TEST(FlagWord, OnlyDoubleDashWordsAreSplit) {
    const std::vector<std::string> args = {"-x=1"};
    std::size_t i = 0;
    FlagWord word(args, i);
    EXPECT_EQ(word.name(), "-x=1");
    EXPECT_FALSE(word.hasInlineValue());
}

TEST(ParseNumber, WholeNumbersThatFit) {
    std::uint16_t small = 0;
    EXPECT_TRUE(parseNumber("65535", small));
    EXPECT_EQ(small, 65535);
    EXPECT_FALSE(parseNumber("65536", small));
    EXPECT_FALSE(parseNumber("", small));
    EXPECT_FALSE(parseNumber("12a", small));
    EXPECT_FALSE(parseNumber("-1", small));
}

}  // namespace
}  // namespace ferry::model
