// SPDX-License-Identifier: Apache-2.0
#include "fake_cluster.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace ferry::testing {

namespace {

using ferry::v1::ConfigKind;
using ferry::v1::Response;

Response serviceError(ferry::v1::ServiceErrorCode code, std::string message, std::string hint,
                      std::uint64_t currentVersion = 0) {
    Response response;
    auto* e = response.mutable_error();
    e->set_code(code);
    e->set_message(std::move(message));
    e->set_hint(std::move(hint));
    e->set_current_version(currentVersion);
    return response;
}

std::string kindName(int kind) {
    switch (kind) {
        case ferry::v1::CONFIG_KIND_DATA_SOURCE:
            return "data source";
        case ferry::v1::CONFIG_KIND_CHANNEL:
            return "channel";
        case ferry::v1::CONFIG_KIND_PIPELINE:
            return "pipeline";
        case ferry::v1::CONFIG_KIND_TABLE_MAPPING:
            return "table mapping";
        default:
            return "object";
    }
}

// The kind and id an object names, or kind UNSPECIFIED when it carries none.
std::pair<int, std::string> keyOf(const ferry::v1::ConfigObject& o) {
    switch (o.object_case()) {
        case ferry::v1::ConfigObject::kDataSource:
            return {ferry::v1::CONFIG_KIND_DATA_SOURCE, o.data_source().id()};
        case ferry::v1::ConfigObject::kChannel:
            return {ferry::v1::CONFIG_KIND_CHANNEL, o.channel().id()};
        case ferry::v1::ConfigObject::kPipeline:
            return {ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(o.pipeline().id())};
        case ferry::v1::ConfigObject::kTableMapping:
            return {ferry::v1::CONFIG_KIND_TABLE_MAPPING, o.table_mapping().id()};
        default:
            return {ferry::v1::CONFIG_KIND_UNSPECIFIED, {}};
    }
}

const char* kTables[] = {"orders", "customers", "order_items"};

}  // namespace

FakeCluster::FakeCluster(Options options, Clock clock)
    : m_options(std::move(options)), m_clock(std::move(clock)) {
    m_startMs = m_clock();
    m_options.pipelines = std::max(0, m_options.pipelines);

    for (const auto& [name, description, priority] :
         {std::tuple{"hz", "Hangzhou", 1}, std::tuple{"us", "US West", 2}}) {
        ferry::v1::Site site;
        site.set_name(name);
        site.set_description(description);
        site.set_priority(priority);
        m_sites.push_back(site);
    }
    for (const char* site : {"hz", "us"}) {
        ferry::v1::Agent agent;
        agent.set_id(std::string(site) + "-agent1");
        agent.set_site(site);
        agent.set_address(std::string(site) + "-agent1.example:7450");
        agent.set_version("0.1.0");
        agent.set_protocol_version(1);
        m_agents.push_back(agent);

        ferry::v1::ConfigObject ds;
        ds.set_version(1);
        auto* d = ds.mutable_data_source();
        d->set_id(std::string(site) + "-db");
        d->set_site(site);
        d->set_url("mysql://ferry@" + std::string(site) + "-db.example:3306/");
        d->mutable_password()->set_env("FERRY_PASSWORD");
        d->set_flavor(ferry::v1::DATABASE_FLAVOR_MARIADB);
        d->set_version("10.11.6-MariaDB");
        d->set_server_id(std::string(site) == "hz" ? 11 : 21);
        m_config[{ferry::v1::CONFIG_KIND_DATA_SOURCE, d->id()}] = ds;
    }

    const int n = m_options.pipelines;
    for (int first = 1; first <= n; first += 2) {
        const std::string channelId =
            first == 1 ? std::string("orders") : "ch" + std::to_string((first + 1) / 2);
        const bool twoWay = first + 1 <= n;
        ferry::v1::ConfigObject ch;
        ch.set_version(1);
        auto* c = ch.mutable_channel();
        c->set_id(channelId);
        c->set_kind(twoWay ? ferry::v1::CHANNEL_KIND_TWO_WAY : ferry::v1::CHANNEL_KIND_ONE_WAY);
        c->set_primary_site("hz");
        c->set_ddl_from_site("hz");
        c->mutable_conflict_policy()->set_kind(ferry::v1::CONFLICT_POLICY_KIND_SITE_PRIORITY);
        for (int k = 0; k < (twoWay ? 2 : 1); ++k) {
            const auto id = static_cast<std::uint64_t>(first + k);
            const std::string from = k == 0 ? "hz" : "us";
            const std::string to = k == 0 ? "us" : "hz";
            c->add_pipelines(id);
            ferry::v1::ConfigObject po;
            po.set_version(1);
            auto* p = po.mutable_pipeline();
            p->set_id(id);
            p->set_name(channelId + ":" + from + "->" + to);
            p->set_channel(channelId);
            p->set_source(from + "-db");
            p->set_target(to + "-db");
            p->set_desired_state(ferry::v1::PIPELINE_STATE_RUNNING);
            p->mutable_settings()->set_parallelism(4);
            p->mutable_settings()->set_window_batches(16);
            m_config[{ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(id)}] = po;

            ferry::v1::ConfigObject mo;
            mo.set_version(1);
            mo.set_pipeline_id(id);
            auto* m = mo.mutable_table_mapping();
            m->set_id("p" + std::to_string(id) + "-shop");
            m->mutable_source()->set_schema("shop");
            m->mutable_source()->set_regex(".*");
            m_config[{ferry::v1::CONFIG_KIND_TABLE_MAPPING, m->id()}] = mo;

            Runtime rt;
            rt.startedMs = m_startMs;
            m_runtime[id] = rt;
        }
        m_config[{ferry::v1::CONFIG_KIND_CHANNEL, channelId}] = ch;
    }
}

