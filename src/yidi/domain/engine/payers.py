"""Steps 6–7: the payers after the pooled fund — the later layers in order, then the personal account.

docs/rules.md R-3.6 (large-amount subsidy, civil-servant subsidy, critical-illness insurance, medical
assistance: which applies and on which terms comes from yidi.domain.layers) and R-3.7 (personal account).
"""

from __future__ import annotations

from decimal import Decimal

from yidi.domain.account_policy import Account
from yidi.domain.bands import BandSpec, walk
from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import BandPay, Breakdown, Step
from yidi.domain.engine.context import Ctx
from yidi.domain.enums import Scheme
from yidi.domain.layers import layer_applies, layer_terms
from yidi.domain.money import ZERO, fmt, pct
from yidi.domain.policy import LAYER_FIELD, LAYER_ZH, Layer, PolicyVersion
from yidi.domain.reference import Person


def layer_pay(
    layer: Layer, bill: Bill, person: Person, acc: YearAccumulators, above: Decimal, personal: Decimal,
    out: Breakdown, ctx: Ctx, version: PolicyVersion,
) -> tuple[Decimal, Decimal]:
    """One later layer on this bill: what it pays, and the base it counted (for the accumulators)."""
    kind = layer.kind
    zh_name = LAYER_ZH[kind]
    group = person.assistance_group
    if not layer_applies(layer, bill.visit_type, group):
        return ZERO, ZERO
    terms = layer_terms(layer, group)
    threshold, cap = terms.threshold, terms.cap
    base_amt = above if layer.base == "above_cap" else personal
    if base_amt <= 0:
        return ZERO, ZERO
    bands: list[BandSpec] = [(lo, hi, r, r) for lo, hi, r in terms.bands(layer.tier_basis)]
    start = acc.layer_base.get(kind, ZERO)
    paid_before = acc.layer_paid.get(kind, ZERO)
    room = None if cap is None else max(ZERO, cap - paid_before)
    w = walk(bands, start, base_amt, room)
    for s in w.segments:
        if s.ratio:
            out.bands.append(BandPay(LAYER_FIELD[kind], s.lower, s.upper, s.ratio, s.policy_ratio, s.cost, s.pay))
    base_zh = "超过统筹基金年度限额的政策范围内费用" if layer.base == "above_cap" else "政策范围内个人负担"
    paid_parts = "；".join(f"{fmt(s.cost)} 元 × {pct(s.ratio)} = {fmt(s.pay)} 元" for s in w.segments if s.ratio)
    zh = (f"{zh_name}：本次{base_zh} {fmt(base_amt)} 元，年度起付线 {fmt(threshold)} 元"
          f"（本年此前已累计 {fmt(start)} 元）" + (f"，{paid_parts}" if paid_parts else "，未超过起付线，不支付")
          + (f"；年度限额 {fmt(cap)} 元，此前已付 {fmt(paid_before)} 元" if cap is not None else "；不设年度限额")
          + (f"（{group}）" if terms.overridden else "") + f"。共支付 {fmt(w.pay)} 元。")
    out.steps.append(Step(
        f"layer.{kind}", zh, f"{kind}: base {fmt(base_amt)}, pays {fmt(w.pay)}.",
        # a group's own terms are the cell used: cited beside the layer
        ctx.clause(f"schemes.{person.scheme.value}.layers.{kind}", layer.source, version.source,
                   also=(f"schemes.{person.scheme.value}.layers.{kind}.group_overrides.{group}",)
                   if terms.overridden else ()),
        {"base": base_amt, "threshold": threshold, "base_before": start},
        {LAYER_FIELD[kind]: w.pay},
    ))
    return w.pay, base_amt


def account_pay(
    bill: Bill, person: Person, treatment_region: str, account: Account, personal_in_scope: Decimal, out: Breakdown,
    ctx: Ctx, version: PolicyVersion,
) -> Decimal:
    """The personal account (employees) pays the person's share, or its in-scope part, where the insured region
    lets it pay for care there and up to its per-bill limit away; cash pays the rest. Returns what an account
    may pay of this bill (0 where none may), which family mutual aid draws on too."""
    out.balc = person.account_balance
    if person.scheme is not Scheme.EMPLOYEE or not account.may_pay or not bill.use_account:
        if person.scheme is Scheme.EMPLOYEE and person.account_balance and not bill.use_account:
            out.steps.append(Step("account", "本次选择不使用个人账户，个人负担全部以现金支付。",
                                  "Personal account not used (acct_used_flag = 0).", None))
        return ZERO
    param = f"schemes.{person.scheme.value}.account"
    allowed, limit = account.away_rule(person.insured_region, treatment_region)
    if not allowed:
        zh = ("参保地规定个人账户不能支付跨省异地就医费用" if account.away == "in_province"
              else "参保地规定个人账户不能支付异地就医费用") + "，个人负担全部以现金支付。"
        out.steps.append(Step("account", zh, "The insured region's account does not pay for care there.",
                              ctx.clause(f"{param}.away", account.source, version.source)))
        return ZERO
    scope_amt = account.share_payable(out.psn_part_amt, personal_in_scope)
    if limit is not None and scope_amt > limit:
        # the insured region limits what its account pays for one bill of care away
        out.steps.append(Step("account.away_limit", f"参保地规定异地就医每次个人账户最多支付 {fmt(limit)} 元。",
                              f"The account pays at most {fmt(limit)} per bill away.",
                              ctx.clause(f"{param}.away_limit", account.source, version.source),
                              {"payable": scope_amt}, {"limit": limit}))
        scope_amt = limit
    pay = min(person.account_balance, max(ZERO, scope_amt))
    out.acct_pay = pay
    out.balc = person.account_balance - pay
    scope_zh = "个人负担部分" if account.scope == "all_personal" else "政策范围内个人负担部分"
    out.steps.append(Step(
        "account",
        f"个人账户余额 {fmt(person.account_balance)} 元，可支付{scope_zh} {fmt(scope_amt)} 元，本次支付 {fmt(pay)} 元，"
        f"余额 {fmt(out.balc)} 元；其余 {fmt(out.psn_part_amt - pay)} 元现金支付。",
        f"Personal account pays {fmt(pay)}; balance after {fmt(out.balc)}.",
        ctx.clause(f"schemes.{person.scheme.value}.account", account.source, version.source),
        {"balance": person.account_balance, "payable": scope_amt},
        {"acct_pay": pay, "balc": out.balc},
    ))
    return max(ZERO, scope_amt)
