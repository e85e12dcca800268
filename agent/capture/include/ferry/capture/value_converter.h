// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ferry/binlog/events.h"
#include "ferry/binlog/row_image.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::capture {

// How a column's bytes are to be read beyond what the TABLE_MAP says. MariaDB's JSON is a
// LONGTEXT (binlog type 252) that nothing in the binlog tells apart from other text; the schema
// history knows, and marks it Json so it travels as `json` rather than `text`.
enum class ColumnHint : std::uint8_t { None, Json };

// Turns decoded binlog values into ferry.v1 values, exactly (no lossy step), and TABLE_MAPs into
// table definitions. Stateless: every function is pure and thread-safe, and copies whatever it
// keeps out of the ColumnValue views, so the result outlives the handler callback.
//
// Kind by kind (see change.proto):
//   Absent -> no kind; Null -> null; SignedInt, Year -> int; UnsignedInt -> uint;
//   Float, Double -> real; Decimal -> decimal text ("-12345678.90");
//   Date, Time, Time2, Datetime, Datetime2 -> temporal text as MySQL prints it ("0000-00-00",
//   "-838:59:59.000000"); Timestamp -> timestamp {seconds, microseconds, fsp};
//   String -> binary when the collation is 63 (BINARY(n) padding with 0x00 restored), else
//   text with its collation (0 when the TABLE_MAP has none), or json with ColumnHint::Json;
//   Json (MySQL binary JSON) -> json text; JsonDiff -> json_diffs; Bit -> bit;
//   Enum -> enum_index; Set -> set_bits; Geometry -> geometry (SRID + WKB, checked);
//   Vector -> vector (length checked).
// A value that does not decode is Corrupt with a message naming the column and what is wrong.
class ValueConverter {
public:
    ValueConverter() = delete;

    // `column` gives the name and index used in messages; the value carries its own type,
    // metadata and collation. Where the TABLE_MAP had no optional metadata (MINIMAL) the value
    // is read through `column` as the schema history completed it: a signed integer of an
    // UNSIGNED column is reinterpreted at its width, and a string without a collation takes the
    // column's (63: binary, with BINARY(n) padding restored).
    [[nodiscard]] static Status convert(const binlog::ColumnValue& value,
                                        const binlog::ColumnInfo& column, std::size_t index,
                                        v1::Value& out, ColumnHint hint = ColumnHint::None);

    // Converts a whole image into `out` (cleared first): one Value per column of the table.
    // `hints` is empty or has one entry per column.
    [[nodiscard]] static Status convertImage(binlog::RowImage image, const binlog::TableMap& table,
                                             const std::vector<ColumnHint>& hints,
                                             google::protobuf::RepeatedPtrField<v1::Value>& out);

    // As above, with the columns read through `columns` (one per table column; empty: the
    // TABLE_MAP's own).
    [[nodiscard]] static Status convertImage(binlog::RowImage image, const binlog::TableMap& table,
                                             const std::vector<binlog::ColumnInfo>& columns,
                                             const std::vector<ColumnHint>& hints,
                                             google::protobuf::RepeatedPtrField<v1::Value>& out);

    // Names, types (the real type for 254), metadata, signedness, nullability, collation,
    // ENUM/SET member names and the primary key, as far as the TABLE_MAP's optional metadata
    // carries them (binlog_row_metadata=FULL). `generated` and unique keys are not in a
    // TABLE_MAP; the schema history fills them in.
    static v1::TableDefinition tableDefinition(const binlog::TableMap& table);
};

}  // namespace ferry::capture
