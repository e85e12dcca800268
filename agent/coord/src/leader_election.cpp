// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/leader_election.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace ferry::coord {

namespace {

constexpr std::string_view kCandidatePrefix = "n_";

std::string newCandidateToken() {
    static std::mutex mutex;
    static std::mt19937_64 random{std::random_device{}()};
    std::lock_guard lock(mutex);
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(random()));
    return text;
}

struct Candidate {
    int64_t sequence;
    std::string name;
};

// Candidate nodes `n_<token>_<10 digits>`, lowest sequence first. Other names are ignored.
std::vector<Candidate> sortCandidates(const std::vector<std::string>& names) {
    std::vector<Candidate> candidates;
    for (const std::string& name : names) {
        if (name.compare(0, kCandidatePrefix.size(), kCandidatePrefix) != 0) {
            continue;
        }
        const std::size_t underscore = name.rfind('_');
        if (underscore == std::string::npos || underscore + 11 != name.size()) {
            continue;
        }
        int64_t sequence = 0;
        bool digits = true;
        for (std::size_t i = underscore + 1; i < name.size(); ++i) {
            if (name[i] < '0' || name[i] > '9') {
                digits = false;
                break;
            }
            sequence = sequence * 10 + (name[i] - '0');
        }
        if (digits) {
            candidates.push_back({sequence, name});
        }
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        return a.sequence != b.sequence ? a.sequence < b.sequence : a.name < b.name;
    });
    return candidates;
}

}  // namespace

struct LeaderElection::Core : std::enable_shared_from_this<LeaderElection::Core> {
    Keeper& keeper;
    const Clock& clock;
    ElectionOptions options;
    LeadershipListener listener;
    std::chrono::milliseconds demoteAfter;

    mutable std::mutex mutex;
    bool started = false;
    std::string token = newCandidateToken();
    std::string myNode;
    int64_t mySession = 0;
    bool leader = false;
    int64_t fencingToken = 0;
    std::optional<Clock::TimePoint> disconnectedSince;
    bool demotedForConnection = false;
    bool pending = false;
    std::vector<std::string> orphans;
    ListenerId sessionListener = 0;

    std::recursive_mutex notifyMutex;
    bool notifyEnabled = true;

    using Notes = std::vector<LeadershipChange>;

    Core(Keeper& keeperRef, const Clock& clockRef, ElectionOptions electionOptions,
         LeadershipListener leadershipListener)
        : keeper(keeperRef),
          clock(clockRef),
          options(std::move(electionOptions)),
          listener(std::move(leadershipListener)),
          demoteAfter(options.selfDemoteAfter.count() > 0 ? options.selfDemoteAfter
                                                          : keeperRef.sessionTimeout() * 2 / 3) {}

    void emit(Notes& notes) {
        if (notes.empty()) {
            return;
        }
        std::lock_guard lock(notifyMutex);
        if (!notifyEnabled || !listener) {
            return;
        }
        for (const LeadershipChange& change : notes) {
            listener(change);
        }
        notes.clear();
    }

    // REQUIRES: mutex held.
    void demote(Notes& notes, std::string reason) {
        if (!leader) {
            return;
        }
        leader = false;
        notes.push_back({false, fencingToken, "pipeline role " + options.path + ": " + reason});
    }

