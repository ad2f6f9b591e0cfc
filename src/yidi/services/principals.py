"""The principal an account holds now, read from its row (user account or hospital key) for every token.

A signed token names its account (`u:<user id>` or `k:<key id>`) and what it claimed when issued (role,
subject, duties, user). The claims count only while the account's row still says the same, and the
principal used is the row's: a token claiming agency for a person's account, or issued before the
account's duties changed, is refused (the caller logs in again).

Each check is one primary-key read, remembered per database for CACHE_SECONDS; only a live, agreeing
answer is served from memory (a refusal is always confirmed by a fresh read). A change made in this
process (account disabled, password changed, key revoked) clears the memory at once; a change made by
another process (the CLI) is seen within CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable

from yidi.services.access import Duty, Principal, Role
from yidi.services.context import Context

CACHE_SECONDS = 10.0
_MAX_ENTRIES = 10_000
# per database (the context's engine): tests and tools may hold several at once
_cache: weakref.WeakKeyDictionary[object, dict[str, tuple[Principal | None, float]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def user_principal(role: str, subject: str, duties: Iterable[str], username: str) -> Principal:
    """The principal of a user account's fields (the one place a user row becomes a principal)."""
    return Principal(Role(role), subject, frozenset(Duty(d) for d in duties if d), username)


def key_principal(key_id: str, institution: str) -> Principal:
    """The principal of a hospital API key: the institution its row names."""
    return Principal(Role.HOSPITAL, institution, user=f"key:{key_id}")


def forget() -> None:
    """Drop what is remembered (after an account or key changed in this process)."""
    with _lock:
        _cache.clear()


def _read(ctx: Context, account: str) -> Principal | None:
    kind, _, ident = account.partition(":")
    with ctx.uow() as uow:
        if kind == "u" and ident.isascii() and ident.isdigit() and len(ident) <= 18:
            user = uow.users.by_id(int(ident))
            if user is not None and user.active:
                return user_principal(user.role, user.subject, user.duties, user.username)
        elif kind == "k" and 0 < len(ident) <= 24:
            key = uow.hospital_keys.get(ident)
            if key is not None and not key.revoked:
                return key_principal(key.key_id, key.institution)
    return None


def remembered(ctx: Context, account: str, claimed: Principal) -> Principal | None:
    """The account's principal when a read within CACHE_SECONDS found it live and agreeing, else None
    (no database: a miss or a refusal is for `current` to confirm)."""
    with _lock:
        hit = _cache.get(ctx.engine, {}).get(account)
    return hit[0] if hit is not None and hit[1] > time.monotonic() and hit[0] == claimed else None


def current(ctx: Context, account: str, claimed: Principal) -> Principal | None:
    """The account's principal when the account is live and agrees with what the token claimed, else None."""
    known = remembered(ctx, account, claimed)
    if known is not None:
        return known
    now = time.monotonic()
    found = _read(ctx, account)
    with _lock:
        per_db = _cache.setdefault(ctx.engine, {})
        if len(per_db) > _MAX_ENTRIES:  # bounded: a flood of distinct accounts cannot grow memory forever
            per_db.clear()
        per_db[account] = (found, now + CACHE_SECONDS)
    return found if found == claimed else None
