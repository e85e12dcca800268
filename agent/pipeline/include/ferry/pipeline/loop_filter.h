// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "ferry/v1/change.pb.h"

namespace ferry::pipeline {

// What capture does with a source transaction, as far as Ferry's own tables are concerned.
enum class OwnRows {
    None,       // no row of the ferry schema: an ordinary transaction
    Loop,       // applied here by a pipeline of the same channel coming the other way: drop it
    Heartbeat,  // the source's heartbeat row (lag): ship it
    Other,      // other ferry bookkeeping only (positions of unrelated pipelines, fences): drop
};

// Loop avoidance for two-way channels (ARCHITECTURE.md, "Loop avoidance"): every apply
// transaction begins with its pipeline's `apply_position` row, so the capture of the opposite
// pipeline recognises at the FIRST row change that the transaction came from the other site and
// drops it whole (classifyFirstChange needs nothing more, so large transactions are dropped
// without being buffered). Transactions applied by pipelines of other channels are kept: chains
// (hz -> us -> eu) forward them.
//
// The ferry schema's apply_position table has pipeline_id as its first column (sql/); the name
// is checked when the table map carries names.
class LoopFilter {
public:
    LoopFilter(std::string ferrySchema, std::set<std::uint64_t> reversePipelines);

    // Looks at the first row change of a transaction and the table it touches.
    OwnRows classifyFirstChange(const v1::TableDefinition& table,
                                const v1::RowChange& change) const;
    // Whole-transaction form: classifies by the first change, then, for a transaction that is
    // not a loop, tells whether it touches the ferry schema only (Heartbeat or Other) or has
    // user rows too (None: the caller drops the ferry rows other than the heartbeat).
    OwnRows classify(const v1::Transaction& transaction) const;

    bool isFerryTable(const v1::TableDefinition& table) const;
    bool isHeartbeat(const v1::TableDefinition& table) const;
    const std::string& ferrySchema() const { return m_ferrySchema; }

private:
    std::optional<std::uint64_t> positionPipeline(const v1::TableDefinition& table,
                                                  const v1::RowChange& change) const;

    std::string m_ferrySchema;
    std::set<std::uint64_t> m_reverse;
};

}  // namespace ferry::pipeline
