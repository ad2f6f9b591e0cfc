"""The in-memory twin of the statistics reads: the same selection as yidi.store.repositories.statistics, over dicts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from yidi.domain.claim_rules.states import REJECTED_STATES
from yidi.domain.reference import is_province_code, province_of
from yidi.store.memory.tables import Tables
from yidi.store.repositories.statistics import ClaimFigures, MonthFigures, Pair


def _in(code: str, region: str | None) -> bool:
    # as yidi.store.repositories.statistics.scoped: everywhere, a whole province, or one region
    return region is None or code == region or (is_province_code(region) and province_of(code) == region)


def _add(into: dict[str, tuple[int, int]] | dict[Pair, tuple[int, int]], key: object, fund: int) -> None:
    n, total = into.get(key, (0, 0))  # type: ignore[call-overload]
    into[key] = (n + 1, total + fund)  # type: ignore[index]


class MemoryStatistics:
    def __init__(self, tables: Tables) -> None:
        self.t = tables

    def month(self, start: dt.date, end: dt.date, region: str | None) -> MonthFigures:
        by_type: dict[str, tuple[int, int]] = {}
        by_pair: dict[Pair, tuple[int, int]] = {}
        for s in self.t.settlements.values():
            if (start <= s.settlement_date <= end and s.status == "SETTLED" and s.insured_region != s.treatment_region
                    and _in(s.insured_region, region)):
                _add(by_type, s.visit_type.value, s.fund_pay_sumamt_fen)
                _add(by_pair, (province_of(s.insured_region), province_of(s.treatment_region)), s.fund_pay_sumamt_fen)
        filings = Counter(f.type.value for f in self.t.filings.values()
                          if start <= f.created_on <= end and f.supersedes is None and _in(f.insured_region, region))
        insts = [i for i in self.t.institutions.values() if i.networked and _in(i.region, region)]
        networked = Counter(vt.value for i in insts for vt in i.networked)
        return MonthFigures(by_type, by_pair, dict(filings), dict(networked), len(insts), self._claims(start, end, region))

    def _claims(self, start: dt.date, end: dt.date, region: str | None) -> ClaimFigures:
        def within(day: dt.date | None) -> bool:
            return day is not None and start <= day <= end

        def days(later: dt.date | None, earlier: dt.date | None) -> int:
            assert later is not None and earlier is not None  # only called on claims `within` selected
            return (later - earlier).days

        mine = [c for c in self.t.claims.values() if _in(c.insured_region, region) and c.submitted_on is not None]
        decided = [c for c in mine if within(c.decided_on)]
        paid = [c for c in mine if within(c.paid_on)]
        rejected = sum(c.state.value in REJECTED_STATES for c in decided)
        return ClaimFigures(
            submitted=sum(within(c.submitted_on) for c in mine), decided=len(decided),
            approved=len(decided) - rejected, rejected=rejected,
            decided_days=sum(days(c.decided_on, c.submitted_on) for c in decided),
            paid=len(paid), paid_days=sum(days(c.paid_on, c.submitted_on) for c in paid))
