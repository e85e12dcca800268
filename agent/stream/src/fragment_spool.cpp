// SPDX-License-Identifier: Apache-2.0
#include "ferry/stream/fragment_spool.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace ferry::stream {

namespace {

constexpr std::size_t kRecordHeader = 8;

std::string describe(const v1::SourcePosition& position) {
    return position.file() + ":" + std::to_string(position.pos());
}

std::uint32_t crcOf(const char* data, std::size_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size));
    return static_cast<std::uint32_t>(crc);
}

void putLe32(char* out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) {
        out[i] = static_cast<char>((value >> (8 * i)) & 0xffU);
    }
}

std::uint32_t getLe32(const unsigned char* in) {
    return static_cast<std::uint32_t>(in[0]) | (static_cast<std::uint32_t>(in[1]) << 8) |
           (static_cast<std::uint32_t>(in[2]) << 16) | (static_cast<std::uint32_t>(in[3]) << 24);
}

std::string fileNameFor(const v1::SourcePosition& begin) {
    std::string name;
    for (char c : begin.file()) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '-';
        name += plain ? c : '_';
    }
    return name + "@" + std::to_string(begin.pos()) + std::string(kFragmentSpoolSuffix);
}

// Reads the whole of [offset, offset + size) or reports how much was there.
Result<std::size_t> readAt(int fd, std::uint64_t offset, char* out, std::size_t size,
                           const std::filesystem::path& path) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t got = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return makeError(ErrorCode::Io, "cannot read the fragment spool " + path.string() +
                                                ": " + std::strerror(errno));
        }
        if (got == 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    return done;
}

enum class RecordState { Ok, End, Bad };

struct RecordRead {
    RecordState state = RecordState::End;
    std::string problem;
    std::uint64_t size = 0;  // bytes the record takes on disk
};

// Reads and checks one record at `offset` into `fragment`. Only Io failures are errors; a short,
// oversized, checksum-failing or unparsable record is Bad with the reason.
Result<RecordRead> readRecord(int fd, std::uint64_t offset, std::uint64_t maxRecordBytes,
                              const std::filesystem::path& path, std::string& buffer,
                              v1::TransactionFragment& fragment) {
    RecordRead read;
    std::array<unsigned char, kRecordHeader> head{};
    FERRY_ASSIGN_OR_RETURN(std::size_t got, readAt(fd, offset, reinterpret_cast<char*>(head.data()),
                                                   head.size(), path));
    if (got == 0) {
        return read;
    }
    read.state = RecordState::Bad;
    if (got < kRecordHeader) {
        read.problem = "the record header is cut short";
        return read;
    }
    const std::uint32_t length = getLe32(head.data());
    const std::uint32_t crc = getLe32(head.data() + 4);
    if (length > maxRecordBytes) {
        read.problem = "the record claims " + std::to_string(length) + " bytes, over the limit";
        return read;
    }
    buffer.resize(length);
    FERRY_ASSIGN_OR_RETURN(got, readAt(fd, offset + kRecordHeader, buffer.data(), length, path));
    if (got < length) {
        read.problem = "the record is cut short";
        return read;
    }
    if (crcOf(buffer.data(), buffer.size()) != crc) {
        read.problem = "the record's CRC-32 does not match";
        return read;
    }
    if (!fragment.ParseFromArray(buffer.data(), static_cast<int>(buffer.size()))) {
        read.problem = "the record is not a TransactionFragment";
        return read;
    }
    read.state = RecordState::Ok;
    read.size = kRecordHeader + length;
    return read;
}

bool positionFileLess(const std::string& a, const std::string& b) {
    if (a.size() != b.size()) {
        return a.size() < b.size();
    }
    return a < b;
}

}  // namespace

int compareSourcePositions(const v1::SourcePosition& a, const v1::SourcePosition& b) {
    if (a.file() != b.file()) {
        return positionFileLess(a.file(), b.file()) ? -1 : 1;
    }
    if (a.pos() != b.pos()) {
        return a.pos() < b.pos() ? -1 : 1;
    }
    return 0;
}

FragmentSpool::FragmentSpool(std::filesystem::path path, int fd, std::uint64_t maxRecordBytes)
    : m_path(std::move(path)), m_fd(fd), m_maxRecordBytes(maxRecordBytes) {}

