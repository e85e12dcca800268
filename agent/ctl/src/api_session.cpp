// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/api_session.h"

#include <QEventLoop>
#include <QFile>
#include <QTimer>

#include <charconv>
#include <cstdlib>
#include <optional>

#include "ferry/ctl/binlog_dump_command.h"

namespace ferry::ctl {

namespace {

Error usage(std::string message) {
    return makeError(ErrorCode::InvalidArgument, std::move(message));
}

std::string envOr(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace

void addConnectionOptions(ArgSpec& spec) {
    for (const char* name :
         {"agent", "token-env", "token-file", "ca", "fingerprint", "cluster", "timeout-ms"}) {
        spec.values.insert(name);
    }
    spec.switches.insert("insecure-plaintext");
}

std::string_view connectionOptionsHelp() {
    return "Connection:\n"
           "  --agent HOST:PORT       the agent to ask (default $FERRY_AGENT, else "
           "127.0.0.1:7400)\n"
           "  --token-env NAME        read the bearer token from this environment variable\n"
           "                          (default FERRY_TOKEN)\n"
           "  --token-file PATH       read the bearer token from this file\n"
           "  --ca PATH               trust agents whose certificate this CA (PEM) signed\n"
           "  --fingerprint SHA256    trust the agent whose certificate has this fingerprint\n"
           "  --insecure-plaintext    plain TCP, no TLS: local playgrounds and tests only\n"
           "  --cluster NAME          the cluster the agent must belong to (default default)\n"
           "  --timeout-ms N          how long to wait for the agent (default 10000)\n"
           "Exit codes: 0 ok, 1 the operation failed, 2 usage, 3 cannot connect, 4 refused.\n";
}

Result<client::Endpoint> endpointFromArgs(const ArgList& args) {
    client::Endpoint endpoint;
    const std::string address = args.valueOr("agent", envOr("FERRY_AGENT", kDefaultAgent));
    auto parsed = client::parseAddress(QString::fromStdString(address));
    if (!parsed.ok()) {
        return usage("--agent " + address + ": " + parsed.error().message);
    }
    endpoint.host = parsed->first;
    endpoint.port = parsed->second;
    endpoint.cluster = QString::fromStdString(args.valueOr("cluster", "default"));
    endpoint.user = QString::fromStdString(envOr("USER", "ferryctl"));

    if (args.has("token-env") && args.has("token-file")) {
        return usage("give --token-env or --token-file, not both");
    }
    if (auto file = args.value("token-file")) {
        QFile in(QString::fromStdString(*file));
        if (!in.open(QIODevice::ReadOnly)) {
            return usage("--token-file " + *file + ": " + in.errorString().toStdString());
        }
        endpoint.token = QString::fromUtf8(in.readAll()).trimmed();
        if (endpoint.token.isEmpty()) {
            return usage("--token-file " + *file + " is empty; put the bearer token in it");
        }
    } else {
        const std::string variable = args.valueOr("token-env", "FERRY_TOKEN");
        const char* token = std::getenv(variable.c_str());
        if (args.has("token-env") && (token == nullptr || *token == '\0')) {
            return usage("--token-env " + variable + ": the environment variable is not set");
        }
        endpoint.token = token != nullptr ? QString::fromUtf8(token).trimmed() : QString();
    }

    if (auto ca = args.value("ca")) {
        endpoint.caFile = QString::fromStdString(*ca);
    }
    if (auto fingerprint = args.value("fingerprint")) {
        auto pin = client::parseFingerprint(QString::fromStdString(*fingerprint));
        if (!pin.ok()) {
            return usage("--fingerprint: " + pin.error().message);
        }
        endpoint.pinnedSha256 = *pin;
    }
    endpoint.plainTcp = args.has("insecure-plaintext");
    if (endpoint.plainTcp && (args.has("ca") || args.has("fingerprint"))) {
        return usage(
            "--insecure-plaintext turns TLS off; do not combine it with --ca or "
            "--fingerprint");
    }
    if (auto valid = endpoint.validate(); !valid.ok()) {
        return usage(valid.error().message +
                     " (give --ca or --fingerprint; --insecure-plaintext for a local playground)");
    }
    return endpoint;
}

Result<std::chrono::milliseconds> timeoutFromArgs(const ArgList& args) {
    const std::string text = args.valueOr("timeout-ms", "10000");
    long long ms = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || ptr != text.data() + text.size() || ms <= 0 || ms > 3'600'000) {
        return usage("--timeout-ms must be a number of milliseconds from 1 to 3600000, not '" +
                     text + "'");
    }
    return std::chrono::milliseconds(ms);
}

ApiSession::ApiSession(client::Endpoint endpoint, std::chrono::milliseconds timeout)
    : m_endpoint(std::move(endpoint)),
      m_timeout(timeout),
      m_client(std::make_unique<client::AgentClient>()) {
    m_client->setClientKind(ferry::v1::PEER_KIND_FERRYCTL);
    m_client->setDefaultTimeout(timeout);
    m_client->setConnectTimeout(timeout);
    m_client->setKeepAlive(std::chrono::milliseconds(0));
}

ApiSession::~ApiSession() {
    m_client->close();
}

Status ApiSession::connect() {
    if (auto set = m_client->setEndpoint(m_endpoint); !set.ok()) {
        return set;
    }
    QEventLoop loop;
    std::optional<Status> outcome;
    const auto settle = [&](client::ConnectionState state, const QString& text) {
        if (outcome) {
            return;
        }
        switch (state) {
            case client::ConnectionState::Connected:
                outcome = okStatus();
                break;
            case client::ConnectionState::Refused:
                outcome = makeError(ErrorCode::PermissionDenied, text.toStdString());
                break;
            case client::ConnectionState::Error:
                outcome = makeError(ErrorCode::Unavailable, text.toStdString());
                break;
            default:
                return;
        }
        loop.quit();
    };
    const auto connection =
        QObject::connect(m_client.get(), &client::AgentClient::stateChanged, &loop, settle);
    QTimer deadline;
    deadline.setSingleShot(true);
    QObject::connect(&deadline, &QTimer::timeout, &loop, [&] {
        if (!outcome) {
            outcome = makeError(ErrorCode::Unavailable,
                                "no answer from " + m_endpoint.address().toStdString() +
                                    " within " + std::to_string(m_timeout.count()) + " ms");
        }
        loop.quit();
    });
    deadline.start(m_timeout + std::chrono::milliseconds(500));
    m_client->open();
    settle(m_client->state(), m_client->statusText());
    if (!outcome) {
        loop.exec();
    }
    QObject::disconnect(connection);
    if (!outcome->ok()) {
        m_client->close();
        std::string text = outcome->error().message;
        // The client's status text ends with its retry plan; ferryctl does not retry.
        if (const auto retry = text.rfind("; retrying in"); retry != std::string::npos) {
            text.resize(retry);
        }
        return makeError(outcome->error().code, text);
    }
    return okStatus();
}

Result<ferry::v1::Response> ApiSession::call(const ferry::v1::Request& request) {
    QEventLoop loop;
    std::optional<Result<ferry::v1::Response>> answer;
    m_client->send(
        request,
        [&](Result<ferry::v1::Response> result) {
            answer.emplace(std::move(result));
            loop.quit();
        },
        m_timeout);
    if (!answer) {
        loop.exec();
    }
    return std::move(*answer);
}

Status ApiSession::watch(const ferry::v1::SubscribeRequest& request,
                         const std::function<bool(const ferry::v1::Response&)>& onAnswer,
                         const std::function<bool(const ferry::v1::Push&)>& onPush,
                         const std::function<bool()>& stopRequested) {
    QEventLoop loop;
    std::optional<Status> outcome;
    const auto finish = [&](Status status) {
        if (!outcome) {
            outcome = std::move(status);
        }
        loop.quit();
    };
    const auto handle = m_client->subscribe(
        request,
        [&](const ferry::v1::Push& push) {
            if (!outcome && !onPush(push)) {
                finish(okStatus());
            }
        },
        [&](Result<ferry::v1::Response> answer) {
            if (outcome) {
                return;
            }
            if (!answer.ok()) {
                finish(std::move(answer).error());
            } else if (!onAnswer(*answer)) {
                finish(okStatus());
            }
        });
    const auto lost =
        QObject::connect(m_client.get(), &client::AgentClient::stateChanged, &loop,
                         [&](client::ConnectionState state, const QString& text) {
                             if (state != client::ConnectionState::Connected &&
                                 state != client::ConnectionState::Connecting) {
                                 finish(makeError(ErrorCode::Unavailable, text.toStdString()));
                             }
                         });
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (stopRequested()) {
            finish(okStatus());
        }
    });
    poll.start(100);
    if (!outcome) {
        loop.exec();
    }
    QObject::disconnect(lost);
    m_client->unsubscribe(handle);
    return std::move(*outcome);
}

int exitCodeForCall(const Error& error) {
    return error.code == ErrorCode::PermissionDenied ? exit_code::kRefused : exit_code::kFailed;
}

int exitCodeForConnect(const Error& error) {
    switch (error.code) {
        case ErrorCode::PermissionDenied:
            return exit_code::kRefused;
        case ErrorCode::InvalidArgument:
            return exit_code::kUsage;
        default:
            return exit_code::kCannotConnect;
    }
}

}  // namespace ferry::ctl
