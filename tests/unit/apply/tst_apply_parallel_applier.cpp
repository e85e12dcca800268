// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "ferry/apply/parallel_applier.h"

namespace ferry::apply {
namespace {

using ferry::v1::Transaction;
using std::chrono::milliseconds;

constexpr std::uint64_t kPipeline = 3;
constexpr auto kWait = std::chrono::seconds(20);  // upper bound of every wait for a condition

// A target database shared by several fake sessions: it keeps the committed apply_position rows,
// the order of commits, row locks (by a lock resource the test chooses, so gap locks outside the
// write sets can be modelled) and checks the scheduler's invariants as statements arrive.
class FakeDatabase {
public:
    struct Position {
        std::string file;
        std::uint64_t pos = 0;
        std::uint64_t seq = 0;
    };
    struct Failure {
        std::string contains;
        unsigned number = 0;
        int times = 1;
    };

    std::mutex mutex;
    std::condition_variable changed;
    // Lock resource of a row statement; default: "t:<key>", the row itself.
    std::function<std::string(std::int64_t key)> lockOf = [](std::int64_t key) {
        return "t:" + std::to_string(key);
    };
    std::chrono::milliseconds lockWaitTimeout{5000};
    // Runs (without the mutex) before a row statement; may wait for conditions. A non-zero
    // result fails the statement with that error number.
    std::function<unsigned(int session, std::int64_t key)> beforeRow;
    std::vector<Failure> failures;

    // Observations.
    std::map<std::uint16_t, Position> positions;
    std::vector<std::uint64_t> commitOrder;  // source_pos of each committed group
    std::vector<std::size_t> groupSizes;     // row statements' keys per committed group
    std::vector<std::string> violations;
    std::vector<std::int64_t> executedKeys;  // every row statement, in order
    int openTransactions = 0;
    int maxOpenTransactions = 0;
    int rowStatementsRunning = 0;
    int maxRowStatementsRunning = 0;
    std::map<std::string, int> lockOwner;
    std::map<int, std::set<std::int64_t>> openKeys;  // keys of each open transaction
    std::map<std::int64_t, std::int64_t> rows;       // committed table t: id -> v
    int ddls = 0;

    std::optional<unsigned> takeFailure(const std::string& sql) {
        for (Failure& failure : failures) {
            if (failure.times > 0 && sql.find(failure.contains) != std::string::npos) {
                --failure.times;
                return failure.number;
            }
        }
        return std::nullopt;
    }
};

// One row write: the new value of `key`, or its deletion.
struct Write {
    std::int64_t key = 0;
    bool erase = false;
    std::int64_t value = 0;
};

class FakeSession final : public SqlSession {
public:
    FakeSession(FakeDatabase& db, int id) : m_db(db), m_id(id) {}

    Status execute(std::string_view text) override {
        const std::string sql(text);
        std::unique_lock lock(m_db.mutex);
        m_lastError = 0;
        m_affected = 0;
        if (auto number = m_db.takeFailure(sql)) {
            if (*number == 1213 || *number == 1205 || *number == 2013) {
                endTransactionLocked(false);
            }
            return fail(*number, sql);
        }
        if (sql == "BEGIN") {
            m_inTransaction = true;
            ++m_db.openTransactions;
            m_db.maxOpenTransactions = std::max(m_db.maxOpenTransactions, m_db.openTransactions);
            return okStatus();
        }
        if (sql == "COMMIT" || sql == "ROLLBACK") {
            endTransactionLocked(sql == "COMMIT");
            return okStatus();
        }
        if (sql.starts_with("SET ") || sql.starts_with("USE ")) {
            return okStatus();
        }
        if (sql.starts_with("INSERT INTO `fx`.`apply_position`")) {
            static const std::regex values(R"(VALUES \((\d+), (\d+), '([^']*)', (\d+),)");
            std::smatch match;
            if (!std::regex_search(sql, match, values)) {
                m_db.violations.push_back("unparsed position statement: " + sql);
                return fail(1064, sql);
            }
            m_pendingSlot = static_cast<std::uint16_t>(std::stoul(match[2].str()));
            m_pending = FakeDatabase::Position{match[3].str(), std::stoull(match[4].str()), 0};
            m_affected = 1;
            return okStatus();
        }
        if (sql.starts_with("/* ferry:pipeline=")) {
            ++m_db.ddls;
            if (m_db.openTransactions > 0) {
                m_db.violations.push_back("DDL ran while a transaction was open");
            }
            return okStatus();
        }
        return rowStatementLocked(sql, lock);
    }

