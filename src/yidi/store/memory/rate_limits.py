"""In-memory twin of the rate-limit hits repository."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from yidi.store.memory.tables import Tables


class MemoryRateLimits:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def recent(self, keys: Sequence[str], since: dt.datetime) -> dict[str, tuple[int, dt.datetime]]:
        out: dict[str, tuple[int, dt.datetime]] = {}
        for k, at in self.t.rate_limit_hits:
            if k in keys and at > since:
                n, oldest = out.get(k, (0, at))
                out[k] = (n + 1, min(oldest, at))
        return out

    def hit(self, keys: Sequence[str], at: dt.datetime, *, forget_before: dt.datetime) -> None:
        self.t.rate_limit_hits = [(k, t) for k, t in self.t.rate_limit_hits if not (k in keys and t <= forget_before)]
        self.t.rate_limit_hits.extend((k, at) for k in keys)

    def clear(self, key: str) -> None:
        self.t.rate_limit_hits = [(k, t) for k, t in self.t.rate_limit_hits if k != key]
