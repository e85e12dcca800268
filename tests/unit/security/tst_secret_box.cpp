// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdlib>

#include "ferry/security/encoding.h"
#include "ferry/security/secret_box.h"
#include "ferry/v1/config.pb.h"
#include "temp_dir.h"

namespace ferry::security {
namespace {

using testing::fileMode;
using testing::TempDir;

DataKey keyOf(char fill) {
    auto key = DataKey::fromBytes(std::string(DataKey::kSize, fill));
    EXPECT_TRUE(key.ok());
    return std::move(key).value();
}

TEST(Encoding, Rfc4648Vectors) {
    const std::pair<std::string, std::string> rows[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (const auto& [clear, encoded] : rows) {
        EXPECT_EQ(base64Encode(clear), encoded);
        ASSERT_TRUE(base64Decode(encoded).has_value()) << encoded;
        EXPECT_EQ(*base64Decode(encoded), clear);
    }
}

TEST(Encoding, RoundTripsEveryLength) {
    for (std::size_t size = 0; size < 70; ++size) {
        const std::string bytes = randomBytes(size);
        ASSERT_EQ(bytes.size(), size);
        EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes);
        EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes);
        EXPECT_EQ(hexDecode(hexEncode(bytes)), bytes);
    }
}

TEST(Encoding, RejectsMalformedText) {
    for (const char* bad : {"Zg=", "Zh==", "Z===", "@@@@", "Zm9v\n", "Zm9", "=Zm9", "Zm-_"}) {
        EXPECT_FALSE(base64Decode(bad).has_value()) << bad;
    }
    for (const char* bad : {"Zh", "Z", "Zm9v+/", "Zg=="}) {
        EXPECT_FALSE(base64UrlDecode(bad).has_value()) << bad;
    }
    for (const char* bad : {"a", "zz", "0g"}) {
        EXPECT_FALSE(hexDecode(bad).has_value()) << bad;
    }
}

TEST(DataKey, IdIsTheStartOfTheKeysSha256) {
    const DataKey key = keyOf('k');
    EXPECT_EQ(key.idHex(), hexEncode(sha256(std::string(32, 'k')).substr(0, 8)));
    EXPECT_EQ(key.idHex().size(), 16u);
    EXPECT_NE(key.idHex(), keyOf('j').idHex());
    EXPECT_FALSE(DataKey::fromBytes(std::string(31, 'k')).ok());
    EXPECT_FALSE(DataKey::fromBytes(std::string(33, 'k')).ok());
}

TEST(SecretBox, SealsAndOpens) {
    const SecretBox box(keyOf('a'));
    const std::string rows[] = {"",
                                "p",
                                "correct horse battery staple",
                                "pässwörd",
                                std::string("nul\0inside", 10),
                                std::string(5000, 'x')};
    for (const std::string& clear : rows) {
        auto sealed = box.seal(clear, "hz-db1");
        ASSERT_TRUE(sealed.ok()) << sealed.error().message;
        EXPECT_EQ(sealed->size(), SecretBox::kHeaderSize + clear.size() + SecretBox::kTagSize);
        EXPECT_EQ(std::uint8_t((*sealed)[0]), SecretBox::kVersion);
        EXPECT_EQ(hexEncode(sealed->substr(1, 8)), box.key().idHex());
        if (clear.size() >= 4) {
            EXPECT_EQ(sealed->find(clear), std::string::npos);
        }
        auto opened = box.open(*sealed, "hz-db1");
        ASSERT_TRUE(opened.ok()) << opened.error().message;
        EXPECT_EQ(opened->str(), clear);
    }
}

TEST(SecretBox, EachSealUsesAFreshNonce) {
    const SecretBox box(keyOf('a'));
    auto first = box.seal("secret", "hz-db1");
    auto second = box.seal("secret", "hz-db1");
    ASSERT_TRUE(first.ok() && second.ok());
    EXPECT_NE(first->substr(9, 12), second->substr(9, 12));
    EXPECT_NE(*first, *second);
}

TEST(SecretBox, WrongKeyNamesBothKeyIds) {
    const SecretBox sealer(keyOf('a'));
    const SecretBox opener(keyOf('b'));
    auto sealed = sealer.seal("secret", "hz-db1");
    ASSERT_TRUE(sealed.ok());
    auto opened = opener.open(*sealed, "hz-db1");
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::PermissionDenied);
    const std::string& message = opened.error().message;
    EXPECT_NE(message.find("sealed with key " + sealer.key().idHex()), std::string::npos)
        << message;
    EXPECT_NE(message.find("this agent has key " + opener.key().idHex()), std::string::npos)
        << message;
    auto id = SecretBox::sealedKeyIdHex(*sealed);
    ASSERT_TRUE(id.ok());
    EXPECT_EQ(*id, sealer.key().idHex());
}

