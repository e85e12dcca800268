// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/binlog_file_source.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

namespace ferry::binlog {

namespace {

// Plain files are read in blocks of this size (the block grows for a larger event).
constexpr std::size_t kReadBlock = std::size_t{1} << 20;

std::string baseName(const std::string& path) {
    auto slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
        name.resize(name.size() - 3);
    }
    return name;
}

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
           (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

}  // namespace

BinlogFileSource::BinlogFileSource(int fd, void* gz, std::string path, std::string name,
                                   std::uint32_t maxEventSize)
    : m_fd(fd),
      m_gz(gz),
      m_path(std::move(path)),
      m_name(std::move(name)),
      m_maxEventSize(maxEventSize) {}

BinlogFileSource::~BinlogFileSource() {
    if (m_gz != nullptr) {
        gzclose(static_cast<gzFile>(m_gz));  // closes the descriptor too
    } else if (m_fd >= 0) {
        ::close(m_fd);
    }
}

Result<std::unique_ptr<BinlogFileSource>> BinlogFileSource::open(const std::string& path,
                                                                 std::uint32_t maxEventSize,
                                                                 std::string name) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         "cannot open binlog file " + path + ": " + std::strerror(err));
    }
    if (name.empty()) {
        name = baseName(path);
    }
    std::uint8_t head[2] = {};
    bool gzip = ::pread(fd, head, 2, 0) == 2 && head[0] == 0x1f && head[1] == 0x8b;
    std::unique_ptr<BinlogFileSource> source;
    if (gzip) {
        gzFile gz = gzdopen(fd, "rb");
        if (gz == nullptr) {
            ::close(fd);
            return makeError(ErrorCode::Io, "cannot read gzip binlog file " + path);
        }
        gzbuffer(gz, 1u << 17);
        source.reset(new BinlogFileSource(-1, gz, path, std::move(name), maxEventSize));
    } else {
        source.reset(new BinlogFileSource(fd, nullptr, path, std::move(name), maxEventSize));
    }
    std::uint8_t magic[4] = {};
    std::size_t got = 0;
    if (gzip) {
        FERRY_ASSIGN_OR_RETURN(got, source->readUpTo(magic, sizeof magic));
    } else {
        FERRY_ASSIGN_OR_RETURN(got, source->fill(sizeof magic));
        std::memcpy(magic, source->m_block.get() + source->m_begin, got);
        source->m_begin += got;
    }
    if (got != 4 || std::memcmp(magic, kBinlogMagic, 4) != 0) {
        return makeError(ErrorCode::Corrupt, path +
                                                 " is not a binlog file: it does not start "
                                                 "with the magic bytes fe 62 69 6e");
    }
    return source;
}

Result<std::size_t> BinlogFileSource::readUpTo(std::uint8_t* out, std::size_t size) {
    std::size_t total = 0;
    auto* gz = static_cast<gzFile>(m_gz);
    while (total < size) {
        auto chunk = static_cast<unsigned>(std::min<std::size_t>(size - total, 1u << 30));
        int n = gzread(gz, out + total, chunk);
        if (n < 0) {
            int errnum = 0;
            const char* msg = gzerror(gz, &errnum);
            return makeError(errnum == Z_ERRNO ? ErrorCode::Io : ErrorCode::Corrupt,
                             "cannot read " + m_path + " at offset " +
                                 std::to_string(m_offset + total) + ": " +
                                 (errnum == Z_ERRNO ? std::strerror(errno) : msg));
        }
        if (n == 0) {
            break;
        }
        total += static_cast<std::size_t>(n);
    }
    return total;
}

