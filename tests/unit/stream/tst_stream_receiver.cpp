// SPDX-License-Identifier: Apache-2.0
// StreamReceiver and FragmentSpool: delivery, ack coalescing, the corrupt-batch table, the torn
// spool tail table, recovery of the spool folder.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <vector>

#include "ferry/stream/batch_builder.h"
#include "ferry/stream/send_window.h"
#include "ferry/stream/stream_receiver.h"
#include "stream_test_util.h"

namespace ferry::stream::test {
namespace {

using namespace std::chrono_literals;

const auto kT0 = StreamClock::time_point{} + 1000s;

ReceiverOptions receiverOptions(const std::filesystem::path& dir) {
    ReceiverOptions options;
    options.pipelineId = 5;
    options.spoolDirectory = dir;
    options.windowBatches = 16;
    options.windowBytes = 1024 * 1024;
    options.ackEveryBatches = 4;
    options.ackDelay = 50ms;
    return options;
}

v1::StreamOpenResponse response(std::int64_t token, v1::StreamCodec codec = v1::STREAM_CODEC_ZSTD) {
    v1::StreamOpenResponse r;
    r.set_capture_fencing_token(token);
    r.set_codec(codec);
    return r;
}

std::unique_ptr<StreamReceiver> openReceiver(const std::filesystem::path& dir,
                                             std::int64_t token = 10) {
    auto receiver = StreamReceiver::open(receiverOptions(dir), v1::ResumePoint{});
    EXPECT_TRUE(receiver.ok()) << receiver.error().toString();
    EXPECT_TRUE((*receiver)->onOpened(response(token)).ok());
    return std::move(receiver).value();
}

// Builds the batches of `transactions` (fragment bound 8 KiB), numbered from 1 by a SendWindow.
std::vector<v1::StreamBatch> batchesOf(std::vector<capture::CapturedTransaction> transactions,
                                       std::int64_t token = 10) {
    BatchCodec codec;
    BuilderOptions options;
    options.fragmentBytes = 8 * 1024;
    options.maxBatchTransactions = 2;
    BatchBuilder builder(options, codec);
    v1::StreamOpenRequest open;
    open.set_pipeline_id(5);
    open.set_window_batches(100000);
    SendWindow window(open, token);
    std::vector<v1::StreamBatch> out;
    for (auto& t : transactions) {
        EXPECT_TRUE(builder.add(std::move(t), kT0).ok());
    }
    for (;;) {
        auto next = builder.takeReady(kT0 + 1s);
        EXPECT_TRUE(next.ok());
        if (!next.ok() || !next->has_value() || (*next)->idle()) {
            return out;
        }
        EXPECT_TRUE(window.onSent(**next).ok());
        out.push_back(std::move(**next));
    }
}

TEST(StreamReceiver, DeliversWholeAndLargeTransactionsInOrder) {
    TempDir dir;
    std::vector<capture::CapturedTransaction> input;
    input.push_back(wholeTransaction("binlog.000001", 100, 3, 0));
    input.push_back(wholeTransaction("binlog.000001", 200, 3, 3));
    input.push_back(wholeTransaction("binlog.000001", 300, 3, 6));
    input.push_back(spooledTransaction(dir.path() / "capture", "binlog.000001", 400, 500));
    input.push_back(wholeTransaction("binlog.000001", 900000, 1, 9));
    auto batches = batchesOf(std::move(input));
    auto receiver = openReceiver(dir.path() / "apply");
    std::vector<std::uint64_t> begins;
    std::uint64_t largeRows = 0;
    for (const auto& batch : batches) {
        auto received = receiver->onBatch(batch, kT0);
        ASSERT_TRUE(received.ok()) << received.error().toString();
        for (const auto& t : received->transactions) {
            begins.push_back(t.begin().pos());
        }
        if (received->large) {
            begins.push_back(received->large->header().begin().pos());
            EXPECT_TRUE(received->large->header().streamed());
            v1::RowChange change;
            for (;;) {
                auto more = received->large->next(change);
                ASSERT_TRUE(more.ok()) << more.error().toString();
                if (!*more) {
                    break;
                }
                ASSERT_EQ(
                    change.SerializeAsString(),
                    sysbenchChange(largeRows, 450 + (largeRows / 1000) * 8000).SerializeAsString());
                ++largeRows;
            }
            // Another apply attempt reads the same changes again from the start.
            ASSERT_TRUE(received->large->rewind().ok());
            std::uint64_t again = 0;
            for (;;) {
                auto more = received->large->next(change);
                ASSERT_TRUE(more.ok()) << more.error().toString();
                if (!*more) {
                    break;
                }
                ASSERT_EQ(change.SerializeAsString(),
                          sysbenchChange(again, 450 + (again / 1000) * 8000).SerializeAsString());
                ++again;
            }
            EXPECT_EQ(again, largeRows);
            const auto path = received->large->path();
            received->large.reset();
            EXPECT_FALSE(std::filesystem::exists(path));
        } else {
            EXPECT_TRUE(receiver->partial().has_value() == (batch.fragment() ? true : false));
        }
    }
    EXPECT_EQ(begins, (std::vector<std::uint64_t>{100, 200, 300, 400, 900000}));
    EXPECT_EQ(largeRows, 500u);
    EXPECT_FALSE(receiver->partial().has_value());
}

TEST(StreamReceiver, CoalescesAcks) {
    TempDir dir;
    std::vector<capture::CapturedTransaction> input;
    for (std::uint64_t i = 0; i < 40; ++i) {
        input.push_back(wholeTransaction("binlog.000001", 100 * (i + 1), 1, i));
    }
    auto batches = batchesOf(std::move(input));  // 20 batches of 2
    ASSERT_EQ(batches.size(), 20u);
    auto receiver = openReceiver(dir.path());
    auto now = kT0;
    // Every 4 batches.
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(receiver->onBatch(batches[static_cast<std::size_t>(i)], now).ok());
        EXPECT_FALSE(receiver->takeAck(now).has_value());
    }
    ASSERT_TRUE(receiver->onBatch(batches[3], now).ok());
    auto ack = receiver->takeAck(now);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->received_sequence(), 4u);
    EXPECT_EQ(ack->pipeline_id(), 5u);
    EXPECT_FALSE(ack->has_committed());
    EXPECT_FALSE(receiver->ackDeadline().has_value());
    // After the delay.
    ASSERT_TRUE(receiver->onBatch(batches[4], now + 10ms).ok());
    EXPECT_EQ(receiver->ackDeadline(), now + 60ms);
    EXPECT_FALSE(receiver->takeAck(now + 59ms).has_value());
    ack = receiver->takeAck(now + 60ms);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->received_sequence(), 5u);
    // A commit alone is acked after the delay too, with the same received sequence.
    receiver->onCommitted(position("binlog.000001", 500), "g:5", 1795000000, now + 100ms);
    EXPECT_FALSE(receiver->takeAck(now + 149ms).has_value());
    ack = receiver->takeAck(now + 150ms);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->received_sequence(), 5u);
    EXPECT_EQ(ack->committed().pos(), 500u);
    EXPECT_EQ(ack->committed_gtid(), "g:5");
    EXPECT_FALSE(receiver->takeAck(now + 1s).has_value());

    // Half the window: with ackEveryBatches high, 8 of a 16-batch window go at once.
    TempDir other;
    ReceiverOptions options = receiverOptions(other.path());
    options.ackEveryBatches = 1000;
    auto half = StreamReceiver::open(options, v1::ResumePoint{}).value();
    ASSERT_TRUE(half->onOpened(response(10)).ok());
    for (std::size_t i = 0; i < 7; ++i) {
        ASSERT_TRUE(half->onBatch(batches[i], now).ok());
        EXPECT_FALSE(half->takeAck(now).has_value());
    }
    ASSERT_TRUE(half->onBatch(batches[7], now).ok());
    ack = half->takeAck(now);
    ASSERT_TRUE(ack.has_value());
    EXPECT_EQ(ack->received_sequence(), 8u);
}