FragmentSpool::~FragmentSpool() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<std::unique_ptr<FragmentSpool>> FragmentSpool::create(const std::filesystem::path& directory,
                                                             const v1::TransactionFragment& first,
                                                             std::uint64_t maxRecordBytes) {
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create the fragment spool folder " +
                                            directory.string() + ": " + ec.message() +
                                            "; check the path and its permissions");
    }
    std::filesystem::path path = directory / fileNameFor(first.begin());
    // A reader of an earlier copy keeps its own inode.
    std::filesystem::remove(path, ec);
    const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot create the fragment spool " + path.string() + ": " +
                                            std::strerror(errno) +
                                            "; check the spool folder and free disk space");
    }
    std::unique_ptr<FragmentSpool> spool(new FragmentSpool(std::move(path), fd, maxRecordBytes));
    Status appended = spool->append(first);
    if (!appended.ok()) {
        spool->remove();
        return std::move(appended).error();
    }
    return spool;
}

Result<std::unique_ptr<FragmentSpool>> FragmentSpool::recover(const std::filesystem::path& path,
                                                              std::uint64_t maxRecordBytes) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot open the fragment spool " + path.string() + ": " +
                                            std::strerror(errno));
    }
    std::unique_ptr<FragmentSpool> spool(new FragmentSpool(path, fd, maxRecordBytes));
    v1::TransactionFragment fragment;
    std::uint64_t offset = 0;
    std::uint64_t lastOffset = 0;
    std::uint64_t lastChanges = 0;
    bool lastIsFinal = false;
    while (true) {
        FERRY_ASSIGN_OR_RETURN(RecordRead read, readRecord(fd, offset, maxRecordBytes, path,
                                                           spool->m_buffer, fragment));
        if (read.state != RecordState::Ok) {
            break;
        }
        if (spool->m_fragments == 0 ? (fragment.index() != 0 || !fragment.has_header())
                                    : !spool->check(fragment).ok()) {
            break;
        }
        if (spool->m_fragments == 0) {
            spool->m_header = fragment.header();
        }
        lastOffset = offset;
        lastChanges = spool->m_changes;
        lastIsFinal = fragment.last();
        offset += read.size;
        ++spool->m_fragments;
        spool->m_changes += static_cast<std::uint64_t>(fragment.changes_size());
        if (fragment.last()) {
            break;
        }
    }
    if (lastIsFinal) {
        // Delivered again only once the stream re-sends it.
        offset = lastOffset;
        --spool->m_fragments;
        spool->m_changes = lastChanges;
    }
    if (::ftruncate(fd, static_cast<off_t>(offset)) != 0) {
        return makeError(ErrorCode::Io, "cannot truncate the fragment spool " + path.string() +
                                            ": " + std::strerror(errno));
    }
    spool->m_size = offset;
    if (spool->m_fragments == 0) {
        spool->remove();
        return makeError(ErrorCode::NotFound,
                         "the fragment spool " + path.string() + " held no whole fragment");
    }
    return spool;
}

Status FragmentSpool::check(const v1::TransactionFragment& fragment) const {
    std::string problem;
    if (m_complete) {
        problem = "arrived after the last one";
    } else if (m_fragments > 0 && compareSourcePositions(fragment.begin(), begin()) != 0) {
        problem = "belongs to the transaction at " + describe(fragment.begin()) +
                  ", not the one being spooled";
    } else if (fragment.index() != m_fragments) {
        problem = "is fragment " + std::to_string(fragment.index()) + ", expected " +
                  std::to_string(m_fragments);
    } else if (fragment.first_change() != m_changes) {
        problem = "starts at change " + std::to_string(fragment.first_change()) + ", expected " +
                  std::to_string(m_changes);
    } else if (fragment.index() == 0 && !fragment.has_header()) {
        problem = "is the first one but has no header";
    }
    if (problem.empty()) {
        return okStatus();
    }
    return makeError(ErrorCode::Corrupt,
                     "a fragment of the transaction at " +
                         describe(m_fragments > 0 ? begin() : fragment.begin()) + " " + problem +
                         "; the stream is closed and resumes from the spooled fragments");
}

