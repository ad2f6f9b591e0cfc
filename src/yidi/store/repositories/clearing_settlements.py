"""Settlements as the monthly clearing reads them, set-based: the engine's inputs (column by column), the year's
cross-province totals that size advance funds, and the second, independent path that verifies a stored
month (its items joined to their settlements, summed in the store's own database).

These reads are bulk Core SQL by design: a month is millions of rows on the national scale, so rows never
become Python objects one by one except where a door pages through them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, and_, case, func, or_, select
from sqlalchemy.orm import Session

from yidi.domain.clearing import SETTLEMENT_COLUMNS, Month, Pair
from yidi.domain.reference import province_of
from yidi.store import clearing_models as cm
from yidi.store.settlement_models import SettlementRow


def _accounts(t: type[SettlementRow]) -> Any:
    """What personal accounts paid of a settlement, the person's own and a family member's (家庭共济): the
    insured region's agency clears both to the treatment region like the funds."""
    return t.acct_pay_fen + t.acct_mulaid_pay_fen


LineFilter = Callable[[str, str], bool]  # (treatment region, insured region) -> on the caller's lines?
Columns = dict[str, dict[str, list[Any]]]  # per input relation (yidi.domain.clearing.INPUTS): column -> values


class ClearingSettlementRepository(Protocol):
    """What clearing reads of the settlements (the rows themselves belong to settlement)."""

    def since(self, m: Month) -> dt.date:
        """The first day clearing covers: the first month ever closed, else the month being run."""
        ...

    def inputs(self, m: Month, since: dt.date) -> Columns:
        """The engine's inputs for month `m` (settlements, cleared, excluded), column by column."""
        ...

    def cross_province_totals(self, year: int) -> dict[Pair, int]:
        """Per (payer = insured, holder = treatment) province: the year's fund + account payments, settled in
        the year minus revoked in the year."""
        ...

    def recomputed_pairs(self, month: str) -> dict[Pair, tuple[int, ...]]:
        """Per pair line, from the month's items and their settlements: (count, the nine amounts, cleared, adjust)."""
        ...

    def recomputed_hospitals(self, month: str) -> dict[str, tuple[int, int]]:
        """Per institution, from the month's items: (count, cleared)."""
        ...

    def items(self, month: str, *, on_lines: LineFilter | None = None, limit: int) -> list[dict[str, Any]]:
        """The month's items with their settlements, by settlement; only those `on_lines` accepts; at most `limit`."""
        ...

    def month_items(self, month: str, setl_ids: Sequence[str]) -> list[tuple[int, str, int, str, str, int]]:
        """The month's items of `setl_ids`: (settlement row id, setl_id, delta, treatment, insured, cleared fen)."""
        ...


def _excluded_ids(m: Month) -> Any:
    d, di = cm.ClearingDisputeRow, cm.ClearingDisputeItemRow
    return (select(di.settlement_id).join(d, d.id == di.dispute_id)
            .where(d.status == "UPHELD", d.effective_month <= str(m)))


def clearing_since(conn: Connection, m: Month) -> dt.date:
    """The first day clearing covers: the first month ever closed, else the month being run."""
    first = conn.execute(select(func.min(cm.ClearingRunRow.month)).where(cm.ClearingRunRow.status == "CLOSED")).scalar()
    return min(Month.parse(first).start, m.start) if first else m.start


def extract(conn: Connection, m: Month, since: dt.date | None = None) -> Columns:
    """The clearing inputs for month `m` from the store, column by column (yidi.clearing.engines.arrow_inputs
    makes the engines' Arrow tables of them).

    `settlements` is a superset of what can move this month — dated in the month, revoked in it, or
    older and not yet in step with what closed months cleared (never cleared, revoked or reinstated
    since, or taken out by a dispute) — so the store never scans more than it must; the definition
    decides exactly what moves.
    """
    s, i, r = SettlementRow, cm.ClearingItemRow, cm.ClearingRunRow
    cleared = (select(i.settlement_id.label("sid"), func.sum(i.delta).label("net"), func.count().label("n"))
               .join(r, r.month == i.month).where(r.status == "CLOSED", i.month < str(m))
               .group_by(i.settlement_id).subquery())
    excluded = _excluded_ids(m)
    start, end = m.start, m.end
    cond = and_(
        s.settlement_date >= (since or start), s.settlement_date <= end, s.insured_region != s.treatment_region,
        or_(
            s.settlement_date >= start,
            and_(s.revoked_on >= start, s.revoked_on <= end),
            and_(cleared.c.sid.is_(None), or_(s.revoked_on.is_(None), s.revoked_on >= start)),
            and_(cleared.c.net == 1, s.revoked_on.is_not(None)),
            and_(cleared.c.net == 0, s.revoked_on.is_(None)),
            s.id.in_(excluded),
        ))
    cols = [s.id, s.setl_id, s.institution, s.insured_region, s.treatment_region, s.visit_type,
            s.settlement_date, s.revoked_on, s.medfee_sumamt_fen, s.hifp_pay_fen, s.hifob_pay_fen,
            s.cvlserv_pay_fen, s.hifmi_pay_fen, s.maf_pay_fen, s.fund_pay_sumamt_fen, _accounts(s),
            s.psn_cash_pay_fen, cleared.c.net, cleared.c.n]
    rows = conn.execute(select(*cols).outerjoin(cleared, cleared.c.sid == s.id).where(cond)
                        .order_by(s.id)).all()
    names = [n for n, _ in SETTLEMENT_COLUMNS]
    data: dict[str, list[Any]] = {n: [] for n in names}
    cl: dict[str, list[Any]] = {"settlement_id": [], "net": [], "n": []}
    for row in rows:
        for n, v in zip(names, row[:17], strict=True):
            data[n].append(v.value if n == "visit_type" and hasattr(v, "value") else v)
        if row[17] is not None:
            cl["settlement_id"].append(row[0])
            cl["net"].append(int(row[17]))
            cl["n"].append(int(row[18]))
    ex = [sid for (sid,) in conn.execute(excluded)]
    return {"settlements": data, "cleared": cl, "excluded": {"settlement_id": ex}}


