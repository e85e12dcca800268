// SPDX-License-Identifier: Apache-2.0
#include "ferry/schema/ddl_parser.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <optional>

#include "ddl_lexer.h"

namespace ferry::schema {
namespace {

using detail::Token;
using detail::TokenKind;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return columnNameEquals(a, b);
}

std::string lowerAscii(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Error unsupported(std::string message) {
    return makeError(ErrorCode::Unsupported, std::move(message));
}

// Reads tokens of one statement.
class Cursor {
public:
    Cursor(const std::vector<Token>& tokens) : m_tokens(tokens) {}  // NOLINT: implicit

    bool atEnd() const { return m_pos >= m_tokens.size(); }
    std::size_t position() const { return m_pos; }
    void seek(std::size_t pos) { m_pos = pos; }
    const Token* peek(std::size_t ahead = 0) const {
        return m_pos + ahead < m_tokens.size() ? &m_tokens[m_pos + ahead] : nullptr;
    }
    const Token& next() { return m_tokens[m_pos++]; }

    bool isWord(std::string_view word, std::size_t ahead = 0) const {
        const Token* t = peek(ahead);
        return t != nullptr && t->kind == TokenKind::Word && equalsIgnoreCase(t->text, word);
    }
    bool isAnyWord(std::initializer_list<std::string_view> words, std::size_t ahead = 0) const {
        for (auto word : words) {
            if (isWord(word, ahead)) {
                return true;
            }
        }
        return false;
    }
    bool isPunct(char c, std::size_t ahead = 0) const {
        const Token* t = peek(ahead);
        return t != nullptr && t->kind == TokenKind::Punct && t->text[0] == c;
    }
    bool acceptWord(std::string_view word) {
        if (!isWord(word)) {
            return false;
        }
        ++m_pos;
        return true;
    }
    // Accepts a sequence of words only when all of them follow.
    bool acceptWords(std::initializer_list<std::string_view> words) {
        std::size_t i = 0;
        for (auto word : words) {
            if (!isWord(word, i++)) {
                return false;
            }
        }
        m_pos += words.size();
        return true;
    }
    bool acceptPunct(char c) {
        if (!isPunct(c)) {
            return false;
        }
        ++m_pos;
        return true;
    }
    bool isName(std::size_t ahead = 0) const {
        const Token* t = peek(ahead);
        return t != nullptr && (t->kind == TokenKind::Word || t->kind == TokenKind::QuotedName);
    }

    Error error(std::string_view what) const {
        std::string near = atEnd() ? "the end of the statement" : "'" + peek()->text + "'";
        return unsupported(std::string(what) + " near " + near);
    }
    Status expectWord(std::string_view word) {
        if (!acceptWord(word)) {
            return error("expected " + std::string(word));
        }
        return okStatus();
    }
    Status expectPunct(char c) {
        if (!acceptPunct(c)) {
            return error(std::string("expected '") + c + "'");
        }
        return okStatus();
    }
    Result<std::string> name() {
        if (!isName()) {
            return error("expected a name");
        }
        return next().text;
    }
    // Skips a parenthesised group; REQUIRES: at '('.
    Status skipBalanced() {
        int depth = 0;
        while (!atEnd()) {
            const Token& t = next();
            if (t.kind == TokenKind::Punct && t.text[0] == '(') {
                ++depth;
            } else if (t.kind == TokenKind::Punct && t.text[0] == ')') {
                if (--depth == 0) {
                    return okStatus();
                }
            }
        }
        return error("unbalanced parentheses");
    }
    // Skips tokens up to (not including) a ',' or ')' at depth 0, or the end.
    Status skipToListEnd() {
        while (!atEnd() && !isPunct(',') && !isPunct(')')) {
            if (isPunct('(')) {
                FERRY_TRY(skipBalanced());
            } else {
                ++m_pos;
            }
        }
        return okStatus();
    }
    void skipToEnd() { m_pos = m_tokens.size(); }
    // The source text of a parenthesised group without its parentheses; REQUIRES: at '('.
    Result<std::string> balancedText(std::string_view source) {
        std::size_t open = m_pos;
        FERRY_TRY(skipBalanced());
        std::size_t from = m_tokens[open].end;
        std::size_t to = m_tokens[m_pos - 1].begin;
        return std::string(source.substr(from, to - from));
    }

private:
    const std::vector<Token>& m_tokens;
    std::size_t m_pos = 0;
};

struct Charset {
    std::string charset;
    std::string collation;
};

// A column definition as written, before defaults of the table are applied.
struct ColumnSpec {
    ColumnDef def;
    std::string charset;    // explicit CHARACTER SET
    std::string collation;  // explicit COLLATE
    bool binaryAttribute = false;
    std::uint64_t textLength = 0;  // TEXT(n): characters requested
    bool inlinePrimary = false;
    bool inlineUnique = false;
    bool explicitNull = false;
    bool explicitNotNull = false;
    bool hasDefault = false;
    std::string firstOrAfter;  // "" none, "\x01" FIRST, else the AFTER column
    bool positioned = false;
};

struct PendingForeignKey {
    std::string indexName;
    std::string symbol;
    std::vector<std::string> columns;
};

bool isTextType(std::string_view t) {
    return t == "tinytext" || t == "text" || t == "mediumtext" || t == "longtext";
}

bool isCharacterType(std::string_view t) {
    return t == "char" || t == "varchar" || isTextType(t) || t == "enum" || t == "set";
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

std::string textTypeFor(std::uint64_t bytes, bool binary) {
    if (bytes <= 255)
        return binary ? "tinyblob" : "tinytext";
    if (bytes <= 65535)
        return binary ? "blob" : "text";
    if (bytes <= 16777215)
        return binary ? "mediumblob" : "mediumtext";
    return binary ? "longblob" : "longtext";
}

std::string quoteMember(std::string_view member) {
    std::string out = "'";
    for (char c : member) {
        if (c == '\'') {
            out += "''";
        } else {
            out.push_back(c);
        }
    }
    return out + "'";
}

void buildColumnType(ColumnDef& c) {
    const std::string& t = c.dataType;
    std::string text = t;
    if (t == "decimal") {
        text += "(" + std::to_string(c.precision) + "," + std::to_string(c.scale) + ")";
    } else if (t == "char" || t == "varchar" || t == "binary" || t == "varbinary" || t == "bit") {
        text += "(" + std::to_string(c.length) + ")";
    } else if ((t == "time" || t == "datetime" || t == "timestamp") && c.fsp > 0) {
        text += "(" + std::to_string(c.fsp) + ")";
    } else if (t == "enum" || t == "set") {
        text += "(";
        for (std::size_t i = 0; i < c.members.size(); ++i) {
            text += (i ? "," : "") + quoteMember(c.members[i]);
        }
        text += ")";
    }
    if (c.isUnsigned) {
        text += " unsigned";
    }
    if (c.zerofill) {
        text += " zerofill";
    }
    c.columnType = std::move(text);
}

// One statement being applied to a working copy of the model.
class StatementApplier {
public:
    StatementApplier(SchemaModel& work, const CharsetCatalog& catalog,
                     std::string_view defaultSchema, std::string_view source,
                     const std::vector<Token>& tokens)
        : m_work(work),
          m_catalog(catalog),
          m_defaultSchema(defaultSchema),
          m_source(source),
          m_tokens(tokens),
          m_cur(tokens) {}

    Result<DdlChange> run();

private:
    bool mariadb() const { return m_catalog.flavor() == ServerFlavor::MariaDb; }
    bool tracked(const TableName& name) const {
        return !name.schema.empty() && m_work.isTracked(name.schema);
    }
    Result<TableName> tableName();
    Status skipDefiner();
    Result<DdlChange> unknownStatement(std::string_view reason);
    std::optional<TableName> mentionedTrackedTable() const;

    Result<DdlChange> createTable(bool orReplace, bool temporary);
    Result<DdlChange> createDatabase(bool orReplace);
    Result<DdlChange> alterDatabase();
    Result<DdlChange> dropDatabase();
    Result<DdlChange> createIndex();
    Result<DdlChange> dropIndex();
    Result<DdlChange> alterTable();
    Result<DdlChange> dropTables(bool temporary);
    Result<DdlChange> renameTables();

    Result<Charset> resolveCharset(std::string_view charset, std::string_view collation,
                                   const Charset& fallback) const;
    Charset databaseDefault(std::string_view schema) const;
    Result<Charset> readCharsetOption(std::string_view keywordSeen);

    Result<ColumnSpec> columnDefinition(bool inAlter);
    Status dataType(ColumnSpec& spec);
    Status columnAttributes(ColumnSpec& spec, bool inAlter);
    Status skipDefaultValue();
    Status finishColumn(ColumnSpec& spec, const TableDef& table) const;
    Status placeColumn(TableDef& table, ColumnDef column, const ColumnSpec& spec,
                       std::optional<std::size_t> replacing);
    Status addInlineKeys(TableDef& table, const ColumnSpec& spec);

    // Table elements (CREATE TABLE) and ADD specs (ALTER TABLE). Returns false when the cursor
    // is not at a key/constraint element (then it is a column).
    Result<bool> keyElement(TableDef& table, bool allowIfNotExists);
    Result<std::vector<IndexPart>> keyParts();
    Status indexOptions();
    Status addIndex(TableDef& table, IndexDef index, bool ifNotExists);
    Result<ForeignKeyDef> foreignKeyBody(const TableDef& table, std::string symbol,
                                         std::string indexName);
    void addForeignKeyIndexes(TableDef& table);
    Status tableOption(TableDef* table, bool& recognised);

    Status alterSpec(TableDef& table, std::optional<TableName>& renameTo);
    Status dropColumn(TableDef& table, std::string_view column, bool ifExists);
    void renameColumnReferences(TableDef& table, std::string_view from, std::string_view to);
    Status convertCharset(TableDef& table, const Charset& target) const;
    void moveTable(const TableName& from, const TableName& to, std::shared_ptr<TableDef> table);

    SchemaModel& m_work;
    const CharsetCatalog& m_catalog;
    std::string m_defaultSchema;
    std::string_view m_source;
    const std::vector<Token>& m_tokens;
    Cursor m_cur;
    DdlChange m_change;
    std::vector<PendingForeignKey> m_pendingForeignKeys;
    bool m_deferColumnChecks = false;
};

Result<TableName> StatementApplier::tableName() {
    FERRY_ASSIGN_OR_RETURN(std::string first, m_cur.name());
    TableName out;
    if (m_cur.isPunct('.') && m_cur.isName(1)) {
        m_cur.next();
        FERRY_ASSIGN_OR_RETURN(std::string second, m_cur.name());
        out.schema = m_work.nameRules().stored(first);
        out.name = m_work.nameRules().stored(second);
    } else {
        out.schema = m_work.nameRules().stored(m_defaultSchema);
        out.name = m_work.nameRules().stored(first);
    }
    return out;
}

Status StatementApplier::skipDefiner() {
    if (!m_cur.acceptWord("DEFINER")) {
        return okStatus();
    }
    FERRY_TRY(m_cur.expectPunct('='));
    if (m_cur.acceptWord("CURRENT_USER") || m_cur.acceptWord("CURRENT_ROLE")) {
        if (m_cur.isPunct('(')) {
            FERRY_TRY(m_cur.skipBalanced());
        }
        return okStatus();
    }
    if (m_cur.atEnd()) {
        return m_cur.error("expected a user");
    }
    m_cur.next();
    // 'user'@'host' lexes as name, "@", name; user@host as name, "@host".
    if (!m_cur.atEnd() && m_cur.peek()->kind == TokenKind::Variable) {
        bool bare = m_cur.next().text == "@";
        if (bare && !m_cur.atEnd()) {
            m_cur.next();
        }
    }
    return okStatus();
}

std::optional<TableName> StatementApplier::mentionedTrackedTable() const {
    for (std::size_t i = 0; i < m_tokens.size(); ++i) {
        const Token& t = m_tokens[i];
        if (t.kind != TokenKind::Word && t.kind != TokenKind::QuotedName) {
            continue;
        }
        if (i + 2 < m_tokens.size() && m_tokens[i + 1].kind == TokenKind::Punct &&
            m_tokens[i + 1].text == "." &&
            (m_tokens[i + 2].kind == TokenKind::Word ||
             m_tokens[i + 2].kind == TokenKind::QuotedName)) {
            if (auto table = m_work.findTable(t.text, m_tokens[i + 2].text)) {
                return TableName{table->schema, table->name};
            }
        }
        if (!m_defaultSchema.empty()) {
            if (auto table = m_work.findTable(m_defaultSchema, t.text)) {
                return TableName{table->schema, table->name};
            }
        }
    }
    return std::nullopt;
}

Result<DdlChange> StatementApplier::unknownStatement(std::string_view reason) {
    if (auto table = mentionedTrackedTable()) {
        return unsupported(std::string(reason) + "; the statement mentions tracked table " +
                           table->toString());
    }
    return DdlChange{};
}

Result<DdlChange> StatementApplier::run() {
    if (m_cur.atEnd()) {
        return DdlChange{};
    }
    if (m_cur.acceptWord("CREATE")) {
        bool orReplace = m_cur.acceptWords({"OR", "REPLACE"});
        FERRY_TRY(skipDefiner());
        while (m_cur.acceptWord("ONLINE") || m_cur.acceptWord("OFFLINE")) {
        }
        bool temporary = m_cur.acceptWord("TEMPORARY");
        if (m_cur.acceptWord("TABLE")) {
            return createTable(orReplace, temporary);
        }
        if (m_cur.acceptWord("DATABASE") || m_cur.acceptWord("SCHEMA")) {
            return createDatabase(orReplace);
        }
        if (m_cur.isWord("INDEX") || m_cur.isWord("UNIQUE") || m_cur.isWord("FULLTEXT") ||
            (m_cur.isWord("SPATIAL") && m_cur.isWord("INDEX", 1))) {
            return createIndex();
        }
        if (m_cur.isAnyWord({"VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "USER", "ROLE",
                             "SERVER", "TABLESPACE", "LOGFILE", "RESOURCE", "SPATIAL", "AGGREGATE",
                             "PACKAGE", "SEQUENCE", "UNDO", "ALGORITHM", "SQL", "SYNONYM"})) {
            return DdlChange{};
        }
        return unknownStatement("unknown CREATE statement");
    }
    if (m_cur.acceptWord("ALTER")) {
        while (m_cur.acceptWord("ONLINE") || m_cur.acceptWord("IGNORE") ||
               m_cur.acceptWord("OFFLINE")) {
        }
        if (m_cur.acceptWord("TABLE")) {
            return alterTable();
        }
        if (m_cur.acceptWord("DATABASE") || m_cur.acceptWord("SCHEMA")) {
            return alterDatabase();
        }
        FERRY_TRY(skipDefiner());
        if (m_cur.isAnyWord({"VIEW", "EVENT", "FUNCTION", "PROCEDURE", "USER", "SERVER",
                             "TABLESPACE", "LOGFILE", "INSTANCE", "RESOURCE", "ROLE", "SEQUENCE",
                             "UNDO", "ALGORITHM", "SQL", "PACKAGE"})) {
            return DdlChange{};
        }
        return unknownStatement("unknown ALTER statement");
    }
    if (m_cur.acceptWord("DROP")) {
        bool temporary = m_cur.acceptWord("TEMPORARY");
        if (m_cur.acceptWord("TABLE") || m_cur.acceptWord("TABLES")) {
            return dropTables(temporary);
        }
        if (m_cur.acceptWord("DATABASE") || m_cur.acceptWord("SCHEMA")) {
            return dropDatabase();
        }
        while (m_cur.acceptWord("ONLINE") || m_cur.acceptWord("OFFLINE")) {
        }
        if (m_cur.acceptWord("INDEX")) {
            return dropIndex();
        }
        if (m_cur.isAnyWord({"VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT", "USER", "ROLE",
                             "SERVER", "TABLESPACE", "LOGFILE", "SEQUENCE", "SPATIAL", "RESOURCE",
                             "PACKAGE", "UNDO", "AGGREGATE", "SYNONYM"})) {
            return DdlChange{};
        }
        return unknownStatement("unknown DROP statement");
    }
    if (m_cur.acceptWord("RENAME")) {
        if (m_cur.acceptWord("TABLE") || m_cur.acceptWord("TABLES")) {
            return renameTables();
        }
        if (m_cur.isWord("USER")) {
            return DdlChange{};
        }
        return unknownStatement("unknown RENAME statement");
    }
    if (m_cur.isAnyWord(
            {"TRUNCATE", "GRANT",   "REVOKE",     "SET",      "FLUSH",     "ANALYZE",  "OPTIMIZE",
             "REPAIR",   "CHECK",   "CHECKSUM",   "INSTALL",  "UNINSTALL", "LOCK",     "UNLOCK",
             "BEGIN",    "COMMIT",  "ROLLBACK",   "XA",       "SAVEPOINT", "RELEASE",  "START",
             "RESET",    "PURGE",   "KILL",       "DO",       "CALL",      "USE",      "SHOW",
             "INSERT",   "UPDATE",  "DELETE",     "REPLACE",  "LOAD",      "SELECT",   "HANDLER",
             "PREPARE",  "EXECUTE", "DEALLOCATE", "BINLOG",   "SIGNAL",    "RESIGNAL", "HELP",
             "CACHE",    "STOP",    "CHANGE",     "DESCRIBE", "EXPLAIN",   "WITH",     "VALUES"})) {
        // TRUNCATE re-creates a table with the same definition; the others change no table.
        return DdlChange{};
    }
    return unknownStatement("unknown statement");
}

Charset StatementApplier::databaseDefault(std::string_view schema) const {
    if (const DatabaseDef* db = m_work.findDatabase(schema)) {
        if (!db->charset.empty()) {
            return {db->charset, db->collation};
        }
    }
    std::string charset = m_catalog.serverCharset;
    std::string collation = m_catalog.serverCollation;
    if (collation.empty()) {
        collation = m_catalog.defaultCollation(charset).value_or("");
    }
    return {charset, collation};
}

Result<Charset> StatementApplier::resolveCharset(std::string_view charset,
                                                 std::string_view collation,
                                                 const Charset& fallback) const {
    Charset out;
    if (equalsIgnoreCase(charset, "default")) {
        charset = {};
    }
    if (!charset.empty()) {
        auto canonical = m_catalog.canonicalCharset(charset);
        if (!canonical) {
            return unsupported("unknown character set '" + std::string(charset) + "'");
        }
        out.charset = *canonical;
    }
    if (!collation.empty() && !equalsIgnoreCase(collation, "default")) {
        auto canonical = m_catalog.canonicalCollation(collation);
        if (!canonical) {
            return unsupported("unknown collation '" + std::string(collation) + "'");
        }
        out.collation = *canonical;
        std::string of = m_catalog.charsetOfCollation(out.collation).value_or("");
        if (out.charset.empty()) {
            out.charset = of;
        } else if (of != out.charset) {
            return unsupported("collation '" + out.collation + "' is not of character set '" +
                               out.charset + "'");
        }
    }
    if (out.charset.empty()) {
        return fallback;
    }
    if (out.collation.empty()) {
        auto def = m_catalog.defaultCollation(out.charset);
        if (!def) {
            return unsupported("no default collation known for character set '" + out.charset +
                               "'");
        }
        out.collation = *def;
    }
    return out;
}

// After CHARACTER SET / CHARSET / CHAR SET (already consumed) or COLLATE: reads [=] name.
Result<Charset> StatementApplier::readCharsetOption(std::string_view keywordSeen) {
    m_cur.acceptPunct('=');
    if (m_cur.atEnd()) {
        return m_cur.error("expected a name");
    }
    const Token& t = m_cur.next();
    Charset out;
    if (keywordSeen == "COLLATE") {
        out.collation = t.text;
    } else {
        out.charset = t.text;
    }
    return out;
}

Status StatementApplier::skipDefaultValue() {
    if (m_cur.acceptPunct('-') || m_cur.acceptPunct('+')) {
    }
    if (m_cur.isPunct('(')) {
        return m_cur.skipBalanced();
    }
    if (m_cur.atEnd()) {
        return m_cur.error("expected a default value");
    }
    const Token& t = m_cur.next();
    if (t.kind == TokenKind::Word && !m_cur.atEnd() && m_cur.peek()->kind == TokenKind::String) {
        m_cur.next();  // _utf8mb4'x', N'x', X'41', b'01'
    }
    if (t.kind == TokenKind::Word && m_cur.isPunct('(')) {
        FERRY_TRY(m_cur.skipBalanced());  // CURRENT_TIMESTAMP(6), uuid(), ...
    }
    return okStatus();
}

Status StatementApplier::dataType(ColumnSpec& spec) {
    ColumnDef& c = spec.def;
    if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Word) {
        return m_cur.error("expected a data type");
    }
    std::string word = lowerAscii(m_cur.next().text);
    auto optionalLength = [&](std::uint64_t& length) -> Status {
        if (m_cur.acceptPunct('(')) {
            if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                return m_cur.error("expected a length");
            }
            length = std::stoull(m_cur.next().text);
            FERRY_TRY(m_cur.expectPunct(')'));
        }
        return okStatus();
    };
    auto precisionScale = [&](std::uint32_t& p, std::uint32_t& s, bool& given) -> Status {
        given = false;
        if (m_cur.acceptPunct('(')) {
            given = true;
            if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                return m_cur.error("expected a precision");
            }
            p = static_cast<std::uint32_t>(std::stoul(m_cur.next().text));
            if (m_cur.acceptPunct(',')) {
                if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                    return m_cur.error("expected a scale");
                }
                s = static_cast<std::uint32_t>(std::stoul(m_cur.next().text));
            }
            FERRY_TRY(m_cur.expectPunct(')'));
        }
        return okStatus();
    };
    auto members = [&]() -> Status {
        FERRY_TRY(m_cur.expectPunct('('));
        while (true) {
            if (!m_cur.atEnd() && m_cur.peek()->kind == TokenKind::Word &&
                m_cur.peek(1) != nullptr && m_cur.peek(1)->kind == TokenKind::String) {
                m_cur.next();  // charset introducer
            }
            if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::String) {
                return m_cur.error("expected an ENUM or SET member");
            }
            c.members.push_back(m_cur.next().text);
            if (m_cur.acceptPunct(')')) {
                return okStatus();
            }
            FERRY_TRY(m_cur.expectPunct(','));
        }
    };
    std::uint64_t length = 0;
    bool given = false;
    if (word == "national" || word == "nchar" || word == "nvarchar") {
        spec.charset = "utf8mb3";
        if (word == "national") {
            if (m_cur.atEnd()) {
                return m_cur.error("expected CHAR or VARCHAR");
            }
            word = lowerAscii(m_cur.next().text);
        } else {
            word = word == "nchar" ? "char" : "varchar";
        }
        if (word == "character") {
            word = "char";
        }
    }
    if (word == "tinyint" || word == "int1" || word == "smallint" || word == "int2" ||
        word == "mediumint" || word == "int3" || word == "middleint" || word == "int" ||
        word == "integer" || word == "int4" || word == "bigint" || word == "int8") {
        static const std::pair<const char*, const char*> kAliases[] = {
            {"int1", "tinyint"},        {"int2", "smallint"}, {"int3", "mediumint"},
            {"middleint", "mediumint"}, {"integer", "int"},   {"int4", "int"},
            {"int8", "bigint"}};
        c.dataType = word;
        for (const auto& [alias, real] : kAliases) {
            if (word == alias) {
                c.dataType = real;
            }
        }
        FERRY_TRY(optionalLength(length));
    } else if (word == "bool" || word == "boolean") {
        c.dataType = "tinyint";
    } else if (word == "serial") {
        c.dataType = "bigint";
        c.isUnsigned = true;
        c.autoIncrement = true;
        spec.explicitNotNull = true;
        spec.inlineUnique = true;
    } else if (word == "decimal" || word == "dec" || word == "numeric" || word == "fixed") {
        c.dataType = "decimal";
        c.precision = 10;
        c.scale = 0;
        FERRY_TRY(precisionScale(c.precision, c.scale, given));
    } else if (word == "float" || word == "float4") {
        c.dataType = "float";
        if (m_cur.acceptPunct('(')) {
            if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                return m_cur.error("expected a precision");
            }
            std::uint64_t p = std::stoull(m_cur.next().text);
            if (m_cur.acceptPunct(',')) {
                if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                    return m_cur.error("expected a scale");
                }
                m_cur.next();
            } else if (p > 24) {
                c.dataType = "double";  // FLOAT(p) with p > 24 is DOUBLE
            }
            FERRY_TRY(m_cur.expectPunct(')'));
        }
    } else if (word == "double" || word == "float8" || word == "real") {
        c.dataType = (word == "real" && m_catalog.realAsFloat) ? "float" : "double";
        m_cur.acceptWord("PRECISION");
        std::uint32_t p = 0;
        std::uint32_t s = 0;
        FERRY_TRY(precisionScale(p, s, given));
    } else if (word == "bit") {
        c.dataType = "bit";
        c.length = 1;
        FERRY_TRY(optionalLength(c.length));
    } else if (word == "date") {
        c.dataType = "date";
    } else if (word == "time" || word == "datetime" || word == "timestamp") {
        c.dataType = word;
        std::uint64_t fsp = 0;
        FERRY_TRY(optionalLength(fsp));
        c.fsp = static_cast<std::uint32_t>(fsp);
    } else if (word == "year") {
        c.dataType = "year";
        FERRY_TRY(optionalLength(length));
    } else if (word == "char" || word == "character") {
        if (m_cur.acceptWord("VARYING")) {
            c.dataType = "varchar";
            if (!m_cur.isPunct('(')) {
                return m_cur.error("VARCHAR needs a length");
            }
        } else {
            c.dataType = "char";
            c.length = 1;
        }
        FERRY_TRY(optionalLength(c.length));
    } else if (word == "varchar" || word == "varcharacter") {
        c.dataType = "varchar";
        if (!m_cur.isPunct('(')) {
            return m_cur.error("VARCHAR needs a length");
        }
        FERRY_TRY(optionalLength(c.length));
    } else if (word == "binary") {
        c.dataType = "binary";
        c.length = 1;
        FERRY_TRY(optionalLength(c.length));
    } else if (word == "varbinary") {
        c.dataType = "varbinary";
        if (!m_cur.isPunct('(')) {
            return m_cur.error("VARBINARY needs a length");
        }
        FERRY_TRY(optionalLength(c.length));
    } else if (word == "tinyblob" || word == "mediumblob" || word == "longblob" ||
               word == "tinytext" || word == "mediumtext" || word == "longtext") {
        c.dataType = word;
    } else if (word == "blob") {
        c.dataType = "blob";
        if (m_cur.isPunct('(')) {
            FERRY_TRY(optionalLength(length));
            c.dataType = textTypeFor(length, true);
        }
    } else if (word == "text") {
        c.dataType = "text";
        if (m_cur.isPunct('(')) {
            FERRY_TRY(optionalLength(length));
            spec.textLength = length;
        }
    } else if (word == "long") {
        if (m_cur.acceptWord("VARBINARY")) {
            c.dataType = "mediumblob";
        } else {
            m_cur.acceptWord("VARCHAR") || m_cur.acceptWord("CHAR");
            c.dataType = "mediumtext";
        }
    } else if (word == "enum" || word == "set") {
        c.dataType = word;
        FERRY_TRY(members());
    } else if (word == "json") {
        if (mariadb()) {
            // MariaDB's JSON is an alias of LONGTEXT with utf8mb4_bin.
            c.dataType = "longtext";
            if (spec.charset.empty()) {
                spec.charset = "utf8mb4";
                spec.collation = "utf8mb4_bin";
            }
        } else {
            c.dataType = "json";
        }
    } else if (word == "geometry" || word == "point" || word == "linestring" || word == "polygon" ||
               word == "multipoint" || word == "multilinestring" || word == "multipolygon" ||
               word == "geometrycollection" || word == "geomcollection") {
        c.dataType = word == "geomcollection" && mariadb() ? "geometrycollection" : word;
    } else if (mariadb() && (word == "inet4" || word == "inet6" || word == "uuid")) {
        c.dataType = word;
    } else {
        return unsupported("unknown data type '" + word + "'");
    }
    // Attributes that belong to the type.
    while (true) {
        if (m_cur.acceptWord("UNSIGNED")) {
            c.isUnsigned = true;
        } else if (m_cur.acceptWord("SIGNED")) {
        } else if (m_cur.acceptWord("ZEROFILL")) {
            c.zerofill = true;
            c.isUnsigned = true;
        } else if (m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET") ||
                   m_cur.acceptWords({"CHAR", "SET"})) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
            spec.charset = cs.charset;
        } else if (m_cur.acceptWord("ASCII")) {
            spec.charset = "latin1";
        } else if (m_cur.acceptWord("UNICODE")) {
            spec.charset = "ucs2";
        } else if (m_cur.acceptWord("BYTE")) {
            spec.charset = "binary";
        } else if (m_cur.isWord("BINARY") && isCharacterType(c.dataType)) {
            m_cur.next();
            spec.binaryAttribute = true;
        } else {
            break;
        }
    }
    return okStatus();
}

