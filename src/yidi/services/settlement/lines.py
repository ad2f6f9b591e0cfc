"""费用明细上传 / 撤销 (2301/2204, 2302/2205): a visit's fee lines, each classified by the engine and kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from yidi.domain import bounds as B
from yidi.domain.bill import FeeLine
from yidi.domain.engine import calculate
from yidi.domain.enums import VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.errors import Problem, YidiError
from yidi.domain.money import from_fen, to_fen
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.bills import bill_of
from yidi.services.settlement.checks import audit, check_open, hospital, now, own_visit, refuse_reversed
from yidi.services.settlement.mid_stay import parts_of, refuse_settled_lines
from yidi.services.settlement.requests import INFNO, MAX_LINES_PER_VISIT, UploadLinesIn, WithdrawLinesIn
from yidi.services.settlement.views import VisitView, visit_view
from yidi.store.repositories.lines import Line
from yidi.store.repositories.messages import Message
from yidi.store.repositories.visits import HospitalVisit
from yidi.store.retry import retrying
from yidi.store.uow import UnitOfWork


def _content(ln: FeeLine) -> tuple[Any, ...]:
    return (ln.code, ln.name, str(ln.quantity.normalize()), to_fen(ln.unit_price), ln.date)


def _stored_content(r: Line) -> tuple[Any, ...]:
    return (r.code, r.name, str(Decimal(r.quantity).normalize()), r.unit_price_fen, r.line_date)


def _classify(ctx: Context, uow: UnitOfWork, visit: HospitalVisit, rows: list[Line], today: dt.date) -> list[str]:
    """Classify the visit's active lines with the engine (the treatment catalogue in force on each line's
    day); unknown codes become fully self-funded lines, never dropped. Returns warnings."""
    if not rows:
        return []
    p = uow.persons.by_key(visit.person)
    try:
        bill = bill_of(visit, p, rows, today, None, True)
        b = calculate(bill, ctx.packs, person=p, unknown_items="self_funded")
    except YidiError as exc:
        for r in rows:
            r.item_status, r.reason_zh = "UNCLASSIFIED", exc.message_zh
        return [exc.message_zh]
    by_id = {r.line_id: r for r in rows}
    for lr in b.lines:
        r = by_id[lr.line_id]
        r.item_status, r.chrgitm_lv, r.selfpay_prop, r.reason_zh = lr.status, lr.chrgitm_lv, str(lr.selfpay_prop), lr.reason_zh
        r.fulamt_ownpay_fen, r.overlmt_fen = to_fen(lr.fulamt_ownpay_amt), to_fen(lr.overlmt_amt)
        r.preselfpay_fen, r.inscp_scp_fen = to_fen(lr.preselfpay_amt), to_fen(lr.inscp_scp_amt)
    return list(b.warnings)


@dataclass(frozen=True, slots=True)
class _Opened:
    """A visit opened for a change of its lines: locked, its transaction code, its lines by id (in the store's
    order), the message already stored with the request's msgid (if any)."""

    visit: HospitalVisit
    infno: str
    lines: dict[str, Line]
    message: Message | None


def _open_for_lines(uow: UnitOfWork, inst: str, mdtrt_id: str, msgid: str | None, kind: str) -> _Opened:
    visit = uow.visits.claim(own_visit(uow, inst, mdtrt_id))
    check_open(visit, mdtrt_id)
    msg = uow.messages.get(inst, msgid) if msgid else None
    refuse_reversed(msg, msgid or "")
    return _Opened(visit, INFNO[visit.visit_type is VisitType.INPATIENT][kind],
                   {r.line_id: r for r in uow.lines.of_visit(visit.visit_id)}, msg)


def _message_once(uow: UnitOfWork, inst: str, opened: _Opened, msgid: str | None) -> None:
    if msgid and opened.message is None:
        uow.messages.add(Message(None, inst, msgid, opened.infno, "DONE", visit_id=opened.visit.visit_id, at=now()))


