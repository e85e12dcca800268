// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <mutex>

namespace ferry::coord {

// The time source of coordination logic (Envoy's TimeSource idea): production code uses
// SteadyClock, tests a ManualClock they advance by hand. Implementations are thread-safe.
class Clock {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// std::chrono::steady_clock.
class SteadyClock final : public Clock {
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
};

// A clock that moves only when told to. Starts at an arbitrary fixed point (not the epoch, so
// that "now minus a timeout" stays meaningful).
class ManualClock final : public Clock {
public:
    ManualClock() = default;
    explicit ManualClock(TimePoint start) : m_now(start) {}

    TimePoint now() const override {
        std::lock_guard lock(m_mutex);
        return m_now;
    }
    void advance(std::chrono::steady_clock::duration by) {
        std::lock_guard lock(m_mutex);
        m_now += by;
    }

private:
    mutable std::mutex m_mutex;
    TimePoint m_now = TimePoint{} + std::chrono::hours(24);
};

}  // namespace ferry::coord
