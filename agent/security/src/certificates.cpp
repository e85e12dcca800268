// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/certificates.h"

#include <arpa/inet.h>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "ferry/security/encoding.h"
#include "ferry/security/roles.h"
#include "openssl_handles.h"

namespace ferry::security {
namespace {

using namespace detail;

constexpr long kBackdateSeconds = 3600;
constexpr int kMaxValidityDays = 36500;

int noPassphrase(char*, int, int, void*) {
    return 0;  // keys are unencrypted; never prompt on a terminal
}

Error opensslFailure(std::string_view what) {
    return makeError(ErrorCode::Internal,
                     "OpenSSL failed to " + std::string(what) + ": " + takeOpensslError());
}

BioHandle memoryBio(std::string_view text) {
    return BioHandle(BIO_new_mem_buf(text.data(), int(text.size())));
}

std::string bioText(BIO* bio) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? std::string(data, std::size_t(size)) : std::string();
}

Result<X509Handle> parseCertificate(std::string_view pem) {
    BioHandle bio = memoryBio(pem);
    X509Handle certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, noPassphrase, nullptr)
                               : nullptr);
    if (!certificate) {
        return makeError(ErrorCode::Corrupt, "not a PEM certificate (" + takeOpensslError() + ")");
    }
    return certificate;
}

Result<PkeyHandle> parsePrivateKey(std::string_view pem) {
    BioHandle bio = memoryBio(pem);
    PkeyHandle key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassphrase, nullptr)
                       : nullptr);
    if (!key) {
        return makeError(ErrorCode::Corrupt,
                         "not an unencrypted PEM private key (" + takeOpensslError() + ")");
    }
    return key;
}

Result<std::string> certificateToPem(X509* certificate) {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_X509(bio.get(), certificate) != 1) {
        return opensslFailure("write a certificate as PEM");
    }
    return bioText(bio.get());
}

Result<SecretString> keyToPem(EVP_PKEY* key) {
    // The secure-heap memory BIO clears its buffer when freed.
    BioHandle bio(BIO_new(BIO_s_secmem()));
    if (!bio ||
        PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        return opensslFailure("write a private key as PEM");
    }
    return SecretString(bioText(bio.get()));
}

Result<PkeyHandle> generateKey() {
    PkeyHandle key(EVP_EC_gen("P-256"));
    if (!key) {
        return opensslFailure("generate an EC P-256 key");
    }
    return key;
}

Status addNameEntry(X509_NAME* name, const char* field, std::string_view value) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.data()),
                                   int(value.size()), -1, 0) != 1) {
        return makeError(ErrorCode::InvalidArgument,
                         "cannot put " + std::string(field) + "=" + std::string(value) +
                             " in a certificate name (" + takeOpensslError() + ")");
    }
    return okStatus();
}

Status addExtension(X509* certificate, X509V3_CTX* context, int nid, const char* value) {
    X509ExtensionHandle extension(X509V3_EXT_conf_nid(nullptr, context, nid, value));
    if (!extension || X509_add_ext(certificate, extension.get(), -1) != 1) {
        return opensslFailure(std::string("add the extension ") + OBJ_nid2sn(nid) + " = " + value);
    }
    return okStatus();
}

Status addSubjectAltNames(X509* certificate, const std::vector<std::string>& dnsNames,
                          const std::vector<std::string>& ipAddresses) {
    GeneralNamesHandle names(GENERAL_NAMES_new());
    if (!names) {
        return opensslFailure("allocate subjectAltName");
    }
    for (const std::string& dns : dnsNames) {
        ASN1_IA5STRING* text = ASN1_IA5STRING_new();
        GeneralNameHandle name(GENERAL_NAME_new());
        if (text == nullptr || !name || ASN1_STRING_set(text, dns.data(), int(dns.size())) != 1) {
            ASN1_IA5STRING_free(text);
            return opensslFailure("add DNS name " + dns);
        }
        GENERAL_NAME_set0_value(name.get(), GEN_DNS, text);
        if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
            return opensslFailure("add DNS name " + dns);
        }
        (void)name.release();
    }
    for (const std::string& ip : ipAddresses) {
        ASN1_OCTET_STRING* address = a2i_IPADDRESS(ip.c_str());
        if (address == nullptr) {
            ERR_clear_error();
            return makeError(ErrorCode::InvalidArgument, "'" + ip + "' is not an IP address");
        }
        GeneralNameHandle name(GENERAL_NAME_new());
        if (!name) {
            ASN1_OCTET_STRING_free(address);
            return opensslFailure("add IP address " + ip);
        }
        GENERAL_NAME_set0_value(name.get(), GEN_IPADD, address);
        if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) {
            return opensslFailure("add IP address " + ip);
        }
        (void)name.release();
    }
    if (X509_add1_ext_i2d(certificate, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) !=
        1) {
        return opensslFailure("add subjectAltName");
    }
    return okStatus();
}

