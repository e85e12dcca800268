// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::schema {

enum class ServerFlavor { MySql, MariaDb };

// What the DDL parser and the binlog view need to know about character sets and the server:
// collation ids, default collations, the longest character of each charset, and the server
// settings that change how DDL is read. Built in with the common charsets of MySQL 8 and
// MariaDB 10.x/11.x; InformationSchemaReader fills it from the server (information_schema
// COLLATIONS and CHARACTER_SETS, @@character_set_server, ...), which is authoritative.
// A plain value; copy freely.
class CharsetCatalog {
public:
    struct Collation {
        std::string name;
        std::string charset;
        std::uint32_t id = 0;
        bool isDefault = false;
    };

    // The built-in catalog for a flavor (MySQL 8: utf8mb4_0900_ai_ci default; MariaDB:
    // utf8mb4_general_ci), server default charset utf8mb4.
    static CharsetCatalog builtIn(ServerFlavor flavor);

    ServerFlavor flavor() const { return m_flavor; }

    void addCharset(std::string_view charset, std::uint32_t maxBytesPerChar);
    void addCollation(std::string_view collation, std::string_view charset, std::uint32_t id,
                      bool isDefault);

    // "utf8" and "utf8mb3" name the same charset; returns the canonical lower-case name, or
    // nullopt when unknown.
    std::optional<std::string> canonicalCharset(std::string_view charset) const;
    std::optional<std::string> canonicalCollation(std::string_view collation) const;
    std::optional<std::uint32_t> maxBytesPerChar(std::string_view charset) const;
    std::optional<std::string> defaultCollation(std::string_view charset) const;
    std::optional<std::string> charsetOfCollation(std::string_view collation) const;
    // The collation id, or 0 when unknown.
    std::uint32_t collationId(std::string_view collation) const;
    // "<charset>_bin" (the BINARY attribute of a character type).
    std::optional<std::string> binaryCollation(std::string_view charset) const;

    // Server settings the parser follows.
    std::string serverCharset = "utf8mb4";
    std::string serverCollation;  // empty: the charset's default
    bool explicitDefaultsForTimestamp = true;
    bool realAsFloat = false;  // sql_mode REAL_AS_FLOAT

private:
    ServerFlavor m_flavor = ServerFlavor::MySql;
    std::map<std::string, std::uint32_t> m_maxBytes;
    std::map<std::string, Collation> m_collations;
    std::map<std::string, std::string> m_defaultCollation;
};

}  // namespace ferry::schema
