// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "ferry/model/result.h"
#include "ferry/v1/stream.pb.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace ferry::stream {

struct CodecOptions {
    // The codec batches are encoded with: STREAM_CODEC_ZSTD, or STREAM_CODEC_NONE when the peer
    // does not support zstd.
    v1::StreamCodec codec = v1::STREAM_CODEC_ZSTD;
    int zstdLevel = 3;
    // The largest decoded content accepted (and produced): a batch that claims or expands to
    // more is refused before anything of that size is allocated.
    std::uint64_t maxRawSize = 64ull * 1024 * 1024;
};

// Turns a TransactionBatch or a TransactionFragment into a StreamBatch's codec, raw_size, data
// and fragment fields, and back. Decoding treats the batch as untrusted: an unknown codec, a
// raw_size over the limit or not matching what decompresses, corrupt zstd data or bytes that do
// not parse give a Corrupt or Unsupported Error naming the batch's sequence; nothing is sized
// from the peer's numbers before they are checked against maxRawSize. Sequence, fencing token
// and source position are left to the caller. One zstd compression and one decompression
// context are kept for the object's lifetime. Not thread-safe; movable, not copyable.
class BatchCodec {
public:
    explicit BatchCodec(CodecOptions options = {});
    ~BatchCodec();
    BatchCodec(BatchCodec&& other) noexcept;
    BatchCodec& operator=(BatchCodec&& other) noexcept;
    BatchCodec(const BatchCodec&) = delete;
    BatchCodec& operator=(const BatchCodec&) = delete;

    const CodecOptions& options() const { return m_options; }

    // Fills `out`'s codec, raw_size, data and fragment; fails (InvalidArgument) when the content
    // is larger than maxRawSize, which the receiver would refuse.
    [[nodiscard]] Status encode(const v1::TransactionBatch& batch, v1::StreamBatch& out);
    [[nodiscard]] Status encode(const v1::TransactionFragment& fragment, v1::StreamBatch& out);

    // REQUIRES of the caller nothing: the batch may be anything a peer sent. Fails when the
    // batch does not hold that kind of content (`fragment` flag) or does not decode.
    [[nodiscard]] Status decode(const v1::StreamBatch& batch, v1::TransactionBatch& out);
    [[nodiscard]] Status decode(const v1::StreamBatch& batch, v1::TransactionFragment& out);

private:
    Status encodeMessage(const google::protobuf::MessageLite& message, bool fragment,
                         v1::StreamBatch& out);
    Status decodeMessage(const v1::StreamBatch& batch, bool fragment,
                         google::protobuf::MessageLite& out);
    void release();

    CodecOptions m_options;
    ZSTD_CCtx_s* m_cctx = nullptr;
    ZSTD_DCtx_s* m_dctx = nullptr;
    std::string m_raw;  // scratch: serialized content, reused between calls
};

// "zstd", "none", ... for messages.
std::string codecName(v1::StreamCodec codec);

}  // namespace ferry::stream
