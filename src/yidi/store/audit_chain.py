"""The audit trail's hash chain: every committed write leaves an audit record, chained to the one before it.

Installed on every session factory (yidi.store.db.session_factory), so no use case can write without it:
- while a transaction flushes, each changed row (insert, update, delete; ORM bulk statements too) is noted
  with a SHA-256 digest of its values before and after;
- at commit, the records the use case wrote itself (AuditRow, e.g. a settlement's) get those digests; a
  transaction that wrote none gets one generic record (actor and action from `actor()` / `set_actor`);
- then, holding the lock on its lane's head row (issue 15: several chains, yidi.store.audit_lanes; FOR UPDATE
  on PostgreSQL, SQLite runs one writer at a time), each new record gets the next place in the lane and in the
  global order, the lane's previous hash, and its own hash over all of its content. The head remembers the
  lane's newest (place, hash). The usual commit on PostgreSQL (one record) does all of it in one statement,
  PostgreSQL hashing the record (yidi.store.audit_one).
`verify()` recomputes every lane: an edited record breaks its own hash, a deleted one a gap in its lane's
places or the `prev_hash` link of the next, deleting the newest ones disagrees with the head. The chain proves
integrity against edits through the database, not against someone who rewrites the whole chain and the heads:
for that, copy `yidi audit verify --json`'s head hash (one digest over every lane's head) somewhere else now and
then (docs/security.md).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import getpass
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Table,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.engine import Result
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, sessionmaker

from yidi.store import audit_bulk, audit_lanes, audit_one, flush_one, row_state
from yidi.store.audit_lanes import ChainReport, canonical, digest, entry_hash, verify
from yidi.store.audit_record import Chained, Record
from yidi.store.auth_models import AuditHeadRow, AuditRowLogRow
from yidi.store.settlement_models import AuditRow

# not logged as rows: the trail's own tables (proved by the chain itself), and the rate limiter's counters of
# attempts (failed logins: hits, not records of anything done)
__all__ = ["SKIP_TABLES", "Actor", "ChainReport", "acting_as", "actor", "add_record", "before_commit", "canonical",
           "digest",
           "entry_hash", "insert_one", "install", "record_values", "set_actor", "verify"]

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


def insert_one(session: Session, stmt: Any, params: dict[str, Any], values: dict[str, Any]) -> Any:
    """Run `stmt`, an INSERT of one row whose values are `values`, in the session's transaction and note the
    row (yidi.store.audit_bulk.insert_one): a repository's INSERT without the ORM's execution around it."""
    assert stmt.table.name not in SKIP_TABLES
    return audit_bulk.insert_one(session.connection(), stmt, params, values, _noter(session))


def insert_new(session: Session, stmt: Any, params: dict[str, Any]) -> Sequence[Any]:
    """Run `stmt`, an INSERT built once that may add no row, in the session's transaction and note the rows it
    added (yidi.store.audit_bulk.insert_new): as the session would run it, without its ORM execution. Returns
    the rows added, every column of the table in its order after those `stmt` returns."""
    assert stmt.table.name not in SKIP_TABLES
    return audit_bulk.insert_new(session.connection(), stmt, params, _noter(session))


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


def add_record(session: Session, rec: Record) -> None:
    """Add a use case's own audit record so that it is inserted at commit, already chained: one INSERT
    under the chain head's lock instead of an INSERT while flushing and an UPDATE under the lock."""
    session.info.setdefault("yidi_audit_deferred", []).append(rec)


def nothing_to_commit(session: Session) -> bool:
    """True when a commit would write nothing: no pending row, and no audit record or noted change waiting."""
    return not (session.new or session.dirty or session.deleted or session.info.get("yidi_audit")
                or session.info.get("yidi_audit_deferred"))


def commit_with_record(session: Session) -> None:
    """Say that COMMIT follows `before_commit` at once, nothing in between: its one audit statement, when it is the
    transaction's last, may carry the COMMIT in the same round trip (yidi.store.audit_one; PostgreSQL). The
    caller's commit afterwards then sends nothing."""
    session.info[_COMMIT_WITH_RECORD] = True


_COMMIT_WITH_RECORD = "yidi_commit_with_record"


def _clean(session: Session) -> bool:
    """Whether Session.commit would flush nothing more (its own test, on the session's identity map)."""
    return not (session.new or session.deleted or session.identity_map.check_modified())


