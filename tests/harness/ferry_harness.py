# SPDX-License-Identifier: Apache-2.0
"""Starts and stops the servers Ferry's integration tests run against.

One harness folder holds N MariaDB servers configured like production sites (ROW binlog with
FULL image and metadata, distinct server ids, GTID domains and auto-increment offsets) and one
ZooKeeper server, all bound to 127.0.0.1 on ports chosen free at run time.

Process model: `up` spawns a supervisor (a detached python process in its own session) that
starts every server as its own child, reports readiness back to `up` over a pipe, and then
watches the owner process (by default the parent of `up`, e.g. ctest or a shell). The supervisor
tears everything down and removes the folder when the owner exits, when DIR/env.json is removed,
when it gets SIGTERM (that is how `down` asks), or when `up` dies before the servers are ready.
Every server is started with PR_SET_PDEATHSIG=SIGKILL, so even a SIGKILLed supervisor leaves no
server behind; `down` and the stale sweep of the next `up` remove what such a crash leaves on disk.

Only the Python standard library is used. The command-line interface (ferry-harness) is the
contract; the functions `up`, `down`, `status` and `load_env` are usable from Python tests too.
"""

import argparse
import contextlib
import ctypes
import hashlib
import json
import os
import secrets
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

MARKER_FILE = ".ferry-harness"
STATE_FILE = "state.json"
ENV_JSON = "env.json"
ENV_TXT = "env.txt"
ENV_SH = "env.sh"
LOG_FILE = "harness.log"
FORMAT_VERSION = 1

FIRST_SITES = ["hz", "us"]
HOST = "127.0.0.1"
USER = "ferry"

# Every site uses the same auto_increment_increment and its own auto_increment_offset (i + 1),
# as a DBA configures active-active sites so auto-increment keys generated at different sites
# can never collide. 10 leaves room for up to 10 sites without renumbering existing ones.
AUTO_INCREMENT_INCREMENT = 10

START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 30.0
PORT_ATTEMPTS = 5
SUN_PATH_MAX = 100  # sockaddr_un.sun_path is 108 bytes on Linux; keep a margin

ZOOKEEPER_JAR = "/usr/share/java/zookeeper.jar"
SLF4J_BINDING_JAR = "/usr/share/java/slf4j-simple.jar"


class HarnessError(Exception):
    """A failure with a message for people: what failed, where, what to do."""


class Teardown(Exception):
    """Raised in the supervisor by a termination signal."""


def site_name(index):
    return FIRST_SITES[index] if index < len(FIRST_SITES) else "s%d" % (index + 1)


def log(message):
    print("ferry-harness: %s" % message, file=sys.stderr, flush=True)


# --- processes ------------------------------------------------------------------------------


def proc_stat(pid):
    """Returns (state, ppid, starttime, comm, pgrp) of pid from /proc, or None when it is gone."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return None
    open_paren, close_paren = data.find("("), data.rfind(")")
    if open_paren < 0 or close_paren < 0:
        return None
    fields = data[close_paren + 2 :].split()
    if len(fields) < 20:
        return None
    return fields[0], int(fields[1]), int(fields[19]), data[open_paren + 1 : close_paren], int(
        fields[2])


def proc_start_time(pid):
    stat = proc_stat(pid)
    return stat[2] if stat else None


def is_alive(pid, start_time=None):
    """True when pid runs (not a zombie) and, if given, started at start_time (no pid reuse)."""
    if not pid or pid <= 0:
        return False
    stat = proc_stat(pid)
    if stat is None or stat[0] in ("Z", "X", "x"):
        return False
    return start_time is None or stat[2] == start_time


def find_ancestor(name):
    """The nearest ancestor of this process whose command name is `name`, or None."""
    pid = os.getppid()
    while pid > 1:
        stat = proc_stat(pid)
        if stat is None:
            return None
        if stat[3] == name:
            return pid
        pid = stat[1]
    return None


def wait_gone(records, timeout):
    """Waits until no process in records [(pid, start)] runs, or timeout; returns those left."""
    deadline = time.monotonic() + timeout
    left = [r for r in records if is_alive(*r)]
    while left and time.monotonic() < deadline:
        reap_children()
        waited = False
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                fd = os.pidfd_open(left[0][0])
                try:
                    sel = selectors.DefaultSelector()
                    sel.register(fd, selectors.EVENT_READ)
                    sel.select(min(0.2, max(0.0, deadline - time.monotonic())))
                    sel.close()
                finally:
                    os.close(fd)
                waited = True
        if not waited:
            time.sleep(0.05)  # no pidfd: poll /proc (bounded by the deadline)
        left = [r for r in left if is_alive(*r)]
    reap_children()
    return [r for r in left if is_alive(*r)]


def reap_children():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def group_members(records):
    """[(pid, start)] of live processes in the process groups led by records [(pid, start)].

    Each server runs in its own session, so its group holds it and what it forked (the
    bootstrap mariadbd of mariadb-install-db). A member started no earlier than the recorded
    leader; and while a group has a member, its id cannot be reused: no pid reuse is hit.
    """
    leaders = {pid: start for pid, start in records if pid and start is not None}
    members = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = proc_stat(int(name))
        if stat is None or stat[0] in ("Z", "X", "x"):
            continue
        leader_start = leaders.get(stat[4])
        if leader_start is not None and stat[2] >= leader_start:
            members.append((int(name), stat[2]))
    return members


def stop_processes(records, timeout=STOP_TIMEOUT_S):
    """SIGTERM the processes of records [(pid, start)] and their groups, SIGKILL what outlives
    timeout; returns those that survive even that."""
    live = group_members(records)
    for pid, _ in live:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    left = wait_gone(live, timeout)
    for pid, _ in left:
        log("pid %d did not stop within %.0f s; killing it" % (pid, timeout))
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return wait_gone(left, 10.0)


_LIBC = None
PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option, value):
    global _LIBC
    try:
        if _LIBC is None:
            _LIBC = ctypes.CDLL(None, use_errno=True)
        _LIBC.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _die_with_parent():
    """preexec_fn: the child gets SIGKILL when the supervisor dies, however it dies."""
    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


# --- files ----------------------------------------------------------------------------------


def write_atomic(path, text, mode=0o600):
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def tail(path, lines=25):
    """The lines of a log that say ERROR (at most 10), then its last lines, indented."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 65536))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return "    (no log at %s)" % path
    all_lines = text.splitlines()
    last = all_lines[-lines:]
    errors = [line for line in all_lines[:-lines] if "ERROR" in line][-10:]
    if errors:
        last = errors + ["    ..."] + last
    return "\n".join("    " + line for line in last)


