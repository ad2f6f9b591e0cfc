"""In-memory twins of the clearing repositories, with the settlements clearing reads kept as plain tuples.

The twin of the set-based reads (`MemoryClearingSettlements`) states the same selection as the SQL
(yidi.store.repositories.clearing_settlements.extract) in Python, so that a month runs end to end on the
engine without a database; a test on both stores keeps the two readings equal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from yidi.domain.clearing import AdvanceFund, ClearingRun, Dispute, Month, Pair
from yidi.domain.reference import province_of
from yidi.store.repositories.clearing import HOSPITAL_COLUMNS, NETTING_COLUMNS, PAIR_COLUMNS, PROVINCE_COLUMNS
from yidi.store.repositories.clearing_settlements import Columns, LineFilter


class ClearingSettlement(NamedTuple):
    """A settlement as clearing reads it (the columns of the definition's `settlements` input, amounts in fen)."""

    id: int
    setl_id: str
    institution: str
    insured_region: str
    treatment_region: str
    visit_type: str
    settlement_date: dt.date
    revoked_on: dt.date | None
    medfee: int
    hifp: int
    hifob: int
    cvlserv: int
    hifmi: int
    maf: int
    fund: int
    acct: int
    cash: int


Item = tuple[int, str, int, str, bool]  # settlement id, setl_id, delta, reason, adjustment


@dataclass
class ClearingTables:
    settlements: dict[int, ClearingSettlement] = field(default_factory=dict)
    runs: dict[str, ClearingRun] = field(default_factory=dict)
    lines: dict[str, dict[str, list[dict[str, Any]]]] = field(default_factory=dict)
    items: dict[str, list[Item]] = field(default_factory=dict)
    advance: dict[str, list[AdvanceFund]] = field(default_factory=dict)
    disputes: dict[int, Dispute] = field(default_factory=dict)
    dispute_items: dict[int, list[tuple[int, str, int]]] = field(default_factory=dict)
    confirmations: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    log: list[tuple[str, str, str, str, dict[str, Any]]] = field(default_factory=list)


class MemoryClearingRuns:
    def __init__(self, t: ClearingTables) -> None:
        self.t = t

    def get(self, month: str) -> ClearingRun | None:
        run = self.t.runs.get(month)
        return None if run is None else ClearingRun(**vars(run))

    def all(self) -> list[ClearingRun]:
        return [ClearingRun(**vars(self.t.runs[m])) for m in sorted(self.t.runs)]

    def latest_closed(self) -> str | None:
        return max((m for m, r in self.t.runs.items() if r.status == "CLOSED"), default=None)

    def first_closed(self) -> str | None:
        return min((m for m, r in self.t.runs.items() if r.status == "CLOSED"), default=None)

    def earliest_open_before(self, month: str) -> str | None:
        return min((m for m, r in self.t.runs.items() if r.status == "OPEN" and m < month), default=None)

    def save(self, run: ClearingRun) -> None:
        self.t.runs[run.month] = ClearingRun(**vars(run))

    def log(self, actor_role: str, actor: str, action: str, month: str, detail: dict[str, Any]) -> None:
        self.t.log.append((actor_role, actor, action, month, detail))


class MemoryClearingLines:
    def __init__(self, t: ClearingTables) -> None:
        self.t = t

    def replace(self, month: str, results: Mapping[str, Sequence[tuple[Any, ...]]]) -> None:
        def dicts(cols: list[str], rows: Iterable[Sequence[Any]], *key: str) -> list[dict[str, Any]]:
            return sorted((dict(zip(cols, r, strict=True)) for r in rows), key=lambda d: tuple(d[k] for k in key))

        self.t.lines[month] = {
            "pairs": dicts(PAIR_COLUMNS, results["pair"], "treatment_region", "insured_region"),
            "hospitals": dicts(HOSPITAL_COLUMNS, results["hospital"], "institution"),
            "provinces": dicts(PROVINCE_COLUMNS, results["province"], "province"),
            "netting": dicts(NETTING_COLUMNS, results["netting"], "payer_province", "payee_province")}
        self.t.items[month] = [(sid, setl, d, why, bool(adj)) for sid, setl, d, why, adj in results["items"]]

    def month_rows(self, month: str) -> dict[str, list[dict[str, Any]]]:
        rows = self.t.lines.get(month, {})
        return {k: [dict(x) for x in rows.get(k, [])] for k in ("pairs", "hospitals", "provinces", "netting")}


class MemoryAdvanceFunds:
    def __init__(self, t: ClearingTables) -> None:
        self.t = t

    def previous_sized(self, month: str) -> dict[Pair, int]:
        out: dict[Pair, int] = {}
        for m in sorted(x for x in self.t.advance if x < month):  # later months overwrite earlier ones
            out.update({(a.payer_province, a.holder_province): a.sized_fen for a in self.t.advance[m]})
        return out

    def replace(self, month: str, funds: Sequence[AdvanceFund]) -> None:
        self.t.advance[month] = list(funds)

    def of_month(self, month: str, *, alerts_only: bool = False) -> list[AdvanceFund]:
        found = [a for a in self.t.advance.get(month, []) if a.alert or not alerts_only]
        return sorted(found, key=lambda a: (a.holder_province, a.payer_province))


class MemoryClearingDisputes:
    def __init__(self, t: ClearingTables) -> None:
        self.t = t

    def get(self, dispute_id: int) -> Dispute | None:
        d = self.t.disputes.get(dispute_id)
        return None if d is None else Dispute(**vars(d))

    def of_month(self, month: str | None) -> list[Dispute]:
        return [Dispute(**vars(d)) for i, d in sorted(self.t.disputes.items()) if not month or d.month == month]

    def open_ids(self, month: str, region: str) -> list[int]:
        return [i for i, d in sorted(self.t.disputes.items()) if (d.month, d.region, d.status) == (month, region, "OPEN")]

    def taken(self, setl_ids: Sequence[str]) -> list[str]:
        wanted = set(setl_ids)
        return [setl for i, d in self.t.disputes.items() if d.status in ("OPEN", "UPHELD")
                for _sid, setl, _fen in self.t.dispute_items[i] if setl in wanted]

    def add(self, dispute: Dispute, items: Sequence[tuple[int, str, int]]) -> int:
        new_id = max(self.t.disputes, default=0) + 1
        self.t.disputes[new_id] = Dispute(**{**vars(dispute), "id": new_id})
        self.t.dispute_items[new_id] = list(items)
        return new_id

    def save(self, dispute: Dispute) -> None:
        self.t.disputes[dispute.id] = Dispute(**vars(dispute))

    def items(self, dispute_id: int, *, limit: int, offset: int = 0) -> list[tuple[str, int]]:
        found = sorted((setl, fen) for _sid, setl, fen in self.t.dispute_items.get(dispute_id, []))
        return found[offset:offset + limit]

    def totals(self, dispute_id: int) -> tuple[int, int]:
        found = self.t.dispute_items.get(dispute_id, [])
        return len(found), sum(fen for *_x, fen in found)

    def lines(self, dispute_ids: Iterable[int]) -> dict[int, frozenset[Pair]]:
        s = self.t.settlements
        return {i: frozenset((s[sid].treatment_region, s[sid].insured_region) for sid, _x, _f in
                             self.t.dispute_items.get(i, [])) for i in dispute_ids}

    def landed_in(self, dispute_id: int) -> list[tuple[str, int]]:
        mine = {sid for sid, _x, _f in self.t.dispute_items.get(dispute_id, [])}
        counts = {m: sum(1 for it in items if it[0] in mine and it[3] == "DISPUTE") for m, items in self.t.items.items()}
        return sorted((m, n) for m, n in counts.items() if n)

    def confirmations(self, month: str) -> list[dict[str, Any]]:
        return [dict(v) for (m, _r), v in sorted(self.t.confirmations.items()) if m == month]

    def answer(self, month: str, region: str, status: str, note: str, actor: str, at: dt.datetime) -> None:
        self.t.confirmations[month, region] = {"region": region, "status": status, "note": note,
                                               "at": at.isoformat(), "actor": actor}


class MemoryClearingSettlements:
    def __init__(self, t: ClearingTables) -> None:
        self.t = t

    def since(self, m: Month) -> dt.date:
        first = min((x for x, r in self.t.runs.items() if r.status == "CLOSED"), default=None)
        return min(Month.parse(first).start, m.start) if first else m.start

    def _cleared(self, m: Month) -> dict[int, tuple[int, int]]:
        out: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for month, items in self.t.items.items():
            if month < str(m) and self.t.runs[month].status == "CLOSED":
                for sid, _setl, d, _why, _adj in items:
                    out[sid][0] += d
                    out[sid][1] += 1
        return {k: (v[0], v[1]) for k, v in out.items()}

    def _excluded(self, m: Month) -> list[int]:
        return [sid for i, d in sorted(self.t.disputes.items())
                if d.status == "UPHELD" and d.effective_month is not None and d.effective_month <= str(m)
                for sid, _x, _f in self.t.dispute_items[i]]

    def inputs(self, m: Month, since: dt.date) -> Columns:
        cleared, excluded = self._cleared(m), self._excluded(m)
        start, end = m.start, m.end
        picked = []
        for s in sorted(self.t.settlements.values()):
            c = cleared.get(s.id)
            revoked = s.revoked_on
            moves = (s.settlement_date >= start or (revoked is not None and start <= revoked <= end)
                     or (c is None and (revoked is None or revoked >= start))
                     or (c is not None and c[0] == 1 and revoked is not None)
                     or (c is not None and c[0] == 0 and revoked is None) or s.id in excluded)
            if since <= s.settlement_date <= end and s.insured_region != s.treatment_region and moves:
                picked.append(s)
        cols = ClearingSettlement._fields
        in_cleared = [s.id for s in picked if s.id in cleared]
        return {"settlements": {c: [getattr(s, c) for s in picked] for c in cols},
                "cleared": {"settlement_id": in_cleared, "net": [cleared[i][0] for i in in_cleared],
                            "n": [cleared[i][1] for i in in_cleared]},
                "excluded": {"settlement_id": excluded}}

    def cross_province_totals(self, year: int) -> dict[Pair, int]:
        out: dict[Pair, int] = defaultdict(int)
        for s in self.t.settlements.values():
            key = (province_of(s.insured_region), province_of(s.treatment_region))
            if key[0] == key[1]:
                continue
            if s.settlement_date.year == year:
                out[key] += s.fund + s.acct
            if s.revoked_on is not None and s.revoked_on.year == year:
                out[key] -= s.fund + s.acct
        return dict(out)

    def _joined(self, month: str) -> list[tuple[Item, ClearingSettlement]]:
        return [(it, self.t.settlements[it[0]]) for it in sorted(self.t.items.get(month, []))]

    def recomputed_pairs(self, month: str) -> dict[Pair, tuple[int, ...]]:
        out: dict[Pair, list[int]] = defaultdict(lambda: [0] * 12)
        for (_sid, _setl, d, _why, adj), s in self._joined(month):
            acc = out[s.treatment_region, s.insured_region]
            cleared = d * (s.fund + s.acct)
            for k, v in enumerate((1, d * s.medfee, d * s.hifp, d * s.hifob, d * s.cvlserv, d * s.hifmi, d * s.maf,
                                   d * s.fund, d * s.acct, d * s.cash, cleared, cleared if adj else 0)):
                acc[k] += v
        return {k: tuple(v) for k, v in out.items()}

    def recomputed_hospitals(self, month: str) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (_sid, _setl, d, _why, _adj), s in self._joined(month):
            out[s.institution][0] += 1
            out[s.institution][1] += d * (s.fund + s.acct)
        return {k: (v[0], v[1]) for k, v in out.items()}

    def items(self, month: str, *, on_lines: LineFilter | None = None, limit: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for (_sid, setl, d, why, adj), s in self._joined(month):
            if on_lines is not None and not on_lines(s.treatment_region, s.insured_region):
                continue
            out.append({"setl_id": setl, "delta": d, "reason": why, "adjustment": adj, "institution": s.institution,
                        "treatment_region": s.treatment_region, "insured_region": s.insured_region,
                        "settlement_date": s.settlement_date.isoformat(),
                        "revoked_on": s.revoked_on.isoformat() if s.revoked_on else None,
                        "cleared_fen": d * (s.fund + s.acct)})
            if len(out) >= limit:
                break
        return out

    def month_items(self, month: str, setl_ids: Sequence[str]) -> list[tuple[int, str, int, str, str, int]]:
        wanted = set(setl_ids)
        return [(sid, setl, d, s.treatment_region, s.insured_region, s.fund + s.acct)
                for (sid, setl, d, _why, _adj), s in self._joined(month) if setl in wanted]
