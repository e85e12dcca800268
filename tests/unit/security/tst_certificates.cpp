// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "child_process.h"
#include "ferry/security/certificates.h"
#include "ferry/security/roles.h"
#include "temp_dir.h"

namespace ferry::security {
namespace {

using testing::TempDir;

bool contains(const std::vector<std::string>& items, const std::string& item) {
    return std::find(items.begin(), items.end(), item) != items.end();
}

class CertificatesTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto ca = CertificateAuthority::create("test");
        ASSERT_TRUE(ca.ok()) << ca.error().message;
        s_ca = new CertificateAuthority(std::move(ca).value());
        auto other = CertificateAuthority::create("other");
        ASSERT_TRUE(other.ok()) << other.error().message;
        s_otherCa = new CertificateAuthority(std::move(other).value());
    }
    static void TearDownTestSuite() {
        delete s_ca;
        delete s_otherCa;
    }

    static CertifiedKey agent(const CertificateAuthority& ca) {
        AgentCertificateRequest request;
        request.agentId = "hz-db1";
        request.dnsNames = {"db1.hz.example.com", "db1"};
        request.ipAddresses = {"10.0.0.5", "fd00::5"};
        auto issued = ca.issueAgent(request);
        EXPECT_TRUE(issued.ok()) << issued.error().message;
        return issued.ok() ? std::move(issued).value() : CertifiedKey{};
    }

    static CertificateAuthority* s_ca;
    static CertificateAuthority* s_otherCa;
};

CertificateAuthority* CertificatesTest::s_ca = nullptr;
CertificateAuthority* CertificatesTest::s_otherCa = nullptr;

TEST_F(CertificatesTest, CaIsSelfSignedAndTenYears) {
    auto info = describeCertificate(s_ca->certificatePem());
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_TRUE(info->isCa);
    EXPECT_EQ(info->commonName, "Ferry CA test");
    EXPECT_EQ(info->subject, info->issuer);
    const auto days =
        std::chrono::duration_cast<std::chrono::hours>(info->notAfter - info->notBefore).count() /
        24;
    EXPECT_EQ(days, kCaValidityDays);
    EXPECT_TRUE(s_ca->keyPem().str().starts_with("-----BEGIN PRIVATE KEY-----"));
    EXPECT_TRUE(verifyCertificate(s_ca->certificatePem(), s_ca->certificatePem()).ok());
}

TEST_F(CertificatesTest, AgentCertificateNamesAndChains) {
    const CertifiedKey issued = agent(*s_ca);
    auto info = describeCertificate(issued.certificatePem);
    ASSERT_TRUE(info.ok()) << info.error().message;
    EXPECT_EQ(info->commonName, "hz-db1");
    EXPECT_FALSE(info->isCa);
    EXPECT_TRUE(info->serverAuth);
    EXPECT_TRUE(info->clientAuth);
    EXPECT_TRUE(contains(info->dnsNames, "db1.hz.example.com"));
    EXPECT_TRUE(contains(info->dnsNames, "db1"));
    EXPECT_TRUE(contains(info->ipAddresses, "10.0.0.5"));
    EXPECT_TRUE(contains(info->ipAddresses, "fd00::5"));
    EXPECT_EQ(info->issuer, describeCertificate(s_ca->certificatePem())->subject);
    const auto now = std::chrono::system_clock::now();
    EXPECT_LT(info->notBefore, now);
    EXPECT_GT(info->notAfter, now + std::chrono::hours(24 * (kAgentValidityDays - 1)));
    EXPECT_LT(info->notAfter, now + std::chrono::hours(24 * (kAgentValidityDays + 1)));

    auto verified = verifyCertificate(issued.certificatePem, s_ca->certificatePem());
    EXPECT_TRUE(verified.ok()) << verified.error().message;
    auto role = roleFromCertificate(issued.certificatePem);
    ASSERT_FALSE(role.ok());
    EXPECT_EQ(role.error().code, ErrorCode::PermissionDenied);
}

TEST_F(CertificatesTest, ClientCertificatesCarryTheirRole) {
    for (auto role : {ferry::v1::ROLE_ADMIN, ferry::v1::ROLE_OPERATOR, ferry::v1::ROLE_VIEWER}) {
        auto issued = s_ca->issueClient({"alice", role, kClientValidityDays});
        ASSERT_TRUE(issued.ok()) << issued.error().message;
        auto info = describeCertificate(issued->certificatePem);
        ASSERT_TRUE(info.ok());
        EXPECT_EQ(info->commonName, "alice");
        EXPECT_TRUE(
            contains(info->organizationalUnits, "ferry-role:" + std::string(roleName(role))));
        EXPECT_TRUE(info->clientAuth);
        EXPECT_FALSE(info->serverAuth);
        auto read = roleFromCertificate(issued->certificatePem);
        ASSERT_TRUE(read.ok()) << read.error().message;
        EXPECT_EQ(*read, role);
        EXPECT_TRUE(verifyCertificate(issued->certificatePem, s_ca->certificatePem()).ok());
    }
}

