// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ferry/coord/clock.h"
#include "ferry/coord/keeper.h"
#include "ferry/model/result.h"

namespace ferry::coord {

struct ElectionOptions {
    std::string path;           // e.g. /pipelines/7/capture; created (persistent) if missing
    std::string candidateData;  // stored in the candidate node: who this candidate is
    // A leader that has lost its connection for this long steps down, because by then its
    // session may have expired on the server and another candidate may lead. Zero means two
    // thirds of the keeper's session timeout.
    std::chrono::milliseconds selfDemoteAfter{0};
};

struct LeadershipChange {
    bool leader = false;
    // The fencing token of the term that starts (leader) or ends (!leader).
    int64_t fencingToken = 0;
    std::string reason;
};

using LeadershipListener = std::function<void(const LeadershipChange&)>;

// Leader election among candidates of one role (the capture or apply of a pipeline), the
// ZooKeeper recipe: each candidate creates an ephemeral sequential node `n_<token>_<seq>` under
// `path`; the lowest sequence leads; every other candidate watches only its predecessor, so a
// departure wakes one candidate, not all.
//
// A term's fencing token is the creation zxid of the leader's node: it grows with every new
// term, so the target database can refuse a deposed leader's writes. The token in the node's
// name finds our own node again when the reply to its create was lost (connection loss after
// the create), so a lost reply never leaves a second candidate of ours behind.
//
// Leadership ends at once when the session expires or is closed, and after selfDemoteAfter of
// lost connection (checked by isLeader() and acted on by tick(), against the injected clock).
// A candidate that stepped down for a lost connection re-enters with a new node (a new term)
// when the connection returns; after expiry it re-enters once the keeper has a new session.
//
// Thread-safe. The listener runs on the thread that observed the change (a keeper callback,
// start(), stop() or tick()), never with internal locks held, and not after the destructor
// returns. REQUIRES: keeper and clock outlive this object; tick() is called periodically (a few
// times per second) by the owner.
class LeaderElection {
public:
    LeaderElection(Keeper& keeper, const Clock& clock, ElectionOptions options,
                   LeadershipListener listener);
    ~LeaderElection();
    LeaderElection(const LeaderElection&) = delete;
    LeaderElection& operator=(const LeaderElection&) = delete;

    // Joins the election. An error (e.g. no connection) leaves the candidate joining: tick()
    // and reconnection retry.
    Status start();
    // Leaves the election: steps down if leading and removes the candidate node.
    void stop();
    // Acts on the clock (self-demotion) and retries steps that failed for a lost connection.
    void tick();

    // True only while leading with a live session and a connection lost for less than
    // selfDemoteAfter. Check it before acting as leader; the fencing token guards the rest.
    bool isLeader() const;
    // The current term's token while leading.
    std::optional<int64_t> fencingToken() const;
    // Our candidate node, or empty when we have none.
    std::string candidatePath() const;
    std::chrono::milliseconds selfDemoteAfter() const;
    // The candidate data of the current leader (the lowest candidate), nullopt when there is
    // no candidate.
    Result<std::optional<std::string>> leaderData() const;

private:
    struct Core;
    std::shared_ptr<Core> m_core;
};

}  // namespace ferry::coord
