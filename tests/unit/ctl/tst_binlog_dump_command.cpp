// SPDX-License-Identifier: Apache-2.0
// `ferryctl binlog dump`: argument parsing (usage errors are exit code 2), --start-time, the
// transaction buffer that spills to disk, and a dump of the shared MariaDB fixture.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "ferry/ctl/binlog_dump_command.h"
#include "ferry/ctl/transaction_buffer.h"
#include "mini_json.h"

namespace ferry::ctl {
namespace {

TEST(BinlogDumpArgs, ParsesEveryFlag) {
    auto options = parseBinlogDumpArgs(
        {"--source", "mysql://u@h:3307", "--password-env=PW", "--start-file", "b.000002",
         "--start-pos", "1234", "--server-id", "77", "--stop-at-end", "--output", "jsonl",
         "--events", "--max-transaction-memory", "1024", "--reconnect-attempts", "0"});
    ASSERT_TRUE(options.ok()) << options.error().toString();
    EXPECT_EQ(options->source, "mysql://u@h:3307");
    EXPECT_EQ(options->passwordEnv, "PW");
    EXPECT_EQ(options->startFile, "b.000002");
    EXPECT_EQ(options->startPos, 1234u);
    EXPECT_EQ(options->serverId, 77u);
    EXPECT_TRUE(options->stopAtEnd);
    EXPECT_EQ(options->output, OutputFormat::Jsonl);
    EXPECT_TRUE(options->events);
    EXPECT_EQ(options->maxTransactionMemory, 1024u);
    EXPECT_EQ(options->reconnectAttempts, 0u);
}

TEST(BinlogDumpArgs, DefaultsAreTableOutputAndTheDocumentedServerId) {
    auto options = parseBinlogDumpArgs({"a.000001", "b.000002.gz"});
    ASSERT_TRUE(options.ok());
    EXPECT_EQ(options->files, (std::vector<std::string>{"a.000001", "b.000002.gz"}));
    EXPECT_EQ(options->output, OutputFormat::Table);
    EXPECT_EQ(options->serverId, kDefaultDumpServerId);
    EXPECT_FALSE(options->stopAtEnd);
}

TEST(BinlogDumpArgs, RejectsMisuse) {
    const std::vector<std::vector<std::string>> bad = {
        {},
        {"f", "--source", "mysql://u@h"},
        {"--source", "mysql://u@h", "--start-pos", "100"},
        {"--source", "mysql://u@h", "--start-file", "x", "--start-gtid", "0-1-1"},
        {"--source", "mysql://u@h", "--start-time", "2026-11-25T08:00:00Z", "--start-gtid",
         "0-1-1"},
        {"--source", "mysql://u@h", "--output", "xml"},
        {"--source", "mysql://u@h", "--server-id", "0"},
        {"--source", "mysql://u@h", "--server-id", "4294967296"},
        {"--source", "mysql://u@h", "--start-file", "x", "--start-pos", "3"},
        {"--source", "mysql://u@h", "--start-file", "x", "--start-pos", "12ab"},
        {"--source"},
        {"--source", "mysql://u@h", "--bogus"},
        {"--source", "mysql://u@h", "--stop-at-end=yes"},
        {"f", "--start-gtid", "0-1-1"},
        {"f", "--password-file", "/tmp/x"},
    };
    for (const auto& args : bad) {
        auto options = parseBinlogDumpArgs(args);
        std::string joined;
        for (const auto& a : args) {
            joined += a + " ";
        }
        ASSERT_FALSE(options.ok()) << joined;
        EXPECT_EQ(options.error().code, ErrorCode::InvalidArgument) << joined;
        std::FILE* sink = std::tmpfile();
        EXPECT_EQ(runBinlogDump(args, sink, sink), exit_code::kUsage) << joined;
        std::fclose(sink);
    }
}

TEST(StartTime, ParsesUtcAndOffsets) {
    const std::pair<std::string, std::uint32_t> good[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2026-11-25T08:00:00Z", 1795593600},
        {"2026-11-25 09:00:00+01:00", 1795593600},
        {"2026-11-25T03:30:00-04:30", 1795593600},
        {"2024-02-29T23:59:59Z", 1709251199},
    };
    for (const auto& [text, epoch] : good) {
        auto parsed = parseStartTime(text);
        ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().toString();
        EXPECT_EQ(*parsed, epoch) << text;
    }
    for (const char* text : {"2026-11-25T08:00:00", "2026-11-25", "2026-13-01T00:00:00Z",
                             "2026-02-30T00:00:00Z", "2026-11-25T24:00:00Z", "yesterday",
                             "2026-11-25T08:00:00+1:00", "1969-12-31T23:59:59Z"}) {
        EXPECT_FALSE(parseStartTime(text).ok()) << text;
    }
}

TEST(TransactionBuffer, ReplacesPlaceholdersInMemoryAndAfterSpilling) {
    for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{16}}) {
        TransactionBuffer buffer(limit);
        std::vector<std::string> expected;
        for (int i = 0; i < 50; ++i) {
            std::string record = "{\"n\":" + std::to_string(i) + ",\"end\":";
            record.push_back(TransactionBuffer::kEndPosMark);
            record += ",\"ts\":";
            record.push_back(TransactionBuffer::kTimeMark);
            record += ",\"pad\":\"" + std::string(static_cast<std::size_t>(i * 7), 'x') + "\"}";
            ASSERT_TRUE(buffer.add(record).ok());
            expected.push_back("{\"n\":" + std::to_string(i) + ",\"end\":999,\"ts\":42,\"pad\":\"" +
                               std::string(static_cast<std::size_t>(i * 7), 'x') + "\"}");
        }
        EXPECT_EQ(buffer.count(), 50u);
        EXPECT_EQ(buffer.spilled(), limit == 16);
        std::vector<std::string> got;
        ASSERT_TRUE(
            buffer.drain("999", "42", [&](std::string_view r) { got.emplace_back(r); }).ok());
        EXPECT_EQ(got, expected);
        EXPECT_TRUE(buffer.empty());
        // Reusable after a drain, including the spilled path.
        ASSERT_TRUE(buffer.add(std::string(40, 'y')).ok());
        got.clear();
        ASSERT_TRUE(buffer.drain("1", "2", [&](std::string_view r) { got.emplace_back(r); }).ok());
        EXPECT_EQ(got, (std::vector<std::string>{std::string(40, 'y')}));
    }
}