    Result<SqlRows> query(std::string_view text) override {
        std::lock_guard lock(m_db.mutex);
        m_lastError = 0;
        SqlRows rows;
        if (text.starts_with("SELECT token")) {
            rows.columns = {"token"};
            return rows;
        }
        rows.columns = {"slot",      "source_file", "source_pos",   "source_gtid",
                        "source_ts", "seq",         "fencing_token"};
        for (const auto& [slot, position] : m_db.positions) {
            rows.rows.push_back({std::to_string(slot), position.file, std::to_string(position.pos),
                                 std::string(), std::string("0"), std::to_string(position.seq),
                                 std::string("0")});
        }
        return rows;
    }

    std::uint64_t affectedRows() const override { return m_affected; }
    unsigned lastErrorNumber() const override { return m_lastError; }
    std::string quote(std::string_view bytes) const override { return quoteUtf8mb4(bytes); }
    Status reconnect() override {
        std::lock_guard lock(m_db.mutex);
        endTransactionLocked(false);
        return okStatus();
    }
    std::string where() const override { return "fake-" + std::to_string(m_id); }

private:
    Status fail(unsigned number, const std::string& sql) {
        m_lastError = number;
        return makeError(ErrorCode::Unavailable,
                         "injected error " + std::to_string(number) + " on: " + sql);
    }

    void endTransactionLocked(bool commit) {
        if (!m_inTransaction) {
            return;
        }
        m_inTransaction = false;
        --m_db.openTransactions;
        if (commit) {
            if (m_pending) {
                auto& row = m_db.positions[m_pendingSlot];
                row.file = m_pending->file;
                row.pos = m_pending->pos;
                ++row.seq;
                m_db.commitOrder.push_back(m_pending->pos);
                m_db.groupSizes.push_back(m_db.openKeys[m_id].size());
            }
            for (const Write& write : m_writes) {
                if (write.erase) {
                    m_db.rows.erase(write.key);
                } else {
                    m_db.rows[write.key] = write.value;
                }
            }
        }
        m_pending.reset();
        m_writes.clear();
        m_db.openKeys.erase(m_id);
        for (auto it = m_db.lockOwner.begin(); it != m_db.lockOwner.end();) {
            it = it->second == m_id ? m_db.lockOwner.erase(it) : std::next(it);
        }
        m_db.changed.notify_all();
    }

    // INSERT INTO `shop`.`t` (`id`, `v`) VALUES (k, v)[, (k, v)...], UPDATE ... WHERE `id` = k,
    // DELETE ... WHERE `id` = k.
    Status rowStatementLocked(const std::string& sql, std::unique_lock<std::mutex>& lock) {
        std::vector<Write> writes;
        static const std::regex insertRow(R"(\((-?\d+), (-?\d+)\))");
        static const std::regex updateRow(
            R"(SET (?:`id` = (-?\d+), )?`v` = (-?\d+) WHERE `id` = (-?\d+))");
        static const std::regex deleteRow(R"(WHERE `id` = (-?\d+))");
        std::smatch match;
        if (sql.starts_with("INSERT INTO `shop`.`t`")) {
            for (auto it = std::sregex_iterator(sql.begin(), sql.end(), insertRow);
                 it != std::sregex_iterator(); ++it) {
                writes.push_back({std::stoll((*it)[1].str()), false, std::stoll((*it)[2].str())});
            }
        } else if (sql.starts_with("UPDATE `shop`.`t`") &&
                   std::regex_search(sql, match, updateRow)) {
            const std::int64_t from = std::stoll(match[3].str());
            const std::int64_t to = match[1].matched ? std::stoll(match[1].str()) : from;
            if (to != from) {
                writes.push_back({from, true, 0});
            }
            writes.push_back({to, false, std::stoll(match[2].str())});
        } else if (sql.starts_with("DELETE FROM `shop`.`t`") &&
                   std::regex_search(sql, match, deleteRow)) {
            writes.push_back({std::stoll(match[1].str()), true, 0});
        } else {
            m_db.violations.push_back("unexpected statement: " + sql);
            return fail(1064, sql);
        }
        if (!m_inTransaction) {
            m_db.violations.push_back("row statement outside a transaction: " + sql);
        }
        for (const Write& write : writes) {
            for (const auto& [other, keys] : m_db.openKeys) {
                if (other != m_id && keys.contains(write.key)) {
                    m_db.violations.push_back("key " + std::to_string(write.key) +
                                              " written by two open transactions");
                }
            }
        }
        if (m_db.beforeRow) {
            const auto hook = m_db.beforeRow;
            ++m_db.rowStatementsRunning;
            m_db.maxRowStatementsRunning =
                std::max(m_db.maxRowStatementsRunning, m_db.rowStatementsRunning);
            m_db.changed.notify_all();
            lock.unlock();
            const unsigned injected = hook(m_id, writes.front().key);
            lock.lock();
            --m_db.rowStatementsRunning;
            if (injected != 0) {
                endTransactionLocked(false);
                return fail(injected, sql);
            }
        }
        for (const Write& write : writes) {
            const std::string resource = m_db.lockOf(write.key);
            const bool got = m_db.changed.wait_for(lock, m_db.lockWaitTimeout, [&] {
                const auto it = m_db.lockOwner.find(resource);
                return it == m_db.lockOwner.end() || it->second == m_id;
            });
            if (!got) {
                endTransactionLocked(false);
                return fail(1205, sql);
            }
            m_db.lockOwner[resource] = m_id;
        }
        std::uint64_t affected = 0;
        for (const Write& write : writes) {
            m_db.openKeys[m_id].insert(write.key);
            m_db.executedKeys.push_back(write.key);
            m_writes.push_back(write);
            ++affected;
        }
        m_affected = sql.starts_with("UPDATE") ? 1 : affected;
        m_db.changed.notify_all();
        return okStatus();
    }

