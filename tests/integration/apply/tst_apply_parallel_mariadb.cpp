// SPDX-License-Identifier: Apache-2.0
// The parallel applier against the harness's MariaDB server 1: four workers apply a few thousand
// hand-made transactions that touch overlapping primary keys and a case-insensitive unique key
// (rows move between ids, e-mails are freed and taken again in another case). The final table
// must equal the serial result computed here, and the apply_position rows must describe exactly
// what was committed; a restart must skip everything.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/parallel_applier.h"
#include "ferry/apply/schema_installer.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::apply {
namespace {

using ferry::harness::HarnessEnv;
using ferry::harness::MariadbConnection;
using ferry::v1::Transaction;
using ferry::v1::Value;

constexpr const char* kFerrySchema = "ferry_it_parallel";
constexpr const char* kDb = "ferry_it_parallel_db";
constexpr std::uint64_t kPipeline = 41;
constexpr std::uint32_t kGeneralCi = 45;  // utf8mb4_general_ci
constexpr int kTransactions = 3000;

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

struct Row {
    std::optional<std::string> email;
    std::int64_t v = 0;
};

std::string lower(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return text;
}

// The source's history, generated serially: every change's before image is the model's row.
class Workload {
public:
    explicit Workload(std::uint32_t seed) : m_random(seed) {}

    Transaction next(std::uint64_t end) {
        Transaction t;
        t.mutable_begin()->set_file("hz-bin.000007");
        t.mutable_begin()->set_pos(end - 10);
        t.mutable_end()->set_file("hz-bin.000007");
        t.mutable_end()->set_pos(end);
        t.set_gtid("1-1-" + std::to_string(end));
        t.set_commit_ts(1700000000 + end / 1000);
        auto* table = t.add_tables();
        table->set_schema(kDb);
        table->set_name("par");
        for (const char* name : {"id", "email", "v"}) {
            auto* column = table->add_columns();
            column->set_name(name);
        }
        table->mutable_columns(1)->set_collation(kGeneralCi);
        table->mutable_columns(1)->set_nullable(true);
        table->add_primary_key(0);
        auto* unique = table->add_unique_keys();
        unique->set_name("uk_email");
        unique->add_columns(1);
        const int changes = 1 + static_cast<int>(m_random() % 3);
        for (int i = 0; i < changes; ++i) {
            change(t);
        }
        return t;
    }

    const std::map<std::int64_t, Row>& rows() const { return m_rows; }

private:
    static void image(google::protobuf::RepeatedPtrField<Value>* out, std::int64_t id,
                      const Row& row) {
        out->Add()->set_int_(id);
        auto* email = out->Add();
        if (row.email) {
            email->set_text(*row.email);
            email->set_collation(kGeneralCi);
        } else {
            email->set_null(true);
        }
        out->Add()->set_int_(row.v);
    }

    std::int64_t freeId() {
        for (;;) {
            const auto id = static_cast<std::int64_t>(m_random() % 120);
            if (!m_rows.contains(id)) {
                return id;
            }
        }
    }

    std::int64_t existingId() {
        auto it = m_rows.begin();
        std::advance(it, static_cast<long>(m_random() % m_rows.size()));
        return it->first;
    }

    // A free e-mail from a small pool in a random case, or NULL.
    std::optional<std::string> freeEmail() {
        if (m_random() % 5 == 0) {
            return std::nullopt;
        }
        for (int tries = 0; tries < 10; ++tries) {
            std::string email = "user" + std::to_string(m_random() % 40) + "@x.org";
            if (m_owners.contains(lower(email))) {
                continue;
            }
            for (char& c : email) {
                if (m_random() % 2 == 0) {
                    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                }
            }
            return email;
        }
        return std::nullopt;
    }

    void take(std::int64_t id, const Row& row) {
        if (row.email) {
            m_owners[lower(*row.email)] = id;
        }
        m_rows[id] = row;
    }

    void release(std::int64_t id) {
        const Row& row = m_rows.at(id);
        if (row.email) {
            m_owners.erase(lower(*row.email));
        }
        m_rows.erase(id);
    }

