// SPDX-License-Identifier: Apache-2.0
// MysqlBinlogSource over a fake replica stream: file and offset tracking (artificial ROTATE,
// FORMAT_DESCRIPTION re-sent with log_pos 0, the prev_pos + size fallback), reconnection with
// backoff from the last confirmed transaction without losing or repeating events, and the
// start-time filter.
#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "ferry/mysql/mysql_binlog_source.h"
#include "ferry/mysql/start_filter.h"

namespace ferry::mysql {
namespace {

using Bytes = std::vector<std::uint8_t>;

void putLe(Bytes& out, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) {
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
}

Bytes event(std::uint8_t type, std::uint32_t size, std::uint32_t logPos, std::uint32_t ts = 100,
            std::uint16_t flags = 0) {
    Bytes out;
    putLe(out, ts, 4);
    out.push_back(type);
    putLe(out, 1, 4);
    putLe(out, size, 4);
    putLe(out, logPos, 4);
    putLe(out, flags, 2);
    out.resize(size, 0xab);
    return out;
}

Bytes artificialRotate(const std::string& file, std::uint64_t pos) {
    Bytes out = event(4, static_cast<std::uint32_t>(19 + 8 + file.size()), 0, 0, 0x20);
    out.resize(19);
    putLe(out, pos, 8);
    out.insert(out.end(), file.begin(), file.end());
    return out;
}

// One binlog file on a fake server: (offset, type, size, ts).
struct FileEvent {
    std::uint64_t offset;
    std::uint8_t type;
    std::uint32_t size;
    std::uint32_t ts;
};

const std::vector<FileEvent> kFile = {
    {4, 15, 100, 50},    // FORMAT_DESCRIPTION
    {104, 33, 40, 100},  // GTID
    {144, 2, 50, 100},   // QUERY BEGIN
    {194, 30, 60, 100},  // WRITE_ROWS
    {254, 16, 31, 100},  // XID
    {285, 33, 40, 200},  // GTID
    {325, 2, 50, 200},   // QUERY BEGIN
    {375, 30, 60, 200},  // WRITE_ROWS
    {435, 16, 31, 200},  // XID
};

struct Item {
    Bytes bytes;
    bool fail = false;
};

class FakeStream final : public RawEventStream {
public:
    explicit FakeStream(std::deque<Item> items) : m_items(std::move(items)) {}
    Result<std::span<const std::uint8_t>> next() override {
        if (m_items.empty()) {
            return std::span<const std::uint8_t>();
        }
        m_current = std::move(m_items.front());
        m_items.pop_front();
        if (m_current.fail) {
            return makeError(ErrorCode::Unavailable, "connection lost");
        }
        return std::span<const std::uint8_t>(m_current.bytes);
    }

private:
    std::deque<Item> m_items;
    Item m_current;
};

// A server that streams kFile from a position, failing after `failAfter` items on the first
// `failures` streams.
struct FakeServer {
    std::vector<ReplicaStart> starts;
    int failures = 0;
    std::size_t failAfter = 0;
    bool zeroLogPos = false;

