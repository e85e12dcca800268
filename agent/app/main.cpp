// SPDX-License-Identifier: Apache-2.0
// ferry-agent: the headless daemon that captures binlogs and applies changes.
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "daemon_main.h"
#include "ferry/config/agent_config.h"
#include "ferry/replicate/replicate_command.h"
#include "ferry/version.h"

int main(int argc, char* argv[]) {
    // `ferry-agent replicate ...`: the standalone one-way mode, without ZooKeeper or the event
    // loop (docs/replicate.md).
    if (argc >= 2 && std::strcmp(argv[1], "replicate") == 0) {
        return ferry::replicate::runReplicate(std::vector<std::string>(argv + 2, argv + argc),
                                              stdout, stderr);
    }
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ferry-agent"));
    QCoreApplication::setApplicationVersion(
        QStringLiteral("%1 (build %2)")
            .arg(QLatin1String(ferry::kVersion), QLatin1String(ferry::kBuildId)));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Ferry agent: captures the binlog of the MySQL/MariaDB servers of its site and applies\n"
        "changes from other sites, coordinated through ZooKeeper.\n\n"
        "Standalone one-way mode: ferry-agent replicate --source URL --target URL [options]\n"
        "(see 'ferry-agent replicate --help')."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
        QStringLiteral("config"), QStringLiteral("Agent configuration file (TOML)."),
        QStringLiteral("file"), QStringLiteral("/etc/ferry/agent.toml"));
    const QCommandLineOption checkConfigOption(
        QStringLiteral("check-config"), QStringLiteral("Validate the configuration and exit."));
    parser.addOption(configOption);
    parser.addOption(checkConfigOption);
    parser.process(app);

    const std::string path = parser.value(configOption).toStdString();
    auto config = ferry::config::loadAgentConfig(path);
    if (!config.ok()) {
        std::fprintf(stderr, "ferry-agent: %s\n", config.error().message.c_str());
        return 1;
    }
    if (parser.isSet(checkConfigOption)) {
        const auto problems = ferry::config::checkAgentConfigEnvironment(*config);
        std::fputs(config->describe().c_str(), stdout);
        for (const auto& problem : problems) {
            std::fprintf(stderr, "ferry-agent: %s: %s\n", path.c_str(), problem.c_str());
        }
        if (!problems.empty()) {
            return 1;
        }
        std::printf("%s: configuration is valid\n", path.c_str());
        return 0;
    }
    const auto problems = ferry::config::checkAgentConfigEnvironment(*config);
    for (const auto& problem : problems) {
        std::fprintf(stderr, "ferry-agent: %s: %s\n", path.c_str(), problem.c_str());
    }
    if (!problems.empty()) {
        return 1;
    }
    return ferry::app::runDaemon(*config);
}
