#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Failover, end to end: four ferry-agent daemons (two in site hz, two in site us) on the
# harness's ZooKeeper and MariaDB servers, one pipeline hz -> us, a scripted write load on hz.
#  (a) The capture leader, then the apply leader, is killed with SIGKILL at a random moment of
#      the load (the seed is printed; FERRY_FAILOVER_SEED replays it). Measured from the kill:
#      until the standby's role starts (its log) and until rows written after the kill reach us
#      (at most 15 s); then the standby must report leading the role. The killed agent is
#      restarted and becomes the standby.
#  (b) The apply leader is paused with SIGSTOP past its ZooKeeper session timeout (3 s here); the
#      standby takes over and applies (measured the same way); then the paused agent resumes
#      with SIGCONT and must write nothing: the fence holds the new leader's token, its log shows
#      it stepped down, and the target's binlog holds no apply_position write with its token
#      after the fence moved on.
#  (c) The load stops, everything drains, `ferryctl compare` finds both sites identical, and the
#      binlogs show every source transaction applied exactly once (e2e_exactly_once.py).
#
# Usage: e2e_failover.sh HARNESS_DIR BUILD_DIR
# FERRY_FAILOVER_SESSION_MS sets the agents' session timeout; FERRY_FAILOVER_PAUSE_IN_TRANSACTION=1
# pauses the apply leader while it has a transaction open on the target (the hardest case).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/e2e_lib.sh"
e2e_init failover "$1" "$2"

session_ms=${FERRY_FAILOVER_SESSION_MS:-3000}
takeover_limit_ms=15000
ferry_schema="ferry_fo_$$"
E2E_DROP_SCHEMAS=("$ferry_schema")
say() { echo "$(date -u +%T.%3N) failover: $*"; }
seed=${FERRY_FAILOVER_SEED:-$(((RANDOM << 15) | RANDOM))}
say "seed $seed (FERRY_FAILOVER_SEED=$seed replays the kill moments)"
RANDOM=$seed
agents=(hz-a hz-b us-a us-b)
declare -A site_of=([hz-a]=hz [hz-b]=hz [us-a]=us [us-b]=us)
declare -A paused=()
load_pid=
sql_sessions=()

e2e_on_exit() {
    touch "$work/stop-load" 2>/dev/null || true
    [[ -z $load_pid ]] || kill "$load_pid" 2>/dev/null || true
    local pid
    for pid in "${sql_sessions[@]}"; do kill "$pid" 2>/dev/null || true; done
}

now_ms() { date +%s%3N; }

# Lines the agent logged since its log had `from` lines, matching a fixed string.
log_since() {  # log_since ID FROM TEXT
    tail -n "+$(($2 + 1))" "$work/$1.log" | grep -F -- "$3"
}
log_lines() { wc -l <"$work/$1.log"; }

ctl_at() {  # ctl_at ID ARGS...: ferryctl through that agent
    FERRY_AGENT=$(agent_address "$1") "$ctl" "${@:2}" "${c[@]}"
}
# ferryctl through the first agent that runs (not killed, not paused), quietly.
ctl_any() {
    local id
    for id in "${agents[@]}"; do
        [[ -z ${paused[$id]:-} ]] || continue
        kill -0 "${agent_pid[$id]}" 2>/dev/null || continue
        FERRY_AGENT=$(agent_address "$id") "$ctl" "$@" "${c[@]}" 2>/dev/null && return 0
    done
    return 1
}

# The agent whose report leads the capture or apply of pipeline 1.
role_agent() {  # role_agent capture|apply
    ctl_any pipeline status 1 --output json | python3 -c '
import json, sys
data = json.load(sys.stdin)
status = (data.get("statuses") or [data])[0]
key = sys.argv[1]
print(status.get(key + "Agent") or status.get(key + "_agent") or "")' "$1"
}

