// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/keeper.h"

#include <algorithm>

namespace ferry::coord {

std::string_view keeperErrorName(KeeperError error) {
    switch (error) {
        case KeeperError::Ok:
            return "ok";
        case KeeperError::NoNode:
            return "no such node";
        case KeeperError::NodeExists:
            return "node already exists";
        case KeeperError::BadVersion:
            return "version mismatch";
        case KeeperError::NotEmpty:
            return "node has children";
        case KeeperError::NoChildrenForEphemerals:
            return "ephemeral nodes cannot have children";
        case KeeperError::BadArguments:
            return "bad arguments";
        case KeeperError::ConnectionLoss:
            return "connection to ZooKeeper lost";
        case KeeperError::OperationTimeout:
            return "operation timed out";
        case KeeperError::SessionExpired:
            return "session expired";
        case KeeperError::Closed:
            return "session closed";
        case KeeperError::NoAuth:
            return "not authorized";
        case KeeperError::Unimplemented:
            return "not implemented by the server";
        case KeeperError::System:
            return "client library error";
    }
    return "unknown keeper error";
}

ErrorCode toErrorCode(KeeperError error) {
    switch (error) {
        case KeeperError::Ok:
        case KeeperError::System:
            return ErrorCode::Internal;
        case KeeperError::NoNode:
            return ErrorCode::NotFound;
        case KeeperError::NodeExists:
        case KeeperError::BadVersion:
        case KeeperError::NotEmpty:
            return ErrorCode::Conflict;
        case KeeperError::NoChildrenForEphemerals:
        case KeeperError::BadArguments:
            return ErrorCode::InvalidArgument;
        case KeeperError::ConnectionLoss:
        case KeeperError::OperationTimeout:
        case KeeperError::SessionExpired:
        case KeeperError::Closed:
            return ErrorCode::Unavailable;
        case KeeperError::NoAuth:
            return ErrorCode::PermissionDenied;
        case KeeperError::Unimplemented:
            return ErrorCode::Unsupported;
    }
    return ErrorCode::Internal;
}

bool isConnectionError(KeeperError error) {
    return error == KeeperError::ConnectionLoss || error == KeeperError::OperationTimeout;
}

bool isSessionError(KeeperError error) {
    return error == KeeperError::SessionExpired || error == KeeperError::Closed;
}

bool isUserError(KeeperError error) {
    switch (error) {
        case KeeperError::NoNode:
        case KeeperError::NodeExists:
        case KeeperError::BadVersion:
        case KeeperError::NotEmpty:
        case KeeperError::NoChildrenForEphemerals:
        case KeeperError::BadArguments:
        case KeeperError::NoAuth:
            return true;
        default:
            return false;
    }
}

KeeperFailure keeperFailure(KeeperError kind, std::string_view operation, std::string_view path,
                            std::string_view detail) {
    KeeperFailure failure;
    failure.kind = kind;
    failure.code = toErrorCode(kind);
    failure.message = "zookeeper ";
    failure.message += operation;
    failure.message += ' ';
    failure.message += path;
    failure.message += ": ";
    failure.message += keeperErrorName(kind);
    if (!detail.empty()) {
        failure.message += ": ";
        failure.message += detail;
    }
    return failure;
}

bool isEphemeral(CreateMode mode) {
    return mode == CreateMode::Ephemeral || mode == CreateMode::EphemeralSequential;
}

bool isSequential(CreateMode mode) {
    return mode == CreateMode::PersistentSequential || mode == CreateMode::EphemeralSequential;
}

std::string_view watchEventTypeName(WatchEventType type) {
    switch (type) {
        case WatchEventType::Created:
            return "created";
        case WatchEventType::Deleted:
            return "deleted";
        case WatchEventType::DataChanged:
            return "data changed";
        case WatchEventType::ChildrenChanged:
            return "children changed";
        case WatchEventType::SessionLost:
            return "session lost";
    }
    return "unknown";
}

std::string_view sessionStateName(SessionState state) {
    switch (state) {
        case SessionState::Connecting:
            return "connecting";
        case SessionState::Connected:
            return "connected";
        case SessionState::Suspended:
            return "suspended";
        case SessionState::Expired:
            return "expired";
        case SessionState::Closed:
            return "closed";
    }
    return "unknown";
}

Op Op::create(std::string path, std::string data, CreateMode mode) {
    Op op;
    op.kind = Kind::Create;
    op.path = std::move(path);
    op.data = std::move(data);
    op.mode = mode;
    return op;
}

Op Op::set(std::string path, std::string data, int32_t version) {
    Op op;
    op.kind = Kind::Set;
    op.path = std::move(path);
    op.data = std::move(data);
    op.version = version;
    return op;
}

Op Op::remove(std::string path, int32_t version) {
    Op op;
    op.kind = Kind::Remove;
    op.path = std::move(path);
    op.version = version;
    return op;
}

Op Op::check(std::string path, int32_t version) {
    Op op;
    op.kind = Kind::Check;
    op.path = std::move(path);
    op.version = version;
    return op;
}

KeeperStatus validatePath(std::string_view path, std::string_view operation) {
    auto bad = [&](std::string_view why) {
        return keeperFailure(KeeperError::BadArguments, operation, path.empty() ? "\"\"" : path,
                             why);
    };
    if (path.empty() || path.front() != '/') {
        return bad("a path must start with '/'");
    }
    if (path.find('\0') != std::string_view::npos) {
        return bad("a path must not contain NUL");
    }
    if (path.size() == 1) {
        return {};
    }
    if (path.back() == '/') {
        return bad("a path must not end with '/'");
    }
    std::size_t start = 1;
    while (start <= path.size()) {
        std::size_t end = path.find('/', start);
        if (end == std::string_view::npos) {
            end = path.size();
        }
        const std::string_view component = path.substr(start, end - start);
        if (component.empty()) {
            return bad("a path must not contain an empty component (\"//\")");
        }
        if (component == "." || component == "..") {
            return bad("a path must not contain \".\" or \"..\"");
        }
        start = end + 1;
    }
    return {};
}

std::string joinPath(std::string_view parent, std::string_view child) {
    std::string out(parent);
    if (out.empty() || out.back() != '/') {
        out += '/';
    }
    while (!child.empty() && child.front() == '/') {
        child.remove_prefix(1);
    }
    out += child;
    return out;
}

std::string parentPath(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos || slash == 0) {
        return "/";
    }
    return std::string(path.substr(0, slash));
}

