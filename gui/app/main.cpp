// SPDX-License-Identifier: Apache-2.0
// ferry-console: the DBA's desktop console.
#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

#include <string_view>

#include "client/connection_manager.h"
#include "ferry/version.h"
#include "widgets/main_window.h"

namespace {

void describe(QCoreApplication& app, QCommandLineParser& parser) {
    QCoreApplication::setApplicationName(QStringLiteral("ferry-console"));
    QCoreApplication::setOrganizationName(QStringLiteral("Ferry"));
    QCoreApplication::setApplicationVersion(
        QStringLiteral("%1 (build %2)")
            .arg(QLatin1String(ferry::kVersion), QLatin1String(ferry::kBuildId)));
    parser.setApplicationDescription(QStringLiteral(
        "Ferry console: connect to agents, design channels, map columns, watch latency."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.process(app);
}

// --help and --version must work on a headless host, where QApplication cannot start.
bool wantsTextOnly(int argc, char* argv[]) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg(argv[i]);
        if (arg == "-h" || arg == "--help" || arg == "-?" || arg == "--help-all" || arg == "-v" ||
            arg == "--version") {
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char* argv[]) {
    if (wantsTextOnly(argc, argv)) {
        QCoreApplication app(argc, argv);
        QCommandLineParser parser;
        describe(app, parser);  // prints and exits
        return 0;
    }
    QApplication app(argc, argv);
    QCommandLineParser parser;
    describe(app, parser);

    // Saved agent connections live in the user's settings (organization Ferry, ferry-console).
    QSettings settings;
    ferry::gui::ConnectionManager connections(&settings);
    ferry::gui::MainWindow window(connections);
    connections.load();
    window.show();
    return QApplication::exec();
}
