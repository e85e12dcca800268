// SPDX-License-Identifier: Apache-2.0
#include "ferry/preflight/preflight.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <optional>

#include "ferry/preflight/grants.h"

namespace ferry::preflight {
namespace {

constexpr std::string_view kSystemSchemas[] = {"mysql", "information_schema", "performance_schema",
                                               "sys"};

constexpr std::string_view kVariablesSql =
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', "
    "'binlog_row_image', 'binlog_row_metadata', 'gtid_mode', 'enforce_gtid_consistency', "
    "'gtid_strict_mode', 'gtid_domain_id', 'server_id', 'server_uuid', 'sync_binlog', "
    "'innodb_flush_log_at_trx_commit', 'expire_logs_days', 'binlog_expire_logs_seconds', "
    "'max_allowed_packet', 'auto_increment_increment', 'auto_increment_offset')";

constexpr std::string_view kTriggersSql =
    "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION "
    "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA NOT IN ('mysql', "
    "'information_schema', 'performance_schema', 'sys')";

constexpr std::string_view kForeignKeysSql =
    "SELECT CONSTRAINT_SCHEMA, CONSTRAINT_NAME, TABLE_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, "
    "DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA NOT IN "
    "('mysql', 'information_schema', 'performance_schema', 'sys') AND (UPDATE_RULE IN "
    "('CASCADE', 'SET NULL') OR DELETE_RULE IN ('CASCADE', 'SET NULL'))";

constexpr std::string_view kLargeColumnsSql =
    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS "
    "WHERE DATA_TYPE IN ('mediumblob', 'mediumtext', 'longblob', 'longtext', 'json') AND "
    "TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')";

struct Trigger {
    std::string schema;
    std::string name;
    std::string table;
    std::string timing;
    std::string event;
};

struct ForeignKey {
    std::string schema;
    std::string name;
    std::string table;
    std::string referenced;
    std::string updateRule;
    std::string deleteRule;
};

// What one server said about itself; a part that could not be read keeps its error.
struct Facts {
    std::string where;
    ServerVersion version;
    std::map<std::string, std::string, std::less<>> variables;

    std::optional<Error> masterError;
    bool masterHasRow = false;
    std::string doDb;
    std::string ignoreDb;

    std::optional<Error> grantsError;
    GrantSet grants;
    std::string account = "the user";

    std::optional<Error> schemasError;
    std::vector<std::string> visibleSchemas;
    std::optional<Error> ferryTablesError;
    std::vector<std::string> ferryTables;

    std::optional<Error> triggersError;
    std::vector<Trigger> triggers;
    std::optional<Error> foreignKeysError;
    std::vector<ForeignKey> foreignKeys;
    // (schema, "schema.table.column type") of columns that hold values of 16 MiB or more.
    std::optional<Error> largeColumnsError;
    std::vector<std::pair<std::string, std::string>> largeColumns;

    std::optional<std::string> variable(std::string_view name) const {
        auto it = variables.find(name);
        if (it == variables.end()) {
            return std::nullopt;
        }
        return it->second;
    }
    std::optional<std::uint64_t> number(std::string_view name) const {
        auto text = variable(name);
        std::uint64_t value = 0;
        if (!text || text->empty()) {
            return std::nullopt;
        }
        auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc() || ptr != text->data() + text->size()) {
            return std::nullopt;
        }
        return value;
    }
    std::optional<double> real(std::string_view name) const {
        auto text = variable(name);
        double value = 0;
        if (!text || text->empty()) {
            return std::nullopt;
        }
        auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc()) {
            return std::nullopt;
        }
        return value;
    }
    std::string shown(std::string_view name) const {
        auto text = variable(name);
        return text ? *text : std::string("(not set)");
    }
};

std::string upperCopy(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

bool isOn(std::string_view value) {
    const std::string v = upperCopy(value);
    return v == "ON" || v == "1" || v == "YES" || v == "TRUE";
}

bool contains(const std::vector<std::string>& values, std::string_view value) {
    return std::find(values.begin(), values.end(), value) != values.end();
}

std::string join(const std::vector<std::string>& values, std::string_view separator = ", ") {
    std::string out;
    for (const std::string& value : values) {
        if (!out.empty()) {
            out += separator;
        }
        out += value;
    }
    return out;
}

std::string quoteName(std::string_view name) {
    std::string out = "`";
    for (char c : name) {
        if (c == '`') {
            out.push_back('`');
        }
        out.push_back(c);
    }
    out.push_back('`');
    return out;
}

std::string sqlLiteral(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') {
            out.push_back(c);
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

std::vector<std::string> splitList(std::string_view text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) {
            comma = text.size();
        }
        std::string_view part = text.substr(start, comma - start);
        while (!part.empty() && part.front() == ' ') {
            part.remove_prefix(1);
        }
        while (!part.empty() && part.back() == ' ') {
            part.remove_suffix(1);
        }
        if (!part.empty()) {
            out.emplace_back(part);
        }
        start = comma + 1;
    }
    return out;
}

std::string formatDuration(std::uint64_t seconds) {
    char buffer[64];
    if (seconds % 86400 == 0 && seconds != 0) {
        std::snprintf(buffer, sizeof buffer, "%llu s (%llu d)",
                      static_cast<unsigned long long>(seconds),
                      static_cast<unsigned long long>(seconds / 86400));
    } else {
        std::snprintf(buffer, sizeof buffer, "%llu s (%.1f h)",
                      static_cast<unsigned long long>(seconds),
                      static_cast<double>(seconds) / 3600.0);
    }
    return buffer;
}

std::string formatBytes(std::uint64_t bytes) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%llu (%.1f MiB)", static_cast<unsigned long long>(bytes),
                  static_cast<double>(bytes) / (1024.0 * 1024.0));
    return buffer;
}

// "SET GLOBAL name=value; and name = value under [mysqld] in my.cnf ..."
std::string setGlobal(std::string_view name, std::string_view value,
                      std::string_view cnfValue = {}) {
    const std::string_view cnf = cnfValue.empty() ? value : cnfValue;
    return "SET GLOBAL " + std::string(name) + "=" + std::string(value) + "; and " +
           std::string(name) + " = " + std::string(cnf) +
           " under [mysqld] in my.cnf so it survives a restart";
}

