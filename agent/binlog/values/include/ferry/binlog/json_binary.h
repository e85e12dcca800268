// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::binlog {

// MySQL binary JSON (binlog type 245; sql-common/json_binary.cc format) rendered as the text
// MySQL prints: `{"age": 24, "data": "xxx", "name": "Joe"}` (", " and ": " separators, keys in
// stored order), doubles in shortest round-trip form with ".0" kept for integral values ("1.0",
// "1e100"), DECIMAL opaques as numbers, DATE/TIME/DATETIME/TIMESTAMP opaques as quoted strings,
// other opaques as "base64:type<N>:<base64>". MariaDB JSON is plain LONGTEXT and not handled
// here. Every offset and size is checked against the buffer; nesting deeper than kMaxJsonDepth
// is an error. Pure functions, thread-safe; nothing is allocated except in the caller's `out`.

// MySQL's JSON_DOCUMENT_MAX_DEPTH: at most this many arrays and objects nested in each other.
inline constexpr unsigned kMaxJsonDepth = 100;

// Appends the text of one binary JSON document: `size` bytes holding the type byte, then the
// value (bytes past the value's own extent are ignored, as MySQL does). `size` 0 is the empty
// value non-strict inserts write: it prints "null". Entries that share one value (which no
// server writes) are rejected once the work exceeds what the document's size allows. On error
// `out` is restored to its length at entry.
[[nodiscard]] Status appendJsonText(const uint8_t* data, size_t size, std::string& out);
[[nodiscard]] inline Status appendJsonText(std::span<const uint8_t> doc, std::string& out) {
    return appendJsonText(doc.data(), doc.size(), out);
}

// Appends `text` as a JSON string literal, quoted and escaped as MySQL does: \" \\ \b \f \n \r
// \t, other control characters as \u00XX, everything else (UTF-8 included) as is.
void appendJsonQuoted(std::string_view text, std::string& out);

// One operation of a partial JSON update (PARTIAL_UPDATE_ROWS_EVENT, type 39).
enum class JsonDiffOperation : uint8_t {
    Replace = 0,
    Insert = 1,
    Remove = 2,
};

// "REPLACE", "INSERT", "REMOVE".
std::string_view jsonDiffOperationName(JsonDiffOperation operation);

// A diff as stored: views into the column value the reader was given (valid as long as it).
struct JsonDiff {
    JsonDiffOperation operation = JsonDiffOperation::Replace;
    std::string_view path;           // MySQL JSON path text, e.g. "$.age"
    std::span<const uint8_t> value;  // binary JSON, type byte first; empty for Remove
};

// Walks the diff list of one JSON column whose partial bit is set:
//   repeat { operation(1), lenenc path length, path, [lenenc value length, value] }
// until the value is used up. Not thread-safe (it has a cursor); cheap to create.
// REQUIRES: `data` outlives the reader and the JsonDiffs it returns.
class JsonDiffReader {
public:
    JsonDiffReader(const uint8_t* data, size_t size) : m_data(data), m_size(size) {}
    explicit JsonDiffReader(std::span<const uint8_t> bytes)
        : JsonDiffReader(bytes.data(), bytes.size()) {}

    // Reads the next diff into `diff`; returns false once the list is used up. A truncated
    // entry, an unknown operation, a NULL or oversized lenenc or an empty path is Corrupt (and
    // every later call returns the same error). The value's JSON is not checked here:
    // appendJsonText does that.
    [[nodiscard]] Result<bool> next(JsonDiff& diff);

    // Bytes consumed so far.
    size_t offset() const { return m_offset; }

private:
    const uint8_t* m_data;
    size_t m_size;
    size_t m_offset = 0;
    bool m_failed = false;
};

// Appends "REPLACE $.age 26", "INSERT $.a[1] \"x\"", "REMOVE $.b": the operation name, the path
// and, unless the operation is Remove, the value's JSON text. On error `out` is restored.
[[nodiscard]] Status appendJsonDiffText(const JsonDiff& diff, std::string& out);

}  // namespace ferry::binlog
