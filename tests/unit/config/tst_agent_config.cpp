// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

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

TEST(AgentConfig, NewSectionsGetDefaults) {
    auto config = parseAgentConfig(kMinimal, "agent.toml", "h");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    EXPECT_EQ(config->authTokensFile, "");
    EXPECT_TRUE(config->authClientCertificates);
    EXPECT_EQ(config->authAgentTokenFile, "");
    EXPECT_EQ(config->dataKeyFile, "");
    EXPECT_TRUE(config->previousDataKeyFiles.empty());
    EXPECT_EQ(config->serverIdBase, 4100000000u);
    EXPECT_EQ(config->spoolDir, "/var/lib/ferry/spool");
    EXPECT_EQ(config->applyWorkers, 4u);
}

// kMinimal plus one more section: the rows below only name what they add.
std::string withMinimal(const char* extra) {
    return std::string(kMinimal) + extra;
}

struct GoodConfig {
    const char* name;
    const char* extra;
    void (*check)(const AgentConfig&);
};

class AgentConfigGood : public ::testing::TestWithParam<GoodConfig> {};

TEST_P(AgentConfigGood, IsReadIntoItsField) {
    auto config = parseAgentConfig(withMinimal(GetParam().extra), "agent.toml", "h");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    GetParam().check(*config);
    EXPECT_FALSE(config->describe().empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, AgentConfigGood,
    ::testing::Values(
        GoodConfig{"tokensFile", "[auth]\ntokens_file = \"/etc/ferry/tokens\"\n",
                   [](const AgentConfig& c) {
                       EXPECT_EQ(c.authTokensFile, "/etc/ferry/tokens");
                       EXPECT_TRUE(c.authClientCertificates);
                   }},
        GoodConfig{"tokensOnly", "[auth]\ntokens_file = \"/t\"\nclient_certificates = false\n",
                   [](const AgentConfig& c) { EXPECT_FALSE(c.authClientCertificates); }},
        GoodConfig{"agentToken", "[auth]\nagent_token_file = \"/etc/ferry/agent.token\"\n",
                   [](const AgentConfig& c) {
                       EXPECT_EQ(c.authAgentTokenFile, "/etc/ferry/agent.token");
                   }},
        GoodConfig{"dataKey", "[secrets]\ndata_key_file = \"/etc/ferry/data.key\"\n",
                   [](const AgentConfig& c) {
                       EXPECT_EQ(c.dataKeyFile, "/etc/ferry/data.key");
                       EXPECT_TRUE(c.previousDataKeyFiles.empty());
                   }},
        GoodConfig{"previousKeys",
                   "[secrets]\ndata_key_file = \"/k3\"\n"
                   "previous_data_key_files = [\"/k2\", \"/k1\"]\n",
                   [](const AgentConfig& c) {
                       EXPECT_EQ(c.previousDataKeyFiles, (std::vector<std::string>{"/k2", "/k1"}));
                   }},
        GoodConfig{"emptyPreviousKeys", "[secrets]\nprevious_data_key_files = []\n",
                   [](const AgentConfig& c) { EXPECT_TRUE(c.previousDataKeyFiles.empty()); }},
        GoodConfig{"serverIdLow", "[capture]\nserver_id_base = 1\n",
                   [](const AgentConfig& c) { EXPECT_EQ(c.serverIdBase, 1u); }},
        GoodConfig{"serverIdHigh", "[capture]\nserver_id_base = 4293967295\n",
                   [](const AgentConfig& c) { EXPECT_EQ(c.serverIdBase, 4293967295u); }},
        GoodConfig{"spoolDir", "[capture]\nspool_dir = \"/srv/spool\"\n",
                   [](const AgentConfig& c) { EXPECT_EQ(c.spoolDir, "/srv/spool"); }},
        GoodConfig{"workersLow", "[apply]\nworkers = 1\n",
                   [](const AgentConfig& c) { EXPECT_EQ(c.applyWorkers, 1u); }},
        GoodConfig{"workersHigh", "[apply]\nworkers = 64\n",
                   [](const AgentConfig& c) { EXPECT_EQ(c.applyWorkers, 64u); }}),
    [](const auto& row) { return std::string(row.param.name); });

TEST(AgentConfig, SpoolFollowsDataDir) {
    auto moved = parseAgentConfig(R"(
[agent]
site = "hz"
data_dir = "/srv/ferry"
[zookeeper]
connect = "z:1"
[tls]
required = false
)",
                                  "agent.toml", "h");
    ASSERT_TRUE(moved.ok()) << moved.error().toString();
    EXPECT_EQ(moved->spoolDir, "/srv/ferry/spool");
}

