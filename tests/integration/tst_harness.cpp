// SPDX-License-Identifier: Apache-2.0
// The harness brings up what the integration tests rely on: MariaDB servers configured like two
// production sites (ROW binlog with FULL image and metadata, distinct ids, GTID domains and
// auto-increment offsets) and a ZooKeeper server that takes writes.
#include <gtest/gtest.h>
#include <unistd.h>
#include <zookeeper.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::harness {
namespace {

using Transport = MariadbConnection::Transport;

class HarnessTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_TRUE(env.ok()) << env.error().toString();
        m_env = std::move(env).value();
        ASSERT_GE(m_env.mariadbCount(), 2u) << "the fixture ferry_servers starts two sites";
    }

    MariadbConnection connect(std::size_t index, Transport transport = Transport::Tcp) {
        auto connection = MariadbConnection::connect(m_env, index, transport);
        EXPECT_TRUE(connection.ok()) << connection.error().toString();
        if (!connection.ok()) {
            throw std::runtime_error(connection.error().toString());
        }
        return std::move(connection).value();
    }

    std::map<std::string, std::string> globals(MariadbConnection& connection) {
        auto rows = connection.query(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format',"
            " 'binlog_row_image', 'binlog_row_metadata', 'log_slave_updates', 'sync_binlog',"
            " 'innodb_flush_log_at_trx_commit', 'character_set_server', 'server_id',"
            " 'gtid_domain_id', 'auto_increment_increment', 'auto_increment_offset',"
            " 'bind_address')");
        EXPECT_TRUE(rows.ok()) << rows.error().toString();
        std::map<std::string, std::string> values;
        if (rows.ok()) {
            for (const auto& row : rows->rows) {
                if (row.size() == 2 && row[0] && row[1]) {
                    values[*row[0]] = *row[1];
                }
            }
        }
        return values;
    }

    // A name no other run or test uses, so tests sharing the servers never collide.
    static std::string uniqueName(const std::string& prefix) {
        static std::mt19937_64 random{std::random_device{}()};
        return prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 1000000);
    }

    HarnessEnv m_env;
};

TEST_F(HarnessTest, SitesHaveDistinctNamesAndPorts) {
    std::set<std::string> sites;
    std::set<int> ports;
    for (const MariadbServerEnv& server : m_env.mariadb()) {
        sites.insert(server.site);
        ports.insert(server.port);
        EXPECT_EQ(server.host, "127.0.0.1");
    }
    EXPECT_EQ(sites.size(), m_env.mariadbCount());
    EXPECT_EQ(ports.size(), m_env.mariadbCount());
    EXPECT_EQ(m_env.mariadb()[0].site, "hz");
    EXPECT_EQ(m_env.mariadb()[1].site, "us");
}

TEST_F(HarnessTest, EveryServerIsConfiguredLikeAProductionSite) {
    struct Expected {
        const char* variable;
        const char* value;
    };
    const std::vector<Expected> expected = {
        {"log_bin", "ON"},
        {"binlog_format", "ROW"},
        {"binlog_row_image", "FULL"},
        {"binlog_row_metadata", "FULL"},
        {"log_slave_updates", "ON"},
        {"sync_binlog", "1"},
        {"innodb_flush_log_at_trx_commit", "1"},
        {"character_set_server", "utf8mb4"},
        {"bind_address", "127.0.0.1"},
    };
    for (std::size_t i = 0; i < m_env.mariadbCount(); ++i) {
        const MariadbServerEnv& server = m_env.mariadb()[i];
        SCOPED_TRACE("site " + server.site);
        MariadbConnection connection = connect(i);
        auto values = globals(connection);
        for (const Expected& e : expected) {
            EXPECT_EQ(values[e.variable], e.value) << e.variable;
        }
        // What env.txt promises is what the server runs with.
        EXPECT_EQ(values["server_id"], std::to_string(server.serverId));
        EXPECT_EQ(values["gtid_domain_id"], std::to_string(server.gtidDomainId));
        EXPECT_EQ(values["auto_increment_offset"], std::to_string(server.autoIncrementOffset));
        EXPECT_EQ(values["auto_increment_increment"],
                  std::to_string(server.autoIncrementIncrement));
    }
}

