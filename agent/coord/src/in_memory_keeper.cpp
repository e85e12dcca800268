// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/in_memory_keeper.h"

#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace ferry::coord {

struct InMemoryKeeper::Listeners {
    std::mutex mutex;
    std::map<ListenerId, SessionListener> byId;
    ListenerId nextId = 1;
};

namespace {

struct Node {
    std::string data;
    Stat stat;
};

using Tree = std::map<std::string, Node>;

// A change that may trigger watches: data watches (get, exists) and/or child watches
// (getChildren) registered on `path`.
struct Change {
    std::string path;
    WatchEventType type;
    bool dataWatches;
    bool childWatches;
};

int64_t wallMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool hasChildren(const Tree& tree, const std::string& path) {
    const std::string prefix = path == "/" ? "/" : path + "/";
    auto it = tree.upper_bound(prefix);
    if (path == "/") {
        return tree.size() > 1;
    }
    return it != tree.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> childrenOf(const Tree& tree, const std::string& path) {
    const std::string prefix = path == "/" ? "/" : path + "/";
    std::vector<std::string> names;
    for (auto it = tree.lower_bound(prefix); it != tree.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) {
            break;
        }
        const std::string rest = it->first.substr(prefix.size());
        if (!rest.empty() && rest.find('/') == std::string::npos) {
            names.push_back(rest);
        }
    }
    return names;
}

KeeperResult<std::string> applyCreate(Tree& tree, const std::string& path, std::string_view data,
                                      CreateMode mode, int64_t owner, int64_t zxid,
                                      std::vector<Change>& changes) {
    const std::string parent = parentPath(path);
    auto parentIt = tree.find(parent);
    if (parentIt == tree.end()) {
        return keeperFailure(KeeperError::NoNode, "create", path,
                             "parent " + parent + " does not exist");
    }
    if (parentIt->second.stat.ephemeralOwner != 0) {
        return keeperFailure(KeeperError::NoChildrenForEphemerals, "create", path);
    }
    std::string created = path;
    if (isSequential(mode)) {
        char suffix[16];
        std::snprintf(suffix, sizeof(suffix), "%010d", parentIt->second.stat.cversion);
        created += suffix;
    }
    if (tree.count(created) != 0) {
        return keeperFailure(KeeperError::NodeExists, "create", created);
    }
    Node node;
    node.data = std::string(data);
    node.stat.czxid = zxid;
    node.stat.mzxid = zxid;
    node.stat.pzxid = zxid;
    node.stat.ctime = wallMillis();
    node.stat.mtime = node.stat.ctime;
    node.stat.ephemeralOwner = isEphemeral(mode) ? owner : 0;
    node.stat.dataLength = static_cast<int32_t>(data.size());
    tree.emplace(created, std::move(node));
    Stat& parentStat = parentIt->second.stat;
    ++parentStat.cversion;
    ++parentStat.numChildren;
    parentStat.pzxid = zxid;
    changes.push_back({created, WatchEventType::Created, true, false});
    changes.push_back({parent, WatchEventType::ChildrenChanged, false, true});
    return created;
}

KeeperResult<Stat> applySet(Tree& tree, const std::string& path, std::string_view data,
                            int32_t version, int64_t zxid, std::vector<Change>& changes) {
    auto it = tree.find(path);
    if (it == tree.end()) {
        return keeperFailure(KeeperError::NoNode, "set", path);
    }
    Stat& stat = it->second.stat;
    if (version != kAnyVersion && version != stat.version) {
        return keeperFailure(KeeperError::BadVersion, "set", path,
                             "expected version " + std::to_string(version) + ", node has " +
                                 std::to_string(stat.version));
    }
    it->second.data = std::string(data);
    ++stat.version;
    stat.mzxid = zxid;
    stat.mtime = wallMillis();
    stat.dataLength = static_cast<int32_t>(data.size());
    changes.push_back({path, WatchEventType::DataChanged, true, false});
    return stat;
}

KeeperStatus applyRemove(Tree& tree, const std::string& path, int32_t version, int64_t zxid,
                         std::vector<Change>& changes) {
    auto it = tree.find(path);
    if (it == tree.end()) {
        return keeperFailure(KeeperError::NoNode, "remove", path);
    }
    if (version != kAnyVersion && version != it->second.stat.version) {
        return keeperFailure(KeeperError::BadVersion, "remove", path,
                             "expected version " + std::to_string(version) + ", node has " +
                                 std::to_string(it->second.stat.version));
    }
    if (hasChildren(tree, path)) {
        return keeperFailure(KeeperError::NotEmpty, "remove", path);
    }
    tree.erase(it);
    const std::string parent = parentPath(path);
    auto parentIt = tree.find(parent);
    if (parentIt != tree.end()) {
        ++parentIt->second.stat.cversion;
        --parentIt->second.stat.numChildren;
        parentIt->second.stat.pzxid = zxid;
    }
    changes.push_back({path, WatchEventType::Deleted, true, true});
    changes.push_back({parent, WatchEventType::ChildrenChanged, false, true});
    return {};
}

KeeperStatus applyCheck(const Tree& tree, const std::string& path, int32_t version) {
    auto it = tree.find(path);
    if (it == tree.end()) {
        return keeperFailure(KeeperError::NoNode, "check", path);
    }
    if (version != kAnyVersion && version != it->second.stat.version) {
        return keeperFailure(KeeperError::BadVersion, "check", path,
                             "expected version " + std::to_string(version) + ", node has " +
                                 std::to_string(it->second.stat.version));
    }
    return {};
}

}  // namespace