Status StatementApplier::columnAttributes(ColumnSpec& spec, bool inAlter) {
    ColumnDef& c = spec.def;
    while (!m_cur.atEnd() && !m_cur.isPunct(',') && !m_cur.isPunct(')')) {
        if (m_cur.acceptWords({"NOT", "NULL"})) {
            spec.explicitNotNull = true;
        } else if (m_cur.acceptWord("NULL")) {
            spec.explicitNull = true;
        } else if (m_cur.acceptWord("DEFAULT")) {
            spec.hasDefault = true;
            FERRY_TRY(skipDefaultValue());
        } else if (m_cur.acceptWord("AUTO_INCREMENT")) {
            c.autoIncrement = true;
        } else if (m_cur.acceptWords({"SERIAL", "DEFAULT", "VALUE"})) {
            c.autoIncrement = true;
            spec.explicitNotNull = true;
            spec.inlineUnique = true;
        } else if (m_cur.acceptWord("UNIQUE")) {
            m_cur.acceptWord("KEY");
            spec.inlineUnique = true;
        } else if (m_cur.acceptWords({"PRIMARY", "KEY"}) || m_cur.acceptWord("KEY")) {
            spec.inlinePrimary = true;
        } else if (m_cur.acceptWord("COMMENT")) {
            if (m_cur.atEnd()) {
                return m_cur.error("expected a comment");
            }
            m_cur.next();
        } else if (m_cur.acceptWord("COLLATE")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("COLLATE"));
            spec.collation = cs.collation;
        } else if (m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
            spec.charset = cs.charset;
        } else if (m_cur.acceptWord("COLUMN_FORMAT") || m_cur.acceptWord("STORAGE") ||
                   m_cur.acceptWord("SRID")) {
            if (m_cur.atEnd()) {
                return m_cur.error("expected a value");
            }
            m_cur.next();
        } else if (m_cur.acceptWords({"ON", "UPDATE"})) {
            if (m_cur.atEnd()) {
                return m_cur.error("expected CURRENT_TIMESTAMP");
            }
            m_cur.next();
            if (m_cur.isPunct('(')) {
                FERRY_TRY(m_cur.skipBalanced());
            }
            c.onUpdateCurrentTimestamp = true;
        } else if (m_cur.isWord("GENERATED") || m_cur.isWord("AS")) {
            if (m_cur.acceptWord("GENERATED")) {
                FERRY_TRY(m_cur.expectWord("ALWAYS"));
            }
            FERRY_TRY(m_cur.expectWord("AS"));
            if (m_cur.isWord("ROW")) {
                return unsupported("system-versioned tables (AS ROW START/END) are not followed");
            }
            if (!m_cur.isPunct('(')) {
                return m_cur.error("expected a generation expression");
            }
            FERRY_ASSIGN_OR_RETURN(c.generationExpression, m_cur.balancedText(m_source));
            c.generated = GeneratedKind::Virtual;
            if (m_cur.acceptWord("STORED") || m_cur.acceptWord("PERSISTENT")) {
                c.generated = GeneratedKind::Stored;
            } else {
                m_cur.acceptWord("VIRTUAL");
            }
        } else if (m_cur.acceptWord("CONSTRAINT")) {
            if (m_cur.isName() && !m_cur.isWord("CHECK")) {
                m_cur.next();
            }
        } else if (m_cur.acceptWord("CHECK")) {
            if (!m_cur.isPunct('(')) {
                return m_cur.error("expected a CHECK expression");
            }
            FERRY_TRY(m_cur.skipBalanced());
        } else if (m_cur.acceptWord("ENFORCED") || m_cur.acceptWords({"NOT", "ENFORCED"})) {
        } else if (m_cur.acceptWord("REFERENCES")) {
            // Column-level REFERENCES is parsed and ignored by MySQL and MariaDB.
            FERRY_ASSIGN_OR_RETURN(TableName ignored, tableName());
            (void)ignored;
            if (m_cur.isPunct('(')) {
                FERRY_TRY(m_cur.skipBalanced());
            }
            while (m_cur.acceptWord("MATCH") || m_cur.acceptWords({"ON", "DELETE"}) ||
                   m_cur.acceptWords({"ON", "UPDATE"})) {
                if (m_cur.acceptWords({"SET", "NULL"}) || m_cur.acceptWords({"SET", "DEFAULT"}) ||
                    m_cur.acceptWords({"NO", "ACTION"})) {
                } else if (!m_cur.atEnd()) {
                    m_cur.next();
                }
            }
        } else if (m_cur.acceptWord("INVISIBLE")) {
            c.invisible = true;
        } else if (m_cur.acceptWord("VISIBLE")) {
            c.invisible = false;
        } else if (m_cur.acceptWord("ENGINE_ATTRIBUTE") ||
                   m_cur.acceptWord("SECONDARY_ENGINE_ATTRIBUTE") ||
                   m_cur.acceptWord("COMPRESSED")) {
            if (m_cur.acceptPunct('=') && !m_cur.atEnd()) {
                m_cur.next();
            } else if (!m_cur.atEnd() && m_cur.peek()->kind == TokenKind::String) {
                m_cur.next();
            }
        } else if (m_cur.acceptWords({"WITHOUT", "SYSTEM", "VERSIONING"})) {
        } else if (m_cur.isWord("WITH") && m_cur.isWord("SYSTEM", 1)) {
            return unsupported(
                "system-versioned columns (WITH SYSTEM VERSIONING) are not followed");
        } else if (inAlter && m_cur.acceptWord("FIRST")) {
            spec.positioned = true;
            spec.firstOrAfter = "\x01";
        } else if (inAlter && m_cur.acceptWord("AFTER")) {
            FERRY_ASSIGN_OR_RETURN(spec.firstOrAfter, m_cur.name());
            spec.positioned = true;
        } else {
            return m_cur.error("unknown column attribute");
        }
    }
    return okStatus();
}

