// SPDX-License-Identifier: Apache-2.0
#include "ferry/pipeline/apply_sink.h"

#include "ferry/apply/fence.h"
#include "ferry/model/binlog_position.h"
#include "ferry/pipeline/heartbeat.h"

namespace ferry::pipeline {
namespace {

// -1, 0, 1; positions of different binlog series are an error.
Result<int> order(const v1::SourcePosition& a, const v1::SourcePosition& b) {
    FERRY_ASSIGN_OR_RETURN(const auto o, model::compare({a.file(), a.pos()}, {b.file(), b.pos()}));
    return o == std::strong_ordering::less ? -1 : o == std::strong_ordering::equal ? 0 : 1;
}

}  // namespace

ApplySink::ApplySink(ApplySinkOptions options) : m_options(std::move(options)) {}

ApplySink::~ApplySink() {
    if (m_applier) {
        (void)m_applier->stop(false);
    }
}

Result<std::unique_ptr<ApplySink>> ApplySink::open(SessionFactory factory,
                                                   ApplySinkOptions options) {
    if (options.fencingToken <= 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "pipeline " + std::to_string(options.pipelineId) +
                             ": an apply term needs a positive fencing token");
    }
    auto sink = std::unique_ptr<ApplySink>(new ApplySink(options));
    {
        // The fence first, on a session of its own: from here on an older term cannot commit.
        FERRY_ASSIGN_OR_RETURN(auto session, factory(0));
        FERRY_TRY(apply::claimFence(*session, options.ferrySchema, options.pipelineId,
                                    static_cast<std::uint64_t>(options.fencingToken),
                                    options.holder));
    }
    apply::ParallelOptions parallel = options.parallel;
    parallel.applier.pipelineId = options.pipelineId;
    parallel.applier.fencingToken = static_cast<std::uint64_t>(options.fencingToken);
    parallel.applier.ferrySchema = options.ferrySchema;
    sink->m_applier = std::make_unique<apply::ParallelApplier>(std::move(factory), parallel);
    ApplySink* raw = sink.get();
    sink->m_applier->setCommitCallback([raw](const apply::CommittedGroup& group) {
        SinkCommit commit;
        commit.end = group.end;
        commit.gtid = group.gtid;
        commit.commitTs = group.commitTs;
        commit.transactions = group.transactions;
        commit.rows = group.rows;
        CommitCallback callback;
        {
            std::lock_guard lock(raw->m_mutex);
            // Every heartbeat at or before this end is committed now.
            for (auto it = raw->m_pendingHeartbeats.begin();
                 it != raw->m_pendingHeartbeats.end();) {
                v1::SourcePosition at;
                at.set_file(it->first.first);
                at.set_pos(it->first.second);
                const auto o = order(at, group.end);
                if (o.ok() && *o <= 0) {
                    commit.heartbeatUs = std::max(commit.heartbeatUs, it->second);
                    it = raw->m_pendingHeartbeats.erase(it);
                } else {
                    ++it;
                }
            }
            callback = raw->m_callback;
        }
        if (callback && !group.alreadyApplied) {
            callback(commit);
        }
    });
    FERRY_ASSIGN_OR_RETURN(sink->m_progress, sink->m_applier->start());
    if (sink->m_progress.lowWater) {
        sink->m_lastAccepted = *sink->m_progress.lowWater;
    }
    return sink;
}

v1::ResumePoint ApplySink::resumePoint() const {
    v1::ResumePoint resume;
    if (m_progress.lowWater) {
        *resume.mutable_position() = *m_progress.lowWater;
    }
    for (const auto& slot : m_progress.slots) {
        if (m_progress.lowWater && slot.end.file() == m_progress.lowWater->file() &&
            slot.end.pos() == m_progress.lowWater->pos()) {
            resume.set_gtid_set(slot.gtid);
        }
    }
    return resume;
}

void ApplySink::setCommitCallback(CommitCallback callback) {
    std::lock_guard lock(m_mutex);
    m_callback = std::move(callback);
}

Result<bool> ApplySink::alreadyAccepted(const v1::Transaction& transaction) const {
    if (!m_lastAccepted) {
        return false;
    }
    FERRY_ASSIGN_OR_RETURN(const int o, order(transaction.end(), *m_lastAccepted));
    return o <= 0;
}

Result<bool> ApplySink::offerStreamed(v1::Transaction& header,
                                      std::unique_ptr<apply::ChangeSource>& changes) {
    FERRY_ASSIGN_OR_RETURN(const bool seen, alreadyAccepted(header));
    if (seen) {
        changes.reset();
        return true;  // sent again after a resume: already accepted or committed
    }
    const v1::SourcePosition end = header.end();
    FERRY_ASSIGN_OR_RETURN(const bool accepted, m_applier->trySubmitStreamed(header, changes));
    if (accepted) {
        m_lastAccepted = end;
    }
    return accepted;
}

Result<bool> ApplySink::offer(v1::Transaction& transaction) {
    FERRY_ASSIGN_OR_RETURN(const bool seen, alreadyAccepted(transaction));
    if (seen) {
        return true;  // sent again after a resume: already accepted or committed
    }
    const auto heartbeat = findHeartbeat(transaction, m_options.ferrySchema);
    if (heartbeat) {
        // The source's heartbeat measures lag here; it is not written to the target (whose own
        // row, if any, belongs to its own capture). The transaction still commits its position.
        auto* changes = transaction.mutable_changes();
        int kept = 0;
        for (int i = 0; i < changes->size(); ++i) {
            const auto& change = changes->Get(i);
            const bool beat =
                change.table() < static_cast<std::uint32_t>(transaction.tables_size()) &&
                transaction.tables(static_cast<int>(change.table())).schema() ==
                    m_options.ferrySchema &&
                transaction.tables(static_cast<int>(change.table())).name() == "heartbeat";
            if (!beat) {
                if (kept != i) {
                    changes->SwapElements(kept, i);
                }
                ++kept;
            }
        }
        while (changes->size() > kept) {
            changes->RemoveLast();
        }
    }
    const v1::SourcePosition end = transaction.end();
    if (heartbeat) {
        // Before submitting: the commit may come before trySubmit returns.
        std::lock_guard lock(m_mutex);
        m_pendingHeartbeats[{end.file(), end.pos()}] = heartbeat->tsUs;
    }
    auto accepted = m_applier->trySubmit(transaction);
    if (!accepted.ok() || !*accepted) {
        if (heartbeat) {
            std::lock_guard lock(m_mutex);
            m_pendingHeartbeats.erase({end.file(), end.pos()});
        }
        return accepted;
    }
    m_lastAccepted = end;
    return true;
}

std::optional<Error> ApplySink::error() const {
    return m_applier->error();
}

Status ApplySink::stop(bool drain) {
    return m_applier->stop(drain);
}

apply::ParallelStats ApplySink::stats() const {
    return m_applier->stats();
}

}  // namespace ferry::pipeline
