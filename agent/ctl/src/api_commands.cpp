// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/api_commands.h"

#include <QByteArray>

#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "ferry/ctl/api_session.h"
#include "ferry/ctl/arg_list.h"
#include "ferry/ctl/binlog_dump_command.h"
#include "ferry/ctl/channel_builder.h"
#include "ferry/ctl/config_transfer.h"
#include "ferry/ctl/dump_writers.h"
#include "ferry/ctl/text_table.h"
#include "ferry/mysql/database_url.h"

namespace ferry::ctl {

namespace {

using ferry::v1::ConfigObject;
using ferry::v1::Request;
using ferry::v1::Response;

std::string jsonOf(const google::protobuf::Message& message, bool pretty) {
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = pretty;
    options.preserve_proto_field_names = true;
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(message, &json, options).ok()) {
        return "{}";
    }
    while (!json.empty() && json.back() == '\n') {
        json.pop_back();
    }
    return json;
}

std::string enumText(const std::string& name, std::string_view prefix) {
    std::string text = name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
    std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return text == "unspecified" ? "-" : text;
}

std::string stateText(ferry::v1::PipelineState state) {
    return enumText(ferry::v1::PipelineState_Name(state), "PIPELINE_STATE_");
}

std::string join(const std::vector<std::string>& items, const char* separator = ",") {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out.empty() ? "-" : out;
}

template <typename Repeated>
std::string joinIds(const Repeated& ids) {
    std::vector<std::string> items;
    for (const auto& id : ids) {
        if constexpr (std::is_integral_v<std::decay_t<decltype(id)>>) {
            items.push_back(std::to_string(id));
        } else {
            items.push_back(id);
        }
    }
    return join(items);
}

std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string isoTimeMs(std::int64_t unixMs) {
    if (unixMs <= 0) {
        return "-";
    }
    std::string out;
    appendIsoTime(static_cast<std::uint32_t>(unixMs / 1000), out);
    return out;
}

std::string secretText(const ferry::v1::DataSource& ds) {
    if (!ds.has_password()) {
        return "-";
    }
    switch (ds.password().source_case()) {
        case ferry::v1::Secret::kSealed:
            return "sealed";
        case ferry::v1::Secret::kEnv:
            return "env:" + ds.password().env();
        case ferry::v1::Secret::kFile:
            return "file:" + ds.password().file();
        default:
            return "-";
    }
}

std::string tableSetText(const ferry::v1::TableSet& set) {
    std::string tables;
    switch (set.tables_case()) {
        case ferry::v1::TableSet::kExact:
            tables = set.exact();
            break;
        case ferry::v1::TableSet::kShardRange:
            tables = set.shard_range();
            break;
        case ferry::v1::TableSet::kRegex:
            tables = set.regex() == ".*" ? "*" : "re:" + set.regex();
            break;
        default:
            tables = "*";
    }
    return set.schema() + "." + tables;
}

bool parseUnsigned(const std::string& text, std::uint64_t& value) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

// SIGINT during `pipeline watch`: ends the watch cleanly.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void onInterrupt(int) {
    g_interrupted = 1;
}

// One command: its name, its options, its help and what it does.
struct Command;

// What a running command has: its arguments, output, and (once connected) the agent session.
class Context {
public:
    Context(std::string name, ArgList args, OutputFormat format, std::FILE* out, std::FILE* err)
        : m_name(std::move(name)),
          m_args(std::move(args)),
          m_format(format),
          m_out(out),
          m_err(err) {}

    const ArgList& args() const { return m_args; }
    OutputFormat format() const { return m_format; }
    std::FILE* out() const { return m_out; }
    std::FILE* err() const { return m_err; }

    int fail(int code, const std::string& message) const {
        std::fprintf(m_err, "ferryctl %s: %s\n", m_name.c_str(), message.c_str());
        return code;
    }
    int usage(const std::string& message) const {
        std::fprintf(m_err, "ferryctl %s: %s; see 'ferryctl %s --help'\n", m_name.c_str(),
                     message.c_str(), m_name.c_str());
        return exit_code::kUsage;
    }
    void warn(const std::string& message) const {
        std::fprintf(m_err, "ferryctl %s: warning: %s\n", m_name.c_str(), message.c_str());
    }

    // Connects; on failure prints why and returns the exit code (0 when connected).
    int connect() {
        auto endpoint = endpointFromArgs(m_args);
        if (!endpoint.ok()) {
            return usage(endpoint.error().message);
        }
        auto timeout = timeoutFromArgs(m_args);
        if (!timeout.ok()) {
            return usage(timeout.error().message);
        }
        m_session = std::make_unique<ApiSession>(*endpoint, *timeout);
        if (auto connected = m_session->connect(); !connected.ok()) {
            const int code = exitCodeForConnect(connected.error());
            return fail(
                code, code == exit_code::kRefused
                          ? connected.error().message + " (check the token, its role and --cluster)"
                          : connected.error().message);
        }
        return exit_code::kOk;
    }

    Result<Response> call(const Request& request) { return m_session->call(request); }
    ApiSession& session() { return *m_session; }

    // Prints an error of call() and returns its exit code.
    int failed(const Error& error, const std::string& advice = {}) const {
        std::string message = error.message;
        if (error.code == ErrorCode::Conflict) {
            message += advice.empty() ? "; re-run the command: it reads the current version"
                                      : "; " + advice;
        }
        return fail(exitCodeForCall(error), message);
    }

    void printJson(const google::protobuf::Message& message) const {
        std::fprintf(m_out, "%s\n", jsonOf(message, m_format == OutputFormat::Json).c_str());
    }
    void printLine(const std::string& line) const { std::fprintf(m_out, "%s\n", line.c_str()); }

    // Prints a listing: the whole answer for json, one item a line for jsonl, else a table of
    // `header` with one row per item from `row(item)`.
    template <typename Items, typename Row>
    void printList(const google::protobuf::Message& whole, const Items& items,
                   std::vector<std::string> header, Row row) const {
        switch (m_format) {
            case OutputFormat::Json:
                printJson(whole);
                break;
            case OutputFormat::Jsonl:
                for (const auto& item : items) {
                    printJson(item);
                }
                break;
            case OutputFormat::Table: {
                TextTable table(std::move(header));
                for (const auto& item : items) {
                    table.addRow(row(item));
                }
                table.print(m_out);
            }
        }
    }

    // For commands without arguments: checks there are none, connects and sends `request`.
    // Returns 0 with `response` set, else the exit code (the reason printed).
    int callWithoutArguments(const std::string& what, const Request& request, Response& response) {
        if (!m_args.positionals().empty()) {
            return usage(what + " takes no arguments");
        }
        if (int code = connect()) {
            return code;
        }
        auto answer = call(request);
        if (!answer.ok()) {
            return failed(answer.error());
        }
        response = std::move(*answer);
        return exit_code::kOk;
    }

    // Asks before a disruptive action unless --yes. Returns 0 to go on, else the exit code.
    int confirm(const std::string& question) const {
        if (m_args.has("yes")) {
            return exit_code::kOk;
        }
        if (::isatty(STDIN_FILENO) == 0) {
            return usage(question + " needs confirmation: pass --yes");
        }
        std::fprintf(m_err, "%s? [y/N] ", question.c_str());
        std::fflush(m_err);
        char answer[16] = {};
        if (std::fgets(answer, sizeof answer, stdin) == nullptr ||
            (answer[0] != 'y' && answer[0] != 'Y')) {
            return fail(exit_code::kFailed, "not confirmed; nothing changed");
        }
        return exit_code::kOk;
    }

private:
    std::string m_name;
    ArgList m_args;
    OutputFormat m_format;
    std::FILE* m_out;
    std::FILE* m_err;
    std::unique_ptr<ApiSession> m_session;
};

Request listConfigRequest(ferry::v1::ConfigKind kind, std::uint64_t pipelineId = 0) {
    Request request;
    request.mutable_list_config()->set_kind(kind);
    request.mutable_list_config()->set_pipeline_id(pipelineId);
    return request;
}

Request getConfigRequest(ferry::v1::ConfigKind kind, const std::string& id) {
    Request request;
    request.mutable_get_config()->mutable_ref()->set_kind(kind);
    request.mutable_get_config()->mutable_ref()->set_id(id);
    return request;
}

