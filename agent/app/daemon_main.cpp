// SPDX-License-Identifier: Apache-2.0
#include "daemon_main.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QSocketNotifier>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ferry/coord/zookeeper_keeper.h"
#include "ferry/daemon/coordination_loop.h"
#include "ferry/daemon/log.h"
#include "ferry/metrics/agent_metrics.h"
#include "ferry/metrics/http_server.h"
#include "ferry/node/agent_service.h"
#include "ferry/node/capture_role.h"
#include "ferry/security/certificates.h"
#include "ferry/security/token_store.h"
#include "ferry/server/service_server.h"
#include "ferry/version.h"
#include "ferry/wire/limits.h"

namespace ferry::app {
namespace {

int g_signalPipe[2] = {-1, -1};

extern "C" void onSignal(int) {
    const char byte = 1;
    (void)!::write(g_signalPipe[1], &byte, 1);
}

daemon::LogLevel levelOf(config::LogLevel level) {
    switch (level) {
        case config::LogLevel::Debug:
            return daemon::LogLevel::Debug;
        case config::LogLevel::Info:
            return daemon::LogLevel::Info;
        case config::LogLevel::Warning:
            return daemon::LogLevel::Warning;
        case config::LogLevel::Error:
            return daemon::LogLevel::Error;
    }
    return daemon::LogLevel::Info;
}

// Bearer tokens from the agent's tokens file (hashes only).
class TokenFileAuthenticator final : public server::Authenticator {
public:
    explicit TokenFileAuthenticator(security::TokenStore store) : m_store(std::move(store)) {}
    Result<v1::Role> authenticate(const std::string& token,
                                  const server::PeerClaim&) const override {
        const auto identity = m_store.authenticate(token);
        if (!identity) {
            return makeError(ErrorCode::PermissionDenied,
                             "this agent does not accept this token; ask for one made with "
                             "'ferryctl cert token'");
        }
        return identity->role;
    }

private:
    security::TokenStore m_store;
};

Result<std::string> readFirstLine(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return makeError(ErrorCode::Io, "cannot read " + path);
    }
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.pop_back();
    }
    return line;
}

}  // namespace