# Persistent clients on both servers, so that polling costs a round trip, not a process start
# (on a busy machine a new client takes most of a second, which would blur the measurements).
open_sql_session() {  # open_sql_session NAME SERVER_INDEX: sets NAME_in and NAME_out (fds)
    local cnf_var="FERRY_MARIADB_${2}_CLIENT_CNF" fd_in fd_out
    mkfifo "$work/$1.in" "$work/$1.out"
    mariadb --defaults-file="${!cnf_var}" -N --batch --unbuffered <"$work/$1.in" \
        >"$work/$1.out" 2>>"$work/$1.sql-errors" &
    sql_sessions+=($!)
    exec {fd_in}>"$work/$1.in"
    exec {fd_out}<"$work/$1.out"
    printf -v "$1_in" %s "$fd_in"
    printf -v "$1_out" %s "$fd_out"
}
ask() {  # ask NAME QUERY: one single-value query on a persistent session
    local in_var="$1_in" out_var="$1_out" answer
    printf '%s;\n' "$2" >&"${!in_var}"
    IFS= read -r -t 30 answer <&"${!out_var}" || fail "no answer from the $1 session to: $2"
    printf '%s\n' "$answer"
}
source_max() { ask src "SELECT COALESCE(MAX(id), 0) FROM $schema.ops"; }
target_max() { ask dst "SELECT COALESCE(MAX(id), 0) FROM $schema.ops"; }
fence_row() { sql 1 "SELECT token, holder FROM $ferry_schema.fence WHERE pipeline_id = 1"; }
target_past() { (($(target_max) > $1)); }  # target_past ID: a row above ID reached us

# The agent's clock at the first line matching TEXT since line FROM, in epoch milliseconds.
log_time_ms() {  # log_time_ms ID FROM TEXT
    local line
    line=$(log_since "$1" "$2" "$3" | head -n 1) || return 1
    date -d "${line%%Z *}Z" +%s%3N
}

# After the leader of ROLE stopped at KILL_MS (epoch ms), with BASELINE the source's last key at
# that moment: waits until a later row reaches the target, then checks that the standby leads the
# role and reports it. Sets applied_ms (kill to first new row applied) and serving_ms (kill to
# the standby's role starting, from its log).
measure_takeover() {  # measure_takeover ROLE STANDBY KILL_MS BASELINE FROM_LINE
    until target_past "$4"; do
        (($(now_ms) - $3 < 60000)) ||
            fail "no row written after the $1 leader stopped reached us within 60 s"
        sleep 0.05
    done
    applied_ms=$(($(now_ms) - $3))
    local started
    started=$(log_time_ms "$2" "$5" "leading the $1 of pipeline 1") ||
        fail "rows flow again, but $2 does not log leading the $1 of pipeline 1"
    serving_ms=$((started - $3))
    wait_for 30 "$2 to report leading the $1 of pipeline 1" reports_leader "$1" "$2"
}
reports_leader() { [[ $(role_agent "$1") == "$2" ]]; }

random_pause() {  # random_pause WHAT: 1 to 4 s, from the seed
    local ms=$((1000 + RANDOM % 3000))
    say "$1 in $((ms / 1000)).$(printf %03d $((ms % 1000))) s"
    sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
}

# Restarts a killed agent and waits until it is a candidate again (the standby).
restart_agent() {  # restart_agent ID ROLE
    local from
    from=$(log_lines "$1")
    start_agent "$1"
    wait_for 30 "$1 to register again" log_since "$1" "$from" "registered as $1 "
    wait_for 30 "$1 to stand for the $2 of pipeline 1 again" \
        log_since "$1" "$from" "candidate for $2 of pipeline 1"
}

# ---- setup: four agents, the schema, one pipeline
open_sql_session src 0
open_sql_session dst 1
for id in "${agents[@]}"; do
    write_agent_config "$id" "${site_of[$id]}" "$session_ms"
    start_agent "$id"
done
for id in "${agents[@]}"; do wait_registered "$id"; done

for i in 0 1; do
    sql $i "CREATE DATABASE $schema;
        CREATE TABLE $schema.ops (id BIGINT PRIMARY KEY, note VARCHAR(64) NOT NULL,
            amount DECIMAL(12,2) NOT NULL, at DATETIME(6) NOT NULL);
        CREATE TABLE $schema.accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL,
            last_op BIGINT NOT NULL);
        INSERT INTO $schema.accounts VALUES $(printf '(%d, 0, 0),' {0..18})(19, 0, 0)"
done
# Exactly-once is checked on the binlogs from here on (before the pipeline starts).
read -r source_file source_pos _ < <(sql 0 "SHOW MASTER STATUS")
read -r target_file target_pos _ < <(sql 1 "SHOW MASTER STATUS")

ctl_at hz-a datasource add --id hz-db --site hz --ferry-schema "$ferry_schema" \
    --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_0_PORT/" --password-file "$work/db.pw"
ctl_at hz-a datasource add --id us-db --site us --ferry-schema "$ferry_schema" \
    --url "mysql://$FERRY_TEST_USER@127.0.0.1:$FERRY_MARIADB_1_PORT/" --password-file "$work/db.pw"
