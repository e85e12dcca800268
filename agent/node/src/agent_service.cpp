// SPDX-License-Identifier: Apache-2.0
#include "ferry/node/agent_service.h"

#include <QTimer>

#include <chrono>

#include "ferry/daemon/service_backend.h"
#include "ferry/node/apply_role.h"
#include "ferry/node/capture_role.h"

namespace ferry::node {

AgentService::AgentService(const NodeContext& context, QObject* parent)
    : QObject(parent), m_context(context), m_history([] {
          return std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
              .count();
      }) {
    auto* timer = new QTimer(this);
    timer->setInterval(1000);
    timer->setTimerType(Qt::PreciseTimer);
    connect(timer, &QTimer::timeout, this, &AgentService::tick);
    timer->start();
}

void AgentService::handle(std::shared_ptr<server::Call> call) {
    const auto& request = call->request();
    if (request.has_stream_open() || request.has_stream_ack()) {
        const std::uint64_t id = request.has_stream_open() ? request.stream_open().pipeline_id()
                                                           : request.stream_ack().pipeline_id();
        auto endpoint = m_context.hub->find(id);
        if (!endpoint) {
            (void)call->respondError(
                v1::SERVICE_ERROR_CODE_UNAVAILABLE,
                m_context.agentId + " does not lead the capture of pipeline " + std::to_string(id),
                "the apply side looks the leader up again and reconnects");
            return;
        }
        if (request.has_stream_open()) {
            endpoint->open(std::move(call));
        } else {
            endpoint->ack(std::move(call));
        }
        return;
    }
    auto keeper = m_context.keeper ? m_context.keeper() : nullptr;
    if (!keeper) {
        (void)call->respondError(v1::SERVICE_ERROR_CODE_UNAVAILABLE,
                                 m_context.agentId + " has no ZooKeeper session",
                                 "check that ZooKeeper is reachable from this agent");
        return;
    }
    daemon::ServiceBackend backend(*keeper, m_context.cluster);
    if (request.has_subscribe()) {
        v1::Response response;
        auto statuses = backend.statuses(
            {request.subscribe().pipeline_ids().begin(), request.subscribe().pipeline_ids().end()});
        if (statuses.ok()) {
            for (auto& status : *statuses) {
                *response.mutable_subscribe()->add_statuses() = std::move(status);
            }
        } else {
            response.mutable_subscribe();
        }
        if (call->respond(response).ok()) {
            m_subscriptions.push_back(call);
        }
        return;
    }
    if (request.has_metric_history()) {
        (void)call->respond(metricHistoryResponse(m_history, request.metric_history()));
        return;
    }
    if (request.has_browse() || request.has_preflight() || request.has_list_conflicts()) {
        (void)call->respondError(v1::SERVICE_ERROR_CODE_UNSUPPORTED,
                                 "this agent does not answer that request yet",
                                 "use ferryctl preflight or compare against the databases");
        return;
    }
    daemon::Caller caller{call->peer().identity, call->peer().role};
    (void)call->respond(backend.handle(caller, request));
}

void AgentService::tick() {
    std::erase_if(m_subscriptions, [](const std::weak_ptr<server::Call>& w) {
        auto call = w.lock();
        return !call || !call->isOpen();
    });
    auto keeper = m_context.keeper ? m_context.keeper() : nullptr;
    if (!keeper) {
        return;
    }
    daemon::ServiceBackend backend(*keeper, m_context.cluster);
    auto statuses = backend.statuses({});
    if (!statuses.ok()) {
        return;
    }
    sample(*statuses);
    for (const auto& weak : m_subscriptions) {
        auto call = weak.lock();
        if (!call) {
            continue;
        }
        const auto& wanted = call->request().subscribe().pipeline_ids();
        v1::Push push;
        for (const auto& status : *statuses) {
            if (wanted.empty() ||
                std::find(wanted.begin(), wanted.end(), status.pipeline_id()) != wanted.end()) {
                *push.mutable_pipeline_statuses()->add_statuses() = status;
            }
        }
        (void)call->push(push);
    }
}

void AgentService::sample(const std::vector<v1::PipelineStatus>& statuses) {
    std::vector<std::uint64_t> ids;
    ids.reserve(statuses.size());
    for (const auto& status : statuses) {
        ids.push_back(status.pipeline_id());
    }
    m_history.retain(ids);
    for (const auto& status : statuses) {
        // Stopped pipelines and those whose leaders have not reported lately have no reading.
        if (status.state() == v1::PIPELINE_STATE_RUNNING ||
            status.state() == v1::PIPELINE_STATE_PAUSED ||
            status.state() == v1::PIPELINE_STATE_FAILED) {
            m_history.record(status.pipeline_id(), {status.lag_seconds(), status.rows_per_second(),
                                                    status.bytes_per_second()});
        }
    }
}

Result<std::unique_ptr<daemon::PipelineRole>> NodeRoleFactory::create(
    const daemon::RoleAssignment& assignment) {
    if (assignment.kind == daemon::RoleKind::Capture) {
        FERRY_ASSIGN_OR_RETURN(auto role, CaptureRole::create(m_context, assignment));
        return std::unique_ptr<daemon::PipelineRole>(std::move(role));
    }
    FERRY_ASSIGN_OR_RETURN(auto role, ApplyRole::create(m_context, assignment));
    return std::unique_ptr<daemon::PipelineRole>(std::move(role));
}

}  // namespace ferry::node