std::string clientProgram(const ServerVersion& version) {
    return version.mariadb() ? "mariadb" : "mysql";
}

class Checks {
public:
    explicit Checks(v1::PreflightResponse& response) : m_response(response) {}

    void add(std::string name, v1::CheckResult result, std::string message, std::string hint = {}) {
        v1::PreflightCheck* check = m_response.add_checks();
        check->set_name(std::move(name));
        check->set_result(result);
        check->set_message(std::move(message));
        if (result != v1::CHECK_RESULT_PASS) {
            check->set_hint(std::move(hint));
        }
    }
    void pass(std::string name, std::string message) {
        add(std::move(name), v1::CHECK_RESULT_PASS, std::move(message));
    }
    void warn(std::string name, std::string message, std::string hint) {
        add(std::move(name), v1::CHECK_RESULT_WARN, std::move(message), std::move(hint));
    }
    void fail(std::string name, std::string message, std::string hint) {
        add(std::move(name), v1::CHECK_RESULT_FAIL, std::move(message), std::move(hint));
    }

private:
    v1::PreflightResponse& m_response;
};

// Index of column `name` in `rows`, or the fallback position when the server named it
// differently.
std::size_t columnIndex(const mysql::QueryResult& rows, std::string_view name,
                        std::size_t fallback) {
    for (std::size_t i = 0; i < rows.columns.size(); ++i) {
        if (upperCopy(rows.columns[i]) == upperCopy(name)) {
            return i;
        }
    }
    return fallback;
}

std::string cell(const std::vector<std::optional<std::string>>& row, std::size_t index) {
    if (index >= row.size() || !row[index]) {
        return {};
    }
    return *row[index];
}

// Reads everything the checks look at. Fails only when the server does not answer the first
// query (the variables): then nothing else can be checked.
Result<Facts> gather(PreflightSession& session, const PreflightOptions& options) {
    Facts facts;
    facts.where = session.describe();
    facts.version = parseServerVersion(session.serverVersion());
    FERRY_ASSIGN_OR_RETURN(mysql::QueryResult variables, session.query(kVariablesSql));
    {
        const std::size_t name = columnIndex(variables, "Variable_name", 0);
        const std::size_t value = columnIndex(variables, "Value", 1);
        for (const auto& row : variables.rows) {
            facts.variables[cell(row, name)] = cell(row, value);
        }
    }

    const bool binaryLogStatus = !facts.version.mariadb() && facts.version.atLeast(8, 2, 0);
    auto master = session.query(binaryLogStatus ? "SHOW BINARY LOG STATUS" : "SHOW MASTER STATUS");
    if (!master.ok()) {
        facts.masterError = master.error();
    } else if (!master->rows.empty()) {
        facts.masterHasRow = true;
        facts.doDb = cell(master->rows.front(), columnIndex(*master, "Binlog_Do_DB", 2));
        facts.ignoreDb = cell(master->rows.front(), columnIndex(*master, "Binlog_Ignore_DB", 3));
    }

    auto account = session.query("SELECT CURRENT_USER()");
    if (account.ok() && !account->rows.empty()) {
        facts.account = quoteAccount(cell(account->rows.front(), 0));
    }
    auto grants = session.query("SHOW GRANTS FOR CURRENT_USER");
    if (!grants.ok()) {
        facts.grantsError = grants.error();
    } else {
        std::vector<std::string> lines;
        for (const auto& row : grants->rows) {
            lines.push_back(cell(row, 0));
        }
        facts.grants = GrantSet::parse(lines);
    }

    auto schemas = session.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA");
    if (!schemas.ok()) {
        facts.schemasError = schemas.error();
    } else {
        for (const auto& row : schemas->rows) {
            facts.visibleSchemas.push_back(cell(row, 0));
        }
    }
    auto tables = session.query(
        "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
        sqlLiteral(options.ferrySchema));
    if (!tables.ok()) {
        facts.ferryTablesError = tables.error();
    } else {
        for (const auto& row : tables->rows) {
            if (cell(row, 0) == options.ferrySchema) {
                facts.ferryTables.push_back(cell(row, 1));
            }
        }
    }

    auto triggers = session.query(kTriggersSql);
    if (!triggers.ok()) {
        facts.triggersError = triggers.error();
    } else {
        for (const auto& row : triggers->rows) {
            facts.triggers.push_back(
                {cell(row, 0), cell(row, 1), cell(row, 2), cell(row, 3), cell(row, 4)});
        }
    }
    auto foreignKeys = session.query(kForeignKeysSql);
    if (!foreignKeys.ok()) {
        facts.foreignKeysError = foreignKeys.error();
    } else {
        for (const auto& row : foreignKeys->rows) {
            facts.foreignKeys.push_back({cell(row, 0), cell(row, 1), cell(row, 2), cell(row, 3),
                                         cell(row, 4), cell(row, 5)});
        }
    }
    auto large = session.query(kLargeColumnsSql);
    if (!large.ok()) {
        facts.largeColumnsError = large.error();
    } else {
        for (const auto& row : large->rows) {
            facts.largeColumns.emplace_back(cell(row, 0), cell(row, 0) + "." + cell(row, 1) + "." +
                                                              cell(row, 2) + " " + cell(row, 3));
        }
    }
    return facts;
}

std::string flavorName(const ServerVersion& version) {
    switch (version.flavor) {
        case v1::DATABASE_FLAVOR_MARIADB:
            return "MariaDB";
        case v1::DATABASE_FLAVOR_MYSQL:
            return "MySQL";
        default:
            return "unknown server";
    }
}

std::string versionNumber(const ServerVersion& version) {
    return std::to_string(version.major) + "." + std::to_string(version.minor) + "." +
           std::to_string(version.patch);
}

bool hasFullMetadataVersion(const ServerVersion& version) {
    return version.mariadb() ? version.atLeast(10, 5, 0) : version.atLeast(8, 0, 14);
}

