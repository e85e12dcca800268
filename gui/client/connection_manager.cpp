// SPDX-License-Identifier: Apache-2.0
#include "client/connection_manager.h"

#include <QSettings>
#include <QUuid>

#include <algorithm>

#include "ferry/wire/names.h"

namespace ferry::gui {

namespace {

using ferry::client::AgentClient;
using ferry::client::ConnectionState;

QString qs(const std::string& s) {
    return QString::fromStdString(s);
}

// Collects the answers of one refresh; the topology is set when all have arrived.
struct RefreshBatch {
    ClusterState::Topology topology;
    int outstanding = 0;
    bool failed = false;
};

}  // namespace

ConnectionManager::ConnectionManager(QSettings* settings, QObject* parent)
    : QObject(parent), m_settings(settings) {}

ConnectionManager::~ConnectionManager() {
    for (auto& c : m_connections) {
        c->client->disconnect(this);
    }
}

int ConnectionManager::indexOf(const QString& id) const {
    for (int i = 0; i < count(); ++i) {
        if (m_connections[static_cast<std::size_t>(i)]->id == id) {
            return i;
        }
    }
    return -1;
}

ConnectionManager::Connection* ConnectionManager::find(const QString& id) {
    const int row = indexOf(id);
    return row < 0 ? nullptr : m_connections[static_cast<std::size_t>(row)].get();
}

QString ConnectionManager::displayName(int row) const {
    const auto& c = at(row);
    if (!c.settings.name.isEmpty()) {
        return c.settings.name;
    }
    if (!c.agentId.isEmpty()) {
        return c.agentId;
    }
    return c.settings.endpoint.address();
}

void ConnectionManager::load() {
    if (m_settings == nullptr) {
        return;
    }
    const int n = m_settings->beginReadArray(QStringLiteral("connections"));
    std::vector<std::pair<QString, ConnectionSettings>> loaded;
    for (int i = 0; i < n; ++i) {
        m_settings->setArrayIndex(i);
        ConnectionSettings s;
        s.name = m_settings->value(QStringLiteral("name")).toString();
        s.endpoint.host = m_settings->value(QStringLiteral("host")).toString();
        s.endpoint.port = static_cast<quint16>(m_settings->value(QStringLiteral("port")).toUInt());
        s.endpoint.caFile = m_settings->value(QStringLiteral("caFile")).toString();
        const auto pin = m_settings->value(QStringLiteral("fingerprint")).toString();
        if (!pin.isEmpty()) {
            if (auto parsed = ferry::client::parseFingerprint(pin); parsed.ok()) {
                s.endpoint.pinnedSha256 = *parsed;
            }
        }
        s.endpoint.plainTcp = m_settings->value(QStringLiteral("plainTcp"), false).toBool();
        s.endpoint.token = m_settings->value(QStringLiteral("token")).toString();
        s.endpoint.cluster =
            m_settings->value(QStringLiteral("cluster"), QStringLiteral("default")).toString();
        s.endpoint.user = m_settings->value(QStringLiteral("user")).toString();
        s.autoConnect = m_settings->value(QStringLiteral("autoConnect"), true).toBool();
        loaded.emplace_back(m_settings->value(QStringLiteral("id")).toString(), s);
    }
    m_settings->endArray();
    for (const auto& [id, s] : loaded) {
        // A saved entry that no longer validates (a CA file moved) is kept, shown as refused.
        const QString newId = insert(s, false, {}, id);
        if (s.autoConnect) {
            connectTo(newId);
        }
    }
}

void ConnectionManager::save() const {
    if (m_settings == nullptr) {
        return;
    }
    m_settings->remove(QStringLiteral("connections"));
    m_settings->beginWriteArray(QStringLiteral("connections"));
    int i = 0;
    for (const auto& c : m_connections) {
        if (c->discovered) {
            continue;
        }
        m_settings->setArrayIndex(i++);
        const auto& e = c->settings.endpoint;
        m_settings->setValue(QStringLiteral("id"), c->id);
        m_settings->setValue(QStringLiteral("name"), c->settings.name);
        m_settings->setValue(QStringLiteral("host"), e.host);
        m_settings->setValue(QStringLiteral("port"), e.port);
        m_settings->setValue(QStringLiteral("caFile"), e.caFile);
        m_settings->setValue(QStringLiteral("fingerprint"),
                             e.pinnedSha256.isEmpty()
                                 ? QString()
                                 : ferry::client::formatFingerprint(e.pinnedSha256));
        m_settings->setValue(QStringLiteral("plainTcp"), e.plainTcp);
        m_settings->setValue(QStringLiteral("token"), e.token);
        m_settings->setValue(QStringLiteral("cluster"), e.cluster);
        m_settings->setValue(QStringLiteral("user"), e.user);
        m_settings->setValue(QStringLiteral("autoConnect"), c->settings.autoConnect);
    }
    m_settings->endArray();
    m_settings->sync();
}

QString ConnectionManager::insert(const ConnectionSettings& settings, bool discovered,
                                  const QString& via, const QString& wantedId) {
    auto c = std::make_unique<Connection>();
    c->id = wantedId.isEmpty() || indexOf(wantedId) >= 0
                ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                : wantedId;
    c->settings = settings;
    c->discovered = discovered;
    c->discoveredVia = via;
    c->client = std::make_unique<AgentClient>();
    if (auto valid = c->client->setEndpoint(settings.endpoint); !valid.ok()) {
        c->state = ConnectionState::Refused;
        c->statusText = qs(valid.error().message);
    } else if (discovered) {
        c->statusText = tr("standby: discovered via %1").arg(via);
    }
    const QString id = c->id;
    connect(c->client.get(), &AgentClient::stateChanged, this, [this, id] { onStateChanged(id); });
    connect(c->client.get(), &AgentClient::connected, this, [this, id] { onConnected(id); });
    const int row = count();
    emit connectionAboutToBeAdded(row);
    m_connections.push_back(std::move(c));
    emit connectionAdded(row);
    return id;
}

Result<QString> ConnectionManager::add(const ConnectionSettings& settings) {
    FERRY_TRY(settings.endpoint.validate());
    const QString id = insert(settings, false, {});
    save();
    if (settings.autoConnect) {
        connectTo(id);
    }
    return id;
}

Status ConnectionManager::update(const QString& id, const ConnectionSettings& settings) {
    auto* c = find(id);
    if (c == nullptr) {
        return makeError(ErrorCode::NotFound, "connection " + id.toStdString() + " is gone");
    }
    FERRY_TRY(c->client->setEndpoint(settings.endpoint));
    const bool wasOpen =
        c->state != ConnectionState::Disconnected && c->state != ConnectionState::Refused;
    c->settings = settings;
    c->discovered = false;  // edited: it is the user's now
    save();
    if (wasOpen || settings.autoConnect) {
        c->client->close();
        c->client->open();
    }
    emit connectionChanged(indexOf(id));
    return okStatus();
}

void ConnectionManager::remove(const QString& id) {
    const int row = indexOf(id);
    if (row < 0) {
        return;
    }
    if (id == m_currentId) {
        m_currentId.clear();
        m_subscription = 0;
        m_state.clear();
        emit currentChanged({});
    }
    emit connectionAboutToBeRemoved(row);
    auto c = std::move(m_connections[static_cast<std::size_t>(row)]);
    m_connections.erase(m_connections.begin() + row);
    c->client->disconnect(this);
    c->client->close();
    c->client.release()->deleteLater();  // it may be inside one of its own callbacks
    emit connectionRemoved(row);
    save();
}

void ConnectionManager::connectTo(const QString& id) {
    if (auto* c = find(id)) {
        c->client->open();
        onStateChanged(id);
    }
}

void ConnectionManager::disconnectFrom(const QString& id) {
    if (auto* c = find(id)) {
        c->client->close();
    }
}

void ConnectionManager::reconnectAll() {
    for (const auto& c : m_connections) {
        if (c->state == ConnectionState::Error || c->state == ConnectionState::Refused) {
            c->client->open();
        }
    }
}

ferry::client::AgentClient* ConnectionManager::currentClient() const {
    const int row = indexOf(m_currentId);
    return row < 0 ? nullptr : at(row).client.get();
}

void ConnectionManager::setCurrent(const QString& id) {
    if (id == m_currentId || (!id.isEmpty() && indexOf(id) < 0)) {
        return;
    }
    if (auto* old = currentClient(); old != nullptr && m_subscription != 0) {
        old->unsubscribe(m_subscription);
    }
    m_subscription = 0;
    m_currentId = id;
    m_state.clear();
    emit currentChanged(id);
    if (currentClient() != nullptr) {
        subscribeCurrent();
        if (currentClient()->state() == ConnectionState::Connected) {
            refresh();
        }
    }
}

void ConnectionManager::subscribeCurrent() {
    auto* client = currentClient();
    ferry::v1::SubscribeRequest request;
    request.add_topics(ferry::v1::TOPIC_PIPELINE_STATUS);
    request.add_topics(ferry::v1::TOPIC_CONFIG);
    request.add_topics(ferry::v1::TOPIC_AGENTS);
    m_subscription = client->subscribe(
        request,
        [this](const ferry::v1::Push& push) {
            if (push.has_pipeline_statuses()) {
                const auto& s = push.pipeline_statuses().statuses();
                m_state.updateStatuses({s.begin(), s.end()});
            } else if (push.has_config_changed() || push.has_agents_changed()) {
                refresh();
            }
        },
        [this](Result<ferry::v1::Response> answer) {
            if (!answer.ok()) {
                emit operationFailed(
                    tr("pipeline status subscription failed: %1").arg(qs(answer.error().message)));
                return;
            }
            const auto& s = answer->subscribe().statuses();
            m_state.updateStatuses({s.begin(), s.end()});
        });
}

void ConnectionManager::send(const ferry::v1::Request& request,
                             ferry::client::AgentClient::ResponseHandler handler) {
    if (auto* client = currentClient()) {
        client->send(request, std::move(handler));
        return;
    }
    QMetaObject::invokeMethod(
        this,
        [handler = std::move(handler)] {
            handler(makeError(ErrorCode::Unavailable,
                              "no agent connection; add one in the Connections panel"));
        },
        Qt::QueuedConnection);
}

void ConnectionManager::pipelineAction(std::uint64_t pipelineId, ferry::v1::PipelineAction action,
                                       ferry::client::AgentClient::ResponseHandler handler) {
    ferry::v1::Request request;
    request.mutable_pipeline_action()->set_pipeline_id(pipelineId);
    request.mutable_pipeline_action()->set_action(action);
    send(request, [this, handler = std::move(handler)](Result<ferry::v1::Response> answer) {
        if (answer.ok() && answer->pipeline_action().has_status()) {
            m_state.updateStatuses({answer->pipeline_action().status()});
        }
        if (handler) {
            handler(std::move(answer));
        }
    });
}

void ConnectionManager::refresh() {
    auto* client = currentClient();
    if (client == nullptr || client->state() != ConnectionState::Connected) {
        return;
    }
    const std::uint64_t generation = ++m_refreshGeneration;
    auto batch = std::make_shared<RefreshBatch>();
    const QString current = m_currentId;
    auto finish = [this, batch, generation, current](const Result<ferry::v1::Response>& r,
                                                     auto&& store) {
        --batch->outstanding;
        if (!r.ok()) {
            if (!batch->failed && generation == m_refreshGeneration) {
                emit operationFailed(tr("cannot load the cluster: %1").arg(qs(r.error().message)));
            }
            batch->failed = true;
        } else {
            store(*r);
        }
        if (batch->outstanding == 0 && !batch->failed && generation == m_refreshGeneration &&
            current == m_currentId) {
            m_state.setTopology(std::move(batch->topology));
        }
    };
    const auto listConfig = [](ferry::v1::ConfigKind kind) {
        ferry::v1::Request r;
        r.mutable_list_config()->set_kind(kind);
        return r;
    };
    ferry::v1::Request sites;
    sites.mutable_list_sites();
    ferry::v1::Request agents;
    agents.mutable_list_agents();
    batch->outstanding = 5;
    client->send(sites, [finish, batch](Result<ferry::v1::Response> r) {
        finish(r, [&](const ferry::v1::Response& ok) {
            const auto& s = ok.list_sites().sites();
            batch->topology.sites.assign(s.begin(), s.end());
        });
    });
    client->send(agents, [finish, batch](Result<ferry::v1::Response> r) {
        finish(r, [&](const ferry::v1::Response& ok) {
            const auto& a = ok.list_agents().agents();
            batch->topology.cluster = qs(ok.list_agents().cluster());
            batch->topology.agents.assign(a.begin(), a.end());
        });
    });
    client->send(listConfig(ferry::v1::CONFIG_KIND_DATA_SOURCE),
                 [finish, batch](Result<ferry::v1::Response> r) {
                     finish(r, [&](const ferry::v1::Response& ok) {
                         const auto& o = ok.list_config().objects();
                         batch->topology.dataSources.assign(o.begin(), o.end());
                     });
                 });
    client->send(listConfig(ferry::v1::CONFIG_KIND_CHANNEL),
                 [finish, batch](Result<ferry::v1::Response> r) {
                     finish(r, [&](const ferry::v1::Response& ok) {
                         const auto& o = ok.list_config().objects();
                         batch->topology.channels.assign(o.begin(), o.end());
                     });
                 });
    client->send(listConfig(ferry::v1::CONFIG_KIND_PIPELINE),
                 [finish, batch](Result<ferry::v1::Response> r) {
                     finish(r, [&](const ferry::v1::Response& ok) {
                         const auto& o = ok.list_config().objects();
                         batch->topology.pipelines.assign(o.begin(), o.end());
                     });
                 });
}

void ConnectionManager::onStateChanged(const QString& id) {
    auto* c = find(id);
    if (c == nullptr) {
        return;
    }
    c->state = c->client->state();
    c->statusText = c->client->statusText();
    if (c->state == ConnectionState::Connected) {
        const auto& session = c->client->session();
        c->agentId = qs(session.peerIdentity);
        c->site = qs(session.peerSite);
        c->role = qs(ferry::wire::roleName(session.role));
    }
    emit connectionChanged(indexOf(id));
}

void ConnectionManager::onConnected(const QString& id) {
    auto* c = find(id);
    if (c == nullptr) {
        return;
    }
    if (m_currentId.isEmpty()) {
        setCurrent(id);  // subscribes and refreshes
    } else if (id == m_currentId) {
        refresh();
    }
    ferry::v1::Request request;
    request.mutable_list_agents();
    c->client->send(request, [this, id](Result<ferry::v1::Response> answer) {
        if (answer.ok()) {
            discover(id, answer->list_agents());
        }
    });
}

void ConnectionManager::discover(const QString& id, const ferry::v1::ListAgentsResponse& agents) {
    auto* seed = find(id);
    if (seed == nullptr) {
        return;
    }
    QList<QPair<QString, quint16>> alternates;
    std::vector<std::pair<QString, ferry::client::Endpoint>> found;
    for (const auto& info : agents.agents()) {
        auto address = ferry::client::parseAddress(qs(info.agent().address()));
        if (!address.ok() || qs(info.agent().id()) == seed->agentId) {
            continue;
        }
        alternates.append({address->first, address->second});
        ferry::client::Endpoint e = seed->settings.endpoint;
        e.host = address->first;
        e.port = address->second;
        const bool known = std::any_of(m_connections.begin(), m_connections.end(), [&](auto& c) {
            return c->settings.endpoint.address().compare(e.address(), Qt::CaseInsensitive) == 0 ||
                   c->agentId == qs(info.agent().id());
        });
        if (!known) {
            found.emplace_back(qs(info.agent().id()), e);
        }
    }
    seed->client->setAlternateAddresses(alternates);
    const QString via = displayName(indexOf(id));
    for (const auto& [agentId, endpoint] : found) {
        ConnectionSettings s;
        s.name = agentId;
        s.endpoint = endpoint;
        s.autoConnect = false;
        insert(s, true, via);
    }
}

}  // namespace ferry::gui
