// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ferry::daemon {

// The znodes of a cluster below its chroot (ARCHITECTURE.md, "Coordination"). One place, so the
// agent, the service API and the tests agree.
namespace paths {

inline constexpr std::string_view kAgents = "/agents";
inline constexpr std::string_view kConfig = "/config";
inline constexpr std::string_view kPipelines = "/pipelines";

std::string pipeline(std::uint64_t id);         // /pipelines/<id>
std::string captureElection(std::uint64_t id);  // /pipelines/<id>/capture
std::string applyElection(std::uint64_t id);    // /pipelines/<id>/apply
std::string control(std::uint64_t id);          // /pipelines/<id>/control (PipelineControl)
std::string captureReport(std::uint64_t id);    // /pipelines/<id>/capture_report (RoleReport)
std::string applyReport(std::uint64_t id);      // /pipelines/<id>/apply_report (RoleReport)

}  // namespace paths
}  // namespace ferry::daemon