int runDaemon(const config::AgentConfig& config) {
    daemon::Logger log(config.id, levelOf(config.logLevel));
    log.info(std::string("ferry-agent ") + kVersion + " (" + kBuildId + ") starting, site " +
             config.site + ", cluster " + config.cluster);

    if (::pipe2(g_signalPipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        log.error("cannot create the signal pipe");
        return 1;
    }
    struct sigaction action {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, nullptr);
    sigaction(SIGINT, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    QObject networkThread;  // lives on this (the network) thread
    node::StreamHub hub;
    node::NodeContext context;
    context.agentId = config.id;
    context.site = config.site;
    context.cluster = config.cluster;
    context.spoolDirectory = config.spoolDir.empty()
                                 ? std::filesystem::path(config.dataDir) / "spool"
                                 : std::filesystem::path(config.spoolDir);
    context.serverIdBase = config.serverIdBase;
    context.applyWorkers = static_cast<std::uint16_t>(config.applyWorkers);
    context.sessionTimeout = std::chrono::milliseconds(config.sessionTimeoutMs);
    context.peerCaFile = QString::fromStdString(config.tlsCa);
    context.peerPlainTcp = config.tlsCertificate.empty() && !config.tlsRequired;
    context.log = &log;
    context.hub = &hub;
    context.networkThreadObject = &networkThread;
    std::error_code ec;
    std::filesystem::create_directories(context.spoolDirectory, ec);
    if (ec) {
        log.error("cannot create " + context.spoolDirectory.string() + ": " + ec.message());
        return 1;
    }
    if (!config.authAgentTokenFile.empty()) {
        auto token = readFirstLine(config.authAgentTokenFile);
        if (!token.ok()) {
            log.error("[auth] agent_token_file: " + token.error().message);
            return 1;
        }
        context.peerToken = QString::fromStdString(*token);
    }
    if (!config.dataKeyFile.empty()) {
        auto box = security::loadSecretBox(config.dataKeyFile, config.previousDataKeyFiles);
        if (!box.ok()) {
            log.error("[secrets] data_key_file: " + box.error().message);
            return 1;
        }
        context.secrets.emplace(std::move(*box));
    }

    // The service API.
    server::ServerOptions options;
    options.self.kind = v1::PEER_KIND_AGENT;
    options.self.identity = config.id;
    options.self.cluster = config.cluster;
    options.self.site = config.site;
    options.self.softwareVersion = kVersion;
    if (!config.tlsCertificate.empty()) {
        auto tls = server::loadTlsSettings(
            QString::fromStdString(config.tlsCertificate), QString::fromStdString(config.tlsKey),
            config.authClientCertificates ? QString::fromStdString(config.tlsCa) : QString());
        if (!tls.ok()) {
            log.error("[tls]: " + tls.error().message);
            return 1;
        }
        options.tls = std::move(*tls);
        if (config.authClientCertificates) {
            options.certificateRole = [](const QSslCertificate& certificate,
                                         const server::PeerClaim&) -> Result<v1::Role> {
                auto identity =
                    security::identityFromCertificate(certificate.toPem().toStdString());
                if (!identity.ok()) {
                    return identity.error();
                }
                // Agent certificates carry no role: agents may stream and administer.
                return identity->role == v1::ROLE_UNSPECIFIED ? v1::ROLE_ADMIN : identity->role;
            };
        }
    } else if (config.tlsRequired) {
        log.error(
            "[tls] certificate is empty and [tls] required is true: give the agent its "
            "certificate ('ferryctl cert agent'), or set required = false for a local "
            "playground");
        return 1;
    } else {
        log.warning("serving WITHOUT TLS ([tls] required = false): for local playgrounds only");
        options.allowPlainTcp = true;
    }
    if (!config.authTokensFile.empty()) {
        auto store = security::TokenStore::load(config.authTokensFile);
        if (!store.ok()) {
            log.error("[auth] tokens_file: " + store.error().message);
            return 1;
        }
        options.authenticator = std::make_shared<TokenFileAuthenticator>(std::move(*store));
    }
    node::AgentService service(context);
    server::ServiceServer server(options, service);
    QHostAddress address(QString::fromStdString(config.listen.host));
    if (address.isNull()) {
        address = QHostAddress::Any;
    }
    if (auto listening = server.listen(address, config.listen.port); !listening.ok()) {
        log.error("cannot listen on " + config.listen.toString() + ": " +
                  listening.error().message);
        return 1;
    }
    log.info("serving the agent API on " + config.listen.host + ":" +
             std::to_string(server.port()));

    // ZooKeeper and the roles.
    v1::Agent me;
    me.set_id(config.id);
    me.set_site(config.site);
    // An advertised address with a port is used as given (e.g. a proxy in front of the agent).
    // Otherwise: an agent bound to loopback is reachable only there, whatever its host name.
    const bool explicitAdvertised = config.advertised.port != 0 && !config.advertised.host.empty();
    const bool loopback = address.isLoopback();
    const std::string advertisedHost = explicitAdvertised ? config.advertised.host
                                       : loopback || config.advertised.host.empty()
                                           ? config.listen.host
                                           : config.advertised.host;
    const std::uint16_t advertisedPort =
        explicitAdvertised ? config.advertised.port : server.port();
    me.set_address(advertisedHost + ":" + std::to_string(advertisedPort));
    me.set_version(kVersion);
    me.set_protocol_version(wire::kProtocolVersion);
    daemon::CoordinationOptions coordination;
    coordination.agent = me;
    node::NodeRoleFactory factory(context);
    coord::ZooKeeperOptions zk;
    zk.connect = config.zookeeperConnect;
    zk.chroot =
        config.zookeeperChroot.empty() ? "/ferry/" + config.cluster : config.zookeeperChroot;
    zk.sessionTimeout = std::chrono::milliseconds(config.sessionTimeoutMs);
    zk.connectTimeout = std::chrono::milliseconds(5000);
    daemon::CoordinationLoop loop(
        coordination,
        [zk]() -> Result<std::unique_ptr<coord::Keeper>> {
            FERRY_ASSIGN_OR_RETURN(auto keeper, coord::ZooKeeperKeeper::connect(zk));
            return std::unique_ptr<coord::Keeper>(std::move(keeper));
        },
        factory, log);
    context.keeper = [&loop] { return loop.keeper(); };

    // The Prometheus endpoint ([metrics] listen; off when empty).
    std::unique_ptr<metrics::HttpServer> metricsServer;
    if (!config.metricsListen.host.empty()) {
        const metrics::AgentIdentity identity{config.id, config.site, kVersion, kBuildId};
        auto state = [&loop] {
            metrics::AgentState now;
            const auto keeper = loop.keeper();
            const auto session = keeper ? keeper->state() : coord::SessionState::Connecting;
            now.zookeeperConnected = keeper && session == coord::SessionState::Connected;
            now.zookeeperState =
                keeper ? std::string(coord::sessionStateName(session)) : "no session";
            now.registered = loop.registered();
            now.configProblems = loop.problems().size();
            now.roles = loop.roles();
            return now;
        };
        metrics::HttpSources sources;
        sources.metrics = [identity, state] {
            return metrics::renderAgentMetrics(identity, state());
        };
        sources.health = [state] { return metrics::agentHealth(state()); };
        metricsServer = std::make_unique<metrics::HttpServer>(std::move(sources));
        if (auto listening =
                metricsServer->listen(config.metricsListen.host, config.metricsListen.port);
            !listening.ok()) {
            log.error("[metrics] listen: " + listening.error().message);
            return 1;
        }
        config::HostPort bound = config.metricsListen;
        bound.port = metricsServer->port();
        log.info("serving Prometheus metrics on http://" + bound.toString() + "/metrics");
    }
    loop.start();

    QSocketNotifier signals(g_signalPipe[0], QSocketNotifier::Read);
    QObject::connect(&signals, &QSocketNotifier::activated, [&] {
        char byte = 0;
        while (::read(g_signalPipe[0], &byte, 1) > 0) {
        }
        log.info("stopping (signal): draining roles");
        QCoreApplication::quit();
    });
    const int code = QCoreApplication::exec();
    // Roles stop from the coordination thread and use this thread's objects through blocking
    // calls, so keep processing events while the loop stops.
    std::atomic<bool> stopped{false};
    std::thread stopper([&] {
        loop.stop();
        stopped = true;
    });
    while (!stopped.load()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    }
    stopper.join();
    if (metricsServer) {
        metricsServer->close();
    }
    server.close();
    QCoreApplication::processEvents();
    log.info("stopped");
    return code;
}

}  // namespace ferry::app
