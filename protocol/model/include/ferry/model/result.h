// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace ferry {

// The small set of error kinds every module reports. Callers branch on the code; people read the
// message, which says what failed, where, and what to do.
enum class ErrorCode {
    InvalidArgument,   // the caller's input is malformed (a GTID set, a URL, a flag)
    Corrupt,           // untrusted bytes do not decode (an event, a frame, a saved file)
    Unsupported,       // well-formed but not handled (an unknown event type, a new version)
    NotFound,          // a named object, file or position does not exist
    Conflict,          // a concurrent change won (a configuration version, a fencing token)
    Unavailable,       // a peer or server cannot be reached now; retrying may help
    PermissionDenied,  // authentication or role refused
    Io,                // a local file or socket operation failed
    Internal,          // a broken invariant of Ferry itself
};

std::string_view errorCodeName(ErrorCode code);

// An error: a code plus a message for people.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;

    std::string toString() const;
};

inline Error makeError(ErrorCode code, std::string message) {
    return Error{code, std::move(message)};
}

// Result<T> holds either a value or an Error (like LevelDB's Status with a payload, or
// std::expected). Fallible library calls return it instead of throwing.
template <typename T>
class [[nodiscard]] Result {
public:
    using value_type = T;

    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    // REQUIRES: ok().
    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // REQUIRES: !ok().
    const Error& error() const& { return std::get<1>(m_state); }
    Error&& error() && { return std::get<1>(std::move(m_state)); }

    template <typename U>
    T valueOr(U&& fallback) const& {
        return ok() ? value() : static_cast<T>(std::forward<U>(fallback));
    }

private:
    std::variant<T, Error> m_state;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)), m_ok(false) {}  // NOLINT: implicit

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    // REQUIRES: !ok().
    const Error& error() const& { return m_error; }
    Error&& error() && { return std::move(m_error); }

private:
    Error m_error;
    bool m_ok = true;
};

using Status = Result<void>;

inline Status okStatus() {
    return {};
}

}  // namespace ferry

// Propagates an error from a Result-returning expression: FERRY_TRY(status);
#define FERRY_TRY(expr)                                \
    do {                                               \
        auto ferryTryResult_ = (expr);                 \
        if (!ferryTryResult_.ok()) {                   \
            return std::move(ferryTryResult_).error(); \
        }                                              \
    } while (false)

// Assigns the value of a Result-returning expression or propagates its error:
// FERRY_ASSIGN_OR_RETURN(auto gtids, GtidSet::parse(text));
#define FERRY_CONCAT_INNER_(a, b) a##b
#define FERRY_CONCAT_(a, b) FERRY_CONCAT_INNER_(a, b)
#define FERRY_ASSIGN_OR_RETURN(decl, expr) \
    FERRY_ASSIGN_OR_RETURN_IMPL_(FERRY_CONCAT_(ferryResult_, __LINE__), decl, expr)
#define FERRY_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
    auto tmp = (expr);                                \
    if (!tmp.ok()) {                                  \
        return std::move(tmp).error();                \
    }                                                 \
    decl = std::move(tmp).value()
