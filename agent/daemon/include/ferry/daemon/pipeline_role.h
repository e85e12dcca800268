// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/v1/config.pb.h"
#include "ferry/v1/coordination.pb.h"

namespace ferry::daemon {

// The two halves of a pipeline: capture runs in the source's site, apply in the target's.
enum class RoleKind { Capture, Apply };

std::string_view roleKindName(RoleKind kind);  // "capture", "apply"

// Everything a role needs to run one term of leadership.
struct RoleAssignment {
    RoleKind kind = RoleKind::Capture;
    v1::Pipeline pipeline;
    v1::DataSource source;
    v1::DataSource target;
    v1::Channel channel;                                     // empty when the pipeline names none
    v1::PipelineControl control;                             // empty when never acted on
    v1::PipelineState desired = v1::PIPELINE_STATE_RUNNING;  // RUNNING or PAUSED
    std::int64_t fencingToken = 0;  // of this term; grows with every new term
};

// One running capture or apply of one pipeline during one term of leadership, created by a
// RoleFactory when this agent wins the election and destroyed when it loses it.
//
// Threads: the supervisor calls every method from its own thread; a role may run threads of
// its own. stop() is synchronous: when it returns, the role writes nothing anywhere any more
// (a deposed leader must not), and its threads are joined.
class PipelineRole {
public:
    virtual ~PipelineRole() = default;

    // The configuration, control or desired state (RUNNING/PAUSED) changed during the term.
    // An error means the role cannot follow the change in place; the supervisor then stops it
    // and creates a new one.
    [[nodiscard]] virtual Status update(const RoleAssignment& assignment) = 0;
    virtual void stop() = 0;
    // The role's state for its RoleReport (state RUNNING, PAUSED or FAILED with last_error).
    virtual v1::RoleReport report() const = 0;
};

// Makes roles. The daemon's factory builds real capture and apply; tests use fakes.
class RoleFactory {
public:
    virtual ~RoleFactory() = default;
    virtual Result<std::unique_ptr<PipelineRole>> create(const RoleAssignment& assignment) = 0;
};

}  // namespace ferry::daemon
