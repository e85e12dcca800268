// SPDX-License-Identifier: Apache-2.0
// `compare` against the two MariaDB servers of the harness: server 0 is the left side, server 1
// the right. Each test builds its tables with the same SQL on both sides, then changes the right
// side and checks that exactly the changed keys are named, with the right kind.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ferry/compare/compare_command.h"
#include "ferry/compare/table_compare.h"
#include "ferry/mysql/connection.h"
#include "harness_env.h"

namespace ferry::compare {
namespace {

using ferry::harness::HarnessEnv;
using mysql::MysqlConnection;

constexpr const char* kDb = "compare_it_data";
constexpr const char* kCmdDb = "compare_it_cmd";

#define ASSERT_OK(expr)                                              \
    do {                                                             \
        const auto& okResult_ = (expr);                              \
        ASSERT_TRUE(okResult_.ok()) << okResult_.error().toString(); \
    } while (false)

Result<mysql::DatabaseUrl> urlOf(const HarnessEnv& env, std::size_t index) {
    FERRY_ASSIGN_OR_RETURN(auto server, env.mariadb(index));
    mysql::DatabaseUrl url;
    url.user = env.user();
    url.host = server.host;
    url.port = static_cast<std::uint16_t>(server.port);
    url.sslMode = mysql::SslMode::Disabled;
    return url;
}

Result<std::unique_ptr<MysqlConnection>> connectTo(const HarnessEnv& env, std::size_t index) {
    FERRY_ASSIGN_OR_RETURN(auto url, urlOf(env, index));
    return MysqlConnection::connect(url, env.password());
}

// (kind, key as describeKey prints it): what a test expects to be named.
using Named = std::set<std::pair<std::string, std::string>>;

Named named(const TableReport& table) {
    Named out;
    for (const KeyDifference& difference : table.keys) {
        out.emplace(std::string(differenceKindName(difference.kind)), difference.describeKey());
    }
    return out;
}

std::string readAll(std::FILE* file) {
    std::string text;
    std::rewind(file);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file)) {
        text.append(buffer, n);
    }
    return text;
}

class CompareMariadb : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto env = HarnessEnv::loadDefault();
        if (env.ok()) {
            s_env = new HarnessEnv(*env);
        }
    }
    static void TearDownTestSuite() {
        if (s_env != nullptr) {
            for (std::size_t i = 0; i < 2; ++i) {
                auto connection = connectTo(*s_env, i);
                if (connection.ok()) {
                    (void)(*connection)
                        ->execute(std::string("DROP DATABASE IF EXISTS ") + kDb +
                                  "; DROP DATABASE IF EXISTS " + kCmdDb);
                }
            }
        }
        delete s_env;
        s_env = nullptr;
    }

    void SetUp() override {
        ASSERT_NE(s_env, nullptr) << "no harness: run through ctest (fixture ferry_servers)";
        ASSERT_GE(s_env->mariadbCount(), 2u);
        for (std::size_t i = 0; i < 2; ++i) {
            auto connection = connectTo(*s_env, i);
            ASSERT_OK(connection);
            m_servers.push_back(std::move(*connection));
            ASSERT_OK(m_servers.back()->execute(std::string("CREATE DATABASE IF NOT EXISTS ") +
                                                kDb + "; CREATE DATABASE IF NOT EXISTS " + kCmdDb));
        }
    }

    MysqlConnection& left() { return *m_servers[0]; }
    MysqlConnection& right() { return *m_servers[1]; }

    void onBoth(const std::string& sql) {
        for (auto& server : m_servers) {
            auto status = server->execute(sql);
            ASSERT_TRUE(status.ok()) << sql << ": " << status.error().toString();
        }
    }
    void onRight(const std::string& sql) {
        auto status = right().execute(sql);
        ASSERT_TRUE(status.ok()) << sql << ": " << status.error().toString();
    }

    Result<CompareReport> compare(const std::string& tables, std::size_t chunkSize = 1000,
                                  std::size_t maxKeys = 100) {
        CompareOptions options;
        FERRY_ASSIGN_OR_RETURN(options.tables, TableFilter::parse(tables));
        options.chunkSize = chunkSize;
        options.maxKeys = maxKeys;
        return compareTables(left(), right(), options);
    }

    // 1000 rows of many types, the same on both sides; composite primary key (region, id).
    void createTyped(const std::string& table) {
        const std::string name = std::string(kDb) + "." + table;
        onBoth("DROP TABLE IF EXISTS " + name);
        onBoth("CREATE TABLE " + name +
               " (region CHAR(2) NOT NULL, id INT NOT NULL, amount DECIMAL(12,3) NULL, "
               "at DATETIME(6) NULL, note VARCHAR(100) CHARACTER SET utf8mb4 NULL, "
               "payload BLOB NULL, ratio DOUBLE NULL, PRIMARY KEY (region, id)) "
               "DEFAULT CHARSET=latin1");
        onBoth("INSERT INTO " + name +
               " WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < "
               "1000) SELECT ELT(1 + n % 3, 'hz', 'us', 'eu'), n, IF(n % 10 = 0, NULL, n * 1.5), "
               "TIMESTAMP('2026-01-01 00:00:00.000001') + INTERVAL n SECOND, "
               "IF(n % 7 = 0, NULL, IF(n % 11 = 0, '', CONCAT(_utf8mb4 'ünïcødé 😀 #', n))), "
               "IF(n % 5 = 0, NULL, CONCAT(X'00', CHAR(n % 256), X'00FF')), n / 3 FROM seq");
    }

    static HarnessEnv* s_env;
    std::vector<std::unique_ptr<MysqlConnection>> m_servers;
};

