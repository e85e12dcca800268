// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/model/result.h"

namespace ferry::coord {

// What a ZooKeeper-like service said, mirroring ZooKeeper's own error codes so that callers can
// tell a refused operation from a lost connection from a lost session.
enum class KeeperError {
    Ok,
    NoNode,                   // the node (or, for create, its parent) does not exist
    NodeExists,               // create found a node at that path
    BadVersion,               // the expected version did not match: someone else wrote first
    NotEmpty,                 // remove of a node that has children
    NoChildrenForEphemerals,  // create under an ephemeral node
    BadArguments,             // a malformed path or argument
    ConnectionLoss,    // the connection dropped: the operation may or may not have been applied
    OperationTimeout,  // no answer in time: the operation may or may not have been applied
    SessionExpired,    // the session is gone, and its ephemeral nodes and watches with it
    Closed,            // the session was closed by its owner
    NoAuth,            // the ACL refused the operation
    Unimplemented,     // the server does not support the operation
    System,            // anything else the client library reported
};

std::string_view keeperErrorName(KeeperError error);
ErrorCode toErrorCode(KeeperError error);
// The outcome of the operation is unknown; retry it idempotently or check what happened.
bool isConnectionError(KeeperError error);
// The session is over: leaderships and ephemeral nodes are gone; start a new session.
bool isSessionError(KeeperError error);
// The tree's state refused the operation; retrying the same operation will fail the same way.
bool isUserError(KeeperError error);

// A failed keeper operation: a ferry Error (code and a message naming the operation and the path)
// plus the keeper-level kind. Slices to ferry::Error, so FERRY_TRY and FERRY_ASSIGN_OR_RETURN
// propagate it from a function returning Result<T>.
struct KeeperFailure : Error {
    KeeperError kind = KeeperError::System;
    int failedOp = -1;  // for multi: the index of the operation that failed, else -1
};

// "zookeeper <operation> <path>: <what>[: <detail>]", with the ErrorCode of `kind`.
KeeperFailure keeperFailure(KeeperError kind, std::string_view operation, std::string_view path,
                            std::string_view detail = {});

// Result of a keeper call: a value or a KeeperFailure. Converts to Result<T>.
template <typename T>
class [[nodiscard]] KeeperResult {
public:
    KeeperResult(T value) : m_state(std::in_place_index<0>, std::move(value)) {}  // NOLINT
    KeeperResult(KeeperFailure failure)                                           // NOLINT
        : m_state(std::in_place_index<1>, std::move(failure)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }
    KeeperError kind() const { return ok() ? KeeperError::Ok : error().kind; }

    // REQUIRES: ok().
    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    // REQUIRES: !ok().
    const KeeperFailure& error() const& { return std::get<1>(m_state); }
    KeeperFailure&& error() && { return std::get<1>(std::move(m_state)); }

    operator Result<T>() && {  // NOLINT: implicit, like Result's own constructors
        if (ok()) {
            return std::move(*this).value();
        }
        return Error(std::move(*this).error());
    }

private:
    std::variant<T, KeeperFailure> m_state;
};

template <>
class [[nodiscard]] KeeperResult<void> {
public:
    KeeperResult() = default;
    KeeperResult(KeeperFailure failure) : m_failure(std::move(failure)), m_ok(false) {}  // NOLINT

    bool ok() const { return m_ok; }
    explicit operator bool() const { return m_ok; }
    KeeperError kind() const { return m_ok ? KeeperError::Ok : m_failure.kind; }
    // REQUIRES: !ok().
    const KeeperFailure& error() const& { return m_failure; }
    KeeperFailure&& error() && { return std::move(m_failure); }

    operator Status() && {  // NOLINT: implicit
        if (m_ok) {
            return okStatus();
        }
        return Error(std::move(m_failure));
    }

private:
    KeeperFailure m_failure;
    bool m_ok = true;
};

using KeeperStatus = KeeperResult<void>;

// A znode's metadata, as ZooKeeper's Stat.
struct Stat {
    int64_t czxid = 0;  // the zxid of the transaction that created the node
    int64_t mzxid = 0;  // the zxid of the last change to its data
    int64_t pzxid = 0;  // the zxid of the last change to its children
    int64_t ctime = 0;  // milliseconds since the epoch
    int64_t mtime = 0;
    int32_t version = 0;   // number of changes to the data
    int32_t cversion = 0;  // number of changes to the children
    int32_t aversion = 0;
    int64_t ephemeralOwner = 0;  // the owning session of an ephemeral node, else 0
    int32_t dataLength = 0;
    int32_t numChildren = 0;
};

struct GetResult {
    std::string data;
    Stat stat;
};

enum class CreateMode { Persistent, Ephemeral, PersistentSequential, EphemeralSequential };
bool isEphemeral(CreateMode mode);
bool isSequential(CreateMode mode);

// Matches any version in set, remove and check.
inline constexpr int32_t kAnyVersion = -1;

enum class WatchEventType {
    Created,
    Deleted,
    DataChanged,
    ChildrenChanged,
    SessionLost,  // the session expired or was closed before the watch fired; it never will
};
std::string_view watchEventTypeName(WatchEventType type);

struct WatchEvent {
    WatchEventType type = WatchEventType::DataChanged;
    std::string path;
};

// A one-shot watch: called at most once.
using WatchCallback = std::function<void(const WatchEvent&)>;

enum class SessionState {
    Connecting,  // no session yet
    Connected,
    Suspended,  // the connection dropped; the session may still be alive on the server
    Expired,    // the server ended the session; renewSession() starts a new one
    Closed,     // the owner closed the session
};
std::string_view sessionStateName(SessionState state);

using SessionListener = std::function<void(SessionState)>;
using ListenerId = uint64_t;

// One operation of a multi transaction.
struct Op {
    enum class Kind { Create, Set, Remove, Check };