Result<std::size_t> BinlogFileSource::fill(std::size_t need) {
    std::size_t have = m_end - m_begin;
    if (have >= need || m_eof) {
        return std::min(have, need);
    }
    if (m_blockSize < need || m_blockSize == 0) {
        std::size_t size = std::max(need, kReadBlock);
        std::unique_ptr<std::uint8_t[]> block(new std::uint8_t[size]);
        if (have != 0) {
            std::memcpy(block.get(), m_block.get() + m_begin, have);
        }
        m_block = std::move(block);
        m_blockSize = size;
        m_begin = 0;
        m_end = have;
    } else if (m_blockSize - m_begin < need) {
        std::memmove(m_block.get(), m_block.get() + m_begin, have);
        m_begin = 0;
        m_end = have;
    }
    while (m_end - m_begin < need && !m_eof) {
        ssize_t n = ::read(m_fd, m_block.get() + m_end, m_blockSize - m_end);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            int err = errno;
            return makeError(ErrorCode::Io, "cannot read " + m_path + " at offset " +
                                                std::to_string(m_offset + (m_end - m_begin)) +
                                                ": " + std::strerror(err));
        }
        if (n == 0) {
            m_eof = true;
        }
        m_end += static_cast<std::size_t>(n);
    }
    return std::min(m_end - m_begin, need);
}

Result<bool> BinlogFileSource::next(RawEvent& event) {
    return m_gz != nullptr ? nextGzip(event) : nextPlain(event);
}

namespace {

Error truncatedHeader(const std::string& at, std::size_t got) {
    return makeError(ErrorCode::Corrupt,
                     "binlog " + at + " ends inside an event header (" + std::to_string(got) +
                         " of 19 bytes); the file is truncated (a server still writing it, "
                         "or a partial copy)");
}

std::optional<Error> badLength(const std::string& at, std::uint32_t length, std::uint32_t max) {
    if (length < 19) {
        return makeError(ErrorCode::Corrupt, "event at " + at + " declares a length of " +
                                                 std::to_string(length) +
                                                 " bytes, less than its 19-byte header; the "
                                                 "file is damaged");
    }
    if (length > max) {
        return makeError(ErrorCode::Corrupt, "event at " + at + " declares " +
                                                 std::to_string(length) +
                                                 " bytes, above the limit of " +
                                                 std::to_string(max) + "; the file is damaged");
    }
    return std::nullopt;
}

Error truncatedBody(const std::string& at, std::uint32_t length, std::size_t got) {
    return makeError(ErrorCode::Corrupt, "event at " + at + " declares " + std::to_string(length) +
                                             " bytes but the file ends after " +
                                             std::to_string(got) + "; the file is truncated");
}

}  // namespace

Result<bool> BinlogFileSource::nextPlain(RawEvent& event) {
    FERRY_ASSIGN_OR_RETURN(std::size_t got, fill(19));
    auto at = [&] { return m_name + ":" + std::to_string(m_offset); };
    if (got == 0) {
        return false;
    }
    if (got < 19) {
        return truncatedHeader(at(), got);
    }
    std::uint32_t length = le32(m_block.get() + m_begin + 9);
    if (length < 19 || length > m_maxEventSize) {
        return *badLength(at(), length, m_maxEventSize);
    }
    FERRY_ASSIGN_OR_RETURN(got, fill(length));
    if (got != length) {
        return truncatedBody(at(), length, got);
    }
    event.bytes = std::span<const std::uint8_t>(m_block.get() + m_begin, length);
    event.offset = m_offset;
    event.file = m_name;
    m_begin += length;
    m_offset += length;
    return true;
}

Result<bool> BinlogFileSource::nextGzip(RawEvent& event) {
    if (m_buffer.size() < 19) {
        m_buffer.resize(4096);
    }
    FERRY_ASSIGN_OR_RETURN(std::size_t got, readUpTo(m_buffer.data(), 19));
    auto at = [&] { return m_name + ":" + std::to_string(m_offset); };
    if (got == 0) {
        return false;
    }
    if (got < 19) {
        return truncatedHeader(at(), got);
    }
    std::uint32_t length = le32(m_buffer.data() + 9);
    if (length < 19 || length > m_maxEventSize) {
        return *badLength(at(), length, m_maxEventSize);
    }
    if (m_buffer.size() < length) {
        m_buffer.resize(length);
    }
    FERRY_ASSIGN_OR_RETURN(std::size_t rest, readUpTo(m_buffer.data() + 19, length - 19));
    if (rest != length - 19) {
        return truncatedBody(at(), length, 19 + rest);
    }
    event.bytes = std::span<const std::uint8_t>(m_buffer.data(), length);
    event.offset = m_offset;
    event.file = m_name;
    m_offset += length;
    return true;
}

}  // namespace ferry::binlog
