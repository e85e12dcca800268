// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/cert_command.h"

#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <variant>

#include "ferry/security/certificates.h"
#include "ferry/security/encoding.h"
#include "ferry/security/files.h"
#include "ferry/security/roles.h"
#include "ferry/security/secret_box.h"
#include "ferry/security/token_store.h"
#include "ferry/v1/config.pb.h"

namespace ferry::security {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kDefaultTokensFile = "/etc/ferry/tokens";

constexpr std::string_view kOverview =
    "usage: ferryctl cert <verb> [options]\n"
    "\n"
    "Certificates, tokens and the data key of a Ferry cluster.\n"
    "\n"
    "  ca        create the cluster CA (ca.crt, ca.key)\n"
    "  agent     issue an agent certificate signed by the CA\n"
    "  client    issue a console or ferryctl client certificate carrying a role\n"
    "  token     create a bearer token and add its hash to a tokens file\n"
    "  data-key  create the data key that seals data-source passwords\n"
    "  seal      seal a password (read from stdin) for a data source\n"
    "  show      print what a certificate says\n"
    "  verify    check that a certificate chains to the CA\n"
    "\n"
    "Run 'ferryctl cert <verb> --help' for a verb's options.\n";

struct VerbSpec {
    std::string_view name;
    std::string_view help;
    std::set<std::string_view> single;    // options taking one value
    std::set<std::string_view> repeated;  // options that may repeat
    bool positional = false;              // takes one positional argument
};

const std::map<std::string_view, VerbSpec>& verbs() {
    static const std::map<std::string_view, VerbSpec> table = {
        {"ca",
         {"ca",
          "usage: ferryctl cert ca --dir DIR [--cluster NAME] [--days N]\n"
          "\n"
          "Creates the cluster CA: DIR/ca.crt (the certificate every agent, console and ferryctl\n"
          "trusts) and DIR/ca.key (mode 0600; keep it off the agents, it signs new certificates).\n"
          "DIR is created (mode 0700) when missing. Refuses to overwrite either file.\n"
          "  --cluster NAME  the cluster the CA belongs to (default: default)\n"
          "  --days N        validity in days (default: 3650)\n",
          {"--dir", "--cluster", "--days"},
          {}}},
        {"agent",
         {"agent",
          "usage: ferryctl cert agent --dir DIR --id AGENT_ID --host NAME [--host NAME ...]\n"
          "                           [--ip ADDRESS ...] [--days N]\n"
          "\n"
          "Issues DIR/agent-<id>.crt and DIR/agent-<id>.key (mode 0600), signed by the CA in DIR\n"
          "(ca.crt, ca.key). The certificate serves TLS and authenticates the agent to other\n"
          "agents; its CN is the agent id and its subjectAltName holds every --host and --ip\n"
          "(the names and addresses consoles and agents connect to). Refuses to overwrite.\n"
          "  --days N  validity in days (default: 730)\n",
          {"--dir", "--id", "--days"},
          {"--host", "--ip"}}},
        {"client",
         {"client",
          "usage: ferryctl cert client --dir DIR --name USER --role admin|operator|viewer "
          "[--days N]\n"
          "\n"
          "Issues DIR/client-<user>.crt and DIR/client-<user>.key (mode 0600) for the console or\n"
          "ferryctl, signed by the CA in DIR. The role travels in the subject as\n"
          "OU=ferry-role:<role>. Refuses to overwrite.\n"
          "  --days N  validity in days (default: 365)\n",
          {"--dir", "--name", "--role", "--days"},
          {}}},
        {"token",
         {"token",
          "usage: ferryctl cert token --name USER --role admin|operator|viewer "
          "[--tokens-file PATH]\n"
          "\n"
          "Creates a bearer token, prints it once on stdout, and appends its SHA-256 hash to the\n"
          "tokens file (default /etc/ferry/tokens; created with mode 0600). The agent never\n"
          "stores the token itself: keep the printed value, it cannot be shown again.\n",
          {"--name", "--role", "--tokens-file"},
          {}}},
        {"data-key",
         {"data-key",
          "usage: ferryctl cert data-key --out PATH\n"
          "\n"
          "Creates a data key: 32 random bytes, base64 on one line, mode 0600. Every agent of\n"
          "the cluster needs the same key file ([secrets] data_key_file); it never goes to\n"
          "ZooKeeper. Refuses to overwrite.\n",
          {"--out"},
          {}}},
        {"seal",
         {"seal",
          "usage: ferryctl cert seal --data-key PATH --object ID\n"
          "                          [--password-env NAME | --password-file PATH]\n"
          "\n"
          "Prints a password sealed with the data key, as base64: the value of a data source's\n"
          "sealed password. ID is the data source's id; the sealed value opens only for that id.\n"
          "The password is one line read from stdin (echo off on a terminal), or the value of\n"
          "the environment variable NAME, or the content of PATH (mode 0600; trailing newlines\n"
          "stripped).\n",
          {"--data-key", "--object", "--password-env", "--password-file"},
          {}}},
        {"show",
         {"show",
          "usage: ferryctl cert show FILE\n"
          "\n"
          "Prints the subject, issuer, names, usages, role and validity of a PEM certificate.\n",
          {},
          {},
          true}},
        {"verify",
         {"verify",
          "usage: ferryctl cert verify --ca CA_FILE FILE\n"
          "\n"
          "Checks that the PEM certificate FILE chains to the CA certificate CA_FILE and is\n"
          "valid now.\n",
          {"--ca"},
          {},
          true}},
    };
    return table;
}

struct Options {
    std::map<std::string, std::vector<std::string>> values;
    std::vector<std::string> positional;
    bool help = false;