HarnessEnv* CompareMariadb::s_env = nullptr;

TEST_F(CompareMariadb, IdenticalTablesAreIdenticalAtEveryChunkSize) {
    createTyped("typed_same");
    for (std::size_t chunkSize : {1000u, 7u, 1u, 5000u}) {
        auto report = compare(std::string(kDb) + ".typed_same", chunkSize);
        ASSERT_OK(report);
        ASSERT_EQ(report->tables.size(), 1u);
        const TableReport& table = report->tables[0];
        EXPECT_EQ(table.verdict, TableVerdict::Identical) << "chunk size " << chunkSize;
        EXPECT_EQ(table.keyColumns, (std::vector<std::string>{"region", "id"}));
        EXPECT_EQ(table.rowsLeft, 1000u);
        EXPECT_EQ(table.rowsRight, 1000u);
        EXPECT_EQ(table.chunks, 1000 / chunkSize + 1) << "chunk size " << chunkSize;
        EXPECT_TRUE(table.keys.empty());
        EXPECT_TRUE(report->identical());
    }
}

TEST_F(CompareMariadb, NamesChangedMissingAndExtraKeys) {
    createTyped("typed_diff");
    const std::string name = std::string(kDb) + ".typed_diff";
    onRight("UPDATE " + name + " SET amount = amount + 0.001 WHERE region = 'hz' AND id = 3");
    onRight("DELETE FROM " + name + " WHERE region = 'us' AND id = 4");
    onRight("INSERT INTO " + name + " (region, id) VALUES ('zz', 5000), ('aa', 1)");
    // n = 11 holds '' on both; NULL on the right must differ.
    onRight("UPDATE " + name + " SET note = NULL WHERE region = 'eu' AND id = 11");
    // A changed byte after a NUL inside the BLOB.
    onRight("UPDATE " + name +
            " SET payload = CONCAT(X'00', CHAR(13), X'00FE') WHERE region = 'us' AND id = 13");
    const Named expected = {
        {"differs", "region=hz, id=3"},         {"missing_right", "region=us, id=4"},
        {"missing_left", "region=zz, id=5000"}, {"missing_left", "region=aa, id=1"},
        {"differs", "region=eu, id=11"},        {"differs", "region=us, id=13"}};
    for (std::size_t chunkSize : {1000u, 7u}) {
        auto report = compare(name, chunkSize);
        ASSERT_OK(report);
        ASSERT_EQ(report->tables.size(), 1u);
        const TableReport& table = report->tables[0];
        EXPECT_EQ(table.verdict, TableVerdict::Different);
        EXPECT_EQ(named(table), expected) << "chunk size " << chunkSize;
        EXPECT_EQ(table.keys.size(), expected.size());
        EXPECT_EQ(table.rowsLeft, 1000u);
        EXPECT_EQ(table.rowsRight, 1001u);
        EXPECT_TRUE(table.columnDifferences.empty());
        EXPECT_FALSE(report->identical());
    }
    auto capped = compare(name, 7, 2);
    ASSERT_OK(capped);
    EXPECT_EQ(capped->tables[0].keys.size(), 2u);
    EXPECT_EQ(capped->tables[0].moreKeys, expected.size() - 2);
}