struct BadBatchCase {
    std::string name;
    std::size_t feedFirst;  // good batches fed before the bad one
    std::function<v1::StreamBatch(const std::vector<v1::StreamBatch>&)> bad;
    ErrorCode code;
    std::string mentions;
};

TEST(StreamReceiver, RefusesBadBatches) {
    TempDir capture;
    std::vector<capture::CapturedTransaction> input;
    input.push_back(wholeTransaction("binlog.000001", 100, 3, 0));
    input.push_back(spooledTransaction(capture.path(), "binlog.000001", 400, 200));
    auto good = batchesOf(std::move(input));
    // good[0]: whole; good[1..]: fragments of the transaction at 400.
    ASSERT_GT(good.size(), 4u);
    ASSERT_FALSE(good[0].fragment());
    ASSERT_TRUE(good[1].fragment());
    auto renumbered = [](v1::StreamBatch batch, std::uint64_t sequence) {
        batch.set_sequence(sequence);
        return batch;
    };
    BatchCodec codec;
    auto fragmentWith = [&](const v1::StreamBatch& from,
                            const std::function<void(v1::TransactionFragment&)>& change) {
        v1::TransactionFragment fragment;
        EXPECT_TRUE(codec.decode(from, fragment).ok());
        change(fragment);
        v1::StreamBatch out = from;
        EXPECT_TRUE(codec.encode(fragment, out).ok());
        return out;
    };
    const std::vector<BadBatchCase> cases = {
        {"sequence gap", 1, [&](const auto& g) { return renumbered(g[2], 3); }, ErrorCode::Corrupt,
         "(a gap)"},
        {"repeated sequence", 2, [&](const auto& g) { return g[1]; }, ErrorCode::Corrupt,
         "(a repeat)"},
        {"sequence zero", 0, [&](const auto& g) { return renumbered(g[0], 0); }, ErrorCode::Corrupt,
         "(a repeat)"},
        {"lower fencing token", 1,
         [&](const auto& g) {
             v1::StreamBatch b = g[1];
             b.set_capture_fencing_token(9);
             return b;
         },
         ErrorCode::Conflict, "deposed"},
        {"codec not agreed", 0,
         [&](const auto& g) {
             v1::StreamBatch b = g[0];
             b.set_codec(static_cast<v1::StreamCodec>(7));
             return b;
         },
         ErrorCode::Corrupt, "not the zstd agreed"},
        {"bad zstd data", 0,
         [&](const auto& g) {
             v1::StreamBatch b = g[0];
             b.set_data("not zstd at all");
             return b;
         },
         ErrorCode::Corrupt, "zstd"},
        {"raw_size lies", 0,
         [&](const auto& g) {
             v1::StreamBatch b = g[0];
             b.set_raw_size(b.raw_size() * 2);
             return b;
         },
         ErrorCode::Corrupt, "does not match"},
        {"truncated data", 0,
         [&](const auto& g) {
             v1::StreamBatch b = g[0];
             b.mutable_data()->resize(b.data().size() - 10);
             return b;
         },
         ErrorCode::Corrupt, "batch 1"},
        {"fragment out of order", 2, [&](const auto& g) { return renumbered(g[3], 3); },
         ErrorCode::Corrupt, "is fragment 2, expected 1"},
        {"fragment without its start", 1, [&](const auto& g) { return renumbered(g[2], 2); },
         ErrorCode::Corrupt, "none of its earlier fragments"},
        {"fragment at the wrong change", 2,
         [&](const auto& g) {
             return fragmentWith(g[2], [](auto& f) { f.set_first_change(f.first_change() + 1); });
         },
         ErrorCode::Corrupt, "starts at change"},
        {"fragment of another transaction", 2,
         [&](const auto& g) {
             return fragmentWith(g[2], [](auto& f) { f.mutable_begin()->set_pos(401); });
         },
         ErrorCode::Corrupt, "not the one being spooled"},
        {"first fragment without header", 1,
         [&](const auto& g) { return fragmentWith(g[1], [](auto& f) { f.clear_header(); }); },
         ErrorCode::Corrupt, "no header"},
        {"whole batch inside a fragmented transaction", 2,
         [&](const auto& g) { return renumbered(g[0], 3); }, ErrorCode::Corrupt, "was due"},
        {"idle batch with data", 0,
         [&](const auto& g) {
             v1::StreamBatch b = g[0];
             b.set_idle(true);
             return b;
         },
         ErrorCode::Corrupt, "idle but carries data"},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.name);
        TempDir apply;
        auto receiver = openReceiver(apply.path());
        for (std::size_t i = 0; i < row.feedFirst; ++i) {
            ASSERT_TRUE(receiver->onBatch(good[i], kT0).ok());
        }
        auto result = receiver->onBatch(row.bad(good), kT0);
        ASSERT_FALSE(result.ok());
        EXPECT_EQ(result.error().code, row.code) << result.error().toString();
        EXPECT_NE(result.error().message.find(row.mentions), std::string::npos)
            << result.error().message;
        // The stream is closed: the next good batch is refused until a new open.
        if (row.feedFirst < good.size()) {
            EXPECT_FALSE(receiver->onBatch(good[row.feedFirst], kT0).ok());
        }
        EXPECT_EQ(receiver->lastSequence(), row.feedFirst);
    }
}

