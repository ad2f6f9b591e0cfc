"""A private PostgreSQL cluster for tests that kill the database itself (issue 13, proof 3).

`initdb` + `pg_ctl` from the installed PostgreSQL (/usr/lib/postgresql/<version>/bin, or YIDI_PG_BIN), in a
temporary folder, on a free port, listening on 127.0.0.1 only (no Unix socket), trust authentication. PostgreSQL refuses to
run as root: when the tests run as root the cluster is run by the `postgres` system user (runuser), in a
folder that user owns. Under CI=true missing binaries fail the test instead of skipping it.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.support.net import free_port


def _bin_dir() -> Path | None:
    env = os.environ.get("YIDI_PG_BIN")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


class Cluster:
    """One cluster: start, kill the postmaster with SIGKILL, start again (crash recovery)."""

    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None or not (bin_dir / "initdb").exists():
            why = "no PostgreSQL server binaries (initdb, pg_ctl) found: install postgresql or set YIDI_PG_BIN"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(why)
            pytest.skip(why)
        self.bin = bin_dir
        self.as_root = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="yidi-pgcluster-", dir="/tmp"))
        self.data = self.root / "data"
        self.port = free_port()
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{tool} failed: {out.stdout}\n{out.stderr}\n{self.log()}"

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-t", "60", "-o",
                  f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start")

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def kill_postmaster(self) -> list[int]:
        """SIGKILL the postmaster; returns the pids of its server processes (which then die on their own)."""
        pm = psutil.Process(self.postmaster_pid())
        children = [c.pid for c in pm.children(recursive=True)]
        os.kill(pm.pid, signal.SIGKILL)
        return [pm.pid, *children]

    def wait_gone(self, pids: list[int], timeout: float = 60) -> None:
        """Until every old server process has exited: a new postmaster refuses to start beside them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not [p for p in pids if _running(p)]:
                break
            time.sleep(0.1)
        else:
            for p in pids:  # a backend still busy after a minute: the test has waited long enough
                if _running(p):
                    os.kill(p, signal.SIGKILL)
            time.sleep(0.5)
        # In a container whose first process does not reap orphans, the dead postmaster stays a zombie and
        # PostgreSQL would take its lock file for a live server: remove the lock of a process that is dead.
        for lock in [self.data / "postmaster.pid", *self.root.glob(".s.PGSQL.*.lock")]:
            if lock.exists() and not _running(int(lock.read_text().split()[0])):
                lock.unlink()

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                pids = self.kill_postmaster()
                self.wait_gone(pids, timeout=20)
        except (OSError, psutil.Error, ValueError):
            pass
        shutil.rmtree(self.root, ignore_errors=True)
