// SPDX-License-Identifier: Apache-2.0
#include "ferry/stream/batch_builder.h"

#include <google/protobuf/io/coded_stream.h>

#include <string>
#include <utility>

namespace ferry::stream {

namespace {

std::string describe(const v1::SourcePosition& position) {
    return position.file() + ":" + std::to_string(position.pos());
}

std::uint64_t entryBytes(std::uint64_t messageBytes) {
    // A repeated message field: one tag byte (field 5), the length varint, the message.
    return 1 + google::protobuf::io::CodedOutputStream::VarintSize64(messageBytes) + messageBytes;
}

}  // namespace

bool samePosition(const v1::SourcePosition& a, const v1::SourcePosition& b) {
    return a.file() == b.file() && a.pos() == b.pos();
}

BatchBuilder::BatchBuilder(BuilderOptions options, BatchCodec& codec)
    : m_options(options), m_codec(codec) {
    if (m_options.fragmentBytes == 0) {
        m_options.fragmentBytes = 1;
    }
}

void BatchBuilder::resume(const v1::PartialTransaction& partial) {
    if (partial.fragments_received() > 0) {
        m_partial = partial;
    } else {
        m_partial.reset();
    }
}

void BatchBuilder::noteSourcePosition(const v1::SourcePosition& position,
                                      std::int64_t sourceTimeUs) {
    m_sourcePosition = position;
    m_sourceTimeUs = sourceTimeUs;
}

void BatchBuilder::closeOpenBatch() {
    if (m_open.transactions_size() == 0) {
        return;
    }
    Item item;
    item.whole.Swap(&m_open);
    m_queue.push_back(std::move(item));
    m_open.Clear();
    m_openBytes = 0;
}

Status BatchBuilder::add(capture::CapturedTransaction&& captured, StreamClock::time_point now) {
    v1::Transaction& transaction = captured.transaction;
    if (transaction.streamed() && !captured.spooled) {
        return makeError(ErrorCode::InvalidArgument, "the streamed transaction at " +
                                                         describe(transaction.begin()) +
                                                         " came without its spool reader");
    }
    const bool resumes =
        m_partial.has_value() && samePosition(m_partial->begin(), transaction.begin());
    const std::uint64_t size = captured.spooled ? 0 : transaction.ByteSizeLong();
    const bool fragmented = captured.spooled || resumes || size > m_options.fragmentBytes;
    m_sourcePosition = transaction.end();
    m_sourceTimeUs = static_cast<std::int64_t>(transaction.commit_ts()) * 1000000;

    if (!fragmented) {
        if (m_open.transactions_size() > 0 && m_openBytes + size > m_options.maxBatchBytes) {
            closeOpenBatch();
        }
        if (m_open.transactions_size() == 0) {
            m_openSince = now;
        }
        *m_open.add_transactions() = std::move(transaction);
        m_openBytes += entryBytes(size);
        if (m_openBytes >= m_options.maxBatchBytes ||
            static_cast<std::uint32_t>(m_open.transactions_size()) >=
                m_options.maxBatchTransactions) {
            closeOpenBatch();
        }
        return okStatus();
    }

    if (m_partial.has_value() && !resumes) {
        return makeError(ErrorCode::InvalidArgument,
                         "the apply side holds fragments of the transaction at " +
                             describe(m_partial->begin()) +
                             ", but the source reached the large transaction at " +
                             describe(transaction.begin()) +
                             " first; the apply side must discard its partial spool and reopen");
    }
    closeOpenBatch();
    auto large = std::make_unique<Large>();
    if (captured.spooled) {
        large->spool = std::move(captured.spooled);
    } else {
        large->inMemory.Swap(transaction.mutable_changes());
    }
    transaction.clear_changes();
    transaction.set_streamed(true);
    large->header = std::move(transaction);
    if (resumes) {
        large->skip = m_partial->changes_received();
        large->nextIndex = m_partial->fragments_received();
        m_partial.reset();
    }
    Item item;
    item.large = std::move(large);
    m_queue.push_back(std::move(item));
    return okStatus();
}

Result<bool> BatchBuilder::readChange(Large& large, v1::RowChange& change) {
    if (large.spool) {
        FERRY_ASSIGN_OR_RETURN(bool more, large.spool->next(change));
        if (more) {
            ++large.read;
        }
        return more;
    }
    if (large.read >= static_cast<std::uint64_t>(large.inMemory.size())) {
        return false;
    }
    change.Swap(large.inMemory.Mutable(static_cast<int>(large.read)));
    ++large.read;
    return true;
}

Result<v1::StreamBatch> BatchBuilder::nextFragment(Large& large, bool& done) {
    v1::RowChange change;
    while (large.consumed < large.skip) {
        FERRY_ASSIGN_OR_RETURN(bool more, readChange(large, change));
        if (!more) {
            return makeError(ErrorCode::InvalidArgument,
                             "the apply side holds " + std::to_string(large.skip) +
                                 " changes of the transaction at " +
                                 describe(large.header.begin()) + ", which has only " +
                                 std::to_string(large.consumed) +
                                 "; the apply side must discard its partial spool and reopen");
        }
        ++large.consumed;
    }
    v1::TransactionFragment fragment;
    *fragment.mutable_begin() = large.header.begin();
    fragment.set_index(large.nextIndex);
    fragment.set_first_change(large.consumed);
    if (large.nextIndex == 0) {
        *fragment.mutable_header() = large.header;
    }
    std::uint64_t size = fragment.ByteSizeLong() + 2;  // room for `last`
    bool last = false;
    while (true) {
        if (!large.carry) {
            large.carry.emplace();
            FERRY_ASSIGN_OR_RETURN(bool more, readChange(large, *large.carry));
            if (!more) {
                large.carry.reset();
                last = true;
                break;
            }
        }
        const std::uint64_t entry = entryBytes(large.carry->ByteSizeLong());
        if (fragment.changes_size() > 0 && size + entry > m_options.fragmentBytes) {
            break;
        }
        *fragment.add_changes() = std::move(*large.carry);
        large.carry.reset();
        size += entry;
        ++large.consumed;
    }
    fragment.set_last(last);
    ++large.nextIndex;
    done = last;
    v1::StreamBatch batch;
    FERRY_TRY(m_codec.encode(fragment, batch));
    *batch.mutable_source_position() = last ? large.header.end() : large.header.begin();
    batch.set_source_time_us(static_cast<std::int64_t>(large.header.commit_ts()) * 1000000);
    return batch;
}

Result<v1::StreamBatch> BatchBuilder::encodeWhole(v1::TransactionBatch& whole) {
    v1::StreamBatch batch;
    FERRY_TRY(m_codec.encode(whole, batch));
    const v1::Transaction& lastOne = whole.transactions(whole.transactions_size() - 1);
    *batch.mutable_source_position() = lastOne.end();
    batch.set_source_time_us(static_cast<std::int64_t>(lastOne.commit_ts()) * 1000000);
    return batch;
}

Result<std::optional<v1::StreamBatch>> BatchBuilder::takeReady(StreamClock::time_point now) {
    if (!m_lastSent) {
        m_lastSent = now;
    }
    if (m_queue.empty() && m_open.transactions_size() > 0 &&
        now - m_openSince >= m_options.maxDelay) {
        closeOpenBatch();
    }
    if (!m_queue.empty()) {
        Item& item = m_queue.front();
        if (item.large) {
            bool done = false;
            FERRY_ASSIGN_OR_RETURN(v1::StreamBatch batch, nextFragment(*item.large, done));
            if (done) {
                m_queue.pop_front();
            }
            m_lastSent = now;
            return std::optional<v1::StreamBatch>(std::move(batch));
        }
        FERRY_ASSIGN_OR_RETURN(v1::StreamBatch batch, encodeWhole(item.whole));
        m_queue.pop_front();
        m_lastSent = now;
        return std::optional<v1::StreamBatch>(std::move(batch));
    }
    if (m_open.transactions_size() == 0 && now - *m_lastSent >= m_options.idleInterval) {
        v1::StreamBatch batch;
        batch.set_idle(true);
        *batch.mutable_source_position() = m_sourcePosition;
        batch.set_source_time_us(m_sourceTimeUs);
        m_lastSent = now;
        return std::optional<v1::StreamBatch>(std::move(batch));
    }
    return std::optional<v1::StreamBatch>();
}

StreamClock::time_point BatchBuilder::nextDeadline(StreamClock::time_point now) const {
    if (!m_queue.empty()) {
        return now;
    }
    if (m_open.transactions_size() > 0) {
        return m_openSince + m_options.maxDelay;
    }
    return (m_lastSent ? *m_lastSent : now) + m_options.idleInterval;
}

}  // namespace ferry::stream
