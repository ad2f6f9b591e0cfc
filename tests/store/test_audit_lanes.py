"""The audit chain in lanes (issue 15): records of different objects go to different chains, each behind its own
head; `verify` walks every lane and still finds any record edited, deleted, reordered or inserted by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Integer, String, column, delete, insert, select, table, text, update
from sqlalchemy.exc import OperationalError

from tests.support.db import BACKENDS, drop_database, new_database
from yidi.services.context import Context
from yidi.store import audit_chain, audit_lanes, migrate
from yidi.store.auth_models import AuditHeadRow
from yidi.store.db import session_factory, unit_of_work
from yidi.store.repositories.audit import Audit
from yidi.store.settlement_models import AuditRow


def objects_in_lanes(lanes: list[int]) -> list[str]:
    """An object id (of type "test") for each lane asked, found by trying ids in turn."""
    found: dict[int, str] = {}
    i = 0
    while not set(lanes) <= set(found):
        oid = f"obj-{i}"
        found.setdefault(audit_lanes.lane_of("test", oid), oid)
        i += 1
    return [found[lane] for lane in lanes]


def write(ctx: Context, object_id: str, n: int = 1) -> None:
    """One transaction with n audit records on one object."""
    with unit_of_work(ctx.sessions) as s:
        for k in range(n):
            Audit(s).record("operator", "tester", f"TEST {k}", "test", object_id, {"k": k})


def report(ctx: Context) -> audit_chain.ChainReport:
    with unit_of_work(ctx.sessions) as s:
        return audit_chain.verify(s)


def lane_rows(ctx: Context, lane: int) -> list[AuditRow]:
    with unit_of_work(ctx.sessions) as s:
        rows = s.scalars(select(AuditRow).where(AuditRow.lane == lane, AuditRow.object_type == "test")
                         .order_by(AuditRow.lane_seq)).all()
        s.expunge_all()
        return list(rows)


def by_hand(ctx: Context, *stmts: Any) -> None:
    with ctx.engine.begin() as conn:  # behind the application's back, as an intruder would
        for stmt in stmts:
            conn.execute(stmt)


def setup_lanes(ctx: Context) -> tuple[str, str]:
    """Lane 3 gets 3 records (one transaction of 2, then 1), lane 5 gets 2: interleaved in the global order (the
    reference data loaded before may have records in these lanes already: places are counted from theirs)."""
    a, b = objects_in_lanes([3, 5])
    write(ctx, a, 2)
    write(ctx, b)
    write(ctx, a)
    write(ctx, b)
    assert report(ctx).ok
    return a, b


def test_records_go_to_the_lane_of_their_object_and_verify(ctx: Context) -> None:
    a, b = setup_lanes(ctx)
    three, five = lane_rows(ctx, 3), lane_rows(ctx, 5)
    assert [r.object_id for r in three] == [a, a, a] and [r.object_id for r in five] == [b, b]
    # places in a lane count on with no gap; each links to the lane's previous record
    t, f = three[0].lane_seq or 0, five[0].lane_seq or 0
    assert [r.lane_seq for r in three] == [t, t + 1, t + 2] and [r.lane_seq for r in five] == [f, f + 1]
    assert [r.prev_hash for r in three[1:]] == [three[0].entry_hash, three[1].entry_hash]
    # the global order: a's two records (one transaction) come first, then b, a, b as written
    order = sorted(three + five, key=lambda r: r.seq or 0)
    assert [(r.lane, r.lane_seq) for r in order] == [(3, t), (3, t + 1), (5, f), (3, t + 2), (5, f + 1)]
    rep = report(ctx)
    assert rep.lanes[3] == (t + 2, three[-1].entry_hash) and rep.lanes[5] == (f + 1, five[-1].entry_hash)
    assert rep.head_hash == audit_lanes.heads_digest(rep.lanes)


def test_one_lane_is_locked_not_the_others(ctx: Context) -> None:
    """A transaction holding lane 3's head does not hold up one writing to lane 5 (PostgreSQL: row locks)."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time whatever the lane")
    setup_lanes(ctx)
    with ctx.engine.connect() as holder, ctx.engine.connect() as other:
        holder.begin()
        audit_lanes.take(holder, 3, 1)  # lane 3 locked until this transaction ends
        other.begin()
        other.execute(text("SET LOCAL lock_timeout = '5s'"))
        assert audit_lanes.take(other, 5, 1).after == lane_rows(ctx, 5)[-1].lane_seq  # another lane: at once
        with pytest.raises(OperationalError, match="lock timeout"):
            audit_lanes.take(other, 3, 1)  # the same lane waits for the holder
        other.rollback()
        holder.rollback()


