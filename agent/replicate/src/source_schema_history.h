// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ferry/capture/schema_tracker.h"
#include "ferry/model/binlog_position.h"
#include "ferry/model/result.h"
#include "ferry/mysql/connection.h"
#include "ferry/replicate/replicate_options.h"
#include "ferry/replicate/table_filter.h"
#include "ferry/schema/mysql_schema_history_store.h"

namespace ferry::replicate {

struct SourceSchemaHistoryRequest {
    SchemaHistoryMode mode = SchemaHistoryMode::Auto;
    std::string ferrySchema = "ferry";
    std::string sourceId;                 // the history's source_id (the source endpoint)
    std::vector<std::string> include;     // --include patterns, for the tracked schemas
    const TableFilter* filter = nullptr;  // REQUIRES: set
    model::BinlogPosition start;          // empty: not a file position (GTID or time start)
    std::string startDescription;
};

// The schema history of replicate's source: a dedicated connection to the source, the
// MysqlSchemaHistoryStore in its ferry schema and the SchemaTracker over them. Tracked schemas:
// the literal schema names of the --include patterns, the existing schemas the filter accepts,
// and the ferry schema. open() returns null when the mode or the source says to read TABLE_MAPs
// alone (it logs why). Owns the connection; used from one thread at a time (open() on the
// caller's thread, then the tracker on the reader thread).
class SourceSchemaHistory {
public:
    using LogFunction = std::function<void(const std::string&)>;

    static Result<std::unique_ptr<SourceSchemaHistory>> open(
        std::unique_ptr<mysql::MysqlConnection> connection,
        const SourceSchemaHistoryRequest& request, const LogFunction& log);

    capture::SchemaTracker& tracker() { return *m_tracker; }

private:
    SourceSchemaHistory() = default;

    std::unique_ptr<mysql::MysqlConnection> m_connection;
    std::unique_ptr<schema::MysqlSchemaHistoryStore> m_store;
    std::unique_ptr<capture::SchemaTracker> m_tracker;
};

}  // namespace ferry::replicate
