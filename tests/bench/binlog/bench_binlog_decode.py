#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Binlog decode benchmark: Ferry against mariadb-binlog, CPU time per MB of binlog.

1. Generates (once, cached in --cache) a binlog of at least --min-mb MB: a private MariaDB from
   tests/harness, `sysbench oltp_write_only` until the binlog is large enough, FLUSH BINARY LOGS,
   then the closed binlog files are copied to the cache with a manifest.
2. Decodes every file fully to row values with the Ferry bench program (it prints a digest of
   every value) and with `mariadb-binlog --base64-output=decode-rows -v FILES > /dev/null`,
   --reps times each, measuring user+sys CPU time and peak RSS of each child (/usr/bin/time).
   With --ferryctl, also `ferryctl binlog dump --output jsonl FILES > /dev/null`.
3. Prints one JSON object per comparison (tests/CONVENTIONS: bench, figure, unit, reference,
   reference_name, ratio, settings), figures in MB of binlog per CPU second, medians.

Exit status: 0 when every run succeeded (speed is reported, not asserted here unless
--min-ratio is given), 1 when a run failed or the ratio is below --min-ratio.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
HARNESS = os.path.join(SOURCE, "tests", "harness", "ferry-harness")
MANIFEST = "manifest.json"


def log(msg):
    sys.stderr.write("[bench_binlog_decode] %s\n" % msg)
    sys.stderr.flush()


def mariadb_query(server, password, sql):
    out = subprocess.run(
        ["mariadb", "--no-defaults", "-h", server["host"], "-P", str(server["port"]), "-u",
         "ferry", "-p" + password, "-N", "-B", "-e", sql],
        check=True, capture_output=True, text=True)
    return out.stdout


def binlog_bytes(server, password):
    total = 0
    for line in mariadb_query(server, password, "SHOW BINARY LOGS").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            total += int(parts[1])
    return total


def load_manifest(cache):
    path = os.path.join(cache, MANIFEST)
    if not os.path.exists(path):
        return None
    with open(path) as f:
        manifest = json.load(f)
    for name in manifest["files"]:
        if not os.path.exists(os.path.join(cache, name)):
            return None
    return manifest


