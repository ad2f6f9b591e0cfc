"""Stateful fuzzing of the hospital API (issue 13, proof 2), on SQLite and PostgreSQL.

A hypothesis state machine plays several hospitals and persons through register → lines (upload,
withdraw) → pre-settle → settle → revoke → reversal (冲正) of a settle or of a revocation, in any order,
with idempotent replays of settles and revocations. It keeps a model of what each answer promised (visit
open or settled, each settlement's status) and checks every answer against it: a settled visit takes no
lines and no second settlement, a replay gives the same settlement, a revocation is undone only when
nothing moved since. After every run:
- `yidi ledger verify` (the service) passes;
- each answered settlement is in the database exactly once, with the status the last answer gave, and no
  other settlement exists for the run's persons;
- each person's year accumulators equal the sum of what their non-revoked settlements added (each
  settlement stores the accumulators before and after it), and no fund pool exceeds its cap;
- the audit chain verifies and every row is as yidi last wrote it (the row check of item 9).

YIDI_STATEFUL_EXAMPLES (default 20) runs of up to YIDI_STATEFUL_STEPS (default 40) steps per backend;
from a fixed seed (YIDI_STATEFUL_SEED): the same runs every time. docs/reliability.md has the figures.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from tests.settlement.helpers import API, GZ1, GZ2, SZ1, Seeded, lines, seed_person
from tests.support.rows import assert_trail_holds
from yidi.domain.bill import YearAccumulators
from yidi.services import ledger
from yidi.services.context import Context
from yidi.store.db import unit_of_work
from yidi.store.models import PersonRow
from yidi.store.settlement_models import SettlementRow, YearAccumulatorRow

EXAMPLES = int(os.environ.get("YIDI_STATEFUL_EXAMPLES", "20"))
STEPS = int(os.environ.get("YIDI_STATEFUL_STEPS", "40"))
SEED = int(os.environ.get("YIDI_STATEFUL_SEED", "20261207"))
HOSPITALS = (GZ1, GZ2, SZ1)  # networked in Guangdong, where the seeded persons filed
PRICES = ("12.50", "100.00", "3000.00", "48000.00", "98000.00")  # up to bills that reach the pools' caps
_seq = itertools.count()  # persons of every run are new: runs share one database
CALLS: Counter[tuple[str, int]] = Counter()  # (operation, status) of every request, for the figures


def hdr(inst: str) -> dict[str, str]:
    return {"X-Yidi-Role": "hospital", "X-Yidi-Subject": inst}


@dataclass
class Visit:
    mdtrt_id: str
    hospital: str
    person: int
    visit_type: str
    status: str = "OPEN"  # OPEN / SETTLED
    lines: set[str] = field(default_factory=set)  # active line ids
    next_line: int = 1


@dataclass
class Setl:
    setl_id: str
    visit: Visit
    body: dict[str, Any]  # the settle request, for replays
    status: str = "SETTLED"
    revoke_body: dict[str, Any] | None = None  # the revocation request carrying a msgid, for replays
    settle_reversed: bool = False
    revoke_reversed: bool = False


# A fixed seed, not derandomize alone: derandomize seeds from a digest of this class's source, so any edit
# here drew other runs, and some draws never reach a reversal (the depth assertion below then fails).
@seed(SEED)
class HospitalMachine(RuleBasedStateMachine):
    ctx: Context
    client: TestClient

    def __init__(self) -> None:
        super().__init__()
        self.persons: list[Seeded] = []
        self.visits: list[Visit] = []
        self.setls: list[Setl] = []
        self.n = itertools.count(1)
        # Keys and msgids must be new in every run: runs share one database, and id(self) is not an
        # identity over time (a later machine can be allocated where an earlier one was freed).
        self.tag = uuid.uuid4().hex[:12]

    @initialize()
    def persons_with_filings(self) -> None:
        self.persons = [seed_person(self.ctx, n % 1000, birth=f"{1960 + n // 1000}0301")
                        for n in (next(_seq) for _ in range(3))]

    def post(self, inst: str, path: str, body: dict[str, Any]) -> Any:
        r = self.client.post(f"{API}{path}", json=body, headers=hdr(inst))
        assert r.status_code < 500, r.text
        CALLS[(path.rsplit("/", 1)[-1] if "/" in path[1:] else path.strip("/"), r.status_code)] += 1
        return r

    @staticmethod
    def refused(r: Any, status: int, code: str) -> None:
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text

    # --- visits and lines ----------------------------------------------------------------------------

    @precondition(lambda self: sum(v.status == "OPEN" for v in self.visits) < 4)
    @rule(p=st.integers(0, 2), h=st.sampled_from(HOSPITALS),
          vt=st.sampled_from(["OUTPATIENT", "OUTPATIENT", "INPATIENT"]))
    def register(self, p: int, h: str, vt: str) -> None:
        person = self.persons[p]
        r = self.post(h, "/visits", {"id_number": person.id_number, "name": person.name, "visit_type": vt})
        if r.status_code == 201:
            self.visits.append(Visit(r.json()["mdtrt_id"], h, p, vt))
        else:  # refused only while this person has an admission open (not discharge-settled)
            assert r.status_code in (409, 422) and self.open_admission(p), r.text

    def open_admission(self, person: int, but: Visit | None = None) -> bool:
        return any(v.person == person and v.visit_type == "INPATIENT" and v.status == "OPEN" and v is not but
                   for v in self.visits)

    @precondition(lambda self: self.visits)
    @rule(data=st.data(), n=st.integers(1, 4), price=st.sampled_from(PRICES))
    def upload(self, data: st.DataObject, n: int, price: str) -> None:
        v = data.draw(st.sampled_from(self.visits))
        first = v.next_line
        ls = lines(n, prefix=f"N{first}-", price=price)
        r = self.post(v.hospital, f"/visits/{v.mdtrt_id}/lines", {"lines": ls})
        if v.status == "SETTLED":
            self.refused(r, 409, "VISIT_SETTLED")
            return
        assert r.status_code == 200, r.text
        v.lines |= {ln["line_id"] for ln in ls}
        v.next_line += n
        assert int(r.json()["totals"]["lines"]) == len(v.lines)

    @precondition(lambda self: any(v.lines for v in self.visits))
    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        v = data.draw(st.sampled_from([x for x in self.visits if x.lines]))
        ids = data.draw(st.lists(st.sampled_from(sorted(v.lines)), min_size=1, max_size=2, unique=True))
        r = self.post(v.hospital, f"/visits/{v.mdtrt_id}/lines/withdraw", {"line_ids": ids})
        if v.status == "SETTLED":
            self.refused(r, 409, "VISIT_SETTLED")
            return
        assert r.status_code == 200, r.text
        v.lines -= set(ids)
        assert int(r.json()["totals"]["lines"]) == len(v.lines)

    # --- settling -------------------------------------------------------------------------------------

    @staticmethod
    def adds_up(b: dict[str, Any]) -> None:
        """The bill is split without a fen lost or made: funds + account + cash = total, none negative."""
        parts = [Decimal(b[f]) for f in ("fund_pay_sumamt", "acct_pay", "psn_cash_pay")]
        assert sum(parts) == Decimal(b["medfee_sumamt"]) and min(parts) >= 0, b

    @precondition(lambda self: self.visits)
    @rule(data=st.data())
    def pre_settle(self, data: st.DataObject) -> None:
        with_lines = [x for x in self.visits if x.lines]
        v = data.draw(st.sampled_from(with_lines) if with_lines and data.draw(st.integers(0, 7)) else
                      st.sampled_from(self.visits))
        r = self.post(v.hospital, f"/visits/{v.mdtrt_id}/pre-settle", {})
        if v.status == "SETTLED":
            self.refused(r, 409, "VISIT_SETTLED")
        elif not v.lines:
            self.refused(r, 422, "VISIT_NO_LINES")
        elif r.status_code == 422 and self.open_admission(v.person, but=v):
            self.refused(r, 422, "SETTLE_NOT_ELIGIBLE")  # an admission opened elsewhere since this visit began
        else:
            assert r.status_code == 200, r.text
            self.adds_up(r.json()["breakdown"])

    @precondition(lambda self: any(v.lines for v in self.visits))
    @rule(data=st.data(), with_msgid=st.booleans(), use_account=st.booleans())
    def settle(self, data: st.DataObject, with_msgid: bool, use_account: bool) -> None:
        v = data.draw(st.sampled_from([x for x in self.visits if x.lines]))  # pre-settle tries the empty ones
        n = next(self.n)
        body: dict[str, Any] = {"idempotency_key": f"sm-{self.tag}-{n:04d}", "use_account": use_account}
        if with_msgid:
            body["msgid"] = f"MSG-{self.tag}-S{n}"
        r = self.post(v.hospital, f"/visits/{v.mdtrt_id}/settle", body)
        if v.status == "SETTLED":
            self.refused(r, 409, "VISIT_ALREADY_SETTLED")
        elif not v.lines:
            self.refused(r, 422, "VISIT_NO_LINES")
        elif r.status_code == 422 and self.open_admission(v.person, but=v):
            self.refused(r, 422, "SETTLE_NOT_ELIGIBLE")
        else:
            assert r.status_code == 200 and r.json()["status"] == "SETTLED", r.text
            self.adds_up(r.json()["breakdown"])
            CALLS[("settled above a cap", 200)] += Decimal(r.json()["breakdown"]["above_cap_amt"]) > 0
            v.status = "SETTLED"
            self.setls.append(Setl(r.json()["setl_id"], v, body))

    @precondition(lambda self: self.setls)
    @rule(data=st.data())
    def replay_settle(self, data: st.DataObject) -> None:
        s = data.draw(st.sampled_from(self.setls))
        r = self.post(s.visit.hospital, f"/visits/{s.visit.mdtrt_id}/settle", s.body)
        assert r.status_code == 200, r.text  # also after a reversal: the same settlement, never a second one
        assert (r.json()["setl_id"], r.json()["status"], r.headers.get("Idempotent-Replayed")) == (s.setl_id, s.status,
                                                                                                    "true")

    @precondition(lambda self: self.setls)
    @rule(data=st.data(), with_msgid=st.booleans())
    def revoke(self, data: st.DataObject, with_msgid: bool) -> None:
        s = data.draw(st.sampled_from(self.setls))
        body: dict[str, Any] = {"reason": "退费"}
        if with_msgid:
            body["msgid"] = f"MSG-{self.tag}-R{next(self.n)}"
        r = self.post(s.visit.hospital, f"/settlements/{s.setl_id}/revoke", body)
        if s.status == "REVOKED":
            self.refused(r, 409, "SETTLEMENT_ALREADY_REVOKED")
            return
        assert r.status_code == 200 and r.json()["status"] == "REVOKED", r.text
        s.status, s.visit.status = "REVOKED", "OPEN"
        if with_msgid:
            s.revoke_body, s.revoke_reversed = body, False

    @precondition(lambda self: any(x.revoke_body is not None and not x.revoke_reversed for x in self.setls))
    @rule(data=st.data())
    def replay_revoke(self, data: st.DataObject) -> None:
        s = data.draw(st.sampled_from([x for x in self.setls if x.revoke_body is not None and not x.revoke_reversed]))
        assert s.revoke_body is not None
        r = self.post(s.visit.hospital, f"/settlements/{s.setl_id}/revoke", s.revoke_body)
        assert r.status_code == 200 and r.json()["setl_id"] == s.setl_id, r.text  # the same answer, no new effect

    @precondition(lambda self: any("msgid" in x.body for x in self.setls))
    @rule(data=st.data())
    def reverse_settle(self, data: st.DataObject) -> None:
        s = data.draw(st.sampled_from([x for x in self.setls if "msgid" in x.body]))
        r = self.post(s.visit.hospital, "/reversals", {"omsgid": s.body["msgid"]})
        assert r.status_code == 200, r.text
        out = r.json()
        if s.settle_reversed:
            assert out["result"] == "ALREADY_REVERSED", out
        elif s.status == "SETTLED":
            assert (out["result"], out["settlement_status"]) == ("REVERSED", "REVOKED"), out
            s.status, s.visit.status = "REVOKED", "OPEN"
        else:
            assert out["result"] == "NOTHING_TO_REVERSE", out
        s.settle_reversed = True

    @precondition(lambda self: any(x.revoke_body is not None and not x.revoke_reversed for x in self.setls))
    @rule(data=st.data())
    def reverse_revoke(self, data: st.DataObject) -> None:
        s = data.draw(st.sampled_from([x for x in self.setls if x.revoke_body is not None and not x.revoke_reversed]))
        assert s.revoke_body is not None
        r = self.post(s.visit.hospital, "/reversals", {"omsgid": s.revoke_body["msgid"]})
        if r.status_code == 409:
            self.refused(r, 409, "REVERSAL_NOT_POSSIBLE")  # something moved since: nothing changes
            return
        assert r.status_code == 200 and r.json()["result"] == "REVERSED", r.text
        # reinstated only if the visit was not settled again meanwhile: a visit is never paid twice
        assert s.status == "REVOKED" and s.visit.status == "OPEN", (s, r.text)
        s.status, s.visit.status, s.revoke_reversed = "SETTLED", "SETTLED", True

    @invariant()
    def one_live_settlement_per_settled_visit(self) -> None:
        live = Counter(s.visit.mdtrt_id for s in self.setls if s.status == "SETTLED")
        assert all(n <= 1 for n in live.values()), live
        assert {v.mdtrt_id for v in self.visits if v.status == "SETTLED"} == set(live)

    # --- after the run --------------------------------------------------------------------------------

    def teardown(self) -> None:
        ctx = self.ctx
        rep = ledger.verify(ctx)
        assert rep.ok, rep.problems
        ids = [p.id_number for p in self.persons]
        with unit_of_work(ctx.sessions) as s:
            pids = list(s.scalars(select(PersonRow.id).where(PersonRow.citizen_id.in_(ids))))
            rows = list(s.scalars(select(SettlementRow).where(SettlementRow.person_id.in_(pids))))
            accs = list(s.scalars(select(YearAccumulatorRow).where(YearAccumulatorRow.person_id.in_(pids))))
            persons = {p.id: p for p in s.scalars(select(PersonRow).where(PersonRow.id.in_(pids)))}
        # every answered settlement is there exactly once, as the last answer left it; nothing else is
        assert sorted((r.setl_id, r.status) for r in rows) == sorted((x.setl_id, x.status) for x in self.setls)
        for acc in accs:
            mine = [r for r in rows if (r.person_id, r.scheme, r.year) == (acc.person_id, acc.scheme, acc.year)]
            assert nonzero(YearAccumulators.model_validate(acc.content)) == nonzero(summed(acc.year, mine))
            found = ctx.packs.policy_for(persons[acc.person_id].insured_region, ctx.today())
            assert found is not None
            caps = found[1].schemes[acc.scheme].caps
            paid = YearAccumulators.model_validate(acc.content).fund_paid
            assert all(paid.get(pool, Decimal(0)) <= cap for pool, cap in caps.items()), (paid, caps)
        assert_trail_holds(ctx)


def summed(year: int, settlements: list[SettlementRow]) -> YearAccumulators:
    """What the non-revoked settlements added up to, from each one's own before and after."""
    total: dict[str, Any] = {"year": year, "admissions": 0}
    for r in settlements:
        if r.status != "SETTLED":
            continue
        a, b = YearAccumulators.model_validate(r.accumulators_after), YearAccumulators.model_validate(r.accumulators_before)
        total["admissions"] += a.admissions - b.admissions
        for name in ("deductible_paid", "inscope", "eligible", "cost_shared", "fund_paid", "layer_base", "layer_paid"):
            got: dict[str, Decimal] = total.setdefault(name, {})
            after, before = getattr(a, name), getattr(b, name)
            for k in set(after) | set(before):
                d = after.get(k, Decimal(0)) - before.get(k, Decimal(0))
                if d:
                    got[k] = got.get(k, Decimal(0)) + d
    return YearAccumulators.model_validate(total)


def nonzero(acc: YearAccumulators) -> dict[str, Any]:
    """The accumulators without entries at zero (a revoked settlement can leave a key at 0.00)."""
    out = acc.model_dump()
    return {k: ({kk: vv for kk, vv in v.items() if vv} if isinstance(v, dict) else v) for k, v in out.items()}


def test_hospital_api_state_machine(ctx: Context, client: TestClient) -> None:
    HospitalMachine.ctx, HospitalMachine.client = ctx, client
    CALLS.clear()
    run_state_machine_as_test(HospitalMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck)))
    print(f"\nstateful: {sum(CALLS.values())} requests: {dict(sorted(CALLS.items()))}")
    assert CALLS[("settle", 200)] and CALLS[("revoke", 200)] and CALLS[("reversals", 200)]  # the runs got deep


@pytest.fixture(autouse=True)
def _no_leftover_machine() -> Any:
    yield
    for attr in ("ctx", "client"):
        if attr in HospitalMachine.__dict__:
            delattr(HospitalMachine, attr)
