// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <cstdio>

#include "child_process.h"
#include "ferry/security/cert_command.h"
#include "ferry/security/certificates.h"
#include "ferry/security/encoding.h"
#include "ferry/security/secret_box.h"
#include "ferry/security/token_store.h"
#include "temp_dir.h"

namespace ferry::security {
namespace {

using testing::fileMode;
using testing::readText;
using testing::TempDir;

struct CommandRun {
    int exitCode = -1;
    std::string out;
    std::string err;
};

std::string drain(std::FILE* file) {
    std::string text;
    std::rewind(file);
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
        text.append(buffer, n);
    }
    std::fclose(file);
    return text;
}

CommandRun cert(const std::vector<std::string>& args, const std::string& input = "") {
    std::FILE* in = std::tmpfile();
    std::FILE* out = std::tmpfile();
    std::FILE* err = std::tmpfile();
    CommandRun run;
    if (in == nullptr || out == nullptr || err == nullptr) {
        ADD_FAILURE() << "tmpfile failed";
        return run;
    }
    std::fwrite(input.data(), 1, input.size(), in);
    std::rewind(in);
    run.exitCode = runCertCommand(args, in, out, err);
    std::fclose(in);
    run.out = drain(out);
    run.err = drain(err);
    return run;
}

std::string describe(const CommandRun& run) {
    return "exit " + std::to_string(run.exitCode) + "\nstdout: " + run.out + "\nstderr: " + run.err;
}

TEST(CertCommand, CaAgentAndClientCertificates) {
    TempDir dir;
    const std::string tls = dir.file("tls");
    CommandRun run = cert({"ca", "--dir", tls, "--cluster", "prod"});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(fileMode(tls + "/ca.key"), 0600u);
    EXPECT_EQ(fileMode(tls + "/ca.crt"), 0644u);
    EXPECT_EQ(fileMode(tls), 0700u);
    EXPECT_NE(run.out.find(tls + "/ca.crt"), std::string::npos) << run.out;
    const std::string caPem = readText(tls + "/ca.crt");
    EXPECT_EQ(describeCertificate(caPem)->commonName, "Ferry CA prod");

    run = cert({"agent", "--dir", tls, "--id", "hz-db1", "--host", "db1.example.com", "--host",
                "db1", "--ip", "10.0.0.5", "--ip=::1"});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(fileMode(tls + "/agent-hz-db1.key"), 0600u);
    const std::string agentPem = readText(tls + "/agent-hz-db1.crt");
    EXPECT_TRUE(verifyCertificate(agentPem, caPem).ok());
    auto info = describeCertificate(agentPem);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->commonName, "hz-db1");
    EXPECT_EQ(info->dnsNames, (std::vector<std::string>{"db1.example.com", "db1"}));
    EXPECT_EQ(info->ipAddresses, (std::vector<std::string>{"10.0.0.5", "::1"}));

    run = cert({"client", "--dir", tls, "--name", "alice", "--role", "viewer", "--days", "30"});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(fileMode(tls + "/client-alice.key"), 0600u);
    const std::string clientPem = readText(tls + "/client-alice.crt");
    EXPECT_EQ(roleFromCertificate(std::string_view(clientPem)).valueOr(ferry::v1::ROLE_ADMIN),
              ferry::v1::ROLE_VIEWER);
    EXPECT_TRUE(verifyCertificate(clientPem, caPem).ok());

    run = cert({"show", tls + "/client-alice.crt"});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_NE(run.out.find("role:         viewer"), std::string::npos) << run.out;
    run = cert({"verify", "--ca", tls + "/ca.crt", tls + "/agent-hz-db1.crt"});
    EXPECT_EQ(run.exitCode, 0) << describe(run);

    const auto openssl = ferry::harness::runToEnd(
        "openssl", {"verify", "-CAfile", tls + "/ca.crt", tls + "/agent-hz-db1.crt"});
    EXPECT_EQ(openssl.exitCode, 0) << openssl.out << openssl.err;
}

