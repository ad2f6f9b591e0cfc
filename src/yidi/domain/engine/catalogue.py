"""Step 1: each fee line through the treatment region's catalogue (就医地目录, docs/rules.md R-3.1).

A line is fully self-funded (not listed, class C, or not payable for the visit type), or split into the part
over the price cap, the pay-first share and the in-scope rest. Where the insured region pays a rest outside
the deductible and the ratio bands (the class-B rest in full, or an item group's rest in full or at its own
ratio: rules.item_groups), that rest is set apart (returned as a Rest) instead of being coinsured.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown, Clause, LineResult, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.engine.line_plan import plans_for
from yidi.domain.error_catalogue import problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.money import ONE, ZERO, fmt, pct, round_fen
from yidi.domain.packset import PackSet
from yidi.domain.policy import PolicyVersion
from yidi.domain.reference import Institution
from yidi.domain.sources import Source


@dataclass(slots=True)
class Rest:
    """In-scope cost the fund pays outside the deductible and the bands: in full (ratio 1) or at its own ratio."""

    label_zh: str
    ratio: Decimal
    amount: Decimal
    parameter: str
    source: Source | None


def classify(
    bill: Bill, inst: Institution, version: PolicyVersion, packs: PackSet, out: Breakdown, ctx: Ctx,
    unknown_items: str,
) -> list[Rest]:
    """Split every line into self-funded / over cap / pay-first / in scope. Returns the rests paid outside
    the deductible and bands, item groups in pack order first, then the class-B rest paid in full."""
    cat = packs.catalogue_for(inst.region)
    assert cat is not None
    rules = version.rules
    rests: dict[int, Rest] = {}
    full_part = ZERO
    problems: list[Problem] = []
    vt = bill.visit_type
    plans = plans_for(packs, vt, rules, cat)
    counts = {"A": ZERO, "B": ZERO, "C": ZERO, "X": ZERO}
    for i, ln in enumerate(bill.lines):
        value = ln.value
        item = packs.item(cat, ln.code, ln.date or bill.day)
        if item is None:
            if unknown_items == "reject":
                problems.append(problem("BILL_UNKNOWN_ITEM", f"lines.{i}.code", line_id=ln.line_id,
                                        code=ln.code, region=cat.region))
                continue
            out.lines.append(LineResult(ln.line_id, ln.code, ln.name, value, value, ZERO, ZERO, ZERO, "", ONE,
                                        "OUT_OF_CATALOGUE", "目录外项目，全自费"))
            out.fulamt_ownpay_amt += value
            counts["X"] += value
            continue
        name = ln.name or item.name
        plan = plans.of(item)  # all but the amounts, resolved once per item
        if plan.status != "IN_SCOPE":
            out.lines.append(LineResult(ln.line_id, ln.code, name, value, value, ZERO, ZERO, ZERO,
                                        plan.chrgitm_lv, ONE, plan.status, plan.why))
            out.fulamt_ownpay_amt += value
            counts["C"] += value
            continue
        over = ZERO
        if item.price_cap is not None and ln.unit_price > item.price_cap:
            over = value - round_fen(ln.quantity * item.price_cap)
        base = value - over
        prop = plan.prop
        pre = round_fen(base * prop)
        inscope = base - pre
        why = plan.why
        if plan.group_rest:
            gi = plan.group
            grp = rules.item_groups[gi]
            ratio = ONE if grp.rest == "full" else (grp.rest_ratio or ZERO)
            rest = rests.setdefault(gi, Rest(grp.name, ratio, ZERO, f"rules.item_groups.{gi}",
                                             grp.source or rules.source))
            rest.amount += inscope
        elif plan.b_full:
            full_part += inscope
        if over:
            why += f"；单价 {fmt(ln.unit_price)} 超过支付标准 {fmt(item.price_cap or ZERO)}，超出部分自付"
        out.lines.append(LineResult(ln.line_id, ln.code, name, value, ZERO, over, pre, inscope,
                                    plan.chrgitm_lv, prop, "IN_SCOPE", why))
        out.overlmt_selfpay += over
        out.preselfpay_amt += pre
        out.inscp_scp_amt += inscope
        counts[plan.counted] += value
    if problems:
        raise YidiError.of(problems)
    out.medfee_sumamt = out.fulamt_ownpay_amt + out.overlmt_selfpay + out.preselfpay_amt + out.inscp_scp_amt
    b_src = "参保地" if rules.b_class_selfpay_source == "insured" else "就医地"
    out.steps.append(Step(
        "catalogue.classify",
        f"按就医地（{cat.region}）医保目录划分 {len(out.lines)} 条明细：总费用 {fmt(out.medfee_sumamt)} 元，"
        f"其中全自费 {fmt(out.fulamt_ownpay_amt)}，超限价自费 {fmt(out.overlmt_selfpay)}，"
        f"乙类先行自付 {fmt(out.preselfpay_amt)}（比例按{b_src}），政策范围内 {fmt(out.inscp_scp_amt)}。",
        f"Lines classified by the treatment-region catalogue {cat.region}: total {fmt(out.medfee_sumamt)}, "
        f"in scope {fmt(out.inscp_scp_amt)}.",
        Clause(cat.region, f"{packs.name}@{packs.version}", "", "catalogue",
               packs.cite(cat.source.doc) if cat.source else "", cat.source.article if cat.source else ""),
        {"class_A": counts["A"], "class_B": counts["B"], "class_C": counts["C"], "not_listed": counts["X"]},
        {"fulamt_ownpay_amt": out.fulamt_ownpay_amt, "overlmt_selfpay": out.overlmt_selfpay,
         "preselfpay_amt": out.preselfpay_amt, "inscp_scp_amt": out.inscp_scp_amt},
    ))
    if full_part:
        out.steps.append(Step(
            "catalogue.b_class_rest_full",
            f"参保地规定乙类项目先行自付后其余部分全额支付（不设起付、不按比例）：{fmt(full_part)} 元。",
            f"Class-B rest after the pay-first share is paid in full: {fmt(full_part)}.",
            ctx.clause("rules.b_class_rest", version.rules.source, version.source),
            {}, {"b_class_rest_full": full_part},
        ))
    for rest in rests.values():
        how = "全额支付" if rest.ratio == ONE else f"按 {pct(rest.ratio)} 支付"
        out.steps.append(Step(
            "catalogue.item_group",
            f"参保地规定{rest.label_zh}先行自付后其余部分由统筹基金{how}（不设起付、不分段）：{fmt(rest.amount)} 元。",
            f"Item group {rest.label_zh}: the rest after its pay-first share, {fmt(rest.amount)}, is paid at "
            f"{pct(rest.ratio)} outside the deductible and bands.",
            ctx.clause(rest.parameter, rest.source, version.source),
            {}, {"item_group_rest": rest.amount},
        ))
    out_rests = [rests[i] for i in sorted(rests)]
    if full_part:
        out_rests.append(Rest("乙类项目", ONE, full_part, "rules.b_class_rest", rules.source))
    return out_rests
