// SPDX-License-Identifier: Apache-2.0
#include "ferry/client/agent_client.h"

#include <QCryptographicHash>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QTimer>

#include <algorithm>
#include <utility>

#include "ferry/version.h"
#include "ferry/wire/names.h"

namespace ferry::client {

namespace {

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

QString seconds(std::chrono::milliseconds ms) {
    const double s = static_cast<double>(ms.count()) / 1000.0;
    return s < 10 ? QString::number(s, 'g', 2) + QStringLiteral(" s")
                  : QString::number(qRound(s)) + QStringLiteral(" s");
}

ErrorCode errorCodeOf(ferry::v1::ServiceErrorCode code) {
    switch (code) {
        case ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT:
        case ferry::v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION:
            return ErrorCode::InvalidArgument;
        case ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND:
            return ErrorCode::NotFound;
        case ferry::v1::SERVICE_ERROR_CODE_CONFLICT:
        case ferry::v1::SERVICE_ERROR_CODE_ALREADY_EXISTS:
            return ErrorCode::Conflict;
        case ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED:
            return ErrorCode::PermissionDenied;
        case ferry::v1::SERVICE_ERROR_CODE_UNAVAILABLE:
            return ErrorCode::Unavailable;
        case ferry::v1::SERVICE_ERROR_CODE_UNSUPPORTED:
            return ErrorCode::Unsupported;
        default:
            return ErrorCode::Internal;
    }
}

std::string joinHint(const std::string& message, const std::string& hint) {
    return hint.empty() ? message : message + "; " + hint;
}

}  // namespace

QString connectionStateName(ConnectionState state) {
    switch (state) {
        case ConnectionState::Disconnected:
            return QStringLiteral("disconnected");
        case ConnectionState::Connecting:
            return QStringLiteral("connecting");
        case ConnectionState::Connected:
            return QStringLiteral("connected");
        case ConnectionState::Refused:
            return QStringLiteral("refused");
        case ConnectionState::Error:
            return QStringLiteral("error");
    }
    return QStringLiteral("unknown");
}

AgentClient::AgentClient(QObject* parent)
    : QObject(parent),
      m_retryTimer(new QTimer(this)),
      m_connectTimer(new QTimer(this)),
      m_keepAliveTimer(new QTimer(this)) {
    m_retryTimer->setSingleShot(true);
    connect(m_retryTimer, &QTimer::timeout, this, &AgentClient::startAttempt);
    m_connectTimer->setSingleShot(true);
    connect(m_connectTimer, &QTimer::timeout, this, [this] {
        dropConnection(
            ConnectionState::Error,
            tr("no answer from %1 within %2").arg(currentAddress(), seconds(m_connectTimeout)),
            true);
    });
    connect(m_keepAliveTimer, &QTimer::timeout, this, &AgentClient::onKeepAliveTick);
}

AgentClient::~AgentClient() {
    // Handlers are dropped, not called: their owners may be half destroyed already.
    m_open = false;
    if (m_socket != nullptr) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
}

Status AgentClient::setEndpoint(const Endpoint& endpoint) {
    FERRY_TRY(endpoint.validate());
    m_endpoint = endpoint;
    m_addressIndex = 0;
    return okStatus();
}

void AgentClient::setAlternateAddresses(const QList<QPair<QString, quint16>>& addresses) {
    m_alternates = addresses;
    if (m_addressIndex > m_alternates.size()) {
        m_addressIndex = 0;
    }
}

QString AgentClient::currentAddress() const {
    if (m_addressIndex == 0 || m_addressIndex > m_alternates.size()) {
        return m_endpoint.address();
    }
    Endpoint e = m_endpoint;
    e.host = m_alternates[m_addressIndex - 1].first;
    e.port = m_alternates[m_addressIndex - 1].second;
    return e.address();
}

void AgentClient::open() {
    if (auto valid = m_endpoint.validate(); !valid.ok()) {
        m_open = false;
        setState(ConnectionState::Refused, qs(valid.error().message));
        return;
    }
    m_open = true;
    m_nextDelay = m_backoff.initial;
    if (m_state == ConnectionState::Connected) {
        return;
    }
    m_retryTimer->stop();
    startAttempt();
}

void AgentClient::close() {
    const bool wasActive = m_open || m_socket != nullptr;
    m_open = false;
    m_retryTimer->stop();
    if (wasActive || m_state != ConnectionState::Disconnected) {
        dropConnection(ConnectionState::Disconnected, tr("disconnected"), false);
    }
}

void AgentClient::startAttempt() {
    if (!m_open) {
        return;
    }
    if (m_socket != nullptr) {
        ++m_generation;
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    QString host = m_endpoint.host;
    quint16 port = m_endpoint.port;
    if (m_addressIndex > 0 && m_addressIndex <= m_alternates.size()) {
        host = m_alternates[m_addressIndex - 1].first;
        port = m_alternates[m_addressIndex - 1].second;
    }
    m_handshakeDone = false;
    m_reader = ferry::wire::FrameReader();
    m_writer = ferry::wire::FrameWriter();
    m_session = ferry::wire::Session{};

    m_socket = new QSslSocket(this);
    const std::uint64_t generation = ++m_generation;
    connect(m_socket, &QSslSocket::readyRead, this, &AgentClient::onReadyRead);
    connect(m_socket, &QAbstractSocket::disconnected, this, [this, generation] {
        if (generation == m_generation) {
            onSocketGone(tr("the agent closed the connection"));
        }
    });
    connect(m_socket, &QAbstractSocket::errorOccurred, this,
            [this, generation](QAbstractSocket::SocketError) {
                if (generation == m_generation && m_socket != nullptr) {
                    onSocketGone(m_socket->errorString());
                }
            });
    setState(ConnectionState::Connecting, tr("connecting to %1").arg(currentAddress()));
    m_connectTimer->start(m_connectTimeout);

    if (m_endpoint.plainTcp) {
        connect(m_socket, &QAbstractSocket::connected, this, &AgentClient::onSocketReady);
        m_socket->connectToHost(host, port);
        return;
    }

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setProtocol(QSsl::TlsV1_2OrLater);
    tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    if (!m_endpoint.caFile.isEmpty()) {
        const auto cas = QSslCertificate::fromPath(m_endpoint.caFile, QSsl::Pem);
        if (cas.isEmpty()) {
            dropConnection(ConnectionState::Refused,
                           tr("the CA file %1 holds no PEM certificate; give the cluster CA "
                              "(ferryctl cert) or pin the agent's fingerprint")
                               .arg(m_endpoint.caFile),
                           false);
            return;
        }
        tls.setCaCertificates(cas);
    }
    m_socket->setSslConfiguration(tls);
    connect(m_socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
        // With a pin and no CA, the pin is the whole trust: chain errors are expected.
        if (m_socket == nullptr || m_endpoint.pinnedSha256.isEmpty() ||
            !m_endpoint.caFile.isEmpty()) {
            return;
        }
        const auto digest = m_socket->peerCertificate().digest(QCryptographicHash::Sha256);
        if (digest == m_endpoint.pinnedSha256) {
            m_socket->ignoreSslErrors(errors);
            return;
        }
        dropConnection(ConnectionState::Refused, pinMismatch(digest), false);
    });
    connect(m_socket, &QSslSocket::encrypted, this, [this] {
        if (!m_endpoint.pinnedSha256.isEmpty()) {
            const auto digest = m_socket->peerCertificate().digest(QCryptographicHash::Sha256);
            if (digest != m_endpoint.pinnedSha256) {
                dropConnection(ConnectionState::Refused, pinMismatch(digest), false);
                return;
            }
        }
        onSocketReady();
    });
    m_socket->connectToHostEncrypted(host, port, host);
}

QString AgentClient::pinMismatch(const QByteArray& digest) const {
    return tr("the certificate of %1 has SHA-256 fingerprint %2, not the pinned %3; check you "
              "reach the right agent, then update the pin")
        .arg(currentAddress(), formatFingerprint(digest),
             formatFingerprint(m_endpoint.pinnedSha256));
}

void AgentClient::onSocketReady() {
    m_local = ferry::wire::LocalPeer{};
    m_local.kind = m_clientKind;
    m_local.identity =
        (m_endpoint.user.isEmpty() ? qEnvironmentVariable("USER", QStringLiteral("console"))
                                   : m_endpoint.user)
            .toStdString();
    m_local.cluster = m_endpoint.cluster.toStdString();
    m_local.site = m_site;
    m_local.softwareVersion = std::string(ferry::kVersion) + "+" + ferry::kBuildId;
    m_hello = ferry::wire::makeHello(
        m_local, m_endpoint.token.isEmpty()
                     ? std::nullopt
                     : std::optional<std::string>(m_endpoint.token.toStdString()));
    std::string payload;
    m_hello.SerializeToString(&payload);
    writeFrame(0, ferry::v1::FRAME_KIND_HELLO, payload);
    m_sinceLastReceived.start();
}

void AgentClient::onReadyRead() {
    if (m_socket == nullptr) {
        return;
    }
    const std::uint64_t generation = m_generation;
    const QByteArray bytes = m_socket->readAll();
    m_sinceLastReceived.start();
    const auto fed = m_reader.feed(std::string_view(bytes.constData(), bytes.size()));
    while (generation == m_generation) {
        auto message = m_reader.nextMessage();
        if (!message) {
            break;
        }
        handleMessage(std::move(*message));
    }
    if (generation == m_generation && !fed.ok()) {
        std::string out;
        if (m_writer.writeMessage(0, ferry::v1::FRAME_KIND_ERROR, m_reader.wireError(), out).ok()) {
            m_socket->write(out.data(), static_cast<qint64>(out.size()));
            m_socket->flush();
        }
        dropConnection(ConnectionState::Error,
                       tr("bad frame from %1: %2").arg(currentAddress(), qs(fed.error().message)),
                       true);
    }
}

void AgentClient::handleMessage(ferry::wire::WireMessage message) {
    if (!m_handshakeDone) {
        if (message.kind == ferry::v1::FRAME_KIND_HELLO_REPLY) {
            handleHelloReply(message.payload);
        } else if (message.kind == ferry::v1::FRAME_KIND_ERROR) {
            handleError(0, message.payload);
        } else {
            dropConnection(ConnectionState::Error,
                           tr("%1 sent a %2 frame before answering the Hello; is it a Ferry "
                              "agent?")
                               .arg(currentAddress(), qs(ferry::wire::frameKindName(message.kind))),
                           true);
        }
        return;
    }
    switch (message.kind) {
        case ferry::v1::FRAME_KIND_RESPONSE:
            handleResponse(message.requestId, message.payload);
            break;
        case ferry::v1::FRAME_KIND_PUSH:
            handlePush(message.requestId, message.payload);
            break;
        case ferry::v1::FRAME_KIND_ERROR:
            handleError(message.requestId, message.payload);
            break;
        case ferry::v1::FRAME_KIND_PING:
            writeFrame(message.requestId, ferry::v1::FRAME_KIND_PONG, message.payload);
            break;
        case ferry::v1::FRAME_KIND_PONG:
            break;
        default:
            dropConnection(ConnectionState::Error,
                           tr("%1 sent an unexpected %2 frame")
                               .arg(currentAddress(), qs(ferry::wire::frameKindName(message.kind))),
                           true);
    }
}

void AgentClient::handleHelloReply(const std::string& payload) {
    ferry::v1::HelloReply reply;
    if (!reply.ParseFromString(payload)) {
        dropConnection(ConnectionState::Error,
                       tr("%1 sent a HelloReply that does not parse; is it a Ferry agent?")
                           .arg(currentAddress()),
                       true);
        return;
    }
    auto session = ferry::wire::checkHelloReply(m_local, m_hello, reply);
    if (!session.ok()) {
        const bool refused = session.error().code == ErrorCode::PermissionDenied ||
                             session.error().code == ErrorCode::Unsupported;
        dropConnection(refused ? ConnectionState::Refused : ConnectionState::Error,
                       tr("refused by %1: %2").arg(currentAddress(), qs(session.error().message)),
                       !refused);
        return;
    }
    m_session = std::move(session).value();
    auto writer = ferry::wire::FrameWriter::create(m_session.sendLimits);
    if (writer.ok()) {
        m_writer = std::move(writer).value();
    }
    m_handshakeDone = true;
    m_connectTimer->stop();
    m_nextDelay = m_backoff.initial;
    if (m_keepAlive.count() > 0) {
        m_keepAliveTimer->start(
            std::max<std::chrono::milliseconds>(m_keepAlive / 2, std::chrono::milliseconds(10)));
    }
    setState(ConnectionState::Connected, tr("connected to %1 (%2) as %3")
                                             .arg(qs(m_session.peerIdentity), currentAddress(),
                                                  qs(ferry::wire::roleName(m_session.role))));
    renewSubscriptions();
    emit connected();
}

void AgentClient::handleResponse(std::uint64_t requestId, const std::string& payload) {
    auto it = m_pending.find(requestId);
    if (it == m_pending.end()) {
        return;  // timed out or cancelled already
    }
    Pending pending = std::move(it->second);
    m_pending.erase(it);
    if (pending.timer) {
        pending.timer->deleteLater();
    }
    ferry::v1::Response response;
    if (!response.ParseFromString(payload)) {
        if (pending.handler) {
            pending.handler(makeError(ErrorCode::Corrupt,
                                      "the response to request " + std::to_string(requestId) +
                                          " from " + currentAddress().toStdString() +
                                          " does not parse; the agent may be of another version"));
        }
        return;
    }
    if (response.has_error()) {
        if (pending.subscription != 0) {
            m_subscriptionByRequest.erase(requestId);
            if (auto sub = m_subscriptions.find(pending.subscription);
                sub != m_subscriptions.end()) {
                sub->second.requestId = 0;
                if (!sub->second.renew) {
                    const auto& e = response.error();
                    endStream(pending.subscription,
                              makeError(errorCodeOf(e.code()), joinHint(e.message(), e.hint())));
                }
            }
        }
        if (pending.handler) {
            const auto& e = response.error();
            pending.handler(makeError(errorCodeOf(e.code()), joinHint(e.message(), e.hint())));
        }
        return;
    }
    if (pending.handler) {
        pending.handler(std::move(response));
    }
}

void AgentClient::handlePush(std::uint64_t requestId, const std::string& payload) {
    auto it = m_subscriptionByRequest.find(requestId);
    if (it == m_subscriptionByRequest.end()) {
        return;  // a push racing our cancel
    }
    auto sub = m_subscriptions.find(it->second);
    if (sub == m_subscriptions.end()) {
        return;
    }
    ferry::v1::Push push;
    if (!push.ParseFromString(payload)) {
        return;  // one bad event must not end the subscription; the next status replaces it
    }
    if (sub->second.onPush) {
        const PushHandler handler = sub->second.onPush;  // the handler may unsubscribe
        handler(push);
    }
}

void AgentClient::handleError(std::uint64_t requestId, const std::string& payload) {
    ferry::v1::WireError error;
    const bool parsed = error.ParseFromString(payload);
    const std::string text =
        parsed ? joinHint(error.message(), error.hint()) : "an error frame that does not parse";
    if (requestId == 0) {
        const bool refused =
            parsed && (error.code() == ferry::v1::WIRE_ERROR_CODE_UNAUTHENTICATED ||
                       error.code() == ferry::v1::WIRE_ERROR_CODE_PERMISSION_DENIED ||
                       error.code() == ferry::v1::WIRE_ERROR_CODE_WRONG_CLUSTER ||
                       error.code() == ferry::v1::WIRE_ERROR_CODE_PROTOCOL_VERSION_MISMATCH);
        dropConnection(refused ? ConnectionState::Refused : ConnectionState::Error,
                       tr("%1 closed the connection: %2").arg(currentAddress(), qs(text)),
                       !refused);
        return;
    }
    auto it = m_pending.find(requestId);
    if (it == m_pending.end()) {
        if (auto sub = m_subscriptionByRequest.find(requestId);
            sub != m_subscriptionByRequest.end()) {
            endStream(sub->second, makeError(ErrorCode::Unavailable, text));
        }
        return;
    }
    Pending pending = std::move(it->second);
    m_pending.erase(it);
    if (pending.timer) {
        pending.timer->deleteLater();
    }
    if (pending.subscription != 0) {
        m_subscriptionByRequest.erase(requestId);
        if (auto sub = m_subscriptions.find(pending.subscription);
            sub != m_subscriptions.end() && !sub->second.renew) {
            endStream(pending.subscription, makeError(ErrorCode::Unavailable, text));
        }
    }
    if (pending.handler) {
        pending.handler(makeError(ErrorCode::Unavailable, text));
    }
}

void AgentClient::writeFrame(std::uint64_t requestId, ferry::v1::FrameKind kind,
                             const std::string& payload) {
    if (m_socket == nullptr) {
        return;
    }
    std::string out;
    if (!m_writer.write(requestId, kind, payload, out).ok()) {
        return;
    }
    m_socket->write(out.data(), static_cast<qint64>(out.size()));
}

std::uint64_t AgentClient::send(const ferry::v1::Request& request, ResponseHandler handler,
                                std::optional<std::chrono::milliseconds> timeout) {
    if (request.operation_case() == ferry::v1::Request::OPERATION_NOT_SET) {
        completeLater(std::move(handler),
                      makeError(ErrorCode::InvalidArgument, "the request names no operation"));
        return 0;
    }
    if (m_state != ConnectionState::Connected) {
        completeLater(std::move(handler),
                      makeError(ErrorCode::Unavailable,
                                "not connected to an agent (" + m_statusText.toStdString() + ")"));
        return 0;
    }
    return sendNow(request, Pending{std::move(handler), nullptr, 0},
                   timeout.value_or(m_defaultTimeout));
}

std::uint64_t AgentClient::sendNow(const ferry::v1::Request& request, Pending pending,
                                   std::chrono::milliseconds timeout) {
    const std::uint64_t id = m_nextRequestId++;
    std::string payload;
    request.SerializeToString(&payload);
    std::string out;
    if (auto written = m_writer.write(id, ferry::v1::FRAME_KIND_REQUEST, payload, out);
        !written.ok()) {
        completeLater(std::move(pending.handler), written.error());
        return 0;
    }
    m_socket->write(out.data(), static_cast<qint64>(out.size()));
    auto* timer = new QTimer(this);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [this, id] { timeoutRequest(id); });
    timer->start(timeout);
    pending.timer = timer;
    m_pending.emplace(id, std::move(pending));
    return id;
}

