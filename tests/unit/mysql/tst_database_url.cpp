// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdlib>

#include "ferry/mysql/database_url.h"

namespace ferry::mysql {
namespace {

TEST(DatabaseUrl, ParsesTcpAndOptions) {
    auto url =
        DatabaseUrl::parse("mysql://repl@db1.hz:3307/shop?ssl-mode=verify-ca&ssl-ca=/ca.pem");
    ASSERT_TRUE(url.ok()) << url.error().toString();
    EXPECT_EQ(url->user, "repl");
    EXPECT_EQ(url->host, "db1.hz");
    EXPECT_EQ(url->port, 3307);
    EXPECT_EQ(url->database, "shop");
    EXPECT_EQ(url->sslMode, SslMode::VerifyCa);
    EXPECT_EQ(url->sslCa, "/ca.pem");
    EXPECT_FALSE(url->passwordInUrl());
    EXPECT_EQ(url->endpoint(), "repl@db1.hz:3307");
}

TEST(DatabaseUrl, ParsesSocketIpv6AndPassword) {
    auto sock = DatabaseUrl::parse("mysql://root@localhost/?socket=/run/mysqld/mysqld.sock");
    ASSERT_TRUE(sock.ok());
    EXPECT_EQ(sock->socket, "/run/mysqld/mysqld.sock");
    EXPECT_EQ(sock->sslMode, SslMode::Disabled);

    auto v6 = DatabaseUrl::parse("mysql://u:p%40ss@[::1]:3310");
    ASSERT_TRUE(v6.ok()) << v6.error().toString();
    EXPECT_EQ(v6->host, "::1");
    EXPECT_EQ(v6->port, 3310);
    ASSERT_TRUE(v6->passwordInUrl());
    EXPECT_EQ(*v6->password, "p@ss");
    EXPECT_EQ(v6->toString().find("p@ss"), std::string::npos);
}

struct BadUrl {
    const char* text;
    const char* messagePart;
};

class DatabaseUrlBad : public ::testing::TestWithParam<BadUrl> {};

TEST_P(DatabaseUrlBad, IsRejectedWithAReason) {
    auto url = DatabaseUrl::parse(GetParam().text);
    ASSERT_FALSE(url.ok()) << GetParam().text;
    EXPECT_EQ(url.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(url.error().message.find(GetParam().messagePart), std::string::npos)
        << url.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, DatabaseUrlBad,
    ::testing::Values(BadUrl{"postgres://u@h", "mysql://"}, BadUrl{"mysql://h:3306", "user"},
                      BadUrl{"mysql://u@h:0", "port"}, BadUrl{"mysql://u@h:70000", "port"},
                      BadUrl{"mysql://u@h:33a", "port"}, BadUrl{"mysql://u@h:", "empty port"},
                      BadUrl{"mysql://u@", "host"}, BadUrl{"mysql://u@[::1", "IPv6"},
                      BadUrl{"mysql://u@h/?ssl-mode=maybe", "ssl-mode"},
                      BadUrl{"mysql://u@h/?colour=red", "unknown option"},
                      BadUrl{"mysql://u@h/?socket", "no value"}, BadUrl{"mysql://u%4@h", "percent"},
                      BadUrl{"mysql://u@h/?connect-timeout=0", "connect-timeout"}));

TEST(DatabaseUrl, ResolvesPasswordFromEnvironment) {
    auto url = DatabaseUrl::parse("mysql://u@h");
    ASSERT_TRUE(url.ok());
    ::setenv("FERRY_TEST_PW", "secret", 1);
    auto pw = resolvePassword(*url, "", "FERRY_TEST_PW");
    ASSERT_TRUE(pw.ok());
    EXPECT_EQ(*pw, "secret");
    ::unsetenv("FERRY_TEST_PW");
    EXPECT_FALSE(resolvePassword(*url, "", "FERRY_TEST_PW").ok());
    EXPECT_FALSE(resolvePassword(*url, "/nonexistent/ferry-password", "").ok());
}

}  // namespace
}  // namespace ferry::mysql