TEST(StreamReceiver, RefusesAStreamThatPassesItsPartialTransaction) {
    TempDir capture;
    TempDir apply;
    std::vector<capture::CapturedTransaction> input;
    input.push_back(spooledTransaction(capture.path(), "binlog.000001", 400, 200));
    auto first = batchesOf(std::move(input));
    auto receiver = openReceiver(apply.path());
    ASSERT_TRUE(receiver->onBatch(first[0], kT0).ok());
    ASSERT_TRUE(receiver->partial().has_value());
    // A new stream that goes past the spooled transaction without resuming it.
    ASSERT_TRUE(receiver->onOpened(response(10)).ok());
    std::vector<capture::CapturedTransaction> later;
    later.push_back(wholeTransaction("binlog.000001", 100, 1));
    later.push_back(wholeTransaction("binlog.000001", 900, 1));
    auto second = batchesOf(std::move(later));
    ASSERT_EQ(second.size(), 1u);
    auto result = receiver->onBatch(second[0], kT0);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.error().message.find("were not resumed"), std::string::npos)
        << result.error().message;
    // Once discarded, the same stream content is accepted on a new stream.
    receiver->discardPartial();
    EXPECT_FALSE(receiver->partial().has_value());
    ASSERT_TRUE(receiver->onOpened(response(10)).ok());
    auto accepted = receiver->onBatch(second[0], kT0);
    ASSERT_TRUE(accepted.ok()) << accepted.error().toString();
    EXPECT_EQ(accepted->transactions.size(), 2u);
}