std::vector<std::uint64_t> FakeCluster::pipelineIds() const {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, rt] : m_runtime) {
        ids.push_back(id);
    }
    return ids;
}

void FakeCluster::setAgentAddress(const std::string& agentId, const std::string& address) {
    for (auto& a : m_agents) {
        if (a.id() == agentId) {
            a.set_address(address);
        }
    }
}

std::vector<std::string> FakeCluster::agentIds() const {
    std::vector<std::string> ids;
    for (const auto& a : m_agents) {
        ids.push_back(a.id());
    }
    return ids;
}

std::string FakeCluster::siteOfAgent(const std::string& agentId) const {
    for (const auto& a : m_agents) {
        if (a.id() == agentId) {
            return a.site();
        }
    }
    return {};
}

double FakeCluster::runningLag(std::uint64_t id, std::int64_t timeMs) {
    const double t = static_cast<double>(timeMs) / 1000.0;
    const double base = 0.25 + 0.05 * static_cast<double>(id % 7);
    return base + 0.12 * std::sin(t / 5.0 + static_cast<double>(id));
}

double FakeCluster::runningRows(std::uint64_t id, std::int64_t timeMs) {
    const double t = static_cast<double>(timeMs) / 1000.0;
    const double base = 900.0 + 150.0 * static_cast<double>(id % 5);
    return base + 200.0 * std::sin(t / 7.0 + static_cast<double>(id) / 2.0);
}

double FakeCluster::lagOf(std::uint64_t id, const Runtime& rt, std::int64_t at) const {
    switch (rt.state) {
        case ferry::v1::PIPELINE_STATE_RUNNING:
            return runningLag(id, at);
        case ferry::v1::PIPELINE_STATE_PAUSED:
        case ferry::v1::PIPELINE_STATE_FAILED:
            return rt.lagAtStall + static_cast<double>(at - rt.stalledMs) / 1000.0;
        default:
            return rt.lagAtStall;
    }
}

std::uint64_t FakeCluster::rowsApplied(std::uint64_t id, const Runtime& rt, std::int64_t at) const {
    if (rt.state != ferry::v1::PIPELINE_STATE_RUNNING) {
        return rt.rowsBefore;
    }
    const double seconds = static_cast<double>(std::max<std::int64_t>(0, at - rt.startedMs)) / 1e3;
    return rt.rowsBefore + static_cast<std::uint64_t>(seconds * (900.0 + 150.0 * (id % 5)));
}

