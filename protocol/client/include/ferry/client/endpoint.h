// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QByteArray>
#include <QString>

#include "ferry/model/result.h"

namespace ferry::client {

// Where an agent listens and how to trust it and authenticate to it.
//
// Trust: TLS with the CA that signed the agent's certificate (caFile, PEM), or with the SHA-256
// fingerprint of the agent's own certificate (pinnedSha256, 32 bytes), or both (both must hold).
// plainTcp turns TLS off; it exists only for tests and the local playground and must be chosen
// explicitly.
struct Endpoint {
    QString host;
    quint16 port = 0;
    QString caFile;
    QByteArray pinnedSha256;
    bool plainTcp = false;
    QString token;                                // bearer token for the Hello
    QString cluster = QStringLiteral("default");  // must match the agent's cluster
    QString user;                                 // identity in the Hello; the OS user when empty

    // "host:port", with brackets around an IPv6 host.
    QString address() const;

    // Checks that the endpoint can be tried: host, port, cluster, and a way to trust the agent
    // (a CA file, a fingerprint, or plain TCP chosen explicitly). The message names the field.
    [[nodiscard]] Status validate() const;
};

// Parses "host:port" or "[v6]:port" into host and port.
[[nodiscard]] Result<std::pair<QString, quint16>> parseAddress(const QString& text);

// Parses a SHA-256 fingerprint as hex, with or without ':' or ' ' separators and an optional
// "sha256:" prefix, case-insensitive. Returns the 32 raw bytes.
[[nodiscard]] Result<QByteArray> parseFingerprint(const QString& text);

// "AB:CD:..." (upper-case hex pairs joined by ':').
QString formatFingerprint(const QByteArray& sha256);

}  // namespace ferry::client