void checkVersion(const Facts& facts, Checks& checks) {
    const ServerVersion& v = facts.version;
    if (v.flavor == v1::DATABASE_FLAVOR_UNSPECIFIED || v.major == 0) {
        checks.warn("version", "cannot read a version number from '" + v.text + "'",
                    "Ferry supports MySQL 5.7+ and MariaDB 10.3+; check the server with SELECT "
                    "VERSION()");
        return;
    }
    const std::string name = flavorName(v) + " " + versionNumber(v);
    const bool supported = v.mariadb() ? v.atLeast(10, 3, 0) : v.atLeast(5, 7, 0);
    if (!supported) {
        checks.fail("version", name + " is not supported (MySQL 5.7+ and MariaDB 10.3+ are)",
                    v.mariadb() ? "upgrade to MariaDB 10.5 or later (10.5+ also logs FULL row "
                                  "metadata)"
                                : "upgrade to MySQL 8.0.14 or later (8.0.14+ also logs FULL "
                                  "row metadata)");
        return;
    }
    checks.pass("version", name + " is supported" +
                               (hasFullMetadataVersion(v)
                                    ? std::string(" and can log FULL row metadata")
                                    : std::string(" (FULL row metadata needs ") +
                                          (v.mariadb() ? "MariaDB 10.5+" : "MySQL 8.0.14+") + ")"));
}

void checkLogBin(const Facts& facts, Checks& checks) {
    const auto value = facts.variable("log_bin");
    if (value && isOn(*value)) {
        checks.pass("log_bin", "log_bin is ON");
        return;
    }
    const std::string base = facts.version.mariadb() ? "mariadb-bin" : "mysql-bin";
    checks.fail("log_bin",
                "log_bin is " + facts.shown("log_bin") +
                    ": the server writes no binlog, so there is nothing to capture",
                "log_bin cannot be turned on at run time: add log_bin = " + base +
                    " (and a server_id) under [mysqld] in my.cnf and restart the server");
}

void checkBinlogFormat(const Facts& facts, Checks& checks) {
    const std::string value = upperCopy(facts.shown("binlog_format"));
    if (value == "ROW") {
        checks.pass("binlog_format", "binlog_format is ROW");
        return;
    }
    checks.fail("binlog_format",
                "binlog_format is " + value +
                    ": statement-logged changes carry no row images, and Ferry stops at "
                    "statement-logged DML",
                setGlobal("binlog_format", "ROW") +
                    " (sessions already connected keep their format until they reconnect)");
}

void checkRowImage(const Facts& facts, Checks& checks) {
    const auto raw = facts.variable("binlog_row_image");
    if (!raw) {
        checks.warn("binlog_row_image", "the server does not report binlog_row_image",
                    "Ferry needs full row images: " + setGlobal("binlog_row_image", "FULL"));
        return;
    }
    const std::string value = upperCopy(*raw);
    if (value == "FULL") {
        checks.pass("binlog_row_image", "binlog_row_image is FULL");
        return;
    }
    std::string why;
    if (value == "MINIMAL") {
        why =
            "before-images hold only the primary key and after-images only the changed "
            "columns, so conflict detection, column groups, row filters and keyless tables "
            "cannot work";
    } else if (value == "NOBLOB") {
        why =
            "unchanged BLOB and TEXT columns are left out of the row images, so they cannot be "
            "compared for conflicts or mapped";
    } else {
        why = "Ferry needs every column in both the before- and the after-image";
    }
    checks.fail("binlog_row_image", "binlog_row_image is " + value + ": " + why,
                setGlobal("binlog_row_image", "FULL"));
}

void checkRowMetadata(const Facts& facts, Checks& checks) {
    const auto raw = facts.variable("binlog_row_metadata");
    if (!raw) {
        checks.warn(
            "binlog_row_metadata",
            "this server has no binlog_row_metadata (it needs " +
                std::string(facts.version.mariadb() ? "MariaDB 10.5+" : "MySQL 8.0.14+") +
                "): TABLE_MAP events carry no column names or keys, so Ferry decodes with its "
                "schema history alone",
            std::string("upgrade to ") +
                (facts.version.mariadb() ? "MariaDB 10.5+" : "MySQL 8.0.14+") +
                ", then binlog_row_metadata = FULL under [mysqld] in my.cnf");
        return;
    }
    const std::string value = upperCopy(*raw);
    if (value == "FULL") {
        checks.pass("binlog_row_metadata", "binlog_row_metadata is FULL");
        return;
    }
    checks.warn("binlog_row_metadata",
                "binlog_row_metadata is " + value +
                    ": TABLE_MAP events carry no column names or primary key, so Ferry relies on "
                    "its schema history (ferry.schema_history), which must start before the "
                    "first position it reads",
                setGlobal("binlog_row_metadata", "FULL"));
}

void checkGtid(const Facts& facts, Checks& checks) {
    if (facts.version.mariadb()) {
        const auto value = facts.variable("gtid_strict_mode");
        if (value && isOn(*value)) {
            checks.pass("gtid", "gtid_strict_mode is ON");
            return;
        }
        checks.warn("gtid",
                    "gtid_strict_mode is " + facts.shown("gtid_strict_mode") +
                        ": a GTID logged out of order or twice is accepted silently, so a "
                        "diverging binlog is noticed late",
                    setGlobal("gtid_strict_mode", "ON"));
        return;
    }
    const auto mode = facts.variable("gtid_mode");
    if (mode && isOn(*mode)) {
        checks.pass("gtid", "gtid_mode is ON");
        return;
    }
    checks.warn("gtid",
                "gtid_mode is " + facts.shown("gtid_mode") +
                    ": positions are file:offset only, so after a failover of the source to a "
                    "replica the position must be translated by hand",
                "SET GLOBAL enforce_gtid_consistency=ON; SET GLOBAL gtid_mode=OFF_PERMISSIVE; "
                "SET GLOBAL gtid_mode=ON_PERMISSIVE; (wait until SHOW STATUS LIKE "
                "'Ongoing_anonymous_transaction_count' is 0) SET GLOBAL gtid_mode=ON; and "
                "gtid_mode = ON and enforce_gtid_consistency = ON under [mysqld] in my.cnf");
}

void checkServerId(const Facts& facts, Checks& checks) {
    const auto id = facts.number("server_id");
    if (id && *id != 0) {
        checks.pass("server_id", "server_id is " + std::to_string(*id));
        return;
    }
    checks.fail("server_id",
                "server_id is " + facts.shown("server_id") +
                    ": a server without a server id cannot serve its binlog to a replica",
                setGlobal("server_id", "N", "N") +
                    ", with N a number no other server of the topology uses");
}

