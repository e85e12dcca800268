// SPDX-License-Identifier: Apache-2.0
// ferryctl: the command-line client of the agent API (ferryctl <noun> <verb> [args]).
#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>

#include "ferry/version.h"

namespace {

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ferryctl"));
    QCoreApplication::setApplicationVersion(
        QStringLiteral("%1 (build %2)")
            .arg(QLatin1String(ferry::kVersion), QLatin1String(ferry::kBuildId)));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Ferry command-line client: ferryctl <noun> <verb> [args]"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("noun"), QStringLiteral("What to act on."));
    parser.addPositionalArgument(QStringLiteral("verb"), QStringLiteral("What to do."));
    parser.process(app);

    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        std::fprintf(stderr, "ferryctl: missing command; see 'ferryctl --help'\n");
        return kExitUsage;
    }
    std::fprintf(stderr, "ferryctl: unknown command '%s'; see 'ferryctl --help'\n",
                 qPrintable(args.join(QLatin1Char(' '))));
    return kExitUsage;
}
