// SPDX-License-Identifier: Apache-2.0
// Capture with the schema history against live MariaDB, through the real replica client
// (MysqlBinlogSource -> EventDecoder -> TransactionAssembler with a SchemaTracker whose history
// lives in the source's ferry.schema_history):
//  - ADD, DROP, RENAME, CHANGE and MODIFY COLUMN and ADD UNIQUE KEY in the middle of a stream,
//    rows between each: every row carries the column names and values of its time; a restart
//    from before the DDL (the start, and between two DDL) decodes the same again. With
//    binlog_row_metadata=FULL on the shared harness server 0, and with MINIMAL on a MariaDB of
//    this test's own (ferry-harness up in a temporary folder).
//  - LONGBLOB and LONGTEXT values of 16 MiB and a bit more: decoded values equal SELECT.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/apply/schema_installer.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/capture/schema_tracker.h"
#include "ferry/capture/transaction_assembler.h"
#include "ferry/mysql/connection.h"
#include "ferry/mysql/database_url.h"
#include "ferry/mysql/mysql_binlog_source.h"
#include "ferry/schema/information_schema_reader.h"
#include "ferry/schema/mysql_schema_history_store.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::capture {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;
using model::BinlogPosition;

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

std::string urlOf(const HarnessEnv& env, std::size_t index) {
    const auto server = env.mariadb(index);
    return "mysql://" + env.user() + "@" + server->host + ":" + std::to_string(server->port) +
           "/?ssl-mode=DISABLED";
}

Result<BinlogPosition> masterStatus(MariadbConnection& sql) {
    FERRY_ASSIGN_OR_RETURN(auto status, sql.query("SHOW MASTER STATUS"));
    if (status.rows.empty() || status.rows[0].size() < 2 || !status.rows[0][0] ||
        !status.rows[0][1]) {
        return makeError(ErrorCode::NotFound, "no binlog");
    }
    return BinlogPosition{*status.rows[0][0], std::stoull(*status.rows[0][1])};
}

class InformationSchemaSnapshots final : public SchemaSnapshotSource {
public:
    InformationSchemaSnapshots(schema::InformationSchemaReader& reader,
                               schema::CharsetCatalog catalog, schema::NameRules rules)
        : m_reader(reader), m_catalog(std::move(catalog)), m_rules(rules) {}
    Result<SchemaSnapshot> snapshot(const std::vector<std::string>& schemas) override {
        FERRY_ASSIGN_OR_RETURN(auto taken, m_reader.snapshot(schemas, m_catalog, m_rules));
        return SchemaSnapshot{std::move(taken.model), taken.position, taken.gtid};
    }
    Result<bool> ddlLoggedBetween(const BinlogPosition& from, const BinlogPosition& to) override {
        return m_reader.ddlLoggedBetween(from, to);
    }

private:
    schema::InformationSchemaReader& m_reader;
    schema::CharsetCatalog m_catalog;
    schema::NameRules m_rules;
};

struct Collect final : TransactionSink {
    std::vector<v1::Transaction> transactions;
    Status onTransaction(CapturedTransaction&& captured) override {
        if (captured.spooled) {
            v1::RowChange change;
            for (;;) {
                FERRY_ASSIGN_OR_RETURN(bool more, captured.spooled->next(change));
                if (!more) {
                    break;
                }
                captured.transaction.add_changes()->Swap(&change);
            }
        }
        transactions.push_back(std::move(captured.transaction));
        return okStatus();
    }
};

