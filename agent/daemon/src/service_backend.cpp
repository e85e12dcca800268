// SPDX-License-Identifier: Apache-2.0
#include "ferry/daemon/service_backend.h"

#include <chrono>
#include <map>
#include <set>

#include "ferry/coord/agent_membership.h"
#include "ferry/coord/versioned_config_store.h"
#include "ferry/daemon/cluster_view.h"
#include "ferry/daemon/paths.h"
#include "ferry/mysql/database_url.h"
#include "ferry/pipeline/table_router.h"
#include "ferry/v1/coordination.pb.h"

namespace ferry::daemon {
namespace {

constexpr std::int64_t kReportFreshMs = 5000;

std::int64_t nowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

v1::ServiceErrorCode codeOf(const Error& error) {
    switch (error.code) {
        case ErrorCode::InvalidArgument:
        case ErrorCode::Corrupt:
            return v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT;
        case ErrorCode::NotFound:
            return v1::SERVICE_ERROR_CODE_NOT_FOUND;
        case ErrorCode::Conflict:
            return v1::SERVICE_ERROR_CODE_CONFLICT;
        case ErrorCode::Unavailable:
        case ErrorCode::Io:
            return v1::SERVICE_ERROR_CODE_UNAVAILABLE;
        case ErrorCode::PermissionDenied:
            return v1::SERVICE_ERROR_CODE_PERMISSION_DENIED;
        case ErrorCode::Unsupported:
            return v1::SERVICE_ERROR_CODE_UNSUPPORTED;
        case ErrorCode::Internal:
            return v1::SERVICE_ERROR_CODE_INTERNAL;
    }
    return v1::SERVICE_ERROR_CODE_INTERNAL;
}

v1::Response fromError(const Error& error, std::string hint = {}) {
    if (hint.empty()) {
        switch (error.code) {
            case ErrorCode::Conflict:
                hint = "someone changed it since you read it: reload, reapply your edit, save";
                break;
            case ErrorCode::Unavailable:
                hint = "ZooKeeper is not reachable from this agent; retry, or ask another agent";
                break;
            default:
                break;
        }
    }
    return errorResponse(codeOf(error), error.message, std::move(hint));
}

std::optional<coord::ConfigKind> storeKind(v1::ConfigKind kind) {
    switch (kind) {
        case v1::CONFIG_KIND_DATA_SOURCE:
            return coord::ConfigKind::DataSource;
        case v1::CONFIG_KIND_CHANNEL:
            return coord::ConfigKind::Channel;
        case v1::CONFIG_KIND_PIPELINE:
            return coord::ConfigKind::Pipeline;
        case v1::CONFIG_KIND_TABLE_MAPPING:
            return coord::ConfigKind::Mapping;
        default:
            return std::nullopt;
    }
}

// The stored bytes of an object: its message (mappings: a ConfigObject carrying pipeline_id).
std::string encode(const v1::ConfigObject& object) {
    switch (object.object_case()) {
        case v1::ConfigObject::kDataSource:
            return object.data_source().SerializeAsString();
        case v1::ConfigObject::kChannel:
            return object.channel().SerializeAsString();
        case v1::ConfigObject::kPipeline:
            return object.pipeline().SerializeAsString();
        case v1::ConfigObject::kTableMapping: {
            v1::ConfigObject stored;
            *stored.mutable_table_mapping() = object.table_mapping();
            stored.set_pipeline_id(object.pipeline_id());
            return stored.SerializeAsString();
        }
        default:
            return {};
    }
}

Result<v1::ConfigObject> decode(v1::ConfigKind kind, const std::string& id,
                                const coord::VersionedValue& value) {
    v1::ConfigObject object;
    object.set_version(static_cast<std::uint64_t>(value.version) + 1);
    bool ok = false;
    switch (kind) {
        case v1::CONFIG_KIND_DATA_SOURCE:
            ok = object.mutable_data_source()->ParseFromString(value.data);
            break;
        case v1::CONFIG_KIND_CHANNEL:
            ok = object.mutable_channel()->ParseFromString(value.data);
            break;
        case v1::CONFIG_KIND_PIPELINE:
            ok = object.mutable_pipeline()->ParseFromString(value.data);
            break;
        case v1::CONFIG_KIND_TABLE_MAPPING: {
            v1::ConfigObject stored;
            ok = stored.ParseFromString(value.data) && stored.has_table_mapping();
            *object.mutable_table_mapping() = stored.table_mapping();
            object.set_pipeline_id(stored.pipeline_id());
            break;
        }
        default:
            break;
    }
    if (!ok) {
        return makeError(ErrorCode::Corrupt, "the stored " + v1::ConfigKind_Name(kind) + " '" + id +
                                                 "' does not parse; delete it and put it "
                                                 "again");
    }
    return object;
}

std::string idOf(const v1::ConfigObject& object) {
    switch (object.object_case()) {
        case v1::ConfigObject::kDataSource:
            return object.data_source().id();
        case v1::ConfigObject::kChannel:
            return object.channel().id();
        case v1::ConfigObject::kPipeline:
            return std::to_string(object.pipeline().id());
        case v1::ConfigObject::kTableMapping:
            return object.table_mapping().id();
        default:
            return {};
    }
}

v1::ConfigKind kindOf(const v1::ConfigObject& object) {
    switch (object.object_case()) {
        case v1::ConfigObject::kDataSource:
            return v1::CONFIG_KIND_DATA_SOURCE;
        case v1::ConfigObject::kChannel:
            return v1::CONFIG_KIND_CHANNEL;
        case v1::ConfigObject::kPipeline:
            return v1::CONFIG_KIND_PIPELINE;
        case v1::ConfigObject::kTableMapping:
            return v1::CONFIG_KIND_TABLE_MAPPING;
        default:
            return v1::CONFIG_KIND_UNSPECIFIED;
    }
}

bool validSite(const std::string& site) {
    if (site.empty() || site.size() > 32) {
        return false;
    }
    for (char c : site) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

Result<std::optional<v1::RoleReport>> readReport(coord::Keeper& keeper, const std::string& path) {
    auto node = keeper.get(path);
    if (node.kind() == coord::KeeperError::NoNode) {
        return std::optional<v1::RoleReport>();
    }
    if (!node.ok()) {
        return Error(std::move(node).error());
    }
    v1::RoleReport report;
    if (!report.ParseFromString(node->data)) {
        return std::optional<v1::RoleReport>();
    }
    return std::optional<v1::RoleReport>(std::move(report));
}

}  // namespace

v1::Response errorResponse(v1::ServiceErrorCode code, std::string message, std::string hint) {
    v1::Response response;
    auto* error = response.mutable_error();
    error->set_code(code);
    error->set_message(std::move(message));
    error->set_hint(std::move(hint));
    return response;
}

ServiceBackend::ServiceBackend(coord::Keeper& keeper, std::string cluster)
    : m_keeper(keeper), m_cluster(std::move(cluster)) {}

v1::Response ServiceBackend::handle(const Caller& caller, const v1::Request& request) {
    switch (request.operation_case()) {
        case v1::Request::kListAgents:
            return listAgents();
        case v1::Request::kListSites:
            return listSites();
        case v1::Request::kListConfig:
            return listConfig(request.list_config());
        case v1::Request::kGetConfig:
            return getConfig(request.get_config());
        case v1::Request::kPutConfig:
            return putConfig(caller, request.put_config());
        case v1::Request::kDeleteConfig:
            return deleteConfig(request.delete_config());
        case v1::Request::kPipelineAction:
            return pipelineAction(caller, request.pipeline_action());
        case v1::Request::kGetPipelineStatus:
            return pipelineStatus(request.get_pipeline_status());
        default:
            return errorResponse(v1::SERVICE_ERROR_CODE_UNSUPPORTED,
                                 "this agent does not answer that request here",
                                 "use a newer agent, or another request");
    }
}

v1::Response ServiceBackend::listAgents() {
    auto records = coord::AgentMembership::list(m_keeper, std::string(paths::kAgents));
    if (!records.ok()) {
        return fromError(records.error());
    }
    ClusterReader reader(m_keeper);
    auto snapshot = reader.read();
    v1::Response response;
    auto* list = response.mutable_list_agents();
    list->set_cluster(m_cluster);
    std::map<std::string, v1::AgentInfo*> byId;
    for (const auto& record : *records) {
        auto* info = list->add_agents();
        if (!info->mutable_agent()->ParseFromString(record.payload)) {
            info->mutable_agent()->set_id(record.id);
        }
        info->set_state(v1::AGENT_STATE_ONLINE);
        info->set_last_seen_unix_ms(nowMs());
        byId[record.id] = info;
    }
    if (snapshot.ok()) {
        for (const auto& [id, pipeline] : snapshot->pipelines) {
            for (bool capture : {true, false}) {
                auto report = readReport(
                    m_keeper, capture ? paths::captureReport(id) : paths::applyReport(id));
                if (!report.ok() || !*report ||
                    nowMs() - (*report)->updated_unix_ms() > kReportFreshMs) {
                    continue;
                }
                auto it = byId.find((*report)->agent());
                if (it != byId.end()) {
                    if (capture) {
                        it->second->add_capture_pipelines(id);
                    } else {
                        it->second->add_apply_pipelines(id);
                    }
                }
            }
        }
    }
    return response;
}

v1::Response ServiceBackend::listSites() {
    auto records = coord::AgentMembership::list(m_keeper, std::string(paths::kAgents));
    if (!records.ok()) {
        return fromError(records.error());
    }
    ClusterReader reader(m_keeper);
    auto snapshot = reader.read();
    if (!snapshot.ok()) {
        return fromError(snapshot.error());
    }
    std::map<std::string, v1::SiteInfo> sites;
    for (const auto& record : *records) {
        v1::Agent agent;
        if (agent.ParseFromString(record.payload) && !agent.site().empty()) {
            auto& site = sites[agent.site()];
            site.mutable_site()->set_name(agent.site());
            site.add_agents(agent.id());
        }
    }
    for (const auto& [id, source] : snapshot->dataSources) {
        auto& site = sites[source.site()];
        site.mutable_site()->set_name(source.site());
        site.add_data_sources(id);
    }
    v1::Response response;
    for (auto& [name, site] : sites) {
        site.set_health(site.agents_size() == 0 ? v1::SITE_HEALTH_DOWN : v1::SITE_HEALTH_OK);
        *response.mutable_list_sites()->add_sites() = std::move(site);
    }
    return response;
}

v1::Response ServiceBackend::listConfig(const v1::ListConfigRequest& request) {
    const auto kind = storeKind(request.kind());
    if (!kind) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT, "list_config needs a kind");
    }
    coord::VersionedConfigStore store(m_keeper, std::string(paths::kConfig));
    auto ids = store.list(*kind);
    if (!ids.ok()) {
        return fromError(ids.error());
    }
    v1::Response response;
    for (const auto& id : *ids) {
        auto value = store.read(*kind, id);
        if (!value.ok()) {
            if (value.error().code == ErrorCode::NotFound) {
                continue;
            }
            return fromError(value.error());
        }
        auto object = decode(request.kind(), id, *value);
        if (!object.ok()) {
            return fromError(object.error());
        }
        if (request.kind() == v1::CONFIG_KIND_TABLE_MAPPING && request.pipeline_id() != 0 &&
            object->pipeline_id() != request.pipeline_id()) {
            continue;
        }
        *response.mutable_list_config()->add_objects() = std::move(*object);
    }
    return response;
}

