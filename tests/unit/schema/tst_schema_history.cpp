// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/schema/schema_codec.h"
#include "ferry/schema/schema_history.h"
#include "ferry/schema/v1/schema_model.pb.h"
#include "ferry/v1/change.pb.h"

namespace ferry::schema {
namespace {

using model::BinlogPosition;

BinlogPosition pos(const char* text) {
    auto parsed = BinlogPosition::parse(text);
    EXPECT_TRUE(parsed.ok()) << text;
    return parsed.valueOr(BinlogPosition{});
}

SchemaHistoryOptions options() {
    SchemaHistoryOptions o;
    o.trackedSchemas = {"shop"};
    return o;
}

// The schema at the snapshot: shop.t (id PK, a, b unique).
SchemaModel snapshotModel() {
    SchemaModel model;
    model.putDatabase({"shop", "utf8mb4", "utf8mb4_general_ci"});
    model.putDatabase({"untracked", "utf8mb4", "utf8mb4_general_ci"});
    DdlParser parser(CharsetCatalog::builtIn(ServerFlavor::MariaDb));
    auto created = parser.apply(model, "shop",
                                "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, "
                                "b VARCHAR(10), UNIQUE KEY uk_b (b))");
    EXPECT_TRUE(created.ok());
    auto other = parser.apply(model, "untracked", "CREATE TABLE u (x INT)");
    EXPECT_TRUE(other.ok());
    return model;
}

struct Step {
    const char* position;
    const char* statement;
};

// A stream with DROP/ADD/RENAME COLUMN in the middle, across a binlog rotation.
const std::vector<Step>& steps() {
    static const std::vector<Step> s = {
        {"mysql-bin.000001:500", "ALTER TABLE t ADD COLUMN c INT AFTER a"},
        {"mysql-bin.000001:900", "GRANT SELECT ON shop.* TO 'r'@'%'"},
        {"mysql-bin.000002:200", "ALTER TABLE t DROP COLUMN a"},
        {"mysql-bin.000002:900", "ALTER TABLE t RENAME COLUMN b TO bee"},
        {"mysql-bin.000002:1500", "CREATE TABLE later (k INT PRIMARY KEY)"},
        {"mysql-bin.000003:100", "DROP TABLE later"},
    };
    return s;
}

void feed(SchemaHistory& history) {
    for (const auto& step : steps()) {
        auto result = history.applyDdl(pos(step.position), "shop", step.statement);
        ASSERT_TRUE(result.ok()) << step.statement << ": " << result.error().message;
    }
}

std::vector<std::string> columnNames(const ::ferry::v1::TableDefinition& def) {
    std::vector<std::string> names;
    for (const auto& c : def.columns()) {
        names.push_back(c.name());
    }
    return names;
}

struct LookupCase {
    const char* name;
    const char* table;
    const char* position;
    std::vector<std::string> columns;  // empty: absent
};

const std::vector<LookupCase>& lookupCases() {
    static const std::vector<LookupCase> cases = {
        {"at_snapshot", "t", "mysql-bin.000001:100", {"id", "a", "b"}},
        {"before_add", "t", "mysql-bin.000001:499", {"id", "a", "b"}},
        {"at_add", "t", "mysql-bin.000001:500", {"id", "a", "c", "b"}},
        {"after_rotation", "t", "mysql-bin.000002:4", {"id", "a", "c", "b"}},
        {"at_drop", "t", "mysql-bin.000002:200", {"id", "c", "b"}},
        {"before_rename", "t", "mysql-bin.000002:899", {"id", "c", "b"}},
        {"after_rename", "t", "mysql-bin.000002:901", {"id", "c", "bee"}},
        {"far_later", "t", "mysql-bin.000009:4", {"id", "c", "bee"}},
        {"later_before_create", "later", "mysql-bin.000002:1499", {}},
        {"later_exists", "later", "mysql-bin.000002:1500", {"k"}},
        {"later_dropped", "later", "mysql-bin.000003:100", {}},
        {"untracked_not_kept", "u", "mysql-bin.000001:100", {}},
    };
    return cases;
}

class HistoryLookupTest : public ::testing::TestWithParam<LookupCase> {};

TEST_P(HistoryLookupTest, DefinitionInForce) {
    const LookupCase& c = GetParam();
    InMemorySchemaHistoryStore store;
    SchemaHistory history(&store, options());
    ASSERT_TRUE(history.snapshot(pos("mysql-bin.000001:100"), snapshotModel()).ok());
    feed(history);
    std::string schema = std::string(c.table) == "u" ? "untracked" : "shop";
    auto table = history.lookup({schema, c.table}, pos(c.position));
    ASSERT_TRUE(table.ok()) << table.error().message;
    if (c.columns.empty()) {
        EXPECT_FALSE(*table) << (*table)->describe();
        return;
    }
    ASSERT_TRUE(*table);
    auto def = history.lookupDefinition({schema, c.table}, pos(c.position));
    ASSERT_TRUE(def.ok()) << def.error().message;
    EXPECT_EQ(columnNames(*def), c.columns);

    // The same answer after a restart at the lookup position (restart from before a DDL).
    auto reopened = SchemaHistory::open(&store, pos(c.position), options());
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    auto again = (*reopened)->lookupDefinition({schema, c.table}, pos(c.position));
    ASSERT_TRUE(again.ok()) << again.error().message;
    EXPECT_EQ(again->SerializeAsString(), def->SerializeAsString());
}

INSTANTIATE_TEST_SUITE_P(Positions, HistoryLookupTest, ::testing::ValuesIn(lookupCases()),
                         [](const auto& row) { return std::string(row.param.name); });

// With MINIMAL metadata the TABLE_MAP has types only: names, keys and signedness come from the
// history, which must give the layout in force at each rows event.
TEST(SchemaHistory, MinimalMetadataLayoutAcrossDdl) {
    SchemaHistory history(nullptr, options());
    ASSERT_TRUE(history.snapshot(pos("mysql-bin.000001:100"), snapshotModel()).ok());
    feed(history);
    auto before = history.lookupDefinition({"shop", "t"}, pos("mysql-bin.000001:300"));
    auto after = history.lookupDefinition({"shop", "t"}, pos("mysql-bin.000002:300"));
    ASSERT_TRUE(before.ok() && after.ok());
    ASSERT_EQ(before->columns_size(), 3);
    EXPECT_EQ(before->columns(1).type(), 3u);   // a INT
    EXPECT_EQ(before->columns(2).type(), 15u);  // b VARCHAR(10) utf8mb4
    EXPECT_EQ(before->columns(2).meta(), 40u);
    EXPECT_EQ(before->columns(2).collation(), 45u);
    ASSERT_EQ(before->unique_keys_size(), 1);
    EXPECT_EQ(before->unique_keys(0).columns(0), 2u);
    ASSERT_EQ(after->columns_size(), 3);
    EXPECT_EQ(after->columns(1).name(), "c");
    ASSERT_EQ(after->unique_keys_size(), 1);
    EXPECT_EQ(after->unique_keys(0).columns(0), 2u) << "the key follows b to its new index";
    ASSERT_EQ(after->primary_key_size(), 1);
    EXPECT_EQ(after->primary_key(0), 0u);
    EXPECT_FALSE(after->columns(0).nullable());
}

TEST(SchemaHistory, RefusesStartBeforeFirstSnapshot) {
    InMemorySchemaHistoryStore store;
    SchemaHistory history(&store, options());
    ASSERT_TRUE(history.snapshot(pos("mysql-bin.000002:100"), snapshotModel()).ok());
    auto lookup = history.lookup({"shop", "t"}, pos("mysql-bin.000001:4"));
    ASSERT_FALSE(lookup.ok());
    EXPECT_EQ(lookup.error().code, ErrorCode::NotFound);
    auto opened = SchemaHistory::open(&store, pos("mysql-bin.000001:4"), options());
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code, ErrorCode::NotFound);
    EXPECT_NE(opened.error().message.find("the first snapshot is at mysql-bin.000002:100"),
              std::string::npos)
        << opened.error().message;
    InMemorySchemaHistoryStore empty;
    auto none = SchemaHistory::open(&empty, pos("mysql-bin.000001:4"), options());
    ASSERT_FALSE(none.ok());
    EXPECT_NE(none.error().message.find("holds no snapshot"), std::string::npos);
}

TEST(SchemaHistory, RestartFromBeforeDdlReplaysAndRewritesTheFuture) {
    InMemorySchemaHistoryStore store;
    {
        SchemaHistory history(&store, options());
        ASSERT_TRUE(history.snapshot(pos("mysql-bin.000001:100"), snapshotModel()).ok());
        feed(history);
    }
    // Changed DDLs are stored; the GRANT is not.
    ASSERT_EQ(store.entries().size(), 6u);
    EXPECT_EQ(store.entries()[1].dbName, "shop");
    EXPECT_EQ(store.entries()[1].tableName, "t");
    EXPECT_EQ(store.entries()[1].statement, "ALTER TABLE t ADD COLUMN c INT AFTER a");

    auto opened = SchemaHistory::open(&store, pos("mysql-bin.000001:700"), options());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    SchemaHistory& history = **opened;
    auto t = history.current().findTable("shop", "t");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->columns.size(), 4u) << t->describe();
    EXPECT_EQ(store.entries().size(), 6u) << "reading does not rewrite the store";

