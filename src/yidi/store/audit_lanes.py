"""The audit chain's lanes (issue 15): a record's hash, which lane it goes to, taking places, verifying every lane.

Instead of one chain behind one lock, records go into LANES chains (lanes). A transaction's records go into the
lane of its first record's object (a hash of object type and id, so one object always lands in one lane); the
transaction locks only that lane's head row (`audit_chain_head`, id = lane) from taking its places to COMMIT,
so writers of different objects no longer wait for one another. Each record carries:
- `seq`: its place in the global order (PostgreSQL: the sequence `audit_record_seq`; SQLite: max + 1 — one
  writer at a time), taken after the lane's lock, so within a lane `seq` rises with `lane_seq`; it may have
  gaps (a transaction rolled back after taking it), and it orders the row log (yidi.store.row_check);
- `lane`, `lane_seq`: its lane and its place there (1, 2, 3 … with no gap);
- `prev_hash`: the hash of the previous record in its lane; `entry_hash`: its own, over all of the above.
`verify()` walks every lane in place order: an edited record breaks its own hash (it covers seq, lane and
place too, so moving a record in either order breaks it); a deleted one leaves a gap in its lane's places and a
broken link; a record inserted in the middle breaks the next one's link, one added at a lane's end disagrees
with the head; a second record at a place, a record in a lane with no head, or a lane whose global order goes
backwards are reported too. The records from before the lanes (migration 0017) are lane 0 with `lane_seq` =
`seq`, hashed exactly as they were (entry_hash leaves lane and place out for that one shape).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yidi.store import json_text, prebuilt
from yidi.store.audit_record import Chained
from yidi.store.auth_models import AUDIT_SEQ, AuditHeadRow
from yidi.store.settlement_models import AuditRow

LANES = 16


# --- canonical forms ---------------------------------------------------------------------------------


def _plain(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, bytes):
        return "sha256:" + hashlib.sha256(v).hexdigest()
    if hasattr(v, "value") and not isinstance(v, (int, float, str)):
        return v.value
    if isinstance(v, (dict, list, str, int, float, bool)) or v is None:
        return v
    return str(v)


def canonical(obj: Any) -> str:
    """json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain), byte for byte."""
    return json_text.canonical(obj, default=_plain)


def digest(obj: Any) -> str:
    return hashlib.sha256(json_text.canonical_bytes(obj, default=_plain)).hexdigest()


def entry_hash(row: Chained) -> str:
    """The hash of one record: every field a reader relies on, its places, and the lane's previous hash."""
    fields: dict[str, Any] = {
        "seq": row.seq, "prev": row.prev_hash, "at": _plain(row.at), "role": row.actor_role, "actor": row.actor,
        "action": row.action, "type": row.object_type, "id": row.object_id, "detail": row.detail,
        "before": row.before_digest, "after": row.after_digest,
    }
    if row.lane != 0 or row.lane_seq != row.seq:
        # any other shape than the one chain's (lane 0, place = seq): lane and place are hashed too, so
        # changing either changes the hash (and a record cannot pass for the old shape without changing seq)
        fields["lane"], fields["lane_seq"] = row.lane, row.lane_seq
    return digest(fields)


def entry_text_holes(row: Chained) -> tuple[str, str, str, str]:
    """`entry_hash`'s canonical text around its three holes (`seq`, `lane_seq`, `prev`), for PostgreSQL to fill
    in under the lane's lock (yidi.store.audit_one). The keys are sorted and the holes are top-level scalars, so
    the text is, in this order: `head` (every key before "lane", without the closing brace), then — unless the
    record has lane 0's old shape (lane 0, lane_seq = seq) — `lane` and lane_seq's digits, then `,"prev":` and
    prev as a JSON string, then `mid`, seq's digits, `tail`. Returns (head, lane, mid, tail)."""
    head = canonical({"at": _plain(row.at), "actor": row.actor, "action": row.action, "id": row.object_id,
                      "detail": row.detail, "before": row.before_digest, "after": row.after_digest})
    return (head[:-1], f',"lane":{canonical(row.lane)},"lane_seq":', f',"role":{canonical(row.actor_role)},"seq":',
            f',"type":{canonical(row.object_type)}}}')


def lane_of(object_type: str, object_id: str) -> int:
    """The lane of an audited object: stable across processes and restarts."""
    h = hashlib.sha256(f"{object_type}\x1f{object_id}".encode()).digest()
    return int.from_bytes(h[:4], "big") % LANES


# --- taking places -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Places:
    lane: int
    after: int  # the lane's newest place before this transaction's records
    prev: str  # that record's hash ("" for an empty lane)
    seqs: list[int]  # the records' places in the global order, ascending


def take(conn: Connection, lane: int, n: int) -> Places:
    """Lock `lane`'s head (held until COMMIT) and take n places in it and in the global order: one statement."""
    pg = conn.dialect.name == "postgresql"
    took = _take_statement(pg, n)
    row = prebuilt.run(conn, took, {"lane": lane}).first()
    if row is None:  # a fresh database
        make_heads(conn)
        row = conn.execute(took, {"lane": lane}).first()
    assert row is not None
    vals: list[Any] = list(row)
    got = [int(v) for v in vals[2:]]
    seqs = sorted(got) if pg else [got[0] + 1 + i for i in range(n)]
    return Places(lane, int(vals[0]) - n, str(vals[1]), seqs)


