// SPDX-License-Identifier: Apache-2.0
// Foreign keys against the harness's MariaDB server 1. The loader must find the groups of
// linked tables (parent, child and grandchild; a foreign key into another schema; a table that
// references itself; a table whose name is in mixed case) and none for unrelated tables, and
// report broken answers from the server. Then four workers apply a workload where children
// follow their parents in the next transaction, children are deleted before their parents and a
// parent's delete cascades on the target (the source's binlog never holds cascaded rows): with
// the loaded groups the target ends with exactly the source's rows and not one transaction had to
// run again; without them it still converges (the applier re-runs what failed on a parent that
// was not yet there), and the test prints how often that happened.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ferry/apply/foreign_keys.h"
#include "ferry/apply/mysql_sql_session.h"
#include "ferry/apply/parallel_applier.h"
#include "ferry/apply/schema_installer.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::apply {
namespace {

using ferry::harness::HarnessEnv;
using ferry::harness::MariadbConnection;
using ferry::v1::Transaction;

constexpr const char* kSchemaA = "ferry_it_fk_a";
constexpr const char* kSchemaB = "ferry_it_fk_b";
constexpr const char* kWorkloadDb = "ferry_it_fk_w";
constexpr const char* kFerrySchema = "ferry_it_fk";
constexpr std::uint64_t kPipeline = 43;
constexpr int kScenarios = 700;

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

std::string qualified(const char* schema, const char* table) {
    return std::string(schema) + "." + table;
}

class ForeignKeysMariadb : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_OK(env);
        m_env = *env;
        ASSERT_GE(m_env.mariadbCount(), 2u);
        auto connection = MariadbConnection::connect(m_env, 1);
        ASSERT_OK(connection);
        m_target = std::make_unique<MariadbConnection>(std::move(*connection));
    }

    Result<std::unique_ptr<SqlSession>> connect() {
        FERRY_ASSIGN_OR_RETURN(auto server, m_env.mariadb(1));
        mysql::DatabaseUrl url;
        url.user = m_env.user();
        url.host = server.host;
        url.port = static_cast<std::uint16_t>(server.port);
        url.sslMode = mysql::SslMode::Disabled;
        FERRY_ASSIGN_OR_RETURN(auto session, MysqlSqlSession::connect(url, m_env.password()));
        return std::unique_ptr<SqlSession>(std::move(session));
    }

    void run(const std::vector<std::string>& statements) {
        for (const std::string& sql : statements) {
            ASSERT_OK(m_target->execute(sql));
        }
    }

    HarnessEnv m_env;
    std::unique_ptr<MariadbConnection> m_target;
};

// ---- the loader --------------------------------------------------------------------------------

class LoaderMariadb : public ForeignKeysMariadb {
protected:
    void SetUp() override {
        ForeignKeysMariadb::SetUp();
        if (HasFatalFailure()) {
            return;
        }
        const std::string a = kSchemaA;
        const std::string b = kSchemaB;
        // A first: its orders reference B's customer, which cannot be dropped before them.
        run({"DROP DATABASE IF EXISTS " + a, "DROP DATABASE IF EXISTS " + b, "CREATE DATABASE " + a,
             "CREATE DATABASE " + b,
             "CREATE TABLE " + b + ".customer (id INT PRIMARY KEY) ENGINE=InnoDB",
             "CREATE TABLE " + a + ".parent (id INT PRIMARY KEY) ENGINE=InnoDB",
             "CREATE TABLE " + a +
                 ".child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT fk_child_parent FOREIGN "
                 "KEY (parent_id) REFERENCES parent (id)) ENGINE=InnoDB",
             "CREATE TABLE " + a +
                 ".grandchild (id INT PRIMARY KEY, child_id INT, CONSTRAINT fk_grandchild_child "
                 "FOREIGN KEY (child_id) REFERENCES child (id) ON DELETE CASCADE) ENGINE=InnoDB",
             "CREATE TABLE " + a +
                 ".orders (id INT PRIMARY KEY, customer_id INT, CONSTRAINT fk_orders_customer "
                 "FOREIGN KEY (customer_id) REFERENCES " +
                 b + ".customer (id)) ENGINE=InnoDB",
             "CREATE TABLE " + a +
                 ".Shipment (id INT PRIMARY KEY, orders_id INT, CONSTRAINT fk_shipment_orders "
                 "FOREIGN KEY (orders_id) REFERENCES orders (id)) ENGINE=InnoDB",
             "CREATE TABLE " + a +
                 ".employee (id INT PRIMARY KEY, manager_id INT NULL, CONSTRAINT "
                 "fk_employee_manager FOREIGN KEY (manager_id) REFERENCES employee (id)) "
                 "ENGINE=InnoDB",
             // A column that looks like a reference, without a constraint.
             "CREATE TABLE " + a + ".unrelated (id INT PRIMARY KEY, parent_id INT) ENGINE=InnoDB",
             "CREATE TABLE " + a + ".lonely (v INT) ENGINE=InnoDB"});
    }
};

