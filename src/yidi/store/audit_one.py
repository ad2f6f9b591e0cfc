"""A transaction's one audit record, its row log and its lane's head in ONE statement on PostgreSQL (issue 15).

The usual commit (a settle's, a register's, an upload's: one record the use case deferred) used to send two
statements under its lane's lock: `take` (the places), then, once Python had hashed the record, the record, the
row log and the head's hash. Here PostgreSQL does it all in one statement, built once:
- `chain_head` locks the lane's head row (FOR UPDATE; under READ COMMITTED the row as the lock found it, the
  newest) and reads its place and hash: the record's `prev_hash` is that OLD hash (PostgreSQL 15 has no
  RETURNING OLD, so it is read before the head is written);
- `chain_place` takes the global place from the sequence in a CTE of its own ABOVE the lock: a `nextval` in the
  locking SELECT's own column list would be evaluated before its row is locked, and within a lane `seq` must
  rise with `lane_seq` (yidi.store.audit_lanes);
- `chain_entry` hashes the record: Python sends `entry_hash`'s canonical text around its three holes
  (audit_lanes.entry_text_holes), PostgreSQL fills in the places and the previous hash and takes the SHA-256 of
  the UTF-8 text, so `yidi audit verify` (Python's `entry_hash`) recomputes the same hash;
- then the head moves to the new place and hash, the record goes in, and the row log under the record's seq.
A database without head rows yet inserts nothing (no head to lock): the heads are made and the statement runs
again. The transaction's last statement may also carry its COMMIT in the same round trip (`commit`), once this
process has seen the heads there: then a lane without its head must not let COMMIT through without the record,
so that statement reads the head through an outer join, and a missing head gives the record a NULL previous
hash, which its NOT NULL column refuses (the server then skips the COMMIT). Heads are never deleted by yidi: one
missing after that is someone's hand, which `yidi audit verify` reports too.
"""

from __future__ import annotations

import weakref
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlalchemy.engine import Engine

from yidi.store import audit_lanes, prebuilt
from yidi.store.audit_record import Chained
from yidi.store.auth_models import AUDIT_SEQ, AuditHeadRow, AuditRowLogRow
from yidi.store.settlement_models import AuditRow

RECORD_COLUMNS = ("at", "actor_role", "actor", "action", "object_type", "object_id", "detail", "seq", "lane",
                  "lane_seq", "prev_hash", "entry_hash", "before_digest", "after_digest")
# the row log's lines, one JSON parameter (json_to_recordset)
LOG_LINES = func.json_to_recordset(bindparam("row_log_lines", type_=JSON)).table_valued(
    column("seq", Integer), column("ord", Integer), column("table_name", Text), column("row_key", Text),
    column("before", Text), column("after", Text)).render_derived(name="lines", with_types=True)
LOG_COLUMNS = ("seq", "ord", "table_name", "row_key", "before", "after")


# the engines whose database had every lane's head when this process looked (heads are made once, never deleted)
_HEADS_SEEN: weakref.WeakSet[Engine] = weakref.WeakSet()


def write(conn: Connection, rec: Chained, lane: int, lines: list[dict[str, Any]], *, commit: bool = False) -> None:
    """Chain `rec` (its `at` and digests set) into `lane` and insert it with the row log `lines` (without their
    `seq`: the record's): one statement, PostgreSQL, up to COMMIT holding the lane's lock. With `commit` (the
    transaction's last statement), COMMIT goes with it in one round trip when it can (prebuilt.run_and_commit);
    otherwise the caller's commit sends it, and after a COMMIT sent here that commit sends nothing."""
    rec.lane = lane  # entry_text_holes hashes the lane
    head, lane_part, mid, tail = audit_lanes.entry_text_holes(rec)
    params: dict[str, Any] = {"lane": lane, "e_head": head, "e_lane": lane_part, "e_mid": mid, "e_tail": tail,
                              **{f"rec_{c}": getattr(rec, c) for c in _GIVEN}}
    if lines:
        params["row_log_lines"] = lines
    if commit and conn.engine in _HEADS_SEEN:
        prebuilt.run_and_commit(conn, _GUARDED_AND_LOG if lines else _GUARDED_ONLY, params)
        return
    stmt = _RECORD_AND_LOG if lines else _RECORD_ONLY
    if prebuilt.sent(stmt, conn).run(conn, params).rowcount == 0:  # no head row to lock: a fresh database
        audit_lanes.make_heads(conn)
        prebuilt.sent(stmt, conn).run(conn, params)
    else:  # the lane's head was there before this transaction (a head made by it would have been made just above)
        _HEADS_SEEN.add(conn.engine)


