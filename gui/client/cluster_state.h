// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <cstdint>
#include <map>
#include <vector>

#include "ferry/v1/service.pb.h"

namespace ferry::gui {

// What the console knows about the cluster it is connected to: sites, agents, data sources,
// channels and pipelines (with their configuration versions) and the latest status of each
// pipeline. It is a cache filled by the ConnectionManager from the agent API; models read it and
// follow its signals. Topology changes arrive whole (setTopology, topologyReset); statuses
// arrive often and are announced by pipeline id.
//
// Not thread safe; lives in the GUI thread.
class ClusterState : public QObject {
    Q_OBJECT

public:
    struct Topology {
        QString cluster;
        std::vector<ferry::v1::SiteInfo> sites;
        std::vector<ferry::v1::AgentInfo> agents;
        std::vector<ferry::v1::ConfigObject> dataSources;
        std::vector<ferry::v1::ConfigObject> channels;
        std::vector<ferry::v1::ConfigObject> pipelines;  // sorted by pipeline id
    };

    explicit ClusterState(QObject* parent = nullptr);

    void setTopology(Topology topology);
    void clear();
    // Stores the statuses and announces those that changed.
    void updateStatuses(const std::vector<ferry::v1::PipelineStatus>& statuses);

    bool isEmpty() const { return m_topology.sites.empty() && m_topology.pipelines.empty(); }
    const Topology& topology() const { return m_topology; }
    const QString& cluster() const { return m_topology.cluster; }

    const ferry::v1::SiteInfo* site(const QString& name) const;
    const ferry::v1::AgentInfo* agent(const QString& id) const;
    const ferry::v1::ConfigObject* dataSource(const QString& id) const;
    const ferry::v1::ConfigObject* channel(const QString& id) const;
    const ferry::v1::ConfigObject* pipeline(std::uint64_t id) const;
    // The site a data source belongs to, empty when unknown.
    QString siteOfDataSource(const QString& id) const;
    // The latest status, or nullptr before the first one arrived.
    const ferry::v1::PipelineStatus* status(std::uint64_t pipelineId) const;

signals:
    void topologyReset();
    void statusesChanged(const QList<quint64>& pipelineIds);

private:
    Topology m_topology;
    std::map<std::uint64_t, ferry::v1::PipelineStatus> m_statuses;
};

}  // namespace ferry::gui