std::string baseName(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        return std::string(path);
    }
    return std::string(path.substr(slash + 1));
}

KeeperResult<std::string> Keeper::create(const std::string& path, std::string_view data,
                                         CreateMode mode) {
    KeeperStatus valid = validatePath(path, "create");
    if (!valid.ok()) {
        return std::move(valid).error();
    }
    if (path == "/") {
        return keeperFailure(KeeperError::NodeExists, "create", path);
    }
    return doCreate(path, data, mode);
}

KeeperResult<GetResult> Keeper::get(const std::string& path, WatchCallback watch) {
    KeeperStatus valid = validatePath(path, "get");
    if (!valid.ok()) {
        return std::move(valid).error();
    }
    return doGet(path, std::move(watch));
}

KeeperResult<Stat> Keeper::set(const std::string& path, std::string_view data, int32_t version) {
    KeeperStatus valid = validatePath(path, "set");
    if (!valid.ok()) {
        return std::move(valid).error();
    }
    return doSet(path, data, version);
}

KeeperStatus Keeper::remove(const std::string& path, int32_t version) {
    KeeperStatus valid = validatePath(path, "remove");
    if (!valid.ok()) {
        return valid;
    }
    if (path == "/") {
        return keeperFailure(KeeperError::BadArguments, "remove", path, "the root cannot go");
    }
    return doRemove(path, version);
}

KeeperResult<std::optional<Stat>> Keeper::exists(const std::string& path, WatchCallback watch) {
    KeeperStatus valid = validatePath(path, "exists");
    if (!valid.ok()) {
        return std::move(valid).error();
    }
    return doExists(path, std::move(watch));
}

KeeperResult<std::vector<std::string>> Keeper::getChildren(const std::string& path,
                                                           WatchCallback watch) {
    KeeperStatus valid = validatePath(path, "getChildren");
    if (!valid.ok()) {
        return std::move(valid).error();
    }
    auto children = doGetChildren(path, std::move(watch));
    if (children.ok()) {
        std::sort(children->begin(), children->end());
    }
    return children;
}

KeeperResult<std::vector<OpResult>> Keeper::multi(const std::vector<Op>& ops) {
    for (std::size_t i = 0; i < ops.size(); ++i) {
        KeeperStatus valid = validatePath(ops[i].path, "multi");
        if (!valid.ok()) {
            KeeperFailure failure = std::move(valid).error();
            failure.failedOp = static_cast<int>(i);
            return failure;
        }
    }
    if (ops.empty()) {
        return std::vector<OpResult>{};
    }
    return doMulti(ops);
}

KeeperStatus Keeper::ensurePath(const std::string& path) {
    KeeperStatus valid = validatePath(path, "ensurePath");
    if (!valid.ok()) {
        return valid;
    }
    std::size_t next = 1;
    while (next <= path.size() && path.size() > 1) {
        std::size_t end = path.find('/', next);
        if (end == std::string::npos) {
            end = path.size();
        }
        const std::string prefix = path.substr(0, end);
        auto found = doExists(prefix, {});
        if (!found.ok()) {
            return std::move(found).error();
        }
        if (!found->has_value()) {
            auto created = doCreate(prefix, {}, CreateMode::Persistent);
            if (!created.ok() && created.kind() != KeeperError::NodeExists) {
                return std::move(created).error();
            }
        }
        next = end + 1;
    }
    return {};
}

KeeperStatus Keeper::removeRecursive(const std::string& path) {
    KeeperStatus valid = validatePath(path, "removeRecursive");
    if (!valid.ok()) {
        return valid;
    }
    auto children = doGetChildren(path, {});
    if (!children.ok()) {
        if (children.kind() == KeeperError::NoNode) {
            return {};
        }
        return std::move(children).error();
    }
    for (const std::string& child : *children) {
        KeeperStatus removed = removeRecursive(joinPath(path, child));
        if (!removed.ok()) {
            return removed;
        }
    }
    if (path == "/") {
        return {};
    }
    KeeperStatus removed = doRemove(path, kAnyVersion);
    if (!removed.ok() && removed.kind() != KeeperError::NoNode) {
        return removed;
    }
    return {};
}

}  // namespace ferry::coord
