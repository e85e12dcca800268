// SPDX-License-Identifier: Apache-2.0
// The DDL parser against the server: a schema with keys, foreign keys and generated columns is
// snapshot from information_schema, DDL runs on the server and is fed to the parser, and the
// parser's model must equal a fresh information_schema read on everything TableDefinition
// carries. The history is persisted to ferry.schema_history and reloaded.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/mysql/connection.h"
#include "ferry/schema/information_schema_reader.h"
#include "ferry/schema/mysql_schema_history_store.h"
#include "ferry/schema/schema_history.h"
#include "ferry/v1/change.pb.h"
#include "harness_env.h"

namespace ferry::schema {
namespace {

constexpr const char* kSchema = "ferry_it_schema";
constexpr const char* kSourceId = "it-schema";

// Splits sql/ferry_schema.sql into statements: drops "--" comment lines, splits at ';' outside
// quotes.
std::vector<std::string> splitScript(const std::string& text) {
    std::vector<std::string> statements;
    std::string current;
    std::istringstream lines(text);
    std::string line;
    std::string body;
    while (std::getline(lines, line)) {
        auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line.compare(first, 2, "--") == 0) {
            continue;
        }
        body += line + "\n";
    }
    char quote = 0;
    for (char c : body) {
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '\'' || c == '`' || c == '"') {
            quote = c;
        } else if (c == ';') {
            if (current.find_first_not_of(" \t\n") != std::string::npos) {
                statements.push_back(current);
            }
            current.clear();
            continue;
        }
        current.push_back(c);
    }
    if (current.find_first_not_of(" \t\n") != std::string::npos) {
        statements.push_back(current);
    }
    return statements;
}

class SchemaInformationSchemaTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = harness::HarnessEnv::loadDefault();
        ASSERT_TRUE(env.ok()) << env.error().toString();
        auto server = env->mariadb(0);
        ASSERT_TRUE(server.ok()) << server.error().toString();
        mysql::DatabaseUrl url;
        url.user = env->user();
        url.host = server->host;
        url.port = static_cast<std::uint16_t>(server->port);
        url.sslMode = mysql::SslMode::Disabled;
        auto connection = mysql::MysqlConnection::connect(url, env->password());
        ASSERT_TRUE(connection.ok()) << connection.error().toString();
        m_db = std::move(connection).value();

        std::ifstream script(std::string(FERRY_SOURCE_DIR) + "/sql/ferry_schema.sql");
        ASSERT_TRUE(script.good());
        std::stringstream text;
        text << script.rdbuf();
        auto statements = splitScript(text.str());
        ASSERT_GE(statements.size(), 7u);
        for (const auto& statement : statements) {
            exec(statement);
        }
        exec(std::string("DROP DATABASE IF EXISTS ") + kSchema);
        exec(std::string("DELETE FROM ferry.schema_history WHERE source_id = '") + kSourceId + "'");
        exec(std::string("CREATE DATABASE ") + kSchema + " CHARACTER SET utf8mb4");
        exec(std::string("USE ") + kSchema);
    }

    void exec(const std::string& sql) {
        auto status = m_db->execute(sql);
        ASSERT_TRUE(status.ok()) << sql << ": " << status.error().toString();
    }

    model::BinlogPosition position() {
        InformationSchemaReader reader(*m_db);
        auto p = reader.readPosition();
        EXPECT_TRUE(p.ok()) << p.error().toString();
        return p.ok() ? p->first : model::BinlogPosition{};
    }

    std::unique_ptr<mysql::MysqlConnection> m_db;
};