const ferry::v1::Pipeline* FakeCluster::pipeline(std::uint64_t id) const {
    auto it = m_config.find({ferry::v1::CONFIG_KIND_PIPELINE, std::to_string(id)});
    return it == m_config.end() ? nullptr : &it->second.pipeline();
}

ferry::v1::PipelineStatus FakeCluster::statusOf(std::uint64_t id) const {
    ferry::v1::PipelineStatus s;
    const auto* p = pipeline(id);
    const auto rtIt = m_runtime.find(id);
    if (p == nullptr || rtIt == m_runtime.end()) {
        return s;
    }
    const Runtime& rt = rtIt->second;
    const std::int64_t at = now();
    s.set_pipeline_id(id);
    s.set_name(p->name());
    s.set_channel(p->channel());
    s.set_source(p->source());
    s.set_target(p->target());
    const std::string sourceSite = p->source().substr(0, p->source().find('-'));
    const std::string targetSite = p->target().substr(0, p->target().find('-'));
    s.set_source_site(sourceSite);
    s.set_target_site(targetSite);
    s.set_desired_state(rt.desired);
    s.set_state(rt.state);
    s.set_lag_seconds(lagOf(id, rt, at));
    const bool running = rt.state == ferry::v1::PIPELINE_STATE_RUNNING;
    s.set_rows_per_second(running ? runningRows(id, at) : 0.0);
    s.set_bytes_per_second(running ? runningRows(id, at) * 180.0 : 0.0);
    const std::uint64_t rows = rowsApplied(id, rt, at);
    s.mutable_position()->set_file("mysql-bin.000042");
    s.mutable_position()->set_pos(4 + rows * 213);
    s.set_gtid_set((sourceSite == "hz" ? "0-11-" : "0-21-") + std::to_string(1000 + rows / 3));
    if (!rt.lastError.message().empty()) {
        *s.mutable_last_error() = rt.lastError;
    }
    for (int i = 0; i < 3; ++i) {
        auto* t = s.add_tables();
        t->set_schema("shop");
        t->set_table(kTables[i]);
        t->set_inserts(rows / static_cast<std::uint64_t>(2 + i));
        t->set_updates(rows / static_cast<std::uint64_t>(4 + i));
        t->set_deletes(rows / static_cast<std::uint64_t>(50 + i));
    }
    s.set_capture_agent(sourceSite + "-agent1");
    s.set_apply_agent(targetSite + "-agent1");
    s.set_updated_unix_ms(at);
    return s;
}

std::vector<ferry::v1::PipelineStatus> FakeCluster::statuses(
    const std::vector<std::uint64_t>& ids) const {
    std::vector<ferry::v1::PipelineStatus> out;
    for (const auto id : ids.empty() ? pipelineIds() : ids) {
        if (m_runtime.count(id) != 0) {
            out.push_back(statusOf(id));
        }
    }
    return out;
}

void FakeCluster::stall(std::uint64_t id, Runtime& rt, ferry::v1::PipelineState state) {
    const std::int64_t at = now();
    rt.lagAtStall = lagOf(id, rt, at);
    rt.rowsBefore = rowsApplied(id, rt, at);
    rt.stalledMs = at;
    rt.state = state;
}

void FakeCluster::run(std::uint64_t id, Runtime& rt) {
    (void)id;
    rt.startedMs = now();
    rt.state = ferry::v1::PIPELINE_STATE_RUNNING;
    rt.lastError.Clear();
}

void FakeCluster::failPipeline(std::uint64_t id, const std::string& message,
                               const std::string& hint, const std::string& transaction) {
    auto it = m_runtime.find(id);
    if (it == m_runtime.end()) {
        return;
    }
    stall(id, it->second, ferry::v1::PIPELINE_STATE_FAILED);
    it->second.lastError.set_message(message);
    it->second.lastError.set_hint(hint);
    it->second.lastError.set_transaction(transaction);
    it->second.lastError.set_time_unix_ms(now());
    logEvent(id, ferry::v1::LOG_SEVERITY_ERROR, message);
}

