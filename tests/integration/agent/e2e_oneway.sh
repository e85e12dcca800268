#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end, one way: two ferry-agent daemons (sites hz and us) on the harness's ZooKeeper and
# MariaDB servers, configured with ferryctl, replicate writes from hz to us through the
# agent-to-agent stream. The apply agent is killed with SIGKILL in the middle of the writes and
# restarted; afterwards `ferryctl compare` must find both sites identical (nothing lost, nothing
# applied twice). A 20,000-row transaction then goes through as a large one (spooled, sent in
# fragments, applied from disk), and each agent's Prometheus endpoint reports its role.
#
# Usage: e2e_oneway.sh HARNESS_DIR BUILD_DIR
set -euo pipefail
. "$(dirname "$0")/e2e_lib.sh"
e2e_init oneway "$1" "$2"

for site in hz us; do
    write_agent_config "$site-e2e" "$site"
    start_agent "$site-e2e"
done
wait_registered hz-e2e
wait_registered us-e2e
export FERRY_AGENT=$(agent_address hz-e2e)

for i in 0 1; do
    sql $i "CREATE DATABASE $schema; CREATE TABLE $schema.items (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT, d DECIMAL(12,3), t DATETIME(6), b VARBINARY(16)); CREATE TABLE $schema.big (id INT PRIMARY KEY, note VARCHAR(60), h VARBINARY(20))"
done
"$ctl" datasource add "${c[@]}" --id hz-db --site hz --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" --password-file "$work/db.pw"
"$ctl" datasource add "${c[@]}" --id us-db --site us --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" --password-file "$work/db.pw"
"$ctl" channel create e2e "${c[@]}" --kind one-way --between hz-db,us-db --tables "$schema.*" \
    --large-transaction-bytes 1048576
"$ctl" pipeline start 1 "${c[@]}"
# The pipeline has begun once its start position is recorded on the target.
wait_for 30 "the pipeline's start position on us" \
    bash -c "[ -n \"\$(mariadb --defaults-file=$FERRY_MARIADB_1_CLIENT_CNF -N -e 'SELECT 1 FROM ferry.apply_position WHERE pipeline_id = 1 LIMIT 1')\" ]"

write_rows() {  # write_rows FROM TO
    for ((k = $1; k < $2; k += 10)); do
        local values=""
        for ((j = k; j < k + 10; j++)); do
            values+="${values:+,}($j, 'row $j', $((j * 1000003)), $j.125, '2026-11-25 08:00:00.$((100000 + j))', UNHEX('00FF$(printf %04X $j)'))"
        done
        sql 0 "INSERT INTO $schema.items VALUES $values; UPDATE $schema.items SET n = n + 1 WHERE id = $k; DELETE FROM $schema.items WHERE id = $((k + 9))"
    done
}
write_rows 0 300
kill -9 "${agent_pid[us-e2e]}"
write_rows 300 600
start_agent us-e2e
write_rows 600 900

wait_for 120 "us to hold exactly what hz holds" compare_sites || { compare_sites || true; fail "sites differ"; }
rows=$(sql 1 "SELECT COUNT(*) FROM $schema.items")
[[ $rows == 810 ]] || fail "expected 810 rows on us, found $rows"

# One large transaction (about 3 MB decoded, over the channel's 1 MiB): atomic on us.
sql 0 "SET SESSION max_recursive_iterations = 20000; INSERT INTO $schema.big WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i, CONCAT('large transaction row ', i), UNHEX(SHA1(i)) FROM n"
wait_for 120 "the large transaction on us" bash -c "[ \"\$(mariadb --defaults-file=$FERRY_MARIADB_1_CLIENT_CNF -N -e 'SELECT COUNT(*) FROM $schema.big')\" = 20000 ]"
wait_for 60 "us to hold exactly what hz holds" compare_sites || { compare_sites || true; fail "sites differ after the large transaction"; }

# Prometheus endpoints: the us agent restarted after its kill, so its newest address counts.
metrics_url() { grep -o 'serving Prometheus metrics on http://[0-9.:]*' "$work/$1.log" | tail -1 | awk '{print $NF}'; }
us_m=$(metrics_url us-e2e)
hz_m=$(metrics_url hz-e2e)
[[ -n $us_m && -n $hz_m ]] || fail "an agent did not log its metrics address"
curl -fsS "$us_m/healthz" | grep -qx ok || fail "us /healthz is not ok"
us_applied() { curl -fsS "$us_m/metrics" | grep -Eq '^ferry_pipeline_rows_total\{pipeline="e2e:hz->us",pipeline_id="1",role="apply"\} [1-9]'; }
wait_for 10 "the us agent's metrics to count applied rows" us_applied
curl -fsS "$us_m/metrics" | grep -q '^ferry_pipeline_role_state{pipeline="e2e:hz->us",pipeline_id="1",role="apply",state="running"} 1$' || fail "apply not running in the metrics"
curl -fsS "$us_m/metrics" | grep -Eq '^ferry_pipeline_lag_seconds\{pipeline="e2e:hz->us",pipeline_id="1"\} [0-9]' || fail "no lag in the metrics"
curl -fsS "$hz_m/metrics" | grep -q '^ferry_pipeline_role_state{pipeline="e2e:hz->us",pipeline_id="1",role="capture",state="running"} 1$' || fail "capture not running in the metrics"

"$ctl" pipeline status 1 "${c[@]}"
echo "e2e one-way: 810 rows identical on both sites after a kill -9 of the apply agent; a 20,000-row transaction applied whole; metrics served"
