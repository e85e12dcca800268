// SPDX-License-Identifier: Apache-2.0
// `ferryctl binlog dump --source` against harness MariaDB server 0, run as a real process: every
// value of a many-typed table (edge values, NULL, empty, multibyte, a 1 MiB blob) matches what
// SELECT returns; a GTID start; a wrong password (exit 4); an unreachable server (exit 3); a start
// file the server does not have (exit 1).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "ctl_process.h"
#include "harness_env.h"
#include "mariadb_connection.h"

namespace ferry::testing {
namespace {

using harness::HarnessEnv;
using harness::MariadbConnection;

std::string hexOf(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : bytes) {
        out.push_back(kHex[static_cast<unsigned char>(c) >> 4]);
        out.push_back(kHex[static_cast<unsigned char>(c) & 15]);
    }
    return out;
}

std::string base64Decode(std::string_view text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = value(c);
        if (v < 0) {
            continue;
        }
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xff));
        }
    }
    return out;
}

class BinlogDumpServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto env = HarnessEnv::loadDefault();
        ASSERT_TRUE(env.ok()) << env.error().toString();
        m_env = std::move(env).value();
        auto server = m_env.mariadb(0);
        ASSERT_TRUE(server.ok());
        m_server = *server;
        auto connection = MariadbConnection::connect(m_env, 0);
        ASSERT_TRUE(connection.ok()) << connection.error().toString();
        m_db.emplace(std::move(connection).value());
        std::mt19937_64 random{std::random_device{}()};
        m_schema =
            "ferry_it_dump_" + std::to_string(::getpid()) + "_" + std::to_string(random() % 100000);
        exec("CREATE DATABASE " + m_schema);
    }
    void TearDown() override {
        if (m_db) {
            (void)m_db->execute("DROP DATABASE IF EXISTS " + m_schema);
        }
    }

    void exec(const std::string& sql) {
        Status status = m_db->execute(sql);
        ASSERT_TRUE(status.ok()) << sql << ": " << status.error().toString();
    }
    std::vector<std::optional<std::string>> row(const std::string& sql) {
        auto result = m_db->query(sql);
        EXPECT_TRUE(result.ok()) << sql << ": " << result.error().toString();
        if (!result.ok() || result->rows.empty()) {
            return {};
        }
        return result->rows.front();
    }
    std::pair<std::string, std::string> masterStatus() {
        auto r = row("SHOW MASTER STATUS");
        EXPECT_GE(r.size(), 2u);
        return {r.size() >= 2 ? r[0].value_or("") : "", r.size() >= 2 ? r[1].value_or("") : ""};
    }
    std::string sourceUrl(const std::string& user) const {
        return "mysql://" + user + "@" + m_server.host + ":" + std::to_string(m_server.port);
    }
    ProcessResult dump(const std::vector<std::string>& extra, const std::string& password) {
        std::vector<std::string> args = {
            "binlog",        "dump",     "--source", sourceUrl(m_env.user()),
            "--stop-at-end", "--output", "jsonl"};
        args.insert(args.end(), extra.begin(), extra.end());
        return runProcess(FERRY_CTL_PATH, args, {{"FERRY_PASSWORD", password}});
    }
    // The row changes of this test's schema.
    std::vector<JsonValue> changes(const ProcessResult& result) {
        std::string error;
        std::vector<JsonValue> all = parseJsonLines(result.out, &error);
        EXPECT_TRUE(error.empty()) << error;
        std::vector<JsonValue> mine;
        for (JsonValue& v : all) {
            const JsonValue* db = v.find("db");
            if (db != nullptr && db->text == m_schema) {
                mine.push_back(std::move(v));
            }
        }
        return mine;
    }

    HarnessEnv m_env;
    harness::MariadbServerEnv m_server;
    std::optional<MariadbConnection> m_db;
    std::string m_schema;
};

// How a column's JSON value is compared with SELECT: the SQL expression giving the expected text
// and how to read the JSON value.
enum class Read { Text, Number, Double, Utf8Hex, Base64Hex };
struct Column {
    const char* name;
    const char* type;
    const char* select;  // expression over the column `c`
    Read read;
};