Result<ColumnSpec> StatementApplier::columnDefinition(bool inAlter) {
    ColumnSpec spec;
    FERRY_ASSIGN_OR_RETURN(spec.def.name, m_cur.name());
    FERRY_TRY(dataType(spec));
    FERRY_TRY(columnAttributes(spec, inAlter));
    return spec;
}

// Applies the table's defaults: charset and collation, binary conversions, implied NOT NULL.
Status StatementApplier::finishColumn(ColumnSpec& spec, const TableDef& table) const {
    ColumnDef& c = spec.def;
    if (isCharacterType(c.dataType)) {
        Charset fallback{table.charset, table.collation};
        std::string charset = spec.charset;
        std::string collation = spec.collation;
        FERRY_ASSIGN_OR_RETURN(Charset cs, resolveCharset(charset, collation, fallback));
        if (spec.binaryAttribute && collation.empty()) {
            auto bin = m_catalog.binaryCollation(cs.charset);
            if (!bin) {
                return unsupported("no binary collation known for character set '" + cs.charset +
                                   "'");
            }
            cs.collation = *bin;
        }
        if (cs.charset == "binary") {
            // CHARACTER SET binary turns character types into binary ones.
            if (c.dataType == "char") {
                c.dataType = "binary";
            } else if (c.dataType == "varchar") {
                c.dataType = "varbinary";
            } else if (isTextType(c.dataType)) {
                c.dataType = c.dataType == "tinytext"     ? "tinyblob"
                             : c.dataType == "text"       ? "blob"
                             : c.dataType == "mediumtext" ? "mediumblob"
                                                          : "longblob";
            }
        }
        if (c.dataType == "binary" || c.dataType == "varbinary" ||
            c.dataType.find("blob") != std::string::npos) {
            c.charset.clear();
            c.collation.clear();
        } else {
            c.charset = cs.charset;
            c.collation = cs.collation;
        }
        if (spec.textLength != 0 && c.dataType == "text") {
            auto mb = m_catalog.maxBytesPerChar(c.charset).value_or(1);
            c.dataType = textTypeFor(spec.textLength * mb, false);
        }
    } else {
        c.charset.clear();
        c.collation.clear();
    }
    if (c.dataType.find("text") != std::string::npos ||
        c.dataType.find("blob") != std::string::npos) {
        std::uint64_t mb = c.charset.empty() ? 1 : m_catalog.maxBytesPerChar(c.charset).value_or(1);
        c.length = textTypeMaxBytes(c.dataType) / mb;
    }
    c.nullable = !spec.explicitNotNull && !spec.inlinePrimary;
    if (c.dataType == "timestamp" && !m_catalog.explicitDefaultsForTimestamp &&
        !spec.explicitNull) {
        c.nullable = false;
    }
    if (const IndexDef* pk = table.primaryKey()) {
        for (const auto& part : pk->parts) {
            if (columnNameEquals(part.column, c.name)) {
                c.nullable = false;
            }
        }
    }
    buildColumnType(c);
    return okStatus();
}

