// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/capture_role.h"

#include <QCoreApplication>
#include <QPointer>
#include <QThread>

#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/schema_installer.h"
#include "ferry/mysql/database_url.h"
#include "ferry/pipeline/table_router.h"

namespace ferry::node {
namespace {

constexpr std::uint64_t kMaxPendingSocketBytes = 8u << 20;

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

v1::ServiceError serviceError(v1::ServiceErrorCode code, std::string message,
                              std::string hint = {}) {
    v1::ServiceError error;
    error.set_code(code);
    error.set_message(std::move(message));
    error.set_hint(std::move(hint));
    return error;
}

// Pipelines of the same channel running the other way (loop avoidance).
std::set<std::uint64_t> reversePipelines(const daemon::RoleAssignment& a) {
    std::set<std::uint64_t> out;
    for (std::uint64_t id : a.channel.pipelines()) {
        if (id != a.pipeline.id()) {
            out.insert(id);
        }
    }
    return out;
}

}  // namespace

void StreamHub::add(std::uint64_t pipelineId, std::shared_ptr<CaptureEndpoint> endpoint) {
    std::lock_guard lock(m_mutex);
    m_endpoints[pipelineId] = std::move(endpoint);
}

void StreamHub::remove(std::uint64_t pipelineId, const CaptureEndpoint* endpoint) {
    std::lock_guard lock(m_mutex);
    auto it = m_endpoints.find(pipelineId);
    if (it != m_endpoints.end() && it->second.get() == endpoint) {
        m_endpoints.erase(it);
    }
}

std::shared_ptr<CaptureEndpoint> StreamHub::find(std::uint64_t pipelineId) const {
    std::lock_guard lock(m_mutex);
    auto it = m_endpoints.find(pipelineId);
    return it == m_endpoints.end() ? nullptr : it->second;
}

CaptureEndpoint::CaptureEndpoint(const NodeContext& context, daemon::RoleAssignment assignment,
                                 std::string password)
    : m_context(context),
      m_assignment(std::move(assignment)),
      m_password(std::move(password)),
      m_timer(new QTimer(this)) {
    m_timer->setInterval(5);
    connect(m_timer, &QTimer::timeout, this, &CaptureEndpoint::pump);
    m_report.set_state(v1::PIPELINE_STATE_RUNNING);
}

CaptureEndpoint::~CaptureEndpoint() {
    shutdown();
}

v1::RoleReport CaptureEndpoint::report() const {
    std::lock_guard lock(m_mutex);
    v1::RoleReport report = m_report;
    if (m_paused && report.state() == v1::PIPELINE_STATE_RUNNING) {
        report.set_state(v1::PIPELINE_STATE_PAUSED);
    }
    return report;
}

void CaptureEndpoint::open(std::shared_ptr<server::Call> call) {
    const auto& request = call->request().stream_open();
    const std::string name = "pipeline " + std::to_string(m_assignment.pipeline.id());
    if (m_paused) {
        call->close(serviceError(v1::SERVICE_ERROR_CODE_UNAVAILABLE, name + " is paused",
                                 "resume it; the apply side reconnects by itself"));
        return;
    }
    if (request.apply_fencing_token() < m_applyToken) {
        call->close(serviceError(v1::SERVICE_ERROR_CODE_CONFLICT,
                                 name + ": a newer apply term (token " +
                                     std::to_string(m_applyToken) + ") holds the stream"));
        return;
    }
    endSession("a new stream replaces it", false);
    m_applyToken = request.apply_fencing_token();

    auto url = mysql::DatabaseUrl::parse(m_assignment.source.url());
    auto router = pipeline::TableRouter::compile(m_assignment.pipeline);
    if (!url.ok() || !router.ok()) {
        const Error& e = url.ok() ? router.error() : url.error();
        call->close(serviceError(v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION, e.message));
        return;
    }
    pipeline::CaptureSourceOptions options;
    options.pipelineId = m_assignment.pipeline.id();
    options.url = *url;
    options.password = m_password;
    options.serverId =
        m_assignment.source.replica_server_id() != 0
            ? m_assignment.source.replica_server_id()
            : m_context.serverIdBase + static_cast<std::uint32_t>(m_assignment.pipeline.id());
    options.ferrySchema =
        m_assignment.source.ferry_schema().empty() ? "ferry" : m_assignment.source.ferry_schema();
    options.router = *router;
    options.reversePipelines = reversePipelines(m_assignment);
    options.ddl = m_assignment.pipeline.settings().ddl() == v1::DDL_MODE_UNSPECIFIED
                      ? v1::DDL_MODE_REPLICATE
                      : m_assignment.pipeline.settings().ddl();
    options.spoolDirectory =
        m_context.spoolDirectory / ("capture-" + std::to_string(m_assignment.pipeline.id()));
    if (m_assignment.pipeline.settings().spill_threshold_bytes() != 0) {
        options.spillThresholdBytes = m_assignment.pipeline.settings().spill_threshold_bytes();
    }
    daemon::Logger* log = m_context.log;
    options.log = [log](const std::string& line) {
        if (log != nullptr) {
            log->info(line);
        }
    };
    auto source = pipeline::CaptureSource::start(options, request.resume());
    if (!source.ok()) {
        {
            std::lock_guard lock(m_mutex);
            m_report.set_state(v1::PIPELINE_STATE_FAILED);
            m_report.mutable_last_error()->set_message(source.error().message);
            m_report.mutable_last_error()->set_time_unix_ms(nowMs());
        }
        call->close(serviceError(v1::SERVICE_ERROR_CODE_UNAVAILABLE, source.error().message,
                                 "check the source database and the pipeline's position"));
        return;
    }
    m_source = std::move(*source);
    v1::StreamCodec codec = v1::STREAM_CODEC_NONE;
    for (int c : request.codecs()) {
        if (c == v1::STREAM_CODEC_ZSTD) {
            codec = v1::STREAM_CODEC_ZSTD;
        }
    }
    stream::CodecOptions codecOptions;
    codecOptions.codec = codec;
    m_codec = std::make_unique<stream::BatchCodec>(codecOptions);
    stream::BuilderOptions builderOptions;
    m_builder = std::make_unique<stream::BatchBuilder>(builderOptions, *m_codec);
    if (request.has_partial()) {
        m_builder->resume(request.partial());
    }
    const std::int64_t captureToken = m_assignment.fencingToken;
    m_window = std::make_unique<stream::SendWindow>(request, captureToken);
    v1::Response response;
    response.mutable_stream_open()->set_capture_fencing_token(captureToken);
    response.mutable_stream_open()->set_codec(codec);
    if (request.resume().position().file().empty()) {
        response.mutable_stream_open()->mutable_start_position()->set_file(
            m_source->startedAt().file);
        response.mutable_stream_open()->mutable_start_position()->set_pos(
            m_source->startedAt().pos);
    }
    if (auto sent = call->respond(response); !sent.ok()) {
        endSession(sent.error().message, false);
        return;
    }
    m_call = call;
    QPointer<CaptureEndpoint> self(this);
    std::weak_ptr<server::Call> weak = call;
    call->onEnded([self, weak](server::CallEnd why) {
        CaptureEndpoint* endpoint = self.data();
        const auto ended = weak.lock();
        if (endpoint != nullptr && ended && endpoint->m_call.get() == ended.get()) {
            endpoint->endSession(std::string("the apply side went away (") +
                                     std::string(server::callEndName(why)) + ")",
                                 false);
        }
    });
    {
        std::lock_guard lock(m_mutex);
        m_report.set_state(v1::PIPELINE_STATE_RUNNING);
        m_report.clear_last_error();
    }
    if (m_context.log != nullptr) {
        m_context.log->info("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                            ": streaming to " + call->peer().identity + " from " +
                            m_source->startedAt().toString());
    }
    m_timer->start();
}

void CaptureEndpoint::ack(std::shared_ptr<server::Call> call) {
    const auto& request = call->request().stream_ack();
    v1::Response response;
    response.mutable_stream_ack();
    if (!m_window) {
        (void)call->respond(response);
        return;
    }
    if (auto acked = m_window->onAck(request); !acked.ok()) {
        endSession("bad ack: " + acked.error().message, false);
        (void)call->respondError(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT, acked.error().message);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        if (request.has_committed()) {
            m_report.mutable_position()->set_file(request.committed().file());
            m_report.mutable_position()->set_pos(request.committed().pos());
            m_report.set_gtid_set(request.committed_gtid());
        }
    }
    (void)call->respond(response);
    pump();
}

void CaptureEndpoint::pump() {
    if (!m_call || !m_source) {
        return;
    }
    const auto now = stream::StreamClock::now();
    if (auto error = m_source->error()) {
        {
            std::lock_guard lock(m_mutex);
            m_report.set_state(v1::PIPELINE_STATE_FAILED);
            m_report.mutable_last_error()->set_message(error->message);
            m_report.mutable_last_error()->set_time_unix_ms(nowMs());
        }
        if (m_context.log != nullptr) {
            m_context.log->error("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                                 ": capture stopped: " + error->message);
        }
        endSession(error->message, true);
        return;
    }
    while (m_builder->acceptsMore()) {
        auto item = m_source->poll();
        if (!item) {
            break;
        }
        if (auto added = m_builder->add(std::move(*item), now); !added.ok()) {
            endSession(added.error().message, true);
            return;
        }
    }
    const auto stats = m_source->stats();
    if (!stats.read.file.empty()) {
        v1::SourcePosition at;
        at.set_file(stats.read.file);
        at.set_pos(stats.read.pos);
        m_builder->noteSourcePosition(at, pipeline::nowMicros());
    }
    for (;;) {
        if (!m_held) {
            auto ready = m_builder->takeReady(now);
            if (!ready.ok()) {
                endSession(ready.error().message, true);
                return;
            }
            if (!*ready) {
                break;
            }
            m_held = std::move(**ready);
        }
        if (!m_window->canSend(m_held->data().size()) ||
            m_call->pendingBytes() > kMaxPendingSocketBytes) {
            break;
        }
        if (auto sent = m_window->onSent(*m_held); !sent.ok()) {
            endSession(sent.error().message, true);
            return;
        }
        v1::Push push;
        *push.mutable_stream_batch() = std::move(*m_held);
        m_held.reset();
        if (auto pushed = m_call->push(push); !pushed.ok()) {
            endSession(pushed.error().message, false);
            return;
        }
    }
}

void CaptureEndpoint::endSession(const std::string& why, bool failed) {
    if (!m_call && !m_source) {
        return;
    }
    m_timer->stop();
    if (m_call) {
        if (failed) {
            m_call->close(serviceError(v1::SERVICE_ERROR_CODE_INTERNAL, why,
                                       "see the capture agent's log; fix, then resume"));
        } else if (m_call->isOpen()) {
            m_call->close();
        }
        m_call.reset();
    }
    if (m_source) {
        m_source->stop();
        m_source.reset();
    }
    m_held.reset();
    m_builder.reset();
    m_window.reset();
    m_codec.reset();
    if (m_context.log != nullptr) {
        m_context.log->info("pipeline " + std::to_string(m_assignment.pipeline.id()) +
                            ": stream ended: " + why);
    }
}

void CaptureEndpoint::shutdown() {
    endSession("the capture role stops", false);
}

CaptureRole::CaptureRole(const NodeContext& context, std::uint64_t pipelineId)
    : m_context(context), m_pipelineId(pipelineId) {}

Result<std::unique_ptr<CaptureRole>> CaptureRole::create(const NodeContext& context,
                                                         const daemon::RoleAssignment& assignment) {
    auto role = std::unique_ptr<CaptureRole>(new CaptureRole(context, assignment.pipeline.id()));
    role->m_pipeline = assignment.pipeline;
    FERRY_ASSIGN_OR_RETURN(auto password, context.password(assignment.source));
    FERRY_ASSIGN_OR_RETURN(const auto url, mysql::DatabaseUrl::parse(assignment.source.url()));
    FERRY_ASSIGN_OR_RETURN(const auto router, pipeline::TableRouter::compile(assignment.pipeline));
    (void)router;

    // The source's ferry schema (heartbeat, schema history) and the heartbeat (lag).
    const std::string ferrySchema =
        assignment.source.ferry_schema().empty() ? "ferry" : assignment.source.ferry_schema();
    FERRY_ASSIGN_OR_RETURN(auto session, apply::MysqlSqlSession::connect(url, password.str()));
    FERRY_ASSIGN_OR_RETURN(auto installer, apply::SchemaInstaller::create(ferrySchema));
    FERRY_TRY(installer.install(*session));
    pipeline::HeartbeatOptions beat;
    beat.ferrySchema = ferrySchema;
    beat.sourceId = assignment.source.id();
    beat.agentId = context.agentId;
    daemon::Logger* log = context.log;
    role->m_heartbeat = std::make_unique<pipeline::HeartbeatWriter>(std::move(session), beat,
                                                                    [log](const std::string& line) {
                                                                        if (log != nullptr) {
                                                                            log->warning(line);
                                                                        }
                                                                    });
    role->m_heartbeat->start();

    auto* endpoint = new CaptureEndpoint(context, assignment, password.str());
    endpoint->setPaused(assignment.desired == v1::PIPELINE_STATE_PAUSED);
    endpoint->moveToThread(context.networkThreadObject->thread());
    role->m_endpoint = std::shared_ptr<CaptureEndpoint>(endpoint, [](CaptureEndpoint* e) {
        QMetaObject::invokeMethod(
            e, [e] { delete e; }, Qt::QueuedConnection);
    });
    context.hub->add(assignment.pipeline.id(), role->m_endpoint);
    return role;
}

CaptureRole::~CaptureRole() {
    stop();
}

Status CaptureRole::update(const daemon::RoleAssignment& assignment) {
    if (assignment.pipeline.SerializeAsString() != m_pipeline.SerializeAsString()) {
        return makeError(ErrorCode::Unsupported, "the pipeline's configuration changed");
    }
    m_endpoint->setPaused(assignment.desired == v1::PIPELINE_STATE_PAUSED);
    if (assignment.desired == v1::PIPELINE_STATE_PAUSED) {
        CaptureEndpoint* e = m_endpoint.get();
        QMetaObject::invokeMethod(
            e, [e] { e->shutdown(); }, Qt::BlockingQueuedConnection);
    }
    return okStatus();
}

void CaptureRole::stop() {
    if (m_stopped) {
        return;
    }
    m_stopped = true;
    if (m_endpoint == nullptr) {
        return;  // create() gave up before serving (e.g. the source was unreachable)
    }
    m_context.hub->remove(m_pipelineId, m_endpoint.get());
    CaptureEndpoint* e = m_endpoint.get();
    if (QThread::currentThread() == e->thread()) {
        e->shutdown();
    } else {
        QMetaObject::invokeMethod(
            e, [e] { e->shutdown(); }, Qt::BlockingQueuedConnection);
    }
    if (m_heartbeat) {
        m_heartbeat->stop();
    }
}

v1::RoleReport CaptureRole::report() const {
    return m_endpoint != nullptr ? m_endpoint->report() : v1::RoleReport{};
}

}  // namespace ferry::node
