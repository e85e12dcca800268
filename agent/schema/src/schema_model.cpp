// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/schema_model.h"

#include <algorithm>
#include <cctype>

#include "ferry/v1/change.pb.h"

namespace ferry::schema {
namespace {

char foldAscii(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), foldAscii);
    return out;
}

// Binlog type bytes (MySQL's enum_field_types).
namespace bt {
constexpr std::uint32_t kTiny = 1;
constexpr std::uint32_t kShort = 2;
constexpr std::uint32_t kLong = 3;
constexpr std::uint32_t kFloat = 4;
constexpr std::uint32_t kDouble = 5;
constexpr std::uint32_t kLongLong = 8;
constexpr std::uint32_t kInt24 = 9;
constexpr std::uint32_t kDate = 10;
constexpr std::uint32_t kYear = 13;
constexpr std::uint32_t kVarchar = 15;
constexpr std::uint32_t kBit = 16;
constexpr std::uint32_t kTimestamp2 = 17;
constexpr std::uint32_t kDatetime2 = 18;
constexpr std::uint32_t kTime2 = 19;
constexpr std::uint32_t kJson = 245;
constexpr std::uint32_t kNewDecimal = 246;
constexpr std::uint32_t kEnum = 247;
constexpr std::uint32_t kSet = 248;
constexpr std::uint32_t kBlob = 252;
constexpr std::uint32_t kString = 254;
constexpr std::uint32_t kGeometry = 255;
}  // namespace bt

constexpr std::uint32_t kBinaryCollationId = 63;

bool isBinaryString(const ColumnDef& column) {
    return column.charset.empty() || column.charset == "binary";
}

// CHAR/BINARY metadata: real type and length in two bytes; lengths over 255 borrow two bits of
// the type byte (MySQL's Field_string::do_save_field_metadata).
std::uint32_t stringMeta(std::uint32_t realType, std::uint64_t bytes) {
    std::uint32_t b0 = realType ^ static_cast<std::uint32_t>((bytes & 0x300) >> 4);
    return (b0 << 8) | static_cast<std::uint32_t>(bytes & 0xff);
}

std::uint32_t setPackLength(std::size_t members) {
    std::size_t bytes = (members + 7) / 8;
    return static_cast<std::uint32_t>(bytes > 4 ? 8 : bytes);
}

struct BinlogType {
    std::uint32_t type = 0;
    std::uint32_t meta = 0;
};

