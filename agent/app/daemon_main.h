// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "ferry/config/agent_config.h"

namespace ferry::app {

// Runs ferry-agent as a cluster member until SIGTERM or SIGINT: serves the service API, joins
// ZooKeeper, runs the capture and apply roles it wins. Returns the process exit code.
int runDaemon(const config::AgentConfig& config);

}  // namespace ferry::app
