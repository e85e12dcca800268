// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QPointer>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "ferry/client/agent_client.h"
#include "ferry/daemon/pipeline_role.h"
#include "ferry/node/node_context.h"
#include "ferry/pipeline/apply_sink.h"
#include "ferry/stream/stream_receiver.h"

class QTimer;

namespace ferry::node {

// The apply side of one pipeline's stream, on the network thread: finds the capture leader
// (its election in ZooKeeper, its address in its registration), opens the stream from what the
// target has committed, decodes batches, hands transactions to the ApplySink as fast as it takes
// them (raw batches wait unprocessed beyond that, so acks and with them the capture window stop:
// backpressure), and acks commits. Any stream error or a lost link ends the stream; it is
// reopened after a short delay from the committed position, so nothing is lost or applied twice.
class ApplyLink : public QObject {
    Q_OBJECT

public:
    ApplyLink(const NodeContext& context, daemon::RoleAssignment assignment,
              std::shared_ptr<pipeline::ApplySink> sink,
              std::unique_ptr<stream::StreamReceiver> receiver);
    ~ApplyLink() override;

    void start();
    void shutdown();
    // From any thread.
    void onCommitted(const pipeline::SinkCommit& commit);
    v1::RoleReport report() const;
    void setPaused(bool paused);

private:
    void connectToLeader();
    void openStream();
    void endStream(const std::string& why);
    void process();
    void scheduleReconnect();
    void fail(const std::string& what);
    Result<std::string> leaderAddress() const;

    const NodeContext& m_context;
    daemon::RoleAssignment m_assignment;
    std::shared_ptr<pipeline::ApplySink> m_sink;
    std::unique_ptr<stream::StreamReceiver> m_receiver;
    client::AgentClient* m_client = nullptr;  // child
    QTimer* m_timer;                          // child
    QTimer* m_retry;                          // child
    std::uint64_t m_stream = 0;
    bool m_streamOpen = false;
    bool m_shutdown = false;
    bool m_paused = false;
    std::string m_leaderAddress;
    std::deque<v1::StreamBatch> m_raw;
    // Received, waiting for room in the applier; a large one with the spool of its changes.
    struct Ready {
        v1::Transaction transaction;
        std::unique_ptr<apply::ChangeSource> changes;
    };
    std::deque<Ready> m_ready;
    v1::ResumePoint m_committed;

    mutable std::mutex m_mutex;       // guards m_report and m_commits
    mutable v1::RoleReport m_report;  // report() refreshes the rate in it
    std::deque<pipeline::SinkCommit> m_commits;
    std::uint64_t m_rowsTotal = 0;
    std::uint64_t m_transactionsTotal = 0;
    std::uint64_t m_bytesTotal = 0;  // of stream batches received, as sent (compressed)
    // For rows/s: the totals at the previous report.
    mutable std::chrono::steady_clock::time_point m_rateSince = std::chrono::steady_clock::now();
    mutable std::uint64_t m_rateRows = 0;
};

class ApplyRole final : public daemon::PipelineRole {
public:
    static Result<std::unique_ptr<ApplyRole>> create(const NodeContext& context,
                                                     const daemon::RoleAssignment& assignment);
    ~ApplyRole() override;
    Status update(const daemon::RoleAssignment& assignment) override;
    void stop() override;
    v1::RoleReport report() const override;

private:
    explicit ApplyRole(const NodeContext& context) : m_context(context) {}

    const NodeContext& m_context;
    v1::Pipeline m_pipeline;
    std::uint64_t m_generation = 0;  // of the control the role started with
    std::shared_ptr<pipeline::ApplySink> m_sink;
    ApplyLink* m_link = nullptr;  // lives on the network thread; deleted there
    bool m_stopped = false;
};

}  // namespace ferry::node
