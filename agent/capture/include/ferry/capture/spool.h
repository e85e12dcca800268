// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace google::protobuf::io {
class FileInputStream;
class FileOutputStream;
}  // namespace google::protobuf::io

namespace ferry::capture {

// File names of spool files end with this, so wiping a spool folder touches nothing else.
inline constexpr std::string_view kSpoolFileSuffix = ".ferryspool";

// Removes every spool file (and only those) from `directory`, creating the folder if it does
// not exist: what a crash left behind. REQUIRES: no live SpoolWriter or SpoolReader uses it.
[[nodiscard]] Status wipeSpoolDirectory(const std::filesystem::path& directory);

class SpoolReader;

// Appends RowChanges to a new spool file as a protobuf delimited stream (varint length, then
// the message), through a buffered FileOutputStream: memory stays at one buffer however many
// changes are written. finish() flushes, closes and hands the file to a SpoolReader. A writer
// destroyed without finish() removes its file. Move-only; not thread-safe.
class SpoolWriter {
public:
    // Creates `<directory>/<name><kSpoolFileSuffix>`; fails if it cannot be created.
    [[nodiscard]] static Result<std::unique_ptr<SpoolWriter>> create(
        const std::filesystem::path& directory, const std::string& name);
    ~SpoolWriter();
    SpoolWriter(const SpoolWriter&) = delete;
    SpoolWriter& operator=(const SpoolWriter&) = delete;

    [[nodiscard]] Status append(const v1::RowChange& change);

    // Flushes and closes the file, then opens it for reading. The writer is spent afterwards.
    [[nodiscard]] Result<std::unique_ptr<SpoolReader>> finish();

    const std::filesystem::path& path() const { return m_path; }
    std::uint64_t count() const { return m_count; }
    std::uint64_t bytesWritten() const { return m_bytes; }

private:
    SpoolWriter(std::filesystem::path path, int fd);
    Error ioError(const std::string& what) const;
    void discard();

    std::filesystem::path m_path;
    int m_fd = -1;
    std::unique_ptr<google::protobuf::io::FileOutputStream> m_stream;
    std::uint64_t m_count = 0;
    std::uint64_t m_bytes = 0;
};

// Streams the RowChanges of a finished spool file back, in order, one at a time (memory: one
// read buffer and the change being read). It owns the file: the destructor closes and removes
// it, so dropping the reader -- done or not -- cleans up. Not thread-safe; may be moved to
// another thread as a whole.
class SpoolReader {
public:
    ~SpoolReader();
    SpoolReader(const SpoolReader&) = delete;
    SpoolReader& operator=(const SpoolReader&) = delete;

    // Fills `change` with the next change and returns true, or returns false after the last
    // one. A truncated or undecodable entry, or a file holding more or fewer changes than were
    // written, is Corrupt.
    [[nodiscard]] Result<bool> next(v1::RowChange& change);
    // Reads from the first change again (another attempt at applying them).
    [[nodiscard]] Status rewind();

    // Changes in the file, and changes read so far.
    std::uint64_t count() const { return m_count; }
    std::uint64_t position() const { return m_read; }
    const std::filesystem::path& path() const { return m_path; }

private:
    friend class SpoolWriter;
    SpoolReader(std::filesystem::path path, int fd, std::uint64_t count);

    std::filesystem::path m_path;
    int m_fd = -1;
    std::unique_ptr<google::protobuf::io::FileInputStream> m_stream;
    std::uint64_t m_count = 0;
    std::uint64_t m_read = 0;
    bool m_failed = false;
};

}  // namespace ferry::capture
