"""The audit trail's hash chain: every committed write leaves an audit record, chained to the one before it.

Installed on every session factory (yidi.store.db.session_factory), so no use case can write without it:
- while a transaction flushes, each changed row (insert, update, delete; ORM bulk statements too) is noted
  with a SHA-256 digest of its values before and after;
- at commit, the records the use case wrote itself (AuditRow, e.g. a settlement's) get those digests; a
  transaction that wrote none gets one generic record (actor and action from `actor()` / `set_actor`);
- then, holding the lock on the single `audit_chain_head` row (FOR UPDATE on PostgreSQL; SQLite runs one
  writer at a time), each new record gets the next `seq`, the previous record's hash, and its own hash over
  all of its content. The head remembers the newest (seq, hash).
`verify()` recomputes the chain: an edited record breaks its own hash, a deleted one a gap in `seq` or the
`prev_hash` link of the next, deleting the newest ones disagrees with the head. The chain proves integrity
against edits through the database, not against someone who rewrites the whole chain and the head:
for that, copy `yidi audit verify --json`'s head hash somewhere else now and then (docs/security.md).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import getpass
import hashlib
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Table,
    Text,
    bindparam,
    column,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Result
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from yidi.store import audit_bulk, row_state
from yidi.store.auth_models import AuditHeadRow, AuditRowLogRow
from yidi.store.settlement_models import AuditRow

# not logged as rows: the trail's own tables (proved by the chain itself), and the rate limiter's counters of
# attempts (failed logins: hits, not records of anything done)
SKIP_TABLES = frozenset({"audit_records", "audit_chain_head", "audit_row_log", "alembic_version", "rate_limit_hits"})


@dataclass(frozen=True, slots=True)
class Actor:
    role: str
    actor: str
    action: str = ""


def _cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except Exception:  # no login name in some containers
        user = "unknown"
    cmd = " ".join(a for a in sys.argv[1:3] if not a.startswith("-"))
    return Actor("operator", user[:40], f"cli {cmd}"[:40].strip())


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("yidi_audit_actor", default=None)


def actor() -> Actor:
    """Who the writes of this request / command are by (the CLI's login name when no door said)."""
    return _actor.get() or _cli_actor()


def set_actor(a: Actor) -> contextvars.Token[Actor | None]:
    return _actor.set(a)


@contextmanager
def acting_as(a: Actor) -> Iterator[None]:
    token = _actor.set(a)
    try:
        yield
    finally:
        _actor.reset(token)


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
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


def digest(obj: Any) -> str:
    return hashlib.sha256(canonical(obj).encode()).hexdigest()


def entry_hash(row: AuditRow) -> str:
    """The hash of one record: every field a reader relies on, and the previous record's hash."""
    return digest({
        "seq": row.seq, "prev": row.prev_hash, "at": _plain(row.at), "role": row.actor_role, "actor": row.actor,
        "action": row.action, "type": row.object_type, "id": row.object_id, "detail": row.detail,
        "before": row.before_digest, "after": row.after_digest,
    })


# --- capturing changes -------------------------------------------------------------------------------


@dataclass
class _Changes:
    rows: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (table, key) -> [before, after]
    explicit: list[AuditRow] = field(default_factory=list)


def _changes(session: Session) -> _Changes:
    ch: _Changes | None = session.info.get("yidi_audit")
    if ch is None:
        ch = session.info["yidi_audit"] = _Changes()
    return ch


def _noter(session: Session) -> audit_bulk.Note:
    def note(table: str, key: str, before: str, after: str) -> None:
        rows = _changes(session).rows
        seen = rows.get((table, key))
        if seen is None:
            rows[(table, key)] = [before, after]
        else:
            seen[1] = after  # the first state before this transaction, the last after it
    return note


def _table(obj: Any) -> Table:
    return cast(Table, inspect(obj).mapper.local_table)


def _before_flush(session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
    ch = _changes(session)
    for obj in session.new:
        if isinstance(obj, AuditRow):
            ch.explicit.append(obj)
    # before values must be read before the flush resets the attribute history
    dialect = session.get_bind().dialect
    for obj in session.dirty:
        table = _table(obj)
        if table.name in SKIP_TABLES or obj in session.deleted or not session.is_modified(obj):
            continue
        key, before = row_state.python_state(table, row_state.object_values(obj, before=True), dialect)
        session.info.setdefault("yidi_audit_pending", []).append((obj, table, key, before))


def _after_flush(session: Session, ctx: UOWTransaction) -> None:
    note, dialect = _noter(session), session.get_bind().dialect
    # deletions first (an object deleted and a new one with the same key in one flush is a row replaced),
    # taken from the flush itself: it also deletes orphans no one passed to session.delete(); the attribute
    # history still holds their values until the flush is finalised
    for state, (is_delete, list_only) in list(ctx.states.items()):
        obj = state.obj()
        if not is_delete or list_only or obj is None or _table(obj).name in SKIP_TABLES:
            continue
        table = _table(obj)
        key, before = row_state.python_state(table, row_state.object_values(obj, before=True), dialect)
        note(table.name, key, before, row_state.DELETED)
    for obj, table, key, before in session.info.pop("yidi_audit_pending", []):
        note(table.name, key, before, row_state.python_state(table, row_state.object_values(obj, before=False),
                                                             dialect)[1])
    for obj in session.new:
        table = _table(obj)
        if table.name not in SKIP_TABLES:
            key, after = row_state.python_state(table, row_state.object_values(obj, before=False), dialect)
            note(table.name, key, row_state.DELETED, after)


def _do_orm_execute(state: ORMExecuteState) -> Result[Any] | None:
    # UPDATE / DELETE / INSERT statements bypass the unit of work: run them so that they name their rows
    if not (state.is_update or state.is_delete or state.is_insert):
        return None
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or table.name in SKIP_TABLES:
        return None
    if state.is_update and _self_assignment(state.statement):
        return None  # `SET x = x`: a row lock taken by writing, changes nothing
    return audit_bulk.run(state, table, _noter(state.session))


def _self_assignment(stmt: Any) -> bool:
    values = getattr(stmt, "_values", None)
    if not values:
        return False
    try:
        for k, v in values.items():
            col = getattr(k, "key", k)
            target = getattr(v, "key", None)
            if not (isinstance(v, ColumnElement) and target == col):
                return False
        return True
    except Exception:  # an unusual statement: note it rather than guess
        return False


def add_record(session: Session, rec: AuditRow) -> None:
    """Add a use case's own audit record so that it is inserted at commit, already chained: one INSERT
    under the chain head's lock instead of an INSERT while flushing and an UPDATE under the lock."""
    session.info.setdefault("yidi_audit_deferred", []).append(rec)


def _before_commit(session: Session) -> None:
    session.flush()
    ch = session.info.get("yidi_audit")
    deferred: list[AuditRow] = session.info.pop("yidi_audit_deferred", [])
    if (ch is None or (not ch.rows and not ch.explicit)) and not deferred:
        return
    if ch is None:
        ch = _changes(session)
    who = actor()
    rows = [{"table": t, "key": k, "before": b, "after": a} for (t, k), (b, a) in ch.rows.items()
            if (b, a) != (row_state.DELETED, row_state.DELETED)]  # inserted and deleted again: no change
    before = digest([r["before"] for r in rows]) if rows else ""
    after = digest([[r["table"], r["key"], r["after"]] for r in rows]) if rows else ""
    records = [r for r in ch.explicit if inspect(r).persistent] + deferred
    if not records:
        if not rows:
            session.info.pop("yidi_audit", None)
            return
        first = rows[0]
        records = [AuditRow(actor_role=who.role, actor=who.actor[:40], action=(who.action or "WRITE")[:40],
                            object_type=first["table"][:30], object_id=first["key"][:64],
                            detail={"changes": rows[:200], "count": len(rows)})]
        session.add(records[0])
    head = session.scalars(select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHeadRow(id=1, seq=0, hash="")
        session.add(head)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)  # stored and hashed as UTC wall time
    seq, prev = head.seq, head.hash
    for rec in records:
        rec.seq = seq + 1
        rec.prev_hash = prev
        rec.at = now
        rec.before_digest, rec.after_digest = before, after
        rec.entry_hash = entry_hash(rec)
        seq, prev = rec.seq, rec.entry_hash
    # the row log: one line per changed row, under the transaction's first record (its digests cover them)
    log = [{"seq": records[0].seq, "ord": i, "table_name": r["table"], "row_key": r["key"], "before": r["before"],
            "after": r["after"]} for i, r in enumerate(rows)]
    session.info.pop("yidi_audit", None)
    if (deferred and len(deferred) == len(records) and inspect(head).persistent and len(log) <= 1000
            and session.get_bind().dialect.name == "postgresql"):
        # the lock is held until COMMIT: insert the records and the row log and move the head in ONE statement
        # (WITH head AS (UPDATE ...), recs AS (INSERT ...) INSERT ...), so the chain costs two round trips
        # under its lock
        move = (update(AuditHeadRow).where(AuditHeadRow.id == 1).values(seq=seq, hash=prev)
                .returning(AuditHeadRow.id).cte("chain_head"))
        recs = insert(AuditRow).values([record_values(r) for r in deferred])
        if log:  # the lines travel as one JSON parameter: the statement's text never changes, compiled once
            stmt = _LOG_FROM_JSON.add_cte(move, recs.returning(AuditRow.id).cte("chain_records"))
            session.connection().execute(stmt, {"row_log_lines": log})
        else:
            session.connection().execute(recs.add_cte(move))
        set_committed_value(head, "seq", seq)
        set_committed_value(head, "hash", prev)
    else:
        head.seq, head.hash = seq, prev
        session.add_all(deferred)  # after the head lock: inserted with seq and hashes, no UPDATE afterwards
        session.flush()
        if log:
            session.connection().execute(insert(AuditRowLogRow), log)
    session.info.pop("yidi_audit", None)  # this flush noted the records themselves: not for the next commit


_LOG_LINES = func.json_to_recordset(bindparam("row_log_lines", type_=JSON)).table_valued(
    column("seq", Integer), column("ord", Integer), column("table_name", Text), column("row_key", Text),
    column("before", Text), column("after", Text)).render_derived(name="lines", with_types=True)
_LOG_FROM_JSON = insert(AuditRowLogRow).from_select(
    ["seq", "ord", "table_name", "row_key", "before", "after"],
    select(_LOG_LINES.c.seq, _LOG_LINES.c.ord, _LOG_LINES.c.table_name, _LOG_LINES.c.row_key, _LOG_LINES.c.before,
           _LOG_LINES.c.after))

_ROW_COLUMNS = ("at", "actor_role", "actor", "action", "object_type", "object_id", "detail", "seq", "prev_hash",
                "entry_hash", "before_digest", "after_digest")


def record_values(rec: AuditRow) -> dict[str, Any]:
    """The columns of a chained record, for an INSERT statement."""
    return {c: getattr(rec, c) for c in _ROW_COLUMNS}


def _reset(session: Session) -> None:
    session.info.pop("yidi_audit", None)
    session.info.pop("yidi_audit_deferred", None)
    session.info.pop("yidi_audit_pending", None)


def install(factory: sessionmaker[Session]) -> None:
    """Attach the chain to a session factory (idempotent)."""
    if getattr(factory, "_yidi_audit", False):
        return
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _do_orm_execute)
    event.listen(factory, "before_commit", _before_commit)
    event.listen(factory, "after_rollback", _reset)
    event.listen(factory, "after_soft_rollback", lambda s, _t: _reset(s))
    factory._yidi_audit = True  # type: ignore[attr-defined]


# --- verification ------------------------------------------------------------------------------------


@dataclass
class ChainReport:
    records: int = 0
    head_seq: int = 0
    head_hash: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session, *, limit_problems: int = 20) -> ChainReport:
    """Walk the whole chain in order and say every place it does not hold."""
    rep = ChainReport()
    expected_seq, prev = 1, ""
    unchained = session.scalars(select(AuditRow.id).where(AuditRow.seq.is_(None))).all()
    if unchained:
        rep.problems.append(f"{len(unchained)} record(s) outside the chain (seq empty), first id {unchained[0]}")
    for rec in session.scalars(select(AuditRow).where(AuditRow.seq.is_not(None)).order_by(AuditRow.seq)
                               .execution_options(yield_per=1000)):
        rep.records += 1
        if rec.seq != expected_seq:
            rep.problems.append(f"seq {expected_seq}..{(rec.seq or 0) - 1} missing (deleted?) before id {rec.id}")
        if rec.prev_hash != prev:
            rep.problems.append(f"seq {rec.seq}: link to the previous record broken")
        if entry_hash(rec) != rec.entry_hash:
            rep.problems.append(f"seq {rec.seq} (id {rec.id}): content does not match its hash (edited?)")
        prev, expected_seq = rec.entry_hash, (rec.seq or 0) + 1
        if len(rep.problems) >= limit_problems:
            break
    head = session.get(AuditHeadRow, 1)
    rep.head_seq, rep.head_hash = (head.seq, head.hash) if head else (0, "")
    if rep.head_seq != expected_seq - 1 or rep.head_hash != prev:
        rep.problems.append(f"head says seq {rep.head_seq}, chain ends at {expected_seq - 1}: newest record(s) "
                            "deleted or head edited")
    return rep