const std::vector<Column> kColumns = {
    {"ti", "TINYINT", "CAST(c AS CHAR)", Read::Number},
    {"tiu", "TINYINT UNSIGNED", "CAST(c AS CHAR)", Read::Number},
    {"mi", "MEDIUMINT", "CAST(c AS CHAR)", Read::Number},
    {"bi", "BIGINT", "CAST(c AS CHAR)", Read::Number},
    {"biu", "BIGINT UNSIGNED", "CAST(c AS CHAR)", Read::Number},
    {"de", "DECIMAL(30,10)", "CAST(c AS CHAR)", Read::Text},
    {"fl", "DOUBLE", "CAST(c AS CHAR)", Read::Double},
    {"da", "DATE", "CAST(c AS CHAR)", Read::Text},
    {"dt", "DATETIME(6)", "CAST(c AS CHAR)", Read::Text},
    {"ts", "TIMESTAMP(3) NULL", "CAST(c AS CHAR)", Read::Text},
    {"tm", "TIME(3)", "CAST(c AS CHAR)", Read::Text},
    {"ye", "YEAR", "CAST(c AS CHAR)", Read::Text},
    {"vc", "VARCHAR(100) CHARACTER SET utf8mb4", "HEX(c)", Read::Utf8Hex},
    {"l1", "VARCHAR(50) CHARACTER SET latin1", "HEX(CONVERT(c USING utf8mb4))", Read::Utf8Hex},
    {"tx", "TEXT CHARACTER SET utf8mb4", "HEX(c)", Read::Utf8Hex},
    {"vb", "VARBINARY(50)", "HEX(c)", Read::Base64Hex},
    {"bn", "BINARY(4)", "HEX(c)", Read::Base64Hex},
    {"bl", "LONGBLOB", "HEX(c)", Read::Base64Hex},
    {"en", "ENUM('a','b','c')", "CAST(c AS CHAR)", Read::Text},
    {"se", "SET('x','y','z')", "CAST(c AS CHAR)", Read::Text},
    {"bt", "BIT(10)", "CAST(c + 0 AS CHAR)", Read::Number},
};

void expectValue(const Column& column, const JsonValue* value,
                 const std::optional<std::string>& expected, const std::string& where) {
    ASSERT_NE(value, nullptr) << where << ": column missing";
    if (!expected) {
        EXPECT_TRUE(value->isNull()) << where << ": expected NULL";
        return;
    }
    switch (column.read) {
        case Read::Text:
            EXPECT_EQ(value->type, JsonValue::Type::String) << where;
            EXPECT_EQ(value->text, *expected) << where;
            break;
        case Read::Number:
            // A JSON number when it fits in 53 bits, else a string with the digits.
            EXPECT_TRUE(value->type == JsonValue::Type::Number ||
                        value->type == JsonValue::Type::String)
                << where;
            EXPECT_EQ(value->text, *expected) << where;
            if (value->type == JsonValue::Type::String) {
                const long double magnitude = std::strtold(expected->c_str(), nullptr);
                EXPECT_GT(magnitude < 0 ? -magnitude : magnitude, 9007199254740991.0L) << where;
            }
            break;
        case Read::Double:
            ASSERT_EQ(value->type, JsonValue::Type::Number) << where;
            EXPECT_EQ(std::strtod(value->text.c_str(), nullptr),
                      std::strtod(expected->c_str(), nullptr))
                << where;
            break;
        case Read::Utf8Hex:
            ASSERT_EQ(value->type, JsonValue::Type::String) << where;
            EXPECT_EQ(hexOf(value->text), *expected) << where;
            break;
        case Read::Base64Hex: {
            ASSERT_EQ(value->type, JsonValue::Type::Object) << where;
            const JsonValue* b64 = value->find("base64");
            ASSERT_NE(b64, nullptr) << where;
            EXPECT_EQ(hexOf(base64Decode(b64->text)), *expected) << where;
            break;
        }
    }
}

