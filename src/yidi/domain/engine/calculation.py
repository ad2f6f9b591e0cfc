"""calculate(): the calculation of one bill, its steps in order (docs/rules.md R-3.2).

 1. classify each fee line with the treatment region's catalogue (就医地目录);
 2. decide the cross-region basis (local, intra-province, long-term, temporary filing, unfiled);
 3. take the cross-region extra pay-first share where the region cuts that way;
    (rests paid outside the deductible and bands — item groups, the class-B rest in full — come from 1)
 4. the deductible (起付标准), per admission or per year;
 5. the pooled fund by ratio bands, with the cross-region cut, up to the annual cap (参保地政策);
 6. the later layers in order (large-amount subsidy, civil-servant subsidy, critical illness, assistance);
 7. the personal account, then cash; and the accumulators after this bill.
"""

from __future__ import annotations

from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.catalogue import classify
from yidi.domain.engine.chronic import (
    cite_disease,
    disease_accumulators,
    disease_after,
    disease_limit,
    for_disease,
)
from yidi.domain.engine.context import Ctx, resolve
from yidi.domain.engine.cross_region import at_home, benefit_blocked, cross_region_basis, first_selfpay
from yidi.domain.engine.fund import deductible, pooled_fund
from yidi.domain.engine.mutual_aid import mutual_aid_pay
from yidi.domain.engine.payers import account_pay, layer_pay
from yidi.domain.engine.pharmacy import account_only
from yidi.domain.engine.selection import terms
from yidi.domain.enums import Scheme, VisitType
from yidi.domain.error_catalogue import error
from yidi.domain.money import ZERO, fmt
from yidi.domain.packset import PackSet
from yidi.domain.policy import LAYER_FIELD
from yidi.domain.ratios import adjustment
from yidi.domain.reference import Filing, Person


