// SPDX-License-Identifier: Apache-2.0
#include "ferry/mysql/database_url.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace ferry::mysql {
namespace {

Error urlError(std::string_view text, std::string_view what) {
    return makeError(ErrorCode::InvalidArgument,
                     "database URL '" + std::string(text) + "': " + std::string(what) +
                         "; expected mysql://user@host:port/?ssl-mode=... or "
                         "mysql://user@localhost/?socket=/path");
}

Result<std::string> percentDecode(std::string_view in, std::string_view whole) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out.push_back(in[i]);
            continue;
        }
        if (i + 2 >= in.size()) {
            return urlError(whole, "incomplete percent escape");
        }
        unsigned value = 0;
        const auto* first = in.data() + i + 1;
        auto [ptr, ec] = std::from_chars(first, first + 2, value, 16);
        if (ec != std::errc() || ptr != first + 2) {
            return urlError(whole, "bad percent escape");
        }
        out.push_back(static_cast<char>(value));
        i += 2;
    }
    return out;
}

Result<SslMode> parseSslMode(std::string_view value, std::string_view whole) {
    std::string upper;
    for (char c : value) {
        upper.push_back(c == '-' ? '_'
                                 : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
    if (upper == "DISABLED")
        return SslMode::Disabled;
    if (upper == "PREFERRED")
        return SslMode::Preferred;
    if (upper == "REQUIRED")
        return SslMode::Required;
    if (upper == "VERIFY_CA")
        return SslMode::VerifyCa;
    if (upper == "VERIFY_IDENTITY")
        return SslMode::VerifyIdentity;
    return urlError(whole, "unknown ssl-mode '" + std::string(value) +
                               "' (DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)");
}

}  // namespace

std::string_view sslModeName(SslMode mode) {
    switch (mode) {
        case SslMode::Disabled:
            return "DISABLED";
        case SslMode::Preferred:
            return "PREFERRED";
        case SslMode::Required:
            return "REQUIRED";
        case SslMode::VerifyCa:
            return "VERIFY_CA";
        case SslMode::VerifyIdentity:
            return "VERIFY_IDENTITY";
    }
    return "PREFERRED";
}

Result<DatabaseUrl> DatabaseUrl::parse(std::string_view text) {
    constexpr std::string_view kScheme = "mysql://";
    if (text.substr(0, kScheme.size()) != kScheme) {
        return urlError(text, "it must start with mysql://");
    }
    std::string_view rest = text.substr(kScheme.size());
    DatabaseUrl url;

    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    // rest = [user[:password]@]host[:port]
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
            FERRY_ASSIGN_OR_RETURN(url.password, percentDecode(userinfo.substr(colon + 1), text));
            userinfo = userinfo.substr(0, colon);
        }
        FERRY_ASSIGN_OR_RETURN(url.user, percentDecode(userinfo, text));
    }
    if (url.user.empty()) {
        return urlError(text, "a user name is required (mysql://user@host)");
    }
    std::string_view hostPort = rest;
    if (!hostPort.empty() && hostPort.front() == '[') {  // [::1]:3306
        auto close = hostPort.find(']');
        if (close == std::string_view::npos) {
            return urlError(text, "unterminated IPv6 address");
        }
        url.host = std::string(hostPort.substr(1, close - 1));
        hostPort = hostPort.substr(close + 1);
        if (!hostPort.empty() && hostPort.front() != ':') {
            return urlError(text, "unexpected text after the IPv6 address");
        }
        if (!hostPort.empty()) {
            hostPort = hostPort.substr(1);
            if (hostPort.empty()) {
                return urlError(text, "empty port");
            }
        }
    } else if (auto colon = hostPort.rfind(':'); colon != std::string_view::npos) {
        url.host = std::string(hostPort.substr(0, colon));
        hostPort = hostPort.substr(colon + 1);
        if (hostPort.empty()) {
            return urlError(text, "empty port");
        }
    } else {
        url.host = std::string(hostPort);
        hostPort = {};
    }
    if (!hostPort.empty()) {
        unsigned port = 0;
        auto [ptr, ec] = std::from_chars(hostPort.data(), hostPort.data() + hostPort.size(), port);
        if (ec != std::errc() || ptr != hostPort.data() + hostPort.size() || port == 0 ||
            port > 65535) {
            return urlError(text, "port '" + std::string(hostPort) + "' is not 1-65535");
        }
        url.port = static_cast<uint16_t>(port);
    }
    if (url.host.empty()) {
        return urlError(text, "a host is required");
    }
    FERRY_ASSIGN_OR_RETURN(url.database, percentDecode(path, text));

    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) {
            return urlError(text, "option '" + std::string(pair) + "' has no value");
        }
        std::string_view key = pair.substr(0, eq);
        FERRY_ASSIGN_OR_RETURN(std::string value, percentDecode(pair.substr(eq + 1), text));
        if (key == "ssl-mode" || key == "sslmode") {
            FERRY_ASSIGN_OR_RETURN(url.sslMode, parseSslMode(value, text));
        } else if (key == "ssl-ca") {
            url.sslCa = value;
        } else if (key == "ssl-cert") {
            url.sslCert = value;
        } else if (key == "ssl-key") {
            url.sslKey = value;
        } else if (key == "socket") {
            url.socket = value;
        } else if (key == "connect-timeout") {
            unsigned seconds = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
            if (ec != std::errc() || ptr != value.data() + value.size() || seconds == 0) {
                return urlError(text, "connect-timeout must be a positive number of seconds");
            }
            url.connectTimeoutSeconds = seconds;
        } else {
            return urlError(text, "unknown option '" + std::string(key) +
                                      "' (ssl-mode, ssl-ca, ssl-cert, ssl-key, socket, "
                                      "connect-timeout)");
        }
    }
    if (!url.socket.empty()) {
        url.sslMode = url.sslMode == SslMode::Preferred ? SslMode::Disabled : url.sslMode;
    }
    return url;
}