void checkReplicationPrivileges(const Facts& facts, Checks& checks) {
    if (facts.grantsError) {
        checks.warn("replication_privileges",
                    "cannot read SHOW GRANTS FOR CURRENT_USER: " + facts.grantsError->message,
                    "run preflight as the user the agent uses");
        return;
    }
    const bool newMariadb = facts.version.mariadb() && facts.version.atLeast(10, 5, 2);
    const std::string clientName = newMariadb ? "BINLOG MONITOR" : "REPLICATION CLIENT";
    const GrantSet& g = facts.grants;
    const bool slave = g.hasGlobal("REPLICATION SLAVE");
    // SHOW MASTER STATUS answering proves the privilege, whatever role or alias gave it.
    const bool client = g.hasGlobal("REPLICATION CLIENT") || g.hasGlobal("BINLOG MONITOR") ||
                        (!facts.version.mariadb() && g.hasGlobal("SUPER")) || !facts.masterError;
    if (slave && client) {
        checks.pass("replication_privileges",
                    facts.account + " has REPLICATION SLAVE and " + clientName);
        return;
    }
    std::vector<std::string> missing;
    std::vector<std::string> why;
    if (!slave) {
        missing.emplace_back("REPLICATION SLAVE");
        why.emplace_back("REPLICATION SLAVE to read the binlog as a replica");
    }
    if (!client) {
        missing.push_back(clientName);
        why.push_back(clientName + " for SHOW MASTER STATUS and SHOW BINARY LOGS");
    }
    std::string message = facts.account + " lacks " + join(why, " and ");
    if (!g.roles().empty()) {
        message += " (privileges of its roles " + join(g.roles()) + " are not counted)";
    }
    checks.fail("replication_privileges", message,
                "GRANT " + join(missing) + " ON *.* TO " + facts.account);
}

std::vector<std::string> replicatedSchemas(const Facts& facts, const PreflightOptions& options) {
    if (!options.schemas.empty()) {
        return options.schemas;
    }
    std::vector<std::string> out;
    for (const std::string& schema : facts.visibleSchemas) {
        const bool system = std::find(std::begin(kSystemSchemas), std::end(kSystemSchemas),
                                      schema) != std::end(kSystemSchemas);
        if (!system && schema != options.ferrySchema) {
            out.push_back(schema);
        }
    }
    return out;
}

std::string listNames(const std::vector<std::string>& names, std::size_t limit = 12) {
    if (names.size() <= limit) {
        return join(names);
    }
    std::vector<std::string> head(names.begin(), names.begin() + static_cast<long>(limit));
    return join(head) + " and " + std::to_string(names.size() - limit) + " more";
}

void checkReplicatedSchemas(const Facts& facts, const PreflightOptions& options,
                            const std::vector<std::string>& schemas, Checks& checks) {
    if (facts.schemasError) {
        checks.warn("replicated_schemas", "cannot list the schemas: " + facts.schemasError->message,
                    "GRANT SELECT ON the replicated schemas TO " + facts.account);
        return;
    }
    if (options.schemas.empty()) {
        if (schemas.empty()) {
            checks.warn(
                "replicated_schemas",
                "no schema other than the system schemas and " + quoteName(options.ferrySchema) +
                    " is visible to " + facts.account,
                "create the schemas to replicate, or grant " + facts.account + " SELECT on them");
            return;
        }
        checks.pass("replicated_schemas", "every non-system schema: " + listNames(schemas));
        return;
    }
    std::vector<std::string> missing;
    for (const std::string& schema : schemas) {
        if (!contains(facts.visibleSchemas, schema)) {
            missing.push_back(schema);
        }
    }
    if (!missing.empty()) {
        checks.warn(
            "replicated_schemas",
            "not found or not visible to " + facts.account + ": " + listNames(missing),
            "create them, grant " + facts.account + " SELECT on them, or correct the schema list");
        return;
    }
    checks.pass("replicated_schemas", "replicating " + listNames(schemas));
}

void checkSchemaPrivileges(const Facts& facts, const PreflightOptions& options,
                           const std::vector<std::string>& schemas, Checks& checks) {
    if (facts.grantsError) {
        checks.warn("schema_privileges",
                    "cannot read SHOW GRANTS FOR CURRENT_USER: " + facts.grantsError->message,
                    "run preflight as the user the agent uses");
        return;
    }
    std::vector<std::string> needed = {"SELECT"};
    if (options.peer != nullptr) {
        needed.insert(needed.end(), {"INSERT", "UPDATE", "DELETE"});
    }
    std::vector<std::string> missingText;
    std::vector<std::string> partialText;
    std::vector<std::string> hints;
    for (const std::string& schema : schemas) {
        std::vector<std::string> missing;
        std::vector<std::string> partial;
        for (const std::string& privilege : needed) {
            if (facts.grants.hasOnDatabase(privilege, schema)) {
                continue;
            }
            if (facts.grants.hasOnSomeTable(privilege, schema)) {
                partial.push_back(privilege);
            } else {
                missing.push_back(privilege);
            }
        }
        if (!missing.empty()) {
            missingText.push_back(join(missing) + " on " + quoteName(schema));
        }
        if (!partial.empty()) {
            partialText.push_back(join(partial) + " on some tables of " + quoteName(schema) +
                                  " only");
        }
        if (!missing.empty() || !partial.empty()) {
            std::vector<std::string> all = missing;
            all.insert(all.end(), partial.begin(), partial.end());
            hints.push_back("GRANT " + join(all) + " ON " + quoteName(schema) + ".* TO " +
                            facts.account);
        }
    }
    const std::string purpose =
        options.peer != nullptr
            ? " (a two-way channel reads the replicated schemas and writes them)"
            : " (capture reads the replicated schemas for snapshots and compares)";
    if (!missingText.empty()) {
        std::vector<std::string> all = missingText;
        all.insert(all.end(), partialText.begin(), partialText.end());
        checks.fail("schema_privileges", facts.account + " lacks " + join(all, "; ") + purpose,
                    join(hints, "; "));
        return;
    }
    if (!partialText.empty()) {
        checks.warn("schema_privileges",
                    facts.account + " has " + join(partialText, "; ") + purpose, join(hints, "; "));
        return;
    }
    checks.pass("schema_privileges", facts.account + " has " + join(needed) + " on " +
                                         (schemas.empty() ? std::string("every replicated schema")
                                                          : listNames(schemas)));
}