    std::optional<std::string> get(const std::string& name) const {
        auto it = values.find(name);
        if (it == values.end() || it->second.empty()) {
            return std::nullopt;
        }
        return it->second.back();
    }
    std::vector<std::string> all(const std::string& name) const {
        auto it = values.find(name);
        return it == values.end() ? std::vector<std::string>() : it->second;
    }
};

// A usage error: the message for stderr.
struct UsageError {
    std::string message;
};

std::variant<Options, UsageError> parseOptions(const VerbSpec& spec,
                                               const std::vector<std::string>& args) {
    Options options;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h") {
            options.help = true;
            continue;
        }
        if (!arg.starts_with("--")) {
            if (!spec.positional || !options.positional.empty()) {
                return UsageError{"unexpected argument '" + arg + "'"};
            }
            options.positional.push_back(arg);
            continue;
        }
        std::string name = arg;
        std::optional<std::string> value;
        if (const auto equals = arg.find('='); equals != std::string::npos) {
            name = arg.substr(0, equals);
            value = arg.substr(equals + 1);
        }
        const bool single = spec.single.contains(name);
        if (!single && !spec.repeated.contains(name)) {
            return UsageError{"unknown option " + name};
        }
        if (!value) {
            if (i + 1 >= args.size()) {
                return UsageError{name + " needs a value"};
            }
            value = args[++i];
        }
        if (single && options.values.contains(name)) {
            return UsageError{name + " given twice"};
        }
        options.values[name].push_back(*value);
    }
    return options;
}

class Command {
public:
    Command(const VerbSpec& spec, Options options, std::FILE* in, std::FILE* out, std::FILE* err)
        : m_spec(spec), m_options(std::move(options)), m_in(in), m_out(out), m_err(err) {}

    int run();

private:
    int runCa();
    int runAgent();
    int runClient();
    int runToken();
    int runDataKey();
    int runSeal();
    int runShow();
    int runVerify();

    int usage(const std::string& message) {
        std::fprintf(m_err, "ferryctl cert %s: %s\nRun 'ferryctl cert %s --help' for usage.\n",
                     std::string(m_spec.name).c_str(), message.c_str(),
                     std::string(m_spec.name).c_str());
        return kExitUsage;
    }
    int failed(const std::string& message) {
        std::fprintf(m_err, "ferryctl cert %s: %s\n", std::string(m_spec.name).c_str(),
                     message.c_str());
        return kExitFailed;
    }
    int failed(const Error& error) { return failed(error.message); }