// The one positional argument of a command (an id or a name).
Result<std::string> singlePositional(const Context& ctx, const char* what, bool required = true) {
    const auto& positional = ctx.args().positionals();
    if (positional.size() > 1) {
        return makeError(ErrorCode::InvalidArgument, "expected one " + std::string(what) +
                                                         ", got '" + join(positional, " ") + "'");
    }
    if (positional.empty()) {
        if (required) {
            return makeError(ErrorCode::InvalidArgument, std::string("missing ") + what);
        }
        return std::string();
    }
    return positional.front();
}

// ---- agent, site ------------------------------------------------------------------------------

int agentList(Context& ctx) {
    Request request;
    request.mutable_list_agents();
    Response response;
    if (int code = ctx.callWithoutArguments("agent list", request, response)) {
        return code;
    }
    const auto& list = response.list_agents();
    ctx.printList(list, list.agents(),
                  {"AGENT", "SITE", "ADDRESS", "STATE", "VERSION", "CAPTURE", "APPLY"},
                  [](const ferry::v1::AgentInfo& a) -> std::vector<std::string> {
                      return {a.agent().id(),
                              a.agent().site(),
                              a.agent().address(),
                              enumText(ferry::v1::AgentState_Name(a.state()), "AGENT_STATE_"),
                              a.agent().version().empty() ? "-" : a.agent().version(),
                              joinIds(a.capture_pipelines()),
                              joinIds(a.apply_pipelines())};
                  });
    return exit_code::kOk;
}

int siteList(Context& ctx) {
    Request request;
    request.mutable_list_sites();
    Response response;
    if (int code = ctx.callWithoutArguments("site list", request, response)) {
        return code;
    }
    const auto& list = response.list_sites();
    ctx.printList(list, list.sites(),
                  {"SITE", "DESCRIPTION", "PRIORITY", "HEALTH", "AGENTS", "DATA SOURCES"},
                  [](const ferry::v1::SiteInfo& s) -> std::vector<std::string> {
                      return {s.site().name(),
                              s.site().description().empty() ? "-" : s.site().description(),
                              std::to_string(s.site().priority()),
                              enumText(ferry::v1::SiteHealth_Name(s.health()), "SITE_HEALTH_"),
                              joinIds(s.agents()),
                              joinIds(s.data_sources())};
                  });
    return exit_code::kOk;
}

// ---- datasource -------------------------------------------------------------------------------

void printObjectList(Context& ctx, const ferry::v1::ListConfigResponse& list,
                     const std::function<void(TextTable&, const ConfigObject&)>& row,
                     std::vector<std::string> header) {
    switch (ctx.format()) {
        case OutputFormat::Json:
            ctx.printJson(list);
            break;
        case OutputFormat::Jsonl:
            for (const auto& object : list.objects()) {
                ctx.printJson(object);
            }
            break;
        case OutputFormat::Table: {
            TextTable table(std::move(header));
            for (const auto& object : list.objects()) {
                row(table, object);
            }
            table.print(ctx.out());
        }
    }
}

int datasourceList(Context& ctx) {
    Response response;
    if (int code = ctx.callWithoutArguments(
            "datasource list", listConfigRequest(ferry::v1::CONFIG_KIND_DATA_SOURCE), response)) {
        return code;
    }
    printObjectList(
        ctx, response.list_config(),
        [](TextTable& table, const ConfigObject& o) {
            const auto& ds = o.data_source();
            table.addRow({ds.id(), ds.site(), ds.url(), secretText(ds),
                          enumText(ferry::v1::DatabaseFlavor_Name(ds.flavor()), "DATABASE_FLAVOR_"),
                          ds.version().empty() ? "-" : ds.version(), std::to_string(o.version())});
        },
        {"ID", "SITE", "URL", "PASSWORD", "FLAVOR", "SERVER VERSION", "CONFIG VERSION"});
    return exit_code::kOk;
}

void printFields(Context& ctx, const std::vector<std::pair<std::string, std::string>>& fields) {
    TextTable table({"FIELD", "VALUE"});
    for (const auto& [name, value] : fields) {
        table.addRow({name, value.empty() ? "-" : value});
    }
    table.print(ctx.out());
}

int datasourceShow(Context& ctx) {
    auto id = singlePositional(ctx, "data source id");
    if (!id.ok()) {
        return ctx.usage(id.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    auto response = ctx.call(getConfigRequest(ferry::v1::CONFIG_KIND_DATA_SOURCE, *id));
    if (!response.ok()) {
        return ctx.failed(response.error());
    }
    const auto& object = response->get_config().object();
    if (ctx.format() != OutputFormat::Table) {
        ctx.printJson(object);
        return exit_code::kOk;
    }
    const auto& ds = object.data_source();
    printFields(
        ctx,
        {{"id", ds.id()},
         {"site", ds.site()},
         {"url", ds.url()},
         {"password", secretText(ds)},
         {"ferry schema", ds.ferry_schema().empty() ? "ferry" : ds.ferry_schema()},
         {"replica server id",
          ds.replica_server_id() == 0 ? std::string("-") : std::to_string(ds.replica_server_id())},
         {"flavor", enumText(ferry::v1::DatabaseFlavor_Name(ds.flavor()), "DATABASE_FLAVOR_")},
         {"server version", ds.version()},
         {"server id", ds.server_id() == 0 ? std::string("-") : std::to_string(ds.server_id())},
         {"config version", std::to_string(object.version())}});
    return exit_code::kOk;
}

const char* const kDatasourceFields[] = {"id",
                                         "site",
                                         "url",
                                         "password-env",
                                         "password-file",
                                         "sealed-password",
                                         "ferry-schema",
                                         "replica-server-id"};

// Applies the data-source flags given to `ds`. Errors: InvalidArgument (usage).
Status applyDatasourceFlags(const ArgList& args, ferry::v1::DataSource& ds) {
    if (auto site = args.value("site")) {
        ds.set_site(*site);
    }
    if (auto url = args.value("url")) {
        auto parsed = mysql::DatabaseUrl::parse(*url);
        if (!parsed.ok()) {
            return makeError(ErrorCode::InvalidArgument, "--url: " + parsed.error().message);
        }
        if (parsed->passwordInUrl()) {
            return makeError(ErrorCode::InvalidArgument,
                             "--url carries a password; Ferry never stores a password in clear: "
                             "remove it from the URL and give --password-env, --password-file "
                             "or --sealed-password (ferryctl cert seal)");
        }
        ds.set_url(*url);
    }
    const int secrets = (args.has("password-env") ? 1 : 0) + (args.has("password-file") ? 1 : 0) +
                        (args.has("sealed-password") ? 1 : 0);
    if (secrets > 1) {
        return makeError(ErrorCode::InvalidArgument,
                         "give one of --password-env, --password-file, --sealed-password");
    }
    if (auto env = args.value("password-env")) {
        if (env->empty()) {
            return makeError(ErrorCode::InvalidArgument, "--password-env needs a variable name");
        }
        ds.mutable_password()->set_env(*env);
    }
    if (auto file = args.value("password-file")) {
        if (file->empty()) {
            return makeError(ErrorCode::InvalidArgument, "--password-file needs a path");
        }
        ds.mutable_password()->set_file(*file);
    }
    if (auto sealed = args.value("sealed-password")) {
        auto decoded = QByteArray::fromBase64Encoding(QByteArray::fromStdString(*sealed),
                                                      QByteArray::AbortOnBase64DecodingErrors);
        if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok ||
            decoded.decoded.isEmpty()) {
            return makeError(ErrorCode::InvalidArgument,
                             "--sealed-password is not base64; give the value 'ferryctl cert "
                             "seal' printed");
        }
        ds.mutable_password()->set_sealed(decoded.decoded.toStdString());
    }
    if (auto schema = args.value("ferry-schema")) {
        ds.set_ferry_schema(*schema);
    }
    if (auto serverId = args.value("replica-server-id")) {
        std::uint64_t value = 0;
        if (!parseUnsigned(*serverId, value) || value == 0 || value > 0xFFFFFFFFu) {
            return makeError(ErrorCode::InvalidArgument,
                             "--replica-server-id must be from 1 to 4294967295");
        }
        ds.set_replica_server_id(static_cast<std::uint32_t>(value));
    }
    return okStatus();
}

int printPut(Context& ctx, const ferry::v1::PutConfigResponse& put, const std::string& verb) {
    if (ctx.format() != OutputFormat::Table) {
        ctx.printJson(put.object());
        return exit_code::kOk;
    }
    ctx.printLine(verb + " " + describeKey(configKeyOf(put.object())) + " (version " +
                  std::to_string(put.object().version()) + ")");
    return exit_code::kOk;
}

int datasourceAdd(Context& ctx) {
    const auto& args = ctx.args();
    auto positional = singlePositional(ctx, "data source id", false);
    if (!positional.ok()) {
        return ctx.usage(positional.error().message);
    }
    std::string id = args.valueOr("id", *positional);
    if (!positional->empty() && args.has("id") && *positional != id) {
        return ctx.usage("the id is given twice, differently");
    }
    if (id.empty()) {
        return ctx.usage("missing --id");
    }
    if (!args.has("site") || !args.has("url")) {
        return ctx.usage("datasource add needs --site and --url");
    }
    ConfigObject object;
    object.mutable_data_source()->set_id(id);
    if (auto applied = applyDatasourceFlags(args, *object.mutable_data_source()); !applied.ok()) {
        return ctx.usage(applied.error().message);
    }
    if (!object.data_source().has_password()) {
        ctx.warn(
            "no password given (--password-env, --password-file or --sealed-password): the "
            "agent connects without one");
    }
    if (int code = ctx.connect()) {
        return code;
    }
    Request request;
    *request.mutable_put_config()->mutable_object() = object;
    request.mutable_put_config()->set_validate_only(args.has("dry-run"));
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error(),
                          "the id is taken: choose another, or use 'ferryctl datasource update'");
    }
    return printPut(ctx, response->put_config(),
                    args.has("dry-run") ? "would create (dry run)" : "created");
}