Status StatementApplier::placeColumn(TableDef& table, ColumnDef column, const ColumnSpec& spec,
                                     std::optional<std::size_t> replacing) {
    std::size_t at = replacing.value_or(table.columns.size());
    if (replacing) {
        table.columns.erase(table.columns.begin() + static_cast<std::ptrdiff_t>(*replacing));
    } else if (table.findColumn(column.name)) {
        return unsupported("column " + column.name + " already exists in " + table.schema + "." +
                           table.name + " in the schema history");
    }
    if (spec.positioned) {
        if (spec.firstOrAfter == "\x01") {
            at = 0;
        } else {
            auto after = table.findColumn(spec.firstOrAfter);
            if (!after) {
                return unsupported("AFTER names column " + spec.firstOrAfter + " which " +
                                   table.schema + "." + table.name + " does not have");
            }
            at = *after + 1;
        }
    }
    at = std::min(at, table.columns.size());
    table.columns.insert(table.columns.begin() + static_cast<std::ptrdiff_t>(at),
                         std::move(column));
    return okStatus();
}

std::string uniqueIndexName(const TableDef& table, const std::string& base) {
    if (!table.findIndex(base) && !columnNameEquals(base, "PRIMARY")) {
        return base;
    }
    for (int n = 2;; ++n) {
        std::string candidate = base + "_" + std::to_string(n);
        if (!table.findIndex(candidate)) {
            return candidate;
        }
    }
}

Status StatementApplier::addIndex(TableDef& table, IndexDef index, bool ifNotExists) {
    if (index.kind == IndexKind::Primary) {
        if (table.primaryKey() != nullptr) {
            if (ifNotExists) {
                return okStatus();
            }
            return unsupported(table.schema + "." + table.name +
                               " already has a primary key in the schema history");
        }
        for (const auto& part : index.parts) {
            auto at = table.findColumn(part.column);
            if (!at) {
                if (m_deferColumnChecks) {
                    continue;
                }
                return unsupported("the primary key names column " + part.column + " which " +
                                   table.schema + "." + table.name + " does not have");
            }
            table.columns[*at].nullable = false;
        }
        index.name = "PRIMARY";
        table.indexes.insert(table.indexes.begin(), std::move(index));
        return okStatus();
    }
    for (const auto& part : index.parts) {
        if (!m_deferColumnChecks && !part.column.empty() && !table.findColumn(part.column)) {
            return unsupported("index " + index.name + " names column " + part.column + " which " +
                               table.schema + "." + table.name + " does not have");
        }
    }
    if (index.name.empty()) {
        std::string base = index.parts.empty() || index.parts[0].column.empty()
                               ? "functional_index"
                               : index.parts[0].column;
        index.name = uniqueIndexName(table, base);
    } else if (table.findIndex(index.name)) {
        if (ifNotExists) {
            return okStatus();
        }
        return unsupported("index " + index.name + " already exists on " + table.schema + "." +
                           table.name + " in the schema history");
    }
    table.indexes.push_back(std::move(index));
    return okStatus();
}

Status StatementApplier::addInlineKeys(TableDef& table, const ColumnSpec& spec) {
    if (spec.inlinePrimary) {
        IndexDef pk;
        pk.kind = IndexKind::Primary;
        pk.parts.push_back({spec.def.name, 0, {}});
        FERRY_TRY(addIndex(table, std::move(pk), false));
    }
    if (spec.inlineUnique) {
        IndexDef unique;
        unique.kind = IndexKind::Unique;
        unique.parts.push_back({spec.def.name, 0, {}});
        FERRY_TRY(addIndex(table, std::move(unique), false));
    }
    return okStatus();
}

Result<std::vector<IndexPart>> StatementApplier::keyParts() {
    FERRY_TRY(m_cur.expectPunct('('));
    std::vector<IndexPart> parts;
    while (true) {
        IndexPart part;
        if (m_cur.isPunct('(')) {
            FERRY_ASSIGN_OR_RETURN(part.expression, m_cur.balancedText(m_source));
        } else {
            FERRY_ASSIGN_OR_RETURN(part.column, m_cur.name());
            if (m_cur.acceptPunct('(')) {
                if (m_cur.atEnd() || m_cur.peek()->kind != TokenKind::Number) {
                    return m_cur.error("expected a prefix length");
                }
                part.prefixLength = static_cast<std::uint32_t>(std::stoul(m_cur.next().text));
                FERRY_TRY(m_cur.expectPunct(')'));
            }
        }
        m_cur.acceptWord("ASC") || m_cur.acceptWord("DESC");
        parts.push_back(std::move(part));
        if (m_cur.acceptPunct(')')) {
            return parts;
        }
        FERRY_TRY(m_cur.expectPunct(','));
    }
}

Status StatementApplier::indexOptions() {
    while (true) {
        if (m_cur.acceptWord("KEY_BLOCK_SIZE") || m_cur.acceptWord("ENGINE_ATTRIBUTE") ||
            m_cur.acceptWord("SECONDARY_ENGINE_ATTRIBUTE")) {
            m_cur.acceptPunct('=');
            if (m_cur.atEnd()) {
                return m_cur.error("expected a value");
            }
            m_cur.next();
        } else if (m_cur.acceptWord("USING") || m_cur.acceptWords({"WITH", "PARSER"}) ||
                   m_cur.acceptWord("COMMENT") || m_cur.acceptWord("TYPE")) {
            if (m_cur.atEnd()) {
                return m_cur.error("expected a value");
            }
            m_cur.next();
        } else if (m_cur.acceptWord("VISIBLE") || m_cur.acceptWord("INVISIBLE") ||
                   m_cur.acceptWord("IGNORED") || m_cur.acceptWords({"NOT", "IGNORED"}) ||
                   m_cur.acceptWord("CLUSTERING")) {
        } else {
            return okStatus();
        }
    }
}

ReferenceAction parseAction(Cursor& cur) {
    if (cur.acceptWord("RESTRICT"))
        return ReferenceAction::Restrict;
    if (cur.acceptWord("CASCADE"))
        return ReferenceAction::Cascade;
    if (cur.acceptWords({"SET", "NULL"}))
        return ReferenceAction::SetNull;
    if (cur.acceptWords({"NO", "ACTION"}))
        return ReferenceAction::NoAction;
    if (cur.acceptWords({"SET", "DEFAULT"}))
        return ReferenceAction::SetDefault;
    return ReferenceAction::Unspecified;
}

