// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::config {

enum class LogLevel { Debug, Info, Warning, Error };

std::string_view logLevelName(LogLevel level);

// host:port; host may be a name, an IPv4 address or a bracketed IPv6 address.
struct HostPort {
    std::string host;
    uint16_t port = 0;

    static Result<HostPort> parse(std::string_view text);
    std::string toString() const;
};

// The agent's own settings, from /etc/ferry/agent.toml (CONVENTIONS.md, "Agent configuration").
// Pipelines, data sources and channels are not here: they live in ZooKeeper.
struct AgentConfig {
    // [agent]
    std::string id;    // default "<site>-<short hostname>"
    std::string site;  // required
    std::string cluster = "default";
    std::string dataDir = "/var/lib/ferry";
    LogLevel logLevel = LogLevel::Info;
    // [listen]
    HostPort listen{"0.0.0.0", 7400};
    HostPort advertised;  // default: the host name and the listen port
    // [zookeeper]
    std::string zookeeperConnect;  // required: "zk1:2181,zk2:2181"
    std::string zookeeperChroot;   // default "/ferry/<cluster>"
    uint32_t sessionTimeoutMs = 10000;
    // [tls]
    std::string tlsCertificate;
    std::string tlsKey;
    std::string tlsCa;
    bool tlsRequired = true;  // false only for local playgrounds and tests
    // [metrics]
    HostPort metricsListen{"127.0.0.1", 9400};

    // Human-readable summary for --check-config.
    std::string describe() const;
};

// Parses TOML text. `origin` names the file in messages. Unknown keys are errors (a typo must
// not silently fall back to a default); every error names the key and line.
Result<AgentConfig> parseAgentConfig(std::string_view toml, std::string_view origin,
                                     std::string_view hostName);
Result<AgentConfig> loadAgentConfig(const std::string& path);

// Checks what parsing cannot: files exist and are readable, the data folder is usable.
// Returns every problem found, one message each (empty: fine).
std::vector<std::string> checkAgentConfigEnvironment(const AgentConfig& config);

}  // namespace ferry::config
