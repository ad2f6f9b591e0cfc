"""The agencies' answers on a closed month: 确认 confirm its lines, 争议 dispute settlements on them, 裁定
the counterpart's decision (upheld: taken back in the next open month; rejected: the clearing stands), and
the disputes read back with their settlements a page at a time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from yidi.domain.bounds import DISPUTE_PAGE, DISPUTE_SETTLEMENTS, LONG_REASON, SETL_ID
from yidi.domain.clearing import Dispute, Month, dispute_concerns, is_party
from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.domain.validation import Code, Strict, Text
from yidi.services.access import Principal, Role
from yidi.services.clearing.common import month_of, not_run, now, require_agency, require_operator
from yidi.services.clearing.scoping import own_scope
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


class DisputeIn(Strict):
    """争议 as the API and the page send it: the settlements contested (at most 1000) and why."""

    setl_ids: list[Annotated[Code, Field(min_length=1, max_length=SETL_ID)]] = Field(min_length=1, max_length=DISPUTE_SETTLEMENTS)
    reason: Text = Field(min_length=1, max_length=LONG_REASON)


def _closed(uow: UnitOfWork, month: str) -> None:
    run = uow.clearing_runs.get(month)
    if run is None:
        raise not_run(month)
    if run.status != "CLOSED":
        raise error("CLEARING_NOT_CLOSED", month=month)


def _party_lines(uow: UnitOfWork, month: str, region: str) -> list[dict[str, Any]]:
    lines = [x for x in uow.clearing_lines.month_rows(month)["pairs"]
             if is_party(region, x["treatment_region"], x["insured_region"])]
    if not lines:
        raise error("CLEARING_NOT_PARTY", region=region, month=month)
    return lines


def confirm(ctx: Context, principal: Principal, month: str, note: str = "") -> dict[str, Any]:
    """确认 The agency confirms all its lines of a closed month."""
    require_agency(principal, "确认清算", "confirm clearing")
    m = str(month_of(month))
    region = principal.subject
    with ctx.uow() as uow:
        _closed(uow, m)
        lines = _party_lines(uow, m, region)
        open_ = uow.clearing_disputes.open_ids(m, region)
        if open_:
            raise error("CLEARING_DISPUTE_OPEN", region=region, month=m, disputes=open_)
        uow.clearing_disputes.answer(m, region, "CONFIRMED", note, f"agency:{region}", now())
        uow.clearing_runs.log(str(principal.role), principal.subject, "CLEARING_CONFIRM", m,
                              {"region": region, "lines": len(lines)})
        return {"month": m, "region": region, "status": "CONFIRMED", "lines": len(lines),
                "cleared_fen": sum(x["cleared_fen"] for x in lines)}


def dispute(ctx: Context, principal: Principal, month: str, setl_ids: Sequence[str], reason: str) -> dict[str, Any]:
    """争议 The agency contests settlements on its lines of a closed month; they are named one by one."""
    require_agency(principal, "提出清算争议", "dispute clearing")
    m = str(month_of(month))
    region = principal.subject
    ids = sorted({x.strip() for x in setl_ids if x.strip()})
    if not ids:
        raise error("CLEARING_DISPUTE_EMPTY")
    if not reason.strip():
        raise error("CLEARING_DISPUTE_REASON")
    with ctx.uow() as uow:
        _closed(uow, m)
        _party_lines(uow, m, region)
        rows = uow.clearing_settlements.month_items(m, ids)
        found = {r[1]: r for r in rows}
        problems = []
        for sid in ids:
            r = found.get(sid)
            if r is None or r[2] != 1 or not is_party(region, r[3], r[4]):
                problems.append(sid)
        if not problems:
            others = {r[3] if is_party(region, r[4], r[4]) else r[4] for r in rows}
            if len(others) > 1:
                raise error("CLEARING_DISPUTE_MIXED", others=sorted(others))
        if problems:
            raise error("CLEARING_SETTLEMENT_NOT_IN_LINES", region=region, month=m, setl_ids=problems[:10])
        taken = uow.clearing_disputes.taken(ids)
        if taken:
            raise error("CLEARING_ALREADY_DISPUTED", taken=sorted(taken)[:10])
        new = Dispute(0, m, region, reason.strip(), "OPEN", f"agency:{region}", raised_at=now())
        did = uow.clearing_disputes.add(new, [(found[x][0], x, found[x][5]) for x in ids])
        uow.clearing_disputes.answer(m, region, "DISPUTED", f"dispute {did}", f"agency:{region}", now())
        uow.clearing_runs.log(str(principal.role), principal.subject, "CLEARING_DISPUTE", m,
                              {"dispute": did, "settlements": ids})
        return {"dispute_id": did, "month": m, "region": region, "status": "OPEN", "setl_ids": ids,
                "amount_fen": sum(found[x][5] for x in ids)}


def _not_found(dispute_id: int) -> YidiError:
    return error("CLEARING_DISPUTE_NOT_FOUND", dispute_id=dispute_id)


def resolve(ctx: Context, principal: Principal, dispute_id: int, upheld: bool, note: str = "") -> dict[str, Any]:
    """裁定 The counterpart agency (or a clearing operator) decides a dispute. Upheld: its settlements are taken back in the next
    open month (an adjustment traceable to this dispute); rejected: the clearing stands."""
    require_operator(principal, "裁定清算争议", "resolve a clearing dispute")
    with ctx.uow() as uow:
        d = uow.clearing_disputes.get(dispute_id)
        if d is None:
            raise _not_found(dispute_id)
        if d.status != "OPEN":
            raise error("CLEARING_DISPUTE_DECIDED", dispute_id=dispute_id, state=d.status)
        pairs = uow.clearing_disputes.lines([dispute_id])[dispute_id]
        me = principal.subject
        # the counterpart agency decides, or a clearing operator (the national platform arbitrates)
        arbiter = principal.role is Role.CLEARING and (me == "000000" or all(is_party(me, t, i) for t, i in pairs))
        if not arbiter and (me == d.region or not all(is_party(me, t, i) for t, i in pairs)):
            raise error("CLEARING_NOT_COUNTERPART")
        latest = uow.clearing_runs.latest_closed()
        effective = Month.parse(max(latest or d.month, d.month)).next()
        d.status = "UPHELD" if upheld else "REJECTED"
        d.resolved_at, d.resolved_by, d.resolution = now(), f"agency:{me}", note
        d.effective_month = str(effective) if upheld else None
        uow.clearing_disputes.save(d)
        uow.clearing_runs.log(str(principal.role), principal.subject, "CLEARING_RESOLVE", d.month,
                              {"dispute": dispute_id, "status": d.status, "effective_month": d.effective_month})
        return dispute_view(uow, d)


def dispute_view(uow: UnitOfWork, d: Dispute) -> dict[str, Any]:
    """A dispute as the doors show it: its first page of settlements, how many it carries in all and their amount,
    and (upheld) the months its adjustment landed in."""
    n, amount = uow.clearing_disputes.totals(d.id)
    first = uow.clearing_disputes.items(d.id, limit=DISPUTE_PAGE)
    landed = uow.clearing_disputes.landed_in(d.id) if d.status == "UPHELD" else []
    return {"dispute_id": d.id, "month": d.month, "region": d.region, "reason": d.reason,
            "status": d.status, "effective_month": d.effective_month, "resolution": d.resolution,
            "raised_by": d.raised_by, "resolved_by": d.resolved_by,
            "settlements": [{"setl_id": x, "cleared_fen": v} for x, v in first], "n_settlements": n,
            "amount_fen": amount, "landed_in": [{"month": mm, "settlements": k} for mm, k in landed]}


def disputes(ctx: Context, month: str | None = None) -> list[dict[str, Any]]:
    """Every dispute (of `month`), oldest first: the national view."""
    m = str(month_of(month)) if month else None
    with ctx.uow() as uow:
        return [dispute_view(uow, d) for d in uow.clearing_disputes.of_month(m)]


def scoped_disputes(ctx: Context, principal: Principal, month: str | None = None) -> list[dict[str, Any]]:
    """The disputes the caller may see (of `month`): all for a clearing operator; for an agency those it raised
    or whose settlements sit on its lines."""
    m = str(month_of(month)) if month else None
    region = own_scope(principal)
    with ctx.uow() as uow:
        found = uow.clearing_disputes.of_month(m)
        if region is not None and found:
            lines = uow.clearing_disputes.lines(d.id for d in found)
            found = [d for d in found if dispute_concerns(region, d.region, lines[d.id])]
        return [dispute_view(uow, d) for d in found]


@dataclass(frozen=True)
class DisputeItems:
    """One page of a dispute's settlements (by setl_id) and how many it carries in all."""

    dispute_id: int
    total: int
    amount_fen: int
    limit: int
    offset: int
    settlements: list[dict[str, Any]]


def dispute_items(ctx: Context, principal: Principal, dispute_id: int, *, limit: int = DISPUTE_PAGE,
                  offset: int = 0) -> DisputeItems:
    """A page of the settlements a dispute carries. An agency sees only the disputes that concern it; any other
    is reported as not found, so its existence does not leak."""
    require_operator(principal, "查看清算争议", "read a clearing dispute")
    limit = max(1, min(limit, DISPUTE_SETTLEMENTS))
    offset = max(0, offset)
    with ctx.uow() as uow:
        d = uow.clearing_disputes.get(dispute_id)
        region = own_scope(principal)
        if d is None or (region is not None and not dispute_concerns(
                region, d.region, uow.clearing_disputes.lines([dispute_id])[dispute_id])):
            raise _not_found(dispute_id)
        n, amount = uow.clearing_disputes.totals(dispute_id)
        page = uow.clearing_disputes.items(dispute_id, limit=limit, offset=offset)
        return DisputeItems(dispute_id, n, amount, limit, offset, [{"setl_id": x, "cleared_fen": v} for x, v in page])
