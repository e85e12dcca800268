// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QTimer>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "ferry/daemon/pipeline_role.h"
#include "ferry/node/node_context.h"
#include "ferry/pipeline/capture_source.h"
#include "ferry/pipeline/heartbeat.h"
#include "ferry/server/call.h"
#include "ferry/stream/batch_builder.h"
#include "ferry/stream/batch_codec.h"
#include "ferry/stream/send_window.h"

namespace ferry::node {

class CaptureEndpoint;

// The capture endpoints of this agent by pipeline id, consulted by the service when an apply
// agent opens a stream. Thread-safe (roles register from the coordination thread, the service
// looks them up on the network thread).
class StreamHub {
public:
    void add(std::uint64_t pipelineId, std::shared_ptr<CaptureEndpoint> endpoint);
    void remove(std::uint64_t pipelineId, const CaptureEndpoint* endpoint);
    std::shared_ptr<CaptureEndpoint> find(std::uint64_t pipelineId) const;

private:
    mutable std::mutex m_mutex;
    std::map<std::uint64_t, std::shared_ptr<CaptureEndpoint>> m_endpoints;
};

// The capture side of one pipeline during one term, on the network thread: serves the stream
// the apply leader opens (one at a time: a newer open replaces the older), reading the source
// from the resume point the apply side sends, cutting batches, keeping the window, and pushing
// them with backpressure from the socket.
class CaptureEndpoint : public QObject {
    Q_OBJECT

public:
    CaptureEndpoint(const NodeContext& context, daemon::RoleAssignment assignment,
                    std::string password);
    ~CaptureEndpoint() override;

    // Network thread.
    void open(std::shared_ptr<server::Call> call);
    void ack(std::shared_ptr<server::Call> call);
    void shutdown();

    void setPaused(bool paused) { m_paused = paused; }
    v1::RoleReport report() const;

private:
    void pump();
    void endSession(const std::string& why, bool failed);

    const NodeContext& m_context;
    daemon::RoleAssignment m_assignment;
    std::string m_password;
    std::atomic<bool> m_paused{false};
    QTimer* m_timer;  // child: moves with the endpoint to the network thread

    // The current stream.
    std::shared_ptr<server::Call> m_call;
    std::int64_t m_applyToken = 0;
    std::unique_ptr<pipeline::CaptureSource> m_source;
    std::unique_ptr<stream::BatchCodec> m_codec;
    std::unique_ptr<stream::BatchBuilder> m_builder;
    std::unique_ptr<stream::SendWindow> m_window;
    std::optional<v1::StreamBatch> m_held;

    mutable std::mutex m_mutex;  // guards m_report
    v1::RoleReport m_report;
};

// daemon::PipelineRole for capture: the source's heartbeat writer and the stream endpoint.
class CaptureRole final : public daemon::PipelineRole {
public:
    static Result<std::unique_ptr<CaptureRole>> create(const NodeContext& context,
                                                       const daemon::RoleAssignment& assignment);
    ~CaptureRole() override;
    Status update(const daemon::RoleAssignment& assignment) override;
    void stop() override;
    v1::RoleReport report() const override;

private:
    CaptureRole(const NodeContext& context, std::uint64_t pipelineId);

    const NodeContext& m_context;
    std::uint64_t m_pipelineId;
    v1::Pipeline m_pipeline;
    std::shared_ptr<CaptureEndpoint> m_endpoint;
    std::unique_ptr<pipeline::HeartbeatWriter> m_heartbeat;
    bool m_stopped = false;
};

}  // namespace ferry::node
