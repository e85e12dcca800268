// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace ferry::capture::detail {

// What a QUERY event's statement means for transaction boundaries, judged from its leading
// keywords (after whitespace, `-- ` / `#` / `/* */` comments and `/*!NNNNN` version markers).
enum class StatementKind {
    Begin,       // BEGIN, START TRANSACTION, XA START / XA BEGIN
    Commit,      // COMMIT, XA COMMIT ... ONE PHASE
    Rollback,    // ROLLBACK (not ROLLBACK TO)
    Savepoint,   // SAVEPOINT, ROLLBACK TO, RELEASE SAVEPOINT
    XaEnd,       // XA END
    XaPrepare,   // XA PREPARE (two-phase XA)
    XaCommit,    // XA COMMIT of a prepared XA transaction
    XaRollback,  // XA ROLLBACK
    Dml,         // INSERT, UPDATE, DELETE, REPLACE, LOAD, WITH ...: statement-logged rows
    Other,       // DDL, GRANT, FLUSH, ...: a statement that stands alone
};

StatementKind classifyStatement(std::string_view query);

}  // namespace ferry::capture::detail
