// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <QObject>
#include <QPointer>

#include <functional>
#include <vector>

#include "client/cluster_state.h"
#include "client/connection_manager.h"
#include "ferry/model/result.h"
#include "widgets/designer/channel_design_model.h"

namespace ferry::gui {

// Reads the designer's snapshot from the agent and writes its save plans, through the
// ConnectionManager's current connection.
//
// A save first reads every object it will write and compares versions (a create expects the id
// to be free), so a concurrent edit is found before anything is written; then it writes the
// steps in order and stops at the first failure. A stale version, an id taken or an object gone
// fails with ErrorCode::Conflict ("channel 'orders' was changed elsewhere: ..."); the caller
// offers to reload or to re-apply its edits. A failure after some writes says how many were made.
//
// Handlers run exactly once, from the event loop. Does not own the manager, which must outlive
// it. Lives in the GUI thread; one load or save at a time (busy()).
class DesignSync : public QObject {
    Q_OBJECT

public:
    using LoadHandler = std::function<void(Result<DesignSnapshot>)>;
    // `written`: how many steps were carried out.
    using SaveHandler = std::function<void(Status, int written)>;

    explicit DesignSync(ConnectionManager& manager, QObject* parent = nullptr);

    bool busy() const { return m_busy; }
    void load(LoadHandler handler);
    void save(std::vector<SaveStep> steps, SaveHandler handler);

    // The snapshot a ClusterState already holds (no request).
    static DesignSnapshot fromTopology(const ClusterState::Topology& topology);

private:
    struct SaveRun;
    void check(const std::shared_ptr<SaveRun>& run);
    void writeNext(const std::shared_ptr<SaveRun>& run);
    void finishSave(const std::shared_ptr<SaveRun>& run, Status status);

    ConnectionManager& m_manager;
    bool m_busy = false;
};

}  // namespace ferry::gui