@pytest.mark.edits_outside_yidi
def test_an_edited_record_is_found(ctx: Context) -> None:
    setup_lanes(ctx)
    rec = lane_rows(ctx, 5)[0]
    by_hand(ctx, update(AuditRow).where(AuditRow.id == rec.id).values(actor="someone-else"))
    assert any(f"seq {rec.seq}" in p and "edited" in p for p in report(ctx).problems)


@pytest.mark.edits_outside_yidi
def test_a_record_moved_to_another_lane_is_found(ctx: Context) -> None:
    setup_lanes(ctx)
    last = lane_rows(ctx, 3)[-1]
    # as if it were lane 5's third record: its hash covers lane and place
    by_hand(ctx, update(AuditRow).where(AuditRow.id == last.id).values(lane=5))
    problems = report(ctx).problems
    assert any("edited" in p for p in problems) and any("lane 3: head" in p for p in problems)


@pytest.mark.edits_outside_yidi
def test_deleted_records_are_found(ctx: Context) -> None:
    setup_lanes(ctx)
    middle = lane_rows(ctx, 3)[1]
    by_hand(ctx, delete(AuditRow).where(AuditRow.id == middle.id))
    n = middle.lane_seq
    assert any(f"lane 3: places {n}..{n} missing" in p for p in report(ctx).problems)
    newest = lane_rows(ctx, 5)[-1]
    by_hand(ctx, delete(AuditRow).where(AuditRow.id == newest.id))
    n = newest.lane_seq or 0
    assert any(f"lane 5: head says place {n}, the lane ends at {n - 1}" in p for p in report(ctx).problems)


def swap(ctx: Context, field: str, x: AuditRow, y: AuditRow) -> None:
    """Swap one column of two records by hand (through a free value: the column is unique)."""
    by_hand(ctx, update(AuditRow).where(AuditRow.id == x.id).values({field: -1}),
            update(AuditRow).where(AuditRow.id == y.id).values({field: getattr(x, field)}),
            update(AuditRow).where(AuditRow.id == x.id).values({field: getattr(y, field)}))


@pytest.mark.edits_outside_yidi
def test_reordered_records_are_found(ctx: Context) -> None:
    setup_lanes(ctx)
    x, y = lane_rows(ctx, 3)[2], lane_rows(ctx, 5)[0]
    # swap their places in the global order (lane 5's record now seems to come after lane 3's third)
    swap(ctx, "seq", x, y)
    assert sum("edited" in p for p in report(ctx).problems) == 2
    by_hand(ctx, update(AuditRow).where(AuditRow.id == x.id).values(seq=-1),  # back as they were
            update(AuditRow).where(AuditRow.id == y.id).values(seq=y.seq),
            update(AuditRow).where(AuditRow.id == x.id).values(seq=x.seq))
    assert report(ctx).ok
    # swap two records' places within lane 3
    p, q = lane_rows(ctx, 3)[0], lane_rows(ctx, 3)[1]
    swap(ctx, "lane_seq", p, q)
    problems = report(ctx).problems
    assert any("edited" in m for m in problems) and any("link" in m for m in problems)


def forged(after: AuditRow | None, *, lane: int, seq: int) -> dict[str, Any]:
    """A record made by hand with a correct hash of its own, chained after `after` in `lane`."""
    rec = AuditRow(actor_role="operator", actor="intruder", action="FORGED", object_type="test", object_id="x",
                   detail={}, seq=seq, lane=lane, lane_seq=(after.lane_seq or 0) + 1 if after else 1,
                   prev_hash=after.entry_hash if after else "", at=dt.datetime(2026, 1, 1),
                   before_digest="", after_digest="")
    rec.entry_hash = audit_lanes.entry_hash(rec)
    return audit_chain.record_values(rec)