TEST(SecretBox, OpensWithAPreviousKeyDuringRotation) {
    const SecretBox oldBox(keyOf('o'));
    auto oldSealed = oldBox.seal("old secret", "hz-db1");
    ASSERT_TRUE(oldSealed.ok());
    std::vector<DataKey> previous;
    previous.push_back(keyOf('o'));
    const SecretBox rotating(keyOf('n'), std::move(previous));
    auto opened = rotating.open(*oldSealed, "hz-db1");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->str(), "old secret");
    auto newSealed = rotating.seal("new secret", "hz-db1");
    ASSERT_TRUE(newSealed.ok());
    EXPECT_EQ(*SecretBox::sealedKeyIdHex(*newSealed), keyOf('n').idHex());
    EXPECT_EQ(rotating.open(*newSealed, "hz-db1")->str(), "new secret");
    auto refused = oldBox.open(*newSealed, "hz-db1");
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::PermissionDenied);

    const SecretBox stranger(keyOf('s'));
    auto foreign = stranger.seal("x", "hz-db1");
    ASSERT_TRUE(foreign.ok());
    auto unknown = rotating.open(*foreign, "hz-db1");
    ASSERT_FALSE(unknown.ok());
    EXPECT_NE(
        unknown.error().message.find("keys " + keyOf('n').idHex() + " and " + keyOf('o').idHex()),
        std::string::npos)
        << unknown.error().message;
}

TEST(SecretBox, MovedToAnotherObjectFails) {
    const SecretBox box(keyOf('a'));
    auto sealed = box.seal("secret", "hz-db1");
    ASSERT_TRUE(sealed.ok());
    for (const char* other : {"hz-db2", "hz-db", "hz-db1 ", "HZ-DB1"}) {
        auto opened = box.open(*sealed, other);
        ASSERT_FALSE(opened.ok()) << other;
        EXPECT_EQ(opened.error().code, ErrorCode::Corrupt);
        EXPECT_NE(opened.error().message.find(other), std::string::npos);
    }
}

TEST(SecretBox, AnyAlteredByteIsRefused) {
    const SecretBox box(keyOf('a'));
    auto sealed = box.seal("a password", "hz-db1");
    ASSERT_TRUE(sealed.ok());
    struct Row {
        const char* region;
        std::size_t offset;
        ErrorCode code;
    };
    const std::size_t tagStart = sealed->size() - SecretBox::kTagSize;
    const Row rows[] = {
        {"version", 0, ErrorCode::Unsupported},
        {"key id", 1, ErrorCode::PermissionDenied},
        {"key id end", 8, ErrorCode::PermissionDenied},
        {"nonce", 9, ErrorCode::Corrupt},
        {"nonce end", 20, ErrorCode::Corrupt},
        {"ciphertext", SecretBox::kHeaderSize, ErrorCode::Corrupt},
        {"ciphertext end", tagStart - 1, ErrorCode::Corrupt},
        {"tag", tagStart, ErrorCode::Corrupt},
        {"tag end", sealed->size() - 1, ErrorCode::Corrupt},
    };
    for (const Row& row : rows) {
        std::string altered = *sealed;
        altered[row.offset] = char(altered[row.offset] ^ 0x01);
        auto opened = box.open(altered, "hz-db1");
        ASSERT_FALSE(opened.ok()) << row.region;
        EXPECT_EQ(opened.error().code, row.code) << row.region << ": " << opened.error().message;
    }
}

