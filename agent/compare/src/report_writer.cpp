// SPDX-License-Identifier: Apache-2.0
#include "report_writer.h"

#include <algorithm>
#include <span>

#include "ferry/ctl/json_text.h"

namespace ferry::compare {
namespace {

void appendStringArray(const std::vector<std::string>& values, std::string& out) {
    out += '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        ctl::appendJsonString(values[i], out);
    }
    out += ']';
}

void appendKeyValue(const KeyValue& value, std::string& out) {
    if (value.binary) {
        out += "{\"base64\":\"";
        ctl::appendBase64(std::span(reinterpret_cast<const std::uint8_t*>(value.value.data()),
                                    value.value.size()),
                          out);
        out += "\"}";
    } else {
        ctl::appendJsonString(value.value, out);
    }
}

std::string summaryNote(const TableReport& table) {
    switch (table.verdict) {
        case TableVerdict::MissingRight:
            return "table missing on the right";
        case TableVerdict::MissingLeft:
            return "table missing on the left";
        case TableVerdict::Identical:
        case TableVerdict::Different:
            break;
    }
    std::string note;
    auto add = [&](const std::string& part) { note += (note.empty() ? "" : "; ") + part; };
    if (table.keyless()) {
        add("no key: counts and checksum only");
        if (table.checksumDiffers) {
            add(table.rowsLeft == table.rowsRight ? "checksum differs" : "row counts differ");
        }
    } else if (table.differingRows() != 0) {
        add(std::to_string(table.differingRows()) + " differing row(s)");
    } else if (table.differingChunks != 0) {
        add(std::to_string(table.differingChunks) +
            " chunk(s) differed but no differing row was found on the second read");
    }
    if (!table.columnDifferences.empty()) {
        add(std::to_string(table.columnDifferences.size()) + " column difference(s)");
    }
    return note;
}

}  // namespace

std::string tableReportJson(const TableReport& table) {
    std::string out = "{\"schema\":";
    ctl::appendJsonString(table.schema, out);
    out += ",\"table\":";
    ctl::appendJsonString(table.table, out);
    out += ",\"verdict\":\"";
    out += tableVerdictName(table.verdict);
    out += "\"";
    const bool compared =
        table.verdict == TableVerdict::Identical || table.verdict == TableVerdict::Different;
    if (compared) {
        out += ",\"mode\":\"";
        out += table.keyless() ? "no_key" : "chunked";
        out += "\",\"key\":";
        appendStringArray(table.keyColumns, out);
        out += ",\"rows_left\":";
        ctl::appendJsonUnsigned(table.rowsLeft, out);
        out += ",\"rows_right\":";
        ctl::appendJsonUnsigned(table.rowsRight, out);
        out += ",\"chunks\":";
        ctl::appendJsonUnsigned(table.chunks, out);
        out += ",\"differing_chunks\":";
        ctl::appendJsonUnsigned(table.differingChunks, out);
        if (table.keyless()) {
            out += ",\"checksum_differs\":";
            out += table.checksumDiffers ? "true" : "false";
        }
        out += ",\"column_differences\":";
        appendStringArray(table.columnDifferences, out);
        out += ",\"differences\":[";
        for (std::size_t i = 0; i < table.keys.size(); ++i) {
            const KeyDifference& difference = table.keys[i];
            out += i == 0 ? "{\"kind\":\"" : ",{\"kind\":\"";
            out += differenceKindName(difference.kind);
            out += "\",\"key\":{";
            for (std::size_t k = 0; k < difference.key.size(); ++k) {
                if (k != 0) {
                    out += ',';
                }
                ctl::appendJsonString(difference.key[k].column, out);
                out += ':';
                appendKeyValue(difference.key[k], out);
            }
            out += "}}";
        }
        out += "],\"more_differences\":";
        ctl::appendJsonUnsigned(table.moreKeys, out);
    }
    out += '}';
    return out;
}

std::string renderReportTable(const CompareReport& report) {
    std::vector<std::vector<std::string>> rows;
    rows.push_back({"TABLE", "RESULT", "ROWS LEFT", "ROWS RIGHT", "CHUNKS", "NOTE"});
    for (const TableReport& table : report.tables) {
        const bool compared =
            table.verdict == TableVerdict::Identical || table.verdict == TableVerdict::Different;
        rows.push_back({table.name(), std::string(tableVerdictName(table.verdict)),
                        compared ? std::to_string(table.rowsLeft) : "-",
                        compared ? std::to_string(table.rowsRight) : "-",
                        compared ? std::to_string(table.chunks) : "-", summaryNote(table)});
    }
    std::vector<std::size_t> widths(rows.front().size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - row[i].size() + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + '\n';
    }
    for (const TableReport& table : report.tables) {
        if (table.verdict != TableVerdict::Different) {
            continue;
        }
        out += "\n" + table.name();
        if (!table.keyless()) {
            out += " (key ";
            for (std::size_t i = 0; i < table.keyColumns.size(); ++i) {
                out += (i == 0 ? "" : ", ") + table.keyColumns[i];
            }
            out += ")";
        }
        out += ":\n";
        for (const std::string& column : table.columnDifferences) {
            out += "  " + column + "\n";
        }
        for (const KeyDifference& difference : table.keys) {
            std::string kind(differenceKindName(difference.kind));
            kind.resize(std::max<std::size_t>(kind.size(), 14), ' ');
            out += "  " + kind + difference.describeKey() + "\n";
        }
        if (table.moreKeys != 0) {
            out += "  and " + std::to_string(table.moreKeys) + " more\n";
        }
    }
    return out;
}

Status writeReport(const CompareReport& report, ctl::OutputFormat format, std::FILE* out) {
    if (format == ctl::OutputFormat::Table) {
        const std::string text = renderReportTable(report);
        std::fwrite(text.data(), 1, text.size(), out);
        if (std::fflush(out) != 0 || std::ferror(out)) {
            return makeError(ErrorCode::Io, "cannot write the report");
        }
        return okStatus();
    }
    ctl::RecordOutput output(out, format, "");
    for (const TableReport& table : report.tables) {
        output.write(tableReportJson(table));
    }
    return output.finish();
}

}  // namespace ferry::compare