void checkFerryPrivileges(const Facts& facts, const PreflightOptions& options, Checks& checks) {
    if (facts.grantsError) {
        checks.warn("ferry_schema_privileges",
                    "cannot read SHOW GRANTS FOR CURRENT_USER: " + facts.grantsError->message,
                    "run preflight as the user the agent uses");
        return;
    }
    const std::string schema = quoteName(options.ferrySchema);
    std::vector<std::string> dml;
    for (const char* privilege : {"SELECT", "INSERT", "UPDATE", "DELETE"}) {
        if (!facts.grants.hasOnDatabase(privilege, options.ferrySchema)) {
            dml.emplace_back(privilege);
        }
    }
    std::vector<std::string> ddl;
    for (const char* privilege : {"CREATE", "ALTER", "INDEX", "DROP"}) {
        if (!facts.grants.hasOnDatabase(privilege, options.ferrySchema)) {
            ddl.emplace_back(privilege);
        }
    }
    std::vector<std::string> all = dml;
    all.insert(all.end(), ddl.begin(), ddl.end());
    const std::string hint = "GRANT " + join(all) + " ON " + schema + ".* TO " + facts.account;
    if (!dml.empty()) {
        checks.fail("ferry_schema_privileges",
                    facts.account + " lacks " + join(dml) + " on " + schema +
                        ": the agent writes positions, fencing tokens and heartbeats there",
                    hint);
        return;
    }
    if (!ddl.empty()) {
        checks.warn("ferry_schema_privileges",
                    facts.account + " lacks " + join(ddl) + " on " + schema +
                        ": the agent cannot create or upgrade its tables itself",
                    hint);
        return;
    }
    checks.pass("ferry_schema_privileges",
                facts.account + " may read, write and create tables in " + schema);
}

void checkFerrySchema(const Facts& facts, const PreflightOptions& options, Checks& checks) {
    const std::string schema = quoteName(options.ferrySchema);
    if (facts.schemasError || facts.ferryTablesError) {
        const Error& error = facts.schemasError ? *facts.schemasError : *facts.ferryTablesError;
        checks.warn("ferry_schema", "cannot read information_schema: " + error.message,
                    "run preflight as the user the agent uses");
        return;
    }
    const bool exists = contains(facts.visibleSchemas, options.ferrySchema);
    std::vector<std::string> missing;
    for (std::string_view table : kFerryTables) {
        if (!contains(facts.ferryTables, table)) {
            missing.emplace_back(table);
        }
    }
    if (exists && missing.empty()) {
        checks.pass("ferry_schema", schema + " exists with its " +
                                        std::to_string(std::size(kFerryTables)) + " tables");
        return;
    }
    const bool canCreate =
        !facts.grantsError && facts.grants.hasOnDatabase("CREATE", options.ferrySchema);
    const std::string script = clientProgram(facts.version) + " < sql/ferry_schema.sql";
    const std::string what =
        exists ? schema + " lacks the tables " + join(missing)
               : schema + " does not exist (or " + facts.account + " cannot see it)";
    if (canCreate) {
        checks.warn("ferry_schema",
                    what + ": the agent will create " + (exists ? "them" : "it") + " on start",
                    "nothing to do; or create it beforehand as an administrator: " + script);
        return;
    }
    checks.fail("ferry_schema", what + ", and " + facts.account + " may not create tables there",
                "as an administrator: " + script +
                    "; then GRANT SELECT, INSERT, UPDATE, "
                    "DELETE, CREATE, ALTER, INDEX, DROP ON " +
                    schema + ".* TO " + facts.account);
}

void checkBinlogFilters(const Facts& facts, const PreflightOptions& options,
                        const std::vector<std::string>& schemas, Checks& checks) {
    if (facts.masterError) {
        checks.warn("binlog_filters",
                    "cannot read SHOW MASTER STATUS: " + facts.masterError->message,
                    "GRANT " +
                        std::string(facts.version.mariadb() && facts.version.atLeast(10, 5, 2)
                                        ? "BINLOG MONITOR"
                                        : "REPLICATION CLIENT") +
                        " ON *.* TO " + facts.account);
        return;
    }
    if (!facts.masterHasRow) {
        checks.warn("binlog_filters",
                    "SHOW MASTER STATUS returned no row (the binlog is off), so the binlog "
                    "filters cannot be read",
                    "turn the binlog on (see log_bin) and run preflight again");
        return;
    }
    const std::vector<std::string> doDbs = splitList(facts.doDb);
    const std::vector<std::string> ignoreDbs = splitList(facts.ignoreDb);
    const std::string observed =
        "Binlog_Do_DB='" + facts.doDb + "', Binlog_Ignore_DB='" + facts.ignoreDb + "'";
    auto hidden = [&](const std::string& schema) {
        return (!doDbs.empty() && !contains(doDbs, schema)) || contains(ignoreDbs, schema);
    };
    std::vector<std::string> names = {options.ferrySchema};
    names.insert(names.end(), schemas.begin(), schemas.end());
    std::vector<std::string> hiddenNames;
    std::vector<std::string> fixes;
    for (const std::string& schema : names) {
        if (!hidden(schema) || contains(hiddenNames, schema)) {
            continue;
        }
        hiddenNames.push_back(schema);
        if (contains(ignoreDbs, schema)) {
            fixes.push_back("remove binlog-ignore-db = " + schema);
        } else {
            fixes.push_back("add binlog-do-db = " + schema);
        }
    }
    if (hiddenNames.empty()) {
        checks.pass("binlog_filters", doDbs.empty() && ignoreDbs.empty()
                                          ? std::string("no binlog filters")
                                          : observed + " hide neither " +
                                                quoteName(options.ferrySchema) +
                                                " nor the replicated schemas");
        return;
    }
    std::string message = observed + " hide";
    std::vector<std::string> quoted;
    for (const std::string& name : hiddenNames) {
        quoted.push_back(quoteName(name));
    }
    message += " " + join(quoted) + " from the binlog";
    if (hidden(options.ferrySchema)) {
        message += ": capture must see " + quoteName(options.ferrySchema) +
                   ".apply_position to drop its own applied transactions (loop avoidance)";
    } else {
        message += ": their changes never reach the binlog";
    }
    checks.fail("binlog_filters", message,
                "binlog filters are startup options: under [mysqld] in my.cnf " +
                    join(fixes, ", ") + ", then restart the server");
}