def upload_lines(ctx: Context, principal: Principal, mdtrt_id: str, req: UploadLinesIn) -> VisitView:
    """费用明细上传: insert new lines, keep identical ones, correct (with `replace`) or reactivate
    withdrawn ones; every line is classified and kept, whatever its code or price."""
    inst = hospital(principal, "上传费用明细", "upload fee lines")
    today = ctx.today()
    seen: set[str] = set()
    problems: list[Problem] = []
    for i, ln in enumerate(req.lines):
        if ln.line_id in seen:
            problems.append(Problem("LINE_DUPLICATE", f"lines.{i}.line_id", f"明细流水号 {ln.line_id} 在本批中重复",
                                    f"line id {ln.line_id} appears twice in this batch"))
        seen.add(ln.line_id)
        if ln.date is not None and ln.date > today:
            problems.append(Problem("LINE_DATE_OUTSIDE", f"lines.{i}.date", f"明细 {ln.line_id} 的日期晚于今天",
                                    f"line {ln.line_id} is dated in the future"))
    if problems:
        raise YidiError.of(problems)

    def run() -> VisitView:
        with ctx.uow() as uow:
            # asked before the first read: the visit's rows are then held as plain values (yidi.store.plain_rows)
            uow.write_at_once()
            opened = _open_for_lines(uow, inst, mdtrt_id, req.msgid, "upload")
            visit, infno, existing = opened.visit, opened.infno, opened.lines
            # everything the answer shows is read before the writes, which then go at commit in one statement
            # (PostgreSQL): the visit's lines above, its settlements and its person here
            setls = uow.settlements.of_visit(visit.visit_id)
            person = uow.persons.by_key(visit.person)
            parts = parts_of(uow, visit, setls)
            errs: list[Problem] = []
            changed: list[Line] = []
            for i, ln in enumerate(req.lines):
                if ln.date is not None and ln.date < visit.admitted_on:
                    errs.append(Problem("LINE_DATE_OUTSIDE", f"lines.{i}.date",
                                        f"明细 {ln.line_id} 的日期 {ln.date} 早于入院（就诊）日期 {visit.admitted_on}",
                                        f"line {ln.line_id} is dated before the admission"))
                    continue
                row = existing.get(ln.line_id)
                if row is not None and row.status == "ACTIVE" and _stored_content(row) == _content(ln):
                    continue  # the same line again: idempotent
                refuse_settled_lines(parts, [ln.line_id])  # settled in a mid-stay part: revoke that first
                if row is not None and row.status == "ACTIVE" and not req.replace:
                    errs.append(Problem("LINE_CONFLICT", f"lines.{i}",
                                        f"明细 {ln.line_id} 已上传且内容不同；如需更正请设置 replace 或先撤销该明细",
                                        f"line {ln.line_id} exists with other content; send replace: true or withdraw it first"))
                    continue
                if row is None:
                    row = Line(None, visit.visit_id, ln.line_id)
                    existing[ln.line_id] = row
                row.code, row.name, row.quantity = ln.code, ln.name, format(ln.quantity, "f")
                row.unit_price_fen, row.amount_fen, row.line_date = to_fen(ln.unit_price), to_fen(ln.value), ln.date
                row.status, row.withdrawn_at, row.uploaded_at = "ACTIVE", None, now()
                changed.append(row)
            if errs:
                raise YidiError.of(errs, status=409 if all(p.code == "LINE_CONFLICT" for p in errs) else 422)
            active = [r for r in existing.values() if r.status == "ACTIVE"]
            if len(active) > MAX_LINES_PER_VISIT:
                raise error("VISIT_TOO_MANY_LINES", max_lines_per_visit=MAX_LINES_PER_VISIT)
            _check_visit_total(sum(r.amount_fen for r in active))
            if changed:
                visit.revision += 1
                uow.visits.save(visit)
                # classified in upload order before anything is written: the stored lines by number, then the new
                # ones in the order of the request, the order their numbers follow (a stable sort), so that each
                # new line is inserted once, classified, instead of inserted and then updated line by line
                active.sort(key=lambda r: (r.id is None, r.id or 0))
                _classify(ctx, uow, visit, active, today)
                uow.lines.save(active, at_commit=True)  # every changed line is active
                audit(uow, principal, "LINES_UPLOAD", "visit", mdtrt_id,
                      {"infno": infno, "lines": len(changed), "replace": req.replace, "revision": visit.revision})
            _message_once(uow, inst, opened, req.msgid)
            # the lines in the store's order: those stored by number, then the new ones as they will be numbered
            return visit_view(uow, visit, person=person, lines=list(existing.values()), settlements=setls)

    return retrying(run)


def _check_visit_total(total_fen: int) -> None:
    """Refused at upload, so a visit can never hold lines it could not settle (pre-settle would fail)."""
    if total_fen > to_fen(B.VISIT_TOTAL_MAX):
        raise error("TOTAL_TOO_LARGE", field="lines",
                    detail_zh=f"本次就诊的有效明细合计 {from_fen(total_fen)} 元，超过一次就诊的上限 {B.VISIT_TOTAL_MAX} 元",
                    detail_en=f"the visit's active lines would add up to {from_fen(total_fen)} yuan, above the limit "
                              f"of {B.VISIT_TOTAL_MAX} yuan for one visit")


def withdraw_lines(ctx: Context, principal: Principal, mdtrt_id: str, req: WithdrawLinesIn) -> VisitView:
    """费用明细撤销: withdraw lines before settlement (withdrawing a withdrawn line changes nothing)."""
    inst = hospital(principal, "撤销费用明细", "withdraw fee lines")
    today = ctx.today()
    with ctx.uow() as uow:
        opened = _open_for_lines(uow, inst, mdtrt_id, req.msgid, "withdraw")
        visit, infno, rows = opened.visit, opened.infno, opened.lines
        ids = req.line_ids if req.line_ids is not None else [k for k, r in rows.items() if r.status == "ACTIVE"]
        missing = [i for i in ids if i not in rows]
        if missing:
            raise YidiError.of([Problem("LINE_NOT_FOUND", "line_ids", f"没有明细 {m}", f"no line {m}") for m in missing],
                               status=404)
        refuse_settled_lines(parts_of(uow, visit), [i for i in ids if rows[i].status == "ACTIVE"])
        changed = 0
        for i in ids:
            r = rows[i]
            if r.status == "ACTIVE":
                r.status, r.withdrawn_at = "WITHDRAWN", now()
                changed += 1
        if changed:
            visit.revision += 1
            uow.visits.save(visit)
            active = sorted((r for r in rows.values() if r.status == "ACTIVE"), key=lambda r: r.id or 0)
            _classify(ctx, uow, visit, active, today)
            uow.lines.save(rows.values())
            audit(uow, principal, "LINES_WITHDRAW", "visit", mdtrt_id,
                  {"infno": infno, "lines": changed, "revision": visit.revision})
        _message_once(uow, inst, opened, req.msgid)
        return visit_view(uow, visit)