void AgentClient::timeoutRequest(std::uint64_t requestId) {
    auto it = m_pending.find(requestId);
    if (it == m_pending.end()) {
        return;
    }
    Pending pending = std::move(it->second);
    m_pending.erase(it);
    if (pending.timer) {
        pending.timer->deleteLater();
    }
    writeFrame(requestId, ferry::v1::FRAME_KIND_CANCEL, {});
    if (pending.subscription != 0) {
        m_subscriptionByRequest.erase(requestId);
        if (auto sub = m_subscriptions.find(pending.subscription); sub != m_subscriptions.end()) {
            sub->second.requestId = 0;
        }
    }
    if (pending.handler) {
        pending.handler(makeError(ErrorCode::Unavailable,
                                  "request " + std::to_string(requestId) + " to " +
                                      currentAddress().toStdString() +
                                      " got no answer in time; the agent may be overloaded"));
    }
}

std::uint64_t AgentClient::subscribe(const ferry::v1::SubscribeRequest& request, PushHandler onPush,
                                     ResponseHandler onAnswer) {
    const std::uint64_t handle = m_nextSubscription++;
    ferry::v1::Request wrapped;
    *wrapped.mutable_subscribe() = request;
    m_subscriptions.emplace(
        handle, Subscription{std::move(wrapped), std::move(onPush), std::move(onAnswer)});
    if (m_state == ConnectionState::Connected) {
        renewSubscriptions();
    }
    return handle;
}

