// SPDX-License-Identifier: Apache-2.0
// BatchBuilder: grouping whole transactions by count, bytes and time; idle batches; fragments
// within the bound, produced lazily from the spool, deterministic; resume by change count.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "ferry/stream/batch_builder.h"
#include "stream_test_util.h"

namespace ferry::stream::test {
namespace {

using namespace std::chrono_literals;

struct Drained {
    std::vector<v1::StreamBatch> batches;
};

// Takes every batch that is ready at `now`.
std::vector<v1::StreamBatch> drain(BatchBuilder& builder, StreamClock::time_point now) {
    std::vector<v1::StreamBatch> out;
    for (;;) {
        auto next = builder.takeReady(now);
        EXPECT_TRUE(next.ok()) << next.error().toString();
        if (!next.ok() || !next->has_value()) {
            return out;
        }
        out.push_back(std::move(**next));
    }
}

std::vector<v1::TransactionFragment> decodeFragments(BatchCodec& codec,
                                                     const std::vector<v1::StreamBatch>& batches) {
    std::vector<v1::TransactionFragment> out;
    for (const auto& batch : batches) {
        EXPECT_TRUE(batch.fragment());
        v1::TransactionFragment fragment;
        EXPECT_TRUE(codec.decode(batch, fragment).ok());
        out.push_back(std::move(fragment));
    }
    return out;
}

TEST(BatchBuilder, CutsWholeTransactionsByCountBytesAndTime) {
    BatchCodec codec;
    BuilderOptions options;
    options.maxBatchTransactions = 4;
    options.maxBatchBytes = 1024 * 1024;
    options.maxDelay = 20ms;
    options.idleInterval = 1s;
    BatchBuilder builder(options, codec);
    const auto t0 = StreamClock::time_point{} + 100s;
    for (std::uint64_t i = 0; i < 10; ++i) {
        ASSERT_TRUE(builder.add(wholeTransaction("binlog.000001", 1000 * (i + 1), 1, i), t0).ok());
    }
    // Two full batches of four now; the last two wait for the delay.
    auto now = drain(builder, t0);
    ASSERT_EQ(now.size(), 2u);
    EXPECT_TRUE(builder.acceptsMore());
    EXPECT_EQ(builder.nextDeadline(t0), t0 + 20ms);
    EXPECT_TRUE(drain(builder, t0 + 19ms).empty());
    auto later = drain(builder, t0 + 20ms);
    ASSERT_EQ(later.size(), 1u);
    std::uint64_t expectedBegin = 1000;
    for (const auto& batch : {now[0], now[1], later[0]}) {
        v1::TransactionBatch content;
        ASSERT_TRUE(codec.decode(batch, content).ok());
        for (const auto& t : content.transactions()) {
            EXPECT_EQ(t.begin().pos(), expectedBegin);
            expectedBegin += 1000;
        }
        EXPECT_EQ(batch.source_position().pos(),
                  content.transactions(content.transactions_size() - 1).end().pos());
    }
    EXPECT_EQ(expectedBegin, 11000u);

    // By bytes: each transaction is ~20 KB, the bound 50 KB.
    BuilderOptions small = options;
    small.maxBatchBytes = 50 * 1024;
    small.maxBatchTransactions = 1000;
    BatchBuilder bytes(small, codec);
    for (std::uint64_t i = 0; i < 6; ++i) {
        ASSERT_TRUE(bytes.add(wholeTransaction("binlog.000001", 1000 * (i + 1), 50, i), t0).ok());
    }
    auto byBytes = drain(bytes, t0 + 1s);
    ASSERT_GE(byBytes.size(), 2u);
    for (const auto& batch : byBytes) {
        EXPECT_LE(batch.raw_size(), 50u * 1024 + 64);
    }
}

TEST(BatchBuilder, SendsIdleBatchesWhenNothingHappens) {
    BatchCodec codec;
    BuilderOptions options;
    options.idleInterval = 500ms;
    BatchBuilder builder(options, codec);
    const auto t0 = StreamClock::time_point{} + 10s;
    EXPECT_TRUE(drain(builder, t0).empty());
    builder.noteSourcePosition(position("binlog.000002", 4242), 1795000000123456);
    EXPECT_TRUE(drain(builder, t0 + 499ms).empty());
    auto idle = drain(builder, t0 + 500ms);
    ASSERT_EQ(idle.size(), 1u);
    EXPECT_TRUE(idle[0].idle());
    EXPECT_TRUE(idle[0].data().empty());
    EXPECT_EQ(idle[0].source_position().pos(), 4242u);
    EXPECT_EQ(idle[0].source_time_us(), 1795000000123456);
    EXPECT_TRUE(drain(builder, t0 + 999ms).empty());
    EXPECT_EQ(drain(builder, t0 + 1000ms).size(), 1u);
}

TEST(BatchBuilder, FragmentsLazilyWithinTheBoundAndDeterministically) {
    TempDir dir;
    BatchCodec codec;
    BuilderOptions options;
    options.fragmentBytes = 64 * 1024;
    const auto t0 = StreamClock::time_point{} + 1s;
    std::vector<std::string> firstRun;
    for (int run = 0; run < 2; ++run) {
        BatchBuilder builder(options, codec);
        ASSERT_TRUE(builder.add(wholeTransaction("binlog.000001", 100, 2), t0).ok());
        auto captured = spooledTransaction(dir.path(), "binlog.000001", 5000, 3000);
        const capture::SpoolReader* reader = captured.spooled.get();
        ASSERT_TRUE(builder.add(std::move(captured), t0).ok());
        EXPECT_FALSE(builder.acceptsMore());
        ASSERT_TRUE(builder.add(wholeTransaction("binlog.000001", 900000, 2), t0).ok());
        // The small transaction before it goes first, alone.
        auto first = builder.takeReady(t0);
        ASSERT_TRUE(first.ok() && first->has_value());
        EXPECT_FALSE((*first)->fragment());
        std::vector<v1::StreamBatch> fragments;
        std::uint64_t readBefore = 0;
        for (;;) {
            auto next = builder.takeReady(t0);
            ASSERT_TRUE(next.ok()) << next.error().toString();
            if (!next->has_value()) {
                break;  // the transaction after it waits for maxDelay
            }
            ASSERT_TRUE((*next)->fragment());
            if (!fragments.empty() && !builder.acceptsMore()) {
                // Lazy: each fragment reads only its own changes (plus one carried over).
                EXPECT_LE(reader->position() - readBefore, 400u);
                readBefore = reader->position();
            }
            fragments.push_back(std::move(**next));
        }
        auto after = drain(builder, t0 + options.maxDelay);
        ASSERT_EQ(after.size(), 1u);
        EXPECT_FALSE(after[0].fragment());
        auto decoded = decodeFragments(codec, fragments);
        ASSERT_GT(decoded.size(), 5u);
        std::uint64_t changes = 0;
        for (std::size_t k = 0; k < decoded.size(); ++k) {
            EXPECT_EQ(decoded[k].index(), k);
            EXPECT_EQ(decoded[k].first_change(), changes);
            EXPECT_EQ(decoded[k].has_header(), k == 0);
            EXPECT_EQ(decoded[k].last(), k + 1 == decoded.size());
            EXPECT_EQ(decoded[k].begin().pos(), 5000u);
            EXPECT_LE(fragments[k].raw_size(), options.fragmentBytes);
            changes += static_cast<std::uint64_t>(decoded[k].changes_size());
            if (run == 0) {
                firstRun.push_back(fragments[k].data());
            } else {
                EXPECT_EQ(fragments[k].data(), firstRun.at(k)) << "fragment " << k;
            }
        }
        EXPECT_EQ(changes, 3000u);
        EXPECT_TRUE(decoded[0].header().streamed());
        EXPECT_EQ(decoded[0].header().changes_size(), 0);
    }
}

TEST(BatchBuilder, FragmentsAWholeTransactionOverTheBound) {
    BatchCodec codec;
    BuilderOptions options;
    options.fragmentBytes = 16 * 1024;
    BatchBuilder builder(options, codec);
    const auto t0 = StreamClock::time_point{} + 1s;
    auto big = wholeTransaction("binlog.000001", 100, 200);
    ASSERT_GT(big.transaction.ByteSizeLong(), options.fragmentBytes);
    ASSERT_TRUE(builder.add(std::move(big), t0).ok());
    auto fragments = decodeFragments(codec, drain(builder, t0));
    ASSERT_GT(fragments.size(), 3u);
    std::uint64_t row = 0;
    for (const auto& fragment : fragments) {
        for (const auto& change : fragment.changes()) {
            EXPECT_EQ(change.SerializeAsString(), sysbenchChange(row++, 150).SerializeAsString());
        }
    }
    EXPECT_EQ(row, 200u);
}

TEST(BatchBuilder, ResumesByChangeCountWhateverTheBound) {
    TempDir dir;
    BatchCodec codec;
    const auto t0 = StreamClock::time_point{} + 1s;
    v1::PartialTransaction partial;
    *partial.mutable_begin() = position("binlog.000001", 5000);
    partial.set_fragments_received(3);
    partial.set_changes_received(777);
    BuilderOptions options;
    options.fragmentBytes = 100 * 1024;
    BatchBuilder builder(options, codec);
    builder.resume(partial);
    // Whole transactions before it are sent as usual.
    ASSERT_TRUE(builder.add(wholeTransaction("binlog.000001", 100, 2), t0).ok());
    ASSERT_TRUE(builder.add(spooledTransaction(dir.path(), "binlog.000001", 5000, 2000), t0).ok());
    auto batches = drain(builder, t0);
    ASSERT_GE(batches.size(), 2u);
    EXPECT_FALSE(batches[0].fragment());
    batches.erase(batches.begin());
    auto fragments = decodeFragments(codec, batches);
    EXPECT_EQ(fragments[0].index(), 3u);
    EXPECT_EQ(fragments[0].first_change(), 777u);
    EXPECT_FALSE(fragments[0].has_header());
    EXPECT_EQ(fragments[0].changes(0).SerializeAsString(),
              sysbenchChange(777, 5050).SerializeAsString());
    std::uint64_t total = 777;
    for (const auto& f : fragments) {
        total += static_cast<std::uint64_t>(f.changes_size());
    }
    EXPECT_EQ(total, 2000u);
}

TEST(BatchBuilder, RefusesAResumeThatDoesNotFit) {
    TempDir dir;
    BatchCodec codec;
    const auto t0 = StreamClock::time_point{} + 1s;
    v1::PartialTransaction partial;
    *partial.mutable_begin() = position("binlog.000001", 5000);
    partial.set_fragments_received(2);
    partial.set_changes_received(5000);  // more than the transaction has
    {
        BatchBuilder builder(BuilderOptions{}, codec);
        builder.resume(partial);
        ASSERT_TRUE(
            builder.add(spooledTransaction(dir.path(), "binlog.000001", 5000, 100), t0).ok());
        auto next = builder.takeReady(t0);
        ASSERT_FALSE(next.ok());
        EXPECT_NE(next.error().message.find("discard its partial spool"), std::string::npos);
    }
    {
        // Another large transaction shows up before the partial one.
        BatchBuilder builder(BuilderOptions{}, codec);
        builder.resume(partial);
        auto status = builder.add(spooledTransaction(dir.path(), "binlog.000001", 4000, 100), t0);
        ASSERT_FALSE(status.ok());
        EXPECT_NE(status.error().message.find("binlog.000001:5000"), std::string::npos);
    }
    {
        capture::CapturedTransaction missingReader;
        missingReader.transaction = transactionHeader("binlog.000001", 1, 1);
        missingReader.transaction.set_streamed(true);
        BatchBuilder builder(BuilderOptions{}, codec);
        EXPECT_FALSE(builder.add(std::move(missingReader), t0).ok());
    }
}

}  // namespace
}  // namespace ferry::stream::test
