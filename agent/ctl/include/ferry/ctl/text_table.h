// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace ferry::ctl {

// A table for people: a header row and data rows, printed with every column padded to its
// widest cell (UTF-8 counted by code points), two spaces apart, the last column unpadded.
// Value type; not thread-safe.
class TextTable {
public:
    explicit TextTable(std::vector<std::string> header) : m_header(std::move(header)) {}

    void addRow(std::vector<std::string> cells) { m_rows.push_back(std::move(cells)); }
    std::size_t rowCount() const { return m_rows.size(); }
    std::string render() const;
    void print(std::FILE* out) const;

private:
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
};

}  // namespace ferry::ctl
