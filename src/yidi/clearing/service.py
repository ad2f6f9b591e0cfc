"""Clearing use cases: run a month, verify it to the fen, close (freeze) it, confirm or dispute lines,
resolve disputes, and read a month back for statements and reports.

The month's numbers come from the one SQL definition (definition.py) on the chosen engine; this module
feeds it from the store, sizes the advance funds (small arithmetic on a few dozen rows, in Decimal), and
stores what came out. `verify` recomputes every line from the stored items joined to the settlements in
the store's own database — a second, independent path — so a run whose totals differ from the sum of
its settlements by one fen fails and stores nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from yidi.clearing.definition import Month
from yidi.clearing.engines import Engine, Results, engine_named, schema
from yidi.domain.errors import YidiError
from yidi.domain.reference import province_of
from yidi.services.access import Principal, Role, require
from yidi.services.context import Context
from yidi.store import clearing_models as cm
from yidi.store.db import unit_of_work
from yidi.store.models import RegionRow
from yidi.store.settlement_models import AuditRow, SettlementRow

DEFAULT_ADVANCE_MONTHS = 2  # 预付金 about two months of payments [docs/rules.md, not verified]
DEFAULT_WARNING_PCT = Decimal("70")  # warning line: 70 % of the advance fund used [docs/rules.md, not verified]

Step = Callable[[str], None]


# ---------------------------------------------------------------------------------------------- errors

def _month(text: str) -> Month:
    try:
        return Month.parse(text)
    except ValueError:
        raise YidiError("CLEARING_MONTH_INVALID", f"清算月份应为 YYYY-MM 格式，收到“{text}”",
                        f"the clearing month must be YYYY-MM, got {text!r}", "month", 422) from None


def _not_run(month: str) -> YidiError:
    return YidiError("CLEARING_NOT_RUN", f"{month} 尚未清算", f"{month} has not been cleared yet", "month", 404)


def _operator(principal: Principal, what_zh: str, what_en: str) -> None:
    # Clearing operators (national or provincial) and agency staff may run and close a month; which agency
    # staff (duty) is decided per route by yidi.api.authz. Confirmations and disputes are the agencies'.
    require(principal, Role.AGENCY, Role.CLEARING, what_zh=what_zh, what_en=what_en)


def _agency(principal: Principal, what_zh: str, what_en: str) -> None:
    require(principal, Role.AGENCY, what_zh=what_zh, what_en=what_en)


def is_party(region: str, treatment_region: str, insured_region: str) -> bool:
    """An agency's lines: its own region on either side, or for a provincial agency (XX0000) its province."""
    if region in (treatment_region, insured_region):
        return True
    return region.endswith("0000") and region in (province_of(treatment_region), province_of(insured_region))


# -------------------------------------------------------------------------------------------- extract

def _excluded_ids(conn: Connection, m: Month) -> Any:
    d, di = cm.ClearingDisputeRow, cm.ClearingDisputeItemRow
    return (select(di.settlement_id).join(d, d.id == di.dispute_id)
            .where(d.status == "UPHELD", d.effective_month <= str(m)))


def clearing_since(conn: Connection, m: Month) -> dt.date:
    """The first day clearing covers: the first month ever closed, else the month being run."""
    first = conn.execute(select(func.min(cm.ClearingRunRow.month)).where(cm.ClearingRunRow.status == "CLOSED")).scalar()
    return min(Month.parse(first).start, m.start) if first else m.start


def extract(conn: Connection, m: Month, since: dt.date | None = None) -> dict[str, pa.Table]:
    """The clearing inputs for month `m` from the store, as Arrow tables.

    `settlements` is a superset of what can move this month — dated in the month, revoked in it, or
    older and not yet in step with what closed months cleared (never cleared, revoked or reinstated
    since, or taken out by a dispute) — so the store never scans more than it must; the definition
    decides exactly what moves.
    """
    s, i, r = SettlementRow, cm.ClearingItemRow, cm.ClearingRunRow
    cleared = (select(i.settlement_id.label("sid"), func.sum(i.delta).label("net"), func.count().label("n"))
               .join(r, r.month == i.month).where(r.status == "CLOSED", i.month < str(m))
               .group_by(i.settlement_id).subquery())
    excluded = _excluded_ids(conn, m)
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
            s.cvlserv_pay_fen, s.hifmi_pay_fen, s.maf_pay_fen, s.fund_pay_sumamt_fen, s.acct_pay_fen,
            s.psn_cash_pay_fen, cleared.c.net, cleared.c.n]
    rows = conn.execute(select(*cols).outerjoin(cleared, cleared.c.sid == s.id).where(cond)
                        .order_by(s.id)).all()
    names = [n for n, _ in _settlement_cols()]
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
    return {
        "settlements": pa.table(data, schema=schema("settlements")),
        "cleared": pa.table(cl, schema=schema("cleared")),
        "excluded": pa.table({"settlement_id": ex}, schema=schema("excluded")),
    }