TEST(AgentConfig, DescribeShowsTheNewKeys) {
    auto config = parseAgentConfig(withMinimal(R"(
[auth]
tokens_file = "/etc/ferry/tokens"
agent_token_file = "/etc/ferry/agent.token"
[secrets]
data_key_file = "/etc/ferry/data.key"
previous_data_key_files = ["/etc/ferry/old.key"]
[capture]
server_id_base = 4200000000
[apply]
workers = 12
)"),
                                   "agent.toml", "h");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    const std::string text = config->describe();
    for (const char* part : {"/etc/ferry/tokens", "/etc/ferry/agent.token", "/etc/ferry/data.key",
                             "1 previous key", "4200000000", "/var/lib/ferry/spool", "12 worker"}) {
        EXPECT_NE(text.find(part), std::string::npos) << part << " not in:\n" << text;
    }
}

TEST(AgentConfig, NewKeyErrorsNameTheLine) {
    // kMinimal ends on line 9, so [apply] is line 10 and workers line 11.
    auto config = parseAgentConfig(withMinimal("[apply]\nworkers = 0\n"), "a.toml", "h");
    ASSERT_FALSE(config.ok());
    EXPECT_NE(config.error().message.find("a.toml:11:"), std::string::npos)
        << config.error().message;
}

// The rows add a section to kMinimal, so the error can only come from the new keys.
class AgentConfigNewKeyBad : public ::testing::TestWithParam<BadConfig> {};

TEST_P(AgentConfigNewKeyBad, IsRefusedWithTheKeyAndLine) {
    auto config = parseAgentConfig(withMinimal(GetParam().text), "agent.toml", "host");
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.error().code, ErrorCode::InvalidArgument);
    const std::string& message = config.error().message;
    EXPECT_NE(message.find(GetParam().messagePart), std::string::npos) << message;
    // "agent.toml:<line>:", the line past kMinimal's nine.
    ASSERT_EQ(message.rfind("agent.toml:", 0), 0u) << message;
    const int line = std::atoi(message.c_str() + std::string_view("agent.toml:").size());
    EXPECT_GE(line, 10) << message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, AgentConfigNewKeyBad,
    ::testing::Values(
        BadConfig{"authUnknownKey", "[auth]\ntoken_file = \"/t\"\n", "unknown key 'token_file'"},
        BadConfig{"tokensFileType", "[auth]\ntokens_file = 1\n", "tokens_file must be a string"},
        BadConfig{"clientCertificatesType", "[auth]\nclient_certificates = \"yes\"\n",
                  "client_certificates must be true or false"},
        BadConfig{"agentTokenType", "[auth]\nagent_token_file = [\"/t\"]\n",
                  "agent_token_file must be a string"},
        BadConfig{"noWayToAuthenticate", "[auth]\nclient_certificates = false\n",
                  "needs a tokens_file"},
        BadConfig{"secretsUnknownKey", "[secrets]\ndata_key = \"/k\"\n", "unknown key 'data_key'"},
        BadConfig{"dataKeyType", "[secrets]\ndata_key_file = true\n",
                  "data_key_file must be a string"},
        BadConfig{"previousNotArray",
                  "[secrets]\ndata_key_file = \"/k\"\n"
                  "previous_data_key_files = \"/old\"\n",
                  "must be an array of strings"},
        BadConfig{"previousElementType",
                  "[secrets]\ndata_key_file = \"/k\"\n"
                  "previous_data_key_files = [\"/old\", 2]\n",
                  "must hold only non-empty strings"},
        BadConfig{"previousElementEmpty",
                  "[secrets]\ndata_key_file = \"/k\"\n"
                  "previous_data_key_files = [\"\"]\n",
                  "must hold only non-empty strings"},
        BadConfig{"previousWithoutCurrent", "[secrets]\nprevious_data_key_files = [\"/old\"]\n",
                  "needs data_key_file"},
        BadConfig{"previousRepeatsCurrent",
                  "[secrets]\ndata_key_file = \"/k\"\n"
                  "previous_data_key_files = [\"/k\"]\n",
                  "lists the current data_key_file"},
        BadConfig{"captureUnknownKey", "[capture]\nserver_id = 5\n", "unknown key 'server_id'"},
        BadConfig{"serverIdType", "[capture]\nserver_id_base = \"4100000000\"\n",
                  "server_id_base must be an integer"},
        BadConfig{"serverIdFloat", "[capture]\nserver_id_base = 4.1e9\n",
                  "server_id_base must be an integer"},
        BadConfig{"serverIdZero", "[capture]\nserver_id_base = 0\n", "1..4293967295"},
        BadConfig{"serverIdNegative", "[capture]\nserver_id_base = -5\n", "1..4293967295"},
        BadConfig{"serverIdNoRoom", "[capture]\nserver_id_base = 4294967295\n", "1..4293967295"},
        BadConfig{"serverIdHuge", "[capture]\nserver_id_base = 5000000000\n", "1..4293967295"},
        BadConfig{"spoolType", "[capture]\nspool_dir = 1\n", "spool_dir must be a string"},
        BadConfig{"spoolRelative", "[capture]\nspool_dir = \"spool\"\n", "absolute"},
        BadConfig{"applyUnknownKey", "[apply]\nthreads = 4\n", "unknown key 'threads'"},
        BadConfig{"workersType", "[apply]\nworkers = \"4\"\n", "workers must be an integer"},
        BadConfig{"workersZero", "[apply]\nworkers = 0\n", "1..64"},
        BadConfig{"workersTooMany", "[apply]\nworkers = 65\n", "1..64"},
        BadConfig{"workersNegative", "[apply]\nworkers = -1\n", "1..64"}),
    [](const auto& row) { return std::string(row.param.name); });