def registry_dir():
    return os.path.join(tempfile.gettempdir(), "ferry-harness-%d" % os.getuid())


def registry_entry(directory):
    digest = hashlib.sha256(os.path.realpath(directory).encode()).hexdigest()[:20]
    return os.path.join(registry_dir(), digest + ".json")


def register(directory):
    os.makedirs(registry_dir(), mode=0o700, exist_ok=True)
    write_atomic(registry_entry(directory), json.dumps({"dir": os.path.realpath(directory)}))


def unregister(directory):
    with contextlib.suppress(OSError):
        os.unlink(registry_entry(directory))


def is_harness_dir(directory):
    return os.path.isfile(os.path.join(directory, MARKER_FILE))


def recorded_processes(state):
    """[(pid, start)] of every server process a state records, supervisor excluded."""
    return [(p["pid"], p["start"]) for p in (state or {}).get("processes", [])]


def supervisor_alive(state):
    return bool(state) and is_alive(state.get("supervisor_pid"), state.get("supervisor_start"))


def remove_harness_dir(directory, state):
    for extra in (state or {}).get("extra_dirs", []):
        shutil.rmtree(extra, ignore_errors=True)
    if is_harness_dir(directory):
        shutil.rmtree(directory, ignore_errors=True)
    unregister(directory)


def force_teardown(directory):
    """Stops what a dead supervisor left running in directory and removes it (only if ours)."""
    state = read_json(os.path.join(directory, STATE_FILE))
    left = stop_processes(recorded_processes(state))
    if left:
        raise HarnessError("%s: processes %s survive SIGKILL" % (directory, [p for p, _ in left]))
    remove_harness_dir(directory, state)


def sweep_stale():
    """Removes harness folders this user created earlier whose supervisor is gone."""
    try:
        entries = os.listdir(registry_dir())
    except OSError:
        return
    for name in entries:
        path = os.path.join(registry_dir(), name)
        entry = read_json(path)
        directory = entry.get("dir") if isinstance(entry, dict) else None
        if not directory or not os.path.isdir(directory) or not is_harness_dir(directory):
            with contextlib.suppress(OSError):
                os.unlink(path)
            continue
        state = read_json(os.path.join(directory, STATE_FILE))
        if supervisor_alive(state):
            continue
        if state is None and time.time() - os.path.getmtime(path) < 60:
            continue  # an `up` that is still writing its first state
        log("removing stale harness folder %s (its supervisor is gone)" % directory)
        try:
            force_teardown(directory)
        except HarnessError as e:
            log(str(e))


# --- network --------------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def mariadb_greets(port):
    """True when a MariaDB server on port sends its handshake (or an error packet)."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as s:
            header = s.recv(5)
    except OSError:
        return False
    # packet: 3-byte length, sequence id, then protocol version 10 or an 0xff error packet
    return len(header) == 5 and header[4] in (10, 0xFF)


def listens_on(pid, port):
    """True when process pid holds a listening TCP socket on port: what answers there is ours,
    not another server that took the port first."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as f:
                next(f, None)
                for line in f:
                    fields = line.split()
                    if len(fields) > 9 and fields[3] == "0A" and fields[1].endswith(":%04X" % port):
                        inodes.add("socket:[%s]" % fields[9])
        except OSError:
            continue
    if not inodes:
        return False
    fd_dir = "/proc/%d/fd" % pid
    try:
        names = os.listdir(fd_dir)
    except OSError:
        return False
    for name in names:
        with contextlib.suppress(OSError):
            if os.readlink(os.path.join(fd_dir, name)) in inodes:
                return True
    return False


