// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/fault_injecting_keeper.h"

#include <utility>

namespace ferry::coord {

std::string_view faultName(Fault fault) {
    switch (fault) {
        case Fault::None:
            return "none";
        case Fault::LossBefore:
            return "connection loss before the operation";
        case Fault::LossAfter:
            return "connection loss after the operation";
        case Fault::ExpireBefore:
            return "session expiry before the operation";
        case Fault::ExpireAfter:
            return "session expiry after the operation";
    }
    return "unknown";
}

FaultInjectingKeeper::FaultInjectingKeeper(Keeper& inner, uint64_t seed,
                                           FaultProbabilities probabilities)
    : m_inner(inner), m_probabilities(probabilities), m_random(seed) {
    // Translates the inner keeper's states: after an injected expiry the inner session is
    // closed, which this keeper's users must see as an expiry.
    m_innerListener = m_inner.addSessionListener([this](SessionState state) {
        std::map<ListenerId, SessionListener> listeners;
        {
            std::lock_guard lock(m_mutex);
            if (m_expired && state == SessionState::Closed) {
                state = SessionState::Expired;
            }
            listeners = m_listeners;
        }
        for (auto& [id, listener] : listeners) {
            listener(state);
        }
    });
}

FaultInjectingKeeper::~FaultInjectingKeeper() {
    m_inner.removeSessionListener(m_innerListener);
}

void FaultInjectingKeeper::schedule(std::vector<Fault> faults) {
    std::lock_guard lock(m_mutex);
    m_schedule.insert(m_schedule.end(), faults.begin(), faults.end());
}

void FaultInjectingKeeper::setProbabilities(FaultProbabilities probabilities) {
    std::lock_guard lock(m_mutex);
    m_probabilities = probabilities;
}

std::size_t FaultInjectingKeeper::operationCount() const {
    std::lock_guard lock(m_mutex);
    return m_operations;
}

std::size_t FaultInjectingKeeper::injectedCount() const {
    std::lock_guard lock(m_mutex);
    return m_injected;
}

SessionState FaultInjectingKeeper::state() const {
    {
        std::lock_guard lock(m_mutex);
        if (m_expired) {
            return SessionState::Expired;
        }
    }
    return m_inner.state();
}

int64_t FaultInjectingKeeper::sessionId() const {
    return m_inner.sessionId();
}

ListenerId FaultInjectingKeeper::addSessionListener(SessionListener listener) {
    std::lock_guard lock(m_mutex);
    const ListenerId id = m_nextListener++;
    m_listeners.emplace(id, std::move(listener));
    return id;
}

void FaultInjectingKeeper::removeSessionListener(ListenerId id) {
    std::lock_guard lock(m_mutex);
    m_listeners.erase(id);
}

KeeperStatus FaultInjectingKeeper::renewSession() {
    {
        std::lock_guard lock(m_mutex);
        m_expired = false;
    }
    return m_inner.renewSession();
}

void FaultInjectingKeeper::close() {
    {
        std::lock_guard lock(m_mutex);
        m_expired = false;
    }
    m_inner.close();
}

Fault FaultInjectingKeeper::nextFault() {
    std::lock_guard lock(m_mutex);
    ++m_operations;
    Fault fault = Fault::None;
    if (!m_schedule.empty()) {
        fault = m_schedule.front();
        m_schedule.pop_front();
    } else {
        const double roll = std::uniform_real_distribution<double>(0.0, 1.0)(m_random);
        const FaultProbabilities& p = m_probabilities;
        if (roll < p.lossBefore) {
            fault = Fault::LossBefore;
        } else if (roll < p.lossBefore + p.lossAfter) {
            fault = Fault::LossAfter;
        } else if (roll < p.lossBefore + p.lossAfter + p.expire / 2) {
            fault = Fault::ExpireBefore;
        } else if (roll < p.lossBefore + p.lossAfter + p.expire) {
            fault = Fault::ExpireAfter;
        }
    }
    if (fault != Fault::None) {
        ++m_injected;
    }
    return fault;
}

void FaultInjectingKeeper::injectExpiry() {
    {
        std::lock_guard lock(m_mutex);
        m_expired = true;
    }
    m_inner.close();
}

template <typename R, typename Call>
R FaultInjectingKeeper::withFaults(std::string_view operation, const std::string& path,
                                   Call&& call) {
    {
        std::lock_guard lock(m_mutex);
        if (m_expired) {
            return keeperFailure(KeeperError::SessionExpired, operation, path);
        }
    }
    const Fault fault = nextFault();
    const std::string injected = "injected " + std::string(faultName(fault));
    switch (fault) {
        case Fault::None:
            return call();
        case Fault::LossBefore:
            return keeperFailure(KeeperError::ConnectionLoss, operation, path, injected);
        case Fault::ExpireBefore:
            injectExpiry();
            return keeperFailure(KeeperError::SessionExpired, operation, path, injected);
        case Fault::LossAfter: {
            R result = call();
            if (!result.ok()) {
                return result;
            }
            return keeperFailure(KeeperError::ConnectionLoss, operation, path, injected);
        }
        case Fault::ExpireAfter: {
            R result = call();
            injectExpiry();
            if (!result.ok()) {
                return result;
            }
            return keeperFailure(KeeperError::SessionExpired, operation, path, injected);
        }
    }
    return call();
}

KeeperResult<std::string> FaultInjectingKeeper::doCreate(const std::string& path,
                                                         std::string_view data, CreateMode mode) {
    return withFaults<KeeperResult<std::string>>("create", path,
                                                 [&] { return m_inner.create(path, data, mode); });
}

KeeperResult<GetResult> FaultInjectingKeeper::doGet(const std::string& path, WatchCallback watch) {
    return withFaults<KeeperResult<GetResult>>("get", path,
                                               [&] { return m_inner.get(path, std::move(watch)); });
}

KeeperResult<Stat> FaultInjectingKeeper::doSet(const std::string& path, std::string_view data,
                                               int32_t version) {
    return withFaults<KeeperResult<Stat>>("set", path,
                                          [&] { return m_inner.set(path, data, version); });
}

KeeperStatus FaultInjectingKeeper::doRemove(const std::string& path, int32_t version) {
    return withFaults<KeeperStatus>("remove", path, [&] { return m_inner.remove(path, version); });
}

KeeperResult<std::optional<Stat>> FaultInjectingKeeper::doExists(const std::string& path,
                                                                 WatchCallback watch) {
    return withFaults<KeeperResult<std::optional<Stat>>>(
        "exists", path, [&] { return m_inner.exists(path, std::move(watch)); });
}

KeeperResult<std::vector<std::string>> FaultInjectingKeeper::doGetChildren(const std::string& path,
                                                                           WatchCallback watch) {
    return withFaults<KeeperResult<std::vector<std::string>>>(
        "getChildren", path, [&] { return m_inner.getChildren(path, std::move(watch)); });
}

KeeperResult<std::vector<OpResult>> FaultInjectingKeeper::doMulti(const std::vector<Op>& ops) {
    return withFaults<KeeperResult<std::vector<OpResult>>>("multi", ops.front().path,
                                                           [&] { return m_inner.multi(ops); });
}

}  // namespace ferry::coord