    // The capture reads the binlog again from 000001:700 and meets the same DDL.
    auto again = history.applyDdl(pos("mysql-bin.000002:200"), "shop", "ALTER TABLE t DROP a");
    ASSERT_TRUE(again.ok()) << again.error().message;
    ASSERT_EQ(store.entries().size(), 3u) << "entries past the restart were derived again";
    EXPECT_EQ(store.entries()[2].position.toString(), "mysql-bin.000002:200");
    auto reopened = SchemaHistory::open(&store, pos("mysql-bin.000003:4"), options());
    ASSERT_TRUE(reopened.ok()) << reopened.error().message;
    EXPECT_EQ((*reopened)->current().findTable("shop", "t")->describe(),
              "id int not null, c int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
              "UNIQUE uk_b(b); utf8mb4_general_ci");
}

TEST(SchemaHistory, ReplaysStatementsWithoutStoredResult) {
    InMemorySchemaHistoryStore store;
    {
        SchemaHistory history(&store, options());
        ASSERT_TRUE(history.snapshot(pos("mysql-bin.000001:100"), snapshotModel()).ok());
        feed(history);
    }
    for (auto& entry : store.mutableEntries()) {
        if (entry.kind == HistoryEntry::Kind::Ddl) {
            entry.tables.clear();
        }
    }
    auto opened = SchemaHistory::open(&store, pos("mysql-bin.000002:1000"), options());
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ((*opened)->current().findTable("shop", "t")->describe(),
              "id int not null, c int, bee varchar(10) utf8mb4_general_ci; PRIMARY(id), "
              "UNIQUE uk_b(bee); utf8mb4_general_ci");
}

