// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <memory>

#include "ferry/model/result.h"

namespace ferry {
namespace {

Result<int> parsePositive(int v) {
    if (v <= 0) {
        return makeError(ErrorCode::InvalidArgument, "value must be positive");
    }
    return v;
}

Result<int> doubled(int v) {
    FERRY_ASSIGN_OR_RETURN(int checked, parsePositive(v));
    return checked * 2;
}

Status checkBoth(int a, int b) {
    FERRY_TRY(parsePositive(a));
    FERRY_TRY(parsePositive(b));
    return okStatus();
}

TEST(Result, HoldsValueOrError) {
    auto good = parsePositive(3);
    ASSERT_TRUE(good.ok());
    EXPECT_EQ(*good, 3);
    auto bad = parsePositive(-1);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(bad.error().toString(), "invalid argument: value must be positive");
    EXPECT_EQ(bad.valueOr(7), 7);
}

TEST(Result, PropagatesErrors) {
    EXPECT_EQ(*doubled(4), 8);
    EXPECT_FALSE(doubled(0).ok());
    EXPECT_TRUE(checkBoth(1, 2).ok());
    auto status = checkBoth(1, -2);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().message, "value must be positive");
}

TEST(Result, MovesOnlyTypes) {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
    ASSERT_TRUE(r.ok());
    std::unique_ptr<int> p = std::move(r).value();
    EXPECT_EQ(*p, 5);
}

}  // namespace
}  // namespace ferry