// A fresh folder per test for files whose mode the environment check inspects.
class EnvironmentTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name =
            std::string("ferry-agentcfg-") + std::to_string(::getpid()) + "-" + info->name();
        for (char& c : name) {
            if (c == '/') {
                c = '_';
            }
        }
        m_dir = std::filesystem::temp_directory_path() / name;
        std::filesystem::remove_all(m_dir);
        ASSERT_TRUE(std::filesystem::create_directories(m_dir));
        m_config.tlsRequired = false;
        m_config.dataDir = m_dir.string();
        m_config.spoolDir = (m_dir / "spool").string();
    }

    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }

    std::string makeFile(const std::string& name, mode_t mode) {
        const std::string path = (m_dir / name).string();
        std::ofstream(path) << "content\n";
        EXPECT_EQ(::chmod(path.c_str(), mode), 0);
        return path;
    }

    std::filesystem::path m_dir;
    AgentConfig m_config;
};

TEST_F(EnvironmentTest, CleanSetupHasNoProblems) {
    m_config.authTokensFile = makeFile("tokens", 0644);
    m_config.authAgentTokenFile = makeFile("agent.token", 0600);
    m_config.dataKeyFile = makeFile("data.key", 0400);
    m_config.previousDataKeyFiles = {makeFile("old.key", 0600)};
    EXPECT_TRUE(checkAgentConfigEnvironment(m_config).empty());
}

struct ModeCase {
    const char* name;
    std::string AgentConfig::*field;  // null: the one previous data key
    mode_t mode;
    const char* problemPart;  // empty: no problem expected
};

class EnvironmentModes : public EnvironmentTest, public ::testing::WithParamInterface<ModeCase> {};

TEST_P(EnvironmentModes, AreChecked) {
    const ModeCase& row = GetParam();
    const std::string path = makeFile("file", row.mode);
    if (row.field == nullptr) {
        m_config.dataKeyFile = makeFile("current.key", 0600);
        m_config.previousDataKeyFiles = {path};
    } else {
        m_config.*row.field = path;
    }
    const auto problems = checkAgentConfigEnvironment(m_config);
    if (std::string_view(row.problemPart).empty()) {
        EXPECT_TRUE(problems.empty()) << problems.front();
        return;
    }
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find(row.problemPart), std::string::npos) << problems[0];
    EXPECT_NE(problems[0].find(path), std::string::npos) << problems[0];
}

