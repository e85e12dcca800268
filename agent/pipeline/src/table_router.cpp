// SPDX-License-Identifier: Apache-2.0
#include "ferry/pipeline/table_router.h"

#include <algorithm>
#include <charconv>
#include <set>

namespace ferry::pipeline {
namespace {

Error mappingError(const v1::Pipeline& pipeline, const v1::TableMapping& mapping,
                   const std::string& what) {
    return makeError(ErrorCode::InvalidArgument, "pipeline " + std::to_string(pipeline.id()) +
                                                     " (" + pipeline.name() + "), table mapping '" +
                                                     mapping.id() + "': " + what);
}

bool allDigits(std::string_view text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

bool TableRouter::Compiled::matches(std::string_view schema, std::string_view table) const {
    if (schema != mapping.source().schema()) {
        return false;
    }
    for (const auto& excluded : mapping.source().excludes()) {
        if (excluded == table) {
            return false;
        }
    }
    switch (kind) {
        case Kind::Exact:
            return table == prefix;
        case Kind::Shard: {
            if (table.size() != prefix.size() + width + suffix.size() ||
                table.substr(0, prefix.size()) != prefix ||
                table.substr(table.size() - suffix.size()) != suffix) {
                return false;
            }
            const std::string_view digits = table.substr(prefix.size(), width);
            if (!allDigits(digits)) {
                return false;
            }
            unsigned long n = 0;
            std::from_chars(digits.data(), digits.data() + digits.size(), n);
            return n >= low && n <= high;
        }
        case Kind::Regex:
            return std::regex_match(table.begin(), table.end(), regex);
    }
    return false;
}

Result<std::shared_ptr<TableRouter>> TableRouter::compile(const v1::Pipeline& pipeline) {
    auto router = std::shared_ptr<TableRouter>(new TableRouter());
    for (const auto& mapping : pipeline.mappings()) {
        Compiled c;
        c.mapping = mapping;
        const auto& set = mapping.source();
        if (set.schema().empty()) {
            return mappingError(pipeline, mapping, "the source table set names no schema");
        }
        if (!mapping.row_filter().empty()) {
            return mappingError(pipeline, mapping,
                                "row filters are not supported by this version; remove "
                                "row_filter, or replicate the whole table");
        }
        switch (set.tables_case()) {
            case v1::TableSet::kExact:
                c.kind = Compiled::Kind::Exact;
                c.prefix = set.exact();
                break;
            case v1::TableSet::kShardRange: {
                c.kind = Compiled::Kind::Shard;
                const std::string& text = set.shard_range();
                const auto open = text.find('[');
                const auto dash = text.find('-', open == std::string::npos ? 0 : open);
                const auto close = text.find(']', dash == std::string::npos ? 0 : dash);
                if (open == std::string::npos || dash == std::string::npos ||
                    close == std::string::npos) {
                    return mappingError(
                        pipeline, mapping,
                        "shard range '" + text + "' is not of the form name[0001-0128]");
                }
                const std::string lowText = text.substr(open + 1, dash - open - 1);
                const std::string highText = text.substr(dash + 1, close - dash - 1);
                if (!allDigits(lowText) || !allDigits(highText) ||
                    lowText.size() != highText.size()) {
                    return mappingError(
                        pipeline, mapping,
                        "shard range '" + text + "': both bounds must be digits of the same width");
                }
                c.prefix = text.substr(0, open);
                c.suffix = text.substr(close + 1);
                c.width = lowText.size();
                c.low = std::stoul(lowText);
                c.high = std::stoul(highText);
                if (c.low > c.high) {
                    return mappingError(pipeline, mapping,
                                        "shard range '" + text + "' runs backwards");
                }
                break;
            }
            case v1::TableSet::kRegex:
                c.kind = Compiled::Kind::Regex;
                try {
                    c.regex = std::regex(set.regex(), std::regex::ECMAScript);
                } catch (const std::regex_error& e) {
                    return mappingError(
                        pipeline, mapping,
                        "regex '" + set.regex() + "' does not compile: " + e.what());
                }
                break;
            case v1::TableSet::TABLES_NOT_SET:
                return mappingError(pipeline, mapping,
                                    "the source table set gives no exact name, shard range or "
                                    "regex");
        }
        if (!mapping.target_table().empty() && c.kind != Compiled::Kind::Exact) {
            return mappingError(pipeline, mapping,
                                "a target table name needs an exact source table; for a shard "
                                "range or regex set only the target schema may change");
        }
        router->m_mappings.push_back(std::move(c));
    }
    return router;
}

const v1::TableMapping* TableRouter::route(std::string_view schema, std::string_view table) const {
    std::lock_guard lock(m_mutex);
    const auto key = std::make_pair(std::string(schema), std::string(table));
    auto it = m_cache.find(key);
    if (it == m_cache.end()) {
        int found = -1;
        for (std::size_t i = 0; i < m_mappings.size(); ++i) {
            if (m_mappings[i].matches(schema, table)) {
                found = static_cast<int>(i);
                break;
            }
        }
        it = m_cache.emplace(key, found).first;
    }
    return it->second < 0 ? nullptr : &m_mappings[static_cast<std::size_t>(it->second)].mapping;
}

bool TableRouter::replicatesSchema(std::string_view schema) const {
    return std::any_of(m_mappings.begin(), m_mappings.end(),
                       [&](const Compiled& c) { return c.mapping.source().schema() == schema; });
}

std::pair<std::string, std::string> TableRouter::targetName(const v1::TableMapping& mapping,
                                                            std::string_view schema,
                                                            std::string_view table) const {
    return {mapping.target_schema().empty() ? std::string(schema) : mapping.target_schema(),
            mapping.target_table().empty() ? std::string(table) : mapping.target_table()};
}

Result<TableRouter::Projection> TableRouter::project(const v1::TableMapping& mapping,
                                                     const v1::TableDefinition& table) const {
    Projection p;
    std::set<std::uint32_t> keyColumns(table.primary_key().begin(), table.primary_key().end());
    for (int i = 0; i < table.columns_size(); ++i) {
        const std::string& name = table.columns(i).name();
        const v1::ColumnMapping* rule = nullptr;
        for (const auto& column : mapping.columns()) {
            if (!name.empty() && column.source() == name) {
                rule = &column;
                break;
            }
        }
        if (rule != nullptr && rule->exclude()) {
            if (keyColumns.contains(static_cast<std::uint32_t>(i))) {
                return makeError(ErrorCode::InvalidArgument,
                                 "table mapping '" + mapping.id() + "' excludes column " + name +
                                     " of " + table.schema() + "." + table.name() +
                                     ", which is part of its primary key; keys must replicate");
            }
            continue;
        }
        p.kept.push_back(i);
        p.names.push_back(rule != nullptr && !rule->target().empty() ? rule->target() : name);
    }
    return p;
}

Status TableRouter::map(v1::Transaction& transaction) const {
    const auto sourceTables = transaction.tables();
    for (auto& change : *transaction.mutable_changes()) {
        FERRY_TRY(mapChange(sourceTables, change));
    }
    for (auto& table : *transaction.mutable_tables()) {
        const v1::TableMapping* mapping = route(table.schema(), table.name());
        if (mapping == nullptr) {
            continue;  // only ferry tables (heartbeat) travel unrouted
        }
        FERRY_ASSIGN_OR_RETURN(const Projection p, project(*mapping, table));
        auto [schema, name] = targetName(*mapping, table.schema(), table.name());
        v1::TableDefinition mapped;
        mapped.set_schema(std::move(schema));
        mapped.set_name(std::move(name));
        std::map<std::uint32_t, std::uint32_t> newIndex;
        for (std::size_t k = 0; k < p.kept.size(); ++k) {
            auto* column = mapped.add_columns();
            *column = table.columns(p.kept[k]);
            column->set_name(p.names[k]);
            newIndex[static_cast<std::uint32_t>(p.kept[k])] = static_cast<std::uint32_t>(k);
        }
        for (std::uint32_t key : table.primary_key()) {
            mapped.add_primary_key(newIndex.at(key));
        }
        for (const auto& unique : table.unique_keys()) {
            v1::UniqueKey keyOut;
            keyOut.set_name(unique.name());
            bool complete = true;
            for (std::uint32_t column : unique.columns()) {
                const auto found = newIndex.find(column);
                complete = complete && found != newIndex.end();
                if (complete) {
                    keyOut.add_columns(found->second);
                }
            }
            if (complete) {  // a key with an excluded column is no key on the target
                *mapped.add_unique_keys() = std::move(keyOut);
            }
        }
        table = std::move(mapped);
    }
    return okStatus();
}

Status TableRouter::mapChange(
    const google::protobuf::RepeatedPtrField<v1::TableDefinition>& sourceTables,
    v1::RowChange& change) const {
    if (change.table() >= static_cast<std::uint32_t>(sourceTables.size())) {
        return makeError(ErrorCode::Corrupt, "a row change names table " +
                                                 std::to_string(change.table()) + " of " +
                                                 std::to_string(sourceTables.size()));
    }
    const auto& table = sourceTables[static_cast<int>(change.table())];
    const v1::TableMapping* mapping = route(table.schema(), table.name());
    if (mapping == nullptr) {
        return okStatus();  // ferry tables travel as they are
    }
    if (mapping->columns().empty()) {
        return okStatus();
    }
    FERRY_ASSIGN_OR_RETURN(const Projection p, project(*mapping, table));
    if (static_cast<int>(p.kept.size()) == table.columns_size()) {
        return okStatus();
    }
    auto keep = [&](google::protobuf::RepeatedPtrField<v1::Value>* image) {
        if (image->empty()) {
            return;
        }
        google::protobuf::RepeatedPtrField<v1::Value> kept;
        for (int index : p.kept) {
            if (index < image->size()) {
                kept.Add()->Swap(image->Mutable(index));
            }
        }
        image->Swap(&kept);
    };
    keep(change.mutable_before());
    keep(change.mutable_after());
    return okStatus();
}

std::string TableRouter::describe() const {
    std::string text;
    for (const auto& c : m_mappings) {
        const auto& set = c.mapping.source();
        text += text.empty() ? "" : ", ";
        text += set.schema() + ".";
        text += set.has_exact()         ? set.exact()
                : set.has_shard_range() ? set.shard_range()
                                        : "/" + set.regex() + "/";
    }
    return text.empty() ? "no tables" : text;
}

}  // namespace ferry::pipeline