Result<BinlogType> binlogType(const ColumnDef& column, const CharsetCatalog& catalog,
                              const std::string& where) {
    const std::string& t = column.dataType;
    auto charBytes = [&](std::uint64_t chars) -> Result<std::uint64_t> {
        if (isBinaryString(column)) {
            return chars;
        }
        auto mb = catalog.maxBytesPerChar(column.charset);
        if (!mb) {
            return makeError(ErrorCode::Unsupported,
                             where + ": unknown character set '" + column.charset +
                                 "'; load the server's catalog (InformationSchemaReader)");
        }
        return chars * *mb;
    };
    if (t == "tinyint")
        return BinlogType{bt::kTiny, 0};
    if (t == "smallint")
        return BinlogType{bt::kShort, 0};
    if (t == "mediumint")
        return BinlogType{bt::kInt24, 0};
    if (t == "int")
        return BinlogType{bt::kLong, 0};
    if (t == "bigint")
        return BinlogType{bt::kLongLong, 0};
    if (t == "float")
        return BinlogType{bt::kFloat, 4};
    if (t == "double")
        return BinlogType{bt::kDouble, 8};
    if (t == "decimal")
        return BinlogType{bt::kNewDecimal, (column.precision << 8) | column.scale};
    if (t == "year")
        return BinlogType{bt::kYear, 0};
    if (t == "date")
        return BinlogType{bt::kDate, 0};
    if (t == "time")
        return BinlogType{bt::kTime2, column.fsp};
    if (t == "datetime")
        return BinlogType{bt::kDatetime2, column.fsp};
    if (t == "timestamp")
        return BinlogType{bt::kTimestamp2, column.fsp};
    if (t == "bit") {
        auto bits = static_cast<std::uint32_t>(column.length);
        return BinlogType{bt::kBit, ((bits / 8) << 8) | (bits % 8)};
    }
    if (t == "char" || t == "binary") {
        FERRY_ASSIGN_OR_RETURN(std::uint64_t bytes, charBytes(column.length));
        return BinlogType{bt::kString, stringMeta(bt::kString, bytes)};
    }
    if (t == "inet4" || t == "inet6" || t == "uuid") {
        std::uint64_t bytes = t == "inet4" ? 4 : 16;
        return BinlogType{bt::kString, stringMeta(bt::kString, bytes)};
    }
    if (t == "varchar" || t == "varbinary") {
        FERRY_ASSIGN_OR_RETURN(std::uint64_t bytes, charBytes(column.length));
        return BinlogType{bt::kVarchar, static_cast<std::uint32_t>(bytes)};
    }
    if (t == "tinytext" || t == "tinyblob")
        return BinlogType{bt::kBlob, 1};
    if (t == "text" || t == "blob")
        return BinlogType{bt::kBlob, 2};
    if (t == "mediumtext" || t == "mediumblob")
        return BinlogType{bt::kBlob, 3};
    if (t == "longtext" || t == "longblob")
        return BinlogType{bt::kBlob, 4};
    if (t == "json")
        return BinlogType{bt::kJson, 4};
    if (t == "enum") {
        std::uint32_t pack = column.members.size() > 255 ? 2 : 1;
        return BinlogType{bt::kEnum, (bt::kEnum << 8) | pack};
    }
    if (t == "set") {
        return BinlogType{bt::kSet, (bt::kSet << 8) | setPackLength(column.members.size())};
    }
    if (t == "geometry" || t == "point" || t == "linestring" || t == "polygon" ||
        t == "multipoint" || t == "multilinestring" || t == "multipolygon" ||
        t == "geometrycollection" || t == "geomcollection") {
        return BinlogType{bt::kGeometry, 4};
    }
    return makeError(ErrorCode::Unsupported,
                     where + ": no binlog type known for data type '" + t + "'");
}

bool isStringType(std::string_view t) {
    return t == "char" || t == "varchar" || t == "binary" || t == "varbinary" || t == "tinytext" ||
           t == "text" || t == "mediumtext" || t == "longtext" || t == "tinyblob" || t == "blob" ||
           t == "mediumblob" || t == "longblob" || t == "enum" || t == "set" || t == "inet4" ||
           t == "inet6" || t == "uuid";
}

}  // namespace

bool columnNameEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (foldAscii(a[i]) != foldAscii(b[i])) {
            return false;
        }
    }
    return true;
}

std::optional<std::size_t> TableDef::findColumn(std::string_view column) const {
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (columnNameEquals(columns[i].name, column)) {
            return i;
        }
    }
    return std::nullopt;
}

const IndexDef* TableDef::primaryKey() const {
    for (const auto& index : indexes) {
        if (index.kind == IndexKind::Primary) {
            return &index;
        }
    }
    return nullptr;
}

std::optional<std::size_t> TableDef::findIndex(std::string_view index) const {
    for (std::size_t i = 0; i < indexes.size(); ++i) {
        if (columnNameEquals(indexes[i].name, index)) {
            return i;
        }
    }
    return std::nullopt;
}