TEST(StreamReceiver, RefusesABadOpen) {
    TempDir dir;
    auto receiver = openReceiver(dir.path(), 10);
    auto lower = receiver->onOpened(response(9));
    ASSERT_FALSE(lower.ok());
    EXPECT_EQ(lower.error().code, ErrorCode::Conflict);
    auto codec = receiver->onOpened(response(10, v1::STREAM_CODEC_UNSPECIFIED));
    ASSERT_FALSE(codec.ok());
    EXPECT_EQ(codec.error().code, ErrorCode::Unsupported);
    EXPECT_TRUE(receiver->onOpened(response(11, v1::STREAM_CODEC_NONE)).ok());
    EXPECT_EQ(receiver->highestFencingToken(), 11);
    auto request = receiver->makeOpenRequest(3, v1::ResumePoint{});
    EXPECT_EQ(request.pipeline_id(), 5u);
    EXPECT_EQ(request.apply_fencing_token(), 3);
    EXPECT_EQ(request.window_batches(), 16u);
    EXPECT_EQ(request.codecs_size(), 2);
    EXPECT_FALSE(request.has_partial());
}

// Writes a spool of `fragments` fragments of 10 changes each (the last one marked last when
// `complete`) and returns its path.
std::filesystem::path writeSpool(const std::filesystem::path& dir, std::uint32_t fragments,
                                 bool complete) {
    std::unique_ptr<FragmentSpool> spool;
    for (std::uint32_t k = 0; k < fragments; ++k) {
        v1::TransactionFragment fragment;
        *fragment.mutable_begin() = position("binlog.000009", 4000);
        fragment.set_index(k);
        fragment.set_first_change(k * 10ull);
        if (k == 0) {
            *fragment.mutable_header() =
                transactionHeader("binlog.000009", 4000, fragments * 10ull);
            fragment.mutable_header()->set_streamed(true);
        }
        for (std::uint64_t r = 0; r < 10; ++r) {
            *fragment.add_changes() = sysbenchChange(k * 10 + r, 4050);
        }
        fragment.set_last(complete && k + 1 == fragments);
        if (k == 0) {
            spool = FragmentSpool::create(dir, fragment, 1 << 20).value();
        } else {
            EXPECT_TRUE(spool->append(fragment).ok());
        }
    }
    return spool->path();
}