def generate(cache, min_mb, tables, table_size, threads, chunk_s):
    """Runs sysbench against a private MariaDB until its binlog holds min_mb MB."""
    os.makedirs(cache, exist_ok=True)
    hdir = tempfile.mkdtemp(prefix="ferry-bench-binlog-")
    os.rmdir(hdir)  # the harness creates it
    log("starting MariaDB in %s" % hdir)
    subprocess.run([sys.executable, HARNESS, "up", "--dir", hdir, "--mariadb", "1",
                    "--no-zookeeper", "--owner-pid", str(os.getpid())], check=True,
                   stdout=subprocess.DEVNULL)
    try:
        with open(os.path.join(hdir, "env.json")) as f:
            env = json.load(f)
        server = env["mariadb"][0]
        password = env["password"]
        mariadb_query(server, password, "CREATE DATABASE IF NOT EXISTS sbtest")
        common = ["--db-driver=mysql", "--mysql-host=" + server["host"],
                  "--mysql-port=%d" % server["port"], "--mysql-user=ferry",
                  "--mysql-password=" + password, "--mysql-db=sbtest",
                  "--tables=%d" % tables, "--table-size=%d" % table_size]
        log("sysbench prepare: %d tables of %d rows" % (tables, table_size))
        subprocess.run(["sysbench", "oltp_write_only"] + common + ["prepare"], check=True,
                       stdout=subprocess.DEVNULL)
        started = time.time()
        transactions = 0
        while binlog_bytes(server, password) < min_mb * 1e6:
            out = subprocess.run(
                ["sysbench", "oltp_write_only"] + common +
                ["--threads=%d" % threads, "--time=%d" % chunk_s, "--report-interval=0", "run"],
                check=True, capture_output=True, text=True).stdout
            for line in out.splitlines():
                if line.strip().startswith("transactions:"):
                    transactions += int(line.split()[1])
            log("binlog %.0f MB after %.0f s, %d sysbench transactions" % (
                binlog_bytes(server, password) / 1e6, time.time() - started, transactions))
        mariadb_query(server, password, "FLUSH BINARY LOGS")
        names = [line.split("\t")[0]
                 for line in mariadb_query(server, password, "SHOW BINARY LOGS").splitlines()]
        closed = names[:-1]  # the last one is the file FLUSH just opened
        for name in closed:
            shutil.copyfile(os.path.join(server["datadir"], name), os.path.join(cache, name))
        version = mariadb_query(server, password, "SELECT VERSION()").strip()
        manifest = {"files": closed, "server": version, "tables": tables,
                    "table_size": table_size, "sysbench_transactions": transactions,
                    "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(os.path.join(cache, MANIFEST), "w") as f:
            json.dump(manifest, f, indent=2)
        return manifest
    finally:
        subprocess.run([sys.executable, HARNESS, "down", "--dir", hdir],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


TIME = "/usr/bin/time"


def run_child(argv, capture):
    """Runs argv with stdout captured (capture=True) or sent to /dev/null; returns
    (cpu seconds user+sys, peak RSS KiB, stdout bytes or None).

    The child is started through /usr/bin/time: a child forked straight from Python inherits
    Python's peak RSS as its own starting high-water mark, which hides a smaller peak."""
    with tempfile.NamedTemporaryFile("r", prefix="ferry-bench-time-") as usage_file, \
            open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen([TIME, "-f", "%U %S %M", "-o", usage_file.name] + argv,
                                stdout=subprocess.PIPE if capture else devnull,
                                stderr=subprocess.PIPE)
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError("%s failed with %d: %s" % (
                os.path.basename(argv[0]), proc.returncode,
                err.decode(errors="replace")[-2000:]))
        user, system, rss = usage_file.read().split()[-3:]
    return float(user) + float(system), int(rss), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ferry-bench", required=True, help="the binlog_decode_bench program")
    ap.add_argument("--ferryctl", help="ferryctl, to measure `binlog dump --output jsonl` too")
    ap.add_argument("--cache", required=True, help="folder that keeps the generated binlog")
    ap.add_argument("--min-mb", type=float, default=250.0)
    ap.add_argument("--tables", type=int, default=8)
    ap.add_argument("--table-size", type=int, default=20000)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--chunk-seconds", type=int, default=60)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mariadb-binlog", default=shutil.which("mariadb-binlog") or "mariadb-binlog")
    ap.add_argument("--generate-only", action="store_true")
    ap.add_argument("--min-ratio", type=float, default=None,
                    help="fail when ferry/reference is below this (not used in CI)")
    args = ap.parse_args()

    manifest = load_manifest(args.cache)
    if manifest is None or manifest.get("min_mb", 0) < args.min_mb:
        manifest = generate(args.cache, args.min_mb, args.tables, args.table_size, args.threads,
                            args.chunk_seconds)
        manifest["min_mb"] = args.min_mb
        with open(os.path.join(args.cache, MANIFEST), "w") as f:
            json.dump(manifest, f, indent=2)
    else:
        log("using the cached binlog in %s" % args.cache)
    files = [os.path.join(args.cache, name) for name in manifest["files"]]
    total = sum(os.path.getsize(f) for f in files)
    mb = total / 1e6
    log("%d files, %.1f MB" % (len(files), mb))
    if args.generate_only:
        return 0

    ref_argv = [args.mariadb_binlog, "--no-defaults", "--base64-output=decode-rows", "-v"] + files
    ferry_argv = [args.ferry_bench] + files
    # Interleave the two series so that machine noise hits both alike.
    ferry_cpu, ferry_rss, ref_cpu, ref_rss, digests = [], [], [], [], set()
    ferry_stats = None
    for i in range(args.reps):
        cpu, rss, out = run_child(ferry_argv, True)
        ferry_cpu.append(cpu)
        ferry_rss.append(rss)
        ferry_stats = json.loads(out.decode().strip().splitlines()[-1])
        digests.add(ferry_stats["digest"])
        cpu, rss, _ = run_child(ref_argv, False)
        ref_cpu.append(cpu)
        ref_rss.append(rss)
        log("rep %d: ferry %.2f s, mariadb-binlog %.2f s" % (i + 1, ferry_cpu[-1], ref_cpu[-1]))
    if len(digests) != 1:
        log("ferry digests differ between runs: %s" % sorted(digests))
        return 1
    ferry_mbps = mb / statistics.median(ferry_cpu)
    ref_mbps = mb / statistics.median(ref_cpu)
    settings = {
        "binlog_bytes": total, "files": len(files), "server": manifest.get("server"),
        "sysbench": "oltp_write_only tables=%s table_size=%s transactions=%s" % (
            manifest.get("tables"), manifest.get("table_size"),
            manifest.get("sysbench_transactions")),
        "reps": args.reps, "events": ferry_stats.get("events"), "rows": ferry_stats.get("rows"),
        "values": ferry_stats.get("values"), "digest": ferry_stats["digest"],
        "ferry_cpu_s": [round(c, 3) for c in ferry_cpu],
        "reference_cpu_s": [round(c, 3) for c in ref_cpu],
        "ferry_peak_rss_kib": max(ferry_rss), "reference_peak_rss_kib": max(ref_rss),
        "targets": {"ratio_goal": 8.0, "ratio_floor": 4.0},
    }
    result = {"bench": "binlog_decode", "figure": round(ferry_mbps, 1), "unit": "MB/s",
              "reference": round(ref_mbps, 1),
              "reference_name": "mariadb-binlog --base64-output=decode-rows -v",
              "ratio": round(ferry_mbps / ref_mbps, 2), "settings": settings}
    print(json.dumps(result), flush=True)
    ok = args.min_ratio is None or result["ratio"] >= args.min_ratio

    if args.ferryctl:
        dump_argv = [args.ferryctl, "binlog", "dump", "--output", "jsonl"] + files
        dump_cpu, dump_rss = [], []
        for i in range(args.reps):
            cpu, rss, _ = run_child(dump_argv, False)
            dump_cpu.append(cpu)
            dump_rss.append(rss)
        dump_mbps = mb / statistics.median(dump_cpu)
        print(json.dumps({
            "bench": "binlog_dump_jsonl", "figure": round(dump_mbps, 1), "unit": "MB/s",
            "reference": round(ref_mbps, 1),
            "reference_name": "mariadb-binlog --base64-output=decode-rows -v",
            "ratio": round(dump_mbps / ref_mbps, 2),
            "settings": {"binlog_bytes": total, "files": len(files), "reps": args.reps,
                         "command": "ferryctl binlog dump --output jsonl FILES > /dev/null",
                         "cpu_s": [round(c, 3) for c in dump_cpu],
                         "peak_rss_kib": max(dump_rss),
                         "reference_peak_rss_kib": max(ref_rss),
                         "targets": {"ratio_goal": 4.0}}}), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