// One source: a connection for the history store and the snapshots, and captures from a
// position to the current end of its binlog.
class LiveSource {
public:
    static Result<std::unique_ptr<LiveSource>> connect(const HarnessEnv& env, std::size_t index,
                                                       std::string ferrySchema,
                                                       std::vector<std::string> tracked) {
        auto source = std::unique_ptr<LiveSource>(new LiveSource());
        FERRY_ASSIGN_OR_RETURN(source->m_url, mysql::DatabaseUrl::parse(urlOf(env, index)));
        source->m_password = env.password();
        FERRY_ASSIGN_OR_RETURN(source->m_connection,
                               mysql::MysqlConnection::connect(source->m_url, env.password()));
        source->m_store = std::make_unique<schema::MysqlSchemaHistoryStore>(
            *source->m_connection, source->m_url.endpoint(), ferrySchema);
        source->m_reader = std::make_unique<schema::InformationSchemaReader>(*source->m_connection);
        FERRY_ASSIGN_OR_RETURN(auto catalog, source->m_reader->readCatalog());
        FERRY_ASSIGN_OR_RETURN(auto rules, source->m_reader->readNameRules());
        source->m_options.history.catalog = catalog;
        source->m_options.history.nameRules = rules;
        source->m_options.history.trackedSchemas = std::move(tracked);
        source->m_options.sourceName = "source " + source->m_url.endpoint();
        return source;
    }

    Result<std::unique_ptr<SchemaTracker>> openTracker(const BinlogPosition& start) {
        InformationSchemaSnapshots snapshots(*m_reader, m_options.history.catalog,
                                             m_options.history.nameRules);
        return SchemaTracker::open(*m_store, start, m_options, &snapshots);
    }

    struct Run {
        std::vector<v1::Transaction> transactions;
        std::size_t tableMaps = 0;
        std::size_t tableMapsWithNames = 0;
    };

    // Everything from `start` to the end of the binlog, through `tracker`.
    Result<Run> capture(SchemaTracker& tracker, const BinlogPosition& start,
                        std::uint32_t serverId) {
        Run run;
        Collect sink;
        SchemaTrackingSink tracking(tracker, sink);
        AssemblerOptions options;
        options.spoolDirectory = std::filesystem::temp_directory_path() /
                                 ("ferry-it-capture-" + std::to_string(::getpid()));
        options.spillThresholdBytes = std::uint64_t{256} << 20;
        TableResolver resolve = tracker.resolver();
        options.resolveTable = [&](const binlog::TableMap& map, const v1::SourcePosition& at) {
            ++run.tableMaps;
            if (!map.columns.empty() && !map.columns[0].name.empty()) {
                ++run.tableMapsWithNames;
            }
            return resolve(map, at);
        };
        FERRY_ASSIGN_OR_RETURN(auto assembler, TransactionAssembler::create(options, tracking));
        mysql::ReplicaOptions replica;
        replica.serverId = serverId;
        replica.nonBlocking = true;
        replica.registerReplica = false;
        mysql::ReplicaStart at;
        at.kind = mysql::ReplicaStart::Kind::FilePosition;
        at.file = start.file;
        at.position = start.pos;
        FERRY_ASSIGN_OR_RETURN(auto source,
                               mysql::MysqlBinlogSource::open(
                                   mysql::replicaStreamOpener(m_url, m_password, {}, replica), at));
        binlog::EventDecoder decoder;
        binlog::RawEvent event;
        for (;;) {
            FERRY_ASSIGN_OR_RETURN(bool more, source->next(event));
            if (!more) {
                break;
            }
            if (!event.file.empty() && event.file != decoder.fileName()) {
                decoder.setFileName(std::string(event.file));
            }
            FERRY_TRY(decoder.decode(event.bytes, event.offset, *assembler));
        }
        run.transactions = std::move(sink.transactions);
        std::filesystem::remove_all(options.spoolDirectory);
        return run;
    }

    schema::MysqlSchemaHistoryStore& store() { return *m_store; }

private:
    LiveSource() = default;

    mysql::DatabaseUrl m_url;
    std::string m_password;
    std::unique_ptr<mysql::MysqlConnection> m_connection;
    std::unique_ptr<schema::MysqlSchemaHistoryStore> m_store;
    std::unique_ptr<schema::InformationSchemaReader> m_reader;
    SchemaTrackerOptions m_options;
};

std::string valueText(const v1::Value& value) {
    switch (value.kind_case()) {
        case v1::Value::kNull:
            return "NULL";
        case v1::Value::kInt:
            return std::to_string(value.int_());
        case v1::Value::kUint:
            return std::to_string(value.uint());
        case v1::Value::kText:
            return value.text();
        case v1::Value::kBinary:
            return "binary:" + value.binary();
        default:
            return "?" + value.ShortDebugString();
    }
}

