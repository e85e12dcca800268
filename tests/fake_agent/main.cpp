// SPDX-License-Identifier: Apache-2.0
// ferry-fake-agent: a fake cluster of two agents (hz-agent1 on --port, us-agent1 on --port + 1)
// speaking the real agent protocol with made-up data, for manual console runs and screenshots.
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDateTime>
#include <QTextStream>

#include <memory>

#include "fake_agent_server.h"

int main(int argc, char* argv[]) {
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("ferry-fake-agent"));
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "A fake Ferry cluster (sites hz and us, one agent each) for console tests and "
        "screenshots. Plain TCP unless --cert and --key are given. Tokens: admin-token, "
        "operator-token, viewer-token."));
    parser.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("Port of hz-agent1; us-agent1 takes port + 1."),
                                  QStringLiteral("N"), QStringLiteral("7450"));
    const QCommandLineOption pipelines(QStringLiteral("pipelines"),
                                       QStringLiteral("Number of pipelines (2 per channel)."),
                                       QStringLiteral("N"), QStringLiteral("2"));
    const QCommandLineOption cluster(QStringLiteral("cluster"), QStringLiteral("Cluster name."),
                                     QStringLiteral("NAME"), QStringLiteral("default"));
    const QCommandLineOption cert(QStringLiteral("cert"),
                                  QStringLiteral("PEM certificate: serve TLS."),
                                  QStringLiteral("FILE"));
    const QCommandLineOption key(QStringLiteral("key"), QStringLiteral("PEM private key."),
                                 QStringLiteral("FILE"));
    parser.addOptions({port, pipelines, cluster, cert, key});
    parser.process(app);

    QTextStream err(stderr);
    bool ok = false;
    const uint basePort = parser.value(port).toUInt(&ok);
    if (!ok || basePort == 0 || basePort > 65534) {
        err << "ferry-fake-agent: --port must be 1..65534\n";
        return 2;
    }
    const int count = parser.value(pipelines).toInt(&ok);
    if (!ok || count < 0 || count > 100000) {
        err << "ferry-fake-agent: --pipelines must be 0..100000\n";
        return 2;
    }
    if (parser.isSet(cert) != parser.isSet(key)) {
        err << "ferry-fake-agent: give both --cert and --key, or neither\n";
        return 2;
    }

    ferry::testing::FakeCluster fake({count, parser.value(cluster).toStdString()},
                                     [] { return QDateTime::currentMSecsSinceEpoch(); });
    std::vector<std::unique_ptr<ferry::testing::FakeAgentServer>> servers;
    quint16 next = static_cast<quint16>(basePort);
    for (const char* id : {"hz-agent1", "us-agent1"}) {
        ferry::testing::FakeAgentServer::Options options;
        options.agentId = id;
        options.certificateFile = parser.value(cert);
        options.keyFile = parser.value(key);
        auto server = std::make_unique<ferry::testing::FakeAgentServer>(fake, options);
        if (!server->listen(QHostAddress::LocalHost, next)) {
            err << "ferry-fake-agent: cannot listen on 127.0.0.1:" << next << ": "
                << server->errorString() << "\n";
            return 3;
        }
        QTextStream(stdout) << id << " listening on 127.0.0.1:" << next
                            << (parser.isSet(cert) ? " (TLS)" : " (plain TCP)") << "\n";
        servers.push_back(std::move(server));
        ++next;
    }
    return QCoreApplication::exec();
}
