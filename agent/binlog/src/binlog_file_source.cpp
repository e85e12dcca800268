// SPDX-License-Identifier: Apache-2.0
#include "ferry/binlog/binlog_file_source.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <zlib.h>

namespace ferry::binlog {

namespace {

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

BinlogFileSource::BinlogFileSource(void* gz, std::string path, std::string name,
                                   std::uint32_t maxEventSize)
    : m_gz(gz), m_path(std::move(path)), m_name(std::move(name)), m_maxEventSize(maxEventSize) {}

BinlogFileSource::~BinlogFileSource() {
    if (m_gz != nullptr) {
        gzclose(static_cast<gzFile>(m_gz));
    }
}

Result<std::unique_ptr<BinlogFileSource>> BinlogFileSource::open(const std::string& path,
                                                                 std::uint32_t maxEventSize,
                                                                 std::string name) {
    // gzopen reads plain files transparently, so one code path serves both.
    gzFile gz = gzopen(path.c_str(), "rb");
    if (gz == nullptr) {
        int err = errno;
        return makeError(err == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                         "cannot open binlog file " + path + ": " + std::strerror(err));
    }
    gzbuffer(gz, 1u << 17);
    if (name.empty()) {
        name = baseName(path);
    }
    std::unique_ptr<BinlogFileSource> source(
        new BinlogFileSource(gz, path, std::move(name), maxEventSize));
    std::uint8_t magic[4] = {};
    FERRY_ASSIGN_OR_RETURN(std::size_t got, source->readUpTo(magic, sizeof magic));
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

Result<bool> BinlogFileSource::next(RawEvent& event) {
    if (m_buffer.size() < 19) {
        m_buffer.resize(4096);
    }
    FERRY_ASSIGN_OR_RETURN(std::size_t got, readUpTo(m_buffer.data(), 19));
    if (got == 0) {
        return false;
    }
    std::string at = m_name + ":" + std::to_string(m_offset);
    if (got < 19) {
        return makeError(ErrorCode::Corrupt,
                         "binlog " + at + " ends inside an event header (" + std::to_string(got) +
                             " of 19 bytes); the file is truncated (a server still writing it, "
                             "or a partial copy)");
    }
    std::uint32_t length = le32(m_buffer.data() + 9);
    if (length < 19) {
        return makeError(ErrorCode::Corrupt, "event at " + at + " declares a length of " +
                                                 std::to_string(length) +
                                                 " bytes, less than its 19-byte header; the "
                                                 "file is damaged");
    }
    if (length > m_maxEventSize) {
        return makeError(ErrorCode::Corrupt,
                         "event at " + at + " declares " + std::to_string(length) +
                             " bytes, above the limit of " + std::to_string(m_maxEventSize) +
                             "; the file is damaged");
    }
    if (m_buffer.size() < length) {
        m_buffer.resize(length);
    }
    FERRY_ASSIGN_OR_RETURN(std::size_t rest, readUpTo(m_buffer.data() + 19, length - 19));
    if (rest != length - 19) {
        return makeError(ErrorCode::Corrupt,
                         "event at " + at + " declares " + std::to_string(length) +
                             " bytes but the file ends after " + std::to_string(19 + rest) +
                             "; the file is truncated");
    }
    event.bytes = std::span<const std::uint8_t>(m_buffer.data(), length);
    event.offset = m_offset;
    event.file = m_name;
    m_offset += length;
    return true;
}

}  // namespace ferry::binlog
