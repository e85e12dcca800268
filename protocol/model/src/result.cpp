// SPDX-License-Identifier: Apache-2.0
#include "ferry/model/result.h"

namespace ferry {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::InvalidArgument:
            return "invalid argument";
        case ErrorCode::Corrupt:
            return "corrupt input";
        case ErrorCode::Unsupported:
            return "unsupported";
        case ErrorCode::NotFound:
            return "not found";
        case ErrorCode::Conflict:
            return "conflict";
        case ErrorCode::Unavailable:
            return "unavailable";
        case ErrorCode::PermissionDenied:
            return "permission denied";
        case ErrorCode::Io:
            return "i/o error";
        case ErrorCode::Internal:
            return "internal error";
    }
    return "unknown error";
}

std::string Error::toString() const {
    std::string out(errorCodeName(code));
    out += ": ";
    out += message;
    return out;
}

}  // namespace ferry