void FakeCluster::emitEvent(ferry::v1::Topic topic, const ferry::v1::Push& push) {
    for (const auto& l : m_listeners) {
        l(topic, push);
    }
}

void FakeCluster::logEvent(std::uint64_t pipelineId, ferry::v1::LogSeverity severity,
                           const std::string& message) {
    ferry::v1::Push push;
    auto* e = push.mutable_log_event();
    e->set_time_unix_ms(now());
    e->set_severity(severity);
    e->set_agent("hz-agent1");
    e->set_pipeline_id(pipelineId);
    e->set_message(message);
    emitEvent(ferry::v1::TOPIC_EVENTS, push);
}

Response FakeCluster::handle(const ferry::v1::Request& request, ferry::v1::Role role) {
    const bool mutates = request.has_put_config() || request.has_delete_config();
    const bool operates = request.has_pipeline_action();
    if (mutates && role < ferry::v1::ROLE_ADMIN && !request.put_config().validate_only()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED,
                            "changing the configuration needs the admin role",
                            "connect with an admin token");
    }
    if (operates && role < ferry::v1::ROLE_OPERATOR) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_PERMISSION_DENIED,
                            "pipeline actions need the operator role",
                            "connect with an operator or admin token");
    }
    switch (request.operation_case()) {
        case ferry::v1::Request::kListAgents:
            return listAgents();
        case ferry::v1::Request::kListSites:
            return listSites();
        case ferry::v1::Request::kListConfig:
            return listConfig(request.list_config());
        case ferry::v1::Request::kGetConfig:
            return getConfig(request.get_config());
        case ferry::v1::Request::kPutConfig:
            return putConfig(request.put_config());
        case ferry::v1::Request::kDeleteConfig:
            return deleteConfig(request.delete_config());
        case ferry::v1::Request::kPipelineAction:
            return pipelineAction(request.pipeline_action());
        case ferry::v1::Request::kGetPipelineStatus: {
            Response r;
            const auto& ids = request.get_pipeline_status().pipeline_ids();
            for (auto& s : statuses({ids.begin(), ids.end()})) {
                *r.mutable_get_pipeline_status()->add_statuses() = std::move(s);
            }
            return r;
        }
        case ferry::v1::Request::kBrowse:
            return browse(request.browse());
        case ferry::v1::Request::kPreflight:
            return preflight(request.preflight());
        case ferry::v1::Request::kMetricHistory:
            return metricHistory(request.metric_history());
        case ferry::v1::Request::kSubscribe: {
            Response r;
            const auto& ids = request.subscribe().pipeline_ids();
            for (auto& s : statuses({ids.begin(), ids.end()})) {
                *r.mutable_subscribe()->add_statuses() = std::move(s);
            }
            return r;
        }
        case ferry::v1::Request::kListConflicts: {
            Response r;
            r.mutable_list_conflicts();
            return r;
        }
        default:
            return serviceError(ferry::v1::SERVICE_ERROR_CODE_UNSUPPORTED,
                                "this agent does not know the requested operation",
                                "upgrade the agent to the console's version");
    }
}

Response FakeCluster::listAgents() const {
    Response r;
    auto* out = r.mutable_list_agents();
    out->set_cluster(m_options.cluster);
    for (const auto& a : m_agents) {
        auto* info = out->add_agents();
        *info->mutable_agent() = a;
        info->set_state(ferry::v1::AGENT_STATE_ONLINE);
        info->set_last_seen_unix_ms(now());
        for (const auto& s : statuses({})) {
            if (s.capture_agent() == a.id()) {
                info->add_capture_pipelines(s.pipeline_id());
            }
            if (s.apply_agent() == a.id()) {
                info->add_apply_pipelines(s.pipeline_id());
            }
        }
    }
    return r;
}

