// SPDX-License-Identifier: Apache-2.0
// SendWindow: sequence numbering, the batch and byte bounds, acks freeing the window, bad acks.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "ferry/stream/send_window.h"
#include "stream_test_util.h"

namespace ferry::stream::test {
namespace {

v1::StreamOpenRequest openRequest(std::uint32_t batches, std::uint64_t bytes) {
    v1::StreamOpenRequest open;
    open.set_pipeline_id(7);
    open.set_window_batches(batches);
    open.set_window_bytes(bytes);
    return open;
}

v1::StreamBatch batchOf(std::size_t bytes) {
    v1::StreamBatch batch;
    batch.set_data(std::string(bytes, 'x'));
    return batch;
}

v1::StreamAckRequest ackOf(std::uint64_t sequence, std::uint64_t pipeline = 7) {
    v1::StreamAckRequest ack;
    ack.set_pipeline_id(pipeline);
    ack.set_received_sequence(sequence);
    return ack;
}

TEST(SendWindow, NumbersBatchesAndStampsTheToken) {
    SendWindow window(openRequest(4, 0), 99);
    for (std::uint64_t s = 1; s <= 4; ++s) {
        ASSERT_TRUE(window.canSend());
        v1::StreamBatch batch = batchOf(10);
        ASSERT_TRUE(window.onSent(batch).ok());
        EXPECT_EQ(batch.sequence(), s);
        EXPECT_EQ(batch.capture_fencing_token(), 99);
    }
    EXPECT_FALSE(window.canSend());
    v1::StreamBatch extra = batchOf(1);
    EXPECT_FALSE(window.onSent(extra).ok());
    ASSERT_TRUE(window.onAck(ackOf(2)).ok());
    EXPECT_EQ(window.inFlightBatches(), 2u);
    EXPECT_EQ(window.lastAckedSequence(), 2u);
    EXPECT_TRUE(window.canSend());
}

TEST(SendWindow, NeverExceedsTheBoundsUnderRandomTraffic) {
    const std::uint32_t maxBatches = 8;
    const std::uint64_t maxBytes = 10000;
    SendWindow window(openRequest(maxBatches, maxBytes), 1);
    std::mt19937 random(12345);
    std::uint64_t sent = 0;
    std::uint64_t acked = 0;
    for (int step = 0; step < 5000; ++step) {
        const std::size_t size = random() % 3000;
        if (random() % 3 != 0 && window.canSend(size)) {
            v1::StreamBatch batch = batchOf(size);
            ASSERT_TRUE(window.onSent(batch).ok());
            ++sent;
            EXPECT_EQ(batch.sequence(), sent);
        } else if (acked < sent) {
            acked += 1 + random() % (sent - acked);
            ASSERT_TRUE(window.onAck(ackOf(acked)).ok());
        }
        ASSERT_LE(window.inFlightBatches(), maxBatches);
        ASSERT_LE(window.inFlightBytes(), maxBytes);
        ASSERT_EQ(window.inFlightBatches(), sent - acked);
    }
    EXPECT_GT(sent, 1000u);
}

TEST(SendWindow, LetsAnOversizedBatchGoAlone) {
    SendWindow window(openRequest(4, 100), 1);
    EXPECT_TRUE(window.canSend(500));
    v1::StreamBatch big = batchOf(500);
    ASSERT_TRUE(window.onSent(big).ok());
    EXPECT_FALSE(window.canSend(1));
    ASSERT_TRUE(window.onAck(ackOf(1)).ok());
    EXPECT_EQ(window.inFlightBytes(), 0u);
    EXPECT_TRUE(window.canSend(1));
}

TEST(SendWindow, KeepsTheCommittedPosition) {
    SendWindow window(openRequest(4, 0), 1);
    for (int i = 0; i < 3; ++i) {
        v1::StreamBatch batch = batchOf(1);
        ASSERT_TRUE(window.onSent(batch).ok());
    }
    EXPECT_FALSE(window.hasCommitted());
    v1::StreamAckRequest ack = ackOf(1);
    *ack.mutable_committed() = position("binlog.000003", 777);
    ack.set_committed_gtid("x:5");
    ASSERT_TRUE(window.onAck(ack).ok());
    ASSERT_TRUE(window.onAck(ackOf(1)).ok());  // a repeat without commit keeps it
    ASSERT_TRUE(window.onAck(ackOf(3)).ok());
    ASSERT_TRUE(window.hasCommitted());
    EXPECT_EQ(window.committed().pos(), 777u);
    EXPECT_EQ(window.lastAck().committed_gtid(), "x:5");
    EXPECT_EQ(window.lastAck().received_sequence(), 3u);
}

TEST(SendWindow, RefusesBadAcks) {
    struct Case {
        std::string name;
        v1::StreamAckRequest ack;
        std::string mentions;
    };
    const std::vector<Case> cases = {
        {"future sequence", ackOf(6), "only 5 were sent"},
        {"far future sequence", ackOf(~0ull), "only 5 were sent"},
        {"going backwards", ackOf(2), "goes back from batch 3"},
        {"another pipeline", ackOf(4, 8), "names pipeline 8"},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.name);
        SendWindow window(openRequest(10, 0), 1);
        for (int i = 0; i < 5; ++i) {
            v1::StreamBatch batch = batchOf(1);
            ASSERT_TRUE(window.onSent(batch).ok());
        }
        ASSERT_TRUE(window.onAck(ackOf(3)).ok());
        auto status = window.onAck(row.ack);
        ASSERT_FALSE(status.ok());
        EXPECT_EQ(status.error().code, ErrorCode::Corrupt);
        EXPECT_NE(status.error().message.find(row.mentions), std::string::npos)
            << status.error().message;
        // The stream is closed: nothing more is sent or acked.
        EXPECT_TRUE(window.broken());
        EXPECT_FALSE(window.canSend());
        EXPECT_FALSE(window.onAck(ackOf(4)).ok());
        EXPECT_EQ(window.lastAckedSequence(), 3u);
    }
}

}  // namespace
}  // namespace ferry::stream::test
