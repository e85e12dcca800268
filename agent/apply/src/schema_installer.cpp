// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/schema_installer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>
#include <utility>

namespace ferry::apply {
namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    return text;
}

// The first word of a column or key definition, unquoted.
std::string firstName(std::string_view definition) {
    definition = trim(definition);
    if (!definition.empty() && definition.front() == '`') {
        const auto close = definition.find('`', 1);
        return std::string(
            definition.substr(1, close == std::string_view::npos ? definition.npos : close - 1));
    }
    std::size_t end = 0;
    while (end < definition.size() && !std::isspace(static_cast<unsigned char>(definition[end])) &&
           definition[end] != '(') {
        ++end;
    }
    return std::string(definition.substr(0, end));
}

// Splits the body of a CREATE TABLE at top-level commas (outside parentheses and quotes).
std::vector<std::string_view> splitDefinitions(std::string_view body) {
    std::vector<std::string_view> out;
    int depth = 0;
    char quote = 0;
    std::size_t start = 0;
    for (std::size_t i = 0; i < body.size(); ++i) {
        const char c = body[i];
        if (quote != 0) {
            if (c == '\\' && quote == '\'') {
                ++i;
            } else if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            quote = c;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            --depth;
        } else if (c == ',' && depth == 0) {
            out.push_back(body.substr(start, i - start));
            start = i + 1;
        }
    }
    out.push_back(body.substr(start));
    return out;
}

// The table and column names of a `CREATE TABLE ... schema.table (...)` statement, or nullopt
// for any other statement.
std::optional<ExpectedTable> parseCreateTable(std::string_view statement) {
    const std::string head = upper(statement.substr(0, 32));
    if (head.rfind("CREATE TABLE", 0) != 0) {
        return std::nullopt;
    }
    const auto open = statement.find('(');
    if (open == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view name = trim(statement.substr(0, open));
    // The last identifier before the body: `schema`.`table`.
    const auto dot = name.rfind('.');
    if (dot != std::string_view::npos) {
        name = name.substr(dot + 1);
    } else {
        const auto space = name.rfind(' ');
        name = name.substr(space + 1);
    }
    ExpectedTable table;
    table.name = firstName(name);
    // The body ends at the parenthesis matching `open`.
    int depth = 0;
    char quote = 0;
    std::size_t close = std::string_view::npos;
    for (std::size_t i = open; i < statement.size(); ++i) {
        const char c = statement[i];
        if (quote != 0) {
            if (c == '\\' && quote == '\'') {
                ++i;
            } else if (c == quote) {
                quote = 0;
            }
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            quote = c;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')' && --depth == 0) {
            close = i;
            break;
        }
    }
    if (close == std::string_view::npos) {
        return std::nullopt;
    }
    static const std::set<std::string> kNotColumns = {"PRIMARY",    "KEY",     "UNIQUE", "INDEX",
                                                      "CONSTRAINT", "FOREIGN", "CHECK",  "SPATIAL",
                                                      "FULLTEXT",   "PERIOD"};
    for (const auto definition : splitDefinitions(statement.substr(open + 1, close - open - 1))) {
        const std::string column = firstName(definition);
        if (!column.empty() && kNotColumns.count(upper(column)) == 0) {
            table.columns.push_back(column);
        }
    }
    return table;
}

bool validSchemaName(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
    });
}

}  // namespace

