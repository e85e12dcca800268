// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::harness {

// One MariaDB server of a running harness, as `ferry-harness up` wrote it to env.txt.
struct MariadbServerEnv {
    int index = 0;
    std::string site;  // hz, us, s3, ...
    std::string host;  // 127.0.0.1
    int port = 0;
    std::string socket;
    int pid = 0;
    std::string datadir;
    std::string errorLog;
    std::string clientCnf;  // a [client] option file: mariadb --defaults-file=...
    int serverId = 0;
    int gtidDomainId = 0;
    int autoIncrementIncrement = 0;
    int autoIncrementOffset = 0;
    std::string binlogBasename;
};

// The servers of a running harness: what tests need to connect to them. Read from the flat
// DIR/env.txt (key=value lines) that `ferry-harness up` writes next to env.json.
// A plain value: copy it freely; not tied to the files after loading.
class HarnessEnv {
public:
    // Parses the text of env.txt; `origin` names it in error messages.
    static Result<HarnessEnv> parse(std::string_view text, std::string_view origin);
    // Reads DIR/env.txt.
    static Result<HarnessEnv> load(const std::string& dir);
    // Reads the folder named by $FERRY_HARNESS_DIR, else the build's default (the folder the
    // ctest fixture `ferry_servers` starts).
    static Result<HarnessEnv> loadDefault();
    static std::string defaultDir();

    const std::string& dir() const { return m_dir; }
    const std::string& user() const { return m_user; }
    const std::string& password() const { return m_password; }
    const std::vector<MariadbServerEnv>& mariadb() const { return m_mariadb; }
    std::size_t mariadbCount() const { return m_mariadb.size(); }
    // REQUIRES: nothing; an index past the end is an error naming the count.
    Result<MariadbServerEnv> mariadb(std::size_t index) const;
    bool hasZookeeper() const { return !m_zookeeperConnect.empty(); }
    // host:port, empty when the harness runs without ZooKeeper.
    const std::string& zookeeperConnect() const { return m_zookeeperConnect; }

private:
    std::string m_dir;
    std::string m_user;
    std::string m_password;
    std::vector<MariadbServerEnv> m_mariadb;
    std::string m_zookeeperConnect;
};

}  // namespace ferry::harness