    Kind kind = Kind::Check;
    std::string path;
    std::string data;
    CreateMode mode = CreateMode::Persistent;
    int32_t version = kAnyVersion;

    static Op create(std::string path, std::string data, CreateMode mode = CreateMode::Persistent);
    static Op set(std::string path, std::string data, int32_t version = kAnyVersion);
    static Op remove(std::string path, int32_t version = kAnyVersion);
    static Op check(std::string path, int32_t version);
};

struct OpResult {
    std::string path;  // the created path for Create (with its sequence suffix), else the op's
    Stat stat;         // the new Stat for Set, else zero
};

// Paths: absolute, '/'-separated, no empty, "." or ".." components, no trailing '/' (except the
// root), no NUL. For a sequential create the last component is a prefix to which the service
// appends a 10-digit counter.
KeeperStatus validatePath(std::string_view path, std::string_view operation);
std::string joinPath(std::string_view parent, std::string_view child);
// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string parentPath(std::string_view path);
// "/a/b" -> "b"; "/" -> "".
std::string baseName(std::string_view path);

// A ZooKeeper-like service seen through one session (ClickHouse's IKeeper is the model).
// Implementations: ZooKeeperKeeper (libzookeeper_mt), InMemoryKeeper (a fake sharing an
// InMemoryEnsemble with other fakes), FaultInjectingKeeper (wraps any Keeper).
//
// Calls are synchronous and thread-safe: any thread may call any method. Watches are one-shot;
// watch callbacks and session listeners never run inside a call to this keeper (they run on the
// keeper's event thread, or for the fakes on the thread that calls
// InMemoryEnsemble::deliverEvents()), are serialized, and may call the keeper. When a session
// ends (expiry or close()), every pending watch fires once with SessionLost.
//
// REQUIRES: whoever registers a watch or a listener keeps what it captures alive until it
// fires, is removed, or the keeper is destroyed.
class Keeper {
public:
    virtual ~Keeper() = default;

    // Creates a node; returns its path (with the sequence suffix for sequential modes).
    KeeperResult<std::string> create(const std::string& path, std::string_view data,
                                     CreateMode mode = CreateMode::Persistent);
    // Reads a node; `watch` (if set) fires on its next change or deletion.
    KeeperResult<GetResult> get(const std::string& path, WatchCallback watch = {});
    // Writes a node if its version is `version` (or any with kAnyVersion); returns the new Stat.
    KeeperResult<Stat> set(const std::string& path, std::string_view data,
                           int32_t version = kAnyVersion);
    KeeperStatus remove(const std::string& path, int32_t version = kAnyVersion);
    // The node's Stat or nullopt; `watch` fires when it is created, changed or deleted.
    KeeperResult<std::optional<Stat>> exists(const std::string& path, WatchCallback watch = {});
    // Child names (not paths), sorted; `watch` fires when a child is added or removed, or the
    // node is deleted.
    KeeperResult<std::vector<std::string>> getChildren(const std::string& path,
                                                       WatchCallback watch = {});
    // All or nothing: either every op applies (one result per op) or none does (the failure's
    // failedOp names the first op that failed).
    KeeperResult<std::vector<OpResult>> multi(const std::vector<Op>& ops);

    // Creates every missing node on the way to `path` (and `path` itself) as persistent and
    // empty; nodes that already exist are fine.
    KeeperStatus ensurePath(const std::string& path);
    // Removes `path` and everything below it; a missing node is fine.
    KeeperStatus removeRecursive(const std::string& path);

    virtual SessionState state() const = 0;
    // 0 while there is no session.
    virtual int64_t sessionId() const = 0;
    virtual std::chrono::milliseconds sessionTimeout() const = 0;
    // Listeners see every state change of this keeper, including those of later sessions.
    virtual ListenerId addSessionListener(SessionListener listener) = 0;
    // Once it returns, the listener is not running and will not be called.
    virtual void removeSessionListener(ListenerId id) = 0;
    // Starts a new session (after expiry, or to replace the current one). Ephemeral nodes and
    // watches of the old session are gone; listeners stay.
    virtual KeeperStatus renewSession() = 0;
    // Ends the session: its ephemeral nodes disappear. Calls fail with Closed afterwards.
    virtual void close() = 0;

protected:
    virtual KeeperResult<std::string> doCreate(const std::string& path, std::string_view data,
                                               CreateMode mode) = 0;
    virtual KeeperResult<GetResult> doGet(const std::string& path, WatchCallback watch) = 0;
    virtual KeeperResult<Stat> doSet(const std::string& path, std::string_view data,
                                     int32_t version) = 0;
    virtual KeeperStatus doRemove(const std::string& path, int32_t version) = 0;
    virtual KeeperResult<std::optional<Stat>> doExists(const std::string& path,
                                                       WatchCallback watch) = 0;
    virtual KeeperResult<std::vector<std::string>> doGetChildren(const std::string& path,
                                                                 WatchCallback watch) = 0;
    virtual KeeperResult<std::vector<OpResult>> doMulti(const std::vector<Op>& ops) = 0;
};

}  // namespace ferry::coord
