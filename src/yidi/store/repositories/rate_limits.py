"""Repository of rate-limit hits (failed logins, family-link requests): kept in the database, so that every
worker process counts the same attempts and a restart forgets none."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from yidi.store.auth_models import RateLimitHitRow


class RateLimitRepository(Protocol):
    """Hits per key (an account name, a client address, a requester), each with its time."""

    def recent(self, keys: Sequence[str], since: dt.datetime) -> dict[str, tuple[int, dt.datetime]]:
        """Per key with hits after `since`: how many, and the oldest of them."""
        ...

    def hit(self, keys: Sequence[str], at: dt.datetime, *, forget_before: dt.datetime) -> None:
        """One hit for each key at `at`; hits of these keys before `forget_before` are dropped (kept small)."""
        ...

    def clear(self, key: str) -> None: ...


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)  # SQLite gives back naive UTC


class RateLimits:
    """The SQL rate-limit hits (table rate_limit_hits; counters, not records: outside the audit chain)."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def recent(self, keys: Sequence[str], since: dt.datetime) -> dict[str, tuple[int, dt.datetime]]:
        q = (select(RateLimitHitRow.key, func.count(), func.min(RateLimitHitRow.at))
             .where(RateLimitHitRow.key.in_(list(keys)), RateLimitHitRow.at > since).group_by(RateLimitHitRow.key))
        return {k: (int(n), _aware(oldest)) for k, n, oldest in self.s.execute(q)}

    def hit(self, keys: Sequence[str], at: dt.datetime, *, forget_before: dt.datetime) -> None:
        self.s.execute(delete(RateLimitHitRow).where(RateLimitHitRow.key.in_(list(keys)),
                                                     RateLimitHitRow.at <= forget_before))
        self.s.add_all(RateLimitHitRow(key=k, at=at) for k in keys)

    def clear(self, key: str) -> None:
        self.s.execute(delete(RateLimitHitRow).where(RateLimitHitRow.key == key))