    FakeDatabase& m_db;
    int m_id;
    bool m_inTransaction = false;
    std::uint16_t m_pendingSlot = 0;
    std::optional<FakeDatabase::Position> m_pending;
    std::vector<Write> m_writes;
    std::uint64_t m_affected = 0;
    unsigned m_lastError = 0;
};

// shop.t (id INT PK, v INT).
Transaction base(std::uint64_t end) {
    Transaction t;
    t.mutable_begin()->set_file("bin.000001");
    t.mutable_begin()->set_pos(end - 1);
    t.mutable_end()->set_file("bin.000001");
    t.mutable_end()->set_pos(end);
    t.set_commit_ts(1700000000);
    auto* table = t.add_tables();
    table->set_schema("shop");
    table->set_name("t");
    table->add_columns()->set_name("id");
    table->add_columns()->set_name("v");
    table->add_primary_key(0);
    return t;
}

void addInsert(Transaction& t, std::int64_t id, std::int64_t v) {
    auto* change = t.add_changes();
    change->set_type(ferry::v1::CHANGE_TYPE_INSERT);
    change->add_after()->set_int_(id);
    change->add_after()->set_int_(v);
}

Transaction insertTx(std::uint64_t end, std::int64_t id, std::int64_t v) {
    Transaction t = base(end);
    addInsert(t, id, v);
    return t;
}

Transaction updateTx(std::uint64_t end, std::int64_t id, std::int64_t oldV, std::int64_t newV) {
    Transaction t = base(end);
    auto* change = t.add_changes();
    change->set_type(ferry::v1::CHANGE_TYPE_UPDATE);
    change->add_before()->set_int_(id);
    change->add_before()->set_int_(oldV);
    change->add_after()->set_int_(id);
    change->add_after()->set_int_(newV);
    return t;
}

Transaction ddlTx(std::uint64_t end) {
    Transaction t;
    t.mutable_begin()->set_file("bin.000001");
    t.mutable_begin()->set_pos(end - 1);
    t.mutable_end()->set_file("bin.000001");
    t.mutable_end()->set_pos(end);
    t.mutable_ddl()->set_schema("shop");
    t.mutable_ddl()->set_statement("ALTER TABLE t ADD COLUMN c INT");
    return t;
}

struct Harness {
    FakeDatabase db;
    ParallelOptions options;
    std::vector<CommittedGroup> committed;
    std::mutex committedMutex;
    std::unique_ptr<ParallelApplier> applier;
    std::atomic<int> sessions{0};

    Harness(std::uint16_t workers = 4) {
        options.workers = workers;
        options.applier.pipelineId = kPipeline;
        options.applier.fencingToken = 1;
        options.applier.ferrySchema = "fx";
        options.applier.retry.maxAttempts = 5;
        options.orderWaitTimeout = milliseconds(50);
        options.maxGroupTransactions = 1;
    }

