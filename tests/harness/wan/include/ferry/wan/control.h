// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>

#include "ferry/wan/wan_proxy.h"

namespace ferry::wan {

// The answer to one line of the text control protocol of ferry-wan-proxy.
struct ControlReply {
    std::string text;   // "ok", "error <message>" or, for stats, one JSON line; no newline
    bool quit = false;  // the client asked the proxy to exit
};

// Executes one command line (without its newline) against `proxy`:
//   cut | cut reset | restore | set [up|down|both] key=N... | stats | quit
// where the keys of set are delay_ms, jitter_ms and rate_kbit (any subset; the others keep their
// values; the direction defaults to both). Malformed lines change nothing and answer an error.
// Thread safety: as WanProxy.
ControlReply executeControlLine(WanProxy& proxy, std::string_view line);

// The counters as one JSON object on one line (numbers and fixed words only).
std::string statsToJson(const WanStats& stats);

}  // namespace ferry::wan
