"""A fingerprint of every table (row count and a digest of the content): equal before and after means the
database was not changed at all — what a refused request (4xx) must leave behind."""

from __future__ import annotations

import hashlib

from sqlalchemy import Engine, select, text

from yidi.store import row_state
from yidi.store.schema import metadata

Fingerprint = dict[str, tuple[int, str]]


def fingerprint(engine: Engine) -> Fingerprint:
    """{table: (rows, digest)} for every yidi table and the audit trail's own tables."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # one statement: each table's rows as text, sorted, hashed there
            q = " UNION ALL ".join(
                f"SELECT '{t.name}', count(*), md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) "
                f'FROM "{t.name}" x' for t in metadata.sorted_tables)
            return {name: (int(n), str(d)) for name, n, d in conn.execute(text(q))}
        out: Fingerprint = {}
        for t in metadata.sorted_tables:
            digests = sorted(row_state.stored_state(t, r, conn.dialect)[1]
                             for r in conn.execute(select(*row_state.read_columns(t))))
            out[t.name] = (len(digests), hashlib.sha256("\n".join(digests).encode()).hexdigest())
        return out


# the rate limiter's counters: an attempt counts whatever its outcome (a refused login or family-link request
# included), which is how the limit works; they record no change of anything
COUNTERS = frozenset({"rate_limit_hits"})


def changed(before: Fingerprint, after: Fingerprint) -> dict[str, tuple[tuple[int, str], tuple[int, str]]]:
    """The tables that differ: (rows, digest) before and after (the rate limiter's counters aside)."""
    return {t: (before.get(t, (0, "")), after.get(t, (0, ""))) for t in sorted(set(before) | set(after))
            if before.get(t) != after.get(t) and t not in COUNTERS}
