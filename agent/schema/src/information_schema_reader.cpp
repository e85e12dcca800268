// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/information_schema_reader.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "ddl_lexer.h"
#include "ferry/mysql/connection.h"

namespace ferry::schema {
namespace {

using model::BinlogPosition;
using Row = std::vector<std::optional<std::string>>;

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string value(const Row& row, std::size_t i) {
    return i < row.size() ? row[i].value_or("") : std::string();
}

bool isNull(const Row& row, std::size_t i) {
    return i >= row.size() || !row[i].has_value();
}

std::uint64_t number(const Row& row, std::size_t i) {
    std::string text = value(row, i);
    std::uint64_t out = 0;
    for (char c : text) {
        if (c < '0' || c > '9') {
            break;
        }
        out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return out;
}

std::string inList(mysql::MysqlConnection& connection, const std::vector<std::string>& values) {
    std::string out;
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += (i ? ", " : "") + connection.quote(values[i]);
    }
    return out;
}

Error readError(const Error& error, std::string_view what) {
    return makeError(error.code,
                     "information_schema: cannot read " + std::string(what) + ": " + error.message);
}

std::uint64_t textTypeMaxBytes(std::string_view t) {
    if (t == "tinytext" || t == "tinyblob")
        return 255;
    if (t == "text" || t == "blob")
        return 65535;
    if (t == "mediumtext" || t == "mediumblob")
        return 16777215;
    return 4294967295ull;
}

ReferenceAction action(std::string_view rule) {
    if (rule == "CASCADE")
        return ReferenceAction::Cascade;
    if (rule == "SET NULL")
        return ReferenceAction::SetNull;
    if (rule == "RESTRICT")
        return ReferenceAction::Restrict;
    if (rule == "NO ACTION")
        return ReferenceAction::NoAction;
    if (rule == "SET DEFAULT")
        return ReferenceAction::SetDefault;
    return ReferenceAction::Unspecified;
}

// ENUM/SET members from COLUMN_TYPE: enum('a','it''s').
Result<std::vector<std::string>> membersOf(std::string_view columnType, bool mariadb) {
    FERRY_ASSIGN_OR_RETURN(auto tokens, detail::tokenize(columnType, mariadb));
    std::vector<std::string> members;
    for (const auto& token : tokens) {
        if (token.kind == detail::TokenKind::String) {
            members.push_back(token.text);
        }
    }
    return members;
}

bool isQueryDdl(std::string_view info) {
    // SHOW BINLOG EVENTS prints "use `db`; <statement>" for statements with a default schema.
    std::string text = lowerAscii(info);
    if (text.rfind("use ", 0) == 0) {
        auto semicolon = text.find("; ");
        if (semicolon != std::string::npos) {
            text = text.substr(semicolon + 2);
        }
    }
    for (const char* word : {"begin", "commit", "rollback", "savepoint", "xa ", "# dummy"}) {
        if (text.rfind(word, 0) == 0) {
            return false;
        }
    }
    return true;
}

}  // namespace

Result<CharsetCatalog> InformationSchemaReader::readCatalog() {
    bool mariadb = m_connection.server().mariadb;
    CharsetCatalog catalog =
        CharsetCatalog::builtIn(mariadb ? ServerFlavor::MariaDb : ServerFlavor::MySql);
    auto charsets = m_connection.query(
        "SELECT CHARACTER_SET_NAME, MAXLEN FROM information_schema.CHARACTER_SETS");
    if (!charsets.ok()) {
        return readError(charsets.error(), "CHARACTER_SETS");
    }
    for (const auto& row : charsets->rows) {
        catalog.addCharset(value(row, 0), static_cast<std::uint32_t>(number(row, 1)));
    }
    auto collations = m_connection.query(
        "SELECT COLLATION_NAME, CHARACTER_SET_NAME, ID, IS_DEFAULT FROM "
        "information_schema.COLLATIONS");
    if (!collations.ok()) {
        return readError(collations.error(), "COLLATIONS");
    }
    for (const auto& row : collations->rows) {
        if (isNull(row, 2) || isNull(row, 1)) {
            continue;
        }
        catalog.addCollation(value(row, 0), value(row, 1),
                             static_cast<std::uint32_t>(number(row, 2)),
                             lowerAscii(value(row, 3)) == "yes");
    }
    auto settings = m_connection.query(
        "SELECT @@character_set_server, @@collation_server, @@explicit_defaults_for_timestamp, "
        "@@sql_mode");
    if (!settings.ok() || settings->rows.empty()) {
        return readError(
            settings.ok() ? makeError(ErrorCode::Internal, "no row") : settings.error(),
            "server settings");
    }
    const Row& row = settings->rows.front();
    catalog.serverCharset = lowerAscii(value(row, 0));
    catalog.serverCollation = lowerAscii(value(row, 1));
    std::string explicitDefaults = lowerAscii(value(row, 2));
    catalog.explicitDefaultsForTimestamp = explicitDefaults == "1" || explicitDefaults == "on";
    catalog.realAsFloat = value(row, 3).find("REAL_AS_FLOAT") != std::string::npos;
    return catalog;
}

Result<NameRules> InformationSchemaReader::readNameRules() {
    auto result = m_connection.query("SELECT @@lower_case_table_names");
    if (!result.ok() || result->rows.empty()) {
        return readError(result.ok() ? makeError(ErrorCode::Internal, "no row") : result.error(),
                         "@@lower_case_table_names");
    }
    NameRules rules;
    rules.lowerCaseTableNames = static_cast<int>(number(result->rows.front(), 0));
    return rules;
}

Result<SchemaModel> InformationSchemaReader::readSchemas(const std::vector<std::string>& schemas,
                                                         const CharsetCatalog& catalog,
                                                         const NameRules& rules) {
    SchemaModel model(rules);
    model.setTrackedSchemas(schemas);
    if (schemas.empty()) {
        return model;
    }
    bool mariadb = m_connection.server().mariadb;
    std::string in = inList(m_connection, schemas);

    auto dbs = m_connection.query(
        "SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
        "information_schema.SCHEMATA WHERE SCHEMA_NAME IN (" +
        in + ")");
    if (!dbs.ok()) {
        return readError(dbs.error(), "SCHEMATA");
    }
    for (const auto& row : dbs->rows) {
        model.putDatabase(
            {value(row, 0),
             catalog.canonicalCharset(value(row, 1)).value_or(lowerAscii(value(row, 1))),
             catalog.canonicalCollation(value(row, 2)).value_or(lowerAscii(value(row, 2)))});
    }

    std::map<std::pair<std::string, std::string>, TableDef> tables;
    auto tableRows = m_connection.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA IN (" +
        in + ") AND TABLE_TYPE = 'BASE TABLE'");
    if (!tableRows.ok()) {
        return readError(tableRows.error(), "TABLES");
    }
    for (const auto& row : tableRows->rows) {
        TableDef table;
        table.schema = value(row, 0);
        table.name = value(row, 1);
        table.engine = value(row, 2);
        std::string collation = lowerAscii(value(row, 3));
        table.collation = catalog.canonicalCollation(collation).value_or(collation);
        table.charset = catalog.charsetOfCollation(table.collation).value_or("");
        tables[{table.schema, table.name}] = std::move(table);
    }

    auto columns = m_connection.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, "
        "CHARACTER_SET_NAME, COLLATION_NAME, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, "
        "NUMERIC_SCALE, DATETIME_PRECISION, EXTRA, GENERATION_EXPRESSION FROM "
        "information_schema.COLUMNS WHERE TABLE_SCHEMA IN (" +
        in +
        ") "
        "ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION");
    if (!columns.ok()) {
        return readError(columns.error(), "COLUMNS");
    }
    for (const auto& row : columns->rows) {
        auto it = tables.find({value(row, 0), value(row, 1)});
        if (it == tables.end()) {
            continue;  // a view
        }
        ColumnDef c;
        c.name = value(row, 2);
        c.dataType = lowerAscii(value(row, 3));
        c.columnType = value(row, 4);
        std::string columnType = lowerAscii(c.columnType);
        c.isUnsigned = columnType.find(" unsigned") != std::string::npos;
        c.zerofill = columnType.find(" zerofill") != std::string::npos;
        c.nullable = value(row, 5) == "YES";
        if (!isNull(row, 6) && c.dataType != "binary" && c.dataType != "varbinary" &&
            c.dataType.find("blob") == std::string::npos) {
            std::string charset = lowerAscii(value(row, 6));
            std::string collation = lowerAscii(value(row, 7));
            c.charset = catalog.canonicalCharset(charset).value_or(charset);
            c.collation = catalog.canonicalCollation(collation).value_or(collation);
        }
        if (c.dataType == "geomcollection" && mariadb) {
            c.dataType = "geometrycollection";
        }
        if (c.dataType == "decimal") {
            c.precision = static_cast<std::uint32_t>(number(row, 9));
            c.scale = static_cast<std::uint32_t>(number(row, 10));
        } else if (c.dataType == "bit") {
            c.length = number(row, 9);
        } else if (c.dataType == "char" || c.dataType == "varchar" || c.dataType == "binary" ||
                   c.dataType == "varbinary") {
            c.length = number(row, 8);
        } else if (c.dataType.find("text") != std::string::npos ||
                   c.dataType.find("blob") != std::string::npos) {
            std::uint64_t mb =
                c.charset.empty() ? 1 : catalog.maxBytesPerChar(c.charset).value_or(1);
            c.length = textTypeMaxBytes(c.dataType) / mb;
        } else if (c.dataType == "time" || c.dataType == "datetime" || c.dataType == "timestamp") {
            c.fsp = static_cast<std::uint32_t>(number(row, 11));
        }
        if (c.dataType == "enum" || c.dataType == "set") {
            FERRY_ASSIGN_OR_RETURN(c.members, membersOf(c.columnType, mariadb));
        }
        std::string extra = lowerAscii(value(row, 12));
        if (extra.find("virtual") != std::string::npos) {
            c.generated = GeneratedKind::Virtual;
        } else if (extra.find("stored") != std::string::npos ||
                   extra.find("persistent") != std::string::npos) {
            c.generated = GeneratedKind::Stored;
        }
        if (c.generated != GeneratedKind::None) {
            c.generationExpression = value(row, 13);
        }
        c.autoIncrement = extra.find("auto_increment") != std::string::npos;
        c.onUpdateCurrentTimestamp = extra.find("on update") != std::string::npos;
        c.invisible = extra.find("invisible") != std::string::npos;
        it->second.columns.push_back(std::move(c));
    }