Status FragmentSpool::append(const v1::TransactionFragment& fragment) {
    FERRY_TRY(check(fragment));
    const std::size_t length = fragment.ByteSizeLong();
    if (length > m_maxRecordBytes) {
        return makeError(ErrorCode::InvalidArgument, "a fragment of " + std::to_string(length) +
                                                         " bytes exceeds the spool's record limit");
    }
    m_buffer.resize(kRecordHeader + length);
    if (!fragment.SerializeToArray(m_buffer.data() + kRecordHeader, static_cast<int>(length))) {
        return makeError(ErrorCode::Internal, "cannot serialize a fragment");
    }
    putLe32(m_buffer.data(), static_cast<std::uint32_t>(length));
    putLe32(m_buffer.data() + 4, crcOf(m_buffer.data() + kRecordHeader, length));
    std::size_t done = 0;
    while (done < m_buffer.size()) {
        const ssize_t wrote = ::pwrite(m_fd, m_buffer.data() + done, m_buffer.size() - done,
                                       static_cast<off_t>(m_size + done));
        if (wrote < 0) {
            if (errno == EINTR) {
                continue;
            }
            const std::string reason = std::strerror(errno);
            // Keep the file whole: drop the partial record.
            (void)::ftruncate(m_fd, static_cast<off_t>(m_size));
            return makeError(ErrorCode::Io, "cannot write to the fragment spool " +
                                                m_path.string() + ": " + reason +
                                                "; check free disk space in the spool folder");
        }
        done += static_cast<std::size_t>(wrote);
    }
    m_size += m_buffer.size();
    if (m_buffer.size() > 1024 * 1024) {
        std::string().swap(m_buffer);
    }
    if (m_fragments == 0) {
        m_header = fragment.header();
    }
    ++m_fragments;
    m_changes += static_cast<std::uint64_t>(fragment.changes_size());
    m_complete = fragment.last();
    return okStatus();
}

v1::PartialTransaction FragmentSpool::partial() const {
    v1::PartialTransaction partial;
    *partial.mutable_begin() = begin();
    partial.set_fragments_received(m_fragments);
    partial.set_changes_received(m_changes);
    return partial;
}

Result<std::unique_ptr<FragmentSpoolReader>> FragmentSpool::finish() {
    if (!m_complete || m_fd < 0) {
        return makeError(ErrorCode::Internal,
                         "the fragment spool " + m_path.string() + " is not complete");
    }
    ::close(m_fd);
    m_fd = -1;
    const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return makeError(ErrorCode::Io, "cannot reopen the fragment spool " + m_path.string() +
                                            ": " + std::strerror(errno));
    }
    return std::unique_ptr<FragmentSpoolReader>(
        new FragmentSpoolReader(m_path, fd, m_maxRecordBytes, m_header, m_changes));
}

void FragmentSpool::remove() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
}

FragmentSpoolReader::FragmentSpoolReader(std::filesystem::path path, int fd,
                                         std::uint64_t maxRecordBytes, v1::Transaction header,
                                         std::uint64_t count)
    : m_path(std::move(path)),
      m_fd(fd),
      m_maxRecordBytes(maxRecordBytes),
      m_header(std::move(header)),
      m_count(count) {}

FragmentSpoolReader::~FragmentSpoolReader() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
    std::error_code ec;
    std::filesystem::remove(m_path, ec);
}

Result<bool> FragmentSpoolReader::loadFragment() {
    FERRY_ASSIGN_OR_RETURN(RecordRead read, readRecord(m_fd, m_offset, m_maxRecordBytes, m_path,
                                                       m_buffer, m_fragment));
    const std::string where =
        "fragment spool " + m_path.string() + ", fragment " + std::to_string(m_nextIndex) + ": ";
    const char* advice = "; the file was changed or the disk is failing";
    if (read.state == RecordState::End) {
        return makeError(ErrorCode::Corrupt, where + "missing" + advice);
    }
    if (read.state == RecordState::Bad) {
        return makeError(ErrorCode::Corrupt, where + read.problem + advice);
    }
    if (m_fragment.index() != m_nextIndex || m_fragment.first_change() != m_read) {
        return makeError(ErrorCode::Corrupt, where + "out of order" + advice);
    }
    if (m_buffer.capacity() > 1024 * 1024) {
        std::string().swap(m_buffer);
    }
    m_offset += read.size;
    ++m_nextIndex;
    m_lastSeen = m_fragment.last();
    m_inFragment = 0;
    return true;
}

Status FragmentSpoolReader::rewind() {
    m_offset = 0;
    m_nextIndex = 0;
    m_read = 0;
    m_inFragment = 0;
    m_lastSeen = false;
    m_fragment.Clear();
    return okStatus();
}

Result<bool> FragmentSpoolReader::next(v1::RowChange& change) {
    while (m_fragment.changes_size() <= m_inFragment) {
        if (m_lastSeen) {
            if (m_read != m_count) {
                return makeError(ErrorCode::Corrupt, "fragment spool " + m_path.string() +
                                                         " holds " + std::to_string(m_read) +
                                                         " changes, expected " +
                                                         std::to_string(m_count));
            }
            return false;
        }
        FERRY_ASSIGN_OR_RETURN(bool loaded, loadFragment());
        (void)loaded;
    }
    change.Swap(m_fragment.mutable_changes(m_inFragment));
    ++m_inFragment;
    ++m_read;
    return true;
}

}  // namespace ferry::stream
