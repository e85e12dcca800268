// SPDX-License-Identifier: Apache-2.0
// End to end through the stream core without a network: capture SpoolWriter -> BatchBuilder ->
// SendWindow -> BatchCodec -> StreamReceiver -> FragmentSpool -> read back. A 1,000,000-row
// transaction with bounded memory, and resumes in the middle of a large transaction (reconnect
// and restart with a torn spool tail).
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>

#include "ferry/stream/batch_builder.h"
#include "ferry/stream/send_window.h"
#include "ferry/stream/stream_receiver.h"
#include "stream_test_util.h"

namespace ferry::stream::test {
namespace {

using namespace std::chrono_literals;

const auto kT0 = StreamClock::time_point{} + 1000s;
constexpr std::uint64_t kLargeBegin = 5000;

std::uint64_t expectedEventPos(std::uint64_t row) {
    return kLargeBegin + 50 + (row / 1000) * 8000;
}

// What the apply side saw: whole transactions' begins, and the large transaction's rows,
// checked one by one against the generator as they are read back (nothing kept).
struct Collected {
    std::vector<std::uint64_t> begins;
    std::uint64_t largeRows = 0;
    bool largeHeaderOk = false;
};

void readLarge(FragmentSpoolReader& reader, std::uint64_t expectedRows, bool insertsOnly,
               Collected& out) {
    out.begins.push_back(reader.header().begin().pos());
    out.largeHeaderOk = reader.header().streamed() && reader.header().row_count() == expectedRows &&
                        reader.header().changes_size() == 0;
    v1::RowChange change;
    for (;;) {
        auto more = reader.next(change);
        ASSERT_TRUE(more.ok()) << more.error().toString();
        if (!*more) {
            return;
        }
        const std::uint64_t row = out.largeRows++;
        // Cheap checks on every row, a full comparison on a sample.
        ASSERT_EQ(change.after(0).int_(), static_cast<std::int64_t>(row + 1)) << "row " << row;
        ASSERT_EQ(change.event_pos(), expectedEventPos(row)) << "row " << row;
        if (row % 997 == 0) {
            ASSERT_EQ(change.SerializeAsString(),
                      sysbenchChange(row, expectedEventPos(row), insertsOnly).SerializeAsString())
                << "row " << row;
        }
    }
}

// One stream: a capture side (builder + window + codec) and the given receiver, with acks.
// Runs until the builder has nothing more or `stopAfterFragments` fragment batches have been
// received (then the link is "cut": what is in flight is lost).
struct StreamRun {
    std::uint64_t batches = 0;
    std::uint64_t fragments = 0;
    std::uint32_t maxInFlight = 0;
};

StreamRun runStream(StreamReceiver& receiver, std::vector<capture::CapturedTransaction> input,
                    std::uint64_t fragmentBytes, std::uint64_t largeRows, bool insertsOnly,
                    Collected& out, std::uint64_t stopAfterFragments = ~0ull) {
    StreamRun run;
    const v1::StreamOpenRequest open = receiver.makeOpenRequest(1, v1::ResumePoint{});
    v1::StreamOpenResponse response;
    response.set_capture_fencing_token(20);
    response.set_codec(v1::STREAM_CODEC_ZSTD);
    EXPECT_TRUE(receiver.onOpened(response).ok());

    BatchCodec codec;
    BuilderOptions options;
    options.fragmentBytes = fragmentBytes;
    BatchBuilder builder(options, codec);
    if (open.has_partial()) {
        builder.resume(open.partial());
    }
    SendWindow window(open, 20);
    for (auto& t : input) {
        EXPECT_TRUE(builder.add(std::move(t), kT0).ok());
    }
    std::deque<v1::StreamBatch> link;  // sent, not yet received
    std::optional<v1::StreamBatch> held;
    auto now = kT0 + 1s;
    bool drained = false;
    while (!drained || !link.empty()) {
        // Capture side: send while the window allows.
        while (!drained) {
            if (!held) {
                auto next = builder.takeReady(now);
                EXPECT_TRUE(next.ok()) << next.error().toString();
                if (!next.ok() || !next->has_value() || (*next)->idle()) {
                    drained = true;
                    break;
                }
                held = std::move(**next);
            }
            if (!window.canSend(held->data().size())) {
                break;
            }
            EXPECT_TRUE(window.onSent(*held).ok());
            link.push_back(std::move(*held));
            held.reset();
            run.maxInFlight = std::max(run.maxInFlight, window.inFlightBatches());
        }
        // Apply side: receive what is on the link, ack when due.
        while (!link.empty()) {
            v1::StreamBatch batch = std::move(link.front());
            link.pop_front();
            auto received = receiver.onBatch(batch, now);
            EXPECT_TRUE(received.ok()) << received.error().toString();
            if (!received.ok()) {
                return run;
            }
            ++run.batches;
            for (const auto& t : received->transactions) {
                out.begins.push_back(t.begin().pos());
            }
            if (batch.fragment()) {
                ++run.fragments;
            }
            if (received->large) {
                readLarge(*received->large, largeRows, insertsOnly, out);
            }
            if (run.fragments >= stopAfterFragments) {
                return run;  // cut: the rest of the link is lost
            }
            if (auto ack = receiver.takeAck(now)) {
                EXPECT_TRUE(window.onAck(*ack).ok());
                break;  // let the capture side use the freed window
            }
        }
        now += 1ms;
    }
    return run;
}

TEST(StreamLarge, MillionRowTransactionWithBoundedMemory) {
    constexpr std::uint64_t kRows = 1000000;
    TempDir dir;
    const double before = peakRssMiB();
    auto started = std::chrono::steady_clock::now();
    std::vector<capture::CapturedTransaction> input;
    input.push_back(wholeTransaction("binlog.000001", 100, 2, 0));
    input.push_back(spooledTransaction(dir.path() / "capture", "binlog.000001", kLargeBegin, kRows,
                                       /*insertsOnly=*/true));
    input.push_back(wholeTransaction("binlog.000002", 4, 2, 0));
    const auto spoolBytes = std::filesystem::file_size(input[1].spooled->path());
    auto receiver = StreamReceiver::open(
                        [&] {
                            ReceiverOptions options;
                            options.pipelineId = 0;
                            options.spoolDirectory = dir.path() / "apply";
                            options.windowBatches = 32;
                            options.windowBytes = 16 * 1024 * 1024;
                            return options;
                        }(),
                        v1::ResumePoint{})
                        .value();
    Collected out;
    const StreamRun run = runStream(*receiver, std::move(input), 1024 * 1024, kRows, true, out);
    const double growth = peakRssMiB() - before;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const double cpu = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                       static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
    std::cout << "1,000,000-row transaction: " << spoolBytes / (1024 * 1024) << " MiB spooled, "
              << run.batches << " batches (" << run.fragments << " fragments), at most "
              << run.maxInFlight << " in flight, peak RSS growth " << growth << " MiB, " << seconds
              << " s (" << cpu << " s CPU)\n";
    EXPECT_EQ(out.largeRows, kRows);
    EXPECT_TRUE(out.largeHeaderOk);
    EXPECT_EQ(out.begins, (std::vector<std::uint64_t>{100, kLargeBegin, 4}));
    EXPECT_LE(run.maxInFlight, 32u);
    EXPECT_GT(run.fragments, 100u);
    EXPECT_LT(growth, 100.0);
    EXPECT_FALSE(receiver->partial().has_value());
    // Nothing left behind on the apply side.
    EXPECT_TRUE(std::filesystem::is_empty(dir.path() / "apply"));
}

struct ResumeCase {
    std::string name;
    bool restart;            // a new StreamReceiver over the same folder (a crash) or the same one
    bool tornTail;           // garbage appended to the spool before the restart
    std::uint64_t cutAfter;  // fragments received before the cut
    std::uint64_t secondBound;  // the fragment bound of the resumed stream
};

TEST(StreamLarge, ResumesInTheMiddleOfALargeTransaction) {
    constexpr std::uint64_t kRows = 20000;
    const std::vector<ResumeCase> cases = {
        {"reconnect", false, false, 5, 64 * 1024},
        {"reconnect after the first fragment", false, false, 1, 64 * 1024},
        {"restart", true, false, 7, 64 * 1024},
        {"restart with a torn tail", true, true, 7, 64 * 1024},
        {"restart with another fragment bound", true, false, 4, 200 * 1024},
        {"reconnect with a smaller fragment bound", false, false, 9, 16 * 1024},
    };
    for (const auto& row : cases) {
        SCOPED_TRACE(row.name);
        TempDir dir;
        ReceiverOptions options;
        options.spoolDirectory = dir.path() / "apply";
        options.windowBatches = 8;
        options.ackEveryBatches = 2;
        auto receiver = StreamReceiver::open(options, v1::ResumePoint{}).value();
        auto makeInput = [&] {
            // The capture side re-reads the binlog from the committed position each time.
            std::vector<capture::CapturedTransaction> input;
            input.push_back(wholeTransaction("binlog.000001", 100, 2, 0));
            input.push_back(
                spooledTransaction(dir.path() / "capture", "binlog.000001", kLargeBegin, kRows));
            input.push_back(wholeTransaction("binlog.000001", 900000, 2, 0));
            return input;
        };
        Collected first;
        const StreamRun cut =
            runStream(*receiver, makeInput(), 64 * 1024, kRows, false, first, row.cutAfter);
        ASSERT_EQ(cut.fragments, row.cutAfter);
        EXPECT_EQ(first.largeRows, 0u);
        auto partial = receiver->partial();
        ASSERT_TRUE(partial.has_value());
        EXPECT_EQ(partial->fragments_received(), row.cutAfter);
        EXPECT_EQ(partial->begin().pos(), kLargeBegin);
        if (row.restart) {
            receiver.reset();
            if (row.tornTail) {
                for (const auto& entry :
                     std::filesystem::directory_iterator(dir.path() / "apply")) {
                    std::ofstream(entry.path(), std::ios::binary | std::ios::app)
                        << std::string("\x40\x00\x00\x00\x12\x34", 6);
                }
            }
            receiver = StreamReceiver::open(options, v1::ResumePoint{}).value();
            auto recovered = receiver->partial();
            ASSERT_TRUE(recovered.has_value());
            EXPECT_EQ(recovered->SerializeAsString(), partial->SerializeAsString());
        }
        // Nothing was committed: the whole transaction before it comes again, then the rest of
        // the large one, then the one after.
        Collected second;
        runStream(*receiver, makeInput(), row.secondBound, kRows, false, second);
        EXPECT_EQ(second.largeRows, kRows) << "no row missing or repeated";
        EXPECT_TRUE(second.largeHeaderOk);
        EXPECT_EQ(second.begins, (std::vector<std::uint64_t>{100, kLargeBegin, 900000}));
        EXPECT_FALSE(receiver->partial().has_value());
    }
}

}  // namespace
}  // namespace ferry::stream::test