    void change(Transaction& t) {
        auto* change = t.add_changes();
        change->set_event_pos(t.begin().pos() + 1);
        const unsigned op = m_rows.size() < 20 ? 0 : m_random() % 6;
        if (op == 0 || m_rows.size() < 20) {
            const std::int64_t id = freeId();
            const Row row{freeEmail(), static_cast<std::int64_t>(m_random() % 1000)};
            change->set_type(ferry::v1::CHANGE_TYPE_INSERT);
            image(change->mutable_after(), id, row);
            take(id, row);
            return;
        }
        const std::int64_t id = existingId();
        const Row before = m_rows.at(id);
        image(change->mutable_before(), id, before);
        if (op == 1) {
            change->set_type(ferry::v1::CHANGE_TYPE_DELETE);
            release(id);
            return;
        }
        change->set_type(ferry::v1::CHANGE_TYPE_UPDATE);
        Row after = before;
        std::int64_t newId = id;
        release(id);
        if (op == 2) {
            after.email = freeEmail();  // frees the old one, maybe takes another's old one
        } else if (op == 3) {
            newId = freeId();  // the row moves to another primary key
        } else {
            after.v = static_cast<std::int64_t>(m_random() % 1000);
        }
        image(change->mutable_after(), newId, after);
        take(newId, after);
    }

    std::mt19937 m_random;
    std::map<std::int64_t, Row> m_rows;
    std::map<std::string, std::int64_t> m_owners;  // lower-cased e-mail -> id
};

class ParallelApplyMariadb : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        ASSERT_GE(m_env.mariadbCount(), 2u);
        auto connection = MariadbConnection::connect(m_env, 1);
        ASSERT_OK(connection);
        m_target = std::make_unique<MariadbConnection>(std::move(*connection));
        ASSERT_OK(m_target->execute(std::string("CREATE DATABASE IF NOT EXISTS ") + kDb));
        ASSERT_OK(m_target->execute(std::string("DROP TABLE IF EXISTS ") + kDb + ".par"));
        ASSERT_OK(m_target->execute(
            std::string("CREATE TABLE ") + kDb +
            ".par (id INT NOT NULL PRIMARY KEY, email VARCHAR(64) CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_general_ci NULL, v INT NOT NULL, UNIQUE KEY uk_email (email)) "
            "ENGINE=InnoDB"));
        auto installer = SchemaInstaller::create(kFerrySchema);
        ASSERT_OK(installer);
        auto session = connect();
        ASSERT_OK(session);
        ASSERT_OK(installer->install(**session));
        for (const char* table : {"apply_position", "fence"}) {
            ASSERT_OK(m_target->execute(std::string("DELETE FROM ") + kFerrySchema + "." + table +
                                        " WHERE pipeline_id = " + std::to_string(kPipeline)));
        }
    }

    Result<std::unique_ptr<SqlSession>> connect() {
        FERRY_ASSIGN_OR_RETURN(auto server, m_env.mariadb(1));
        mysql::DatabaseUrl url;
        url.user = m_env.user();
        url.host = server.host;
        url.port = static_cast<std::uint16_t>(server.port);
        url.sslMode = mysql::SslMode::Disabled;
        FERRY_ASSIGN_OR_RETURN(auto session, MysqlSqlSession::connect(url, m_env.password()));
        return std::unique_ptr<SqlSession>(std::move(session));
    }

    ParallelOptions options() {
        ParallelOptions o;
        o.workers = 4;
        o.applier.pipelineId = kPipeline;
        o.applier.fencingToken = 1;
        o.applier.ferrySchema = kFerrySchema;
        o.applier.retry.initialBackoff = std::chrono::milliseconds(1);
        o.applier.retry.maxAttempts = 20;
        o.maxGroupTransactions = 8;
        o.orderWaitTimeout = std::chrono::milliseconds(500);
        return o;
    }

    std::unique_ptr<ParallelApplier> makeApplier() {
        return std::make_unique<ParallelApplier>([this](std::uint16_t) { return connect(); },
                                                 options());
    }

    HarnessEnv m_env;
    std::unique_ptr<MariadbConnection> m_target;
};