TEST(CertCommand, RefusesToOverwrite) {
    TempDir dir;
    ASSERT_EQ(cert({"ca", "--dir", dir.path()}).exitCode, 0);
    const std::string caPem = readText(dir.file("ca.crt"));
    CommandRun run = cert({"ca", "--dir", dir.path()});
    EXPECT_EQ(run.exitCode, 1) << describe(run);
    EXPECT_NE(run.err.find("refusing to overwrite " + dir.file("ca.crt")), std::string::npos)
        << run.err;
    EXPECT_EQ(readText(dir.file("ca.crt")), caPem);

    // Only the key left behind: still refused, and the key is kept.
    ::unlink(dir.file("ca.crt").c_str());
    run = cert({"ca", "--dir", dir.path()});
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find(dir.file("ca.key")), std::string::npos) << run.err;
    EXPECT_FALSE(readText(dir.file("ca.key")).empty());

    TempDir second;
    ASSERT_EQ(cert({"ca", "--dir", second.path()}).exitCode, 0);
    const std::vector<std::string> agent = {"agent", "--dir",  second.path(),   "--id",
                                            "a1",    "--host", "a1.example.com"};
    ASSERT_EQ(cert(agent).exitCode, 0);
    run = cert(agent);
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("agent-a1"), std::string::npos) << run.err;

    run = cert({"data-key", "--out", second.file("data.key")});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    run = cert({"data-key", "--out", second.file("data.key")});
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("refusing to overwrite"), std::string::npos) << run.err;
}

TEST(CertCommand, AgentWithoutCaSaysHowToMakeOne) {
    TempDir dir;
    CommandRun run = cert({"agent", "--dir", dir.path(), "--id", "a1", "--host", "a1"});
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find(dir.file("ca.crt")), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("ferryctl cert ca --dir"), std::string::npos) << run.err;

    ASSERT_EQ(cert({"ca", "--dir", dir.path()}).exitCode, 0);
    ::chmod(dir.file("ca.key").c_str(), 0644);
    run = cert({"agent", "--dir", dir.path(), "--id", "a1", "--host", "a1"});
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("chmod 600 " + dir.file("ca.key")), std::string::npos) << run.err;
}

TEST(CertCommand, TokenIsPrintedOnceAndItsHashStored) {
    TempDir dir;
    const std::string tokens = dir.file("tokens");
    CommandRun run =
        cert({"token", "--name", "alice", "--role", "operator", "--tokens-file", tokens});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    ASSERT_TRUE(run.out.starts_with("ferry_")) << run.out;
    const std::string token = run.out.substr(0, run.out.find('\n'));
    EXPECT_EQ(fileMode(tokens), 0600u);
    EXPECT_EQ(readText(tokens).find(token), std::string::npos);
    EXPECT_EQ(run.err.find(token), std::string::npos);

    run = cert({"token", "--name", "bob", "--role", "admin", "--tokens-file", tokens});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    const std::string second = run.out.substr(0, run.out.find('\n'));
    EXPECT_NE(token, second);

    auto store = TokenStore::load(tokens);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto alice = store->authenticate(token);
    ASSERT_TRUE(alice.has_value());
    EXPECT_EQ(alice->name, "alice");
    EXPECT_EQ(alice->role, ferry::v1::ROLE_OPERATOR);
    EXPECT_EQ(store->authenticate(second)->role, ferry::v1::ROLE_ADMIN);
}

