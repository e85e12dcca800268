// SPDX-License-Identifier: Apache-2.0
#include "ferry/config/agent_config.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace ferry::config {
namespace {

Error configError(std::string_view origin, const toml::source_region& where, std::string what) {
    std::string message(origin);
    if (where.begin.line > 0) {
        message += ":" + std::to_string(where.begin.line);
    }
    message += ": " + what;
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

bool validName(std::string_view name, size_t maxLength) {
    if (name.empty() || name.size() > maxLength) {
        return false;
    }
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Reads a table's keys, refusing any not in `known`.
class TableReader {
public:
    TableReader(const toml::table* table, std::string section, std::string_view origin)
        : m_table(table), m_section(std::move(section)), m_origin(origin) {}

    Status checkKeys(std::initializer_list<std::string_view> known) const {
        if (m_table == nullptr) {
            return okStatus();
        }
        const std::set<std::string_view> names(known);
        for (const auto& [key, node] : *m_table) {
            if (!names.contains(key.str())) {
                std::string list;
                for (auto name : known) {
                    list += list.empty() ? "" : ", ";
                    list += name;
                }
                return configError(m_origin, key.source(),
                                   "unknown key '" + std::string(key.str()) + "' in [" + m_section +
                                       "] (known keys: " + list + ")");
            }
        }
        return okStatus();
    }

    Status readString(std::string_view key, std::string& out) const {
        const toml::node* node = find(key);
        if (node == nullptr) {
            return okStatus();
        }
        if (const auto* value = node->as_string()) {
            out = value->get();
            return okStatus();
        }
        return configError(m_origin, node->source(),
                           "[" + m_section + "] " + std::string(key) + " must be a string");
    }

    Status readBool(std::string_view key, bool& out) const {
        const toml::node* node = find(key);
        if (node == nullptr) {
            return okStatus();
        }
        if (const auto* value = node->as_boolean()) {
            out = value->get();
            return okStatus();
        }
        return configError(m_origin, node->source(),
                           "[" + m_section + "] " + std::string(key) + " must be true or false");
    }

    Status readUint(std::string_view key, uint32_t minimum, uint32_t maximum, uint32_t& out) const {
        const toml::node* node = find(key);
        if (node == nullptr) {
            return okStatus();
        }
        const auto* value = node->as_integer();
        if (value == nullptr || value->get() < minimum || value->get() > maximum) {
            return configError(m_origin, node->source(),
                               "[" + m_section + "] " + std::string(key) + " must be an integer " +
                                   std::to_string(minimum) + ".." + std::to_string(maximum));
        }
        out = static_cast<uint32_t>(value->get());
        return okStatus();
    }

    Status readStringArray(std::string_view key, std::vector<std::string>& out) const {
        const toml::node* node = find(key);
        if (node == nullptr) {
            return okStatus();
        }
        const auto* array = node->as_array();
        if (array == nullptr) {
            return configError(m_origin, node->source(),
                               "[" + m_section + "] " + std::string(key) +
                                   " must be an array of strings, e.g. [\"/a\", \"/b\"]");
        }
        std::vector<std::string> values;
        for (const toml::node& element : *array) {
            const auto* value = element.as_string();
            if (value == nullptr || value->get().empty()) {
                return configError(m_origin, element.source(),
                                   "[" + m_section + "] " + std::string(key) +
                                       " must hold only non-empty strings");
            }
            values.push_back(value->get());
        }
        out = std::move(values);
        return okStatus();
    }

    Status readHostPort(std::string_view key, HostPort& out) const {
        std::string text;
        FERRY_TRY(readString(key, text));
        if (text.empty()) {
            return okStatus();
        }
        auto parsed = HostPort::parse(text);
        if (!parsed.ok()) {
            return configError(
                m_origin, find(key)->source(),
                "[" + m_section + "] " + std::string(key) + ": " + parsed.error().message);
        }
        out = std::move(parsed).value();
        return okStatus();
    }

    const toml::source_region& where(std::string_view key) const {
        static const toml::source_region none{};
        const toml::node* node = find(key);
        return node ? node->source() : (m_table ? m_table->source() : none);
    }

private:
    const toml::node* find(std::string_view key) const {
        return m_table ? m_table->get(key) : nullptr;
    }

    const toml::table* m_table;
    std::string m_section;
    std::string_view m_origin;
};

// MySQL server ids are 32-bit; the base leaves room for a million pipeline ids above it.
constexpr uint32_t kMaxServerIdBase = 4294967295u - 1000000u;

std::string describePath(const std::string& path) {
    return path.empty() ? std::string("none") : path;
}

std::string octalMode(std::filesystem::perms perms) {
    char text[8];
    std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(perms) & 07777u);
    return text;
}

// Appends a problem if `path` is missing or unreadable, or if its mode has any bit of
// `forbidden`; that message says why (`reason`) and the chmod that fixes it (`chmodMode`).
void checkFile(std::vector<std::string>& problems, std::string_view what, const std::string& path,
               std::filesystem::perms forbidden, std::string_view reason,
               std::string_view chmodMode) {
    namespace fs = std::filesystem;
    if (path.empty()) {
        return;
    }
    const std::string name = std::string(what) + " '" + path + "'";
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        problems.push_back(name + " does not exist");
        return;
    }
    if (!fs::is_regular_file(status)) {
        problems.push_back(name + " is not a regular file");
        return;
    }
    if (::access(path.c_str(), R_OK) != 0) {
        problems.push_back(name + " is not readable by the agent's user");
        return;
    }
    if ((status.permissions() & forbidden) != fs::perms::none) {
        problems.push_back(name + " has mode " + octalMode(status.permissions()) + ", but " +
                           std::string(reason) + "; run: chmod " + std::string(chmodMode) + " '" +
                           path + "'");
    }
}

std::string shortHostName(std::string_view hostName) {
    std::string host(hostName.substr(0, hostName.find('.')));
    for (char& c : host) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return host;
}

}  // namespace