ctl_at hz-a channel create failover --kind one-way --between hz-db,us-db --tables "$schema.*"
ctl_at hz-a pipeline start 1
start_recorded() {
    [[ -n $(sql 1 "SELECT 1 FROM $ferry_schema.apply_position WHERE pipeline_id = 1 LIMIT 1") ]]
}
leaders_known() { [[ -n $(role_agent capture) && -n $(role_agent apply) ]]; }
wait_for 30 "the pipeline's start position on us" start_recorded
wait_for 30 "a capture and an apply leader" leaders_known

# ---- the load: one client, about 100 transactions a second, each inserting one ops row (its
# key names the source transaction), moving a balance, now and then updating or deleting.
generate_load() {
    local k=0 j extra
    while [[ ! -e $work/stop-load ]]; do
        for ((j = 0; j < 5; j++)); do
            k=$((k + 1))
            extra=
            ((k % 7 != 0 || k < 10)) || extra="UPDATE $schema.ops SET note = CONCAT(note, '+') WHERE id = $((k - 3));"
            ((k % 11 != 0 || k < 10)) || extra+="DELETE FROM $schema.ops WHERE id = $((k - 9));"
            printf "BEGIN; INSERT INTO %s.ops VALUES (%d, 'op %d', %d.%02d, NOW(6)); UPDATE %s.accounts SET balance = balance + %d, last_op = %d WHERE id = %d; %s COMMIT;\n" \
                "$schema" $k $k $((k % 1000)) $((k % 100)) "$schema" $((k % 13 - 6)) $k $((k % 20)) "$extra"
        done
        sleep 0.05
    done
}
generate_load | mariadb --defaults-file="$FERRY_MARIADB_0_CLIENT_CNF" --batch &
load_pid=$!
wait_for 30 "the load to reach us" target_past 0

# ---- (a) kill -9 the capture leader, then the apply leader
declare -A applied_times=() serving_times=()
standby_of() {  # standby_of AGENT: the other agent of its site
    local id
    for id in "${agents[@]}"; do
        [[ $id == "$1" || ${site_of[$id]} != "${site_of[$1]}" ]] || echo "$id"
    done
}
for role in capture apply; do
    old=$(role_agent $role)
    [[ -n $old ]] || fail "no agent reports leading the $role of pipeline 1"
    standby=$(standby_of "$old")
    from=$(log_lines "$standby")
    random_pause "kill -9 of the $role leader $old"
    start=$(now_ms)
    kill -9 "${agent_pid[$old]}"
    baseline=$(source_max)
    measure_takeover $role "$standby" "$start" "$baseline" "$from"
    applied_times[$role]=$applied_ms
    serving_times[$role]=$serving_ms
    say "$role leader $old killed: $standby led the $role after $serving_ms ms and rows" \
        "written after the kill reached us after $applied_ms ms"
    ((applied_ms <= takeover_limit_ms)) ||
        fail "the $role takeover took $applied_ms ms, more than $takeover_limit_ms ms"
    wait "${agent_pid[$old]}" 2>/dev/null || true
    restart_agent "$old" $role
done

# ---- (b) SIGSTOP the apply leader past its session timeout, SIGCONT it, it must not write
stopped=$(role_agent apply)
[[ -n $stopped ]] || fail "no agent reports leading the apply of pipeline 1"
read -r old_token old_holder < <(fence_row)
[[ $old_holder == "$stopped" ]] ||
    fail "the fence names $old_holder, but $stopped reports leading the apply"
standby=$(standby_of "$stopped")
from=$(log_lines "$standby")
random_pause "SIGSTOP of the apply leader $stopped (fence token $old_token)"
if [[ -n ${FERRY_FAILOVER_PAUSE_IN_TRANSACTION:-} ]]; then
    # Pause it while one of its apply transactions is open on the target (holding its locks).
    open_trx="SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_rows_locked > 0"
    until (($(ask dst "$open_trx") > 0)); do :; done
    kill -STOP "${agent_pid[$stopped]}"
    say "paused with $(ask dst "$open_trx") transaction(s) open on the target"
else
    kill -STOP "${agent_pid[$stopped]}"
fi
start=$(now_ms)
paused[$stopped]=1
baseline=$(source_max)
measure_takeover apply "$standby" "$start" "$baseline" "$from"
applied_times[pause]=$applied_ms
serving_times[pause]=$serving_ms
new_leader=$standby
read -r new_token new_holder < <(fence_row)
say "apply leader $stopped paused: $standby led the apply (fence token $new_token) after" \
    "$serving_ms ms and rows written after the pause reached us after $applied_ms ms"
