// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ferry/schema/ddl_parser.h"
#include "ferry/schema/schema_model.h"

namespace ferry::schema {
namespace {

constexpr const char* kBase =
    "CREATE TABLE shop.t (id INT NOT NULL AUTO_INCREMENT, a INT, b VARCHAR(10), "
    "PRIMARY KEY (id), UNIQUE KEY uk_b (b)) ENGINE=InnoDB";
constexpr const char* kBaseDescribed =
    "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), UNIQUE uk_b(b); "
    "utf8mb4_general_ci";
constexpr const char* kParent = "CREATE TABLE shop.parent (id INT PRIMARY KEY)";
constexpr const char* kAbsent = "<absent>";

using Kind = DdlChange::Kind;

SchemaModel baseModel() {
    SchemaModel model;
    model.setTrackedSchemas({"shop", "other"});
    model.putDatabase({"shop", "utf8mb4", "utf8mb4_general_ci"});
    model.putDatabase({"other", "utf8mb4", "utf8mb4_general_ci"});
    return model;
}

DdlParser mariadbParser() {
    return DdlParser(CharsetCatalog::builtIn(ServerFlavor::MariaDb));
}

std::string describeTable(const SchemaModel& model, const std::string& qualified) {
    auto dot = qualified.find('.');
    auto table = model.findTable(qualified.substr(0, dot), qualified.substr(dot + 1));
    return table ? table->describe() : kAbsent;
}

struct DdlCase {
    const char* name;
    std::vector<const char*> setup;
    const char* statement;
    const char* table;     // "schema.table" to check after the statement
    const char* expected;  // TableDef::describe(), or kAbsent
    Kind kind = Kind::Changed;
};

const std::vector<DdlCase>& ddlCases() {
    static const std::vector<DdlCase> cases = {
        {"create_basic",
         {},
         "CREATE TABLE t (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL "
         "DEFAULT '', price DECIMAL(10,2) UNSIGNED, created DATETIME(3) DEFAULT "
         "CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), flags SET('a','b'), kind "
         "ENUM('x','y') NOT NULL DEFAULT 'x', UNIQUE KEY (name)) ENGINE=InnoDB DEFAULT "
         "CHARSET=utf8mb4",
         "shop.t",
         "id int not null ai, name varchar(20) not null utf8mb4_general_ci, price decimal(10,2) "
         "unsigned, created datetime(3) onupdate, flags set('a','b') utf8mb4_general_ci, kind "
         "enum('x','y') not null utf8mb4_general_ci; PRIMARY(id), UNIQUE name(name); "
         "utf8mb4_general_ci"},
        {"create_quoted_comments_partition",
         {},
         "CREATE TABLE /* c */ `shop`.`T 1` (`id` bigint(20) unsigned NOT NULL, -- comment\n"
         " `v` text CHARACTER SET latin1, # hash comment\n PRIMARY KEY (`id`)) "
         "/*!50100 PARTITION BY HASH (id) PARTITIONS 4 */",
         "shop.T 1",
         "id bigint unsigned not null, v text latin1_swedish_ci; PRIMARY(id); "
         "utf8mb4_general_ci"},
        {"create_versioned_comment_is_code",
         {},
         "CREATE TABLE shop.t2 (id INT, x INT /*!50100 NOT NULL */, /*!50100 UNIQUE KEY ux (x) */)",
         "shop.t2",
         "id int, x int not null; UNIQUE ux(x); utf8mb4_general_ci"},
        {"create_charsets",
         {},
         "CREATE TABLE shop.cs (a CHAR(3), b VARCHAR(5) COLLATE utf8mb4_bin, c TEXT BINARY, "
         "d VARCHAR(4) CHARACTER SET binary, e NATIONAL CHAR(2)) DEFAULT CHARSET=latin1",
         "shop.cs",
         "a char(3) latin1_swedish_ci, b varchar(5) utf8mb4_bin, c text latin1_bin, "
         "d varbinary(4), e char(2) utf8mb3_general_ci;; latin1_swedish_ci"},
        {"create_generated",
         {},
         "CREATE TABLE shop.g (a INT, b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, "
         "c INT AS (a + 1) STORED, d INT AS (a) PERSISTENT, e INT AS ((a)))",
         "shop.g",
         "a int, b int virtual, c int stored, d int stored, e int virtual;; utf8mb4_general_ci"},
        {"create_foreign_key_named",
         {kParent},
         "CREATE TABLE shop.child (id INT PRIMARY KEY, pid INT, CONSTRAINT fk_parent FOREIGN KEY "
         "(pid) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL, CHECK (pid > 0))",
         "shop.child",
         "id int not null, pid int; PRIMARY(id), KEY fk_parent(pid); FK fk_parent(pid)->"
         "shop.parent(id) ON DELETE CASCADE ON UPDATE SET NULL; utf8mb4_general_ci"},
        {"create_foreign_key_unnamed",
         {kParent},
         "CREATE TABLE shop.child2 (pid INT, FOREIGN KEY (pid) REFERENCES shop.parent (id) "
         "ON DELETE NO ACTION)",
         "shop.child2",
         "pid int; KEY pid(pid); FK child2_ibfk_1(pid)->shop.parent(id) ON DELETE NO ACTION; "
         "utf8mb4_general_ci"},
        {"create_foreign_key_uses_existing_index",
         {kParent},
         "CREATE TABLE shop.child3 (pid INT, x INT, KEY k (pid, x), CONSTRAINT f FOREIGN KEY "
         "(pid) REFERENCES parent (id))",
         "shop.child3",
         "pid int, x int; KEY k(pid,x); FK f(pid)->shop.parent(id); utf8mb4_general_ci"},
        {"create_keys_before_columns_and_duplicate_names",
         {},
         "CREATE TABLE shop.k (PRIMARY KEY (a, b), a INT, b CHAR(2), KEY (b), KEY (b))",
         "shop.k",
         "a int not null, b char(2) not null utf8mb4_general_ci; PRIMARY(a,b), KEY b(b), "
         "KEY b_2(b); utf8mb4_general_ci"},
        {"create_many_types",
         {},
         "CREATE TABLE shop.types (s SERIAL, f FLOAT(30), f2 FLOAT(7,3), r REAL, b BOOL, "
         "bt BIT(12), y YEAR, d DATE, tm TIME(6), ts TIMESTAMP NULL, j JSON, g POINT, "
         "nb LONG VARBINARY, txt TEXT(300), u INET6, n NUMERIC(5), i8 INT8 ZEROFILL, "
         "cv CHARACTER VARYING(7))",
         "shop.types",
         "s bigint unsigned not null ai, f double, f2 float, r double, b tinyint, bt bit(12), "
         "y year, d date, tm time(6), ts timestamp, j longtext utf8mb4_bin, g point, "
         "nb mediumblob, txt text utf8mb4_general_ci, u inet6, n decimal(5,0), "
         "i8 bigint unsigned zerofill, cv varchar(7) utf8mb4_general_ci; UNIQUE s(s); "
         "utf8mb4_general_ci"},
        {"create_inline_references_ignored",
         {kParent},
         "CREATE TABLE shop.r (a INT REFERENCES parent(id) ON DELETE CASCADE, b INT CHECK (b > 0))",
         "shop.r",
         "a int, b int;; utf8mb4_general_ci"},
        {"create_if_not_exists_existing",
         {kBase},
         "CREATE TABLE IF NOT EXISTS shop.t (x INT)",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_or_replace",
         {kBase},
         "CREATE OR REPLACE TABLE shop.t (x INT)",
         "shop.t",
         "x int;; utf8mb4_general_ci"},
        {"create_like",
         {kBase},
         "CREATE TABLE shop.t_copy LIKE shop.t",
         "shop.t_copy",
         kBaseDescribed},
        {"create_like_parenthesised",
         {kBase},
         "CREATE TABLE other.t_copy (LIKE shop.t)",
         "other.t_copy",
         kBaseDescribed},
        {"create_temporary_ignored",
         {},
         "CREATE TEMPORARY TABLE shop.tmp (a INT)",
         "shop.tmp",
         kAbsent,
         Kind::NoOp},
        {"alter_add_after_first",
         {kBase},
         "ALTER TABLE shop.t ADD COLUMN c INT NOT NULL AFTER id, ADD d VARCHAR(3) FIRST",
         "shop.t",
         "d varchar(3) utf8mb4_general_ci, id int not null ai, c int not null, a int, "
         "b varchar(10) utf8mb4_general_ci; PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"alter_add_parenthesised",
         {kBase},
         "ALTER TABLE t ADD (c1 INT, c2 INT UNIQUE)",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, c1 int, c2 int; "
         "PRIMARY(id), UNIQUE uk_b(b), UNIQUE c2(c2); utf8mb4_general_ci"},
        {"alter_drop_column_drops_its_key",
         {kBase},
         "ALTER TABLE t DROP COLUMN b",
         "shop.t",
         "id int not null ai, a int; PRIMARY(id); utf8mb4_general_ci"},
        {"alter_drop_column_case_insensitive",
         {kBase},
         "ALTER TABLE t DROP A",
         "shop.t",
         "id int not null ai, b varchar(10) utf8mb4_general_ci; PRIMARY(id), UNIQUE uk_b(b); "
         "utf8mb4_general_ci"},
        {"alter_modify_first",
         {kBase},
         "ALTER TABLE t MODIFY a BIGINT UNSIGNED NOT NULL FIRST",
         "shop.t",
         "a bigint unsigned not null, id int not null ai, b varchar(10) utf8mb4_general_ci; "
         "PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"alter_change_renames_in_keys",
         {kBase},
         "ALTER TABLE t CHANGE COLUMN b bee VARCHAR(20) NOT NULL",
         "shop.t",
         "id int not null ai, a int, bee varchar(20) not null utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(bee); utf8mb4_general_ci"},
        {"alter_rename_column",
         {kBase},
         "ALTER TABLE t RENAME COLUMN b TO b2",
         "shop.t",
         "id int not null ai, a int, b2 varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b2); utf8mb4_general_ci"},
        {"alter_primary_key",
         {kBase},
         "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, a)",
         "shop.t",
         "id int not null ai, a int not null, b varchar(10) utf8mb4_general_ci; PRIMARY(id,a), "
         "UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"alter_indexes",
         {kBase},
         "ALTER TABLE t ADD UNIQUE INDEX ua (a), ADD INDEX (b), DROP INDEX uk_b",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), UNIQUE ua(a), "
         "KEY b(b); utf8mb4_general_ci"},
        {"alter_add_constraint_unique",
         {kBase},
         "ALTER TABLE t ADD CONSTRAINT u_a UNIQUE (a)",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b), UNIQUE u_a(a); utf8mb4_general_ci"},
        {"alter_prefix_index_and_fulltext",
         {kBase},
         "ALTER TABLE t ADD INDEX ib (b(4) DESC), ADD FULLTEXT KEY ft (b)",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b), KEY ib(b(4)), FULLTEXT ft(b); utf8mb4_general_ci"},
        {"alter_add_foreign_key",
         {kBase, kParent},
         "ALTER TABLE t ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES parent(id) ON DELETE "
         "RESTRICT",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b), KEY fk_a(a); FK fk_a(a)->shop.parent(id) ON DELETE RESTRICT; "
         "utf8mb4_general_ci"},
        {"alter_drop_foreign_key_keeps_index",
         {kBase, kParent,
          "ALTER TABLE t ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES parent(id)"},
         "ALTER TABLE t DROP FOREIGN KEY fk_a",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b), KEY fk_a(a); utf8mb4_general_ci"},
        {"alter_rename_table",
         {kBase},
         "ALTER TABLE t RENAME TO t_new",
         "shop.t_new",
         kBaseDescribed},
        {"alter_rename_table_old_gone",
         {kBase},
         "ALTER TABLE t RENAME AS other.t2",
         "shop.t",
         kAbsent},
        {"alter_algorithm_lock",
         {kBase},
         "ALTER TABLE t ADD COLUMN z INT, ALGORITHM=INPLACE, LOCK=NONE",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, z int; PRIMARY(id), "
         "UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"alter_options_only",
         {kBase},
         "ALTER TABLE t ENGINE=InnoDB ROW_FORMAT=DYNAMIC COMMENT='x' AUTO_INCREMENT = 10",
         "shop.t",
         kBaseDescribed},
        {"alter_convert_charset",
         {"CREATE TABLE shop.l (a VARCHAR(10), b TEXT, n INT) DEFAULT CHARSET=latin1"},
         "ALTER TABLE l CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
         "shop.l",
         "a varchar(10) utf8mb4_bin, b mediumtext utf8mb4_bin, n int;; utf8mb4_bin"},
        {"alter_default_charset_then_add",
         {kBase},
         "ALTER TABLE t DEFAULT CHARACTER SET latin1, ADD c CHAR(2)",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, c char(2) "
         "latin1_swedish_ci; PRIMARY(id), UNIQUE uk_b(b); latin1_swedish_ci"},
        {"alter_if_exists_forms",
         {kBase},
         "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT, DROP COLUMN IF EXISTS nope",
         "shop.t",
         kBaseDescribed},
        {"alter_rename_index",
         {kBase},
         "ALTER TABLE t RENAME INDEX uk_b TO uk_b2",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b2(b); utf8mb4_general_ci"},
        {"alter_column_default",
         {kBase},
         "ALTER TABLE t ALTER COLUMN a SET DEFAULT 5, ALTER b DROP DEFAULT",
         "shop.t",
         kBaseDescribed},
        {"alter_partition_maintenance",
         {kBase},
         "ALTER TABLE t ADD PARTITION (PARTITION p3 VALUES LESS THAN (30))",
         "shop.t",
         kBaseDescribed},
        {"alter_mariadb_online_wait",
         {kBase},
         "ALTER ONLINE TABLE t WAIT 5 ADD COLUMN w INT",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, w int; PRIMARY(id), "
         "UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"rename_tables_across_schemas",
         {kBase, "CREATE TABLE shop.x (id INT)"},
         "RENAME TABLE shop.t TO other.t, shop.x TO shop.t",
         "shop.t",
         "id int;; utf8mb4_general_ci"},
        {"rename_tables_moved_one",
         {kBase, "CREATE TABLE shop.x (id INT)"},
         "RENAME TABLE shop.t TO other.t, shop.x TO shop.t",
         "other.t",
         kBaseDescribed},
        {"rename_out_of_tracked", {kBase}, "RENAME TABLE shop.t TO untracked.t", "shop.t", kAbsent},
        {"drop_tables", {kBase}, "DROP TABLE IF EXISTS shop.t, shop.nope", "shop.t", kAbsent},
        {"drop_table_generated_by_server",
         {kBase},
         "DROP TABLE `t` /* generated by server */",
         "shop.t",
         kAbsent},
        {"drop_temporary_ignored",
         {kBase},
         "DROP /*!40005 TEMPORARY */ TABLE IF EXISTS `t`",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"truncate_no_op", {kBase}, "TRUNCATE TABLE t", "shop.t", kBaseDescribed, Kind::NoOp},
        {"create_index",
         {kBase},
         "CREATE UNIQUE INDEX ua USING BTREE ON shop.t (a) ALGORITHM=INPLACE",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id), "
         "UNIQUE uk_b(b), UNIQUE ua(a); utf8mb4_general_ci"},
        {"drop_index",
         {kBase},
         "DROP INDEX uk_b ON shop.t",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id); "
         "utf8mb4_general_ci"},
        {"drop_database", {kBase}, "DROP DATABASE IF EXISTS shop", "shop.t", kAbsent},
        {"create_database_then_table_charset",
         {"CREATE DATABASE other CHARACTER SET latin1"},
         "CREATE TABLE other.z (a CHAR(1))",
         "other.z",
         "a char(1) latin1_swedish_ci;; latin1_swedish_ci"},
        {"alter_database_charset",
         {"ALTER DATABASE shop DEFAULT CHARACTER SET = latin1 COLLATE = latin1_bin"},
         "CREATE TABLE shop.z (a CHAR(1))",
         "shop.z",
         "a char(1) latin1_bin;; latin1_bin"},
        {"grant_no_op",
         {kBase},
         "GRANT SELECT ON shop.t TO 'u'@'%'",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_user_no_op",
         {kBase},
         "CREATE USER 'u'@'%' IDENTIFIED BY 'x'",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_view_no_op",
         {kBase},
         "CREATE ALGORITHM=UNDEFINED DEFINER=`root`@`localhost` SQL SECURITY DEFINER VIEW v AS "
         "SELECT * FROM t",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_trigger_no_op",
         {kBase},
         "CREATE DEFINER=`root`@`localhost` TRIGGER trg BEFORE INSERT ON t FOR EACH ROW SET "
         "NEW.a = 1",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_procedure_no_op",
         {kBase},
         "CREATE DEFINER=root@localhost PROCEDURE p() BEGIN ALTER TABLE t ADD x INT; END",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"create_event_no_op",
         {kBase},
         "CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"analyze_no_op", {kBase}, "ANALYZE TABLE t", "shop.t", kBaseDescribed, Kind::NoOp},
        {"optimize_no_op",
         {kBase},
         "OPTIMIZE NO_WRITE_TO_BINLOG TABLE t",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"set_no_op", {kBase}, "SET GLOBAL read_only = 1", "shop.t", kBaseDescribed, Kind::NoOp},
        {"flush_no_op", {kBase}, "FLUSH PRIVILEGES", "shop.t", kBaseDescribed, Kind::NoOp},
        {"unknown_untracked_no_op",
         {kBase},
         "FROBNICATE something",
         "shop.t",
         kBaseDescribed,
         Kind::NoOp},
        {"alter_untracked",
         {kBase},
         "ALTER TABLE untracked.t ADD x INT",
         "shop.t",
         kBaseDescribed,
         Kind::Untracked},
        {"create_untracked",
         {kBase},
         "CREATE TABLE untracked.z (a WIBBLE)",
         "untracked.z",
         kAbsent,
         Kind::Untracked},
        {"non_reserved_keywords_as_column_names",
         {kBase},
         "ALTER TABLE t ADD spatial INT, ADD COLUMN system INT, ADD period INT, ADD fulltext2 "
         "INT, DROP COLUMN a",
         "shop.t",
         "id int not null ai, b varchar(10) utf8mb4_general_ci, spatial int, system int, "
         "period int, fulltext2 int; PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"create_with_non_reserved_names",
         {},
         "CREATE TABLE shop.nr (spatial INT, `key` INT, status TINYINT, SPATIAL KEY sp (g), "
         "g GEOMETRY NOT NULL, FULLTEXT (status2), status2 TEXT)",
         "shop.nr",
         "spatial int, key int, status tinyint, g geometry not null, status2 text "
         "utf8mb4_general_ci; SPATIAL sp(g), FULLTEXT status2(status2); utf8mb4_general_ci"},
        {"create_schema_if_not_exists_then_drop_schema",
         {kBase, "CREATE SCHEMA IF NOT EXISTS other DEFAULT CHARSET latin1"},
         "DROP SCHEMA other",
         "shop.t",
         kBaseDescribed},
        {"drop_primary_via_drop_index",
         {kBase},
         "DROP INDEX `PRIMARY` ON t",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; UNIQUE uk_b(b); "
         "utf8mb4_general_ci"},
        {"drop_constraint_unique",
         {kBase},
         "ALTER TABLE t DROP CONSTRAINT uk_b",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci; PRIMARY(id); "
         "utf8mb4_general_ci"},
        {"mariadb_versioned_comment_is_code",
         {kBase},
         "ALTER TABLE t /*M!100301 ADD COLUMN m INT, */ ADD COLUMN n INT",
         "shop.t",
         "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, m int, n int; "
         "PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci"},
        {"table_options_with_commas",
         {},
         "CREATE TABLE shop.o (a INT) ENGINE=InnoDB, AUTO_INCREMENT=5, DEFAULT CHARSET=latin1, "
         "COLLATE=latin1_bin, COMMENT 'x', ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8, "
         "TABLESPACE ts STORAGE DISK",
         "shop.o",
         "a int;; latin1_bin"},
        {"gh_ost_shadow_alter",
         {kBase, "create /* gh-ost */ table `shop`.`_t_gho` like `shop`.`t`"},
         "alter /* gh-ost */ table `shop`.`_t_gho` add column c int not null default 0, drop "
         "column a",
         "shop._t_gho",
         "id int not null ai, b varchar(10) utf8mb4_general_ci, c int not null; PRIMARY(id), "
         "UNIQUE uk_b(b); utf8mb4_general_ci"},
    };
    return cases;
}