TEST_F(HarnessTest, SitesCannotCollideOnIdsDomainsOrAutoIncrementKeys) {
    std::set<std::string> serverIds;
    std::set<std::string> domains;
    std::set<long> offsets;
    std::set<long> increments;
    for (std::size_t i = 0; i < m_env.mariadbCount(); ++i) {
        MariadbConnection connection = connect(i);
        auto values = globals(connection);
        serverIds.insert(values["server_id"]);
        domains.insert(values["gtid_domain_id"]);
        offsets.insert(std::stol(values["auto_increment_offset"]));
        increments.insert(std::stol(values["auto_increment_increment"]));
    }
    EXPECT_EQ(serverIds.size(), m_env.mariadbCount());
    EXPECT_EQ(domains.size(), m_env.mariadbCount());
    EXPECT_EQ(offsets.size(), m_env.mariadbCount());
    ASSERT_EQ(increments.size(), 1u) << "every site must use the same auto_increment_increment";
    const long increment = *increments.begin();
    EXPECT_GE(increment, static_cast<long>(m_env.mariadbCount()));
    for (long offset : offsets) {
        EXPECT_GE(offset, 1);
        EXPECT_LE(offset, increment);
    }
}

TEST_F(HarnessTest, RowWrittenAtEachSiteIsInItsBinlog) {
    const std::string database = "harness_check";
    for (std::size_t i = 0; i < m_env.mariadbCount(); ++i) {
        const MariadbServerEnv& server = m_env.mariadb()[i];
        SCOPED_TRACE("site " + server.site);
        MariadbConnection connection = connect(i);
        const std::string table = uniqueName("t_" + server.site);
        const std::string qualified = database + "." + table;
        ASSERT_TRUE(connection.execute("CREATE DATABASE IF NOT EXISTS " + database).ok());
        auto created = connection.execute("CREATE TABLE " + qualified +
                                          " (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                                          " site VARCHAR(8) NOT NULL) ENGINE=InnoDB");
        ASSERT_TRUE(created.ok()) << created.error().toString();

        auto status = connection.query("SHOW MASTER STATUS");
        ASSERT_TRUE(status.ok()) << status.error().toString();
        ASSERT_EQ(status->rows.size(), 1u) << "the binlog is off";
        const std::string file = status->rows[0][0].value_or("");
        const std::string position = status->rows[0][1].value_or("");

        auto inserted = connection.execute("INSERT INTO " + qualified + " (site) VALUES ('" +
                                           server.site + "')");
        ASSERT_TRUE(inserted.ok()) << inserted.error().toString();
        const std::uint64_t id = connection.lastInsertId();
        EXPECT_EQ(
            id % static_cast<std::uint64_t>(server.autoIncrementIncrement),
            static_cast<std::uint64_t>(server.autoIncrementOffset % server.autoIncrementIncrement))
            << "id " << id << " was not generated with this site's offset";

        auto events = connection.query("SHOW BINLOG EVENTS IN '" + file + "' FROM " + position);
        ASSERT_TRUE(events.ok()) << events.error().toString();
        const auto type = events->column("Event_type");
        const auto info = events->column("Info");
        const auto serverId = events->column("Server_id");
        ASSERT_TRUE(type && info && serverId);
        bool gtid = false;
        bool tableMap = false;
        bool writeRows = false;
        bool xid = false;
        const std::string gtidPrefix = "BEGIN GTID " + std::to_string(server.gtidDomainId) + "-" +
                                       std::to_string(server.serverId) + "-";
        for (const auto& row : events->rows) {
            const std::string eventType = row[*type].value_or("");
            const std::string eventInfo = row[*info].value_or("");
            EXPECT_EQ(row[*serverId].value_or(""), std::to_string(server.serverId));
            gtid = gtid || (eventType == "Gtid" && eventInfo.rfind(gtidPrefix, 0) == 0);
            tableMap = tableMap || (eventType == "Table_map" &&
                                    eventInfo.find("(" + qualified + ")") != std::string::npos);
            writeRows = writeRows || eventType.rfind("Write_rows", 0) == 0;
            xid = xid || eventType == "Xid";
        }
        EXPECT_TRUE(gtid) << "no GTID event in domain " << server.gtidDomainId;
        EXPECT_TRUE(tableMap) << "no Table_map event for " << qualified;
        EXPECT_TRUE(writeRows) << "no Write_rows event: the binlog is not in ROW format";
        EXPECT_TRUE(xid) << "no Xid event: the insert was not committed as a transaction";

        EXPECT_TRUE(connection.execute("DROP TABLE " + qualified).ok());
    }
}