TEST_F(CertificatesTest, IdentityOfAgentsAndUsers) {
    auto agentIdentity = identityFromCertificate(agent(*s_ca).certificatePem);
    ASSERT_TRUE(agentIdentity.ok()) << agentIdentity.error().message;
    EXPECT_EQ(agentIdentity->kind, CertificateIdentity::Kind::Agent);
    EXPECT_EQ(agentIdentity->name, "hz-db1");
    EXPECT_EQ(agentIdentity->role, ferry::v1::ROLE_UNSPECIFIED);

    auto client = s_ca->issueClient({"carol", ferry::v1::ROLE_OPERATOR, 30});
    ASSERT_TRUE(client.ok());
    auto userIdentity = identityFromCertificate(client->certificatePem);
    ASSERT_TRUE(userIdentity.ok()) << userIdentity.error().message;
    EXPECT_EQ(userIdentity->kind, CertificateIdentity::Kind::User);
    EXPECT_EQ(userIdentity->name, "carol");
    EXPECT_EQ(userIdentity->role, ferry::v1::ROLE_OPERATOR);

    // The CA certificate is neither: no role, so refused.
    auto caIdentity = identityFromCertificate(s_ca->certificatePem());
    ASSERT_FALSE(caIdentity.ok());
    EXPECT_EQ(caIdentity.error().code, ErrorCode::PermissionDenied);
}

TEST_F(CertificatesTest, AnotherCasCertificateFailsVerification) {
    const CertifiedKey foreign = agent(*s_otherCa);
    auto verified = verifyCertificate(foreign.certificatePem, s_ca->certificatePem());
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error().code, ErrorCode::PermissionDenied);
    EXPECT_NE(verified.error().message.find("CN=hz-db1"), std::string::npos)
        << verified.error().message;
    EXPECT_FALSE(verifyCertificate(s_otherCa->certificatePem(), s_ca->certificatePem()).ok());
    // A leaf is not a CA: nothing chains to it.
    const CertifiedKey leaf = agent(*s_ca);
    auto client = s_ca->issueClient({"bob", ferry::v1::ROLE_VIEWER, 30});
    ASSERT_TRUE(client.ok());
    EXPECT_FALSE(verifyCertificate(client->certificatePem, leaf.certificatePem).ok());
}

TEST_F(CertificatesTest, VerifiesAgainstACaBundle) {
    const std::string bundle = s_otherCa->certificatePem() + s_ca->certificatePem();
    EXPECT_TRUE(verifyCertificate(agent(*s_ca).certificatePem, bundle).ok());
    EXPECT_TRUE(verifyCertificate(agent(*s_otherCa).certificatePem, bundle).ok());
    auto third = CertificateAuthority::create("third");
    ASSERT_TRUE(third.ok());
    EXPECT_FALSE(verifyCertificate(agent(*third).certificatePem, bundle).ok());
}

TEST_F(CertificatesTest, LoadsACaFromPemAndChecksIt) {
    auto loaded = CertificateAuthority::fromPem(s_ca->certificatePem(), s_ca->keyPem().view());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    const CertifiedKey issued = agent(*loaded);
    EXPECT_TRUE(verifyCertificate(issued.certificatePem, s_ca->certificatePem()).ok());

    auto wrongKey =
        CertificateAuthority::fromPem(s_ca->certificatePem(), s_otherCa->keyPem().view());
    ASSERT_FALSE(wrongKey.ok());
    EXPECT_EQ(wrongKey.error().code, ErrorCode::InvalidArgument);
    auto notCa = CertificateAuthority::fromPem(issued.certificatePem, issued.keyPem.view());
    ASSERT_FALSE(notCa.ok());
    EXPECT_NE(notCa.error().message.find("not a CA"), std::string::npos);
    EXPECT_EQ(CertificateAuthority::fromPem("garbage", s_ca->keyPem().view()).error().code,
              ErrorCode::Corrupt);
    EXPECT_EQ(CertificateAuthority::fromPem(s_ca->certificatePem(), "garbage").error().code,
              ErrorCode::Corrupt);
}

TEST_F(CertificatesTest, BadPemIsAnErrorNotACrash) {
    const std::string pem = s_ca->certificatePem();
    const std::string rows[] = {
        "",
        "not pem",
        "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
        pem.substr(0, pem.size() / 2),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    };
    for (const std::string& bad : rows) {
        EXPECT_EQ(describeCertificate(bad).error().code, ErrorCode::Corrupt);
        EXPECT_EQ(roleFromCertificate(std::string_view(bad)).error().code, ErrorCode::Corrupt);
        EXPECT_EQ(verifyCertificate(bad, pem).error().code, ErrorCode::Corrupt);
        EXPECT_EQ(verifyCertificate(pem, bad).error().code, ErrorCode::Corrupt);
    }
}