std::string readAll(std::FILE* file) {
    std::rewind(file);
    std::string text;
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, file)) > 0) {
        text.append(buf, n);
    }
    return text;
}

TEST(BinlogDumpFile, MariadbFixtureGivesOneValidObjectPerRowChange) {
    const std::filesystem::path fixture = std::filesystem::path(FERRY_SHARED_DIR) / "fixtures" /
                                          "binlog" / "local__mariadb-10.11-alltypes.000001";
    if (!std::filesystem::exists(fixture)) {
        GTEST_SKIP() << fixture << " is absent";
    }
    for (const std::string memory : {"67108864", "64"}) {
        std::FILE* out = std::tmpfile();
        std::FILE* err = std::tmpfile();
        const int code = runBinlogDump(
            {fixture.string(), "--output", "jsonl", "--max-transaction-memory", memory}, out, err);
        EXPECT_EQ(code, exit_code::kOk) << readAll(err);
        const std::string text = readAll(out);
        std::fclose(out);
        std::fclose(err);
        std::size_t lines = 0;
        std::size_t start = 0;
        while (start < text.size()) {
            const std::size_t end = text.find('\n', start);
            ASSERT_NE(end, std::string::npos) << "every line ends with a newline";
            std::string error;
            auto object = testing::JsonReader::parse(text.substr(start, end - start), &error);
            ASSERT_TRUE(object) << error;
            for (const char* key : {"file", "pos", "end_pos", "gtid", "ts", "db", "table", "type",
                                    "before", "after"}) {
                EXPECT_NE(object->find(key), nullptr) << key;
            }
            const auto pos = std::stoull(object->find("pos")->text);
            const auto endPos = std::stoull(object->find("end_pos")->text);
            EXPECT_LT(pos, endPos);
            ++lines;
            start = end + 1;
        }
        EXPECT_GT(lines, 0u);
    }
}

TEST(BinlogDumpFile, JsonOutputIsOneArrayAndEventsListEveryEvent) {
    const std::filesystem::path fixture = std::filesystem::path(FERRY_SHARED_DIR) / "fixtures" /
                                          "binlog" / "osheroff__mysql-bin.checksum-crc32";
    if (!std::filesystem::exists(fixture)) {
        GTEST_SKIP() << fixture << " is absent";
    }
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    ASSERT_EQ(runBinlogDump({fixture.string(), "--events", "--output", "json"}, out, err),
              exit_code::kOk)
        << readAll(err);
    std::string error;
    auto array = testing::JsonReader::parse(readAll(out), &error);
    std::fclose(out);
    std::fclose(err);
    ASSERT_TRUE(array) << error;
    ASSERT_EQ(array->type, testing::JsonValue::Type::Array);
    EXPECT_EQ(array->array.size(), 303u) << "the fixture's README counts 303 events";
    EXPECT_EQ(array->array.front().find("type")->text, "FORMAT_DESCRIPTION");
    EXPECT_EQ(array->array.front().find("offset")->text, "4");
}

TEST(BinlogDumpFile, MissingFileFailsWithExitOne) {
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    EXPECT_EQ(runBinlogDump({"/nonexistent/ferry-binlog.000001"}, out, err), exit_code::kFailed);
    EXPECT_NE(readAll(err).find("ferry-binlog.000001"), std::string::npos);
    std::fclose(out);
    std::fclose(err);
}

}  // namespace
}  // namespace ferry::ctl
