// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/apply_role.h"

#include <QThread>
#include <QTimer>

#include <algorithm>

#include "ferry/apply/foreign_keys.h"
#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/coord/leader_election.h"
#include "ferry/daemon/paths.h"
#include "ferry/mysql/database_url.h"
#include "ferry/pipeline/heartbeat.h"

namespace ferry::node {
namespace {

constexpr std::size_t kMaxReady = 2000;  // decoded transactions waiting for the applier

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The sequence of an election candidate `n_<token>_<10 digits>`, or -1.
std::int64_t candidateSequence(const std::string& name) {
    const auto underscore = name.rfind('_');
    if (name.rfind("n_", 0) != 0 || underscore == std::string::npos || underscore < 2) {
        return -1;
    }
    std::int64_t value = 0;
    for (std::size_t i = underscore + 1; i < name.size(); ++i) {
        if (name[i] < '0' || name[i] > '9') {
            return -1;
        }
        value = value * 10 + (name[i] - '0');
    }
    return value;
}

}  // namespace

ApplyLink::ApplyLink(const NodeContext& context, daemon::RoleAssignment assignment,
                     std::shared_ptr<pipeline::ApplySink> sink,
                     std::unique_ptr<stream::StreamReceiver> receiver)
    : m_context(context),
      m_assignment(std::move(assignment)),
      m_sink(std::move(sink)),
      m_receiver(std::move(receiver)),
      m_timer(new QTimer(this)),
      m_retry(new QTimer(this)) {
    m_timer->setInterval(5);
    connect(m_timer, &QTimer::timeout, this, &ApplyLink::process);
    m_retry->setSingleShot(true);
    connect(m_retry, &QTimer::timeout, this, &ApplyLink::connectToLeader);
    m_committed = m_sink->resumePoint();
    m_report.set_state(v1::PIPELINE_STATE_RUNNING);
    *m_report.mutable_position() = {};
    m_report.mutable_position()->set_file(m_committed.position().file());
    m_report.mutable_position()->set_pos(m_committed.position().pos());
}

ApplyLink::~ApplyLink() = default;

void ApplyLink::start() {
    if (m_context.log != nullptr) {
        m_context.log->debug("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                             ": apply link starting");
    }
    m_timer->start();
    if (m_paused) {
        return;
    }
    connectToLeader();
}

void ApplyLink::setPaused(bool paused) {
    m_paused = paused;
    if (paused) {
        endStream("paused");
    } else if (!m_streamOpen && !m_retry->isActive()) {
        scheduleReconnect();
    }
}

Result<std::string> ApplyLink::leaderAddress() const {
    auto keeper = m_context.keeper ? m_context.keeper() : nullptr;
    if (!keeper) {
        return makeError(ErrorCode::Unavailable, "no ZooKeeper session");
    }
    const std::string election = daemon::paths::captureElection(m_assignment.pipeline.id());
    auto children = keeper->getChildren(election);
    if (!children.ok()) {
        return Error(std::move(children).error());
    }
    std::string lowest;
    std::int64_t best = -1;
    for (const auto& name : *children) {
        const std::int64_t seq = candidateSequence(name);
        if (seq >= 0 && (best < 0 || seq < best)) {
            best = seq;
            lowest = name;
        }
    }
    if (lowest.empty()) {
        return makeError(ErrorCode::Unavailable, "no agent of site " + m_assignment.source.site() +
                                                     " is a capture candidate for pipeline " +
                                                     std::to_string(m_assignment.pipeline.id()));
    }
    auto leader = keeper->get(election + "/" + lowest);
    if (!leader.ok()) {
        return Error(std::move(leader).error());
    }
    auto registration = keeper->get(std::string(daemon::paths::kAgents) + "/" + leader->data);
    if (!registration.ok()) {
        return Error(std::move(registration).error());
    }
    v1::Agent agent;
    if (!agent.ParseFromString(registration->data) || agent.address().empty()) {
        return makeError(ErrorCode::Corrupt, "agent " + leader->data + " has no address");
    }
    return agent.address();
}

void ApplyLink::connectToLeader() {
    if (m_shutdown || m_paused) {
        return;
    }
    auto address = leaderAddress();
    if (!address.ok()) {
        {
            std::lock_guard lock(m_mutex);
            m_report.mutable_last_error()->set_message("waiting for the capture leader: " +
                                                       address.error().message);
            m_report.mutable_last_error()->set_time_unix_ms(nowMs());
        }
        scheduleReconnect();
        return;
    }
    if (m_context.log != nullptr) {
        m_context.log->debug("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                             ": capture leader at " + *address);
    }
    if (m_client == nullptr || *address != m_leaderAddress) {
        if (m_client != nullptr) {
            m_client->close();
            m_client->deleteLater();
        }
        m_leaderAddress = *address;
        m_client = new client::AgentClient(this);
        client::Endpoint endpoint;
        auto parsed = client::parseAddress(QString::fromStdString(*address));
        if (!parsed.ok()) {
            fail("capture leader address '" + *address + "': " + parsed.error().message);
            return;
        }
        endpoint.host = parsed->first;
        endpoint.port = parsed->second;
        endpoint.caFile = m_context.peerCaFile;
        endpoint.plainTcp = m_context.peerPlainTcp;
        endpoint.token = m_context.peerToken;
        endpoint.cluster = QString::fromStdString(m_context.cluster);
        endpoint.user = QString::fromStdString(m_context.agentId);
        if (auto set = m_client->setEndpoint(endpoint); !set.ok()) {
            fail(set.error().message);
            return;
        }
        m_client->setClientKind(v1::PEER_KIND_AGENT);
        m_client->setSite(m_context.site);
        m_client->setBackoff({std::chrono::milliseconds(200), std::chrono::milliseconds(2000)});
        connect(m_client, &client::AgentClient::connected, this, &ApplyLink::openStream);
        connect(m_client, &client::AgentClient::stateChanged, this,
                [this](client::ConnectionState state, const QString& text) {
                    if (m_context.log != nullptr) {
                        m_context.log->debug("pipeline " +
                                             std::to_string(m_assignment.pipeline.id()) +
                                             ": link to the capture leader: " +
                                             client::connectionStateName(state).toStdString() +
                                             ": " + text.toStdString());
                    }
                    if (state == client::ConnectionState::Error ||
                        state == client::ConnectionState::Refused) {
                        std::lock_guard lock(m_mutex);
                        m_report.mutable_last_error()->set_message(
                            "capture leader at " + m_leaderAddress + ": " + text.toStdString());
                        m_report.mutable_last_error()->set_time_unix_ms(nowMs());
                    }
                });
        m_client->open();
        // Look again until the stream is open: the leader may die before we reach it, and its
        // election node outlives it by a session timeout.
        scheduleReconnect();
        return;
    }
    if (m_client->state() == client::ConnectionState::Connected) {
        openStream();
    } else {
        scheduleReconnect();
    }
}

void ApplyLink::openStream() {
    if (m_shutdown || m_paused || m_streamOpen) {
        return;
    }
    v1::Request request;
    *request.mutable_stream_open() =
        m_receiver->makeOpenRequest(m_assignment.fencingToken, m_committed);
    request.mutable_stream_open()->set_pipeline_id(m_assignment.pipeline.id());
    m_raw.clear();
    m_ready.clear();
    QPointer<ApplyLink> self(this);
    m_streamOpen = true;
    m_stream = m_client->openStream(
        request,
        [self](const v1::Push& push) {
            ApplyLink* link = self.data();
            if (link != nullptr && push.has_stream_batch()) {
                link->m_raw.push_back(push.stream_batch());
                link->process();
            }
        },
        [self](Result<v1::Response> answer) {
            ApplyLink* link = self.data();
            if (link == nullptr || !answer.ok()) {
                return;  // on an error answer onEnd follows
            }
            if (auto opened = link->m_receiver->onOpened(answer->stream_open()); !opened.ok()) {
                link->endStream(opened.error().message);
                return;
            }
            const auto& start = answer->stream_open().start_position();
            if (link->m_committed.position().file().empty() && !start.file().empty()) {
                // Nothing applied yet: record where reading began, so a reconnect or a restart
                // resumes there and not at the source's end of that later moment.
                v1::Transaction marker;
                *marker.mutable_begin() = start;
                *marker.mutable_end() = start;
                link->m_ready.push_back(Ready{std::move(marker), nullptr});
                *link->m_committed.mutable_position() = start;
            }
            if (link->m_context.log != nullptr) {
                link->m_context.log->info("pipeline " +
                                          std::to_string(link->m_assignment.pipeline.id()) +
                                          ": receiving from " + link->m_leaderAddress + " after " +
                                          link->m_committed.position().file() + ":" +
                                          std::to_string(link->m_committed.position().pos()));
            }
            std::lock_guard lock(link->m_mutex);
            link->m_report.clear_last_error();
            link->m_report.set_state(v1::PIPELINE_STATE_RUNNING);
        },
        [self](const Error& why) {
            ApplyLink* link = self.data();
            if (link == nullptr) {
                return;
            }
            link->m_streamOpen = false;
            link->m_stream = 0;
            {
                std::lock_guard lock(link->m_mutex);
                link->m_report.mutable_last_error()->set_message("stream ended: " + why.message);
                link->m_report.mutable_last_error()->set_time_unix_ms(nowMs());
            }
            link->scheduleReconnect();
        });
}

void ApplyLink::endStream(const std::string& why) {
    if (m_client != nullptr && m_stream != 0) {
        m_client->unsubscribe(m_stream);
    }
    m_stream = 0;
    m_streamOpen = false;
    m_raw.clear();
    m_ready.clear();
    if (m_context.log != nullptr && !why.empty()) {
        m_context.log->info("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                            ": apply stream ended: " + why);
    }
    scheduleReconnect();
}

void ApplyLink::scheduleReconnect() {
    if (!m_shutdown && !m_paused && !m_retry->isActive()) {
        m_retry->start(1000);
    }
}

void ApplyLink::fail(const std::string& what) {
    std::lock_guard lock(m_mutex);
    m_report.set_state(v1::PIPELINE_STATE_FAILED);
    m_report.mutable_last_error()->set_message(what);
    m_report.mutable_last_error()->set_time_unix_ms(nowMs());
}

void ApplyLink::process() {
    if (m_shutdown) {
        return;
    }
    if (auto error = m_sink->error()) {
        // A failed applier waits for the operator (skip, rewind, or fix and resume: a new
        // control generation makes the supervisor start a fresh role).
        fail(error->message);
        m_timer->stop();
        endStream(error->message);
        m_retry->stop();
        if (m_context.log != nullptr) {
            m_context.log->error("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                                 ": apply stopped: " + error->message);
        }
        return;
    }
    const auto now = stream::StreamClock::now();
    // Committed positions from the applier's workers.
    std::deque<pipeline::SinkCommit> commits;
    {
        std::lock_guard lock(m_mutex);
        commits.swap(m_commits);
    }
    for (const auto& commit : commits) {
        m_receiver->onCommitted(commit.end, commit.gtid, commit.commitTs, now);
        *m_committed.mutable_position() = commit.end;
        m_committed.set_gtid_set(commit.gtid);
    }
    while (m_streamOpen) {
        while (!m_ready.empty()) {
            Ready& next = m_ready.front();
            auto accepted = next.changes != nullptr
                                ? m_sink->offerStreamed(next.transaction, next.changes)
                                : m_sink->offer(next.transaction);
            if (!accepted.ok()) {
                fail(accepted.error().message);
                endStream(accepted.error().message);
                return;
            }
            if (!*accepted) {
                break;
            }
            m_ready.pop_front();
        }
        if (m_ready.size() >= kMaxReady || m_raw.empty()) {
            break;
        }
        v1::StreamBatch raw = std::move(m_raw.front());
        m_raw.pop_front();
        {
            std::lock_guard lock(m_mutex);
            m_bytesTotal += raw.ByteSizeLong();
            m_report.set_bytes_total(m_bytesTotal);
        }
        auto received = m_receiver->onBatch(raw, now);
        if (!received.ok()) {
            endStream(received.error().message);
            return;
        }
        for (auto& t : received->transactions) {
            m_ready.push_back(Ready{std::move(t), nullptr});
        }
        if (received->large) {
            // Applied from its spool a chunk at a time; the spool file goes with the source.
            v1::Transaction header = received->large->header();
            header.clear_changes();
            m_ready.push_back(
                Ready{std::move(header),
                      std::make_unique<apply::ReaderChangeSource<stream::FragmentSpoolReader>>(
                          std::move(received->large))});
        }
    }
    if (m_streamOpen && m_client != nullptr) {
        if (auto ack = m_receiver->takeAck(now)) {
            v1::Request request;
            *request.mutable_stream_ack() = std::move(*ack);
            request.mutable_stream_ack()->set_pipeline_id(m_assignment.pipeline.id());
            m_client->send(request, [](Result<v1::Response>) {});
        }
    }
}

void ApplyLink::onCommitted(const pipeline::SinkCommit& commit) {
    std::lock_guard lock(m_mutex);
    m_commits.push_back(commit);
    m_rowsTotal += commit.rows;
    m_transactionsTotal += commit.transactions;
    m_report.set_transactions_total(m_transactionsTotal);
    m_report.mutable_position()->set_file(commit.end.file());
    m_report.mutable_position()->set_pos(commit.end.pos());
    m_report.set_gtid_set(commit.gtid);
    m_report.set_rows_total(m_rowsTotal);
    if (commit.heartbeatUs > 0) {
        m_report.set_lag_seconds(std::max<double>(
            0, static_cast<double>(pipeline::nowMicros() - commit.heartbeatUs) / 1e6));
    }
}

v1::RoleReport ApplyLink::report() const {
    std::lock_guard lock(m_mutex);
    v1::RoleReport report = m_report;
    const auto now = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(now - m_rateSince).count();
    if (seconds >= 0.5) {
        report.set_rows_per_second(static_cast<double>(m_rowsTotal - m_rateRows) / seconds);
        m_report.set_rows_per_second(report.rows_per_second());
        m_rateSince = now;
        m_rateRows = m_rowsTotal;
    }
    if (m_paused && report.state() == v1::PIPELINE_STATE_RUNNING) {
        report.set_state(v1::PIPELINE_STATE_PAUSED);
    }
    return report;
}

void ApplyLink::shutdown() {
    m_shutdown = true;
    m_timer->stop();
    m_retry->stop();
    if (m_client != nullptr) {
        if (m_stream != 0) {
            m_client->unsubscribe(m_stream);
        }
        m_client->close();
    }
    m_stream = 0;
    m_streamOpen = false;
}

Result<std::unique_ptr<ApplyRole>> ApplyRole::create(const NodeContext& context,
                                                     const daemon::RoleAssignment& assignment) {
    auto role = std::unique_ptr<ApplyRole>(new ApplyRole(context));
    role->m_pipeline = assignment.pipeline;
    role->m_generation = assignment.control.generation();
    FERRY_ASSIGN_OR_RETURN(auto password, context.password(assignment.target));
    FERRY_ASSIGN_OR_RETURN(const auto url, mysql::DatabaseUrl::parse(assignment.target.url()));
    const std::string ferrySchema =
        assignment.target.ferry_schema().empty() ? "ferry" : assignment.target.ferry_schema();
    const std::string secret = password.str();
    {
        FERRY_ASSIGN_OR_RETURN(auto session, apply::MysqlSqlSession::connect(url, secret));
        FERRY_ASSIGN_OR_RETURN(auto installer, apply::SchemaInstaller::create(ferrySchema));
        FERRY_TRY(installer.install(*session));
    }
    pipeline::ApplySinkOptions options;
    options.pipelineId = assignment.pipeline.id();
    options.fencingToken = assignment.fencingToken;
    options.holder = context.agentId;
    options.ferrySchema = ferrySchema;
    options.parallel.workers =
        assignment.pipeline.settings().parallelism() != 0
            ? static_cast<std::uint16_t>(assignment.pipeline.settings().parallelism())
            : context.applyWorkers;
    options.parallel.applier.idleTransactionTimeout = context.sessionTimeout;
    // Tables linked by foreign keys on the target apply one transaction at a time among
    // themselves; every user schema of the target is read (a superset of the mapped ones).
    options.parallel.loadForeignKeys = [ferrySchema](apply::SqlSession& session) {
        return apply::loadReplicatedForeignKeyGroups(
            session, [ferrySchema](std::string_view schema) { return schema != ferrySchema; });
    };
    FERRY_ASSIGN_OR_RETURN(
        auto sink, pipeline::ApplySink::open(
                       [url, secret](std::uint16_t) -> Result<std::unique_ptr<apply::SqlSession>> {
                           FERRY_ASSIGN_OR_RETURN(auto s,
                                                  apply::MysqlSqlSession::connect(url, secret));
                           return std::unique_ptr<apply::SqlSession>(std::move(s));
                       },
                       options));
    role->m_sink = std::shared_ptr<pipeline::ApplySink>(std::move(sink));

    stream::ReceiverOptions receiverOptions;
    receiverOptions.pipelineId = assignment.pipeline.id();
    receiverOptions.spoolDirectory =
        context.spoolDirectory / ("apply-" + std::to_string(assignment.pipeline.id()));
    if (assignment.pipeline.settings().window_batches() != 0) {
        receiverOptions.windowBatches = assignment.pipeline.settings().window_batches();
    }
    FERRY_ASSIGN_OR_RETURN(
        auto receiver, stream::StreamReceiver::open(receiverOptions, role->m_sink->resumePoint()));

    auto* link = new ApplyLink(context, assignment, role->m_sink, std::move(receiver));
    link->moveToThread(context.networkThreadObject->thread());
    role->m_link = link;
    role->m_sink->setCommitCallback(
        [link](const pipeline::SinkCommit& commit) { link->onCommitted(commit); });
    QMetaObject::invokeMethod(
        link, [link] { link->start(); }, Qt::QueuedConnection);
    return role;
}

ApplyRole::~ApplyRole() {
    stop();
}

Status ApplyRole::update(const daemon::RoleAssignment& assignment) {
    if (assignment.pipeline.SerializeAsString() != m_pipeline.SerializeAsString()) {
        return makeError(ErrorCode::Unsupported, "the pipeline's configuration changed");
    }
    if (m_link == nullptr) {
        return makeError(ErrorCode::Unavailable, "the apply role is not running");
    }
    if (assignment.control.generation() != m_generation &&
        m_link->report().state() == v1::PIPELINE_STATE_FAILED) {
        return makeError(ErrorCode::Unsupported, "an operator acted on the failed pipeline");
    }
    ApplyLink* link = m_link;
    const bool paused = assignment.desired == v1::PIPELINE_STATE_PAUSED;
    QMetaObject::invokeMethod(
        link, [link, paused] { link->setPaused(paused); }, Qt::QueuedConnection);
    return okStatus();
}

void ApplyRole::stop() {
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    // create() may have given up half way (target unreachable, fence not claimed): stop what
    // exists.
    ApplyLink* link = m_link;
    if (link != nullptr) {
        if (QThread::currentThread() == link->thread()) {
            link->shutdown();
        } else {
            QMetaObject::invokeMethod(
                link, [link] { link->shutdown(); }, Qt::BlockingQueuedConnection);
        }
    }
    if (m_sink != nullptr) {
        m_sink->setCommitCallback({});
        (void)m_sink->stop(false);
    }
    if (link != nullptr) {
        QMetaObject::invokeMethod(
            link, [link] { delete link; }, Qt::QueuedConnection);
        m_link = nullptr;
    }
}

v1::RoleReport ApplyRole::report() const {
    return m_link != nullptr ? m_link->report() : v1::RoleReport{};
}

}  // namespace ferry::node