// A certificate with version 3, a random serial, validity and public key set; not signed.
Result<X509Handle> newCertificate(EVP_PKEY* publicKey, int validityDays) {
    if (validityDays < 1 || validityDays > kMaxValidityDays) {
        return makeError(ErrorCode::InvalidArgument, "validity of " + std::to_string(validityDays) +
                                                         " days is outside 1.." +
                                                         std::to_string(kMaxValidityDays));
    }
    X509Handle certificate(X509_new());
    if (!certificate || X509_set_version(certificate.get(), X509_VERSION_3) != 1) {
        return opensslFailure("create a certificate");
    }
    std::string serial = randomBytes(16);
    if (serial.size() != 16) {
        return makeError(ErrorCode::Internal, "the random number generator failed");
    }
    serial[0] = char(std::uint8_t(serial[0]) & 0x7f);  // positive
    serial[0] = char(std::uint8_t(serial[0]) | 0x40);  // and 16 bytes long
    BignumHandle number(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                                  int(serial.size()), nullptr));
    if (!number ||
        BN_to_ASN1_INTEGER(number.get(), X509_get_serialNumber(certificate.get())) == nullptr) {
        return opensslFailure("set a serial number");
    }
    if (X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -kBackdateSeconds) == nullptr ||
        X509_time_adj_ex(X509_getm_notAfter(certificate.get()), validityDays, 0, nullptr) ==
            nullptr) {
        return opensslFailure("set the validity dates");
    }
    if (X509_set_pubkey(certificate.get(), publicKey) != 1) {
        return opensslFailure("set the public key");
    }
    return certificate;
}

std::string asn1Text(const ASN1_STRING* value) {
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, value);
    if (length < 0) {
        ERR_clear_error();
        return {};
    }
    std::string out(reinterpret_cast<const char*>(utf8), std::size_t(length));
    OPENSSL_free(utf8);
    return out;
}

std::vector<std::string> nameEntries(const X509_NAME* name, int nid) {
    std::vector<std::string> out;
    int index = -1;
    while ((index = X509_NAME_get_index_by_NID(name, nid, index)) >= 0) {
        const X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
        out.push_back(asn1Text(X509_NAME_ENTRY_get_data(entry)));
    }
    return out;
}

std::string nameLine(const X509_NAME* name) {
    BioHandle bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
        ERR_clear_error();
        return {};
    }
    return bioText(bio.get());
}

std::chrono::system_clock::time_point asn1Time(const ASN1_TIME* time) {
    struct tm broken {};
    if (time == nullptr || ASN1_TIME_to_tm(time, &broken) != 1) {
        ERR_clear_error();
        return {};
    }
    return std::chrono::system_clock::from_time_t(timegm(&broken));
}

std::string subjectForMessages(X509* certificate) {
    const std::vector<std::string> names =
        nameEntries(X509_get_subject_name(certificate), NID_commonName);
    return names.empty() ? std::string("without a CN") : "CN=" + names.front();
}

