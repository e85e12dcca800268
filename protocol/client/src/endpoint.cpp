// SPDX-License-Identifier: Apache-2.0
#include "ferry/client/endpoint.h"

#include <QFileInfo>

namespace ferry::client {

namespace {

constexpr int kSha256Size = 32;

std::string text(const QString& s) {
    return s.toStdString();
}

}  // namespace

QString Endpoint::address() const {
    if (host.contains(QLatin1Char(':'))) {
        return QStringLiteral("[%1]:%2").arg(host).arg(port);
    }
    return QStringLiteral("%1:%2").arg(host).arg(port);
}

Status Endpoint::validate() const {
    if (host.trimmed().isEmpty()) {
        return makeError(ErrorCode::InvalidArgument, "agent endpoint: the host is empty");
    }
    if (port == 0) {
        return makeError(ErrorCode::InvalidArgument,
                         "agent endpoint " + text(host) + ": the port is 0; give the agent's port");
    }
    if (cluster.trimmed().isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "agent endpoint " + text(address()) +
                             ": the cluster name is empty; use the agent's [agent] cluster "
                             "(\"default\" unless configured)");
    }
    if (!pinnedSha256.isEmpty() && pinnedSha256.size() != kSha256Size) {
        return makeError(ErrorCode::InvalidArgument,
                         "agent endpoint " + text(address()) + ": the pinned fingerprint has " +
                             std::to_string(pinnedSha256.size()) + " bytes, SHA-256 has 32");
    }
    if (plainTcp) {
        if (!caFile.isEmpty() || !pinnedSha256.isEmpty()) {
            return makeError(ErrorCode::InvalidArgument,
                             "agent endpoint " + text(address()) +
                                 ": plain TCP is chosen together with a CA file or fingerprint; "
                                 "choose TLS or plain TCP");
        }
        return okStatus();
    }
    if (caFile.isEmpty() && pinnedSha256.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "agent endpoint " + text(address()) +
                             ": no way to trust the agent; give the cluster CA file or the "
                             "agent certificate's SHA-256 fingerprint");
    }
    if (!caFile.isEmpty() && !QFileInfo(caFile).isReadable()) {
        return makeError(ErrorCode::InvalidArgument, "agent endpoint " + text(address()) +
                                                         ": the CA file " + text(caFile) +
                                                         " does not exist or is not readable");
    }
    return okStatus();
}

Result<std::pair<QString, quint16>> parseAddress(const QString& input) {
    const QString s = input.trimmed();
    QString host;
    QString portText;
    if (s.startsWith(QLatin1Char('['))) {
        const auto close = s.indexOf(QLatin1Char(']'));
        if (close < 0 || close + 1 >= s.size() || s.at(close + 1) != QLatin1Char(':')) {
            return makeError(ErrorCode::InvalidArgument,
                             "address '" + text(s) + "': expected [ipv6]:port");
        }
        host = s.mid(1, close - 1);
        portText = s.mid(close + 2);
    } else {
        const auto colon = s.lastIndexOf(QLatin1Char(':'));
        if (colon <= 0 || s.indexOf(QLatin1Char(':')) != colon) {
            return makeError(ErrorCode::InvalidArgument,
                             "address '" + text(s) + "': expected host:port");
        }
        host = s.left(colon);
        portText = s.mid(colon + 1);
    }
    bool ok = false;
    const uint port = portText.toUInt(&ok);
    if (!ok || port == 0 || port > 65535 || host.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "address '" + text(s) + "': the port must be 1..65535 after the host");
    }
    return std::pair<QString, quint16>{host, static_cast<quint16>(port)};
}

Result<QByteArray> parseFingerprint(const QString& input) {
    QString s = input.trimmed();
    if (s.startsWith(QLatin1String("sha256:"), Qt::CaseInsensitive)) {
        s = s.mid(7);
    }
    QString hex;
    for (QChar c : s) {
        if (c == QLatin1Char(':') || c == QLatin1Char(' ')) {
            continue;
        }
        const bool isHex = (c >= QLatin1Char('0') && c <= QLatin1Char('9')) ||
                           (c.toLower() >= QLatin1Char('a') && c.toLower() <= QLatin1Char('f'));
        if (!isHex) {
            return makeError(ErrorCode::InvalidArgument,
                             "fingerprint: '" + QString(c).toStdString() +
                                 "' is not a hex digit; paste the SHA-256 fingerprint, e.g. from "
                                 "`openssl x509 -noout -fingerprint -sha256 -in agent.crt`");
        }
        hex.append(c);
    }
    if (hex.size() != kSha256Size * 2) {
        return makeError(ErrorCode::InvalidArgument,
                         "fingerprint: " + std::to_string(hex.size()) +
                             " hex digits, a SHA-256 fingerprint has 64");
    }
    return QByteArray::fromHex(hex.toLatin1());
}

QString formatFingerprint(const QByteArray& sha256) {
    return QString::fromLatin1(sha256.toHex(':').toUpper());
}

}  // namespace ferry::client