    void start(ParallelApplier::Clock clock = {}) {
        applier = std::make_unique<ParallelApplier>(
            [this](std::uint16_t) -> Result<std::unique_ptr<SqlSession>> {
                return std::unique_ptr<SqlSession>(std::make_unique<FakeSession>(db, sessions++));
            },
            options, [](milliseconds) {}, std::move(clock));
        applier->setCommitCallback([this](const CommittedGroup& group) {
            std::lock_guard lock(committedMutex);
            committed.push_back(group);
        });
        auto progress = applier->start();
        ASSERT_TRUE(progress.ok()) << progress.error().message;
    }

    // Waits (bounded) until `predicate` holds under the database mutex.
    bool waitFor(const std::function<bool()>& predicate) {
        std::unique_lock lock(db.mutex);
        return db.changed.wait_for(lock, kWait, predicate);
    }
};

TEST(ParallelApplier, NonConflictingTransactionsOverlap) {
    Harness h;
    // The first transaction's row statement holds (its transaction open) until the second one's
    // row statement has run: only possible when both run at once.
    bool sawSecond = false;
    h.db.beforeRow = [&h, &sawSecond](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            sawSecond = h.db.changed.wait_for(lock, kWait, [&] {
                return std::find(h.db.executedKeys.begin(), h.db.executedKeys.end(), 2) !=
                       h.db.executedKeys.end();
            });
        }
        return 0;
    };
    h.start();
    ASSERT_TRUE(h.applier->submit(insertTx(100, 1, 10)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(200, 2, 20)).ok());
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_TRUE(sawSecond);
    EXPECT_GE(h.db.maxOpenTransactions, 2);
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200}));
    EXPECT_TRUE(h.db.violations.empty()) << h.db.violations.front();
    EXPECT_GE(h.applier->stats().maxInFlight, 2u);
}

TEST(ParallelApplier, ConflictingTransactionWaitsForTheRunningOne) {
    Harness h;
    // Same key: the second must not start while the first is held.
    std::atomic<bool> release{false};
    h.db.beforeRow = [&](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            h.db.changed.wait_for(lock, kWait, [&] { return release.load(); });
        }
        return 0;
    };
    h.start();
    ASSERT_TRUE(h.applier->submit(insertTx(100, 1, 10)).ok());
    ASSERT_TRUE(h.waitFor([&] { return h.db.rowStatementsRunning == 1; }));
    ASSERT_TRUE(h.applier->submit(updateTx(200, 1, 10, 11)).ok());
    // Unrelated, but dispatch is in source order: it queues behind the conflicting one.
    ASSERT_TRUE(h.applier->submit(insertTx(300, 3, 30)).ok());
    {
        std::unique_lock lock(h.db.mutex);
        EXPECT_EQ(h.db.openTransactions, 1);
        release = true;
        h.db.changed.notify_all();
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.rows.at(1), 11);
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300}));
}

TEST(ParallelApplier, ConflictingTransactionsNeverRunTogether) {
    Harness h;
    h.db.beforeRow = [](int, std::int64_t) -> unsigned {
        std::this_thread::yield();
        return 0;
    };
    h.options.maxGroupTransactions = 3;  // groups too
    h.start();
    // 600 updates over 12 keys: many neighbours collide, many do not.
    std::map<std::int64_t, std::int64_t> expected;
    std::uint64_t end = 100;
    for (std::int64_t id = 0; id < 12; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, 0)).ok());
        expected[id] = 0;
    }
    for (int i = 0; i < 600; ++i) {
        const std::int64_t id = (i * 7) % 12;
        ASSERT_TRUE(h.applier->submit(updateTx(end += 10, id, expected[id], i)).ok());
        expected[id] = i;
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_TRUE(h.db.violations.empty()) << h.db.violations.front();
    EXPECT_EQ(h.db.rows, expected);
    EXPECT_TRUE(std::is_sorted(h.db.commitOrder.begin(), h.db.commitOrder.end()));
    EXPECT_EQ(h.db.commitOrder.back(), end);
    // Commit callbacks in source order, one per group, ending at the last transaction.
    ASSERT_FALSE(h.committed.empty());
    for (std::size_t i = 0; i < h.committed.size(); ++i) {
        EXPECT_EQ(h.committed[i].sequence, i + 1);
    }
    EXPECT_EQ(h.committed.back().end.pos(), end);
    EXPECT_EQ(h.applier->stats().applied, 612u);
}