TEST_F(BinlogDumpServerTest, EveryValueMatchesSelect) {
    std::string ddl = "CREATE TABLE " + m_schema + ".t (id INT PRIMARY KEY";
    for (const Column& c : kColumns) {
        ddl += std::string(", ") + c.name + " " + c.type;
    }
    exec(ddl + ") ENGINE=InnoDB");
    const auto [file, pos] = masterStatus();
    ASSERT_FALSE(file.empty());
    exec("SET SESSION sql_mode = ''");  // zero dates
    exec("SET SESSION time_zone = '+00:00'");
    const std::string table = m_schema + ".t";
    exec("INSERT INTO " + table +
         " VALUES (1, -128, 0, -8388608, -9223372036854775808, 0, "
         "'-12345678901234567890.0123456789', -1.5, '0000-00-00', '1000-01-01 00:00:00.000001', "
         "'1970-01-01 00:00:01.000', '-838:59:59.000', 1901, '', 'caf\xc3\xa9 \xe2\x82\xac', "
         "'', x'00', x'01', '', 'a', '', b'0')");
    exec("INSERT INTO " + table +
         " VALUES (2, 127, 255, 8388607, 9223372036854775807, 18446744073709551615, "
         "'99999999999999999999.9999999999', 1e300, '9999-12-31', '9999-12-31 23:59:59.999999', "
         "'2038-01-19 03:14:07.999', '838:59:59.999', 2155, "
         "'\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80 \"q\" \\\\ \\n \\t', 'x', "
         "'multi \xd0\xb1\xd0\xb0\xd0\xb9\xd1\x82', x'00ff80', x'ff', "
         "REPEAT(x'00ff7f80', 262144), 'c', 'x,z', b'1111111111')");
    exec("INSERT INTO " + table + " (id) VALUES (3)");
    exec("INSERT INTO " + table +
         " VALUES (4, 0, 1, 0, 9007199254740991, 9007199254740992, '-0.0000000001', "
         "0.1, '2024-02-29', '2024-02-29 12:34:56.500000', '2024-02-29 12:34:56.125', "
         "'-00:00:00.001', 0, 'a', 'b', 'c', x'', x'0102', x'', 'b', 'y', b'1010101010')");
    exec("UPDATE " + table + " SET vc = 'changed' WHERE id = 1");
    exec("DELETE FROM " + table + " WHERE id = 3");

    const ProcessResult result = dump({"--start-file", file, "--start-pos", pos}, m_env.password());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::vector<JsonValue> rows = changes(result);
    ASSERT_EQ(rows.size(), 6u) << result.out.substr(0, 2000);

    const char* types[] = {"insert", "insert", "insert", "insert", "update", "delete"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const JsonValue& r = rows[i];
        EXPECT_EQ(r.find("type")->text, types[i]);
        EXPECT_EQ(r.find("table")->text, "t");
        EXPECT_EQ(r.find("file")->text, file);
        const auto rowPos = std::stoull(r.find("pos")->text);
        const auto endPos = std::stoull(r.find("end_pos")->text);
        EXPECT_GE(rowPos, std::stoull(pos));
        EXPECT_GT(endPos, rowPos);
        EXPECT_EQ(r.find("gtid")->type, JsonValue::Type::String);
        EXPECT_EQ(r.find("ts")->type, JsonValue::Type::Number);
    }

    // The inserts (and the update's after image of row 1) against SELECT.
    for (std::size_t i = 0; i < 4; ++i) {
        const JsonValue* after = rows[i].find("after");
        ASSERT_NE(after, nullptr);
        ASSERT_EQ(after->type, JsonValue::Type::Object);
        const std::string id = after->find("id")->text;
        const std::size_t index = id == "1" ? 4 : i;  // row 1 is checked after its update
        const JsonValue* image = rows[index].find("after");
        std::string sql = "SELECT ";
        for (std::size_t k = 0; k < kColumns.size(); ++k) {
            std::string expr = kColumns[k].select;
            expr.replace(expr.find('c'), 1, kColumns[k].name);
            sql += (k ? ", " : "") + expr;
        }
        if (id == "3") {
            // Deleted since; every column but id was NULL.
            for (const Column& c : kColumns) {
                expectValue(c, image->find(c.name), std::nullopt, "row 3 " + std::string(c.name));
            }
            continue;
        }
        const auto expected = row(sql + " FROM " + table + " WHERE id = " + id);
        ASSERT_EQ(expected.size(), kColumns.size());
        for (std::size_t k = 0; k < kColumns.size(); ++k) {
            expectValue(kColumns[k], image->find(kColumns[k].name), expected[k],
                        "row " + id + " column " + kColumns[k].name);
        }
    }
    EXPECT_EQ(rows[4].find("before")->find("vc")->text, "");
    EXPECT_EQ(rows[4].find("after")->find("vc")->text, "changed");
    EXPECT_EQ(rows[5].find("before")->find("id")->text, "3");
    EXPECT_TRUE(rows[5].find("after")->isNull());
    // The 1 MiB blob made it whole.
    EXPECT_EQ(base64Decode(rows[1].find("after")->find("bl")->find("base64")->text).size(),
              1048576u);
}