    auto stats = m_connection.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, "
        "INDEX_TYPE FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN (" +
        in +
        ") "
        "ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, "
        "SEQ_IN_INDEX");
    if (!stats.ok()) {
        return readError(stats.error(), "STATISTICS");
    }
    for (const auto& row : stats->rows) {
        auto it = tables.find({value(row, 0), value(row, 1)});
        if (it == tables.end()) {
            continue;
        }
        TableDef& table = it->second;
        std::string name = value(row, 2);
        if (table.indexes.empty() || table.indexes.back().name != name) {
            IndexDef index;
            index.name = name;
            std::string type = value(row, 6);
            index.kind = name == "PRIMARY"      ? IndexKind::Primary
                         : value(row, 3) == "0" ? IndexKind::Unique
                         : type == "FULLTEXT"   ? IndexKind::Fulltext
                         : type == "SPATIAL"    ? IndexKind::Spatial
                                                : IndexKind::Plain;
            table.indexes.push_back(std::move(index));
        }
        IndexPart part;
        part.column = value(row, 4);  // NULL for a functional key part
        part.prefixLength = static_cast<std::uint32_t>(number(row, 5));
        if (isNull(row, 4)) {
            part.expression = "?";
        }
        table.indexes.back().parts.push_back(std::move(part));
    }

    auto fks = m_connection.query(
        "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, "
        "k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
        "r.DELETE_RULE, r.UPDATE_RULE FROM information_schema.KEY_COLUMN_USAGE k "
        "JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = "
        "k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = "
        "k.TABLE_NAME WHERE k.TABLE_SCHEMA IN (" +
        in +
        ") AND k.REFERENCED_TABLE_NAME IS NOT "
        "NULL ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION");
    if (!fks.ok()) {
        return readError(fks.error(), "KEY_COLUMN_USAGE and REFERENTIAL_CONSTRAINTS");
    }
    for (const auto& row : fks->rows) {
        auto it = tables.find({value(row, 0), value(row, 1)});
        if (it == tables.end()) {
            continue;
        }
        TableDef& table = it->second;
        std::string name = value(row, 2);
        if (table.foreignKeys.empty() || table.foreignKeys.back().name != name) {
            ForeignKeyDef fk;
            fk.name = name;
            fk.referencedSchema = value(row, 4);
            fk.referencedTable = value(row, 5);
            fk.onDelete = action(value(row, 7));
            fk.onUpdate = action(value(row, 8));
            table.foreignKeys.push_back(std::move(fk));
        }
        table.foreignKeys.back().columns.push_back(value(row, 3));
        table.foreignKeys.back().referencedColumns.push_back(value(row, 6));
    }
    for (auto& [key, table] : tables) {
        model.putTable(std::move(table));
    }
    return model;
}