((applied_ms <= takeover_limit_ms)) ||
    fail "the takeover from the paused apply leader took $applied_ms ms, more than $takeover_limit_ms ms"
[[ $new_holder == "$new_leader" && $new_token -gt $old_token ]] ||
    fail "after the takeover the fence holds token $new_token of $new_holder; expected a token above $old_token held by $new_leader"
grep -qF "leading the apply of pipeline 1 (fencing token $new_token)" "$work/$new_leader.log" ||
    fail "$new_leader's log does not show it leading the apply with token $new_token"
paused_ms=$(($(now_ms) - start))
((paused_ms > session_ms)) || fail "$stopped was paused for $paused_ms ms only"

from=$(log_lines "$stopped")
kill -CONT "${agent_pid[$stopped]}"
unset "paused[$stopped]"
say "$stopped resumed after $paused_ms ms"
wait_for 30 "$stopped to stop its apply role after resuming" \
    log_since "$stopped" "$from" "stopped the apply of pipeline 1"
wait_for 30 "$stopped to log why it stepped down" \
    log_since "$stopped" "$from" "stepped down from the apply of pipeline 1 (fencing token $old_token)"
wait_for 30 "$stopped to see its ZooKeeper session expire" \
    log_since "$stopped" "$from" "ZooKeeper session expired"
say "$stopped after resuming:"
tail -n "+$((from + 1))" "$work/$stopped.log" | grep -E "pipeline 1|ZooKeeper" | head -n 8 |
    sed 's/^/    /' || true
# The new leader goes on applying, and the fence stays its own.
baseline=$(source_max)
wait_for 30 "rows written after the resume to reach us" target_past "$baseline"
read -r token_now holder_now < <(fence_row)
[[ $token_now == "$new_token" && $holder_now == "$new_leader" ]] ||
    fail "after $stopped resumed the fence holds $token_now of $holder_now, not $new_token of $new_leader"

# ---- (c) stop the load, drain, compare, exactly once
touch "$work/stop-load"
wait "$load_pid" || fail "the load client failed"
load_pid=
total=$(sql 0 "SELECT COUNT(*) FROM $schema.ops")
last=$(source_max)
wait_for 90 "us to hold exactly what hz holds" compare_sites
rows=$(sql 1 "SELECT COUNT(*) FROM $schema.ops")
[[ $rows == "$total" ]] || fail "expected $total ops rows on us, found $rows"

binlog_text() {  # binlog_text SERVER_INDEX FILE POS OUTPUT
    local port_var="FERRY_MARIADB_${1}_PORT"
    mariadb-binlog --read-from-remote-server --host=127.0.0.1 --port="${!port_var}" \
        --user="$FERRY_TEST_USER" --password="$FERRY_TEST_PASSWORD" --start-position="$3" \
        --to-last-log --base64-output=DECODE-ROWS -v "$2" >"$4"
}
binlog_text 0 "$source_file" "$source_pos" "$work/source.binlog.txt"
binlog_text 1 "$target_file" "$target_pos" "$work/target.binlog.txt"
column() {  # column TABLE NAME: its 1-based position in the target's ferry schema
    sql 1 "SELECT ORDINAL_POSITION FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$ferry_schema' AND TABLE_NAME = '$1' AND COLUMN_NAME = '$2'"
}
summary=$(python3 "$here/e2e_exactly_once.py" --source "$work/source.binlog.txt" \
    --target "$work/target.binlog.txt" --schema "$schema" --table ops \
    --ferry-schema "$ferry_schema" --pipeline 1 \
    --position-columns "$(column apply_position pipeline_id),$(column apply_position source_gtid),$(column apply_position fencing_token)" \
    --fence-columns "$(column fence pipeline_id),$(column fence token),$(column fence holder)" \
    --old-token "$old_token" --new-token "$new_token") ||
    fail "the binlogs do not show every source transaction applied exactly once under one fence: $summary"
say "binlogs: $summary"
ctl_any pipeline status 1 || true
say "$last source transactions applied exactly once ($total ops rows left after the deletes)"
for what in capture apply pause; do
    say "takeover after the $what: role serving after ${serving_times[$what]} ms," \
        "rows applied after ${applied_times[$what]} ms (limit $takeover_limit_ms ms; seed $seed)"
done