Response FakeCluster::listSites() const {
    Response r;
    auto* out = r.mutable_list_sites();
    for (const auto& site : m_sites) {
        auto* info = out->add_sites();
        *info->mutable_site() = site;
        bool degraded = false;
        for (const auto& a : m_agents) {
            if (a.site() == site.name()) {
                info->add_agents(a.id());
            }
        }
        for (const auto& [key, o] : m_config) {
            if (key.first == ferry::v1::CONFIG_KIND_DATA_SOURCE &&
                o.data_source().site() == site.name()) {
                info->add_data_sources(key.second);
            }
        }
        for (const auto& s : statuses({})) {
            if ((s.source_site() == site.name() || s.target_site() == site.name()) &&
                s.state() != ferry::v1::PIPELINE_STATE_RUNNING) {
                degraded = true;
            }
        }
        info->set_health(degraded ? ferry::v1::SITE_HEALTH_DEGRADED : ferry::v1::SITE_HEALTH_OK);
    }
    return r;
}

Response FakeCluster::listConfig(const ferry::v1::ListConfigRequest& req) const {
    if (req.kind() == ferry::v1::CONFIG_KIND_UNSPECIFIED ||
        !ferry::v1::ConfigKind_IsValid(req.kind())) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                            "list_config: kind " + std::to_string(req.kind()) + " is not a kind",
                            "ask for data sources, channels, pipelines or table mappings");
    }
    Response r;
    auto* out = r.mutable_list_config();
    for (const auto& [key, o] : m_config) {
        if (key.first != req.kind()) {
            continue;
        }
        if (req.pipeline_id() != 0 && o.pipeline_id() != req.pipeline_id()) {
            continue;
        }
        *out->add_objects() = o;
    }
    return r;
}

Response FakeCluster::getConfig(const ferry::v1::GetConfigRequest& req) const {
    auto it = m_config.find({req.ref().kind(), req.ref().id()});
    if (it == m_config.end()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            kindName(req.ref().kind()) + " '" + req.ref().id() + "' does not exist",
                            "list the objects to see which exist");
    }
    Response r;
    *r.mutable_get_config()->mutable_object() = it->second;
    return r;
}

Response FakeCluster::putConfig(const ferry::v1::PutConfigRequest& req) {
    const auto key = keyOf(req.object());
    if (key.first == ferry::v1::CONFIG_KIND_UNSPECIFIED || key.second.empty() ||
        key.second == "0") {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                            "put_config: the object has no kind or no id",
                            "fill in the object and its id");
    }
    const std::string what = kindName(key.first) + " '" + key.second + "'";
    if (key.first == ferry::v1::CONFIG_KIND_DATA_SOURCE) {
        const auto& site = req.object().data_source().site();
        const bool known = std::any_of(m_sites.begin(), m_sites.end(),
                                       [&](const auto& s) { return s.name() == site; });
        if (!known) {
            return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                what + ": site '" + site + "' does not exist",
                                "choose one of the cluster's sites (hz, us)");
        }
    }
    auto it = m_config.find(key);
    const std::uint64_t expected = req.object().version();
    if (expected == 0 && it != m_config.end()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_ALREADY_EXISTS, what + " already exists",
                            "choose another id, or load it and edit it", it->second.version());
    }
    if (expected != 0 && it == m_config.end()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            what + " does not exist (deleted by someone else?)",
                            "create it anew with version 0");
    }
    if (expected != 0 && it->second.version() != expected) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_CONFLICT,
                            what + " was changed by someone else: you edited version " +
                                std::to_string(expected) + ", it is now at version " +
                                std::to_string(it->second.version()),
                            "reload it, redo your change and save again", it->second.version());
    }
    ferry::v1::ConfigObject stored = req.object();
    stored.set_version(expected + 1);
    Response r;
    *r.mutable_put_config()->mutable_object() = stored;
    if (req.validate_only()) {
        return r;
    }
    m_config[key] = stored;
    if (key.first == ferry::v1::CONFIG_KIND_PIPELINE &&
        m_runtime.count(stored.pipeline().id()) == 0) {
        Runtime rt;
        rt.state = ferry::v1::PIPELINE_STATE_STOPPED;
        rt.desired = ferry::v1::PIPELINE_STATE_STOPPED;
        rt.stalledMs = now();
        m_runtime[stored.pipeline().id()] = rt;
    }
    ferry::v1::Push push;
    push.mutable_config_changed()->mutable_ref()->set_kind(static_cast<ConfigKind>(key.first));
    push.mutable_config_changed()->mutable_ref()->set_id(key.second);
    push.mutable_config_changed()->set_version(stored.version());
    emitEvent(ferry::v1::TOPIC_CONFIG, push);
    return r;
}