def zookeeper_ruok(port):
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as s:
            s.sendall(b"ruok")
            return s.recv(16) == b"imok"
    except OSError:
        return False


# --- supervisor: starting servers ----------------------------------------------------------


class Supervisor:
    """Owns the server processes of one harness folder for their whole life."""

    def __init__(self, directory, config):
        self.dir = directory
        self.config = config
        self.state = {
            "version": FORMAT_VERSION,
            "supervisor_pid": os.getpid(),
            "supervisor_start": proc_start_time(os.getpid()),
            "owner_pid": config["owner_pid"],
            "owner_start": config["owner_start"],
            "processes": [],
            "extra_dirs": [],
        }
        self.children = {}  # pid -> Popen
        self.password = secrets.token_urlsafe(18)
        self.started = time.monotonic()
        self.deadline = self.started + config["timeout"]
        self.save_state()

    def save_state(self):
        write_atomic(os.path.join(self.dir, STATE_FILE), json.dumps(self.state, indent=2))

    def spawn(self, kind, argv, log_path, cwd, env=None):
        with open(log_path, "ab") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env=env,
                close_fds=True,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.children[proc.pid] = proc
        self.state["processes"].append(
            {"kind": kind, "pid": proc.pid, "start": proc_start_time(proc.pid)}
        )
        self.save_state()
        return proc

    def forget(self, proc):
        self.children.pop(proc.pid, None)
        self.state["processes"] = [p for p in self.state["processes"] if p["pid"] != proc.pid]
        self.save_state()

    def elapsed(self):
        return time.monotonic() - self.started

    def remaining(self):
        return max(0.0, self.deadline - time.monotonic())

    def mariadb_paths(self, index):
        base = os.path.join(self.dir, "mariadb-%d" % index)
        sock_dir = base
        if len(os.path.join(base, "mariadbd.sock")) > SUN_PATH_MAX:
            sock_dir = tempfile.mkdtemp(prefix="ferry-harness-sock-")
            self.state["extra_dirs"].append(sock_dir)
        return {
            "base": base,
            "datadir": os.path.join(base, "data"),
            "tmpdir": os.path.join(base, "tmp"),
            "socket": os.path.join(sock_dir, "mariadbd.sock"),
            "pid_file": os.path.join(base, "mariadbd.pid"),
            "error_log": os.path.join(base, "error.log"),
            "install_log": os.path.join(base, "install.log"),
            "bootstrap_sql": os.path.join(base, "bootstrap.sql"),
            "client_cnf": os.path.join(base, "client.cnf"),
        }

    def innodb_options(self):
        return ["--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M"]

    def install_mariadb(self, paths):
        for key in ("base", "datadir", "tmpdir"):
            os.makedirs(paths[key], exist_ok=True)
        # The bootstrap runs with the binlog off, so the user is not in any site's binlog. It
        # also runs without grant tables until FLUSH PRIVILEGES loads them.
        sql = (
            "FLUSH PRIVILEGES;\n"
            "CREATE USER '{u}'@'127.0.0.1' IDENTIFIED BY '{p}';\n"
            "GRANT ALL PRIVILEGES ON *.* TO '{u}'@'127.0.0.1' WITH GRANT OPTION;\n"
            "CREATE USER '{u}'@'localhost' IDENTIFIED BY '{p}';\n"
            "GRANT ALL PRIVILEGES ON *.* TO '{u}'@'localhost' WITH GRANT OPTION;\n"
        ).format(u=USER, p=self.password)
        write_atomic(paths["bootstrap_sql"], sql)
        argv = [
            "mariadb-install-db",
            "--no-defaults",
            "--datadir=" + paths["datadir"],
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
            "--skip-name-resolve",
            # Minimal systems (build chroots, containers) may have no /etc/hosts, and the
            # script's host-name lookup fails there; the servers never resolve names anyway.
            "--force",
            "--extra-file=" + paths["bootstrap_sql"],
            "--tmpdir=" + paths["tmpdir"],
        ] + self.innodb_options()
        if os.geteuid() == 0:
            argv.append("--user=root")
        return self.spawn("mariadb-install-db", argv, paths["install_log"], paths["base"])

    def mariadbd_argv(self, index, paths, port):
        argv = [
            "mariadbd",
            "--no-defaults",
            "--datadir=" + paths["datadir"],
            "--tmpdir=" + paths["tmpdir"],
            "--socket=" + paths["socket"],
            "--pid-file=" + paths["pid_file"],
            "--log-error=" + paths["error_log"],
            "--bind-address=" + HOST,
            "--port=%d" % port,
            "--skip-name-resolve",
            "--server-id=%d" % (index + 1),
            "--log-bin=mariadb-bin",
            "--binlog-format=ROW",
            "--binlog-row-image=FULL",
            "--binlog-row-metadata=FULL",
            "--log-slave-updates=ON",
            "--gtid-domain-id=%d" % (index + 1),
            "--auto-increment-increment=%d" % AUTO_INCREMENT_INCREMENT,
            "--auto-increment-offset=%d" % (index + 1),
            "--sync-binlog=1",
            "--innodb-flush-log-at-trx-commit=1",
            "--binlog-expire-logs-seconds=86400",
            "--max-binlog-size=64M",
            "--character-set-server=utf8mb4",
            "--collation-server=utf8mb4_general_ci",
            "--max-connections=200",
            "--performance-schema=OFF",
        ] + self.innodb_options()
        if os.geteuid() == 0:
            argv.append("--user=root")
        return argv

    def launch_mariadb(self, index, paths):
        """Starts mariadbd on a port free now; returns (proc, port, error-log offset)."""
        port = free_port()
        offset = os.path.getsize(paths["error_log"]) if os.path.exists(paths["error_log"]) else 0
        proc = self.spawn(
            "mariadbd", self.mariadbd_argv(index, paths, port), paths["error_log"], paths["base"]
        )
        return proc, port, offset

    def wait_mariadb(self, index, paths, proc, port, offset):
        """Waits until mariadbd serves on port; False when it exited because another process
        took the port meanwhile (the caller retries on a new one)."""
        while True:
            if proc.poll() is None and listens_on(proc.pid, port) and mariadb_greets(port):
                return True
            if proc.poll() is not None:
                break
            if self.remaining() <= 0:
                raise HarnessError(
                    "MariaDB server %d (site %s) did not accept connections on %s:%d within"
                    " %.0f s; tail of %s:\n%s"
                    % (index, site_name(index), HOST, port, self.config["timeout"],
                       paths["error_log"], tail(paths["error_log"])))
            wait_process_or(proc, 0.05)
        self.forget(proc)
        with open(paths["error_log"], "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        if "Address already in use" in text or "errno: 98" in text:
            log("port %d was taken meanwhile; retrying MariaDB server %d" % (port, index))
            return False
        raise HarnessError(
            "MariaDB server %d (site %s) exited with status %s while starting; tail of %s:\n%s"
            % (index, site_name(index), proc.returncode, paths["error_log"],
               tail(paths["error_log"])))

    def check_login(self, index, paths, port):
        client_cnf = "[client]\nuser=%s\npassword=%s\nhost=%s\nport=%d\nsocket=%s\n" % (
            USER, self.password, HOST, port, paths["socket"])
        write_atomic(paths["client_cnf"], client_cnf)
        result = subprocess.run(
            ["mariadb", "--defaults-file=" + paths["client_cnf"], "--protocol=TCP", "-N", "-B",
             "-e", "SELECT @@server_id"],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=max(5.0, self.remaining()))
        if result.returncode != 0 or result.stdout.strip() != str(index + 1):
            raise HarnessError(
                "MariaDB server %d (site %s): user %s cannot log in over TCP port %d: %s"
                % (index, site_name(index), USER, port, (result.stderr or result.stdout).strip()))

    def zookeeper_paths(self):
        base = os.path.join(self.dir, "zookeeper")
        return {
            "base": base,
            "datadir": os.path.join(base, "data"),
            "cfg": os.path.join(base, "zoo.cfg"),
            "log": os.path.join(base, "zookeeper.log"),
        }

    def start_zookeeper_process(self, paths):
        java = shutil.which("java")
        if java is None:
            raise HarnessError("java is not in PATH; install a JRE (Debian: default-jre-headless)")
        if not os.path.isfile(ZOOKEEPER_JAR):
            raise HarnessError("%s is missing; install Debian's zookeeper package" % ZOOKEEPER_JAR)
        os.makedirs(paths["datadir"], exist_ok=True)
        port = free_port()
        cfg = "\n".join([
            "tickTime=500",
            "minSessionTimeout=1000",
            "maxSessionTimeout=60000",
            "dataDir=" + paths["datadir"],
            "clientPort=%d" % port,
            "clientPortAddress=" + HOST,
            "maxClientCnxns=0",
            "admin.enableServer=false",
            "4lw.commands.whitelist=ruok,stat,srvr",
            "autopurge.purgeInterval=0",
            "",
        ])
        write_atomic(paths["cfg"], cfg, 0o644)
        classpath = [paths["base"], ZOOKEEPER_JAR]
        if os.path.isfile(SLF4J_BINDING_JAR):
            classpath.append(SLF4J_BINDING_JAR)
        argv = [
            java, "-Xmx256m", "-Xms32m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Djava.awt.headless=true", "-Djava.net.preferIPv4Stack=true",
            "-Dzookeeper.admin.enableServer=false", "-Dzookeeper.jmx.log4j.disable=true",
            "-Dorg.slf4j.simpleLogger.showDateTime=true",
            "-cp", ":".join(classpath),
            "org.apache.zookeeper.server.ZooKeeperServerMain", paths["cfg"],
        ]
        return self.spawn("zookeeper", argv, paths["log"], paths["base"]), port

    def wait_zookeeper(self, proc, port, paths):
        """Waits for imok; returns False when ZooKeeper exited because the port was taken."""
        while not (listens_on(proc.pid, port) and zookeeper_ruok(port)):
            if proc.poll() is not None:
                self.forget(proc)
                with open(paths["log"], "rb") as f:
                    text = f.read().decode("utf-8", "replace")
                if "Address already in use" in text:
                    return False
                raise HarnessError(
                    "ZooKeeper exited with status %s while starting; tail of %s:\n%s"
                    % (proc.returncode, paths["log"], tail(paths["log"])))
            if self.remaining() <= 0:
                raise HarnessError(
                    "ZooKeeper did not answer ruok on %s:%d within %.0f s; tail of %s:\n%s"
                    % (HOST, port, self.config["timeout"], paths["log"], tail(paths["log"])))
            wait_process_or(proc, 0.05)
        return True

    def start_all(self):
        count = self.config["mariadb"]
        servers = [self.mariadb_paths(i) for i in range(count)]
        self.save_state()
        zk = None
        zk_paths = self.zookeeper_paths()
        if self.config["zookeeper"]:
            zk = self.start_zookeeper_process(zk_paths)  # the JVM starts slowest: first
        if servers:
            # One bootstrap, copied: a fresh datadir holds nothing specific to one server.
            installer = self.install_mariadb(servers[0])
            try:
                installer.wait(timeout=max(1.0, self.remaining()))
            except subprocess.TimeoutExpired:
                raise HarnessError("mariadb-install-db took over %.0f s; tail of %s:\n%s"
                                   % (self.config["timeout"], servers[0]["install_log"],
                                      tail(servers[0]["install_log"])))
            self.forget(installer)
            if installer.returncode != 0:
                raise HarnessError("mariadb-install-db failed (status %d); tail of %s:\n%s"
                                   % (installer.returncode, servers[0]["install_log"],
                                      tail(servers[0]["install_log"])))
            for paths in servers[1:]:
                os.makedirs(paths["tmpdir"], exist_ok=True)
                shutil.copytree(servers[0]["datadir"], paths["datadir"])
            log("datadirs ready after %.1f s" % self.elapsed())
        launched = [self.launch_mariadb(i, p) for i, p in enumerate(servers)]
        started = []
        for i, paths in enumerate(servers):
            proc, port, offset = launched[i]
            for _ in range(PORT_ATTEMPTS):
                if self.wait_mariadb(i, paths, proc, port, offset):
                    break
                proc, port, offset = self.launch_mariadb(i, paths)
            else:
                raise HarnessError("MariaDB server %d: no free port after %d attempts"
                                   % (i, PORT_ATTEMPTS))
            self.check_login(i, paths, port)
            log("MariaDB server %d (site %s) ready on port %d after %.1f s"
                % (i, site_name(i), port, self.elapsed()))
            started.append((proc, port))
        zk_port = None
        if zk is not None:
            for _ in range(PORT_ATTEMPTS):
                if self.wait_zookeeper(zk[0], zk[1], zk_paths):
                    break
                log("port %d was taken meanwhile; retrying ZooKeeper" % zk[1])
                zk = self.start_zookeeper_process(zk_paths)
            else:
                raise HarnessError("ZooKeeper: no free port after %d attempts" % PORT_ATTEMPTS)
            zk_port = zk[1]
            log("ZooKeeper ready on port %d after %.1f s" % (zk_port, self.elapsed()))
        env = {
            "version": FORMAT_VERSION,
            "dir": self.dir,
            "supervisor_pid": os.getpid(),
            "owner_pid": self.config["owner_pid"],
            "user": USER,
            "password": self.password,
            "host": HOST,
            "mariadb": [],
            "zookeeper": None,
        }
        for i, (proc, port) in enumerate(started):
            p = servers[i]
            env["mariadb"].append({
                "index": i,
                "site": site_name(i),
                "host": HOST,
                "port": port,
                "socket": p["socket"],
                "pid": proc.pid,
                "datadir": p["datadir"],
                "error_log": p["error_log"],
                "client_cnf": p["client_cnf"],
                "server_id": i + 1,
                "gtid_domain_id": i + 1,
                "auto_increment_increment": AUTO_INCREMENT_INCREMENT,
                "auto_increment_offset": i + 1,
                "binlog_basename": os.path.join(p["datadir"], "mariadb-bin"),
            })
        if zk is not None:
            env["zookeeper"] = {
                "connect": "%s:%d" % (HOST, zk_port),
                "host": HOST,
                "port": zk_port,
                "pid": zk[0].pid,
                "datadir": zk_paths["datadir"],
                "config": zk_paths["cfg"],
                "log": zk_paths["log"],
            }
        write_env_files(self.dir, env)
        return env

    # --- supervisor: watching and tearing down ----------------------------------------------

    def watch(self):
        """Returns when the owner is gone, env.json or the folder vanished."""
        owner_pid, owner_start = self.config["owner_pid"], self.config["owner_start"]
        sel = selectors.DefaultSelector()
        owner_fd = None
        if hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                owner_fd = os.pidfd_open(owner_pid)
                sel.register(owner_fd, selectors.EVENT_READ)
        env_path = os.path.join(self.dir, ENV_JSON)
        try:
            while True:
                if not is_alive(owner_pid, owner_start):
                    return "owner pid %d exited" % owner_pid
                if not os.path.exists(env_path):
                    return "%s was removed" % env_path
                sel.select(0.5 if owner_fd is not None else 0.25)
                for pid, proc in list(self.children.items()):
                    if proc.poll() is not None:
                        log("%s (pid %d) exited with status %s"
                            % (self.kind_of(pid), pid, proc.returncode))
                        self.children.pop(pid, None)
        finally:
            sel.close()
            if owner_fd is not None:
                os.close(owner_fd)

    def kind_of(self, pid):
        for p in self.state["processes"]:
            if p["pid"] == pid:
                return p["kind"]
        return "process"

    def teardown(self):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        left = stop_processes(recorded_processes(self.state))
        for proc in self.children.values():
            with contextlib.suppress(Exception):
                proc.poll()
        if left:
            log("processes %s survive SIGKILL; leaving %s" % ([p for p, _ in left], self.dir))
            return
        remove_harness_dir(self.dir, self.state)


def wait_process_or(proc, timeout):
    """Waits up to timeout for proc to exit; used between readiness probes."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=timeout)


def write_env_files(directory, env):
    lines = [
        "version=%d" % env["version"],
        "dir=" + env["dir"],
        "user=" + env["user"],
        "password=" + env["password"],
        "mariadb.count=%d" % len(env["mariadb"]),
    ]
    exports = {
        "FERRY_HARNESS_DIR": env["dir"],
        "FERRY_TEST_USER": env["user"],
        "FERRY_TEST_PASSWORD": env["password"],
        "FERRY_PASSWORD": env["password"],
        "FERRY_MARIADB_COUNT": str(len(env["mariadb"])),
    }
    text_keys = ["site", "host", "port", "socket", "pid", "datadir", "error_log", "client_cnf",
                 "server_id", "gtid_domain_id", "auto_increment_increment",
                 "auto_increment_offset", "binlog_basename"]
    for server in env["mariadb"]:
        i = server["index"]
        for key in text_keys:
            lines.append("mariadb.%d.%s=%s" % (i, key, server[key]))
        for key in ("site", "host", "port", "socket", "pid", "datadir", "client_cnf"):
            exports["FERRY_MARIADB_%d_%s" % (i, key.upper())] = str(server[key])
        exports["FERRY_MARIADB_%d_URL" % i] = "mysql://%s@%s:%d/" % (
            env["user"], server["host"], server["port"])
    zk = env["zookeeper"]
    lines.append("zookeeper.enabled=%d" % (1 if zk else 0))
    if zk:
        for key in ("connect", "host", "port", "pid", "datadir", "log"):
            lines.append("zookeeper.%s=%s" % (key, zk[key]))
        exports["FERRY_ZOOKEEPER"] = zk["connect"]
        exports["FERRY_ZOOKEEPER_PORT"] = str(zk["port"])
    write_atomic(os.path.join(directory, ENV_TXT), "\n".join(lines) + "\n")
    sh = ["# Written by ferry-harness; source it: . %s" % os.path.join(directory, ENV_SH)]
    sh += ["export %s=%s" % (k, shlex.quote(v)) for k, v in exports.items()]
    write_atomic(os.path.join(directory, ENV_SH), "\n".join(sh) + "\n")
    write_atomic(os.path.join(directory, ENV_JSON), json.dumps(env, indent=2) + "\n")


def supervise(directory, config, ready_fd):
    """The supervisor process: start, report on ready_fd, watch, tear down."""

    def on_signal(signum, _frame):
        raise Teardown("signal %d" % signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, on_signal)
    # Orphaned grandchildren (the bootstrap mariadbd of a stopped mariadb-install-db) become
    # the supervisor's to reap, so none is left a zombie.
    _prctl(PR_SET_CHILD_SUBREAPER, 1)
    ready = os.fdopen(ready_fd, "w")
    supervisor = None
    try:
        supervisor = Supervisor(directory, config)
        env = supervisor.start_all()
        ready.write(json.dumps({"ok": True, "env": env}) + "\n")
        ready.flush()
        ready.close()
        ready = None
        log("ready; watching owner pid %d" % config["owner_pid"])
        reason = supervisor.watch()
        log("tearing down: " + reason)
    except Teardown as e:
        log("tearing down: %s" % e)
    except BrokenPipeError:
        log("tearing down: ferry-harness up exited before the servers were ready")
        ready = None
    except HarnessError as e:
        log(str(e))
        if ready is not None:
            with contextlib.suppress(Exception):
                if supervisor is not None:
                    supervisor.teardown()
                ready.write(json.dumps({"ok": False, "error": str(e)}) + "\n")
                ready.close()
            return 1
    except Exception as e:  # report anything unexpected to `up` rather than dying silently
        log("internal error: %r" % e)
        if ready is not None:
            with contextlib.suppress(Exception):
                if supervisor is not None:
                    supervisor.teardown()
                ready.write(json.dumps({"ok": False, "error": "internal error: %r" % e}) + "\n")
                ready.close()
            return 1
    if supervisor is not None:
        supervisor.teardown()
    else:
        remove_harness_dir(directory, None)
    return 0


# --- commands -------------------------------------------------------------------------------


def load_env(directory):
    """The env.json of a running harness as a dict, or None when it is not up."""
    return read_json(os.path.join(directory, ENV_JSON))


def _interrupt(_signum, _frame):
    raise KeyboardInterrupt()


def up(directory=None, mariadb=2, zookeeper=True, owner_pid=None, timeout=START_TIMEOUT_S):
    """Starts a harness in directory (created; a fresh temporary one when None); returns env."""
    if mariadb < 0 or mariadb > AUTO_INCREMENT_INCREMENT:
        raise HarnessError("--mariadb must be between 0 and %d (auto_increment_increment)"
                           % AUTO_INCREMENT_INCREMENT)
    if owner_pid is None:
        owner_pid = os.getppid()
    owner_start = proc_start_time(owner_pid)
    if owner_start is None:
        raise HarnessError("owner pid %d does not exist" % owner_pid)
    for tool in (["mariadb-install-db", "mariadbd", "mariadb"] if mariadb else []):
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            raise HarnessError("%s is not installed; Debian: apt-get install mariadb-server-core"
                               " mariadb-client" % tool)
    sweep_stale()
    if directory is None:
        directory = tempfile.mkdtemp(prefix="ferry-harness-")
    directory = os.path.abspath(directory)
    if os.path.lexists(directory):
        if is_harness_dir(directory):
            state = read_json(os.path.join(directory, STATE_FILE))
            if supervisor_alive(state):
                raise HarnessError("a harness is already up in %s (supervisor pid %d); run"
                                   " `ferry-harness down --dir %s` first"
                                   % (directory, state["supervisor_pid"], directory))
            log("removing the leftovers of an earlier harness in %s" % directory)
            force_teardown(directory)
        elif not os.path.isdir(directory) or os.listdir(directory):
            raise HarnessError("%s exists and was not made by ferry-harness; choose another --dir"
                               " or remove it" % directory)
    os.makedirs(directory, exist_ok=True)
    write_atomic(os.path.join(directory, MARKER_FILE),
                 json.dumps({"created_by": "ferry-harness", "version": FORMAT_VERSION,
                             "created": time.time()}) + "\n", 0o644)
    register(directory)
    if "PATH" in os.environ and "/usr/sbin" not in os.environ["PATH"].split(":"):
        os.environ["PATH"] += ":/usr/sbin"  # mariadbd lives in /usr/sbin on Debian
    config = {"mariadb": mariadb, "zookeeper": zookeeper, "owner_pid": owner_pid,
              "owner_start": owner_start, "timeout": timeout}
    read_end, write_end = os.pipe()
    with open(os.path.join(directory, LOG_FILE), "ab") as log_out:
        supervisor = subprocess.Popen(
            [sys.executable, "-B", os.path.abspath(__file__), "_supervise", "--dir", directory,
             "--config", json.dumps(config), "--ready-fd", str(write_end)],
            stdin=subprocess.DEVNULL, stdout=log_out, stderr=subprocess.STDOUT, cwd="/",
            close_fds=True, pass_fds=(write_end,), start_new_session=True)
    os.close(write_end)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with os.fdopen(read_end, "r") as ready:
            line = ready.readline()
    except KeyboardInterrupt:
        log("interrupted; stopping the supervisor")
        supervisor.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            supervisor.wait(timeout=STOP_TIMEOUT_S + 15)
        force_teardown(directory)
        raise HarnessError("interrupted while starting the servers in %s" % directory)
    finally:
        signal.signal(signal.SIGTERM, previous)
    message = None
    with contextlib.suppress(ValueError):
        message = json.loads(line) if line else None
    if not message:
        supervisor.wait(timeout=STOP_TIMEOUT_S + 15)
        log_tail = tail(os.path.join(directory, LOG_FILE))
        force_teardown(directory)
        raise HarnessError("the supervisor exited (status %s) before the servers were ready:\n%s"
                           % (supervisor.returncode, log_tail))
    if not message.get("ok"):
        with contextlib.suppress(subprocess.TimeoutExpired):
            supervisor.wait(timeout=STOP_TIMEOUT_S + 15)
        if os.path.isdir(directory):
            force_teardown(directory)
        raise HarnessError(message.get("error", "unknown error"))
    return message["env"]


def down(directory):
    """Stops every server of the harness in directory and removes it; a no-op if it is down."""
    directory = os.path.abspath(directory)
    if not os.path.lexists(directory):
        unregister(directory)
        return False
    if not is_harness_dir(directory):
        raise HarnessError("%s has no %s marker, so ferry-harness did not make it; leaving it alone"
                           % (directory, MARKER_FILE))
    state = read_json(os.path.join(directory, STATE_FILE))
    if supervisor_alive(state):
        pid = state["supervisor_pid"]
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        left = wait_gone([(pid, state["supervisor_start"])], STOP_TIMEOUT_S + 15)
        if left:
            log("supervisor pid %d did not finish in time; killing it" % pid)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            wait_gone(left, 10.0)
    force_teardown(directory)
    return True


def status(directory):
    """(all_up, lines) describing each server of the harness in directory."""
    directory = os.path.abspath(directory)
    env = load_env(directory)
    state = read_json(os.path.join(directory, STATE_FILE))
    if env is None:
        return False, ["%s: not up" % directory]
    lines = ["%s: supervisor pid %s %s, owner pid %s" % (
        directory, env["supervisor_pid"], "alive" if supervisor_alive(state) else "GONE",
        env["owner_pid"])]
    all_up = supervisor_alive(state)
    for server in env["mariadb"]:
        ok = is_alive(server["pid"]) and mariadb_greets(server["port"])
        all_up = all_up and ok
        lines.append("mariadb %d site %-3s %s:%d socket %s pid %d: %s" % (
            server["index"], server["site"], server["host"], server["port"], server["socket"],
            server["pid"], "up" if ok else "DOWN"))
    zk = env.get("zookeeper")
    if zk:
        ok = is_alive(zk["pid"]) and zookeeper_ruok(zk["port"])
        all_up = all_up and ok
        lines.append("zookeeper %s pid %d: %s" % (zk["connect"], zk["pid"], "up" if ok else "DOWN"))
    return all_up, lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ferry-harness",
        description="Start and stop the MariaDB and ZooKeeper servers of the integration tests.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{up,down,status}")
    p_up = sub.add_parser("up", help="start servers in DIR and write DIR/env.{json,txt,sh}")
    p_up.add_argument("--dir", help="harness folder (created; default: a new temporary folder)")
    p_up.add_argument("--mariadb", type=int, default=2, metavar="N",
                      help="number of MariaDB servers (sites hz, us, s3, ...); default 2")
    p_up.add_argument("--zookeeper", dest="zookeeper", action="store_true", default=True,
                      help="start a ZooKeeper server (default)")
    p_up.add_argument("--no-zookeeper", dest="zookeeper", action="store_false")
    owner = p_up.add_mutually_exclusive_group()
    owner.add_argument("--owner-pid", type=int, metavar="PID",
                       help="tear everything down when PID exits (default: the parent process)")
    owner.add_argument("--owner-ancestor", metavar="NAME",
                       help="the owner is the nearest ancestor process named NAME (e.g. ctest);"
                            " falls back to the parent process when there is none")
    p_up.add_argument("--timeout", type=float, default=START_TIMEOUT_S, metavar="SECONDS",
                      help="bound on the whole start; default %.0f" % START_TIMEOUT_S)
    p_down = sub.add_parser("down", help="stop everything started in DIR and remove DIR")
    p_down.add_argument("--dir", required=True)
    p_status = sub.add_parser("status", help="show what runs in DIR; exit 0 when all is up")
    p_status.add_argument("--dir", required=True)
    p_sup = sub.add_parser("_supervise")  # internal: the detached supervisor
    p_sup.add_argument("--dir", required=True)
    p_sup.add_argument("--config", required=True)
    p_sup.add_argument("--ready-fd", type=int, required=True)
    args = parser.parse_args(argv)

    try:
        if args.command == "_supervise":
            return supervise(args.dir, json.loads(args.config), args.ready_fd)
        if args.command == "up":
            owner_pid = args.owner_pid
            if args.owner_ancestor:
                owner_pid = find_ancestor(args.owner_ancestor)
                if owner_pid is None:
                    log("no ancestor process named %s; the owner is the parent process"
                        % args.owner_ancestor)
            started = time.monotonic()
            env = up(args.dir, args.mariadb, args.zookeeper, owner_pid, args.timeout)
            elapsed = time.monotonic() - started
            for server in env["mariadb"]:
                print("mariadb %d site %s: %s:%d socket %s" % (
                    server["index"], server["site"], server["host"], server["port"],
                    server["socket"]))
            if env["zookeeper"]:
                print("zookeeper: %s" % env["zookeeper"]["connect"])
            print("user %s, password in %s" % (env["user"], os.path.join(env["dir"], ENV_SH)))
            print("up in %.1f s; owner pid %d; stop with: ferry-harness down --dir %s"
                  % (elapsed, env["owner_pid"], env["dir"]))
            return 0
        if args.command == "down":
            if down(args.dir):
                print("down: %s removed" % os.path.abspath(args.dir))
            else:
                print("down: %s is not up" % os.path.abspath(args.dir))
            return 0
        if args.command == "status":
            all_up, lines = status(args.dir)
            print("\n".join(lines))
            return 0 if all_up else 1
    except HarnessError as e:
        log("error: %s" % e)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