struct InMemoryEnsemble::State {
    struct Session {
        SessionState state = SessionState::Connected;
        std::shared_ptr<InMemoryKeeper::Listeners> listeners;
        std::multimap<std::string, WatchCallback> dataWatches;
        std::multimap<std::string, WatchCallback> childWatches;
    };

    mutable std::mutex mutex;
    Tree tree;
    int64_t zxid = 0;
    int64_t nextSessionId = 0x1000;
    std::map<int64_t, Session> sessions;
    std::deque<std::function<void()>> queue;

    std::recursive_mutex deliveryMutex;
    std::atomic<std::thread::id> deliveringThread{};

    State() { tree.emplace("/", Node{}); }

    // REQUIRES: mutex held.
    std::optional<KeeperFailure> sessionError(int64_t id, std::string_view operation,
                                              std::string_view path) const {
        auto it = sessions.find(id);
        if (it == sessions.end()) {
            return keeperFailure(KeeperError::Closed, operation, path);
        }
        switch (it->second.state) {
            case SessionState::Connected:
                return std::nullopt;
            case SessionState::Connecting:
            case SessionState::Suspended:
                return keeperFailure(KeeperError::ConnectionLoss, operation, path);
            case SessionState::Expired:
                return keeperFailure(KeeperError::SessionExpired, operation, path);
            case SessionState::Closed:
                return keeperFailure(KeeperError::Closed, operation, path);
        }
        return keeperFailure(KeeperError::System, operation, path);
    }

    // REQUIRES: mutex held.
    void fire(const std::vector<Change>& changes) {
        for (auto& [id, session] : sessions) {
            for (const Change& change : changes) {
                auto take = [&](std::multimap<std::string, WatchCallback>& watches) {
                    auto range = watches.equal_range(change.path);
                    for (auto it = range.first; it != range.second; ++it) {
                        queue.push_back(
                            [callback = std::move(it->second),
                             event = WatchEvent{change.type, change.path}] { callback(event); });
                    }
                    watches.erase(range.first, range.second);
                };
                if (change.dataWatches) {
                    take(session.dataWatches);
                }
                if (change.childWatches) {
                    take(session.childWatches);
                }
            }
        }
    }