int datasourceUpdate(Context& ctx) {
    const auto& args = ctx.args();
    auto positional = singlePositional(ctx, "data source id", false);
    if (!positional.ok()) {
        return ctx.usage(positional.error().message);
    }
    const std::string id = args.valueOr("id", *positional);
    if (id.empty()) {
        return ctx.usage("missing the data source id");
    }
    ferry::v1::DataSource probe;
    if (auto applied = applyDatasourceFlags(args, probe); !applied.ok()) {
        return ctx.usage(applied.error().message);
    }
    const bool changes = std::any_of(
        std::begin(kDatasourceFields), std::end(kDatasourceFields),
        [&](const char* field) { return std::string(field) != "id" && args.has(field); });
    if (!changes) {
        return ctx.usage(
            "nothing to change: give --site, --url, a password option, "
            "--ferry-schema or --replica-server-id");
    }
    if (int code = ctx.connect()) {
        return code;
    }
    auto current = ctx.call(getConfigRequest(ferry::v1::CONFIG_KIND_DATA_SOURCE, id));
    if (!current.ok()) {
        return ctx.failed(current.error());
    }
    ConfigObject object = current->get_config().object();
    if (args.has("password-env") || args.has("password-file") || args.has("sealed-password")) {
        object.mutable_data_source()->clear_password();
    }
    (void)applyDatasourceFlags(args, *object.mutable_data_source());
    Request request;
    *request.mutable_put_config()->mutable_object() = object;
    request.mutable_put_config()->set_validate_only(args.has("dry-run"));
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error(), "someone changed it while this command ran; re-run it");
    }
    return printPut(ctx, response->put_config(),
                    args.has("dry-run") ? "would update (dry run)" : "updated");
}

int datasourceRemove(Context& ctx) {
    auto id = singlePositional(ctx, "data source id");
    if (!id.ok()) {
        return ctx.usage(id.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    auto current = ctx.call(getConfigRequest(ferry::v1::CONFIG_KIND_DATA_SOURCE, *id));
    if (!current.ok()) {
        return ctx.failed(current.error());
    }
    Request request;
    request.mutable_delete_config()->mutable_ref()->set_kind(ferry::v1::CONFIG_KIND_DATA_SOURCE);
    request.mutable_delete_config()->mutable_ref()->set_id(*id);
    request.mutable_delete_config()->set_version(current->get_config().object().version());
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error(),
                          "someone changed it while this command ran; look at it and re-run");
    }
    if (ctx.format() == OutputFormat::Table) {
        ctx.printLine("removed data source '" + *id + "'");
    } else {
        ctx.printJson(response->delete_config());
    }
    return exit_code::kOk;
}

// ---- channel ----------------------------------------------------------------------------------

int channelList(Context& ctx) {
    Response response;
    if (int code = ctx.callWithoutArguments(
            "channel list", listConfigRequest(ferry::v1::CONFIG_KIND_CHANNEL), response)) {
        return code;
    }
    printObjectList(
        ctx, response.list_config(),
        [](TextTable& table, const ConfigObject& o) {
            const auto& c = o.channel();
            table.addRow({c.id(), enumText(ferry::v1::ChannelKind_Name(c.kind()), "CHANNEL_KIND_"),
                          joinIds(c.pipelines()), c.primary_site().empty() ? "-" : c.primary_site(),
                          c.ddl_from_site().empty() ? "-" : c.ddl_from_site(),
                          enumText(ferry::v1::ConflictPolicyKind_Name(c.conflict_policy().kind()),
                                   "CONFLICT_POLICY_KIND_"),
                          std::to_string(o.version())});
        },
        {"CHANNEL", "KIND", "PIPELINES", "PRIMARY SITE", "DDL FROM", "CONFLICTS", "VERSION"});
    return exit_code::kOk;
}

// The channel, its pipelines and their mappings (as ConfigObjects with versions).
struct ChannelObjects {
    ConfigObject channel;
    std::vector<ConfigObject> pipelines;
    std::vector<ConfigObject> mappings;
};

// Reads a channel and what belongs to it; prints the failure and returns its exit code.
int readChannel(Context& ctx, const std::string& name, ChannelObjects& out) {
    auto channel = ctx.call(getConfigRequest(ferry::v1::CONFIG_KIND_CHANNEL, name));
    if (!channel.ok()) {
        return ctx.failed(channel.error());
    }
    out.channel = channel->get_config().object();
    auto pipelines = ctx.call(listConfigRequest(ferry::v1::CONFIG_KIND_PIPELINE));
    if (!pipelines.ok()) {
        return ctx.failed(pipelines.error());
    }
    std::set<std::uint64_t> ids(out.channel.channel().pipelines().begin(),
                                out.channel.channel().pipelines().end());
    for (const auto& p : pipelines->list_config().objects()) {
        if (p.pipeline().channel() == name || ids.count(p.pipeline().id()) != 0) {
            out.pipelines.push_back(p);
        }
    }
    for (const auto& p : out.pipelines) {
        auto mappings =
            ctx.call(listConfigRequest(ferry::v1::CONFIG_KIND_TABLE_MAPPING, p.pipeline().id()));
        if (!mappings.ok()) {
            return ctx.failed(mappings.error());
        }
        for (const auto& m : mappings->list_config().objects()) {
            out.mappings.push_back(m);
        }
    }
    return exit_code::kOk;
}