TEST_F(ParallelApplyMariadb, FourWorkersEqualTheSerialResult) {
    Workload workload(20241125);
    std::vector<Transaction> transactions;
    for (int i = 0; i < kTransactions; ++i) {
        transactions.push_back(workload.next(1000 + 100 * static_cast<std::uint64_t>(i)));
    }
    const std::uint64_t lastEnd = transactions.back().end().pos();

    auto applier = makeApplier();
    std::vector<CommittedGroup> committed;
    applier->setCommitCallback([&](const CommittedGroup& group) { committed.push_back(group); });
    auto progress = applier->start();
    ASSERT_OK(progress);
    EXPECT_FALSE(progress->lowWater.has_value());
    const auto started = std::chrono::steady_clock::now();
    for (const Transaction& t : transactions) {
        ASSERT_OK(applier->submit(t));
    }
    ASSERT_OK(applier->stop());
    const auto elapsed = std::chrono::steady_clock::now() - started;
    const ParallelStats stats = applier->stats();
    std::printf(
        "parallel apply: %d transactions in %lld ms, %llu groups, max in flight %llu, "
        "order aborts %llu, re-runs %llu\n",
        kTransactions,
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
        static_cast<unsigned long long>(stats.groups),
        static_cast<unsigned long long>(stats.maxInFlight),
        static_cast<unsigned long long>(stats.orderAborts),
        static_cast<unsigned long long>(stats.retries));
    EXPECT_EQ(stats.applied, static_cast<std::uint64_t>(kTransactions));
    EXPECT_GE(stats.maxInFlight, 2u);

    // The table equals the serial result, e-mails byte for byte (case included).
    auto rows =
        m_target->query(std::string("SELECT id, HEX(email), v FROM ") + kDb + ".par ORDER BY id");
    ASSERT_OK(rows);
    ASSERT_EQ(rows->rows.size(), workload.rows().size());
    auto expected = workload.rows().begin();
    for (const auto& row : rows->rows) {
        ASSERT_TRUE(row[0].has_value());
        EXPECT_EQ(std::stoll(*row[0]), expected->first);
        std::string hex;
        if (expected->second.email) {
            static const char* digits = "0123456789ABCDEF";
            for (const unsigned char c : *expected->second.email) {
                hex.push_back(digits[c >> 4]);
                hex.push_back(digits[c & 15]);
            }
        }
        EXPECT_EQ(row[1].value_or(""), hex) << "id " << expected->first;
        EXPECT_EQ(row[2].value_or(""), std::to_string(expected->second.v))
            << "id " << expected->first;
        ++expected;
    }

    // Commits were reported in source order and end at the last transaction.
    ASSERT_FALSE(committed.empty());
    for (std::size_t i = 0; i < committed.size(); ++i) {
        EXPECT_EQ(committed[i].sequence, i + 1);
        if (i > 0) {
            EXPECT_LT(committed[i - 1].end.pos(), committed[i].end.pos());
        }
    }
    EXPECT_EQ(committed.back().end.pos(), lastEnd);

    // apply_position: one row per worker slot used; the largest end is the last transaction;
    // every row's end is the end of a committed group; the seqs add up to the groups committed.
    auto positions = m_target->query(
        std::string("SELECT slot, source_file, source_pos, seq FROM ") + kFerrySchema +
        ".apply_position WHERE pipeline_id = " + std::to_string(kPipeline) + " ORDER BY slot");
    ASSERT_OK(positions);
    ASSERT_GE(positions->rows.size(), 2u);
    ASSERT_LE(positions->rows.size(), 4u);
    std::uint64_t maxEnd = 0;
    std::uint64_t seqs = 0;
    for (const auto& row : positions->rows) {
        const std::uint64_t pos = std::stoull(row[2].value_or("0"));
        EXPECT_EQ(row[1].value_or(""), "hz-bin.000007");
        maxEnd = std::max(maxEnd, pos);
        seqs += std::stoull(row[3].value_or("0"));
        const std::uint16_t slot = static_cast<std::uint16_t>(std::stoul(row[0].value_or("0")));
        // The slot's row holds the end of the last group that slot committed.
        std::optional<std::uint64_t> lastOfSlot;
        for (const CommittedGroup& group : committed) {
            if (group.slot == slot) {
                lastOfSlot = group.end.pos();
            }
        }
        EXPECT_EQ(lastOfSlot, pos) << "slot " << slot;
    }
    EXPECT_EQ(maxEnd, lastEnd);
    EXPECT_EQ(seqs, stats.groups);

    // A restart finds everything applied and changes nothing.
    auto again = makeApplier();
    auto reloaded = again->start();
    ASSERT_OK(reloaded);
    ASSERT_TRUE(reloaded->lowWater.has_value());
    EXPECT_EQ(reloaded->lowWater->pos(), lastEnd);
    for (const Transaction& t : transactions) {
        ASSERT_OK(again->submit(t));
    }
    ASSERT_OK(again->stop());
    EXPECT_EQ(again->stats().skipped, static_cast<std::uint64_t>(kTransactions));
    EXPECT_EQ(again->stats().applied, 0u);
    auto count = m_target->queryValue(std::string("SELECT COUNT(*) FROM ") + kDb + ".par");
    ASSERT_OK(count);
    EXPECT_EQ(count->value_or(""), std::to_string(workload.rows().size()));
}

}  // namespace
}  // namespace ferry::apply