// Equal on everything TableDefinition carries, table by table.
void expectSameDefinitions(const SchemaModel& expected, const SchemaModel& actual,
                           const CharsetCatalog& catalog, const std::string& when) {
    auto want = expected.tables();
    auto got = actual.tables();
    ASSERT_EQ(want.size(), got.size()) << when;
    for (std::size_t i = 0; i < want.size(); ++i) {
        auto a = want[i]->toTableDefinition(catalog);
        auto b = got[i]->toTableDefinition(catalog);
        ASSERT_TRUE(a.ok()) << a.error().message;
        ASSERT_TRUE(b.ok()) << b.error().message;
        EXPECT_EQ(a->DebugString(), b->DebugString())
            << when << ": " << want[i]->schema << "." << want[i]->name
            << "\n information_schema: " << want[i]->describe()
            << "\n parser:             " << got[i]->describe();
        // Foreign keys too (MariaDB reports an action left out as RESTRICT).
        auto normalised = [](std::vector<ForeignKeyDef> fks) {
            for (auto& fk : fks) {
                for (auto* rule : {&fk.onDelete, &fk.onUpdate}) {
                    if (*rule == ReferenceAction::Unspecified) {
                        *rule = ReferenceAction::Restrict;
                    }
                }
            }
            std::sort(fks.begin(), fks.end(),
                      [](const auto& x, const auto& y) { return x.name < y.name; });
            return fks;
        };
        EXPECT_TRUE(normalised(want[i]->foreignKeys) == normalised(got[i]->foreignKeys))
            << when << ": foreign keys of " << want[i]->name
            << "\n information_schema: " << want[i]->describe()
            << "\n parser:             " << got[i]->describe();
    }
}

