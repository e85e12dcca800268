// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/v1/stream.pb.h"

namespace ferry::stream {

// File names of fragment spools end with this; nothing else in a spool folder is touched.
inline constexpr std::string_view kFragmentSpoolSuffix = ".ferryfrag";

// Orders source positions: by binlog file (a longer numeric suffix is later, then by name),
// then by offset. Negative, zero or positive as a is before, at or after b.
int compareSourcePositions(const v1::SourcePosition& a, const v1::SourcePosition& b);

class FragmentSpoolReader;

// The apply side's on-disk copy of one large transaction as its fragments arrive: one file per
// transaction, a record per fragment (4-byte little-endian length, 4-byte CRC-32 of the
// payload, the TransactionFragment serialized). Writes are not fsynced: after a crash,
// recover() keeps the longest prefix of whole, consecutive records and truncates the rest (a
// torn tail), and also drops a final `last` fragment, so the resumed stream re-sends it and the
// transaction is delivered again. append() checks that each fragment is the next one (same
// transaction, index, first change). Owns its file until finish() hands it to a reader or
// remove() deletes it; destroying an unfinished spool keeps the file (it survives reconnects
// and restarts). Not thread-safe.
class FragmentSpool {
public:
    // Starts a spool in `directory` with fragment 0 (which must carry the header). A file left
    // for the same transaction is replaced.
    [[nodiscard]] static Result<std::unique_ptr<FragmentSpool>> create(
        const std::filesystem::path& directory, const v1::TransactionFragment& first,
        std::uint64_t maxRecordBytes);
    // Reopens a spool file after a restart; NotFound when no whole record survived (the file is
    // then removed).
    [[nodiscard]] static Result<std::unique_ptr<FragmentSpool>> recover(
        const std::filesystem::path& path, std::uint64_t maxRecordBytes);
    ~FragmentSpool();
    FragmentSpool(const FragmentSpool&) = delete;
    FragmentSpool& operator=(const FragmentSpool&) = delete;

    // Appends the next fragment. Fails (Corrupt) if it is not fragment `fragments()` of this
    // transaction starting at change `changes()`, or after `last`; Io on a write failure.
    [[nodiscard]] Status append(const v1::TransactionFragment& fragment);

    // REQUIRES: complete(). Closes the file for writing and opens it for reading; the spool is
    // spent afterwards.
    [[nodiscard]] Result<std::unique_ptr<FragmentSpoolReader>> finish();

    // Deletes the file.
    void remove();

    std::uint32_t fragments() const { return m_fragments; }
    std::uint64_t changes() const { return m_changes; }
    bool complete() const { return m_complete; }
    const v1::SourcePosition& begin() const { return m_header.begin(); }
    const v1::Transaction& header() const { return m_header; }
    const std::filesystem::path& path() const { return m_path; }
    // What the next StreamOpenRequest carries for this spool.
    v1::PartialTransaction partial() const;

private:
    FragmentSpool(std::filesystem::path path, int fd, std::uint64_t maxRecordBytes);
    Status check(const v1::TransactionFragment& fragment) const;

    std::filesystem::path m_path;
    int m_fd = -1;
    std::uint64_t m_maxRecordBytes;
    v1::Transaction m_header;
    std::uint32_t m_fragments = 0;
    std::uint64_t m_changes = 0;
    std::uint64_t m_size = 0;
    bool m_complete = false;
    std::string m_buffer;
};

// Reads a complete fragment spool back: the header, then the row changes in order, one at a
// time (memory: one fragment). Owns the file: the destructor removes it, read to the end or not
// (the transaction is then resent by the capture side from the committed position). Not
// thread-safe; may be moved to another thread as a whole.
class FragmentSpoolReader {
public:
    ~FragmentSpoolReader();
    FragmentSpoolReader(const FragmentSpoolReader&) = delete;
    FragmentSpoolReader& operator=(const FragmentSpoolReader&) = delete;

    // The transaction without its changes (streamed = true, row_count as captured).
    const v1::Transaction& header() const { return m_header; }
    std::uint64_t count() const { return m_count; }
    std::uint64_t position() const { return m_read; }
    const std::filesystem::path& path() const { return m_path; }

    // Fills `change` with the next change and returns true, or false after the last one. A
    // record that no longer checks (changed on disk) is Corrupt.
    [[nodiscard]] Result<bool> next(v1::RowChange& change);
    // Reads from the first change again (another attempt at applying them).
    [[nodiscard]] Status rewind();

private:
    friend class FragmentSpool;
    FragmentSpoolReader(std::filesystem::path path, int fd, std::uint64_t maxRecordBytes,
                        v1::Transaction header, std::uint64_t count);
    Result<bool> loadFragment();

    std::filesystem::path m_path;
    int m_fd = -1;
    std::uint64_t m_maxRecordBytes;
    v1::Transaction m_header;
    std::uint64_t m_count;
    std::uint64_t m_read = 0;
    std::uint64_t m_offset = 0;
    std::uint32_t m_nextIndex = 0;
    v1::TransactionFragment m_fragment;
    int m_inFragment = 0;
    bool m_lastSeen = false;
    std::string m_buffer;
};

}  // namespace ferry::stream
