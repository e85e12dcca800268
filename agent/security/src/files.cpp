// SPDX-License-Identifier: Apache-2.0
#include "ferry/security/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ferry::security {
namespace {

std::string octalMode(mode_t mode) {
    char text[8];
    std::snprintf(text, sizeof(text), "%04o", unsigned(mode & 07777));
    return text;
}

std::string describe(std::string_view what, const std::string& path) {
    return std::string(what) + " " + path;
}

Error openError(std::string_view what, const std::string& path, int error) {
    const std::string reason = std::strerror(error);
    if (error == ENOENT) {
        return makeError(ErrorCode::NotFound, describe(what, path) + " does not exist");
    }
    if (error == EACCES) {
        return makeError(ErrorCode::PermissionDenied,
                         "cannot read " + describe(what, path) + ": " + reason +
                             " (the agent's user must own it or be allowed to read it)");
    }
    return makeError(ErrorCode::Io, "cannot open " + describe(what, path) + ": " + reason);
}

Status checkMode(const struct stat& info, const std::string& path, std::string_view what,
                 FileAccess access) {
    if (!S_ISREG(info.st_mode)) {
        return makeError(ErrorCode::InvalidArgument,
                         describe(what, path) + " is not a regular file");
    }
    if (access == FileAccess::OwnerOnly && (info.st_mode & 077) != 0) {
        return makeError(ErrorCode::PermissionDenied,
                         describe(what, path) + " is accessible by group or others (mode " +
                             octalMode(info.st_mode) + "); run: chmod 600 " + path);
    }
    if (access == FileAccess::NoForeignWrite && (info.st_mode & 022) != 0) {
        return makeError(ErrorCode::PermissionDenied,
                         describe(what, path) + " is writable by group or others (mode " +
                             octalMode(info.st_mode) + "); run: chmod go-w " + path);
    }
    return okStatus();
}

// Reads an open descriptor to the end, up to kMaxSecurityFileSize.
Status readAll(int fd, const std::string& path, std::string_view what, std::string& out) {
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            const int error = errno;
            wipeMemory(buffer, sizeof(buffer));
            return makeError(ErrorCode::Io,
                             "cannot read " + describe(what, path) + ": " + std::strerror(error));
        }
        if (n == 0) {
            break;
        }
        if (out.size() + std::size_t(n) > kMaxSecurityFileSize) {
            wipeMemory(buffer, sizeof(buffer));
            return makeError(ErrorCode::InvalidArgument, describe(what, path) + " is larger than " +
                                                             std::to_string(kMaxSecurityFileSize) +
                                                             " bytes");
        }
        out.append(buffer, std::size_t(n));
    }
    wipeMemory(buffer, sizeof(buffer));
    return okStatus();
}

class Descriptor {
public:
    explicit Descriptor(int fd) : m_fd(fd) {}
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    ~Descriptor() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    int get() const { return m_fd; }

private:
    int m_fd;
};

}  // namespace

Status checkFileMode(const std::string& path, std::string_view what, FileAccess access) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return openError(what, path, errno);
    }
    return checkMode(info, path, what, access);
}

Result<SecretString> readPrivateFile(const std::string& path, std::string_view what,
                                     FileAccess access) {
    const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return openError(what, path, errno);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        return makeError(ErrorCode::Io,
                         "cannot stat " + describe(what, path) + ": " + std::strerror(errno));
    }
    FERRY_TRY(checkMode(info, path, what, access));
    SecretString content;
    std::string text;
    text.reserve(std::size_t(info.st_size) + 1);  // one allocation: no stray copies to wipe
    const Status read = readAll(fd.get(), path, what, text);
    content = SecretString(std::move(text));
    if (!read.ok()) {
        return read.error();
    }
    return content;
}

Result<std::string> readPublicFile(const std::string& path, std::string_view what) {
    const Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        return openError(what, path, errno);
    }
    std::string text;
    FERRY_TRY(readAll(fd.get(), path, what, text));
    return text;
}

Status writeNewFile(const std::string& path, std::string_view content, mode_t mode,
                    std::string_view what) {
    const Descriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (fd.get() < 0) {
        const int error = errno;
        if (error == EEXIST) {
            return makeError(ErrorCode::Conflict,
                             "refusing to overwrite " + describe(what, path) +
                                 ": it exists; move it away first if you mean to replace it");
        }
        return makeError(ErrorCode::Io,
                         "cannot create " + describe(what, path) + ": " + std::strerror(error));
    }
    auto fail = [&](const char* step) -> Status {
        const std::string reason = std::strerror(errno);
        ::unlink(path.c_str());
        return makeError(ErrorCode::Io, std::string("cannot ") + step + " " + describe(what, path) +
                                            ": " + reason);
    };
    if (::fchmod(fd.get(), mode) != 0) {
        return fail("set the mode of");
    }
    std::size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("write");
        }
        written += std::size_t(n);
    }
    if (::fsync(fd.get()) != 0) {
        return fail("sync");
    }
    return okStatus();
}

}  // namespace ferry::security
