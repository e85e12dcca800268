// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "ferry/coord/keeper.h"

namespace ferry::coord {

class InMemoryKeeper;

// A fake ZooKeeper server for unit tests (ClickHouse's TestKeeper idea): one tree of znodes with
// zxids, versions, ephemeral and sequential nodes, watches and multi transactions, shared by
// every InMemoryKeeper session connected to it. Tests also drive what a real ensemble does on
// its own: a session expires, a connection drops and comes back.
//
// Events (watch callbacks, session listeners) are queued and run only by deliverEvents(), on
// the calling thread, so a test decides when they happen and nothing runs inside a keeper call.
// Thread-safe. Keepers hold the ensemble alive (shared ownership).
class InMemoryEnsemble : public std::enable_shared_from_this<InMemoryEnsemble> {
public:
    static std::shared_ptr<InMemoryEnsemble> create();
    ~InMemoryEnsemble();
    InMemoryEnsemble(const InMemoryEnsemble&) = delete;
    InMemoryEnsemble& operator=(const InMemoryEnsemble&) = delete;

    // A client with a new, connected session.
    std::unique_ptr<InMemoryKeeper> connect(
        std::chrono::milliseconds sessionTimeout = std::chrono::seconds(30));

    // Ends a session as the server does when its timeout passes: its ephemeral nodes go, its
    // watches fire SessionLost, its keeper's listeners see Expired. Unknown ids are ignored.
    void expireSession(int64_t sessionId);
    // The session's connection drops (Suspended): its calls fail with ConnectionLoss, its
    // watches stay, until reconnect().
    void disconnect(int64_t sessionId);
    void reconnect(int64_t sessionId);

    // Runs queued events on the calling thread, including those they queue in turn; returns
    // how many ran. A call from inside a callback returns 0 (the outer call runs the rest).
    std::size_t deliverEvents();
    std::size_t pendingEvents() const;
    int64_t lastZxid() const;
    std::size_t nodeCount() const;

private:
    friend class InMemoryKeeper;
    struct State;

    InMemoryEnsemble();

    std::unique_ptr<State> m_state;
};

// One client session of an InMemoryEnsemble. See Keeper for the contract; thread-safe. Its
// destructor closes the session.
class InMemoryKeeper final : public Keeper {
public:
    ~InMemoryKeeper() override;
    InMemoryKeeper(const InMemoryKeeper&) = delete;
    InMemoryKeeper& operator=(const InMemoryKeeper&) = delete;

    SessionState state() const override;
    int64_t sessionId() const override { return m_sessionId.load(); }
    std::chrono::milliseconds sessionTimeout() const override { return m_sessionTimeout; }
    ListenerId addSessionListener(SessionListener listener) override;
    void removeSessionListener(ListenerId id) override;
    KeeperStatus renewSession() override;
    void close() override;

    InMemoryEnsemble& ensemble() { return *m_ensemble; }

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
    friend class InMemoryEnsemble;
    struct Listeners;

    InMemoryKeeper(std::shared_ptr<InMemoryEnsemble> ensemble,
                   std::chrono::milliseconds sessionTimeout);

    std::shared_ptr<InMemoryEnsemble> m_ensemble;
    std::shared_ptr<Listeners> m_listeners;
    std::atomic<int64_t> m_sessionId{0};
    std::chrono::milliseconds m_sessionTimeout;
};

}  // namespace ferry::coord
