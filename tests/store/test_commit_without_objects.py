"""A unit that holds no ORM object (a settle's: plain rows, yidi.store.plain_rows) commits without Session.commit
(yidi.store.uow.SqlUnitOfWork.finish): the audit hook's work runs exactly once, in the transaction, the same
statements go as through Session.commit, and a failure in the hook or at COMMIT rolls everything back. The row
check after every test proves each row's digests."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from tests.settlement.helpers import GZ1, outpatient_visit, seed_person
from tests.settlement.test_statement_count import statements
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store import audit_chain, audit_lanes, pg_send, uow
from yidi.store.auth_models import AuditRowLogRow
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow, VisitRow
from yidi.store.settlement_models import AuditRow, HospitalVisitRow, SettlementRow

H = Principal(Role.HOSPITAL, GZ1)


def _commits(monkeypatch: pytest.MonkeyPatch) -> list[Session]:
    """The sessions Session.commit is called on from here on."""
    seen: list[Session] = []
    real = Session.commit

    def commit(self: Session) -> None:
        seen.append(self)
        real(self)
    monkeypatch.setattr(Session, "commit", commit)
    return seen


def _trail_of(ctx: Context, mdtrt_id: str) -> tuple[int, int, str]:
    """(audit records of the visit's settlements, their row log lines, the visit's status) as committed."""
    with unit_of_work(ctx.sessions) as s:
        hv = s.scalars(select(HospitalVisitRow).where(HospitalVisitRow.mdtrt_id == mdtrt_id)).one()
        setl = s.scalars(select(SettlementRow.setl_id).where(SettlementRow.visit_id == hv.visit_id)).all()
        recs = s.scalars(select(AuditRow.seq).where(AuditRow.object_id.in_(setl))).all()
        lines = s.scalar(select(func.count()).select_from(AuditRowLogRow).where(AuditRowLogRow.seq.in_(recs)))
        status = s.scalar(select(VisitRow.status).where(VisitRow.id == hv.visit_id))
        return len(recs), int(lines or 0), str(status)


def test_a_settle_commits_without_session_commit_as_session_commit_would(ctx: Context,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    got = []
    for seq, direct in ((71, True), (72, False)):
        p = seed_person(ctx, seq, balance="500.00")
        first, second = outpatient_visit(ctx, H, p.id_number, p.name), outpatient_visit(ctx, H, p.id_number, p.name)
        for mdtrt_id in (first, second):  # a person's first settle of the year, then the usual one
            if not direct:
                monkeypatch.setattr(uow, "_holds_no_objects", lambda _s: False)
            commits = _commits(monkeypatch)
            with statements(ctx.engine) as seen:
                out = svc.settle(ctx, H, mdtrt_id, svc.SettleIn(idempotency_key=f"direct-{seq}-{mdtrt_id}"))
            monkeypatch.undo()
            assert out.status == "SETTLED"
            assert bool(commits) is not direct
            # one audit record with its row log: the hook ran once
            got.append((seen, _trail_of(ctx, mdtrt_id)))
    assert got[:2] == got[2:]
    assert [t[0] for _s, t in got] == [1] * 4 and all(t[1] > 0 and t[2] == "SETTLED" for _s, t in got)


@pytest.mark.parametrize("where", ["hook", "commit", "commit-with-the-record"])
def test_a_failure_in_the_hook_or_at_commit_rolls_everything_back(ctx: Context, monkeypatch: pytest.MonkeyPatch,
                                                                  where: str) -> None:
    p = seed_person(ctx, {"hook": 73, "commit": 74}.get(where, 75), balance="500.00")
    mdtrt_id = outpatient_visit(ctx, H, p.id_number, p.name)

    def fail(*_a: Any, **_k: Any) -> None:
        raise RuntimeError(f"failed in the {where}")
    if where == "hook":  # once the unit's rows were written (flush_one's statement), before its record
        monkeypatch.setattr(audit_lanes, "lane_of", fail)
    elif where == "commit":  # the COMMIT itself, sent on its own: nothing committed
        monkeypatch.setattr(audit_chain, "commit_with_record", lambda _s: None)
        monkeypatch.setattr(Connection, "commit", fail)
    else:  # the COMMIT sent with the audit record (PostgreSQL) fails in the server: nothing committed
        if ctx.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL sends COMMIT with the record")
        monkeypatch.setattr(pg_send, "_COMMIT", b"COMMIT failed in the server")  # a syntax error there
    with pytest.raises(RuntimeError if where != "commit-with-the-record" else ProgrammingError, match="failed"):
        svc.settle(ctx, H, mdtrt_id, svc.SettleIn(idempotency_key=f"fail-{where}"))
    monkeypatch.undo()
    assert _trail_of(ctx, mdtrt_id) == (0, 0, "OPEN")
    with unit_of_work(ctx.sessions) as s:
        balance = s.scalar(select(PersonRow.account_balance_fen).where(PersonRow.citizen_id == p.id_number))
    assert balance == 50000
    # and the next settle of the visit goes through
    assert svc.settle(ctx, H, mdtrt_id, svc.SettleIn(idempotency_key=f"again-{where}")).status == "SETTLED"