TEST(SchemaHistory, CannotFollowErrorNamesPositionStatementAndRemedy) {
    SchemaHistory history(nullptr, options());
    ASSERT_TRUE(history.snapshot(pos("mysql-bin.000003:4"), snapshotModel()).ok());
    auto result =
        history.applyDdl(pos("mysql-bin.000003:4567"), "shop", "ALTER TABLE t FROBNICATE 1");
    ASSERT_FALSE(result.ok());
    const std::string& message = result.error().message;
    EXPECT_EQ(message.rfind("cannot follow DDL at mysql-bin.000003:4567: 'ALTER TABLE t "
                            "FROBNICATE 1'; ",
                            0),
              0u)
        << message;
    EXPECT_NE(message.find("take a new schema snapshot"), std::string::npos);
    // Unchanged, and the position did not advance.
    EXPECT_EQ(history.lastPosition().toString(), "mysql-bin.000003:4");
    EXPECT_TRUE(
        history.applyDdl(pos("mysql-bin.000003:4567"), "shop", "ALTER TABLE t ADD z INT").ok());
}

TEST(SchemaHistory, PositionsMustNotGoBackwards) {
    SchemaHistory history(nullptr, options());
    ASSERT_TRUE(history.snapshot(pos("mysql-bin.000002:100"), snapshotModel()).ok());
    ASSERT_TRUE(
        history.applyDdl(pos("mysql-bin.000002:500"), "shop", "ALTER TABLE t ADD z INT").ok());
    auto back = history.applyDdl(pos("mysql-bin.000002:400"), "shop", "ALTER TABLE t ADD y INT");
    ASSERT_FALSE(back.ok());
    EXPECT_EQ(back.error().code, ErrorCode::InvalidArgument);
    auto same = history.applyDdl(pos("mysql-bin.000002:500"), "shop", "ALTER TABLE t ADD y INT");
    EXPECT_FALSE(same.ok());
    auto otherSeries =
        history.applyDdl(pos("other-bin.000002:600"), "shop", "ALTER TABLE t ADD y INT");
    EXPECT_FALSE(otherSeries.ok());
    EXPECT_FALSE(history.current().findTable("shop", "t")->findColumn("y"));
}

TEST(SchemaHistory, DdlBeforeSnapshotRefused) {
    SchemaHistory history(nullptr, options());
    auto result = history.applyDdl(pos("mysql-bin.000001:500"), "shop", "ALTER TABLE t ADD z INT");
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("no snapshot"), std::string::npos);
}

struct CorruptCase {
    const char* name;
    const char* tables;
};

