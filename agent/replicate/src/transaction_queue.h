// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "ferry/v1/change.pb.h"

namespace ferry::replicate {

// The bounded hand-over between the reader thread (one producer) and the applying thread (one
// consumer): transactions in source order, bounded by count and rows. close() says the producer
// is done; cancel() tells a producer blocked on a full queue to give up. Thread-safe.
class TransactionQueue {
public:
    TransactionQueue(std::size_t maxTransactions, std::size_t maxRows)
        : m_maxTransactions(maxTransactions), m_maxRows(maxRows) {}

    // Waits while full; false when cancelled (the transaction is dropped).
    bool push(v1::Transaction&& transaction) {
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
        m_items.push_back(std::move(transaction));
        m_notEmpty.notify_one();
        return true;
    }

    // Moves the next group into `out` (cleared first): consecutive transactions up to the
    // limits, a DDL alone. Waits up to `timeout` for the first. Returns false when the queue
    // is closed and empty (nothing more will come).
    bool popGroup(std::vector<v1::Transaction>& out, std::size_t maxTransactions,
                  std::size_t maxRows, std::chrono::milliseconds timeout) {
        out.clear();
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait_for(lock, timeout, [&] { return m_closed || !m_items.empty(); });
        std::size_t rows = 0;
        while (!m_items.empty() && out.size() < maxTransactions) {
            const v1::Transaction& next = m_items.front();
            const auto nextRows = static_cast<std::size_t>(next.changes_size());
            if (!out.empty() &&
                (next.has_ddl() || out.front().has_ddl() || rows + nextRows > maxRows)) {
                break;
            }
            rows += nextRows;
            m_rows -= nextRows;
            out.push_back(std::move(m_items.front()));
            m_items.pop_front();
            if (out.front().has_ddl()) {
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
        return m_items.empty() ? 0 : m_items.front().commit_ts();
    }

private:
    const std::size_t m_maxTransactions;
    const std::size_t m_maxRows;
    mutable std::mutex m_mutex;
    std::condition_variable m_notEmpty;
    std::condition_variable m_notFull;
    std::deque<v1::Transaction> m_items;
    std::size_t m_rows = 0;
    bool m_closed = false;
    bool m_cancelled = false;
};

}  // namespace ferry::replicate