Response FakeCluster::deleteConfig(const ferry::v1::DeleteConfigRequest& req) {
    const Key key{req.ref().kind(), req.ref().id()};
    const std::string what = kindName(key.first) + " '" + key.second + "'";
    auto it = m_config.find(key);
    if (it == m_config.end()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND, what + " does not exist",
                            "list the objects to see which exist");
    }
    if (it->second.version() != req.version()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_CONFLICT,
                            what + " was changed by someone else: you read version " +
                                std::to_string(req.version()) + ", it is now at version " +
                                std::to_string(it->second.version()),
                            "reload it and decide again", it->second.version());
    }
    m_config.erase(it);
    if (key.first == ferry::v1::CONFIG_KIND_PIPELINE) {
        m_runtime.erase(std::stoull(key.second));
    }
    ferry::v1::Push push;
    *push.mutable_config_changed()->mutable_ref() = req.ref();
    emitEvent(ferry::v1::TOPIC_CONFIG, push);
    Response r;
    r.mutable_delete_config();
    return r;
}

Response FakeCluster::pipelineAction(const ferry::v1::PipelineActionRequest& req) {
    auto it = m_runtime.find(req.pipeline_id());
    const auto* p = pipeline(req.pipeline_id());
    if (it == m_runtime.end() || p == nullptr) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            "pipeline " + std::to_string(req.pipeline_id()) + " does not exist",
                            "list the pipelines to see which exist");
    }
    Runtime& rt = it->second;
    const std::string name = "pipeline " + p->name();
    const auto refuse = [&](const std::string& why, const std::string& hint) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION, name + ": " + why,
                            hint);
    };
    const auto state = rt.state;
    Response r;
    auto* out = r.mutable_pipeline_action();
    switch (req.action()) {
        case ferry::v1::PIPELINE_ACTION_START:
            if (state != ferry::v1::PIPELINE_STATE_STOPPED) {
                return refuse("is not stopped", "use resume for a paused or failed pipeline");
            }
            run(req.pipeline_id(), rt);
            rt.desired = ferry::v1::PIPELINE_STATE_RUNNING;
            break;
        case ferry::v1::PIPELINE_ACTION_PAUSE:
            if (state != ferry::v1::PIPELINE_STATE_RUNNING) {
                return refuse("is not running", "only a running pipeline can be paused");
            }
            stall(req.pipeline_id(), rt, ferry::v1::PIPELINE_STATE_PAUSED);
            rt.desired = ferry::v1::PIPELINE_STATE_PAUSED;
            break;
        case ferry::v1::PIPELINE_ACTION_RESUME:
            if (state != ferry::v1::PIPELINE_STATE_PAUSED &&
                state != ferry::v1::PIPELINE_STATE_FAILED) {
                return refuse("is neither paused nor failed", "start a stopped pipeline instead");
            }
            rt.rowsBefore = rowsApplied(req.pipeline_id(), rt, now());
            run(req.pipeline_id(), rt);
            rt.desired = ferry::v1::PIPELINE_STATE_RUNNING;
            break;
        case ferry::v1::PIPELINE_ACTION_STOP:
            if (state == ferry::v1::PIPELINE_STATE_RUNNING) {
                stall(req.pipeline_id(), rt, ferry::v1::PIPELINE_STATE_STOPPED);
            }
            rt.state = ferry::v1::PIPELINE_STATE_STOPPED;
            rt.desired = ferry::v1::PIPELINE_STATE_STOPPED;
            break;
        case ferry::v1::PIPELINE_ACTION_SKIP:
            if (state != ferry::v1::PIPELINE_STATE_FAILED) {
                return refuse("has not failed",
                              "skip applies to the transaction a pipeline "
                              "failed on");
            }
            if (!req.expected_failed_transaction().empty() &&
                req.expected_failed_transaction() != rt.lastError.transaction()) {
                return refuse("failed on transaction " + rt.lastError.transaction() + ", not " +
                                  req.expected_failed_transaction(),
                              "look at the new error before skipping");
            }
            run(req.pipeline_id(), rt);
            rt.desired = ferry::v1::PIPELINE_STATE_RUNNING;
            break;
        case ferry::v1::PIPELINE_ACTION_REWIND: {
            if (req.start_position().position_case() ==
                ferry::v1::StartPosition::POSITION_NOT_SET) {
                return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                    name + ": rewind needs a start position",
                                    "give a file and position, a GTID set or a time");
            }
            if (state == ferry::v1::PIPELINE_STATE_RUNNING) {
                return refuse("is running", "pause or stop it before rewinding");
            }
            auto* plan = out->mutable_plan();
            *plan->mutable_from() = req.start_position();
            plan->mutable_from_position()->set_file("mysql-bin.000041");
            plan->mutable_from_position()->set_pos(4);
            const std::uint64_t rows = rowsApplied(req.pipeline_id(), rt, now());
            plan->mutable_to_position()->set_file("mysql-bin.000042");
            plan->mutable_to_position()->set_pos(4 + rows * 213);
            plan->set_rows(rows + 5000);
            plan->set_transactions((rows + 5000) / 4);
            plan->set_bytes((rows + 5000) * 180);
            for (int i = 0; i < 3; ++i) {
                auto* t = plan->add_tables();
                t->set_schema("shop");
                t->set_table(kTables[i]);
                t->set_inserts((rows + 5000) / static_cast<std::uint64_t>(2 + i));
            }
            if (!req.dry_run()) {
                rt.rowsBefore = 0;
                rt.lastError.Clear();
            }
            break;
        }
        default:
            return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                name + ": no action given",
                                "choose start, pause, resume, stop, "
                                "skip or rewind");
    }
    if (!(req.action() == ferry::v1::PIPELINE_ACTION_REWIND && req.dry_run())) {
        logEvent(req.pipeline_id(), ferry::v1::LOG_SEVERITY_INFO,
                 name + ": " + ferry::v1::PipelineAction_Name(req.action()) +
                     (req.reason().empty() ? "" : " (" + req.reason() + ")"));
    }
    *out->mutable_status() = statusOf(req.pipeline_id());
    return r;
}