struct TornCase {
    std::string name;
    std::function<void(const std::filesystem::path&)> damage;
    std::uint32_t fragmentsLeft;  // 0: nothing survives
};

TEST(FragmentSpool, TruncatesATornTail) {
    auto appendBytes = [](const std::filesystem::path& path, const std::string& bytes) {
        std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
    };
    auto cutBy = [](const std::filesystem::path& path, std::uintmax_t bytes) {
        std::filesystem::resize_file(path, std::filesystem::file_size(path) - bytes);
    };
    auto flipByteFromEnd = [](const std::filesystem::path& path, std::uintmax_t fromEnd) {
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        const auto at = static_cast<std::streamoff>(std::filesystem::file_size(path) - fromEnd);
        file.seekg(at);
        char c = 0;
        file.get(c);
        file.seekp(at);
        file.put(static_cast<char>(c ^ 0x01));
    };
    const std::vector<TornCase> cases = {
        {"intact", [](const auto&) {}, 3},
        {"half a record header", [&](const auto& p) { appendBytes(p, std::string("\x10\x00", 2)); },
         3},
        {"a record cut short", [&](const auto& p) { cutBy(p, 5); }, 2},
        {"a record whose CRC fails", [&](const auto& p) { flipByteFromEnd(p, 3); }, 2},
        {"an oversized length",
         [&](const auto& p) { appendBytes(p, std::string("\xff\xff\xff\x7f\0\0\0\0", 8)); }, 3},
        {"garbage after the records", [&](const auto& p) { appendBytes(p, std::string(100, 'z')); },
         3},
        {"everything but a few bytes", [&](const auto& p) { std::filesystem::resize_file(p, 6); },
         0},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.name);
        TempDir dir;
        const auto path = writeSpool(dir.path(), 3, false);
        row.damage(path);
        auto recovered = FragmentSpool::recover(path, 1 << 20);
        if (row.fragmentsLeft == 0) {
            ASSERT_FALSE(recovered.ok());
            EXPECT_EQ(recovered.error().code, ErrorCode::NotFound);
            EXPECT_FALSE(std::filesystem::exists(path));
            continue;
        }
        ASSERT_TRUE(recovered.ok()) << recovered.error().toString();
        auto& spool = *recovered;
        EXPECT_EQ(spool->fragments(), row.fragmentsLeft);
        EXPECT_EQ(spool->changes(), row.fragmentsLeft * 10ull);
        EXPECT_EQ(spool->partial().fragments_received(), row.fragmentsLeft);
        EXPECT_EQ(spool->partial().changes_received(), row.fragmentsLeft * 10ull);
        EXPECT_EQ(spool->header().row_count(), 30u);
        // The next fragment appends cleanly after the truncation and the whole reads back.
        v1::TransactionFragment next;
        *next.mutable_begin() = position("binlog.000009", 4000);
        next.set_index(row.fragmentsLeft);
        next.set_first_change(row.fragmentsLeft * 10ull);
        next.set_last(true);
        *next.add_changes() = sysbenchChange(999, 1);
        ASSERT_TRUE(spool->append(next).ok());
        auto reader = spool->finish();
        ASSERT_TRUE(reader.ok()) << reader.error().toString();
        v1::RowChange change;
        std::uint64_t n = 0;
        for (;;) {
            auto more = (*reader)->next(change);
            ASSERT_TRUE(more.ok()) << more.error().toString();
            if (!*more) {
                break;
            }
            ++n;
        }
        EXPECT_EQ(n, row.fragmentsLeft * 10ull + 1);
    }
}