v1::Response ServiceBackend::getConfig(const v1::GetConfigRequest& request) {
    const auto kind = storeKind(request.ref().kind());
    if (!kind) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT, "get_config needs a kind");
    }
    coord::VersionedConfigStore store(m_keeper, std::string(paths::kConfig));
    auto value = store.read(*kind, request.ref().id());
    if (!value.ok()) {
        return fromError(value.error());
    }
    auto object = decode(request.ref().kind(), request.ref().id(), *value);
    if (!object.ok()) {
        return fromError(object.error());
    }
    v1::Response response;
    *response.mutable_get_config()->mutable_object() = std::move(*object);
    return response;
}

v1::Response ServiceBackend::putConfig(const Caller&, const v1::PutConfigRequest& request) {
    v1::ConfigObject object = request.object();
    const v1::ConfigKind kind = kindOf(object);
    const auto skind = storeKind(kind);
    if (!skind) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                             "put_config carries no object");
    }
    const std::string id = idOf(object);
    if (auto valid = coord::VersionedConfigStore::validateId(*skind, id); !valid.ok()) {
        return fromError(valid.error());
    }
    ClusterReader reader(m_keeper);
    auto snapshot = reader.read();
    if (!snapshot.ok()) {
        return fromError(snapshot.error());
    }
    auto invalid = [&](const std::string& what, const std::string& hint = {}) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                             v1::ConfigKind_Name(kind) + " '" + id + "': " + what, hint);
    };
    switch (kind) {
        case v1::CONFIG_KIND_DATA_SOURCE: {
            const auto& source = object.data_source();
            if (!validSite(source.site())) {
                return invalid("site '" + source.site() + "' is not a short lowercase name");
            }
            auto url = mysql::DatabaseUrl::parse(source.url());
            if (!url.ok()) {
                return invalid(url.error().message);
            }
            if (url->passwordInUrl()) {
                return invalid("the URL holds a password, which would be stored in clear",
                               "remove it from the URL and give the password as a sealed secret "
                               "(ferryctl cert seal) or as an environment variable or file on "
                               "the agent hosts");
            }
            break;
        }
        case v1::CONFIG_KIND_PIPELINE: {
            auto& pipeline = *object.mutable_pipeline();
            if (pipeline.id() == 0) {
                return invalid("pipeline ids start at 1");
            }
            const auto source = snapshot->dataSources.find(pipeline.source());
            const auto target = snapshot->dataSources.find(pipeline.target());
            if (source == snapshot->dataSources.end() || target == snapshot->dataSources.end()) {
                return invalid("names data source '" +
                                   (source == snapshot->dataSources.end() ? pipeline.source()
                                                                          : pipeline.target()) +
                                   "', which does not exist",
                               "create the data source first");
            }
            if (pipeline.source() == pipeline.target()) {
                return invalid("source and target are the same data source");
            }
            if (auto router = pipeline::TableRouter::compile(pipeline); !router.ok()) {
                return invalid(router.error().message);
            }
            if (pipeline.name().empty()) {
                pipeline.set_name(
                    (pipeline.channel().empty() ? std::string("pipeline") : pipeline.channel()) +
                    ":" + source->second.site() + "->" + target->second.site());
            }
            break;
        }
        case v1::CONFIG_KIND_CHANNEL: {
            const auto& channel = object.channel();
            std::set<std::pair<std::string, std::string>> directions;
            for (std::uint64_t pid : channel.pipelines()) {
                const auto it = snapshot->pipelines.find(pid);
                if (it == snapshot->pipelines.end()) {
                    return invalid("lists pipeline " + std::to_string(pid) +
                                   ", which does not exist");
                }
                directions.emplace(it->second.source(), it->second.target());
            }
            if (channel.kind() == v1::CHANNEL_KIND_TWO_WAY) {
                const bool opposite =
                    directions.size() == 2 &&
                    directions.begin()->first == std::next(directions.begin())->second &&
                    directions.begin()->second == std::next(directions.begin())->first;
                if (!opposite) {
                    return invalid(
                        "a two-way channel needs exactly two pipelines in opposite "
                        "directions between the same two data sources");
                }
            } else if (channel.kind() == v1::CHANNEL_KIND_ONE_WAY && channel.pipelines_size() > 1) {
                return invalid("a one-way channel has one pipeline");
            }
            break;
        }
        case v1::CONFIG_KIND_TABLE_MAPPING:
            if (!snapshot->pipelines.contains(object.pipeline_id())) {
                return invalid("belongs to pipeline " + std::to_string(object.pipeline_id()) +
                               ", which does not exist");
            }
            break;
        default:
            break;
    }
    if (request.validate_only()) {
        v1::Response response;
        *response.mutable_put_config()->mutable_object() = object;
        return response;
    }
    coord::VersionedConfigStore store(m_keeper, std::string(paths::kConfig));
    const std::string data = encode(object);
    Result<std::int32_t> written =
        object.version() == 0
            ? store.create(*skind, id, data)
            : store.write(*skind, id, data, static_cast<std::int32_t>(object.version() - 1));
    if (!written.ok()) {
        if (object.version() == 0 && written.error().code == ErrorCode::Conflict) {
            return errorResponse(v1::SERVICE_ERROR_CODE_ALREADY_EXISTS,
                                 v1::ConfigKind_Name(kind) + " '" + id + "' already exists",
                                 "read it and update it with its version, or choose another id");
        }
        return fromError(written.error());
    }
    object.set_version(static_cast<std::uint64_t>(*written) + 1);
    v1::Response response;
    *response.mutable_put_config()->mutable_object() = std::move(object);
    return response;
}

