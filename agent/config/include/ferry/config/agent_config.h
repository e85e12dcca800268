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
    // The Prometheus endpoint (GET /metrics, GET /healthz); host is an IP address, "localhost"
    // or "*"; port 0 picks a free one. Empty host (the default): off.
    HostPort metricsListen;
    // [auth]
    // Hashed bearer tokens, one "<role> <sha256-hex> <name>" per line (ferryctl cert token);
    // empty: token authentication is off.
    std::string authTokensFile;
    // Accept client certificates signed by [tls] ca; the role comes from the certificate's OU
    // "ferry-role:<role>".
    bool authClientCertificates = true;
    // The bearer token this agent presents to other agents (their tokens files list its hash
    // with role admin); empty: it presents its certificate only.
    std::string authAgentTokenFile;
    // [secrets]
    // The data key that opens sealed data-source passwords (ferryctl cert data-key).
    std::string dataKeyFile;
    // Keys from before a rotation, still tried when opening older sealed passwords.
    std::vector<std::string> previousDataKeyFiles;
    // [capture]
    // The agent reads the binlog as replica server id serverIdBase + pipeline id.
    uint32_t serverIdBase = 4100000000u;
    std::string spoolDir;  // default "<dataDir>/spool"
    // [apply]
    uint32_t applyWorkers = 4;

    // Human-readable summary for --check-config.
    std::string describe() const;
};

// Parses TOML text. `origin` names the file in messages. Unknown keys are errors (a typo must
// not silently fall back to a default); every error names the key and line.
Result<AgentConfig> parseAgentConfig(std::string_view toml, std::string_view origin,
                                     std::string_view hostName);
Result<AgentConfig> loadAgentConfig(const std::string& path);

// Checks what parsing cannot: files exist and are readable, the data folder is usable, key
// files ([auth] agent_token_file, [secrets] data keys) are owner-only (mode & 077 == 0), the
// tokens file is not writable by group or others.
// Returns every problem found, one message each (empty: fine).
std::vector<std::string> checkAgentConfigEnvironment(const AgentConfig& config);

}  // namespace ferry::config