    // REQUIRES: mutex held.
    void notify(const std::shared_ptr<InMemoryKeeper::Listeners>& listeners, SessionState state) {
        queue.push_back([listeners, state] {
            std::map<ListenerId, SessionListener> copy;
            {
                std::lock_guard lock(listeners->mutex);
                copy = listeners->byId;
            }
            for (auto& [id, listener] : copy) {
                bool stillThere = false;
                {
                    std::lock_guard lock(listeners->mutex);
                    stillThere = listeners->byId.count(id) != 0;
                }
                if (stillThere) {
                    listener(state);
                }
            }
        });
    }

    // Ends a session: ephemerals removed (each its own transaction), watches fire SessionLost.
    // REQUIRES: mutex held.
    void endSession(int64_t id, SessionState finalState) {
        auto it = sessions.find(id);
        if (it == sessions.end() || it->second.state == SessionState::Expired ||
            it->second.state == SessionState::Closed) {
            return;
        }
        Session& session = it->second;
        session.state = finalState;
        for (auto* watches : {&session.dataWatches, &session.childWatches}) {
            for (auto& [path, callback] : *watches) {
                queue.push_back(
                    [callback = std::move(callback),
                     event = WatchEvent{WatchEventType::SessionLost, path}] { callback(event); });
            }
            watches->clear();
        }
        std::vector<std::string> ephemerals;
        for (const auto& [path, node] : tree) {
            if (node.stat.ephemeralOwner == id) {
                ephemerals.push_back(path);
            }
        }
        std::vector<Change> changes;
        for (auto path = ephemerals.rbegin(); path != ephemerals.rend(); ++path) {
            const int64_t txn = zxid + 1;
            if (applyRemove(tree, *path, kAnyVersion, txn, changes).ok()) {
                zxid = txn;
            }
        }
        fire(changes);
        notify(session.listeners, finalState);
    }
};

InMemoryEnsemble::InMemoryEnsemble() : m_state(std::make_unique<State>()) {}

InMemoryEnsemble::~InMemoryEnsemble() = default;

std::shared_ptr<InMemoryEnsemble> InMemoryEnsemble::create() {
    return std::shared_ptr<InMemoryEnsemble>(new InMemoryEnsemble());
}

std::unique_ptr<InMemoryKeeper> InMemoryEnsemble::connect(
    std::chrono::milliseconds sessionTimeout) {
    std::unique_ptr<InMemoryKeeper> keeper(new InMemoryKeeper(shared_from_this(), sessionTimeout));
    std::lock_guard lock(m_state->mutex);
    const int64_t id = m_state->nextSessionId++;
    State::Session session;
    session.listeners = keeper->m_listeners;
    m_state->sessions.emplace(id, std::move(session));
    keeper->m_sessionId = id;
    return keeper;
}

void InMemoryEnsemble::expireSession(int64_t sessionId) {
    std::lock_guard lock(m_state->mutex);
    m_state->endSession(sessionId, SessionState::Expired);
}

void InMemoryEnsemble::disconnect(int64_t sessionId) {
    std::lock_guard lock(m_state->mutex);
    auto it = m_state->sessions.find(sessionId);
    if (it != m_state->sessions.end() && it->second.state == SessionState::Connected) {
        it->second.state = SessionState::Suspended;
        m_state->notify(it->second.listeners, SessionState::Suspended);
    }
}

void InMemoryEnsemble::reconnect(int64_t sessionId) {
    std::lock_guard lock(m_state->mutex);
    auto it = m_state->sessions.find(sessionId);
    if (it != m_state->sessions.end() && it->second.state == SessionState::Suspended) {
        it->second.state = SessionState::Connected;
        m_state->notify(it->second.listeners, SessionState::Connected);
    }
}

