// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "ferry/apply/change_source.h"
#include "ferry/v1/change.pb.h"

namespace ferry::replicate {

// The bounded hand-over between the reader thread (one producer) and the applying thread (one
// consumer): transactions in source order, bounded by count and rows. A streamed (large)
// transaction travels as its header and the source of its changes, counts as no rows (they stay
// on disk) and comes out alone. close() says the producer is done; cancel() tells a producer
// blocked on a full queue to give up. Thread-safe.
class TransactionQueue {
public:
    TransactionQueue(std::size_t maxTransactions, std::size_t maxRows)
        : m_maxTransactions(maxTransactions), m_maxRows(maxRows) {}

    // Waits while full; false when cancelled (the transaction is dropped).
    bool push(v1::Transaction&& transaction,
              std::unique_ptr<apply::ChangeSource> changes = nullptr) {
        const std::size_t rows = static_cast<std::size_t>(transaction.changes_size());
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] {
            return m_cancelled || m_items.empty() ||
                   (m_items.size() < m_maxTransactions && m_rows + rows <= m_maxRows);
        });
        if (m_cancelled) {
            return false;
        }
        m_rows += rows;
        m_items.push_back(Item{std::move(transaction), std::move(changes)});
        m_notEmpty.notify_one();
        return true;
    }

    // Moves the next group into `out` (cleared first): consecutive transactions up to the
    // limits, a DDL alone, a streamed transaction alone with its changes in `changes` (reset
    // otherwise). Waits up to `timeout` for the first. Returns false when the queue is closed and
    // empty (nothing more will come).
    bool popGroup(std::vector<v1::Transaction>& out, std::unique_ptr<apply::ChangeSource>& changes,
                  std::size_t maxTransactions, std::size_t maxRows,
                  std::chrono::milliseconds timeout) {
        out.clear();
        changes.reset();
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait_for(lock, timeout, [&] { return m_closed || !m_items.empty(); });
        std::size_t rows = 0;
        while (!m_items.empty() && out.size() < maxTransactions) {
            Item& next = m_items.front();
            const auto nextRows = static_cast<std::size_t>(next.transaction.changes_size());
            const bool alone = next.transaction.has_ddl() || next.changes != nullptr;
            if (!out.empty() && (alone || rows + nextRows > maxRows)) {
                break;
            }
            rows += nextRows;
            m_rows -= nextRows;
            out.push_back(std::move(next.transaction));
            changes = std::move(next.changes);
            m_items.pop_front();
            if (alone) {
                break;
            }
        }
        if (!out.empty()) {
            m_notFull.notify_one();
            return true;
        }
        return !m_closed;
    }

    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_notEmpty.notify_all();
    }

    void cancel() {
        std::lock_guard lock(m_mutex);
        m_cancelled = true;
        m_notFull.notify_all();
    }

    std::size_t size() const {
        std::lock_guard lock(m_mutex);
        return m_items.size();
    }

    // Source commit time of the oldest queued transaction, 0 when empty.
    std::uint64_t oldestCommitTs() const {
        std::lock_guard lock(m_mutex);
        return m_items.empty() ? 0 : m_items.front().transaction.commit_ts();
    }

private:
    struct Item {
        v1::Transaction transaction;
        std::unique_ptr<apply::ChangeSource> changes;
    };

    const std::size_t m_maxTransactions;
    const std::size_t m_maxRows;
    mutable std::mutex m_mutex;
    std::condition_variable m_notEmpty;
    std::condition_variable m_notFull;
    std::deque<Item> m_items;
    std::size_t m_rows = 0;
    bool m_closed = false;
    bool m_cancelled = false;
};

}  // namespace ferry::replicate
