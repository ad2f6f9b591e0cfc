"""Adopting rows into the row log at an upgrade (issue 13): the rows the log has no word on yet.

When the row log begins (the upgrade to 0007) every row already in the database is adopted as it stands,
under one chained ROWS_LOG_START record: from then on `yidi audit verify` reports any change made outside
yidi. A later upgrade that changes a table's columns changes every row's digest, so the rows of those
tables (and of tables it creates) are adopted again under a ROWS_BASELINE record. Adopted lines carry the
before-digest ADOPTED: no earlier state is vouched for. Run `yidi audit verify` before an upgrade: an
edit made outside yidi in a table the upgrade reshapes is adopted with it (docs/security.md).

Runs in the migration's own transaction (yidi.store.migrate.upgrade), so an upgrade is whole or not at all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Table, func, insert, inspect, select

from yidi.store import audit_chain, audit_lanes, row_state
from yidi.store.auth_models import AuditRowLogRow
from yidi.store.schema import metadata
from yidi.store.settlement_models import AuditRow

_BATCH = 5000


def table_columns(conn: Connection) -> dict[str, frozenset[str]]:
    """The columns of every table in the database now."""
    insp = inspect(conn)
    return {t: frozenset(c["name"] for c in insp.get_columns(t)) for t in insp.get_table_names()}


def after_upgrade(conn: Connection, before: dict[str, frozenset[str]], from_rev: str | None, to_rev: str) -> int:
    """Adopt the rows of the tables this upgrade created or reshaped (all of them when the log begins);
    returns how many rows were adopted. Nothing is written on an empty database."""
    starting = AuditRowLogRow.__tablename__ not in before
    tables = [t for t in metadata.sorted_tables if t.name not in audit_chain.SKIP_TABLES
              and (starting or before.get(t.name) != frozenset(c.name for c in t.columns))]
    counts = {t.name: int(conn.scalar(select(func.count()).select_from(t)) or 0) for t in tables}
    chained = int(conn.scalar(select(func.count()).select_from(AuditRow)) or 0)
    if not any(counts.values()) and not (starting and chained):
        return 0
    reason = "the row log begins" if starting else "the upgrade changed these tables' columns"
    adopt(conn, [t for t in tables if counts[t.name]], row_state.LOG_START if starting else row_state.BASELINE,
          f"{from_rev or 'empty'}->{to_rev}", {"reason": reason, "rows": {k: v for k, v in counts.items() if v}})
    return sum(counts.values())


def adopt(conn: Connection, tables: list[Table], action: str, object_id: str, detail: dict[str, Any]) -> None:
    """Log every row of `tables` as it stands under one new chained record."""
    dialect = conn.dialect
    places = audit_lanes.take(conn, audit_lanes.lane_of("audit_row_log", object_id[:64]), 1)
    seq = places.seqs[0]
    befores, afters = row_state.ListDigest(), row_state.ListDigest()
    batch: list[dict[str, Any]] = []
    for table in tables:
        rows = conn.execute(select(*row_state.read_columns(table)).execution_options(yield_per=_BATCH))
        for row in rows:
            key, d = row_state.stored_state(table, row, dialect)
            befores.add(row_state.ADOPTED)
            afters.add([table.name, key, d])
            batch.append({"seq": seq, "ord": afters.count - 1, "table_name": table.name, "row_key": key,
                          "before": row_state.ADOPTED, "after": d})
            if len(batch) >= _BATCH:
                conn.execute(insert(AuditRowLogRow), batch)
                batch = []
    if batch:
        conn.execute(insert(AuditRowLogRow), batch)
    who = audit_chain.actor()
    rec = AuditRow(actor_role=who.role, actor=who.actor[:40], action=action, object_type="audit_row_log",
                   object_id=object_id[:64], detail=detail)
    audit_lanes.place([rec], places, dt.datetime.now(dt.UTC).replace(tzinfo=None),
                      befores.hexdigest() if befores.count else "", afters.hexdigest() if afters.count else "")
    conn.execute(insert(AuditRow).values(audit_chain.record_values(rec)))
    conn.execute(audit_lanes.head_moved(places.lane, rec.entry_hash))
