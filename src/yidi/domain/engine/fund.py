"""Steps 4–5: the deductible and the pooled fund by ratio bands up to the annual cap (参保地政策).

docs/rules.md R-3.3 (deductible), R-3.4 (ratios and bands, in the two readings of the band bounds), R-3.5
(annual cap on the fund's payment or on the cost it shares). The ratio of each band is the policy ratio
after the cross-region adjustment of yidi.domain.ratios.
"""

from __future__ import annotations

from decimal import Decimal

from yidi.domain.bands import BandSpec, walk
from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import BandPay, Breakdown, Step
from yidi.domain.engine.catalogue import Rest
from yidi.domain.engine.context import Ctx
from yidi.domain.engine.selection import Terms
from yidi.domain.enums import CrossRegionBasis, Scheme, VisitType
from yidi.domain.money import ZERO, fmt, pct, round_fen
from yidi.domain.policy import ALL, Deductible, PolicyVersion, pick, pick_cell
from yidi.domain.ratios import RatioAdjustment
from yidi.domain.reference import Institution, Person
from yidi.domain.sources import Source


def deductible(
    bill: Bill, person: Person, inst: Institution, ded: Deductible, param: str, acc: YearAccumulators,
    coinsured: Decimal, out: Breakdown, ctx: Ctx, version: PolicyVersion, scheme_src: Source | None,
) -> Decimal:
    """The deductible (起付标准) charged on this bill: per admission (lower on repeat admissions) or annual."""
    vt = bill.visit_type.value
    base = pick(ded.amounts, person.category, inst.level)
    assert base is not None
    if ded.mode == "annual":
        due = max(ZERO, base - acc.deductible_paid.get(vt, ZERO))
        how = f"年度起付标准 {fmt(base)} 元，本年已付 {fmt(acc.deductible_paid.get(vt, ZERO))} 元，尚余 {fmt(due)} 元"
    else:
        n = acc.admissions + 1 if bill.visit_type is VisitType.INPATIENT else 1
        factor = ded.repeat_factors[min(n, len(ded.repeat_factors)) - 1]
        due = round_fen(base * factor)
        how = (f"{inst.level.zh}医院按次起付标准 {fmt(base)} 元" +
               (f"，本年第 {n} 次住院按 {pct(factor)} 计，为 {fmt(due)} 元" if factor != 1 else ""))
    dedc = min(due, coinsured)
    out.act_pay_dedc = dedc
    out.steps.append(Step(
        "deductible",
        f"{how}；本次政策范围内费用 {fmt(coinsured)} 元，先由个人支付起付线 {fmt(dedc)} 元。",
        f"Deductible due {fmt(due)}; charged {fmt(dedc)} of in-scope {fmt(coinsured)}.",
        ctx.clause(param, ded.source, scheme_src, version.source),
        {"inscope": coinsured, "deductible_due": due},
        {"act_pay_dedc": dedc},
    ))
    return dedc


def _adjusted_zh(adj: RatioAdjustment) -> str:
    """How a band's ratio was changed for care away, in words a person reads (the cut's figure named)."""
    if adj.basis is CrossRegionBasis.LONG_TERM:
        if adj.long_term_cut:
            return f"长期异地居住人员降低 {adj.long_term_cut.normalize():f} 个百分点后"
        return f"长期异地居住比例系数 {adj.long_term_factor.normalize():f} 调整后"
    who = adj.filing_type.zh + "备案" if adj.filing_type is not None else "未备案异地就医"
    how = (f"降低 {adj.cut.normalize():f} 个百分点" if adj.mode == "subtract"
           else f"乘以 (1 − {adj.cut.normalize():f}%)")
    return f"{who}{how}后"


