-- SPDX-License-Identifier: Apache-2.0
-- The `ferry` schema: everything Ferry creates in a database (CONVENTIONS.md). Re-runnable
-- without error on MySQL 5.7/8.x and MariaDB 10.x/11.x. The agent runs it itself on start; a DBA
-- may run it beforehand:  mariadb < sql/ferry_schema.sql
-- To use another schema name, replace `ferry` below (and set ferry_schema for the data source).

CREATE DATABASE IF NOT EXISTS `ferry` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- Apply progress, written first in every applied target transaction. One row per pipeline and
-- worker slot. It makes apply exactly-once (the position commits with the rows), marks the
-- transaction for loop avoidance (the reverse pipeline's capture drops transactions that wrote
-- this table for its channel), and carries the fencing token of the writer.
CREATE TABLE IF NOT EXISTS `ferry`.`apply_position` (
    pipeline_id     BIGINT UNSIGNED NOT NULL,
    slot            SMALLINT UNSIGNED NOT NULL,
    source_file     VARCHAR(255) NOT NULL DEFAULT '' COMMENT 'binlog file of the last source transaction',
    source_pos      BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'end position of that transaction',
    source_gtid     VARCHAR(255) NOT NULL DEFAULT '' COMMENT 'its GTID (MySQL uuid:n, MariaDB d-s-n)',
    source_ts       BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'its source commit time, epoch seconds',
    applied_above   MEDIUMTEXT NULL COMMENT 'positions applied above the low-water mark (out-of-order commit)',
    seq             BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'changes on every write, so the row event is always logged',
    fencing_token   BIGINT UNSIGNED NOT NULL DEFAULT 0,
    updated_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (pipeline_id, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Fencing: each apply transaction reads its pipeline's row under a shared lock; a new apply
-- leader raises the token under an exclusive lock before writing, so a deposed leader can never
-- commit.
CREATE TABLE IF NOT EXISTS `ferry`.`fence` (
    pipeline_id     BIGINT UNSIGNED NOT NULL,
    token           BIGINT UNSIGNED NOT NULL DEFAULT 0,
    holder          VARCHAR(255) NOT NULL DEFAULT '' COMMENT 'agent id of the apply leader',
    updated_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (pipeline_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Lag: the capture agent of a source writes its row here ten times a second with a microsecond
-- timestamp; lag is the apply time of that row minus its timestamp.
CREATE TABLE IF NOT EXISTS `ferry`.`heartbeat` (
    source_id       VARCHAR(64) NOT NULL COMMENT 'data source id',
    ts_us           BIGINT UNSIGNED NOT NULL DEFAULT 0 COMMENT 'microseconds since the epoch, UTC',
    seq             BIGINT UNSIGNED NOT NULL DEFAULT 0,
    agent_id        VARCHAR(255) NOT NULL DEFAULT '',
    PRIMARY KEY (source_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every conflict met by apply in an active-active channel, with the three row versions.
CREATE TABLE IF NOT EXISTS `ferry`.`conflicts` (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    pipeline_id     BIGINT UNSIGNED NOT NULL,
    source_file     VARCHAR(255) NOT NULL DEFAULT '',
    source_pos      BIGINT UNSIGNED NOT NULL DEFAULT 0,
    source_gtid     VARCHAR(255) NOT NULL DEFAULT '',
    db_name         VARCHAR(64) NOT NULL,
    table_name      VARCHAR(64) NOT NULL,
    kind            VARCHAR(32) NOT NULL COMMENT 'insert-row-exists, insert-unique-collision, update-row-missing, update-row-mismatch, delete-row-missing, delete-row-mismatch',
    row_key         MEDIUMTEXT NOT NULL COMMENT 'key columns and values, JSON',
    before_image    LONGTEXT NULL COMMENT 'source before-image, JSON',
    incoming_image  LONGTEXT NULL COMMENT 'source after-image, JSON',
    current_image   LONGTEXT NULL COMMENT 'target row when the conflict was met, JSON',
    policy          VARCHAR(32) NOT NULL,
    decision        VARCHAR(32) NOT NULL COMMENT 'applied, kept, merged, parked',
    state           VARCHAR(16) NOT NULL DEFAULT 'closed' COMMENT 'closed, or parked until resolved',
    resolved_by     VARCHAR(255) NULL,
    created_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    resolved_at     TIMESTAMP(6) NULL,
    PRIMARY KEY (id),
    KEY conflicts_by_state (state, pipeline_id),
    KEY conflicts_by_table (db_name, table_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Deletes under last-writer-wins leave a tombstone with their version, which later, older
-- updates lose against. Tombstones expire after a bound.
CREATE TABLE IF NOT EXISTS `ferry`.`tombstones` (
    db_name         VARCHAR(64) NOT NULL,
    table_name      VARCHAR(64) NOT NULL,
    key_hash        BINARY(32) NOT NULL COMMENT 'SHA-256 of the normalised key',
    row_key         MEDIUMTEXT NOT NULL COMMENT 'key columns and values, JSON',
    version         VARCHAR(64) NOT NULL COMMENT 'the deleted row version (number or timestamp)',
    site            VARCHAR(64) NOT NULL,
    created_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    expires_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (db_name, table_name, key_hash),
    KEY tombstones_by_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Schema history of a source: a snapshot of information_schema at a known binlog position, then
-- every DDL seen in the binlog, versioned by position. Kept in the source's own `ferry` schema so
-- any agent of the site can read it after a failover.
CREATE TABLE IF NOT EXISTS `ferry`.`schema_history` (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    source_id       VARCHAR(64) NOT NULL,
    binlog_file     VARCHAR(255) NOT NULL,
    binlog_pos      BIGINT UNSIGNED NOT NULL,
    gtid            VARCHAR(255) NOT NULL DEFAULT '',
    kind            VARCHAR(16) NOT NULL COMMENT 'snapshot or ddl',
    db_name         VARCHAR(64) NOT NULL DEFAULT '',
    table_name      VARCHAR(64) NOT NULL DEFAULT '',
    statement       LONGTEXT NULL COMMENT 'the DDL as logged',
    tables          LONGTEXT NULL COMMENT 'table definitions after this entry, JSON',
    created_at      TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    KEY schema_history_by_position (source_id, binlog_file, binlog_pos)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
