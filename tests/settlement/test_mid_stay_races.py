"""Mid-stay settlement (中途结算) under races, on PostgreSQL: two parts at once settle the lines once; a part
racing a line withdrawal either freezes the line or settles without it; revoking part 1 while part 2 settles
either revokes it first (part 2 then settles the whole stay) or is refused because part 2 stands."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from tests.settlement.helpers import GZ1, lines, seed_person
from tests.settlement.test_lifecycle_api import _race
from tests.support.db import TODAY
from tests.support.unchanged import verified
from yidi.domain.enums import VisitType
from yidi.domain.packset import PackSet
from yidi.domain.validation import validate_model
from yidi.services import settlement as svc
from yidi.services.access import Principal, Role
from yidi.services.context import Context
from yidi.store.db import make_engine, session_factory

HOSP = Principal(Role.HOSPITAL, GZ1)


@pytest.fixture
def pg(db: tuple[str, Engine], ctx: Context, packs: PackSet) -> Iterator[Context]:
    url, engine = db
    if engine.dialect.name != "postgresql":
        pytest.skip("the races are proven on PostgreSQL (SQLite runs one writer at a time by design)")
    big = make_engine(url, pool_size=8, max_overflow=4)
    yield Context(big, session_factory(big), packs, lambda: TODAY)
    big.dispose()


def _stay(ctx: Context, seq: int, n: int = 3) -> str:
    p = seed_person(ctx, seq)
    m = svc.register_visit(ctx, HOSP, svc.RegisterVisitIn(id_number=p.id_number, name=p.name,
                                                          visit_type=VisitType.INPATIENT)).mdtrt_id
    svc.upload_lines(ctx, HOSP, m, validate_model(svc.UploadLinesIn, {"lines": lines(n)}))
    return m


def _settle(ctx: Context, m: str, key: str, mid: bool = True) -> svc.SettlementView:
    return svc.settle(ctx, HOSP, m, validate_model(svc.SettleIn, {"idempotency_key": key, "mid_setl": mid}))


def _lines(ctx: Context, setl_id: str) -> list[str]:
    return [ln["line_id"] for ln in svc.show_settlement(ctx, HOSP, setl_id).breakdown["lines"]]


@pytest.mark.parametrize("round_", range(3))
def test_two_parts_at_once_settle_the_lines_once(pg: Context, round_: int) -> None:
    m = _stay(pg, 460 + round_)
    out = _race(lambda: _settle(pg, m, f"RACE-A-{round_}"), lambda: _settle(pg, m, f"RACE-B-{round_}"))
    assert sorted(out) == ["MID_SETTLE_NO_NEW_LINES", "SETTLED"], out
    visit = svc.show_visit(pg, HOSP, m)
    assert visit.status == "OPEN" and [(s["part"], s["status"]) for s in visit.settlements] == [(1, "SETTLED")]
    verified(pg)


@pytest.mark.parametrize("round_", range(3))
def test_a_part_racing_a_withdrawal(pg: Context, round_: int) -> None:
    m = _stay(pg, 470 + round_)
    out = _race(lambda: _settle(pg, m, f"RACE-W-{round_}"),
                lambda: svc.withdraw_lines(pg, HOSP, m, validate_model(svc.WithdrawLinesIn, {"line_ids": ["L1"]})))
    # the part first: the line is frozen; the withdrawal first: the part settles the two lines left
    assert out in (["SETTLED", "LINE_SETTLED_MID"], ["SETTLED", "OPEN"]), out
    (part,) = svc.show_visit(pg, HOSP, m).settlements
    assert len(_lines(pg, part["setl_id"])) == (3 if out[1] == "LINE_SETTLED_MID" else 2)
    verified(pg)


@pytest.mark.parametrize("round_", range(3))
def test_revoking_part_one_while_the_stay_settles(pg: Context, round_: int) -> None:
    m = _stay(pg, 480 + round_)
    p1 = _settle(pg, m, f"RACE-P1-{round_}")
    svc.upload_lines(pg, HOSP, m, validate_model(svc.UploadLinesIn, {"lines": lines(2, prefix="N")}))
    out = _race(lambda: svc.revoke(pg, HOSP, p1.setl_id, svc.RevokeIn()),
                lambda: _settle(pg, m, f"RACE-P2-{round_}", mid=False))
    assert out in (["REVOKED", "SETTLED"], ["MID_SETTLE_LATER_PART", "SETTLED"]), out
    visit = svc.show_visit(pg, HOSP, m)
    live = [(s["part"], len(_lines(pg, s["setl_id"]))) for s in visit.settlements if s["status"] == "SETTLED"]
    # revoked first: the stay settled whole (5 lines) as part 1; else parts 1 (3 lines) and 2 (2 lines)
    assert visit.status == "SETTLED" and live == ([(1, 5)] if out[0] == "REVOKED" else [(1, 3), (2, 2)]), live
    verified(pg)
