"""Repositories of the monthly clearing (清算): runs, their stored lines and items, advance funds, and the
agencies' answers (confirmations and disputes). What a month's engine run produced is written here in bulk;
the settlements it reads are in yidi.store.repositories.clearing_settlements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any, Protocol

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.orm import Session

from yidi.domain.clearing import HOSPITAL_AMOUNTS, PAIR_AMOUNTS, AdvanceFund, ClearingRun, Dispute, Pair
from yidi.store import clearing_models as cm
from yidi.store.settlement_models import AuditRow, SettlementRow

Rows = Sequence[tuple[Any, ...]]
PAIR_COLUMNS = ["treatment_region", "insured_region", "treatment_province", "insured_province", "n_settle",
                "n_revoke", "n_adjust", *PAIR_AMOUNTS]
HOSPITAL_COLUMNS = ["treatment_region", "institution", "n_settle", "n_revoke", "n_adjust", *HOSPITAL_AMOUNTS]
PROVINCE_COLUMNS = ["province", "receivable_fen", "payable_fen", "net_fen", "intra_fen"]
NETTING_COLUMNS = ["payer_province", "payee_province", "gross_fen", "bilateral_net_fen"]
ITEM_COLUMNS = ["settlement_id", "setl_id", "delta", "reason", "adjustment"]
_RUN_FIELDS = [f.name for f in fields(ClearingRun)]
_DISPUTE_FIELDS = [f.name for f in fields(Dispute)]


class ClearingRunRepository(Protocol):
    """清算批次 one run per month, and the audit record of what was done to a month."""

    def get(self, month: str) -> ClearingRun | None: ...
    def all(self) -> list[ClearingRun]: ...
    def latest_closed(self) -> str | None: ...
    def first_closed(self) -> str | None: ...
    def earliest_open_before(self, month: str) -> str | None: ...
    def save(self, run: ClearingRun) -> None: ...
    def log(self, actor_role: str, actor: str, action: str, month: str, detail: dict[str, Any]) -> None: ...


class ClearingLineRepository(Protocol):
    """A month's stored results: pair and hospital lines, province positions, netting, and its items."""

    def replace(self, month: str, results: Mapping[str, Rows]) -> None:
        """Drop the month's lines and items and store the engine's `pair`, `hospital`, `province`,
        `netting` and `items` rows (the run must exist)."""
        ...

    def month_rows(self, month: str) -> dict[str, list[dict[str, Any]]]:
        """`pairs`, `hospitals`, `provinces`, `netting` of the month as dicts (column: value), each in key order."""
        ...


class AdvanceFundRepository(Protocol):
    """预付金 as sized for each month."""

    def previous_sized(self, month: str) -> dict[Pair, int]:
        """Per (payer, holder) province, the size of the fund in the latest month before `month`."""
        ...

    def replace(self, month: str, funds: Sequence[AdvanceFund]) -> None: ...
    def of_month(self, month: str, *, alerts_only: bool = False) -> list[AdvanceFund]: ...


