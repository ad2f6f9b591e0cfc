"""Monthly statistics (异地就医统计月报), set-based: cross-region settlements, filings, networked institutions, manual claims."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from yidi.domain.claim_rules.states import REJECTED_STATES
from yidi.domain.reference import is_province_code
from yidi.store.claim_models import ClaimRow
from yidi.store.models import FilingRow, InstitutionRow, InstitutionVisitTypeRow
from yidi.store.settlement_models import SettlementRow

Pair = tuple[str, str]  # (insured province, treatment province), province codes such as "110000"


@dataclass(frozen=True, slots=True)
class ClaimFigures:
    """Manual claims of the month: submitted, decided (and the days from first submission to decision), paid
    (and the days from first submission to payment). Days are totals so that averages stay exact."""

    submitted: int = 0
    decided: int = 0
    approved: int = 0
    rejected: int = 0
    decided_days: int = 0
    paid: int = 0
    paid_days: int = 0


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """One month's figures. Settlements: cross-region (insured region ≠ treatment region), settled in the month
    and not revoked since; per key (count, fund paid in fen). Filings: new filings made in the month (changes
    of an existing filing not counted again). Networked: institutions open today for each visit type."""

    by_visit_type: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_pair: dict[Pair, tuple[int, int]] = field(default_factory=dict)
    filings_by_type: dict[str, int] = field(default_factory=dict)
    networked_by_type: dict[str, int] = field(default_factory=dict)
    networked_total: int = 0
    claims: ClaimFigures = ClaimFigures()


class StatisticsRepository(Protocol):
    """What the statistics service reads: the month's figures for one insured region, a province (all its
    regions) or every region (None)."""

    def month(self, start: dt.date, end: dt.date, region: str | None) -> MonthFigures:
        """Figures of the days start..end (both included); `region` scopes by insured region (settlements,
        filings, claims) and by the institution's region (networked institutions)."""
        ...


def scoped(col: Any, region: str | None) -> list[ColumnElement[bool]]:
    """The condition that `col` lies in `region`: every region (None), a province (code ending 0000: all its
    regions), or one pooling region."""
    if region is None:
        return []
    if is_province_code(region):
        return [func.substr(col, 1, 2) == region[:2]]
    return [col == region]


def _province(col: Any) -> ColumnElement[str]:
    # the province of a 6-digit region code is its first two digits + "0000" (yidi.domain.reference.province_of)
    return func.substr(col, 1, 2).concat("0000")


class Statistics:
    """The SQL reads: one GROUP BY per figure, whatever the month's size."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _days(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        # date arithmetic differs: PostgreSQL subtracts dates to whole days, SQLite needs julianday()
        if self.session.get_bind().dialect.name == "sqlite":
            return func.julianday(later) - func.julianday(earlier)
        return later - earlier  # type: ignore[no-any-return]

    def month(self, start: dt.date, end: dt.date, region: str | None) -> MonthFigures:
        s, f, c = SettlementRow, FilingRow, ClaimRow
        setl = and_(s.settlement_date.between(start, end), s.status == "SETTLED",
                    s.insured_region != s.treatment_region,
                    *scoped(s.insured_region, region))
        q = self.session.execute
        by_type = {str(getattr(vt, "value", vt)): (int(n), int(fund or 0)) for vt, n, fund in q(
            select(s.visit_type, func.count(), func.sum(s.fund_pay_sumamt_fen)).where(setl).group_by(s.visit_type))}
        ins, trt = _province(s.insured_region), _province(s.treatment_region)
        by_pair = {(a, b): (int(n), int(fund or 0)) for a, b, n, fund in q(
            select(ins, trt, func.count(), func.sum(s.fund_pay_sumamt_fen)).where(setl).group_by(ins, trt))}
        filings = {str(getattr(t, "value", t)): int(n) for t, n in q(
            select(f.type, func.count()).where(f.created_on.between(start, end), f.supersedes.is_(None),
                                               *scoped(f.insured_region, region))
            .group_by(f.type))}
        i, v = InstitutionRow, InstitutionVisitTypeRow
        inst = scoped(i.region, region)
        networked = {str(getattr(t, "value", t)): int(n) for t, n in q(
            select(v.visit_type, func.count()).join(i, i.code == v.institution).where(*inst).group_by(v.visit_type))}
        total = q(select(func.count(func.distinct(v.institution))).join(i, i.code == v.institution)
                  .where(*inst)).scalar_one()
        return MonthFigures(by_type, by_pair, filings, networked, int(total), self._claims(c, start, end, region))

    def _claims(self, c: type[ClaimRow], start: dt.date, end: dt.date, region: str | None) -> ClaimFigures:
        scope = scoped(c.insured_region, region)
        q = self.session.execute
        submitted = q(select(func.count()).where(c.submitted_on.between(start, end), *scope)).scalar_one()
        decided = and_(c.decided_on.between(start, end), c.submitted_on.is_not(None), *scope)
        d_n, d_days = q(select(func.count(), func.sum(self._days(c.decided_on, c.submitted_on))).where(decided)).one()
        states = {st: int(n) for st, n in q(select(c.state, func.count()).where(decided).group_by(c.state))}
        rejected = sum(n for st, n in states.items() if str(getattr(st, "value", st)) in REJECTED_STATES)
        paid = and_(c.paid_on.between(start, end), c.submitted_on.is_not(None), *scope)
        p_n, p_days = q(select(func.count(), func.sum(self._days(c.paid_on, c.submitted_on))).where(paid)).one()
        # every claim decided in the month was either rejected (appealed since, or upheld) or approved (and may
        # be paid since)
        return ClaimFigures(int(submitted), int(d_n), int(d_n) - rejected, rejected, int(d_days or 0), int(p_n),
                            int(p_days or 0))
