#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Catch-up benchmark: `ferry-agent replicate --until-caught-up` against native MariaDB
replication, applying the same whole binlog to an empty target.

1. Starts four private MariaDB servers from tests/harness (same settings for all: ROW binlog,
   log_slave_updates=ON, sync_binlog=1, innodb_flush_log_at_trx_commit=1): a source and one
   fresh target per contender.
2. On the source: sysbench oltp_write_only prepare (--tables x --table-size) then run
   (--seconds, --threads). Its end of binlog (SHOW MASTER STATUS) is the catch-up goal.
3. Catch-up of the whole binlog, from the first file at offset 4, by
   (a) native replication, single-threaded (slave_parallel_threads=0),
   (b) native replication, slave_parallel_threads=--workers, slave_parallel_mode=optimistic,
   (c) ferry-agent replicate --until-caught-up --workers --workers.
   Native: CHANGE MASTER TO ... MASTER_LOG_FILE, MASTER_LOG_POS=4, MASTER_USE_GTID=no; the
   clock runs from START SLAVE until the SQL thread has executed up to the goal (polled every
   20 ms). Ferry: wall time of the process (it connects, installs its schema and exits when
   caught up). CPU time of ferry-agent is reported too.
4. CHECKSUM TABLE of every sysbench table on each target against the source: a mismatch fails.
5. Prints one JSON object (CONVENTIONS.md): figure = Ferry seconds, reference = native parallel
   seconds, ratio = reference / figure (above 1: Ferry is faster).

Exit status 0 when every run succeeded and every checksum matched (speed is reported, not
asserted), 1 otherwise.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
HARNESS = os.path.join(SOURCE, "tests", "harness", "ferry-harness")


def log(msg):
    sys.stderr.write("[bench_replicate_catchup] %s\n" % msg)
    sys.stderr.flush()


class Server:
    def __init__(self, info, password):
        self.info = info
        self.password = password
        self.host = info["host"]
        self.port = info["port"]

    def query(self, sql):
        out = subprocess.run(
            ["mariadb", "--no-defaults", "-h", self.host, "-P", str(self.port), "-u", "ferry",
             "-p" + self.password, "-N", "-B", "-e", sql],
            check=True, capture_output=True, text=True)
        return out.stdout

    def rows(self, sql):
        return [line.split("\t") for line in self.query(sql).splitlines()]

    def slave_status(self):
        out = subprocess.run(
            ["mariadb", "--no-defaults", "-h", self.host, "-P", str(self.port), "-u", "ferry",
             "-p" + self.password, "-B", "-e", "SHOW SLAVE STATUS"],
            check=True, capture_output=True, text=True).stdout.splitlines()
        if len(out) < 2:
            return {}
        return dict(zip(out[0].split("\t"), out[1].split("\t")))

    def url(self):
        return "mysql://ferry@%s:%d/?ssl-mode=DISABLED" % (self.host, self.port)


def checksums(server, tables):
    sums = {}
    for i in range(1, tables + 1):
        row = server.rows("CHECKSUM TABLE sbtest.sbtest%d" % i)
        sums["sbtest%d" % i] = row[0][1]
    return sums


def native_catchup(source, target, first_file, goal, parallel_threads, timeout):
    target.query("STOP SLAVE; RESET SLAVE ALL")
    target.query("SET GLOBAL slave_parallel_threads = %d" % parallel_threads)
    target.query("SET GLOBAL slave_parallel_mode = 'optimistic'")
    target.query(
        "CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%d, MASTER_USER='ferry', "
        "MASTER_PASSWORD='%s', MASTER_LOG_FILE='%s', MASTER_LOG_POS=4, MASTER_USE_GTID=no"
        % (source.host, source.port, source.password, first_file))
    started = time.monotonic()
    target.query("START SLAVE")
    goal_file, goal_pos = goal
    while True:
        status = target.slave_status()
        if status.get("Last_SQL_Error") or status.get("Last_IO_Error"):
            raise RuntimeError("native replication failed: %s %s" % (
                status.get("Last_IO_Error"), status.get("Last_SQL_Error")))
        if (status.get("Relay_Master_Log_File") == goal_file and
                int(status.get("Exec_Master_Log_Pos") or 0) >= goal_pos):
            elapsed = time.monotonic() - started
            break
        if time.monotonic() - started > timeout:
            raise RuntimeError("native replication did not catch up in %d s: %s" % (
                timeout, status))
        time.sleep(0.02)
    target.query("STOP SLAVE")
    return elapsed


