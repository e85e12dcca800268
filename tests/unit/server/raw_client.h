// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QObject>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslSocket>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "ferry/v1/service.pb.h"
#include "ferry/v1/wire.pb.h"
#include "ferry/wire/frame_reader.h"
#include "ferry/wire/frame_writer.h"
#include "ferry/wire/handshake.h"

namespace ferry::server::testing {

// Runs the event loop until `done` holds or `timeout` passes; returns done().
inline bool waitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
    QDeadlineTimer deadline(timeout);
    while (!done()) {
        if (deadline.hasExpired()) {
            return false;
        }
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    }
    return true;
}

// A test client that speaks the wire envelope by hand (plain TCP or TLS, optionally with a
// client certificate), so tests can send anything, well-formed or not, and see every frame the
// server sends. Reading can be paused to play a slow reader.
class RawClient : public QObject {
public:
    RawClient() {
        QObject::connect(&m_socket, &QSslSocket::readyRead, this, [this] {
            if (!m_paused) {
                drain();
            }
        });
        QObject::connect(&m_socket, &QSslSocket::disconnected, this, [this] {
            drain();
            m_disconnected = true;
        });
        QObject::connect(&m_socket, &QSslSocket::connected, this, [this] { m_connected = true; });
        QObject::connect(&m_socket, &QSslSocket::encrypted, this, [this] { m_encrypted = true; });
        QObject::connect(&m_socket, &QSslSocket::sslErrors, this,
                         [this](const QList<QSslError>& errors) { m_sslErrors += errors; });
    }

    ~RawClient() override {
        m_socket.disconnect(this);
        m_socket.abort();
    }

    QSslSocket& socket() { return m_socket; }

    bool connectPlain(quint16 port) {
        m_socket.connectToHost(QStringLiteral("127.0.0.1"), port);
        return waitUntil([this] { return m_connected || m_disconnected; }) && m_connected;
    }

