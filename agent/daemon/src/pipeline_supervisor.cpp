// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/pipeline_supervisor.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>

#include "ferry/daemon/paths.h"

namespace ferry::daemon {

std::string_view roleKindName(RoleKind kind) {
    return kind == RoleKind::Capture ? "capture" : "apply";
}

struct PipelineSupervisor::Slot {
    std::uint64_t pipelineId = 0;
    RoleKind kind = RoleKind::Capture;
    std::unique_ptr<coord::LeaderElection> election;
    std::unique_ptr<PipelineRole> role;
    std::int64_t roleToken = 0;
    std::string assignmentKey;  // what the role last saw, serialized
    std::string lastError;
    coord::Clock::TimePoint retryAt{};
    std::chrono::milliseconds backoff{0};
    coord::Clock::TimePoint lastReport{};
    std::optional<v1::RoleReport> lastWritten;  // for roles(): the metrics endpoint reads it
    // Step-downs the election reported (from any thread), logged by the next tick with their
    // reason, so an agent's log says why it stopped leading (session expired, connection lost).
    struct StepDowns {
        std::mutex mutex;
        std::vector<coord::LeadershipChange> changes;
    };
    std::shared_ptr<StepDowns> stepDowns = std::make_shared<StepDowns>();

    std::string name() const {
        return std::string(roleKindName(kind)) + " of pipeline " + std::to_string(pipelineId);
    }
};

namespace {

std::string assignmentKey(const RoleAssignment& a) {
    std::string key;
    key += a.pipeline.SerializeAsString();
    key += '\0';
    key += a.source.SerializeAsString();
    key += '\0';
    key += a.target.SerializeAsString();
    key += '\0';
    key += a.channel.SerializeAsString();
    key += '\0';
    key += a.control.SerializeAsString();
    key += '\0';
    key += std::to_string(static_cast<int>(a.desired));
    return key;
}

std::int64_t unixMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

PipelineSupervisor::PipelineSupervisor(coord::Keeper& keeper, const coord::Clock& clock,
                                       RoleFactory& factory, SupervisorOptions options)
    : m_keeper(keeper),
      m_clock(clock),
      m_factory(factory),
      m_options(std::move(options)),
      m_reader(keeper) {}

PipelineSupervisor::~PipelineSupervisor() {
    stop();
}

void PipelineSupervisor::log(const std::string& line) const {
    if (m_options.log) {
        m_options.log(line);
    }
}

void PipelineSupervisor::stop() {
    for (auto& [key, slot] : m_slots) {
        stopRole(*slot, "the agent is stopping");
        slot->election->stop();
    }
    m_slots.clear();
}

void PipelineSupervisor::tick() {
    reconcile();
    for (auto& [key, slot] : m_slots) {
        slot->election->tick();
        driveSlot(*slot);
    }
}

void PipelineSupervisor::reconcile() {
    if (!m_reader.changed() && m_haveSnapshot) {
        return;
    }
    auto snapshot = m_reader.read();
    if (!snapshot.ok()) {
        m_reader.markChanged();
        // Keep acting on the last snapshot: the elections guard leadership on their own.
        log("cannot read the cluster configuration (will retry): " + snapshot.error().message);
        return;
    }
    std::set<std::string> oldProblems;
    if (m_haveSnapshot) {
        oldProblems.insert(m_snapshot.problems.begin(), m_snapshot.problems.end());
    }
    for (const auto& problem : snapshot->problems) {
        if (!oldProblems.contains(problem)) {
            log("configuration problem: " + problem);
        }
    }
    m_snapshot = std::move(*snapshot);
    m_haveSnapshot = true;

    std::set<SlotKey> wanted;
    for (const auto& [id, pipeline] : m_snapshot.pipelines) {
        if (m_snapshot.desiredState(pipeline) == v1::PIPELINE_STATE_STOPPED) {
            continue;
        }
        if (m_snapshot.sourceSite(pipeline) == m_options.site) {
            wanted.emplace(id, RoleKind::Capture);
        }
        if (m_snapshot.targetSite(pipeline) == m_options.site) {
            wanted.emplace(id, RoleKind::Apply);
        }
    }
    for (auto it = m_slots.begin(); it != m_slots.end();) {
        if (wanted.contains(it->first)) {
            ++it;
            continue;
        }
        Slot& slot = *it->second;
        stopRole(slot, "the pipeline was stopped, deleted or moved to another site");
        slot.election->stop();
        log("left the " + slot.name() + " election");
        it = m_slots.erase(it);
    }
    for (const auto& key : wanted) {
        if (m_slots.contains(key)) {
            continue;
        }
        auto slot = std::make_unique<Slot>();
        slot->pipelineId = key.first;
        slot->kind = key.second;
        coord::ElectionOptions election;
        election.path = key.second == RoleKind::Capture ? paths::captureElection(key.first)
                                                        : paths::applyElection(key.first);
        election.candidateData = m_options.agentId;
        slot->election = std::make_unique<coord::LeaderElection>(
            m_keeper, m_clock, std::move(election),
            [stepDowns = slot->stepDowns](const coord::LeadershipChange& change) {
                if (!change.leader) {
                    std::lock_guard lock(stepDowns->mutex);
                    stepDowns->changes.push_back(change);
                }
            });
        if (auto started = slot->election->start(); !started.ok()) {
            // The election retries from tick() and on reconnection.
            log("joining the " + slot->name() + " election: " + started.error().message);
        } else {
            log("candidate for " + slot->name());
        }
        m_slots.emplace(key, std::move(slot));
    }
}

std::optional<RoleAssignment> PipelineSupervisor::assignmentFor(const Slot& slot) const {
    const auto pipeline = m_snapshot.pipelines.find(slot.pipelineId);
    if (pipeline == m_snapshot.pipelines.end()) {
        return std::nullopt;
    }
    RoleAssignment a;
    a.kind = slot.kind;
    a.pipeline = pipeline->second;
    a.source = m_snapshot.dataSources.at(a.pipeline.source());
    a.target = m_snapshot.dataSources.at(a.pipeline.target());
    if (const auto channel = m_snapshot.channels.find(a.pipeline.channel());
        channel != m_snapshot.channels.end()) {
        a.channel = channel->second;
    }
    if (const auto control = m_snapshot.controls.find(slot.pipelineId);
        control != m_snapshot.controls.end()) {
        a.control = control->second;
    }
    a.desired = m_snapshot.desiredState(a.pipeline);
    a.fencingToken = slot.roleToken;
    return a;
}

void PipelineSupervisor::driveSlot(Slot& slot) {
    std::vector<coord::LeadershipChange> stepDowns;
    {
        std::lock_guard lock(slot.stepDowns->mutex);
        stepDowns.swap(slot.stepDowns->changes);
    }
    for (const auto& change : stepDowns) {
        log("stepped down from the " + slot.name() + " (fencing token " +
            std::to_string(change.fencingToken) + "): " + change.reason);
    }
    const bool leader = slot.election->isLeader();
    const std::int64_t token = slot.election->fencingToken().value_or(0);
    if (slot.role && (!leader || token != slot.roleToken)) {
        stopRole(slot, leader ? "a new term began" : "lost the leadership");
    }
    if (!leader) {
        return;
    }
    if (!slot.role) {
        if (m_clock.now() >= slot.retryAt) {
            slot.roleToken = token;
            startRole(slot);
        }
        return;
    }
    auto assignment = assignmentFor(slot);
    if (!assignment) {
        return;  // reconcile() removes the slot
    }
    std::string key = assignmentKey(*assignment);
    if (key != slot.assignmentKey) {
        if (auto updated = slot.role->update(*assignment); !updated.ok()) {
            stopRole(slot, "it cannot follow the change in place: " + updated.error().message);
            startRole(slot);
            return;
        }
        slot.assignmentKey = std::move(key);
    }
    writeReport(slot, false);
}

void PipelineSupervisor::startRole(Slot& slot) {
    auto assignment = assignmentFor(slot);
    if (!assignment) {
        return;
    }
    auto role = m_factory.create(*assignment);
    if (!role.ok()) {
        slot.lastError = role.error().message;
        slot.backoff = slot.backoff.count() == 0
                           ? m_options.retryDelay
                           : std::min(slot.backoff * 2, m_options.maxRetryDelay);
        slot.retryAt = m_clock.now() + slot.backoff;
        log("cannot start the " + slot.name() + " (retrying in " +
            std::to_string(slot.backoff.count()) + " ms): " + slot.lastError);
        return;
    }
    slot.role = std::move(*role);
    slot.assignmentKey = assignmentKey(*assignment);
    slot.backoff = std::chrono::milliseconds{0};
    slot.lastError.clear();
    log("leading the " + slot.name() + " (fencing token " + std::to_string(slot.roleToken) + ")");
    writeReport(slot, true);
}

void PipelineSupervisor::stopRole(Slot& slot, const std::string& why) {
    if (!slot.role) {
        return;
    }
    slot.role->stop();
    slot.role.reset();
    slot.lastWritten.reset();
    log("stopped the " + slot.name() + ": " + why);
}

void PipelineSupervisor::writeReport(Slot& slot, bool force) {
    const auto now = m_clock.now();
    if (!force && now - slot.lastReport < m_options.reportInterval) {
        return;
    }
    slot.lastReport = now;
    v1::RoleReport report = slot.role->report();
    report.set_agent(m_options.agentId);
    report.set_fencing_token(slot.roleToken);
    report.set_updated_unix_ms(unixMillis());
    slot.lastWritten = report;
    const std::string path = slot.kind == RoleKind::Capture ? paths::captureReport(slot.pipelineId)
                                                            : paths::applyReport(slot.pipelineId);
    const std::string data = report.SerializeAsString();
    auto written = m_keeper.set(path, data);
    if (written.kind() == coord::KeeperError::NoNode) {
        auto created = m_keeper.create(path, data);
        if (!created.ok() && created.kind() != coord::KeeperError::NodeExists) {
            log("cannot write " + path + ": " + created.error().message);
        }
    } else if (!written.ok() && !coord::isConnectionError(written.kind())) {
        log("cannot write " + path + ": " + written.error().message);
    }
}

std::vector<PipelineSupervisor::RoleView> PipelineSupervisor::roles() const {
    std::vector<RoleView> views;
    for (const auto& [key, slot] : m_slots) {
        RoleView view;
        view.pipelineId = key.first;
        view.kind = key.second;
        view.candidate = !slot->election->candidatePath().empty();
        view.leader = slot->election->isLeader();
        view.running = slot->role != nullptr;
        view.fencingToken = slot->roleToken;
        view.lastError = slot->lastError;
        if (const auto pipeline = m_snapshot.pipelines.find(key.first);
            pipeline != m_snapshot.pipelines.end()) {
            view.pipelineName = pipeline->second.name();
        }
        view.report = slot->lastWritten;
        views.push_back(std::move(view));
    }
    return views;
}

}  // namespace ferry::daemon