namespace {

// Deletes the table mappings of pipeline `pipelineId` (after the pipeline itself).
Status removeMappingsOf(coord::VersionedConfigStore& store, const std::string& pipelineId) {
    FERRY_ASSIGN_OR_RETURN(const auto ids, store.list(coord::ConfigKind::Mapping));
    for (const auto& mappingId : ids) {
        auto value = store.read(coord::ConfigKind::Mapping, mappingId);
        if (!value.ok()) {
            if (value.error().code == ErrorCode::NotFound) {
                continue;
            }
            return std::move(value).error();
        }
        auto object = decode(v1::CONFIG_KIND_TABLE_MAPPING, mappingId, *value);
        if (!object.ok() || std::to_string(object->pipeline_id()) != pipelineId) {
            continue;  // not this pipeline's (an undecodable one is reported by the reader)
        }
        auto removed = store.remove(coord::ConfigKind::Mapping, mappingId, value->version);
        if (!removed.ok() && removed.error().code != ErrorCode::NotFound) {
            return makeError(removed.error().code,
                             "pipeline " + pipelineId + " was deleted, but its table mapping '" +
                                 mappingId + "' could not be: " + removed.error().message +
                                 "; delete it by hand");
        }
    }
    return okStatus();
}

}  // namespace

v1::Response ServiceBackend::deleteConfig(const v1::DeleteConfigRequest& request) {
    const auto kind = storeKind(request.ref().kind());
    if (!kind) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT, "delete_config needs a kind");
    }
    ClusterReader reader(m_keeper);
    auto snapshot = reader.read();
    if (!snapshot.ok()) {
        return fromError(snapshot.error());
    }
    const std::string& id = request.ref().id();
    if (request.ref().kind() == v1::CONFIG_KIND_DATA_SOURCE) {
        for (const auto& [pid, pipeline] : snapshot->pipelines) {
            if (pipeline.source() == id || pipeline.target() == id) {
                return errorResponse(
                    v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION,
                    "data source '" + id + "' is used by pipeline " + std::to_string(pid),
                    "delete the pipeline first");
            }
        }
    }
    if (request.ref().kind() == v1::CONFIG_KIND_PIPELINE) {
        for (const auto& [cid, channel] : snapshot->channels) {
            for (std::uint64_t pid : channel.pipelines()) {
                if (std::to_string(pid) == id) {
                    return errorResponse(v1::SERVICE_ERROR_CODE_FAILED_PRECONDITION,
                                         "pipeline " + id + " belongs to channel '" + cid + "'",
                                         "delete or change the channel first");
                }
            }
        }
    }
    coord::VersionedConfigStore store(m_keeper, std::string(paths::kConfig));
    if (request.version() == 0) {
        return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                             "delete_config needs the version you read");
    }
    if (auto removed = store.remove(*kind, id, static_cast<std::int32_t>(request.version() - 1));
        !removed.ok()) {
        return fromError(removed.error());
    }
    if (request.ref().kind() == v1::CONFIG_KIND_PIPELINE) {
        // A pipeline's table mappings are parts of it: they go with it.
        if (auto removed = removeMappingsOf(store, id); !removed.ok()) {
            return fromError(removed.error());
        }
    }
    v1::Response response;
    response.mutable_delete_config();
    return response;
}

