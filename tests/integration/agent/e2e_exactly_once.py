#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Exactly-once and fencing, read from the binlogs of a pipeline's source and target.

Input: the text of `mariadb-binlog --base64-output=DECODE-ROWS -v` of the source and of the
target (from before the pipeline started to their ends), the test's schema and table, and the
target's ferry schema. Each source transaction of the load inserts exactly one row of the table,
its key unique, so the key names the source transaction. Every target transaction that applies
source transactions writes the pipeline's `apply_position` row, carrying the GTID of the last
source transaction it applied and its term's fencing token. The checks:

1. every key inserted on the source is inserted on the target exactly once, and nothing else;
2. the GTIDs carried by apply_position writes strictly increase (each once) in target order;
3. a target transaction applies exactly the load's source transactions whose GTIDs lie between
   the previous apply_position GTID and its own (from the start for the first: the load begins
   after the pipeline recorded its start), so each source transaction was applied in exactly one
   target transaction and its position was recorded with it;
4. every apply_position write carries the token the fence holds at that point of the target's
   binlog (a deposed leader's write would carry an older one), and fence tokens only grow;
5. with --old-token and --new-token: once the fence holds the new token, no apply_position
   write carries the old one.

Column positions (1-based, as mariadb-binlog prints @N) come from the command line, read by the
caller from information_schema, so the checker does not assume the table layouts. Prints a JSON
summary; exit status 0 when every check passes, 1 otherwise (the reasons on stderr).
"""

import argparse
import json
import re
import sys

HEADER = re.compile(r"^#\d{6}\s+\d{1,2}:\d\d:\d\d\s+server id \d+\s+end_log_pos \d+")
GTID = re.compile(r"\sGTID (\d+)-(\d+)-(\d+)")
ROW_START = re.compile(r"^### (INSERT INTO|UPDATE|DELETE FROM) `([^`]+)`\.`([^`]+)`")
VALUE = re.compile(r"^###   @(\d+)=(.*)$")


def parse_value(text):
    text = text.strip()
    unsigned = re.match(r"^-\d+ \((\d+)\)$", text)
    if unsigned:
        return unsigned.group(1)
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        return text[1:-1]
    return text


def transactions(text):
    """Yields {'gtid': (domain, server, seq) or None, 'rows': [(op, db, table, before, after)]}
    for every transaction in binlog order."""
    current = None
    row = None
    section = None

    def close_row():
        nonlocal row
        if row is not None and current is not None:
            current["rows"].append(row)
        row = None

    for line in text.splitlines():
        if HEADER.match(line):
            match = GTID.search(line)
            if match:
                close_row()
                if current is not None:
                    yield current
                current = {"gtid": tuple(int(g) for g in match.groups()), "rows": []}
            continue
        start = ROW_START.match(line)
        if start:
            close_row()
            op = {"INSERT INTO": "insert", "UPDATE": "update", "DELETE FROM": "delete"}[
                start.group(1)]
            row = (op, start.group(2), start.group(3), {}, {})
            section = "after" if op == "insert" else "before"
            continue
        if row is None:
            continue
        if line.startswith("### SET"):
            section = "after"
        elif line.startswith("### WHERE"):
            section = "before"
        else:
            value = VALUE.match(line)
            if value:
                target = row[4] if section == "after" else row[3]
                target[int(value.group(1))] = parse_value(value.group(2))
            else:
                close_row()
    close_row()
    if current is not None:
        yield current


def gtid_text(gtid):
    return "-".join(str(part) for part in gtid) if gtid else ""


def parse_gtid(text):
    match = re.fullmatch(r"(\d+)-(\d+)-(\d+)", text)
    return tuple(int(g) for g in match.groups()) if match else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", required=True, help="mariadb-binlog text of the source")
    parser.add_argument("--target", required=True, help="mariadb-binlog text of the target")
    parser.add_argument("--schema", required=True)
    parser.add_argument("--table", required=True)
    parser.add_argument("--key-column", type=int, default=1)
    parser.add_argument("--ferry-schema", required=True)
    parser.add_argument("--pipeline", required=True)
    parser.add_argument("--position-columns", required=True,
                        help="pipeline_id,source_gtid,fencing_token positions in apply_position")
    parser.add_argument("--fence-columns", required=True,
                        help="pipeline_id,token,holder positions in fence")
    parser.add_argument("--old-token", type=int)
    parser.add_argument("--new-token", type=int)
    args = parser.parse_args()
    pos_pipeline, pos_gtid, pos_token = (int(v) for v in args.position_columns.split(","))
    fence_pipeline, fence_token, fence_holder = (int(v) for v in args.fence_columns.split(","))
    problems = []

    # The load's source transactions, in source order: GTID -> keys it inserted.
    source = []
    for trx in transactions(open(args.source, encoding="utf-8", errors="replace").read()):
        keys = [r[4][args.key_column] for r in trx["rows"]
                if r[0] == "insert" and r[1] == args.schema and r[2] == args.table]
        touched = any(r[1] == args.schema for r in trx["rows"])
        if not touched:
            continue
        if len(keys) != 1:
            problems.append(f"source transaction {gtid_text(trx['gtid'])} inserted {len(keys)} "
                            f"rows of {args.table}; the load makes each insert exactly one")
            continue
        source.append((trx["gtid"], keys[0]))
    key_of = {gtid: key for gtid, key in source}
    gtid_of_key = {key: gtid for gtid, key in source}

    inserted = {}
    applied_gtids = {}
    fence = None
    fence_history = []
    stale_writes = []
    old_after_new = []
    previous = None
    target_transactions = 0
    for trx in transactions(open(args.target, encoding="utf-8", errors="replace").read()):
        keys = []
        positions = []
        for op, db, table, before, after in trx["rows"]:
            if db == args.schema and table == args.table and op == "insert":
                keys.append(after[args.key_column])
            elif db == args.ferry_schema and table == "fence" and op != "delete":
                if after.get(fence_pipeline) == args.pipeline:
                    token = int(after[fence_token])
                    if fence is not None and token < fence:
                        problems.append(f"the fence went down from {fence} to {token} in target "
                                        f"transaction {gtid_text(trx['gtid'])}")
                    fence = token
                    fence_history.append({"token": token, "holder": after.get(fence_holder, "")})
            elif db == args.ferry_schema and table == "apply_position" and op != "delete":
                if after.get(pos_pipeline) == args.pipeline:
                    positions.append((after.get(pos_gtid, ""), int(after.get(pos_token, "0"))))
        for key in keys:
            inserted[key] = inserted.get(key, 0) + 1
        if not positions:
            if keys:
                problems.append(f"target transaction {gtid_text(trx['gtid'])} applied rows "
                                f"{keys[:5]} without writing the apply position")
            continue
        target_transactions += 1
        for gtid_string, token in positions:
            if fence is not None and token != fence:
                stale_writes.append({"target": gtid_text(trx["gtid"]), "token": token,
                                     "fence": fence})
            if (args.old_token is not None and args.new_token is not None and
                    fence is not None and fence >= args.new_token and token == args.old_token):
                old_after_new.append(gtid_text(trx["gtid"]))
        carried = [parse_gtid(g) for g, _ in positions if g]
        if not carried:
            if keys:
                problems.append(f"target transaction {gtid_text(trx['gtid'])} applied rows "
                                f"{keys[:5]} but its apply position carries no GTID")
            continue
        last = max(carried)
        for gtid in set(carried):
            applied_gtids[gtid] = applied_gtids.get(gtid, 0) + 1
        if previous is not None and last <= previous:
            problems.append(f"target transaction {gtid_text(trx['gtid'])} records source "
                            f"{gtid_text(last)} after {gtid_text(previous)}: a position went "
                            "back (applied again)")
        low = previous
        expected = sorted(key_of[g] for g in key_of
                          if g[0] == last[0] and (low is None or g > low) and g <= last)
        if sorted(keys) != expected:
            problems.append(f"target transaction {gtid_text(trx['gtid'])} (position "
                            f"{gtid_text(last)}) applied keys {sorted(keys)[:10]}, but the "
                            f"source transactions after {gtid_text(low)} up to it inserted "
                            f"{expected[:10]}")
        previous = last if previous is None else max(previous, last)

    duplicates = {k: n for k, n in inserted.items() if n > 1}
    missing = [k for _, k in source if k not in inserted]
    unexpected = [k for k in inserted if k not in gtid_of_key]
    twice = {gtid_text(g): n for g, n in applied_gtids.items() if n > 1}
    if duplicates:
        problems.append(f"{len(duplicates)} source rows inserted more than once on the target, "
                        f"e.g. {sorted(duplicates.items())[:5]}")
    if missing:
        problems.append(f"{len(missing)} source rows never inserted on the target, "
                        f"e.g. {missing[:5]}")
    if unexpected:
        problems.append(f"{len(unexpected)} rows inserted on the target that no source "
                        f"transaction inserted, e.g. {unexpected[:5]}")
    if twice:
        problems.append(f"{len(twice)} source GTIDs recorded by more than one apply_position "
                        f"write, e.g. {sorted(twice.items())[:5]}")
    if stale_writes:
        problems.append(f"{len(stale_writes)} apply_position writes carry a token other than "
                        f"the fence's, e.g. {stale_writes[:3]}")
    if old_after_new:
        problems.append(f"{len(old_after_new)} target transactions carry the old token "
                        f"{args.old_token} after the fence moved to {args.new_token}: "
                        f"{old_after_new[:5]}")
    if args.new_token is not None and args.new_token not in [f["token"] for f in fence_history]:
        problems.append(f"the target's binlog never shows the fence taking token "
                        f"{args.new_token}")
    if not source:
        problems.append("the source's binlog holds no transaction of the load")

    summary = {
        "source_transactions": len(source),
        "target_transactions_with_position": target_transactions,
        "rows_inserted_on_target": sum(inserted.values()),
        "distinct_gtids_recorded": len(applied_gtids),
        "fence_history": fence_history,
        "stale_token_writes": len(stale_writes),
        "old_token_writes_after_takeover": len(old_after_new),
        "ok": not problems,
    }
    print(json.dumps(summary))
    for problem in problems:
        print("exactly-once: " + problem, file=sys.stderr)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
