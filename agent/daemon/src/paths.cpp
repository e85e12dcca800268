// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/paths.h"

namespace ferry::daemon::paths {

std::string pipeline(std::uint64_t id) {
    return std::string(kPipelines) + "/" + std::to_string(id);
}

std::string captureElection(std::uint64_t id) {
    return pipeline(id) + "/capture";
}
std::string applyElection(std::uint64_t id) {
    return pipeline(id) + "/apply";
}
std::string control(std::uint64_t id) {
    return pipeline(id) + "/control";
}
std::string captureReport(std::uint64_t id) {
    return pipeline(id) + "/capture_report";
}
std::string applyReport(std::uint64_t id) {
    return pipeline(id) + "/apply_report";
}

}  // namespace ferry::daemon::paths