v1::Response ServiceBackend::pipelineAction(const Caller& caller,
                                            const v1::PipelineActionRequest& request) {
    ClusterReader reader(m_keeper);
    auto snapshot = reader.read();
    if (!snapshot.ok()) {
        return fromError(snapshot.error());
    }
    const std::uint64_t id = request.pipeline_id();
    if (!snapshot->pipelines.contains(id)) {
        return errorResponse(v1::SERVICE_ERROR_CODE_NOT_FOUND,
                             "pipeline " + std::to_string(id) + " does not exist");
    }
    if (request.action() == v1::PIPELINE_ACTION_REWIND && request.dry_run()) {
        return errorResponse(v1::SERVICE_ERROR_CODE_UNSUPPORTED,
                             "rewind dry runs are not available in this version",
                             "stop the pipeline and use 'ferryctl binlog dump' with the same "
                             "start flags to see what would be replayed");
    }
    const std::string path = paths::control(id);
    for (int attempt = 0; attempt < 5; ++attempt) {
        v1::PipelineControl control;
        std::int32_t version = -1;
        auto node = m_keeper.get(path);
        if (node.ok()) {
            (void)control.ParseFromString(node->data);
            version = node->stat.version;
        } else if (node.kind() != coord::KeeperError::NoNode) {
            return fromError(Error(std::move(node).error()));
        }
        switch (request.action()) {
            case v1::PIPELINE_ACTION_START:
            case v1::PIPELINE_ACTION_RESUME:
                control.set_desired_state(v1::PIPELINE_STATE_RUNNING);
                if (request.has_start_position()) {
                    *control.mutable_rewind_to() = request.start_position();
                }
                break;
            case v1::PIPELINE_ACTION_PAUSE:
                control.set_desired_state(v1::PIPELINE_STATE_PAUSED);
                break;
            case v1::PIPELINE_ACTION_STOP:
                control.set_desired_state(v1::PIPELINE_STATE_STOPPED);
                break;
            case v1::PIPELINE_ACTION_SKIP:
                if (request.expected_failed_transaction().empty()) {
                    return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                         "skip needs the failing transaction you saw",
                                         "copy it from the pipeline's last error");
                }
                control.set_skip_transaction(request.expected_failed_transaction());
                control.set_desired_state(v1::PIPELINE_STATE_RUNNING);
                break;
            case v1::PIPELINE_ACTION_REWIND:
                if (!request.has_start_position()) {
                    return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                         "rewind needs a start position",
                                         "give --start-file/--start-pos, --start-gtid or "
                                         "--start-time");
                }
                *control.mutable_rewind_to() = request.start_position();
                break;
            default:
                return errorResponse(v1::SERVICE_ERROR_CODE_INVALID_ARGUMENT,
                                     "unknown pipeline action");
        }
        control.set_generation(control.generation() + 1);
        control.set_requested_by(caller.identity);
        control.set_reason(request.reason());
        control.set_time_unix_ms(nowMs());
        const std::string data = control.SerializeAsString();
        bool done = false;
        if (version < 0) {
            if (auto made = m_keeper.ensurePath(paths::pipeline(id)); !made.ok()) {
                return fromError(Error(std::move(made).error()));
            }
            auto created = m_keeper.create(path, data);
            done = created.ok();
            if (!done && created.kind() != coord::KeeperError::NodeExists) {
                return fromError(Error(std::move(created).error()));
            }
        } else {
            auto set = m_keeper.set(path, data, version);
            done = set.ok();
            if (!done && set.kind() != coord::KeeperError::BadVersion) {
                return fromError(Error(std::move(set).error()));
            }
        }
        if (done) {
            v1::Response response;
            auto statuses = this->statuses({id});
            if (statuses.ok() && !statuses->empty()) {
                *response.mutable_pipeline_action()->mutable_status() = statuses->front();
            } else {
                response.mutable_pipeline_action();
            }
            return response;
        }
    }
    return errorResponse(v1::SERVICE_ERROR_CODE_CONFLICT,
                         "pipeline " + std::to_string(id) + " is being changed by others",
                         "retry in a moment");
}