TEST(ParallelApplier, CommitOrderIsSourceOrderEvenWhenLaterGroupsFinishFirst) {
    Harness h;
    // Key 1 (the first transaction) finishes its statements last.
    h.db.beforeRow = [&h](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            h.db.changed.wait_for(lock, kWait, [&] { return h.db.executedKeys.size() >= 3; });
        }
        return 0;
    };
    h.options.orderWaitTimeout = std::chrono::seconds(30);  // no order aborts in this test
    h.start();
    ASSERT_TRUE(h.applier->submit(insertTx(100, 1, 1)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(200, 2, 2)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(300, 3, 3)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(400, 4, 4)).ok());
    ASSERT_TRUE(h.applier->stop().ok());
    // Really finished out of order: key 1 ran after the three others.
    ASSERT_GE(h.db.executedKeys.size(), 4u);
    EXPECT_EQ(h.db.executedKeys[3], 1);
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300, 400}));
}

TEST(ParallelApplier, BarrierRunsAlone) {
    Harness h;
    h.db.beforeRow = [](int, std::int64_t) -> unsigned {
        std::this_thread::yield();
        return 0;
    };
    h.start();
    std::uint64_t end = 100;
    for (std::int64_t id = 0; id < 20; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, id)).ok());
    }
    const std::uint64_t ddlEnd = end += 10;
    ASSERT_TRUE(h.applier->submit(ddlTx(ddlEnd)).ok());
    for (std::int64_t id = 20; id < 40; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, id)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.ddls, 1);
    EXPECT_TRUE(h.db.violations.empty()) << h.db.violations.front();
    EXPECT_EQ(h.applier->stats().barriers, 1u);
    // Its position commit sits exactly between the transactions before and after it.
    EXPECT_TRUE(std::is_sorted(h.db.commitOrder.begin(), h.db.commitOrder.end()));
    EXPECT_NE(std::find(h.db.commitOrder.begin(), h.db.commitOrder.end(), ddlEnd),
              h.db.commitOrder.end());
}

// The changes of a streamed transaction from memory, counting rewinds.
class MemoryChangeSource final : public ChangeSource {
public:
    explicit MemoryChangeSource(Transaction changes) : m_changes(std::move(changes)) {}
    Result<bool> next(ferry::v1::RowChange& change) override {
        if (m_next == m_changes.changes_size()) {
            return false;
        }
        change = m_changes.changes(m_next++);
        return true;
    }
    Status rewind() override {
        m_next = 0;
        return okStatus();
    }

private:
    Transaction m_changes;
    int m_next = 0;
};

TEST(ParallelApplier, StreamedTransactionIsABarrierAppliedFromItsSource) {
    Harness h;
    h.start();
    std::uint64_t end = 100;
    for (std::int64_t id = 0; id < 10; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, id)).ok());
    }
    const std::uint64_t streamedEnd = end += 10;
    Transaction header = base(streamedEnd);
    header.set_streamed(true);
    Transaction changes = base(streamedEnd);
    const std::int64_t large = static_cast<std::int64_t>(TransactionApplier::kStreamChunkRows) * 3;
    for (std::int64_t id = 1000; id < 1000 + large; ++id) {
        addInsert(changes, id, -id);
    }
    header.set_row_count(static_cast<std::uint64_t>(large));
    // Inline changes are refused: a streamed transaction's rows come from its source.
    EXPECT_FALSE(
        h.applier->submitStreamed(changes, std::make_unique<MemoryChangeSource>(changes)).ok());
    ASSERT_TRUE(
        h.applier->submitStreamed(header, std::make_unique<MemoryChangeSource>(changes)).ok());
    for (std::int64_t id = 10; id < 20; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, id)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_TRUE(h.db.violations.empty()) << h.db.violations.front();
    EXPECT_EQ(h.applier->stats().barriers, 1u);
    EXPECT_EQ(h.db.rows.size(), static_cast<std::size_t>(20 + large));
    EXPECT_EQ(h.db.rows[1000 + large - 1], -(1000 + large - 1));
    EXPECT_TRUE(std::is_sorted(h.db.commitOrder.begin(), h.db.commitOrder.end()));
    EXPECT_EQ(std::count(h.db.commitOrder.begin(), h.db.commitOrder.end(), streamedEnd), 1);
    std::lock_guard lock(h.committedMutex);
    const auto it =
        std::find_if(h.committed.begin(), h.committed.end(),
                     [&](const CommittedGroup& g) { return g.end.pos() == streamedEnd; });
    ASSERT_NE(it, h.committed.end());
    EXPECT_EQ(it->rows, static_cast<std::size_t>(large));
}

