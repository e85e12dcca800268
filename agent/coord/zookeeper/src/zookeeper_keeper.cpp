// SPDX-License-Identifier: Apache-2.0
#include "ferry/coord/zookeeper_keeper.h"

#include <zookeeper.h>

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>

namespace ferry::coord {

namespace {

// The library's log callback has no context pointer, so the sink is process-wide.
std::mutex g_logMutex;
ZooKeeperLogSink g_logSink;

void routeLibraryLog(const char* message) {
    std::string_view line(message == nullptr ? "" : message);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    ZooKeeperLogLevel level = ZooKeeperLogLevel::Debug;
    if (line.find("ZOO_ERROR") != std::string_view::npos) {
        level = ZooKeeperLogLevel::Error;
    } else if (line.find("ZOO_WARN") != std::string_view::npos) {
        level = ZooKeeperLogLevel::Warn;
    } else if (line.find("ZOO_INFO") != std::string_view::npos) {
        level = ZooKeeperLogLevel::Info;
    }
    std::lock_guard lock(g_logMutex);
    if (g_logSink) {
        g_logSink(level, line);
    }
}

ZooLogLevel toZooLevel(ZooKeeperLogLevel level) {
    switch (level) {
        case ZooKeeperLogLevel::Error:
            return ZOO_LOG_LEVEL_ERROR;
        case ZooKeeperLogLevel::Warn:
            return ZOO_LOG_LEVEL_WARN;
        case ZooKeeperLogLevel::Info:
            return ZOO_LOG_LEVEL_INFO;
        case ZooKeeperLogLevel::Debug:
            return ZOO_LOG_LEVEL_DEBUG;
    }
    return ZOO_LOG_LEVEL_WARN;
}

Stat fromZooStat(const ::Stat& in) {
    Stat out;
    out.czxid = in.czxid;
    out.mzxid = in.mzxid;
    out.pzxid = in.pzxid;
    out.ctime = in.ctime;
    out.mtime = in.mtime;
    out.version = in.version;
    out.cversion = in.cversion;
    out.aversion = in.aversion;
    out.ephemeralOwner = in.ephemeralOwner;
    out.dataLength = in.dataLength;
    out.numChildren = in.numChildren;
    return out;
}

int zooCreateFlags(CreateMode mode) {
    switch (mode) {
        case CreateMode::Persistent:
            return ZOO_PERSISTENT;
        case CreateMode::Ephemeral:
            return ZOO_EPHEMERAL;
        case CreateMode::PersistentSequential:
            return ZOO_PERSISTENT_SEQUENTIAL;
        case CreateMode::EphemeralSequential:
            return ZOO_EPHEMERAL_SEQUENTIAL;
    }
    return ZOO_PERSISTENT;
}

constexpr int kFirstReadSize = 64 * 1024;

}  // namespace

KeeperError keeperErrorFromZooKeeper(int rc) {
    switch (rc) {
        case ZOK:
            return KeeperError::Ok;
        case ZNONODE:
            return KeeperError::NoNode;
        case ZNODEEXISTS:
            return KeeperError::NodeExists;
        case ZBADVERSION:
            return KeeperError::BadVersion;
        case ZNOTEMPTY:
            return KeeperError::NotEmpty;
        case ZNOCHILDRENFOREPHEMERALS:
            return KeeperError::NoChildrenForEphemerals;
        case ZBADARGUMENTS:
        case ZINVALIDACL:
            return KeeperError::BadArguments;
        case ZCONNECTIONLOSS:
        case ZSESSIONMOVED:
        case ZTHROTTLEDOP:
        case ZNOTREADONLY:
            return KeeperError::ConnectionLoss;
        case ZOPERATIONTIMEOUT:
            return KeeperError::OperationTimeout;
        case ZSESSIONEXPIRED:
        case ZINVALIDSTATE:
        case ZSESSIONCLOSEDREQUIRESASLAUTH:
            return KeeperError::SessionExpired;
        case ZCLOSING:
            return KeeperError::Closed;
        case ZNOAUTH:
        case ZAUTHFAILED:
            return KeeperError::NoAuth;
        case ZUNIMPLEMENTED:
            return KeeperError::Unimplemented;
        default:
            return KeeperError::System;
    }
}

struct ZooKeeperKeeper::Impl {
    // What the session watcher of one handle needs; lives until that handle is closed.
    struct HandleContext {
        Impl* impl;
        uint64_t generation;
        bool everConnected = false;
    };

