// SPDX-License-Identifier: Apache-2.0
#include "source_schema_history.h"

#include <algorithm>
#include <set>

#include "ferry/apply/schema_installer.h"
#include "ferry/schema/information_schema_reader.h"

namespace ferry::replicate {
namespace {

bool isSystemSchema(const std::string& name) {
    return name == "mysql" || name == "information_schema" || name == "performance_schema" ||
           name == "sys";
}

// Snapshots through InformationSchemaReader with the catalog and name rules read at open.
class InformationSchemaSnapshots final : public capture::SchemaSnapshotSource {
public:
    InformationSchemaSnapshots(schema::InformationSchemaReader& reader,
                               const schema::CharsetCatalog& catalog,
                               const schema::NameRules& rules)
        : m_reader(reader), m_catalog(catalog), m_rules(rules) {}

    // [from, to) holds only the statements that created the history table (CREATE ... IF NOT
    // EXISTS, harmless to follow again): a start at `from` is treated as a start at `to`.
    void ownDdl(model::BinlogPosition from, model::BinlogPosition to) {
        m_ownFrom = std::move(from);
        m_ownTo = std::move(to);
    }

    Result<capture::SchemaSnapshot> snapshot(const std::vector<std::string>& schemas) override {
        FERRY_ASSIGN_OR_RETURN(auto taken, m_reader.snapshot(schemas, m_catalog, m_rules));
        capture::SchemaSnapshot out;
        out.model = std::move(taken.model);
        out.position = std::move(taken.position);
        out.gtid = std::move(taken.gtid);
        return out;
    }
    Result<bool> ddlLoggedBetween(const model::BinlogPosition& from,
                                  const model::BinlogPosition& to) override {
        if (!m_ownFrom.isEmpty() && from == m_ownFrom) {
            if (m_ownTo == to) {
                return false;
            }
            return m_reader.ddlLoggedBetween(m_ownTo, to);
        }
        return m_reader.ddlLoggedBetween(from, to);
    }

private:
    model::BinlogPosition m_ownFrom;
    model::BinlogPosition m_ownTo;
    schema::InformationSchemaReader& m_reader;
    const schema::CharsetCatalog& m_catalog;
    const schema::NameRules& m_rules;
};

Result<bool> historyTableExists(mysql::MysqlConnection& connection, const std::string& ferry) {
    FERRY_ASSIGN_OR_RETURN(
        auto result,
        connection.query("SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE "
                         "TABLE_SCHEMA = " +
                         connection.quote(ferry) + " AND TABLE_NAME = 'schema_history'"));
    auto n = result.firstValue("n");
    return n && *n != "0";
}

// The schema_history table (and its database) from the ferry schema script.
Status createHistoryTable(mysql::MysqlConnection& connection, const std::string& ferry) {
    FERRY_ASSIGN_OR_RETURN(auto installer, apply::SchemaInstaller::create(ferry));
    for (const auto& statement : installer.statements()) {
        const bool database = statement.find("CREATE DATABASE") != std::string::npos;
        if (!database && statement.find("schema_history") == std::string::npos) {
            continue;
        }
        auto done = connection.query(statement);
        if (!done.ok()) {
            return makeError(done.error().code,
                             "creating " + ferry +
                                 ".schema_history on the source failed: " + done.error().message +
                                 "; grant the user CREATE on it, or run sql/ferry_schema.sql "
                                 "there as an administrator");
        }
    }
    return okStatus();
}

Result<std::vector<std::string>> trackedSchemas(mysql::MysqlConnection& connection,
                                                const SourceSchemaHistoryRequest& request) {
    std::set<std::string> names{request.ferrySchema};
    for (const auto& pattern : request.include) {
        auto dot = pattern.find('.');
        std::string schema = pattern.substr(0, dot);
        if (schema.find_first_of("*?") == std::string::npos && !schema.empty()) {
            names.insert(schema);
        }
    }
    FERRY_ASSIGN_OR_RETURN(auto result, connection.query("SELECT SCHEMA_NAME AS s FROM "
                                                         "information_schema.SCHEMATA"));
    for (const auto& row : result.rows) {
        if (row.empty() || !row[0] || isSystemSchema(*row[0])) {
            continue;
        }
        if (request.filter->includesDatabase(*row[0])) {
            names.insert(*row[0]);
        }
    }
    return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace

Result<std::unique_ptr<SourceSchemaHistory>> SourceSchemaHistory::open(
    std::unique_ptr<mysql::MysqlConnection> connection, const SourceSchemaHistoryRequest& request,
    const LogFunction& log) {
    if (request.mode == SchemaHistoryMode::Off) {
        return std::unique_ptr<SourceSchemaHistory>();
    }
    const bool required = request.mode == SchemaHistoryMode::On;
    if (request.start.isEmpty()) {
        if (required) {
            return makeError(ErrorCode::InvalidArgument,
                             "--schema-history on needs a file position start (--start-file "
                             "NAME --start-pos N, or the target's recorded position); " +
                                 request.startDescription + " is not one");
        }
        log("schema history: not used for a GTID or time start; reading TABLE_MAPs alone");
        return std::unique_ptr<SourceSchemaHistory>();
    }
    FERRY_ASSIGN_OR_RETURN(bool exists, historyTableExists(*connection, request.ferrySchema));
    std::pair<model::BinlogPosition, std::string> ownFrom;
    std::pair<model::BinlogPosition, std::string> ownTo;
    auto history = std::unique_ptr<SourceSchemaHistory>(new SourceSchemaHistory());
    if (!exists) {
        if (!required) {
            log("schema history: the source has no " + request.ferrySchema +
                ".schema_history; reading TABLE_MAPs alone (binlog_row_metadata=FULL needed; "
                "--schema-history on starts a history)");
            return std::unique_ptr<SourceSchemaHistory>();
        }
        FERRY_ASSIGN_OR_RETURN(ownFrom,
                               schema::InformationSchemaReader(*connection).readPosition());
        FERRY_TRY(createHistoryTable(*connection, request.ferrySchema));
        FERRY_ASSIGN_OR_RETURN(ownTo, schema::InformationSchemaReader(*connection).readPosition());
    }
    history->m_store = std::make_unique<schema::MysqlSchemaHistoryStore>(
        *connection, request.sourceId, request.ferrySchema);
    if (!required) {
        FERRY_ASSIGN_OR_RETURN(auto earliest, history->m_store->earliestSnapshot());
        if (!earliest) {
            log("schema history: none for source " + request.sourceId + " in " +
                request.ferrySchema +
                ".schema_history; reading TABLE_MAPs alone "
                "(--schema-history on starts one)");
            return std::unique_ptr<SourceSchemaHistory>();
        }
    }
    schema::InformationSchemaReader reader(*connection);
    FERRY_ASSIGN_OR_RETURN(auto catalog, reader.readCatalog());
    FERRY_ASSIGN_OR_RETURN(auto rules, reader.readNameRules());
    capture::SchemaTrackerOptions options;
    options.history.catalog = catalog;
    options.history.nameRules = rules;
    FERRY_ASSIGN_OR_RETURN(options.history.trackedSchemas, trackedSchemas(*connection, request));
    options.sourceName = "source " + request.sourceId;
    InformationSchemaSnapshots snapshots(reader, options.history.catalog,
                                         options.history.nameRules);
    if (!ownFrom.first.isEmpty()) {
        snapshots.ownDdl(ownFrom.first, ownTo.first);
    }
    FERRY_ASSIGN_OR_RETURN(history->m_tracker,
                           capture::SchemaTracker::open(*history->m_store, request.start,
                                                        std::move(options), &snapshots));
    history->m_connection = std::move(connection);
    log(history->m_tracker->describe() + " at " + request.start.toString());
    return history;
}

}  // namespace ferry::replicate