std::uint64_t AgentClient::openStream(const ferry::v1::Request& request, PushHandler onPush,
                                      ResponseHandler onAnswer,
                                      std::function<void(const Error&)> onEnd) {
    if (m_state != ConnectionState::Connected) {
        if (onEnd) {
            QMetaObject::invokeMethod(
                this,
                [onEnd, text = currentAddress().toStdString()] {
                    onEnd(makeError(ErrorCode::Unavailable, "not connected to " + text));
                },
                Qt::QueuedConnection);
        }
        return 0;
    }
    const std::uint64_t handle = m_nextSubscription++;
    Subscription sub{request, std::move(onPush), std::move(onAnswer)};
    sub.renew = false;
    sub.onEnd = std::move(onEnd);
    m_subscriptions.emplace(handle, std::move(sub));
    renewSubscriptions();
    return handle;
}

void AgentClient::endStream(std::uint64_t handle, const Error& error) {
    auto it = m_subscriptions.find(handle);
    if (it == m_subscriptions.end() || it->second.renew) {
        return;
    }
    auto onEnd = std::move(it->second.onEnd);
    if (it->second.requestId != 0) {
        m_subscriptionByRequest.erase(it->second.requestId);
    }
    m_subscriptions.erase(it);
    if (onEnd) {
        QMetaObject::invokeMethod(
            this, [onEnd = std::move(onEnd), error] { onEnd(error); }, Qt::QueuedConnection);
    }
}