    StreamOpener opener() {
        return [this](const ReplicaStart& start) -> Result<std::unique_ptr<RawEventStream>> {
            starts.push_back(start);
            const std::uint64_t from = start.file.empty() ? 4 : start.position;
            std::deque<Item> items;
            items.push_back({artificialRotate("b.000001", from)});
            if (from > 4) {
                items.push_back({event(15, 100, 0, 50)});
            }
            for (const FileEvent& e : kFile) {
                if (e.offset >= from) {
                    const auto logPos = static_cast<std::uint32_t>(e.offset + e.size);
                    items.push_back(
                        {event(e.type, e.size, zeroLogPos && e.type != 15 ? 0 : logPos, e.ts)});
                }
            }
            if (failures > 0) {
                --failures;
                items.resize(std::min(items.size(), failAfter));
                items.push_back({{}, true});
            }
            return std::unique_ptr<RawEventStream>(new FakeStream(std::move(items)));
        };
    }
};

struct Seen {
    std::string file;
    std::uint64_t offset;
    std::uint8_t type;
};

std::vector<Seen> drain(MysqlBinlogSource& source, bool confirmAtXid = true) {
    std::vector<Seen> seen;
    binlog::RawEvent ev;
    for (;;) {
        auto more = source.next(ev);
        EXPECT_TRUE(more.ok()) << more.error().toString();
        if (!more.ok() || !*more) {
            return seen;
        }
        seen.push_back({std::string(ev.file), ev.offset, ev.bytes[4]});
        if (confirmAtXid && ev.bytes[4] == 16) {
            source.confirm(ev.file, ev.offset + ev.bytes.size());
        }
    }
}

std::vector<std::uint64_t> offsets(const std::vector<Seen>& seen) {
    std::vector<std::uint64_t> out;
    for (const Seen& s : seen) {
        out.push_back(s.offset);
    }
    return out;
}

MysqlBinlogSourceOptions quietOptions(std::vector<std::chrono::milliseconds>* delays) {
    MysqlBinlogSourceOptions options;
    options.sleep = [delays](std::chrono::milliseconds d) { delays->push_back(d); };
    return options;
}

TEST(MysqlBinlogSource, TracksFileAndOffsets) {
    FakeServer server;
    std::vector<std::chrono::milliseconds> delays;
    ReplicaStart start;
    start.file = "b.000001";
    auto source = MysqlBinlogSource::open(server.opener(), start, quietOptions(&delays));
    ASSERT_TRUE(source.ok()) << source.error().toString();
    const auto seen = drain(**source);
    ASSERT_EQ(seen.size(), kFile.size() + 1);
    EXPECT_EQ(seen[0].type, 4);
    for (std::size_t i = 0; i < kFile.size(); ++i) {
        EXPECT_EQ(seen[i + 1].offset, kFile[i].offset);
        EXPECT_EQ(seen[i + 1].file, "b.000001");
    }
    EXPECT_EQ((*source)->delivered().toString(), "b.000001:466");
}

TEST(MysqlBinlogSource, FallsBackToPreviousPositionPlusSizeWhenLogPosIsZero) {
    FakeServer server;
    server.zeroLogPos = true;
    std::vector<std::chrono::milliseconds> delays;
    ReplicaStart start;
    start.file = "b.000001";
    start.position = 104;
    auto source = MysqlBinlogSource::open(server.opener(), start, quietOptions(&delays));
    ASSERT_TRUE(source.ok());
    const auto seen = drain(**source);
    // ROTATE, the re-sent FDE (shown at 4), then the events from 104 on.
    EXPECT_EQ(offsets(seen),
              (std::vector<std::uint64_t>{0, 4, 104, 144, 194, 254, 285, 325, 375, 435}));
}

TEST(MysqlBinlogSource, ReconnectsFromTheConfirmedTransactionWithoutRepeats) {
    FakeServer server;
    server.failures = 1;
    server.failAfter = 9;  // ROTATE, FDE .. the WRITE_ROWS at 375, then the connection drops
    std::vector<std::chrono::milliseconds> delays;
    ReplicaStart start;
    start.file = "b.000001";
    auto source = MysqlBinlogSource::open(server.opener(), start, quietOptions(&delays));
    ASSERT_TRUE(source.ok());
    const auto seen = drain(**source);
    EXPECT_EQ(offsets(seen),
              (std::vector<std::uint64_t>{0, 4, 104, 144, 194, 254, 285, 325, 375, 435}));
    ASSERT_EQ(server.starts.size(), 2u);
    EXPECT_EQ(server.starts[1].file, "b.000001");
    EXPECT_EQ(server.starts[1].position, 285u) << "resumes after the confirmed XID";
    EXPECT_EQ((*source)->reconnects(), 1u);
    EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{std::chrono::milliseconds(200)}));
}

TEST(MysqlBinlogSource, RestartsFromTheOriginalStartBeforeAnyConfirmation) {
    FakeServer server;
    server.failures = 1;
    server.failAfter = 4;  // ROTATE, FDE, GTID, BEGIN
    std::vector<std::chrono::milliseconds> delays;
    ReplicaStart start;
    start.file = "b.000001";
    auto source = MysqlBinlogSource::open(server.opener(), start, quietOptions(&delays));
    ASSERT_TRUE(source.ok());
    const auto seen = drain(**source, false);
    EXPECT_EQ(offsets(seen),
              (std::vector<std::uint64_t>{0, 4, 104, 144, 194, 254, 285, 325, 375, 435}));
    ASSERT_EQ(server.starts.size(), 2u);
    EXPECT_EQ(server.starts[1].position, 4u);
}