std::string DatabaseUrl::toString() const {
    std::ostringstream out;
    out << "mysql://" << user << '@';
    if (host.find(':') != std::string::npos) {
        out << '[' << host << ']';
    } else {
        out << host;
    }
    if (socket.empty()) {
        out << ':' << port;
    }
    out << '/' << database;
    char sep = '?';
    if (!socket.empty()) {
        out << sep << "socket=" << socket;
        sep = '&';
    }
    if (sslMode != SslMode::Preferred) {
        out << sep << "ssl-mode=" << sslModeName(sslMode);
        sep = '&';
    }
    if (!sslCa.empty()) {
        out << sep << "ssl-ca=" << sslCa;
    }
    return out.str();
}

std::string DatabaseUrl::endpoint() const {
    if (!socket.empty()) {
        return user + "@" + host + " (socket " + socket + ")";
    }
    return user + "@" + host + ":" + std::to_string(port);
}

Result<std::string> resolvePassword(const DatabaseUrl& url, std::string_view passwordFile,
                                    std::string_view passwordEnv) {
    if (url.password) {
        return *url.password;
    }
    if (!passwordFile.empty()) {
        std::ifstream in{std::string(passwordFile)};
        if (!in) {
            return makeError(ErrorCode::Io,
                             "cannot read password file '" + std::string(passwordFile) + "'");
        }
        std::string line;
        std::getline(in, line);
        while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) {
            line.pop_back();
        }
        return line;
    }
    const std::string envName = passwordEnv.empty() ? "FERRY_PASSWORD" : std::string(passwordEnv);
    if (const char* value = std::getenv(envName.c_str())) {
        return std::string(value);
    }
    if (!passwordEnv.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "environment variable " + envName + " (from --password-env) is not set");
    }
    return std::string();
}

}  // namespace ferry::mysql