class DdlParserTest : public ::testing::TestWithParam<DdlCase> {};

TEST_P(DdlParserTest, ModelAfterStatement) {
    const DdlCase& c = GetParam();
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    for (const char* setup : c.setup) {
        auto result = parser.apply(model, "shop", setup);
        ASSERT_TRUE(result.ok()) << setup << ": " << result.error().message;
    }
    auto result = parser.apply(model, "shop", c.statement);
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(static_cast<int>(result->kind), static_cast<int>(c.kind));
    EXPECT_EQ(describeTable(model, c.table), c.expected);
}

INSTANTIATE_TEST_SUITE_P(Statements, DdlParserTest, ::testing::ValuesIn(ddlCases()),
                         [](const auto& row) { return std::string(row.param.name); });

struct BadCase {
    const char* name;
    const char* statement;
    const char* messagePart;
};

const std::vector<BadCase>& badCases() {
    static const std::vector<BadCase> cases = {
        {"unknown_alter_spec", "ALTER TABLE shop.t FROBNICATE x", "unknown ALTER TABLE"},
        {"alter_missing_table", "ALTER TABLE shop.missing ADD x INT", "does not hold"},
        {"drop_missing_column", "ALTER TABLE shop.t DROP COLUMN nope", "no such column"},
        {"add_existing_column", "ALTER TABLE shop.t ADD COLUMN a INT", "already exists"},
        {"create_existing_table", "CREATE TABLE shop.t (x INT)", "already exists"},
        {"unknown_type", "CREATE TABLE shop.z (x WIBBLE)", "unknown data type"},
        {"unknown_statement_on_tracked", "FROB shop.t", "mentions tracked table shop.t"},
        {"unknown_statement_default_schema", "EXPLODE t NOW", "mentions tracked table shop.t"},
        {"system_versioning", "CREATE TABLE shop.z (a INT) WITH SYSTEM VERSIONING",
         "system-versioned"},
        {"create_select", "CREATE TABLE shop.z SELECT * FROM shop.t", "SELECT"},
        {"create_select_after_columns", "CREATE TABLE shop.z (a INT) SELECT 1 AS a", "SELECT"},
        {"rename_from_untracked", "RENAME TABLE untracked.q TO shop.q", "does not hold"},
        {"alter_rename_from_untracked", "ALTER TABLE untracked.q RENAME TO shop.q",
         "renamed into tracked schema"},
        {"after_missing_column", "ALTER TABLE shop.t ADD c INT AFTER nope", "AFTER names"},
        {"unknown_charset", "CREATE TABLE shop.z (a VARCHAR(10) CHARACTER SET klingon)",
         "unknown character set"},
        {"unterminated_string", "ALTER TABLE shop.t ADD c INT COMMENT 'oops", "unterminated"},
        {"unterminated_comment", "ALTER TABLE shop.t /* ADD c INT", "unterminated comment"},
        {"incomplete_create", "CREATE TABLE shop.z (a INT", "unbalanced parentheses"},
        {"like_unknown_source", "CREATE TABLE shop.z LIKE untracked.src", "does not hold"},
        {"key_on_missing_column", "CREATE TABLE shop.z (a INT, PRIMARY KEY (nope))",
         "names column nope"},
        {"change_missing_column", "ALTER TABLE shop.t CHANGE nope x INT", "no such column"},
        {"rename_column_clash", "ALTER TABLE shop.t RENAME COLUMN a TO B", "already exists"},
        {"varchar_without_length", "CREATE TABLE shop.z (a VARCHAR)", "needs a length"},
        {"bad_collation_pair",
         "CREATE TABLE shop.z (a CHAR(1) CHARACTER SET latin1 COLLATE utf8mb4_bin)",
         "is not of character set"},
        {"period_for", "ALTER TABLE shop.t ADD PERIOD FOR p (a, b)", "periods"},
        {"second_statement_half_applied", "ALTER TABLE shop.t ADD COLUMN ok1 INT, ADD COLUMN a INT",
         "already exists"},
    };
    return cases;
}

class DdlParserErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(DdlParserErrorTest, RefusedAndModelUnchanged) {
    const BadCase& c = GetParam();
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    ASSERT_TRUE(parser.apply(model, "shop", kBase).ok());
    SchemaModel before = model;
    auto result = parser.apply(model, "shop", c.statement);
    ASSERT_FALSE(result.ok()) << "accepted: " << c.statement;
    EXPECT_EQ(result.error().code, ErrorCode::Unsupported);
    EXPECT_NE(result.error().message.find(c.messagePart), std::string::npos)
        << result.error().message;
    EXPECT_TRUE(model.sameContent(before));
    EXPECT_EQ(describeTable(model, "shop.t"), kBaseDescribed);
}

INSTANTIATE_TEST_SUITE_P(Statements, DdlParserErrorTest, ::testing::ValuesIn(badCases()),
                         [](const auto& row) { return std::string(row.param.name); });

// gh-ost: ghost and changelog tables, then the atomic cut-over RENAME and the cleanup.
TEST(OnlineSchemaChange, GhOst) {
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    const std::vector<const char*> statements = {
        kBase,
        "create /* gh-ost */ table `shop`.`_t_ghc` (\n id bigint auto_increment,\n last_update "
        "timestamp not null DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n hint "
        "varchar(64) charset ascii not null,\n value varchar(4096) charset ascii not null,\n "
        "primary key(id),\n unique key hint_uidx(hint)\n) auto_increment=256",
        "create /* gh-ost */ table `shop`.`_t_gho` like `shop`.`t`",
        "alter /* gh-ost */ table `shop`.`_t_gho` add column c int not null default 0, drop "
        "column a",
        "create /* gh-ost */ table `shop`.`_t_del` (\n id int auto_increment primary key\n) "
        "engine=InnoDB comment='ghost-cut-over-sentry'",
        "drop /* gh-ost */ table if exists `shop`.`_t_del`",
        "rename /* gh-ost */ table `shop`.`t` to `shop`.`_t_del`, `shop`.`_t_gho` to `shop`.`t`",
        "drop /* gh-ost */ table if exists `shop`.`_t_ghc`",
        "drop /* gh-ost */ table if exists `shop`.`_t_del`",
    };
    for (const char* statement : statements) {
        auto result = parser.apply(model, "shop", statement);
        ASSERT_TRUE(result.ok()) << statement << ": " << result.error().message;
    }
    EXPECT_EQ(describeTable(model, "shop.t"),
              "id int not null ai, b varchar(10) utf8mb4_general_ci, c int not null; "
              "PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci");
    EXPECT_EQ(describeTable(model, "shop._t_gho"), kAbsent);
    EXPECT_EQ(describeTable(model, "shop._t_ghc"), kAbsent);
    EXPECT_EQ(describeTable(model, "shop._t_del"), kAbsent);
}