TEST(SecretBox, TruncatedAndUnknownVersionsAreErrors) {
    const SecretBox box(keyOf('a'));
    auto sealed = box.seal("a password", "hz-db1");
    ASSERT_TRUE(sealed.ok());
    for (std::size_t size = 0; size < sealed->size(); ++size) {
        auto opened = box.open(sealed->substr(0, size), "hz-db1");
        ASSERT_FALSE(opened.ok()) << size;
        EXPECT_EQ(opened.error().code, ErrorCode::Corrupt) << size;
    }
    std::string longer = *sealed + "x";
    EXPECT_FALSE(box.open(longer, "hz-db1").ok());
    for (int version : {0, 2, 255}) {
        std::string other = *sealed;
        other[0] = char(version);
        auto opened = box.open(other, "hz-db1");
        ASSERT_FALSE(opened.ok());
        EXPECT_EQ(opened.error().code, ErrorCode::Unsupported);
        EXPECT_NE(opened.error().message.find("version " + std::to_string(version)),
                  std::string::npos);
    }
}

TEST(SecretBox, RefusesEmptyObjectAndOversizedSecrets) {
    const SecretBox box(keyOf('a'));
    EXPECT_EQ(box.seal("x", "").error().code, ErrorCode::InvalidArgument);
    EXPECT_EQ(box.seal(std::string(SecretBox::kMaxClearSize + 1, 'x'), "o").error().code,
              ErrorCode::InvalidArgument);
}

TEST(DataKeyFile, WritesAndLoads) {
    TempDir dir;
    const std::string path = dir.file("data.key");
    auto key = DataKey::generate();
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE(writeDataKeyFile(path, *key).ok());
    EXPECT_EQ(fileMode(path), 0600u);
    auto loaded = loadDataKey(path);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(loaded->bytes(), key->bytes());
    EXPECT_EQ(loaded->idHex(), key->idHex());

    auto again = writeDataKeyFile(path, *key);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("refusing to overwrite"), std::string::npos);
}

TEST(DataKeyFile, LoadsASecretBoxWithPreviousKeys) {
    TempDir dir;
    auto current = DataKey::generate();
    auto previous = DataKey::generate();
    ASSERT_TRUE(current.ok() && previous.ok());
    ASSERT_TRUE(writeDataKeyFile(dir.file("new.key"), *current).ok());
    ASSERT_TRUE(writeDataKeyFile(dir.file("old.key"), *previous).ok());
    auto box = loadSecretBox(dir.file("new.key"), {dir.file("old.key")});
    ASSERT_TRUE(box.ok()) << box.error().message;
    EXPECT_EQ(box->key().idHex(), current->idHex());
    ASSERT_EQ(box->previousKeys().size(), 1u);
    EXPECT_EQ(box->previousKeys()[0].idHex(), previous->idHex());
    auto missing = loadSecretBox(dir.file("new.key"), {dir.file("gone.key")});
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find(dir.file("gone.key")), std::string::npos);
}

TEST(DataKeyFile, RefusesFilesOthersCanRead) {
    TempDir dir;
    const std::string text = base64Encode(std::string(32, 'z')) + "\n";
    for (mode_t mode : {0644, 0640, 0604, 0620, 0660}) {
        const std::string path = dir.write("key-" + std::to_string(mode), text, mode);
        auto loaded = loadDataKey(path);
        ASSERT_FALSE(loaded.ok()) << mode;
        EXPECT_EQ(loaded.error().code, ErrorCode::PermissionDenied);
        EXPECT_NE(loaded.error().message.find("chmod 600 " + path), std::string::npos)
            << loaded.error().message;
    }
    EXPECT_TRUE(loadDataKey(dir.write("ok-0400", text, 0400)).ok());
}

