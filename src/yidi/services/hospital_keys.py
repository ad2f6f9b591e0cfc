"""Hospital API keys: create (the secret is shown once), verify, revoke; secrets hashed at rest with scrypt.

A key reads `yk_<key id>.<secret>`. The key id is public and finds the row; the secret is checked against
an scrypt hash (memory-hard: 16 MiB per try), so a stolen table does not give working keys. Because
scrypt is deliberately slow (~50 ms), a successful check is remembered in process memory, keyed by a SHA-256
of the whole key, with the stored hash it matched; the key's row is read again every LIVE_SECONDS, and a
revoked key stops working within that time at most. scrypt runs again only when that row's hash is no longer
the one the key matched: the same key against the same hash can only give the same answer, and re-checking it
every minute made every hospital's requests in each worker wait ~50–100 ms once a minute (benchmarks/README.md).
A server keeps the rows of keys in use fresh in the background (`keep_fresh`): read again shortly before they are
LIVE_SECONDS old, so a hospital's requests do not wait for that read, and a revocation still counts within
LIVE_SECONDS.

This module is small on purpose: issue 8 may replace it with OAuth2 client credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.services import principals
from yidi.services.context import Context
from yidi.store.repositories.accounts import HospitalKey

PREFIX = "yk_"
_N, _R, _P = 2**14, 8, 1  # scrypt cost: 128 * r * n bytes = 16 MiB of memory per check
LIVE_SECONDS = 10.0  # whether the key is still live (not revoked) read at most this often: as tokens' accounts
REFRESH_AHEAD = 3.0  # the background read of a key in use comes this long before its row is LIVE_SECONDS old
IN_USE_SECONDS = 300.0  # a key seen within this long is kept fresh; after that its next request reads the row
_log = logging.getLogger("yidi.security")


def _hash(secret: str, salt: str) -> str:
    return hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=_N, r=_R, p=_P, maxmem=64 * 1024 * 1024,
                          dklen=32).hex()


@dataclass(frozen=True, slots=True)
class NewKey:
    key_id: str
    institution: str
    key: str  # shown once, never stored


def create_key(ctx: Context, institution: str, *, actor: str = "cli") -> NewKey:
    """Make a new key for an institution; returns the full key, which is not stored anywhere."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(24)
    salt = secrets.token_hex(16)
    with ctx.uow() as uow:
        if uow.institutions.get(institution) is None:
            raise error("INSTITUTION_UNKNOWN", institution=institution)
        uow.hospital_keys.add(HospitalKey(key_id, institution, salt, _hash(secret, salt)), actor=actor)
    return NewKey(key_id, institution, f"{PREFIX}{key_id}.{secret}")


def revoke_key(ctx: Context, key_id: str, *, actor: str = "cli") -> None:
    with ctx.uow() as uow:
        if uow.hospital_keys.revoke(key_id, actor=actor) is None:
            raise error("KEY_NOT_FOUND", key_id=key_id)
    _forget_all()
    principals.forget()  # tokens from this key's client credentials stop too


def list_keys(ctx: Context, institution: str | None = None) -> list[HospitalKey]:
    with ctx.uow() as uow:
        return uow.hospital_keys.of_institution(institution)


def _invalid() -> YidiError:
    return error("AUTH_INVALID", detail_zh="API 密钥无效或已停用", detail_en="invalid or revoked API key")


_cache: dict[str, tuple[str, str, str, float]] = {}  # digest -> (institution, key id, the salt and hash it matched, live until)
_lock = threading.Lock()
_checks: dict[str, threading.Lock] = {}  # digest -> the lock its scrypt check holds, while one runs
_used: dict[str, float] = {}  # digest -> when a request last came with it (the background read keeps these fresh)


def _forget_all() -> None:
    with _lock:
        _cache.clear()
        _used.clear()


