// SPDX-License-Identifier: Apache-2.0
#include "ferry/pipeline/heartbeat.h"

namespace ferry::pipeline {

std::int64_t nowMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

HeartbeatWriter::HeartbeatWriter(std::unique_ptr<apply::SqlSession> session,
                                 HeartbeatOptions options, LogFunction log)
    : m_session(std::move(session)), m_options(std::move(options)), m_log(std::move(log)) {}

HeartbeatWriter::~HeartbeatWriter() {
    stop();
}

void HeartbeatWriter::start() {
    std::lock_guard lock(m_mutex);
    if (m_thread.joinable()) {
        return;
    }
    m_stopping = false;
    m_thread = std::thread([this] { run(); });
}

void HeartbeatWriter::stop() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::string HeartbeatWriter::statement(std::int64_t tsUs, std::uint64_t seq) const {
    return "INSERT INTO " + apply::quoteIdentifier(m_options.ferrySchema) +
           ".`heartbeat` (source_id, ts_us, seq, agent_id) VALUES (" +
           m_session->quote(m_options.sourceId) + ", " + std::to_string(tsUs) + ", " +
           std::to_string(seq) + ", " + m_session->quote(m_options.agentId) +
           ") ON DUPLICATE KEY UPDATE ts_us = VALUES(ts_us), seq = VALUES(seq), agent_id = "
           "VALUES(agent_id)";
}

void HeartbeatWriter::run() {
    std::uint64_t seq = static_cast<std::uint64_t>(nowMicros());  // grows across restarts
    bool failing = false;
    bool needReconnect = false;
    for (;;) {
        {
            std::unique_lock lock(m_mutex);
            if (m_wake.wait_for(lock, m_options.interval, [this] { return m_stopping; })) {
                return;
            }
        }
        Status done = okStatus();
        if (needReconnect) {
            done = m_session->reconnect();
        }
        if (done.ok()) {
            done = m_session->execute(statement(nowMicros(), ++seq));
        }
        if (done.ok()) {
            needReconnect = false;
            m_written.fetch_add(1);
            if (failing && m_log) {
                m_log("heartbeat on " + m_session->where() + " works again");
            }
            failing = false;
            continue;
        }
        needReconnect =
            m_session->lastErrorKind() == apply::SqlErrorKind::ConnectionLost || needReconnect;
        if (!failing && m_log) {
            m_log("cannot write the heartbeat on " + m_session->where() +
                  " (lag cannot be measured until it works; retrying): " + done.error().message);
        }
        failing = true;
    }
}

std::optional<HeartbeatSample> findHeartbeat(const v1::Transaction& transaction,
                                             const std::string& ferrySchema) {
    std::optional<HeartbeatSample> found;
    for (const auto& change : transaction.changes()) {
        if (change.table() >= static_cast<std::uint32_t>(transaction.tables_size()) ||
            change.after_size() == 0) {
            continue;
        }
        const auto& table = transaction.tables(static_cast<int>(change.table()));
        if (table.schema() != ferrySchema || table.name() != "heartbeat") {
            continue;
        }
        // sql/ferry_schema.sql: source_id, ts_us, seq, agent_id.
        int sourceColumn = 0;
        int tsColumn = 1;
        int seqColumn = 2;
        for (int i = 0; i < table.columns_size(); ++i) {
            const std::string& name = table.columns(i).name();
            if (name == "source_id") {
                sourceColumn = i;
            } else if (name == "ts_us") {
                tsColumn = i;
            } else if (name == "seq") {
                seqColumn = i;
            }
        }
        const auto& after = change.after();
        if (std::max({sourceColumn, tsColumn, seqColumn}) >= after.size()) {
            continue;
        }
        HeartbeatSample sample;
        const v1::Value& source = after[sourceColumn];
        sample.sourceId = source.has_text() ? source.text() : source.binary();
        const v1::Value& ts = after[tsColumn];
        sample.tsUs = ts.has_uint() ? static_cast<std::int64_t>(ts.uint()) : ts.int_();
        const v1::Value& seqValue = after[seqColumn];
        sample.seq =
            seqValue.has_uint() ? seqValue.uint() : static_cast<std::uint64_t>(seqValue.int_());
        found = std::move(sample);
    }
    return found;
}

}  // namespace ferry::pipeline
