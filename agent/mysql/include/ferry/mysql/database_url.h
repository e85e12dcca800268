// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::mysql {

enum class SslMode { Disabled, Preferred, Required, VerifyCa, VerifyIdentity };

std::string_view sslModeName(SslMode mode);

// A database address as CONVENTIONS.md writes it:
//   mysql://user@host:port/?ssl-mode=REQUIRED&ssl-ca=/path
//   mysql://user@localhost/?socket=/run/mysqld/mysqld.sock
// A password inside the URL is accepted (passwordInUrl is then set so the caller can warn: it
// shows in the process list); normally it comes from FERRY_PASSWORD or a file.
struct DatabaseUrl {
    std::string user;
    std::optional<std::string> password;
    std::string host = "localhost";
    uint16_t port = 3306;
    std::string socket;    // unix socket path; empty: TCP
    std::string database;  // default schema, may be empty
    SslMode sslMode = SslMode::Preferred;
    std::string sslCa;
    std::string sslCert;
    std::string sslKey;
    uint32_t connectTimeoutSeconds = 10;

    bool passwordInUrl() const { return password.has_value(); }

    static Result<DatabaseUrl> parse(std::string_view text);
    // The URL without any password, for logs and error messages.
    std::string toString() const;
    // "user@host:port" or "user@localhost (socket)": short form for messages.
    std::string endpoint() const;
};

// Resolves the password of a URL: the URL's own, else the file, else the environment variable
// (FERRY_PASSWORD unless another name is given). An absent password is an empty one.
Result<std::string> resolvePassword(const DatabaseUrl& url, std::string_view passwordFile,
                                    std::string_view passwordEnv);

}  // namespace ferry::mysql
