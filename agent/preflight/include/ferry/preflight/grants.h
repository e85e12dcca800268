// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::preflight {

enum class GrantLevel : std::uint8_t { Global, Database, Table, Routine, Proxy, Role };

// One line of SHOW GRANTS, e.g. "GRANT SELECT, INSERT ON `shop`.* TO `ferry`@`%`".
struct Grant {
    GrantLevel level = GrantLevel::Global;
    // Upper case, aliases folded ("REPLICATION REPLICA" -> "REPLICATION SLAVE"); "ALL" for
    // ALL [PRIVILEGES]; "GRANT OPTION" for WITH GRANT OPTION. Column privileges
    // ("SELECT (`a`)") are in columnPrivileges, not here: they do not cover a whole table.
    std::vector<std::string> privileges;
    std::vector<std::string> columnPrivileges;
    // For Database and Table: the database as written in the grant, unquoted, still a LIKE
    // pattern (`shop\_1`, `shop%`). For Table: the table name.
    std::string database;
    std::string table;
    // For Role: the granted role names.
    std::vector<std::string> roles;
};

// Parses one SHOW GRANTS line. Lines that are not GRANT statements (REVOKE of MySQL partial
// revokes, SET DEFAULT ROLE) and malformed lines are InvalidArgument errors naming the line.
Result<Grant> parseGrantLine(std::string_view line);

// Whether a database name matches a grant's database pattern: `%` any run, `_` one character,
// a backslash makes the next character literal.
bool matchesGrantPattern(std::string_view pattern, std::string_view name);

// The privileges of one account as SHOW GRANTS FOR CURRENT_USER lists them. Privileges of
// granted roles are not expanded (roles() names them). A plain value; thread-compatible.
class GrantSet {
public:
    static GrantSet parse(const std::vector<std::string>& lines);

    // `privilege` granted on *.* (directly or through ALL PRIVILEGES).
    bool hasGlobal(std::string_view privilege) const;
    // `privilege` on every table of `database`: granted on *.* or on a matching `db`.*.
    bool hasOnDatabase(std::string_view privilege, std::string_view database) const;
    // `privilege` on at least one table of `database` (a table-level grant), when
    // hasOnDatabase() is false: the schema is only partly covered.
    bool hasOnSomeTable(std::string_view privilege, std::string_view database) const;

    const std::vector<Grant>& grants() const { return m_grants; }
    const std::vector<std::string>& roles() const { return m_roles; }
    // Lines that did not parse (kept so a message can show them).
    const std::vector<std::string>& unparsed() const { return m_unparsed; }

private:
    std::vector<Grant> m_grants;
    std::vector<std::string> m_roles;
    std::vector<std::string> m_unparsed;
};

// An account as CURRENT_USER() returns it ("ferry@%") in the quoted form GRANT takes
// ('ferry'@'%').
std::string quoteAccount(std::string_view currentUser);

}  // namespace ferry::preflight