Result<::ferry::v1::TableDefinition> TableDef::toTableDefinition(
    const CharsetCatalog& catalog) const {
    ::ferry::v1::TableDefinition out;
    out.set_schema(schema);
    out.set_name(name);
    for (const auto& column : columns) {
        std::string where = "table " + schema + "." + name + " column " + column.name;
        FERRY_ASSIGN_OR_RETURN(BinlogType type, binlogType(column, catalog, where));
        auto* c = out.add_columns();
        c->set_name(column.name);
        c->set_type(type.type);
        c->set_meta(type.meta);
        c->set_unsigned_(column.isUnsigned);
        c->set_nullable(column.nullable);
        if (isStringType(column.dataType) || column.dataType == "json") {
            c->set_collation(column.collation.empty() ? kBinaryCollationId
                                                      : catalog.collationId(column.collation));
        }
        for (const auto& member : column.members) {
            c->add_enum_names(member);
        }
        c->set_generated(column.generated != GeneratedKind::None);
    }
    auto columnIndexes = [&](const IndexDef& index, std::vector<std::uint32_t>& positions) {
        for (const auto& part : index.parts) {
            auto at = part.column.empty() ? std::nullopt : findColumn(part.column);
            if (!at) {
                return false;
            }
            positions.push_back(static_cast<std::uint32_t>(*at));
        }
        return true;
    };
    std::vector<const IndexDef*> uniques;
    for (const auto& index : indexes) {
        if (index.kind == IndexKind::Primary) {
            std::vector<std::uint32_t> pk;
            if (columnIndexes(index, pk)) {
                for (auto i : pk) {
                    out.add_primary_key(i);
                }
            }
        } else if (index.kind == IndexKind::Unique) {
            uniques.push_back(&index);
        }
    }
    std::sort(uniques.begin(), uniques.end(),
              [](const IndexDef* a, const IndexDef* b) { return a->name < b->name; });
    for (const IndexDef* index : uniques) {
        std::vector<std::uint32_t> key;
        if (!columnIndexes(*index, key)) {
            continue;  // expression parts: not a key over row values
        }
        auto* u = out.add_unique_keys();
        u->set_name(index->name);
        for (auto i : key) {
            u->add_columns(i);
        }
    }
    return out;
}

std::string TableDef::describe() const {
    std::string out;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        const ColumnDef& c = columns[i];
        out += (i ? ", " : "") + c.name + " " + c.columnType;
        if (!c.nullable)
            out += " not null";
        if (!c.collation.empty())
            out += " " + c.collation;
        if (c.generated == GeneratedKind::Virtual)
            out += " virtual";
        if (c.generated == GeneratedKind::Stored)
            out += " stored";
        if (c.autoIncrement)
            out += " ai";
        if (c.onUpdateCurrentTimestamp)
            out += " onupdate";
        if (c.invisible)
            out += " invisible";
    }
    out += ";";
    for (std::size_t i = 0; i < indexes.size(); ++i) {
        const IndexDef& index = indexes[i];
        out += i ? ", " : " ";
        switch (index.kind) {
            case IndexKind::Primary:
                out += "PRIMARY";
                break;
            case IndexKind::Unique:
                out += "UNIQUE " + index.name;
                break;
            case IndexKind::Plain:
                out += "KEY " + index.name;
                break;
            case IndexKind::Fulltext:
                out += "FULLTEXT " + index.name;
                break;
            case IndexKind::Spatial:
                out += "SPATIAL " + index.name;
                break;
        }
        out += "(";
        for (std::size_t p = 0; p < index.parts.size(); ++p) {
            const IndexPart& part = index.parts[p];
            out +=
                (p ? "," : "") + (part.column.empty() ? "(" + part.expression + ")" : part.column);
            if (part.prefixLength != 0)
                out += "(" + std::to_string(part.prefixLength) + ")";
        }
        out += ")";
    }
    static const char* const kActions[] = {"",         "RESTRICT",  "CASCADE",
                                           "SET NULL", "NO ACTION", "SET DEFAULT"};
    for (const auto& fk : foreignKeys) {
        out += "; FK " + fk.name + "(";
        for (std::size_t p = 0; p < fk.columns.size(); ++p)
            out += (p ? "," : "") + fk.columns[p];
        out += ")->" + fk.referencedSchema + "." + fk.referencedTable + "(";
        for (std::size_t p = 0; p < fk.referencedColumns.size(); ++p) {
            out += (p ? "," : "") + fk.referencedColumns[p];
        }
        out += ")";
        if (fk.onDelete != ReferenceAction::Unspecified) {
            out += std::string(" ON DELETE ") + kActions[static_cast<int>(fk.onDelete)];
        }
        if (fk.onUpdate != ReferenceAction::Unspecified) {
            out += std::string(" ON UPDATE ") + kActions[static_cast<int>(fk.onUpdate)];
        }
    }
    out += "; " + collation;
    return out;
}