std::string_view logLevelName(LogLevel level) {
    switch (level) {
        case LogLevel::Debug:
            return "debug";
        case LogLevel::Info:
            return "info";
        case LogLevel::Warning:
            return "warning";
        case LogLevel::Error:
            return "error";
    }
    return "info";
}

Result<HostPort> HostPort::parse(std::string_view text) {
    HostPort out;
    std::string_view portText;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
            return makeError(ErrorCode::InvalidArgument,
                             "'" + std::string(text) + "' is not [ipv6]:port");
        }
        out.host = std::string(text.substr(1, close - 1));
        portText = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos || colon == 0) {
            return makeError(ErrorCode::InvalidArgument,
                             "'" + std::string(text) + "' is not host:port");
        }
        out.host = std::string(text.substr(0, colon));
        portText = text.substr(colon + 1);
    }
    unsigned port = 0;
    auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
    if (ec != std::errc() || ptr != portText.data() + portText.size() || port > 65535) {
        return makeError(ErrorCode::InvalidArgument, "port '" + std::string(portText) + "' in '" +
                                                         std::string(text) + "' is not 0-65535");
    }
    out.port = static_cast<uint16_t>(port);
    return out;
}

std::string HostPort::toString() const {
    if (host.find(':') != std::string::npos) {
        return "[" + host + "]:" + std::to_string(port);
    }
    return host + ":" + std::to_string(port);
}

