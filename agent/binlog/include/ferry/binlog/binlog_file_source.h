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
// with bounded memory. A plain file is read in large blocks and events are handed out in place
// (no copy per event); the block grows to hold the largest event, which may not exceed
// `maxEventSize` (1 GiB by default). A gzip file goes through zlib into one reusable buffer.
// Checks the "\xfebin" magic and every event length against the header size and what is left
// in the file. Owns its file handle. Not thread-safe.
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
    BinlogFileSource(int fd, void* gz, std::string path, std::string name,
                     std::uint32_t maxEventSize);
    Result<std::size_t> readUpTo(std::uint8_t* out, std::size_t size);
    // Plain files: makes at least `need` bytes available at m_block + m_begin (fewer only at the
    // end of the file); returns how many are.
    Result<std::size_t> fill(std::size_t need);
    Result<bool> nextPlain(RawEvent& event);
    Result<bool> nextGzip(RawEvent& event);

    int m_fd = -1;         // plain file, or -1
    void* m_gz = nullptr;  // gzFile, for gzip files
    std::string m_path;
    std::string m_name;
    std::uint32_t m_maxEventSize;
    std::uint64_t m_offset = 4;
    std::vector<std::uint8_t> m_buffer;       // gzip files: the current event
    std::unique_ptr<std::uint8_t[]> m_block;  // plain files: bytes read ahead (not zeroed)
    std::size_t m_blockSize = 0;
    std::size_t m_begin = 0;  // plain files: first unconsumed byte in m_block
    std::size_t m_end = 0;    // plain files: one past the last byte read into m_block
    bool m_eof = false;
};

}  // namespace ferry::binlog
