// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/apply/sql_session.h"
#include "ferry/apply/write_set.h"
#include "ferry/model/result.h"

namespace ferry::apply {

// One foreign key of the target, as information_schema.REFERENTIAL_CONSTRAINTS spells it: the
// table holding the constraint (the child) and the table it references (the parent, possibly in
// another schema, possibly the child itself). A plain value.
struct ForeignKey {
    std::string schema;  // the child's schema (CONSTRAINT_SCHEMA)
    std::string table;   // the child (TABLE_NAME)
    std::string name;    // CONSTRAINT_NAME
    std::string parentSchema;
    std::string parentTable;
};

// True for the schemas the server keeps for itself: mysql, information_schema,
// performance_schema, sys (compared ignoring ASCII case).
bool isSystemSchema(std::string_view schema);

// The target's schemas other than the system ones, as the server spells them, sorted.
Result<std::vector<std::string>> listUserSchemas(SqlSession& session);

// The foreign keys whose child table lives in one of `schemas`, wherever the parent lives (a
// foreign key into another schema is returned too). A name in `schemas` denotes the schemas the
// server would open for it: under lower_case_table_names=0 the one spelt exactly so, under 1 and
// 2 any spelt so ignoring ASCII case; a name with no schema is no error. (Filtering in SQL alone
// would not do: MariaDB looks a single name up case-sensitively but compares a list
// case-insensitively, in its information_schema collation.) Foreign keys of a child outside
// `schemas` that point into them are not read: such a child is not replicated, and reading them
// would make MariaDB open every table of the server. information_schema shows only tables the
// session's user has a privilege on; the apply user has privileges on every replicated table.
// An empty `schemas` queries nothing. In the server's order of child schema, table and
// constraint name.
Result<std::vector<ForeignKey>> readForeignKeys(SqlSession& session,
                                                const std::vector<std::string>& schemas);

// The groups of `keys`: each foreign key links its child and its parent, transitively. Names are
// folded as ForeignKeyGroups folds them (ASCII case), which is what lower_case_table_names 1
// and 2 do and more than 0 does (two tables whose names differ only in case then share a
// group: it costs parallelism, never correctness); it also makes a source whose
// lower_case_table_names differs from the target's find its tables. Non-ASCII letters are not
// folded: a table named in another case of a non-ASCII letter on the source than on the target
// misses its group (a missed conflict costs the parallel applier a retry, not data).
ForeignKeyGroups buildForeignKeyGroups(const std::vector<ForeignKey>& keys);

// readForeignKeys() then buildForeignKeyGroups(). Call it on a session of the target (the
// target's own foreign keys decide, since foreign_key_checks stays on there), before the
// applier starts and again after a DDL on the target has committed. Errors say which server
// failed and what to do.
Result<ForeignKeyGroups> loadForeignKeyGroups(SqlSession& session,
                                              const std::vector<std::string>& schemas);

// Which schemas a pipeline replicates into, by their names on the target.
using SchemaPredicate = std::function<bool(std::string_view schema)>;

// loadForeignKeyGroups() on the user schemas (listUserSchemas) `replicated` accepts, read anew:
// what a reload after a DDL calls, since a DDL may create or drop a schema as well as a key.
Result<ForeignKeyGroups> loadReplicatedForeignKeyGroups(SqlSession& session,
                                                        const SchemaPredicate& replicated);

}  // namespace ferry::apply