bool validSimpleName(std::string_view text, std::size_t maxLength) {
    if (text.empty() || text.size() > maxLength) {
        return false;
    }
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool validDnsName(std::string_view text) {
    if (text.substr(0, 2) == "*.") {
        text.remove_prefix(2);
    }
    if (text.empty() || text.size() > 253) {
        return false;
    }
    std::size_t labelLength = 0;
    char previous = '.';
    for (char c : text) {
        if (c == '.') {
            if (labelLength == 0 || previous == '-') {
                return false;
            }
            labelLength = 0;
        } else {
            const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-';
            if (!ok || (c == '-' && labelLength == 0) || ++labelLength > 63) {
                return false;
            }
        }
        previous = c;
    }
    return previous != '.' && previous != '-';
}

bool validIpAddress(std::string_view text) {
    const std::string copy(text);
    unsigned char buffer[16];
    return inet_pton(AF_INET, copy.c_str(), buffer) == 1 ||
           inet_pton(AF_INET6, copy.c_str(), buffer) == 1;
}

Result<CertificateAuthority> CertificateAuthority::create(std::string_view clusterName,
                                                          int validityDays) {
    if (!validSimpleName(clusterName, 64)) {
        return makeError(ErrorCode::InvalidArgument, "cluster name '" + std::string(clusterName) +
                                                         "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    FERRY_ASSIGN_OR_RETURN(PkeyHandle key, generateKey());
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, newCertificate(key.get(), validityDays));
    X509NameHandle name(X509_NAME_new());
    if (!name) {
        return opensslFailure("allocate a name");
    }
    FERRY_TRY(addNameEntry(name.get(), "O", "ferry"));
    FERRY_TRY(addNameEntry(name.get(), "CN", "Ferry CA " + std::string(clusterName)));
    if (X509_set_subject_name(certificate.get(), name.get()) != 1 ||
        X509_set_issuer_name(certificate.get(), name.get()) != 1) {
        return opensslFailure("set the CA's name");
    }
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate.get(), certificate.get(), nullptr, nullptr, 0);
    FERRY_TRY(addExtension(certificate.get(), &context, NID_basic_constraints,
                           "critical,CA:TRUE,pathlen:0"));
    FERRY_TRY(
        addExtension(certificate.get(), &context, NID_key_usage, "critical,keyCertSign,cRLSign"));
    FERRY_TRY(addExtension(certificate.get(), &context, NID_subject_key_identifier, "hash"));
    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0) {
        return opensslFailure("sign the CA certificate");
    }
    CertifiedKey material;
    FERRY_ASSIGN_OR_RETURN(material.certificatePem, certificateToPem(certificate.get()));
    FERRY_ASSIGN_OR_RETURN(material.keyPem, keyToPem(key.get()));
    return CertificateAuthority(std::move(material));
}

Result<CertificateAuthority> CertificateAuthority::fromPem(std::string_view certificatePem,
                                                           std::string_view keyPem) {
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, parseCertificate(certificatePem));
    FERRY_ASSIGN_OR_RETURN(PkeyHandle key, parsePrivateKey(keyPem));
    if (X509_check_ca(certificate.get()) <= 0) {
        return makeError(
            ErrorCode::InvalidArgument,
            "certificate " + subjectForMessages(certificate.get()) + " is not a CA certificate");
    }
    if (X509_check_private_key(certificate.get(), key.get()) != 1) {
        ERR_clear_error();
        return makeError(ErrorCode::InvalidArgument,
                         "the CA key does not belong to the CA certificate " +
                             subjectForMessages(certificate.get()));
    }
    CertifiedKey material;
    material.certificatePem = std::string(certificatePem);
    material.keyPem = SecretString(std::string(keyPem));
    return CertificateAuthority(std::move(material));
}

namespace {

// Signs a leaf certificate for `subject` with the CA; `configure` adds the leaf's extensions.
template <typename Configure>
Result<CertifiedKey> issueLeaf(const CertifiedKey& ca, X509_NAME* subject, int validityDays,
                               Configure&& configure) {
    FERRY_ASSIGN_OR_RETURN(X509Handle caCertificate, parseCertificate(ca.certificatePem));
    FERRY_ASSIGN_OR_RETURN(PkeyHandle caKey, parsePrivateKey(ca.keyPem.view()));
    FERRY_ASSIGN_OR_RETURN(PkeyHandle key, generateKey());
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, newCertificate(key.get(), validityDays));
    if (X509_set_subject_name(certificate.get(), subject) != 1 ||
        X509_set_issuer_name(certificate.get(), X509_get_subject_name(caCertificate.get())) != 1) {
        return opensslFailure("set the certificate's names");
    }
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, caCertificate.get(), certificate.get(), nullptr, nullptr, 0);
    FERRY_TRY(
        addExtension(certificate.get(), &context, NID_basic_constraints, "critical,CA:FALSE"));
    FERRY_TRY(addExtension(certificate.get(), &context, NID_key_usage,
                           "critical,digitalSignature,keyAgreement"));
    FERRY_TRY(addExtension(certificate.get(), &context, NID_subject_key_identifier, "hash"));
    FERRY_TRY(
        addExtension(certificate.get(), &context, NID_authority_key_identifier, "keyid:always"));
    FERRY_TRY(configure(certificate.get(), &context));
    if (X509_sign(certificate.get(), caKey.get(), EVP_sha256()) <= 0) {
        return opensslFailure("sign the certificate");
    }
    CertifiedKey out;
    FERRY_ASSIGN_OR_RETURN(out.certificatePem, certificateToPem(certificate.get()));
    FERRY_ASSIGN_OR_RETURN(out.keyPem, keyToPem(key.get()));
    return out;
}

}  // namespace