// pt-online-schema-change: a copy created from SHOW CREATE TABLE, triggers, swap, cleanup.
TEST(OnlineSchemaChange, PtOsc) {
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    const std::vector<const char*> statements = {
        kBase,
        "CREATE TABLE `shop`.`_t_new` (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `a` int(11) "
        "DEFAULT NULL,\n  `b` varchar(10) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY "
        "`uk_b` (`b`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        "ALTER TABLE `shop`.`_t_new` ADD COLUMN d DATETIME NULL",
        "CREATE DEFINER=`root`@`localhost` TRIGGER `pt_osc_shop_t_del` AFTER DELETE ON "
        "`shop`.`t` FOR EACH ROW DELETE IGNORE FROM `shop`.`_t_new` WHERE "
        "`shop`.`_t_new`.`id` <=> OLD.`id`",
        "CREATE DEFINER=`root`@`localhost` TRIGGER `pt_osc_shop_t_ins` AFTER INSERT ON "
        "`shop`.`t` FOR EACH ROW REPLACE INTO `shop`.`_t_new` (`id`, `a`, `b`) VALUES "
        "(NEW.`id`, NEW.`a`, NEW.`b`)",
        "RENAME TABLE `shop`.`t` TO `shop`.`_t_old`, `shop`.`_t_new` TO `shop`.`t`",
        "DROP TABLE IF EXISTS `shop`.`_t_old`",
        "DROP TRIGGER IF EXISTS `shop`.`pt_osc_shop_t_del`",
        "DROP TRIGGER IF EXISTS `shop`.`pt_osc_shop_t_ins`",
    };
    for (const char* statement : statements) {
        auto result = parser.apply(model, "shop", statement);
        ASSERT_TRUE(result.ok()) << statement << ": " << result.error().message;
    }
    EXPECT_EQ(describeTable(model, "shop.t"),
              "id int not null ai, a int, b varchar(10) utf8mb4_general_ci, d datetime; "
              "PRIMARY(id), UNIQUE uk_b(b); utf8mb4_general_ci");
    EXPECT_EQ(describeTable(model, "shop._t_new"), kAbsent);
    EXPECT_EQ(describeTable(model, "shop._t_old"), kAbsent);
}

