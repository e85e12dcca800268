// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <set>

#include "ferry/security/encoding.h"
#include "ferry/security/roles.h"
#include "ferry/security/token_store.h"
#include "temp_dir.h"

namespace ferry::security {
namespace {

using testing::fileMode;
using testing::readText;
using testing::TempDir;

TokenEntry entryFor(std::string_view token, ferry::v1::Role role, std::string name) {
    TokenEntry entry;
    entry.role = role;
    entry.hash = hashToken(token);
    entry.name = std::move(name);
    return entry;
}

TEST(Token, GeneratedTokensHaveTheDocumentedShape) {
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) {
        auto token = generateToken();
        ASSERT_TRUE(token.ok());
        const std::string& text = token->str();
        ASSERT_TRUE(text.starts_with("ferry_")) << text;
        EXPECT_EQ(text.size(), 6u + 43u);
        auto bytes = base64UrlDecode(std::string_view(text).substr(6));
        ASSERT_TRUE(bytes.has_value()) << text;
        EXPECT_EQ(bytes->size(), 32u);
        EXPECT_TRUE(seen.insert(text).second);
    }
}

TEST(TokenStore, AuthenticatesKnownTokensOnly) {
    const std::string alice = "ferry_alice-token";
    const std::string bob = "ferry_bob-token";
    const TokenStore store({entryFor(alice, ferry::v1::ROLE_OPERATOR, "alice"),
                            entryFor(bob, ferry::v1::ROLE_VIEWER, "bob")});
    auto who = store.authenticate(alice);
    ASSERT_TRUE(who.has_value());
    EXPECT_EQ(who->role, ferry::v1::ROLE_OPERATOR);
    EXPECT_EQ(who->name, "alice");
    who = store.authenticate(bob);
    ASSERT_TRUE(who.has_value());
    EXPECT_EQ(who->role, ferry::v1::ROLE_VIEWER);
    EXPECT_EQ(who->name, "bob");

    for (const std::string& bad :
         {std::string("ferry_alice-tokeN"), std::string("ferry_alice-toke"), alice + "\n",
          std::string(""), std::string("ferry_"), hexEncode(sha256(alice))}) {
        EXPECT_FALSE(store.authenticate(bad).has_value()) << bad;
    }
    EXPECT_FALSE(TokenStore().authenticate(alice).has_value());
}

TEST(TokenStore, ParsesLinesCommentsAndBlankLines) {
    const std::string text =
        "# Ferry tokens\n\n" + formatTokenEntry(entryFor("t1", ferry::v1::ROLE_ADMIN, "root@ops")) +
        "\n   \n" + "  " + formatTokenEntry(entryFor("t2", ferry::v1::ROLE_VIEWER, "dash.board")) +
        "\r\n";
    auto store = TokenStore::parse(text, "tokens");
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_EQ(store->size(), 2u);
    EXPECT_EQ(store->authenticate("t1")->name, "root@ops");
    EXPECT_EQ(store->authenticate("t2")->role, ferry::v1::ROLE_VIEWER);
}

TEST(TokenStore, RejectsMalformedLinesNamingTheLine) {
    const std::string hash(64, 'a');
    struct Row {
        const char* name;
        std::string line;
        const char* expected;
    };
    const Row rows[] = {
        {"two fields", "admin " + hash, "found 2 fields"},
        {"four fields", "admin " + hash + " alice extra", "found 4 fields"},
        {"unknown role", "root " + hash + " alice", "unknown role 'root'"},
        {"short hash", "admin " + hash.substr(1) + " alice", "64 hex digits"},
        {"not hex", "admin " + std::string(64, 'g') + " alice", "64 hex digits"},
        {"a clear token", "admin ferry_abc alice", "64 hex digits"},
        {"bad name", "admin " + hash + " al/ice", "name 'al/ice'"},
    };
    for (const Row& row : rows) {
        auto store = TokenStore::parse("# header\n" + row.line + "\n", "/etc/ferry/tokens");
        ASSERT_FALSE(store.ok()) << row.name;
        EXPECT_EQ(store.error().code, ErrorCode::InvalidArgument);
        EXPECT_NE(store.error().message.find("/etc/ferry/tokens:2: "), std::string::npos)
            << store.error().message;
        EXPECT_NE(store.error().message.find(row.expected), std::string::npos)
            << store.error().message;
    }
}

TEST(TokenStore, FileRoundTrip) {
    TempDir dir;
    const std::string path = dir.file("tokens");
    auto first = generateToken();
    auto second = generateToken();
    ASSERT_TRUE(first.ok() && second.ok());
    ASSERT_TRUE(appendToken(path, ferry::v1::ROLE_OPERATOR, "alice", first->view()).ok());
    EXPECT_EQ(fileMode(path), 0600u);
    ASSERT_TRUE(appendToken(path, ferry::v1::ROLE_ADMIN, "alice", second->view()).ok());
    const std::string text = readText(path);
    EXPECT_EQ(text.find(first->str()), std::string::npos) << "the clear token must not be stored";
    EXPECT_NE(text.find(hexEncode(sha256(first->view()))), std::string::npos);

    auto store = TokenStore::load(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_EQ(store->size(), 2u);
    EXPECT_EQ(store->authenticate(first->view())->role, ferry::v1::ROLE_OPERATOR);
    EXPECT_EQ(store->authenticate(second->view())->role, ferry::v1::ROLE_ADMIN);
    EXPECT_FALSE(store->authenticate("ferry_unknown").has_value());
}

TEST(TokenStore, AppendKeepsAHandWrittenLastLineApart) {
    TempDir dir;
    const std::string path =
        dir.write("tokens", formatTokenEntry(entryFor("old", ferry::v1::ROLE_VIEWER, "old")), 0600);
    ASSERT_TRUE(appendToken(path, ferry::v1::ROLE_ADMIN, "new", "ferry_new").ok());
    auto store = TokenStore::load(path);
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ(store->authenticate("old")->name, "old");
    EXPECT_EQ(store->authenticate("ferry_new")->name, "new");
}

TEST(TokenStore, RefusesFilesOthersCanWriteAndBrokenFiles) {
    TempDir dir;
    const std::string line = formatTokenEntry(entryFor("t", ferry::v1::ROLE_ADMIN, "a")) + "\n";
    EXPECT_TRUE(TokenStore::load(dir.write("readable", line, 0644)).ok());
    for (mode_t mode : {0664, 0646, 0666}) {
        const std::string path = dir.write("writable-" + std::to_string(mode), line, mode);
        auto store = TokenStore::load(path);
        ASSERT_FALSE(store.ok());
        EXPECT_EQ(store.error().code, ErrorCode::PermissionDenied);
        EXPECT_NE(store.error().message.find("chmod go-w " + path), std::string::npos);
        EXPECT_FALSE(appendToken(path, ferry::v1::ROLE_ADMIN, "b", "x").ok());
    }
    const std::string broken = dir.write("broken", "nonsense\n", 0600);
    EXPECT_FALSE(appendToken(broken, ferry::v1::ROLE_ADMIN, "b", "x").ok());
    EXPECT_EQ(readText(broken), "nonsense\n");
    EXPECT_EQ(TokenStore::load(dir.file("missing")).error().code, ErrorCode::NotFound);
}

TEST(TokenStore, AppendRefusesBadRolesAndNames) {
    TempDir dir;
    const std::string path = dir.file("tokens");
    EXPECT_FALSE(appendToken(path, ferry::v1::ROLE_UNSPECIFIED, "a", "x").ok());
    EXPECT_FALSE(appendToken(path, ferry::v1::ROLE_ADMIN, "", "x").ok());
    EXPECT_FALSE(appendToken(path, ferry::v1::ROLE_ADMIN, "a b", "x").ok());
    EXPECT_FALSE(appendToken(path, ferry::v1::ROLE_ADMIN, std::string(65, 'a'), "x").ok());
}

TEST(Roles, NamesAndOrder) {
    for (auto role : {ferry::v1::ROLE_VIEWER, ferry::v1::ROLE_OPERATOR, ferry::v1::ROLE_ADMIN}) {
        EXPECT_EQ(parseRole(roleName(role)), role);
        EXPECT_TRUE(roleAllows(ferry::v1::ROLE_ADMIN, role));
        EXPECT_TRUE(roleAllows(role, ferry::v1::ROLE_VIEWER));
        EXPECT_FALSE(roleAllows(ferry::v1::ROLE_UNSPECIFIED, role));
    }
    EXPECT_FALSE(roleAllows(ferry::v1::ROLE_VIEWER, ferry::v1::ROLE_OPERATOR));
    EXPECT_FALSE(roleAllows(ferry::v1::ROLE_OPERATOR, ferry::v1::ROLE_ADMIN));
    EXPECT_FALSE(parseRole("Admin").has_value());
    EXPECT_FALSE(parseRole("unspecified").has_value());
}

}  // namespace
}  // namespace ferry::security
