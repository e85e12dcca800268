// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>

#include "ferry/compare/table_compare.h"
#include "ferry/ctl/dump_writers.h"
#include "ferry/model/result.h"

namespace ferry::compare {

// One table's report as a JSON object (one line):
//   {"schema":"shop","table":"orders","verdict":"different","mode":"chunked","key":["id"],
//    "rows_left":1000,"rows_right":1001,"chunks":1,"differing_chunks":1,
//    "column_differences":[...],"differences":[{"kind":"missing_left","key":{"id":"1001"}}],
//    "more_differences":0}
// Key values are JSON strings as the server prints them; binary ones {"base64":"..."}.
std::string tableReportJson(const TableReport& report);

// The report for people: a summary line per table, then the details of each differing table.
std::string renderReportTable(const CompareReport& report);

// Writes the report in `format` (json: an array of table objects; jsonl: one per line).
Status writeReport(const CompareReport& report, ctl::OutputFormat format, std::FILE* out);

}  // namespace ferry::compare