Result<std::pair<BinlogPosition, std::string>> InformationSchemaReader::readPosition() {
    auto status = m_connection.query("SHOW MASTER STATUS");
    if (!status.ok()) {
        status = m_connection.query("SHOW BINARY LOG STATUS");  // MySQL 8.4 and later
    }
    if (!status.ok()) {
        return readError(status.error(), "the binlog position (SHOW MASTER STATUS)");
    }
    if (status->rows.empty()) {
        return makeError(ErrorCode::Unsupported,
                         "information_schema: the server has no binlog (SHOW MASTER STATUS is "
                         "empty); enable log_bin");
    }
    const Row& row = status->rows.front();
    auto position = BinlogPosition::parse(value(row, 0) + ":" + value(row, 1));
    if (!position.ok()) {
        return makeError(ErrorCode::Corrupt, "SHOW MASTER STATUS: " + position.error().message);
    }
    std::string gtid;
    if (m_connection.server().mariadb) {
        auto g = m_connection.query("SELECT @@gtid_binlog_pos");
        if (g.ok() && !g->rows.empty()) {
            gtid = value(g->rows.front(), 0);
        }
    } else {
        for (std::size_t i = 0; i < status->columns.size(); ++i) {
            if (status->columns[i] == "Executed_Gtid_Set") {
                gtid = value(row, i);
            }
        }
    }
    return std::make_pair(*position, gtid);
}