bool inSchemas(const std::vector<std::string>& schemas, const std::string& schema) {
    return contains(schemas, schema);
}

void checkTriggers(const Facts& facts, const std::vector<std::string>& schemas, Checks& checks) {
    if (facts.triggersError) {
        checks.warn("triggers",
                    "cannot read information_schema.TRIGGERS: " + facts.triggersError->message,
                    "run preflight as an administrator to list the triggers");
        return;
    }
    std::vector<std::string> found;
    std::vector<std::string> drops;
    for (const Trigger& trigger : facts.triggers) {
        if (!inSchemas(schemas, trigger.schema)) {
            continue;
        }
        found.push_back(trigger.schema + "." + trigger.table + ": " + trigger.name + " (" +
                        trigger.timing + " " + trigger.event + ")");
        drops.push_back("DROP TRIGGER " + quoteName(trigger.schema) + "." +
                        quoteName(trigger.name));
    }
    if (!found.empty()) {
        checks.warn("triggers",
                    std::to_string(found.size()) +
                        " trigger(s) on replicated tables fire again when Ferry applies the "
                        "replicated rows at the other site, so their effects happen twice "
                        "there: " +
                        join(found, "; "),
                    "drop them at the target site (" + join(drops, "; ") +
                        "), or leave the tables they write out of the channel so each site's "
                        "triggers make their own rows");
        return;
    }
    std::vector<std::string> blind;
    if (!facts.grantsError) {
        for (const std::string& schema : schemas) {
            if (!facts.grants.hasOnDatabase("TRIGGER", schema)) {
                blind.push_back(schema);
            }
        }
    }
    if (!blind.empty()) {
        std::vector<std::string> grants;
        for (const std::string& schema : blind) {
            grants.push_back("GRANT TRIGGER ON " + quoteName(schema) + ".* TO " + facts.account);
        }
        checks.warn("triggers",
                    "no trigger is visible, but the server lists only the triggers of tables "
                    "the user holds TRIGGER on, and " +
                        facts.account + " lacks it on " + listNames(blind),
                    "run preflight as an administrator, or " + join(grants, "; "));
        return;
    }
    checks.pass("triggers", "no triggers on the replicated schemas");
}

void checkForeignKeys(const Facts& facts, const std::vector<std::string>& schemas, Checks& checks) {
    if (facts.foreignKeysError) {
        checks.warn("cascading_foreign_keys",
                    "cannot read information_schema.REFERENTIAL_CONSTRAINTS: " +
                        facts.foreignKeysError->message,
                    "run preflight as an administrator to list the foreign keys");
        return;
    }
    std::vector<std::string> found;
    for (const ForeignKey& key : facts.foreignKeys) {
        if (!inSchemas(schemas, key.schema)) {
            continue;
        }
        std::vector<std::string> rules;
        const std::string deleteRule = upperCopy(key.deleteRule);
        const std::string updateRule = upperCopy(key.updateRule);
        if (deleteRule == "CASCADE" || deleteRule == "SET NULL") {
            rules.push_back("ON DELETE " + deleteRule);
        }
        if (updateRule == "CASCADE" || updateRule == "SET NULL") {
            rules.push_back("ON UPDATE " + updateRule);
        }
        if (rules.empty()) {
            continue;
        }
        found.push_back(key.schema + "." + key.table + ": " + key.name + " (" + join(rules, " ") +
                        ") -> " + key.schema + "." + key.referenced);
    }
    if (!found.empty()) {
        checks.warn("cascading_foreign_keys",
                    std::to_string(found.size()) +
                        " foreign key(s) on replicated tables cascade: each server runs the "
                        "cascade itself and does not log the cascaded rows as row events, so "
                        "Ferry cannot map, filter or check them for conflicts: " +
                        join(found, "; "),
                    "keep parent and child tables in the same table mapping so both sites "
                    "cascade alike, or change the keys to ON DELETE RESTRICT / ON UPDATE "
                    "RESTRICT (ALTER TABLE ... DROP FOREIGN KEY ..., ADD CONSTRAINT ...) and "
                    "let the application change child rows itself");
        return;
    }
    checks.pass("cascading_foreign_keys",
                "no foreign key on the replicated schemas cascades or sets NULL");
}

void checkDurability(const Facts& facts, Checks& checks) {
    const auto sync = facts.number("sync_binlog");
    if (sync && *sync == 1) {
        checks.pass("sync_binlog", "sync_binlog is 1");
    } else {
        checks.warn("sync_binlog",
                    "sync_binlog is " + facts.shown("sync_binlog") +
                        ": a crash of the host can lose binlog events of committed "
                        "transactions, which Ferry then never ships",
                    setGlobal("sync_binlog", "1"));
    }
    const auto flush = facts.number("innodb_flush_log_at_trx_commit");
    if (flush && *flush == 1) {
        checks.pass("innodb_flush_log_at_trx_commit", "innodb_flush_log_at_trx_commit is 1");
    } else {
        checks.warn("innodb_flush_log_at_trx_commit",
                    "innodb_flush_log_at_trx_commit is " +
                        facts.shown("innodb_flush_log_at_trx_commit") +
                        ": a crash can lose the last second of committed transactions whose "
                        "binlog events Ferry may already have shipped, so the sites diverge",
                    setGlobal("innodb_flush_log_at_trx_commit", "1"));
    }
}

