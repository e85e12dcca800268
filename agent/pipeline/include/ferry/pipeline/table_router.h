// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"
#include "ferry/v1/config.pb.h"

namespace ferry::pipeline {

// A pipeline's table mappings, compiled: which source tables it replicates and what they become
// on the target (ARCHITECTURE.md vocabulary: table set, table mapping, column mapping).
//
// A table set is a schema plus an exact name, a shard range (`offer[0001-0128]`: the digits in
// brackets are a zero-padded inclusive range, the width of the bounds) or a regular expression
// matched against the whole table name (ECMAScript syntax, which covers RE2's common subset),
// minus its excludes. The first mapping whose set matches wins; a table no mapping matches is
// not replicated. A pipeline without mappings replicates nothing (an empty pipeline is refused
// by validation before it starts).
//
// Mapping happens on the capture side, so excluded columns never cross the WAN: map() rewrites
// a transaction's table definitions to the target's schema, table and column names and drops
// excluded columns from the definitions and from every row image (key indexes adjusted).
// A mapping that excludes a primary-key column is refused at compile time.
//
// Row filters and column groups belong to later work: a mapping that sets row_filter is refused
// with a clear error rather than replicating rows the DBA meant to leave out.
// Thread-safe (route() caches decisions under a lock).
class TableRouter {
public:
    static Result<std::shared_ptr<TableRouter>> compile(const v1::Pipeline& pipeline);

    // The mapping for a source table, or null when the table is not replicated.
    const v1::TableMapping* route(std::string_view schema, std::string_view table) const;
    bool replicated(std::string_view schema, std::string_view table) const {
        return route(schema, table) != nullptr;
    }
    // True when some mapping's table set lies in `schema` (for CREATE/DROP DATABASE).
    bool replicatesSchema(std::string_view schema) const;
    // The target schema and table of a replicated source table.
    std::pair<std::string, std::string> targetName(const v1::TableMapping& mapping,
                                                   std::string_view schema,
                                                   std::string_view table) const;

    // Rewrites every table of `transaction` to its target names and drops excluded columns.
    // Rows of tables that are not replicated must have been filtered before (an unrouted table is
    // an error). Safe on a streamed transaction's header (no changes) and, change by change,
    // through mapChange().
    Status map(v1::Transaction& transaction) const;
    // For streamed transactions: maps one change of `sourceTables` (the header's tables before
    // map()) in place.
    Status mapChange(const google::protobuf::RepeatedPtrField<v1::TableDefinition>& sourceTables,
                     v1::RowChange& change) const;

    std::string describe() const;

private:
    struct Compiled {
        v1::TableMapping mapping;
        enum class Kind { Exact, Shard, Regex } kind = Kind::Exact;
        std::string prefix;  // shard: before '[', exact: the name
        std::string suffix;  // shard: after ']'
        std::size_t width = 0;
        unsigned long low = 0;
        unsigned long high = 0;
        std::regex regex;
        bool matches(std::string_view schema, std::string_view table) const;
    };

    // Column indexes kept for a source table definition, and their target names.
    struct Projection {
        std::vector<int> kept;
        std::vector<std::string> names;
    };
    Result<Projection> project(const v1::TableMapping& mapping,
                               const v1::TableDefinition& table) const;

    std::vector<Compiled> m_mappings;
    mutable std::mutex m_mutex;
    mutable std::map<std::pair<std::string, std::string>, int, std::less<>> m_cache;  // -1: none
};

}  // namespace ferry::pipeline
