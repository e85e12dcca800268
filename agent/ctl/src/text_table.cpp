// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/text_table.h"

#include <algorithm>

namespace ferry::ctl {

namespace {

std::size_t displayWidth(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

}  // namespace

std::string TextTable::render() const {
    std::vector<std::size_t> widths(m_header.size(), 0);
    const auto measure = [&](const std::vector<std::string>& row) {
        if (widths.size() < row.size()) {
            widths.resize(row.size(), 0);
        }
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], displayWidth(row[i]));
        }
    };
    measure(m_header);
    for (const auto& row : m_rows) {
        measure(row);
    }
    std::string out;
    const auto append = [&](const std::vector<std::string>& row) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - displayWidth(row[i]) + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line;
        out += '\n';
    };
    append(m_header);
    for (const auto& row : m_rows) {
        append(row);
    }
    return out;
}

void TextTable::print(std::FILE* out) const {
    const std::string text = render();
    std::fwrite(text.data(), 1, text.size(), out);
}

}  // namespace ferry::ctl