TEST(CertCommand, DataKeyAndSeal) {
    TempDir dir;
    const std::string keyPath = dir.file("data.key");
    CommandRun run = cert({"data-key", "--out", keyPath});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(fileMode(keyPath), 0600u);
    auto key = loadDataKey(keyPath);
    ASSERT_TRUE(key.ok()) << key.error().message;
    EXPECT_NE(run.out.find(key->idHex()), std::string::npos) << run.out;

    run = cert({"seal", "--data-key", keyPath, "--object", "hz-db1"}, "s3cret pass\n");
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(run.out.find("s3cret"), std::string::npos);
    const auto sealed = base64Decode(run.out.substr(0, run.out.find('\n')));
    ASSERT_TRUE(sealed.has_value()) << run.out;
    const SecretBox box(std::move(key).value());
    auto opened = box.open(*sealed, "hz-db1");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    EXPECT_EQ(opened->str(), "s3cret pass");
    EXPECT_FALSE(box.open(*sealed, "hz-db2").ok());

    ::setenv("FERRY_TEST_SEAL_PASSWORD", "from env", 1);
    run = cert({"seal", "--data-key", keyPath, "--object", "o1", "--password-env",
                "FERRY_TEST_SEAL_PASSWORD"});
    ::unsetenv("FERRY_TEST_SEAL_PASSWORD");
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(box.open(*base64Decode(run.out.substr(0, run.out.find('\n'))), "o1")->str(),
              "from env");
    run = cert({"seal", "--data-key", keyPath, "--object", "o1", "--password-env",
                "FERRY_TEST_SEAL_PASSWORD"});
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("FERRY_TEST_SEAL_PASSWORD"), std::string::npos) << run.err;
    const std::string passwordFile = dir.write("pw", "from file\n", 0600);
    run = cert({"seal", "--data-key", keyPath, "--object", "o2", "--password-file", passwordFile});
    ASSERT_EQ(run.exitCode, 0) << describe(run);
    EXPECT_EQ(box.open(*base64Decode(run.out.substr(0, run.out.find('\n'))), "o2")->str(),
              "from file");
    run = cert({"seal", "--data-key", keyPath, "--object", "o2", "--password-file", passwordFile,
                "--password-env", "X"});
    EXPECT_EQ(run.exitCode, 2) << describe(run);

    run = cert({"seal", "--data-key", keyPath, "--object", "hz-db1"}, "");
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("no password"), std::string::npos) << run.err;
    ::chmod(keyPath.c_str(), 0640);
    run = cert({"seal", "--data-key", keyPath, "--object", "hz-db1"}, "x\n");
    EXPECT_EQ(run.exitCode, 1);
    EXPECT_NE(run.err.find("chmod 600 " + keyPath), std::string::npos) << run.err;
}

TEST(CertCommand, UsageErrorsExitTwo) {
    TempDir dir;
    const std::string d = dir.path();
    const std::vector<std::vector<std::string>> rows = {
        {},
        {"bogus"},
        {"ca"},
        {"ca", "--dir"},
        {"ca", "--dir", d, "--frob", "1"},
        {"ca", "--dir", d, "--days", "0"},
        {"ca", "--dir", d, "--days", "ten"},
        {"ca", "--dir", d, "--dir", d},
        {"ca", "--dir", d, "extra"},
        {"agent", "--dir", d, "--id", "a1"},
        {"agent", "--dir", d, "--host", "a1"},
        {"agent", "--dir", d, "--id", "a1", "--host", "bad host"},
        {"agent", "--dir", d, "--id", "a1", "--ip", "300.1.1.1"},
        {"client", "--dir", d, "--name", "alice"},
        {"client", "--dir", d, "--name", "alice", "--role", "root"},
        {"client", "--dir", d, "--name", "a b", "--role", "admin"},
        {"token", "--name", "alice"},
        {"token", "--role", "admin"},
        {"data-key"},
        {"seal", "--data-key", d + "/k"},
        {"seal", "--object", "x"},
        {"show"},
        {"verify", "--ca", d + "/ca.crt"},
        {"verify", d + "/x.crt"},
    };
    for (const auto& args : rows) {
        std::string line;
        for (const auto& arg : args) {
            line += " " + arg;
        }
        const CommandRun run = cert(args);
        EXPECT_EQ(run.exitCode, 2) << "ferryctl cert" << line << "\n" << describe(run);
        EXPECT_FALSE(run.err.empty()) << line;
    }
    // Nothing was written by any of them.
    EXPECT_TRUE(std::filesystem::is_empty(d));
}

TEST(CertCommand, EveryVerbHasHelp) {
    for (const char* verb :
         {"ca", "agent", "client", "token", "data-key", "seal", "show", "verify"}) {
        const CommandRun run = cert({verb, "--help"});
        EXPECT_EQ(run.exitCode, 0) << verb;
        EXPECT_TRUE(run.out.starts_with("usage: ferryctl cert " + std::string(verb))) << run.out;
    }
    const CommandRun overview = cert({"--help"});
    EXPECT_EQ(overview.exitCode, 0);
    EXPECT_NE(overview.out.find("data-key"), std::string::npos);
}

}  // namespace
}  // namespace ferry::security