Response FakeCluster::browse(const ferry::v1::BrowseRequest& req) const {
    if (m_config.count({ferry::v1::CONFIG_KIND_DATA_SOURCE, req.data_source()}) == 0) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            "data source '" + req.data_source() + "' does not exist",
                            "list the data sources to see which exist");
    }
    Response r;
    auto* out = r.mutable_browse();
    if (req.schema().empty()) {
        for (const char* s : {"ferry", "shop"}) {
            out->add_schemas(s);
        }
        return r;
    }
    if (req.schema() != "shop") {
        return r;
    }
    if (req.table().empty()) {
        for (int i = 0; i < 3; ++i) {
            auto* t = out->add_tables();
            t->set_name(kTables[i]);
            t->set_engine("InnoDB");
            t->set_rows_estimate(100000u / static_cast<unsigned>(i + 1));
            t->add_primary_key("id");
        }
        return r;
    }
    const std::vector<std::tuple<const char*, const char*, bool>> columns = {
        {"id", "bigint(20) unsigned", false},
        {"customer_id", "bigint(20) unsigned", false},
        {"amount", "decimal(12,2)", false},
        {"note", "varchar(255)", true},
        {"updated_at", "timestamp(6)", false}};
    std::uint32_t ordinal = 1;
    for (const auto& [name, type, nullable] : columns) {
        auto* c = out->add_columns();
        c->set_name(name);
        c->set_ordinal(ordinal++);
        c->set_column_type(type);
        c->set_nullable(nullable);
        c->set_primary_key(std::string(name) == "id");
        c->set_charset(std::string(type).rfind("varchar", 0) == 0 ? "utf8mb4" : "");
    }
    return r;
}