    // REQUIRES: mutex held.
    void checkDemotion(Notes& notes) {
        const SessionState state = keeper.state();
        if (state == SessionState::Expired || state == SessionState::Closed) {
            demote(notes, "ZooKeeper session " + std::string(sessionStateName(state)));
            myNode.clear();
            demotedForConnection = false;
            disconnectedSince.reset();
            pending = true;
            return;
        }
        if (state == SessionState::Connected) {
            return;
        }
        if (!disconnectedSince) {
            disconnectedSince = clock.now();
        }
        const auto lost =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - *disconnectedSince);
        if (leader && lost >= demoteAfter) {
            demote(notes, "lost the ZooKeeper connection " + std::to_string(lost.count()) +
                              " ms ago (limit " + std::to_string(demoteAfter.count()) +
                              " ms, two thirds of the session timeout); another agent may lead");
            demotedForConnection = true;
        }
    }

    // REQUIRES: mutex held.
    void removeOrphans() {
        std::vector<std::string> left;
        for (const std::string& node : orphans) {
            KeeperStatus removed = keeper.remove(node);
            if (!removed.ok() && removed.kind() != KeeperError::NoNode &&
                !isSessionError(removed.kind())) {
                left.push_back(node);
            }
        }
        orphans = std::move(left);
    }

    // Makes sure we have a candidate node, then acts on our place in the line.
    // REQUIRES: mutex held.
    Status advance(Notes& notes) {
        if (!started) {
            return okStatus();
        }
        if (keeper.state() != SessionState::Connected) {
            pending = true;
            return makeError(ErrorCode::Unavailable,
                             "pipeline role " + options.path + ": no ZooKeeper connection (" +
                                 std::string(sessionStateName(keeper.state())) +
                                 "); the election resumes when it is back");
        }
        pending = true;
        removeOrphans();
        for (int round = 0; round < 16; ++round) {
            if (myNode.empty()) {
                FERRY_TRY(findOrCreateCandidate());
            }
            auto children = keeper.getChildren(options.path);
            if (!children.ok()) {
                return std::move(children).error();
            }
            const std::vector<Candidate> candidates = sortCandidates(*children);
            const std::string myName = baseName(myNode);
            auto mine = std::find_if(candidates.begin(), candidates.end(),
                                     [&](const Candidate& c) { return c.name == myName; });
            if (mine == candidates.end()) {
                demote(notes, "our candidate node " + myNode + " was removed");
                myNode.clear();
                token = newCandidateToken();
                continue;
            }
            if (mine == candidates.begin()) {
                if (!leader) {
                    auto stat = keeper.exists(myNode);
                    if (!stat.ok()) {
                        return std::move(stat).error();
                    }
                    if (!stat->has_value()) {
                        continue;
                    }
                    leader = true;
                    fencingToken = (*stat)->czxid;
                    notes.push_back({true, fencingToken,
                                     "pipeline role " + options.path + ": elected with " + myName});
                }
                pending = false;
                return okStatus();
            }
            demote(notes, "candidate " + std::prev(mine)->name + " is ahead of us");
            const std::string predecessor = joinPath(options.path, std::prev(mine)->name);
            std::weak_ptr<Core> weak = weak_from_this();
            auto watched = keeper.exists(predecessor, [weak](const WatchEvent& event) {
                if (event.type == WatchEventType::SessionLost) {
                    return;
                }
                if (auto core = weak.lock()) {
                    core->onWake();
                }
            });
            if (!watched.ok()) {
                return std::move(watched).error();
            }
            if (watched->has_value()) {
                pending = false;
                return okStatus();
            }
        }
        return makeError(ErrorCode::Unavailable,
                         "pipeline role " + options.path +
                             ": the candidates kept changing; the election retries on the next "
                             "tick");
    }

    // REQUIRES: mutex held.
    Status findOrCreateCandidate() {
        const std::string marker = std::string(kCandidatePrefix) + token + "_";
        auto children = keeper.getChildren(options.path);
        if (children.kind() == KeeperError::NoNode) {
            KeeperStatus made = keeper.ensurePath(options.path);
            if (!made.ok()) {
                return std::move(made).error();
            }
            children = keeper.getChildren(options.path);
        }
        if (!children.ok()) {
            return std::move(children).error();
        }
        for (const std::string& child : *children) {
            if (child.compare(0, marker.size(), marker) == 0) {
                myNode = joinPath(options.path, child);
                mySession = keeper.sessionId();
                return okStatus();
            }
        }
        auto created = keeper.create(joinPath(options.path, marker), options.candidateData,
                                     CreateMode::EphemeralSequential);
        if (!created.ok()) {
            // After a connection loss the node may exist: the next attempt lists it first.
            return std::move(created).error();
        }
        myNode = std::move(created).value();
        mySession = keeper.sessionId();
        return okStatus();
    }

    void onWake() {
        Notes notes;
        {
            std::lock_guard lock(mutex);
            checkDemotion(notes);
            (void)advance(notes);
        }
        emit(notes);
    }

    void onSession(SessionState state) {
        Notes notes;
        {
            std::lock_guard lock(mutex);
            switch (state) {
                case SessionState::Connected:
                    if (!myNode.empty() && keeper.sessionId() != mySession) {
                        demote(notes, "the ZooKeeper session was replaced");
                        myNode.clear();
                    }
                    if (demotedForConnection) {
                        // Our node survived the outage, but we already stepped down: start a
                        // new term with a new node rather than resume the old token.
                        if (!myNode.empty()) {
                            orphans.push_back(myNode);
                        }
                        myNode.clear();
                        token = newCandidateToken();
                        demotedForConnection = false;
                    }
                    disconnectedSince.reset();
                    (void)advance(notes);
                    break;
                case SessionState::Connecting:
                case SessionState::Suspended:
                    checkDemotion(notes);
                    break;
                case SessionState::Expired:
                case SessionState::Closed:
                    checkDemotion(notes);
                    demote(notes, "ZooKeeper session " + std::string(sessionStateName(state)));
                    myNode.clear();
                    break;
            }
        }
        emit(notes);
    }
};

