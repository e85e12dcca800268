// SPDX-License-Identifier: Apache-2.0
#include "ferry/stream/stream_receiver.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace ferry::stream {

namespace {

bool isSpoolFile(const std::filesystem::path& path) {
    const std::string name = path.filename().string();
    return name.size() > kFragmentSpoolSuffix.size() &&
           name.compare(name.size() - kFragmentSpoolSuffix.size(), kFragmentSpoolSuffix.size(),
                        kFragmentSpoolSuffix) == 0;
}

constexpr const char* kReopen = "; the stream is closed and reopened from the committed position";

}  // namespace

StreamReceiver::StreamReceiver(ReceiverOptions options)
    : m_options(std::move(options)),
      m_codec(CodecOptions{v1::STREAM_CODEC_NONE, 3, m_options.maxRawSize}) {}

Result<std::unique_ptr<StreamReceiver>> StreamReceiver::open(ReceiverOptions options,
                                                             const v1::ResumePoint& committed) {
    std::unique_ptr<StreamReceiver> receiver(new StreamReceiver(std::move(options)));
    const std::filesystem::path& directory = receiver->m_options.spoolDirectory;
    std::error_code ec;
    std::filesystem::create_directories(directory, ec);
    if (ec) {
        return makeError(ErrorCode::Io, "cannot create the fragment spool folder " +
                                            directory.string() + ": " + ec.message() +
                                            "; check the path and its permissions");
    }
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (it->is_regular_file(ec) && isSpoolFile(it->path())) {
            files.push_back(it->path());
        }
    }
    if (ec) {
        return makeError(ErrorCode::Io, "cannot list the fragment spool folder " +
                                            directory.string() + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        auto recovered = FragmentSpool::recover(file, receiver->m_options.maxRawSize);
        if (!recovered.ok()) {
            if (recovered.error().code == ErrorCode::NotFound) {
                continue;
            }
            return std::move(recovered).error();
        }
        std::unique_ptr<FragmentSpool> spool = std::move(recovered).value();
        const bool done = committed.has_position() &&
                          compareSourcePositions(spool->begin(), committed.position()) <= 0;
        if (done) {
            spool->remove();
            continue;
        }
        if (receiver->m_spool &&
            compareSourcePositions(receiver->m_spool->begin(), spool->begin()) > 0) {
            spool->remove();
            continue;
        }
        if (receiver->m_spool) {
            receiver->m_spool->remove();
        }
        receiver->m_spool = std::move(spool);
    }
    return receiver;
}

v1::StreamOpenRequest StreamReceiver::makeOpenRequest(std::int64_t applyFencingToken,
                                                      const v1::ResumePoint& resume) const {
    v1::StreamOpenRequest request;
    request.set_pipeline_id(m_options.pipelineId);
    request.set_apply_fencing_token(applyFencingToken);
    *request.mutable_resume() = resume;
    if (auto spooled = partial()) {
        *request.mutable_partial() = *spooled;
    }
    request.set_window_batches(m_options.windowBatches);
    request.set_window_bytes(m_options.windowBytes);
    for (v1::StreamCodec codec : m_options.codecs) {
        request.add_codecs(codec);
    }
    return request;
}

Status StreamReceiver::onOpened(const v1::StreamOpenResponse& response) {
    m_opened = false;
    const std::string where = "pipeline " + std::to_string(m_options.pipelineId) + ": ";
    if (response.capture_fencing_token() < m_highestToken) {
        return makeError(ErrorCode::Conflict,
                         where + "the capture agent's fencing token " +
                             std::to_string(response.capture_fencing_token()) + " is lower than " +
                             std::to_string(m_highestToken) +
                             ", already seen: it is a deposed capture leader; reconnect to the "
                             "current one");
    }
    const bool offered = std::find(m_options.codecs.begin(), m_options.codecs.end(),
                                   response.codec()) != m_options.codecs.end();
    if (!offered || response.codec() == v1::STREAM_CODEC_UNSPECIFIED) {
        return makeError(ErrorCode::Unsupported, where + "the capture agent chose " +
                                                     codecName(response.codec()) +
                                                     ", which was not offered" + kReopen);
    }
    m_highestToken = response.capture_fencing_token();
    m_codecInUse = response.codec();
    m_opened = true;
    m_spoolTouched = false;
    m_received = 0;
    m_acked = 0;
    m_unackedBytes = 0;
    return okStatus();
}

