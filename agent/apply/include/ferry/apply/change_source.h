// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <utility>

#include "ferry/model/result.h"
#include "ferry/v1/change.pb.h"

namespace ferry::apply {

// The row changes of one large (streamed) source transaction, read back one at a time from
// wherever they were spooled, so applying it holds one chunk of rows in memory however large it
// is. rewind() starts again from the first change: an attempt of the target transaction that
// rolled back (deadlock, lost connection) reads them all again. Not thread-safe; owned by whoever
// applies the transaction.
class ChangeSource {
public:
    virtual ~ChangeSource() = default;

    // Fills `change` with the next change and returns true, or returns false after the last.
    [[nodiscard]] virtual Result<bool> next(ferry::v1::RowChange& change) = 0;
    [[nodiscard]] virtual Status rewind() = 0;
};

// A ChangeSource over any reader with `Result<bool> next(RowChange&)` and `Status rewind()`
// (the capture spool, the stream's fragment spool), which it owns.
template <typename Reader>
class ReaderChangeSource final : public ChangeSource {
public:
    explicit ReaderChangeSource(std::unique_ptr<Reader> reader) : m_reader(std::move(reader)) {}

    Result<bool> next(ferry::v1::RowChange& change) override { return m_reader->next(change); }
    Status rewind() override { return m_reader->rewind(); }

private:
    std::unique_ptr<Reader> m_reader;
};

}  // namespace ferry::apply
