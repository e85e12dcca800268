// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/json_binary.h"
#include "value_bytes.h"

namespace ferry::binlog {
namespace {

constexpr std::string_view kWhat = "partial JSON update";

// Reads a MySQL length-encoded integer (1, 3, 4 or 9 bytes; 0xFB, NULL, is not allowed here).
Result<uint64_t> readLenenc(const uint8_t* data, size_t size, size_t& pos, std::string_view field) {
    if (pos >= size) {
        return values_detail::corrupt(
            kWhat, std::string(field) + " length is missing at offset " + std::to_string(pos));
    }
    const uint8_t first = data[pos];
    size_t width = 0;
    if (first < 0xFB) {
        ++pos;
        return uint64_t{first};
    }
    switch (first) {
        case 0xFC:
            width = 2;
            break;
        case 0xFD:
            width = 3;
            break;
        case 0xFE:
            width = 8;
            break;
        default:
            return values_detail::corrupt(kWhat, std::string(field) + " length at offset " +
                                                     std::to_string(pos) + " starts with 0x" +
                                                     (first == 0xFB ? "fb (NULL)" : "ff") +
                                                     "; the diff list is corrupt");
    }
    if (width > size - pos - 1) {
        return values_detail::truncated(std::string(kWhat) + " " + std::string(field) + " length",
                                        width + 1, size - pos);
    }
    const uint64_t v = values_detail::loadLe(data + pos + 1, width);
    pos += 1 + width;
    return v;
}

}  // namespace

std::string_view jsonDiffOperationName(JsonDiffOperation operation) {
    switch (operation) {
        case JsonDiffOperation::Replace:
            return "REPLACE";
        case JsonDiffOperation::Insert:
            return "INSERT";
        case JsonDiffOperation::Remove:
            return "REMOVE";
    }
    return "UNKNOWN";
}

Result<bool> JsonDiffReader::next(JsonDiff& diff) {
    if (m_failed) {
        return values_detail::corrupt(
            kWhat, "the diff list already failed to decode at offset " + std::to_string(m_offset));
    }
    if (m_offset >= m_size) {
        return false;
    }
    auto fail = [this](Error error) -> Result<bool> {
        m_failed = true;
        return error;
    };
    size_t pos = m_offset;
    const uint8_t op = m_data[pos++];
    if (op > static_cast<uint8_t>(JsonDiffOperation::Remove)) {
        return fail(
            values_detail::corrupt(kWhat, "unknown operation " + std::to_string(op) +
                                              " at offset " + std::to_string(m_offset) +
                                              " (0 REPLACE, 1 INSERT, 2 REMOVE); the diff list "
                                              "is corrupt"));
    }
    auto pathLength = readLenenc(m_data, m_size, pos, "path");
    if (!pathLength.ok()) {
        return fail(std::move(pathLength).error());
    }
    if (*pathLength == 0 || *pathLength > m_size - pos) {
        return fail(values_detail::corrupt(
            kWhat, "path of " + std::to_string(*pathLength) + " bytes at offset " +
                       std::to_string(pos) + " is empty or runs past the value (" +
                       std::to_string(m_size - pos) + " bytes left)"));
    }
    JsonDiff result;
    result.operation = static_cast<JsonDiffOperation>(op);
    result.path = std::string_view(reinterpret_cast<const char*>(m_data + pos),
                                   static_cast<size_t>(*pathLength));
    pos += static_cast<size_t>(*pathLength);
    if (result.operation != JsonDiffOperation::Remove) {
        auto valueLength = readLenenc(m_data, m_size, pos, "value");
        if (!valueLength.ok()) {
            return fail(std::move(valueLength).error());
        }
        if (*valueLength == 0 || *valueLength > m_size - pos) {
            return fail(values_detail::corrupt(
                kWhat, "value of " + std::to_string(*valueLength) + " bytes at offset " +
                           std::to_string(pos) + " is empty or runs past the column value (" +
                           std::to_string(m_size - pos) + " bytes left)"));
        }
        result.value = std::span<const uint8_t>(m_data + pos, static_cast<size_t>(*valueLength));
        pos += static_cast<size_t>(*valueLength);
    }
    m_offset = pos;
    diff = result;
    return true;
}

Status appendJsonDiffText(const JsonDiff& diff, std::string& out) {
    const size_t mark = out.size();
    out.append(jsonDiffOperationName(diff.operation));
    out.push_back(' ');
    out.append(diff.path);
    if (diff.operation != JsonDiffOperation::Remove) {
        out.push_back(' ');
        Status status = appendJsonText(diff.value, out);
        if (!status.ok()) {
            out.resize(mark);
            return status;
        }
    }
    return okStatus();
}

}  // namespace ferry::binlog