std::string NameRules::key(std::string_view name) const {
    return lowerCaseTableNames == 0 ? std::string(name) : lowerAscii(name);
}

std::string NameRules::stored(std::string_view name) const {
    return lowerCaseTableNames == 1 ? lowerAscii(name) : std::string(name);
}

void SchemaModel::setTrackedSchemas(std::vector<std::string> schemas) {
    m_tracked.clear();
    for (const auto& schema : schemas) {
        m_tracked.insert(m_rules.key(schema));
    }
}

bool SchemaModel::isTracked(std::string_view schema) const {
    return m_tracked.empty() || m_tracked.count(m_rules.key(schema)) != 0;
}

const DatabaseDef* SchemaModel::findDatabase(std::string_view schema) const {
    auto it = m_databases.find(m_rules.key(schema));
    return it == m_databases.end() ? nullptr : &it->second;
}

void SchemaModel::putDatabase(DatabaseDef database) {
    std::string key = m_rules.key(database.name);
    m_databases[key] = std::move(database);
}

std::vector<TableName> SchemaModel::dropDatabase(std::string_view schema) {
    std::string key = m_rules.key(schema);
    std::vector<TableName> removed;
    for (auto it = m_tables.begin(); it != m_tables.end();) {
        if (it->first.first == key) {
            removed.push_back({it->second->schema, it->second->name});
            it = m_tables.erase(it);
        } else {
            ++it;
        }
    }
    m_databases.erase(key);
    return removed;
}

std::shared_ptr<const TableDef> SchemaModel::findTable(std::string_view schema,
                                                       std::string_view table) const {
    auto it = m_tables.find({m_rules.key(schema), m_rules.key(table)});
    return it == m_tables.end() ? nullptr : it->second;
}

void SchemaModel::putTable(TableDef table) {
    putTable(std::make_shared<const TableDef>(std::move(table)));
}

void SchemaModel::putTable(std::shared_ptr<const TableDef> table) {
    Key key{m_rules.key(table->schema), m_rules.key(table->name)};
    m_tables[key] = std::move(table);
}

bool SchemaModel::dropTable(std::string_view schema, std::string_view table) {
    return m_tables.erase({m_rules.key(schema), m_rules.key(table)}) != 0;
}

std::vector<const DatabaseDef*> SchemaModel::databases() const {
    std::vector<const DatabaseDef*> out;
    for (const auto& [key, database] : m_databases) {
        out.push_back(&database);
    }
    return out;
}

std::vector<std::shared_ptr<const TableDef>> SchemaModel::tables() const {
    std::vector<std::shared_ptr<const TableDef>> out;
    out.reserve(m_tables.size());
    for (const auto& [key, table] : m_tables) {
        out.push_back(table);
    }
    return out;
}

std::vector<std::shared_ptr<const TableDef>> SchemaModel::tablesOf(std::string_view schema) const {
    std::string key = m_rules.key(schema);
    std::vector<std::shared_ptr<const TableDef>> out;
    for (auto it = m_tables.lower_bound({key, std::string()});
         it != m_tables.end() && it->first.first == key; ++it) {
        out.push_back(it->second);
    }
    return out;
}

bool SchemaModel::sameContent(const SchemaModel& other) const {
    if (m_databases != other.m_databases || m_tables.size() != other.m_tables.size()) {
        return false;
    }
    auto a = m_tables.begin();
    auto b = other.m_tables.begin();
    for (; a != m_tables.end(); ++a, ++b) {
        if (a->first != b->first || !(*a->second == *b->second)) {
            return false;
        }
    }
    return true;
}

}  // namespace ferry::schema
