"""Synthetic settlements written straight into the store's tables (tests, the demo, benchmarks), audited.

yidi.clearing.synth decides what a synthetic month holds; this module alone knows the tables. Rows are in the
shape the settlement service writes (every amount in fen, status SETTLED/REVOKED, dates), marked synthetic
(pack "synthetic", breakdown {"synthetic": true}), and go through an audited session so the audit trail's row
log knows them (`yidi audit verify` stays green).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from yidi.domain.enums import Category, InstitutionKind, InsuranceStatus, Scheme, VisitType
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import InstitutionRow, PersonRow, RegionRow, VisitRow
from yidi.store.settlement_models import SettlementRow

_CHUNK = 500  # rows per INSERT: well under every driver's parameter limit


@dataclass(frozen=True, slots=True)
class SyntheticSettlement:
    """One settlement and its visit; amounts in fen (the fund is the sum of its five parts)."""

    setl_id: str
    person_id: int
    institution: str
    insured_region: str
    treatment_region: str
    visit_type: VisitType
    scheme: Scheme
    day: dt.date
    revoked_on: dt.date | None
    hifp: int
    hifob: int = 0
    cvlserv: int = 0
    hifmi: int = 0
    maf: int = 0
    acct: int = 0
    cash: int = 0
    mulaid: int = 0  # paid by a family member's account (家庭共济); the person stands in as that member

    @property
    def fund(self) -> int:
        return self.hifp + self.hifob + self.cvlserv + self.hifmi + self.maf


def at_ten(day: dt.date) -> dt.datetime:
    """The time of day synthetic settlements and revocations are stamped with."""
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def _visit_row(s: SyntheticSettlement) -> dict[str, Any]:
    return {"person_id": s.person_id, "institution": s.institution, "visit_type": s.visit_type,
            "admitted_on": s.day, "discharged_on": s.day, "status": "SETTLED"}


def _settlement_row(s: SyntheticSettlement, visit_id: int) -> dict[str, Any]:
    fund = s.fund
    return {
        "setl_id": s.setl_id, "visit_id": visit_id, "person_id": s.person_id, "institution": s.institution,
        "insured_region": s.insured_region, "treatment_region": s.treatment_region, "visit_type": s.visit_type,
        "scheme": s.scheme, "year": s.day.year, "idempotency_key": s.setl_id, "request_hash": "synthetic",
        "status": "REVOKED" if s.revoked_on else "SETTLED", "pack": "synthetic", "policy_version": "synthetic",
        "visit_revision": 0, "line_count": 0, "medfee_sumamt_fen": fund + s.acct + s.mulaid + s.cash,
        "fulamt_ownpay_amt_fen": 0, "overlmt_selfpay_fen": 0, "preselfpay_amt_fen": 0,
        "inscp_scp_amt_fen": fund, "cross_region_selfpay_amt_fen": 0, "act_pay_dedc_fen": 0,
        "hifp_pay_fen": s.hifp, "above_cap_amt_fen": 0, "above_cap_fund_amt_fen": 0, "hifob_pay_fen": s.hifob,
        "cvlserv_pay_fen": s.cvlserv, "hifmi_pay_fen": s.hifmi, "maf_pay_fen": s.maf, "fund_pay_sumamt_fen": fund,
        "psn_part_amt_fen": s.acct + s.mulaid + s.cash, "acct_pay_fen": s.acct, "psn_cash_pay_fen": s.cash, "balc_fen": 0,
        "acct_mulaid_pay_fen": s.mulaid, "mulaid_payer_id": s.person_id if s.mulaid else None,
        "breakdown": {"synthetic": True}, "accumulators_before": {}, "accumulators_after": {},
        "settlement_date": s.day, "settled_at": at_ten(s.day), "revoked_on": s.revoked_on,
        "revoked_at": at_ten(s.revoked_on) if s.revoked_on else None, "acc_version_after": 0,
    }


class SyntheticRows:
    """The reads and writes of synthetic data, inside one audited transaction (see `audited`)."""

    def __init__(self, session: Session) -> None:
        self._s = session

    def region_codes(self) -> list[str]:
        return [r for (r,) in self._s.execute(select(RegionRow.code).order_by(RegionRow.code))]

    def institutions(self, kind: InstitutionKind) -> list[tuple[str, str]]:
        """(code, region) of every institution of one kind, by code."""
        return [(c, r) for c, r in self._s.execute(select(InstitutionRow.code, InstitutionRow.region)
                                                   .where(InstitutionRow.kind == kind)
                                                   .order_by(InstitutionRow.code))]

    def region_of(self, institution: str) -> str:
        return str(self._s.execute(select(InstitutionRow.region)
                                   .where(InstitutionRow.code == institution)).scalar_one())

    def settlements_starting(self, prefix: str) -> int:
        """How many settlements have a setl_id starting with `prefix` (a month already seeded)."""
        return int(self._s.execute(select(func.count()).select_from(SettlementRow)
                                   .where(SettlementRow.setl_id.like(f"{prefix}%"))).scalar_one())

    def persons(self, region: str, wanted: Sequence[tuple[str, Scheme]]) -> list[tuple[int, Scheme]]:
        """The (id, scheme) of the persons with these ID numbers, insured in `region`, created where missing;
        a person already on file keeps the scheme it has."""
        ids = [c for c, _ in wanted]

        def have() -> dict[str, int]:
            return dict(self._s.execute(select(PersonRow.citizen_id, PersonRow.id)
                                        .where(PersonRow.citizen_id.in_(ids))).all())

        found = have()
        new = [{"citizen_id": c, "name": f"示例{c[-4:]}", "insured_region": region, "scheme": s,
                "category": Category.ACTIVE, "status": InsuranceStatus.ACTIVE, "account_balance_fen": 0}
               for c, s in wanted if c not in found]
        if new:
            self._s.execute(insert(PersonRow), new)
            found = have()
        scheme_of = dict(self._s.execute(select(PersonRow.id, PersonRow.scheme)
                                         .where(PersonRow.id.in_(list(found.values())))).all())
        return [(pid, Scheme(scheme_of[pid])) for pid in sorted(found.values())]

    def add(self, settlements: Sequence[SyntheticSettlement]) -> list[int]:
        """Write each settlement and its visit; returns the settlements' ids in order."""
        out: list[int] = []
        for lo in range(0, len(settlements), _CHUNK):
            chunk = settlements[lo:lo + _CHUNK]
            visit_ids = self._s.execute(insert(VisitRow).returning(VisitRow.id, sort_by_parameter_order=True),
                                        [_visit_row(s) for s in chunk]).scalars().all()
            rows = [_settlement_row(s, v) for s, v in zip(chunk, visit_ids, strict=True)]
            out += self._s.execute(insert(SettlementRow).returning(SettlementRow.id, sort_by_parameter_order=True),
                                   rows).scalars().all()
        return out

    def revoke(self, setl_id: str, on: dt.date) -> int:
        """Mark a live settlement revoked on a day; returns how many rows changed (0 or 1)."""
        result = self._s.execute(update(SettlementRow)
                                 .where(SettlementRow.setl_id == setl_id, SettlementRow.status == "SETTLED")
                                 .values(status="REVOKED", revoked_on=on, revoked_at=at_ten(on)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def reinstate(self, setl_id: str) -> None:
        self._s.execute(update(SettlementRow).where(SettlementRow.setl_id == setl_id)
                        .values(status="SETTLED", revoked_on=None, revoked_at=None))


@contextmanager
def audited(engine: Engine) -> Iterator[SyntheticRows]:
    """A transaction whose writes are audited like any use case's (they are in the row log too)."""
    with unit_of_work(session_factory(engine)) as s:
        yield SyntheticRows(s)