TEST(MysqlBinlogSource, BacksOffExponentiallyAndGivesUp) {
    int calls = 0;
    StreamOpener opener = [&](const ReplicaStart&) -> Result<std::unique_ptr<RawEventStream>> {
        if (++calls == 1) {
            std::deque<Item> items;
            items.push_back({{}, true});
            return std::unique_ptr<RawEventStream>(new FakeStream(std::move(items)));
        }
        return makeError(ErrorCode::Unavailable, "server down");
    };
    std::vector<std::chrono::milliseconds> delays;
    MysqlBinlogSourceOptions options = quietOptions(&delays);
    options.reconnect.initialDelay = std::chrono::milliseconds(100);
    options.reconnect.maxDelay = std::chrono::milliseconds(500);
    options.reconnect.maxAttempts = 5;
    auto source = MysqlBinlogSource::open(opener, ReplicaStart{}, options);
    ASSERT_TRUE(source.ok());
    binlog::RawEvent ev;
    auto more = (*source)->next(ev);
    ASSERT_FALSE(more.ok());
    EXPECT_EQ(more.error().code, ErrorCode::Unavailable);
    EXPECT_NE(more.error().message.find("gave up after 5"), std::string::npos)
        << more.error().message;
    using ms = std::chrono::milliseconds;
    EXPECT_EQ(delays, (std::vector<ms>{ms(100), ms(200), ms(400), ms(500), ms(500)}));
}

TEST(MysqlBinlogSource, OtherErrorsAreNotRetried) {
    StreamOpener opener = [](const ReplicaStart&) -> Result<std::unique_ptr<RawEventStream>> {
        return makeError(ErrorCode::NotFound, "binlog purged");
    };
    auto source = MysqlBinlogSource::open(opener, ReplicaStart{}, {});
    ASSERT_FALSE(source.ok());
    EXPECT_EQ(source.error().code, ErrorCode::NotFound);
}

TEST(MysqlBinlogSource, StartTimeSkipsEarlierTransactions) {
    FakeServer server;
    std::vector<std::chrono::milliseconds> delays;
    MysqlBinlogSourceOptions options = quietOptions(&delays);
    options.startTime = 150;
    ReplicaStart start;
    start.file = "b.000001";
    auto source = MysqlBinlogSource::open(server.opener(), start, options);
    ASSERT_TRUE(source.ok());
    const auto seen = drain(**source);
    EXPECT_EQ(offsets(seen), (std::vector<std::uint64_t>{0, 4, 285, 325, 375, 435}));
}

TEST(StartFilter, OffsetKeepsHeaderEventsAndDropsEarlierOnes) {
    StartFilter filter(std::uint64_t{285}, std::nullopt);
    EXPECT_TRUE(filter.accept(event(15, 100, 104), 4));
    EXPECT_FALSE(filter.accept(event(33, 40, 144), 104));
    EXPECT_FALSE(filter.accept(event(16, 31, 285), 254));
    EXPECT_TRUE(filter.accept(event(33, 40, 325), 285));
    EXPECT_TRUE(filter.accept(event(16, 31, 500), 469));
}

TEST(StartFilter, TimeWithoutGtidEventsStartsAtAQueryThatIsNotCommit) {
    StartFilter filter(std::nullopt, 150u);
    // QUERY body: post-header 13 bytes (schema length 0, status length 0), schema NUL, text.
    auto query = [](const std::string& text, std::uint32_t ts) {
        Bytes e = event(2, 19, 0, ts);
        e.resize(19 + 13, 0);
        e.push_back(0);
        e.insert(e.end(), text.begin(), text.end());
        return e;
    };
    EXPECT_FALSE(filter.accept(query("BEGIN", 100), 4));
    EXPECT_FALSE(filter.accept(query("COMMIT", 160), 50));  // ends an earlier transaction
    EXPECT_TRUE(filter.accept(query("BEGIN", 160), 100));
    EXPECT_TRUE(filter.open());
}

}  // namespace
}  // namespace ferry::mysql