Result<std::vector<v1::PipelineStatus>> ServiceBackend::statuses(
    const std::vector<std::uint64_t>& ids) {
    ClusterReader reader(m_keeper);
    FERRY_ASSIGN_OR_RETURN(const ClusterSnapshot snapshot, reader.read());
    std::vector<v1::PipelineStatus> out;
    const std::int64_t now = nowMs();
    for (const auto& [id, pipeline] : snapshot.pipelines) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) {
            continue;
        }
        v1::PipelineStatus status;
        status.set_pipeline_id(id);
        status.set_name(pipeline.name());
        status.set_channel(pipeline.channel());
        status.set_source(pipeline.source());
        status.set_target(pipeline.target());
        status.set_source_site(snapshot.sourceSite(pipeline));
        status.set_target_site(snapshot.targetSite(pipeline));
        const v1::PipelineState desired = snapshot.desiredState(pipeline);
        status.set_desired_state(desired);
        status.set_updated_unix_ms(now);
        FERRY_ASSIGN_OR_RETURN(auto capture, readReport(m_keeper, paths::captureReport(id)));
        FERRY_ASSIGN_OR_RETURN(auto apply, readReport(m_keeper, paths::applyReport(id)));
        auto fresh = [now](const std::optional<v1::RoleReport>& r) {
            return r && now - r->updated_unix_ms() <= kReportFreshMs;
        };
        if (capture) {
            status.set_capture_agent(capture->agent());
        }
        if (apply) {
            status.set_apply_agent(apply->agent());
            status.set_lag_seconds(apply->lag_seconds());
            status.set_rows_per_second(apply->rows_per_second());
            status.set_bytes_per_second(apply->bytes_per_second());
            *status.mutable_position() = apply->position();
            status.set_gtid_set(apply->gtid_set());
            *status.mutable_tables() = apply->tables();
        }
        if (desired == v1::PIPELINE_STATE_STOPPED) {
            status.set_state(v1::PIPELINE_STATE_STOPPED);
        } else if ((fresh(capture) && capture->state() == v1::PIPELINE_STATE_FAILED) ||
                   (fresh(apply) && apply->state() == v1::PIPELINE_STATE_FAILED)) {
            status.set_state(v1::PIPELINE_STATE_FAILED);
            *status.mutable_last_error() =
                (fresh(apply) && apply->state() == v1::PIPELINE_STATE_FAILED ? apply : capture)
                    ->last_error();
        } else if (fresh(capture) && fresh(apply)) {
            status.set_state(apply->state());
        } else {
            status.set_state(v1::PIPELINE_STATE_UNSPECIFIED);
            auto* error = status.mutable_last_error();
            error->set_time_unix_ms(now);
            error->set_message(std::string("no ") + (fresh(capture) ? "apply" : "capture") +
                               " leader has reported for " + std::to_string(kReportFreshMs / 1000) +
                               " s");
            error->set_hint(std::string("check that an agent of site ") +
                            (fresh(capture) ? status.target_site() : status.source_site()) +
                            " is running and can reach ZooKeeper and its database");
        }
        out.push_back(std::move(status));
    }
    return out;
}

v1::Response ServiceBackend::pipelineStatus(const v1::GetPipelineStatusRequest& request) {
    auto list = statuses({request.pipeline_ids().begin(), request.pipeline_ids().end()});
    if (!list.ok()) {
        return fromError(list.error());
    }
    v1::Response response;
    for (auto& status : *list) {
        *response.mutable_get_pipeline_status()->add_statuses() = std::move(status);
    }
    return response;
}

}  // namespace ferry::daemon
