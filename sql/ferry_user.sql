-- SPDX-License-Identifier: Apache-2.0
-- A least-privilege user for Ferry's agents. Run as an administrator after sql/ferry_schema.sql,
-- with the password and the replicated schema filled in, e.g.:
--   sed -e "s/@FERRY_PASSWORD@/$(cat pw)/" -e 's/@SCHEMA@/shop/' sql/ferry_user.sql | mariadb
-- Re-runnable. Works on MySQL 5.7/8.x and MariaDB 10.x/11.x (where REPLICATION CLIENT is the old
-- name of BINLOG MONITOR). Restrict the host part ('%') to the agents' addresses.

CREATE USER IF NOT EXISTS 'ferry'@'%' IDENTIFIED BY '@FERRY_PASSWORD@';

-- Capture: read the binlog as a replica and see the binlog list and status.
GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'ferry'@'%';

-- Ferry's own schema: positions, fencing, heartbeat, conflicts, tombstones, schema history.
GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON `ferry`.* TO 'ferry'@'%';

-- Each replicated schema (repeat per schema): read rows for snapshots and compare, write rows
-- when this server is a target, and the DDL statements a DDL-replicating channel applies.
GRANT SELECT, INSERT, UPDATE, DELETE ON `@SCHEMA@`.* TO 'ferry'@'%';
GRANT CREATE, ALTER, DROP, INDEX, REFERENCES ON `@SCHEMA@`.* TO 'ferry'@'%';