Result<CertifiedKey> CertificateAuthority::issueAgent(
    const AgentCertificateRequest& request) const {
    if (!validSimpleName(request.agentId, 64)) {
        return makeError(ErrorCode::InvalidArgument,
                         "agent id '" + request.agentId + "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    if (request.dnsNames.empty() && request.ipAddresses.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "an agent certificate needs at least one host name or IP address that "
                         "consoles and other agents use to reach agent " +
                             request.agentId);
    }
    for (const std::string& dns : request.dnsNames) {
        if (!validDnsName(dns)) {
            return makeError(ErrorCode::InvalidArgument, "'" + dns + "' is not a DNS name");
        }
    }
    for (const std::string& ip : request.ipAddresses) {
        if (!validIpAddress(ip)) {
            return makeError(ErrorCode::InvalidArgument, "'" + ip + "' is not an IP address");
        }
    }
    X509NameHandle subject(X509_NAME_new());
    if (!subject) {
        return opensslFailure("allocate a name");
    }
    FERRY_TRY(addNameEntry(subject.get(), "O", "ferry"));
    FERRY_TRY(addNameEntry(subject.get(), "OU", "ferry-agent"));
    FERRY_TRY(addNameEntry(subject.get(), "CN", request.agentId));
    return issueLeaf(
        m_material, subject.get(), request.validityDays,
        [&](X509* certificate, X509V3_CTX* context) -> Status {
            FERRY_TRY(
                addExtension(certificate, context, NID_ext_key_usage, "serverAuth,clientAuth"));
            return addSubjectAltNames(certificate, request.dnsNames, request.ipAddresses);
        });
}

Result<CertifiedKey> CertificateAuthority::issueClient(
    const ClientCertificateRequest& request) const {
    if (!validSimpleName(request.userName, 64)) {
        return makeError(ErrorCode::InvalidArgument, "user name '" + request.userName +
                                                         "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    if (!parseRole(roleName(request.role))) {
        return makeError(ErrorCode::InvalidArgument,
                         "a client certificate needs the role admin, operator or viewer");
    }
    X509NameHandle subject(X509_NAME_new());
    if (!subject) {
        return opensslFailure("allocate a name");
    }
    FERRY_TRY(addNameEntry(subject.get(), "O", "ferry"));
    FERRY_TRY(addNameEntry(subject.get(), "OU",
                           std::string(kRoleOuPrefix) + std::string(roleName(request.role))));
    FERRY_TRY(addNameEntry(subject.get(), "CN", request.userName));
    return issueLeaf(m_material, subject.get(), request.validityDays,
                     [](X509* certificate, X509V3_CTX* context) -> Status {
                         return addExtension(certificate, context, NID_ext_key_usage, "clientAuth");
                     });
}

Result<CertificateInfo> describeCertificate(std::string_view certificatePem) {
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, parseCertificate(certificatePem));
    X509* x = certificate.get();
    CertificateInfo info;
    info.subject = nameLine(X509_get_subject_name(x));
    info.issuer = nameLine(X509_get_issuer_name(x));
    const std::vector<std::string> commonNames =
        nameEntries(X509_get_subject_name(x), NID_commonName);
    if (!commonNames.empty()) {
        info.commonName = commonNames.front();
    }
    info.organizationalUnits = nameEntries(X509_get_subject_name(x), NID_organizationalUnitName);
    GeneralNamesHandle names(
        static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr)));
    if (names) {
        for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
            const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
            if (name->type == GEN_DNS) {
                const ASN1_IA5STRING* text = name->d.dNSName;
                info.dnsNames.emplace_back(
                    reinterpret_cast<const char*>(ASN1_STRING_get0_data(text)),
                    std::size_t(ASN1_STRING_length(text)));
            } else if (name->type == GEN_IPADD) {
                const ASN1_OCTET_STRING* address = name->d.iPAddress;
                const int length = ASN1_STRING_length(address);
                char text[INET6_ADDRSTRLEN] = {};
                const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : 0;
                if (family != 0 && inet_ntop(family, ASN1_STRING_get0_data(address), text,
                                             sizeof(text)) != nullptr) {
                    info.ipAddresses.emplace_back(text);
                }
            }
        }
    }
    ERR_clear_error();
    info.isCa = X509_check_ca(x) > 0;
    const std::uint32_t extendedUsage = X509_get_extended_key_usage(x);
    info.serverAuth = (extendedUsage & XKU_SSL_SERVER) != 0;
    info.clientAuth = (extendedUsage & XKU_SSL_CLIENT) != 0;
    info.notBefore = asn1Time(X509_get0_notBefore(x));
    info.notAfter = asn1Time(X509_get0_notAfter(x));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digestLength = 0;
    if (X509_digest(x, EVP_sha256(), digest, &digestLength) == 1) {
        info.sha256Fingerprint =
            hexEncode(std::string_view(reinterpret_cast<const char*>(digest), digestLength));
    }
    return info;
}

