// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "ferry/apply/parallel_applier.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::pipeline {

struct ApplySinkOptions {
    std::uint64_t pipelineId = 0;
    std::int64_t fencingToken = 0;  // this apply term's
    std::string holder;             // agent id, recorded in the fence
    std::string ferrySchema = "ferry";
    apply::ParallelOptions parallel;  // applier.pipelineId/fencingToken/ferrySchema are set here
};

// One target commit as the apply role reports it upstream (acks, progress, lag).
struct SinkCommit {
    v1::SourcePosition end;  // the low-water mark: everything up to here is committed
    std::string gtid;
    std::uint64_t commitTs = 0;
    std::uint64_t transactions = 0;
    std::uint64_t rows = 0;
    // From the newest source heartbeat committed with it (microseconds, source clock), else 0.
    std::int64_t heartbeatUs = 0;
};

// The target side of a pipeline for one apply term: claims the pipeline's fence with the term's
// token (a newer term already there -> Conflict: this agent stands down), starts a
// ParallelApplier, and tells where the stream must resume (the committed low-water mark read
// from ferry.apply_position). Transactions offered more than once — a stream resumed from the
// committed mark re-sends what was in flight — are recognised by position and skipped, so
// nothing is applied twice; the applier's own recovery covers crashes.
//
// Thread safety: offer() from one thread (the stream's); the commit callback runs on applier
// worker threads in source order; error() and stop() from any thread.
class ApplySink {
public:
    using SessionFactory = apply::ParallelApplier::SessionFactory;
    using CommitCallback = std::function<void(const SinkCommit&)>;

    static Result<std::unique_ptr<ApplySink>> open(SessionFactory factory,
                                                   ApplySinkOptions options);
    ~ApplySink();
    ApplySink(const ApplySink&) = delete;
    ApplySink& operator=(const ApplySink&) = delete;

    // Where the capture side must start: the committed low-water mark (empty position when the
    // pipeline has never applied anything: the capture side then starts at the source's
    // current end, the position the initial load or the DBA chose).
    v1::ResumePoint resumePoint() const;
    void setCommitCallback(CommitCallback callback);

    // Hands one transaction to the applier without blocking: false when the applier's queue is
    // full (the transaction stays in `transaction`; offer it again later: backpressure).
    // Transactions at or before the last one accepted are dropped as duplicates (true). The
    // source's heartbeat rows are taken out (they measure lag; the position still commits).
    Result<bool> offer(v1::Transaction& transaction);
    // The same for a large transaction whose changes come from `changes` (header.streamed()):
    // applied alone, a chunk at a time. On false both are left for the next offer.
    Result<bool> offerStreamed(v1::Transaction& header,
                               std::unique_ptr<apply::ChangeSource>& changes);
    std::optional<Error> error() const;
    Status stop(bool drain);
    apply::ParallelStats stats() const;

private:
    explicit ApplySink(ApplySinkOptions options);
    // True when `transaction` is at or before the last one accepted (a resumed stream's resend).
    Result<bool> alreadyAccepted(const v1::Transaction& transaction) const;

    ApplySinkOptions m_options;
    std::unique_ptr<apply::ParallelApplier> m_applier;
    apply::ApplyProgress m_progress;
    std::optional<v1::SourcePosition> m_lastAccepted;

    mutable std::mutex m_mutex;  // guards the members below
    CommitCallback m_callback;
    // Heartbeats submitted and not committed yet: end position (file, pos) -> source time.
    std::map<std::pair<std::string, std::uint64_t>, std::int64_t> m_pendingHeartbeats;
};

}  // namespace ferry::pipeline
