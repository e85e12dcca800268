#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End to end, one way: two ferry-agent daemons (sites hz and us) on the harness's ZooKeeper and
# MariaDB servers, configured with ferryctl, replicate writes from hz to us through the
# agent-to-agent stream. The apply agent is killed with SIGKILL in the middle of the writes and
# restarted; afterwards `ferryctl compare` must find both sites identical (nothing lost, nothing
# applied twice).
#
# Usage: e2e_oneway.sh HARNESS_DIR BUILD_DIR
set -euo pipefail
harness=$1
build=$2
. "$harness/env.sh"
ctl="$build/agent/ctl/ferryctl"
agent="$build/agent/app/ferry-agent"
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e-oneway.XXXXXX")
cluster="it-oneway-$$"
schema="e2e_oneway_$$"
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    for i in 0 1; do
        cnf_var="FERRY_MARIADB_${i}_CLIENT_CNF"
        mariadb --defaults-file="${!cnf_var}" -e "DROP DATABASE IF EXISTS $schema" || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "FAILED: $*" >&2
    for site in hz us; do echo "---- $site agent log" >&2; tail -n 30 "$work/$site.log" >&2 || true; done
    exit 1
}

sql() {  # sql SITE_INDEX STATEMENTS
    local cnf_var="FERRY_MARIADB_${1}_CLIENT_CNF"
    mariadb --defaults-file="${!cnf_var}" -N -e "$2"
}

token=$("$ctl" cert token --name e2e --role admin --tokens-file "$work/tokens" 2>/dev/null)
printf '%s\n' "$token" > "$work/agent.token"
chmod 600 "$work/agent.token"
printf '%s\n' "$FERRY_TEST_PASSWORD" > "$work/db.pw"
chmod 600 "$work/db.pw"

start_agent() {  # start_agent SITE
    "$agent" --config "$work/agent-$1.toml" >>"$work/$1.log" 2>&1 &
    pids+=($!)
    eval "pid_$1=$!"
}

for site in hz us; do
    mkdir -p "$work/data-$site"
    cat > "$work/agent-$site.toml" <<TOML
[agent]
site = "$site"
id = "$site-e2e"
cluster = "$cluster"
data_dir = "$work/data-$site"
[listen]
address = "127.0.0.1:0"
[zookeeper]
connect = "$FERRY_ZOOKEEPER"
session_timeout_ms = 6000
[tls]
required = false
[auth]
tokens_file = "$work/tokens"
agent_token_file = "$work/agent.token"
TOML
    start_agent "$site"
done

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}
wait_for 30 "the hz agent to register" grep -q "registered as hz-e2e" "$work/hz.log"
wait_for 30 "the us agent to register" grep -q "registered as us-e2e" "$work/us.log"
export FERRY_AGENT=$(grep -o 'serving the agent API on [0-9.:]*' "$work/hz.log" | head -1 | awk '{print $NF}')
export FERRY_TOKEN=$token
c=(--cluster "$cluster" --insecure-plaintext)

for i in 0 1; do
    sql $i "CREATE DATABASE $schema; CREATE TABLE $schema.items (id INT PRIMARY KEY, v VARCHAR(40), n BIGINT, d DECIMAL(12,3), t DATETIME(6), b VARBINARY(16))"
done
"$ctl" datasource add "${c[@]}" --id hz-db --site hz --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" --password-file "$work/db.pw"
"$ctl" datasource add "${c[@]}" --id us-db --site us --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" --password-file "$work/db.pw"
"$ctl" channel create e2e "${c[@]}" --kind one-way --between hz-db,us-db --tables "$schema.*"
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
kill -9 "$pid_us"
write_rows 300 600
start_agent us
write_rows 600 900

compare() {
    "$ctl" compare --left "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" \
        --right "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" \
        --password-file "$work/db.pw" --tables "$schema.*" --output json
}
wait_for 120 "us to hold exactly what hz holds" compare || { compare || true; fail "sites differ"; }
rows=$(sql 1 "SELECT COUNT(*) FROM $schema.items")
[[ $rows == 810 ]] || fail "expected 810 rows on us, found $rows"
"$ctl" pipeline status 1 "${c[@]}"
echo "e2e one-way: 810 rows identical on both sites after a kill -9 of the apply agent"
