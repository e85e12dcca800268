// SPDX-License-Identifier: Apache-2.0
// Every binlog fixture in FERRY_SHARED_DIR/fixtures/binlog dumps through the real
// `ferryctl binlog dump --output jsonl` with exit code 0 and valid JSON lines (and through
// `--events`). Skips when the folder is absent; when present, the number of fixtures dumped must
// equal the number SHA256SUMS lists.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "ctl_process.h"

namespace ferry::testing {
namespace {

namespace fs = std::filesystem;

TEST(BinlogDumpFixtures, EveryFixtureDumps) {
    const fs::path dir = fs::path(FERRY_SHARED_DIR) / "fixtures" / "binlog";
    if (!fs::is_directory(dir)) {
        GTEST_SKIP() << dir << " is absent";
    }
    std::set<std::string> listed;
    std::ifstream sums(dir / "SHA256SUMS");
    for (std::string line; std::getline(sums, line);) {
        const auto space = line.find("  ");
        if (space != std::string::npos && line.find('/', space) == std::string::npos) {
            listed.insert(line.substr(space + 2));
        }
    }
    ASSERT_FALSE(listed.empty()) << "SHA256SUMS lists the fixtures";
    std::size_t dumped = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || listed.count(name) == 0) {
            continue;
        }
        SCOPED_TRACE(name);
        const ProcessResult rows = runProcess(
            FERRY_CTL_PATH, {"binlog", "dump", "--output", "jsonl", entry.path().string()});
        EXPECT_EQ(rows.exitCode, 0) << rows.err;
        std::string error;
        const auto values = parseJsonLines(rows.out, &error);
        EXPECT_TRUE(error.empty()) << error;
        for (const JsonValue& v : values) {
            ASSERT_EQ(v.type, JsonValue::Type::Object);
            const JsonValue* type = v.find("type");
            ASSERT_NE(type, nullptr);
            EXPECT_TRUE(type->text == "insert" || type->text == "update" || type->text == "delete");
        }
        const ProcessResult events =
            runProcess(FERRY_CTL_PATH,
                       {"binlog", "dump", "--events", "--output", "jsonl", entry.path().string()});
        EXPECT_EQ(events.exitCode, 0) << events.err;
        const auto eventValues = parseJsonLines(events.out, &error);
        EXPECT_TRUE(error.empty()) << error;
        EXPECT_FALSE(eventValues.empty());
        const ProcessResult table =
            runProcess(FERRY_CTL_PATH, {"binlog", "dump", entry.path().string()});
        EXPECT_EQ(table.exitCode, 0) << table.err;
        ++dumped;
    }
    EXPECT_EQ(dumped, listed.size());
}

}  // namespace
}  // namespace ferry::testing