// A row change of the test table as names -> values, plus the unique keys of its definition.
struct SeenRow {
    std::map<std::string, std::string> values;
    std::vector<std::string> uniqueKeys;
};

std::vector<SeenRow> rowsOf(const std::vector<v1::Transaction>& transactions,
                            const std::string& db) {
    std::vector<SeenRow> out;
    for (const auto& txn : transactions) {
        for (const auto& change : txn.changes()) {
            const auto& def = txn.tables(static_cast<int>(change.table()));
            if (def.schema() != db || def.name() != "t") {
                continue;
            }
            SeenRow row;
            const auto& image = change.after_size() > 0 ? change.after() : change.before();
            for (int i = 0; i < image.size() && i < def.columns_size(); ++i) {
                row.values[def.columns(i).name()] = valueText(image[i]);
            }
            for (const auto& key : def.unique_keys()) {
                row.uniqueKeys.push_back(key.name());
            }
            out.push_back(std::move(row));
        }
    }
    return out;
}

struct Step {
    std::string sql;
    std::optional<SeenRow> expect;  // the row it writes, as capture must see it
};

// The DDL scenario on server `index` of `env`: see the file comment.
void ddlMidStream(const HarnessEnv& env, std::size_t index, const std::string& tag,
                  bool expectNames) {
    auto sqlOr = MariadbConnection::connect(env, index);
    ASSERT_OK(sqlOr);
    MariadbConnection sql = std::move(*sqlOr);
    const std::string db = "ferry_it_cap_" + tag + "_" + std::to_string(::getpid());
    const std::string ferry = db + "_ferry";
    for (const std::string& statement :
         {"DROP DATABASE IF EXISTS " + db, "DROP DATABASE IF EXISTS " + ferry,
          "CREATE DATABASE " + db,
          "CREATE TABLE " + db +
              ".t (id INT NOT NULL PRIMARY KEY, a VARCHAR(20) CHARACTER SET utf8mb4, b INT, "
              "c TEXT CHARACTER SET latin1)"}) {
        ASSERT_OK(sql.execute(statement));
    }
    auto installer = apply::SchemaInstaller::create(ferry);
    ASSERT_OK(installer);
    for (const auto& statement : installer->statements()) {
        ASSERT_OK(sql.execute(statement));
    }

    auto source = LiveSource::connect(env, index, ferry, {db, ferry});
    ASSERT_OK(source);
    auto start = masterStatus(sql);
    ASSERT_OK(start);
    // No history yet, and the start is now: the first tracker takes the snapshot.
    auto first = (*source)->openTracker(*start);
    ASSERT_OK(first);
    EXPECT_TRUE((*first)->tookSnapshot());

    const std::string t = db + ".t";
    const std::vector<Step> steps = {
        {"INSERT INTO " + t + " VALUES (1, 'één', 10, 'c1')",
         SeenRow{{{"id", "1"}, {"a", "één"}, {"b", "10"}, {"c", "c1"}}, {}}},
        {"ALTER TABLE " + t + " ADD COLUMN d INT NOT NULL DEFAULT 5", std::nullopt},
        {"INSERT INTO " + t + " VALUES (2, 'two', -20, 'c2', 22)",
         SeenRow{{{"id", "2"}, {"a", "two"}, {"b", "-20"}, {"c", "c2"}, {"d", "22"}}, {}}},
        {"ALTER TABLE " + t + " DROP COLUMN b", std::nullopt},
        {"INSERT INTO " + t + " VALUES (3, 'three', 'c3', 33)",
         SeenRow{{{"id", "3"}, {"a", "three"}, {"c", "c3"}, {"d", "33"}}, {}}},
        {"ALTER TABLE " + t + " RENAME COLUMN a TO label", std::nullopt},
        {"INSERT INTO " + t + " VALUES (4, 'four', 'c4', 44)",
         SeenRow{{{"id", "4"}, {"label", "four"}, {"c", "c4"}, {"d", "44"}}, {}}},
        {"ALTER TABLE " + t +
             " MODIFY d BIGINT UNSIGNED NOT NULL, CHANGE c note VARCHAR(50) CHARACTER SET utf8mb4",
         std::nullopt},
        {"INSERT INTO " + t + " VALUES (5, 'five', 'n5', 18446744073709551615)",
         SeenRow{{{"id", "5"}, {"label", "five"}, {"note", "n5"}, {"d", "18446744073709551615"}},
                 {}}},
        {"ALTER TABLE " + t + " ADD UNIQUE KEY uk_label (label)", std::nullopt},
        {"UPDATE " + t + " SET label = 'uno' WHERE id = 1",
         SeenRow{{{"id", "1"}, {"label", "uno"}, {"note", "c1"}, {"d", "5"}}, {"uk_label"}}},
    };
    std::vector<BinlogPosition> before;  // the binlog position before each step
    for (const auto& step : steps) {
        auto at = masterStatus(sql);
        ASSERT_OK(at);
        before.push_back(*at);
        ASSERT_OK(sql.execute(step.sql));
    }

    auto expectFrom = [&](const std::vector<SeenRow>& seen, std::size_t firstStep,
                          const std::string& run) {
        std::vector<const SeenRow*> want;
        for (std::size_t i = firstStep; i < steps.size(); ++i) {
            if (steps[i].expect) {
                want.push_back(&*steps[i].expect);
            }
        }
        ASSERT_EQ(seen.size(), want.size()) << run;
        for (std::size_t i = 0; i < want.size(); ++i) {
            EXPECT_EQ(seen[i].values, want[i]->values) << run << " row " << i;
            EXPECT_EQ(seen[i].uniqueKeys, want[i]->uniqueKeys) << run << " row " << i;
        }
    };

    const std::uint32_t serverId = 4100000000u + static_cast<std::uint32_t>(::getpid() % 100000);
    auto firstRun = (*source)->capture(**first, *start, serverId);
    ASSERT_OK(firstRun);
    expectFrom(rowsOf(firstRun->transactions, db), 0, "first run");
    EXPECT_GT(firstRun->tableMaps, 0u);
    EXPECT_EQ(firstRun->tableMapsWithNames > 0, expectNames)
        << firstRun->tableMapsWithNames << " of " << firstRun->tableMaps
        << " TABLE_MAPs carried column names";
    first->reset();

    // Restart from the start (before every DDL): the stored history is read up to there.
    auto second = (*source)->openTracker(*start);
    ASSERT_OK(second);
    EXPECT_FALSE((*second)->tookSnapshot());
    auto secondRun = (*source)->capture(**second, *start, serverId);
    ASSERT_OK(secondRun);
    expectFrom(rowsOf(secondRun->transactions, db), 0, "restart from the start");
    second->reset();

    // Restart between DDL: after ADD COLUMN, before DROP COLUMN.
    auto third = (*source)->openTracker(before[2]);
    ASSERT_OK(third);
    auto at = (*third)->tableAt({db, "t"}, before[2]);
    ASSERT_OK(at);
    ASSERT_TRUE(*at);
    EXPECT_EQ((*at)->columns.size(), 5u) << (*at)->describe();
    auto thirdRun = (*source)->capture(**third, before[2], serverId);
    ASSERT_OK(thirdRun);
    expectFrom(rowsOf(thirdRun->transactions, db), 2, "restart between DDL");

    // A start before the history's first snapshot is refused with that position.
    auto early = (*source)->openTracker({start->file, 4});
    ASSERT_FALSE(early.ok());
    EXPECT_NE(early.error().message.find(start->toString()), std::string::npos)
        << early.error().message;

    (void)sql.execute("DROP DATABASE IF EXISTS " + db);
    (void)sql.execute("DROP DATABASE IF EXISTS " + ferry);
}