TEST(DataKeyFile, RefusesMalformedContent) {
    TempDir dir;
    struct Row {
        const char* name;
        std::string content;
    };
    const Row rows[] = {
        {"empty", ""},
        {"not base64", "this is not base64!\n"},
        {"short", base64Encode(std::string(31, 'z')) + "\n"},
        {"long", base64Encode(std::string(33, 'z')) + "\n"},
        {"two lines",
         base64Encode(std::string(32, 'z')) + "\n" + base64Encode(std::string(32, 'y')) + "\n"},
    };
    for (const Row& row : rows) {
        auto loaded = loadDataKey(dir.write(row.name, row.content, 0600));
        ASSERT_FALSE(loaded.ok()) << row.name;
        EXPECT_EQ(loaded.error().code, ErrorCode::Corrupt) << row.name;
    }
    auto missing = loadDataKey(dir.file("missing"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
    EXPECT_TRUE(
        loadDataKey(dir.write("no newline", base64Encode(std::string(32, 'z')), 0600)).ok());
}

TEST(ResolveSecret, EverySource) {
    TempDir dir;
    const SecretBox box(keyOf('a'));
    ferry::v1::Secret secret;

    EXPECT_EQ(resolveSecret(secret, "hz-db1", &box)->str(), "");

    auto sealed = box.seal("from the box", "hz-db1");
    ASSERT_TRUE(sealed.ok());
    secret.set_sealed(*sealed);
    EXPECT_EQ(resolveSecret(secret, "hz-db1", &box)->str(), "from the box");
    auto noKey = resolveSecret(secret, "hz-db1", nullptr);
    ASSERT_FALSE(noKey.ok());
    EXPECT_EQ(noKey.error().code, ErrorCode::NotFound);
    EXPECT_NE(noKey.error().message.find("data_key_file"), std::string::npos);
    EXPECT_FALSE(resolveSecret(secret, "hz-db2", &box).ok());

    ::setenv("FERRY_TEST_SECRET_PASSWORD", "from env", 1);
    secret.set_env("FERRY_TEST_SECRET_PASSWORD");
    EXPECT_EQ(resolveSecret(secret, "hz-db1", nullptr)->str(), "from env");
    ::unsetenv("FERRY_TEST_SECRET_PASSWORD");
    auto unset = resolveSecret(secret, "hz-db1", nullptr);
    ASSERT_FALSE(unset.ok());
    EXPECT_EQ(unset.error().code, ErrorCode::NotFound);
    EXPECT_NE(unset.error().message.find("FERRY_TEST_SECRET_PASSWORD"), std::string::npos);

    secret.set_file(dir.write("pw", "from file\r\n\n", 0600));
    EXPECT_EQ(resolveSecret(secret, "hz-db1", nullptr)->str(), "from file");
    secret.set_file(dir.write("pw-inner", "two\nlines\n", 0400));
    EXPECT_EQ(resolveSecret(secret, "hz-db1", nullptr)->str(), "two\nlines");
    secret.set_file(dir.write("pw-open", "from file\n", 0644));
    auto open = resolveSecret(secret, "hz-db1", nullptr);
    ASSERT_FALSE(open.ok());
    EXPECT_EQ(open.error().code, ErrorCode::PermissionDenied);
    EXPECT_NE(open.error().message.find("chmod 600"), std::string::npos);
    secret.set_file(dir.file("missing"));
    EXPECT_EQ(resolveSecret(secret, "hz-db1", nullptr).error().code, ErrorCode::NotFound);
}

TEST(SecretString, MovedFromIsEmpty) {
    SecretString first(std::string("hunter2"));
    SecretString second(std::move(first));
    EXPECT_TRUE(first.empty());  // NOLINT: checking the moved-from state on purpose
    EXPECT_EQ(second.str(), "hunter2");
    SecretString third;
    third = std::move(second);
    EXPECT_TRUE(second.empty());  // NOLINT
    EXPECT_EQ(third.str(), "hunter2");
    third.clear();
    EXPECT_TRUE(third.empty());
}

}  // namespace
}  // namespace ferry::security
