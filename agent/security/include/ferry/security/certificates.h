// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/security/secret_string.h"
#include "ferry/v1/wire.pb.h"

typedef struct x509_st X509;

namespace ferry::security {

// The OU prefix that carries a console or ferryctl user's role: "ferry-role:operator".
inline constexpr std::string_view kRoleOuPrefix = "ferry-role:";

inline constexpr int kCaValidityDays = 3650;
inline constexpr int kAgentValidityDays = 730;
inline constexpr int kClientValidityDays = 365;

// A certificate and its private key, both PEM. The key is PKCS#8, EC P-256, unencrypted.
struct CertifiedKey {
    std::string certificatePem;
    SecretString keyPem;
};

// What an agent certificate names.
struct AgentCertificateRequest {
    std::string agentId;                   // the subject CN
    std::vector<std::string> dnsNames;     // subjectAltName DNS entries
    std::vector<std::string> ipAddresses;  // subjectAltName IP entries, IPv4 or IPv6 text
    int validityDays = kAgentValidityDays;
};

// What a console or ferryctl client certificate names.
struct ClientCertificateRequest {
    std::string userName;                                // the subject CN
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;  // the subject OU "ferry-role:<role>"
    int validityDays = kClientValidityDays;
};

// What a certificate says, for checks, logs and `ferryctl cert show`.
struct CertificateInfo {
    std::string subject;  // one line, RFC 2253
    std::string issuer;
    std::string commonName;
    std::vector<std::string> organizationalUnits;
    std::vector<std::string> dnsNames;
    std::vector<std::string> ipAddresses;
    bool isCa = false;
    bool serverAuth = false;
    bool clientAuth = false;
    std::chrono::system_clock::time_point notBefore;
    std::chrono::system_clock::time_point notAfter;
    std::string sha256Fingerprint;  // hex of the DER's SHA-256
};

// A cluster certificate authority: a self-signed EC P-256 certificate (CA:TRUE, pathlen 0,
// keyCertSign + cRLSign, 10 years) and its key. Issues agent and client certificates signed
// with ECDSA-SHA256, random 128-bit serial numbers, validity from one hour back (clock skew).
// Owns copies of its PEM text; const methods are thread-safe.
class CertificateAuthority {
public:
    // A new CA for `clusterName`: subject "CN=Ferry CA <cluster>, O=ferry".
    static Result<CertificateAuthority> create(std::string_view clusterName,
                                               int validityDays = kCaValidityDays);
    // An existing CA. Errors: Corrupt (not PEM), InvalidArgument (not a CA certificate, or the
    // key does not belong to it).
    static Result<CertificateAuthority> fromPem(std::string_view certificatePem,
                                                std::string_view keyPem);

    CertificateAuthority(CertificateAuthority&&) noexcept = default;
    CertificateAuthority& operator=(CertificateAuthority&&) noexcept = default;

    const std::string& certificatePem() const { return m_material.certificatePem; }
    const SecretString& keyPem() const { return m_material.keyPem; }

    // serverAuth + clientAuth, CN = agent id, SANs as given (at least one DNS name or IP).
    Result<CertifiedKey> issueAgent(const AgentCertificateRequest& request) const;
    // clientAuth, CN = user name, OU = "ferry-role:<role>".
    Result<CertifiedKey> issueClient(const ClientCertificateRequest& request) const;

private:
    explicit CertificateAuthority(CertifiedKey material) : m_material(std::move(material)) {}

    CertifiedKey m_material;
};

// Parses a PEM certificate. Errors: Corrupt.
Result<CertificateInfo> describeCertificate(std::string_view certificatePem);

// Whom a verified certificate names: an agent (OU=ferry-agent, CN = agent id) or a console or
// ferryctl user (CN = user name, role from OU=ferry-role:<role>). The server compares `name` with
// the identity the peer's Hello claims.
struct CertificateIdentity {
    enum class Kind { Agent, User };
    Kind kind = Kind::User;
    std::string name;
    ferry::v1::Role role = ferry::v1::ROLE_UNSPECIFIED;  // users only
};

// Errors: Corrupt (bad PEM), PermissionDenied (no CN; a user certificate without exactly one
// known role; a certificate claiming to be both an agent and a user).
Result<CertificateIdentity> identityFromCertificate(std::string_view certificatePem);

// The role a client certificate carries in its subject OU ("ferry-role:operator").
// Errors: PermissionDenied when there is none, several, or an unknown role; Corrupt for bad PEM.
Result<ferry::v1::Role> roleFromCertificate(std::string_view certificatePem);
Result<ferry::v1::Role> roleFromCertificate(X509* certificate);

// Checks that `certificatePem` chains to a CA of `caPem` (one PEM certificate or several: a
// bundle during a CA rotation): signature, validity dates now, CA flags.
// Errors: PermissionDenied with OpenSSL's reason ("certificate CN=x: unable to get local issuer
// certificate"), Corrupt for bad PEM.
Status verifyCertificate(std::string_view certificatePem, std::string_view caPem);

// True when `text` is a usable DNS name for a SAN (letters, digits, '-', '.', a leading "*.").
bool validDnsName(std::string_view text);
// True when `text` is an IPv4 or IPv6 address in text form.
bool validIpAddress(std::string_view text);

}  // namespace ferry::security
