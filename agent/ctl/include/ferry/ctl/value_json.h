// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ferry/binlog/events.h"
#include "ferry/binlog/row_image.h"
#include "ferry/model/result.h"

// Row values as the JSON of `ferryctl binlog dump --output json|jsonl` (CONVENTIONS.md). Pure
// functions, thread-safe; nothing is allocated except in the caller's `out`.
namespace ferry::ctl {

// What a text column's collation says about its bytes.
enum class TextCharset : std::uint8_t {
    Utf8,     // utf8mb3 or utf8mb4: checked, then copied
    Ascii,    // a subset of UTF-8: checked, then copied
    Latin1,   // MySQL latin1 (cp1252): converted to UTF-8
    Binary,   // collation 63: {"base64": ...}
    Unknown,  // collation 0 (no charset metadata): a string when valid UTF-8, else base64
    Other,    // any other charset: {"base64": ...}
};

TextCharset charsetOfCollation(std::uint32_t collation);

// Appends one value as JSON. Integers are numbers up to 2^53 - 1 in magnitude, else strings;
// DECIMAL a string; temporal values strings as MySQL prints them (TIMESTAMP in UTC); YEAR a
// string; BIT a number (string past 2^53 - 1); ENUM and SET their labels when `labels` is given
// and covers the value, else the number; text a string (base64 object when it is not valid in its
// charset or the charset is not one Ferry converts); binary {"base64": ...}; MySQL JSON the
// document itself; a partial JSON update {"json_diff": ["REPLACE $.a 1", ...]}; GEOMETRY
// {"srid": N, "wkb_base64": ...}; VECTOR an array of numbers; SQL NULL and a column absent from
// the image null. Errors (Corrupt) name nothing: the caller adds the column. On error `out` is
// restored.
Status appendValueJson(const binlog::ColumnValue& value, const std::vector<std::string>* labels,
                       std::string& out);

// Appends {"name": value, ...} for the columns present in `image`: keyed by the column name when
// the table map has names, else by the column index as a string. Errors name the column.
Status appendRowImageJson(binlog::RowImage image, const binlog::TableMap* table, std::string& out);

}  // namespace ferry::ctl
