#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The playground: two local sites, hz and us, syncing both ways.
#
# It starts ZooKeeper and two MariaDB servers (tests/harness), one ferry-agent per site, and the
# WAN emulator between the sites (100 ms each way: the apply agent of each site reaches the
# other site's agent only through it). It loads a sysbench schema at each site (sbtest_hz at hz,
# sbtest_us at us), copies each to the other site, creates a two-way channel over both schemas
# with ferryctl, runs a light sysbench write load at each site on its own schema, and prints
# both directions' lag every two seconds until Ctrl-C, which stops and removes everything.
#
# Usage: installer/playground.sh [BUILD_DIR]   (default build/release)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build/release}
dir=${FERRY_PLAYGROUND_DIR:-${TMPDIR:-/tmp}/ferry-playground-$(id -u)}
harness="$here/tests/harness/ferry-harness"
ctl="$build/agent/ctl/ferryctl"
agent="$build/agent/app/ferry-agent"
proxy="$build/tests/harness/wan/ferry-wan-proxy"
rate=${FERRY_PLAYGROUND_TPS:-20}  # sysbench transactions per second at each site
pids=()

for tool in "$ctl" "$agent" "$proxy"; do
    [[ -x $tool ]] || { echo "playground: $tool is missing: run 'installer/dev.sh build'" >&2; exit 1; }
done

stop() {
    trap - EXIT INT TERM
    echo
    echo "playground: stopping"
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$harness" down --dir "$dir" >/dev/null 2>&1 || true
    rm -rf "$dir"
}

"$harness" down --dir "$dir" >/dev/null 2>&1 || true
rm -rf "$dir"
"$harness" up --dir "$dir" --mariadb 2 --owner-pid $$ >/dev/null
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
. "$dir/env.sh"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sql() { local cnf="FERRY_MARIADB_${1}_CLIENT_CNF"; mariadb --defaults-file="${!cnf}" -N -e "$2"; }

token=$("$ctl" cert token --name playground --role admin --tokens-file "$dir/tokens" 2>/dev/null)
printf '%s\n' "$token" > "$dir/agent.token"
printf '%s\n' "$FERRY_TEST_PASSWORD" > "$dir/db.pw"
chmod 600 "$dir/agent.token" "$dir/db.pw"

declare -A agent_port proxy_port
for site in hz us; do
    agent_port[$site]=$(free_port)
    proxy_port[$site]=$(free_port)
    # The other site reaches this agent through the WAN emulator: 100 ms each way.
    "$proxy" --listen "127.0.0.1:${proxy_port[$site]}" --target "127.0.0.1:${agent_port[$site]}" \
        --delay-ms 100 > "$dir/wan-$site.log" 2>&1 &
    pids+=($!)
    mkdir -p "$dir/agent-$site"
    cat > "$dir/agent-$site.toml" <<TOML
[agent]
site = "$site"
id = "$site-agent"
cluster = "playground"
data_dir = "$dir/agent-$site"
[listen]
address = "127.0.0.1:${agent_port[$site]}"
advertised = "127.0.0.1:${proxy_port[$site]}"
[zookeeper]
connect = "$FERRY_ZOOKEEPER"
[tls]
required = false
[auth]
tokens_file = "$dir/tokens"
agent_token_file = "$dir/agent.token"
TOML
    "$agent" --config "$dir/agent-$site.toml" > "$dir/agent-$site.log" 2>&1 &
    pids+=($!)
done

export FERRY_AGENT="127.0.0.1:${agent_port[hz]}" FERRY_TOKEN=$token
c=(--cluster playground --insecure-plaintext)
for _ in $(seq 100); do "$ctl" agent list "${c[@]}" >/dev/null 2>&1 && break; sleep 0.2; done

echo "playground: loading sysbench schemas (sbtest_hz at hz, sbtest_us at us)"
bench() {  # bench SITE_INDEX SCHEMA COMMAND [ARGS...]
    local port="FERRY_MARIADB_${1}_PORT"
    sysbench oltp_write_only --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="${!port}" \
        --mysql-user="$FERRY_TEST_USER" --mysql-password="$FERRY_TEST_PASSWORD" \
        --mysql-db="$2" --tables=2 --table-size=10000 "${@:3}"
}
sql 0 "CREATE DATABASE sbtest_hz"
sql 1 "CREATE DATABASE sbtest_us"
bench 0 sbtest_hz prepare > "$dir/prepare-hz.log"
bench 1 sbtest_us prepare > "$dir/prepare-us.log"
# The initial copy to the other site (before the channel starts, so nothing is missed).
copy() {  # copy FROM_INDEX TO_INDEX SCHEMA
    local from="FERRY_MARIADB_${1}_CLIENT_CNF" to="FERRY_MARIADB_${2}_CLIENT_CNF"
    mariadb-dump --defaults-file="${!from}" --single-transaction --databases "$3" |
        mariadb --defaults-file="${!to}"
}
copy 0 1 sbtest_hz
copy 1 0 sbtest_us

"$ctl" datasource add "${c[@]}" --id hz-db --site hz \
    --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" --password-file "$dir/db.pw" >/dev/null
"$ctl" datasource add "${c[@]}" --id us-db --site us \
    --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" --password-file "$dir/db.pw" >/dev/null
"$ctl" channel create sbtest "${c[@]}" --kind two-way --between hz-db,us-db \
    --tables 'sbtest_hz.*,sbtest_us.*' --primary-site hz --ddl-from-site hz >/dev/null
# A fresh cluster: the channel's two pipelines are 1 (hz->us) and 2 (us->hz).
for id in 1 2; do
    "$ctl" pipeline start "$id" "${c[@]}" >/dev/null
done

# A new pipeline starts reading where the source's binlog ends when its stream first opens;
# start the load once both have recorded that position on their targets.
for i in 0 1; do
    for _ in $(seq 150); do
        [[ -n $(sql $i "SELECT 1 FROM ferry.apply_position LIMIT 1") ]] && break
        sleep 0.2
    done
done
echo "playground: sysbench oltp_write_only at $rate tps at each site, on its own schema"
bench 0 sbtest_hz run --rate="$rate" --time=0 --threads=2 > "$dir/load-hz.log" 2>&1 &
pids+=($!)
bench 1 sbtest_us run --rate="$rate" --time=0 --threads=2 > "$dir/load-us.log" 2>&1 &
pids+=($!)

cat <<TEXT

Playground running in $dir (Ctrl-C stops it and removes everything).
  agents:  hz 127.0.0.1:${agent_port[hz]}, us 127.0.0.1:${agent_port[us]} (plain TCP, token in $dir/agent.token)
  console: connect ferry-console to 127.0.0.1:${agent_port[hz]}, cluster 'playground', that token
  ferryctl: FERRY_AGENT=127.0.0.1:${agent_port[hz]} FERRY_TOKEN=\$(cat $dir/agent.token) \\
            $ctl pipeline list --cluster playground --insecure-plaintext
  databases: . $dir/env.sh, then mariadb --defaults-file=\$FERRY_MARIADB_0_CLIENT_CNF (hz) or _1_ (us)

TEXT
while true; do
    date +%T
    "$ctl" pipeline status "${c[@]}" || true
    sleep 2 &
    wait $!
done
