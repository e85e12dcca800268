// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness_env.h"

namespace ferry::harness {
namespace {

std::string serverLines(int index, const std::string& site, int port) {
    const std::string p = "mariadb." + std::to_string(index) + ".";
    const std::string n = std::to_string(index + 1);
    return p + "site=" + site + "\n" + p + "host=127.0.0.1\n" + p + "port=" + std::to_string(port) +
           "\n" + p + "socket=/h/mariadb-" + std::to_string(index) + "/mariadbd.sock\n" + p +
           "pid=" + std::to_string(1000 + index) + "\n" + p + "datadir=/h/d" +
           std::to_string(index) + "\n" + p + "error_log=/h/e.log\n" + p + "client_cnf=/h/c.cnf\n" +
           p + "server_id=" + n + "\n" + p + "gtid_domain_id=" + n + "\n" + p +
           "auto_increment_increment=10\n" + p + "auto_increment_offset=" + n + "\n" + p +
           "binlog_basename=/h/d/mariadb-bin\n";
}

std::string validText() {
    return "version=1\ndir=/h\nuser=ferry\npassword=pa=ss\nmariadb.count=2\n" +
           serverLines(0, "hz", 40001) + serverLines(1, "us", 40002) +
           "zookeeper.enabled=1\nzookeeper.connect=127.0.0.1:40003\n";
}

std::string replaceLine(std::string text, const std::string& key, const std::string& line) {
    const std::size_t at = text.find("\n" + key + "=");
    const std::size_t start = at == std::string::npos ? 0 : at + 1;
    const std::size_t end = text.find('\n', start);
    return text.replace(start, end - start, line);
}

TEST(HarnessEnvTest, ParsesWhatFerryHarnessWrites) {
    auto env = HarnessEnv::parse(validText(), "env.txt");
    ASSERT_TRUE(env.ok()) << env.error().toString();
    EXPECT_EQ(env->dir(), "/h");
    EXPECT_EQ(env->user(), "ferry");
    EXPECT_EQ(env->password(), "pa=ss");  // only the first '=' splits
    ASSERT_EQ(env->mariadbCount(), 2u);
    EXPECT_EQ(env->mariadb()[0].site, "hz");
    EXPECT_EQ(env->mariadb()[1].site, "us");
    EXPECT_EQ(env->mariadb()[1].port, 40002);
    EXPECT_EQ(env->mariadb()[1].socket, "/h/mariadb-1/mariadbd.sock");
    EXPECT_EQ(env->mariadb()[1].serverId, 2);
    EXPECT_EQ(env->mariadb()[1].gtidDomainId, 2);
    EXPECT_EQ(env->mariadb()[1].autoIncrementOffset, 2);
    EXPECT_EQ(env->mariadb()[1].autoIncrementIncrement, 10);
    EXPECT_TRUE(env->hasZookeeper());
    EXPECT_EQ(env->zookeeperConnect(), "127.0.0.1:40003");
    auto second = env->mariadb(1);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->port, 40002);
    auto third = env->mariadb(2);
    ASSERT_FALSE(third.ok());
    EXPECT_EQ(third.error().code, ErrorCode::NotFound);
}

TEST(HarnessEnvTest, ToleratesCommentsBlankLinesCrLfAndUnknownKeys) {
    std::string text = "# written by ferry-harness\n\n" + validText() + "future.key=x\n";
    std::string crlf;
    for (char c : text) {
        if (c == '\n') {
            crlf += '\r';
        }
        crlf += c;
    }
    auto env = HarnessEnv::parse(crlf, "env.txt");
    ASSERT_TRUE(env.ok()) << env.error().toString();
    EXPECT_EQ(env->mariadb()[0].binlogBasename, "/h/d/mariadb-bin");
}

TEST(HarnessEnvTest, WithoutZookeeper) {
    std::string text = replaceLine(validText(), "zookeeper.enabled", "zookeeper.enabled=0");
    text = replaceLine(text, "zookeeper.connect", "");
    auto env = HarnessEnv::parse(text, "env.txt");
    ASSERT_TRUE(env.ok()) << env.error().toString();
    EXPECT_FALSE(env->hasZookeeper());
}

struct CorruptCase {
    const char* name;
    std::string text;
    ErrorCode code;
    const char* mentions;
};

TEST(HarnessEnvTest, RejectsCorruptFilesNamingTheProblem) {
    const std::string valid = validText();
    const std::vector<CorruptCase> cases = {
        {"empty", "", ErrorCode::Corrupt, "version"},
        {"no equals sign", valid + "garbage\n", ErrorCode::Corrupt, "expected key=value"},
        {"empty key", valid + "=x\n", ErrorCode::Corrupt, "expected key=value"},
        {"duplicate key", valid + "user=other\n", ErrorCode::Corrupt, "appears twice"},
        {"newer version", replaceLine(valid, "version", "version=2"), ErrorCode::Unsupported,
         "format version 2"},
        {"missing password", replaceLine(valid, "password", ""), ErrorCode::Corrupt, "password"},
        {"port not a number", replaceLine(valid, "mariadb.0.port", "mariadb.0.port=33o6"),
         ErrorCode::Corrupt, "mariadb.0.port"},
        {"port out of range", replaceLine(valid, "mariadb.1.port", "mariadb.1.port=70000"),
         ErrorCode::Corrupt, "mariadb.1.port"},
        {"port empty", replaceLine(valid, "mariadb.1.port", "mariadb.1.port="), ErrorCode::Corrupt,
         "mariadb.1.port"},
        {"negative count", replaceLine(valid, "mariadb.count", "mariadb.count=-1"),
         ErrorCode::Corrupt, "mariadb.count"},
        {"huge count", replaceLine(valid, "mariadb.count", "mariadb.count=99999999999"),
         ErrorCode::Corrupt, "mariadb.count"},
        {"count beyond servers", replaceLine(valid, "mariadb.count", "mariadb.count=3"),
         ErrorCode::Corrupt, "mariadb.2.site"},
        {"zookeeper without connect", replaceLine(valid, "zookeeper.connect", ""),
         ErrorCode::Corrupt, "zookeeper.connect"},
        {"zookeeper connect empty", replaceLine(valid, "zookeeper.connect", "zookeeper.connect="),
         ErrorCode::Corrupt, "zookeeper.connect"},
        {"zookeeper flag 2", replaceLine(valid, "zookeeper.enabled", "zookeeper.enabled=2"),
         ErrorCode::Corrupt, "zookeeper.enabled"},
    };
    for (const CorruptCase& c : cases) {
        SCOPED_TRACE(c.name);
        auto env = HarnessEnv::parse(c.text, "env.txt");
        ASSERT_FALSE(env.ok());
        EXPECT_EQ(env.error().code, c.code);
        EXPECT_NE(env.error().message.find(c.mentions), std::string::npos) << env.error().message;
        EXPECT_EQ(env.error().message.rfind("env.txt", 0), 0u) << env.error().message;
    }
}

TEST(HarnessEnvTest, LoadOfAFolderThatIsNotUpSaysHowToStartIt) {
    auto env = HarnessEnv::load("/nonexistent/ferry-harness");
    ASSERT_FALSE(env.ok());
    EXPECT_EQ(env.error().code, ErrorCode::NotFound);
    EXPECT_NE(env.error().message.find("ferry-harness up"), std::string::npos);
}

}  // namespace
}  // namespace ferry::harness