def pooled_fund(
    bill: Bill, person: Person, inst: Institution, version: PolicyVersion, bt: Terms, pool: str,
    acc: YearAccumulators, adj: RatioAdjustment,
    dedc: Decimal, eligible: Decimal, rests: list[Rest], out: Breakdown, ctx: Ctx, src: Source | None,
) -> tuple[Decimal, Decimal, Decimal]:
    """The pooled fund: the rests outside the bands, then by ratio bands (each ratio adjusted for care
    away), up to the annual cap.

    Returns the fund's payment, the cost it shared in (for a cap on cost), and the cost above the cap.
    """
    rules = version.rules
    cap, tiers_grid = bt.cap, bt.tiers
    tiers = pick(tiers_grid, person.category, inst.level)
    assert tiers is not None
    bands: list[BandSpec] = [(t.lower, t.upper, adj.ratio(t.ratio), t.ratio) for t in tiers]
    if rules.tier_scope == "annual":
        start = (acc.inscope.get(pool, ZERO) + dedc) if rules.tier_basis == "cumulative" else acc.eligible.get(pool, ZERO)
    else:
        start = dedc if rules.tier_basis == "cumulative" else ZERO
    paid_before = acc.fund_paid.get(pool, ZERO)
    shared_before = acc.cost_shared.get(pool, ZERO)
    # cite the cell the grid resolved to (a pack written tiers: {ALL: {ALL: …}} is cited as tiers.ALL.ALL)
    cat_key, level_key = pick_cell(tiers_grid, person.category, inst.level) or (ALL, ALL)
    param = f"{bt.tiers_param}.{cat_key}.{level_key}"
    # wording by scheme: 在职 / 退休 are employee categories; a resident's ratio is the resident ratio
    who = person.category.zh if person.scheme is Scheme.EMPLOYEE else "居民"
    # The rests paid outside the bands (item groups, the B-class rest in full) draw on the cap first:
    # more coinsured cost then never pushes them out of the cap, so more in-scope cost never lowers
    # the payment.
    rest_room = max(ZERO, cap - (shared_before if rules.cap_basis == "in_scope_cost" else paid_before))
    paid_rests, rest_room = _rests(rests, rules.cap_basis, rest_room)
    rest_amount = sum((r.amount for r in rests), ZERO)
    rest_paid = sum((p for p, _c, _u in paid_rests), ZERO)
    rest_covered = sum((c for _p, c, _u in paid_rests), ZERO)
    if rules.cap_basis == "in_scope_cost":
        shared = min(eligible, rest_room)
        w = walk(bands, start, shared, None)
        w.beyond = eligible - shared
        w.capped = shared < eligible
    else:
        w = walk(bands, start, eligible, rest_room)
    above = w.beyond + (rest_amount - rest_covered)
    # the fund payment the cap took away: the walk without a cap (same bands, same rounding) less the payment
    withheld = ZERO
    if w.capped or above:
        withheld = walk(bands, start, eligible, None).pay + sum((u for _p, _c, u in paid_rests), ZERO) - w.pay - rest_paid
    out.above_cap_fund_amt = withheld
    for s in w.segments:
        out.bands.append(BandPay("hifp_pay", s.lower, s.upper, s.ratio, s.policy_ratio, s.cost, s.pay))
    if w.segments:
        out.pool_prop_selfpay = w.segments[0].ratio
    adj_zh = _adjusted_zh(adj)
    parts = "；".join(
        # where coverage really ended: a band cut short by the cap ends at lower + the cost it covered
        f"{fmt(s.lower)}–{fmt(s.lower + s.cost)} 段 {fmt(s.cost)} 元 × {pct(s.ratio)}"
        + (f"（政策比例 {pct(s.policy_ratio)}，{adj_zh}）" if s.ratio != s.policy_ratio else "")
        + f" = {fmt(s.pay)} 元"
        for s in w.segments
    ) or "无可报销金额"
    basis_zh = {"tier_basis": "分段按累计政策范围内费用（含起付线）计" if rules.tier_basis == "cumulative"
                else "分段按起付线以上金额计"}
    out.steps.append(Step(
        "fund.tiers",
        f"统筹基金按{inst.level.zh}医院{who}比例分段支付（{basis_zh['tier_basis']}"
        f"{'，按年度累计' if rules.tier_scope == 'annual' else ''}）：{parts}。",
        f"Pooled fund by bands: pays {fmt(w.pay)} on eligible {fmt(eligible)}.",
        # a ratio cut for care away applies the cut's parameter too: cited beside the tier's cell
        ctx.clause(param, src, version.source, also=adj.applied if w.segments else ()),
        {"eligible": eligible, "band_start": start},
        {"hifp_pay_bands": w.pay},
    ))
    for rest, (paid, _cov, _unc) in zip(rests, paid_rests, strict=True):
        if not paid:
            continue
        if rest.parameter == "rules.b_class_rest":
            zh, rule = f"乙类自付后部分全额支付 {fmt(paid)} 元。", "fund.b_class_rest_full"
        else:
            zh, rule = (f"{rest.label_zh}先行自付后其余部分 {fmt(rest.amount)} 元 × {pct(rest.ratio)}，"
                        f"统筹基金支付 {fmt(paid)} 元。"), "fund.item_group"
        out.steps.append(Step(rule, zh, f"{rest.label_zh}: rest paid at {pct(rest.ratio)}: {fmt(paid)}.",
                              ctx.clause(rest.parameter, rest.source, rules.source, version.source),
                              {"rest": rest.amount}, {"paid": paid}))
    if w.capped or above:
        if rules.cap_basis == "in_scope_cost":
            zh = (f"年度最高支付限额按政策范围内费用计 {fmt(cap)} 元，本年已由基金分担 {fmt(shared_before)} 元；"
                  f"本次超出限额的 {fmt(above)} 元基金不再支付。")
        else:
            zh = (f"统筹基金年度最高支付限额 {fmt(cap)} 元，本年此前已支付 {fmt(paid_before)} 元，"
                  f"本次最多支付 {fmt(max(ZERO, cap - paid_before))} 元；超出限额部分的费用 {fmt(above)} 元基金不再支付。")
        if paid_before >= cap or (rules.cap_basis == "in_scope_cost" and shared_before >= cap):
            zh = f"本年统筹基金已达到年度最高支付限额 {fmt(cap)} 元，本次统筹基金不再支付（{fmt(above)} 元由后续保障或个人负担）。"
        zh += f"无此限额时统筹基金应多付 {fmt(withheld)} 元，由后续保障或个人负担。"
        out.steps.append(Step(
            "fund.cap", zh, f"Annual cap {fmt(cap)} ({rules.cap_basis}) reached; {fmt(above)} of cost is above it; "
            f"the fund pays {fmt(withheld)} less than it would without the cap.",
            ctx.clause(bt.cap_param, src, version.source),
            {"cap": cap, "paid_before": paid_before}, {"above_cap_amt": above, "above_cap_fund_amt": withheld},
        ))
    return w.pay + rest_paid, w.covered + rest_covered, above


def _rests(rests: list[Rest], cap_basis: str, room: Decimal) -> tuple[list[tuple[Decimal, Decimal, Decimal]], Decimal]:
    """Each rest paid at its ratio in order, inside the room left under the cap (on the fund's payment or
    on the cost shared). Returns (paid, cost covered, paid without the cap) per rest, and the room left."""
    out: list[tuple[Decimal, Decimal, Decimal]] = []
    for r in rests:
        uncapped = round_fen(r.amount * r.ratio)
        if cap_basis == "in_scope_cost":
            cost = min(r.amount, room)
            paid = round_fen(cost * r.ratio)
            room -= cost
        else:
            w = walk([(ZERO, None, r.ratio, r.ratio)], ZERO, r.amount, room)
            paid, cost = w.pay, w.covered
            room -= paid
        out.append((paid, cost, uncapped))
    return out, room