    ZooKeeperOptions options;

    // Guards the handle: calls share it, close and renew replace it.
    mutable std::shared_mutex handleMutex;
    zhandle_t* zh = nullptr;
    std::unique_ptr<HandleContext> context;

    mutable std::mutex stateMutex;
    std::condition_variable stateChanged;
    SessionState state = SessionState::Connecting;
    uint64_t generation = 0;
    int64_t sessionId = 0;
    std::chrono::milliseconds negotiatedTimeout{0};

    std::mutex watchMutex;
    std::map<uint64_t, WatchCallback> watches;
    uint64_t nextWatch = 1;

    std::mutex listenerMutex;
    std::map<ListenerId, SessionListener> listeners;
    ListenerId nextListener = 1;

    // The event thread: watch callbacks and listeners run here, one at a time.
    std::mutex queueMutex;
    std::condition_variable queueChanged;
    std::deque<std::function<void()>> queue;
    bool stopping = false;
    std::mutex callbackMutex;  // held while a callback runs
    std::thread::id eventThreadId;
    std::thread eventThread;

    explicit Impl(ZooKeeperOptions zooOptions) : options(std::move(zooOptions)) {
        eventThread = std::thread([this] { runEvents(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(queueMutex);
            stopping = true;
            queue.clear();
        }
        queueChanged.notify_all();
        if (eventThread.joinable()) {
            eventThread.join();
        }
    }

    void runEvents() {
        {
            std::lock_guard lock(queueMutex);
            eventThreadId = std::this_thread::get_id();
        }
        for (;;) {
            std::function<void()> task;
            {
                std::unique_lock lock(queueMutex);
                queueChanged.wait(lock, [this] { return stopping || !queue.empty(); });
                if (stopping) {
                    return;
                }
                task = std::move(queue.front());
                queue.pop_front();
            }
            std::lock_guard running(callbackMutex);
            task();
        }
    }

    bool onEventThread() {
        std::lock_guard lock(queueMutex);
        return eventThreadId == std::this_thread::get_id();
    }

    void post(std::function<void()> task) {
        {
            std::lock_guard lock(queueMutex);
            if (stopping) {
                return;
            }
            queue.push_back(std::move(task));
        }
        queueChanged.notify_one();
    }

    void postListeners(SessionState newState) {
        post([this, newState] {
            std::map<ListenerId, SessionListener> copy;
            {
                std::lock_guard lock(listenerMutex);
                copy = listeners;
            }
            for (auto& [id, listener] : copy) {
                listener(newState);
            }
        });
    }

    void postWatch(uint64_t id, WatchEvent event) {
        WatchCallback callback;
        {
            std::lock_guard lock(watchMutex);
            auto it = watches.find(id);
            if (it == watches.end()) {
                return;
            }
            callback = std::move(it->second);
            watches.erase(it);
        }
        post([callback = std::move(callback), event = std::move(event)] { callback(event); });
    }

    void loseAllWatches() {
        std::map<uint64_t, WatchCallback> lost;
        {
            std::lock_guard lock(watchMutex);
            lost.swap(watches);
        }
        for (auto& [id, callback] : lost) {
            post([callback = std::move(callback)] {
                callback(WatchEvent{WatchEventType::SessionLost, {}});
            });
        }
    }

    // Registers a watch; returns the context for the C client, or nullptr without a callback.
    void* registerWatch(WatchCallback callback) {
        if (!callback) {
            return nullptr;
        }
        std::lock_guard lock(watchMutex);
        const uint64_t id = nextWatch++;
        watches.emplace(id, std::move(callback));
        return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
    }

    void dropWatch(void* token) {
        if (token == nullptr) {
            return;
        }
        std::lock_guard lock(watchMutex);
        watches.erase(static_cast<uint64_t>(reinterpret_cast<uintptr_t>(token)));
    }

    // Called by the library's completion thread for session events.
    static void sessionWatcher(zhandle_t* zh, int type, int zooState, const char*, void* ctx) {
        auto* handle = static_cast<HandleContext*>(ctx);
        if (handle == nullptr || type != ZOO_SESSION_EVENT) {
            return;
        }
        Impl* self = handle->impl;
        SessionState next;
        if (zooState == ZOO_CONNECTED_STATE || zooState == ZOO_READONLY_STATE) {
            handle->everConnected = true;
            next = SessionState::Connected;
        } else if (zooState == ZOO_EXPIRED_SESSION_STATE || zooState == ZOO_AUTH_FAILED_STATE) {
            next = SessionState::Expired;
        } else {
            next = handle->everConnected ? SessionState::Suspended : SessionState::Connecting;
        }
        {
            std::lock_guard lock(self->stateMutex);
            if (handle->generation != self->generation || self->state == next) {
                return;
            }
            self->state = next;
            if (next == SessionState::Connected) {
                if (const clientid_t* id = zoo_client_id(zh)) {
                    self->sessionId = id->client_id;
                }
                self->negotiatedTimeout = std::chrono::milliseconds(zoo_recv_timeout(zh));
            }
        }
        self->stateChanged.notify_all();
        self->postListeners(next);
    }

    // Called by the library's completion thread for the one-shot watch `ctx` (its id).
    static void pathWatcher(zhandle_t* zh, int type, int zooState, const char* path, void* ctx) {
        auto* handle = static_cast<HandleContext*>(const_cast<void*>(zoo_get_context(zh)));
        if (handle == nullptr) {
            return;
        }
        const uint64_t id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(ctx));
        WatchEvent event;
        event.path = path == nullptr ? "" : path;
        if (type == ZOO_SESSION_EVENT) {
            // Every watch hears every session event; only the end of the session ends it.
            if (zooState != ZOO_EXPIRED_SESSION_STATE && zooState != ZOO_AUTH_FAILED_STATE) {
                return;
            }
            event.type = WatchEventType::SessionLost;
        } else if (type == ZOO_CREATED_EVENT) {
            event.type = WatchEventType::Created;
        } else if (type == ZOO_DELETED_EVENT) {
            event.type = WatchEventType::Deleted;
        } else if (type == ZOO_CHANGED_EVENT) {
            event.type = WatchEventType::DataChanged;
        } else if (type == ZOO_CHILD_EVENT) {
            event.type = WatchEventType::ChildrenChanged;
        } else {
            event.type = WatchEventType::SessionLost;  // ZOO_NOTWATCHING_EVENT: removed
        }
        handle->impl->postWatch(id, std::move(event));
    }

    std::string describeServer() const {
        std::string out = options.connect;
        if (!options.chroot.empty()) {
            out += " (chroot " + options.chroot + ")";
        }
        return out;
    }

    // Opens a handle to `connect` and waits for its session. REQUIRES: handleMutex held
    // exclusively and no current handle.
    Status openSession(const std::string& connect) {
        auto handle = std::make_unique<HandleContext>();
        handle->impl = this;
        {
            std::lock_guard lock(stateMutex);
            handle->generation = ++generation;
            state = SessionState::Connecting;
            sessionId = 0;
        }
        zoo_set_debug_level(toZooLevel(options.logLevel));
        errno = 0;
        zhandle_t* opened = zookeeper_init2(connect.c_str(), &Impl::sessionWatcher,
                                            static_cast<int>(options.sessionTimeout.count()),
                                            nullptr, handle.get(), 0, &routeLibraryLog);
        if (opened == nullptr) {
            const int error = errno;
            return makeError(ErrorCode::InvalidArgument,
                             "cannot start a ZooKeeper client for \"" + connect + "\": " +
                                 (error != 0 ? std::strerror(error) : "bad connect string") +
                                 "; expected host:port[,host:port...]");
        }
        bool connected = false;
        bool expired = false;
        {
            std::unique_lock lock(stateMutex);
            stateChanged.wait_for(lock, options.connectTimeout, [&] {
                return state == SessionState::Connected || state == SessionState::Expired;
            });
            connected = state == SessionState::Connected;
            expired = state == SessionState::Expired;
        }
        if (!connected) {
            zookeeper_close(opened);
            {
                std::lock_guard lock(stateMutex);
                ++generation;
                state = SessionState::Closed;
            }
            return makeError(
                expired ? ErrorCode::PermissionDenied : ErrorCode::Unavailable,
                std::string(expired ? "ZooKeeper refused the session"
                                    : "no ZooKeeper session within " +
                                          std::to_string(options.connectTimeout.count()) + " ms") +
                    " at " + connect + ": check that the servers are up and reachable");
        }
        zh = opened;
        context = std::move(handle);
        return okStatus();
    }

    // REQUIRES: handleMutex held exclusively.
    void closeHandle() {
        if (zh == nullptr) {
            return;
        }
        {
            std::lock_guard lock(stateMutex);
            ++generation;  // the old handle's late events are ignored
        }
        zookeeper_close(zh);
        zh = nullptr;
        context.reset();
    }

    Status createChroot() {
        if (options.chroot.empty() || options.chroot == "/") {
            return okStatus();
        }
        KeeperStatus valid = validatePath(options.chroot, "chroot");
        if (!valid.ok()) {
            return Error(std::move(valid).error());
        }
        std::unique_lock lock(handleMutex);
        FERRY_TRY(openSession(options.connect));
        Status status = okStatus();
        std::size_t next = 1;
        while (next <= options.chroot.size()) {
            std::size_t end = options.chroot.find('/', next);
            if (end == std::string::npos) {
                end = options.chroot.size();
            }
            const std::string prefix = options.chroot.substr(0, end);
            const int rc = zoo_create(zh, prefix.c_str(), nullptr, -1, &ZOO_OPEN_ACL_UNSAFE,
                                      ZOO_PERSISTENT, nullptr, 0);
            if (rc != ZOK && rc != ZNODEEXISTS) {
                status = Error(keeperFailure(keeperErrorFromZooKeeper(rc), "create chroot", prefix,
                                             zerror(rc)));
                break;
            }
            next = end + 1;
        }
        closeHandle();
        return status;
    }

    std::string connectWithChroot() const {
        if (options.chroot.empty() || options.chroot == "/") {
            return options.connect;
        }
        return options.connect + options.chroot;
    }

    // The library strips the chroot from returned paths; this guards against versions that do
    // not (multi results).
    std::string stripChroot(std::string path) const {
        const std::string& root = options.chroot;
        if (!root.empty() && root != "/" && path.compare(0, root.size(), root) == 0 &&
            (path.size() == root.size() || path[root.size()] == '/')) {
            path.erase(0, root.size());
            if (path.empty()) {
                path = "/";
            }
        }
        return path;
    }

    KeeperFailure failure(int rc, std::string_view operation, std::string_view path) const {
        return keeperFailure(keeperErrorFromZooKeeper(rc), operation, path,
                             "at " + describeServer());
    }

    KeeperFailure closedFailure(std::string_view operation, std::string_view path) const {
        return keeperFailure(KeeperError::Closed, operation, path,
                             "the session to " + describeServer() + " is closed");
    }
};

ZooKeeperKeeper::ZooKeeperKeeper(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Result<std::unique_ptr<ZooKeeperKeeper>> ZooKeeperKeeper::connect(ZooKeeperOptions options) {
    if (options.connect.empty()) {
        return makeError(ErrorCode::InvalidArgument,
                         "no ZooKeeper connect string: set host:port[,host:port...]");
    }
    {
        std::lock_guard lock(g_logMutex);
        g_logSink = options.log;
    }
    auto impl = std::make_unique<Impl>(std::move(options));
    FERRY_TRY(impl->createChroot());
    {
        std::unique_lock lock(impl->handleMutex);
        FERRY_TRY(impl->openSession(impl->connectWithChroot()));
    }
    return std::unique_ptr<ZooKeeperKeeper>(new ZooKeeperKeeper(std::move(impl)));
}

ZooKeeperKeeper::~ZooKeeperKeeper() {
    {
        std::lock_guard lock(m_impl->listenerMutex);
        m_impl->listeners.clear();
    }
    {
        std::lock_guard lock(m_impl->watchMutex);
        m_impl->watches.clear();
    }
    std::unique_lock lock(m_impl->handleMutex);
    m_impl->closeHandle();
}

const ZooKeeperOptions& ZooKeeperKeeper::options() const {
    return m_impl->options;
}

SessionState ZooKeeperKeeper::state() const {
    std::lock_guard lock(m_impl->stateMutex);
    return m_impl->state;
}

int64_t ZooKeeperKeeper::sessionId() const {
    std::lock_guard lock(m_impl->stateMutex);
    return m_impl->sessionId;
}

std::chrono::milliseconds ZooKeeperKeeper::sessionTimeout() const {
    std::lock_guard lock(m_impl->stateMutex);
    return m_impl->negotiatedTimeout.count() > 0 ? m_impl->negotiatedTimeout
                                                 : m_impl->options.sessionTimeout;
}

ListenerId ZooKeeperKeeper::addSessionListener(SessionListener listener) {
    std::lock_guard lock(m_impl->listenerMutex);
    const ListenerId id = m_impl->nextListener++;
    m_impl->listeners.emplace(id, std::move(listener));
    return id;
}

void ZooKeeperKeeper::removeSessionListener(ListenerId id) {
    std::unique_lock<std::mutex> running;
    if (!m_impl->onEventThread()) {
        running = std::unique_lock(m_impl->callbackMutex);
    }
    std::lock_guard lock(m_impl->listenerMutex);
    m_impl->listeners.erase(id);
}

KeeperStatus ZooKeeperKeeper::renewSession() {
    std::unique_lock lock(m_impl->handleMutex);
    m_impl->closeHandle();
    m_impl->loseAllWatches();
    Status opened = m_impl->openSession(m_impl->connectWithChroot());
    if (!opened.ok()) {
        m_impl->postListeners(SessionState::Closed);
        return keeperFailure(KeeperError::ConnectionLoss, "renewSession", "/",
                             std::move(opened).error().message);
    }
    return {};
}

void ZooKeeperKeeper::close() {
    std::unique_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return;
    }
    m_impl->closeHandle();
    {
        std::lock_guard stateLock(m_impl->stateMutex);
        m_impl->state = SessionState::Closed;
    }
    m_impl->stateChanged.notify_all();
    m_impl->loseAllWatches();
    m_impl->postListeners(SessionState::Closed);
}

KeeperResult<std::string> ZooKeeperKeeper::doCreate(const std::string& path, std::string_view data,
                                                    CreateMode mode) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("create", path);
    }
    std::vector<char> created(path.size() + m_impl->options.chroot.size() + 32);
    const int rc = zoo_create(m_impl->zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                              &ZOO_OPEN_ACL_UNSAFE, zooCreateFlags(mode), created.data(),
                              static_cast<int>(created.size()));
    if (rc != ZOK) {
        return m_impl->failure(rc, "create", path);
    }
    return m_impl->stripChroot(std::string(created.data()));
}