@pytest.mark.edits_outside_yidi
def test_inserted_records_are_found(ctx: Context) -> None:
    setup_lanes(ctx)
    five = lane_rows(ctx, 5)
    # at the end of lane 5, linked and hashed correctly: the head does not know it
    by_hand(ctx, insert(AuditRow).values(forged(five[-1], lane=5, seq=100_000)))
    n = five[-1].lane_seq or 0
    assert any(f"lane 5: head says place {n}, the lane ends at {n + 1}" in p for p in report(ctx).problems)
    by_hand(ctx, delete(AuditRow).where(AuditRow.action == "FORGED"))
    assert report(ctx).ok
    # in the middle of lane 3: its place taken from the records after it, whose link then breaks
    three = lane_rows(ctx, 3)
    n = three[2].lane_seq or 0
    by_hand(ctx, update(AuditRow).where(AuditRow.id == three[2].id).values(lane_seq=n + 1),
            update(AuditRow).where(AuditRow.id == three[1].id).values(lane_seq=n),
            insert(AuditRow).values(forged(three[0], lane=3, seq=100_001)))
    problems = report(ctx).problems
    assert any("link to the previous record broken" in p for p in problems)
    by_hand(ctx, delete(AuditRow).where(AuditRow.action == "FORGED"))
    # a lane of its own, which has no head
    by_hand(ctx, insert(AuditRow).values(forged(None, lane=99, seq=100_002)))
    assert any("lane 99: records but no head" in p for p in report(ctx).problems)


_OLD_RECORDS = table("audit_records", column("at"), column("actor_role", String), column("actor", String),
                     column("action", String), column("object_type", String), column("object_id", String),
                     column("detail", JSON), column("seq", Integer), column("prev_hash", String),
                     column("entry_hash", String), column("before_digest", String), column("after_digest", String))


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_one_chain_before_the_upgrade_becomes_lane_0(backend: str, tmp_path: Path) -> None:
    _url, engine, schema = new_database(backend, tmp_path)
    try:
        migrate.upgrade(engine, "0016_mutual_aid")
        prev = ""
        with engine.begin() as conn:  # three records as yidi chained them before the lanes: head row id 1
            for seq in (1, 2, 3):
                rec = AuditRow(actor_role="operator", actor="old", action="OLD", object_type="test",
                               object_id=f"o{seq}", detail={"n": seq}, seq=seq, lane=0, lane_seq=seq,
                               prev_hash=prev, at=dt.datetime(2026, 11, 1, 8, seq), before_digest="",
                               after_digest="")
                rec.entry_hash = prev = audit_lanes.entry_hash(rec)
                values = audit_chain.record_values(rec)
                conn.execute(insert(_OLD_RECORDS).values({k: v for k, v in values.items()
                                                          if k not in ("lane", "lane_seq")}))
            conn.execute(insert(AuditHeadRow).values(id=1, seq=3, hash=prev))
        migrate.upgrade(engine)
        sessions = session_factory(engine)
        with unit_of_work(sessions) as s:
            rep = audit_chain.verify(s)
            assert rep.ok, rep.problems
            assert rep.lanes == {0: (3, prev)} and rep.records == 3
        obj = objects_in_lanes([0, 7])
        with unit_of_work(sessions) as s:
            Audit(s).record("operator", "new", "NEW", "test", obj[1], {})
        with unit_of_work(sessions) as s:
            Audit(s).record("operator", "new", "NEW", "test", obj[0], {})
        with unit_of_work(sessions) as s:
            rep = audit_chain.verify(s)
            assert rep.ok, rep.problems
            assert rep.lanes[0][0] == 4 and rep.lanes[7][0] == 1 and rep.records == 5
            new = s.scalars(select(AuditRow).where(AuditRow.action == "NEW").order_by(AuditRow.seq)).all()
            # after the old records in the global order; lane 0 continues after place 3, linked to its head
            assert [(r.lane, r.lane_seq) for r in new] == [(7, 1), (0, 4)] and new[0].seq and new[0].seq > 3
            assert new[1].prev_hash == prev
        with engine.begin() as conn:
            conn.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor="someone-else"))
        with unit_of_work(sessions) as s:
            assert any("seq 2" in p and "edited" in p for p in audit_chain.verify(s).problems)
    finally:
        drop_database(engine, schema)