TEST_F(CertificatesTest, RefusesBadRequests) {
    struct Row {
        const char* name;
        AgentCertificateRequest request;
    };
    const Row rows[] = {
        {"no names", {"hz-db1", {}, {}}},
        {"bad id", {"hz db1", {"db1"}, {}}},
        {"empty id", {"", {"db1"}, {}}},
        {"bad dns", {"hz-db1", {"db1,DNS:evil"}, {}}},
        {"bad ip", {"hz-db1", {}, {"10.0.0.256"}}},
        {"zero days", {"hz-db1", {"db1"}, {}, 0}},
    };
    for (const Row& row : rows) {
        auto issued = s_ca->issueAgent(row.request);
        ASSERT_FALSE(issued.ok()) << row.name;
        EXPECT_EQ(issued.error().code, ErrorCode::InvalidArgument) << row.name;
    }
    EXPECT_FALSE(s_ca->issueClient({"alice", ferry::v1::ROLE_UNSPECIFIED, 10}).ok());
    EXPECT_FALSE(s_ca->issueClient({"al ice", ferry::v1::ROLE_ADMIN, 10}).ok());
    EXPECT_FALSE(CertificateAuthority::create("").ok());
    EXPECT_FALSE(CertificateAuthority::create("a/b").ok());
}

TEST(CertificateNames, DnsAndIpValidation) {
    for (const char* good : {"db1", "db1.hz.example.com", "*.hz.example.com", "a-b.c", "x1"}) {
        EXPECT_TRUE(validDnsName(good)) << good;
    }
    for (const char* bad :
         {"", ".", "a..b", "-a", "a-", "a.-b", "a_b", "a b", "*.", "a.b.", "*a.b", "db1,DNS:x"}) {
        EXPECT_FALSE(validDnsName(bad)) << bad;
    }
    for (const char* good : {"10.0.0.5", "::1", "fd00::5", "2001:db8::1"}) {
        EXPECT_TRUE(validIpAddress(good)) << good;
    }
    for (const char* bad : {"", "10.0.0", "10.0.0.256", "host", "::g"}) {
        EXPECT_FALSE(validIpAddress(bad)) << bad;
    }
}

// The openssl command-line tool, independent of our code, accepts what we issue.
TEST_F(CertificatesTest, OpensslVerifyAcceptsOurCertificates) {
    TempDir dir;
    const std::string ca = dir.write("ca.crt", s_ca->certificatePem(), 0644);
    const std::string agentFile = dir.write("agent.crt", agent(*s_ca).certificatePem, 0644);
    auto client = s_ca->issueClient({"alice", ferry::v1::ROLE_OPERATOR, 30});
    ASSERT_TRUE(client.ok());
    const std::string clientFile = dir.write("client.crt", client->certificatePem, 0644);
    const std::string foreign = dir.write("foreign.crt", agent(*s_otherCa).certificatePem, 0644);

    struct Row {
        std::vector<std::string> args;
        bool accepted;
    };
    const Row rows[] = {
        {{"verify", "-CAfile", ca, agentFile}, true},
        {{"verify", "-CAfile", ca, "-purpose", "sslserver", agentFile}, true},
        {{"verify", "-CAfile", ca, "-purpose", "sslclient", agentFile}, true},
        {{"verify", "-CAfile", ca, "-purpose", "sslclient", clientFile}, true},
        {{"verify", "-CAfile", ca, "-purpose", "sslserver", clientFile}, false},
        {{"verify", "-CAfile", ca, foreign}, false},
        {{"verify", "-CAfile", ca, "-verify_hostname", "db1.hz.example.com", agentFile}, true},
        {{"verify", "-CAfile", ca, "-verify_ip", "10.0.0.5", agentFile}, true},
        {{"verify", "-CAfile", ca, "-verify_hostname", "db2.hz.example.com", agentFile}, false},
    };
    for (const Row& row : rows) {
        const auto result = ferry::harness::runToEnd("openssl", row.args);
        std::string command;
        for (const auto& arg : row.args) {
            command += " " + arg;
        }
        if (row.accepted) {
            EXPECT_EQ(result.exitCode, 0) << command << "\n" << result.out << result.err;
            EXPECT_NE(result.out.find(": OK"), std::string::npos) << command << result.out;
        } else {
            EXPECT_NE(result.exitCode, 0) << command << "\n" << result.out;
        }
    }
    const std::string keyFile = dir.write("agent.key", s_ca->keyPem().str(), 0600);
    const auto key =
        ferry::harness::runToEnd("openssl", {"pkey", "-in", keyFile, "-noout", "-text_pub"});
    EXPECT_EQ(key.exitCode, 0) << key.err;
    EXPECT_NE(key.out.find("prime256v1"), std::string::npos) << key.out;
}

}  // namespace
}  // namespace ferry::security