TEST_F(SchemaInformationSchemaTest, ParserFollowsServerDdl) {
    exec(
        "CREATE TABLE parent (id INT NOT NULL PRIMARY KEY, code VARCHAR(20) NOT NULL, "
        "UNIQUE KEY uk_code (code)) ENGINE=InnoDB");
    exec(
        "CREATE TABLE orders (\n"
        "  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
        "  parent_id INT NULL,\n"
        "  sku CHAR(8) NOT NULL,\n"
        "  qty INT NOT NULL DEFAULT 1,\n"
        "  price DECIMAL(10,2) NOT NULL,\n"
        "  total DECIMAL(12,2) AS (qty * price) STORED,\n"
        "  label VARCHAR(40) AS (CONCAT(sku, '-', qty)) VIRTUAL,\n"
        "  status ENUM('new','paid','shipped') NOT NULL DEFAULT 'new',\n"
        "  tags SET('a','b','c') NULL,\n"
        "  doc JSON NULL,\n"
        "  flags BIT(5) NOT NULL DEFAULT b'0',\n"
        "  created TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE "
        "CURRENT_TIMESTAMP(3),\n"
        "  PRIMARY KEY (id),\n"
        "  UNIQUE KEY uk_sku (sku),\n"
        "  UNIQUE KEY uk_parent_qty (parent_id, qty),\n"
        "  KEY k_created (created),\n"
        "  CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE "
        "CASCADE ON UPDATE RESTRICT\n"
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");

    InformationSchemaReader reader(*m_db);
    auto catalog = reader.readCatalog();
    ASSERT_TRUE(catalog.ok()) << catalog.error().toString();
    EXPECT_EQ(catalog->flavor(), ServerFlavor::MariaDb);
    auto rules = reader.readNameRules();
    ASSERT_TRUE(rules.ok()) << rules.error().toString();
    auto snap = reader.snapshot({kSchema}, *catalog, *rules);
    ASSERT_TRUE(snap.ok()) << snap.error().toString();
    // Other tests run DDL on the shared server at the same time; the reader retries then.
    EXPECT_GE(snap->attempts, 1);
    ASSERT_EQ(snap->model.tableCount(), 2u);
    auto orders = snap->model.findTable(kSchema, "orders");
    ASSERT_TRUE(orders);
    auto ordersDef = orders->toTableDefinition(*catalog);
    ASSERT_TRUE(ordersDef.ok()) << ordersDef.error().message;
    EXPECT_TRUE(ordersDef->columns(5).generated()) << orders->describe();
    EXPECT_TRUE(ordersDef->columns(6).generated());
    EXPECT_FALSE(ordersDef->columns(4).generated());
    ASSERT_EQ(ordersDef->unique_keys_size(), 2) << orders->describe();
    ASSERT_EQ(orders->foreignKeys.size(), 1u);
    EXPECT_EQ(orders->foreignKeys[0].onDelete, ReferenceAction::Cascade);
    EXPECT_EQ(orders->foreignKeys[0].referencedTable, "parent");

    // The parser reads the same CREATE TABLE statements into the same definitions.
    {
        SchemaModel parsed(*rules);
        parsed.setTrackedSchemas({kSchema});
        parsed.putDatabase(*snap->model.findDatabase(kSchema));
        DdlParser parser(*catalog);
        for (const char* name : {"parent", "orders"}) {
            auto create = m_db->query(std::string("SHOW CREATE TABLE ") + name);
            ASSERT_TRUE(create.ok()) << create.error().toString();
            auto applied = parser.apply(parsed, kSchema, *create->rows.at(0).at(1));
            ASSERT_TRUE(applied.ok()) << applied.error().message;
        }
        expectSameDefinitions(snap->model, parsed, *catalog, "SHOW CREATE TABLE");
    }

    MysqlSchemaHistoryStore store(*m_db, kSourceId);
    SchemaHistoryOptions options;
    options.catalog = *catalog;
    options.nameRules = *rules;
    options.trackedSchemas = {kSchema};
    SchemaHistory history(&store, options);
    ASSERT_TRUE(history.snapshot(snap->position, snap->model, snap->gtid).ok());

    const std::vector<std::string> ddl = {
        "ALTER TABLE orders ADD COLUMN note VARCHAR(100) CHARACTER SET latin1 NULL AFTER sku",
        "ALTER TABLE orders DROP COLUMN tags",
        "ALTER TABLE orders RENAME COLUMN status TO state",
        "ALTER TABLE orders ADD UNIQUE KEY uk_sku_created (sku, created), DROP INDEX uk_sku",
        "ALTER TABLE parent MODIFY code VARCHAR(40) NOT NULL, ADD COLUMN region CHAR(2) "
        "NOT NULL DEFAULT 'eu' FIRST",
        "CREATE TABLE audit LIKE parent",
        "RENAME TABLE audit TO audit_log",
        "CREATE TABLE extra (id INT PRIMARY KEY, v INT UNSIGNED ZEROFILL, b BIT(3), y YEAR, "
        "t TIME(2), c TEXT, e ENUM('x','y') CHARACTER SET latin1) DEFAULT CHARSET=latin1",
        "ALTER TABLE extra CONVERT TO CHARACTER SET utf8mb4",
        "CREATE INDEX k_v ON extra (v)",
        "ALTER TABLE orders ADD COLUMN seq INT NOT NULL DEFAULT 0, ADD UNIQUE (seq, sku)",
        "DROP TABLE audit_log",
        // gh-ost's shadow table and cut-over.
        "CREATE TABLE _extra_gho LIKE extra",
        "ALTER TABLE _extra_gho ADD COLUMN g INT AS (id * 2) VIRTUAL, DROP COLUMN y",
        "RENAME TABLE extra TO _extra_del, _extra_gho TO extra",
        "DROP TABLE IF EXISTS _extra_del",
        // Foreign keys follow a renamed parent.
        "RENAME TABLE parent TO parent_v2",
        "ALTER TABLE parent_v2 RENAME COLUMN code TO code2",
        "ALTER TABLE orders DROP FOREIGN KEY fk_parent, ADD CONSTRAINT fk_parent2 FOREIGN KEY "
        "(parent_id) REFERENCES parent_v2 (id) ON UPDATE CASCADE",
    };
    std::vector<model::BinlogPosition> positions;
    for (const auto& statement : ddl) {
        exec(statement);
        positions.push_back(position());
        auto change = history.applyDdl(positions.back(), kSchema, statement);
        ASSERT_TRUE(change.ok()) << change.error().message;
        EXPECT_EQ(change->kind, DdlChange::Kind::Changed) << statement;

        auto fresh = reader.readSchemas({kSchema}, *catalog, *rules);
        ASSERT_TRUE(fresh.ok()) << fresh.error().toString();
        expectSameDefinitions(*fresh, history.current(), *catalog, "after " + statement);
    }

    // Lookups by position: the snapshot's definition before the first DDL, the new one after.
    auto atSnapshot = history.lookupDefinition({kSchema, "orders"}, snap->position);
    ASSERT_TRUE(atSnapshot.ok()) << atSnapshot.error().message;
    EXPECT_EQ(atSnapshot->DebugString(), ordersDef->DebugString());
    auto afterFirst = history.lookupDefinition({kSchema, "orders"}, positions[0]);
    ASSERT_TRUE(afterFirst.ok());
    EXPECT_EQ(afterFirst->columns(3).name(), "note");

    // Reload from ferry.schema_history: at the end, and from before the RENAME COLUMN.
    auto reloaded = SchemaHistory::open(&store, positions.back(), options);
    ASSERT_TRUE(reloaded.ok()) << reloaded.error().toString();
    expectSameDefinitions(history.current(), (*reloaded)->current(), *catalog, "reloaded");

    auto early = SchemaHistory::open(&store, positions[1], options);
    ASSERT_TRUE(early.ok()) << early.error().toString();
    auto beforeRename = (*early)->lookupDefinition({kSchema, "orders"}, positions[1]);
    auto inMemory = history.lookupDefinition({kSchema, "orders"}, positions[1]);
    ASSERT_TRUE(beforeRename.ok() && inMemory.ok());
    EXPECT_EQ(beforeRename->DebugString(), inMemory->DebugString());

    // A start before the snapshot is refused.
    model::BinlogPosition tooEarly{snap->position.file, 4};
    auto refused = SchemaHistory::open(&store, tooEarly, options);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::NotFound);

    auto rows = m_db->query(std::string("SELECT kind, COUNT(*) FROM ferry.schema_history WHERE "
                                        "source_id = '") +
                            kSourceId + "' GROUP BY kind ORDER BY kind");
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->rows.size(), 2u);
    EXPECT_EQ(*rows->rows[0][1], std::to_string(ddl.size()));
    EXPECT_EQ(*rows->rows[1][1], "1");
}

