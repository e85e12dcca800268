// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include "ferry/capture/transaction_sink.h"

namespace ferry::capture::test {

// Keeps every transaction it receives. Streamed ones are read back at once (the reader is then
// dropped, which removes the spool file) and their changes put into `transaction`, so checks
// look the same for both paths; `streamed` and `spoolPaths` remember how they came.
class CollectingSink final : public TransactionSink {
public:
    struct Entry {
        v1::Transaction transaction;
        bool skipReplication = false;
        bool streamed = false;
        std::filesystem::path spoolPath;
    };

    Status onTransaction(CapturedTransaction&& captured) override {
        Entry entry;
        entry.skipReplication = captured.skipReplication;
        entry.streamed = captured.spooled != nullptr;
        if (captured.spooled) {
            entry.spoolPath = captured.spooled->path();
            if (!std::filesystem::exists(entry.spoolPath)) {
                return makeError(ErrorCode::Internal, "spool file missing while being read");
            }
            for (;;) {
                v1::RowChange change;
                auto more = captured.spooled->next(change);
                if (!more.ok()) {
                    return std::move(more).error();
                }
                if (!*more) {
                    break;
                }
                *captured.transaction.add_changes() = std::move(change);
            }
            captured.spooled.reset();
        }
        entry.transaction = std::move(captured.transaction);
        entries.push_back(std::move(entry));
        return okStatus();
    }

    std::vector<Entry> entries;
};

// A fresh folder under the test's temporary directory, removed at destruction.
class TempDir {
public:
    explicit TempDir(const std::string& name)
        : m_path(std::filesystem::temp_directory_path() /
                 ("ferry-capture-" + name + "-" + std::to_string(::getpid()))) {
        std::filesystem::remove_all(m_path);
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::filesystem::path& path() const { return m_path; }

    std::size_t fileCount() const {
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(m_path)) {
            ++n;
        }
        return n;
    }

private:
    std::filesystem::path m_path;
};

}  // namespace ferry::capture::test