class ClearingSettlements:
    """The SQL reads of settlements for clearing."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def since(self, m: Month) -> dt.date:
        return clearing_since(self.s.connection(), m)

    def inputs(self, m: Month, since: dt.date) -> Columns:
        return extract(self.s.connection(), m, since)

    def cross_province_totals(self, year: int) -> dict[Pair, int]:
        s = SettlementRow
        amt = func.sum(s.fund_pay_sumamt_fen + _accounts(s))
        y0, y1 = dt.date(year, 1, 1), dt.date(year, 12, 31)
        out: dict[Pair, int] = defaultdict(int)
        for col, sign in ((s.settlement_date, 1), (s.revoked_on, -1)):
            q = (select(s.insured_region, s.treatment_region, amt).where(col >= y0, col <= y1)
                 .group_by(s.insured_region, s.treatment_region))
            for ins, tr, v in self.s.execute(q):
                if province_of(ins) != province_of(tr):
                    out[province_of(ins), province_of(tr)] += sign * int(v or 0)
        return dict(out)

    def recomputed_pairs(self, month: str) -> dict[Pair, tuple[int, ...]]:
        st, it = SettlementRow, cm.ClearingItemRow
        d = it.delta
        f_cleared = d * (st.fund_pay_sumamt_fen + _accounts(st))
        amounts = [func.sum(d * c) for c in (st.medfee_sumamt_fen, st.hifp_pay_fen, st.hifob_pay_fen,
                                             st.cvlserv_pay_fen, st.hifmi_pay_fen, st.maf_pay_fen,
                                             st.fund_pay_sumamt_fen, _accounts(st), st.psn_cash_pay_fen)]
        adj = func.sum(case((it.adjustment.is_(True), f_cleared), else_=0))
        q = (select(st.treatment_region, st.insured_region, func.count(), *amounts, func.sum(f_cleared), adj)
             .join(st, st.id == it.settlement_id).where(it.month == month)
             .group_by(st.treatment_region, st.insured_region))
        return {(t, i): tuple(int(v or 0) for v in rest) for t, i, *rest in self.s.execute(q)}

    def recomputed_hospitals(self, month: str) -> dict[str, tuple[int, int]]:
        st, it = SettlementRow, cm.ClearingItemRow
        f_cleared = it.delta * (st.fund_pay_sumamt_fen + _accounts(st))
        q = (select(st.institution, func.count(), func.sum(f_cleared))
             .join(st, st.id == it.settlement_id).where(it.month == month).group_by(st.institution))
        return {k: (int(n), int(v or 0)) for k, n, v in self.s.execute(q)}

    def items(self, month: str, *, on_lines: LineFilter | None = None, limit: int) -> list[dict[str, Any]]:
        it, st = cm.ClearingItemRow, SettlementRow
        q = (select(it.setl_id, it.delta, it.reason, it.adjustment, st.institution, st.treatment_region,
                    st.insured_region, st.settlement_date, st.revoked_on, st.fund_pay_sumamt_fen, _accounts(st))
             .join(st, st.id == it.settlement_id).where(it.month == month).order_by(it.settlement_id))
        out: list[dict[str, Any]] = []
        for r in self.s.execute(q):
            if on_lines is not None and not on_lines(r[5], r[6]):
                continue
            out.append({"setl_id": r[0], "delta": r[1], "reason": r[2], "adjustment": r[3], "institution": r[4],
                        "treatment_region": r[5], "insured_region": r[6], "settlement_date": r[7].isoformat(),
                        "revoked_on": r[8].isoformat() if r[8] else None,
                        "cleared_fen": r[1] * (int(r[9]) + int(r[10]))})
            if len(out) >= limit:
                break
        return out

    def month_items(self, month: str, setl_ids: Sequence[str]) -> list[tuple[int, str, int, str, str, int]]:
        it, st = cm.ClearingItemRow, SettlementRow
        rows = self.s.execute(select(it.settlement_id, it.setl_id, it.delta, st.treatment_region, st.insured_region,
                                     st.fund_pay_sumamt_fen + _accounts(st))
                              .join(st, st.id == it.settlement_id)
                              .where(it.month == month, it.setl_id.in_(setl_ids)))
        return [(sid, setl, d, t, i, int(fen)) for sid, setl, d, t, i, fen in rows]