TEST(SchemaHistory, CorruptStoredRowsAreReported) {
    const std::vector<CorruptCase> cases = {
        {"not_json", "{{{"},
        {"wrong_type", "{\"tables\": 5}"},
        {"truncated", "{\"tables\": [{\"schema\": \"shop\", \"name\": \"t\""},
    };
    for (const auto& c : cases) {
        InMemorySchemaHistoryStore store;
        {
            SchemaHistory history(&store, options());
            ASSERT_TRUE(history.snapshot(pos("mysql-bin.000001:100"), snapshotModel()).ok());
        }
        store.mutableEntries()[0].tables = c.tables;
        auto opened = SchemaHistory::open(&store, pos("mysql-bin.000001:200"), options());
        ASSERT_FALSE(opened.ok()) << c.name;
        EXPECT_EQ(opened.error().code, ErrorCode::Corrupt) << c.name;
        EXPECT_NE(opened.error().message.find("mysql-bin.000001:100"), std::string::npos)
            << opened.error().message;
    }
}

TEST(SchemaCodec, RoundTripThroughJson) {
    SchemaModel model = snapshotModel();
    DdlParser parser(CharsetCatalog::builtIn(ServerFlavor::MariaDb));
    ASSERT_TRUE(parser
                    .apply(model, "shop",
                           "CREATE TABLE p (id INT PRIMARY KEY); CREATE TABLE x (a INT, g INT AS "
                           "(a+1) STORED, e ENUM('q','r'), CONSTRAINT f FOREIGN KEY (a) "
                           "REFERENCES p (id) ON DELETE SET NULL)")
                    .ok() == false)
        << "one statement at a time";
    ASSERT_TRUE(parser.apply(model, "shop", "CREATE TABLE p (id INT PRIMARY KEY)").ok());
    ASSERT_TRUE(parser
                    .apply(model, "shop",
                           "CREATE TABLE x (a INT, g INT AS (a+1) STORED, e ENUM('q','r'), "
                           "CONSTRAINT f FOREIGN KEY (a) REFERENCES p (id) ON DELETE SET NULL)")
                    .ok());
    auto json = modelDataToJson(encodeModel(model));
    ASSERT_TRUE(json.ok());
    EXPECT_NE(json->find("\"foreign_keys\""), std::string::npos);
    auto data = modelDataFromJson(*json, "test");
    ASSERT_TRUE(data.ok()) << data.error().message;
    SchemaModel back;
    applyModelData(*data, back);
    EXPECT_TRUE(back.sameContent(model));
}

struct BinlogTypeCase {
    const char* column;
    std::uint32_t type;
    std::uint32_t meta;
    std::uint32_t collation;
};

TEST(TableDefinition, BinlogTypesAndMetadata) {
    const std::vector<BinlogTypeCase> cases = {
        {"i INT", 3, 0, 0},
        {"ti TINYINT UNSIGNED", 1, 0, 0},
        {"mi MEDIUMINT", 9, 0, 0},
        {"bi BIGINT", 8, 0, 0},
        {"d DOUBLE", 5, 8, 0},
        {"f FLOAT", 4, 4, 0},
        {"dec DECIMAL(10,2)", 246, (10u << 8) | 2, 0},
        {"bt BIT(12)", 16, (1u << 8) | 4, 0},
        {"dt DATETIME(3)", 18, 3, 0},
        {"ts TIMESTAMP(6) NULL", 17, 6, 0},
        {"tm TIME", 19, 0, 0},
        {"da DATE", 10, 0, 0},
        {"y YEAR", 13, 0, 0},
        {"vc VARCHAR(10)", 15, 40, 45},
        {"vb VARBINARY(300)", 15, 300, 63},
        {"cl CHAR(10) CHARACTER SET latin1", 254, (0xfeu << 8) | 10, 8},
        {"cu CHAR(100)", 254, (0xeeu << 8) | 0x90, 45},
        {"e ENUM('a','b')", 247, (247u << 8) | 1, 45},
        {"s SET('a','b','c','d','e','f','g','h','i')", 248, (248u << 8) | 2, 45},
        {"tx TEXT", 252, 2, 45},
        {"lb LONGBLOB", 252, 4, 63},
        {"j JSON", 252, 4, 46},
        {"g GEOMETRY", 255, 4, 0},
    };
    DdlParser parser(CharsetCatalog::builtIn(ServerFlavor::MariaDb));
    for (const auto& c : cases) {
        SchemaModel model;
        model.putDatabase({"shop", "utf8mb4", "utf8mb4_general_ci"});
        std::string statement = std::string("CREATE TABLE shop.t (") + c.column + ")";
        ASSERT_TRUE(parser.apply(model, "shop", statement).ok()) << statement;
        auto def = model.findTable("shop", "t")->toTableDefinition(parser.catalog());
        ASSERT_TRUE(def.ok()) << def.error().message;
        EXPECT_EQ(def->columns(0).type(), c.type) << c.column;
        EXPECT_EQ(def->columns(0).meta(), c.meta) << c.column;
        EXPECT_EQ(def->columns(0).collation(), c.collation) << c.column;
    }
}

}  // namespace
}  // namespace ferry::schema
