"""Where the signing secret comes from: `YIDI_SECRET_KEY`, a secret file beside the SQLite database, or
a random key for this process only. No published key signs anything.

| store | `YIDI_SECRET_KEY` unset |
|---|---|
| SQLite file (`make demo`, `yidi serve`) | `<database file>.secret`: made on first start (random, mode 0600, written to a temporary file and linked into place so a second process never sees half of it); reused on every later start, so tokens survive a restart. Start is refused when the file is readable by others, unreadable or too short. |
| SQLite in memory (tests) | a random secret of this process (the data dies with it too) |
| PostgreSQL | start is refused (CONFIG_SECRET_MISSING) — unless `YIDI_DEV_HEADERS=1`, where anyone may claim any role anyway: then a random secret of this process, tokens end with it |
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from yidi.domain.error_catalogue import error

log = logging.getLogger("yidi.security")

TOKEN_MINUTES = 60
MIN_SECRET = 16  # characters of YIDI_SECRET_KEY
MIN_FILE_SECRET = 32  # characters of a secret file (yidi writes 43)
_ON = ("1", "true", "yes", "on")


def secret_file_for(database_url: str) -> Path | None:
    """`<database file>.secret` for a SQLite file database, else None (memory or another database)."""
    u = make_url(database_url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:" or u.database.startswith("file:"):
        return None
    db = Path(u.database).expanduser()
    return db.with_name(db.name + ".secret")


def read_secret_file(path: Path) -> bytes:
    """The secret in `path`, or a refusal saying what is wrong with the file (never its content)."""
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            raise error("CONFIG_SECRET_FILE", path=path)
        if st.st_mode & 0o077:
            raise error("CONFIG_SECRET_PERMISSIONS", path=path, mode=stat.S_IMODE(st.st_mode))
        data = path.read_bytes().strip()
    except OSError as exc:
        raise error("CONFIG_SECRET_UNREADABLE", path=path, strerror=exc.strerror) from None
    if len(data) < MIN_FILE_SECRET:
        raise error("CONFIG_SECRET_WEAK", what_zh=f"密钥文件 {path} 的内容", what_en=f"secret file {path}", limit=MIN_FILE_SECRET)
    return data


def load_or_create_secret(path: Path) -> bytes:
    """Read the secret beside the database, making it first if there is none (race-safe between processes)."""
    if not path.exists() and not path.is_symlink():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # 0600 from the first byte, whatever umask
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_urlsafe(32).encode() + b"\n")
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # publish whole, and never over a file another process published first
                log.warning("made a new signing secret in %s (keep it with the database, mode 0600)", path)
            except FileExistsError:
                pass
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return read_secret_file(path)


@dataclass(frozen=True)
class AuthConfig:
    """What authentication needs from configuration: the signing secret and whether dev headers count."""

    secret: bytes
    dev_headers: bool = False
    secure_cookies: bool = False  # set the Secure flag (behind HTTPS)
    token_minutes: int = TOKEN_MINUTES
    source: str = "given"  # env / file:<path> / process

    @classmethod
    def from_env(cls, database_url: str) -> AuthConfig:
        """`YIDI_SECRET_KEY` (required on PostgreSQL), `YIDI_DEV_HEADERS=1`, `YIDI_SECURE_COOKIES=1`."""
        dev_headers = os.environ.get("YIDI_DEV_HEADERS", "").strip().lower() in _ON
        secure = os.environ.get("YIDI_SECURE_COOKIES", "").strip().lower() in _ON
        key = os.environ.get("YIDI_SECRET_KEY", "")
        if key:
            if len(key) < MIN_SECRET:
                raise error("CONFIG_SECRET_WEAK", what_zh="YIDI_SECRET_KEY ", what_en="YIDI_SECRET_KEY", limit=MIN_SECRET)
            return cls(key.encode(), dev_headers, secure, source="env")
        file = secret_file_for(database_url)
        if file is not None:
            return cls(load_or_create_secret(file), dev_headers, secure, source=f"file:{file}")
        if make_url(database_url).get_backend_name() == "sqlite" or dev_headers:
            log.warning("YIDI_SECRET_KEY is not set: tokens are signed with a random key of this process only")
            return cls(secrets.token_bytes(32), dev_headers, secure, source="process")
        raise error("CONFIG_SECRET_MISSING")

    def key(self, purpose: str) -> bytes:
        # one secret, separate keys per use: a CSRF token can never pass as an access token
        return hmac.new(self.secret, f"yidi:{purpose}".encode(), hashlib.sha256).digest()
