// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QString>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ferry/coord/keeper.h"
#include "ferry/daemon/log.h"
#include "ferry/model/result.h"
#include "ferry/security/secret_box.h"
#include "ferry/v1/config.pb.h"

class QObject;

namespace ferry::node {

class StreamHub;

// What the roles of one agent share. Set up once by the agent's main; read-only afterwards
// except through the thread-safe pieces it points to.
struct NodeContext {
    std::string agentId;
    std::string site;
    std::string cluster;
    std::filesystem::path spoolDirectory;  // per pipeline folders below it
    std::uint32_t serverIdBase = 4'100'000'000u;
    std::uint16_t applyWorkers = 4;
    // The ZooKeeper session timeout: an apply transaction idle this long is ended by the target.
    std::chrono::milliseconds sessionTimeout{10000};
    // How this agent reaches other agents: TLS CA file (empty: plain TCP, playgrounds only) and
    // the token it presents.
    QString peerCaFile;
    bool peerPlainTcp = false;
    QString peerToken;
    std::optional<security::SecretBox> secrets;  // opens sealed data-source passwords
    daemon::Logger* log = nullptr;
    StreamHub* hub = nullptr;
    QObject* networkThreadObject = nullptr;  // an object living on the Qt thread
    std::function<std::shared_ptr<coord::Keeper>()> keeper;

    // The clear password of a data source (sealed, env or file on this host).
    Result<security::SecretString> password(const v1::DataSource& source) const;
};

}  // namespace ferry::node
