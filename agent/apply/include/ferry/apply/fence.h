// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ferry/apply/sql_session.h"
#include "ferry/model/result.h"

namespace ferry::apply {

// Takes the pipeline's fence on the target for a new apply term (ARCHITECTURE.md, "Fencing"):
// in one transaction, SELECT ... FOR UPDATE on `<ferry>.fence`, then raise its token to
// `token` (the leader znode's creation zxid) and record `holder`. From then on every apply
// transaction of an older term finds a higher token under its shared lock and refuses to commit.
// Re-claiming with the same token is fine (a restarted role of the same term). A fence already
// higher than `token` means a newer leader exists: Conflict, and nothing is written.
Status claimFence(SqlSession& session, std::string_view ferrySchema, std::uint64_t pipelineId,
                  std::uint64_t token, std::string_view holder);

}  // namespace ferry::apply