TEST(DdlParser, RenameSwapsForeignKeyTargets) {
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    for (const char* s : {kParent,
                          "CREATE TABLE shop.c (p INT, CONSTRAINT f FOREIGN KEY (p) REFERENCES "
                          "parent (id))",
                          "RENAME TABLE shop.parent TO shop.parent2",
                          "ALTER TABLE shop.parent2 RENAME COLUMN id TO pid"}) {
        auto result = parser.apply(model, "shop", s);
        ASSERT_TRUE(result.ok()) << s << ": " << result.error().message;
    }
    EXPECT_EQ(describeTable(model, "shop.c"),
              "p int; KEY f(p); FK f(p)->shop.parent2(pid); utf8mb4_general_ci");
}

TEST(DdlParser, TableNamesCaseSensitiveByDefault) {
    SchemaModel model = baseModel();
    DdlParser parser = mariadbParser();
    ASSERT_TRUE(parser.apply(model, "shop", kBase).ok());
    ASSERT_TRUE(parser.apply(model, "shop", "CREATE TABLE shop.T (x INT)").ok());
    EXPECT_EQ(describeTable(model, "shop.T"), "x int;; utf8mb4_general_ci");
    EXPECT_EQ(describeTable(model, "shop.t"), kBaseDescribed);
    EXPECT_FALSE(parser.apply(model, "shop", "ALTER TABLE shop.t ADD COLUMN A INT").ok())
        << "column names compare case-insensitively";
}

