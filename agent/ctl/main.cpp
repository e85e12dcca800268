// SPDX-License-Identifier: Apache-2.0
// ferryctl: the command-line client of the agent API (ferryctl <noun> <verb> [args]).
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ferry/compare/compare_command.h"
#include "ferry/ctl/api_commands.h"
#include "ferry/ctl/binlog_dump_command.h"
#include "ferry/preflight/preflight_command.h"
#include "ferry/security/cert_command.h"
#include "ferry/version.h"

namespace {

// Commands that run without the Qt event loop (no agent connection).
int runLocalCommand(int argc, char* argv[], bool& handled) {
    handled = false;
    if (argc >= 3 && std::strcmp(argv[1], "binlog") == 0 && std::strcmp(argv[2], "dump") == 0) {
        handled = true;
        static char buffer[1 << 20];
        std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
        return ferry::ctl::runBinlogDump(std::vector<std::string>(argv + 3, argv + argc), stdout,
                                         stderr);
    }
    // Commands of other libraries that work without an agent.
    if (argc >= 2) {
        const std::vector<std::string> args(argv + 2, argv + argc);
        if (std::strcmp(argv[1], "preflight") == 0) {
            handled = true;
            return ferry::preflight::runPreflightCommand(args, stdout, stderr);
        }
        if (std::strcmp(argv[1], "cert") == 0) {
            handled = true;
            return ferry::security::runCertCommand(args, stdout, stderr);
        }
        if (std::strcmp(argv[1], "compare") == 0) {
            handled = true;
            return ferry::compare::runCompareCommand(args, stdout, stderr);
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    bool handled = false;
    const int code = runLocalCommand(argc, argv, handled);
    if (handled) {
        return code;
    }

    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ferryctl"));
    QCoreApplication::setApplicationVersion(
        QStringLiteral("%1 (build %2)")
            .arg(QLatin1String(ferry::kVersion), QLatin1String(ferry::kBuildId)));

    if (argc >= 2 && ferry::ctl::isApiCommand(argv[1])) {
        return ferry::ctl::runApiCommand(std::vector<std::string>(argv + 1, argv + argc), stdout,
                                         stderr);
    }

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Ferry command-line client: ferryctl <noun> <verb> [args]\n\n"
                       "Commands (each has --help):\n"
                       "  binlog dump                 print a binlog's row changes or events\n"
                       "  preflight                   check a data source (and its peer) before "
                       "replicating\n"
                       "  compare                     compare tables of two data sources by "
                       "chunked checksums\n"
                       "  cert                        cluster CA, agent and client certificates, "
                       "tokens, data key\n") +
        QString::fromUtf8(ferry::ctl::apiCommandsHelp().data(),
                          static_cast<qsizetype>(ferry::ctl::apiCommandsHelp().size())));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("noun"), QStringLiteral("What to act on."));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("What to do."));
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        std::fprintf(stderr, "ferryctl: missing command; see 'ferryctl --help'\n");
        return ferry::ctl::exit_code::kUsage;
    }
    std::fprintf(stderr, "ferryctl: unknown command '%s'; see 'ferryctl --help'\n",
                 qPrintable(args.join(QLatin1Char(' '))));
    return ferry::ctl::exit_code::kUsage;
}
