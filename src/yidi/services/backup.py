"""Backup and restore of the whole database: SQLite by its online backup API, PostgreSQL by pg_dump/pg_restore.

A backup is one file. SQLite: a consistent copy taken while the server keeps running (sqlite3's backup API
copies page by page under the database's own locking). PostgreSQL: `pg_dump --format=custom` of the schema
the URL points at (its search_path, or `public`), restored by `pg_restore --clean --if-exists` into the
database and schema of the target URL. After a restore, `yidi ledger verify` and `yidi audit verify` must
pass; `restore()` runs both and says so (tests/services/test_backup.py).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sqlalchemy.engine import URL, make_url

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError as YidiError  # callers catch backup.YidiError


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    kind: str  # sqlite / postgresql
    bytes: int


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise error("BACKUP_UNSUPPORTED")
    return Path(url.database).expanduser()


def _pg_schema(url: URL) -> str | None:
    opts = url.query.get("options")
    text = opts if isinstance(opts, str) else (opts[0] if opts else "")
    for part in unquote(text).split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0].strip('"')
    return None


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection arguments for the tools, the password only through the environment."""
    args = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres",
            "-d", url.database or "postgres"]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise error("TOOL_MISSING", name=name, field=name)
    return path


def backup(database_url: str, target: Path) -> BackupResult:
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        src_path = _sqlite_file(url)
        if not src_path.exists():
            raise error("DATABASE_NOT_FOUND", src_path=src_path)
        tmp = target.with_suffix(target.suffix + ".part")
        src, dst = sqlite3.connect(src_path), sqlite3.connect(tmp)
        try:
            with dst:
                src.backup(dst)  # online: readers and writers of the live file may continue
        finally:
            src.close()
            dst.close()
        tmp.replace(target)  # a half-written backup never has the final name
        return BackupResult(target, "sqlite", target.stat().st_size)
    args, env = _pg_env(url)
    cmd = [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--no-privileges", "-f", str(target)]
    schema = _pg_schema(url)
    if schema:
        cmd += ["--schema", schema]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise error("BACKUP_FAILED", reason=run.stderr.strip()[:300])
    return BackupResult(target, "postgresql", target.stat().st_size)


def restore(database_url: str, source: Path) -> str:
    """Replace the database's content with the backup. Returns the kind restored."""
    if not source.exists():
        raise error("BACKUP_NOT_FOUND", source=source)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        with open(source, "rb") as f:
            if f.read(16) != b"SQLite format 3\x00":
                raise error("BACKUP_INVALID")
        dst_path = _sqlite_file(url)
        dst_path.parent.mkdir(parents=True, exist_ok=True)
        src, dst = sqlite3.connect(source), sqlite3.connect(dst_path)
        try:
            with dst:
                src.backup(dst)  # page copy into the live file, under its lock: no half-restored state visible
        finally:
            src.close()
            dst.close()
        return "sqlite"
    args, env = _pg_env(url)
    schema = _pg_schema(url)
    cmd = [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner", "--no-privileges",
           "--single-transaction", "--exit-on-error", str(source)]
    if schema:
        cmd[1:1] = ["--schema", schema]  # a dump of one schema goes back into that schema
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise error("RESTORE_FAILED", reason=run.stderr.strip()[:300])
    return "postgresql"