# the record's columns Python gives (the others come from the lane's head and the sequence)
_GIVEN = ("at", "actor_role", "actor", "action", "object_type", "object_id", "detail", "before_digest",
          "after_digest")
_TYPES = {c: AuditRow.__table__.c[c].type for c in _GIVEN}


def _statements(guarded: bool) -> tuple[Any, Any]:
    """(record and row log, record only); `guarded`: the head read through an outer join (no head: NULLs that the
    record's NOT NULL previous hash refuses, instead of nothing inserted)."""
    lane = bindparam("lane", type_=Integer)
    head = (select(AuditHeadRow.seq, AuditHeadRow.hash).where(AuditHeadRow.id == lane).with_for_update()
            .cte("chain_head").prefix_with("MATERIALIZED"))
    src: Any = head
    if guarded:
        src = select(literal_column("1", Integer).label("one")).subquery("chain_one").outerjoin(head, true())
    place = (select((head.c.seq + literal_column("1", Integer)).label("lane_seq"), head.c.hash.label("prev"),
                    AUDIT_SEQ.next_value().label("seq")).select_from(src)
             .cte("chain_place").prefix_with("MATERIALIZED"))
    # entry_hash's text; lane 0's old shape (lane_seq = seq) leaves lane and place out
    old_shape = and_(lane == literal_column("0", Integer), place.c.lane_seq == place.c.seq)
    text = (bindparam("e_head", type_=Text)
            + case((old_shape, literal_column("''", Text)),
                   else_=bindparam("e_lane", type_=Text) + cast(place.c.lane_seq, Text))
            + literal_column("',\"prev\":'", Text) + cast(func.to_json(place.c.prev), Text)
            + bindparam("e_mid", type_=Text) + cast(place.c.seq, Text) + bindparam("e_tail", type_=Text))
    utf8 = func.convert_to(text, literal_column("'UTF8'", Text))
    digest = func.encode(func.sha256(utf8), literal_column("'hex'", Text), type_=String)
    entry = select(place.c.seq, place.c.lane_seq, place.c.prev, digest.label("entry_hash")).cte("chain_entry")
    moved = (update(AuditHeadRow).where(AuditHeadRow.id == lane)
             .values(seq=entry.c.lane_seq, hash=entry.c.entry_hash).returning(AuditHeadRow.id).cte("chain_moved"))
    given = {c: bindparam(f"rec_{c}", type_=_TYPES[c]) for c in _GIVEN}
    from_place = {"seq": entry.c.seq, "lane": lane, "lane_seq": entry.c.lane_seq, "prev_hash": entry.c.prev,
                  "entry_hash": entry.c.entry_hash}
    record = insert(AuditRow).from_select(
        list(RECORD_COLUMNS), select(*({**given, **from_place}[c] for c in RECORD_COLUMNS)))
    records = record.returning(AuditRow.seq).cte("chain_records")
    log = insert(AuditRowLogRow).from_select(
        list(LOG_COLUMNS), select(records.c.seq, *(LOG_LINES.c[c] for c in LOG_COLUMNS[1:])))
    return log.add_cte(moved, records), record.add_cte(moved)


_RECORD_AND_LOG, _RECORD_ONLY = _statements(guarded=False)
_GUARDED_AND_LOG, _GUARDED_ONLY = _statements(guarded=True)
