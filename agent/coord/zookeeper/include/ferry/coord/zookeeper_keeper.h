// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/coord/keeper.h"
#include "ferry/model/result.h"

namespace ferry::coord {

enum class ZooKeeperLogLevel { Error, Warn, Info, Debug };

// Receives the ZooKeeper client library's log lines (instead of its default, stderr).
using ZooKeeperLogSink = std::function<void(ZooKeeperLogLevel level, std::string_view line)>;

struct ZooKeeperOptions {
    std::string connect;  // "host:port[,host:port...]"
    // Every path is relative to this node (e.g. /ferry/<cluster>), created when missing.
    // Empty: the server's root.
    std::string chroot;
    std::chrono::milliseconds sessionTimeout{10000};  // what we ask; the server may adjust it
    std::chrono::milliseconds connectTimeout{15000};  // connect() and renewSession() give up
    ZooKeeperLogLevel logLevel = ZooKeeperLogLevel::Warn;
    // Empty: the library's lines are dropped. The library has one log level and this sink is
    // process-wide: the last keeper connected sets both.
    ZooKeeperLogSink log;
};

// The Keeper over a real ZooKeeper ensemble, through the multi-threaded C client
// (libzookeeper_mt). See Keeper for the contract. Watch callbacks and session listeners run on
// one event thread of this object (not the library's own completion thread, where a synchronous
// call would deadlock), so they may call the keeper.
//
// Thread-safe. Owns the session; the destructor closes it without calling anyone back.
class ZooKeeperKeeper final : public Keeper {
public:
    // Connects and waits for a session (up to connectTimeout); creates the chroot if missing.
    static Result<std::unique_ptr<ZooKeeperKeeper>> connect(ZooKeeperOptions options);
    ~ZooKeeperKeeper() override;
    ZooKeeperKeeper(const ZooKeeperKeeper&) = delete;
    ZooKeeperKeeper& operator=(const ZooKeeperKeeper&) = delete;

    SessionState state() const override;
    int64_t sessionId() const override;
    std::chrono::milliseconds sessionTimeout() const override;
    ListenerId addSessionListener(SessionListener listener) override;
    void removeSessionListener(ListenerId id) override;
    // Closes the current session (if any) and waits for a new one, up to connectTimeout.
    KeeperStatus renewSession() override;
    void close() override;

    const ZooKeeperOptions& options() const;

protected:
    KeeperResult<std::string> doCreate(const std::string& path, std::string_view data,
                                       CreateMode mode) override;
    KeeperResult<GetResult> doGet(const std::string& path, WatchCallback watch) override;
    KeeperResult<Stat> doSet(const std::string& path, std::string_view data,
                             int32_t version) override;
    KeeperStatus doRemove(const std::string& path, int32_t version) override;
    KeeperResult<std::optional<Stat>> doExists(const std::string& path,
                                               WatchCallback watch) override;
    KeeperResult<std::vector<std::string>> doGetChildren(const std::string& path,
                                                         WatchCallback watch) override;
    KeeperResult<std::vector<OpResult>> doMulti(const std::vector<Op>& ops) override;

private:
    struct Impl;
    explicit ZooKeeperKeeper(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> m_impl;
};

// Maps a ZooKeeper C client return code (ZOK, ZNONODE, ...) to KeeperError.
KeeperError keeperErrorFromZooKeeper(int rc);

}  // namespace ferry::coord