using KeyRow = std::tuple<std::string, std::string, std::string, std::string, std::string>;

std::vector<KeyRow> rowsOf(const std::vector<ForeignKey>& keys) {
    std::vector<KeyRow> rows;
    for (const ForeignKey& key : keys) {
        rows.emplace_back(key.schema, key.table, key.name, key.parentSchema, key.parentTable);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
}

TEST_F(LoaderMariadb, ReadsEveryForeignKeyOfTheSchemas) {
    auto session = connect();
    ASSERT_OK(session);
    auto keys = readForeignKeys(**session, {kSchemaA, kSchemaB});
    ASSERT_OK(keys);
    std::vector<KeyRow> expected = {
        {kSchemaA, "child", "fk_child_parent", kSchemaA, "parent"},
        {kSchemaA, "grandchild", "fk_grandchild_child", kSchemaA, "child"},
        {kSchemaA, "orders", "fk_orders_customer", kSchemaB, "customer"},
        {kSchemaA, "Shipment", "fk_shipment_orders", kSchemaA, "orders"},
        {kSchemaA, "employee", "fk_employee_manager", kSchemaA, "employee"},
    };
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(rowsOf(*keys), expected);

    // Only the children's schema is read: B holds no child, so B alone finds nothing, and A
    // alone still links its orders to B's customer.
    auto onlyB = readForeignKeys(**session, {kSchemaB});
    ASSERT_OK(onlyB);
    EXPECT_TRUE(onlyB->empty());
    auto onlyA = readForeignKeys(**session, {kSchemaA, kSchemaA});
    ASSERT_OK(onlyA);
    EXPECT_EQ(rowsOf(*onlyA), expected);

    // A name in another case: as the server opens schemas. MariaDB alone would answer a list
    // case-insensitively and a single name case-sensitively under lower_case_table_names=0.
    auto rule = m_target->queryValue("SELECT @@lower_case_table_names");
    ASSERT_OK(rule);
    for (const std::vector<std::string>& asked :
         {std::vector<std::string>{"FERRY_IT_FK_A"},
          std::vector<std::string>{"FERRY_IT_FK_A", "ferry_it_fk_nothing"}}) {
        auto upper = readForeignKeys(**session, asked);
        ASSERT_OK(upper);
        EXPECT_EQ(rowsOf(*upper), rule->value_or("") == "0" ? std::vector<KeyRow>{} : expected)
            << asked.size() << " name(s), lower_case_table_names " << rule->value_or("NULL");
    }

    auto none = readForeignKeys(**session, {});
    ASSERT_OK(none);
    EXPECT_TRUE(none->empty());
    auto missing = readForeignKeys(**session, {"ferry_it_fk_no_such_schema"});
    ASSERT_OK(missing);
    EXPECT_TRUE(missing->empty());
}

TEST_F(LoaderMariadb, GroupsLinkedTablesTransitively) {
    auto session = connect();
    ASSERT_OK(session);
    auto groups = loadForeignKeyGroups(**session, {kSchemaA, kSchemaB});
    ASSERT_OK(groups);
    ASSERT_FALSE(groups->empty());

    // (schema, table, group label; empty when the table must have no group). Tables with the
    // same label share one id, different labels have different ids.
    struct Case {
        const char* schema;
        const char* table;
        const char* group;
    };
    const std::vector<Case> cases = {
        {kSchemaA, "parent", "family"},
        {kSchemaA, "child", "family"},
        {kSchemaA, "grandchild", "family"},
        {kSchemaA, "orders", "trade"},
        {kSchemaB, "customer", "trade"},
        {kSchemaA, "Shipment", "trade"},
        {kSchemaA, "shipment", "trade"},
        {kSchemaA, "SHIPMENT", "trade"},
        {"FERRY_IT_FK_A", "Orders", "trade"},
        {kSchemaA, "employee", "self"},
        {kSchemaA, "unrelated", ""},
        {kSchemaA, "lonely", ""},
        {kSchemaB, "parent", ""},
        {kSchemaB, "orders", ""},
    };
    std::map<std::string, std::uint64_t> idOf;
    std::set<std::uint64_t> ids;
    for (const Case& c : cases) {
        const auto group = groups->groupOf(c.schema, c.table);
        const std::string what = std::string(c.schema) + "." + c.table;
        if (std::string(c.group).empty()) {
            EXPECT_FALSE(group.has_value()) << what;
            continue;
        }
        ASSERT_TRUE(group.has_value()) << what;
        const auto [it, inserted] = idOf.emplace(c.group, *group);
        if (inserted) {
            EXPECT_TRUE(ids.insert(*group).second) << what << " shares a group with another label";
        } else {
            EXPECT_EQ(*group, it->second) << what;
        }
    }
    EXPECT_EQ(idOf.size(), 3u);

    // A is enough to link B's customer (the foreign key lives in A).
    auto fromA = loadForeignKeyGroups(**session, {kSchemaA});
    ASSERT_OK(fromA);
    EXPECT_EQ(fromA->groupOf(kSchemaB, "customer"), fromA->groupOf(kSchemaA, "orders"));
    EXPECT_TRUE(fromA->groupOf(kSchemaB, "customer").has_value());

    // By a predicate over the server's schemas, as a reload after a DDL does.
    auto onlyA = loadReplicatedForeignKeyGroups(
        **session, [](std::string_view schema) { return schema == kSchemaA; });
    ASSERT_OK(onlyA);
    EXPECT_TRUE(onlyA->groupOf(kSchemaA, "grandchild").has_value());
    EXPECT_EQ(onlyA->groupOf(kSchemaB, "customer"), onlyA->groupOf(kSchemaA, "Shipment"));
    auto onlyB = loadReplicatedForeignKeyGroups(
        **session, [](std::string_view schema) { return schema == kSchemaB; });
    ASSERT_OK(onlyB);
    EXPECT_TRUE(onlyB->empty());
    std::set<std::string> offered;
    auto all = loadReplicatedForeignKeyGroups(**session, [&](std::string_view schema) {
        offered.emplace(schema);
        return true;
    });
    ASSERT_OK(all);
    EXPECT_TRUE(all->groupOf(kSchemaA, "employee").has_value());
    EXPECT_TRUE(offered.contains(kSchemaA));
    EXPECT_FALSE(offered.contains("mysql"));
    EXPECT_FALSE(offered.contains("information_schema"));

    auto empty = loadForeignKeyGroups(**session, {});
    ASSERT_OK(empty);
    EXPECT_TRUE(empty->empty());
}

TEST_F(LoaderMariadb, ListsUserSchemasOnly) {
    auto session = connect();
    ASSERT_OK(session);
    auto schemas = listUserSchemas(**session);
    ASSERT_OK(schemas);
    EXPECT_TRUE(std::is_sorted(schemas->begin(), schemas->end()));
    for (const char* wanted : {kSchemaA, kSchemaB}) {
        EXPECT_NE(std::find(schemas->begin(), schemas->end(), wanted), schemas->end()) << wanted;
    }
    for (const std::string& schema : *schemas) {
        EXPECT_FALSE(isSystemSchema(schema)) << schema;
    }
    for (const char* system :
         {"mysql", "information_schema", "performance_schema", "sys", "INFORMATION_SCHEMA"}) {
        EXPECT_TRUE(isSystemSchema(system)) << system;
    }
    EXPECT_FALSE(isSystemSchema("mysql2"));
    EXPECT_FALSE(isSystemSchema("ferry"));
}

// ---- broken answers ----------------------------------------------------------------------------

// A session whose query() answers by the first keyword (a table or variable name) the statement
// contains; records the statements.
class ScriptedSession final : public SqlSession {
public:
    explicit ScriptedSession(std::map<std::string, Result<SqlRows>> answers)
        : m_answers(std::move(answers)) {}

    Status execute(std::string_view) override { return okStatus(); }
    Result<SqlRows> query(std::string_view sql) override {
        m_statements.emplace_back(sql);
        for (const auto& [keyword, answer] : m_answers) {
            if (sql.find(keyword) != std::string_view::npos) {
                m_failed = !answer.ok();
                return answer;
            }
        }
        m_failed = true;
        return makeError(ErrorCode::Internal, "unexpected statement " + std::string(sql));
    }
    std::uint64_t affectedRows() const override { return 0; }
    unsigned lastErrorNumber() const override { return m_failed ? 1142 : 0; }
    std::string quote(std::string_view bytes) const override { return quoteUtf8mb4(bytes); }
    Status reconnect() override { return okStatus(); }
    std::string where() const override { return "ferry@scripted:3306"; }

    const std::vector<std::string>& statements() const { return m_statements; }

private:
    std::map<std::string, Result<SqlRows>> m_answers;
    std::vector<std::string> m_statements;
    bool m_failed = false;
};

SqlRows rowsWith(std::vector<std::string> columns,
                 std::vector<std::vector<std::optional<std::string>>> rows) {
    SqlRows out;
    out.columns = std::move(columns);
    out.rows = std::move(rows);
    return out;
}

constexpr const char* kConstraints = "REFERENTIAL_CONSTRAINTS";
constexpr const char* kSchemata = "SCHEMATA";
constexpr const char* kCaseRule = "lower_case_table_names";

// A server with lower_case_table_names 0 and schemas shop, it's and Shop.
std::map<std::string, Result<SqlRows>> scriptedServer() {
    std::map<std::string, Result<SqlRows>> answers;
    answers.emplace(kCaseRule, rowsWith({"lctn"}, {{"0"}}));
    answers.emplace(kSchemata, rowsWith({"schema_name"}, {{"shop"}, {"it's"}, {"Shop"}}));
    answers.emplace(kConstraints, rowsWith({"child_schema", "child_table", "constraint_name",
                                            "parent_schema", "parent_table"},
                                           {}));
    return answers;
}

TEST(ForeignKeyLoader, RejectsBrokenAnswers) {
    const std::vector<std::string> columns = {"child_schema", "child_table", "constraint_name",
                                              "parent_schema", "parent_table"};
    struct Case {
        const char* name;
        const char* keyword;  // the statement whose answer is replaced
        Result<SqlRows> answer;
        ErrorCode code;
        std::vector<std::string> mentions;
    };
    std::vector<Case> cases;
    cases.push_back({"query fails",
                     kConstraints,
                     makeError(ErrorCode::PermissionDenied, "SELECT command denied"),
                     ErrorCode::PermissionDenied,
                     {"REFERENTIAL_CONSTRAINTS", "ferry@scripted:3306", "SELECT command denied",
                      "check that the apply user"}});
    cases.push_back(
        {"column missing",
         kConstraints,
         rowsWith({"child_schema", "child_table", "constraint_name", "parent_schema"}, {}),
         ErrorCode::Corrupt,
         {"no column parent_table", "ferry@scripted:3306"}});
    cases.push_back({"NULL parent",
                     kConstraints,
                     rowsWith(columns, {{"shop", "c", "fk", "shop", std::nullopt}}),
                     ErrorCode::Corrupt,
                     {"NULL in REFERENCED_TABLE_NAME", "ferry@scripted:3306"}});
    cases.push_back({"short row",
                     kConstraints,
                     rowsWith(columns, {{"shop", "c", "fk"}}),
                     ErrorCode::Corrupt,
                     {"shorter than its columns"}});
    cases.push_back({"NULL schema name",
                     kSchemata,
                     rowsWith({"schema_name"}, {{"shop"}, {std::nullopt}}),
                     ErrorCode::Corrupt,
                     {"NULL in SCHEMA_NAME", "SCHEMATA"}});
    cases.push_back({"unknown case rule",
                     kCaseRule,
                     rowsWith({"lctn"}, {{"7"}}),
                     ErrorCode::Corrupt,
                     {"lower_case_table_names", "'7'"}});
    cases.push_back({"no case rule",
                     kCaseRule,
                     rowsWith({"lctn"}, {}),
                     ErrorCode::Corrupt,
                     {"lower_case_table_names", "no row"}});
    for (const Case& c : cases) {
        auto answers = scriptedServer();
        answers.insert_or_assign(c.keyword, c.answer);
        ScriptedSession session(std::move(answers));
        auto groups = loadForeignKeyGroups(session, {"shop", "it's"});
        ASSERT_FALSE(groups.ok()) << c.name;
        EXPECT_EQ(groups.error().code, c.code) << c.name;
        for (const std::string& text : c.mentions) {
            EXPECT_NE(groups.error().message.find(text), std::string::npos)
                << c.name << ": " << groups.error().message;
        }
    }
}

TEST(ForeignKeyLoader, AsksForTheServersSpellingOnly) {
    struct Case {
        const char* rule;  // lower_case_table_names
        std::vector<std::string> asked;
        std::string in;              // the list the query names; "" when none may be made
        std::set<std::string> kept;  // child schemas of the keys returned
    };
    const std::vector<Case> cases = {
        {"0", {"shop", "it's"}, "IN ('it\\'s', 'shop')", {"shop"}},
        {"0", {"SHOP"}, "", {}},
        {"0", {"Shop"}, "IN ('Shop')", {"Shop"}},
        {"1", {"SHOP"}, "IN ('Shop', 'shop')", {"Shop", "shop"}},
        {"2", {"sHoP", "nothing"}, "IN ('Shop', 'shop')", {"Shop", "shop"}},
        {"0", {}, "", {}},
    };
    for (const Case& c : cases) {
        auto answers = scriptedServer();
        answers.insert_or_assign(kCaseRule, rowsWith({"lctn"}, {{c.rule}}));
        // The server answers for both spellings (as MariaDB does for a list); only the asked
        // ones are kept.
        answers.insert_or_assign(
            kConstraints,
            rowsWith(
                {"child_schema", "child_table", "constraint_name", "parent_schema", "parent_table"},
                {{"Shop", "a", "fk_a", "Shop", "p"}, {"shop", "b", "fk_b", "shop", "p"}}));
        ScriptedSession session(std::move(answers));
        auto keys = readForeignKeys(session, c.asked);
        ASSERT_OK(keys);
        const std::string what =
            std::string("rule ") + c.rule + ", first name " + (c.asked.empty() ? "" : c.asked[0]);
        const std::string last = session.statements().empty() ? "" : session.statements().back();
        if (c.in.empty()) {
            EXPECT_EQ(last.find(kConstraints), std::string::npos) << what << ": " << last;
        } else {
            EXPECT_NE(last.find(c.in), std::string::npos) << what << ": " << last;
        }
        std::set<std::string> kept;
        for (const ForeignKey& key : *keys) {
            kept.insert(key.schema);
        }
        EXPECT_EQ(kept, c.kept) << what;
    }
}

// ---- the workload ------------------------------------------------------------------------------

// The tables of the workload: (name, columns); column 0 is the primary key `id`.
enum class Kind : std::uint32_t { Author, Book, Cart, Item, Counter };
constexpr std::array<Kind, 5> kKinds = {Kind::Author, Kind::Book, Kind::Cart, Kind::Item,
                                        Kind::Counter};

struct TableSpec {
    const char* name;
    std::vector<const char*> columns;
};

const TableSpec& specOf(Kind kind) {
    static const std::map<Kind, TableSpec> specs = {
        {Kind::Author, {"author", {"id", "born"}}},
        {Kind::Book, {"book", {"id", "author_id", "pages"}}},
        {Kind::Cart, {"cart", {"id", "note"}}},
        {Kind::Item, {"item", {"id", "cart_id", "qty"}}},
        {Kind::Counter, {"counter", {"id", "v"}}},
    };
    return specs.at(kind);
}

using Row = std::vector<std::int64_t>;  // column values, id first

// The source's history, generated serially as short scenarios of consecutive transactions; the
// model is the source's tables after each one. Cascaded deletes are not in the transactions, as
// a binlog never holds them: the target's ON DELETE CASCADE does them.
class Workload {
public:
    explicit Workload(std::uint32_t seed) : m_random(seed) {}

    std::vector<Transaction> generate(int scenarios) {
        for (int i = 0; i < scenarios; ++i) {
            scenario();
        }
        return std::move(m_transactions);
    }

    const std::map<std::int64_t, Row>& rows(Kind kind) const { return m_rows.at(kind); }

private:
    // One transaction being built.
    class Builder {
    public:
        Builder(Transaction& t, std::map<Kind, std::map<std::int64_t, Row>>& rows)
            : m_t(t), m_rows(rows) {}

        void insert(Kind kind, const Row& row) {
            auto* change = add(kind, ferry::v1::CHANGE_TYPE_INSERT);
            image(change->mutable_after(), row);
            m_rows[kind][row[0]] = row;
        }
        void update(Kind kind, std::int64_t id, std::size_t column, std::int64_t value) {
            Row& row = m_rows[kind].at(id);
            auto* change = add(kind, ferry::v1::CHANGE_TYPE_UPDATE);
            image(change->mutable_before(), row);
            row[column] = value;
            image(change->mutable_after(), row);
        }
        void remove(Kind kind, std::int64_t id) {
            auto* change = add(kind, ferry::v1::CHANGE_TYPE_DELETE);
            image(change->mutable_before(), m_rows[kind].at(id));
            m_rows[kind].erase(id);
        }

    private:
        ferry::v1::RowChange* add(Kind kind, ferry::v1::ChangeType type) {
            auto [it, inserted] = m_index.emplace(kind, static_cast<std::uint32_t>(m_index.size()));
            if (inserted) {
                auto* table = m_t.add_tables();
                table->set_schema(kWorkloadDb);
                table->set_name(specOf(kind).name);
                for (const char* name : specOf(kind).columns) {
                    table->add_columns()->set_name(name);
                }
                table->add_primary_key(0);
            }
            auto* change = m_t.add_changes();
            change->set_table(it->second);
            change->set_type(type);
            change->set_event_pos(m_t.begin().pos() + 1);
            return change;
        }
        static void image(google::protobuf::RepeatedPtrField<ferry::v1::Value>* out,
                          const Row& row) {
            for (const std::int64_t value : row) {
                out->Add()->set_int_(value);
            }
        }

        Transaction& m_t;
        std::map<Kind, std::map<std::int64_t, Row>>& m_rows;
        std::map<Kind, std::uint32_t> m_index;
    };

    Builder next() {
        const std::uint64_t end = 1000 + 100 * static_cast<std::uint64_t>(m_transactions.size());
        Transaction& t = m_transactions.emplace_back();
        t.mutable_begin()->set_file("hz-bin.000009");
        t.mutable_begin()->set_pos(end - 10);
        t.mutable_end()->set_file("hz-bin.000009");
        t.mutable_end()->set_pos(end);
        t.set_gtid("1-1-" + std::to_string(end));
        t.set_commit_ts(1700000000 + end / 1000);
        return Builder(t, m_rows);
    }

    std::int64_t number(std::int64_t below) {
        return static_cast<std::int64_t>(m_random() % static_cast<std::uint64_t>(below));
    }
    std::optional<std::int64_t> freeId(Kind kind, std::int64_t pool) {
        for (int tries = 0; tries < 50; ++tries) {
            const std::int64_t id = number(pool);
            if (!m_rows[kind].contains(id)) {
                return id;
            }
        }
        return std::nullopt;
    }
    std::optional<std::int64_t> existingId(Kind kind) {
        const auto& rows = m_rows[kind];
        if (rows.empty()) {
            return std::nullopt;
        }
        auto it = rows.begin();
        std::advance(it, static_cast<long>(m_random() % rows.size()));
        return it->first;
    }
    std::vector<std::int64_t> childrenOf(Kind kind, std::int64_t parent) {
        std::vector<std::int64_t> ids;
        for (const auto& [id, row] : m_rows[kind]) {
            if (row[1] == parent) {
                ids.push_back(id);
            }
        }
        return ids;
    }
    // Inserts 1-3 children of `parent` into `kind` in one transaction.
    void insertChildren(Kind kind, std::int64_t parent) {
        Builder t = next();
        const int count = 1 + static_cast<int>(number(3));
        for (int i = 0; i < count; ++i) {
            if (const auto id = freeId(kind, 400)) {
                t.insert(kind, {*id, parent, number(1000)});
            }
        }
    }

    void scenario() {
        switch (number(8)) {
            case 0: {  // a parent, then its children in the next transaction
                if (const auto author = freeId(Kind::Author, 40)) {
                    next().insert(Kind::Author, {*author, 1900 + number(100)});
                    insertChildren(Kind::Book, *author);
                }
                return;
            }
            case 1: {  // the children, then their parent in the next transaction
                if (const auto author = existingId(Kind::Author)) {
                    const auto books = childrenOf(Kind::Book, *author);
                    if (!books.empty()) {
                        Builder t = next();
                        for (const std::int64_t id : books) {
                            t.remove(Kind::Book, id);
                        }
                    }
                    next().remove(Kind::Author, *author);
                }
                return;
            }
            case 2: {  // a cart, then its items in the next transaction
                if (const auto cart = freeId(Kind::Cart, 40)) {
                    next().insert(Kind::Cart, {*cart, number(1000)});
                    insertChildren(Kind::Item, *cart);
                }
                return;
            }
            case 3: {  // one more item, then the cart goes: its items go by cascade
                if (const auto cart = existingId(Kind::Cart)) {
                    insertChildren(Kind::Item, *cart);
                    next().remove(Kind::Cart, *cart);
                    for (const std::int64_t id : childrenOf(Kind::Item, *cart)) {
                        m_rows[Kind::Item].erase(id);
                    }
                }
                return;
            }
            case 4: {  // a book moves to another author
                const auto book = existingId(Kind::Book);
                const auto author = existingId(Kind::Author);
                if (book && author) {
                    next().update(Kind::Book, *book, 1, *author);
                }
                return;
            }
            case 5: {  // an item's quantity changes
                if (const auto item = existingId(Kind::Item)) {
                    next().update(Kind::Item, *item, 2, number(1000));
                }
                return;
            }
            default: {  // a table without foreign keys
                Builder t = next();
                const std::int64_t id = number(30);
                if (m_rows[Kind::Counter].contains(id)) {
                    t.update(Kind::Counter, id, 1, number(100000));
                } else {
                    t.insert(Kind::Counter, {id, number(100000)});
                }
                return;
            }
        }
    }

    std::mt19937 m_random;
    std::map<Kind, std::map<std::int64_t, Row>> m_rows;
    std::vector<Transaction> m_transactions;
};

class WorkloadMariadb : public ForeignKeysMariadb {
protected:
    void SetUp() override {
        ForeignKeysMariadb::SetUp();
        if (HasFatalFailure()) {
            return;
        }
        const std::string w = kWorkloadDb;
        run({"DROP DATABASE IF EXISTS " + w, "CREATE DATABASE " + w,
             "CREATE TABLE " + w + ".author (id INT PRIMARY KEY, born INT NOT NULL) ENGINE=InnoDB",
             "CREATE TABLE " + w +
                 ".book (id INT PRIMARY KEY, author_id INT NOT NULL, pages INT NOT NULL, "
                 "CONSTRAINT fk_book_author FOREIGN KEY (author_id) REFERENCES author (id)) "
                 "ENGINE=InnoDB",
             "CREATE TABLE " + w + ".cart (id INT PRIMARY KEY, note INT NOT NULL) ENGINE=InnoDB",
             "CREATE TABLE " + w +
                 ".item (id INT PRIMARY KEY, cart_id INT NOT NULL, qty INT NOT NULL, "
                 "CONSTRAINT fk_item_cart FOREIGN KEY (cart_id) REFERENCES cart (id) ON DELETE "
                 "CASCADE) ENGINE=InnoDB",
             "CREATE TABLE " + w + ".counter (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB"});
        if (HasFatalFailure()) {
            return;
        }
        auto installer = SchemaInstaller::create(kFerrySchema);
        ASSERT_OK(installer);
        auto session = connect();
        ASSERT_OK(session);
        ASSERT_OK(installer->install(**session));
        for (const char* table : {"apply_position", "fence"}) {
            ASSERT_OK(m_target->execute(std::string("DELETE FROM ") + kFerrySchema + "." + table +
                                        " WHERE pipeline_id = " + std::to_string(kPipeline)));
        }
    }

    // Four workers, one source transaction per target transaction (grouping would hide the
    // ordering between a parent and its children).
    ParallelOptions options(const ForeignKeyGroups* groups,
                            std::chrono::milliseconds orderWaitTimeout) {
        ParallelOptions o;
        o.workers = 4;
        o.applier.pipelineId = kPipeline;
        o.applier.fencingToken = 1;
        o.applier.ferrySchema = kFerrySchema;
        o.applier.retry.initialBackoff = std::chrono::milliseconds(1);
        o.applier.retry.maxAttempts = 20;
        o.maxGroupTransactions = 1;
        o.orderWaitTimeout = orderWaitTimeout;
        o.writeSets.foreignKeys = groups;
        return o;
    }

    // Applies `transactions`; the stats once everything committed.
    void apply(const std::vector<Transaction>& transactions, const ParallelOptions& o,
               ParallelStats& stats) {
        ParallelApplier applier([this](std::uint16_t) { return connect(); }, o);
        auto progress = applier.start();
        ASSERT_OK(progress);
        ASSERT_FALSE(progress->lowWater.has_value());
        for (const Transaction& t : transactions) {
            ASSERT_OK(applier.submit(t));
        }
        ASSERT_OK(applier.stop());
        EXPECT_FALSE(applier.error().has_value());
        stats = applier.stats();
    }

    // Every workload table on the target equals the model.
    void expectSourceRows(const Workload& workload) {
        for (const Kind kind : kKinds) {
            const TableSpec& spec = specOf(kind);
            auto rows = m_target->query("SELECT * FROM " + qualified(kWorkloadDb, spec.name) +
                                        " ORDER BY id");
            ASSERT_OK(rows);
            std::vector<Row> actual;
            for (const auto& row : rows->rows) {
                Row values;
                for (const auto& value : row) {
                    ASSERT_TRUE(value.has_value()) << spec.name;
                    values.push_back(std::stoll(*value));
                }
                actual.push_back(std::move(values));
            }
            std::vector<Row> expected;
            for (const auto& [id, row] : workload.rows(kind)) {
                expected.push_back(row);
            }
            EXPECT_EQ(actual, expected) << spec.name;
        }
    }
};

void print(const char* what, std::size_t transactions, const ParallelStats& stats,
           std::chrono::steady_clock::duration elapsed) {
    std::printf(
        "%s: %zu transactions in %lld ms, max in flight %llu, re-runs %llu, order aborts %llu\n",
        what, transactions,
        static_cast<long long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()),
        static_cast<unsigned long long>(stats.maxInFlight),
        static_cast<unsigned long long>(stats.retries),
        static_cast<unsigned long long>(stats.orderAborts));
}