def _settlement_cols() -> list[tuple[str, str]]:
    from yidi.clearing.definition import SETTLEMENT_COLUMNS

    return list(SETTLEMENT_COLUMNS)


# ---------------------------------------------------------------------------------------- advance funds

@dataclass(frozen=True)
class AdvanceFund:
    holder_province: str
    payer_province: str
    base_year: int
    base_year_fen: int
    months: int
    sized_fen: int
    previous_sized_fen: int | None
    review_delta_fen: int
    used_fen: int
    used_pct: str
    warning_pct: str
    alert: bool
    topup_request_fen: int


def advance_base(conn: Connection, year: int) -> dict[tuple[str, str], int]:
    """The year's cross-province fund + account payments per (payer = insured, holder = treatment)
    province: settled in the year minus revoked in the year, from the settlements themselves."""
    s = SettlementRow
    amt = func.sum(s.fund_pay_sumamt_fen + s.acct_pay_fen)
    y0, y1 = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for col, sign in ((s.settlement_date, 1), (s.revoked_on, -1)):
        q = (select(s.insured_region, s.treatment_region, amt).where(col >= y0, col <= y1)
             .group_by(s.insured_region, s.treatment_region))
        for ins, tr, v in conn.execute(q):
            if province_of(ins) != province_of(tr):
                out[province_of(ins), province_of(tr)] += sign * int(v or 0)
    return dict(out)