def calculate(
    bill: Bill,
    packs: PackSet,
    *,
    person: Person | None = None,
    filing: Filing | None = None,
    accumulators: YearAccumulators | None = None,
    unknown_items: str = "reject",
    relative: Person | None = None,
) -> Breakdown:
    """Calculate a bill. `person`, `filing` and `accumulators` default to what the bill carries.

    unknown_items: "reject" raises BILL_UNKNOWN_ITEM (a quote); "self_funded" classifies such lines as
    fully self-funded and keeps them (hospital upload: never silently dropped).
    relative: the family member whose account pays what the person's own left (家庭共济); the caller has
    checked their confirmed family link (yidi.domain.engine.mutual_aid).
    """
    day = bill.day
    person = person or bill.person.to_person()
    if filing is None and bill.filing is not None:
        filing = bill.filing.to_filing(person.insured_region)
    acc = accumulators or bill.accumulators or YearAccumulators(year=day.year)
    if acc.year != day.year:
        raise error("ACC_YEAR", year=acc.year, settlement_year=day.year)

    inst, version = resolve(bill, person, packs)
    scheme = version.schemes.get(person.scheme)
    if scheme is None:
        raise error("POLICY_NO_SCHEME", insured_region=person.insured_region, scheme_zh=person.scheme.zh,
                    scheme=person.scheme.value)
    benefit = scheme.benefits.get(bill.visit_type)
    if benefit is None:
        raise error("POLICY_NO_BENEFIT", insured_region=person.insured_region, scheme_zh=person.scheme.zh,
                    visit_type_zh=bill.visit_type.zh, scheme=person.scheme.value,
                    visit_type=bill.visit_type.value)
    benefit, disease = for_disease(bill, person, benefit)  # a 门诊慢特病 with terms of its own (rule 7)
    if accumulators is None and bill.accumulators is not None:
        # a caller's accumulators name the policy's cap pools; a pool it does not have would be ignored
        unknown = bill.accumulators.unknown_pools(set(scheme.caps))
        if unknown:
            raise error("ACC_KEY_UNKNOWN", field=f"accumulators.{unknown[0]}", what_zh="封顶池（参保地政策没有）",
                        what_en="cap pools (the policy has none such)", keys=unknown[:10], known=sorted(scheme.caps))
    ctx = Ctx(packs, person.insured_region, version.effective_from.isoformat())
    pool = benefit.cap_pool
    vt = bill.visit_type.value
    out = Breakdown(
        bill_id=bill.bill_id,
        insured_region=person.insured_region,
        treatment_region=inst.region,
        institution=inst.code,
        visit_type=vt,
        insutype=person.scheme.insutype,
        basis="",
        filing_type=None,
        pack=f"{packs.name}@{packs.version}",
        policy_version=ctx.version,
    )
    steps = out.steps

    # 1. lines through the treatment region's catalogue
    rests = classify(bill, inst, version, packs, out, ctx, unknown_items)
    coinsured = out.inscp_scp_amt - sum((r.amount for r in rests), ZERO)

    # 2. cross-region basis
    basis, ftype = cross_region_basis(bill, person, inst, filing, version, out, ctx)
    out.basis, out.filing_type = basis.value, (ftype.value if ftype else None)
    adj = at_home(bill, filing, version, adjustment(version.cross_region, basis, ftype), out, ctx)

    no_benefit = benefit_blocked(bill, person, adj, out)
    # a pharmacy purchase the pack lets only the personal account pay: nothing borne by the funds
    no_benefit = account_only(bill, inst, version, out, ctx) or no_benefit
    new_layer_base = dict(acc.layer_base)
    new_layer_paid = dict(acc.layer_paid)

    if no_benefit:
        coinsured = ZERO
        rests = []

    # 3. cross-region extra pay-first share (Jiangxi style: 10 % / 20 % of the in-scope amount first)
    coinsured = first_selfpay(adj, coinsured, rests, out, ctx, version)

    # 4. deductible
    # the person's terms: the benefit's own, or a selector's (age on the treatment day, category, group)
    t = terms(bill, person, scheme, benefit, out, ctx, version)
    first_step = len(out.steps)
    dedc = deductible(bill, person, inst, t.deductible, t.deductible_param, disease_accumulators(acc, disease),
                      coinsured, out, ctx, version, t.source or scheme.source)
    eligible = coinsured - dedc

    # 5. pooled fund
    hifp, cap_shared_cost, above = pooled_fund(
        bill, person, inst, version, t, pool, acc, adj, dedc, eligible,
        rests, out, ctx, t.source or benefit.source or scheme.source,
    )
    cite_disease(out, disease, first_step)
    hifp = disease_limit(disease, hifp, acc, out, ctx, version)
    out.hifp_pay = hifp
    out.above_cap_amt = above

    # 6. later layers
    personal_in_scope = out.inscp_scp_amt - hifp
    above_left = above
    for layer in scheme.layers:
        if no_benefit:
            break
        pay, base_amt = layer_pay(layer, bill, person, acc, above_left, personal_in_scope, out, ctx, version)
        if base_amt:
            new_layer_base[layer.kind] = acc.layer_base.get(layer.kind, ZERO) + base_amt
        if pay:
            new_layer_paid[layer.kind] = acc.layer_paid.get(layer.kind, ZERO) + pay
            setattr(out, LAYER_FIELD[layer.kind], getattr(out, LAYER_FIELD[layer.kind]) + pay)
            personal_in_scope -= pay
            if layer.base == "above_cap":
                above_left -= pay
            above_left = min(above_left, personal_in_scope)

    out.fund_pay_sumamt = out.hifp_pay + out.hifob_pay + out.cvlserv_pay + out.hifmi_pay + out.maf_pay
    out.psn_part_amt = out.medfee_sumamt - out.fund_pay_sumamt
    steps.append(Step(
        "fund.total",
        f"基金合计支付 {fmt(out.fund_pay_sumamt)} 元；个人负担 {fmt(out.psn_part_amt)} 元"
        f"（全自费 {fmt(out.fulamt_ownpay_amt)}，超限价 {fmt(out.overlmt_selfpay)}，先行自付 {fmt(out.preselfpay_amt)}，"
        f"政策范围内个人负担 {fmt(personal_in_scope)}）。",
        f"Funds pay {fmt(out.fund_pay_sumamt)} in all; the person bears {fmt(out.psn_part_amt)}.",
        None,
        {"medfee_sumamt": out.medfee_sumamt},
        {"fund_pay_sumamt": out.fund_pay_sumamt, "psn_part_amt": out.psn_part_amt},
    ))

    # 7. personal account, then cash
    payable = account_pay(bill, person, inst.region, scheme.account, personal_in_scope, out, ctx, version)
    if relative is not None:
        # the relative's employee account pays under the insured region's employee account setting; for a
        # patient without an account of their own (a resident) that setting also says what an account may pay
        emp = version.schemes.get(Scheme.EMPLOYEE)
        account = emp.account if emp is not None else scheme.account
        if person.scheme is not Scheme.EMPLOYEE:
            payable = (account.payable(person.insured_region, inst.region, out.psn_part_amt, personal_in_scope)
                       if bill.use_account and account.may_pay else ZERO)
        aid = mutual_aid_pay(out, person, relative, account, payable, ctx, version)
        out.acct_mulaid_pay = aid.pay
        steps.append(aid.step)
    out.psn_cash_pay = out.psn_part_amt - out.acct_pay - out.acct_mulaid_pay
    if no_benefit:
        # Nothing was borne by the insurance: the year's usage (admissions included, which would
        # lower the next admission's deductible) stays as it was.
        out.accumulators_after = acc
        return out
    counted = bill.visit_type is VisitType.INPATIENT and (
        t.deductible.counted_admissions == "all" or out.inscp_scp_amt > 0)
    out.accumulators_after = acc.model_copy(update={
        "admissions": acc.admissions + (1 if counted else 0),
        # a disease with a deductible of its own counts it apart (disease_after), not in the visit type's
        "deductible_paid": {**acc.deductible_paid, vt: acc.deductible_paid.get(vt, ZERO) + (
            ZERO if disease is not None and disease.terms.deductible is not None else dedc)},
        "inscope": {**acc.inscope, pool: acc.inscope.get(pool, ZERO) + coinsured},
        "eligible": {**acc.eligible, pool: acc.eligible.get(pool, ZERO) + eligible},
        "cost_shared": {**acc.cost_shared, pool: acc.cost_shared.get(pool, ZERO) + cap_shared_cost},
        "fund_paid": {**acc.fund_paid, pool: acc.fund_paid.get(pool, ZERO) + hifp},
        "layer_base": new_layer_base,
        "layer_paid": new_layer_paid,
        **disease_after(acc, disease, dedc, hifp),
    })
    return out