Result<ForeignKeyDef> StatementApplier::foreignKeyBody(const TableDef& table, std::string symbol,
                                                       std::string indexName) {
    ForeignKeyDef fk;
    FERRY_ASSIGN_OR_RETURN(auto parts, keyParts());
    for (auto& part : parts) {
        fk.columns.push_back(part.column);
    }
    FERRY_TRY(m_cur.expectWord("REFERENCES"));
    FERRY_ASSIGN_OR_RETURN(TableName ref, tableName());
    fk.referencedSchema = ref.schema.empty() ? table.schema : ref.schema;
    fk.referencedTable = ref.name;
    if (m_cur.isPunct('(')) {
        FERRY_ASSIGN_OR_RETURN(auto refParts, keyParts());
        for (auto& part : refParts) {
            fk.referencedColumns.push_back(part.column);
        }
    }
    while (true) {
        if (m_cur.acceptWord("MATCH")) {
            if (m_cur.atEnd()) {
                return m_cur.error("expected FULL, PARTIAL or SIMPLE");
            }
            m_cur.next();
        } else if (m_cur.acceptWords({"ON", "DELETE"})) {
            fk.onDelete = parseAction(m_cur);
            if (fk.onDelete == ReferenceAction::Unspecified) {
                return m_cur.error("expected a referential action");
            }
        } else if (m_cur.acceptWords({"ON", "UPDATE"})) {
            fk.onUpdate = parseAction(m_cur);
            if (fk.onUpdate == ReferenceAction::Unspecified) {
                return m_cur.error("expected a referential action");
            }
        } else {
            break;
        }
    }
    if (!symbol.empty()) {
        fk.name = symbol;
    } else if (!indexName.empty() && mariadb()) {
        fk.name = indexName;
    } else {
        int highest = 0;
        std::string prefix = table.name + "_ibfk_";
        for (const auto& other : table.foreignKeys) {
            if (other.name.rfind(prefix, 0) == 0) {
                try {
                    highest = std::max(highest, std::stoi(other.name.substr(prefix.size())));
                } catch (...) {
                }
            }
        }
        fk.name = prefix + std::to_string(highest + 1);
    }
    m_pendingForeignKeys.push_back({indexName.empty() ? "" : indexName, symbol, fk.columns});
    return fk;
}

// A foreign key needs an index whose leading columns are its columns; the server creates one
// when none exists (named after the constraint, else the FOREIGN KEY index name, else the
// first column).
void StatementApplier::addForeignKeyIndexes(TableDef& table) {
    for (const auto& pending : m_pendingForeignKeys) {
        bool covered = false;
        for (const auto& index : table.indexes) {
            if (index.parts.size() < pending.columns.size()) {
                continue;
            }
            bool match = true;
            for (std::size_t i = 0; i < pending.columns.size(); ++i) {
                if (!columnNameEquals(index.parts[i].column, pending.columns[i])) {
                    match = false;
                    break;
                }
            }
            if (match) {
                covered = true;
                break;
            }
        }
        if (covered || pending.columns.empty()) {
            continue;
        }
        IndexDef index;
        index.kind = IndexKind::Plain;
        std::string base = !pending.symbol.empty()      ? pending.symbol
                           : !pending.indexName.empty() ? pending.indexName
                                                        : pending.columns[0];
        index.name = uniqueIndexName(table, base);
        for (const auto& column : pending.columns) {
            index.parts.push_back({column, 0, {}});
        }
        table.indexes.push_back(std::move(index));
    }
    m_pendingForeignKeys.clear();
}

Result<bool> StatementApplier::keyElement(TableDef& table, bool allowIfNotExists) {
    std::string symbol;
    bool constraint = false;
    if (m_cur.isWord("CONSTRAINT")) {
        m_cur.next();
        constraint = true;
        if (allowIfNotExists) {
            m_cur.acceptWords({"IF", "NOT", "EXISTS"});
        }
        if (m_cur.isName() && !m_cur.isAnyWord({"PRIMARY", "UNIQUE", "FOREIGN", "CHECK"})) {
            symbol = m_cur.next().text;
        }
    }
    auto optionalName = [&](bool& ifNotExists) -> std::string {
        if (allowIfNotExists && m_cur.acceptWords({"IF", "NOT", "EXISTS"})) {
            ifNotExists = true;
        }
        if (m_cur.isName() && !m_cur.isPunct('(') && !m_cur.isWord("USING")) {
            return m_cur.next().text;
        }
        return {};
    };
    if (m_cur.acceptWords({"PRIMARY", "KEY"})) {
        bool ifNotExists = false;
        if (m_cur.isName() && !m_cur.isWord("USING")) {
            m_cur.next();  // a name given to the primary key is ignored
        }
        FERRY_TRY(indexOptions());
        IndexDef index;
        index.kind = IndexKind::Primary;
        FERRY_ASSIGN_OR_RETURN(index.parts, keyParts());
        FERRY_TRY(indexOptions());
        FERRY_TRY(addIndex(table, std::move(index), ifNotExists));
        return true;
    }
    if (m_cur.acceptWord("UNIQUE")) {
        m_cur.acceptWord("INDEX") || m_cur.acceptWord("KEY");
        bool ifNotExists = false;
        IndexDef index;
        index.kind = IndexKind::Unique;
        index.name = optionalName(ifNotExists);
        if (index.name.empty()) {
            index.name = symbol;
        }
        FERRY_TRY(indexOptions());
        FERRY_ASSIGN_OR_RETURN(index.parts, keyParts());
        FERRY_TRY(indexOptions());
        FERRY_TRY(addIndex(table, std::move(index), ifNotExists));
        return true;
    }
    if (m_cur.acceptWords({"FOREIGN", "KEY"})) {
        bool ifNotExists = false;
        std::string indexName = optionalName(ifNotExists);
        FERRY_ASSIGN_OR_RETURN(ForeignKeyDef fk, foreignKeyBody(table, symbol, indexName));
        for (const auto& existing : table.foreignKeys) {
            if (columnNameEquals(existing.name, fk.name)) {
                if (ifNotExists) {
                    m_pendingForeignKeys.pop_back();
                    return true;
                }
                return unsupported("foreign key " + fk.name + " already exists on " + table.schema +
                                   "." + table.name + " in the schema history");
            }
        }
        table.foreignKeys.push_back(std::move(fk));
        return true;
    }
    if (m_cur.acceptWord("CHECK")) {
        if (!m_cur.isPunct('(')) {
            return m_cur.error("expected a CHECK expression");
        }
        FERRY_TRY(m_cur.skipBalanced());
        m_cur.acceptWord("ENFORCED") || m_cur.acceptWords({"NOT", "ENFORCED"});
        return true;
    }
    if (constraint) {
        return m_cur.error("expected PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
    }
    // FULLTEXT and SPATIAL are not reserved: `spatial INT` is a column.
    bool fulltextOrSpatial =
        (m_cur.isWord("FULLTEXT") || m_cur.isWord("SPATIAL")) &&
        (m_cur.isWord("INDEX", 1) || m_cur.isWord("KEY", 1) || m_cur.isPunct('(', 1) ||
         (m_cur.isName(1) && (m_cur.isPunct('(', 2) || m_cur.isWord("USING", 2))));
    if (m_cur.isWord("INDEX") || m_cur.isWord("KEY") || fulltextOrSpatial) {
        IndexDef index;
        index.kind = m_cur.acceptWord("FULLTEXT")  ? IndexKind::Fulltext
                     : m_cur.acceptWord("SPATIAL") ? IndexKind::Spatial
                                                   : IndexKind::Plain;
        m_cur.acceptWord("INDEX") || m_cur.acceptWord("KEY");
        bool ifNotExists = false;
        index.name = optionalName(ifNotExists);
        FERRY_TRY(indexOptions());
        FERRY_ASSIGN_OR_RETURN(index.parts, keyParts());
        FERRY_TRY(indexOptions());
        FERRY_TRY(addIndex(table, std::move(index), ifNotExists));
        return true;
    }
    if (m_cur.isWord("PERIOD") && m_cur.isWord("FOR", 1)) {
        return unsupported("application-time periods (PERIOD FOR) are not followed");
    }
    return false;
}

// One table option; `recognised` is false (and nothing consumed) when the cursor is not at one.
Status StatementApplier::tableOption(TableDef* table, bool& recognised) {
    recognised = true;
    bool isDefault =
        m_cur.isWord("DEFAULT") &&
        (m_cur.isWord("CHARACTER", 1) || m_cur.isWord("CHARSET", 1) || m_cur.isWord("COLLATE", 1));
    if (isDefault) {
        m_cur.next();
    }
    if (m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET")) {
        FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
        if (table != nullptr) {
            Charset fallback = databaseDefault(table->schema);
            std::string collation;
            if (m_cur.isWord("COLLATE") ||
                (m_cur.isWord("DEFAULT") && m_cur.isWord("COLLATE", 1))) {
                m_cur.acceptWord("DEFAULT");
                m_cur.next();
                FERRY_ASSIGN_OR_RETURN(Charset c2, readCharsetOption("COLLATE"));
                collation = c2.collation;
            }
            FERRY_ASSIGN_OR_RETURN(Charset resolved,
                                   resolveCharset(cs.charset, collation, fallback));
            table->charset = resolved.charset;
            table->collation = resolved.collation;
        }
        return okStatus();
    }
    if (m_cur.acceptWord("COLLATE")) {
        FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("COLLATE"));
        if (table != nullptr) {
            FERRY_ASSIGN_OR_RETURN(
                Charset resolved, resolveCharset({}, cs.collation, databaseDefault(table->schema)));
            table->charset = resolved.charset;
            table->collation = resolved.collation;
        }
        return okStatus();
    }
    if (isDefault) {
        return m_cur.error("expected CHARACTER SET or COLLATE");
    }
    if (m_cur.isWord("WITH") && m_cur.isWord("SYSTEM", 1)) {
        return unsupported("system-versioned tables (WITH SYSTEM VERSIONING) are not followed");
    }
    if (m_cur.acceptWords({"START", "TRANSACTION"})) {
        return okStatus();
    }
    static const std::initializer_list<std::string_view> kOptions = {"ENGINE",
                                                                     "TYPE",
                                                                     "AUTO_INCREMENT",
                                                                     "AVG_ROW_LENGTH",
                                                                     "CHECKSUM",
                                                                     "TABLE_CHECKSUM",
                                                                     "COMMENT",
                                                                     "COMPRESSION",
                                                                     "CONNECTION",
                                                                     "DATA",
                                                                     "INDEX",
                                                                     "DELAY_KEY_WRITE",
                                                                     "ENCRYPTION",
                                                                     "ENCRYPTED",
                                                                     "ENCRYPTION_KEY_ID",
                                                                     "INSERT_METHOD",
                                                                     "KEY_BLOCK_SIZE",
                                                                     "MAX_ROWS",
                                                                     "MIN_ROWS",
                                                                     "PACK_KEYS",
                                                                     "PASSWORD",
                                                                     "ROW_FORMAT",
                                                                     "STATS_AUTO_RECALC",
                                                                     "STATS_PERSISTENT",
                                                                     "STATS_SAMPLE_PAGES",
                                                                     "TABLESPACE",
                                                                     "UNION",
                                                                     "PAGE_CHECKSUM",
                                                                     "PAGE_COMPRESSED",
                                                                     "PAGE_COMPRESSION_LEVEL",
                                                                     "TRANSACTIONAL",
                                                                     "IETF_QUOTES",
                                                                     "SECONDARY_ENGINE",
                                                                     "SECONDARY_ENGINE_ATTRIBUTE",
                                                                     "ENGINE_ATTRIBUTE",
                                                                     "AUTOEXTEND_SIZE",
                                                                     "STORAGE"};
    const Token* t = m_cur.peek();
    if (t == nullptr || t->kind != TokenKind::Word) {
        recognised = false;
        return okStatus();
    }
    bool known = false;
    for (auto option : kOptions) {
        if (equalsIgnoreCase(t->text, option)) {
            known = true;
        }
    }
    if (!known || ((equalsIgnoreCase(t->text, "DATA") || equalsIgnoreCase(t->text, "INDEX")) &&
                   !m_cur.isWord("DIRECTORY", 1))) {
        recognised = false;
        return okStatus();
    }
    std::string option = lowerAscii(m_cur.next().text);
    if (option == "data" || option == "index") {
        m_cur.next();  // DIRECTORY
    }
    m_cur.acceptPunct('=');
    if (m_cur.isPunct('(')) {
        return m_cur.skipBalanced();
    }
    if (m_cur.atEnd()) {
        return m_cur.error("expected a value for table option " + option);
    }
    const Token& value = m_cur.next();
    if (table != nullptr && (option == "engine" || option == "type")) {
        table->engine = value.text;
    }
    if (option == "tablespace" && m_cur.acceptWord("STORAGE") && !m_cur.atEnd()) {
        m_cur.next();
    }
    return okStatus();
}