std::string StreamReceiver::where(const v1::StreamBatch& batch) const {
    return "pipeline " + std::to_string(m_options.pipelineId) + ", stream batch " +
           std::to_string(batch.sequence());
}

Result<ReceivedBatch> StreamReceiver::onBatch(const v1::StreamBatch& batch,
                                              StreamClock::time_point now) {
    if (!m_opened) {
        return makeError(ErrorCode::InvalidArgument,
                         where(batch) + " arrived on a stream that is not open" + kReopen);
    }
    if (batch.sequence() != m_received + 1) {
        m_opened = false;
        return makeError(ErrorCode::Corrupt,
                         where(batch) + " arrived after batch " + std::to_string(m_received) +
                             (batch.sequence() <= m_received ? " (a repeat)" : " (a gap)") +
                             kReopen);
    }
    if (batch.capture_fencing_token() < m_highestToken) {
        m_opened = false;
        return makeError(ErrorCode::Conflict, where(batch) + " carries fencing token " +
                                                  std::to_string(batch.capture_fencing_token()) +
                                                  ", lower than " + std::to_string(m_highestToken) +
                                                  ": it comes from a deposed capture leader" +
                                                  kReopen);
    }
    if (!batch.idle() && batch.codec() != v1::STREAM_CODEC_NONE && batch.codec() != m_codecInUse) {
        m_opened = false;
        return makeError(ErrorCode::Corrupt, where(batch) + " uses " + codecName(batch.codec()) +
                                                 ", not the " + codecName(m_codecInUse) +
                                                 " agreed at open" + kReopen);
    }
    ReceivedBatch received;
    received.sequence = batch.sequence();
    received.idle = batch.idle();
    received.sourcePosition = batch.source_position();
    received.sourceTimeUs = batch.source_time_us();
    if (batch.idle()) {
        if (!batch.data().empty()) {
            m_opened = false;
            return makeError(ErrorCode::Corrupt,
                             where(batch) + " is idle but carries data" + kReopen);
        }
    } else if (batch.fragment()) {
        auto delivered = receiveFragment(batch, std::move(received));
        if (!delivered.ok()) {
            m_opened = false;
            return std::move(delivered).error();
        }
        received = std::move(delivered).value();
    } else {
        if (m_spool && m_spoolTouched) {
            m_opened = false;
            return makeError(ErrorCode::Corrupt,
                             where(batch) + " holds whole transactions while fragment " +
                                 std::to_string(m_spool->fragments()) + " of the transaction at " +
                                 m_spool->begin().file() + ":" +
                                 std::to_string(m_spool->begin().pos()) + " was due" + kReopen);
        }
        v1::TransactionBatch content;
        Status decoded = m_codec.decode(batch, content);
        if (!decoded.ok()) {
            m_opened = false;
            return std::move(decoded).error();
        }
        received.transactions.reserve(static_cast<std::size_t>(content.transactions_size()));
        for (auto& transaction : *content.mutable_transactions()) {
            if (m_spool && compareSourcePositions(transaction.begin(), m_spool->begin()) >= 0) {
                m_opened = false;
                return makeError(
                    ErrorCode::Corrupt,
                    where(batch) + " holds the transaction at " + transaction.begin().file() + ":" +
                        std::to_string(transaction.begin().pos()) +
                        " whole, but fragments of the one at " + m_spool->begin().file() + ":" +
                        std::to_string(m_spool->begin().pos()) +
                        " are spooled and were not resumed: the capture side "
                        "ignored the partial transaction; discardPartial() and "
                        "reopen if the source changed");
            }
            received.transactions.push_back(std::move(transaction));
        }
    }
    if (m_received == m_acked) {
        m_firstUnacked = now;
    }
    m_received = batch.sequence();
    m_unackedBytes += batch.data().size();
    return received;
}