Result<bool> InformationSchemaReader::ddlLoggedBetween(const BinlogPosition& from,
                                                       const BinlogPosition& to) {
    constexpr std::uint64_t kMaxEvents = 100000;
    constexpr std::uint64_t kPage = 1000;
    auto logs = m_connection.query("SHOW BINARY LOGS");
    if (!logs.ok()) {
        return readError(logs.error(), "the binlog list (SHOW BINARY LOGS)");
    }
    std::vector<std::string> files;
    bool inRange = false;
    for (const auto& row : logs->rows) {
        std::string file = value(row, 0);
        if (file == from.file) {
            inRange = true;
        }
        if (inRange) {
            files.push_back(file);
        }
        if (file == to.file) {
            break;
        }
    }
    if (files.empty() || files.back() != to.file) {
        return true;  // purged or unknown: assume the worst
    }
    std::uint64_t seen = 0;
    for (const auto& file : files) {
        std::uint64_t start = file == from.file ? from.pos : BinlogPosition::kFirstEventOffset;
        for (std::uint64_t offset = 0;; offset += kPage) {
            auto events = m_connection.query("SHOW BINLOG EVENTS IN " + m_connection.quote(file) +
                                             " FROM " + std::to_string(start) + " LIMIT " +
                                             std::to_string(offset) + ", " + std::to_string(kPage));
            if (!events.ok()) {
                return readError(events.error(), "SHOW BINLOG EVENTS in " + file);
            }
            for (const auto& row : events->rows) {
                std::uint64_t pos = number(row, 1);
                if (file == to.file && pos >= to.pos) {
                    return false;
                }
                if (value(row, 2) == "Query" && isQueryDdl(value(row, 5))) {
                    return true;
                }
                if (++seen > kMaxEvents) {
                    return true;
                }
            }
            if (events->rows.size() < kPage) {
                break;
            }
        }
    }
    return false;
}

Result<InformationSchemaSnapshot> InformationSchemaReader::snapshot(
    const std::vector<std::string>& schemas, const CharsetCatalog& catalog, const NameRules& rules,
    int maxAttempts) {
    for (int attempt = 1; attempt <= maxAttempts; ++attempt) {
        FERRY_ASSIGN_OR_RETURN(auto before, readPosition());
        FERRY_ASSIGN_OR_RETURN(SchemaModel model, readSchemas(schemas, catalog, rules));
        FERRY_ASSIGN_OR_RETURN(auto after, readPosition());
        bool ddl = false;
        if (!(before.first == after.first)) {
            FERRY_ASSIGN_OR_RETURN(ddl, ddlLoggedBetween(before.first, after.first));
        }
        if (!ddl) {
            return InformationSchemaSnapshot{std::move(model), before.first, before.second,
                                             attempt};
        }
    }
    return makeError(ErrorCode::Unavailable,
                     "information_schema: DDL was logged during each of " +
                         std::to_string(maxAttempts) +
                         " reads of the schema; take the snapshot again when DDL is quiet");
}

}  // namespace ferry::schema