TEST_F(CompareMariadb, NullDiffersFromEmptyString) {
    const std::string name = std::string(kDb) + ".nulls";
    onBoth("DROP TABLE IF EXISTS " + name);
    onBoth("CREATE TABLE " + name +
           " (id INT PRIMARY KEY, a VARCHAR(10) NULL, b VARCHAR(10) NULL, c VARBINARY(4) NULL)");
    onBoth("INSERT INTO " + name +
           " VALUES (1, '', 'x', ''), (2, 'a#', 'b', NULL), (3, NULL, '', X'00')");
    auto same = compare(name);
    ASSERT_OK(same);
    EXPECT_EQ(same->tables[0].verdict, TableVerdict::Identical);
    // Each row keeps its concatenated text but moves a NULL, an '' or a '#' boundary.
    onRight("UPDATE " + name + " SET a = NULL WHERE id = 1");
    onRight("UPDATE " + name + " SET a = 'a', b = '#b' WHERE id = 2");
    onRight("UPDATE " + name + " SET c = NULL WHERE id = 3");
    auto report = compare(name);
    ASSERT_OK(report);
    EXPECT_EQ(named(report->tables[0]),
              (Named{{"differs", "id=1"}, {"differs", "id=2"}, {"differs", "id=3"}}));
}

TEST_F(CompareMariadb, TablesMissingOnOneSide) {
    onBoth(std::string("DROP TABLE IF EXISTS ") + kDb + ".miss_left_only, " + kDb +
           ".miss_right_only, " + kDb + ".miss_both");
    ASSERT_OK(left().execute(std::string("CREATE TABLE ") + kDb +
                             ".miss_left_only (id INT PRIMARY KEY)"));
    ASSERT_OK(right().execute(std::string("CREATE TABLE ") + kDb +
                              ".miss_right_only (id INT PRIMARY KEY)"));
    onBoth(std::string("CREATE TABLE ") + kDb + ".miss_both (id INT PRIMARY KEY)");
    auto report = compare(std::string(kDb) + ".miss_*");
    ASSERT_OK(report);
    ASSERT_EQ(report->tables.size(), 3u);
    EXPECT_EQ(report->tables[0].table, "miss_both");
    EXPECT_EQ(report->tables[0].verdict, TableVerdict::Identical);
    EXPECT_EQ(report->tables[1].table, "miss_left_only");
    EXPECT_EQ(report->tables[1].verdict, TableVerdict::MissingRight);
    EXPECT_EQ(report->tables[2].table, "miss_right_only");
    EXPECT_EQ(report->tables[2].verdict, TableVerdict::MissingLeft);
    EXPECT_FALSE(report->identical());
}

TEST_F(CompareMariadb, ColumnDifferencesAreReportedAndCommonColumnsCompared) {
    const std::string name = std::string(kDb) + ".cols";
    onBoth("DROP TABLE IF EXISTS " + name);
    ASSERT_OK(left().execute("CREATE TABLE " + name +
                             " (id INT PRIMARY KEY, v INT, only_l INT, price DECIMAL(10,2))"));
    ASSERT_OK(right().execute("CREATE TABLE " + name +
                              " (id INT PRIMARY KEY, v BIGINT, price DECIMAL(10,2), only_r INT)"));
    ASSERT_OK(left().execute("INSERT INTO " + name + " VALUES (1, 10, 7, 1.50), (2, 20, 8, 2)"));
    ASSERT_OK(right().execute("INSERT INTO " + name + " VALUES (1, 10, 1.50, 9), (2, 21, 2, 9)"));
    auto report = compare(name);
    ASSERT_OK(report);
    const TableReport& table = report->tables[0];
    EXPECT_EQ(table.verdict, TableVerdict::Different);
    EXPECT_EQ(table.columnDifferences,
              (std::vector<std::string>{"column v: left int, right bigint",
                                        "column only_l only on the left",
                                        "column only_r only on the right"}));
    // id 1 is equal on the common columns (id, v, price); id 2 differs in v.
    EXPECT_EQ(named(table), (Named{{"differs", "id=2"}}));
}

TEST_F(CompareMariadb, KeylessTablesAreComparedByCountsAndChecksum) {
    const std::string name = std::string(kDb) + ".nokey";
    onBoth("DROP TABLE IF EXISTS " + name);
    // A unique key on a nullable column does not make a key.
    onBoth("CREATE TABLE " + name + " (a INT NOT NULL, b VARCHAR(10), UNIQUE KEY (b))");
    onBoth("INSERT INTO " + name + " VALUES (1, NULL), (1, NULL), (2, 'y')");
    auto same = compare(name);
    ASSERT_OK(same);
    EXPECT_EQ(same->tables[0].verdict, TableVerdict::Identical);
    EXPECT_TRUE(same->tables[0].keyless());
    EXPECT_EQ(same->tables[0].rowsLeft, 3u);
    // Same count, a duplicate row replaced: only the checksum can tell.
    onRight("DELETE FROM " + name + " WHERE a = 1 LIMIT 1");
    onRight("INSERT INTO " + name + " VALUES (3, NULL)");
    auto report = compare(name);
    ASSERT_OK(report);
    const TableReport& table = report->tables[0];
    EXPECT_EQ(table.verdict, TableVerdict::Different);
    EXPECT_TRUE(table.keyless());
    EXPECT_TRUE(table.checksumDiffers);
    EXPECT_EQ(table.rowsLeft, 3u);
    EXPECT_EQ(table.rowsRight, 3u);
    EXPECT_TRUE(table.keys.empty());
}

