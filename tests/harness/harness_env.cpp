// SPDX-License-Identifier: Apache-2.0
#include "harness_env.h"

#include <charconv>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#ifndef FERRY_HARNESS_DEFAULT_DIR
#error "FERRY_HARNESS_DEFAULT_DIR must name the folder of the ctest fixture ferry_servers"
#endif

namespace ferry::harness {
namespace {

constexpr int kFormatVersion = 1;
constexpr int kMaxServers = 64;

using Fields = std::map<std::string, std::string, std::less<>>;

class FieldReader {
public:
    FieldReader(const Fields& fields, std::string_view origin)
        : m_fields(fields), m_origin(origin) {}

    Result<std::string> text(const std::string& key) const {
        auto it = m_fields.find(key);
        if (it == m_fields.end()) {
            return makeError(ErrorCode::Corrupt, std::string(m_origin) + ": key " + key +
                                                     " is missing; rerun ferry-harness up");
        }
        return it->second;
    }

    Result<int> integer(const std::string& key, int min, int max) const {
        FERRY_ASSIGN_OR_RETURN(std::string value, text(key));
        int parsed = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, parsed);
        if (ec != std::errc() || ptr != end || value.empty() || parsed < min || parsed > max) {
            return makeError(ErrorCode::Corrupt, std::string(m_origin) + ": key " + key + " is '" +
                                                     value + "', not an integer in [" +
                                                     std::to_string(min) + ", " +
                                                     std::to_string(max) + "]");
        }
        return parsed;
    }

private:
    const Fields& m_fields;
    std::string_view m_origin;
};

Result<Fields> splitLines(std::string_view text, std::string_view origin) {
    Fields fields;
    std::size_t lineNumber = 0;
    while (!text.empty()) {
        ++lineNumber;
        std::size_t eol = text.find('\n');
        std::string_view line = text.substr(0, eol);
        text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) {
            return makeError(ErrorCode::Corrupt,
                             std::string(origin) + ":" + std::to_string(lineNumber) +
                                 ": expected key=value, got '" + std::string(line) + "'");
        }
        auto [it, inserted] =
            fields.emplace(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
        if (!inserted) {
            return makeError(ErrorCode::Corrupt, std::string(origin) + ":" +
                                                     std::to_string(lineNumber) + ": key " +
                                                     it->first + " appears twice");
        }
    }
    return fields;
}

Result<MariadbServerEnv> readServer(const FieldReader& reader, int index) {
    const std::string prefix = "mariadb." + std::to_string(index) + ".";
    MariadbServerEnv server;
    server.index = index;
    FERRY_ASSIGN_OR_RETURN(server.site, reader.text(prefix + "site"));
    FERRY_ASSIGN_OR_RETURN(server.host, reader.text(prefix + "host"));
    FERRY_ASSIGN_OR_RETURN(server.port, reader.integer(prefix + "port", 1, 65535));
    FERRY_ASSIGN_OR_RETURN(server.socket, reader.text(prefix + "socket"));
    FERRY_ASSIGN_OR_RETURN(server.pid, reader.integer(prefix + "pid", 1, 1 << 30));
    FERRY_ASSIGN_OR_RETURN(server.datadir, reader.text(prefix + "datadir"));
    FERRY_ASSIGN_OR_RETURN(server.errorLog, reader.text(prefix + "error_log"));
    FERRY_ASSIGN_OR_RETURN(server.clientCnf, reader.text(prefix + "client_cnf"));
    FERRY_ASSIGN_OR_RETURN(server.serverId, reader.integer(prefix + "server_id", 1, 1 << 30));
    FERRY_ASSIGN_OR_RETURN(server.gtidDomainId,
                           reader.integer(prefix + "gtid_domain_id", 0, 1 << 30));
    FERRY_ASSIGN_OR_RETURN(server.autoIncrementIncrement,
                           reader.integer(prefix + "auto_increment_increment", 1, 65535));
    FERRY_ASSIGN_OR_RETURN(server.autoIncrementOffset,
                           reader.integer(prefix + "auto_increment_offset", 1, 65535));
    FERRY_ASSIGN_OR_RETURN(server.binlogBasename, reader.text(prefix + "binlog_basename"));
    return server;
}

}  // namespace

Result<HarnessEnv> HarnessEnv::parse(std::string_view text, std::string_view origin) {
    FERRY_ASSIGN_OR_RETURN(Fields fields, splitLines(text, origin));
    FieldReader reader(fields, origin);
    FERRY_ASSIGN_OR_RETURN(int version, reader.integer("version", 0, 1 << 30));
    if (version != kFormatVersion) {
        return makeError(ErrorCode::Unsupported,
                         std::string(origin) + ": format version " + std::to_string(version) +
                             ", this build reads " + std::to_string(kFormatVersion) +
                             "; rebuild the tests or rerun this tree's ferry-harness up");
    }
    HarnessEnv env;
    FERRY_ASSIGN_OR_RETURN(env.m_dir, reader.text("dir"));
    FERRY_ASSIGN_OR_RETURN(env.m_user, reader.text("user"));
    FERRY_ASSIGN_OR_RETURN(env.m_password, reader.text("password"));
    FERRY_ASSIGN_OR_RETURN(int count, reader.integer("mariadb.count", 0, kMaxServers));
    for (int i = 0; i < count; ++i) {
        FERRY_ASSIGN_OR_RETURN(MariadbServerEnv server, readServer(reader, i));
        env.m_mariadb.push_back(std::move(server));
    }
    FERRY_ASSIGN_OR_RETURN(int zookeeper, reader.integer("zookeeper.enabled", 0, 1));
    if (zookeeper == 1) {
        FERRY_ASSIGN_OR_RETURN(env.m_zookeeperConnect, reader.text("zookeeper.connect"));
        if (env.m_zookeeperConnect.empty()) {
            return makeError(ErrorCode::Corrupt,
                             std::string(origin) + ": zookeeper.connect is empty");
        }
    }
    return env;
}

Result<HarnessEnv> HarnessEnv::load(const std::string& dir) {
    const std::string path = dir + "/env.txt";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return makeError(ErrorCode::NotFound,
                         path +
                             " cannot be read: the harness is not up; run `ctest -L "
                             "integration` (fixture ferry_servers) or `ferry-harness up --dir " +
                             dir + "`");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return makeError(ErrorCode::Io, path + ": read failed");
    }
    return parse(text.str(), path);
}

std::string HarnessEnv::defaultDir() {
    const char* fromEnv = std::getenv("FERRY_HARNESS_DIR");
    if (fromEnv != nullptr && *fromEnv != '\0') {
        return fromEnv;
    }
    return FERRY_HARNESS_DEFAULT_DIR;
}

Result<HarnessEnv> HarnessEnv::loadDefault() {
    return load(defaultDir());
}

Result<MariadbServerEnv> HarnessEnv::mariadb(std::size_t index) const {
    if (index >= m_mariadb.size()) {
        return makeError(ErrorCode::NotFound,
                         "harness " + m_dir + " runs " + std::to_string(m_mariadb.size()) +
                             " MariaDB servers, no server " + std::to_string(index) +
                             "; start more with ferry-harness up --mariadb N");
    }
    return m_mariadb[index];
}

}  // namespace ferry::harness