std::vector<std::string> splitSqlScript(std::string_view script) {
    std::vector<std::string> out;
    std::string current;
    char quote = 0;
    auto flush = [&] {
        const std::string_view text = trim(current);
        if (!text.empty()) {
            out.emplace_back(text);
        }
        current.clear();
    };
    for (std::size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (quote != 0) {
            current.push_back(c);
            if (c == '\\' && quote != '`' && i + 1 < script.size()) {
                current.push_back(script[++i]);
            } else if (c == quote) {
                quote = 0;
            }
            continue;
        }
        const bool dashComment =
            c == '-' && i + 1 < script.size() && script[i + 1] == '-' &&
            (i + 2 == script.size() || std::isspace(static_cast<unsigned char>(script[i + 2])));
        if (dashComment || c == '#') {
            const auto end = script.find('\n', i);
            if (end == std::string_view::npos) {
                break;
            }
            i = end;
            current.push_back('\n');
            continue;
        }
        if (c == '/' && i + 1 < script.size() && script[i + 1] == '*') {
            const auto end = script.find("*/", i + 2);
            if (end == std::string_view::npos) {
                break;
            }
            i = end + 1;
            current.push_back(' ');
            continue;
        }
        if (c == '\'' || c == '"' || c == '`') {
            quote = c;
        }
        if (c == ';') {
            flush();
            continue;
        }
        current.push_back(c);
    }
    flush();
    return out;
}

Result<SchemaInstaller> SchemaInstaller::create(std::string schemaName) {
    if (!validSchemaName(schemaName)) {
        return makeError(ErrorCode::InvalidArgument,
                         "ferry schema name '" + schemaName +
                             "' is not valid: use 1 to 64 letters, digits, '_' or '$'");
    }
    SchemaInstaller installer;
    installer.m_schemaName = std::move(schemaName);
    const std::string from = "`ferry`";
    const std::string to = quoteIdentifier(installer.m_schemaName);
    for (std::string statement : splitSqlScript(embeddedFerrySchemaSql())) {
        for (std::size_t at = statement.find(from); at != std::string::npos;
             at = statement.find(from, at + to.size())) {
            statement.replace(at, from.size(), to);
        }
        if (auto table = parseCreateTable(statement)) {
            installer.m_tables.push_back(std::move(*table));
        }
        installer.m_statements.push_back(std::move(statement));
    }
    if (installer.m_tables.empty()) {
        return makeError(ErrorCode::Internal,
                         "the embedded sql/ferry_schema.sql defines no table; rebuild Ferry");
    }
    return installer;
}

Status SchemaInstaller::install(SqlSession& session) const {
    for (const std::string& statement : m_statements) {
        auto status = session.execute(statement);
        if (!status.ok()) {
            return makeError(status.error().code,
                             "creating the ferry schema `" + m_schemaName + "` on " +
                                 session.where() + " failed: " + status.error().message +
                                 "; run sql/ferry_schema.sql as an administrator, or grant the "
                                 "agent's user CREATE on it");
        }
    }
    return check(session);
}

Status SchemaInstaller::check(SqlSession& session) const {
    FERRY_ASSIGN_OR_RETURN(
        SqlRows rows,
        session.query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS WHERE "
                      "TABLE_SCHEMA = " +
                      session.quote(m_schemaName)));
    std::set<std::pair<std::string, std::string>> present;
    std::set<std::string> tables;
    for (const auto& row : rows.rows) {
        if (row.size() < 2 || !row[0] || !row[1]) {
            continue;
        }
        tables.insert(*row[0]);
        present.emplace(*row[0], *row[1]);
    }
    for (const ExpectedTable& table : m_tables) {
        if (tables.count(table.name) == 0) {
            return makeError(ErrorCode::NotFound,
                             "ferry schema check on " + session.where() + ": table `" +
                                 m_schemaName + "`.`" + table.name +
                                 "` is missing; run sql/ferry_schema.sql (with `ferry` replaced by "
                                 "the schema name) or let the agent create it");
        }
        for (const std::string& column : table.columns) {
            if (present.count({table.name, column}) == 0) {
                return makeError(ErrorCode::NotFound,
                                 "ferry schema check on " + session.where() + ": table `" +
                                     m_schemaName + "`.`" + table.name + "` has no column `" +
                                     column +
                                     "`; it was created by an older Ferry: add the column as "
                                     "sql/ferry_schema.sql defines it");
            }
        }
    }
    return okStatus();
}

}  // namespace ferry::apply