KeeperResult<GetResult> ZooKeeperKeeper::doGet(const std::string& path, WatchCallback watch) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("get", path);
    }
    void* token = m_impl->registerWatch(std::move(watch));
    std::vector<char> buffer(kFirstReadSize);
    for (int attempt = 0; attempt < 4; ++attempt) {
        int length = static_cast<int>(buffer.size());
        ::Stat stat{};
        const int rc = zoo_wget(m_impl->zh, path.c_str(), token ? &Impl::pathWatcher : nullptr,
                                token, buffer.data(), &length, &stat);
        if (rc != ZOK) {
            if (attempt == 0) {
                m_impl->dropWatch(token);
            }
            return m_impl->failure(rc, "get", path);
        }
        token = nullptr;  // registered by the first successful read
        if (stat.dataLength <= static_cast<int32_t>(buffer.size()) && length >= 0) {
            return GetResult{std::string(buffer.data(), static_cast<std::size_t>(length)),
                             fromZooStat(stat)};
        }
        buffer.resize(static_cast<std::size_t>(stat.dataLength));
    }
    return keeperFailure(KeeperError::System, "get", path,
                         "the node's data kept growing while it was read; retry");
}

KeeperResult<Stat> ZooKeeperKeeper::doSet(const std::string& path, std::string_view data,
                                          int32_t version) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("set", path);
    }
    ::Stat stat{};
    const int rc = zoo_set2(m_impl->zh, path.c_str(), data.data(), static_cast<int>(data.size()),
                            version, &stat);
    if (rc != ZOK) {
        return m_impl->failure(rc, "set", path);
    }
    return fromZooStat(stat);
}

