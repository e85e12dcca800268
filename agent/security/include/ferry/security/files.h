// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <sys/types.h>
#include <cstddef>
#include <string>
#include <string_view>

#include "ferry/model/result.h"
#include "ferry/security/secret_string.h"

namespace ferry::security {

// Largest file these helpers read (keys, certificates, token lists, password files).
inline constexpr std::size_t kMaxSecurityFileSize = 1024 * 1024;

// Which permission bits a private file must not have.
enum class FileAccess {
    OwnerOnly,       // no group or other bits at all (keys, passwords): mode 0600 or 0400
    NoForeignWrite,  // readable by others is fine, writable is not (token hash lists)
};

// Checks that `path` is a regular file and that its mode follows `access`. `what` names the file
// in messages ("data key file"). Errors: NotFound, Io, PermissionDenied with the chmod to run.
Status checkFileMode(const std::string& path, std::string_view what, FileAccess access);

// Reads a whole file after checkFileMode; the content is wiped when the result is dropped.
Result<SecretString> readPrivateFile(const std::string& path, std::string_view what,
                                     FileAccess access = FileAccess::OwnerOnly);

// Reads a whole public file (certificates). Errors: NotFound, Io, InvalidArgument (too large).
Result<std::string> readPublicFile(const std::string& path, std::string_view what);

// Creates `path` with `mode` (not widened by the umask, since it is set with fchmod) and writes
// `content`. Refuses an existing file: "refusing to overwrite <what> <path>: ...". On a write
// error the partly written file is removed.
Status writeNewFile(const std::string& path, std::string_view content, mode_t mode,
                    std::string_view what);

}  // namespace ferry::security
