// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/schema/charset_catalog.h"

namespace ferry::v1 {
class TableDefinition;
}

namespace ferry::schema {

enum class GeneratedKind { None, Virtual, Stored };

// One column as the schema history knows it.
struct ColumnDef {
    std::string name;
    std::string dataType;    // lower case base type: "int", "varchar", "enum", "json", ...
    std::string columnType;  // full type text: "varchar(20)", "int unsigned", "enum('a','b')"
    bool isUnsigned = false;
    bool zerofill = false;
    bool nullable = true;
    std::string charset;  // character columns and ENUM/SET; empty otherwise
    std::string collation;
    std::uint64_t length = 0;  // characters (CHAR/VARCHAR/TEXT), bytes (BINARY/...), bits (BIT)
    std::uint32_t precision = 0;
    std::uint32_t scale = 0;
    std::uint32_t fsp = 0;
    std::vector<std::string> members;  // ENUM and SET
    GeneratedKind generated = GeneratedKind::None;
    std::string generationExpression;
    bool autoIncrement = false;
    bool onUpdateCurrentTimestamp = false;
    bool invisible = false;

    bool operator==(const ColumnDef&) const = default;
};

enum class IndexKind { Primary, Unique, Plain, Fulltext, Spatial };

struct IndexPart {
    std::string column;  // empty for an expression part
    std::uint32_t prefixLength = 0;
    std::string expression;

    bool operator==(const IndexPart&) const = default;
};

struct IndexDef {
    std::string name;  // "PRIMARY" for the primary key
    IndexKind kind = IndexKind::Plain;
    std::vector<IndexPart> parts;

    bool operator==(const IndexDef&) const = default;
};

enum class ReferenceAction { Unspecified, Restrict, Cascade, SetNull, NoAction, SetDefault };

struct ForeignKeyDef {
    std::string name;
    std::vector<std::string> columns;
    std::string referencedSchema;
    std::string referencedTable;
    std::vector<std::string> referencedColumns;
    ReferenceAction onDelete = ReferenceAction::Unspecified;
    ReferenceAction onUpdate = ReferenceAction::Unspecified;

    bool operator==(const ForeignKeyDef&) const = default;
};

// Column names compare case-insensitively (ASCII folding), as MySQL does.
bool columnNameEquals(std::string_view a, std::string_view b);

// A table: columns in binlog order, every index, foreign keys, defaults for new columns.
struct TableDef {
    std::string schema;
    std::string name;
    std::vector<ColumnDef> columns;
    std::vector<IndexDef> indexes;
    std::vector<ForeignKeyDef> foreignKeys;
    std::string charset;  // table default
    std::string collation;
    std::string engine;

    // Index of a column by name (case-insensitive), or nullopt.
    std::optional<std::size_t> findColumn(std::string_view column) const;
    const IndexDef* primaryKey() const;
    // Index of an index by name (case-insensitive), or nullopt.
    std::optional<std::size_t> findIndex(std::string_view index) const;

    // The binlog view of the table: columns with binlog type, metadata and collation id, the
    // primary key, and unique keys made of plain columns (sorted by name).
    Result<::ferry::v1::TableDefinition> toTableDefinition(const CharsetCatalog& catalog) const;

    // One line for people and tests: "id int not null ai, name varchar(20) utf8mb4_bin;
    // PRIMARY(id), UNIQUE name(name); FK f(a)->s.t(b) ON DELETE CASCADE; utf8mb4_general_ci".
    std::string describe() const;

    bool operator==(const TableDef&) const = default;
};

struct DatabaseDef {
    std::string name;
    std::string charset;
    std::string collation;

    bool operator==(const DatabaseDef&) const = default;
};

// How schema and table names compare: lower_case_table_names of the source server.
//  0: as stored, case-sensitive (Linux default); 1: stored in lower case, compared in lower
//  case; 2: stored as given, compared in lower case.
struct NameRules {
    int lowerCaseTableNames = 0;

    // The key a schema or table name is compared by.
    std::string key(std::string_view name) const;
    // The name as the server stores it.
    std::string stored(std::string_view name) const;
};

// Identifies a table: schema and name, as written (compare through NameRules keys).
struct TableName {
    std::string schema;
    std::string name;

    std::string toString() const { return schema + "." + name; }
    bool operator==(const TableName&) const = default;
};

// The in-memory schema of a source: databases and their tables. Tables are shared immutable
// values (copying a model copies pointers), so a history can keep many versions cheaply; a
// change replaces a table's pointer. Not thread-safe for mutation; const use may be shared.
//
// Tracked schemas: statements that touch only schemas outside the filter are ignored by the
// parser. An empty filter tracks every schema.
class SchemaModel {
public:
    explicit SchemaModel(NameRules rules = {}) : m_rules(rules) {}

    const NameRules& nameRules() const { return m_rules; }
    void setTrackedSchemas(std::vector<std::string> schemas);
    const std::set<std::string>& trackedSchemaKeys() const { return m_tracked; }
    bool isTracked(std::string_view schema) const;

    const DatabaseDef* findDatabase(std::string_view schema) const;
    void putDatabase(DatabaseDef database);
    // Removes the database and its tables; returns the names of the removed tables.
    std::vector<TableName> dropDatabase(std::string_view schema);

    std::shared_ptr<const TableDef> findTable(std::string_view schema,
                                              std::string_view table) const;
    void putTable(TableDef table);
    void putTable(std::shared_ptr<const TableDef> table);
    bool dropTable(std::string_view schema, std::string_view table);

    std::vector<const DatabaseDef*> databases() const;
    // Every table, ordered by schema key then table key.
    std::vector<std::shared_ptr<const TableDef>> tables() const;
    std::vector<std::shared_ptr<const TableDef>> tablesOf(std::string_view schema) const;
    std::size_t tableCount() const { return m_tables.size(); }

    // Equal databases and tables (the tracked filter and rules are not compared).
    bool sameContent(const SchemaModel& other) const;

private:
    using Key = std::pair<std::string, std::string>;
    NameRules m_rules;
    std::set<std::string> m_tracked;
    std::map<std::string, DatabaseDef> m_databases;
    std::map<Key, std::shared_ptr<const TableDef>> m_tables;
};

}  // namespace ferry::schema