Result<AgentConfig> parseAgentConfig(std::string_view text, std::string_view origin,
                                     std::string_view hostName) {
    toml::table root;
    try {
        root = toml::parse(text, origin);
    } catch (const toml::parse_error& error) {
        return configError(origin, error.source(),
                           "not valid TOML: " + std::string(error.description()));
    }
    const toml::table* agent = root["agent"].as_table();
    const toml::table* listen = root["listen"].as_table();
    const toml::table* zookeeper = root["zookeeper"].as_table();
    const toml::table* tls = root["tls"].as_table();
    const toml::table* metrics = root["metrics"].as_table();
    const toml::table* auth = root["auth"].as_table();
    const toml::table* secrets = root["secrets"].as_table();
    const toml::table* capture = root["capture"].as_table();
    const toml::table* apply = root["apply"].as_table();
    TableReader top(&root, "top level", origin);
    FERRY_TRY(top.checkKeys(
        {"agent", "listen", "zookeeper", "tls", "metrics", "auth", "secrets", "capture", "apply"}));
    for (const auto& [key, node] : root) {
        if (!node.is_table()) {
            return configError(origin, key.source(),
                               "'" + std::string(key.str()) + "' must be a [section]");
        }
    }

    AgentConfig config;
    TableReader a(agent, "agent", origin);
    FERRY_TRY(a.checkKeys({"id", "site", "cluster", "data_dir", "log_level"}));
    FERRY_TRY(a.readString("id", config.id));
    FERRY_TRY(a.readString("site", config.site));
    FERRY_TRY(a.readString("cluster", config.cluster));
    FERRY_TRY(a.readString("data_dir", config.dataDir));
    std::string level = "info";
    FERRY_TRY(a.readString("log_level", level));
    if (level == "debug") {
        config.logLevel = LogLevel::Debug;
    } else if (level == "info") {
        config.logLevel = LogLevel::Info;
    } else if (level == "warning") {
        config.logLevel = LogLevel::Warning;
    } else if (level == "error") {
        config.logLevel = LogLevel::Error;
    } else {
        return configError(origin, a.where("log_level"),
                           "[agent] log_level must be debug, info, warning or error");
    }
    if (config.site.empty()) {
        return configError(origin, a.where("site"),
                           "[agent] site is required: the data center this agent runs in, "
                           "e.g. site = \"hz\"");
    }
    if (!validName(config.site, 32)) {
        return configError(
            origin, a.where("site"),
            "[agent] site '" + config.site + "' must be 1-32 characters of a-z, 0-9, '-' or '_'");
    }
    if (!validName(config.cluster, 64)) {
        return configError(origin, a.where("cluster"),
                           "[agent] cluster '" + config.cluster +
                               "' must be 1-64 characters of a-z, 0-9, '-' or '_'");
    }
    if (config.id.empty()) {
        config.id = config.site + "-" + shortHostName(hostName);
    }
    if (config.dataDir.empty() || config.dataDir.front() != '/') {
        return configError(origin, a.where("data_dir"),
                           "[agent] data_dir must be an absolute path");
    }

    TableReader l(listen, "listen", origin);
    FERRY_TRY(l.checkKeys({"address", "advertised"}));
    FERRY_TRY(l.readHostPort("address", config.listen));
    FERRY_TRY(l.readHostPort("advertised", config.advertised));
    if (config.advertised.host.empty()) {
        config.advertised = HostPort{std::string(hostName), config.listen.port};
    }

    TableReader z(zookeeper, "zookeeper", origin);
    FERRY_TRY(z.checkKeys({"connect", "chroot", "session_timeout_ms"}));
    FERRY_TRY(z.readString("connect", config.zookeeperConnect));
    FERRY_TRY(z.readString("chroot", config.zookeeperChroot));
    FERRY_TRY(z.readUint("session_timeout_ms", 1000, 120000, config.sessionTimeoutMs));
    if (config.zookeeperConnect.empty()) {
        return configError(origin, z.where("connect"),
                           "[zookeeper] connect is required, e.g. connect = "
                           "\"zk1:2181,zk2:2181,zk3:2181\"");
    }
    if (config.zookeeperChroot.empty()) {
        config.zookeeperChroot = "/ferry/" + config.cluster;
    }
    if (config.zookeeperChroot.front() != '/' || config.zookeeperChroot.back() == '/') {
        return configError(origin, z.where("chroot"),
                           "[zookeeper] chroot must start with '/' and not end with it");
    }

    TableReader t(tls, "tls", origin);
    FERRY_TRY(t.checkKeys({"certificate", "key", "ca", "required"}));
    FERRY_TRY(t.readString("certificate", config.tlsCertificate));
    FERRY_TRY(t.readString("key", config.tlsKey));
    FERRY_TRY(t.readString("ca", config.tlsCa));
    FERRY_TRY(t.readBool("required", config.tlsRequired));
    if (config.tlsRequired &&
        (config.tlsCertificate.empty() || config.tlsKey.empty() || config.tlsCa.empty())) {
        return configError(origin, t.where("certificate"),
                           "[tls] certificate, key and ca are required (create them with "
                           "'ferryctl cert'); only a local playground may set required = false");
    }

    TableReader m(metrics, "metrics", origin);
    FERRY_TRY(m.checkKeys({"listen"}));
    FERRY_TRY(m.readHostPort("listen", config.metricsListen));
    if (!config.metricsListen.host.empty()) {
        const std::string& host = config.metricsListen.host;
        unsigned char address[16];
        const bool ip = ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
                        ::inet_pton(AF_INET6, host.c_str(), address) == 1;
        if (!ip && host != "localhost" && host != "*") {
            return configError(origin, m.where("listen"),
                               "[metrics] listen: '" + host +
                                   "' is not an IP address; use e.g. \"127.0.0.1:9400\", "
                                   "\"[::1]:9400\" or \"0.0.0.0:9400\" (empty: off)");
        }
        if (config.metricsListen.port != 0 && config.metricsListen.port == config.listen.port) {
            return configError(origin, m.where("listen"),
                               "[metrics] listen uses port " + std::to_string(config.listen.port) +
                                   ", the port of [listen] address; give it a port of its own");
        }
    }

    TableReader au(auth, "auth", origin);
    FERRY_TRY(au.checkKeys({"tokens_file", "client_certificates", "agent_token_file"}));
    FERRY_TRY(au.readString("tokens_file", config.authTokensFile));
    FERRY_TRY(au.readBool("client_certificates", config.authClientCertificates));
    FERRY_TRY(au.readString("agent_token_file", config.authAgentTokenFile));
    if (!config.authClientCertificates && config.authTokensFile.empty()) {
        return configError(origin, au.where("client_certificates"),
                           "[auth] client_certificates = false needs a tokens_file, or no client "
                           "could authenticate (create tokens with 'ferryctl cert token')");
    }

    TableReader s(secrets, "secrets", origin);
    FERRY_TRY(s.checkKeys({"data_key_file", "previous_data_key_files"}));
    FERRY_TRY(s.readString("data_key_file", config.dataKeyFile));
    FERRY_TRY(s.readStringArray("previous_data_key_files", config.previousDataKeyFiles));
    if (config.dataKeyFile.empty() && !config.previousDataKeyFiles.empty()) {
        return configError(origin, s.where("previous_data_key_files"),
                           "[secrets] previous_data_key_files needs data_key_file: the current key "
                           "(create one with 'ferryctl cert data-key')");
    }
    for (const auto& previous : config.previousDataKeyFiles) {
        if (previous == config.dataKeyFile) {
            return configError(
                origin, s.where("previous_data_key_files"),
                "[secrets] previous_data_key_files lists the current data_key_file '" + previous +
                    "'; remove it from the list");
        }
    }

    TableReader c(capture, "capture", origin);
    FERRY_TRY(c.checkKeys({"server_id_base", "spool_dir"}));
    FERRY_TRY(c.readUint("server_id_base", 1, kMaxServerIdBase, config.serverIdBase));
    FERRY_TRY(c.readString("spool_dir", config.spoolDir));
    if (config.spoolDir.empty()) {
        config.spoolDir = config.dataDir + "/spool";
    }
    if (config.spoolDir.front() != '/') {
        return configError(origin, c.where("spool_dir"),
                           "[capture] spool_dir must be an absolute path");
    }

    TableReader ap(apply, "apply", origin);
    FERRY_TRY(ap.checkKeys({"workers"}));
    FERRY_TRY(ap.readUint("workers", 1, 64, config.applyWorkers));
    return config;
}

