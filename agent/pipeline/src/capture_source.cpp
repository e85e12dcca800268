// SPDX-License-Identifier: Apache-2.0
#include "ferry/pipeline/capture_source.h"

#include "ferry/binlog/event_decoder.h"
#include "ferry/capture/transaction_assembler.h"
#include "ferry/mysql/mysql_binlog_source.h"
#include "ferry/replicate/table_filter.h"

namespace ferry::pipeline {

// What the reader thread owns.
class ReaderState {
public:
    std::unique_ptr<mysql::MysqlBinlogSource> source;
    binlog::EventDecoder decoder;
    std::unique_ptr<capture::TransactionAssembler> assembler;
};

class CaptureSource::Sink final : public capture::TransactionSink {
public:
    explicit Sink(CaptureSource& owner) : m_owner(owner) {}
    Status onTransaction(capture::CapturedTransaction&& captured) override {
        return m_owner.accept(std::move(captured));
    }

private:
    CaptureSource& m_owner;
};

namespace {

std::string where(const v1::Transaction& t) {
    return t.begin().file() + ":" + std::to_string(t.begin().pos()) +
           (t.gtid().empty() ? std::string() : " (GTID " + t.gtid() + ")");
}

// The marker the applier puts in front of replicated DDL (TransactionApplier).
bool appliedByPipeline(const std::string& statement, const std::set<std::uint64_t>& pipelines) {
    for (std::uint64_t id : pipelines) {
        if (statement.find("/* ferry:pipeline=" + std::to_string(id) + " */") !=
            std::string::npos) {
            return true;
        }
    }
    return false;
}

// Reads every change of a spooled transaction through `edit` into a new spool.
Result<std::unique_ptr<capture::SpoolReader>> rewriteSpool(
    capture::SpoolReader& reader, const std::filesystem::path& directory, const std::string& name,
    const std::function<Status(v1::RowChange&)>& edit) {
    FERRY_ASSIGN_OR_RETURN(auto writer, capture::SpoolWriter::create(directory, name));
    v1::RowChange change;
    for (;;) {
        FERRY_ASSIGN_OR_RETURN(const bool more, reader.next(change));
        if (!more) {
            break;
        }
        FERRY_TRY(edit(change));
        FERRY_TRY(writer->append(change));
    }
    return writer->finish();
}

}  // namespace

CaptureSource::CaptureSource(CaptureSourceOptions options) : m_options(std::move(options)) {
    if (!m_options.log) {
        m_options.log = [](const std::string&) {};
    }
}

CaptureSource::~CaptureSource() {
    stop();
}

Result<std::unique_ptr<CaptureSource>> CaptureSource::start(CaptureSourceOptions options,
                                                            const v1::ResumePoint& resume) {
    if (!options.router) {
        return makeError(ErrorCode::InvalidArgument, "a capture source needs a table router");
    }
    auto self = std::unique_ptr<CaptureSource>(new CaptureSource(std::move(options)));
    const auto& o = self->m_options;
    mysql::ReplicaStart start;
    start.kind = mysql::ReplicaStart::Kind::FilePosition;
    if (!resume.position().file().empty()) {
        start.file = resume.position().file();
        start.position = resume.position().pos();
    } else {
        // Nothing applied yet: start at the source's current end.
        FERRY_ASSIGN_OR_RETURN(auto connection,
                               mysql::MysqlConnection::connect(o.url, o.password, o.connect));
        FERRY_ASSIGN_OR_RETURN(mysql::QueryResult status, connection->query("SHOW MASTER STATUS"));
        const auto file = status.firstValue("File");
        const auto position = status.firstValue("Position");
        if (!file || !position) {
            return makeError(ErrorCode::Unsupported,
                             "the source " + o.url.endpoint() +
                                 " reports no binlog (SHOW MASTER STATUS is empty): enable "
                                 "log_bin with binlog_format=ROW and restart it");
        }
        start.file = *file;
        start.position = std::stoull(*position);
    }
    self->m_startedAt = {start.file, start.position};

    mysql::ReplicaOptions replica;
    replica.serverId = o.serverId;
    replica.heartbeatPeriod = o.heartbeatPeriod;
    replica.reportHost = "ferry-pipeline-" + std::to_string(o.pipelineId);
    mysql::MysqlBinlogSourceOptions sourceOptions;
    sourceOptions.log = o.log;
    CaptureSource* raw = self.get();
    sourceOptions.sleep = [raw](std::chrono::milliseconds delay) {
        const auto until = std::chrono::steady_clock::now() + delay;
        while (!raw->m_stop.load() && std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    };
    auto reader = std::make_unique<ReaderState>();
    FERRY_ASSIGN_OR_RETURN(reader->source,
                           mysql::MysqlBinlogSource::open(
                               mysql::replicaStreamOpener(o.url, o.password, o.connect, replica),
                               start, std::move(sourceOptions)));
    self->m_reader = std::move(reader);
    self->m_running = true;
    self->m_thread = std::thread([raw] { raw->run(); });
    return self;
}

void CaptureSource::run() {
    Sink sink(*this);
    capture::AssemblerOptions assemblerOptions;
    assemblerOptions.spillThresholdBytes = m_options.spillThresholdBytes;
    assemblerOptions.spoolDirectory = m_options.spoolDirectory;
    assemblerOptions.ferrySchema = m_options.ferrySchema;
    const auto router = m_options.router;
    assemblerOptions.tableFilter = [router](std::string_view schema, std::string_view table) {
        return router->replicated(schema, table);
    };
    std::optional<Error> failure;
    auto assembler = capture::TransactionAssembler::create(assemblerOptions, sink);
    if (!assembler.ok()) {
        failure = assembler.error();
    } else {
        ReaderState& r = *m_reader;
        binlog::RawEvent event;
        while (!m_stop.load()) {
            auto more = r.source->next(event);
            if (!more.ok()) {
                failure = std::move(more).error();
                break;
            }
            if (!*more) {
                break;
            }
            if (!event.file.empty() && event.file != r.decoder.fileName()) {
                r.decoder.setFileName(std::string(event.file));
            }
            auto decoded = r.decoder.decode(event.bytes, event.offset, **assembler);
            if (!decoded.ok()) {
                if (!m_stop.load()) {
                    failure = std::move(decoded).error();
                }
                break;
            }
        }
    }
    {
        std::lock_guard lock(m_mutex);
        m_running = false;
        if (failure) {
            m_error = std::move(failure);
        }
    }
    if (m_options.wake) {
        m_options.wake();
    }
}

Status CaptureSource::accept(capture::CapturedTransaction&& captured) {
    v1::Transaction& t = captured.transaction;
    m_reader->source->confirm(t.end().file(), t.end().pos());
    auto note = [this, &t](std::uint64_t Stats::*field) {
        std::lock_guard lock(m_mutex);
        ++(m_stats.*field);
        m_stats.read = {t.end().file(), t.end().pos()};
    };
    if (captured.skipReplication && !m_options.shipSkipReplication) {
        note(&Stats::dropped);
        return okStatus();
    }
    if (t.has_ddl()) {
        if (appliedByPipeline(t.ddl().statement(), m_options.reversePipelines)) {
            note(&Stats::loops);
            return okStatus();
        }
        // Only DDL on the pipeline's own tables travels; DDL on tables it does not replicate
        // is none of its business, and DDL mixing both cannot be split safely.
        const auto subjects = replicate::scanDdlSubjects(t.ddl().schema(), t.ddl().statement());
        if (!subjects.trigger.empty()) {
            m_options.log("pipeline " + std::to_string(m_options.pipelineId) + ": skipped DDL at " +
                          where(t) + " on trigger " + subjects.trigger + " (" +
                          std::string(replicate::kTriggerSkipReason) + ")");
            note(&Stats::ddlSkipped);
            return okStatus();
        }
        std::size_t routed = 0;
        std::size_t total = 0;
        for (const auto& [schema, table] : subjects.tables) {
            ++total;
            routed += m_options.router->replicated(schema, table) ? 1 : 0;
        }
        for (const auto& database : subjects.databases) {
            ++total;
            routed += m_options.router->replicatesSchema(database) ? 1 : 0;
        }
        if (total == 0 || routed == 0) {
            note(&Stats::ddlSkipped);
            return okStatus();
        }
        if (routed != total) {
            return makeError(ErrorCode::Unsupported,
                             "pipeline " + std::to_string(m_options.pipelineId) + ": DDL at " +
                                 where(t) + " (" + t.ddl().statement() +
                                 ") touches replicated and other tables: run its part for the "
                                 "replicated tables on the target by hand, then skip it");
        }
        switch (m_options.ddl) {
            case v1::DDL_MODE_STOP:
                return makeError(ErrorCode::Unsupported,
                                 "pipeline " + std::to_string(m_options.pipelineId) + ": DDL at " +
                                     where(t) + " (" + t.ddl().statement() +
                                     ") and the pipeline's DDL mode is stop: run it on the "
                                     "target by hand, then skip this transaction");
            case v1::DDL_MODE_IGNORE:
                m_options.log("pipeline " + std::to_string(m_options.pipelineId) +
                              ": DDL not replicated (DDL mode ignore) at " + where(t) + ": " +
                              t.ddl().statement());
                note(&Stats::ddlSkipped);
                return okStatus();
            default:
                break;
        }
        note(&Stats::shipped);
        push(std::move(captured));
        return okStatus();
    }

    // Rows. Classify by the first change (loop avoidance), then keep routed rows and the
    // heartbeat.
    LoopFilter loop(m_options.ferrySchema, m_options.reversePipelines);
    if (captured.spooled) {
        std::optional<OwnRows> verdict;
        const auto sourceTables = t.tables();
        bool dropAll = false;
        auto edit = [&](v1::RowChange& change) -> Status {
            if (change.table() >= static_cast<std::uint32_t>(sourceTables.size())) {
                return makeError(ErrorCode::Corrupt, "a spooled change names table " +
                                                         std::to_string(change.table()) + " at " +
                                                         where(t));
            }
            if (!verdict) {
                verdict = loop.classifyFirstChange(sourceTables[static_cast<int>(change.table())],
                                                   change);
                dropAll = *verdict == OwnRows::Loop;
            }
            return m_options.router->mapChange(sourceTables, change);
        };
        FERRY_ASSIGN_OR_RETURN(captured.spooled,
                               rewriteSpool(*captured.spooled, m_options.spoolDirectory,
                                            "mapped-" + std::to_string(t.begin().pos()), edit));
        if (dropAll) {
            note(&Stats::loops);
            return okStatus();
        }
        FERRY_TRY(m_options.router->map(t));
        note(&Stats::shipped);
        push(std::move(captured));
        return okStatus();
    }
    switch (loop.classify(t)) {
        case OwnRows::Loop:
            note(&Stats::loops);
            return okStatus();
        case OwnRows::Other:
            note(&Stats::dropped);
            return okStatus();
        case OwnRows::Heartbeat:
        case OwnRows::None:
            break;
    }
    // Drop ferry rows other than the heartbeat (and rows of tables not routed, which the
    // assembler already left out).
    auto* changes = t.mutable_changes();
    int kept = 0;
    for (int i = 0; i < changes->size(); ++i) {
        const auto& change = changes->Get(i);
        const auto& table = t.tables(static_cast<int>(change.table()));
        if (loop.isFerryTable(table) && !loop.isHeartbeat(table)) {
            continue;
        }
        if (kept != i) {
            changes->SwapElements(kept, i);
        }
        ++kept;
    }
    while (changes->size() > kept) {
        changes->RemoveLast();
    }
    if (t.changes_size() == 0) {
        note(&Stats::dropped);
        return okStatus();
    }
    FERRY_TRY(m_options.router->map(t));
    t.set_row_count(static_cast<std::uint64_t>(t.changes_size()));
    note(&Stats::shipped);
    push(std::move(captured));
    return okStatus();
}

void CaptureSource::push(capture::CapturedTransaction&& captured) {
    const std::uint64_t bytes =
        captured.spooled ? 0 : static_cast<std::uint64_t>(captured.transaction.ByteSizeLong());
    bool wasEmpty = false;
    {
        std::unique_lock lock(m_mutex);
        m_space.wait(lock, [&] {
            return m_stop.load() || m_queue.empty() ||
                   (m_queue.size() < m_options.maxQueuedTransactions &&
                    m_queuedBytes + bytes <= m_options.maxQueuedBytes);
        });
        if (m_stop.load()) {
            return;
        }
        wasEmpty = m_queue.empty();
        m_queue.push_back(std::move(captured));
        m_queuedBytes += bytes;
    }
    if (wasEmpty && m_options.wake) {
        m_options.wake();
    }
}

std::optional<capture::CapturedTransaction> CaptureSource::poll() {
    std::optional<capture::CapturedTransaction> item;
    {
        std::lock_guard lock(m_mutex);
        if (m_queue.empty()) {
            return std::nullopt;
        }
        item = std::move(m_queue.front());
        m_queue.pop_front();
        if (!item->spooled) {
            m_queuedBytes -= std::min<std::uint64_t>(
                m_queuedBytes, static_cast<std::uint64_t>(item->transaction.ByteSizeLong()));
        }
    }
    m_space.notify_one();
    return item;
}

std::optional<Error> CaptureSource::error() const {
    std::lock_guard lock(m_mutex);
    return m_error;
}

bool CaptureSource::running() const {
    std::lock_guard lock(m_mutex);
    return m_running;
}

CaptureSource::Stats CaptureSource::stats() const {
    std::lock_guard lock(m_mutex);
    return m_stats;
}

void CaptureSource::stop() {
    m_stop.store(true);
    m_space.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

}  // namespace ferry::pipeline