void checkRetention(const Facts& facts, const PreflightOptions& options, Checks& checks) {
    std::uint64_t retention = 0;
    std::string source;
    const bool hasSeconds = facts.variable("binlog_expire_logs_seconds").has_value();
    if (const auto seconds = facts.number("binlog_expire_logs_seconds"); seconds && *seconds) {
        retention = *seconds;
        source = "binlog_expire_logs_seconds=" + std::to_string(*seconds);
    } else if (const auto days = facts.real("expire_logs_days"); days && *days > 0) {
        retention = static_cast<std::uint64_t>(*days * 86400.0);
        source = "expire_logs_days=" + facts.shown("expire_logs_days");
    }
    const std::uint64_t needed = options.lagSeconds + options.retentionMarginSeconds;
    const std::uint64_t week = 7 * 86400;
    std::uint64_t suggested = std::max(week, needed);
    suggested = (suggested + 86399) / 86400 * 86400;
    const std::string hint =
        hasSeconds ? setGlobal("binlog_expire_logs_seconds", std::to_string(suggested))
                   : setGlobal("expire_logs_days", std::to_string(suggested / 86400));
    const std::string lag = "the pipeline is " + formatDuration(options.lagSeconds) + " behind";
    if (retention == 0) {
        checks.pass("binlog_retention",
                    "binlogs are never purged automatically (binlog_expire_logs_seconds and "
                    "expire_logs_days are 0); " +
                        lag + "; watch the disk");
        return;
    }
    if (retention < needed) {
        checks.fail("binlog_retention",
                    "binlogs are purged after " + formatDuration(retention) + " (" + source +
                        ") but " + lag +
                        ": the binlog it needs may be purged before it is "
                        "read (needs at least " +
                        formatDuration(needed) + ", the lag plus a margin of " +
                        formatDuration(options.retentionMarginSeconds) + ")",
                    hint);
        return;
    }
    if (retention < options.retentionWarnSeconds) {
        checks.warn("binlog_retention",
                    "binlogs are kept only " + formatDuration(retention) + " (" + source +
                        "): an outage of the link or the agents longer than that loses the "
                        "position and needs a new snapshot",
                    hint);
        return;
    }
    checks.pass("binlog_retention",
                "binlogs are kept " + formatDuration(retention) + " (" + source + "); " + lag);
}

void checkMaxAllowedPacket(const Facts& facts, const PreflightOptions& options,
                           const std::vector<std::string>& schemas, Checks& checks) {
    const auto value = facts.number("max_allowed_packet");
    std::vector<std::string> large;
    for (const auto& [schema, column] : facts.largeColumns) {
        if (contains(schemas, schema)) {
            large.push_back(column);
        }
    }
    const std::string columns =
        large.empty()
            ? std::string()
            : "; " + std::to_string(large.size()) +
                  " replicated column(s) can hold values that large: " + listNames(large, 8);
    if (value && *value >= options.minMaxAllowedPacket) {
        checks.pass("max_allowed_packet",
                    "max_allowed_packet is " + formatBytes(*value) +
                        (large.empty() ? std::string()
                                       : columns + " (a row over the limit stops the pipeline "
                                                   "with an error naming it)"));
        return;
    }
    const std::uint64_t want = options.minMaxAllowedPacket;
    const std::string cnf =
        want % (1 << 20) == 0 ? std::to_string(want >> 20) + "M" : std::to_string(want);
    checks.warn("max_allowed_packet",
                "max_allowed_packet is " +
                    (value ? formatBytes(*value) : facts.shown("max_allowed_packet")) +
                    ": a row larger than that (big BLOB, TEXT or JSON values) cannot be sent "
                    "in a row event or applied; " +
                    formatBytes(want) + " or more is recommended" + columns,
                setGlobal("max_allowed_packet", std::to_string(want), cnf));
}

// Auto-increment settings that make the two sites' generated keys disjoint: increment >= 2
// and equal, offsets in 1..increment and different.
void checkAutoIncrement(const Facts& a, const Facts& b, Checks& checks) {
    const std::uint64_t incA = a.number("auto_increment_increment").value_or(1);
    const std::uint64_t incB = b.number("auto_increment_increment").value_or(1);
    const std::uint64_t rawOffA = a.number("auto_increment_offset").value_or(1);
    const std::uint64_t rawOffB = b.number("auto_increment_offset").value_or(1);
    // The server ignores an offset above the increment (it counts from 1 then).
    const std::uint64_t offA = rawOffA > incA ? 1 : rawOffA;
    const std::uint64_t offB = rawOffB > incB ? 1 : rawOffB;
    const std::string observed = a.where + " has auto_increment_increment=" + std::to_string(incA) +
                                 " auto_increment_offset=" + std::to_string(rawOffA) + ", " +
                                 b.where + " has auto_increment_increment=" + std::to_string(incB) +
                                 " auto_increment_offset=" + std::to_string(rawOffB);
    std::vector<std::string> problems;
    if (incA < 2 || incB < 2) {
        problems.emplace_back("an increment under 2 lets both sites generate the same keys");
    } else if (incA != incB) {
        problems.emplace_back("different increments make the two key sequences meet");
    }
    if (offA == offB) {
        problems.emplace_back("equal offsets make both sites generate the same keys");
    }
    if (rawOffA > incA || rawOffB > incB) {
        problems.emplace_back("an offset above the increment is ignored by the server");
    }
    if (problems.empty()) {
        checks.pass("peer_auto_increment", observed + ": the generated keys cannot collide");
        return;
    }
    const std::uint64_t inc = std::max<std::uint64_t>({2, incA, incB});
    const std::uint64_t newA = rawOffA >= 1 && rawOffA <= inc ? rawOffA : 1;
    std::uint64_t newB = rawOffB >= 1 && rawOffB <= inc && rawOffB != newA ? rawOffB : 0;
    for (std::uint64_t candidate = 1; newB == 0 && candidate <= inc; ++candidate) {
        if (candidate != newA) {
            newB = candidate;
        }
    }
    auto statements = [&](std::uint64_t offset) {
        return "SET GLOBAL auto_increment_increment=" + std::to_string(inc) +
               "; SET GLOBAL auto_increment_offset=" + std::to_string(offset) + ";";
    };
    checks.fail("peer_auto_increment", observed + ": " + join(problems, "; "),
                "at " + a.where + ": " + statements(newA) + " at " + b.where + ": " +
                    statements(newB) +
                    " and the same auto_increment_increment and auto_increment_offset under "
                    "[mysqld] in each my.cnf (sessions already connected keep the old values)");
}

