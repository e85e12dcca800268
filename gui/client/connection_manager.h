// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

#include "client/cluster_state.h"
#include "ferry/client/agent_client.h"
#include "ferry/client/endpoint.h"

class QSettings;

namespace ferry::gui {

// One agent endpoint as the user configured it.
struct ConnectionSettings {
    QString name;  // for people; the address when empty
    ferry::client::Endpoint endpoint;
    bool autoConnect = true;  // connect at start-up
};

// The console's agent connections: add, edit and remove endpoints (persisted in QSettings when
// given one), each with its own AgentClient that reconnects with backoff and reports a status.
//
// Connecting to one agent discovers the others of its cluster (ListAgents): they are added as
// "discovered" connections (same credentials and trust, not persisted, not connected) and become
// the seed's failover addresses.
//
// The current connection (the first to connect, or the one chosen with setCurrent()) feeds the
// ClusterState: topology on every (re)connect and on configuration changes, pipeline statuses
// from a subscription. Operations for the views go through it (send(), pipelineAction()).
//
// Owns its clients and the ClusterState; does not own the QSettings, which must outlive it.
// Lives in the GUI thread; not thread safe.
class ConnectionManager : public QObject {
    Q_OBJECT

public:
    struct Connection {
        QString id;  // stable, unique; persisted
        ConnectionSettings settings;
        bool discovered = false;
        QString discoveredVia;  // the name of the connection that found it
        ferry::client::ConnectionState state = ferry::client::ConnectionState::Disconnected;
        QString statusText;
        QString agentId;  // from the handshake
        QString site;
        QString role;
        std::unique_ptr<ferry::client::AgentClient> client;
    };

    // `settings` may be null: nothing is loaded or saved.
    explicit ConnectionManager(QSettings* settings, QObject* parent = nullptr);
    ~ConnectionManager() override;

    int count() const { return static_cast<int>(m_connections.size()); }
    // REQUIRES: 0 <= row < count().
    const Connection& at(int row) const { return *m_connections[static_cast<std::size_t>(row)]; }
    int indexOf(const QString& id) const;
    QString displayName(int row) const;

    // Reads the saved connections; connects those marked autoConnect.
    void load();
    void save() const;

    // Adds a connection (after settings.endpoint.validate()) and returns its id.
    Result<QString> add(const ConnectionSettings& settings);
    // Replaces a connection's settings; a connected one reconnects with them.
    Status update(const QString& id, const ConnectionSettings& settings);
    void remove(const QString& id);
    void connectTo(const QString& id);
    void disconnectFrom(const QString& id);
    void reconnectAll();

    ClusterState& state() { return m_state; }
    const ClusterState& state() const { return m_state; }
    QString currentId() const { return m_currentId; }
    void setCurrent(const QString& id);
    // The current connection's client, or nullptr.
    ferry::client::AgentClient* currentClient() const;

    // Sends through the current connection (fails with Unavailable when there is none).
    void send(const ferry::v1::Request& request, ferry::client::AgentClient::ResponseHandler h);
    void pipelineAction(std::uint64_t pipelineId, ferry::v1::PipelineAction action,
                        ferry::client::AgentClient::ResponseHandler handler);
    // Reloads the topology of the current connection.
    void refresh();

signals:
    void connectionAboutToBeAdded(int row);
    void connectionAdded(int row);
    void connectionAboutToBeRemoved(int row);
    void connectionRemoved(int row);
    void connectionChanged(int row);
    void currentChanged(const QString& id);
    // A request made on the user's behalf failed (refresh, subscription); for the message bar.
    void operationFailed(const QString& text);

private:
    Connection* find(const QString& id);
    QString insert(const ConnectionSettings& settings, bool discovered, const QString& via,
                   const QString& id = {});
    void onStateChanged(const QString& id);
    void onConnected(const QString& id);
    void discover(const QString& id, const ferry::v1::ListAgentsResponse& agents);
    void subscribeCurrent();

    QSettings* m_settings;
    std::vector<std::unique_ptr<Connection>> m_connections;
    ClusterState m_state;
    QString m_currentId;
    std::uint64_t m_subscription = 0;
    std::uint64_t m_refreshGeneration = 0;
};

}  // namespace ferry::gui