class ClearingDisputeRepository(Protocol):
    """The agencies' answers on a closed month: confirmations, and disputes with the settlements they carry."""

    def get(self, dispute_id: int) -> Dispute | None: ...
    def of_month(self, month: str | None) -> list[Dispute]: ...
    def open_ids(self, month: str, region: str) -> list[int]: ...
    def taken(self, setl_ids: Sequence[str]) -> list[str]:
        """Those of `setl_ids` already carried by an OPEN or UPHELD dispute."""
        ...

    def add(self, dispute: Dispute, items: Sequence[tuple[int, str, int]]) -> int:
        """Store a new dispute with its (settlement row id, setl_id, cleared fen) items; its new ID."""
        ...

    def save(self, dispute: Dispute) -> None: ...
    def items(self, dispute_id: int, *, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        """A page of the dispute's (setl_id, cleared fen), by setl_id."""
        ...

    def totals(self, dispute_id: int) -> tuple[int, int]:
        """How many settlements the dispute carries and their amount (fen)."""
        ...

    def lines(self, dispute_ids: Iterable[int]) -> dict[int, frozenset[Pair]]:
        """Per dispute, the (treatment, insured) region pairs its settlements sit on."""
        ...

    def landed_in(self, dispute_id: int) -> list[tuple[str, int]]:
        """(month, settlements) where the upheld dispute's adjustment was cleared."""
        ...

    def confirmations(self, month: str) -> list[dict[str, Any]]: ...
    def answer(self, month: str, region: str, status: str, note: str, actor: str, at: dt.datetime) -> None:
        """Record the agency's answer on the month (CONFIRMED or DISPUTED), replacing an earlier one."""
        ...


def _plain(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.datetime | dt.date) else v


def _dicts(rows: Iterable[Any], skip: Sequence[str] = ("id", "month")) -> list[dict[str, Any]]:
    return [{c.key: _plain(getattr(o, c.key)) for c in o.__table__.columns if c.key not in skip} for o in rows]


class ClearingRuns:
    """The SQL runs repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, month: str) -> ClearingRun | None:
        row = self.s.get(cm.ClearingRunRow, month)
        return None if row is None else ClearingRun(**{f: getattr(row, f) for f in _RUN_FIELDS})

    def all(self) -> list[ClearingRun]:
        rows = self.s.scalars(select(cm.ClearingRunRow).order_by(cm.ClearingRunRow.month))
        return [ClearingRun(**{f: getattr(r, f) for f in _RUN_FIELDS}) for r in rows]

    def latest_closed(self) -> str | None:
        r = cm.ClearingRunRow
        return self.s.scalar(select(func.max(r.month)).where(r.status == "CLOSED"))

    def first_closed(self) -> str | None:
        r = cm.ClearingRunRow
        return self.s.scalar(select(func.min(r.month)).where(r.status == "CLOSED"))

    def earliest_open_before(self, month: str) -> str | None:
        r = cm.ClearingRunRow
        return self.s.scalar(select(func.min(r.month)).where(r.status == "OPEN", r.month < month))

    def save(self, run: ClearingRun) -> None:
        row = self.s.get(cm.ClearingRunRow, run.month)
        if row is None:
            row = cm.ClearingRunRow(month=run.month)
            self.s.add(row)
        for f in _RUN_FIELDS[1:]:
            setattr(row, f, getattr(run, f))
        self.s.flush()

    def log(self, actor_role: str, actor: str, action: str, month: str, detail: dict[str, Any]) -> None:
        self.s.add(AuditRow(actor_role=actor_role, actor=actor, action=action, object_type="clearing",
                            object_id=month, detail=detail))


def _bulk(s: Session, table: type[Any], month: str, cols: list[str], rows: Iterable[Sequence[Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({"month": month, **dict(zip(cols, row, strict=True))})
        if len(batch) >= 5000:
            s.execute(insert(table), batch)
            batch = []
    if batch:
        s.execute(insert(table), batch)


class ClearingLines:
    """The SQL lines repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def replace(self, month: str, results: Mapping[str, Rows]) -> None:
        for t in (cm.ClearingItemRow, cm.ClearingPairLineRow, cm.ClearingHospitalLineRow, cm.ClearingProvinceRow,
                  cm.ClearingNettingRow):
            self.s.execute(delete(t).where(t.month == month))
        _bulk(self.s, cm.ClearingPairLineRow, month, PAIR_COLUMNS, results["pair"])
        _bulk(self.s, cm.ClearingHospitalLineRow, month, HOSPITAL_COLUMNS, results["hospital"])
        _bulk(self.s, cm.ClearingProvinceRow, month, PROVINCE_COLUMNS, results["province"])
        _bulk(self.s, cm.ClearingNettingRow, month, NETTING_COLUMNS, results["netting"])
        _bulk(self.s, cm.ClearingItemRow, month, ITEM_COLUMNS,
              ((sid, setl, d, why, bool(adj)) for sid, setl, d, why, adj in results["items"]))

    def month_rows(self, month: str) -> dict[str, list[dict[str, Any]]]:
        p, h, pr, n = cm.ClearingPairLineRow, cm.ClearingHospitalLineRow, cm.ClearingProvinceRow, cm.ClearingNettingRow

        def rows(t: Any, *order: Any) -> list[dict[str, Any]]:
            return _dicts(self.s.scalars(select(t).where(t.month == month).order_by(*order)))

        return {"pairs": rows(p, p.treatment_region, p.insured_region), "hospitals": rows(h, h.institution),
                "provinces": rows(pr, pr.province), "netting": rows(n, n.payer_province, n.payee_province)}


class AdvanceFunds:
    """The SQL advance-fund repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def previous_sized(self, month: str) -> dict[Pair, int]:
        a = cm.ClearingAdvanceFundRow
        last = (select(a.payer_province, a.holder_province, func.max(a.month).label("mm"))
                .where(a.month < month).group_by(a.payer_province, a.holder_province).subquery())
        q = select(a.payer_province, a.holder_province, a.sized_fen).join(
            last, and_(last.c.payer_province == a.payer_province, last.c.holder_province == a.holder_province,
                       last.c.mm == a.month))
        return {(p, h): int(v) for p, h, v in self.s.execute(q)}

    def replace(self, month: str, funds: Sequence[AdvanceFund]) -> None:
        a = cm.ClearingAdvanceFundRow
        self.s.execute(delete(a).where(a.month == month))
        if funds:
            self.s.execute(insert(a), [{"month": month, **asdict(f)} for f in funds])

    def of_month(self, month: str, *, alerts_only: bool = False) -> list[AdvanceFund]:
        a = cm.ClearingAdvanceFundRow
        q = select(a).where(a.month == month).order_by(a.holder_province, a.payer_province)
        if alerts_only:
            q = q.where(a.alert.is_(True))
        return [AdvanceFund(x.holder_province, x.payer_province, x.base_year, x.base_year_fen, x.months, x.sized_fen,
                            x.previous_sized_fen, x.review_delta_fen, x.used_fen, x.used_pct, x.warning_pct, x.alert,
                            x.topup_request_fen) for x in self.s.scalars(q)]


class ClearingDisputes:
    """The SQL disputes-and-confirmations repository."""

    def __init__(self, session: Session) -> None:
        self.s = session

    @staticmethod
    def _of(row: cm.ClearingDisputeRow) -> Dispute:
        return Dispute(**{f: getattr(row, f) for f in _DISPUTE_FIELDS})

    def get(self, dispute_id: int) -> Dispute | None:
        row = self.s.get(cm.ClearingDisputeRow, dispute_id)
        return None if row is None else self._of(row)

    def of_month(self, month: str | None) -> list[Dispute]:
        d = cm.ClearingDisputeRow
        q = select(d).order_by(d.id)
        if month:
            q = q.where(d.month == month)
        return [self._of(r) for r in self.s.scalars(q)]

    def open_ids(self, month: str, region: str) -> list[int]:
        d = cm.ClearingDisputeRow
        return list(self.s.scalars(select(d.id).where(d.month == month, d.region == region, d.status == "OPEN")))

    def taken(self, setl_ids: Sequence[str]) -> list[str]:
        d, di = cm.ClearingDisputeRow, cm.ClearingDisputeItemRow
        return list(self.s.scalars(select(di.setl_id).join(d, d.id == di.dispute_id)
                                   .where(di.setl_id.in_(setl_ids), d.status.in_(("OPEN", "UPHELD")))))

    def add(self, dispute: Dispute, items: Sequence[tuple[int, str, int]]) -> int:
        row = cm.ClearingDisputeRow(**{f: getattr(dispute, f) for f in _DISPUTE_FIELDS if f != "id"})
        self.s.add(row)
        self.s.flush()
        self.s.execute(insert(cm.ClearingDisputeItemRow), [
            {"dispute_id": row.id, "settlement_id": sid, "setl_id": setl, "cleared_fen": fen} for sid, setl, fen in items])
        return row.id

    def save(self, dispute: Dispute) -> None:
        row = self.s.get(cm.ClearingDisputeRow, dispute.id)
        if row is None:  # pragma: no cover - services save only disputes they found
            raise LookupError(f"no dispute {dispute.id}")
        for f in _DISPUTE_FIELDS[1:]:
            setattr(row, f, getattr(dispute, f))
        self.s.flush()

    def items(self, dispute_id: int, *, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        di = cm.ClearingDisputeItemRow
        q = (select(di.setl_id, di.cleared_fen).where(di.dispute_id == dispute_id).order_by(di.setl_id)
             .limit(limit).offset(offset))
        return [(x, int(v)) for x, v in self.s.execute(q)]

    def totals(self, dispute_id: int) -> tuple[int, int]:
        di = cm.ClearingDisputeItemRow
        n, fen = self.s.execute(select(func.count(), func.sum(di.cleared_fen)).where(di.dispute_id == dispute_id)).one()
        return int(n), int(fen or 0)

    def lines(self, dispute_ids: Iterable[int]) -> dict[int, frozenset[Pair]]:
        ids = list(dispute_ids)
        if not ids:
            return {}
        di, st = cm.ClearingDisputeItemRow, SettlementRow
        q = (select(di.dispute_id, st.treatment_region, st.insured_region).distinct()
             .join(st, st.id == di.settlement_id).where(di.dispute_id.in_(ids)))
        out: dict[int, set[Pair]] = {i: set() for i in ids}
        for did, t, i in self.s.execute(q):
            out[did].add((t, i))
        return {k: frozenset(v) for k, v in out.items()}

    def landed_in(self, dispute_id: int) -> list[tuple[str, int]]:
        di, it = cm.ClearingDisputeItemRow, cm.ClearingItemRow
        q = (select(it.month, func.count()).join(di, di.settlement_id == it.settlement_id)
             .where(di.dispute_id == dispute_id, it.reason == "DISPUTE").group_by(it.month))
        return [(m, int(n)) for m, n in self.s.execute(q)]

    def confirmations(self, month: str) -> list[dict[str, Any]]:
        c = cm.ClearingConfirmationRow
        return _dicts(self.s.scalars(select(c).where(c.month == month).order_by(c.region)))

    def answer(self, month: str, region: str, status: str, note: str, actor: str, at: dt.datetime) -> None:
        row = self.s.get(cm.ClearingConfirmationRow, (month, region))
        if row is None:
            row = cm.ClearingConfirmationRow(month=month, region=region)
            self.s.add(row)
        row.status, row.note, row.actor, row.at = status, note, actor, at