LeaderElection::LeaderElection(Keeper& keeper, const Clock& clock, ElectionOptions options,
                               LeadershipListener listener)
    : m_core(std::make_shared<Core>(keeper, clock, std::move(options), std::move(listener))) {
    std::weak_ptr<Core> weak = m_core;
    m_core->sessionListener = keeper.addSessionListener([weak](SessionState state) {
        if (auto core = weak.lock()) {
            core->onSession(state);
        }
    });
}

LeaderElection::~LeaderElection() {
    {
        std::lock_guard lock(m_core->notifyMutex);
        m_core->notifyEnabled = false;
    }
    stop();
    m_core->keeper.removeSessionListener(m_core->sessionListener);
}

Status LeaderElection::start() {
    Core::Notes notes;
    Status status;
    {
        std::lock_guard lock(m_core->mutex);
        m_core->started = true;
        status = m_core->advance(notes);
    }
    m_core->emit(notes);
    return status;
}

void LeaderElection::stop() {
    Core::Notes notes;
    {
        std::lock_guard lock(m_core->mutex);
        m_core->started = false;
        m_core->demote(notes, "stopped");
        if (!m_core->myNode.empty()) {
            m_core->orphans.push_back(m_core->myNode);
            m_core->myNode.clear();
        }
        if (m_core->keeper.state() == SessionState::Connected) {
            m_core->removeOrphans();
        }
        m_core->token = newCandidateToken();
    }
    m_core->emit(notes);
}

void LeaderElection::tick() {
    Core::Notes notes;
    {
        std::lock_guard lock(m_core->mutex);
        m_core->checkDemotion(notes);
        if (m_core->keeper.state() == SessionState::Connected) {
            if (!m_core->orphans.empty()) {
                m_core->removeOrphans();
            }
            if (m_core->pending) {
                (void)m_core->advance(notes);
            }
        }
    }
    m_core->emit(notes);
}

bool LeaderElection::isLeader() const {
    std::lock_guard lock(m_core->mutex);
    if (!m_core->leader) {
        return false;
    }
    const SessionState state = m_core->keeper.state();
    if (state == SessionState::Connected) {
        return true;
    }
    if (state != SessionState::Suspended && state != SessionState::Connecting) {
        return false;
    }
    if (!m_core->disconnectedSince) {
        return true;  // the listener has not told us yet: the outage has only just begun
    }
    return m_core->clock.now() - *m_core->disconnectedSince < m_core->demoteAfter;
}

std::optional<int64_t> LeaderElection::fencingToken() const {
    if (!isLeader()) {
        return std::nullopt;
    }
    std::lock_guard lock(m_core->mutex);
    return m_core->fencingToken;
}

std::string LeaderElection::candidatePath() const {
    std::lock_guard lock(m_core->mutex);
    return m_core->myNode;
}

std::chrono::milliseconds LeaderElection::selfDemoteAfter() const {
    return m_core->demoteAfter;
}

Result<std::optional<std::string>> LeaderElection::leaderData() const {
    auto children = m_core->keeper.getChildren(m_core->options.path);
    if (children.kind() == KeeperError::NoNode) {
        return std::optional<std::string>{};
    }
    if (!children.ok()) {
        return Error(std::move(children).error());
    }
    for (const Candidate& candidate : sortCandidates(*children)) {
        auto node = m_core->keeper.get(joinPath(m_core->options.path, candidate.name));
        if (node.ok()) {
            return std::optional<std::string>{node->data};
        }
        if (node.kind() != KeeperError::NoNode) {
            return Error(std::move(node).error());
        }
    }
    return std::optional<std::string>{};
}

}  // namespace ferry::coord
