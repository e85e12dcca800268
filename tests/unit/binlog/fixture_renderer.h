// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/binlog/event_handler.h"

namespace ferry::binlog::test {

// An EventHandler that renders every decoded event in the notation of
// shared/fixtures/binlog/expected/*.txt (header line, detail lines, Python-repr-like values),
// one string per line. Used by the fixture test; also handy for eyeballing a decode.
class FixtureRenderer final : public EventHandler {
public:
    const std::vector<std::string>& lines() const { return m_lines; }
    void addLine(std::string line) { m_lines.push_back(std::move(line)); }

    Status onEvent(const EventContext& ctx) override;
    Status onFormatDescription(const EventContext& ctx, const FormatDescription& fde) override;
    Status onRotate(const EventContext& ctx, const RotateEvent& ev) override;
    Status onQuery(const EventContext& ctx, const QueryEvent& ev) override;
    Status onXid(const EventContext& ctx, const XidEvent& ev) override;
    Status onTableMap(const EventContext& ctx, const TableMap& map) override;
    Status onRowsBegin(const EventContext& ctx, const RowsEvent& ev) override;
    Status onRow(const RowsEvent& ev, const RowImage* before, const RowImage* after) override;
    Status onGtid(const EventContext& ctx, const GtidEvent& ev) override;
    Status onPreviousGtids(const EventContext& ctx, const PreviousGtidsEvent& ev) override;
    Status onTransactionPayload(const EventContext& ctx,
                                const TransactionPayloadEvent& ev) override;
    Status onMariadbGtid(const EventContext& ctx, const MariadbGtidEvent& ev) override;
    Status onMariadbGtidList(const EventContext& ctx, const MariadbGtidListEvent& ev) override;
    Status onAnnotateRows(const EventContext& ctx, const AnnotateRowsEvent& ev) override;
    Status onBinlogCheckpoint(const EventContext& ctx, const BinlogCheckpointEvent& ev) override;

private:
    Result<std::string> renderImage(const RowsEvent& ev, const RowImage& image);

    std::vector<std::string> m_lines;
    std::size_t m_rowIndex = 0;
};

// Python repr() of the text that `bytes` decodes to as UTF-8 (invalid sequences become U+FFFD),
// optionally cut to `maxChars` code points with a "...(N)" marker (`marker`) or silently.
std::string pyStr(std::string_view bytes, std::size_t maxChars = SIZE_MAX, bool marker = false);
// Python repr() of a float.
std::string pyFloat(double value);

}  // namespace ferry::binlog::test