KeeperStatus ZooKeeperKeeper::doRemove(const std::string& path, int32_t version) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("remove", path);
    }
    const int rc = zoo_delete(m_impl->zh, path.c_str(), version);
    if (rc != ZOK) {
        return m_impl->failure(rc, "remove", path);
    }
    return {};
}

KeeperResult<std::optional<Stat>> ZooKeeperKeeper::doExists(const std::string& path,
                                                            WatchCallback watch) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("exists", path);
    }
    void* token = m_impl->registerWatch(std::move(watch));
    ::Stat stat{};
    const int rc =
        zoo_wexists(m_impl->zh, path.c_str(), token ? &Impl::pathWatcher : nullptr, token, &stat);
    if (rc == ZOK) {
        return std::optional<Stat>{fromZooStat(stat)};
    }
    if (rc == ZNONODE) {
        return std::optional<Stat>{};  // the watch stays: it fires on creation
    }
    m_impl->dropWatch(token);
    return m_impl->failure(rc, "exists", path);
}

KeeperResult<std::vector<std::string>> ZooKeeperKeeper::doGetChildren(const std::string& path,
                                                                      WatchCallback watch) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("getChildren", path);
    }
    void* token = m_impl->registerWatch(std::move(watch));
    struct String_vector strings {};
    const int rc = zoo_wget_children(m_impl->zh, path.c_str(), token ? &Impl::pathWatcher : nullptr,
                                     token, &strings);
    if (rc != ZOK) {
        m_impl->dropWatch(token);
        return m_impl->failure(rc, "getChildren", path);
    }
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(strings.count));
    for (int32_t i = 0; i < strings.count; ++i) {
        names.emplace_back(strings.data[i]);
    }
    deallocate_String_vector(&strings);
    return names;
}