    // The value of a required option, or nullopt after reporting the usage error.
    std::optional<std::string> required(const std::string& name) {
        auto value = m_options.get(name);
        if (!value || value->empty()) {
            usage(name + " is required");
            return std::nullopt;
        }
        return value;
    }
    // --days, or the default. nullopt after a usage error.
    std::optional<int> days(int fallback) {
        const auto text = m_options.get("--days");
        if (!text) {
            return fallback;
        }
        int value = 0;
        const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (error != std::errc() || end != text->data() + text->size() || value < 1 ||
            value > 36500) {
            usage("--days must be a whole number of days, 1..36500");
            return std::nullopt;
        }
        return value;
    }
    std::optional<ferry::v1::Role> role() {
        const auto text = required("--role");
        if (!text) {
            return std::nullopt;
        }
        const auto parsed = parseRole(*text);
        if (!parsed) {
            usage("--role must be admin, operator or viewer, not '" + *text + "'");
        }
        return parsed;
    }

    Status ensureDirectory(const std::string& dir);
    Result<CertificateAuthority> loadCa(const std::string& dir);
    Status checkAbsent(const std::vector<std::string>& paths);
    Status writePair(const CertifiedKey& pair, const std::string& certificatePath,
                     const std::string& keyPath, std::string_view what);

    const VerbSpec& m_spec;
    Options m_options;
    std::FILE* m_in;
    std::FILE* m_out;
    std::FILE* m_err;
};

std::string joinPath(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') {
        return dir + name;
    }
    return dir + "/" + name;
}

bool exists(const std::string& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0;
}

std::string formatTime(std::chrono::system_clock::time_point when) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm broken{};
    gmtime_r(&seconds, &broken);
    char text[32];
    std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &broken);
    return text;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) {
        out += out.empty() ? "" : ", ";
        out += item;
    }
    return out.empty() ? "-" : out;
}

int Command::run() {
    if (m_options.help) {
        std::fputs(std::string(m_spec.help).c_str(), m_out);
        return kExitOk;
    }
    const std::string_view verb = m_spec.name;
    if (verb == "ca") {
        return runCa();
    }
    if (verb == "agent") {
        return runAgent();
    }
    if (verb == "client") {
        return runClient();
    }
    if (verb == "token") {
        return runToken();
    }
    if (verb == "data-key") {
        return runDataKey();
    }
    if (verb == "seal") {
        return runSeal();
    }
    if (verb == "show") {
        return runShow();
    }
    return runVerify();
}

Status Command::ensureDirectory(const std::string& dir) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0) {
        if (!S_ISDIR(info.st_mode)) {
            return makeError(ErrorCode::InvalidArgument, dir + " exists and is not a folder");
        }
        return okStatus();
    }
    if (::mkdir(dir.c_str(), 0700) != 0) {
        return makeError(ErrorCode::Io, "cannot create folder " + dir + ": " +
                                            std::strerror(errno) + " (its parent must exist)");
    }
    std::fprintf(m_err, "created folder %s (mode 0700)\n", dir.c_str());
    return okStatus();
}

Result<CertificateAuthority> Command::loadCa(const std::string& dir) {
    const std::string certificatePath = joinPath(dir, "ca.crt");
    const std::string keyPath = joinPath(dir, "ca.key");
    auto certificate = readPublicFile(certificatePath, "CA certificate");
    if (!certificate.ok()) {
        return makeError(certificate.error().code,
                         certificate.error().message +
                             "; create the CA first with 'ferryctl cert ca --dir " + dir + "'");
    }
    FERRY_ASSIGN_OR_RETURN(SecretString key, readPrivateFile(keyPath, "CA key"));
    auto ca = CertificateAuthority::fromPem(*certificate, key.view());
    if (!ca.ok()) {
        return makeError(ca.error().code,
                         "CA in " + dir + " (ca.crt, ca.key): " + ca.error().message);
    }
    return ca;
}

Status Command::checkAbsent(const std::vector<std::string>& paths) {
    for (const std::string& path : paths) {
        if (exists(path)) {
            return makeError(
                ErrorCode::Conflict,
                "refusing to overwrite " + path + "; move it away first if you mean to replace it");
        }
    }
    return okStatus();
}

Status Command::writePair(const CertifiedKey& pair, const std::string& certificatePath,
                          const std::string& keyPath, std::string_view what) {
    FERRY_TRY(writeNewFile(keyPath, pair.keyPem.view(), 0600, std::string(what) + " key"));
    const Status written = writeNewFile(certificatePath, pair.certificatePem, 0644,
                                        std::string(what) + " certificate");
    if (!written.ok()) {
        ::unlink(keyPath.c_str());  // ours, just made: no key without its certificate
        return written;
    }
    return okStatus();
}