TEST(CaptureSchemaLive, DdlMidStreamWithFullMetadata) {
    auto env = HarnessEnv::loadDefault();
    ASSERT_OK(env);
    auto sql = MariadbConnection::connect(*env, 0);
    ASSERT_OK(sql);
    auto metadata = sql->queryValue("SELECT @@global.binlog_row_metadata");
    ASSERT_OK(metadata);
    ASSERT_EQ(metadata->value_or(""), "FULL");
    ddlMidStream(*env, 0, "full", true);
}

// A MariaDB of this test's own, so that binlog_row_metadata can be MINIMAL without touching
// the shared servers. Stopped (and its folder removed) on destruction.
class OwnHarness {
public:
    OwnHarness() {
        m_dir = std::filesystem::temp_directory_path() /
                ("ferry-it-capture-minimal-" + std::to_string(::getpid()));
        std::filesystem::remove_all(m_dir);
        const std::string command = std::string(FERRY_HARNESS_SCRIPT) + " up --dir " +
                                    m_dir.string() + " --mariadb 1 --no-zookeeper --owner-pid " +
                                    std::to_string(::getpid()) + " > " + m_dir.string() +
                                    ".log 2>&1";
        m_up = std::system(command.c_str()) == 0;
    }
    ~OwnHarness() {
        const std::string command = std::string(FERRY_HARNESS_SCRIPT) + " down --dir " +
                                    m_dir.string() + " > /dev/null 2>&1";
        (void)std::system(command.c_str());
        std::filesystem::remove(m_dir.string() + ".log");
    }
    OwnHarness(const OwnHarness&) = delete;
    OwnHarness& operator=(const OwnHarness&) = delete;

