// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/schema/charset_catalog.h"
#include "ferry/schema/schema_model.h"

namespace ferry::schema {

// What one statement did to the model.
struct DdlChange {
    enum class Kind {
        Changed,    // tables or databases of the model changed
        NoOp,       // a statement that changes no table structure (GRANT, CREATE VIEW, ...)
        Untracked,  // DDL on schemas outside the tracked set: nothing to follow
    };
    Kind kind = Kind::NoOp;
    std::vector<TableName> changedTables;  // created or altered (their new names)
    std::vector<TableName> droppedTables;  // dropped, or the old names of renamed tables
    std::vector<std::string> changedDatabases;
    std::vector<std::string> droppedDatabases;
};

// Follows MySQL and MariaDB DDL as the binlog logs it (QUERY events) on a SchemaModel.
//
// Contract: apply() either changes the model exactly as the server did, or returns an error and
// leaves the model untouched; it never guesses. A statement it cannot parse fails with
// Unsupported when it mentions a tracked table (or is a table-level statement on one), and is a
// NoOp otherwise. Statements on untracked schemas are Untracked. `defaultSchema` is the QUERY
// event's database (unqualified names resolve against it).
//
// MySQL versioned comments (/*!50100 ... */ and, for MariaDB, /*M!100100 ... */) are code.
// Stateless apart from the catalog; thread-compatible.
class DdlParser {
public:
    explicit DdlParser(CharsetCatalog catalog) : m_catalog(std::move(catalog)) {}

    const CharsetCatalog& catalog() const { return m_catalog; }

    Result<DdlChange> apply(SchemaModel& model, std::string_view defaultSchema,
                            std::string_view statement) const;

private:
    CharsetCatalog m_catalog;
};

// The first `limit` characters of a statement on one line, for error messages.
std::string statementExcerpt(std::string_view statement, std::size_t limit = 200);

}  // namespace ferry::schema