def before_commit(session: Session) -> None:
    """The commit's audit work, in its transaction before COMMIT: the pending writes (flush_one's one statement
    when asked), then the records chained (a session factory's before_commit hook, see `install`)."""
    commit = bool(session.info.pop(_COMMIT_WITH_RECORD, False))
    flush_one.flush(session, _noter(session), SKIP_TABLES)  # when asked (PostgreSQL): the writes in one statement
    session.flush()
    ch = session.info.get("yidi_audit")
    deferred: list[Record] = session.info.pop("yidi_audit_deferred", [])
    if (ch is None or (not ch.rows and not ch.explicit)) and not deferred:
        return
    if ch is None:
        ch = _changes(session)
    who = actor()
    # a table's name is SQLAlchemy's quoted_name, a str subclass: as a plain str (the same text) the digests and
    # the row log's JSON parameter take json_text's orjson way
    rows = [{"table": str(t), "key": k, "before": b, "after": a} for (t, k), (b, a) in ch.rows.items()
            if (b, a) != (row_state.DELETED, row_state.DELETED)]  # inserted and deleted again: no change
    before = digest([r["before"] for r in rows]) if rows else ""
    after = digest([[r["table"], r["key"], r["after"]] for r in rows]) if rows else ""
    explicit = [r for r in ch.explicit if inspect(r).persistent]  # flushed already: updated in place
    if not explicit and not deferred:
        if not rows:
            session.info.pop("yidi_audit", None)
            return
        first = rows[0]
        deferred = [Record(actor_role=who.role, actor=who.actor[:40], action=(who.action or "WRITE")[:40],
                             object_type=first["table"][:30], object_id=first["key"][:64],
                             detail={"changes": rows[:200], "count": len(rows)})]
    records: list[Chained] = [*explicit, *deferred]
    conn = session.connection()
    lane = audit_lanes.lane_of(records[0].object_type, records[0].object_id)
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # the row log: one line per changed row, under the transaction's first record (its digests cover them)
    log = [{"ord": i, "table_name": r["table"], "row_key": r["key"], "before": r["before"], "after": r["after"]}
           for i, r in enumerate(rows)]
    session.info.pop("yidi_audit", None)
    pg = conn.dialect.name == "postgresql"
    if pg and not explicit and len(deferred) == 1 and len(log) <= 1000:
        # the usual case: lane lock, places, hash, record, row log and head in ONE statement (yidi.store.audit_one)
        rec = deferred[0]
        rec.at, rec.before_digest, rec.after_digest = at, before, after
        # COMMIT with it only when nothing is left for the session's commit to flush after it
        audit_one.write(conn, rec, lane, log, commit=commit and _clean(session))
        return
    # the lane's lock is held from here until COMMIT
    places = audit_lanes.take(conn, lane, len(records))
    audit_lanes.place(records, places, at, before, after)
    for line in log:
        line["seq"] = records[0].seq
    newest = records[-1].entry_hash
    assert newest is not None  # placed just above
    move = functools.partial(audit_lanes.head_moved, places.lane, newest)
    if pg and not explicit and len(log) <= 1000:
        # several records: insert them and the row log and set the head's hash in ONE statement
        # (WITH head AS (UPDATE ...), recs AS (INSERT ...) INSERT ...), after `take`
        head = move().returning(AuditHeadRow.id).cte("chain_head")
        recs = insert(AuditRow).values([record_values(r) for r in deferred])
        conn.execute(_LOG_FROM_JSON.add_cte(head, recs.returning(AuditRow.id).cte("chain_records"))
                     if log else recs.add_cte(head), {"row_log_lines": log} if log else {})
    else:
        conn.execute(move())
        if deferred:
            conn.execute(insert(AuditRow).values([record_values(r) for r in deferred]))
        if explicit:
            session.flush()  # their places and hashes
        if log:
            conn.execute(insert(AuditRowLogRow), log)
    session.info.pop("yidi_audit", None)  # this flush noted the records themselves: not for the next commit


_LOG_FROM_JSON = insert(AuditRowLogRow).from_select(
    list(audit_one.LOG_COLUMNS), select(*(audit_one.LOG_LINES.c[c] for c in audit_one.LOG_COLUMNS)))


def record_values(rec: Chained) -> dict[str, Any]:
    """The columns of a chained record, for an INSERT statement."""
    return {c: getattr(rec, c) for c in audit_one.RECORD_COLUMNS}


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
    event.listen(factory, "before_commit", before_commit)
    event.listen(factory, "after_rollback", _reset)
    event.listen(factory, "after_soft_rollback", lambda s, _t: _reset(s))
    factory._yidi_audit = True  # type: ignore[attr-defined]
