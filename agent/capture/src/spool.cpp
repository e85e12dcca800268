// SPDX-License-Identifier: Apache-2.0
#include "ferry/capture/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>

namespace ferry::capture {

namespace {

constexpr int kBufferSize = 256 * 1024;

bool hasSpoolSuffix(const std::filesystem::path& path) {
    const std::string name = path.filename().string();
    return name.size() > kSpoolFileSuffix.size() &&
           name.compare(name.size() - kSpoolFileSuffix.size(), kSpoolFileSuffix.size(),
                        kSpoolFileSuffix) == 0;
}

void removeQuietly(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
}

}  // namespace

Status wipeSpoolDirectory(const std::filesystem::path& directory) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create the spool folder " + directory.string() +
                                            ": " + ec.message() +
                                            "; check the path and its permissions");
    }
    std::filesystem::directory_iterator it(directory, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot list the spool folder " + directory.string() +
                                            ": " + ec.message());
    }
    for (const auto& entry : it) {
        if (!entry.is_regular_file(ec) || !hasSpoolSuffix(entry.path())) {
            continue;
        }
        std::filesystem::remove(entry.path(), ec);
        if (ec) {
            return makeError(ErrorCode::Io, "cannot remove the stale spool file " +
                                                entry.path().string() + ": " + ec.message());
        }
    }
    return okStatus();
}

SpoolWriter::SpoolWriter(std::filesystem::path path, int fd)
    : m_path(std::move(path)),
      m_fd(fd),
      m_stream(std::make_unique<google::protobuf::io::FileOutputStream>(fd, kBufferSize)) {}

SpoolWriter::~SpoolWriter() {
    discard();
}

void SpoolWriter::discard() {
    m_stream.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
        removeQuietly(m_path);
    }
}

Result<std::unique_ptr<SpoolWriter>> SpoolWriter::create(const std::filesystem::path& directory,
                                                         const std::string& name) {
    std::filesystem::path path = directory / (name + std::string(kSpoolFileSuffix));
    int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot create the spool file " + path.string() + ": " +
                                            std::strerror(errno) +
                                            "; check the spool folder and free disk space");
    }
    return std::unique_ptr<SpoolWriter>(new SpoolWriter(std::move(path), fd));
}

Error SpoolWriter::ioError(const std::string& what) const {
    int err = m_stream ? m_stream->GetErrno() : 0;
    return makeError(ErrorCode::Io, what + " spool file " + m_path.string() +
                                        (err != 0 ? std::string(": ") + std::strerror(err) : "") +
                                        "; check free disk space in the spool folder");
}

Status SpoolWriter::append(const v1::RowChange& change) {
    if (!m_stream) {
        return makeError(ErrorCode::Internal, "spool file " + m_path.string() + " is finished");
    }
    if (!google::protobuf::util::SerializeDelimitedToZeroCopyStream(change, m_stream.get())) {
        return ioError("cannot write to the");
    }
    ++m_count;
    m_bytes += static_cast<std::uint64_t>(change.GetCachedSize());
    return okStatus();
}

Result<std::unique_ptr<SpoolReader>> SpoolWriter::finish() {
    if (!m_stream) {
        return makeError(ErrorCode::Internal, "spool file " + m_path.string() + " is finished");
    }
    if (!m_stream->Flush()) {
        return ioError("cannot flush the");
    }
    m_stream.reset();
    ::close(m_fd);
    m_fd = -1;
    int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        Error error = makeError(ErrorCode::Io, "cannot reopen the spool file " + m_path.string() +
                                                   ": " + std::strerror(errno));
        removeQuietly(m_path);
        return error;
    }
    return std::unique_ptr<SpoolReader>(new SpoolReader(m_path, fd, m_count));
}

SpoolReader::SpoolReader(std::filesystem::path path, int fd, std::uint64_t count)
    : m_path(std::move(path)),
      m_fd(fd),
      m_stream(std::make_unique<google::protobuf::io::FileInputStream>(fd, kBufferSize)),
      m_count(count) {}

SpoolReader::~SpoolReader() {
    m_stream.reset();
    if (m_fd >= 0) {
        ::close(m_fd);
    }
    removeQuietly(m_path);
}

Status SpoolReader::rewind() {
    m_stream.reset();
    if (::lseek(m_fd, 0, SEEK_SET) != 0) {
        m_failed = true;
        return makeError(ErrorCode::Corrupt, "spool file " + m_path.string() +
                                                 ": cannot seek back to its start (" +
                                                 std::strerror(errno) + ")");
    }
    m_stream = std::make_unique<google::protobuf::io::FileInputStream>(m_fd, kBufferSize);
    m_read = 0;
    m_failed = false;
    return okStatus();
}

Result<bool> SpoolReader::next(v1::RowChange& change) {
    auto fail = [&](const std::string& what) -> Error {
        m_failed = true;
        return makeError(ErrorCode::Corrupt, "spool file " + m_path.string() + ", change " +
                                                 std::to_string(m_read + 1) + " of " +
                                                 std::to_string(m_count) + ": " + what +
                                                 "; the file was changed or the disk is failing");
    };
    if (m_failed) {
        return fail("an earlier read failed");
    }
    bool cleanEof = false;
    change.Clear();  // the parser merges into what is there
    if (!google::protobuf::util::ParseDelimitedFromZeroCopyStream(&change, m_stream.get(),
                                                                  &cleanEof)) {
        if (cleanEof && m_read == m_count) {
            return false;
        }
        if (cleanEof) {
            return fail("the file ends early");
        }
        return fail("the entry is truncated or does not parse");
    }
    if (m_read == m_count) {
        return fail("the file holds more changes than were written");
    }
    ++m_read;
    return true;
}

}  // namespace ferry::capture