int Command::runCa() {
    const auto dir = required("--dir");
    if (!dir) {
        return kExitUsage;
    }
    const std::string cluster = m_options.get("--cluster").value_or("default");
    const auto validity = days(kCaValidityDays);
    if (!validity) {
        return kExitUsage;
    }
    const std::string certificatePath = joinPath(*dir, "ca.crt");
    const std::string keyPath = joinPath(*dir, "ca.key");
    if (auto status = checkAbsent({certificatePath, keyPath}); !status.ok()) {
        return failed(status.error());
    }
    auto ca = CertificateAuthority::create(cluster, *validity);
    if (!ca.ok()) {
        return failed(ca.error());
    }
    if (auto status = ensureDirectory(*dir); !status.ok()) {
        return failed(status.error());
    }
    CertifiedKey pair{ca->certificatePem(), ca->keyPem().copy()};
    if (auto status = writePair(pair, certificatePath, keyPath, "CA"); !status.ok()) {
        return failed(status.error());
    }
    std::fprintf(m_out,
                 "wrote %s and %s (mode 0600) for cluster %s\n"
                 "Copy ca.crt to every agent and console; keep ca.key where you issue "
                 "certificates, not on the agents.\n",
                 certificatePath.c_str(), keyPath.c_str(), cluster.c_str());
    return kExitOk;
}

int Command::runAgent() {
    const auto dir = required("--dir");
    if (!dir) {
        return kExitUsage;
    }
    const auto id = required("--id");
    if (!id) {
        return kExitUsage;
    }
    AgentCertificateRequest request;
    request.agentId = *id;
    request.dnsNames = m_options.all("--host");
    request.ipAddresses = m_options.all("--ip");
    if (request.dnsNames.empty() && request.ipAddresses.empty()) {
        return usage("give at least one --host (or --ip) that consoles and agents connect to");
    }
    for (const std::string& host : request.dnsNames) {
        if (!validDnsName(host)) {
            return usage("--host '" + host + "' is not a DNS name (use --ip for addresses)");
        }
    }
    for (const std::string& ip : request.ipAddresses) {
        if (!validIpAddress(ip)) {
            return usage("--ip '" + ip + "' is not an IPv4 or IPv6 address");
        }
    }
    const auto validity = days(kAgentValidityDays);
    if (!validity) {
        return kExitUsage;
    }
    request.validityDays = *validity;
    const std::string certificatePath = joinPath(*dir, "agent-" + *id + ".crt");
    const std::string keyPath = joinPath(*dir, "agent-" + *id + ".key");
    if (auto status = checkAbsent({certificatePath, keyPath}); !status.ok()) {
        return failed(status.error());
    }
    auto ca = loadCa(*dir);
    if (!ca.ok()) {
        return failed(ca.error());
    }
    auto pair = ca->issueAgent(request);
    if (!pair.ok()) {
        return failed(pair.error());
    }
    if (auto status = writePair(*pair, certificatePath, keyPath, "agent"); !status.ok()) {
        return failed(status.error());
    }
    std::fprintf(m_out,
                 "wrote %s and %s (mode 0600) for agent %s\n"
                 "Install them with ca.crt on the agent host and point [tls] certificate, key "
                 "and ca in agent.toml at them.\n",
                 certificatePath.c_str(), keyPath.c_str(), id->c_str());
    return kExitOk;
}