TEST(ParallelApplier, ForeignKeysAreReadAtStartAndAfterEveryDdl) {
    Harness h;
    std::atomic<int> loads{0};
    h.options.loadForeignKeys = [&loads](SqlSession&) -> Result<ForeignKeyGroups> {
        ForeignKeyGroups groups;
        // After the first DDL every row of shop.t is in one group: the rest runs serially.
        if (loads++ > 0) {
            groups.link("shop", "t", "shop", "parent");
        }
        return groups;
    };
    h.start();
    EXPECT_EQ(loads.load(), 1);
    std::uint64_t end = 100;
    ASSERT_TRUE(h.applier->submit(ddlTx(end += 10)).ok());
    for (std::int64_t id = 0; id < 30; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(end += 10, id, id)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(loads.load(), 2);
    EXPECT_TRUE(h.db.violations.empty()) << h.db.violations.front();
    EXPECT_EQ(h.db.rows.size(), 30u);
    // Queued behind the DDL, they were scheduled with its foreign keys: one at a time.
    EXPECT_EQ(h.applier->stats().maxInFlight, 1u);
}

TEST(ParallelApplier, ForeignKeysThatCannotBeReadStopTheApplier) {
    Harness h;
    int loads = 0;
    h.options.loadForeignKeys = [&loads](SqlSession&) -> Result<ForeignKeyGroups> {
        if (loads++ > 0) {
            return makeError(ErrorCode::PermissionDenied, "SELECT denied on information_schema");
        }
        return ForeignKeyGroups{};
    };
    h.start();
    ASSERT_TRUE(h.applier->submit(ddlTx(110)).ok());
    // Refused already when the DDL has failed by then; never applied either way.
    (void)h.applier->submit(insertTx(120, 1, 1));
    auto stopped = h.applier->stop();
    ASSERT_FALSE(stopped.ok());
    EXPECT_NE(stopped.error().message.find("foreign keys"), std::string::npos)
        << stopped.error().message;
    EXPECT_EQ(h.db.rows.count(1), 0u);
}

struct GroupingCase {
    const char* name;
    std::size_t maxTransactions;
    std::size_t maxRows;
    std::size_t rowsPerTransaction;
    std::vector<std::uint64_t> expectedCommits;  // group ends
};

TEST(ParallelApplier, GroupingBounds) {
    const GroupingCase cases[] = {
        {"transactions bound", 4, 1000, 1, {10, 50, 90, 100}},
        {"rows bound", 100, 6, 2, {10, 40, 70, 100}},
        {"a transaction over the rows bound runs alone",
         100,
         3,
         5,
         {10, 20, 30, 40, 50, 60, 70, 80, 90, 100}},
    };
    for (const GroupingCase& c : cases) {
        SCOPED_TRACE(c.name);
        Harness h(1);
        h.options.maxGroupTransactions = c.maxTransactions;
        h.options.maxGroupRows = c.maxRows;
        std::atomic<bool> release{false};
        h.db.beforeRow = [&](int, std::int64_t key) -> unsigned {
            if (key == 0) {
                std::unique_lock lock(h.db.mutex);
                h.db.changed.wait_for(lock, kWait, [&] { return release.load(); });
            }
            return 0;
        };
        h.start();
        for (std::uint64_t i = 0; i < 10; ++i) {
            Transaction t = base((i + 1) * 10);
            for (std::size_t r = 0; r < c.rowsPerTransaction; ++r) {
                addInsert(t, static_cast<std::int64_t>(i * 100 + r), 1);
            }
            ASSERT_TRUE(h.applier->submit(std::move(t)).ok());
            if (i == 0) {  // the worker holds the first one while the rest queue up
                ASSERT_TRUE(h.waitFor([&] { return h.db.rowStatementsRunning == 1; }));
            }
        }
        {
            std::lock_guard lock(h.db.mutex);
            release = true;
            h.db.changed.notify_all();
        }
        ASSERT_TRUE(h.applier->stop().ok());
        EXPECT_EQ(h.db.commitOrder, c.expectedCommits);
        EXPECT_EQ(h.db.rows.size(), 10 * c.rowsPerTransaction);
    }
}

TEST(ParallelApplier, GroupDelayBound) {
    Harness h(1);
    auto now = std::chrono::steady_clock::time_point{};
    std::mutex clockMutex;
    std::atomic<bool> release{false};
    h.db.beforeRow = [&](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            h.db.changed.wait_for(lock, kWait, [&] { return release.load(); });
        }
        return 0;
    };
    h.options.maxGroupDelay = milliseconds(20);
    h.options.maxGroupTransactions = 100;
    h.start([&] {
        std::lock_guard lock(clockMutex);
        return now;
    });
    ASSERT_TRUE(h.applier->submit(insertTx(10, 1, 1)).ok());
    ASSERT_TRUE(h.waitFor([&] { return h.db.rowStatementsRunning == 1; }));
    ASSERT_TRUE(h.applier->submit(insertTx(20, 2, 1)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(30, 3, 1)).ok());
    {
        std::lock_guard lock(clockMutex);
        now += milliseconds(25);
    }
    ASSERT_TRUE(h.applier->submit(insertTx(40, 4, 1)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(50, 5, 1)).ok());
    {
        std::lock_guard lock(h.db.mutex);
        release = true;
        h.db.changed.notify_all();
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{10, 30, 50}));
}

