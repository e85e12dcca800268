// SPDX-License-Identifier: Apache-2.0
#include "ferry/stream/batch_codec.h"

#include <zstd.h>

#include <utility>

namespace ferry::stream {

namespace {

std::string where(const v1::StreamBatch& batch) {
    return "stream batch " + std::to_string(batch.sequence());
}

constexpr const char* kCloseAdvice =
    "; the stream is closed and reopened from the committed position";

}  // namespace

std::string codecName(v1::StreamCodec codec) {
    switch (codec) {
        case v1::STREAM_CODEC_NONE:
            return "none";
        case v1::STREAM_CODEC_ZSTD:
            return "zstd";
        case v1::STREAM_CODEC_UNSPECIFIED:
            return "unspecified";
        default:
            return "codec " + std::to_string(static_cast<int>(codec));
    }
}

BatchCodec::BatchCodec(CodecOptions options) : m_options(options) {}

BatchCodec::~BatchCodec() {
    release();
}

BatchCodec::BatchCodec(BatchCodec&& other) noexcept
    : m_options(other.m_options),
      m_cctx(std::exchange(other.m_cctx, nullptr)),
      m_dctx(std::exchange(other.m_dctx, nullptr)),
      m_raw(std::move(other.m_raw)) {}

BatchCodec& BatchCodec::operator=(BatchCodec&& other) noexcept {
    if (this != &other) {
        release();
        m_options = other.m_options;
        m_cctx = std::exchange(other.m_cctx, nullptr);
        m_dctx = std::exchange(other.m_dctx, nullptr);
        m_raw = std::move(other.m_raw);
    }
    return *this;
}

void BatchCodec::release() {
    ZSTD_freeCCtx(m_cctx);
    ZSTD_freeDCtx(m_dctx);
    m_cctx = nullptr;
    m_dctx = nullptr;
}

Status BatchCodec::encode(const v1::TransactionBatch& batch, v1::StreamBatch& out) {
    return encodeMessage(batch, false, out);
}

Status BatchCodec::encode(const v1::TransactionFragment& fragment, v1::StreamBatch& out) {
    return encodeMessage(fragment, true, out);
}

Status BatchCodec::decode(const v1::StreamBatch& batch, v1::TransactionBatch& out) {
    return decodeMessage(batch, false, out);
}

Status BatchCodec::decode(const v1::StreamBatch& batch, v1::TransactionFragment& out) {
    return decodeMessage(batch, true, out);
}

Status BatchCodec::encodeMessage(const google::protobuf::MessageLite& message, bool fragment,
                                 v1::StreamBatch& out) {
    const std::size_t size = message.ByteSizeLong();
    if (size > m_options.maxRawSize) {
        return makeError(ErrorCode::InvalidArgument,
                         "a stream batch of " + std::to_string(size) +
                             " bytes exceeds the batch limit of " +
                             std::to_string(m_options.maxRawSize) +
                             " bytes; lower the batch or fragment size bound");
    }
    m_raw.clear();
    if (!message.SerializeToString(&m_raw)) {
        return makeError(ErrorCode::Internal, "cannot serialize a stream batch");
    }
    out.set_raw_size(m_raw.size());
    out.set_fragment(fragment);
    out.set_idle(false);
    switch (m_options.codec) {
        case v1::STREAM_CODEC_NONE:
            out.set_codec(v1::STREAM_CODEC_NONE);
            out.set_data(m_raw);
            return okStatus();
        case v1::STREAM_CODEC_ZSTD: {
            if (m_cctx == nullptr) {
                m_cctx = ZSTD_createCCtx();
                if (m_cctx == nullptr) {
                    return makeError(ErrorCode::Internal, "cannot create a zstd context");
                }
            }
            ZSTD_CCtx_setParameter(m_cctx, ZSTD_c_compressionLevel, m_options.zstdLevel);
            std::string* data = out.mutable_data();
            data->resize(ZSTD_compressBound(m_raw.size()));
            const std::size_t written =
                ZSTD_compress2(m_cctx, data->data(), data->size(), m_raw.data(), m_raw.size());
            if (ZSTD_isError(written) != 0U) {
                return makeError(ErrorCode::Internal, std::string("zstd compression failed: ") +
                                                          ZSTD_getErrorName(written));
            }
            data->resize(written);
            out.set_codec(v1::STREAM_CODEC_ZSTD);
            return okStatus();
        }
        default:
            return makeError(
                ErrorCode::InvalidArgument,
                "cannot encode with " + codecName(m_options.codec) + "; choose zstd or none");
    }
}

Status BatchCodec::decodeMessage(const v1::StreamBatch& batch, bool fragment,
                                 google::protobuf::MessageLite& out) {
    if (batch.idle()) {
        return makeError(ErrorCode::InvalidArgument, where(batch) + " is idle and has no content");
    }
    if (batch.fragment() != fragment) {
        return makeError(
            ErrorCode::Corrupt,
            where(batch) + (batch.fragment() ? " holds a fragment" : " holds whole transactions") +
                ", not the content expected" + kCloseAdvice);
    }
    const std::uint64_t rawSize = batch.raw_size();
    if (rawSize > m_options.maxRawSize || rawSize > 0x7fffffffu) {
        return makeError(
            ErrorCode::Corrupt,
            where(batch) + " claims " + std::to_string(rawSize) +
                " decoded bytes, over the limit of " + std::to_string(m_options.maxRawSize) +
                "; raise the receiver's batch limit or lower the sender's bound" + kCloseAdvice);
    }
    const std::string& data = batch.data();
    const char* raw = nullptr;
    switch (batch.codec()) {
        case v1::STREAM_CODEC_NONE:
            if (data.size() != rawSize) {
                return makeError(ErrorCode::Corrupt,
                                 where(batch) + ": raw_size " + std::to_string(rawSize) +
                                     " does not match the " + std::to_string(data.size()) +
                                     " bytes carried" + kCloseAdvice);
            }
            raw = data.data();
            break;
        case v1::STREAM_CODEC_ZSTD: {
            const unsigned long long frameSize = ZSTD_getFrameContentSize(data.data(), data.size());
            if (frameSize == ZSTD_CONTENTSIZE_ERROR) {
                return makeError(ErrorCode::Corrupt,
                                 where(batch) + ": the data is not a zstd frame" + kCloseAdvice);
            }
            if (frameSize != ZSTD_CONTENTSIZE_UNKNOWN && frameSize != rawSize) {
                return makeError(ErrorCode::Corrupt,
                                 where(batch) + ": raw_size " + std::to_string(rawSize) +
                                     " does not match the zstd frame's " +
                                     std::to_string(frameSize) + " bytes" + kCloseAdvice);
            }
            if (m_dctx == nullptr) {
                m_dctx = ZSTD_createDCtx();
                if (m_dctx == nullptr) {
                    return makeError(ErrorCode::Internal, "cannot create a zstd context");
                }
            }
            m_raw.resize(rawSize);
            const std::size_t got =
                ZSTD_decompressDCtx(m_dctx, m_raw.data(), m_raw.size(), data.data(), data.size());
            if (ZSTD_isError(got) != 0U) {
                return makeError(ErrorCode::Corrupt,
                                 where(batch) + ": zstd data does not decompress (" +
                                     ZSTD_getErrorName(got) + ")" + kCloseAdvice);
            }
            if (got != rawSize) {
                return makeError(ErrorCode::Corrupt,
                                 where(batch) + ": raw_size " + std::to_string(rawSize) +
                                     " does not match the " + std::to_string(got) +
                                     " bytes decompressed" + kCloseAdvice);
            }
            raw = m_raw.data();
            break;
        }
        default:
            return makeError(ErrorCode::Unsupported,
                             where(batch) + " uses " + codecName(batch.codec()) +
                                 ", which this agent does not support; upgrade it or offer "
                                 "only zstd and none" +
                                 kCloseAdvice);
    }
    if (!out.ParseFromArray(raw, static_cast<int>(rawSize))) {
        return makeError(ErrorCode::Corrupt,
                         where(batch) + ": the decoded bytes are not a " +
                             (fragment ? "TransactionFragment" : "TransactionBatch") +
                             kCloseAdvice);
    }
    return okStatus();
}

}  // namespace ferry::stream
