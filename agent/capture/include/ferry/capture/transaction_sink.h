// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "ferry/capture/spool.h"
#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::capture {

// One source transaction as capture hands it on.
//
// Small transactions arrive whole: `transaction.changes` holds every row change and `spooled` is
// null. A transaction that outgrew the spill threshold arrives streamed: `transaction` is the
// header only (streamed = true, positions, GTID, tables, row_count, source_bytes; no changes)
// and `spooled` yields its row changes in order, one at a time. Whoever holds `spooled` owns
// the spool file: destroying the reader removes it, whether it was read to the end or not, so
// the sink may read it inside onTransaction or keep it to read later (e.g. while a transport
// sends fragments).
struct CapturedTransaction {
    v1::Transaction transaction;
    std::unique_ptr<SpoolReader> spooled;  // set exactly when transaction.streamed()
    // MariaDB @@skip_replication: an event of the transaction carries header flag 0x8000.
    // Not in change.proto yet; the pipeline decides (drop it, or ship it marked).
    bool skipReplication = false;
};

// Receives complete source transactions from a TransactionAssembler, in binlog order, on the
// decoding thread. An error stops the assembler's caller (EventDecoder::decode returns it); the
// transaction is not handed over again, so a sink that fails must be rewound from its last
// committed position. Implementations: the capture pipeline (map, batch, send), tests.
class TransactionSink {
public:
    virtual ~TransactionSink() = default;

    [[nodiscard]] virtual Status onTransaction(CapturedTransaction&& captured) = 0;
};

}  // namespace ferry::capture
