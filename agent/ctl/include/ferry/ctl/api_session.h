// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ferry/client/agent_client.h"
#include "ferry/ctl/arg_list.h"
#include "ferry/model/result.h"
#include "ferry/v1/service.pb.h"

namespace ferry::ctl {

// The connection flags every API command takes (CONVENTIONS.md, ferryctl).
inline constexpr const char* kDefaultAgent = "127.0.0.1:7400";
void addConnectionOptions(ArgSpec& spec);
std::string_view connectionOptionsHelp();

// Builds the endpoint from --agent (else $FERRY_AGENT, else 127.0.0.1:7400), --token-env /
// --token-file (else $FERRY_TOKEN), --ca / --fingerprint / --insecure-plaintext, --cluster.
// Errors: InvalidArgument (usage: a bad address, no way to trust the agent, an unreadable token
// file).
Result<client::Endpoint> endpointFromArgs(const ArgList& args);
// --timeout-ms, default 10000. Errors: InvalidArgument.
Result<std::chrono::milliseconds> timeoutFromArgs(const ArgList& args);

// A synchronous session with one agent for a command that reads top to bottom: connect(), then
// call() per request; each spins the Qt event loop until the answer or the timeout.
//
// Errors of connect(): PermissionDenied when the agent refused us (token, role, cluster,
// certificate: exit 4), Unavailable when it cannot be reached (exit 3). Errors of call():
// the agent's ServiceError as ferry::client maps it (message; hint), PermissionDenied for a role
// refusal (exit 4), Unavailable for a timeout or a lost connection (exit 1).
//
// REQUIRES: a QCoreApplication exists; used from its thread. Not thread-safe.
class ApiSession {
public:
    ApiSession(client::Endpoint endpoint, std::chrono::milliseconds timeout);
    ~ApiSession();

    Status connect();
    Result<ferry::v1::Response> call(const ferry::v1::Request& request);

    // Subscribes and calls `onPush` for every push until it returns false, the connection is
    // lost or `stopRequested` returns true (polled a few times a second). The subscription's
    // first answer goes to `onAnswer`; returning false from it ends the watch.
    Status watch(const ferry::v1::SubscribeRequest& request,
                 const std::function<bool(const ferry::v1::Response&)>& onAnswer,
                 const std::function<bool(const ferry::v1::Push&)>& onPush,
                 const std::function<bool()>& stopRequested);

    client::AgentClient& client() { return *m_client; }

private:
    client::Endpoint m_endpoint;
    std::chrono::milliseconds m_timeout;
    std::unique_ptr<client::AgentClient> m_client;
};

// The exit code for an error of ApiSession::call() (1, or 4 for PermissionDenied).
int exitCodeForCall(const Error& error);
// The exit code for an error of ApiSession::connect() (3, or 4 when refused).
int exitCodeForConnect(const Error& error);

}  // namespace ferry::ctl
