// SPDX-License-Identifier: Apache-2.0
#include "ferry/apply/fence.h"

#include <charconv>

namespace ferry::apply {
namespace {

Status rollbackWith(SqlSession& session, Error error) {
    (void)session.execute("ROLLBACK");
    return error;
}

}  // namespace

Status claimFence(SqlSession& session, std::string_view ferrySchema, std::uint64_t pipelineId,
                  std::uint64_t token, std::string_view holder) {
    const std::string table = quoteIdentifier(ferrySchema) + ".`fence`";
    const std::string id = std::to_string(pipelineId);
    FERRY_TRY(session.execute("BEGIN"));
    auto current = session.query("SELECT token, holder FROM " + table +
                                 " WHERE pipeline_id = " + id + " FOR UPDATE");
    if (!current.ok()) {
        return rollbackWith(session, current.error());
    }
    if (const auto existing = current->firstValue("token")) {
        std::uint64_t value = 0;
        const auto [end, ec] =
            std::from_chars(existing->data(), existing->data() + existing->size(), value);
        if (ec != std::errc() || end != existing->data() + existing->size()) {
            return rollbackWith(session,
                                makeError(ErrorCode::Corrupt, table + " holds token '" + *existing +
                                                                  "' for pipeline " + id +
                                                                  ", which is not a number"));
        }
        if (value > token) {
            return rollbackWith(
                session, makeError(ErrorCode::Conflict,
                                   "pipeline " + id + ": the fence on " + session.where() +
                                       " holds token " + std::to_string(value) + " (held by " +
                                       current->firstValue("holder").value_or("?") +
                                       "), newer than this "
                                       "term's " +
                                       std::to_string(token) +
                                       ": another apply leader took over; this one stands down"));
        }
    }
    auto written = session.execute(
        "INSERT INTO " + table + " (pipeline_id, token, holder, updated_at) VALUES (" + id + ", " +
        std::to_string(token) + ", " + session.quote(holder) +
        ", CURRENT_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE token = VALUES(token), holder = "
        "VALUES(holder), updated_at = VALUES(updated_at)");
    if (!written.ok()) {
        return rollbackWith(session, written.error());
    }
    return session.execute("COMMIT");
}

}  // namespace ferry::apply
