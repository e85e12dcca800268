// SPDX-License-Identifier: Apache-2.0
#include "ferry/pipeline/loop_filter.h"

namespace ferry::pipeline {

LoopFilter::LoopFilter(std::string ferrySchema, std::set<std::uint64_t> reversePipelines)
    : m_ferrySchema(std::move(ferrySchema)), m_reverse(std::move(reversePipelines)) {}

bool LoopFilter::isFerryTable(const v1::TableDefinition& table) const {
    return table.schema() == m_ferrySchema;
}

bool LoopFilter::isHeartbeat(const v1::TableDefinition& table) const {
    return isFerryTable(table) && table.name() == "heartbeat";
}

std::optional<std::uint64_t> LoopFilter::positionPipeline(const v1::TableDefinition& table,
                                                          const v1::RowChange& change) const {
    if (!isFerryTable(table) || table.name() != "apply_position") {
        return std::nullopt;
    }
    if (table.columns_size() > 0 && !table.columns(0).name().empty() &&
        table.columns(0).name() != "pipeline_id") {
        return std::nullopt;
    }
    const auto& image = change.after_size() > 0 ? change.after() : change.before();
    if (image.empty()) {
        return std::nullopt;
    }
    const v1::Value& id = image[0];
    if (id.has_uint()) {
        return id.uint();
    }
    if (id.has_int_() && id.int_() >= 0) {
        return static_cast<std::uint64_t>(id.int_());
    }
    return std::nullopt;
}

OwnRows LoopFilter::classifyFirstChange(const v1::TableDefinition& table,
                                        const v1::RowChange& change) const {
    if (!isFerryTable(table)) {
        return OwnRows::None;
    }
    if (const auto pipeline = positionPipeline(table, change);
        pipeline && m_reverse.contains(*pipeline)) {
        return OwnRows::Loop;
    }
    return isHeartbeat(table) ? OwnRows::Heartbeat : OwnRows::Other;
}

OwnRows LoopFilter::classify(const v1::Transaction& transaction) const {
    if (transaction.changes_size() == 0) {
        return OwnRows::None;
    }
    const v1::RowChange& first = transaction.changes(0);
    if (first.table() >= static_cast<std::uint32_t>(transaction.tables_size())) {
        return OwnRows::None;  // malformed: the applier reports it
    }
    const OwnRows verdict =
        classifyFirstChange(transaction.tables(static_cast<int>(first.table())), first);
    if (verdict == OwnRows::Loop || verdict == OwnRows::None) {
        return verdict;
    }
    bool heartbeat = false;
    for (const auto& change : transaction.changes()) {
        if (change.table() >= static_cast<std::uint32_t>(transaction.tables_size())) {
            return OwnRows::None;
        }
        const auto& table = transaction.tables(static_cast<int>(change.table()));
        if (!isFerryTable(table)) {
            return OwnRows::None;
        }
        heartbeat = heartbeat || isHeartbeat(table);
    }
    return heartbeat ? OwnRows::Heartbeat : OwnRows::Other;
}

}  // namespace ferry::pipeline