INSTANTIATE_TEST_SUITE_P(
    Table, EnvironmentModes,
    ::testing::Values(
        ModeCase{"tokensReadableByAll", &AgentConfig::authTokensFile, 0644, ""},
        ModeCase{"tokensOwnerOnly", &AgentConfig::authTokensFile, 0600, ""},
        ModeCase{"tokensGroupWritable", &AgentConfig::authTokensFile, 0664, "chmod go-w"},
        ModeCase{"tokensOtherWritable", &AgentConfig::authTokensFile, 0646, "chmod go-w"},
        ModeCase{"agentTokenOwnerOnly", &AgentConfig::authAgentTokenFile, 0600, ""},
        ModeCase{"agentTokenGroupReadable", &AgentConfig::authAgentTokenFile, 0640, "chmod 600"},
        ModeCase{"agentTokenOtherReadable", &AgentConfig::authAgentTokenFile, 0604, "chmod 600"},
        ModeCase{"dataKeyReadOnly", &AgentConfig::dataKeyFile, 0400, ""},
        ModeCase{"dataKeyGroupReadable", &AgentConfig::dataKeyFile, 0640, "has mode 0640"},
        ModeCase{"dataKeyOtherExecutable", &AgentConfig::dataKeyFile, 0601, "chmod 600"},
        ModeCase{"previousKeyOwnerOnly", nullptr, 0600, ""},
        ModeCase{"previousKeyWorldReadable", nullptr, 0644, "previous_data_key_files"}),
    [](const auto& row) { return std::string(row.param.name); });

TEST_F(EnvironmentTest, MissingFilesAreNamed) {
    m_config.authTokensFile = (m_dir / "no-tokens").string();
    m_config.authAgentTokenFile = (m_dir / "no-token").string();
    m_config.dataKeyFile = (m_dir / "no.key").string();
    m_config.previousDataKeyFiles = {(m_dir / "no-old.key").string()};
    const auto problems = checkAgentConfigEnvironment(m_config);
    ASSERT_EQ(problems.size(), 4u);
    EXPECT_NE(problems[0].find("[auth] tokens_file"), std::string::npos) << problems[0];
    EXPECT_NE(problems[1].find("[auth] agent_token_file"), std::string::npos) << problems[1];
    EXPECT_NE(problems[2].find("[secrets] data_key_file"), std::string::npos) << problems[2];
    EXPECT_NE(problems[3].find("no-old.key"), std::string::npos) << problems[3];
    for (const auto& problem : problems) {
        EXPECT_NE(problem.find("does not exist"), std::string::npos) << problem;
    }
}

TEST_F(EnvironmentTest, KeyThatIsAFolderIsRefused) {
    m_config.dataKeyFile = m_dir.string();
    const auto problems = checkAgentConfigEnvironment(m_config);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("not a regular file"), std::string::npos) << problems[0];
}

TEST_F(EnvironmentTest, SpoolMustBeAFolderIfItExists) {
    EXPECT_TRUE(checkAgentConfigEnvironment(m_config).empty());  // missing: the agent creates it
    m_config.spoolDir = makeFile("spool-file", 0600);
    const auto problems = checkAgentConfigEnvironment(m_config);
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_NE(problems[0].find("spool_dir"), std::string::npos) << problems[0];
}

std::string readExample() {
    std::ifstream in(std::string(FERRY_SOURCE_DIR) + "/resources/config/agent.toml");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(AgentConfigExample, ParsesAsShipped) {
    const std::string text = readExample();
    ASSERT_FALSE(text.empty());
    auto config = parseAgentConfig(text, "agent.toml", "db1");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    EXPECT_EQ(config->serverIdBase, 4100000000u);
    EXPECT_EQ(config->applyWorkers, 4u);
}

// Every commented "#key = value" line is a valid setting, and the documented defaults hold.
TEST(AgentConfigExample, EveryCommentedKeyIsValid) {
    std::istringstream in(readExample());
    std::string uncommented;
    int keys = 0;
    for (std::string line; std::getline(in, line);) {
        if (line.size() > 1 && line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' &&
            line.find(" = ") != std::string::npos) {
            line.erase(0, 1);
            ++keys;
        }
        uncommented += line + "\n";
    }
    EXPECT_GE(keys, 18);  // ten before [auth], eight in the four new sections
    auto config = parseAgentConfig(uncommented, "agent.toml", "db1");
    ASSERT_TRUE(config.ok()) << config.error().toString();
    const AgentConfig defaults;
    EXPECT_EQ(config->authClientCertificates, defaults.authClientCertificates);
    EXPECT_EQ(config->serverIdBase, defaults.serverIdBase);
    EXPECT_EQ(config->applyWorkers, defaults.applyWorkers);
    EXPECT_EQ(config->spoolDir, config->dataDir + "/spool");
    EXPECT_EQ(config->previousDataKeyFiles.size(), 1u);
    EXPECT_FALSE(config->dataKeyFile.empty());
    EXPECT_FALSE(config->authTokensFile.empty());
    EXPECT_FALSE(config->authAgentTokenFile.empty());
}

}  // namespace
}  // namespace ferry::config