Result<DdlChange> StatementApplier::createTable(bool orReplace, bool temporary) {
    bool ifNotExists = m_cur.acceptWords({"IF", "NOT", "EXISTS"});
    FERRY_ASSIGN_OR_RETURN(TableName name, tableName());
    if (temporary) {
        return DdlChange{};  // not logged with rows in ROW format; never shadows a real table
    }
    auto existing = m_work.findTable(name.schema, name.name);
    // CREATE TABLE t LIKE s, CREATE TABLE t (LIKE s)
    bool parenLike = m_cur.isPunct('(') && m_cur.isWord("LIKE", 1);
    if (m_cur.isWord("LIKE") || parenLike) {
        if (parenLike) {
            m_cur.next();
        }
        m_cur.next();
        FERRY_ASSIGN_OR_RETURN(TableName source, tableName());
        if (parenLike) {
            FERRY_TRY(m_cur.expectPunct(')'));
        }
        if (!tracked(name)) {
            return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
        }
        if (existing && ifNotExists) {
            return DdlChange{};
        }
        if (existing && !orReplace) {
            return unsupported("table " + name.toString() +
                               " already exists in the schema history");
        }
        auto like = m_work.findTable(source.schema, source.name);
        if (!like) {
            return unsupported("CREATE TABLE ... LIKE copies " + source.toString() +
                               ", which the schema history does not hold");
        }
        TableDef table = *like;
        table.schema = name.schema;
        table.name = name.name;
        table.foreignKeys.clear();  // LIKE does not copy foreign keys
        m_work.putTable(std::move(table));
        m_change.kind = DdlChange::Kind::Changed;
        m_change.changedTables.push_back(name);
        return m_change;
    }
    if (!tracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    if (existing && ifNotExists) {
        return DdlChange{};
    }
    if (existing && !orReplace) {
        return unsupported("table " + name.toString() + " already exists in the schema history");
    }
    if (!m_cur.isPunct('(')) {
        return m_cur.error(
            "CREATE TABLE without a column list (CREATE TABLE ... SELECT in a "
            "statement-format binlog?)");
    }
    if (m_cur.isWord("SELECT", 1) || m_cur.isWord("WITH", 1)) {
        return unsupported("CREATE TABLE ... SELECT logged as a statement");
    }
    TableDef table;
    table.schema = name.schema;
    table.name = name.name;
    // Table options come after the element list but the columns need the table charset first.
    {
        std::size_t start = m_cur.position();
        FERRY_TRY(m_cur.skipBalanced());
        Charset def = databaseDefault(name.schema);
        table.charset = def.charset;
        table.collation = def.collation;
        while (!m_cur.atEnd()) {
            bool recognised = false;
            FERRY_TRY(tableOption(&table, recognised));
            if (!recognised) {
                break;
            }
            m_cur.acceptPunct(',');
        }
        if (!m_cur.atEnd()) {
            if (m_cur.isWord("PARTITION")) {
                m_cur.skipToEnd();  // partitioning does not change the columns
            } else if (m_cur.isAnyWord({"AS", "SELECT", "IGNORE", "REPLACE", "WITH"}) ||
                       m_cur.isPunct('(')) {
                return unsupported("CREATE TABLE ... SELECT logged as a statement");
            } else {
                return m_cur.error("unknown table option");
            }
        }
        m_cur.seek(start);
    }
    FERRY_TRY(m_cur.expectPunct('('));
    // Keys may name columns defined after them: check the columns once all are known.
    std::vector<bool> hasDefault;
    m_deferColumnChecks = true;
    while (true) {
        FERRY_ASSIGN_OR_RETURN(bool wasKey, keyElement(table, false));
        if (!wasKey) {
            FERRY_ASSIGN_OR_RETURN(ColumnSpec spec, columnDefinition(false));
            FERRY_TRY(finishColumn(spec, table));
            if (table.findColumn(spec.def.name)) {
                return unsupported("duplicate column " + spec.def.name);
            }
            table.columns.push_back(spec.def);
            hasDefault.push_back(spec.hasDefault);
            FERRY_TRY(addInlineKeys(table, spec));
        }
        if (m_cur.acceptPunct(')')) {
            break;
        }
        FERRY_TRY(m_cur.expectPunct(','));
    }
    m_deferColumnChecks = false;
    for (const auto& index : table.indexes) {
        for (const auto& part : index.parts) {
            if (part.column.empty()) {
                continue;
            }
            auto at = table.findColumn(part.column);
            if (!at) {
                return unsupported("key " + index.name + " names column " + part.column +
                                   " which the table does not define");
            }
            if (index.kind == IndexKind::Primary) {
                table.columns[*at].nullable = false;
            }
        }
    }
    addForeignKeyIndexes(table);
    if (!m_catalog.explicitDefaultsForTimestamp) {
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            ColumnDef& c = table.columns[i];
            if (c.dataType == "timestamp" && !c.nullable && !hasDefault[i] &&
                !c.onUpdateCurrentTimestamp) {
                c.onUpdateCurrentTimestamp = true;  // the first TIMESTAMP of the table
                break;
            }
            if (c.dataType == "timestamp") {
                break;
            }
        }
    }
    m_work.putTable(std::move(table));
    m_cur.skipToEnd();
    m_change.kind = DdlChange::Kind::Changed;
    m_change.changedTables.push_back(name);
    return m_change;
}

Result<DdlChange> StatementApplier::createDatabase(bool orReplace) {
    bool ifNotExists = m_cur.acceptWords({"IF", "NOT", "EXISTS"});
    FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
    name = m_work.nameRules().stored(name);
    std::string charset;
    std::string collation;
    while (!m_cur.atEnd()) {
        m_cur.acceptWord("DEFAULT");
        if (m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
            charset = cs.charset;
        } else if (m_cur.acceptWord("COLLATE")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("COLLATE"));
            collation = cs.collation;
        } else if (m_cur.acceptWord("COMMENT") || m_cur.acceptWord("ENCRYPTION")) {
            m_cur.acceptPunct('=');
            if (!m_cur.atEnd()) {
                m_cur.next();
            }
        } else {
            m_cur.next();  // READ ONLY and future options
        }
    }
    if (!m_work.isTracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    if (m_work.findDatabase(name) != nullptr) {
        if (ifNotExists) {
            return DdlChange{};
        }
        if (orReplace) {
            for (auto& dropped : m_work.dropDatabase(name)) {
                m_change.droppedTables.push_back(std::move(dropped));
            }
        }
    }
    DatabaseDef db;
    db.name = name;
    Charset server = databaseDefault("");
    FERRY_ASSIGN_OR_RETURN(Charset cs, resolveCharset(charset, collation, server));
    db.charset = cs.charset;
    db.collation = cs.collation;
    m_work.putDatabase(db);
    m_change.kind = DdlChange::Kind::Changed;
    m_change.changedDatabases.push_back(name);
    return m_change;
}

Result<DdlChange> StatementApplier::alterDatabase() {
    std::string name = m_defaultSchema;
    if (m_cur.isName() && !m_cur.isAnyWord({"DEFAULT", "CHARACTER", "CHARSET", "COLLATE", "COMMENT",
                                            "READ", "ENCRYPTION", "UPGRADE"})) {
        name = m_cur.next().text;
    }
    name = m_work.nameRules().stored(name);
    std::string charset;
    std::string collation;
    while (!m_cur.atEnd()) {
        m_cur.acceptWord("DEFAULT");
        if (m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
            charset = cs.charset;
        } else if (m_cur.acceptWord("COLLATE")) {
            FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("COLLATE"));
            collation = cs.collation;
        } else {
            m_cur.next();
        }
    }
    if (name.empty() || !m_work.isTracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    if (charset.empty() && collation.empty()) {
        return DdlChange{};
    }
    DatabaseDef db;
    if (const DatabaseDef* existing = m_work.findDatabase(name)) {
        db = *existing;
    } else {
        db.name = name;
    }
    FERRY_ASSIGN_OR_RETURN(Charset cs, resolveCharset(charset, collation, databaseDefault(name)));
    db.charset = cs.charset;
    db.collation = cs.collation;
    m_work.putDatabase(db);
    m_change.kind = DdlChange::Kind::Changed;
    m_change.changedDatabases.push_back(name);
    return m_change;
}

