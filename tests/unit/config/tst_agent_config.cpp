// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "ferry/config/agent_config.h"

namespace ferry::config {
namespace {

constexpr const char* kMinimal = R"(
[agent]
site = "hz"
[zookeeper]
connect = "zk1:2181,zk2:2181"
[tls]
certificate = "/etc/ferry/tls/agent.crt"
key = "/etc/ferry/tls/agent.key"
ca = "/etc/ferry/tls/ca.crt"
)";

TEST(AgentConfig, MinimalFileGetsDefaults) {
    auto config = parseAgentConfig(kMinimal, "agent.toml", "DB1.hz.example.com");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    EXPECT_EQ(config->id, "hz-db1");
    EXPECT_EQ(config->site, "hz");
    EXPECT_EQ(config->cluster, "default");
    EXPECT_EQ(config->zookeeperChroot, "/ferry/default");
    EXPECT_EQ(config->listen.toString(), "0.0.0.0:7400");
    EXPECT_EQ(config->advertised.toString(), "DB1.hz.example.com:7400");
    EXPECT_EQ(config->sessionTimeoutMs, 10000u);
    EXPECT_EQ(config->dataDir, "/var/lib/ferry");
    EXPECT_EQ(config->logLevel, LogLevel::Info);
    EXPECT_TRUE(config->tlsRequired);
}

TEST(AgentConfig, EveryKeyIsRead) {
    auto config = parseAgentConfig(R"(
[agent]
id = "hz-a"
site = "hz"
cluster = "prod"
data_dir = "/srv/ferry"
log_level = "debug"
[listen]
address = "[::]:7500"
advertised = "a.hz:7500"
[zookeeper]
connect = "zk:2181"
chroot = "/x/y"
session_timeout_ms = 6000
[tls]
required = false
[metrics]
listen = "0.0.0.0:9500"
)",
                                   "agent.toml", "host");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    EXPECT_EQ(config->id, "hz-a");
    EXPECT_EQ(config->cluster, "prod");
    EXPECT_EQ(config->dataDir, "/srv/ferry");
    EXPECT_EQ(config->logLevel, LogLevel::Debug);
    EXPECT_EQ(config->listen.host, "::");
    EXPECT_EQ(config->listen.port, 7500);
    EXPECT_EQ(config->advertised.toString(), "a.hz:7500");
    EXPECT_EQ(config->zookeeperChroot, "/x/y");
    EXPECT_EQ(config->sessionTimeoutMs, 6000u);
    EXPECT_FALSE(config->tlsRequired);
    EXPECT_EQ(config->metricsListen.toString(), "0.0.0.0:9500");
}

struct BadConfig {
    const char* name;
    const char* text;
    const char* messagePart;
};

class AgentConfigBad : public ::testing::TestWithParam<BadConfig> {};

TEST_P(AgentConfigBad, IsRefusedWithTheKeyAndLine) {
    auto config = parseAgentConfig(GetParam().text, "agent.toml", "host");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::InvalidArgument);
    EXPECT_NE(config.error().message.find(GetParam().messagePart), std::string::npos)
        << config.error().message;
    EXPECT_EQ(config.error().message.rfind("agent.toml", 0), 0u) << config.error().message;
}

const char* const kTls = "[tls]\nrequired = false\n";

INSTANTIATE_TEST_SUITE_P(
    Table, AgentConfigBad,
    ::testing::Values(
        BadConfig{"notToml", "[agent\nsite=", "not valid TOML"},
        BadConfig{"noSite", "[agent]\n[zookeeper]\nconnect=\"z:1\"\n[tls]\nrequired=false\n",
                  "site is required"},
        BadConfig{"badSite", "[agent]\nsite=\"Hang Zhou\"\n", "must be 1-32"},
        BadConfig{"typo", "[agent]\nsite=\"hz\"\nsiet=\"us\"\n", "unknown key 'siet'"},
        BadConfig{"unknownSection", "[agnet]\nsite=\"hz\"\n", "unknown key 'agnet'"},
        BadConfig{"topLevelValue", "site=\"hz\"\n", "unknown key 'site'"},
        BadConfig{"noZookeeper", "[agent]\nsite=\"hz\"\n[tls]\nrequired=false\n",
                  "connect is required"},
        BadConfig{"badLevel", "[agent]\nsite=\"hz\"\nlog_level=\"loud\"\n", "log_level"},
        BadConfig{"relativeData", "[agent]\nsite=\"hz\"\ndata_dir=\"data\"\n", "absolute"},
        BadConfig{"badListen",
                  "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\n[listen]\naddress=\"x\"\n",
                  "host:port"},
        BadConfig{
            "badPort",
            "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\n[listen]\naddress=\"x:99999\"\n",
            "0-65535"},
        BadConfig{"timeoutType",
                  "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\nsession_timeout_ms=\"10\"\n",
                  "session_timeout_ms must be an integer"},
        BadConfig{"timeoutRange",
                  "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\nsession_timeout_ms=10\n",
                  "1000..120000"},
        BadConfig{"badChroot",
                  "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\nchroot=\"ferry/\"\n",
                  "chroot"},
        BadConfig{"tlsMissing", "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\n",
                  "ferryctl cert"},
        BadConfig{"tlsType",
                  "[agent]\nsite=\"hz\"\n[zookeeper]\nconnect=\"z:1\"\n[tls]\nrequired=\"no\"\n",
                  "true or false"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(AgentConfig, ErrorsNameTheLine) {
    auto config = parseAgentConfig("[agent]\nsite = \"hz\"\n\nbogus = 1\n", "a.toml", "h");
    ASSERT_FALSE(config.ok());
    EXPECT_NE(config.error().message.find("a.toml:4:"), std::string::npos)
        << config.error().message;
}

TEST(AgentConfig, EnvironmentCheckNamesMissingFiles) {
    auto config = parseAgentConfig(kMinimal, "agent.toml", "h");
    ASSERT_TRUE(config.ok());
    config->dataDir = "/nonexistent/ferry-data";
    const auto problems = checkAgentConfigEnvironment(*config);
    ASSERT_EQ(problems.size(), 4u);
    EXPECT_NE(problems[0].find("/etc/ferry/tls/agent.crt"), std::string::npos);
    EXPECT_NE(problems[3].find("data_dir"), std::string::npos);
}

}  // namespace
}  // namespace ferry::config