std::size_t InMemoryEnsemble::deliverEvents() {
    if (m_state->deliveringThread.load() == std::this_thread::get_id()) {
        return 0;
    }
    std::lock_guard delivery(m_state->deliveryMutex);
    m_state->deliveringThread = std::this_thread::get_id();
    std::size_t delivered = 0;
    for (;;) {
        std::function<void()> event;
        {
            std::lock_guard lock(m_state->mutex);
            if (m_state->queue.empty()) {
                break;
            }
            event = std::move(m_state->queue.front());
            m_state->queue.pop_front();
        }
        event();
        ++delivered;
    }
    m_state->deliveringThread = std::thread::id{};
    return delivered;
}

std::size_t InMemoryEnsemble::pendingEvents() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->queue.size();
}

int64_t InMemoryEnsemble::lastZxid() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->zxid;
}

std::size_t InMemoryEnsemble::nodeCount() const {
    std::lock_guard lock(m_state->mutex);
    return m_state->tree.size();
}

InMemoryKeeper::InMemoryKeeper(std::shared_ptr<InMemoryEnsemble> ensemble,
                               std::chrono::milliseconds sessionTimeout)
    : m_ensemble(std::move(ensemble)),
      m_listeners(std::make_shared<Listeners>()),
      m_sessionTimeout(sessionTimeout) {}

InMemoryKeeper::~InMemoryKeeper() {
    std::lock_guard lock(m_ensemble->m_state->mutex);
    auto& state = *m_ensemble->m_state;
    auto it = state.sessions.find(m_sessionId.load());
    if (it != state.sessions.end()) {
        // Listeners may belong to objects already gone: end the session without telling them.
        it->second.listeners = std::make_shared<Listeners>();
        state.endSession(m_sessionId.load(), SessionState::Closed);
    }
}

SessionState InMemoryKeeper::state() const {
    std::lock_guard lock(m_ensemble->m_state->mutex);
    auto it = m_ensemble->m_state->sessions.find(m_sessionId.load());
    return it == m_ensemble->m_state->sessions.end() ? SessionState::Closed : it->second.state;
}

ListenerId InMemoryKeeper::addSessionListener(SessionListener listener) {
    std::lock_guard lock(m_listeners->mutex);
    const ListenerId id = m_listeners->nextId++;
    m_listeners->byId.emplace(id, std::move(listener));
    return id;
}

void InMemoryKeeper::removeSessionListener(ListenerId id) {
    // Waits for a delivery running on another thread (the recursive mutex lets a callback on
    // the delivering thread remove listeners).
    std::lock_guard delivery(m_ensemble->m_state->deliveryMutex);
    std::lock_guard lock(m_listeners->mutex);
    m_listeners->byId.erase(id);
}

KeeperStatus InMemoryKeeper::renewSession() {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    state.endSession(m_sessionId.load(), SessionState::Closed);
    state.sessions.erase(m_sessionId.load());
    const int64_t id = state.nextSessionId++;
    InMemoryEnsemble::State::Session session;
    session.listeners = m_listeners;
    state.sessions.emplace(id, std::move(session));
    m_sessionId = id;
    state.notify(m_listeners, SessionState::Connected);
    return {};
}

void InMemoryKeeper::close() {
    std::lock_guard lock(m_ensemble->m_state->mutex);
    m_ensemble->m_state->endSession(m_sessionId.load(), SessionState::Closed);
}

KeeperResult<std::string> InMemoryKeeper::doCreate(const std::string& path, std::string_view data,
                                                   CreateMode mode) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "create", path)) {
        return std::move(*failure);
    }
    std::vector<Change> changes;
    auto created =
        applyCreate(state.tree, path, data, mode, m_sessionId.load(), state.zxid + 1, changes);
    if (created.ok()) {
        ++state.zxid;
        state.fire(changes);
    }
    return created;
}

KeeperResult<GetResult> InMemoryKeeper::doGet(const std::string& path, WatchCallback watch) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "get", path)) {
        return std::move(*failure);
    }
    auto it = state.tree.find(path);
    if (it == state.tree.end()) {
        return keeperFailure(KeeperError::NoNode, "get", path);
    }
    if (watch) {
        state.sessions[m_sessionId.load()].dataWatches.emplace(path, std::move(watch));
    }
    return GetResult{it->second.data, it->second.stat};
}

