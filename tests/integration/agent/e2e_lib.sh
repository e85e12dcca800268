# SPDX-License-Identifier: Apache-2.0
# Shared setup of the end-to-end agent tests, sourced by e2e_*.sh (not run on its own): a work
# folder, agent tokens, ferry-agent processes configured for the harness's ZooKeeper, SQL on the
# harness's MariaDB servers, polling with a deadline, `ferryctl compare`, and a cleanup that kills
# the agents it started and drops the test's schemas.
#
# e2e_init NAME HARNESS_DIR BUILD_DIR sets: ctl, agent (binaries), work (folder), cluster,
# schema (a database name unique to this run), token (an admin token), c (ferryctl's cluster
# arguments). E2E_DROP_SCHEMAS lists further schemas the cleanup drops on both servers.
# Agent logs are $work/<agent id>.log, configurations $work/<agent id>.toml. For debugging:
# FERRY_E2E_KEEP=1 keeps the work folder, FERRY_E2E_LOG_LEVEL=debug makes the agents verbose.

e2e_init() {  # e2e_init NAME HARNESS_DIR BUILD_DIR
    local name=$1
    harness=$2
    build=$3
    # shellcheck disable=SC1091
    . "$harness/env.sh"
    ctl="$build/agent/ctl/ferryctl"
    agent="$build/agent/app/ferry-agent"
    work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e-$name.XXXXXX")
    cluster="it-$name-$$"
    schema="e2e_${name}_$$"
    E2E_DROP_SCHEMAS=()
    declare -gA agent_pid=()
    trap e2e_cleanup EXIT

    token=$("$ctl" cert token --name e2e --role admin --tokens-file "$work/tokens" 2>/dev/null)
    printf '%s\n' "$token" >"$work/agent.token"
    chmod 600 "$work/agent.token"
    printf '%s\n' "$FERRY_TEST_PASSWORD" >"$work/db.pw"
    chmod 600 "$work/db.pw"
    export FERRY_TOKEN=$token
    c=(--cluster "$cluster" --insecure-plaintext)
}

e2e_cleanup() {
    # A test may define e2e_on_exit to stop what it started besides the agents.
    if declare -F e2e_on_exit >/dev/null; then e2e_on_exit || true; fi
    local id
    for id in "${!agent_pid[@]}"; do
        kill -CONT "${agent_pid[$id]}" 2>/dev/null || true
        kill -9 "${agent_pid[$id]}" 2>/dev/null || true
    done
    local i s cnf_var
    for i in 0 1; do
        cnf_var="FERRY_MARIADB_${i}_CLIENT_CNF"
        for s in "$schema" "${E2E_DROP_SCHEMAS[@]}"; do
            mariadb --defaults-file="${!cnf_var}" -e "DROP DATABASE IF EXISTS \`$s\`" || true
        done
    done
    if [[ -n ${FERRY_E2E_KEEP:-} ]]; then
        echo "kept $work (FERRY_E2E_KEEP)" >&2
    else
        rm -rf "$work"
    fi
}

fail() {
    echo "FAILED: $*" >&2
    local log
    for log in "$work"/*.log; do
        [[ -e $log ]] || continue
        echo "---- $(basename "$log" .log)" >&2
        tail -n 40 "$log" >&2 || true
    done
    exit 1
}

sql() {  # sql SERVER_INDEX STATEMENTS
    local cnf_var="FERRY_MARIADB_${1}_CLIENT_CNF"
    mariadb --defaults-file="${!cnf_var}" -N -e "$2"
}

write_agent_config() {  # write_agent_config ID SITE [SESSION_TIMEOUT_MS]
    local id=$1 site=$2 timeout=${3:-6000}
    mkdir -p "$work/data-$id"
    cat >"$work/$id.toml" <<TOML
[agent]
site = "$site"
id = "$id"
cluster = "$cluster"
data_dir = "$work/data-$id"
log_level = "${FERRY_E2E_LOG_LEVEL:-info}"
[listen]
address = "127.0.0.1:0"
[zookeeper]
connect = "$FERRY_ZOOKEEPER"
session_timeout_ms = $timeout
[tls]
required = false
[auth]
tokens_file = "$work/tokens"
agent_token_file = "$work/agent.token"
[metrics]
listen = "127.0.0.1:0"
TOML
}

start_agent() {  # start_agent ID: runs it in the background, its pid in agent_pid[ID]
    "$agent" --config "$work/$1.toml" >>"$work/$1.log" 2>&1 &
    agent_pid[$1]=$!
    disown "$!"  # killing it is part of the tests: no job notices
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local limit=$1 what=$2
    shift 2
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || fail "timed out after ${limit}s waiting for $what"
        sleep 0.2
    done
}

wait_registered() {  # wait_registered ID [SECONDS]: after the agent's latest start
    wait_for "${2:-30}" "agent $1 to register" \
        bash -c "[[ \$(grep -c 'registered as $1 ' '$work/$1.log') -ge \$(grep -c 'starting, site' '$work/$1.log') ]]"
}

agent_address() {  # agent_address ID: where the agent's latest start serves its API
    grep -o 'serving the agent API on [0-9.:]*' "$work/$1.log" | tail -1 | awk '{print $NF}'
}

compare_sites() {  # compare_sites: ferryctl compare of $schema.* between servers 0 and 1
    "$ctl" compare --left "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" \
        --right "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" \
        --password-file "$work/db.pw" --tables "$schema.*" --output json
}
