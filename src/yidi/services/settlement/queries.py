"""人员累计信息查询 (5206) and 对账 (3201/3202): what a hospital may ask of a person's year and of its own day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from yidi.domain.error_catalogue import error
from yidi.domain.ids import mask_id, parse_citizen_id
from yidi.domain.money import ZERO, from_fen
from yidi.services.access import Principal
from yidi.services.context import Context
from yidi.services.settlement.checks import hospital
from yidi.services.settlement.requests import AccumulatorQueryIn, ReconcileIn
from yidi.store.repositories.settlements import Settlement


@dataclass(frozen=True, slots=True)
class AccumulatorView:
    person_id_number: str  # masked
    scheme: str
    year: int
    version: int
    admissions: int
    deductible_paid: dict[str, str]
    fund_paid: dict[str, str]
    caps: dict[str, str]
    cap_left: dict[str, str]
    layer_paid: dict[str, str]
    settlements: int


def accumulators(ctx: Context, principal: Principal, req: AccumulatorQueryIn) -> AccumulatorView:
    """人员累计信息查询: deductible used, fund paid and cap left this year, for a person this hospital treats."""
    inst = hospital(principal, "查询人员累计信息", "query accumulators")
    cid = parse_citizen_id(req.id_number, "id_number").number
    today = ctx.today()
    year = req.year or today.year
    with ctx.uow() as uow:
        found = uow.persons.keyed(cid)
        if found is None or not uow.visits.treated_at(found[0], inst):
            # only persons with a visit here: a hospital cannot browse other people's data
            raise error("PERSON_NOT_FOUND")
        key, person = found
        held = uow.accumulators.get(key, person.scheme, year)
        acc = held.value
        n = uow.settlements.settled_count(key, year)
    policy = ctx.packs.policy_for(person.insured_region, dt.date(year, 12, 31) if year < today.year else today)
    caps: dict[str, Decimal] = {}
    if policy is not None and person.scheme in policy[1].schemes:
        caps = dict(policy[1].schemes[person.scheme].caps)
    return AccumulatorView(
        mask_id(cid), person.scheme.value, year, held.version, acc.admissions,
        {k: str(v) for k, v in acc.deductible_paid.items()}, {k: str(v) for k, v in acc.fund_paid.items()},
        {k: str(v) for k, v in caps.items()},
        {k: str(max(ZERO, v - acc.fund_paid.get(k, ZERO))) for k, v in caps.items()},
        {k: str(v) for k, v in acc.layer_paid.items()}, n)


@dataclass(frozen=True, slots=True)
class ReconcileView:
    day: dt.date
    result: Literal["match", "mismatch"]
    ours: dict[str, str]
    theirs: dict[str, str]
    differences: list[dict[str, Any]]


def _signed(row: Settlement, day: dt.date) -> list[tuple[int, Settlement]]:
    out = []
    if row.settlement_date == day:
        out.append((1, row))
    if row.revoked_on == day:
        out.append((-1, row))
    return out


def accounts_fen(x: Settlement) -> int:
    """What personal accounts paid of a settlement, as reconciliation counts it (acct_pay): the person's own and
    a family member's by mutual aid (家庭共济), so medfee = fund + acct_pay + cash still holds."""
    return x.acct_pay_fen + x.acct_mulaid_pay_fen


def _tally(ctx: Context, inst: str, day: dt.date) -> tuple[dict[str, str], dict[tuple[str, bool], Settlement]]:
    """A hospital's day as yidi holds it: totals (a revocation that day counts -1 and minus its amounts) and
    each entry by (setl_id, revoked)."""
    with ctx.uow() as uow:
        rows = uow.settlements.of_day(inst, day)
    count, medfee, fund, acct, cash = 0, 0, 0, 0, 0
    entries: dict[tuple[str, bool], Settlement] = {}
    for r in rows:
        for sign, x in _signed(r, day):
            count += sign
            medfee += sign * x.medfee_sumamt_fen
            fund += sign * x.fund_pay_sumamt_fen
            acct += sign * accounts_fen(x)
            cash += sign * x.psn_cash_pay_fen
            entries[(x.setl_id, sign < 0)] = x
    ours = {"count": str(count), "medfee_sumamt": str(from_fen(medfee)), "fund_pay_sumamt": str(from_fen(fund)),
            "acct_pay": str(from_fen(acct)), "cash_payamt": str(from_fen(cash))}
    return ours, entries


def day_totals(ctx: Context, principal: Principal, day: dt.date) -> dict[str, str]:
    """yidi's own totals of the hospital's day (what 3201 compares against), to fill the desk's form."""
    return _tally(ctx, hospital(principal, "对账", "reconcile"), day)[0]


def reconcile(ctx: Context, principal: Principal, req: ReconcileIn) -> ReconcileView:
    """对账: compare a hospital's day with ours; "match", or the settlements that differ."""
    inst = hospital(principal, "对账", "reconcile")
    ours, entries = _tally(ctx, inst, req.day)
    theirs = {"count": str(req.count), "medfee_sumamt": str(req.medfee_sumamt), "fund_pay_sumamt": str(req.fund_pay_sumamt),
              "acct_pay": str(req.acct_pay), "cash_payamt": str(req.cash_payamt)}
    totals_match = all(Decimal(ours[k]) == Decimal(theirs[k]) for k in ours)
    diffs: list[dict[str, Any]] = []
    if req.settlements is not None:
        seen: set[tuple[str, bool]] = set()
        for item in req.settlements:
            k = (item.setl_id, item.revoked)
            seen.add(k)
            got = entries.get(k)
            if got is None:
                diffs.append({"setl_id": item.setl_id, "revoked": item.revoked, "problem": "UNKNOWN_TO_US"})
                continue
            mine = {"medfee_sumamt": from_fen(got.medfee_sumamt_fen), "fund_pay_sumamt": from_fen(got.fund_pay_sumamt_fen),
                    "acct_pay": from_fen(accounts_fen(got)), "cash_payamt": from_fen(got.psn_cash_pay_fen)}
            bad = {f: {"ours": str(v), "theirs": str(getattr(item, f))} for f, v in mine.items() if v != getattr(item, f)}
            if bad:
                diffs.append({"setl_id": item.setl_id, "revoked": item.revoked, "problem": "AMOUNT_DIFFERS", "fields": bad})
        for (sid, rev), _x in entries.items():
            if (sid, rev) not in seen:
                diffs.append({"setl_id": sid, "revoked": rev, "problem": "MISSING_AT_HOSPITAL"})
    elif not totals_match:
        # totals alone cannot say which one differs: list ours, so the HIS can find it (or send 3202 detail)
        for (sid, rev), x in entries.items():
            diffs.append({"setl_id": sid, "revoked": rev, "problem": "CHECK",
                          "medfee_sumamt": str(from_fen(x.medfee_sumamt_fen)),
                          "fund_pay_sumamt": str(from_fen(x.fund_pay_sumamt_fen)),
                          "acct_pay": str(from_fen(accounts_fen(x))), "cash_payamt": str(from_fen(x.psn_cash_pay_fen))})
    ok = totals_match and not (req.settlements is not None and diffs)
    return ReconcileView(req.day, "match" if ok else "mismatch", ours, theirs, [] if ok else diffs)