TEST(DdlParser, LowerCaseTableNamesOne) {
    SchemaModel model(NameRules{1});
    model.setTrackedSchemas({"Shop"});
    model.putDatabase({"shop", "utf8mb4", "utf8mb4_general_ci"});
    DdlParser parser = mariadbParser();
    ASSERT_TRUE(parser.apply(model, "SHOP", "CREATE TABLE Orders (id INT)").ok());
    auto table = model.findTable("shop", "ORDERS");
    ASSERT_TRUE(table);
    EXPECT_EQ(table->schema, "shop");
    EXPECT_EQ(table->name, "orders");
    auto rename = parser.apply(model, "shop", "RENAME TABLE ORDERS TO Orders2");
    ASSERT_TRUE(rename.ok()) << rename.error().message;
    EXPECT_TRUE(model.findTable("shop", "orders2"));
}

TEST(DdlParser, TimestampDefaultsWhenNotExplicit) {
    CharsetCatalog catalog = CharsetCatalog::builtIn(ServerFlavor::MariaDb);
    catalog.explicitDefaultsForTimestamp = false;
    DdlParser parser(catalog);
    SchemaModel model = baseModel();
    auto result = parser.apply(model, "shop",
                               "CREATE TABLE shop.ts (a TIMESTAMP, b TIMESTAMP, c TIMESTAMP NULL)");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(describeTable(model, "shop.ts"),
              "a timestamp not null onupdate, b timestamp not null, c timestamp;; "
              "utf8mb4_general_ci");
}

TEST(DdlParser, MysqlFlavorJsonAndDefaultCollation) {
    DdlParser parser(CharsetCatalog::builtIn(ServerFlavor::MySql));
    SchemaModel model;
    ASSERT_TRUE(parser.apply(model, "", "CREATE DATABASE d CHARACTER SET utf8mb4").ok());
    auto result = parser.apply(model, "d", "CREATE TABLE t (j JSON, s VARCHAR(3)) /*M!100 x */");
    ASSERT_TRUE(result.ok()) << result.error().message;
    EXPECT_EQ(describeTable(model, "d.t"),
              "j json, s varchar(3) utf8mb4_0900_ai_ci;; utf8mb4_0900_ai_ci");
}

TEST(DdlParser, StatementExcerptIsOneLineAndBounded) {
    std::string longStatement = "ALTER TABLE t\n  ADD COLUMN " + std::string(300, 'x');
    std::string excerpt = statementExcerpt(longStatement);
    EXPECT_EQ(excerpt.find('\n'), std::string::npos);
    EXPECT_EQ(excerpt.size(), 203u);
    EXPECT_EQ(excerpt.rfind("ALTER TABLE t ADD COLUMN", 0), 0u);
}

}  // namespace
}  // namespace ferry::schema