    bool up() const { return m_up; }
    std::string dir() const { return m_dir.string(); }
    std::string log() const { return m_dir.string() + ".log"; }

private:
    std::filesystem::path m_dir;
    bool m_up = false;
};

TEST(CaptureSchemaLive, DdlMidStreamWithMinimalMetadata) {
    OwnHarness harness;
    ASSERT_TRUE(harness.up()) << "ferry-harness up failed; see " << harness.log();
    auto env = HarnessEnv::load(harness.dir());
    ASSERT_OK(env);
    {
        auto sql = MariadbConnection::connect(*env, 0);
        ASSERT_OK(sql);
        ASSERT_OK(sql->execute("SET GLOBAL binlog_row_metadata = MINIMAL"));
        auto metadata = sql->queryValue("SELECT @@global.binlog_row_metadata");
        ASSERT_OK(metadata);
        ASSERT_EQ(metadata->value_or(""), "MINIMAL");
    }
    ddlMidStream(*env, 0, "minimal", false);
}

// LONGBLOB and LONGTEXT of 16 MiB - 1, 16 MiB, 16 MiB + a bit (a rows event over the 16 MiB
// packet limit of the protocol), decoded from the binlog, equal SELECT.
TEST(CaptureSchemaLive, SixteenMegabyteValuesEqualSelect) {
    auto env = HarnessEnv::loadDefault();
    ASSERT_OK(env);
    {
        auto admin = MariadbConnection::connect(*env, 0);
        ASSERT_OK(admin);
        auto packet = admin->queryValue("SELECT @@global.max_allowed_packet");
        ASSERT_OK(packet);
        if (std::stoull(packet->value_or("0")) < (std::uint64_t{256} << 20)) {
            // Only ever raised: other tests see a larger limit, never a smaller one.
            ASSERT_OK(admin->execute("SET GLOBAL max_allowed_packet = 268435456"));
        }
    }
    auto sqlOr = MariadbConnection::connect(*env, 0);  // a new session sees the new limit
    ASSERT_OK(sqlOr);
    MariadbConnection sql = std::move(*sqlOr);
    const std::string db = "ferry_it_cap_big_" + std::to_string(::getpid());
    const std::string ferry = db + "_ferry";
    for (const std::string& statement :
         {"DROP DATABASE IF EXISTS " + db, "DROP DATABASE IF EXISTS " + ferry,
          "CREATE DATABASE " + db,
          "CREATE TABLE " + db +
              ".t (id INT NOT NULL PRIMARY KEY, lb LONGBLOB, lt LONGTEXT CHARACTER SET utf8mb4, "
              "tu TINYINT UNSIGNED, bi BIGINT)"}) {
        ASSERT_OK(sql.execute(statement));
    }
    auto installer = apply::SchemaInstaller::create(ferry);
    ASSERT_OK(installer);
    for (const auto& statement : installer->statements()) {
        ASSERT_OK(sql.execute(statement));
    }
    auto source = LiveSource::connect(*env, 0, ferry, {db, ferry});
    ASSERT_OK(source);
    auto start = masterStatus(sql);
    ASSERT_OK(start);
    auto tracker = (*source)->openTracker(*start);
    ASSERT_OK(tracker);

    constexpr std::uint64_t kMiB16 = std::uint64_t{1} << 24;
    struct Row {
        int id;
        std::uint64_t blobBytes;  // multiple of 4
        std::uint64_t textChars;  // of the 3-character, 6-byte 'é€a'... see below
    };
    // lb: REPEAT of a 4-byte pattern; lt: REPEAT of 'é€a' (2 + 3 + 1 bytes).
    const std::vector<Row> rows = {
        {1, kMiB16 - 4, 10},
        {2, kMiB16, (kMiB16 / 6) + 1},
        {3, kMiB16 + 4096, (kMiB16 / 6) + 700},
        {4, 0, 0},
    };
    for (const auto& row : rows) {
        ASSERT_OK(sql.execute("INSERT INTO " + db + ".t VALUES (" + std::to_string(row.id) +
                              ", REPEAT(UNHEX('00FF7F80'), " + std::to_string(row.blobBytes / 4) +
                              "), REPEAT('é€a', " + std::to_string(row.textChars) + "), 255, " +
                              "-9223372036854775808)"));
    }
    const std::uint32_t serverId = 4200000000u + static_cast<std::uint32_t>(::getpid() % 100000);
    auto run = (*source)->capture(**tracker, *start, serverId);
    ASSERT_OK(run);

    auto selected = sql.query("SELECT id, lb, lt, tu, bi FROM " + db + ".t ORDER BY id");
    ASSERT_OK(selected);
    ASSERT_EQ(selected->rows.size(), rows.size());
    std::map<std::string, const v1::RowChange*> decoded;
    std::map<std::string, const v1::TableDefinition*> definitions;
    for (const auto& txn : run->transactions) {
        for (const auto& change : txn.changes()) {
            const auto& def = txn.tables(static_cast<int>(change.table()));
            if (def.schema() == db && def.name() == "t" && change.after_size() == 5) {
                decoded[valueText(change.after(0))] = &change;
                definitions[valueText(change.after(0))] = &def;
            }
        }
    }
    ASSERT_EQ(decoded.size(), rows.size());
    for (const auto& row : selected->rows) {
        ASSERT_EQ(row.size(), 5u);
        const std::string id = row[0].value_or("");
        ASSERT_TRUE(decoded.count(id)) << id;
        const v1::RowChange& change = *decoded[id];
        EXPECT_EQ(definitions[id]->columns(1).name(), "lb");
        const v1::Value& lb = change.after(1);
        const v1::Value& lt = change.after(2);
        ASSERT_EQ(lb.kind_case(), v1::Value::kBinary) << id;
        EXPECT_EQ(lb.binary().size(), row[1].value_or("").size()) << id;
        EXPECT_TRUE(lb.binary() == row[1].value_or("")) << id << ": LONGBLOB differs";
        ASSERT_EQ(lt.kind_case(), v1::Value::kText) << id;
        EXPECT_EQ(lt.text().size(), row[2].value_or("").size()) << id;
        EXPECT_TRUE(lt.text() == row[2].value_or("")) << id << ": LONGTEXT differs";
        EXPECT_EQ(valueText(change.after(3)), row[3].value_or("")) << id;
        EXPECT_EQ(valueText(change.after(4)), row[4].value_or("")) << id;
    }
    EXPECT_GE(decoded["3"]->after(1).binary().size(), kMiB16 + 4096);
    (void)sql.execute("DROP DATABASE IF EXISTS " + db);
    (void)sql.execute("DROP DATABASE IF EXISTS " + ferry);
}

}  // namespace
}  // namespace ferry::capture