def make_heads(conn: Connection) -> None:
    """Make every lane's head row (a fresh database has none): at the first record, so later transactions never
    miss one; racing writers: one wins, the others' rows are skipped."""
    new = (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(AuditHeadRow).values(
        [{"id": i, "seq": 0, "hash": ""} for i in range(LANES)])
    conn.execute(new.on_conflict_do_nothing(index_elements=["id"]))


_TAKES: dict[tuple[bool, int], Any] = {}


def _take_statement(pg: bool, n: int) -> Any:
    """`take`'s statement for n places, built once (the lane is a parameter)."""
    got = _TAKES.get((pg, n))
    if got is not None:
        return got
    bump = update(AuditHeadRow).where(AuditHeadRow.id == bindparam("lane")).values(seq=AuditHeadRow.seq + n)
    if pg:  # RETURNING runs after the row is locked: the global places come after the lane's previous ones
        cols = [AuditHeadRow.seq, AuditHeadRow.hash, *(AUDIT_SEQ.next_value().label(f"s{i}") for i in range(n))]
    else:  # the UPDATE took SQLite's write lock: no one else can add records until we commit
        cols = [AuditHeadRow.seq, AuditHeadRow.hash,
                select(func.coalesce(func.max(AuditRow.seq), 0)).scalar_subquery().label("top")]
    if len(_TAKES) > 64:  # n is the number of a transaction's records: usually 1
        _TAKES.clear()
    got = _TAKES[(pg, n)] = bump.returning(*cols)
    return got


def head_moved(lane: int, newest_hash: str) -> Any:
    """The statement that leaves the lane's newest hash in its head (the place was moved by `take`)."""
    return update(AuditHeadRow).where(AuditHeadRow.id == lane).values(hash=newest_hash)


def place(records: list[Chained], p: Places, at: dt.datetime, before: str, after: str) -> None:
    """Give records their places, digests and hashes, chained after the lane's newest."""
    prev, n = p.prev, p.after
    for rec, seq in zip(records, p.seqs, strict=True):
        n += 1
        rec.seq, rec.lane, rec.lane_seq, rec.prev_hash, rec.at = seq, p.lane, n, prev, at
        rec.before_digest, rec.after_digest = before, after
        rec.entry_hash = entry_hash(rec)
        prev = rec.entry_hash


# --- verification ------------------------------------------------------------------------------------


@dataclass
class ChainReport:
    records: int = 0
    head_seq: int = 0  # the newest record's place in the global order
    head_hash: str = ""  # one digest over every lane's head: the value to copy elsewhere now and then
    lanes: dict[int, tuple[int, str]] = field(default_factory=dict)  # lane -> (newest place, its hash)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def heads_digest(lanes: dict[int, tuple[int, str]]) -> str:
    return digest([[lane, n, h] for lane, (n, h) in sorted(lanes.items())]) if lanes else ""


def verify(session: Session, *, limit_problems: int = 20) -> ChainReport:
    """Walk every lane in place order and say every place the chain does not hold."""
    rep = ChainReport()
    heads = {int(i): (int(n), str(h)) for i, n, h in session.execute(
        select(AuditHeadRow.id, AuditHeadRow.seq, AuditHeadRow.hash))}
    rep.lanes, rep.head_hash = heads, heads_digest(heads)
    unchained = session.scalars(select(AuditRow.id).where(or_(AuditRow.seq.is_(None), AuditRow.lane_seq.is_(None)))
                                .order_by(AuditRow.id)).all()
    if unchained:
        rep.problems.append(f"{len(unchained)} record(s) outside the chain (seq empty), first id {unchained[0]}")
    seen: set[int] = set()
    lane, want, prev, last = -1, 1, "", 0

    def lane_end() -> None:
        if lane < 0:
            return
        seen.add(lane)
        if lane not in heads:
            rep.problems.append(f"lane {lane}: records but no head (added by hand?)")
        elif heads[lane] != (want - 1, prev):
            rep.problems.append(f"lane {lane}: head says place {heads[lane][0]}, the lane ends at {want - 1}: "
                                "newest record(s) deleted or head edited")

    q = (select(AuditRow).where(AuditRow.seq.is_not(None), AuditRow.lane_seq.is_not(None))
         .order_by(AuditRow.lane, AuditRow.lane_seq).execution_options(yield_per=1000))
    for rec in session.scalars(q):
        n, seq = rec.lane_seq or 0, rec.seq or 0
        if rec.lane != lane:
            lane_end()
            lane, want, prev, last = rec.lane, 1, "", 0
        rep.records += 1
        rep.head_seq = max(rep.head_seq, seq)
        where = f"seq {seq} (lane {lane}, place {n}, id {rec.id})"
        if n < want:
            rep.problems.append(f"{where}: a second record at a place already taken (added by hand?)")
        elif n != want:
            rep.problems.append(f"lane {lane}: places {want}..{n - 1} missing (deleted?) before {where}")
        if rec.prev_hash != prev:
            rep.problems.append(f"{where}: link to the previous record broken")
        if entry_hash(rec) != rec.entry_hash:
            rep.problems.append(f"{where}: content does not match its hash (edited?)")
        if seq <= last:
            rep.problems.append(f"{where}: before the lane's previous record in the global order (reordered?)")
        prev, want, last = rec.entry_hash, n + 1, seq
        if len(rep.problems) >= limit_problems:
            return rep
    lane_end()
    for empty in sorted(set(heads) - seen):
        if heads[empty][0] != 0:
            rep.problems.append(f"lane {empty}: head says place {heads[empty][0]}, the lane has no records: "
                                "newest record(s) deleted or head edited")
    return rep