Result<AgentConfig> loadAgentConfig(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound,
                         "cannot read the agent configuration '" + path +
                             "'; pass --config FILE or create it (see resources/agent.toml)");
    }
    std::ostringstream text;
    text << in.rdbuf();
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
        std::snprintf(host, sizeof host, "localhost");
    }
    return parseAgentConfig(text.str(), path, host);
}

std::vector<std::string> checkAgentConfigEnvironment(const AgentConfig& config) {
    std::vector<std::string> problems;
    namespace fs = std::filesystem;
    for (const auto& [what, path] :
         {std::pair{"[tls] certificate", config.tlsCertificate},
          std::pair{"[tls] key", config.tlsKey}, std::pair{"[tls] ca", config.tlsCa}}) {
        if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
            problems.push_back(std::string(what) + " '" + path + "' is not readable");
        }
    }
    std::error_code ec;
    if (!fs::is_directory(config.dataDir, ec)) {
        problems.push_back("[agent] data_dir '" + config.dataDir +
                           "' does not exist (create it, owned by the agent's user)");
    } else if (::access(config.dataDir.c_str(), W_OK) != 0) {
        problems.push_back("[agent] data_dir '" + config.dataDir + "' is not writable");
    }
    constexpr auto kNotOwner = fs::perms::group_all | fs::perms::others_all;
    constexpr auto kWritableByOthers = fs::perms::group_write | fs::perms::others_write;
    constexpr std::string_view kSecret = "a key file must be readable by its owner only";
    checkFile(problems, "[auth] tokens_file", config.authTokensFile, kWritableByOthers,
              "whoever can write the tokens file can grant themselves any role", "go-w");
    checkFile(problems, "[auth] agent_token_file", config.authAgentTokenFile, kNotOwner, kSecret,
              "600");
    checkFile(problems, "[secrets] data_key_file", config.dataKeyFile, kNotOwner, kSecret, "600");
    for (const auto& path : config.previousDataKeyFiles) {
        checkFile(problems, "[secrets] previous_data_key_files entry", path, kNotOwner, kSecret,
                  "600");
    }
    // A missing spool folder is created by the agent under data_dir; one that exists must be
    // usable.
    if (fs::exists(config.spoolDir, ec)) {
        if (!fs::is_directory(config.spoolDir, ec)) {
            problems.push_back("[capture] spool_dir '" + config.spoolDir + "' is not a folder");
        } else if (::access(config.spoolDir.c_str(), W_OK) != 0) {
            problems.push_back("[capture] spool_dir '" + config.spoolDir +
                               "' is not writable by the agent's user");
        }
    }
    return problems;
}