void AgentClient::unsubscribe(std::uint64_t handle) {
    auto it = m_subscriptions.find(handle);
    if (it == m_subscriptions.end()) {
        return;
    }
    const std::uint64_t requestId = it->second.requestId;
    m_subscriptions.erase(it);
    if (requestId != 0) {
        m_subscriptionByRequest.erase(requestId);
        if (auto p = m_pending.find(requestId); p != m_pending.end()) {
            if (p->second.timer) {
                p->second.timer->deleteLater();
            }
            m_pending.erase(p);
        }
        if (m_state == ConnectionState::Connected) {
            writeFrame(requestId, ferry::v1::FRAME_KIND_CANCEL, {});
        }
    }
}

void AgentClient::renewSubscriptions() {
    for (auto& [handle, sub] : m_subscriptions) {
        if (sub.requestId != 0) {
            continue;
        }
        const ferry::v1::Request& request = sub.request;
        const std::uint64_t h = handle;
        Pending pending{[this, h](Result<ferry::v1::Response> answer) {
                            auto it = m_subscriptions.find(h);
                            if (it != m_subscriptions.end() && it->second.onAnswer) {
                                const ResponseHandler handler = it->second.onAnswer;
                                handler(std::move(answer));
                            }
                        },
                        nullptr, handle};
        const auto id = sendNow(request, std::move(pending), m_defaultTimeout);
        if (id != 0) {
            sub.requestId = id;
            m_subscriptionByRequest[id] = handle;
        }
    }
}