TEST_F(WorkloadMariadb, LoadedGroupsApplyInOrderWithoutReruns) {
    Workload workload(20261125);
    const std::vector<Transaction> transactions = workload.generate(kScenarios);
    ASSERT_GT(transactions.size(), 800u);
    ASSERT_FALSE(workload.rows(Kind::Author).empty());
    ASSERT_FALSE(workload.rows(Kind::Item).empty());

    auto session = connect();
    ASSERT_OK(session);
    auto groups = loadForeignKeyGroups(**session, {kWorkloadDb});
    ASSERT_OK(groups);
    ASSERT_TRUE(groups->groupOf(kWorkloadDb, "book").has_value());
    ASSERT_NE(groups->groupOf(kWorkloadDb, "book"), groups->groupOf(kWorkloadDb, "item"));
    ASSERT_FALSE(groups->groupOf(kWorkloadDb, "counter").has_value());

    // A long order wait: with the groups no transaction waits on a lock a later one holds, so
    // none is rolled back for it on a slow machine either.
    ParallelStats stats;
    const auto started = std::chrono::steady_clock::now();
    apply(transactions, options(&*groups, std::chrono::seconds(30)), stats);
    if (HasFatalFailure()) {
        return;
    }
    print("with foreign-key groups", transactions.size(), stats,
          std::chrono::steady_clock::now() - started);
    EXPECT_EQ(stats.applied, transactions.size());
    EXPECT_EQ(stats.retries, 0u);
    EXPECT_EQ(stats.orderAborts, 0u);
    EXPECT_GE(stats.maxInFlight, 2u);  // the two groups and the counter still overlap
    expectSourceRows(workload);
}

TEST_F(WorkloadMariadb, WithoutGroupsReRunsStillConverge) {
    Workload workload(20261125);
    const std::vector<Transaction> transactions = workload.generate(kScenarios);

    ParallelStats stats;
    const auto started = std::chrono::steady_clock::now();
    apply(transactions, options(nullptr, std::chrono::milliseconds(300)), stats);
    if (HasFatalFailure()) {
        return;
    }
    // How often a child ran before its parent (or a parent's delete before its children's) and
    // had to run again depends on timing: printed, not asserted.
    print("without foreign-key groups", transactions.size(), stats,
          std::chrono::steady_clock::now() - started);
    EXPECT_EQ(stats.applied, transactions.size());
    expectSourceRows(workload);
}

}  // namespace
}  // namespace ferry::apply
