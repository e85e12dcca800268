// SPDX-License-Identifier: Apache-2.0
// The data path of a channel without the network in between: CaptureSource (binlog -> route,
// map, loop filter) feeding ApplySink (fence, parallel apply, exactly once) on the harness's two
// MariaDB sites. One-way: rows and a rename arrive. Two-way: both directions run at once with
// writes at both sites, nothing loops and both sites end identical.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/pipeline/apply_sink.h"
#include "ferry/pipeline/capture_source.h"
#include "ferry/pipeline/heartbeat.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::pipeline {
namespace {

using namespace std::chrono_literals;
using harness::HarnessEnv;
using harness::MariadbConnection;

constexpr const char* kFerry = "ferry_it_pipe";

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

mysql::DatabaseUrl urlOf(const HarnessEnv& env, std::size_t index) {
    mysql::DatabaseUrl url;
    url.user = env.user();
    url.host = env.mariadb(index)->host;
    url.port = static_cast<std::uint16_t>(env.mariadb(index)->port);
    url.sslMode = mysql::SslMode::Disabled;
    return url;
}

// One direction of a channel, running: capture at `from`, a pump thread, apply at `to`.
class Direction {
public:
    Direction(const HarnessEnv& env, std::uint64_t id, std::uint64_t reverse, std::size_t from,
              std::size_t to, v1::Pipeline pipeline, std::int64_t token, std::string spool) {
        const mysql::DatabaseUrl target = urlOf(env, to);
        const std::string password = env.password();
        ApplySinkOptions sinkOptions;
        sinkOptions.pipelineId = id;
        sinkOptions.fencingToken = token;
        sinkOptions.holder = "test-" + std::to_string(id);
        sinkOptions.ferrySchema = kFerry;
        sinkOptions.parallel.workers = 2;
        auto sink = ApplySink::open(
            [target, password](std::uint16_t) -> Result<std::unique_ptr<apply::SqlSession>> {
                FERRY_ASSIGN_OR_RETURN(auto s, apply::MysqlSqlSession::connect(target, password));
                return std::unique_ptr<apply::SqlSession>(std::move(s));
            },
            sinkOptions);
        if (!sink.ok()) {
            ADD_FAILURE() << sink.error().toString();
            return;
        }
        m_sink = std::move(*sink);
        m_sink->setCommitCallback([this](const SinkCommit& commit) {
            std::int64_t seen = m_heartbeatUs.load();
            while (commit.heartbeatUs > seen &&
                   !m_heartbeatUs.compare_exchange_weak(seen, commit.heartbeatUs)) {
            }
        });

        CaptureSourceOptions options;
        options.pipelineId = id;
        options.url = urlOf(env, from);
        options.password = password;
        options.serverId = static_cast<std::uint32_t>(4'100'000 + id);
        options.ferrySchema = kFerry;
        auto router = TableRouter::compile(pipeline);
        if (!router.ok()) {
            ADD_FAILURE() << router.error().toString();
            return;
        }
        options.router = *router;
        if (reverse != 0) {
            options.reversePipelines = {reverse};
        }
        options.spoolDirectory = spool;
        auto source = CaptureSource::start(options, m_sink->resumePoint());
        if (!source.ok()) {
            ADD_FAILURE() << source.error().toString();
            return;
        }
        m_source = std::move(*source);
        m_pump = std::thread([this] { pump(); });
    }

    ~Direction() { stop(); }

    void stop() {
        m_stop = true;
        if (m_pump.joinable()) {
            m_pump.join();
        }
        if (m_source) {
            m_source->stop();
        }
        if (m_sink) {
            (void)m_sink->stop(true);
        }
    }

    bool ok() const { return m_sink && m_source; }
    std::int64_t newestHeartbeatUs() const { return m_heartbeatUs.load(); }
    CaptureSource& source() { return *m_source; }
    std::string failure() const { return m_failure; }

private:
    void pump() {
        while (!m_stop) {
            auto item = m_source->poll();
            if (!item) {
                if (auto error = m_source->error()) {
                    m_failure = error->toString();
                    return;
                }
                std::this_thread::sleep_for(2ms);
                continue;
            }
            v1::Transaction t = std::move(item->transaction);
            if (item->spooled) {
                v1::RowChange change;
                while (item->spooled->next(change).valueOr(false)) {
                    t.add_changes()->Swap(&change);
                }
                t.set_streamed(false);
            }
            for (;;) {
                auto accepted = m_sink->offer(t);
                if (!accepted.ok()) {
                    m_failure = accepted.error().toString();
                    return;
                }
                if (*accepted || m_stop) {
                    break;
                }
                std::this_thread::sleep_for(1ms);
            }
        }
    }

    std::unique_ptr<ApplySink> m_sink;
    std::unique_ptr<CaptureSource> m_source;
    std::thread m_pump;
    std::atomic<bool> m_stop{false};
    std::atomic<std::int64_t> m_heartbeatUs{0};
    std::string m_failure;
};

v1::Pipeline shopPipeline(std::uint64_t id, const std::string& schema) {
    v1::Pipeline p;
    p.set_id(id);
    p.set_name("pit:" + std::to_string(id));
    auto* m = p.add_mappings();
    m->set_id("shop");
    m->mutable_source()->set_schema(schema);
    m->mutable_source()->set_regex(".*");
    return p;
}

class PipelineInProcess : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        for (std::size_t i = 0; i < 2; ++i) {
            auto c = MariadbConnection::connect(m_env, i);
            ASSERT_OK(c);
            m_db.push_back(std::make_unique<MariadbConnection>(std::move(*c)));
            auto session = apply::MysqlSqlSession::connect(urlOf(m_env, i), m_env.password());
            ASSERT_OK(session);
            auto installer = apply::SchemaInstaller::create(kFerry);
            ASSERT_OK(installer);
            ASSERT_OK(installer->install(**session));
        }
        m_spool =
            std::filesystem::temp_directory_path() / ("ferry-pit-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_spool);
    }
    void TearDown() override { std::filesystem::remove_all(m_spool); }

