// SPDX-License-Identifier: Apache-2.0
// BatchCodec: round trips with and without zstd, the compression ratio of a sysbench-like batch,
// and a table of corrupt batches, each refused with a clear error.
#include <gtest/gtest.h>
#include <zstd.h>

#include <functional>
#include <iostream>
#include <string>

#include "ferry/stream/batch_codec.h"
#include "stream_test_util.h"

namespace ferry::stream::test {
namespace {

v1::TransactionBatch sysbenchBatch(int transactions, int rowsEach) {
    v1::TransactionBatch batch;
    for (int t = 0; t < transactions; ++t) {
        auto captured = wholeTransaction("binlog.000007", 4 + static_cast<std::uint64_t>(t) * 5000,
                                         static_cast<std::uint64_t>(rowsEach),
                                         static_cast<std::uint64_t>(t * rowsEach));
        *batch.add_transactions() = std::move(captured.transaction);
    }
    return batch;
}

TEST(BatchCodec, RoundTripsWholeBatchesWithEachCodec) {
    const v1::TransactionBatch original = sysbenchBatch(20, 10);
    for (v1::StreamCodec codec : {v1::STREAM_CODEC_ZSTD, v1::STREAM_CODEC_NONE}) {
        SCOPED_TRACE(codecName(codec));
        BatchCodec codecObject(CodecOptions{codec, 3, 16 * 1024 * 1024});
        for (int round = 0; round < 3; ++round) {  // the contexts are reused
            v1::StreamBatch encoded;
            ASSERT_TRUE(codecObject.encode(original, encoded).ok());
            EXPECT_EQ(encoded.codec(), codec);
            EXPECT_FALSE(encoded.fragment());
            EXPECT_EQ(encoded.raw_size(), original.ByteSizeLong());
            v1::TransactionBatch decoded;
            auto status = codecObject.decode(encoded, decoded);
            ASSERT_TRUE(status.ok()) << status.error().toString();
            EXPECT_EQ(decoded.SerializeAsString(), original.SerializeAsString());
        }
    }
}

TEST(BatchCodec, RoundTripsFragments) {
    v1::TransactionFragment fragment;
    *fragment.mutable_header() = transactionHeader("binlog.000001", 4, 3);
    *fragment.mutable_begin() = position("binlog.000001", 4);
    fragment.set_index(0);
    fragment.set_first_change(0);
    for (std::uint64_t r = 0; r < 3; ++r) {
        *fragment.add_changes() = sysbenchChange(r, 60);
    }
    BatchCodec codec;
    v1::StreamBatch encoded;
    ASSERT_TRUE(codec.encode(fragment, encoded).ok());
    EXPECT_TRUE(encoded.fragment());
    v1::TransactionFragment decoded;
    ASSERT_TRUE(codec.decode(encoded, decoded).ok());
    EXPECT_EQ(decoded.SerializeAsString(), fragment.SerializeAsString());
    // The other kind of content is refused.
    v1::TransactionBatch wrongKind;
    EXPECT_FALSE(codec.decode(encoded, wrongKind).ok());
}

TEST(BatchCodec, RefusesToEncodeOverTheLimit) {
    BatchCodec codec(CodecOptions{v1::STREAM_CODEC_ZSTD, 3, 1000});
    v1::StreamBatch encoded;
    auto status = codec.encode(sysbenchBatch(5, 5), encoded);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code, ErrorCode::InvalidArgument);
}

TEST(BatchCodec, CompressesSysbenchLikeBatches) {
    const v1::TransactionBatch batch = sysbenchBatch(100, 10);
    BatchCodec codec;
    v1::StreamBatch encoded;
    ASSERT_TRUE(codec.encode(batch, encoded).ok());
    const double ratio =
        static_cast<double>(encoded.raw_size()) / static_cast<double>(encoded.data().size());
    std::cout << "sysbench-like batch: " << encoded.raw_size() << " bytes -> "
              << encoded.data().size() << " bytes with zstd level 3, ratio " << ratio << "\n";
    EXPECT_GT(ratio, 1.0);
}

struct CorruptCase {
    std::string name;
    std::function<void(v1::StreamBatch&)> damage;
    ErrorCode code;
    std::string mentions;  // a fragment of the expected message
};

TEST(BatchCodec, RefusesCorruptBatches) {
    const v1::TransactionBatch original = sysbenchBatch(10, 10);
    const std::uint64_t limit = 1024 * 1024;
    const std::vector<CorruptCase> cases = {
        {"truncated zstd data",
         [](v1::StreamBatch& b) { b.mutable_data()->resize(b.data().size() / 2); },
         ErrorCode::Corrupt, "does not decompress"},
        {"empty zstd data", [](v1::StreamBatch& b) { b.clear_data(); }, ErrorCode::Corrupt,
         "not a zstd frame"},
        {"bad zstd bytes", [](v1::StreamBatch& b) { b.set_data(std::string(64, '\x5a')); },
         ErrorCode::Corrupt, "not a zstd frame"},
        {"flipped zstd payload",
         [](v1::StreamBatch& b) {
             std::string& d = *b.mutable_data();
             for (std::size_t i = 20; i < d.size(); i += 7) {
                 d[i] = static_cast<char>(d[i] ^ 0x5a);
             }
         },
         ErrorCode::Corrupt, "stream batch 42"},
        {"raw_size over the limit", [&](v1::StreamBatch& b) { b.set_raw_size(limit + 1); },
         ErrorCode::Corrupt, "over the limit"},
        {"raw_size huge", [](v1::StreamBatch& b) { b.set_raw_size(~0ull); }, ErrorCode::Corrupt,
         "over the limit"},
        {"raw_size smaller than the content",
         [](v1::StreamBatch& b) { b.set_raw_size(b.raw_size() - 1); }, ErrorCode::Corrupt,
         "does not match"},
        {"raw_size larger than the content",
         [](v1::StreamBatch& b) { b.set_raw_size(b.raw_size() + 1); }, ErrorCode::Corrupt,
         "does not match"},
        {"unknown codec", [](v1::StreamBatch& b) { b.set_codec(static_cast<v1::StreamCodec>(9)); },
         ErrorCode::Unsupported, "codec 9"},
        {"unspecified codec", [](v1::StreamBatch& b) { b.set_codec(v1::STREAM_CODEC_UNSPECIFIED); },
         ErrorCode::Unsupported, "unspecified"},
        {"uncompressed bytes that do not parse",
         [](v1::StreamBatch& b) {
             b.set_codec(v1::STREAM_CODEC_NONE);
             b.set_data(std::string("\x0a\xff\xff\xff\xff\x0f garbage", 15));
             b.set_raw_size(b.data().size());
         },
         ErrorCode::Corrupt, "not a TransactionBatch"},
        {"zstd bytes that do not parse",
         [](v1::StreamBatch& b) {
             const std::string garbage("\x0a\xff\xff\xff\xff\x0f garbage", 15);
             std::string out(ZSTD_compressBound(garbage.size()), '\0');
             out.resize(ZSTD_compress(out.data(), out.size(), garbage.data(), garbage.size(), 1));
             b.set_data(out);
             b.set_raw_size(garbage.size());
         },
         ErrorCode::Corrupt, "not a TransactionBatch"},
        {"uncompressed size mismatch",
         [](v1::StreamBatch& b) {
             b.set_codec(v1::STREAM_CODEC_NONE);
             b.set_data("abc");
             b.set_raw_size(4);
         },
         ErrorCode::Corrupt, "does not match"},
        {"fragment flag on whole transactions", [](v1::StreamBatch& b) { b.set_fragment(true); },
         ErrorCode::Corrupt, "holds a fragment"},
    };
    BatchCodec codec(CodecOptions{v1::STREAM_CODEC_ZSTD, 3, limit});
    v1::StreamBatch good;
    ASSERT_TRUE(codec.encode(original, good).ok());
    good.set_sequence(42);
    for (const auto& row : cases) {
        SCOPED_TRACE(row.name);
        v1::StreamBatch bad = good;
        row.damage(bad);
        v1::TransactionBatch decoded;
        auto status = codec.decode(bad, decoded);
        ASSERT_FALSE(status.ok());
        EXPECT_EQ(status.error().code, row.code) << status.error().toString();
        EXPECT_NE(status.error().message.find(row.mentions), std::string::npos)
            << status.error().message;
        EXPECT_NE(status.error().message.find("batch 42"), std::string::npos)
            << status.error().message;
        // The codec still works afterwards.
        ASSERT_TRUE(codec.decode(good, decoded).ok());
        EXPECT_EQ(decoded.transactions_size(), original.transactions_size());
    }
}

}  // namespace
}  // namespace ferry::stream::test