KeeperResult<std::vector<OpResult>> ZooKeeperKeeper::doMulti(const std::vector<Op>& ops) {
    std::shared_lock lock(m_impl->handleMutex);
    if (m_impl->zh == nullptr) {
        return m_impl->closedFailure("multi", ops.front().path);
    }
    const std::size_t count = ops.size();
    std::vector<zoo_op_t> zooOps(count);
    std::vector<zoo_op_result_t> results(count);
    std::vector<std::vector<char>> createdPaths(count);
    std::vector<::Stat> stats(count);
    for (std::size_t i = 0; i < count; ++i) {
        const Op& op = ops[i];
        switch (op.kind) {
            case Op::Kind::Create:
                createdPaths[i].resize(op.path.size() + m_impl->options.chroot.size() + 32);
                zoo_create_op_init(&zooOps[i], op.path.c_str(), op.data.data(),
                                   static_cast<int>(op.data.size()), &ZOO_OPEN_ACL_UNSAFE,
                                   zooCreateFlags(op.mode), createdPaths[i].data(),
                                   static_cast<int>(createdPaths[i].size()));
                break;
            case Op::Kind::Set:
                zoo_set_op_init(&zooOps[i], op.path.c_str(), op.data.data(),
                                static_cast<int>(op.data.size()), op.version, &stats[i]);
                break;
            case Op::Kind::Remove:
                zoo_delete_op_init(&zooOps[i], op.path.c_str(), op.version);
                break;
            case Op::Kind::Check:
                zoo_check_op_init(&zooOps[i], op.path.c_str(), op.version);
                break;
        }
    }
    const int rc = zoo_multi(m_impl->zh, static_cast<int>(count), zooOps.data(), results.data());
    if (rc != ZOK) {
        // The first op with its own error is the culprit; the rest report a rollback.
        for (std::size_t i = 0; i < count; ++i) {
            if (results[i].err != ZOK && results[i].err != ZRUNTIMEINCONSISTENCY) {
                KeeperFailure failure = m_impl->failure(results[i].err, "multi", ops[i].path);
                failure.failedOp = static_cast<int>(i);
                failure.message = "multi op " + std::to_string(i) + ": " + failure.message;
                return failure;
            }
        }
        return m_impl->failure(rc, "multi", ops.front().path);
    }
    std::vector<OpResult> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        out[i].path = ops[i].path;
        if (ops[i].kind == Op::Kind::Create) {
            out[i].path = m_impl->stripChroot(std::string(createdPaths[i].data()));
        } else if (ops[i].kind == Op::Kind::Set) {
            out[i].stat = fromZooStat(stats[i]);
        }
    }
    return out;
}

}  // namespace ferry::coord
