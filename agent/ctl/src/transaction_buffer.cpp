// SPDX-License-Identifier: Apache-2.0
#include "ferry/ctl/transaction_buffer.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace ferry::ctl {

TransactionBuffer::TransactionBuffer(std::size_t memoryLimit, std::string spillDir)
    : m_memoryLimit(memoryLimit), m_spillDir(std::move(spillDir)) {
    if (m_spillDir.empty()) {
        const char* tmp = std::getenv("TMPDIR");
        m_spillDir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
}

TransactionBuffer::~TransactionBuffer() {
    if (m_file != nullptr) {
        std::fclose(m_file);
    }
}

Status TransactionBuffer::add(std::string_view record) {
    m_memory.append(record);
    m_memory.push_back('\n');
    ++m_count;
    if (m_memory.size() > m_memoryLimit) {
        return spill();
    }
    return okStatus();
}

Status TransactionBuffer::spill() {
    if (m_file == nullptr) {
        std::string path = m_spillDir + "/ferryctl-txn-XXXXXX";
        std::vector<char> name(path.begin(), path.end());
        name.push_back('\0');
        const int fd = ::mkstemp(name.data());
        if (fd < 0) {
            return makeError(ErrorCode::Io,
                             "cannot create a temporary file in " + m_spillDir +
                                 " for a large transaction: " + std::strerror(errno) +
                                 "; set TMPDIR to a writable folder with room");
        }
        ::unlink(name.data());
        m_file = ::fdopen(fd, "w+b");
        if (m_file == nullptr) {
            ::close(fd);
            return makeError(ErrorCode::Io, std::string("cannot open the temporary file: ") +
                                                std::strerror(errno));
        }
    }
    if (std::fwrite(m_memory.data(), 1, m_memory.size(), m_file) != m_memory.size()) {
        return makeError(ErrorCode::Io, "cannot write a large transaction to a temporary file in " +
                                            m_spillDir + ": " + std::strerror(errno) +
                                            "; set TMPDIR to a folder with room");
    }
    m_spilledBytes += m_memory.size();
    m_memory.clear();
    return okStatus();
}

void TransactionBuffer::emitRecord(std::string_view record, std::string_view endPos,
                                   std::string_view time,
                                   const std::function<void(std::string_view)>& sink) {
    m_scratch.clear();
    std::size_t start = 0;
    for (std::size_t i = 0; i < record.size(); ++i) {
        const char c = record[i];
        if (c == kEndPosMark || c == kTimeMark) {
            m_scratch.append(record.substr(start, i - start));
            m_scratch.append(c == kEndPosMark ? endPos : time);
            start = i + 1;
        }
    }
    if (start == 0) {
        sink(record);
        return;
    }
    m_scratch.append(record.substr(start));
    sink(m_scratch);
}

Status TransactionBuffer::drain(std::string_view endPos, std::string_view time,
                                const std::function<void(std::string_view)>& sink) {
    if (m_spilledBytes != 0) {
        if (std::fflush(m_file) != 0 || std::fseek(m_file, 0, SEEK_SET) != 0) {
            return makeError(ErrorCode::Io, std::string("cannot read back a large transaction: ") +
                                                std::strerror(errno));
        }
        std::string line;
        std::vector<char> chunk(std::size_t{1} << 20);
        std::uint64_t left = m_spilledBytes;
        while (left > 0) {
            const std::size_t want =
                static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
            const std::size_t got = std::fread(chunk.data(), 1, want, m_file);
            if (got != want) {
                return makeError(ErrorCode::Io,
                                 "the temporary file of a large transaction is short");
            }
            left -= got;
            std::string_view data(chunk.data(), got);
            while (!data.empty()) {
                const std::size_t newline = data.find('\n');
                if (newline == std::string_view::npos) {
                    line.append(data);
                    break;
                }
                if (line.empty()) {
                    emitRecord(data.substr(0, newline), endPos, time, sink);
                } else {
                    line.append(data.substr(0, newline));
                    emitRecord(line, endPos, time, sink);
                    line.clear();
                }
                data.remove_prefix(newline + 1);
            }
        }
    }
    std::string_view data(m_memory);
    while (!data.empty()) {
        const std::size_t newline = data.find('\n');
        emitRecord(data.substr(0, newline), endPos, time, sink);
        data.remove_prefix(newline + 1);
    }
    clear();
    return okStatus();
}

void TransactionBuffer::clear() {
    m_memory.clear();
    if (m_spilledBytes != 0) {
        std::rewind(m_file);
        if (::ftruncate(::fileno(m_file), 0) != 0) {
            // The next spill overwrites from the start and reads back only its own bytes.
        }
        m_spilledBytes = 0;
    }
    m_count = 0;
    if (m_memory.capacity() > m_memoryLimit * 2) {
        m_memory.shrink_to_fit();
    }
}

}  // namespace ferry::ctl
