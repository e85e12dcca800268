// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace ferry::metrics {

// What /healthz answers: 200 "ok" when healthy, else 503 with `reason` (one line).
struct Health {
    bool healthy = true;
    std::string reason;
};

}  // namespace ferry::metrics
