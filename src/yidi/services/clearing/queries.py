"""A month read back for statements, reports and the pages: its view (whole or the caller's part), the months
run so far, and the settlements behind its lines."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from yidi.domain.clearing import MonthView, is_party
from yidi.domain.error_catalogue import error
from yidi.domain.reference import region_names
from yidi.services.access import Principal
from yidi.services.clearing.common import month_of, not_run
from yidi.services.clearing.disputes import dispute_view
from yidi.services.clearing.scoping import view_scope
from yidi.services.context import Context


def month_view(ctx: Context, month: str) -> MonthView:
    """The whole month: its run, lines at every level, advance funds, confirmations, disputes, region names."""
    m = str(month_of(month))
    with ctx.uow() as uow:
        run = uow.clearing_runs.get(m)
        if run is None:
            raise not_run(m)
        rows = uow.clearing_lines.month_rows(m)
        names = region_names(uow.regions.all())
        found = uow.clearing_disputes.of_month(m)
        advance = [asdict(a) for a in uow.advance_funds.of_month(m)]
        return MonthView(run.as_dict(), rows["pairs"], rows["hospitals"], rows["provinces"], rows["netting"],
                         advance, uow.clearing_disputes.confirmations(m), [dispute_view(uow, d) for d in found],
                         names, uow.clearing_disputes.lines(d.id for d in found))


def scoped_month(ctx: Context, principal: Principal, month: str, region: str | None = None) -> MonthView:
    """The month as the caller may see it (yidi.services.clearing.scoping), narrowed to `region` when asked."""
    scope = view_scope(ctx, principal, region)
    view = month_view(ctx, month)
    return view.for_region(scope) if scope else view


def pair_line(ctx: Context, principal: Principal, month: str, treatment_region: str,
              insured_region: str) -> tuple[MonthView, dict[str, Any]]:
    """One line of a month (what the insured region owes the treatment region), if the caller may see it: a
    line of another agency's is not found, as one that does not exist (CLEARING_LINE_NOT_FOUND)."""
    view = scoped_month(ctx, principal, month)
    for p in view.pairs:
        if p["treatment_region"] == treatment_region and p["insured_region"] == insured_region:
            return view, p
    raise error("CLEARING_LINE_NOT_FOUND", month=view.run["month"], treatment_region=treatment_region,
                insured_region=insured_region)


def months(ctx: Context) -> list[dict[str, Any]]:
    """Every month run so far, oldest first."""
    with ctx.uow() as uow:
        return [r.as_dict() for r in uow.clearing_runs.all()]


def items(ctx: Context, month: str, *, region: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The settlements behind a month's lines (for an agency: on its lines), with why each moved."""
    m = str(month_of(month))
    with ctx.uow() as uow:
        on_lines = None if not region else (lambda t, i: is_party(region, t, i))
        return uow.clearing_settlements.items(m, on_lines=on_lines, limit=limit)