int channelShow(Context& ctx) {
    auto name = singlePositional(ctx, "channel name");
    if (!name.ok()) {
        return ctx.usage(name.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ChannelObjects objects;
    if (int code = readChannel(ctx, *name, objects)) {
        return code;
    }
    ConfigSnapshot snapshot;
    const auto keep = [&](const ConfigObject& o) { snapshot.objects[configKeyOf(o)] = o; };
    keep(objects.channel);
    std::for_each(objects.pipelines.begin(), objects.pipelines.end(), keep);
    std::for_each(objects.mappings.begin(), objects.mappings.end(), keep);
    const auto exported = buildExport(snapshot);
    if (ctx.format() != OutputFormat::Table) {
        ctx.printJson(exported.config());
        return exit_code::kOk;
    }
    const auto& c = objects.channel.channel();
    printFields(ctx, {{"channel", c.id()},
                      {"kind", enumText(ferry::v1::ChannelKind_Name(c.kind()), "CHANNEL_KIND_")},
                      {"primary site", c.primary_site()},
                      {"ddl from site", c.ddl_from_site()},
                      {"conflict policy",
                       enumText(ferry::v1::ConflictPolicyKind_Name(c.conflict_policy().kind()),
                                "CONFLICT_POLICY_KIND_")},
                      {"version", std::to_string(objects.channel.version())}});
    std::fprintf(ctx.out(), "\n");
    TextTable table({"PIPELINE", "NAME", "SOURCE", "TARGET", "DDL", "TABLES"});
    for (const auto& p : exported.config().pipelines()) {
        std::vector<std::string> tables;
        for (const auto& m : p.mappings()) {
            std::string text = tableSetText(m.source());
            if (!m.target_schema().empty() && m.target_schema() != m.source().schema()) {
                text += " -> " + m.target_schema() + ".*";
            }
            tables.push_back(text);
        }
        table.addRow({std::to_string(p.id()), p.name(), p.source(), p.target(),
                      enumText(ferry::v1::DdlMode_Name(p.settings().ddl()), "DDL_MODE_"),
                      join(tables, ", ")});
    }
    table.print(ctx.out());
    return exit_code::kOk;
}

int channelCreate(Context& ctx) {
    const auto& args = ctx.args();
    auto name = singlePositional(ctx, "channel name");
    if (!name.ok()) {
        return ctx.usage(name.error().message);
    }
    auto spec = channelSpecFromArgs(*name, args);
    if (!spec.ok()) {
        return ctx.usage(spec.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ChannelInputs inputs;
    for (const auto& id : {spec->source, spec->target}) {
        auto ds = ctx.call(getConfigRequest(ferry::v1::CONFIG_KIND_DATA_SOURCE, id));
        if (!ds.ok()) {
            return ctx.failed(ds.error());
        }
        inputs.dataSources[id] = ds->get_config().object().data_source();
    }
    auto pipelines = ctx.call(listConfigRequest(ferry::v1::CONFIG_KIND_PIPELINE));
    if (!pipelines.ok()) {
        return ctx.failed(pipelines.error());
    }
    for (const auto& p : pipelines->list_config().objects()) {
        inputs.takenPipelineIds.insert(p.pipeline().id());
    }
    auto mappings = ctx.call(listConfigRequest(ferry::v1::CONFIG_KIND_TABLE_MAPPING));
    if (!mappings.ok()) {
        return ctx.failed(mappings.error());
    }
    for (const auto& m : mappings->list_config().objects()) {
        inputs.takenMappingIds.insert(m.table_mapping().id());
    }
    auto objects = buildChannel(*spec, inputs);
    if (!objects.ok()) {
        return ctx.usage(objects.error().message);
    }
    if (args.has("dry-run")) {
        for (const auto& o : *objects) {
            Request request;
            *request.mutable_put_config()->mutable_object() = o;
            request.mutable_put_config()->set_validate_only(true);
            auto response = ctx.call(request);
            if (!response.ok()) {
                return ctx.failed(response.error());
            }
        }
    }
    std::vector<ConfigObject> created;
    const auto rollBack = [&] {
        for (auto it = created.rbegin(); it != created.rend(); ++it) {
            Request request;
            const ConfigKey key = configKeyOf(*it);
            request.mutable_delete_config()->mutable_ref()->set_kind(
                static_cast<ferry::v1::ConfigKind>(key.first));
            request.mutable_delete_config()->mutable_ref()->set_id(key.second);
            request.mutable_delete_config()->set_version(it->version());
            if (!ctx.call(request).ok()) {
                ctx.warn("could not remove " + describeKey(key) +
                         " created by this command; remove it by hand");
            }
        }
    };
    if (!args.has("dry-run")) {
        for (const auto& o : *objects) {
            Request request;
            *request.mutable_put_config()->mutable_object() = o;
            auto response = ctx.call(request);
            if (!response.ok()) {
                const Error error = response.error();
                rollBack();
                if (created.empty()) {
                    return ctx.failed(error,
                                      "the name is taken: choose another, or look at it "
                                      "with 'ferryctl channel show " +
                                          spec->name + "'");
                }
                if (error.code == ErrorCode::Conflict) {
                    return ctx.fail(exit_code::kFailed,
                                    error.message +
                                        "; someone created objects at the same time: "
                                        "nothing was kept, re-run the command");
                }
                return ctx.failed(error);
            }
            created.push_back(response->put_config().object());
        }
    }
    if (ctx.format() != OutputFormat::Table) {
        ferry::v1::ClusterConfig config;
        for (const auto& o : *objects) {
            if (o.has_channel()) {
                *config.add_channels() = o.channel();
            } else if (o.has_pipeline()) {
                *config.add_pipelines() = o.pipeline();
            }
        }
        for (const auto& o : *objects) {
            if (o.has_table_mapping()) {
                for (auto& p : *config.mutable_pipelines()) {
                    if (p.id() == o.pipeline_id()) {
                        *p.add_mappings() = o.table_mapping();
                    }
                }
            }
        }
        ctx.printJson(config);
        return exit_code::kOk;
    }
    const std::string verb = args.has("dry-run") ? "would create (dry run)" : "created";
    for (const auto& o : *objects) {
        if (o.has_channel()) {
            ctx.printLine(
                verb + " channel '" + o.channel().id() + "' (" +
                enumText(ferry::v1::ChannelKind_Name(o.channel().kind()), "CHANNEL_KIND_") + ")");
        } else if (o.has_pipeline()) {
            ctx.printLine(verb + " pipeline " + std::to_string(o.pipeline().id()) + " " +
                          o.pipeline().name() + " (" + o.pipeline().source() + " -> " +
                          o.pipeline().target() + ", stopped)");
        } else if (o.has_table_mapping()) {
            ctx.printLine(verb + " table mapping '" + o.table_mapping().id() + "' " +
                          tableSetText(o.table_mapping().source()) + " of pipeline " +
                          std::to_string(o.pipeline_id()));
        }
    }
    if (!args.has("dry-run")) {
        ctx.printLine("start it with: ferryctl pipeline start ID (for each pipeline)");
    }
    return exit_code::kOk;
}

int channelRemove(Context& ctx) {
    auto name = singlePositional(ctx, "channel name");
    if (!name.ok()) {
        return ctx.usage(name.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ChannelObjects objects;
    if (int code = readChannel(ctx, *name, objects)) {
        return code;
    }
    if (int code = ctx.confirm("remove channel '" + *name + "' with its " +
                               std::to_string(objects.pipelines.size()) + " pipeline(s)")) {
        return code;
    }
    std::vector<ConfigObject> order = objects.mappings;
    order.insert(order.end(), objects.pipelines.begin(), objects.pipelines.end());
    order.push_back(objects.channel);
    for (const auto& o : order) {
        const ConfigKey key = configKeyOf(o);
        Request request;
        request.mutable_delete_config()->mutable_ref()->set_kind(
            static_cast<ferry::v1::ConfigKind>(key.first));
        request.mutable_delete_config()->mutable_ref()->set_id(key.second);
        request.mutable_delete_config()->set_version(o.version());
        auto response = ctx.call(request);
        if (!response.ok()) {
            return ctx.failed(response.error(),
                              "someone changed the channel while this command ran; re-run it");
        }
        if (ctx.format() == OutputFormat::Table) {
            ctx.printLine("removed " + describeKey(key));
        }
    }
    return exit_code::kOk;
}

// ---- pipeline ---------------------------------------------------------------------------------

// A pipeline given by number or by name; prints the failure and returns the exit code.
int resolvePipeline(Context& ctx, const std::string& text, std::uint64_t& id) {
    if (parseUnsigned(text, id) && id != 0) {
        return exit_code::kOk;
    }
    Request request;
    request.mutable_get_pipeline_status();
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error());
    }
    for (const auto& s : response->get_pipeline_status().statuses()) {
        if (s.name() == text) {
            id = s.pipeline_id();
            return exit_code::kOk;
        }
    }
    return ctx.fail(exit_code::kFailed, "no pipeline is named '" + text +
                                            "'; 'ferryctl pipeline list' shows ids and names");
}

int pipelineList(Context& ctx) {
    Response response;
    if (int code = ctx.callWithoutArguments(
            "pipeline list", listConfigRequest(ferry::v1::CONFIG_KIND_PIPELINE), response)) {
        return code;
    }
    Request statusRequest;
    statusRequest.mutable_get_pipeline_status();
    auto statuses = ctx.call(statusRequest);
    std::map<std::uint64_t, ferry::v1::PipelineStatus> byId;
    if (statuses.ok()) {
        for (const auto& s : statuses->get_pipeline_status().statuses()) {
            byId[s.pipeline_id()] = s;
        }
    }
    auto list = response.list_config();
    std::sort(list.mutable_objects()->begin(), list.mutable_objects()->end(),
              [](const auto& a, const auto& b) { return a.pipeline().id() < b.pipeline().id(); });
    printObjectList(ctx, list,
                    [&](TextTable& table, const ConfigObject& o) {
                        const auto& p = o.pipeline();
                        auto it = byId.find(p.id());
                        table.addRow({std::to_string(p.id()), p.name(), p.channel(), p.source(),
                                      p.target(), stateText(p.desired_state()),
                                      it == byId.end() ? "-" : stateText(it->second.state())});
                    },
                    {"ID", "NAME", "CHANNEL", "SOURCE", "TARGET", "DESIRED", "STATE"});
    return exit_code::kOk;
}

std::string positionText(const ferry::v1::PipelineStatus& s) {
    if (s.position().file().empty()) {
        return "-";
    }
    return s.position().file() + ":" + std::to_string(s.position().pos());
}

std::vector<std::string> statusRow(const ferry::v1::PipelineStatus& s) {
    std::string error = s.last_error().message();
    if (!s.last_error().transaction().empty()) {
        error += " (at " + s.last_error().transaction() + ")";
    }
    return {std::to_string(s.pipeline_id()),
            s.name(),
            stateText(s.state()),
            stateText(s.desired_state()),
            fixed(s.lag_seconds(), 2),
            fixed(s.rows_per_second(), 0),
            positionText(s),
            error.empty() ? "-" : error};
}

const std::vector<std::string> kStatusHeader = {"ID",  "NAME",   "STATE",    "DESIRED",
                                                "LAG", "ROWS/S", "POSITION", "ERROR"};

int pipelineStatus(Context& ctx) {
    auto which = singlePositional(ctx, "pipeline", false);
    if (!which.ok()) {
        return ctx.usage(which.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    Request request;
    if (!which->empty()) {
        std::uint64_t id = 0;
        if (int code = resolvePipeline(ctx, *which, id)) {
            return code;
        }
        request.mutable_get_pipeline_status()->add_pipeline_ids(id);
    } else {
        request.mutable_get_pipeline_status();
    }
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error());
    }
    const auto& statuses = response->get_pipeline_status();
    if (!which->empty() && statuses.statuses_size() == 0) {
        return ctx.fail(exit_code::kFailed, "pipeline " + *which + " does not exist");
    }
    switch (ctx.format()) {
        case OutputFormat::Json:
            ctx.printJson(statuses);
            break;
        case OutputFormat::Jsonl:
            for (const auto& s : statuses.statuses()) {
                ctx.printJson(s);
            }
            break;
        case OutputFormat::Table: {
            TextTable table(kStatusHeader);
            for (const auto& s : statuses.statuses()) {
                table.addRow(statusRow(s));
            }
            table.print(ctx.out());
            for (const auto& s : statuses.statuses()) {
                if (!s.last_error().hint().empty()) {
                    ctx.printLine("pipeline " + std::to_string(s.pipeline_id()) +
                                  ": hint: " + s.last_error().hint());
                }
            }
        }
    }
    return exit_code::kOk;
}

// --start-file/--start-pos, --start-gtid, --start-time (CONVENTIONS.md). Returns nullopt when
// none is given. Errors: InvalidArgument.
Result<std::optional<ferry::v1::StartPosition>> startPositionFromArgs(const ArgList& args) {
    const bool file = args.has("start-file") || args.has("start-pos");
    const int given =
        (file ? 1 : 0) + (args.has("start-gtid") ? 1 : 0) + (args.has("start-time") ? 1 : 0);
    if (given == 0) {
        return std::optional<ferry::v1::StartPosition>();
    }
    if (given > 1) {
        return makeError(ErrorCode::InvalidArgument,
                         "give one start: --start-file/--start-pos, --start-gtid or --start-time");
    }
    ferry::v1::StartPosition start;
    if (file) {
        if (!args.has("start-file") || !args.has("start-pos")) {
            return makeError(ErrorCode::InvalidArgument,
                             "--start-file and --start-pos go together");
        }
        std::uint64_t pos = 0;
        if (!parseUnsigned(*args.value("start-pos"), pos) || pos < 4) {
            return makeError(ErrorCode::InvalidArgument,
                             "--start-pos must be a byte offset of 4 or more");
        }
        start.mutable_file_position()->set_file(*args.value("start-file"));
        start.mutable_file_position()->set_pos(pos);
    } else if (auto gtid = args.value("start-gtid")) {
        if (gtid->empty()) {
            return makeError(ErrorCode::InvalidArgument, "--start-gtid needs a GTID set");
        }
        start.set_gtid_set(*gtid);
    } else {
        auto seconds = parseStartTime(*args.value("start-time"));
        if (!seconds.ok()) {
            return makeError(ErrorCode::InvalidArgument,
                             "--start-time: " + seconds.error().message);
        }
        start.set_time_unix_ms(static_cast<std::int64_t>(*seconds) * 1000);
    }
    return std::optional<ferry::v1::StartPosition>(start);
}

std::string startText(const ferry::v1::StartPosition& start) {
    switch (start.position_case()) {
        case ferry::v1::StartPosition::kFilePosition:
            return start.file_position().file() + ":" + std::to_string(start.file_position().pos());
        case ferry::v1::StartPosition::kGtidSet:
            return "GTID " + start.gtid_set();
        case ferry::v1::StartPosition::kTimeUnixMs:
            return isoTimeMs(start.time_unix_ms());
        default:
            return "-";
    }
}

void printRewindPlan(Context& ctx, const ferry::v1::RewindPlan& plan, bool dryRun) {
    printFields(ctx, {{"from", startText(plan.from())},
                      {"from position", plan.from_position().file() + ":" +
                                            std::to_string(plan.from_position().pos())},
                      {"to position",
                       plan.to_position().file() + ":" + std::to_string(plan.to_position().pos())},
                      {"transactions", std::to_string(plan.transactions())},
                      {"rows", std::to_string(plan.rows())},
                      {"bytes", std::to_string(plan.bytes())}});
    if (plan.tables_size() > 0) {
        std::fprintf(ctx.out(), "\n");
        TextTable table({"TABLE", "INSERTS", "UPDATES", "DELETES"});
        for (const auto& t : plan.tables()) {
            table.addRow({t.schema() + "." + t.table(), std::to_string(t.inserts()),
                          std::to_string(t.updates()), std::to_string(t.deletes())});
        }
        table.print(ctx.out());
    }
    for (const auto& warning : plan.warnings()) {
        ctx.printLine("warning: " + warning);
    }
    if (dryRun) {
        ctx.printLine("dry run: nothing changed; run again without --dry-run to rewind");
    }
}

int pipelineAction(Context& ctx, ferry::v1::PipelineAction action) {
    const auto& args = ctx.args();
    auto which = singlePositional(ctx, "pipeline id");
    if (!which.ok()) {
        return ctx.usage(which.error().message);
    }
    auto start = startPositionFromArgs(args);
    if (!start.ok()) {
        return ctx.usage(start.error().message);
    }
    const bool dryRun = args.has("dry-run");
    if (action == ferry::v1::PIPELINE_ACTION_REWIND && !start->has_value()) {
        return ctx.usage(
            "rewind needs a start: --start-file NAME --start-pos N, --start-gtid SET "
            "or --start-time 2026-11-25T08:00:00Z");
    }
    if (action == ferry::v1::PIPELINE_ACTION_SKIP && !args.has("expected")) {
        return ctx.usage(
            "skip needs --expected TXN: the GTID or file:pos of the transaction "
            "'ferryctl pipeline status' shows the pipeline failing on");
    }
    if (int code = ctx.connect()) {
        return code;
    }
    std::uint64_t id = 0;
    if (int code = resolvePipeline(ctx, *which, id)) {
        return code;
    }
    const std::string verb = enumText(ferry::v1::PipelineAction_Name(action), "PIPELINE_ACTION_");
    const bool disruptive = action == ferry::v1::PIPELINE_ACTION_STOP ||
                            action == ferry::v1::PIPELINE_ACTION_SKIP ||
                            (action == ferry::v1::PIPELINE_ACTION_REWIND && !dryRun);
    if (disruptive) {
        std::string question = verb + " pipeline " + std::to_string(id);
        if (action == ferry::v1::PIPELINE_ACTION_SKIP) {
            question += ", skipping transaction " + *args.value("expected");
        }
        if (action == ferry::v1::PIPELINE_ACTION_REWIND) {
            question += " to " + startText(**start);
        }
        if (int code = ctx.confirm(question)) {
            return code;
        }
    }
    Request request;
    auto* r = request.mutable_pipeline_action();
    r->set_pipeline_id(id);
    r->set_action(action);
    if (start->has_value()) {
        *r->mutable_start_position() = **start;
    }
    r->set_dry_run(dryRun);
    r->set_expected_failed_transaction(args.valueOr("expected", ""));
    r->set_reason(args.valueOr("reason", "ferryctl pipeline " + verb));
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error());
    }
    const auto& result = response->pipeline_action();
    if (ctx.format() != OutputFormat::Table) {
        ctx.printJson(result);
        return exit_code::kOk;
    }
    if (action == ferry::v1::PIPELINE_ACTION_REWIND) {
        printRewindPlan(ctx, result.plan(), dryRun);
        if (dryRun) {
            return exit_code::kOk;
        }
    }
    const auto& s = result.status();
    ctx.printLine("pipeline " + std::to_string(id) + " " + s.name() + ": " + verb + " done; " +
                  "state " + stateText(s.state()) + ", desired " + stateText(s.desired_state()));
    return exit_code::kOk;
}

int pipelineWatch(Context& ctx) {
    const auto& args = ctx.args();
    auto which = singlePositional(ctx, "pipeline", false);
    if (!which.ok()) {
        return ctx.usage(which.error().message);
    }
    std::uint64_t count = 0;
    if (auto text = args.value("count")) {
        if (!parseUnsigned(*text, count) || count == 0) {
            return ctx.usage("--count must be a positive number of updates");
        }
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ferry::v1::SubscribeRequest subscribe;
    subscribe.add_topics(ferry::v1::TOPIC_PIPELINE_STATUS);
    if (!which->empty()) {
        std::uint64_t id = 0;
        if (int code = resolvePipeline(ctx, *which, id)) {
            return code;
        }
        subscribe.add_pipeline_ids(id);
    }
    std::uint64_t printed = 0;
    bool headerDone = false;
    const auto print =
        [&](const google::protobuf::RepeatedPtrField<ferry::v1::PipelineStatus>& statuses) {
            if (ctx.format() == OutputFormat::Table) {
                TextTable table(headerDone ? std::vector<std::string>{} : kStatusHeader);
                std::vector<std::string> header = kStatusHeader;
                header.insert(header.begin(), "TIME");
                TextTable lines(header);
                for (const auto& s : statuses) {
                    auto row = statusRow(s);
                    row.insert(row.begin(), isoTimeMs(s.updated_unix_ms()));
                    lines.addRow(std::move(row));
                }
                std::string text = lines.render();
                if (headerDone) {
                    text.erase(0, text.find('\n') + 1);
                }
                headerDone = true;
                std::fwrite(text.data(), 1, text.size(), ctx.out());
            } else {
                ferry::v1::PipelineStatusUpdate update;
                *update.mutable_statuses() = statuses;
                std::fprintf(ctx.out(), "%s\n", jsonOf(update, false).c_str());
            }
            std::fflush(ctx.out());
            ++printed;
            return count == 0 || printed < count;
        };
    g_interrupted = 0;
    const auto previous = std::signal(SIGINT, onInterrupt);
    const Status watched = ctx.session().watch(
        subscribe, [&](const Response& answer) { return print(answer.subscribe().statuses()); },
        [&](const ferry::v1::Push& push) {
            if (!push.has_pipeline_statuses()) {
                return true;
            }
            return print(push.pipeline_statuses().statuses());
        },
        [] { return g_interrupted != 0; });
    std::signal(SIGINT, previous);
    if (!watched.ok()) {
        return ctx.failed(watched.error());
    }
    return exit_code::kOk;
}

// ---- conflict ---------------------------------------------------------------------------------

int conflictList(Context& ctx) {
    const auto& args = ctx.args();
    if (!args.positionals().empty()) {
        return ctx.usage("conflict list takes no arguments; filter with --pipeline");
    }
    Request request;
    auto* r = request.mutable_list_conflicts();
    if (auto limit = args.value("limit")) {
        std::uint64_t value = 0;
        if (!parseUnsigned(*limit, value) || value == 0 || value > 100000) {
            return ctx.usage("--limit must be from 1 to 100000");
        }
        r->set_limit(static_cast<std::uint32_t>(value));
    }
    r->set_parked_only(args.has("parked"));
    if (int code = ctx.connect()) {
        return code;
    }
    if (auto pipeline = args.value("pipeline")) {
        std::uint64_t id = 0;
        if (int code = resolvePipeline(ctx, *pipeline, id)) {
            return code;
        }
        r->set_pipeline_id(id);
    }
    auto response = ctx.call(request);
    if (!response.ok()) {
        return ctx.failed(response.error());
    }
    const auto& list = response->list_conflicts();
    switch (ctx.format()) {
        case OutputFormat::Json:
            ctx.printJson(list);
            break;
        case OutputFormat::Jsonl:
            for (const auto& c : list.conflicts()) {
                ctx.printJson(c);
            }
            break;
        case OutputFormat::Table: {
            TextTable table({"ID", "PIPELINE", "TIME", "KIND", "TABLE", "KEY", "DECISION"});
            for (const auto& c : list.conflicts()) {
                std::vector<std::string> key;
                for (const auto& v : c.key()) {
                    key.push_back(v.column() + "=" + (v.is_null() ? "NULL" : v.text()));
                }
                table.addRow({std::to_string(c.id()), std::to_string(c.pipeline_id()),
                              isoTimeMs(c.time_unix_ms()),
                              enumText(ferry::v1::ConflictKind_Name(c.kind()), "CONFLICT_KIND_"),
                              c.schema() + "." + c.table(), join(key),
                              c.parked() ? "parked" : (c.decision().empty() ? "-" : c.decision())});
            }
            table.print(ctx.out());
            if (list.conflicts_size() == 0) {
                ctx.printLine("no conflicts");
            }
        }
    }
    return exit_code::kOk;
}

// ---- export, import ---------------------------------------------------------------------------

// Reads the whole configuration; prints the failure and returns its exit code.
int readSnapshot(Context& ctx, ConfigSnapshot& snapshot) {
    Request agents;
    agents.mutable_list_agents();
    auto agentList = ctx.call(agents);
    if (!agentList.ok()) {
        return ctx.failed(agentList.error());
    }
    snapshot.cluster = agentList->list_agents().cluster();
    Request sites;
    sites.mutable_list_sites();
    auto siteList = ctx.call(sites);
    if (!siteList.ok()) {
        return ctx.failed(siteList.error());
    }
    for (const auto& s : siteList->list_sites().sites()) {
        snapshot.sites.push_back(s.site());
    }
    for (const auto kind :
         {ferry::v1::CONFIG_KIND_DATA_SOURCE, ferry::v1::CONFIG_KIND_CHANNEL,
          ferry::v1::CONFIG_KIND_PIPELINE, ferry::v1::CONFIG_KIND_TABLE_MAPPING}) {
        auto list = ctx.call(listConfigRequest(kind));
        if (!list.ok()) {
            return ctx.failed(list.error());
        }
        for (const auto& o : list->list_config().objects()) {
            snapshot.objects[configKeyOf(o)] = o;
        }
    }
    return exit_code::kOk;
}

int exportConfig(Context& ctx) {
    if (!ctx.args().positionals().empty()) {
        return ctx.usage("export takes no arguments; write to a file with --file PATH");
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ConfigSnapshot snapshot;
    if (int code = readSnapshot(ctx, snapshot)) {
        return code;
    }
    auto json = exportToJson(buildExport(snapshot));
    if (!json.ok()) {
        return ctx.fail(exit_code::kFailed, json.error().message);
    }
    if (auto path = ctx.args().value("file")) {
        const std::string temporary = *path + ".tmp";
        {
            std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
            file << *json;
            if (!file.flush()) {
                return ctx.fail(exit_code::kFailed, "cannot write " + temporary);
            }
        }
        if (std::rename(temporary.c_str(), path->c_str()) != 0) {
            std::remove(temporary.c_str());
            return ctx.fail(exit_code::kFailed, "cannot write " + *path);
        }
        std::fprintf(ctx.err(), "exported %zu object(s) of cluster '%s' to %s\n",
                     snapshot.objects.size(), snapshot.cluster.c_str(), path->c_str());
        return exit_code::kOk;
    }
    std::fwrite(json->data(), 1, json->size(), ctx.out());
    return exit_code::kOk;
}

void printPlan(Context& ctx, const ImportPlan& plan) {
    if (ctx.format() != OutputFormat::Table) {
        for (const auto& c : plan.changes) {
            ferry::ctl::v1::ImportChange change;
            change.set_action(std::string(changeActionName(c.action)));
            change.set_kind(static_cast<ferry::v1::ConfigKind>(c.key.first));
            change.set_id(c.key.second);
            change.set_version(c.version);
            change.set_current_version(c.currentVersion);
            change.set_stale(c.stale);
            ctx.printJson(change);
        }
        return;
    }
    if (plan.changes.empty()) {
        ctx.printLine("no changes (" + std::to_string(plan.unchanged) +
                      " object(s) already as in the file)");
        return;
    }
    TextTable table({"ACTION", "KIND", "ID", "VERSION", "NOTE"});
    for (const auto& c : plan.changes) {
        std::string note = "-";
        if (c.stale) {
            note =
                c.currentVersion == 0 ? "deleted since the export"
                : c.version == 0
                    ? "created since the export, at version " + std::to_string(c.currentVersion)
                    : "changed since the export: now version " + std::to_string(c.currentVersion);
        }
        table.addRow(
            {std::string(changeActionName(c.action)),
             enumText(ferry::v1::ConfigKind_Name(static_cast<ferry::v1::ConfigKind>(c.key.first)),
                      "CONFIG_KIND_"),
             c.key.second, c.action == ChangeAction::Create ? "new" : std::to_string(c.version),
             note});
    }
    table.print(ctx.out());
    const auto countOf = [&](ChangeAction a) {
        return std::count_if(plan.changes.begin(), plan.changes.end(),
                             [a](const auto& c) { return c.action == a; });
    };
    ctx.printLine(std::to_string(countOf(ChangeAction::Create)) + " to create, " +
                  std::to_string(countOf(ChangeAction::Update)) + " to update, " +
                  std::to_string(countOf(ChangeAction::Delete)) + " to delete, " +
                  std::to_string(plan.unchanged) + " unchanged");
}

int importConfig(Context& ctx) {
    const auto& args = ctx.args();
    if (!args.positionals().empty()) {
        return ctx.usage("import takes no arguments; give the file with --file PATH");
    }
    auto path = args.value("file");
    if (!path) {
        return ctx.usage("missing --file PATH");
    }
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
        return ctx.fail(exit_code::kFailed, "cannot read " + *path);
    }
    std::stringstream text;
    text << in.rdbuf();
    auto file = parseImportJson(text.str());
    if (!file.ok()) {
        return ctx.fail(exit_code::kFailed, *path + ": " + file.error().message);
    }
    if (int code = ctx.connect()) {
        return code;
    }
    ConfigSnapshot current;
    if (int code = readSnapshot(ctx, current)) {
        return code;
    }
    auto plan = planImport(*file, current, args.has("prune"));
    if (!plan.ok()) {
        return ctx.fail(exit_code::kFailed, *path + ": " + plan.error().message);
    }
    for (const auto& warning : plan->warnings) {
        ctx.warn(warning);
    }
    if (!file->hasVersions) {
        ctx.warn(*path +
                 " carries no versions (a bare ClusterConfig): its objects replace what "
                 "the agent has now");
    }
    printPlan(ctx, *plan);
    if (plan->anyStale()) {
        std::string which;
        for (const auto& c : plan->changes) {
            if (c.stale) {
                which += (which.empty() ? "" : ", ") + describeKey(c.key);
            }
        }
        return ctx.fail(exit_code::kFailed,
                        "version conflict: " + which +
                            " changed on the agent since the file was exported; nothing was "
                            "changed. Export again, redo your edit in the new file and re-run "
                            "the import");
    }
    if (args.has("dry-run") || plan->changes.empty()) {
        return exit_code::kOk;
    }
    std::size_t applied = 0;
    for (const auto& c : plan->changes) {
        Request request;
        if (c.action == ChangeAction::Delete) {
            auto* d = request.mutable_delete_config();
            d->mutable_ref()->set_kind(static_cast<ferry::v1::ConfigKind>(c.key.first));
            d->mutable_ref()->set_id(c.key.second);
            d->set_version(c.version);
        } else {
            *request.mutable_put_config()->mutable_object() = c.object;
        }
        auto response = ctx.call(request);
        if (!response.ok()) {
            const Error& error = response.error();
            std::string message = describeKey(c.key) + ": " + error.message + " (" +
                                  std::to_string(applied) + " of " +
                                  std::to_string(plan->changes.size()) + " change(s) applied)";
            if (error.code == ErrorCode::Conflict) {
                message +=
                    "; version conflict: someone changed it during the import. Export "
                    "again, redo your edit and re-run the import";
            }
            return ctx.fail(exitCodeForCall(error), message);
        }
        ++applied;
    }
    if (ctx.format() == OutputFormat::Table) {
        ctx.printLine("applied " + std::to_string(applied) + " change(s)");
    }
    return exit_code::kOk;
}

// ---- dispatch ---------------------------------------------------------------------------------

struct Command {
    const char* noun;
    const char* verb;  // empty for export and import
    std::function<int(Context&)> run;
    std::vector<const char*> values;
    std::vector<const char*> switches;
    const char* help;
};

const std::vector<Command>& commands() {
    using A = ferry::v1::PipelineAction;
    const auto action = [](A a) { return [a](Context& ctx) { return pipelineAction(ctx, a); }; };
    static const std::vector<Command> table = {
        {"agent",
         "list",
         agentList,
         {},
         {},
         "usage: ferryctl agent list\nLists the agents of the cluster.\n"},
        {"site",
         "list",
         siteList,
         {},
         {},
         "usage: ferryctl site list\nLists the sites with their agents and data sources.\n"},
        {"datasource",
         "list",
         datasourceList,
         {},
         {},
         "usage: ferryctl datasource list\nLists the data sources.\n"},
        {"datasource",
         "show",
         datasourceShow,
         {},
         {},
         "usage: ferryctl datasource show ID\nShows one data source.\n"},
        {"datasource",
         "add",
         datasourceAdd,
         {"id", "site", "url", "password-env", "password-file", "sealed-password", "ferry-schema",
          "replica-server-id"},
         {"dry-run"},
         "usage: ferryctl datasource add --id ID --site SITE --url mysql://user@host:port/\n"
         "           [--password-env NAME | --password-file PATH | --sealed-password B64]\n"
         "           [--ferry-schema NAME] [--replica-server-id N] [--dry-run]\n"
         "Adds a data source. The password is never stored in clear: name an environment\n"
         "variable or a file on the agent hosts, or give the value 'ferryctl cert seal' printed.\n"
         "A password inside the URL is refused. --dry-run lets the agent check without saving.\n"},
        {"datasource",
         "update",
         datasourceUpdate,
         {"id", "site", "url", "password-env", "password-file", "sealed-password", "ferry-schema",
          "replica-server-id"},
         {"dry-run"},
         "usage: ferryctl datasource update ID [--site SITE] [--url URL] [--password-env NAME |\n"
         "           --password-file PATH | --sealed-password B64] [--ferry-schema NAME]\n"
         "           [--replica-server-id N] [--dry-run]\n"
         "Changes the given fields of a data source (at the version it reads).\n"},
        {"datasource",
         "remove",
         datasourceRemove,
         {},
         {},
         "usage: ferryctl datasource remove ID\nRemoves a data source.\n"},
        {"channel",
         "list",
         channelList,
         {},
         {},
         "usage: ferryctl channel list\nLists the channels.\n"},
        {"channel",
         "show",
         channelShow,
         {},
         {},
         "usage: ferryctl channel show NAME\nShows a channel with its pipelines and table "
         "mappings.\n"},
        {"channel",
         "create",
         channelCreate,
         {"kind", "between", "tables", "rename-schema", "ddl", "primary-site", "ddl-from-site",
          "conflict-policy", "version-column", "parallelism", "large-transaction-bytes"},
         {"dry-run"},
         channelCreateHelp().data()},
        {"channel",
         "remove",
         channelRemove,
         {},
         {"yes"},
         "usage: ferryctl channel remove NAME [--yes]\n"
         "Removes a channel, its pipelines and their table mappings (asks unless --yes).\n"},
        {"pipeline",
         "list",
         pipelineList,
         {},
         {},
         "usage: ferryctl pipeline list\nLists the pipelines with their desired and observed "
         "state.\n"},
        {"pipeline",
         "status",
         pipelineStatus,
         {},
         {},
         "usage: ferryctl pipeline status [ID|NAME]\n"
         "Shows state, lag, rate, position and last error of one or every pipeline.\n"},
        {"pipeline",
         "start",
         action(ferry::v1::PIPELINE_ACTION_START),
         {"reason", "start-file", "start-pos", "start-gtid", "start-time"},
         {},
         "usage: ferryctl pipeline start ID [--start-file NAME --start-pos N | --start-gtid SET |\n"
         "           --start-time TIME] [--reason TEXT]\n"
         "Starts a stopped pipeline at its saved position, or at the given start.\n"},
        {"pipeline",
         "pause",
         action(ferry::v1::PIPELINE_ACTION_PAUSE),
         {"reason"},
         {},
         "usage: ferryctl pipeline pause ID [--reason TEXT]\nPauses a running pipeline (keeps its "
         "position and connections).\n"},
        {"pipeline",
         "resume",
         action(ferry::v1::PIPELINE_ACTION_RESUME),
         {"reason"},
         {},
         "usage: ferryctl pipeline resume ID [--reason TEXT]\nResumes a paused or failed "
         "pipeline.\n"},
        {"pipeline",
         "stop",
         action(ferry::v1::PIPELINE_ACTION_STOP),
         {"reason"},
         {"yes"},
         "usage: ferryctl pipeline stop ID [--yes] [--reason TEXT]\n"
         "Stops a pipeline and releases its leaderships (asks unless --yes).\n"},
        {"pipeline",
         "skip",
         action(ferry::v1::PIPELINE_ACTION_SKIP),
         {"expected", "reason"},
         {"yes"},
         "usage: ferryctl pipeline skip ID --expected TXN [--yes] [--reason TEXT]\n"
         "Skips the transaction a failed pipeline stopped on, then resumes it. TXN is the GTID\n"
         "or file:pos 'ferryctl pipeline status' shows; the agent refuses if it failed on another\n"
         "one since. Asks unless --yes.\n"},
        {"pipeline",
         "rewind",
         action(ferry::v1::PIPELINE_ACTION_REWIND),
         {"start-file", "start-pos", "start-gtid", "start-time", "reason"},
         {"yes", "dry-run"},
         "usage: ferryctl pipeline rewind ID (--start-file NAME --start-pos N | --start-gtid SET "
         "|\n"
         "           --start-time 2026-11-25T08:00:00Z) [--dry-run] [--yes] [--reason TEXT]\n"
         "Moves a paused or stopped pipeline back to the start. --dry-run prints what would be\n"
         "replayed and changes nothing. Asks unless --yes or --dry-run.\n"},
        {"pipeline",
         "watch",
         pipelineWatch,
         {"count"},
         {},
         "usage: ferryctl pipeline watch [ID|NAME] [--count N]\n"
         "Prints status lines as the agent pushes them (once a second) until interrupted or N\n"
         "updates (the first is the state when the watch starts).\n"},
        {"conflict",
         "list",
         conflictList,
         {"pipeline", "limit"},
         {"parked"},
         "usage: ferryctl conflict list [--pipeline ID] [--parked] [--limit N]\n"
         "Lists recent conflicts, newest first (100 unless --limit).\n"},
        {"export",
         "",
         exportConfig,
         {"file"},
         {},
         "usage: ferryctl export [--file PATH]\n"
         "Writes the whole configuration as JSON (protobuf's JSON mapping, stable order, with\n"
         "the version of every object) to PATH or stdout: keep it in git, edit it, import it.\n"},
        {"import",
         "",
         importConfig,
         {"file"},
         {"dry-run", "prune"},
         "usage: ferryctl import --file PATH [--dry-run] [--prune]\n"
         "Makes the cluster's configuration what the file says: shows what it creates, updates\n"
         "and deletes, then applies it (not with --dry-run). Each write carries the version the\n"
         "file was exported at, so an object changed on the agent since is a conflict and\n"
         "nothing is changed. Objects absent from the file are deleted only with --prune.\n"
         "Unknown fields in the file are refused.\n"},
    };
    return table;
}

}  // namespace

bool isApiCommand(std::string_view noun) {
    return std::any_of(commands().begin(), commands().end(),
                       [&](const Command& c) { return noun == c.noun; });
}

std::string_view apiCommandsHelp() {
    return "  agent list                  the agents of the cluster\n"
           "  site list                   the sites, their agents and data sources\n"
           "  datasource list|show|add|update|remove\n"
           "  channel list|show|create|remove\n"
           "  pipeline list|status|start|pause|resume|stop|skip|rewind|watch\n"
           "  conflict list               recent conflicts\n"
           "  export                      the whole configuration as JSON\n"
           "  import                      apply a configuration file (--dry-run to preview)\n";
}

int runApiCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
    if (args.empty()) {
        std::fprintf(err, "ferryctl: missing command; see 'ferryctl --help'\n");
        return exit_code::kUsage;
    }
    const std::string& noun = args[0];
    const Command* command = nullptr;
    std::size_t consumed = 1;
    std::vector<std::string> verbs;
    for (const auto& c : commands()) {
        if (noun != c.noun) {
            continue;
        }
        if (*c.verb == '\0') {
            command = &c;
            break;
        }
        verbs.push_back(c.verb);
        if (args.size() > 1 && args[1] == c.verb) {
            command = &c;
            consumed = 2;
            break;
        }
    }
    if (command == nullptr) {
        if (verbs.empty()) {
            std::fprintf(err, "ferryctl: unknown command '%s'; see 'ferryctl --help'\n",
                         noun.c_str());
        } else {
            std::fprintf(
                err, "ferryctl %s: %s; the verbs are %s\n", noun.c_str(),
                args.size() > 1 ? ("unknown verb '" + args[1] + "'").c_str() : "missing verb",
                join(verbs, ", ").c_str());
        }
        return exit_code::kUsage;
    }
    const std::string name =
        *command->verb == '\0' ? std::string(noun) : std::string(noun) + " " + command->verb;
    ArgSpec spec;
    addConnectionOptions(spec);
    spec.switches.insert("help");
    const bool exportCommand = name == "export";
    if (!exportCommand) {
        spec.values.insert("output");
    }
    for (const char* v : command->values) {
        spec.values.insert(v);
    }
    for (const char* s : command->switches) {
        spec.switches.insert(s);
    }
    auto parsed =
        ArgList::parse(std::vector<std::string>(args.begin() + consumed, args.end()), spec);
    if (!parsed.ok()) {
        std::fprintf(err, "ferryctl %s: %s; see 'ferryctl %s --help'\n", name.c_str(),
                     parsed.error().message.c_str(), name.c_str());
        return exit_code::kUsage;
    }
    if (parsed->has("help")) {
        std::fprintf(out, "%s", command->help);
        if (!exportCommand) {
            std::fprintf(out, "  --output table|json|jsonl  how to print (default table)\n");
        }
        std::fprintf(out, "\n%s", connectionOptionsHelp().data());
        return exit_code::kOk;
    }
    OutputFormat format = OutputFormat::Table;
    const std::string output = parsed->valueOr("output", "table");
    if (output == "json") {
        format = OutputFormat::Json;
    } else if (output == "jsonl") {
        format = OutputFormat::Jsonl;
    } else if (output != "table") {
        std::fprintf(err, "ferryctl %s: --output must be table, json or jsonl, not '%s'\n",
                     name.c_str(), output.c_str());
        return exit_code::kUsage;
    }
    Context ctx(name, std::move(parsed).value(), format, out, err);
    const int code = command->run(ctx);
    std::fflush(out);
    return code;
}

}  // namespace ferry::ctl
