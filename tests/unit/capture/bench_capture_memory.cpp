// SPDX-License-Identifier: Apache-2.0
// Bench (label `bench`, on demand): one 1 GiB source transaction, synthesized as MySQL 8.0
// events, goes through EventDecoder -> TransactionAssembler (spilling) -> a sink that streams
// it back and digests every row. Asserts peak RSS under 200 MiB and an exact digest, and prints
// one JSON object in the bench format of CONVENTIONS.md. FERRY_CAPTURE_BENCH_MIB overrides the
// size.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "binlog_encoder.h"
#include "capture_test_util.h"
#include "ferry/binlog/event_decoder.h"
#include "ferry/capture/transaction_assembler.h"

namespace ferry::capture::test {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr double kBudgetMiB = 200;

double peakRssMiB() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// FNV-1a over the id and data of every row, in order.
struct Digest {
    std::uint64_t value = 1469598103934665603ull;
    void add(std::string_view bytes) {
        for (unsigned char c : bytes) {
            value = (value ^ c) * 1099511628211ull;
        }
    }
    void add(std::int64_t id) {
        add(std::string_view(reinterpret_cast<const char*>(&id), sizeof id));
    }
};

// Reads streamed transactions back one change at a time and digests them; keeps nothing.
class DigestingSink final : public TransactionSink {
public:
    Status onTransaction(CapturedTransaction&& captured) override {
        ++transactions;
        streamed = captured.spooled != nullptr;
        rowCount = captured.transaction.row_count();
        sourceBytes = captured.transaction.source_bytes();
        if (!captured.spooled) {
            for (const auto& change : captured.transaction.changes()) {
                digest(change);
            }
            return okStatus();
        }
        spoolBytes = std::filesystem::file_size(captured.spooled->path());
        v1::RowChange change;
        for (;;) {
            FERRY_ASSIGN_OR_RETURN(bool more, captured.spooled->next(change));
            if (!more) {
                return okStatus();
            }
            digest(change);
        }
    }

    void digest(const v1::RowChange& change) {
        ++rowsRead;
        sum.add(change.after(0).int_());
        sum.add(change.after(2).text());
    }

    std::uint64_t transactions = 0;
    bool streamed = false;
    std::uint64_t rowCount = 0;
    std::uint64_t rowsRead = 0;
    std::uint64_t sourceBytes = 0;
    std::uint64_t spoolBytes = 0;
    Digest sum;
};

TEST(CaptureMemory, OneGibTransactionStaysUnder200MiB) {
    std::uint64_t targetMiB = 1024;
    if (const char* env = std::getenv("FERRY_CAPTURE_BENCH_MIB")) {
        targetMiB = std::strtoull(env, nullptr, 10);
    }
    const std::uint64_t target = targetMiB * kMiB;
    constexpr int kRowsPerEvent = 60;
    constexpr std::size_t kDataBytes = 1000;
    const std::uint64_t spillThreshold = 64 * kMiB;
    const double rssAtStart = peakRssMiB();

    TempDir spool("bench");
    DigestingSink sink;
    AssemblerOptions options;
    options.spoolDirectory = spool.path();
    options.spillThresholdBytes = spillThreshold;
    auto assembler = TransactionAssembler::create(std::move(options), sink);
    ASSERT_TRUE(assembler.ok()) << assembler.error().toString();

    BinlogEncoder encoder;
    binlog::EventDecoder decoder;
    decoder.setFileName("mysql-bin.000001");
    auto decode = [&](const BinlogEncoder::Bytes& event, std::uint64_t at) {
        auto status = decoder.decode(event, at, **assembler);
        ASSERT_TRUE(status.ok()) << status.error().toString();
    };

    const auto wallStart = std::chrono::steady_clock::now();
    const double cpuStart = cpuSeconds();
    std::uint64_t at = encoder.offset();
    decode(encoder.formatDescription(), at);
    const std::uint64_t begin = encoder.offset();
    at = encoder.offset();
    decode(encoder.query("BEGIN"), at);

    Digest expected;
    std::uint64_t rows = 0;
    std::string name = "customer-name";
    std::vector<std::string> data(kRowsPerEvent, std::string(kDataBytes, '\0'));
    std::vector<BinlogEncoder::Row> batch(kRowsPerEvent);
    while (encoder.offset() - begin < target) {
        at = encoder.offset();
        decode(encoder.tableMap(108, "shop", "orders"), at);
        for (int r = 0; r < kRowsPerEvent; ++r) {
            auto id = static_cast<std::int64_t>(rows);
            auto& bytes = data[static_cast<std::size_t>(r)];
            for (std::size_t i = 0; i < kDataBytes; ++i) {
                bytes[i] = static_cast<char>('a' + (rows * 7 + i) % 26);
            }
            batch[static_cast<std::size_t>(r)] = {id, name, bytes};
            expected.add(id);
            expected.add(bytes);
            ++rows;
        }
        at = encoder.offset();
        decode(encoder.writeRows(108, batch), at);
        if (HasFatalFailure()) {
            return;
        }
    }
    at = encoder.offset();
    decode(encoder.xid(7), at);
    const double cpu = cpuSeconds() - cpuStart;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    const double peak = peakRssMiB();
    const double sourceMiB = static_cast<double>(encoder.offset() - begin) / kMiB;

    ASSERT_EQ(sink.transactions, 1u);
    EXPECT_TRUE(sink.streamed);
    EXPECT_EQ(sink.rowCount, rows);
    EXPECT_EQ(sink.rowsRead, rows);
    EXPECT_EQ(sink.sum.value, expected.value) << "rows were lost or changed on the way";
    EXPECT_EQ(sink.sourceBytes, encoder.offset() - begin);
    EXPECT_EQ(spool.fileCount(), 0u) << "spool file left behind";
    EXPECT_LT(peak, kBudgetMiB) << "peak RSS " << peak << " MiB";

    google::protobuf::Struct out;
    auto& f = *out.mutable_fields();
    f["bench"].set_string_value("capture_large_transaction_peak_rss");
    f["figure"].set_number_value(peak);
    f["unit"].set_string_value("MiB");
    f["reference"].set_number_value(sourceMiB);
    f["reference_name"].set_string_value(
        "source bytes of the transaction (what an assembler without spilling holds at least)");
    f["ratio"].set_number_value(peak / sourceMiB);
    auto& s = *f["settings"].mutable_struct_value()->mutable_fields();
    s["budget_mib"].set_number_value(kBudgetMiB);
    s["spill_threshold_mib"].set_number_value(static_cast<double>(spillThreshold / kMiB));
    s["rows"].set_number_value(static_cast<double>(rows));
    s["row_data_bytes"].set_number_value(static_cast<double>(kDataBytes));
    s["rows_per_event"].set_number_value(kRowsPerEvent);
    s["spool_mib"].set_number_value(static_cast<double>(sink.spoolBytes) / kMiB);
    s["rss_at_start_mib"].set_number_value(rssAtStart);
    s["cpu_seconds"].set_number_value(cpu);
    s["wall_seconds"].set_number_value(wall);
    s["digest_ok"].set_bool_value(sink.sum.value == expected.value);
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(out, &json).ok());
    std::cout << json << std::endl;
}

}  // namespace
}  // namespace ferry::capture::test