KeeperResult<Stat> InMemoryKeeper::doSet(const std::string& path, std::string_view data,
                                         int32_t version) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "set", path)) {
        return std::move(*failure);
    }
    std::vector<Change> changes;
    auto stat = applySet(state.tree, path, data, version, state.zxid + 1, changes);
    if (stat.ok()) {
        ++state.zxid;
        state.fire(changes);
    }
    return stat;
}

KeeperStatus InMemoryKeeper::doRemove(const std::string& path, int32_t version) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "remove", path)) {
        return std::move(*failure);
    }
    std::vector<Change> changes;
    auto removed = applyRemove(state.tree, path, version, state.zxid + 1, changes);
    if (removed.ok()) {
        ++state.zxid;
        state.fire(changes);
    }
    return removed;
}

KeeperResult<std::optional<Stat>> InMemoryKeeper::doExists(const std::string& path,
                                                           WatchCallback watch) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "exists", path)) {
        return std::move(*failure);
    }
    if (watch) {
        state.sessions[m_sessionId.load()].dataWatches.emplace(path, std::move(watch));
    }
    auto it = state.tree.find(path);
    if (it == state.tree.end()) {
        return std::optional<Stat>{};
    }
    return std::optional<Stat>{it->second.stat};
}

KeeperResult<std::vector<std::string>> InMemoryKeeper::doGetChildren(const std::string& path,
                                                                     WatchCallback watch) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "getChildren", path)) {
        return std::move(*failure);
    }
    if (state.tree.count(path) == 0) {
        return keeperFailure(KeeperError::NoNode, "getChildren", path);
    }
    if (watch) {
        state.sessions[m_sessionId.load()].childWatches.emplace(path, std::move(watch));
    }
    return childrenOf(state.tree, path);
}

KeeperResult<std::vector<OpResult>> InMemoryKeeper::doMulti(const std::vector<Op>& ops) {
    auto& state = *m_ensemble->m_state;
    std::lock_guard lock(state.mutex);
    if (auto failure = state.sessionError(m_sessionId.load(), "multi", ops.front().path)) {
        return std::move(*failure);
    }
    Tree scratch = state.tree;
    const int64_t zxid = state.zxid + 1;
    std::vector<Change> changes;
    std::vector<OpResult> results;
    for (std::size_t i = 0; i < ops.size(); ++i) {
        const Op& op = ops[i];
        std::optional<KeeperFailure> failure;
        OpResult result;
        result.path = op.path;
        switch (op.kind) {
            case Op::Kind::Create: {
                auto created = applyCreate(scratch, op.path, op.data, op.mode, m_sessionId.load(),
                                           zxid, changes);
                if (created.ok()) {
                    result.path = *created;
                } else {
                    failure = std::move(created).error();
                }
                break;
            }
            case Op::Kind::Set: {
                auto stat = applySet(scratch, op.path, op.data, op.version, zxid, changes);
                if (stat.ok()) {
                    result.stat = *stat;
                } else {
                    failure = std::move(stat).error();
                }
                break;
            }
            case Op::Kind::Remove: {
                auto removed = applyRemove(scratch, op.path, op.version, zxid, changes);
                if (!removed.ok()) {
                    failure = std::move(removed).error();
                }
                break;
            }
            case Op::Kind::Check: {
                auto checked = applyCheck(scratch, op.path, op.version);
                if (!checked.ok()) {
                    failure = std::move(checked).error();
                }
                break;
            }
        }
        if (failure) {
            failure->failedOp = static_cast<int>(i);
            failure->message = "multi op " + std::to_string(i) + ": " + failure->message;
            return std::move(*failure);
        }
        results.push_back(std::move(result));
    }
    state.tree = std::move(scratch);
    state.zxid = zxid;
    state.fire(changes);
    return results;
}

}  // namespace ferry::coord
