// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/preflight/preflight_session.h"
#include "ferry/v1/service.pb.h"

namespace ferry::preflight {

// A server version as a version string gives it: "10.11.19-MariaDB-0+deb12u1-log" is
// MariaDB 10.11.19, "8.0.36-28" is MySQL 8.0.36. An unparsable number is 0.
struct ServerVersion {
    v1::DatabaseFlavor flavor = v1::DATABASE_FLAVOR_UNSPECIFIED;
    std::uint32_t major = 0;
    std::uint32_t minor = 0;
    std::uint32_t patch = 0;
    std::string text;

    bool mariadb() const { return flavor == v1::DATABASE_FLAVOR_MARIADB; }
    bool atLeast(std::uint32_t wantMajor, std::uint32_t wantMinor, std::uint32_t wantPatch) const;
};

ServerVersion parseServerVersion(std::string_view text);

// The tables sql/ferry_schema.sql creates.
inline constexpr std::string_view kFerryTables[] = {
    "apply_position", "fence", "heartbeat", "conflicts", "tombstones", "schema_history"};

inline constexpr std::uint64_t kRecommendedMaxAllowedPacket = 64ull << 20;

struct PreflightOptions {
    // The replicated schemas; empty: every schema the user can see except the system ones
    // (mysql, information_schema, performance_schema, sys) and the ferry schema.
    std::vector<std::string> schemas;
    std::string ferrySchema = "ferry";
    // How far behind the pipeline is now (0 for a new one): binlogs must be kept at least this
    // long plus retentionMarginSeconds.
    std::uint64_t lagSeconds = 0;
    std::uint64_t retentionMarginSeconds = 3600;
    // Binlog retention under this is a warning.
    std::uint64_t retentionWarnSeconds = 24 * 3600;
    std::uint64_t minMaxAllowedPacket = kRecommendedMaxAllowedPacket;
    // The other data source of a two-way channel (not owned; may be null). With it, the checks
    // between the two run (server ids, auto-increment, GTID domains), and the source's
    // replicated schemas must also be writable (the source is the peer's target).
    PreflightSession* peer = nullptr;
};

// Checks one data source before a pipeline starts. Every check appears in the response with
// PASS, WARN or FAIL, a message with the value it saw, and (unless PASS) a hint with the
// statement or my.cnf line that fixes it. Check names: connectivity, version, log_bin,
// binlog_format, binlog_row_image, binlog_row_metadata, gtid, server_id,
// replication_privileges, replicated_schemas, schema_privileges, ferry_schema_privileges,
// ferry_schema, binlog_filters, triggers, cascading_foreign_keys, sync_binlog,
// innodb_flush_log_at_trx_commit, binlog_retention, max_allowed_packet; with a peer also
// peer_connectivity, peer_server_id, peer_auto_increment, peer_gtid_domain_id (both MariaDB),
// peer_server_uuid (both MySQL), two_way_conflicts.
// When the source does not answer at all, the response holds the connectivity FAIL only.
// Only reads (SHOW and information_schema); never changes the server.
v1::PreflightResponse runPreflight(PreflightSession& source, const PreflightOptions& options);

// True when any check failed.
bool hasFailure(const v1::PreflightResponse& response);

// "PASS", "WARN", "FAIL".
std::string_view checkResultName(v1::CheckResult result);

}  // namespace ferry::preflight