    // TLS trusting `ca`; with a client certificate when `certificate` is not null.
    bool connectTls(quint16 port, const QList<QSslCertificate>& ca,
                    const QSslCertificate& certificate = QSslCertificate(),
                    const QSslKey& key = QSslKey()) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setCaCertificates(ca);
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
        if (!certificate.isNull()) {
            tls.setLocalCertificate(certificate);
            tls.setPrivateKey(key);
        }
        m_socket.setSslConfiguration(tls);
        m_socket.connectToHostEncrypted(QStringLiteral("127.0.0.1"), port);
        return waitUntil([this] { return m_encrypted || m_disconnected; }) && m_encrypted;
    }

    void sendBytes(const std::string& bytes) {
        m_socket.write(bytes.data(), static_cast<qint64>(bytes.size()));
    }

    void send(std::uint64_t id, ferry::v1::FrameKind kind,
              const google::protobuf::MessageLite& message) {
        std::string out;
        if (m_writer.writeMessage(id, kind, message, out).ok()) {
            sendBytes(out);
        }
    }

    void sendPayload(std::uint64_t id, ferry::v1::FrameKind kind, const std::string& payload) {
        std::string out;
        if (m_writer.write(id, kind, payload, out).ok()) {
            sendBytes(out);
        }
    }

    static ferry::v1::Hello makeHello(const std::string& token, const std::string& cluster,
                                      ferry::v1::PeerKind kind = ferry::v1::PEER_KIND_CONSOLE) {
        ferry::wire::LocalPeer self;
        self.kind = kind;
        self.identity = kind == ferry::v1::PEER_KIND_AGENT ? "us-agent1" : "tester";
        self.site = kind == ferry::v1::PEER_KIND_AGENT ? "us" : "";
        self.cluster = cluster;
        self.softwareVersion = "test";
        return ferry::wire::makeHello(
            self, token.empty() ? std::nullopt : std::optional<std::string>(token));
    }

    // Sends `hello` and waits for the HelloReply.
    std::optional<ferry::v1::HelloReply> greet(const ferry::v1::Hello& hello) {
        send(0, ferry::v1::FRAME_KIND_HELLO, hello);
        auto message = waitFor([](const ferry::wire::WireMessage& m) {
            return m.kind == ferry::v1::FRAME_KIND_HELLO_REPLY;
        });
        if (!message) {
            return std::nullopt;
        }
        ferry::v1::HelloReply reply;
        if (!reply.ParseFromString(message->payload)) {
            return std::nullopt;
        }
        return reply;
    }

    bool greetWith(const std::string& token, const std::string& cluster = "test",
                   ferry::v1::PeerKind kind = ferry::v1::PEER_KIND_CONSOLE) {
        auto reply = greet(makeHello(token, cluster, kind));
        return reply && reply->accepted();
    }

    // Waits for (and takes) the first received message matching `match`.
    std::optional<ferry::wire::WireMessage> waitFor(
        const std::function<bool(const ferry::wire::WireMessage&)>& match,
        std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
        std::optional<ferry::wire::WireMessage> found;
        waitUntil(
            [&] {
                for (auto it = m_messages.begin(); it != m_messages.end(); ++it) {
                    if (match(*it)) {
                        found = std::move(*it);
                        m_messages.erase(it);
                        return true;
                    }
                }
                return m_disconnected && !m_socket.bytesAvailable();
            },
            timeout);
        return found;
    }

    std::optional<ferry::v1::Response> request(std::uint64_t id, const ferry::v1::Request& r) {
        send(id, ferry::v1::FRAME_KIND_REQUEST, r);
        return response(id);
    }

    std::optional<ferry::v1::Response> response(std::uint64_t id) {
        auto m = waitFor([id](const ferry::wire::WireMessage& w) {
            return w.kind == ferry::v1::FRAME_KIND_RESPONSE && w.requestId == id;
        });
        ferry::v1::Response response;
        if (!m || !response.ParseFromString(m->payload)) {
            return std::nullopt;
        }
        return response;
    }

    // The connection-level (or, with id, request-level) ERROR frame.
    std::optional<ferry::v1::WireError> error(std::uint64_t id = 0) {
        auto m = waitFor([id](const ferry::wire::WireMessage& w) {
            return w.kind == ferry::v1::FRAME_KIND_ERROR && w.requestId == id;
        });
        ferry::v1::WireError error;
        if (!m || !error.ParseFromString(m->payload)) {
            return std::nullopt;
        }
        return error;
    }

    bool waitDisconnected(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) {
        return waitUntil([this] { return m_disconnected; }, timeout);
    }
    bool disconnected() const { return m_disconnected; }
    const QList<QSslError>& sslErrors() const { return m_sslErrors; }

    // Pausing leaves the bytes in the kernel: the socket buffers at most `bufferSize` more.
    void pauseReading(qint64 bufferSize = 16 * 1024) {
        m_paused = true;
        m_socket.setReadBufferSize(bufferSize);
    }
    void resumeReading() {
        m_paused = false;
        m_socket.setReadBufferSize(0);
        drain();
    }
    std::size_t countOf(ferry::v1::FrameKind kind) const {
        std::size_t n = 0;
        for (const auto& m : m_messages) {
            n += m.kind == kind ? 1 : 0;
        }
        return n;
    }
    std::uint64_t bytesReceived() const { return m_received; }

private:
    void drain() {
        if (!m_socket.isOpen()) {
            return;
        }
        const QByteArray bytes = m_socket.readAll();
        m_received += static_cast<std::uint64_t>(bytes.size());
        (void)m_reader.feed(
            std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
        while (auto m = m_reader.nextMessage()) {
            m_messages.push_back(std::move(*m));
        }
    }

    QSslSocket m_socket;
    ferry::wire::FrameReader m_reader;
    ferry::wire::FrameWriter m_writer;
    std::deque<ferry::wire::WireMessage> m_messages;
    bool m_paused = false;
    bool m_disconnected = false;
    bool m_connected = false;
    bool m_encrypted = false;
    QList<QSslError> m_sslErrors;
    std::uint64_t m_received = 0;
};

}  // namespace ferry::server::testing