void AgentClient::completeLater(ResponseHandler handler, Result<ferry::v1::Response> result) {
    if (!handler) {
        return;
    }
    QMetaObject::invokeMethod(
        this,
        [handler = std::move(handler), result = std::move(result)]() mutable {
            handler(std::move(result));
        },
        Qt::QueuedConnection);
}

void AgentClient::failAllPending(const Error& error) {
    auto pending = std::move(m_pending);
    m_pending.clear();
    m_subscriptionByRequest.clear();
    std::vector<std::uint64_t> streams;
    for (auto& [handle, sub] : m_subscriptions) {
        sub.requestId = 0;
        if (!sub.renew) {
            streams.push_back(handle);
        }
    }
    for (std::uint64_t handle : streams) {
        endStream(handle, error);
    }
    for (auto& [id, p] : pending) {
        if (p.timer) {
            p.timer->deleteLater();
        }
        if (p.handler && p.subscription == 0) {
            p.handler(error);
        }
    }
}

void AgentClient::onSocketGone(const QString& why) {
    if (m_state == ConnectionState::Connected) {
        dropConnection(ConnectionState::Error,
                       tr("connection to %1 lost: %2").arg(currentAddress(), why), true);
    } else {
        dropConnection(ConnectionState::Error,
                       tr("cannot connect to %1: %2").arg(currentAddress(), why), true);
    }
}