    void onBoth(const std::string& sql) {
        for (auto& db : m_db) {
            ASSERT_OK(db->execute(sql));
        }
    }
    std::string value(std::size_t site, const std::string& sql) {
        auto v = m_db[site]->queryValue(sql);
        return v.ok() && *v ? **v : std::string("<none>");
    }
    // Waits until both sites answer `sql` alike and not empty, or the deadline.
    bool converge(const std::string& sql, std::chrono::seconds limit = 60s) {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (value(0, sql) == value(1, sql)) {
                return true;
            }
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }
    void resetPositions(std::uint64_t id) {
        for (auto& db : m_db) {
            (void)db->execute(std::string("DELETE FROM ") + kFerry +
                              ".apply_position WHERE pipeline_id = " + std::to_string(id));
            (void)db->execute(std::string("DELETE FROM ") + kFerry +
                              ".fence WHERE pipeline_id = " + std::to_string(id));
        }
    }

    HarnessEnv m_env;
    std::vector<std::unique_ptr<MariadbConnection>> m_db;
    std::filesystem::path m_spool;
};

TEST_F(PipelineInProcess, TwoWayChannelConvergesWithoutLoops) {
    const std::string schema = "pit_two_way";
    onBoth("DROP DATABASE IF EXISTS " + schema);
    onBoth("CREATE DATABASE " + schema);
    onBoth("CREATE TABLE " + schema +
           ".items (id BIGINT AUTO_INCREMENT PRIMARY KEY, site VARCHAR(8), n INT, "
           "note VARCHAR(64))");
    resetPositions(501);
    resetPositions(502);

    // hz -> us is 501, us -> hz is 502: each one's capture drops what the other applied.
    Direction hzToUs(m_env, 501, 502, 0, 1, shopPipeline(501, schema), 11,
                     (m_spool / "a").string());
    Direction usToHz(m_env, 502, 501, 1, 0, shopPipeline(502, schema), 12,
                     (m_spool / "b").string());
    ASSERT_TRUE(hzToUs.ok() && usToHz.ok());

    // Heartbeats at both sources, as the capture role runs them.
    std::vector<std::unique_ptr<HeartbeatWriter>> beats;
    for (std::size_t i = 0; i < 2; ++i) {
        auto session = apply::MysqlSqlSession::connect(urlOf(m_env, i), m_env.password());
        ASSERT_OK(session);
        beats.push_back(std::make_unique<HeartbeatWriter>(
            std::move(*session),
            HeartbeatOptions{kFerry, i == 0 ? "hz-db" : "us-db", "test", 100ms}));
        beats.back()->start();
    }

    for (int round = 0; round < 50; ++round) {
        ASSERT_OK(m_db[0]->execute("INSERT INTO " + schema +
                                   ".items (site, n, note) VALUES "
                                   "('hz', " +
                                   std::to_string(round) + ", 'x'), ('hz', 0, NULL)"));
        ASSERT_OK(m_db[1]->execute("INSERT INTO " + schema +
                                   ".items (site, n, note) VALUES "
                                   "('us', " +
                                   std::to_string(round) + ", 'y')"));
        if (round % 10 == 9) {
            ASSERT_OK(m_db[0]->execute("UPDATE " + schema +
                                       ".items SET n = n + 1000 WHERE site "
                                       "= 'hz' AND n = " +
                                       std::to_string(round)));
            ASSERT_OK(m_db[1]->execute("DELETE FROM " + schema +
                                       ".items WHERE site = 'us' AND "
                                       "n = " +
                                       std::to_string(round - 1)));
        }
    }
    const std::string digest =
        "SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS('#', id, site, n, "
        "COALESCE(note, '<null>')))), 0)) FROM " +
        schema + ".items";
    EXPECT_TRUE(converge(digest)) << value(0, digest) << " vs " << value(1, digest) << "; "
                                  << hzToUs.failure() << usToHz.failure();
    EXPECT_EQ(value(0, "SELECT COUNT(*) FROM " + schema + ".items"), "145");
    // Let heartbeats flow a little, then stop; nothing looped.
    std::this_thread::sleep_for(500ms);
    for (auto& beat : beats) {
        beat->stop();
    }
    hzToUs.stop();
    usToHz.stop();
    EXPECT_GT(hzToUs.source().stats().loops, 0u) << "us->hz's applies came back to hz's capture";
    EXPECT_GT(usToHz.source().stats().loops, 0u);
    EXPECT_TRUE(hzToUs.failure().empty()) << hzToUs.failure();
    EXPECT_TRUE(usToHz.failure().empty()) << usToHz.failure();
    // Each site's own rows exist once on the other: no row was applied back to its origin.
    EXPECT_EQ(value(1, "SELECT COUNT(*) FROM " + schema + ".items WHERE site = 'hz'"), "100");
    EXPECT_EQ(value(0, "SELECT COUNT(*) FROM " + schema + ".items WHERE site = 'us'"), "45");
    // Each source's heartbeat reached the other site and measured the lag.
    EXPECT_GT(hzToUs.newestHeartbeatUs(), 0);
    EXPECT_GT(usToHz.newestHeartbeatUs(), 0);
    onBoth("DROP DATABASE IF EXISTS " + schema);
}

}  // namespace
}  // namespace ferry::pipeline
