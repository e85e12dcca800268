// SPDX-License-Identifier: Apache-2.0
#include "fake_agent_server.h"

#include <QTimer>

#include <utility>

namespace ferry::testing {

FakeAgentServer::FakeAgentServer(FakeCluster& cluster, Options options, QObject* parent)
    : QObject(parent),
      m_cluster(cluster),
      m_options(std::move(options)),
      m_pushTimer(new QTimer(this)),
      m_alive(std::make_shared<bool>(true)) {
    connect(m_pushTimer, &QTimer::timeout, this, &FakeAgentServer::pushNow);
    m_pushTimer->start(m_options.pushInterval);
    std::weak_ptr<bool> alive = m_alive;
    m_cluster.addListener([this, alive](ferry::v1::Topic topic, const ferry::v1::Push& push) {
        if (alive.lock()) {
            onEvent(topic, push);
        }
    });
}

FakeAgentServer::~FakeAgentServer() {
    m_alive.reset();
    m_server.reset();  // ends every call while this handler is still whole
    m_subscriptions.clear();
    m_swallowed.clear();
}

bool FakeAgentServer::listen(const QHostAddress& address, quint16 port) {
    ferry::server::ServerOptions options;
    options.self.kind = ferry::v1::PEER_KIND_AGENT;
    options.self.identity = m_options.agentId;
    options.self.cluster = m_cluster.clusterName();
    options.self.site = m_cluster.siteOfAgent(m_options.agentId);
    options.self.softwareVersion = "0.1.0-fake";
    if (!m_options.certificateFile.isEmpty() || !m_options.keyFile.isEmpty()) {
        auto tls = ferry::server::loadTlsSettings(m_options.certificateFile, m_options.keyFile);
        if (!tls.ok()) {
            m_error = QString::fromStdString(tls.error().message);
            return false;
        }
        options.tls = std::move(tls).value();
    } else {
        options.allowPlainTcp = true;
    }
    auto tokens = std::make_shared<ferry::server::TokenTable>();
    for (const auto& [token, role] : m_options.tokens) {
        tokens->add(token, role);
    }
    options.authenticator = std::move(tokens);
    m_server = std::make_unique<ferry::server::ServiceServer>(std::move(options), *this);
    const Status listening = m_server->listen(address, port);
    if (!listening.ok()) {
        m_error = QString::fromStdString(listening.error().message);
        m_server.reset();
        return false;
    }
    m_cluster.setAgentAddress(m_options.agentId, address.toString().toStdString() + ":" +
                                                     std::to_string(m_server->port()));
    return true;
}

quint16 FakeAgentServer::port() const {
    return m_server ? m_server->port() : 0;
}

void FakeAgentServer::dropConnections() {
    if (m_server) {
        m_server->closeAllConnections(std::nullopt);
    }
    // The server ends the calls from the event loop; the fake forgets them now, as a cut link
    // would leave nothing behind.
    m_subscriptions.clear();
    m_swallowed.clear();
}

void FakeAgentServer::handle(std::shared_ptr<ferry::server::Call> call) {
    if (m_silent) {
        m_swallowed.push_back(std::move(call));  // open until the connection goes
        return;
    }
    const ferry::v1::Response response = m_cluster.handle(call->request(), call->peer().role);
    ++m_requestsServed;
    if (!call->respond(response).ok() || !call->streaming() || response.has_error()) {
        return;
    }
    const auto& subscribe = call->request().subscribe();
    Watch watch;
    watch.call = call;
    for (const int t : subscribe.topics()) {
        watch.topics.insert(t);
    }
    watch.pipelines.assign(subscribe.pipeline_ids().begin(), subscribe.pipeline_ids().end());
    const ferry::server::Call* key = call.get();
    std::weak_ptr<bool> alive = m_alive;
    call->onEnded([this, alive, key](ferry::server::CallEnd) {
        if (alive.lock()) {
            m_subscriptions.erase(key);
        }
    });
    m_subscriptions.emplace(key, std::move(watch));
}

std::vector<FakeAgentServer::Watch> FakeAgentServer::watches() const {
    std::vector<Watch> out;
    out.reserve(m_subscriptions.size());
    for (const auto& [key, watch] : m_subscriptions) {
        out.push_back(watch);
    }
    return out;
}

void FakeAgentServer::pushNow() {
    for (const auto& watch : watches()) {
        const auto statuses = m_cluster.statuses(watch.pipelines);
        if (watch.topics.count(ferry::v1::TOPIC_PIPELINE_STATUS) != 0) {
            ferry::v1::Push push;
            for (const auto& s : statuses) {
                *push.mutable_pipeline_statuses()->add_statuses() = s;
            }
            (void)watch.call->push(push);
        }
        if (watch.topics.count(ferry::v1::TOPIC_METRICS) != 0) {
            ferry::v1::Push push;
            for (const auto& s : statuses) {
                auto* sample = push.mutable_metrics()->add_samples();
                sample->set_pipeline_id(s.pipeline_id());
                sample->set_time_unix_ms(s.updated_unix_ms());
                sample->set_lag_seconds(s.lag_seconds());
                sample->set_rows_per_second(s.rows_per_second());
                sample->set_bytes_per_second(s.bytes_per_second());
            }
            (void)watch.call->push(push);
        }
    }
}

void FakeAgentServer::onEvent(ferry::v1::Topic topic, const ferry::v1::Push& push) {
    for (const auto& watch : watches()) {
        if (watch.topics.count(topic) != 0) {
            (void)watch.call->push(push);
        }
    }
}

}  // namespace ferry::testing