TEST_F(CompareMariadb, UniqueNotNullKeyIsWalkedWithoutPrimaryKey) {
    const std::string name = std::string(kDb) + ".ukey";
    onBoth("DROP TABLE IF EXISTS " + name);
    onBoth("CREATE TABLE " + name +
           " (n INT NULL, code VARBINARY(8) NOT NULL, v INT, UNIQUE KEY u_n (n), "
           "UNIQUE KEY u_code (code))");
    onBoth("INSERT INTO " + name + " VALUES (1, X'0001', 1), (2, X'00FF', 2), (NULL, X'41', 3)");
    onRight("UPDATE " + name + " SET v = 9 WHERE code = X'00FF'");
    auto report = compare(name, 1);
    ASSERT_OK(report);
    const TableReport& table = report->tables[0];
    EXPECT_EQ(table.keyColumns, (std::vector<std::string>{"code"}));
    EXPECT_EQ(named(table), (Named{{"differs", "code=0x00ff"}}));
}

TEST_F(CompareMariadb, RetriesForgiveChunksThatCatchUp) {
    const std::string name = std::string(kDb) + ".lag";
    onBoth("DROP TABLE IF EXISTS " + name);
    onBoth("CREATE TABLE " + name + " (id INT PRIMARY KEY, v INT)");
    onBoth("INSERT INTO " + name + " VALUES (1, 1), (2, 2), (3, 3)");
    onRight("UPDATE " + name + " SET v = 0 WHERE id = 2");
    CompareOptions options;
    auto filter = TableFilter::parse(name);
    ASSERT_OK(filter);
    options.tables = *filter;
    options.chunkSize = 2;
    options.retries = 3;
    options.retryDelay = std::chrono::milliseconds(250);
    int sleeps = 0;
    // The "replica" catches up during the first wait.
    options.sleep = [&](std::chrono::milliseconds delay) {
        EXPECT_EQ(delay, std::chrono::milliseconds(250));
        if (sleeps++ == 0) {
            EXPECT_TRUE(right().execute("UPDATE " + name + " SET v = 2 WHERE id = 2").ok());
        }
    };
    auto report = compareTables(left(), right(), options);
    ASSERT_OK(report);
    EXPECT_EQ(sleeps, 1);
    EXPECT_EQ(report->tables[0].verdict, TableVerdict::Identical);

    // A difference that stays is reported after every retry.
    onRight("UPDATE " + name + " SET v = 0 WHERE id = 3");
    sleeps = 1;
    auto stays = compareTables(left(), right(), options);
    ASSERT_OK(stays);
    EXPECT_EQ(sleeps, 4);
    EXPECT_EQ(named(stays->tables[0]), (Named{{"differs", "id=3"}}));
    EXPECT_EQ(stays->tables[0].differingChunks, 1u);
}

