// SPDX-License-Identifier: Apache-2.0
#include "client/cluster_state.h"

#include <algorithm>

#include <google/protobuf/util/message_differencer.h>

namespace ferry::gui {

ClusterState::ClusterState(QObject* parent) : QObject(parent) {}

void ClusterState::setTopology(Topology topology) {
    std::sort(topology.pipelines.begin(), topology.pipelines.end(),
              [](const auto& a, const auto& b) { return a.pipeline().id() < b.pipeline().id(); });
    m_topology = std::move(topology);
    for (auto it = m_statuses.begin(); it != m_statuses.end();) {
        it = pipeline(it->first) == nullptr ? m_statuses.erase(it) : std::next(it);
    }
    emit topologyReset();
}

void ClusterState::clear() {
    m_topology = Topology{};
    m_statuses.clear();
    emit topologyReset();
}

void ClusterState::updateStatuses(const std::vector<ferry::v1::PipelineStatus>& statuses) {
    QList<quint64> changed;
    for (const auto& s : statuses) {
        auto& slot = m_statuses[s.pipeline_id()];
        if (!google::protobuf::util::MessageDifferencer::Equals(slot, s)) {
            slot = s;
            changed.append(s.pipeline_id());
        }
    }
    if (!changed.isEmpty()) {
        emit statusesChanged(changed);
    }
}

const ferry::v1::SiteInfo* ClusterState::site(const QString& name) const {
    const std::string n = name.toStdString();
    for (const auto& s : m_topology.sites) {
        if (s.site().name() == n) {
            return &s;
        }
    }
    return nullptr;
}

const ferry::v1::AgentInfo* ClusterState::agent(const QString& id) const {
    const std::string n = id.toStdString();
    for (const auto& a : m_topology.agents) {
        if (a.agent().id() == n) {
            return &a;
        }
    }
    return nullptr;
}

const ferry::v1::ConfigObject* ClusterState::dataSource(const QString& id) const {
    const std::string n = id.toStdString();
    for (const auto& d : m_topology.dataSources) {
        if (d.data_source().id() == n) {
            return &d;
        }
    }
    return nullptr;
}

const ferry::v1::ConfigObject* ClusterState::channel(const QString& id) const {
    const std::string n = id.toStdString();
    for (const auto& c : m_topology.channels) {
        if (c.channel().id() == n) {
            return &c;
        }
    }
    return nullptr;
}

const ferry::v1::ConfigObject* ClusterState::pipeline(std::uint64_t id) const {
    const auto it = std::lower_bound(
        m_topology.pipelines.begin(), m_topology.pipelines.end(), id,
        [](const ferry::v1::ConfigObject& o, std::uint64_t v) { return o.pipeline().id() < v; });
    return it != m_topology.pipelines.end() && it->pipeline().id() == id ? &*it : nullptr;
}

QString ClusterState::siteOfDataSource(const QString& id) const {
    const auto* d = dataSource(id);
    return d == nullptr ? QString() : QString::fromStdString(d->data_source().site());
}

const ferry::v1::PipelineStatus* ClusterState::status(std::uint64_t pipelineId) const {
    const auto it = m_statuses.find(pipelineId);
    return it == m_statuses.end() ? nullptr : &it->second;
}

}  // namespace ferry::gui
