// SPDX-License-Identifier: Apache-2.0
#include "ferry/replicate/table_filter.h"

#include <algorithm>
#include <cctype>
#include <cstddef>

namespace ferry::replicate {
namespace {

enum class TokenKind { Word, Quoted, Dot, Comma, Open, Close, Other };

struct Token {
    TokenKind kind = TokenKind::Other;
    std::string text;  // identifier text (backquotes removed), or the word
};

bool isWordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

std::string upper(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

// Splits a statement into words, backquoted identifiers and punctuation; strings and comments
// vanish, versioned comments are opened up.
std::vector<Token> tokenize(std::string_view sql) {
    std::vector<Token> tokens;
    std::size_t i = 0;
    int versioned = 0;
    while (i < sql.size()) {
        const char c = sql[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (sql.compare(i, 3, "/*!") == 0 || sql.compare(i, 4, "/*M!") == 0) {
            i += sql[i + 2] == 'M' ? 4 : 3;
            while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) {
                ++i;
            }
            ++versioned;
        } else if (sql.compare(i, 2, "*/") == 0 && versioned > 0) {
            i += 2;
            --versioned;
        } else if (sql.compare(i, 2, "/*") == 0) {
            const auto end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? sql.size() : end + 2;
        } else if (c == '#' || (sql.compare(i, 2, "--") == 0 &&
                                (i + 2 >= sql.size() ||
                                 std::isspace(static_cast<unsigned char>(sql[i + 2]))))) {
            const auto end = sql.find('\n', i);
            i = end == std::string_view::npos ? sql.size() : end + 1;
        } else if (c == '\'' || c == '"') {
            ++i;
            while (i < sql.size()) {
                if (sql[i] == '\\') {
                    i += 2;
                } else if (sql[i] == c) {
                    if (i + 1 < sql.size() && sql[i + 1] == c) {
                        i += 2;
                    } else {
                        ++i;
                        break;
                    }
                } else {
                    ++i;
                }
            }
        } else if (c == '`') {
            Token token{TokenKind::Quoted, {}};
            ++i;
            while (i < sql.size()) {
                if (sql[i] == '`') {
                    if (i + 1 < sql.size() && sql[i + 1] == '`') {
                        token.text.push_back('`');
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                token.text.push_back(sql[i++]);
            }
            tokens.push_back(std::move(token));
        } else if (isWordChar(c)) {
            const std::size_t start = i;
            while (i < sql.size() && isWordChar(sql[i])) {
                ++i;
            }
            tokens.push_back({TokenKind::Word, std::string(sql.substr(start, i - start))});
        } else {
            TokenKind kind = TokenKind::Other;
            if (c == '.') {
                kind = TokenKind::Dot;
            } else if (c == ',') {
                kind = TokenKind::Comma;
            } else if (c == '(') {
                kind = TokenKind::Open;
            } else if (c == ')') {
                kind = TokenKind::Close;
            }
            tokens.push_back({kind, std::string(1, c)});
            ++i;
        }
    }
    return tokens;
}

bool isName(const Token& token) {
    return token.kind == TokenKind::Quoted ||
           (token.kind == TokenKind::Word &&
            !std::all_of(token.text.begin(), token.text.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }));
}

bool isKeyword(const Token& token, std::string_view keyword) {
    return token.kind == TokenKind::Word && upper(token.text) == keyword;
}

class Scanner {
public:
    Scanner(std::string_view defaultSchema, std::vector<Token> tokens)
        : m_default(defaultSchema), m_tokens(std::move(tokens)) {}

    DdlSubjects scan() {
        if (scanTrigger()) {
            return std::move(m_subjects);
        }
        collectQualified();
        const std::size_t first = skipWords({"CREATE", "DROP", "ALTER", "RENAME", "OR", "REPLACE",
                                             "TEMPORARY", "ONLINE", "OFFLINE", "IGNORE"});
        const std::string w0 = word(0);
        const std::string lead = word(first);
        if ((w0 == "CREATE" || w0 == "DROP" || w0 == "ALTER") &&
            (lead == "DATABASE" || lead == "SCHEMA")) {
            std::size_t at = skipIfExists(first + 1);
            if (at < m_tokens.size() && isName(m_tokens[at])) {
                addDatabase(m_tokens[at].text);
            } else if (w0 == "ALTER" && !m_default.empty()) {
                addDatabase(m_default);  // ALTER DATABASE without a name: the default one
            }
        } else if ((w0 == "CREATE" || w0 == "DROP" || w0 == "ALTER" || w0 == "RENAME" ||
                    w0 == "TRUNCATE") &&
                   (lead == "TABLE" || lead == "TABLES" || w0 == "TRUNCATE")) {
            std::size_t at = lead == "TABLE" || lead == "TABLES" ? first + 1 : 1;
            if (w0 == "TRUNCATE" &&
                isKeyword(at < m_tokens.size() ? m_tokens[at] : Token{}, "TABLE")) {
                ++at;
            }
            at = skipIfExists(at);
            at = readTableName(at);
            if (w0 == "DROP" || w0 == "RENAME" || w0 == "TRUNCATE") {
                readListContinuation(at);
            }
            if (w0 == "RENAME" || w0 == "ALTER" || w0 == "CREATE") {
                readNamesAfter({"TO", "AS", "LIKE"}, w0 == "CREATE");
            }
        } else if ((w0 == "CREATE" || w0 == "DROP") &&
                   std::any_of(m_tokens.begin(),
                               m_tokens.begin() + static_cast<std::ptrdiff_t>(
                                                      std::min<std::size_t>(m_tokens.size(), 5)),
                               [](const Token& t) { return isKeyword(t, "INDEX"); })) {
            for (std::size_t i = 0; i + 1 < m_tokens.size(); ++i) {
                if (isKeyword(m_tokens[i], "ON")) {
                    readTableName(i + 1);
                    break;
                }
            }
        }
        if (m_subjects.tables.empty() && m_subjects.databases.empty() && !m_default.empty()) {
            addDatabase(m_default);
        }
        return std::move(m_subjects);
    }

private:
    // CREATE [OR REPLACE] [DEFINER = user] TRIGGER [IF NOT EXISTS] name ... ON table ..., or
    // DROP TRIGGER [IF EXISTS] name. False for any other statement.
    bool scanTrigger() {
        const std::string w0 = word(0);
        if (w0 != "CREATE" && w0 != "DROP") {
            return false;
        }
        std::size_t at = 1;
        if (w0 == "CREATE") {
            if (word(at) == "OR" && word(at + 1) == "REPLACE") {
                at += 2;
            }
            if (word(at) == "DEFINER") {
                at = skipUser(at + 1);
            }
        }
        if (word(at) != "TRIGGER") {
            return false;
        }
        at = skipIfExists(at + 1);
        if (at >= m_tokens.size() || !isName(m_tokens[at])) {
            return false;
        }
        std::string schema(m_default);
        std::string name = m_tokens[at].text;
        ++at;
        if (at + 1 < m_tokens.size() && m_tokens[at].kind == TokenKind::Dot &&
            isName(m_tokens[at + 1])) {
            schema = name;
            name = m_tokens[at + 1].text;
            at += 2;
        }
        m_subjects.trigger = schema.empty() ? name : schema + "." + name;
        if (w0 == "DROP") {
            if (!schema.empty()) {
                addDatabase(schema);
            }
            return true;
        }
        // {BEFORE|AFTER} {INSERT|UPDATE|DELETE} ON table: the first ON after the name.
        for (; at < m_tokens.size(); ++at) {
            if (isKeyword(m_tokens[at], "ON")) {
                const std::size_t table = at + 1;
                if (table + 2 < m_tokens.size() && isName(m_tokens[table]) &&
                    m_tokens[table + 1].kind == TokenKind::Dot && isName(m_tokens[table + 2])) {
                    addTable(m_tokens[table].text, m_tokens[table + 2].text);
                } else {
                    readTableName(table);
                }
                break;
            }
        }
        return true;
    }

    // `= user` of DEFINER: CURRENT_USER[()], CURRENT_ROLE[()], name[@host] (quoted strings are
    // gone after tokenizing, so 'u'@'h' is a lone `@`). Returns the index after it.
    std::size_t skipUser(std::size_t at) const {
        if (at < m_tokens.size() && m_tokens[at].kind == TokenKind::Other &&
            m_tokens[at].text == "=") {
            ++at;
        }
        const std::string w = word(at);
        if (w == "CURRENT_USER" || w == "CURRENT_ROLE") {
            ++at;
            if (at + 1 < m_tokens.size() && m_tokens[at].kind == TokenKind::Open &&
                m_tokens[at + 1].kind == TokenKind::Close) {
                at += 2;
            }
            return at;
        }
        auto isUserPart = [&](std::size_t i) {
            return i < m_tokens.size() &&
                   (m_tokens[i].kind == TokenKind::Quoted || m_tokens[i].kind == TokenKind::Word) &&
                   !isKeyword(m_tokens[i], "TRIGGER");
        };
        if (isUserPart(at)) {
            ++at;
        }
        if (at < m_tokens.size() && m_tokens[at].kind == TokenKind::Other &&
            m_tokens[at].text == "@") {
            ++at;
            if (isUserPart(at)) {
                ++at;
            }
        }
        return at;
    }

    std::string word(std::size_t at) const {
        return at < m_tokens.size() && m_tokens[at].kind == TokenKind::Word
                   ? upper(m_tokens[at].text)
                   : std::string();
    }

    std::size_t skipWords(std::initializer_list<std::string_view> words) const {
        std::size_t at = 0;
        while (at < m_tokens.size() && m_tokens[at].kind == TokenKind::Word &&
               std::find(words.begin(), words.end(), upper(m_tokens[at].text)) != words.end()) {
            ++at;
        }
        return at;
    }

    std::size_t skipIfExists(std::size_t at) const {
        if (word(at) == "IF") {
            ++at;
            if (word(at) == "NOT") {
                ++at;
            }
            if (word(at) == "EXISTS") {
                ++at;
            }
        }
        return at;
    }

    // Reads `name` or `schema`.`name` at `at`; returns the index after it.
    std::size_t readTableName(std::size_t at) {
        if (at >= m_tokens.size() || !isName(m_tokens[at])) {
            return at;
        }
        if (at + 2 < m_tokens.size() && m_tokens[at + 1].kind == TokenKind::Dot &&
            isName(m_tokens[at + 2])) {
            return at + 3;  // collected by collectQualified()
        }
        if (!m_default.empty()) {
            addTable(m_default, m_tokens[at].text);
        }
        return at + 1;
    }

    // `, name [TO name]` repeated (DROP TABLE a, b; RENAME TABLE a TO b, c TO d).
    void readListContinuation(std::size_t at) {
        while (at < m_tokens.size()) {
            if (m_tokens[at].kind == TokenKind::Comma || isKeyword(m_tokens[at], "TO")) {
                at = readTableName(at + 1);
            } else {
                ++at;
            }
        }
    }

    void readNamesAfter(std::initializer_list<std::string_view> words, bool likeOnly) {
        for (std::size_t i = 0; i + 1 < m_tokens.size(); ++i) {
            const std::string w = word(i);
            if (w.empty() || std::find(words.begin(), words.end(), w) == words.end()) {
                continue;
            }
            if (likeOnly && w != "LIKE") {
                continue;
            }
            readTableName(i + 1);
        }
    }

    void collectQualified() {
        for (std::size_t i = 0; i + 2 < m_tokens.size(); ++i) {
            if (isName(m_tokens[i]) && m_tokens[i + 1].kind == TokenKind::Dot &&
                isName(m_tokens[i + 2]) && (i == 0 || m_tokens[i - 1].kind != TokenKind::Dot)) {
                addTable(m_tokens[i].text, m_tokens[i + 2].text);
                i += 2;
            }
        }
    }

    void addTable(std::string_view schema, std::string_view table) {
        std::pair<std::string, std::string> entry{std::string(schema), std::string(table)};
        if (std::find(m_subjects.tables.begin(), m_subjects.tables.end(), entry) ==
            m_subjects.tables.end()) {
            m_subjects.tables.push_back(std::move(entry));
        }
    }

    void addDatabase(std::string_view schema) {
        if (std::find(m_subjects.databases.begin(), m_subjects.databases.end(), schema) ==
            m_subjects.databases.end()) {
            m_subjects.databases.emplace_back(schema);
        }
    }

    std::string_view m_default;
    std::vector<Token> m_tokens;
    DdlSubjects m_subjects;
};

}  // namespace

bool globMatch(std::string_view pattern, std::string_view name) {
    std::size_t p = 0;
    std::size_t n = 0;
    std::size_t starP = std::string_view::npos;
    std::size_t starN = 0;
    while (n < name.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
            ++p;
            ++n;
        } else if (p < pattern.size() && pattern[p] == '*') {
            starP = p++;
            starN = n;
        } else if (starP != std::string_view::npos) {
            p = starP + 1;
            n = ++starN;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*') {
        ++p;
    }
    return p == pattern.size();
}

Result<TablePattern> TablePattern::parse(std::string_view text) {
    const auto dot = text.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot + 1 == text.size()) {
        return makeError(
            ErrorCode::InvalidArgument,
            "table pattern '" + std::string(text) +
                "' is not schema.table; write e.g. shop.orders, shop.* or *.audit_log");
    }
    return TablePattern{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

bool TablePattern::matches(std::string_view schemaName, std::string_view tableName) const {
    return globMatch(schema, schemaName) && globMatch(table, tableName);
}

Result<TableFilter> TableFilter::create(const std::vector<std::string>& include,
                                        const std::vector<std::string>& exclude,
                                        std::string ferrySchema) {
    TableFilter filter;
    filter.m_ferrySchema = std::move(ferrySchema);
    for (const std::string& text : include) {
        FERRY_ASSIGN_OR_RETURN(TablePattern pattern, TablePattern::parse(text));
        filter.m_include.push_back(std::move(pattern));
    }
    for (const std::string& text : exclude) {
        FERRY_ASSIGN_OR_RETURN(TablePattern pattern, TablePattern::parse(text));
        filter.m_exclude.push_back(std::move(pattern));
    }
    return filter;
}

bool TableFilter::includes(std::string_view schema, std::string_view table) const {
    if (schema == m_ferrySchema) {
        return false;
    }
    const bool included = m_include.empty() || std::any_of(m_include.begin(), m_include.end(),
                                                           [&](const TablePattern& p) {
                                                               return p.matches(schema, table);
                                                           });
    return included && std::none_of(m_exclude.begin(), m_exclude.end(), [&](const TablePattern& p) {
               return p.matches(schema, table);
           });
}

bool TableFilter::includesDatabase(std::string_view schema) const {
    if (schema == m_ferrySchema) {
        return false;
    }
    const bool included = m_include.empty() || std::any_of(m_include.begin(), m_include.end(),
                                                           [&](const TablePattern& p) {
                                                               return globMatch(p.schema, schema);
                                                           });
    return included && std::none_of(m_exclude.begin(), m_exclude.end(), [&](const TablePattern& p) {
               return p.table == "*" && globMatch(p.schema, schema);
           });
}

DdlVerdict TableFilter::decideDdl(std::string_view defaultSchema,
                                  std::string_view statement) const {
    const DdlSubjects subjects = scanDdlSubjects(defaultSchema, statement);
    DdlVerdict verdict;
    if (!subjects.trigger.empty()) {
        verdict.decision = DdlDecision::Skip;
        verdict.reason = std::string(kTriggerSkipReason);
        verdict.filtered.push_back("trigger " + subjects.trigger + " (" + verdict.reason + ")");
        return verdict;
    }
    for (const auto& [schema, table] : subjects.tables) {
        (includes(schema, table) ? verdict.replicated : verdict.filtered)
            .push_back(schema + "." + table);
    }
    for (const std::string& schema : subjects.databases) {
        (includesDatabase(schema) ? verdict.replicated : verdict.filtered).push_back(schema);
    }
    if (verdict.replicated.empty() && verdict.filtered.empty()) {
        // Names nothing and runs without a default schema (CREATE USER, GRANT, ...): applied
        // only when every table is replicated.
        verdict.decision = empty() ? DdlDecision::Apply : DdlDecision::Skip;
    } else if (verdict.filtered.empty()) {
        verdict.decision = DdlDecision::Apply;
    } else if (verdict.replicated.empty()) {
        verdict.decision = DdlDecision::Skip;
    } else {
        verdict.decision = DdlDecision::Mixed;
    }
    return verdict;
}

std::string TableFilter::describe() const {
    std::string out;
    auto list = [&](const char* label, const std::vector<TablePattern>& patterns) {
        if (patterns.empty()) {
            return;
        }
        out += out.empty() ? "" : ", ";
        out += label;
        for (std::size_t i = 0; i < patterns.size(); ++i) {
            out += (i == 0 ? " " : " ") + patterns[i].toString();
        }
    };
    list("include", m_include);
    list("exclude", m_exclude);
    if (m_include.empty()) {
        out = out.empty() ? "all tables" : "all tables, " + out;
    }
    return out + " (never schema " + m_ferrySchema + ")";
}

bool isDatabaseStatement(std::string_view statement) {
    const std::vector<Token> tokens = tokenize(statement);
    std::size_t at = 0;
    while (at < tokens.size() && tokens[at].kind == TokenKind::Word &&
           (isKeyword(tokens[at], "CREATE") || isKeyword(tokens[at], "ALTER") ||
            isKeyword(tokens[at], "DROP") || isKeyword(tokens[at], "OR") ||
            isKeyword(tokens[at], "REPLACE"))) {
        ++at;
    }
    return at > 0 && at < tokens.size() &&
           (isKeyword(tokens[at], "DATABASE") || isKeyword(tokens[at], "SCHEMA"));
}

DdlSubjects scanDdlSubjects(std::string_view defaultSchema, std::string_view statement) {
    return Scanner(defaultSchema, tokenize(statement)).scan();
}

}  // namespace ferry::replicate