std::string AgentConfig::describe() const {
    std::ostringstream out;
    out << "agent " << id << " in site " << site << " (cluster " << cluster << ")\n"
        << "  listen " << listen.toString() << ", advertised as " << advertised.toString() << "\n"
        << "  zookeeper " << zookeeperConnect << " under " << zookeeperChroot << " (session "
        << sessionTimeoutMs << " ms)\n"
        << "  tls " << (tlsRequired ? "required" : "optional") << "\n"
        << "  data " << dataDir << ", log level " << logLevelName(logLevel) << "\n"
        << "  metrics "
        << (metricsListen.host.empty() ? std::string("off")
                                       : "http://" + metricsListen.toString() + "/metrics")
        << "\n"
        << "  auth: client certificates " << (authClientCertificates ? "accepted" : "refused")
        << ", tokens file " << describePath(authTokensFile) << ", own token file "
        << describePath(authAgentTokenFile) << "\n"
        << "  secrets: data key " << describePath(dataKeyFile) << ", "
        << previousDataKeyFiles.size() << " previous key(s)\n"
        << "  capture: server ids from " << serverIdBase << " + pipeline id, spool " << spoolDir
        << "\n"
        << "  apply: " << applyWorkers << " worker(s)\n";
    return out.str();
}

}  // namespace ferry::config