def ferry_catchup(ferry, source, target, first_file, workers, extra, wrapper):
    argv = wrapper + [ferry, "replicate", "--source", source.url(), "--target", target.url(),
            "--start-file", first_file, "--start-pos", "4", "--until-caught-up",
            "--workers", str(workers), "--progress-interval", "5"] + extra
    env = dict(os.environ, FERRY_PASSWORD=source.password)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError("ferry-agent replicate failed (%d): %s" % (
            proc.returncode, proc.stderr[-3000:]))
    for line in proc.stderr.splitlines()[-3:]:
        log("ferry: " + line)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ferry-agent", required=True)
    parser.add_argument("--tables", type=int, default=4)
    parser.add_argument("--table-size", type=int, default=50000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--ferry-arg", action="append", default=[],
                        help="extra argument for ferry-agent replicate (repeatable)")
    parser.add_argument("--ferry-wrapper", default="",
                        help="command prefix for ferry-agent, e.g. 'perf record -g -o F --'")
    parser.add_argument("--only-ferry", action="store_true",
                        help="skip the native runs (profiling); no JSON figure then")
    args = parser.parse_args()

    hdir = tempfile.mkdtemp(prefix="ferry-bench-replicate-")
    os.rmdir(hdir)
    log("starting 4 MariaDB servers in %s" % hdir)
    subprocess.run([sys.executable, HARNESS, "up", "--dir", hdir, "--mariadb", "4",
                    "--no-zookeeper", "--owner-pid", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL)
    ok = True
    try:
        with open(os.path.join(hdir, "env.json")) as f:
            env = json.load(f)
        password = env["password"]
        servers = [Server(info, password) for info in env["mariadb"]]
        source, targets = servers[0], servers[1:]
        first_file = source.rows("SHOW BINARY LOGS")[0][0]
        source.query("CREATE DATABASE sbtest")
        common = ["--db-driver=mysql", "--mysql-host=" + source.host,
                  "--mysql-port=%d" % source.port, "--mysql-user=ferry",
                  "--mysql-password=" + password, "--mysql-db=sbtest",
                  "--tables=%d" % args.tables, "--table-size=%d" % args.table_size]
        log("sysbench prepare: %d tables of %d rows" % (args.tables, args.table_size))
        subprocess.run(["sysbench", "oltp_write_only"] + common + ["prepare"], check=True,
                       stdout=subprocess.DEVNULL)
        log("sysbench run: %d s, %d threads" % (args.seconds, args.threads))
        out = subprocess.run(["sysbench", "oltp_write_only"] + common +
                             ["--threads=%d" % args.threads, "--time=%d" % args.seconds,
                              "--report-interval=0", "run"],
                             check=True, capture_output=True, text=True).stdout
        transactions = 0
        for line in out.splitlines():
            if line.strip().startswith("transactions:"):
                transactions = int(line.split()[1])
        status = source.rows("SHOW MASTER STATUS")[0]
        goal = (status[0], int(status[1]))
        binlog_bytes = sum(int(r[1]) for r in source.rows("SHOW BINARY LOGS"))
        want = checksums(source, args.tables)
        log("goal %s:%d, %.1f MB of binlog, %d sysbench transactions" % (
            goal[0], goal[1], binlog_bytes / 1e6, transactions))

        results = {}
        if args.only_ferry:
            results["ferry_s"], results["ferry_cpu_s"] = ferry_catchup(
                args.ferry_agent, source, targets[2], first_file, args.workers, args.ferry_arg,
                args.ferry_wrapper.split())
            log("ferry: %.2f s wall, %.2f s CPU" % (results["ferry_s"], results["ferry_cpu_s"]))
            return 0 if checksums(targets[2], args.tables) == want else 1
        log("(a) native, single-threaded")
        results["native_single_s"] = native_catchup(source, targets[0], first_file, goal, 0,
                                                    args.timeout)
        log("(b) native, %d threads optimistic" % args.workers)
        results["native_parallel_s"] = native_catchup(source, targets[1], first_file, goal,
                                                      args.workers, args.timeout)
        log("(c) ferry-agent replicate, %d workers" % args.workers)
        results["ferry_s"], results["ferry_cpu_s"] = ferry_catchup(
            args.ferry_agent, source, targets[2], first_file, args.workers, args.ferry_arg,
            args.ferry_wrapper.split())
        for name, target in zip(["native_single", "native_parallel", "ferry"], targets):
            got = checksums(target, args.tables)
            if got != want:
                ok = False
                log("CHECKSUM mismatch on %s target: %s != %s" % (name, got, want))
        version = source.query("SELECT VERSION()").strip()
        figure = results["ferry_s"]
        reference = results["native_parallel_s"]
        print(json.dumps({
            "bench": "apply_catchup",
            "figure": round(figure, 3),
            "unit": "s",
            "reference": round(reference, 3),
            "reference_name": "MariaDB native replication, %d threads optimistic" % args.workers,
            "ratio": round(reference / figure, 3) if figure > 0 else None,
            "settings": {
                "server": version,
                "tables": args.tables,
                "table_size": args.table_size,
                "sysbench_seconds": args.seconds,
                "sysbench_threads": args.threads,
                "sysbench_transactions": transactions,
                "binlog_bytes": binlog_bytes,
                "workers": args.workers,
                "native_single_s": round(results["native_single_s"], 3),
                "ferry_cpu_s": round(results["ferry_cpu_s"], 3),
                "checksums_match": ok,
                "target_settings": "ROW binlog, log_slave_updates=ON, sync_binlog=1, "
                                   "innodb_flush_log_at_trx_commit=1 (tests/harness)",
            },
        }))
    except Exception as error:  # noqa: BLE001 - reported, then exit 1
        log("failed: %s" % error)
        ok = False
    finally:
        subprocess.run([sys.executable, HARNESS, "down", "--dir", hdir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