TEST_F(HarnessTest, UserConnectsOverTheUnixSocketToo) {
    for (std::size_t i = 0; i < m_env.mariadbCount(); ++i) {
        SCOPED_TRACE("site " + m_env.mariadb()[i].site);
        MariadbConnection connection = connect(i, Transport::Socket);
        auto user = connection.queryValue("SELECT CURRENT_USER()");
        ASSERT_TRUE(user.ok()) << user.error().toString();
        EXPECT_EQ(user->value_or(""), m_env.user() + "@localhost");
    }
}

TEST_F(HarnessTest, WrongPasswordIsRefused) {
    auto connection = MariadbConnection::connect(m_env.mariadb()[0], m_env.user(),
                                                 m_env.password() + "x", Transport::Tcp);
    ASSERT_FALSE(connection.ok());
    EXPECT_EQ(connection.error().code, ErrorCode::PermissionDenied);
}

// Waits, with a bound, for the session of a zookeeper handle to connect.
class SessionWatch {
public:
    static void watcher(zhandle_t*, int type, int state, const char*, void* context) {
        auto* self = static_cast<SessionWatch*>(context);
        if (type == ZOO_SESSION_EVENT) {
            std::lock_guard lock(self->m_mutex);
            self->m_state = state;
            self->m_changed.notify_all();
        }
    }

    bool waitConnected(std::chrono::seconds timeout) {
        std::unique_lock lock(m_mutex);
        return m_changed.wait_for(lock, timeout, [this] { return m_state == ZOO_CONNECTED_STATE; });
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_state = 0;
};

TEST_F(HarnessTest, ZookeeperStoresAndReturnsAZnode) {
    ASSERT_TRUE(m_env.hasZookeeper());
    zoo_set_debug_level(ZOO_LOG_LEVEL_WARN);
    SessionWatch watch;
    zhandle_t* zh = zookeeper_init(m_env.zookeeperConnect().c_str(), &SessionWatch::watcher, 10000,
                                   nullptr, &watch, 0);
    ASSERT_NE(zh, nullptr) << "zookeeper_init(" << m_env.zookeeperConnect() << ") failed";
    std::unique_ptr<zhandle_t, decltype(&zookeeper_close)> handle(zh, &zookeeper_close);
    ASSERT_TRUE(watch.waitConnected(std::chrono::seconds(20)))
        << "no ZooKeeper session with " << m_env.zookeeperConnect();

    const std::string root = "/" + uniqueName("ferry_harness_test");
    const std::string child = root + "/child";
    const std::string payload = "site=hz;\x01\x02 binary";
    ASSERT_EQ(
        zoo_create(zh, root.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0),
        ZOK);
    ASSERT_EQ(zoo_create(zh, child.c_str(), payload.data(), static_cast<int>(payload.size()),
                         &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0),
              ZOK);
    EXPECT_EQ(
        zoo_create(zh, child.c_str(), "", 0, &ZOO_OPEN_ACL_UNSAFE, ZOO_PERSISTENT, nullptr, 0),
        ZNODEEXISTS);

    std::vector<char> buffer(256);
    int length = static_cast<int>(buffer.size());
    struct Stat stat {};
    ASSERT_EQ(zoo_get(zh, child.c_str(), 0, buffer.data(), &length, &stat), ZOK);
    ASSERT_GE(length, 0);
    EXPECT_EQ(std::string(buffer.data(), static_cast<std::size_t>(length)), payload);
    EXPECT_EQ(stat.version, 0);

    EXPECT_EQ(zoo_delete(zh, root.c_str(), -1), ZNOTEMPTY);
    EXPECT_EQ(zoo_delete(zh, child.c_str(), -1), ZOK);
    EXPECT_EQ(zoo_delete(zh, root.c_str(), -1), ZOK);
    EXPECT_EQ(zoo_exists(zh, root.c_str(), 0, nullptr), ZNONODE);
}

}  // namespace
}  // namespace ferry::harness
