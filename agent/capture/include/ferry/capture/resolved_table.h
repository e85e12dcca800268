// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <vector>

#include "ferry/binlog/events.h"
#include "ferry/capture/value_converter.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::capture {

// What capture knows about a table at one position, beyond (or instead of) its TABLE_MAP.
//   definition: the ferry.v1.TableDefinition the rows travel with.
//   columns: one per TABLE_MAP column; the binlog type, metadata and nullability stay those of
//            the TABLE_MAP, while name, signedness and collation may come from the schema
//            history (binlog_row_metadata=MINIMAL). ValueConverter reads values through them.
//   hints: empty, or one per column.
struct ResolvedTable {
    v1::TableDefinition definition;
    std::vector<binlog::ColumnInfo> columns;
    std::vector<ColumnHint> hints;
};

// Asked once per table and transaction with the TABLE_MAP and the position the transaction
// begins at. An error stops capture there (TransactionAssembler adds where).
using TableResolver =
    std::function<Result<ResolvedTable>(const binlog::TableMap& map, const v1::SourcePosition& at)>;

}  // namespace ferry::capture
