// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ferry/binlog/binlog_source.h"
#include "ferry/model/result.h"

namespace ferry::binlog {

// Reads a binlog file event by event, plain or gzip-compressed (detected from the content),
// with bounded memory: one reusable buffer that grows to the largest event, which may not
// exceed `maxEventSize` (1 GiB by default). Checks the "\xfebin" magic and every event length
// against the header size and what is left in the file. Owns its file handle. Not thread-safe.
class BinlogFileSource final : public BinlogSource {
public:
    static constexpr std::uint32_t kDefaultMaxEventSize = 1u << 30;

    // `name` is the file name reported with events (defaults to the path's last component,
    // without a trailing ".gz").
    static Result<std::unique_ptr<BinlogFileSource>> open(
        const std::string& path, std::uint32_t maxEventSize = kDefaultMaxEventSize,
        std::string name = {});
    ~BinlogFileSource() override;
    BinlogFileSource(const BinlogFileSource&) = delete;
    BinlogFileSource& operator=(const BinlogFileSource&) = delete;

    Result<bool> next(RawEvent& event) override;

    const std::string& name() const { return m_name; }

private:
    BinlogFileSource(void* gz, std::string path, std::string name, std::uint32_t maxEventSize);
    Result<std::size_t> readUpTo(std::uint8_t* out, std::size_t size);

    void* m_gz = nullptr;  // gzFile
    std::string m_path;
    std::string m_name;
    std::uint32_t m_maxEventSize;
    std::uint64_t m_offset = 4;
    std::vector<std::uint8_t> m_buffer;
};

}  // namespace ferry::binlog