void checkPeer(const Facts& a, const Facts& b, Checks& checks) {
    const auto idA = a.number("server_id").value_or(0);
    const auto idB = b.number("server_id").value_or(0);
    if (idA != idB) {
        checks.pass("peer_server_id", a.where + " has server_id " + std::to_string(idA) + ", " +
                                          b.where + " has " + std::to_string(idB));
    } else {
        const std::string next = std::to_string(idA + 1);
        checks.fail("peer_server_id",
                    "both " + a.where + " and " + b.where + " have server_id " +
                        std::to_string(idA) +
                        ": their binlog events and GTIDs cannot be told apart",
                    "at " + b.where + ": " + setGlobal("server_id", next) +
                        " (any number no other server of the topology uses)");
    }

    checkAutoIncrement(a, b, checks);

    if (a.version.mariadb() && b.version.mariadb()) {
        const auto domainA = a.number("gtid_domain_id").value_or(0);
        const auto domainB = b.number("gtid_domain_id").value_or(0);
        if (domainA != domainB) {
            checks.pass("peer_gtid_domain_id", a.where + " has gtid_domain_id " +
                                                   std::to_string(domainA) + ", " + b.where +
                                                   " has " + std::to_string(domainB));
        } else {
            const std::string next = std::to_string(std::max(domainA, domainB) + 1);
            checks.fail("peer_gtid_domain_id",
                        "both " + a.where + " and " + b.where + " have gtid_domain_id " +
                            std::to_string(domainA) +
                            ": the two sites' transactions share one GTID sequence, so a GTID "
                            "position cannot say how far each site got",
                        "at " + b.where + ": " + setGlobal("gtid_domain_id", next));
        }
    } else if (!a.version.mariadb() && !b.version.mariadb()) {
        const std::string uuidA = a.shown("server_uuid");
        const std::string uuidB = b.shown("server_uuid");
        if (uuidA != uuidB) {
            checks.pass("peer_server_uuid", "the server_uuid values differ");
        } else {
            checks.fail("peer_server_uuid",
                        "both " + a.where + " and " + b.where + " have server_uuid " + uuidA +
                            ": one data directory was cloned from the other, and their GTIDs "
                            "collide",
                        "at " + b.where +
                            ": stop the server, delete auto.cnf in its data directory and start "
                            "it again (it generates a new server_uuid)");
        }
    }

    checks.warn("two_way_conflicts",
                "conflict detection and resolution are not available yet: a two-way channel "
                "needs disjoint writes, or rows written at both sites diverge",
                "let each site write only its own rows or schemas (e.g. per-site schemas, or "
                "key ranges by the auto-increment offset) until conflict policies land");
}

}  // namespace

bool ServerVersion::atLeast(std::uint32_t wantMajor, std::uint32_t wantMinor,
                            std::uint32_t wantPatch) const {
    if (major != wantMajor) {
        return major > wantMajor;
    }
    if (minor != wantMinor) {
        return minor > wantMinor;
    }
    return patch >= wantPatch;
}

ServerVersion parseServerVersion(std::string_view text) {
    ServerVersion version;
    version.text = std::string(text);
    const bool mariadb = text.find("MariaDB") != std::string_view::npos;
    if (mariadb && text.substr(0, 6) == "5.5.5-") {
        text.remove_prefix(6);  // the replication-protocol prefix of old MariaDB servers
    }
    version.flavor =
        mariadb ? v1::DATABASE_FLAVOR_MARIADB
                : (text.empty() ? v1::DATABASE_FLAVOR_UNSPECIFIED : v1::DATABASE_FLAVOR_MYSQL);
    const char* p = text.data();
    const char* end = p + text.size();
    std::uint32_t* parts[] = {&version.major, &version.minor, &version.patch};
    for (std::uint32_t* part : parts) {
        auto [next, ec] = std::from_chars(p, end, *part);
        if (ec != std::errc()) {
            break;
        }
        if (next == end || *next != '.') {
            break;
        }
        p = next + 1;
    }
    if (version.major == 0) {
        version.flavor = v1::DATABASE_FLAVOR_UNSPECIFIED;
    }
    return version;
}

bool hasFailure(const v1::PreflightResponse& response) {
    return std::any_of(
        response.checks().begin(), response.checks().end(),
        [](const v1::PreflightCheck& check) { return check.result() == v1::CHECK_RESULT_FAIL; });
}

std::string_view checkResultName(v1::CheckResult result) {
    switch (result) {
        case v1::CHECK_RESULT_PASS:
            return "PASS";
        case v1::CHECK_RESULT_WARN:
            return "WARN";
        case v1::CHECK_RESULT_FAIL:
            return "FAIL";
        default:
            return "?";
    }
}

v1::PreflightResponse runPreflight(PreflightSession& source, const PreflightOptions& options) {
    v1::PreflightResponse response;
    Checks checks(response);
    const ServerVersion version = parseServerVersion(source.serverVersion());
    response.set_flavor(version.flavor);
    response.set_version(version.text);
    auto gathered = gather(source, options);
    if (!gathered.ok()) {
        checks.fail("connectivity",
                    "cannot read the server variables of " + source.describe() + ": " +
                        gathered.error().message,
                    "check that the server runs, the address is right and the user may "
                    "connect");
        return response;
    }
    const Facts& facts = *gathered;
    if (const auto id = facts.number("server_id"); id && *id <= 0xffffffffu) {
        response.set_server_id(static_cast<std::uint32_t>(*id));
    }
    checks.pass("connectivity", "connected to " + facts.where + " as " + facts.account);
    checkVersion(facts, checks);
    checkLogBin(facts, checks);
    checkBinlogFormat(facts, checks);
    checkRowImage(facts, checks);
    checkRowMetadata(facts, checks);
    checkGtid(facts, checks);
    checkServerId(facts, checks);
    checkReplicationPrivileges(facts, checks);
    const std::vector<std::string> schemas = replicatedSchemas(facts, options);
    checkReplicatedSchemas(facts, options, schemas, checks);
    checkSchemaPrivileges(facts, options, schemas, checks);
    checkFerryPrivileges(facts, options, checks);
    checkFerrySchema(facts, options, checks);
    checkBinlogFilters(facts, options, schemas, checks);
    checkTriggers(facts, schemas, checks);
    checkForeignKeys(facts, schemas, checks);
    checkDurability(facts, checks);
    checkRetention(facts, options, checks);
    checkMaxAllowedPacket(facts, options, schemas, checks);

    if (options.peer != nullptr) {
        auto peer = gather(*options.peer, options);
        if (!peer.ok()) {
            checks.fail("peer_connectivity",
                        "cannot read the server variables of the peer " + options.peer->describe() +
                            ": " + peer.error().message,
                        "check that the peer server runs, the address is right and the user "
                        "may connect");
            return response;
        }
        checks.pass("peer_connectivity", "connected to the peer " + peer->where);
        checkPeer(facts, *peer, checks);
    }
    return response;
}

}  // namespace ferry::preflight
