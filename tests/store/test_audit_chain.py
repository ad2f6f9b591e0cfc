"""The audit trail: every committed write leaves a chained record; edits and deletions are detected."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select, text, update

from tests.support.db import as_
from tests.support.rows import assert_trail_holds
from yidi.demo.dataset import DemoPerson
from yidi.services import hospital_keys
from yidi.services.context import Context
from yidi.store import audit_chain
from yidi.store.db import make_engine, session_factory, unit_of_work
from yidi.store.repositories.audit import Audit
from yidi.store.settlement_models import AuditRow


def report(ctx: Context) -> audit_chain.ChainReport:
    with unit_of_work(ctx.sessions) as s:
        return audit_chain.verify(s)


def count(ctx: Context) -> int:
    with unit_of_work(ctx.sessions) as s:
        return int(s.scalar(select(func.count()).select_from(AuditRow)) or 0)


def test_writes_are_chained_and_verify(ctx: Context, demo: dict[str, DemoPerson], client: TestClient) -> None:
    n0 = count(ctx)
    assert n0 > 0  # loading the demo is a write too
    p = demo["post_hoc"]
    r = client.post("/api/v1/filings", headers=as_("person", p.id_number),
                    json={"type": "OTHER_TEMPORARY", "treatment_area": "440100", "start": "2026-03-10",
                          "end": "2026-06-01", "commitment": True, "consent": True})
    assert r.status_code in (201, 422), r.text
    hospital_keys.create_key(ctx, "H44010000001")  # a use case writing its own AuditRow: chained, not doubled
    rep = report(ctx)
    assert rep.ok, rep.problems
    assert rep.records == count(ctx) >= n0 + 1
    with unit_of_work(ctx.sessions) as s:
        last = s.scalars(select(AuditRow).order_by(AuditRow.seq.desc())).first()
        assert last is not None and last.action == "HOSPITAL_KEY_CREATE" and last.after_digest
        if r.status_code == 201:
            rec = s.scalars(select(AuditRow).where(AuditRow.action == "POST /api/v1/filings")).first()
            assert rec is not None and rec.actor_role == "person" and p.id_number not in rec.actor


@pytest.mark.edits_outside_yidi
def test_edit_detected(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    hospital_keys.create_key(ctx, "H44010000001")
    with ctx.engine.begin() as conn:  # behind the application's back, as an intruder would
        conn.execute(update(AuditRow).where(AuditRow.seq == 1).values(actor="someone-else"))
    rep = report(ctx)
    assert not rep.ok and any("seq 1" in p and "edited" in p for p in rep.problems)


@pytest.mark.edits_outside_yidi
def test_deletions_detected(ctx: Context, demo: dict[str, DemoPerson]) -> None:
    for _ in range(3):
        hospital_keys.create_key(ctx, "H44010000001")
    assert report(ctx).ok
    with ctx.engine.begin() as conn:
        # a record with a later one in its lane (not `seq == 2`: PostgreSQL's sequence goes on from earlier
        # tests, so which records hold which numbers depends on what ran before)
        lanes: dict[int, list[int]] = {}
        for lane, lane_seq in conn.execute(select(AuditRow.lane, AuditRow.lane_seq).order_by(AuditRow.lane_seq)):
            lanes.setdefault(lane, []).append(lane_seq)
        lane, seqs = next((n, s) for n, s in lanes.items() if len(s) >= 2)
        gone = conn.execute(delete(AuditRow).where(AuditRow.lane == lane, AuditRow.lane_seq == seqs[0]))
        assert gone.rowcount == 1
    assert any("missing" in p for p in report(ctx).problems)
    with ctx.engine.begin() as conn:
        top = conn.scalar(select(func.max(AuditRow.seq)))
        conn.execute(delete(AuditRow).where(AuditRow.seq == top))
    assert any("head" in p for p in report(ctx).problems)


def test_rollback_leaves_no_record(ctx: Context, demo: dict[str, DemoPerson], client: TestClient) -> None:
    n0 = count(ctx)
    r = client.post("/api/v1/filings", headers=as_("person", demo["post_hoc"].id_number), json={"type": "NOPE"})
    assert r.status_code == 422
    assert count(ctx) == n0 and report(ctx).ok
    with ctx.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def test_chain_and_rows_hold_when_postgresql_runs_in_another_time_zone(ctx: Context, demo: dict[str, DemoPerson],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Audit times are naive UTC: a session in Asia/Shanghai used to store them 8 hours off, so the chain's
    very first record failed its hash. Every PostgreSQL connection now runs in UTC."""
    if ctx.engine.dialect.name != "postgresql":
        pytest.skip("time zones of the database session are a PostgreSQL matter")
    monkeypatch.setenv("PGTZ", "Asia/Shanghai")  # as a server or client configured for China would be
    engine = make_engine(ctx.engine.url.render_as_string(hide_password=False))
    try:
        shanghai = Context(engine, session_factory(engine), ctx.packs, ctx.today)
        hospital_keys.create_key(shanghai, "H44010000001")
        with engine.connect() as conn:
            assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
        assert_trail_holds(shanghai)
    finally:
        engine.dispose()


def test_a_use_cases_own_record_is_plain_until_commit_and_stored_as_an_orm_record_was(ctx: Context) -> None:
    # Audit.record defers plain values (yidi.store.audit_record), no ORM object; the same record deferred as an
    # AuditRow (the way before) is stored with the same values: the two differ only in their places and hashes
    detail = {"amount": "1.00", "n": [1, 2], "名": None}
    with unit_of_work(ctx.sessions) as s:
        Audit(s).record("hospital", "H1", "SETTLE", "settlement", "plain-record", detail)
        assert not [o for o in [*s.new, *s.identity_map.values()] if isinstance(o, AuditRow)]
    with unit_of_work(ctx.sessions) as s:
        audit_chain.add_record(s, AuditRow(actor_role="hospital", actor="H1", action="SETTLE",  # type: ignore[arg-type]
                                           object_type="settlement", object_id="plain-record", detail=detail))
    cols = ("actor_role", "actor", "action", "object_type", "object_id", "detail", "lane", "before_digest",
            "after_digest")
    with unit_of_work(ctx.sessions) as s:
        plain, orm = s.scalars(select(AuditRow).where(AuditRow.object_id == "plain-record").order_by(AuditRow.seq))
        assert [getattr(plain, c) for c in cols] == [getattr(orm, c) for c in cols]
        assert (orm.lane_seq, orm.prev_hash) == (plain.lane_seq + 1, plain.entry_hash)
    rep = report(ctx)
    assert rep.ok, rep.problems