TEST_F(BinlogDumpServerTest, StartsAtAMariadbGtidPosition) {
    exec("CREATE TABLE " + m_schema + ".g (id INT PRIMARY KEY)");
    exec("INSERT INTO " + m_schema + ".g VALUES (1)");
    const auto position = row("SELECT @@gtid_binlog_pos");
    ASSERT_FALSE(position.empty());
    ASSERT_TRUE(position[0]);
    exec("INSERT INTO " + m_schema + ".g VALUES (2)");
    exec("INSERT INTO " + m_schema + ".g VALUES (3)");
    const ProcessResult result = dump({"--start-gtid", *position[0]}, m_env.password());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::vector<JsonValue> rows = changes(result);
    ASSERT_EQ(rows.size(), 2u) << result.out;
    EXPECT_EQ(rows[0].find("after")->find("id")->text, "2");
    EXPECT_EQ(rows[1].find("after")->find("id")->text, "3");
    EXPECT_NE(rows[0].find("gtid")->text, rows[1].find("gtid")->text);
}

TEST_F(BinlogDumpServerTest, WrongPasswordIsRefused) {
    const ProcessResult result = dump({}, m_env.password() + "-wrong");
    EXPECT_EQ(result.exitCode, 4) << result.err;
    EXPECT_NE(result.err.find("denied"), std::string::npos) << result.err;
}

TEST_F(BinlogDumpServerTest, UnreachableServerCannotConnect) {
    const ProcessResult result = runProcess(
        FERRY_CTL_PATH,
        {"binlog", "dump", "--source", "mysql://" + m_env.user() + "@127.0.0.1:1", "--stop-at-end"},
        {{"FERRY_PASSWORD", m_env.password()}});
    EXPECT_EQ(result.exitCode, 3) << result.err;
}

TEST_F(BinlogDumpServerTest, MissingStartFileFailsWithAClearMessage) {
    const ProcessResult result =
        dump({"--start-file", "ferry-no-such-bin.000999", "--start-pos", "4"}, m_env.password());
    EXPECT_EQ(result.exitCode, 1) << result.err;
    EXPECT_NE(result.err.find("no longer on the source"), std::string::npos) << result.err;
}

TEST_F(BinlogDumpServerTest, StartTimeFindsTheFirstTransactionAtOrAfterIt) {
    exec("CREATE TABLE " + m_schema + ".tt (id INT PRIMARY KEY)");
    exec("INSERT INTO " + m_schema + ".tt VALUES (1)");
    // Wait for the next second on the server's clock (binlog timestamps have 1 s resolution).
    const auto before = row("SELECT UNIX_TIMESTAMP()");
    ASSERT_FALSE(before.empty());
    std::string now;
    do {
        now = row("SELECT UNIX_TIMESTAMP()")[0].value_or("");
    } while (now == before[0]);
    exec("INSERT INTO " + m_schema + ".tt VALUES (2)");
    exec("SET SESSION time_zone = '+00:00'");
    const auto utc = row("SELECT DATE_FORMAT(FROM_UNIXTIME(" + now + "), '%Y-%m-%dT%H:%i:%sZ')");
    ASSERT_FALSE(utc.empty());
    const ProcessResult result = dump({"--start-time", *utc[0]}, m_env.password());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::vector<JsonValue> rows = changes(result);
    ASSERT_GE(rows.size(), 1u) << result.out;
    EXPECT_EQ(rows[0].find("after")->find("id")->text, "2");
    EXPECT_EQ(rows.size(), 1u);
}

}  // namespace
}  // namespace ferry::testing