TEST(ParallelApplier, DeadlockIsRetriedAfterPredecessorsCommit) {
    Harness h;
    h.db.failures.push_back({"VALUES (3, 30)", 1213, 1});
    h.start();
    for (std::int64_t id = 1; id <= 6; ++id) {
        ASSERT_TRUE(
            h.applier->submit(insertTx(static_cast<std::uint64_t>(id) * 100, id, id * 10)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300, 400, 500, 600}));
    EXPECT_EQ(h.db.rows.size(), 6u);
    EXPECT_EQ(h.db.failures.front().times, 0);
}

TEST(ParallelApplier, OrderingDeadlockOnAGapLockIsBrokenByRollingBackTheLaterGroup) {
    Harness h;
    // Keys 1 and 2 differ (no write-set conflict) but share a gap lock. Key 1 (the earlier
    // transaction) reaches the lock only after key 2 (the later one) holds it and waits to commit.
    h.db.lockOf = [](std::int64_t key) { return "gap:" + std::to_string(key / 10); };
    h.db.lockWaitTimeout = std::chrono::seconds(30);  // InnoDB would wait 50 s by default
    h.db.beforeRow = [&h](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            h.db.changed.wait_for(lock, kWait, [&] { return h.db.lockOwner.contains("gap:0"); });
        }
        return 0;
    };
    h.start();
    ASSERT_TRUE(h.applier->submit(insertTx(100, 1, 10)).ok());
    ASSERT_TRUE(h.applier->submit(insertTx(200, 2, 20)).ok());
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200}));
    EXPECT_GE(h.applier->stats().orderAborts, 1u);
    EXPECT_EQ(h.db.rows.size(), 2u);
}

TEST(ParallelApplier, PermanentErrorStopsEverythingAfterIt) {
    Harness h;
    h.db.failures.push_back({"VALUES (5, 50)", 1146, 100});  // table doesn't exist
    h.db.beforeRow = [](int, std::int64_t) -> unsigned {
        std::this_thread::yield();
        return 0;
    };
    h.start();
    Status last = okStatus();
    for (std::int64_t id = 1; id <= 40 && last.ok(); ++id) {
        last = h.applier->submit(insertTx(static_cast<std::uint64_t>(id) * 100, id, id * 10));
    }
    const Status stopped = h.applier->stop();
    ASSERT_FALSE(stopped.ok());
    EXPECT_NE(stopped.error().message.find("1146"), std::string::npos) << stopped.error().message;
    EXPECT_TRUE(h.applier->error().has_value());
    // Everything before the failed transaction committed, in order; nothing after it.
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300, 400}));
    EXPECT_EQ(h.db.openTransactions, 0);
    EXPECT_FALSE(h.applier->submit(insertTx(99999, 999, 1)).ok());
}

TEST(ParallelApplier, RestartSkipsWhatIsApplied) {
    Harness h;
    h.db.positions[0] = {"bin.000001", 300, 4};
    h.db.positions[1] = {"bin.000001", 200, 2};  // an older slot: the largest end wins
    h.start();
    for (std::int64_t id = 1; id <= 5; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(static_cast<std::uint64_t>(id) * 100, id, id)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{400, 500}));
    EXPECT_EQ(h.applier->stats().skipped, 3u);
    ASSERT_EQ(h.committed.size(), 5u);
    EXPECT_TRUE(h.committed[0].alreadyApplied);
    EXPECT_FALSE(h.committed[4].alreadyApplied);
}