def size_advance_funds(m: Month, netting: Sequence[tuple[Any, ...]], base: dict[tuple[str, str], int],
                       previous: dict[tuple[str, str], int], months: int, warning_pct: Decimal) -> list[AdvanceFund]:
    """预付金 per (holder = treatment province, payer = insured province).

    sized = previous year's total / 12 x months, to the fen (half up); used = what the holder paid its
    hospitals this month for the payer's insured (the month's gross line, drawn on the fund until the
    clearing transfer restores it); alert when used >= warning line; the top-up request is what brings
    the use back under the line: ceil(used / warning) - sized. A change of size against the previous
    month's (the yearly review, or the first sizing) is a top-up (>0) or a refund (<0).
    """
    used: dict[tuple[str, str], int] = {(payer, payee): int(g) for payer, payee, g, _ in netting}
    out = []
    for payer, holder in sorted(set(base) | set(used), key=lambda k: (k[1], k[0])):
        total = max(base.get((payer, holder), 0), 0)
        sized = (2 * total * months + 12) // 24  # total * months / 12, rounded half up
        u = used.get((payer, holder), 0)
        prev = previous.get((payer, holder))
        if sized > 0:
            pct = (Decimal(u) * 100 / Decimal(sized)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            alert = Decimal(u) * 100 >= warning_pct * sized
        else:
            pct, alert = None, u > 0
        topup = 0
        if alert:
            need = (Decimal(u) * 100 / warning_pct).to_integral_value(ROUND_CEILING)
            topup = max(int(need) - sized, 0)
        out.append(AdvanceFund(holder, payer, m.year - 1, total, months, sized, prev,
                               sized - (prev or 0), u, "" if pct is None else str(pct), str(warning_pct), alert, topup))
    return out


# ------------------------------------------------------------------------------------------------ run

@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    ok: bool
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


@dataclass
class RunOutcome:
    month: str
    status: str
    engine: str
    frozen: bool  # the month was closed: nothing recomputed, the stored results are returned
    candidates: int
    items: int
    cleared_fen: int
    adjust_fen: int
    content_hash: str
    unchanged: bool  # a rerun that produced exactly the stored results
    runs: int
    alerts: list[AdvanceFund]
    verification: Verification

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["alerts"] = [asdict(a) for a in self.alerts]
        d["verification"] = self.verification.as_dict()
        return d


def _hash(results: Results, advance: Sequence[AdvanceFund]) -> str:
    doc = {k: [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows]
           for k, rows in sorted(results.items())}
    doc["advance"] = [list(asdict(a).values()) for a in advance]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def run_month(ctx: Context, principal: Principal, month: str, *, engine: str | Engine = "duckdb",
              advance_months: int = DEFAULT_ADVANCE_MONTHS, warning_pct: Decimal = DEFAULT_WARNING_PCT,
              step: Step | None = None, _close: bool = False) -> RunOutcome:
    """Clear a month: extract, run the definition, size advance funds, store, verify. One transaction."""
    _operator(principal, "运行清算", "run clearing")
    m = _month(month)
    _check_params(advance_months, warning_pct)
    eng = engine_named(engine) if isinstance(engine, str) else engine
    note = step or (lambda _s: None)
    with unit_of_work(ctx.sessions) as s:
        run = s.get(cm.ClearingRunRow, str(m))
        if run is not None and run.status == "CLOSED":
            return _outcome(s, run, frozen=True, unchanged=True)
        later = s.scalar(select(func.max(cm.ClearingRunRow.month)).where(cm.ClearingRunRow.status == "CLOSED"))
        if later is not None and later > str(m):
            raise YidiError("CLEARING_BEFORE_CLOSED",
                            f"{m} 早于已关账的 {later}：往月的变动会作为调整计入下一个未关账月份",
                            f"{m} is before the closed month {later}: late changes land in the next open month",
                            "month", 409)
        if _close:
            earlier = s.scalar(select(func.min(cm.ClearingRunRow.month))
                               .where(cm.ClearingRunRow.status == "OPEN", cm.ClearingRunRow.month < str(m)))
            if earlier is not None:
                raise YidiError("CLEARING_EARLIER_OPEN", f"请先关账更早的 {earlier}",
                                f"close the earlier month {earlier} first", "month", 409)
        conn = s.connection()
        note("extract")
        since = clearing_since(conn, m)
        inputs = extract(conn, m, since)
        results = eng.run(m, inputs, since=since, with_items=True, progress=note)
        note("advance")
        previous = _previous_sized(s, m)
        advance = size_advance_funds(m, results["netting"], advance_base(conn, m.year - 1), previous,
                                     advance_months, warning_pct)
        digest = _hash(results, advance)
        unchanged = run is not None and run.content_hash == digest
        note("store")
        run = _store(s, m, run, results, advance, eng.name, inputs["settlements"].num_rows, digest,
                     advance_months, warning_pct, principal)
        note("verify")
        ver = verify_session(s, m, results)
        if not ver.ok:
            bad = "; ".join(f"{c.name}: {c.detail}" for c in ver.checks if not c.ok)
            raise RuntimeError(f"clearing {m} does not add up, nothing stored: {bad}")
        if _close:
            run.status, run.closed_at, run.closed_by = "CLOSED", _now(), f"{principal.role}:{principal.subject}"
        _audit(s, principal, "CLEARING_CLOSE" if _close else "CLEARING_RUN", str(m),
               {"engine": eng.name, "items": run.items, "cleared_fen": run.cleared_fen, "hash": digest,
                "alerts": sum(a.alert for a in advance)})
        return _outcome(s, run, frozen=False, unchanged=unchanged, verification=ver)


def close_month(ctx: Context, principal: Principal, month: str, *, engine: str | Engine = "duckdb",
                advance_months: int | None = None, warning_pct: Decimal | None = None,
                step: Step | None = None) -> RunOutcome:
    """关账 Run the month one last time on the current data and freeze it: its items become what later
    months are computed against, and agencies may confirm or dispute its lines."""
    m = _month(month)
    with unit_of_work(ctx.sessions) as s:
        run = s.get(cm.ClearingRunRow, str(m))
        params = (run.advance_months, Decimal(run.warning_pct)) if run else (DEFAULT_ADVANCE_MONTHS, DEFAULT_WARNING_PCT)
    return run_month(ctx, principal, month, engine=engine, advance_months=advance_months or params[0],
                     warning_pct=warning_pct if warning_pct is not None else params[1], step=step, _close=True)


def _check_params(advance_months: int, warning_pct: Decimal) -> None:
    if not 1 <= advance_months <= 24:
        raise YidiError("CLEARING_PARAM_INVALID", "预付金月数应在 1 到 24 之间",
                        "advance-fund months must be between 1 and 24", "advance_months", 422)
    try:
        ok = Decimal(0) < warning_pct <= Decimal(100)
    except InvalidOperation:
        ok = False
    if not ok:
        raise YidiError("CLEARING_PARAM_INVALID", "预警线应为 0 到 100 之间的百分数",
                        "the warning line must be a percentage above 0 and at most 100", "warning_pct", 422)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _previous_sized(s: Session, m: Month) -> dict[tuple[str, str], int]:
    a = cm.ClearingAdvanceFundRow
    last = (select(a.payer_province, a.holder_province, func.max(a.month).label("mm"))
            .where(a.month < str(m)).group_by(a.payer_province, a.holder_province).subquery())
    q = select(a.payer_province, a.holder_province, a.sized_fen).join(
        last, and_(last.c.payer_province == a.payer_province, last.c.holder_province == a.holder_province,
                   last.c.mm == a.month))
    return {(p, h): int(v) for p, h, v in s.execute(q)}


def _store(s: Session, m: Month, run: cm.ClearingRunRow | None, r: Results, advance: Sequence[AdvanceFund],
           engine: str, candidates: int, digest: str, advance_months: int, warning_pct: Decimal,
           principal: Principal) -> cm.ClearingRunRow:
    month = str(m)
    for t in (cm.ClearingItemRow, cm.ClearingPairLineRow, cm.ClearingHospitalLineRow, cm.ClearingProvinceRow,
              cm.ClearingNettingRow, cm.ClearingAdvanceFundRow):
        s.execute(delete(t).where(t.month == month))
    n_items, cleared, adjust = r["totals"][0]
    if run is None:
        run = cm.ClearingRunRow(month=month, runs=0)
        s.add(run)
    run.status, run.engine, run.advance_months, run.warning_pct = "OPEN", engine, advance_months, str(warning_pct)
    run.candidates, run.items, run.cleared_fen, run.adjust_fen = candidates, int(n_items), int(cleared), int(adjust)
    run.content_hash, run.runs, run.run_at = digest, (run.runs or 0) + 1, _now()
    run.run_by = f"{principal.role}:{principal.subject}"
    s.flush()
    pair_cols = ["treatment_region", "insured_region", "treatment_province", "insured_province", "n_settle",
                 "n_revoke", "n_adjust", *cm.PAIR_AMOUNTS]
    hosp_cols = ["treatment_region", "institution", "n_settle", "n_revoke", "n_adjust", *cm.HOSPITAL_AMOUNTS]
    _bulk(s, cm.ClearingPairLineRow, month, pair_cols, r["pair"])
    _bulk(s, cm.ClearingHospitalLineRow, month, hosp_cols, r["hospital"])
    _bulk(s, cm.ClearingProvinceRow, month, ["province", "receivable_fen", "payable_fen", "net_fen", "intra_fen"],
          r["province"])
    _bulk(s, cm.ClearingNettingRow, month, ["payer_province", "payee_province", "gross_fen", "bilateral_net_fen"],
          r["netting"])
    _bulk(s, cm.ClearingItemRow, month, ["settlement_id", "setl_id", "delta", "reason", "adjustment"],
          [(sid, setl, d, why, bool(adj)) for sid, setl, d, why, adj in r["items"]])
    if advance:
        s.execute(insert(cm.ClearingAdvanceFundRow), [{"month": month, **asdict(a)} for a in advance])
    return run


def _bulk(s: Session, table: type[Any], month: str, cols: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append({"month": month, **dict(zip(cols, row, strict=True))})
        if len(batch) >= 5000:
            s.execute(insert(table), batch)
            batch = []
    if batch:
        s.execute(insert(table), batch)


def _audit(s: Session, principal: Principal, action: str, object_id: str, detail: dict[str, Any]) -> None:
    s.add(AuditRow(actor_role=str(principal.role), actor=principal.subject, action=action,
                   object_type="clearing", object_id=object_id, detail=detail))


def _outcome(s: Session, run: cm.ClearingRunRow, *, frozen: bool, unchanged: bool,
             verification: Verification | None = None) -> RunOutcome:
    adv = s.scalars(select(cm.ClearingAdvanceFundRow).where(cm.ClearingAdvanceFundRow.month == run.month,
                                                            cm.ClearingAdvanceFundRow.alert.is_(True))
                    .order_by(cm.ClearingAdvanceFundRow.holder_province, cm.ClearingAdvanceFundRow.payer_province)).all()
    alerts = [_advance(a) for a in adv]
    return RunOutcome(run.month, run.status, run.engine, frozen, run.candidates, run.items, run.cleared_fen,
                      run.adjust_fen, run.content_hash, unchanged, run.runs, alerts,
                      verification or verify_session(s, Month.parse(run.month), None))


def _advance(a: cm.ClearingAdvanceFundRow) -> AdvanceFund:
    return AdvanceFund(a.holder_province, a.payer_province, a.base_year, a.base_year_fen, a.months, a.sized_fen,
                       a.previous_sized_fen, a.review_delta_fen, a.used_fen, a.used_pct, a.warning_pct, a.alert,
                       a.topup_request_fen)


# --------------------------------------------------------------------------------------------- verify

def verify(ctx: Context, month: str) -> Verification:
    """Recheck a stored month: every line against its settlements, every level against the others."""
    m = _month(month)
    with unit_of_work(ctx.sessions) as s:
        if s.get(cm.ClearingRunRow, str(m)) is None:
            raise _not_run(str(m))
        return verify_session(s, m, None)


def verify_session(s: Session, m: Month, results: Results | None) -> Verification:
    month = str(m)
    checks: list[Check] = []
    st, it = SettlementRow, cm.ClearingItemRow
    d = it.delta
    f_cleared = d * (st.fund_pay_sumamt_fen + st.acct_pay_fen)

    # 1. pair lines = sum of their settlements, to the fen, for every amount column (store SQL path)
    amounts = [func.sum(d * c) for c in (st.medfee_sumamt_fen, st.hifp_pay_fen, st.hifob_pay_fen, st.cvlserv_pay_fen,
                                         st.hifmi_pay_fen, st.maf_pay_fen, st.fund_pay_sumamt_fen, st.acct_pay_fen,
                                         st.psn_cash_pay_fen)]
    adj = func.sum(case((it.adjustment.is_(True), f_cleared), else_=0))
    q = (select(st.treatment_region, st.insured_region, func.count(), *amounts, func.sum(f_cleared), adj)
         .join(st, st.id == it.settlement_id).where(it.month == month)
         .group_by(st.treatment_region, st.insured_region))
    from_items = {(t, i): tuple(int(v or 0) for v in rest) for t, i, *rest in s.execute(q)}
    p = cm.ClearingPairLineRow
    stored_pairs = s.scalars(select(p).where(p.month == month)).all()
    from_lines = {(x.treatment_region, x.insured_region):
                  (x.n_settle + x.n_revoke, *(getattr(x, c) for c in cm.PAIR_AMOUNTS)) for x in stored_pairs}
    diff = sorted(k for k in set(from_items) | set(from_lines) if from_items.get(k) != from_lines.get(k))
    checks.append(Check("pair lines = sum of their settlements", not diff,
                        f"{len(from_lines)} lines" if not diff else f"differs for {diff[:5]}"))

    # 2. hospital lines likewise
    hq = (select(st.institution, func.count(), func.sum(f_cleared))
          .join(st, st.id == it.settlement_id).where(it.month == month).group_by(st.institution))
    h_items = {k: (int(n), int(v or 0)) for k, n, v in s.execute(hq)}
    h = cm.ClearingHospitalLineRow
    h_lines = {x.institution: (x.n_settle + x.n_revoke, x.owed_fen)
               for x in s.scalars(select(h).where(h.month == month))}
    diff_h = sorted(k for k in set(h_items) | set(h_lines) if h_items.get(k) != h_lines.get(k))
    checks.append(Check("hospital lines = sum of their settlements", not diff_h,
                        f"{len(h_lines)} hospitals" if not diff_h else f"differs for {diff_h[:5]}"))

    # 3. levels agree: hospitals, pairs, provinces, netting, run totals
    total_pairs = sum(x.cleared_fen for x in stored_pairs)
    total_hosp = sum(v for _, v in h_lines.values())
    run = s.get(cm.ClearingRunRow, month)
    checks.append(Check("hospitals total = pairs total = run total",
                        total_pairs == total_hosp == (run.cleared_fen if run else 0),
                        f"{total_hosp} / {total_pairs} / {run.cleared_fen if run else None} fen"))
    prov: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for x in stored_pairs:
        if x.treatment_province != x.insured_province:
            prov[x.treatment_province][0] += x.cleared_fen
            prov[x.insured_province][1] += x.cleared_fen
        else:
            prov[x.treatment_province][2] += x.cleared_fen
    pr = cm.ClearingProvinceRow
    stored_prov = {x.province: [x.receivable_fen, x.payable_fen, x.intra_fen]
                   for x in s.scalars(select(pr).where(pr.month == month))}
    nets = [x.net_fen for x in s.scalars(select(pr).where(pr.month == month))]
    checks.append(Check("province positions = their pair lines; nets sum to zero",
                        dict(prov) == stored_prov and sum(nets) == 0, f"sum of nets {sum(nets)} fen"))
    n = cm.ClearingNettingRow
    gross = sum(x.gross_fen for x in s.scalars(select(n).where(n.month == month)))
    cross = sum(v[0] for v in prov.values())
    checks.append(Check("netting table gross = cross-province total", gross == cross, f"{gross} / {cross} fen"))

    # 4. the engine's own figures (when just run) equal what the store now holds
    if results is not None:
        eng_total = int(results["totals"][0][1])
        checks.append(Check("engine total = stored total", eng_total == total_pairs, f"{eng_total} / {total_pairs} fen"))

    # 5. parts add up on every line (information: only false if settlements themselves do not add up)
    parts = all(x.fund_fen == x.hifp_fen + x.hifob_fen + x.cvlserv_fen + x.hifmi_fen + x.maf_fen
                and x.cleared_fen == x.fund_fen + x.acct_fen for x in stored_pairs)
    checks.append(Check("fund = hifp + hifob + cvlserv + hifmi + maf; cleared = fund + account", parts))
    return Verification(all(c.ok for c in checks), checks)


# -------------------------------------------------------------------------------- confirm and dispute

def _closed_run(s: Session, month: str) -> cm.ClearingRunRow:
    run = s.get(cm.ClearingRunRow, month)
    if run is None:
        raise _not_run(month)
    if run.status != "CLOSED":
        raise YidiError("CLEARING_NOT_CLOSED", f"{month} 尚未关账，关账后才能确认或提出争议",
                        f"{month} is not closed yet: lines are confirmed or disputed after the close", "month", 409)
    return run


def _party_lines(s: Session, month: str, region: str) -> list[cm.ClearingPairLineRow]:
    p = cm.ClearingPairLineRow
    lines = [x for x in s.scalars(select(p).where(p.month == month))
             if is_party(region, x.treatment_region, x.insured_region)]
    if not lines:
        raise YidiError("CLEARING_NOT_PARTY", f"{region} 在 {month} 没有清算明细",
                        f"{region} has no clearing lines in {month}", "region", 403)
    return lines


def confirm(ctx: Context, principal: Principal, month: str, note: str = "") -> dict[str, Any]:
    """确认 The agency confirms all its lines of a closed month."""
    _agency(principal, "确认清算", "confirm clearing")
    m = str(_month(month))
    region = principal.subject
    with unit_of_work(ctx.sessions) as s:
        _closed_run(s, m)
        lines = _party_lines(s, m, region)
        d = cm.ClearingDisputeRow
        open_ = s.scalars(select(d.id).where(d.month == m, d.region == region, d.status == "OPEN")).all()
        if open_:
            raise YidiError("CLEARING_DISPUTE_OPEN", f"{region} 在 {m} 还有未决争议 {list(open_)}",
                            f"{region} still has open disputes {list(open_)} on {m}", "month", 409)
        row = s.get(cm.ClearingConfirmationRow, (m, region))
        if row is None:
            row = cm.ClearingConfirmationRow(month=m, region=region)
            s.add(row)
        row.status, row.note, row.actor, row.at = "CONFIRMED", note, f"agency:{region}", _now()
        _audit(s, principal, "CLEARING_CONFIRM", m, {"region": region, "lines": len(lines)})
        return {"month": m, "region": region, "status": "CONFIRMED", "lines": len(lines),
                "cleared_fen": sum(x.cleared_fen for x in lines)}


def dispute(ctx: Context, principal: Principal, month: str, setl_ids: Sequence[str], reason: str) -> dict[str, Any]:
    """争议 The agency contests settlements on its lines of a closed month; they are named one by one."""
    _agency(principal, "提出清算争议", "dispute clearing")
    m = str(_month(month))
    region = principal.subject
    ids = sorted({x.strip() for x in setl_ids if x.strip()})
    if not ids:
        raise YidiError("CLEARING_DISPUTE_EMPTY", "争议须列出有异议的结算（setl_id）",
                        "a dispute must name the settlements in question (setl_id)", "setl_ids", 422)
    if not reason.strip():
        raise YidiError("CLEARING_DISPUTE_REASON", "请说明争议理由", "give the reason for the dispute", "reason", 422)
    with unit_of_work(ctx.sessions) as s:
        _closed_run(s, m)
        _party_lines(s, m, region)
        it, st = cm.ClearingItemRow, SettlementRow
        rows = s.execute(select(it.settlement_id, it.setl_id, it.delta, st.treatment_region, st.insured_region,
                                st.fund_pay_sumamt_fen + st.acct_pay_fen)
                         .join(st, st.id == it.settlement_id)
                         .where(it.month == m, it.setl_id.in_(ids))).all()
        found = {r[1]: r for r in rows}
        problems = []
        for sid in ids:
            r = found.get(sid)
            if r is None or r[2] != 1 or not is_party(region, r[3], r[4]):
                problems.append(sid)
        if not problems:
            others = {r[3] if is_party(region, r[4], r[4]) else r[4] for r in rows}
            if len(others) > 1:
                raise YidiError("CLEARING_DISPUTE_MIXED",
                                f"一项争议只能针对一个对方经办机构，这些结算涉及 {', '.join(sorted(others))}",
                                f"one dispute is against one counterpart; these settlements involve {', '.join(sorted(others))}",
                                "setl_ids", 422)
        if problems:
            raise YidiError("CLEARING_SETTLEMENT_NOT_IN_LINES",
                            f"这些结算不在 {region} 于 {m} 清算计入的明细中：{', '.join(problems[:10])}",
                            f"not among the settlements {m} cleared on {region}'s lines: {', '.join(problems[:10])}",
                            "setl_ids", 422)
        d, di = cm.ClearingDisputeRow, cm.ClearingDisputeItemRow
        taken = s.scalars(select(di.setl_id).join(d, d.id == di.dispute_id)
                          .where(di.setl_id.in_(ids), d.status.in_(("OPEN", "UPHELD")))).all()
        if taken:
            raise YidiError("CLEARING_ALREADY_DISPUTED", f"这些结算已在争议中：{', '.join(sorted(taken)[:10])}",
                            f"already disputed: {', '.join(sorted(taken)[:10])}", "setl_ids", 409)
        row = cm.ClearingDisputeRow(month=m, region=region, reason=reason.strip(), status="OPEN",
                                    raised_by=f"agency:{region}", raised_at=_now())
        s.add(row)
        s.flush()
        s.execute(insert(di), [{"dispute_id": row.id, "settlement_id": found[x][0], "setl_id": x,
                                "cleared_fen": int(found[x][5])} for x in ids])
        conf = s.get(cm.ClearingConfirmationRow, (m, region))
        if conf is None:
            conf = cm.ClearingConfirmationRow(month=m, region=region)
            s.add(conf)
        conf.status, conf.note, conf.actor, conf.at = "DISPUTED", f"dispute {row.id}", f"agency:{region}", _now()
        _audit(s, principal, "CLEARING_DISPUTE", m, {"dispute": row.id, "settlements": ids})
        return {"dispute_id": row.id, "month": m, "region": region, "status": "OPEN", "setl_ids": ids,
                "amount_fen": sum(int(found[x][5]) for x in ids)}


def resolve(ctx: Context, principal: Principal, dispute_id: int, upheld: bool, note: str = "") -> dict[str, Any]:
    """裁定 The counterpart agency (or a clearing operator) decides a dispute. Upheld: its settlements are taken back in the next
    open month (an adjustment traceable to this dispute); rejected: the clearing stands."""
    _operator(principal, "裁定清算争议", "resolve a clearing dispute")
    with unit_of_work(ctx.sessions) as s:
        row = s.get(cm.ClearingDisputeRow, dispute_id)
        if row is None:
            raise YidiError("CLEARING_DISPUTE_NOT_FOUND", f"没有编号为 {dispute_id} 的争议",
                            f"no dispute {dispute_id}", "dispute_id", 404)
        if row.status != "OPEN":
            raise YidiError("CLEARING_DISPUTE_DECIDED", f"争议 {dispute_id} 已裁定（{row.status}）",
                            f"dispute {dispute_id} is already decided ({row.status})", "dispute_id", 409)
        di, st = cm.ClearingDisputeItemRow, SettlementRow
        pairs = s.execute(select(st.treatment_region, st.insured_region).join(di, di.settlement_id == st.id)
                          .where(di.dispute_id == dispute_id)).all()
        me = principal.subject
        # the counterpart agency decides, or a clearing operator (the national platform arbitrates)
        arbiter = principal.role is Role.CLEARING and (me == "000000" or all(
            is_party(me, t, i) for t, i in pairs))
        if not arbiter and (me == row.region or not all(is_party(me, t, i) for t, i in pairs)):
            raise YidiError("CLEARING_NOT_COUNTERPART", "只有争议结算的对方经办机构可以裁定",
                            "only the counterpart agency of the disputed settlements may decide", "dispute_id", 403)
        latest = s.scalar(select(func.max(cm.ClearingRunRow.month)).where(cm.ClearingRunRow.status == "CLOSED"))
        effective = Month.parse(max(latest or row.month, row.month)).next()
        row.status = "UPHELD" if upheld else "REJECTED"
        row.resolved_at, row.resolved_by, row.resolution = _now(), f"agency:{me}", note
        row.effective_month = str(effective) if upheld else None
        _audit(s, principal, "CLEARING_RESOLVE", row.month, {"dispute": dispute_id, "status": row.status,
                                                             "effective_month": row.effective_month})
        return dispute_view(s, row)


def dispute_view(s: Session, row: cm.ClearingDisputeRow) -> dict[str, Any]:
    di = cm.ClearingDisputeItemRow
    items = s.execute(select(di.setl_id, di.cleared_fen).where(di.dispute_id == row.id).order_by(di.setl_id)).all()
    landed = None
    if row.status == "UPHELD":
        it = cm.ClearingItemRow
        landed = s.execute(select(it.month, func.count()).join(di, di.settlement_id == it.settlement_id)
                           .where(di.dispute_id == row.id, it.reason == "DISPUTE").group_by(it.month)).all()
    return {"dispute_id": row.id, "month": row.month, "region": row.region, "reason": row.reason,
            "status": row.status, "effective_month": row.effective_month, "resolution": row.resolution,
            "raised_by": row.raised_by, "resolved_by": row.resolved_by,
            "settlements": [{"setl_id": x, "cleared_fen": int(v)} for x, v in items],
            "amount_fen": sum(int(v) for _, v in items),
            "landed_in": [{"month": mm, "settlements": int(n)} for mm, n in (landed or [])]}


def disputes(ctx: Context, month: str | None = None) -> list[dict[str, Any]]:
    with unit_of_work(ctx.sessions) as s:
        d = cm.ClearingDisputeRow
        q = select(d).order_by(d.id)
        if month:
            q = q.where(d.month == str(_month(month)))
        return [dispute_view(s, r) for r in s.scalars(q)]


# ----------------------------------------------------------------------------------------- read back

@dataclass
class MonthView:
    """Everything a statement or report of one month shows, read from the store."""

    run: dict[str, Any]
    pairs: list[dict[str, Any]]
    hospitals: list[dict[str, Any]]
    provinces: list[dict[str, Any]]
    netting: list[dict[str, Any]]
    advance: list[dict[str, Any]]
    confirmations: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    names: dict[str, str]

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def for_region(self, region: str) -> MonthView:
        """The agency's own part: its pair lines and (as a treatment region) its hospitals."""
        mine = [p for p in self.pairs if is_party(region, p["treatment_region"], p["insured_region"])]
        hosp = [h for h in self.hospitals if is_party(region, h["treatment_region"], h["treatment_region"])]
        return MonthView(self.run, mine, hosp, self.provinces, self.netting, self.advance,
                         [c for c in self.confirmations if c["region"] == region],
                         [d for d in self.disputes if d["region"] == region or any(
                             is_party(region, p["treatment_region"], p["insured_region"]) for p in mine)],
                         self.names)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _row(o: Any, skip: Sequence[str] = ("id",)) -> dict[str, Any]:
    out = {}
    for c in o.__table__.columns:
        if c.key in skip:
            continue
        v = getattr(o, c.key)
        out[c.key] = v.isoformat() if isinstance(v, dt.datetime | dt.date) else v
    return out


def month_view(ctx: Context, month: str) -> MonthView:
    m = str(_month(month))
    with unit_of_work(ctx.sessions) as s:
        run = s.get(cm.ClearingRunRow, m)
        if run is None:
            raise _not_run(m)

        def rows(t: Any, *order: Any) -> list[dict[str, Any]]:
            return [_row(x, ("id", "month")) for x in s.scalars(select(t).where(t.month == m).order_by(*order))]

        p, h, pr, n, a = (cm.ClearingPairLineRow, cm.ClearingHospitalLineRow, cm.ClearingProvinceRow,
                          cm.ClearingNettingRow, cm.ClearingAdvanceFundRow)
        c = cm.ClearingConfirmationRow
        names: dict[str, str] = {}
        for code, name, prov in s.execute(select(RegionRow.code, RegionRow.name, RegionRow.province_name)):
            names[code] = name
            if prov:
                names.setdefault(province_of(code), prov)
        d = cm.ClearingDisputeRow
        return MonthView(
            _row(run, ()), rows(p, p.treatment_region, p.insured_region), rows(h, h.institution),
            rows(pr, pr.province), rows(n, n.payer_province, n.payee_province),
            rows(a, a.holder_province, a.payer_province), rows(c, c.region),
            [dispute_view(s, x) for x in s.scalars(select(d).where(d.month == m).order_by(d.id))], names)


def months(ctx: Context) -> list[dict[str, Any]]:
    with unit_of_work(ctx.sessions) as s:
        r = cm.ClearingRunRow
        return [_row(x, ()) for x in s.scalars(select(r).order_by(r.month))]


def items(ctx: Context, month: str, *, region: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The settlements behind a month's lines (for an agency: on its lines), with why each moved."""
    m = str(_month(month))
    it, st = cm.ClearingItemRow, SettlementRow
    with unit_of_work(ctx.sessions) as s:
        q = (select(it.setl_id, it.delta, it.reason, it.adjustment, st.institution, st.treatment_region,
                    st.insured_region, st.settlement_date, st.revoked_on, st.fund_pay_sumamt_fen, st.acct_pay_fen)
             .join(st, st.id == it.settlement_id).where(it.month == m).order_by(it.settlement_id))
        out = []
        for r in s.execute(q):
            if region and not is_party(region, r[5], r[6]):
                continue
            out.append({"setl_id": r[0], "delta": r[1], "reason": r[2], "adjustment": r[3], "institution": r[4],
                        "treatment_region": r[5], "insured_region": r[6], "settlement_date": r[7].isoformat(),
                        "revoked_on": r[8].isoformat() if r[8] else None,
                        "cleared_fen": r[1] * (int(r[9]) + int(r[10]))})
            if len(out) >= limit:
                break
        return out