Response FakeCluster::preflight(const ferry::v1::PreflightRequest& req) const {
    auto it = m_config.find({ferry::v1::CONFIG_KIND_DATA_SOURCE, req.data_source()});
    if (it == m_config.end()) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            "data source '" + req.data_source() + "' does not exist",
                            "list the data sources to see which exist");
    }
    Response r;
    auto* out = r.mutable_preflight();
    const auto add = [&](const char* name, ferry::v1::CheckResult result, const char* message,
                         const char* hint) {
        auto* c = out->add_checks();
        c->set_name(name);
        c->set_result(result);
        c->set_message(message);
        c->set_hint(hint);
    };
    add("connect", ferry::v1::CHECK_RESULT_PASS, "connected as ferry", "");
    add("binlog_format", ferry::v1::CHECK_RESULT_PASS, "binlog_format is ROW", "");
    add("binlog_row_image", ferry::v1::CHECK_RESULT_PASS, "binlog_row_image is FULL", "");
    if (req.data_source() == "us-db") {
        add("binlog_row_metadata", ferry::v1::CHECK_RESULT_FAIL, "binlog_row_metadata is MINIMAL",
            "SET GLOBAL binlog_row_metadata=FULL and add binlog_row_metadata=FULL to my.cnf");
    } else {
        add("binlog_row_metadata", ferry::v1::CHECK_RESULT_PASS, "binlog_row_metadata is FULL", "");
    }
    add("ferry_schema", ferry::v1::CHECK_RESULT_WARN, "schema ferry lacks table tombstones",
        "let the agent create it (ferryctl preflight --fix) or run sql/ferry_schema.sql");
    out->set_flavor(it->second.data_source().flavor());
    out->set_version(it->second.data_source().version());
    out->set_server_id(it->second.data_source().server_id());
    return r;
}

Response FakeCluster::metricHistory(const ferry::v1::MetricHistoryRequest& req) const {
    if (m_runtime.count(req.pipeline_id()) == 0) {
        return serviceError(ferry::v1::SERVICE_ERROR_CODE_NOT_FOUND,
                            "pipeline " + std::to_string(req.pipeline_id()) + " does not exist",
                            "list the pipelines to see which exist");
    }
    std::int64_t spanS = 0;
    std::uint32_t stepS = 0;
    switch (req.range()) {
        case ferry::v1::METRIC_RANGE_5_MINUTES:
            spanS = 300, stepS = 1;
            break;
        case ferry::v1::METRIC_RANGE_1_HOUR:
            spanS = 3600, stepS = 10;
            break;
        case ferry::v1::METRIC_RANGE_24_HOURS:
            spanS = 86400, stepS = 300;
            break;
        default:
            return serviceError(ferry::v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                "metric_history: no range given", "choose 5 min, 1 h or 24 h");
    }
    Response r;
    auto* out = r.mutable_metric_history();
    out->set_step_seconds(stepS);
    const std::int64_t end = now();
    for (std::int64_t t = end - spanS * 1000; t <= end; t += stepS * 1000) {
        auto* point = out->add_points();
        point->set_time_unix_ms(t);
        double value = 0;
        switch (req.metric()) {
            case ferry::v1::METRIC_ROWS_PER_SECOND:
                value = runningRows(req.pipeline_id(), t);
                break;
            case ferry::v1::METRIC_BYTES_PER_SECOND:
                value = runningRows(req.pipeline_id(), t) * 180.0;
                break;
            default:
                value = runningLag(req.pipeline_id(), t);
        }
        point->set_value(value);
    }
    return r;
}

}  // namespace ferry::testing