TEST(ParallelApplier, CrashLeavesAPrefixAndRestartCompletesIt) {
    // First run: the transaction with key 7 never finishes (the process "dies"): stop without
    // draining. Whatever committed is a prefix; a second run over the same database applies the
    // rest exactly once.
    FakeDatabase shared;
    std::uint64_t lastEnd = 0;
    {
        Harness h;
        h.options.applier.retry.maxAttempts = 3;
        std::atomic<bool> dying{false};
        h.db.beforeRow = [&](int, std::int64_t key) -> unsigned {
            if (key == 7) {
                std::unique_lock lock(h.db.mutex);
                h.db.changed.wait_for(lock, kWait, [&] { return dying.load(); });
                return 2013;  // the server goes away whenever this row is written
            }
            return 0;
        };
        h.start();
        for (std::int64_t id = 1; id <= 12; ++id) {
            lastEnd = static_cast<std::uint64_t>(id) * 100;
            ASSERT_TRUE(h.applier->submit(insertTx(lastEnd, id, id)).ok());
        }
        ASSERT_TRUE(h.waitFor([&] { return h.db.commitOrder.size() >= 6; }));
        {
            std::lock_guard lock(h.db.mutex);
            dying = true;
            h.db.changed.notify_all();
        }
        EXPECT_FALSE(h.applier->stop().ok());
        // Prefix: 100..600 committed, nothing after the stuck one.
        EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300, 400, 500, 600}));
        shared.positions = h.db.positions;
        shared.rows = h.db.rows;
    }
    Harness h;
    h.db.positions = shared.positions;
    h.db.rows = shared.rows;
    h.start();
    for (std::int64_t id = 1; id <= 12; ++id) {
        ASSERT_TRUE(h.applier->submit(insertTx(static_cast<std::uint64_t>(id) * 100, id, id)).ok());
    }
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder.front(), 700u);
    EXPECT_EQ(h.db.rows.size(), 12u);
    EXPECT_EQ(h.applier->stats().skipped, 6u);
    EXPECT_TRUE(h.db.violations.empty());
}

TEST(ParallelApplier, TrySubmitReportsAFullQueue) {
    Harness h(1);
    h.options.queueCapacity = 2;
    h.options.maxGroupTransactions = 1;
    std::atomic<bool> release{false};
    h.db.beforeRow = [&](int, std::int64_t key) -> unsigned {
        if (key == 1) {
            std::unique_lock lock(h.db.mutex);
            h.db.changed.wait_for(lock, kWait, [&] { return release.load(); });
        }
        return 0;
    };
    h.start();
    ASSERT_TRUE(h.applier->submit(insertTx(100, 1, 1)).ok());
    ASSERT_TRUE(h.waitFor([&] { return h.db.rowStatementsRunning == 1; }));
    Transaction t2 = insertTx(200, 2, 2);
    Transaction t3 = insertTx(300, 3, 3);
    Transaction t4 = insertTx(400, 4, 4);
    EXPECT_TRUE(h.applier->trySubmit(t2).value());
    EXPECT_TRUE(h.applier->trySubmit(t3).value());
    auto full = h.applier->trySubmit(t4);
    ASSERT_TRUE(full.ok());
    EXPECT_FALSE(*full);
    EXPECT_EQ(t4.end().pos(), 400u);  // left with the caller
    {
        std::lock_guard lock(h.db.mutex);
        release = true;
        h.db.changed.notify_all();
    }
    ASSERT_TRUE(h.applier->submit(std::move(t4)).ok());
    ASSERT_TRUE(h.applier->stop().ok());
    EXPECT_EQ(h.db.commitOrder, (std::vector<std::uint64_t>{100, 200, 300, 400}));
}

TEST(ParallelApplier, SubmitBeforeStartIsRefused) {
    ParallelApplier applier(
        [](std::uint16_t) -> Result<std::unique_ptr<SqlSession>> {
            return makeError(ErrorCode::Unavailable, "no server");
        },
        ParallelOptions{});
    EXPECT_FALSE(applier.submit(insertTx(100, 1, 1)).ok());
    auto started = applier.start();
    ASSERT_FALSE(started.ok());
    EXPECT_NE(started.error().message.find("no server"), std::string::npos);
}

}  // namespace
}  // namespace ferry::apply
