// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <vector>

#include "ferry/coord/keeper.h"

namespace ferry::coord {

// What FaultInjectingKeeper does to one operation.
enum class Fault {
    None,
    LossBefore,    // fails with ConnectionLoss without applying the operation
    LossAfter,     // applies the operation, then fails with ConnectionLoss: the caller cannot
                   // tell it happened (the case retry logic gets wrong)
    ExpireBefore,  // the session expires before the operation
    ExpireAfter,   // the operation applies, then the session expires
};

std::string_view faultName(Fault fault);

// Chances per operation when no scheduled fault is left; they must add up to at most 1.
struct FaultProbabilities {
    double lossBefore = 0;
    double lossAfter = 0;
    double expire = 0;  // split evenly between ExpireBefore and ExpireAfter
};

// Wraps any Keeper and injects faults into its operations (ClickHouse's
// ZooKeeperWithFaultInjection idea): first from an explicit schedule (one entry per operation,
// in order), then at random from a seeded RNG, so a failing run replays exactly.
//
// An injected expiry closes the inner session (its ephemeral nodes go), reports Expired to this
// keeper's listeners and fails every call with SessionExpired until renewSession().
// Thread-safe; REQUIRES: `inner` outlives this object.
class FaultInjectingKeeper final : public Keeper {
public:
    explicit FaultInjectingKeeper(Keeper& inner, uint64_t seed = 0,
                                  FaultProbabilities probabilities = {});
    ~FaultInjectingKeeper() override;
    FaultInjectingKeeper(const FaultInjectingKeeper&) = delete;
    FaultInjectingKeeper& operator=(const FaultInjectingKeeper&) = delete;

    // Appends faults for the next operations; Fault::None lets one pass.
    void schedule(std::vector<Fault> faults);
    void setProbabilities(FaultProbabilities probabilities);
    // Operations seen (with or without a fault) and faults injected so far.
    std::size_t operationCount() const;
    std::size_t injectedCount() const;

    SessionState state() const override;
    int64_t sessionId() const override;
    std::chrono::milliseconds sessionTimeout() const override { return m_inner.sessionTimeout(); }
    ListenerId addSessionListener(SessionListener listener) override;
    void removeSessionListener(ListenerId id) override;
    KeeperStatus renewSession() override;
    void close() override;

protected:
    KeeperResult<std::string> doCreate(const std::string& path, std::string_view data,
                                       CreateMode mode) override;
    KeeperResult<GetResult> doGet(const std::string& path, WatchCallback watch) override;
    KeeperResult<Stat> doSet(const std::string& path, std::string_view data,
                             int32_t version) override;
    KeeperStatus doRemove(const std::string& path, int32_t version) override;
    KeeperResult<std::optional<Stat>> doExists(const std::string& path,
                                               WatchCallback watch) override;
    KeeperResult<std::vector<std::string>> doGetChildren(const std::string& path,
                                                         WatchCallback watch) override;
    KeeperResult<std::vector<OpResult>> doMulti(const std::vector<Op>& ops) override;

private:
    Fault nextFault();
    void injectExpiry();
    // Runs `call` with the next fault applied around it.
    template <typename R, typename Call>
    R withFaults(std::string_view operation, const std::string& path, Call&& call);

    Keeper& m_inner;
    mutable std::mutex m_mutex;
    std::deque<Fault> m_schedule;
    FaultProbabilities m_probabilities;
    std::mt19937_64 m_random;
    std::size_t m_operations = 0;
    std::size_t m_injected = 0;
    bool m_expired = false;
    ListenerId m_innerListener = 0;
    std::map<ListenerId, SessionListener> m_listeners;
    ListenerId m_nextListener = 1;
};

}  // namespace ferry::coord
