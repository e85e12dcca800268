// SPDX-License-Identifier: Apache-2.0
// Decodes every real binlog in shared/fixtures/binlog and compares the rendering, line by line,
// with the independent reference decode in expected/<file>.txt.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ferry/binlog/binlog_file_source.h"
#include "ferry/binlog/event_decoder.h"
#include "fixture_renderer.h"

namespace ferry::binlog::test {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtureDir = fs::path(FERRY_SHARED_DIR) / "fixtures" / "binlog";

// Expected lines this decoder does not reproduce, with the reason. Keep it short and honest.
// Key: "<fixture>:<line number>".
const std::map<std::string, std::string> kKnownDifferences = {};

std::vector<std::string> readLines(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        lines.push_back(line);
    }
    while (!lines.empty() && lines.back().empty()) {
        lines.pop_back();
    }
    return lines;
}

struct Outcome {
    std::size_t equal = 0;
    std::size_t total = 0;
};

std::vector<std::string> fixtureNames() {
    std::vector<std::string> names;
    if (!fs::is_directory(kFixtureDir / "expected")) {
        return names;
    }
    for (const auto& entry : fs::directory_iterator(kFixtureDir / "expected")) {
        auto name = entry.path().filename().string();
        if (entry.is_regular_file() && name.size() > 4 &&
            name.compare(name.size() - 4, 4, ".txt") == 0) {
            names.push_back(name.substr(0, name.size() - 4));
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

TEST(BinlogFixtures, EveryFixtureDecodesToItsExpectedText) {
    if (!fs::is_directory(kFixtureDir)) {
        GTEST_SKIP() << "binlog fixtures not found at " << kFixtureDir
                     << " (set FERRY_SHARED_DIR to the shared folder)";
    }
    auto names = fixtureNames();
    ASSERT_EQ(names.size(), 12u) << "expected 12 expected/*.txt files in " << kFixtureDir;

    std::size_t compared = 0;
    std::map<std::string, Outcome> outcomes;
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        fs::path file = kFixtureDir / name;
        ASSERT_TRUE(fs::exists(file)) << file;
        auto expected = readLines(kFixtureDir / "expected" / (name + ".txt"));

        FixtureRenderer renderer;
        renderer.addLine("## " + name + " (" + std::to_string(fs::file_size(file)) + " bytes)");
        auto source = BinlogFileSource::open(file.string());
        ASSERT_TRUE(source.ok()) << source.error().toString();
        EventDecoder decoder;
        auto count = decodeAll(**source, decoder, renderer);
        EXPECT_TRUE(count.ok()) << (count.ok() ? "" : count.error().toString());
        const auto& actual = renderer.lines();

        Outcome& outcome = outcomes[name];
        outcome.total = expected.size();
        bool reported = false;
        for (std::size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
            const std::string exp = i < expected.size() ? expected[i] : "<missing>";
            const std::string act = i < actual.size() ? actual[i] : "<missing>";
            if (exp == act) {
                ++outcome.equal;
                continue;
            }
            if (kKnownDifferences.count(name + ":" + std::to_string(i + 1)) != 0) {
                continue;
            }
            if (!reported) {
                ADD_FAILURE() << name << ": first difference at line " << i + 1
                              << "\n  expected: " << exp << "\n  actual:   " << act;
                reported = true;
            }
        }
        ++compared;
    }
    EXPECT_EQ(compared, names.size());
    for (const auto& [name, outcome] : outcomes) {
        std::printf("%-55s %zu / %zu lines equal\n", name.c_str(), outcome.equal, outcome.total);
    }
}

// The owning projects' event counts (fixtures README), independent of the rendering.
TEST(BinlogFixtures, EventCountsMatchTheOwningProjects) {
    if (!fs::is_directory(kFixtureDir)) {
        GTEST_SKIP() << "binlog fixtures not found at " << kFixtureDir;
    }
    const std::vector<std::pair<std::string, std::uint64_t>> cases = {
        {"osheroff__mysql-bin.checksum-crc32", 303},
        {"osheroff__mysql-bin.checksum-none", 191},
        {"osheroff__mysql-bin.compressed", 5},
        {"canal__parse__mysql-bin.000001", 380},
    };
    for (const auto& [name, events] : cases) {
        SCOPED_TRACE(name);
        auto source = BinlogFileSource::open((kFixtureDir / name).string());
        ASSERT_TRUE(source.ok()) << source.error().toString();
        EventDecoder decoder;
        EventHandler ignore;
        auto count = decodeAll(**source, decoder, ignore);
        ASSERT_TRUE(count.ok()) << count.error().toString();
        EXPECT_EQ(*count, events);
    }
}

}  // namespace
}  // namespace ferry::binlog::test