Result<ferry::v1::Role> roleFromCertificate(X509* certificate) {
    if (certificate == nullptr) {
        return makeError(ErrorCode::PermissionDenied, "no client certificate");
    }
    const std::vector<std::string> units =
        nameEntries(X509_get_subject_name(certificate), NID_organizationalUnitName);
    std::vector<std::string> roles;
    for (const std::string& unit : units) {
        if (unit.starts_with(kRoleOuPrefix)) {
            roles.push_back(unit.substr(kRoleOuPrefix.size()));
        }
    }
    const std::string who = "certificate " + subjectForMessages(certificate);
    if (roles.empty()) {
        return makeError(ErrorCode::PermissionDenied,
                         who +
                             " carries no role (an OU of the form ferry-role:operator); issue "
                             "one with 'ferryctl cert client --role ...'");
    }
    if (roles.size() > 1) {
        return makeError(ErrorCode::PermissionDenied, who + " carries several roles");
    }
    const auto role = parseRole(roles.front());
    if (!role) {
        return makeError(
            ErrorCode::PermissionDenied,
            who + " carries the unknown role '" + roles.front() + "' (admin, operator or viewer)");
    }
    return *role;
}

Result<CertificateIdentity> identityFromCertificate(std::string_view certificatePem) {
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, parseCertificate(certificatePem));
    const X509_NAME* subject = X509_get_subject_name(certificate.get());
    const std::vector<std::string> commonNames = nameEntries(subject, NID_commonName);
    if (commonNames.size() != 1 || commonNames.front().empty()) {
        return makeError(ErrorCode::PermissionDenied,
                         "certificate " + nameLine(subject) + " must have exactly one CN");
    }
    const std::vector<std::string> units = nameEntries(subject, NID_organizationalUnitName);
    const bool agent = std::find(units.begin(), units.end(), "ferry-agent") != units.end();
    const bool user = std::any_of(units.begin(), units.end(), [](const std::string& unit) {
        return unit.starts_with(kRoleOuPrefix);
    });
    CertificateIdentity identity;
    identity.name = commonNames.front();
    if (agent && user) {
        return makeError(ErrorCode::PermissionDenied,
                         "certificate CN=" + identity.name +
                             " claims to be both an agent and a user; issue a new one");
    }
    if (agent) {
        identity.kind = CertificateIdentity::Kind::Agent;
        return identity;
    }
    FERRY_ASSIGN_OR_RETURN(identity.role, roleFromCertificate(certificate.get()));
    return identity;
}

Result<ferry::v1::Role> roleFromCertificate(std::string_view certificatePem) {
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, parseCertificate(certificatePem));
    return roleFromCertificate(certificate.get());
}

Status verifyCertificate(std::string_view certificatePem, std::string_view caPem) {
    FERRY_ASSIGN_OR_RETURN(X509Handle certificate, parseCertificate(certificatePem));
    auto ca = parseCertificate(caPem);
    if (!ca.ok()) {
        return makeError(ErrorCode::Corrupt, "CA certificate: " + ca.error().message);
    }
    X509StoreHandle store(X509_STORE_new());
    X509StoreContextHandle context(X509_STORE_CTX_new());
    if (!store || !context) {
        return opensslFailure("set up certificate verification");
    }
    // Every certificate of the CA file: a bundle holds the old and the new CA during a rotation.
    BioHandle bundle = memoryBio(caPem);
    while (X509* next = PEM_read_bio_X509(bundle.get(), nullptr, noPassphrase, nullptr)) {
        const X509Handle owned(next);
        if (X509_STORE_add_cert(store.get(), next) != 1) {
            return opensslFailure("add a CA certificate to the trust store");
        }
    }
    ERR_clear_error();
    if (X509_STORE_CTX_init(context.get(), store.get(), certificate.get(), nullptr) != 1) {
        return opensslFailure("set up certificate verification");
    }
    X509_STORE_CTX_set_flags(context.get(), X509_V_FLAG_X509_STRICT);
    if (X509_verify_cert(context.get()) != 1) {
        const int error = X509_STORE_CTX_get_error(context.get());
        ERR_clear_error();
        return makeError(ErrorCode::PermissionDenied,
                         "certificate " + subjectForMessages(certificate.get()) +
                             " does not verify against the CA " + subjectForMessages(ca->get()) +
                             ": " + X509_verify_cert_error_string(error));
    }
    return okStatus();
}

}  // namespace ferry::security
