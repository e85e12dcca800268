// SPDX-License-Identifier: Apache-2.0
// ferryctl's API commands, run as a process against ferry-fake-agent (a child process on a free
// port): output forms, exit codes, configuration round trips, export/import and conflicts.
#include <gtest/gtest.h>

#include <google/protobuf/util/json_util.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "child_process.h"
#include "ferry/ctl/config_transfer.h"
#include "ferry/ctl/v1/config_export.pb.h"
#include "ferry/v1/service.pb.h"

namespace {

using ferry::harness::Child;
using ferry::harness::Finished;
using ferry::harness::runToEnd;

// A loopback port nothing listens on now (the kernel's pick for an ephemeral bind).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
        port = ntohs(address.sin_port);
    }
    ::close(fd);
    return port;
}

template <typename Message>
Message parseJson(const std::string& text) {
    Message message;
    const auto status = google::protobuf::util::JsonStringToMessage(text, &message);
    EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << text;
    return message;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        out.push_back(line);
    }
    return out;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// Starts a fresh fake cluster per test (every test changes its state).
class FerryctlApiTest : public ::testing::Test {
protected:
    void SetUp() override {
        for (int attempt = 0; attempt < 5 && m_port == 0; ++attempt) {
            const int port = freePort();
            ASSERT_NE(port, 0);
            if (port >= 65534) {
                continue;
            }
            auto fake = std::make_unique<Child>();
            ASSERT_TRUE(fake->start(FERRY_FAKE_AGENT_PATH, {"--port", std::to_string(port)}));
            // Wait until both agents listen (the fake prints a line each), or it gave up.
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            bool listening = false;
            while (std::chrono::steady_clock::now() < deadline) {
                if (fake->out().find("us-agent1 listening") != std::string::npos) {
                    listening = true;
                    break;
                }
                if (fake->err().find("cannot listen") != std::string::npos) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            if (listening) {
                m_fake = std::move(fake);
                m_port = port;
            }
        }
        ASSERT_NE(m_port, 0) << "ferry-fake-agent did not start";
        char dir[] = "/tmp/ferryctl-api-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        m_dir = dir;
    }

    void TearDown() override {
        if (m_fake) {
            m_fake->signal(SIGTERM);
            m_fake->wait();
        }
        if (!m_dir.empty()) {
            const std::string command = "rm -rf '" + m_dir + "'";
            EXPECT_EQ(std::system(command.c_str()), 0);
        }
    }

    std::string agent() const { return "127.0.0.1:" + std::to_string(m_port); }

    // Runs ferryctl with the admin token (unless `token` says otherwise) against the fake.
    Finished ctl(std::vector<std::string> args, const std::string& token = "admin-token",
                 bool plaintext = true) const {
        if (plaintext) {
            args.push_back("--insecure-plaintext");
        }
        return runToEnd(FERRYCTL_PATH, args, {{"FERRY_TOKEN", token}, {"FERRY_AGENT", agent()}});
    }

    ferry::ctl::v1::ConfigExport exportNow() {
        const std::string path = m_dir + "/now.json";
        const Finished exported = ctl({"export", "--file", path});
        EXPECT_EQ(exported.exitCode, 0) << exported.err;
        return parseJson<ferry::ctl::v1::ConfigExport>(readFile(path));
    }

    std::string writeExport(const ferry::ctl::v1::ConfigExport& content, const std::string& name) {
        const std::string path = m_dir + "/" + name;
        auto json = ferry::ctl::exportToJson(content);
        EXPECT_TRUE(json.ok());
        writeFile(path, json.ok() ? *json : std::string());
        return path;
    }

    std::unique_ptr<Child> m_fake;
    int m_port = 0;
    std::string m_dir;
};

TEST_F(FerryctlApiTest, AgentListTableIsAlignedAndJsonIsTheResponse) {
    const Finished table = ctl({"agent", "list"});
    ASSERT_EQ(table.exitCode, 0) << table.err;
    const auto rows = lines(table.out);
    ASSERT_EQ(rows.size(), 3u) << table.out;
    EXPECT_EQ(rows[0].rfind("AGENT", 0), 0u);
    const auto siteColumn = rows[0].find("SITE");
    const auto stateColumn = rows[0].find("STATE");
    for (std::size_t i = 1; i < rows.size(); ++i) {
        EXPECT_EQ(rows[i].substr(siteColumn, 2), i == 1 ? "hz" : "us") << rows[i];
        EXPECT_EQ(rows[i].substr(stateColumn, 6), "online") << rows[i];
    }
    EXPECT_NE(table.out.find("hz-agent1"), std::string::npos);
    EXPECT_NE(table.out.find(agent()), std::string::npos);

    const Finished json = ctl({"agent", "list", "--output", "json"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    const auto response = parseJson<ferry::v1::ListAgentsResponse>(json.out);
    EXPECT_EQ(response.cluster(), "default");
    ASSERT_EQ(response.agents_size(), 2);
    EXPECT_EQ(response.agents(0).agent().id(), "hz-agent1");
    EXPECT_EQ(response.agents(1).agent().site(), "us");

    const Finished jsonl = ctl({"agent", "list", "--output", "jsonl"});
    ASSERT_EQ(jsonl.exitCode, 0) << jsonl.err;
    const auto objects = lines(jsonl.out);
    ASSERT_EQ(objects.size(), 2u);
    EXPECT_EQ(parseJson<ferry::v1::AgentInfo>(objects[1]).agent().id(), "us-agent1");
}

TEST_F(FerryctlApiTest, DatasourceAddShowUpdateRemove) {
    const Finished added = ctl({"datasource", "add", "--id", "hz-db2", "--site", "hz", "--url",
                                "mysql://ferry@hz-db2.example:3306/", "--password-env", "DB_PW"});
    ASSERT_EQ(added.exitCode, 0) << added.err;
    EXPECT_NE(added.out.find("created data source 'hz-db2' (version 1)"), std::string::npos);

    const Finished shown = ctl({"datasource", "show", "hz-db2", "--output", "json"});
    ASSERT_EQ(shown.exitCode, 0) << shown.err;
    const auto object = parseJson<ferry::v1::ConfigObject>(shown.out);
    EXPECT_EQ(object.version(), 1u);
    EXPECT_EQ(object.data_source().site(), "hz");
    EXPECT_EQ(object.data_source().url(), "mysql://ferry@hz-db2.example:3306/");
    EXPECT_EQ(object.data_source().password().env(), "DB_PW");

    // "sealed" is base64 of these bytes; the agent stores what ferryctl decoded.
    const Finished updated =
        ctl({"datasource", "update", "hz-db2", "--sealed-password", "AQIDBA=="});
    ASSERT_EQ(updated.exitCode, 0) << updated.err;
    const auto after = parseJson<ferry::v1::ConfigObject>(
        ctl({"datasource", "show", "hz-db2", "--output", "json"}).out);
    EXPECT_EQ(after.version(), 2u);
    EXPECT_EQ(after.data_source().password().sealed(), std::string("\x01\x02\x03\x04"));

    const Finished table = ctl({"datasource", "list"});
    EXPECT_NE(table.out.find("sealed"), std::string::npos) << table.out;

    const Finished removed = ctl({"datasource", "remove", "hz-db2"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    const Finished gone = ctl({"datasource", "show", "hz-db2"});
    EXPECT_EQ(gone.exitCode, 1);
    EXPECT_NE(gone.err.find("does not exist"), std::string::npos) << gone.err;
}

TEST_F(FerryctlApiTest, ClearPasswordsAreRefused) {
    const Finished inUrl = ctl({"datasource", "add", "--id", "x", "--site", "hz", "--url",
                                "mysql://ferry:secret@x:3306/"});
    EXPECT_EQ(inUrl.exitCode, 2);
    EXPECT_NE(inUrl.err.find("never stores a password in clear"), std::string::npos) << inUrl.err;
    const Finished notSealed = ctl({"datasource", "add", "--id", "x", "--site", "hz", "--url",
                                    "mysql://ferry@x:3306/", "--sealed-password", "not base64!"});
    EXPECT_EQ(notSealed.exitCode, 2);
}

TEST_F(FerryctlApiTest, TwoWayChannelCreatesChannelAndTwoNamedPipelines) {
    const Finished created =
        ctl({"channel", "create", "sales", "--kind", "two-way", "--between", "hz-db,us-db",
             "--tables", "shop.*", "--rename-schema", "shop:shop_us", "--primary-site", "us"});
    ASSERT_EQ(created.exitCode, 0) << created.err;

    const Finished shown = ctl({"channel", "show", "sales", "--output", "json"});
    ASSERT_EQ(shown.exitCode, 0) << shown.err;
    const auto config = parseJson<ferry::v1::ClusterConfig>(shown.out);
    ASSERT_EQ(config.channels_size(), 1);
    const auto& channel = config.channels(0);
    EXPECT_EQ(channel.kind(), ferry::v1::CHANNEL_KIND_TWO_WAY);
    EXPECT_EQ(channel.primary_site(), "us");
    ASSERT_EQ(channel.pipelines_size(), 2);
    // The fake starts with pipelines 1 and 2: the next free ids.
    EXPECT_EQ(channel.pipelines(0), 3u);
    EXPECT_EQ(channel.pipelines(1), 4u);
    ASSERT_EQ(config.pipelines_size(), 2);
    const auto& forward = config.pipelines(0);
    const auto& reverse = config.pipelines(1);
    EXPECT_EQ(forward.name(), "sales:hz->us");
    EXPECT_EQ(forward.source(), "hz-db");
    EXPECT_EQ(forward.target(), "us-db");
    EXPECT_EQ(reverse.name(), "sales:us->hz");
    EXPECT_EQ(reverse.source(), "us-db");
    EXPECT_EQ(reverse.target(), "hz-db");
    ASSERT_EQ(forward.mappings_size(), 1);
    EXPECT_EQ(forward.mappings(0).source().schema(), "shop");
    EXPECT_EQ(forward.mappings(0).source().regex(), ".*");
    EXPECT_EQ(forward.mappings(0).target_schema(), "shop_us");
    ASSERT_EQ(reverse.mappings_size(), 1);
    EXPECT_EQ(reverse.mappings(0).source().schema(), "shop_us");
    EXPECT_EQ(reverse.mappings(0).target_schema(), "shop");
    // DDL replicates from the primary site only.
    EXPECT_EQ(reverse.settings().ddl(), ferry::v1::DDL_MODE_REPLICATE);
    EXPECT_EQ(forward.settings().ddl(), ferry::v1::DDL_MODE_STOP);

    const Finished list = ctl({"pipeline", "list"});
    EXPECT_NE(list.out.find("sales:us->hz"), std::string::npos) << list.out;

    const Finished again =
        ctl({"channel", "create", "sales", "--between", "hz-db,us-db", "--tables", "shop.orders"});
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_NE(again.err.find("already exists"), std::string::npos) << again.err;
    // Nothing of the failed attempt is left behind.
    const auto pipelines = lines(ctl({"pipeline", "list"}).out);
    EXPECT_EQ(pipelines.size(), 5u);

    const Finished removed = ctl({"channel", "remove", "sales", "--yes"});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    EXPECT_EQ(ctl({"channel", "show", "sales"}).exitCode, 1);
    EXPECT_EQ(lines(ctl({"pipeline", "list"}).out).size(), 3u);
}

TEST_F(FerryctlApiTest, PauseAndResumeChangeTheStatus) {
    const auto stateOf = [&](const std::string& id) {
        const Finished status = ctl({"pipeline", "status", id, "--output", "json"});
        EXPECT_EQ(status.exitCode, 0) << status.err;
        const auto response = parseJson<ferry::v1::GetPipelineStatusResponse>(status.out);
        return response.statuses_size() == 1 ? response.statuses(0).state()
                                             : ferry::v1::PIPELINE_STATE_UNSPECIFIED;
    };
    EXPECT_EQ(stateOf("1"), ferry::v1::PIPELINE_STATE_RUNNING);
    const Finished paused = ctl({"pipeline", "pause", "1"});
    ASSERT_EQ(paused.exitCode, 0) << paused.err;
    EXPECT_EQ(stateOf("1"), ferry::v1::PIPELINE_STATE_PAUSED);
    EXPECT_EQ(stateOf("orders:us->hz"), ferry::v1::PIPELINE_STATE_RUNNING);

    const Finished twice = ctl({"pipeline", "pause", "1"});
    EXPECT_EQ(twice.exitCode, 1);
    EXPECT_NE(twice.err.find("is not running"), std::string::npos) << twice.err;

    const Finished plan = ctl({"pipeline", "rewind", "1", "--start-gtid", "0-11-5", "--dry-run"});
    ASSERT_EQ(plan.exitCode, 0) << plan.err;
    EXPECT_NE(plan.out.find("transactions"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("dry run"), std::string::npos) << plan.out;

    const Finished resumed = ctl({"pipeline", "resume", "orders:hz->us"});
    ASSERT_EQ(resumed.exitCode, 0) << resumed.err;
    EXPECT_EQ(stateOf("1"), ferry::v1::PIPELINE_STATE_RUNNING);

    const Finished stopped = ctl({"pipeline", "stop", "2", "--yes"});
    ASSERT_EQ(stopped.exitCode, 0) << stopped.err;
    EXPECT_EQ(stateOf("2"), ferry::v1::PIPELINE_STATE_STOPPED);
}

TEST_F(FerryctlApiTest, WatchPrintsCountUpdates) {
    const Finished watched = ctl({"pipeline", "watch", "2", "--count", "2", "--output", "jsonl"});
    ASSERT_EQ(watched.exitCode, 0) << watched.err;
    const auto updates = lines(watched.out);
    ASSERT_EQ(updates.size(), 2u) << watched.out;
    for (const auto& update : updates) {
        const auto parsed = parseJson<ferry::v1::PipelineStatusUpdate>(update);
        ASSERT_EQ(parsed.statuses_size(), 1);
        EXPECT_EQ(parsed.statuses(0).pipeline_id(), 2u);
    }
}

TEST_F(FerryctlApiTest, RolesAndTokensAreRefusedWithExitFour) {
    const Finished viewerCreate = ctl({"datasource", "add", "--id", "v", "--site", "hz", "--url",
                                       "mysql://u@h:3306/", "--password-env", "P"},
                                      "viewer-token");
    EXPECT_EQ(viewerCreate.exitCode, 4) << viewerCreate.err;
    EXPECT_NE(viewerCreate.err.find("admin"), std::string::npos) << viewerCreate.err;
    EXPECT_EQ(ctl({"datasource", "list"}, "viewer-token").exitCode, 0);

    const Finished viewerPause = ctl({"pipeline", "pause", "1"}, "viewer-token");
    EXPECT_EQ(viewerPause.exitCode, 4) << viewerPause.err;
    EXPECT_EQ(ctl({"pipeline", "pause", "1"}, "operator-token").exitCode, 0);

    const Finished badToken = ctl({"agent", "list"}, "not-a-token");
    EXPECT_EQ(badToken.exitCode, 4);
    EXPECT_NE(badToken.err.find("token"), std::string::npos) << badToken.err;

    const Finished wrongCluster = ctl({"agent", "list", "--cluster", "other"});
    EXPECT_EQ(wrongCluster.exitCode, 4) << wrongCluster.err;
}

TEST_F(FerryctlApiTest, ConflictListOfAQuietCluster) {
    // The fake records no conflicts; this checks the request and both output forms.
    const Finished table = ctl({"conflict", "list", "--pipeline", "1", "--parked"});
    ASSERT_EQ(table.exitCode, 0) << table.err;
    EXPECT_NE(table.out.find("no conflicts"), std::string::npos) << table.out;
    const Finished json = ctl({"conflict", "list", "--output", "json"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    EXPECT_EQ(parseJson<ferry::v1::ListConflictsResponse>(json.out).conflicts_size(), 0);
    EXPECT_EQ(ctl({"conflict", "list", "--pipeline", "no-such"}).exitCode, 1);
}

TEST_F(FerryctlApiTest, NothingListeningIsExitThree) {
    const Finished result =
        ctl({"agent", "list", "--agent", "127.0.0.1:" + std::to_string(freePort())});
    EXPECT_EQ(result.exitCode, 3) << result.err;
    EXPECT_NE(result.err.find("cannot connect"), std::string::npos) << result.err;
}

TEST_F(FerryctlApiTest, UsageErrorsAreExitTwo) {
    const std::vector<std::vector<std::string>> cases = {
        {"agent", "frobnicate"},
        {"pipeline"},
        {"agent", "list", "--output", "xml"},
        {"agent", "list", "--no-such-option"},
        {"agent", "list", "--agent", "no-port"},
        {"agent", "list", "--timeout-ms", "0"},
        {"pipeline", "rewind", "1"},
        {"pipeline", "rewind", "1", "--start-gtid", "0-1-1", "--start-time",
         "2026-11-25T08:00:00Z"},
        {"pipeline", "rewind", "1", "--start-file", "mysql-bin.000001"},
        {"pipeline", "skip", "1"},
        {"pipeline", "stop", "1"},  // no --yes, stdin is not a terminal
        {"pipeline", "pause"},
        {"channel", "create", "c", "--between", "hz-db", "--tables", "shop.*"},
        {"channel", "create", "c", "--between", "hz-db,us-db"},
        {"channel", "create", "c", "--between", "hz-db,us-db", "--tables", "noschema"},
        {"channel", "create", "c", "--between", "hz-db,us-db", "--tables", "shop.*", "--kind",
         "three-way"},
        {"datasource", "add", "--id", "x"},
        {"datasource", "update", "hz-db"},
        {"import"},
    };
    for (const auto& args : cases) {
        const Finished result = ctl(args);
        std::string joined;
        for (const auto& a : args) {
            joined += a + " ";
        }
        EXPECT_EQ(result.exitCode, 2) << joined << "\n" << result.err;
        EXPECT_FALSE(result.err.empty()) << joined;
    }
    const Finished noTrust = ctl({"agent", "list"}, "admin-token", false);
    EXPECT_EQ(noTrust.exitCode, 2);
    EXPECT_NE(noTrust.err.find("--insecure-plaintext"), std::string::npos) << noTrust.err;
    const Finished help = ctl({"channel", "create", "--help"});
    EXPECT_EQ(help.exitCode, 0);
    EXPECT_NE(help.out.find("--between"), std::string::npos);
}

TEST_F(FerryctlApiTest, ExportThenDryRunImportReportsNoChanges) {
    const std::string path = m_dir + "/cluster.json";
    const Finished exported = ctl({"export", "--file", path});
    ASSERT_EQ(exported.exitCode, 0) << exported.err;
    const auto content = parseJson<ferry::ctl::v1::ConfigExport>(readFile(path));
    EXPECT_EQ(content.config().data_sources_size(), 2);
    EXPECT_EQ(content.config().pipelines_size(), 2);
    EXPECT_EQ(content.config().pipelines(0).mappings_size(), 1);
    EXPECT_EQ(content.versions_size(), 7);

    // Stable: a second export is byte for byte the same.
    const Finished stdoutExport = ctl({"export"});
    EXPECT_EQ(stdoutExport.out, readFile(path));

    const Finished imported = ctl({"import", "--file", path, "--dry-run"});
    ASSERT_EQ(imported.exitCode, 0) << imported.err;
    EXPECT_NE(imported.out.find("no changes"), std::string::npos) << imported.out;
    const Finished applied = ctl({"import", "--file", path});
    ASSERT_EQ(applied.exitCode, 0) << applied.err;
    EXPECT_EQ(exportNow().DebugString(), content.DebugString());
}

TEST_F(FerryctlApiTest, ImportOfAnEditedFileUpdatesExactlyThatObject) {
    auto content = exportNow();
    content.mutable_config()->mutable_data_sources(1)->set_url("mysql://ferry@us-db9:3306/");
    const std::string path = writeExport(content, "edited.json");

    const Finished plan = ctl({"import", "--file", path, "--dry-run", "--output", "jsonl"});
    ASSERT_EQ(plan.exitCode, 0) << plan.err;
    const auto changes = lines(plan.out);
    ASSERT_EQ(changes.size(), 1u) << plan.out;
    const auto change = parseJson<ferry::ctl::v1::ImportChange>(changes[0]);
    EXPECT_EQ(change.action(), "update");
    EXPECT_EQ(change.kind(), ferry::v1::CONFIG_KIND_DATA_SOURCE);
    EXPECT_EQ(change.id(), "us-db");
    EXPECT_FALSE(change.stale());

    const Finished applied = ctl({"import", "--file", path});
    ASSERT_EQ(applied.exitCode, 0) << applied.err;
    const auto after = exportNow();
    for (const auto& v : after.versions()) {
        const bool edited = v.kind() == ferry::v1::CONFIG_KIND_DATA_SOURCE && v.id() == "us-db";
        EXPECT_EQ(v.version(), edited ? 2u : 1u) << v.id();
    }
    EXPECT_EQ(after.config().data_sources(1).url(), "mysql://ferry@us-db9:3306/");
    // Detected fields the file did not change are kept.
    EXPECT_EQ(after.config().data_sources(1).server_id(), 21u);

    // A mapping removed from the file stays unless --prune.
    auto pruned = after;
    pruned.mutable_config()->mutable_pipelines(1)->clear_mappings();
    const std::string prunePath = writeExport(pruned, "pruned.json");
    const Finished kept = ctl({"import", "--file", prunePath, "--dry-run"});
    EXPECT_NE(kept.out.find("no changes"), std::string::npos) << kept.out;
    const Finished deleted = ctl({"import", "--file", prunePath, "--prune"});
    ASSERT_EQ(deleted.exitCode, 0) << deleted.err;
    EXPECT_NE(deleted.out.find("p2-shop"), std::string::npos) << deleted.out;
    EXPECT_EQ(exportNow().config().pipelines(1).mappings_size(), 0);
}

TEST_F(FerryctlApiTest, TwoImportsFromOneExportReportAVersionConflict) {
    const auto base = exportNow();
    auto first = base;
    first.mutable_config()->mutable_data_sources(0)->set_url("mysql://ferry@first:3306/");
    auto second = base;
    second.mutable_config()->mutable_data_sources(0)->set_url("mysql://ferry@second:3306/");
    const std::string firstPath = writeExport(first, "first.json");
    const std::string secondPath = writeExport(second, "second.json");

    ASSERT_EQ(ctl({"import", "--file", firstPath}).exitCode, 0);
    const Finished conflict = ctl({"import", "--file", secondPath});
    EXPECT_EQ(conflict.exitCode, 1);
    EXPECT_NE(conflict.err.find("version conflict: data source 'hz-db'"), std::string::npos)
        << conflict.err;
    EXPECT_NE(conflict.err.find("Export again"), std::string::npos) << conflict.err;
    EXPECT_EQ(exportNow().config().data_sources(0).url(), "mysql://ferry@first:3306/");
}

TEST_F(FerryctlApiTest, ImportRefusesUnknownFieldsAndOtherClusters) {
    const std::string unknown = m_dir + "/unknown.json";
    writeFile(unknown, R"({"config": {"cluster": "default", "colour": "blue"}})");
    const Finished refused = ctl({"import", "--file", unknown, "--dry-run"});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_NE(refused.err.find("colour"), std::string::npos) << refused.err;

    const std::string other = m_dir + "/other.json";
    writeFile(other, R"({"config": {"cluster": "elsewhere"}})");
    const Finished wrong = ctl({"import", "--file", other, "--dry-run"});
    EXPECT_EQ(wrong.exitCode, 1);
    EXPECT_NE(wrong.err.find("elsewhere"), std::string::npos) << wrong.err;
}

}  // namespace