TEST(FragmentSpool, DropsACompleteLastFragmentOnRecovery) {
    TempDir dir;
    const auto path = writeSpool(dir.path(), 4, true);
    auto recovered = FragmentSpool::recover(path, 1 << 20);
    ASSERT_TRUE(recovered.ok());
    EXPECT_EQ((*recovered)->fragments(), 3u);
    EXPECT_FALSE((*recovered)->complete());
}

TEST(FragmentSpool, ReaderDetectsAChangedFile) {
    TempDir dir;
    std::unique_ptr<FragmentSpoolReader> reader;
    {
        const auto path = writeSpool(dir.path(), 3, true);
        auto spool = FragmentSpool::recover(path, 1 << 20).value();  // drops the last one
        v1::TransactionFragment last;
        *last.mutable_begin() = position("binlog.000009", 4000);
        last.set_index(2);
        last.set_first_change(20);
        last.set_last(true);
        ASSERT_TRUE(spool->append(last).ok());
        reader = spool->finish().value();
        std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
        file.seekp(200);
        file.put('\x7f');
    }
    v1::RowChange change;
    bool failed = false;
    for (int i = 0; i < 40 && !failed; ++i) {
        auto more = reader->next(change);
        failed = !more.ok();
        if (failed) {
            EXPECT_EQ(more.error().code, ErrorCode::Corrupt);
            EXPECT_NE(more.error().message.find("CRC-32"), std::string::npos)
                << more.error().message;
        }
    }
    EXPECT_TRUE(failed);
}

TEST(StreamReceiver, RecoversTheSpoolFolder) {
    TempDir dir;
    // An older transaction's spool (superseded), the latest one (kept), another pipeline's file
    // kind (untouched).
    writeSpool(dir.path() / "a", 2, false);
    std::filesystem::rename(dir.path() / "a" / "binlog.000009@4000.ferryfrag",
                            dir.path() / "binlog.000008@4000.ferryfrag");
    const auto latest = writeSpool(dir.path(), 3, false);
    std::ofstream(dir.path() / "notes.txt") << "keep me";
    auto receiver = StreamReceiver::open(receiverOptions(dir.path()), v1::ResumePoint{}).value();
    auto partial = receiver->partial();
    ASSERT_TRUE(partial.has_value());
    EXPECT_EQ(partial->begin().file(), "binlog.000009");
    EXPECT_EQ(partial->fragments_received(), 3u);
    EXPECT_EQ(partial->changes_received(), 30u);
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "binlog.000008@4000.ferryfrag"));
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "notes.txt"));
    auto request = receiver->makeOpenRequest(1, v1::ResumePoint{});
    EXPECT_EQ(request.partial().fragments_received(), 3u);
    receiver.reset();

    // Once the target committed past its beginning, the spool is stale and removed.
    v1::ResumePoint committed;
    *committed.mutable_position() = position("binlog.000009", 9000);
    auto after = StreamReceiver::open(receiverOptions(dir.path()), committed).value();
    EXPECT_FALSE(after->partial().has_value());
    EXPECT_FALSE(std::filesystem::exists(latest));
}

TEST(SourcePositions, Compare) {
    EXPECT_LT(compareSourcePositions(position("b.000009", 5), position("b.000010", 1)), 0);
    EXPECT_LT(compareSourcePositions(position("b.999999", 5), position("b.1000000", 1)), 0);
    EXPECT_GT(compareSourcePositions(position("b.000010", 5), position("b.000010", 4)), 0);
    EXPECT_EQ(compareSourcePositions(position("b.000010", 5), position("b.000010", 5)), 0);
}

}  // namespace
}  // namespace ferry::stream::test
