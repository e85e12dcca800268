// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>

#include <memory>
#include <vector>

#include "ferry/daemon/pipeline_role.h"
#include "ferry/node/metric_history.h"
#include "ferry/node/node_context.h"
#include "ferry/server/call.h"

namespace ferry::node {

// ferry-agent's RequestHandler: replication streams go to this agent's capture endpoints (the
// StreamHub), subscriptions get the pipelines' statuses every second, metric_history is answered
// from the MetricHistory it samples those statuses into every second (whether or not anyone
// subscribes), everything else is answered for the whole cluster from ZooKeeper by
// daemon::ServiceBackend. Lives on the network thread.
class AgentService : public QObject, public server::RequestHandler {
    Q_OBJECT

public:
    explicit AgentService(const NodeContext& context, QObject* parent = nullptr);
    void handle(std::shared_ptr<server::Call> call) override;

private:
    // Once a second: samples the statuses into the history and pushes them to subscribers.
    void tick();
    void sample(const std::vector<v1::PipelineStatus>& statuses);

    const NodeContext& m_context;
    std::vector<std::weak_ptr<server::Call>> m_subscriptions;
    MetricHistory m_history;
};

// Makes this agent's capture and apply roles.
class NodeRoleFactory final : public daemon::RoleFactory {
public:
    explicit NodeRoleFactory(const NodeContext& context) : m_context(context) {}
    Result<std::unique_ptr<daemon::PipelineRole>> create(
        const daemon::RoleAssignment& assignment) override;

private:
    const NodeContext& m_context;
};

}  // namespace ferry::node