TEST_F(SchemaInformationSchemaTest, DdlBetweenPositionsIsDetected) {
    exec("CREATE TABLE t (id INT PRIMARY KEY, v INT)");
    InformationSchemaReader reader(*m_db);
    // The check is server-wide on purpose, and other tests share this server and may log DDL
    // inside the window: a rows-only window must be recognised in at least one of a few tries.
    bool sawRowsOnly = false;
    model::BinlogPosition p2;
    for (int attempt = 0; attempt < 5 && !sawRowsOnly; ++attempt) {
        auto p1 = position();
        exec("INSERT INTO t VALUES (" + std::to_string(2 * attempt + 1) + ", 1), (" +
             std::to_string(2 * attempt + 2) + ", 2)");
        exec("UPDATE t SET v = 3 WHERE id = " + std::to_string(2 * attempt + 1));
        p2 = position();
        ASSERT_FALSE(p1 == p2);
        auto rowsOnly = reader.ddlLoggedBetween(p1, p2);
        ASSERT_TRUE(rowsOnly.ok()) << rowsOnly.error().toString();
        sawRowsOnly = !*rowsOnly;
    }
    EXPECT_TRUE(sawRowsOnly) << "every rows-only window was reported as holding DDL";
    exec("ALTER TABLE t ADD COLUMN w INT");
    exec("INSERT INTO t VALUES (100, 3, 3)");
    auto p3 = position();
    auto withDdl = reader.ddlLoggedBetween(p2, p3);
    ASSERT_TRUE(withDdl.ok()) << withDdl.error().toString();
    EXPECT_TRUE(*withDdl);
}

}  // namespace
}  // namespace ferry::schema
