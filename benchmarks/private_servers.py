"""A PostgreSQL cluster and a Redis of one's own, on free loopback ports, for benchmarks/faults.py.

The fault scenarios stop and restart these; the machine's shared servers are never touched.
initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user.
"""

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing answered on port {port}")


class PrivateRedis:
    """redis-server in the foreground. Without persistence a kill loses everything it held;
    with `persists` it writes an append-only file, fsynced on every write, and reloads it."""

    def __init__(self, workdir, persists=False):
        self.port = free_port()
        self.workdir = Path(workdir)
        self.log = self.workdir / "redis.log"
        self.persists = persists
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                   "--save", "", "--daemonize", "no", "--dir", str(self.workdir)]  # fmt: skip
        if self.persists:
            command += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            command += ["--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=self.log.open("a"), stderr=subprocess.STDOUT
        )
        wait_for_port(self.port)

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.stop()


class PrivatePostgres:
    """A throw-away cluster (initdb) with trust authentication on 127.0.0.1 only."""

    def __init__(self):
        versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version)
        if not versions:
            raise SystemExit("PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin")
        self.bin = Path(versions[-1])
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="lifescope-faults-pg-"))
        self.data = self.root / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/lifescope"
        self.as_owner = []
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def pg(self, program, *arguments):
        subprocess.run(
            [*self.as_owner, str(self.bin / program), *arguments],
            check=True,
            capture_output=True,
            cwd=self.root,
        )

    def start(self):
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 "
            f"-c unix_socket_directories={self.root} -c max_connections=100"
        )
        log = str(self.root / "postgres.log")
        self.pg("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")

    def stop(self, mode="fast"):
        self.pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def __enter__(self):
        self.pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self.start()
        self.pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "lifescope")
        return self

    def __exit__(self, *exc):
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def _version(path):
    return int(Path(path).parent.name.split(".")[0])