Result<DdlChange> StatementApplier::dropDatabase() {
    m_cur.acceptWords({"IF", "EXISTS"});
    FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
    name = m_work.nameRules().stored(name);
    if (!m_work.isTracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    m_change.droppedTables = m_work.dropDatabase(name);
    m_change.droppedDatabases.push_back(name);
    m_change.kind = DdlChange::Kind::Changed;
    return m_change;
}

Result<DdlChange> StatementApplier::createIndex() {
    IndexDef index;
    index.kind = m_cur.acceptWord("UNIQUE")     ? IndexKind::Unique
                 : m_cur.acceptWord("FULLTEXT") ? IndexKind::Fulltext
                 : m_cur.acceptWord("SPATIAL")  ? IndexKind::Spatial
                                                : IndexKind::Plain;
    FERRY_TRY(m_cur.expectWord("INDEX"));
    bool ifNotExists = m_cur.acceptWords({"IF", "NOT", "EXISTS"});
    FERRY_ASSIGN_OR_RETURN(index.name, m_cur.name());
    FERRY_TRY(indexOptions());
    FERRY_TRY(m_cur.expectWord("ON"));
    FERRY_ASSIGN_OR_RETURN(TableName name, tableName());
    if (!tracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    auto existing = m_work.findTable(name.schema, name.name);
    if (!existing) {
        return unsupported("CREATE INDEX on " + name.toString() +
                           ", which the schema history does not hold");
    }
    FERRY_ASSIGN_OR_RETURN(index.parts, keyParts());
    FERRY_TRY(indexOptions());
    TableDef table = *existing;
    if (columnNameEquals(index.name, "PRIMARY")) {
        index.kind = IndexKind::Primary;
    }
    FERRY_TRY(addIndex(table, std::move(index), ifNotExists));
    m_work.putTable(std::move(table));
    m_change.kind = DdlChange::Kind::Changed;
    m_change.changedTables.push_back(name);
    return m_change;
}

Result<DdlChange> StatementApplier::dropIndex() {
    bool ifExists = m_cur.acceptWords({"IF", "EXISTS"});
    FERRY_ASSIGN_OR_RETURN(std::string indexName, m_cur.name());
    FERRY_TRY(m_cur.expectWord("ON"));
    FERRY_ASSIGN_OR_RETURN(TableName name, tableName());
    if (!tracked(name)) {
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    auto existing = m_work.findTable(name.schema, name.name);
    if (!existing) {
        if (ifExists) {
            return DdlChange{};
        }
        return unsupported("DROP INDEX on " + name.toString() +
                           ", which the schema history does not hold");
    }
    TableDef table = *existing;
    if (auto at = table.findIndex(indexName)) {
        table.indexes.erase(table.indexes.begin() + static_cast<std::ptrdiff_t>(*at));
    }
    m_work.putTable(std::move(table));
    m_change.kind = DdlChange::Kind::Changed;
    m_change.changedTables.push_back(name);
    return m_change;
}

Status StatementApplier::dropColumn(TableDef& table, std::string_view column, bool ifExists) {
    auto at = table.findColumn(column);
    if (!at) {
        if (ifExists) {
            return okStatus();
        }
        return unsupported("DROP COLUMN " + std::string(column) + ": " + table.schema + "." +
                           table.name + " has no such column in the schema history");
    }
    table.columns.erase(table.columns.begin() + static_cast<std::ptrdiff_t>(*at));
    for (auto it = table.indexes.begin(); it != table.indexes.end();) {
        auto& parts = it->parts;
        parts.erase(
            std::remove_if(parts.begin(), parts.end(),
                           [&](const IndexPart& p) { return columnNameEquals(p.column, column); }),
            parts.end());
        it = parts.empty() ? table.indexes.erase(it) : it + 1;
    }
    return okStatus();
}

void StatementApplier::renameColumnReferences(TableDef& table, std::string_view from,
                                              std::string_view to) {
    for (auto& index : table.indexes) {
        for (auto& part : index.parts) {
            if (columnNameEquals(part.column, from)) {
                part.column = std::string(to);
            }
        }
    }
    for (auto& fk : table.foreignKeys) {
        for (auto& column : fk.columns) {
            if (columnNameEquals(column, from)) {
                column = std::string(to);
            }
        }
    }
    // Foreign keys of other tables that reference the renamed column follow it.
    const NameRules& rules = m_work.nameRules();
    for (const auto& other : m_work.tables()) {
        if (rules.key(other->schema) == rules.key(table.schema) &&
            rules.key(other->name) == rules.key(table.name)) {
            continue;
        }
        auto references = [&](const ForeignKeyDef& fk) {
            return rules.key(fk.referencedSchema) == rules.key(table.schema) &&
                   rules.key(fk.referencedTable) == rules.key(table.name);
        };
        if (std::none_of(other->foreignKeys.begin(), other->foreignKeys.end(), references)) {
            continue;
        }
        bool touched = false;
        TableDef copy = *other;
        for (auto& fk : copy.foreignKeys) {
            if (rules.key(fk.referencedSchema) == rules.key(table.schema) &&
                rules.key(fk.referencedTable) == rules.key(table.name)) {
                for (auto& column : fk.referencedColumns) {
                    if (columnNameEquals(column, from)) {
                        column = std::string(to);
                        touched = true;
                    }
                }
            }
        }
        if (touched) {
            m_work.putTable(std::move(copy));
        }
    }
    for (auto& fk : table.foreignKeys) {
        if (rules.key(fk.referencedSchema) == rules.key(table.schema) &&
            rules.key(fk.referencedTable) == rules.key(table.name)) {
            for (auto& column : fk.referencedColumns) {
                if (columnNameEquals(column, from)) {
                    column = std::string(to);
                }
            }
        }
    }
}

Status StatementApplier::convertCharset(TableDef& table, const Charset& target) const {
    auto targetMb = m_catalog.maxBytesPerChar(target.charset).value_or(1);
    for (auto& c : table.columns) {
        if (!isCharacterType(c.dataType) || c.charset.empty()) {
            continue;
        }
        if (isTextType(c.dataType)) {
            auto oldMb = m_catalog.maxBytesPerChar(c.charset).value_or(1);
            std::uint64_t chars = textTypeMaxBytes(c.dataType) / oldMb;
            std::string wider = textTypeFor(chars * targetMb, false);
            if (textTypeMaxBytes(wider) > textTypeMaxBytes(c.dataType)) {
                c.dataType = wider;
            }
            c.length = textTypeMaxBytes(c.dataType) / targetMb;
        }
        c.charset = target.charset;
        c.collation = target.collation;
        buildColumnType(c);
    }
    table.charset = target.charset;
    table.collation = target.collation;
    return okStatus();
}

Status StatementApplier::alterSpec(TableDef& table, std::optional<TableName>& renameTo) {
    if (m_cur.acceptWord("ADD")) {
        if (m_cur.isWord("PARTITION")) {
            m_cur.skipToEnd();
            return okStatus();
        }
        if ((m_cur.isWord("SYSTEM") && m_cur.isWord("VERSIONING", 1)) ||
            (m_cur.isWord("PERIOD") && m_cur.isWord("FOR", 1))) {
            return unsupported("system versioning and periods are not followed");
        }
        bool column = m_cur.acceptWord("COLUMN");
        if (!column) {
            FERRY_ASSIGN_OR_RETURN(bool wasKey, keyElement(table, true));
            if (wasKey) {
                return okStatus();
            }
        }
        bool ifNotExists = m_cur.acceptWords({"IF", "NOT", "EXISTS"});
        if (m_cur.acceptPunct('(')) {
            while (true) {
                FERRY_ASSIGN_OR_RETURN(bool wasKey, keyElement(table, true));
                if (!wasKey) {
                    FERRY_ASSIGN_OR_RETURN(ColumnSpec spec, columnDefinition(false));
                    FERRY_TRY(finishColumn(spec, table));
                    if (!(ifNotExists && table.findColumn(spec.def.name))) {
                        FERRY_TRY(placeColumn(table, spec.def, spec, std::nullopt));
                        FERRY_TRY(addInlineKeys(table, spec));
                    }
                }
                if (m_cur.acceptPunct(')')) {
                    return okStatus();
                }
                FERRY_TRY(m_cur.expectPunct(','));
            }
        }
        FERRY_ASSIGN_OR_RETURN(ColumnSpec spec, columnDefinition(true));
        FERRY_TRY(finishColumn(spec, table));
        if (ifNotExists && table.findColumn(spec.def.name)) {
            return okStatus();
        }
        FERRY_TRY(placeColumn(table, spec.def, spec, std::nullopt));
        return addInlineKeys(table, spec);
    }
    if (m_cur.acceptWord("DROP")) {
        if (m_cur.isWord("PARTITION")) {
            m_cur.skipToEnd();
            return okStatus();
        }
        if ((m_cur.isWord("SYSTEM") && m_cur.isWord("VERSIONING", 1)) ||
            (m_cur.isWord("PERIOD") && m_cur.isWord("FOR", 1))) {
            return unsupported("system versioning and periods are not followed");
        }
        if (m_cur.acceptWords({"PRIMARY", "KEY"})) {
            if (auto at = table.findIndex("PRIMARY")) {
                table.indexes.erase(table.indexes.begin() + static_cast<std::ptrdiff_t>(*at));
            }
            return okStatus();
        }
        if (m_cur.acceptWord("INDEX") || m_cur.acceptWord("KEY")) {
            m_cur.acceptWords({"IF", "EXISTS"});
            FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
            if (auto at = table.findIndex(name)) {
                table.indexes.erase(table.indexes.begin() + static_cast<std::ptrdiff_t>(*at));
            }
            return okStatus();
        }
        if (m_cur.acceptWords({"FOREIGN", "KEY"}) || m_cur.isWord("CONSTRAINT")) {
            bool constraint = m_cur.acceptWord("CONSTRAINT");
            m_cur.acceptWords({"IF", "EXISTS"});
            FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
            auto& fks = table.foreignKeys;
            auto it = std::find_if(fks.begin(), fks.end(), [&](const ForeignKeyDef& fk) {
                return columnNameEquals(fk.name, name);
            });
            if (it != fks.end()) {
                fks.erase(it);
            } else if (constraint) {
                // A unique key or a CHECK constraint (not tracked) of that name.
                auto at = table.findIndex(name);
                if (at && table.indexes[*at].kind == IndexKind::Unique) {
                    table.indexes.erase(table.indexes.begin() + static_cast<std::ptrdiff_t>(*at));
                }
            }
            return okStatus();
        }
        if (m_cur.acceptWord("CHECK")) {
            m_cur.acceptWords({"IF", "EXISTS"});
            FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
            (void)name;
            return okStatus();
        }
        m_cur.acceptWord("COLUMN");
        bool ifExists = m_cur.acceptWords({"IF", "EXISTS"});
        FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
        m_cur.acceptWord("RESTRICT") || m_cur.acceptWord("CASCADE");
        return dropColumn(table, name, ifExists);
    }
    if (m_cur.acceptWord("MODIFY") || m_cur.isWord("CHANGE")) {
        bool change = m_cur.acceptWord("CHANGE");
        m_cur.acceptWord("COLUMN");
        bool ifExists = m_cur.acceptWords({"IF", "EXISTS"});
        std::string oldName;
        if (change) {
            FERRY_ASSIGN_OR_RETURN(oldName, m_cur.name());
        }
        FERRY_ASSIGN_OR_RETURN(ColumnSpec spec, columnDefinition(true));
        if (!change) {
            oldName = spec.def.name;
        }
        auto at = table.findColumn(oldName);
        if (!at) {
            if (ifExists) {
                return okStatus();
            }
            return unsupported(std::string(change ? "CHANGE" : "MODIFY") + " COLUMN " + oldName +
                               ": " + table.schema + "." + table.name +
                               " has no such column in the schema history");
        }
        if (!columnNameEquals(oldName, spec.def.name) && table.findColumn(spec.def.name)) {
            return unsupported("CHANGE COLUMN " + oldName + " to " + spec.def.name +
                               ": that column already exists");
        }
        FERRY_TRY(finishColumn(spec, table));
        if (change) {
            renameColumnReferences(table, oldName, spec.def.name);
        }
        FERRY_TRY(placeColumn(table, spec.def, spec, at));
        return addInlineKeys(table, spec);
    }
    if (m_cur.acceptWord("ALTER")) {
        if (m_cur.acceptWord("INDEX") || m_cur.acceptWord("KEY") || m_cur.acceptWord("CHECK") ||
            m_cur.acceptWord("CONSTRAINT")) {
            FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
            (void)name;
            return m_cur.skipToListEnd();
        }
        m_cur.acceptWord("COLUMN");
        m_cur.acceptWords({"IF", "EXISTS"});
        FERRY_ASSIGN_OR_RETURN(std::string name, m_cur.name());
        auto at = table.findColumn(name);
        if (!at) {
            return unsupported("ALTER COLUMN " + name + ": " + table.schema + "." + table.name +
                               " has no such column in the schema history");
        }
        if (m_cur.acceptWords({"SET", "INVISIBLE"})) {
            table.columns[*at].invisible = true;
            return okStatus();
        }
        if (m_cur.acceptWords({"SET", "VISIBLE"})) {
            table.columns[*at].invisible = false;
            return okStatus();
        }
        if (m_cur.acceptWords({"SET", "DEFAULT"})) {
            return skipDefaultValue();
        }
        if (m_cur.acceptWords({"DROP", "DEFAULT"})) {
            return okStatus();
        }
        return m_cur.error("unknown ALTER COLUMN action");
    }
    if (m_cur.acceptWord("RENAME")) {
        if (m_cur.acceptWord("COLUMN")) {
            FERRY_ASSIGN_OR_RETURN(std::string from, m_cur.name());
            FERRY_TRY(m_cur.expectWord("TO"));
            FERRY_ASSIGN_OR_RETURN(std::string to, m_cur.name());
            auto at = table.findColumn(from);
            if (!at) {
                return unsupported("RENAME COLUMN " + from + ": " + table.schema + "." +
                                   table.name + " has no such column in the schema history");
            }
            if (!columnNameEquals(from, to) && table.findColumn(to)) {
                return unsupported("RENAME COLUMN " + from + " TO " + to +
                                   ": that column already exists");
            }
            table.columns[*at].name = to;
            renameColumnReferences(table, from, to);
            return okStatus();
        }
        if (m_cur.acceptWord("INDEX") || m_cur.acceptWord("KEY")) {
            FERRY_ASSIGN_OR_RETURN(std::string from, m_cur.name());
            FERRY_TRY(m_cur.expectWord("TO"));
            FERRY_ASSIGN_OR_RETURN(std::string to, m_cur.name());
            if (auto at = table.findIndex(from)) {
                table.indexes[*at].name = to;
            }
            return okStatus();
        }
        m_cur.acceptWord("TO") || m_cur.acceptWord("AS");
        FERRY_ASSIGN_OR_RETURN(TableName to, tableName());
        renameTo = to;
        return okStatus();
    }
    if (m_cur.acceptWords({"CONVERT", "TO"})) {
        if (!(m_cur.acceptWords({"CHARACTER", "SET"}) || m_cur.acceptWord("CHARSET"))) {
            return m_cur.error("expected CHARACTER SET");
        }
        FERRY_ASSIGN_OR_RETURN(Charset cs, readCharsetOption("CHARACTER SET"));
        std::string collation;
        if (m_cur.acceptWord("COLLATE")) {
            FERRY_ASSIGN_OR_RETURN(Charset c2, readCharsetOption("COLLATE"));
            collation = c2.collation;
        }
        FERRY_ASSIGN_OR_RETURN(
            Charset target, resolveCharset(cs.charset, collation, databaseDefault(table.schema)));
        return convertCharset(table, target);
    }
    if (m_cur.acceptWord("ALGORITHM") || m_cur.acceptWord("LOCK")) {
        m_cur.acceptPunct('=');
        if (m_cur.atEnd()) {
            return m_cur.error("expected a value");
        }
        m_cur.next();
        return okStatus();
    }
    if (m_cur.acceptWord("FORCE") || m_cur.acceptWords({"ENABLE", "KEYS"}) ||
        m_cur.acceptWords({"DISABLE", "KEYS"}) || m_cur.acceptWords({"DISCARD", "TABLESPACE"}) ||
        m_cur.acceptWords({"IMPORT", "TABLESPACE"}) || m_cur.acceptWords({"WITH", "VALIDATION"}) ||
        m_cur.acceptWords({"WITHOUT", "VALIDATION"})) {
        return okStatus();
    }
    if (m_cur.acceptWords({"ORDER", "BY"})) {
        return m_cur.skipToListEnd();
    }
    if (m_cur.isAnyWord({"PARTITION", "REMOVE", "COALESCE", "REORGANIZE", "EXCHANGE", "ANALYZE",
                         "CHECK", "OPTIMIZE", "REBUILD", "REPAIR", "TRUNCATE", "DISCARD", "IMPORT",
                         "UPGRADE"})) {
        m_cur.skipToEnd();  // partition maintenance: no column or key changes
        return okStatus();
    }
    bool recognised = false;
    FERRY_TRY(tableOption(&table, recognised));
    if (!recognised) {
        return m_cur.error("unknown ALTER TABLE specification");
    }
    return okStatus();
}

void StatementApplier::moveTable(const TableName& from, const TableName& to,
                                 std::shared_ptr<TableDef> table) {
    m_work.dropTable(from.schema, from.name);
    m_change.droppedTables.push_back(from);
    const NameRules& rules = m_work.nameRules();
    // Foreign keys that reference the table follow it.
    for (const auto& other : m_work.tables()) {
        bool referencing = std::any_of(
            other->foreignKeys.begin(), other->foreignKeys.end(), [&](const ForeignKeyDef& fk) {
                return rules.key(fk.referencedSchema) == rules.key(from.schema) &&
                       rules.key(fk.referencedTable) == rules.key(from.name);
            });
        if (!referencing) {
            continue;
        }
        TableDef copy = *other;
        bool touched = false;
        for (auto& fk : copy.foreignKeys) {
            if (rules.key(fk.referencedSchema) == rules.key(from.schema) &&
                rules.key(fk.referencedTable) == rules.key(from.name)) {
                fk.referencedSchema = to.schema;
                fk.referencedTable = to.name;
                touched = true;
            }
        }
        if (touched) {
            m_work.putTable(std::move(copy));
            m_change.changedTables.push_back({other->schema, other->name});
        }
    }
    if (table && m_work.isTracked(to.schema)) {
        table->schema = to.schema;
        table->name = to.name;
        for (auto& fk : table->foreignKeys) {
            if (rules.key(fk.referencedSchema) == rules.key(from.schema) &&
                rules.key(fk.referencedTable) == rules.key(from.name)) {
                fk.referencedSchema = to.schema;
                fk.referencedTable = to.name;
            }
        }
        m_work.putTable(std::shared_ptr<const TableDef>(std::move(table)));
        m_change.changedTables.push_back(to);
    }
    m_change.kind = DdlChange::Kind::Changed;
}

Result<DdlChange> StatementApplier::alterTable() {
    FERRY_ASSIGN_OR_RETURN(TableName name, tableName());
    if (m_cur.acceptWord("WAIT")) {
        if (!m_cur.atEnd()) {
            m_cur.next();
        }
    } else {
        m_cur.acceptWord("NOWAIT");
    }
    if (!tracked(name)) {
        // Renaming an untracked table into a tracked schema brings in a structure never seen.
        for (std::size_t i = m_cur.position(); i + 1 < m_tokens.size(); ++i) {
            if (m_tokens[i].kind == TokenKind::Word &&
                equalsIgnoreCase(m_tokens[i].text, "RENAME")) {
                std::size_t save = m_cur.position();
                m_cur.seek(i + 1);
                if (!m_cur.isAnyWord({"COLUMN", "INDEX", "KEY"})) {
                    m_cur.acceptWord("TO") || m_cur.acceptWord("AS");
                    auto to = tableName();
                    if (to.ok() && tracked(*to)) {
                        return unsupported("table " + name.toString() +
                                           " is renamed into tracked schema " + to->schema +
                                           " but its structure is not in the schema history");
                    }
                }
                m_cur.seek(save);
            }
        }
        return DdlChange{DdlChange::Kind::Untracked, {}, {}, {}, {}};
    }
    auto existing = m_work.findTable(name.schema, name.name);
    if (!existing) {
        return unsupported("ALTER TABLE " + name.toString() +
                           ": the schema history does not hold this table");
    }
    TableDef table = *existing;
    std::optional<TableName> renameTo;
    while (!m_cur.atEnd()) {
        FERRY_TRY(alterSpec(table, renameTo));
        if (!m_cur.atEnd() && !m_cur.acceptPunct(',')) {
            if (m_cur.isWord("PARTITION")) {
                m_cur.skipToEnd();
                break;
            }
            // Table options may follow each other without commas.
            bool recognised = false;
            std::size_t save = m_cur.position();
            FERRY_TRY(tableOption(&table, recognised));
            if (!recognised) {
                m_cur.seek(save);
                return m_cur.error("unknown ALTER TABLE specification");
            }
            m_cur.acceptPunct(',');
        }
    }
    addForeignKeyIndexes(table);
    m_change.kind = DdlChange::Kind::Changed;
    if (renameTo &&
        !(m_work.nameRules().key(renameTo->schema) == m_work.nameRules().key(name.schema) &&
          m_work.nameRules().key(renameTo->name) == m_work.nameRules().key(name.name))) {
        if (m_work.findTable(renameTo->schema, renameTo->name)) {
            return unsupported("ALTER TABLE " + name.toString() + " RENAME TO " +
                               renameTo->toString() + ": that table already exists");
        }
        m_work.putTable(table);
        moveTable(name, *renameTo, std::make_shared<TableDef>(std::move(table)));
        return m_change;
    }
    m_work.putTable(std::move(table));
    m_change.changedTables.push_back(name);
    return m_change;
}

Result<DdlChange> StatementApplier::dropTables(bool temporary) {
    m_cur.acceptWords({"IF", "EXISTS"});
    bool anyTracked = false;
    while (!m_cur.atEnd()) {
        FERRY_ASSIGN_OR_RETURN(TableName name, tableName());
        if (!temporary && tracked(name)) {
            anyTracked = true;
            if (m_work.dropTable(name.schema, name.name)) {
                m_change.droppedTables.push_back(name);
            }
        }
        if (!m_cur.acceptPunct(',')) {
            break;
        }
    }
    m_cur.acceptWord("RESTRICT") || m_cur.acceptWord("CASCADE");
    if (!m_change.droppedTables.empty()) {
        m_change.kind = DdlChange::Kind::Changed;
    } else if (!anyTracked && !temporary) {
        m_change.kind = DdlChange::Kind::Untracked;
    }
    return m_change;
}

Result<DdlChange> StatementApplier::renameTables() {
    bool anyTracked = false;
    while (true) {
        FERRY_ASSIGN_OR_RETURN(TableName from, tableName());
        FERRY_TRY(m_cur.expectWord("TO"));
        FERRY_ASSIGN_OR_RETURN(TableName to, tableName());
        if (tracked(from) || tracked(to)) {
            anyTracked = true;
            auto table = m_work.findTable(from.schema, from.name);
            if (!table) {
                if (tracked(to)) {
                    return unsupported("RENAME TABLE " + from.toString() + " TO " + to.toString() +
                                       ": the schema history does not hold " + from.toString());
                }
            } else {
                if (m_work.findTable(to.schema, to.name)) {
                    return unsupported("RENAME TABLE " + from.toString() + " TO " + to.toString() +
                                       ": " + to.toString() +
                                       " already exists in the schema history");
                }
                moveTable(from, to, std::make_shared<TableDef>(*table));
            }
        }
        if (!m_cur.acceptPunct(',')) {
            break;
        }
    }
    if (!m_cur.atEnd() && !m_cur.isWord("WAIT") && !m_cur.isWord("NOWAIT")) {
        return m_cur.error("unexpected text after RENAME TABLE");
    }
    if (!anyTracked) {
        m_change.kind = DdlChange::Kind::Untracked;
    }
    return m_change;
}

}  // namespace

Result<DdlChange> DdlParser::apply(SchemaModel& model, std::string_view defaultSchema,
                                   std::string_view statement) const {
    auto tokens = detail::tokenize(statement, m_catalog.flavor() == ServerFlavor::MariaDb);
    if (!tokens.ok()) {
        return unsupported("cannot read the statement: " + tokens.error().message);
    }
    SchemaModel work = model;
    StatementApplier applier(work, m_catalog, defaultSchema, statement, *tokens);
    FERRY_ASSIGN_OR_RETURN(DdlChange change, applier.run());
    if (change.kind == DdlChange::Kind::Changed) {
        model = std::move(work);
    }
    return change;
}

std::string statementExcerpt(std::string_view statement, std::size_t limit) {
    std::string out;
    bool space = false;
    for (char c : statement) {
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out.push_back(' ');
            space = false;
        }
        if (out.size() >= limit) {
            out += "...";
            return out;
        }
        out.push_back(c);
    }
    return out;
}

}  // namespace ferry::schema
