"""Run and close a month (清算, 关账): extract, run the definition on the chosen engine, size the advance
funds, store, verify — one transaction; a closed month is frozen and returned as stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from yidi.clearing.engines import Engine, Results, arrow_inputs, engine_named
from yidi.domain.clearing import DEFAULT_ADVANCE_MONTHS, DEFAULT_WARNING_PCT, AdvanceFund, ClearingRun, Month
from yidi.domain.error_catalogue import error
from yidi.services.access import Principal
from yidi.services.clearing.advance_funds import check_params, size_for
from yidi.services.clearing.common import Step, actor, month_of, now, require_operator
from yidi.services.clearing.verify import Verification, verify_month
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


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


def content_hash(results: Results, advance: Sequence[AdvanceFund]) -> str:
    """SHA-256 of everything a run stores, in key order: a rerun that changes nothing gives the same hash."""
    doc = {k: [[v.isoformat() if isinstance(v, dt.date) else v for v in row] for row in rows]
           for k, rows in sorted(results.items())}
    doc["advance"] = [list(asdict(a).values()) for a in advance]
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def run_month(ctx: Context, principal: Principal, month: str, *, engine: str | Engine = "duckdb",
              advance_months: int = DEFAULT_ADVANCE_MONTHS, warning_pct: Decimal = DEFAULT_WARNING_PCT,
              step: Step | None = None) -> RunOutcome:
    """Clear a month: extract, run the definition, size advance funds, store, verify. One transaction."""
    require_operator(principal, "运行清算", "run clearing")
    return _run(ctx, principal, month_of(month), engine, advance_months, warning_pct, step, close=False)


def close_month(ctx: Context, principal: Principal, month: str, *, engine: str | Engine = "duckdb",
                advance_months: int | None = None, warning_pct: Decimal | None = None,
                step: Step | None = None) -> RunOutcome:
    """关账 Run the month one last time on the current data and freeze it: its items become what later
    months are computed against, and agencies may confirm or dispute its lines."""
    m = month_of(month)
    with ctx.uow() as uow:
        run = uow.clearing_runs.get(str(m))
    months = advance_months or (run.advance_months if run else DEFAULT_ADVANCE_MONTHS)
    pct = warning_pct if warning_pct is not None else (Decimal(run.warning_pct) if run else DEFAULT_WARNING_PCT)
    require_operator(principal, "运行清算", "run clearing")
    return _run(ctx, principal, m, engine, months, pct, step, close=True)


def _run(ctx: Context, principal: Principal, m: Month, engine: str | Engine, advance_months: int,
         warning_pct: Decimal, step: Step | None, *, close: bool) -> RunOutcome:
    check_params(advance_months, warning_pct)
    eng = engine_named(engine) if isinstance(engine, str) else engine
    note = step or (lambda _s: None)
    month = str(m)
    with ctx.uow() as uow:
        run = uow.clearing_runs.get(month)
        if run is not None and run.status == "CLOSED":
            return _outcome(uow, run, frozen=True, unchanged=True)
        later = uow.clearing_runs.latest_closed()
        if later is not None and later > month:
            raise error("CLEARING_BEFORE_CLOSED", month=m, later=later)
        if close:
            earlier = uow.clearing_runs.earliest_open_before(month)
            if earlier is not None:
                raise error("CLEARING_EARLIER_OPEN", earlier=earlier)
        note("extract")
        since = uow.clearing_settlements.since(m)
        inputs = arrow_inputs(uow.clearing_settlements.inputs(m, since))
        results = eng.run(m, inputs, since=since, with_items=True, progress=note)
        note("advance")
        advance = size_for(uow, m, results["netting"], advance_months, warning_pct)
        digest = content_hash(results, advance)
        unchanged = run is not None and run.content_hash == digest
        note("store")
        n_items, cleared, adjust = results["totals"][0]
        run = ClearingRun(month, "OPEN", eng.name, advance_months, str(warning_pct), inputs["settlements"].num_rows,
                          int(n_items), int(cleared), int(adjust), digest, (run.runs if run else 0) + 1, now(),
                          actor(principal))
        uow.clearing_runs.save(run)
        uow.clearing_lines.replace(month, results)
        uow.advance_funds.replace(month, advance)
        note("verify")
        ver = verify_month(uow, m, results)
        if not ver.ok:
            bad = "; ".join(f"{c.name}: {c.detail}" for c in ver.checks if not c.ok)
            raise RuntimeError(f"clearing {m} does not add up, nothing stored: {bad}")
        if close:
            run.status, run.closed_at, run.closed_by = "CLOSED", now(), actor(principal)
            uow.clearing_runs.save(run)
        uow.clearing_runs.log(str(principal.role), principal.subject, "CLEARING_CLOSE" if close else "CLEARING_RUN",
                              month, {"engine": eng.name, "items": run.items, "cleared_fen": run.cleared_fen,
                                      "hash": digest, "alerts": sum(a.alert for a in advance)})
        return _outcome(uow, run, frozen=False, unchanged=unchanged, verification=ver)


def _outcome(uow: UnitOfWork, run: ClearingRun, *, frozen: bool, unchanged: bool,
             verification: Verification | None = None) -> RunOutcome:
    alerts = uow.advance_funds.of_month(run.month, alerts_only=True)
    return RunOutcome(run.month, run.status, run.engine, frozen, run.candidates, run.items, run.cleared_fen,
                      run.adjust_fen, run.content_hash, unchanged, run.runs, alerts,
                      verification or verify_month(uow, Month.parse(run.month), None))