Result<ReceivedBatch> StreamReceiver::receiveFragment(const v1::StreamBatch& batch,
                                                      ReceivedBatch received) {
    v1::TransactionFragment fragment;
    FERRY_TRY(m_codec.decode(batch, fragment));
    if (!m_spool) {
        if (fragment.index() != 0) {
            return makeError(ErrorCode::Corrupt,
                             where(batch) + " holds fragment " + std::to_string(fragment.index()) +
                                 " of the transaction at " + fragment.begin().file() + ":" +
                                 std::to_string(fragment.begin().pos()) +
                                 ", but none of its earlier fragments is spooled" + kReopen);
        }
        FERRY_ASSIGN_OR_RETURN(m_spool, FragmentSpool::create(m_options.spoolDirectory, fragment,
                                                              m_options.maxRawSize));
    } else {
        Status appended = m_spool->append(fragment);
        if (!appended.ok()) {
            return makeError(appended.error().code, where(batch) + ": " + appended.error().message);
        }
    }
    m_spoolTouched = true;
    if (m_spool->complete()) {
        FERRY_ASSIGN_OR_RETURN(received.large, m_spool->finish());
        m_spool.reset();
        m_spoolTouched = false;
    }
    return received;
}

void StreamReceiver::onCommitted(const v1::SourcePosition& position, const std::string& gtid,
                                 std::uint64_t commitTs, StreamClock::time_point now) {
    *m_committed.mutable_committed() = position;
    m_committed.set_committed_gtid(gtid);
    m_committed.set_committed_commit_ts(commitTs);
    if (!m_commitPending) {
        m_commitAt = now;
    }
    m_commitPending = true;
}

std::optional<StreamClock::time_point> StreamReceiver::ackDeadline() const {
    std::optional<StreamClock::time_point> deadline;
    if (m_opened && m_received > m_acked) {
        deadline = m_firstUnacked + m_options.ackDelay;
    }
    if (m_opened && m_commitPending) {
        const auto commitDeadline = m_commitAt + m_options.ackDelay;
        deadline = deadline ? std::min(*deadline, commitDeadline) : commitDeadline;
    }
    return deadline;
}

std::optional<v1::StreamAckRequest> StreamReceiver::takeAck(StreamClock::time_point now) {
    if (!m_opened) {
        return std::nullopt;
    }
    const std::uint64_t unacked = m_received - m_acked;
    const std::uint64_t halfBatches = std::max<std::uint64_t>(1, m_options.windowBatches / 2);
    bool due =
        unacked >= std::max<std::uint32_t>(1, m_options.ackEveryBatches) ||
        unacked >= halfBatches ||
        (m_options.windowBytes > 0 && unacked > 0 && m_unackedBytes * 2 >= m_options.windowBytes);
    if (auto deadline = ackDeadline(); deadline && now >= *deadline) {
        due = true;
    }
    if (!due) {
        return std::nullopt;
    }
    v1::StreamAckRequest ack = m_committed;
    ack.set_pipeline_id(m_options.pipelineId);
    ack.set_received_sequence(m_received);
    m_acked = m_received;
    m_unackedBytes = 0;
    m_commitPending = false;
    return ack;
}

std::optional<v1::PartialTransaction> StreamReceiver::partial() const {
    if (!m_spool || m_spool->fragments() == 0) {
        return std::nullopt;
    }
    return m_spool->partial();
}

void StreamReceiver::discardPartial() {
    if (m_spool) {
        m_spool->remove();
        m_spool.reset();
    }
    m_spoolTouched = false;
}

}  // namespace ferry::stream