def remembered(key: str) -> str | None:
    """The institution of a key verified and seen live within LIVE_SECONDS (no database, no scrypt), else None."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    now = time.monotonic()
    with _lock:
        hit = _cache.get(digest)
        if hit is None or hit[3] <= now:
            return None
        _used[digest] = now
    return hit[0]


def verify(ctx: Context, key: str) -> str:
    """The institution a key belongs to, or AUTH_INVALID (401). A revocation made in this process counts at once,
    one made by another process (the CLI) within LIVE_SECONDS: a key verified before is read again (its row by
    primary key) once it has not been seen live for LIVE_SECONDS, without scrypt while the row's salt and hash
    are those it matched."""
    known = remembered(key)
    if known is not None:
        return known
    digest = hashlib.sha256(key.encode()).hexdigest()
    now = time.monotonic()
    if not key.startswith(PREFIX) or "." not in key or len(key) > 200:
        raise _invalid()
    key_id, _, secret = key[len(PREFIX):].partition(".")
    with _lock:
        hit = _cache.get(digest)
    with ctx.uow() as uow:
        found = uow.hospital_keys.get(key_id)
    if found is None or found.revoked:
        with _lock:
            _cache.pop(digest, None)
        raise _invalid()
    matched = f"{found.salt}${found.secret_hash}"
    if not _matched_before(hit, key_id, matched):
        # one scrypt per key at a time in this process: the requests that arrive with a key while it is being
        # checked (a worker's first minute, after a restart) wait for that check instead of each running their own
        with _checking(digest):
            with _lock:
                hit = _cache.get(digest)
            if not _matched_before(hit, key_id, matched) and \
                    not hmac.compare_digest(_hash(secret, found.salt), found.secret_hash):
                raise _invalid()
            _remember(digest, found.institution, key_id, matched, now)
        return found.institution
    _remember(digest, found.institution, key_id, matched, now)
    return found.institution


def _matched_before(hit: tuple[str, str, str, float] | None, key_id: str, matched: str) -> bool:
    """Whether this key (by its digest) was checked against this very salt and hash before."""
    return hit is not None and hit[1] == key_id and hmac.compare_digest(hit[2], matched)


def _remember(digest: str, institution: str, key_id: str, matched: str, now: float) -> None:
    with _lock:
        if len(_cache) > 10_000:  # bounded: a flood of distinct valid keys cannot grow memory forever
            _cache.clear()
        _cache[digest] = (institution, key_id, matched, now + LIVE_SECONDS)
        _used[digest] = now


def refresh_once(ctx: Context) -> int:
    """Read again, in one unit of work, the rows of the keys in use (seen within IN_USE_SECONDS) whose last read
    is nearly LIVE_SECONDS old; a key still live with the salt and hash it matched stays remembered for
    LIVE_SECONDS from before this read, any other (revoked, gone, hash replaced) is forgotten, so its next
    request reads the row itself and is refused or checked with scrypt again. Returns how many keys were read."""
    now = time.monotonic()  # taken before the read: a key's live window never reaches past what was read
    with _lock:
        for d in [d for d, t in _used.items() if now - t >= IN_USE_SECONDS]:
            del _used[d]
        due = {d: hit for d, hit in _cache.items() if d in _used and hit[3] - now < REFRESH_AHEAD}
    if not due:
        return 0
    with ctx.uow() as uow:
        uow.read_only()
        rows = {key_id: uow.hospital_keys.get(key_id) for key_id in sorted({hit[1] for hit in due.values()})}
    with _lock:
        for d, hit in due.items():
            row = rows[hit[1]]
            if _cache.get(d) is not hit:  # a request or a revocation in this process got there first
                continue
            if row is None or row.revoked or not hmac.compare_digest(f"{row.salt}${row.secret_hash}", hit[2]):
                del _cache[d]
                _used.pop(d, None)
            else:
                _cache[d] = (row.institution, hit[1], hit[2], now + LIVE_SECONDS)
    return len(rows)


def keep_fresh(ctx: Context, every: float = 1.0) -> Callable[[], None]:
    """Run `refresh_once` every `every` seconds in a thread of this process (a server's workers each run their
    own); returns the function that stops it. A failed read is logged and tried again at the next turn: until
    then the keys' own requests read their rows, as without this thread."""
    stop = threading.Event()

    def turn() -> None:
        while not stop.wait(every):
            try:
                refresh_once(ctx)
            except Exception:
                _log.exception("hospital keys: the background read of keys in use failed; requests read them")

    thread = threading.Thread(target=turn, name="yidi-hospital-keys", daemon=True)
    thread.start()

    def stop_it() -> None:
        stop.set()
        thread.join(timeout=10)

    return stop_it


@contextmanager
def _checking(digest: str) -> Iterator[None]:
    """Hold the one lock of a key's digest while its secret is checked (dropped after: no lock is kept per key)."""
    with _lock:
        mine = _checks.setdefault(digest, threading.Lock())
    with mine:
        try:
            yield
        finally:
            with _lock:
                if _checks.get(digest) is mine:
                    del _checks[digest]