void AgentClient::dropConnection(ConnectionState state, const QString& text, bool retry) {
    ++m_generation;
    m_connectTimer->stop();
    m_keepAliveTimer->stop();
    m_handshakeDone = false;
    if (m_socket != nullptr) {
        QSslSocket* socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
    }
    failAllPending(makeError(ErrorCode::Unavailable, text.toStdString()));
    if (!retry || !m_open) {
        if (state == ConnectionState::Refused) {
            m_open = false;
        }
        setState(state, text);
        return;
    }
    const auto delay = m_nextDelay;
    m_nextDelay = std::min(m_backoff.max, std::max(m_backoff.initial, m_nextDelay * 2));
    m_addressIndex = (m_addressIndex + 1) % (static_cast<int>(m_alternates.size()) + 1);
    setState(state, tr("%1; retrying in %2").arg(text, seconds(delay)));
    m_retryTimer->start(delay);
}

void AgentClient::setState(ConnectionState state, const QString& text) {
    if (state == m_state && text == m_statusText) {
        return;
    }
    m_state = state;
    m_statusText = text;
    emit stateChanged(state, text);
}

void AgentClient::onKeepAliveTick() {
    if (m_state != ConnectionState::Connected || m_keepAlive.count() <= 0) {
        return;
    }
    const auto silent = std::chrono::milliseconds(m_sinceLastReceived.elapsed());
    if (silent > 3 * m_keepAlive) {
        dropConnection(
            ConnectionState::Error,
            tr("connection to %1 lost: no answer for %2").arg(currentAddress(), seconds(silent)),
            true);
        return;
    }
    if (silent >= m_keepAlive) {
        writeFrame(0, ferry::v1::FRAME_KIND_PING, {});
    }
}

}  // namespace ferry::client