TEST_F(CompareMariadb, CommandExitCodesAndJson) {
    const std::string same = std::string(kCmdDb) + ".same";
    const std::string diff = std::string(kCmdDb) + ".diff";
    onBoth("DROP TABLE IF EXISTS " + same + ", " + diff);
    onBoth("CREATE TABLE " + same + " (id INT PRIMARY KEY, t TEXT)");
    onBoth("CREATE TABLE " + diff + " (k VARBINARY(4) PRIMARY KEY, t TEXT)");
    onBoth("INSERT INTO " + same + " VALUES (1, 'a'), (2, NULL)");
    onBoth("INSERT INTO " + diff + " VALUES (X'00', 'a'), (X'01', 'b')");
    onRight("INSERT INTO " + diff + " VALUES (X'FF00', 'c')");

    auto leftUrl = urlOf(*s_env, 0);
    auto rightUrl = urlOf(*s_env, 1);
    ASSERT_OK(leftUrl);
    ASSERT_OK(rightUrl);
    ::setenv("COMPARE_IT_PASSWORD", s_env->password().c_str(), 1);
    const std::vector<std::string> sides = {
        "--left",
        "mysql://" + s_env->user() + "@" + leftUrl->host + ":" + std::to_string(leftUrl->port) +
            "/?ssl-mode=DISABLED",
        "--right",
        "mysql://" + s_env->user() + "@" + rightUrl->host + ":" + std::to_string(rightUrl->port) +
            "/?ssl-mode=DISABLED",
        "--password-env",
        "COMPARE_IT_PASSWORD"};

    struct Run {
        int code;
        std::string out;
        std::string err;
    };
    auto run = [&](std::vector<std::string> extra, bool withSides = true) {
        std::vector<std::string> args = withSides ? sides : std::vector<std::string>{};
        args.insert(args.end(), extra.begin(), extra.end());
        std::FILE* out = std::tmpfile();
        std::FILE* err = std::tmpfile();
        Run result{runCompareCommand(args, out, err), readAll(out), readAll(err)};
        std::fclose(out);
        std::fclose(err);
        return result;
    };

    const Run identical = run({"--tables", same, "--output", "json"});
    EXPECT_EQ(identical.code, 0) << identical.err;
    auto doc = QJsonDocument::fromJson(QByteArray::fromStdString(identical.out));
    ASSERT_TRUE(doc.isArray()) << identical.out;
    ASSERT_EQ(doc.array().size(), 1);
    EXPECT_EQ(doc.array()[0].toObject()["verdict"].toString(), "identical");
    EXPECT_EQ(doc.array()[0].toObject()["rows_left"].toInt(), 2);

    const Run different = run({"--tables", std::string(kCmdDb) + ".*", "--output", "json"});
    EXPECT_EQ(different.code, 1);
    EXPECT_NE(different.err.find("differences found in 1 of 2"), std::string::npos)
        << different.err;
    doc = QJsonDocument::fromJson(QByteArray::fromStdString(different.out));
    ASSERT_TRUE(doc.isArray()) << different.out;
    ASSERT_EQ(doc.array().size(), 2);
    const QJsonObject diffJson = doc.array()[0].toObject();
    EXPECT_EQ(diffJson["table"].toString(), "diff");
    EXPECT_EQ(diffJson["verdict"].toString(), "different");
    const QJsonArray differences = diffJson["differences"].toArray();
    ASSERT_EQ(differences.size(), 1);
    EXPECT_EQ(differences[0].toObject()["kind"].toString(), "missing_left");
    EXPECT_EQ(differences[0].toObject()["key"].toObject()["k"].toObject()["base64"].toString(),
              "/wA=");

    const Run lines = run({"--tables", std::string(kCmdDb) + ".*", "--output", "jsonl"});
    EXPECT_EQ(lines.code, 1);
    EXPECT_EQ(std::count(lines.out.begin(), lines.out.end(), '\n'), 2);

    const Run table = run({"--tables", std::string(kCmdDb) + ".*"});
    EXPECT_NE(table.out.find("compare_it_cmd.same  identical  2          2           1"),
              std::string::npos)
        << table.out;
    EXPECT_EQ(table.code, 1);
    EXPECT_NE(table.out.find("missing_left  k=0xff00"), std::string::npos) << table.out;

    EXPECT_EQ(run({"--tables", std::string(kCmdDb) + ".nothing_here"}).code, 1);
    EXPECT_EQ(run({"--output", "json"}).code, 2);                     // no --tables
    EXPECT_EQ(run({"--tables", same, "--chunk-size", "0"}).code, 2);  // bad number
    EXPECT_EQ(run({"--tables", same}, false).code, 2);                // no sides
    EXPECT_EQ(run({"--tables", same, "--bogus", "1"}).code, 2);
    const Run help = run({"--help"}, false);
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("--chunk-size"), std::string::npos);
    const Run refused = run({"--tables", same, "--password-env", "COMPARE_IT_WRONG"});
    EXPECT_EQ(refused.code, 2) << refused.err;  // the named variable is not set
    ::setenv("COMPARE_IT_WRONG", "not-the-password", 1);
    EXPECT_EQ(run({"--tables", same, "--password-env", "COMPARE_IT_WRONG"}).code, 4);
    const Run unreachable = run({"--left", "mysql://ferry@127.0.0.1:1/?ssl-mode=DISABLED",
                                 "--right", "mysql://ferry@127.0.0.1:1/", "--tables", same},
                                false);
    EXPECT_EQ(unreachable.code, 3) << unreachable.err;
}

}  // namespace
}  // namespace ferry::compare
