// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/model/result.h"

namespace ferry::ctl {

// Holds the rendered records of one transaction until its end is known, with bounded memory:
// past `memoryLimit` bytes the records go to an anonymous temporary file (created in `spillDir`,
// unlinked at once, so nothing is left behind even on a crash) and stream back from it at commit.
//
// A record is one line without '\n'. It may contain the placeholder bytes kEndPosMark and
// kTimeMark, which drain() replaces by the transaction's end position and commit time (the
// renderers escape every control character, so these bytes never occur otherwise). Owns its
// temporary file. Not thread-safe.
class TransactionBuffer {
public:
    static constexpr char kEndPosMark = '\x01';
    static constexpr char kTimeMark = '\x02';
    static constexpr std::size_t kDefaultMemoryLimit = std::size_t{64} << 20;

    explicit TransactionBuffer(std::size_t memoryLimit = kDefaultMemoryLimit,
                               std::string spillDir = {});
    ~TransactionBuffer();
    TransactionBuffer(const TransactionBuffer&) = delete;
    TransactionBuffer& operator=(const TransactionBuffer&) = delete;

    // REQUIRES: `record` holds no '\n'.
    Status add(std::string_view record);
    std::uint64_t count() const { return m_count; }
    bool empty() const { return m_count == 0; }
    // True when the current transaction went to the temporary file.
    bool spilled() const { return m_spilledBytes != 0; }

    // Passes every record, placeholders replaced, to `sink` in order, then clears the buffer.
    Status drain(std::string_view endPos, std::string_view time,
                 const std::function<void(std::string_view)>& sink);
    // Drops the records (a transaction that will not be printed).
    void clear();

private:
    Status spill();
    void emitRecord(std::string_view record, std::string_view endPos, std::string_view time,
                    const std::function<void(std::string_view)>& sink);

    std::size_t m_memoryLimit;
    std::string m_spillDir;
    std::string m_memory;  // records, each followed by '\n'
    std::FILE* m_file = nullptr;
    std::uint64_t m_spilledBytes = 0;
    std::uint64_t m_count = 0;
    std::string m_scratch;
};

}  // namespace ferry::ctl