int Command::runClient() {
    const auto dir = required("--dir");
    if (!dir) {
        return kExitUsage;
    }
    const auto name = required("--name");
    if (!name) {
        return kExitUsage;
    }
    if (!validTokenName(*name)) {
        return usage("--name '" + *name + "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    const auto granted = role();
    if (!granted) {
        return kExitUsage;
    }
    const auto validity = days(kClientValidityDays);
    if (!validity) {
        return kExitUsage;
    }
    const std::string certificatePath = joinPath(*dir, "client-" + *name + ".crt");
    const std::string keyPath = joinPath(*dir, "client-" + *name + ".key");
    if (auto status = checkAbsent({certificatePath, keyPath}); !status.ok()) {
        return failed(status.error());
    }
    auto ca = loadCa(*dir);
    if (!ca.ok()) {
        return failed(ca.error());
    }
    auto pair = ca->issueClient({*name, *granted, *validity});
    if (!pair.ok()) {
        return failed(pair.error());
    }
    if (auto status = writePair(*pair, certificatePath, keyPath, "client"); !status.ok()) {
        return failed(status.error());
    }
    std::fprintf(m_out, "wrote %s and %s (mode 0600) for %s, role %s\n", certificatePath.c_str(),
                 keyPath.c_str(), name->c_str(), std::string(roleName(*granted)).c_str());
    return kExitOk;
}

int Command::runToken() {
    const auto name = required("--name");
    if (!name) {
        return kExitUsage;
    }
    if (!validTokenName(*name)) {
        return usage("--name '" + *name + "' must be 1..64 of A-Z a-z 0-9 . _ @ -");
    }
    const auto granted = role();
    if (!granted) {
        return kExitUsage;
    }
    const std::string path =
        m_options.get("--tokens-file").value_or(std::string(kDefaultTokensFile));
    auto token = generateToken();
    if (!token.ok()) {
        return failed(token.error());
    }
    if (auto status = appendToken(path, *granted, *name, token->view()); !status.ok()) {
        return failed(status.error());
    }
    std::fprintf(m_out, "%s\n", token->c_str());
    std::fprintf(m_err,
                 "added a %s token for %s to %s; the token above is shown only this once. "
                 "Agents read the tokens file at start.\n",
                 std::string(roleName(*granted)).c_str(), name->c_str(), path.c_str());
    return kExitOk;
}

int Command::runDataKey() {
    const auto path = required("--out");
    if (!path) {
        return kExitUsage;
    }
    auto key = DataKey::generate();
    if (!key.ok()) {
        return failed(key.error());
    }
    if (auto status = writeDataKeyFile(*path, *key); !status.ok()) {
        return failed(status.error());
    }
    std::fprintf(m_out,
                 "wrote data key %s to %s (mode 0600)\n"
                 "Copy it to every agent of the cluster ([secrets] data_key_file); keep a "
                 "backup: sealed passwords cannot be opened without it.\n",
                 key->idHex().c_str(), path->c_str());
    return kExitOk;
}

// Reads one line from `in` into a wiped-on-destruction string; echo off on a terminal.
Result<SecretString> readPassword(std::FILE* in, std::FILE* err) {
    const int fd = ::fileno(in);
    termios saved{};
    const bool terminal = fd >= 0 && ::isatty(fd) && ::tcgetattr(fd, &saved) == 0;
    if (terminal) {
        std::fputs("Password: ", err);
        std::fflush(err);
        termios quiet = saved;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    std::string line;
    line.reserve(256);
    bool tooLong = false;
    for (;;) {
        const int c = std::fgetc(in);
        if (c == EOF || c == '\n') {
            break;
        }
        if (line.size() >= SecretBox::kMaxClearSize) {
            tooLong = true;
            continue;
        }
        line += char(c);
    }
    if (terminal) {
        ::tcsetattr(fd, TCSAFLUSH, &saved);
        std::fputs("\n", err);
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    SecretString password(std::move(line));
    if (tooLong) {
        return makeError(ErrorCode::InvalidArgument, "the password is longer than 64 KiB");
    }
    if (password.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "no password on stdin (one line is read; an empty one is refused)");
    }
    return password;
}

int Command::runSeal() {
    const auto keyPath = required("--data-key");
    if (!keyPath) {
        return kExitUsage;
    }
    const auto object = required("--object");
    if (!object) {
        return kExitUsage;
    }
    const auto passwordEnv = m_options.get("--password-env");
    const auto passwordFile = m_options.get("--password-file");
    if (passwordEnv && passwordFile) {
        return usage("give --password-env or --password-file, not both");
    }
    auto key = loadDataKey(*keyPath);
    if (!key.ok()) {
        return failed(key.error());
    }
    Result<SecretString> password = SecretString();
    if (passwordEnv || passwordFile) {
        ferry::v1::Secret source;
        if (passwordEnv) {
            source.set_env(*passwordEnv);
        } else {
            source.set_file(*passwordFile);
        }
        password = resolveSecret(source, *object, nullptr);
        if (password.ok() && password->empty()) {
            password = makeError(ErrorCode::InvalidArgument, "the password is empty");
        }
    } else {
        password = readPassword(m_in, m_err);
    }
    if (!password.ok()) {
        return failed(password.error());
    }
    const SecretBox box(std::move(key).value());
    auto sealed = box.seal(password->view(), *object);
    if (!sealed.ok()) {
        return failed(sealed.error());
    }
    std::fprintf(m_out, "%s\n", base64Encode(*sealed).c_str());
    return kExitOk;
}

int Command::runShow() {
    if (m_options.positional.empty()) {
        return usage("name the certificate file");
    }
    const std::string& path = m_options.positional.front();
    auto pem = readPublicFile(path, "certificate");
    if (!pem.ok()) {
        return failed(pem.error());
    }
    auto info = describeCertificate(*pem);
    if (!info.ok()) {
        return failed(path + ": " + info.error().message);
    }
    std::string usages;
    usages += info->isCa ? "CA " : "";
    usages += info->serverAuth ? "serverAuth " : "";
    usages += info->clientAuth ? "clientAuth " : "";
    if (!usages.empty()) {
        usages.pop_back();
    }
    auto role = roleFromCertificate(*pem);
    std::fprintf(
        m_out,
        "file:         %s\n"
        "subject:      %s\n"
        "issuer:       %s\n"
        "dns names:    %s\n"
        "ip addresses: %s\n"
        "usage:        %s\n"
        "role:         %s\n"
        "not before:   %s\n"
        "not after:    %s\n"
        "sha256:       %s\n",
        path.c_str(), info->subject.c_str(), info->issuer.c_str(), join(info->dnsNames).c_str(),
        join(info->ipAddresses).c_str(), usages.empty() ? "-" : usages.c_str(),
        role.ok() ? std::string(roleName(*role)).c_str() : "-", formatTime(info->notBefore).c_str(),
        formatTime(info->notAfter).c_str(), info->sha256Fingerprint.c_str());
    return kExitOk;
}

int Command::runVerify() {
    const auto caPath = required("--ca");
    if (!caPath) {
        return kExitUsage;
    }
    if (m_options.positional.empty()) {
        return usage("name the certificate file to verify");
    }
    const std::string& path = m_options.positional.front();
    auto ca = readPublicFile(*caPath, "CA certificate");
    if (!ca.ok()) {
        return failed(ca.error());
    }
    auto pem = readPublicFile(path, "certificate");
    if (!pem.ok()) {
        return failed(pem.error());
    }
    if (auto status = verifyCertificate(*pem, *ca); !status.ok()) {
        return failed(path + ": " + status.error().message);
    }
    std::fprintf(m_out, "%s: OK (chains to %s)\n", path.c_str(), caPath->c_str());
    return kExitOk;
}

}  // namespace

int runCertCommand(const std::vector<std::string>& args, std::FILE* in, std::FILE* out,
                   std::FILE* err) {
    if (args.empty()) {
        std::fputs(std::string(kOverview).c_str(), err);
        return kExitUsage;
    }
    if (args.front() == "--help" || args.front() == "-h" || args.front() == "help") {
        std::fputs(std::string(kOverview).c_str(), out);
        return kExitOk;
    }
    const auto it = verbs().find(args.front());
    if (it == verbs().end()) {
        std::fprintf(err, "ferryctl cert: unknown verb '%s'\n\n%s", args.front().c_str(),
                     std::string(kOverview).c_str());
        return kExitUsage;
    }
    auto parsed = parseOptions(it->second, args);
    if (auto* error = std::get_if<UsageError>(&parsed)) {
        std::fprintf(err, "ferryctl cert %s: %s\nRun 'ferryctl cert %s --help' for usage.\n",
                     args.front().c_str(), error->message.c_str(), args.front().c_str());
        return kExitUsage;
    }
    Command command(it->second, std::get<Options>(std::move(parsed)), in, out, err);
    return command.run();
}

int runCertCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    return runCertCommand(args, stdin, out, err);
}

}  // namespace ferry::security
