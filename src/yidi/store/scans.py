"""Scanned papers of manual claims as files named by their SHA-256 under <data>/scans/ab/cd/: the same paper
twice is one file, a file is written whole or not at all, and one that no longer hashes to its name is
detected on reading. A file is written before the row that names it: a file whose row never commits is an
unreferenced blob, never half a claim."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError


def storage_full() -> YidiError:
    """507 STORAGE_FULL: a file could not be written (disk full or any OS write error); nothing was kept."""
    return error("STORAGE_FULL")


class ScanStore:
    """Content-addressed scans under `<root>/scans`."""

    def __init__(self, root: Path) -> None:
        self.root = root / "scans"

    def path(self, sha: str) -> Path:
        return self.root / sha[:2] / sha[2:4] / sha

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.exists():
            return sha
        tmp: str | None = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            # write then rename: a reader never sees half a file, and two writers of one paper agree
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".up-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
            tmp = None
        except OSError as exc:  # disk full (ENOSPC), quota, read-only: no half file stays, nothing is recorded
            raise storage_full() from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
        return sha

    def get(self, sha: str) -> bytes:
        data = self.path(sha).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha:
            raise RuntimeError(f"scan {sha} is corrupt on disk")
        return data
