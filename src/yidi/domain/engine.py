"""The settlement calculation: bill + person + year accumulators + filing + packs -> Breakdown.

This is the one calculation every part of yidi uses (hospital settlement, manual claims, estimates,
re-adjudication). It is pure: no I/O, no clock; the settlement date comes with the bill.

Order of the calculation (domain.md 3.2):
 1. classify each fee line with the treatment region's catalogue (就医地目录);
 2. decide the cross-region basis (local, intra-province, long-term, temporary filing, unfiled);
 3. take the cross-region extra pay-first share where the region cuts that way;
 4. the deductible (起付标准), per admission or per year;
 5. the pooled fund by ratio bands, with the cross-region cut, up to the annual cap (参保地政策);
 6. the later layers in order (large-amount subsidy, civil-servant subsidy, critical illness, assistance);
 7. the personal account, then cash; and the accumulators after this bill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.bands import BandSpec, Walk, walk
from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import BandPay, Breakdown, Clause, LineResult, Step
from yidi.domain.enums import (
    CrossRegionBasis,
    FilingType,
    InsuranceStatus,
    ItemClass,
    Scheme,
    VisitType,
)
from yidi.domain.errors import Problem, YidiError
from yidi.domain.money import HUNDRED, ONE, ZERO, fmt, pct, round_fen
from yidi.domain.packset import PackSet
from yidi.domain.policy import (
    LAYER_FIELD,
    LAYER_ZH,
    Account,
    Deductible,
    Layer,
    PolicyVersion,
    Source,
    Tier,
    pick,
)
from yidi.domain.reference import Filing, Institution, Person, province_of

_NO_BENEFIT_STATUSES = {InsuranceStatus.LAPSED, InsuranceStatus.TERMINATED, InsuranceStatus.TRANSFERRING}


@dataclass(slots=True)
class _Ctx:
    """What the steps need to cite clauses."""

    packs: PackSet
    region: str
    version: str

    def clause(self, parameter: str, *sources: Source | None) -> Clause:
        src = next((s for s in sources if s is not None), None)
        return Clause(
            self.region,
            f"{self.packs.name}@{self.packs.version}",
            self.version,
            parameter,
            self.packs.cite(src.doc) if src else "",
            src.article if src else "",
        )


def calculate(
    bill: Bill,
    packs: PackSet,
    *,
    person: Person | None = None,
    filing: Filing | None = None,
    accumulators: YearAccumulators | None = None,
    unknown_items: str = "reject",
) -> Breakdown:
    """Calculate a bill. `person`, `filing` and `accumulators` default to what the bill carries.

    unknown_items: "reject" raises BILL_UNKNOWN_ITEM (a quote); "self_funded" classifies such lines as
    fully self-funded and keeps them (hospital upload: never silently dropped).
    """
    day = bill.day
    person = person or bill.person.to_person()
    if filing is None and bill.filing is not None:
        filing = bill.filing.to_filing(person.insured_region)
    acc = accumulators or bill.accumulators or YearAccumulators(year=day.year)
    if acc.year != day.year:
        raise YidiError("ACC_YEAR", "年度累计的年份与结算年份不同", "accumulators are for another year", "accumulators.year")

    inst, version = _resolve(bill, person, packs)
    scheme = version.schemes.get(person.scheme)
    if scheme is None:
        raise YidiError(
            "POLICY_NO_SCHEME",
            f"参保地 {person.insured_region} 的政策没有 {person.scheme.zh} 的规定",
            f"the insured region's policy has no {person.scheme.value} scheme",
            "person.scheme",
        )
    benefit = scheme.benefits.get(bill.visit_type)
    if benefit is None:
        raise YidiError(
            "POLICY_NO_BENEFIT",
            f"参保地 {person.insured_region} 的{person.scheme.zh}政策没有{bill.visit_type.zh}待遇",
            f"the insured region's {person.scheme.value} policy has no {bill.visit_type.value} benefit",
            "visit_type",
        )
    ctx = _Ctx(packs, person.insured_region, version.effective_from.isoformat())
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
    full_part = _classify(bill, inst, version, packs, out, ctx, unknown_items)
    coinsured = out.inscp_scp_amt - full_part

    # 2. cross-region basis
    basis, ftype = _basis(bill, person, inst, filing, version, out, ctx)
    out.basis, out.filing_type = basis.value, (ftype.value if ftype else None)
    cr = version.cross_region
    cut = ZERO
    if basis in (CrossRegionBasis.TEMPORARY, CrossRegionBasis.UNFILED):
        cut = cr.cut_for(ftype if basis is CrossRegionBasis.TEMPORARY else None)

    no_benefit = _benefit_blocked(bill, person, basis, version, out)
    new_layer_base = dict(acc.layer_base)
    new_layer_paid = dict(acc.layer_paid)

    if no_benefit:
        coinsured = ZERO
        full_part = ZERO

    # 3. cross-region extra pay-first share (Jiangxi style: 10 % / 20 % of the in-scope amount first)
    if cut and cr.cut_mode == "first_selfpay" and (coinsured or full_part):
        extra = round_fen((coinsured + full_part) * cut / HUNDRED)
        take_c = min(extra, coinsured)
        coinsured -= take_c
        full_part -= extra - take_c
        out.cross_region_selfpay_amt = extra
        steps.append(Step(
            "cross_region.first_selfpay",
            f"{_basis_zh(basis, ftype)}：政策范围内费用 {fmt(extra + coinsured + full_part)} 元先由个人自付 "
            f"{pct(cut / HUNDRED)}，即 {fmt(extra)} 元，其余按正常比例报销。",
            f"Cross-region {basis.value.lower()}: {pct(cut / HUNDRED)} of the in-scope amount is paid first by the person.",
            ctx.clause(f"cross_region.{'cut.' + ftype.value if ftype and basis is CrossRegionBasis.TEMPORARY else 'unfiled_cut'}", cr.source, version.source),
            {"inscp_scp_amt": out.inscp_scp_amt},
            {"cross_region_selfpay_amt": extra},
        ))
        cut = ZERO  # taken as a pay-first share, not again on the ratio

    # 4. deductible
    dedc = _deductible(bill, person, inst, benefit.deductible, acc, coinsured, out, ctx, version, scheme.source)
    eligible = coinsured - dedc

    # 5. pooled fund
    walk_basic, full_paid, above = _pooled_fund(
        bill, person, inst, version, scheme.caps[pool], pool, benefit.tiers, acc, basis, cut, dedc, eligible,
        full_part, out, ctx, benefit.source or scheme.source,
    )
    hifp = walk_basic.pay + full_paid
    out.hifp_pay = hifp
    out.above_cap_amt = above
    cap_shared_cost = walk_basic.covered + full_paid

    # 6. later layers
    personal_in_scope = out.inscp_scp_amt - hifp
    above_left = above
    for layer in scheme.layers:
        if no_benefit:
            break
        pay, base_amt = _layer(layer, bill, person, acc, above_left, personal_in_scope, out, ctx, version)
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
    _account(bill, person, scheme.account, personal_in_scope, out, ctx, version)
    out.psn_cash_pay = out.psn_part_amt - out.acct_pay
    if no_benefit:
        # Nothing was borne by the insurance: the year's usage (admissions included, which would
        # lower the next admission's deductible) stays as it was.
        out.accumulators_after = acc
        return out
    out.accumulators_after = acc.model_copy(update={
        "admissions": acc.admissions + (1 if bill.visit_type is VisitType.INPATIENT else 0),
        "deductible_paid": {**acc.deductible_paid, vt: acc.deductible_paid.get(vt, ZERO) + dedc},
        "inscope": {**acc.inscope, pool: acc.inscope.get(pool, ZERO) + coinsured},
        "eligible": {**acc.eligible, pool: acc.eligible.get(pool, ZERO) + eligible},
        "cost_shared": {**acc.cost_shared, pool: acc.cost_shared.get(pool, ZERO) + cap_shared_cost},
        "fund_paid": {**acc.fund_paid, pool: acc.fund_paid.get(pool, ZERO) + hifp},
        "layer_base": new_layer_base,
        "layer_paid": new_layer_paid,
    })
    return out


def _resolve(bill: Bill, person: Person, packs: PackSet) -> tuple[Institution, PolicyVersion]:
    problems: list[Problem] = []
    inst = packs.institutions.get(bill.institution)
    if inst is None:
        problems.append(Problem("INSTITUTION_UNKNOWN", "institution", f"定点医疗机构编码 {bill.institution} 不存在",
                                f"unknown designated institution {bill.institution}"))
    if person.insured_region not in packs.regions:
        problems.append(Problem("REGION_UNKNOWN", "person.insured_region",
                                f"参保地统筹区编码 {person.insured_region} 不存在",
                                f"unknown pooling region {person.insured_region}"))
    if bill.filing is not None and bill.filing.treatment_area not in packs.regions and not (
        bill.filing.treatment_area.endswith("0000")
        and any(province_of(c) == bill.filing.treatment_area for c in packs.regions)
    ):
        problems.append(Problem("REGION_UNKNOWN", "filing.treatment_area",
                                f"备案就医地编码 {bill.filing.treatment_area} 不存在",
                                f"unknown treatment area {bill.filing.treatment_area}"))
    found = packs.policy_for(person.insured_region, bill.day) if person.insured_region in packs.regions else None
    if person.insured_region in packs.regions and found is None:
        problems.append(Problem("POLICY_NOT_IN_FORCE", "settlement_date",
                                f"参保地 {person.insured_region} 在 {bill.day} 没有生效的政策",
                                f"no policy of {person.insured_region} is in force on {bill.day}"))
    if inst is not None and packs.catalogue_for(inst.region) is None:
        problems.append(Problem("CATALOGUE_MISSING", "institution",
                                f"就医地 {inst.region} 没有医保目录", f"no catalogue for treatment region {inst.region}"))
    if problems:
        raise YidiError.of(problems)
    assert inst is not None and found is not None
    return inst, found[1]


def _classify(
    bill: Bill, inst: Institution, version: PolicyVersion, packs: PackSet, out: Breakdown, ctx: _Ctx,
    unknown_items: str,
) -> Decimal:
    """Split every line into self-funded / over cap / pay-first / in scope. Returns the B rest paid in full."""
    cat = packs.catalogue_for(inst.region)
    assert cat is not None
    rules = version.rules
    full_part = ZERO
    problems: list[Problem] = []
    vt = bill.visit_type
    counts = {"A": ZERO, "B": ZERO, "C": ZERO, "X": ZERO}
    for i, ln in enumerate(bill.lines):
        value = ln.value
        item = packs.item(cat, ln.code, ln.date or bill.day)
        if item is None:
            if unknown_items == "reject":
                problems.append(Problem("BILL_UNKNOWN_ITEM", f"lines.{i}.code",
                                        f"明细 {ln.line_id} 的项目编码 {ln.code} 不在就医地 {cat.region} 的医保目录中",
                                        f"line {ln.line_id}: item {ln.code} is not in the treatment catalogue {cat.region}"))
                continue
            out.lines.append(LineResult(ln.line_id, ln.code, ln.name, value, value, ZERO, ZERO, ZERO, "", ONE,
                                        "OUT_OF_CATALOGUE", "目录外项目，全自费"))
            out.fulamt_ownpay_amt += value
            counts["X"] += value
            continue
        name = ln.name or item.name
        if item.item_class is ItemClass.C or (item.visit_types is not None and vt not in item.visit_types):
            status, why = (("CLASS_C", "丙类（目录外）项目，全自费") if item.item_class is ItemClass.C
                           else ("NOT_FOR_VISIT_TYPE", f"该项目不能在{vt.zh}中支付，全自费"))
            out.lines.append(LineResult(ln.line_id, ln.code, name, value, value, ZERO, ZERO, ZERO,
                                        item.item_class.chrgitm_lv, ONE, status, why))
            out.fulamt_ownpay_amt += value
            counts["C"] += value
            continue
        over = ZERO
        if item.price_cap is not None and ln.unit_price > item.price_cap:
            over = value - round_fen(ln.quantity * item.price_cap)
        base = value - over
        pre = ZERO
        prop = ZERO
        if item.item_class is ItemClass.B:
            if rules.b_class_selfpay_source == "insured":
                assert rules.b_class_selfpay_ratio is not None
                prop = rules.b_class_selfpay_ratio
            else:
                prop = item.selfpay_ratio if item.selfpay_ratio is not None else cat.b_class_selfpay_ratio
            pre = round_fen(base * prop)
        inscope = base - pre
        if item.item_class is ItemClass.B and rules.b_class_rest == "full":
            full_part += inscope
        why = ("甲类，全部进入政策范围" if item.item_class is ItemClass.A
               else f"乙类，先行自付 {pct(prop)}，其余进入政策范围")
        if over:
            why += f"；单价 {fmt(ln.unit_price)} 超过支付标准 {fmt(item.price_cap or ZERO)}，超出部分自付"
        out.lines.append(LineResult(ln.line_id, ln.code, name, value, ZERO, over, pre, inscope,
                                    item.item_class.chrgitm_lv, prop, "IN_SCOPE", why))
        out.overlmt_selfpay += over
        out.preselfpay_amt += pre
        out.inscp_scp_amt += inscope
        counts[item.item_class.value] += value
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
    return full_part


def _basis_zh(basis: CrossRegionBasis, ftype: FilingType | None) -> str:
    if basis is CrossRegionBasis.UNFILED:
        return "就医未备案"
    if ftype is not None:
        return ftype.zh
    return {"LOCAL": "本地就医", "INTRA_PROVINCE": "省内异地就医"}.get(basis.value, basis.value)


def _basis(
    bill: Bill, person: Person, inst: Institution, filing: Filing | None, version: PolicyVersion,
    out: Breakdown, ctx: _Ctx,
) -> tuple[CrossRegionBasis, FilingType | None]:
    cr = version.cross_region
    day = bill.day
    if inst.region == person.insured_region:
        basis, ftype = CrossRegionBasis.LOCAL, None
        zh = "在参保地本地就医，按本地政策，无异地比例调整。"
    elif province_of(inst.region) == province_of(person.insured_region) and cr.intra_province == "local":
        basis, ftype = CrossRegionBasis.INTRA_PROVINCE, None
        zh = "省内跨市就医，参保地规定按本地政策执行（不需跨省备案，无比例调整）。"
    else:
        covering = filing is not None and filing.covers(inst.region, bill.admission_date, inst.code)
        # post-hoc filing (补办备案): a filing that starts after admission but before settlement counts
        if not covering and filing is not None and filing.start <= day:
            covering = filing.covers(inst.region, day, inst.code)
        if covering:
            assert filing is not None
            ftype = filing.type
            basis = CrossRegionBasis.LONG_TERM if ftype.long_term else CrossRegionBasis.TEMPORARY
            zh = f"已办理{ftype.zh}备案（{filing.treatment_area}，{filing.start} 起），备案覆盖本次就医。"
        elif bill.emergency:
            basis, ftype = CrossRegionBasis.TEMPORARY, FilingType.EMERGENCY
            zh = "医院标记为急诊抢救，视同已备案（医保发〔2022〕22号 经办规程第8、34条）。"
        else:
            basis, ftype = CrossRegionBasis.UNFILED, None
            zh = ("未办理覆盖本次就医的异地就医备案，按参保地未备案异地就医规定计算"
                  "（通常不能直接结算，需回参保地手工报销）。")
            if filing is not None:
                zh = f"所持{filing.type.zh}备案不覆盖本次就医（地区或日期不符）；" + zh
    out.steps.append(Step(
        "cross_region.basis", zh, f"Cross-region basis: {basis.value}" + (f" ({ftype.value})" if ftype else ""),
        ctx.clause("cross_region", cr.source, version.source),
    ))
    return basis, ftype


def _benefit_blocked(
    bill: Bill, person: Person, basis: CrossRegionBasis, version: PolicyVersion, out: Breakdown
) -> bool:
    day = bill.day
    st = person.status
    zh = ""
    if st in _NO_BENEFIT_STATUSES and (person.status_since is None or person.status_since <= day):
        zh = {"LAPSED": "参保状态为暂停（断缴）", "TERMINATED": "参保状态为终止",
              "TRANSFERRING": "医保关系正在转移接续"}[st.value] + "，本次不能享受医保待遇，费用由个人负担。"
    elif st is InsuranceStatus.WAITING and (person.status_since is None or day <= person.status_since):
        zh = f"处于待遇等待期（至 {person.status_since}），本次不能享受医保待遇，费用由个人负担。"
    elif basis is CrossRegionBasis.UNFILED and not version.cross_region.unfiled_payable:
        zh = "参保地规定未备案的跨省就医费用基金不予支付。"
    if zh:
        out.steps.append(Step("benefit.blocked", zh, "No benefits for this bill: " + st.value, None))
        out.warnings.append(zh)
        return True
    return False


def _deductible(
    bill: Bill, person: Person, inst: Institution, ded: Deductible, acc: YearAccumulators, coinsured: Decimal,
    out: Breakdown, ctx: _Ctx, version: PolicyVersion, scheme_src: Source | None,
) -> Decimal:
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
        ctx.clause(f"schemes.{person.scheme.value}.benefits.{vt}.deductible", ded.source, scheme_src, version.source),
        {"inscope": coinsured, "deductible_due": due},
        {"act_pay_dedc": dedc},
    ))
    return dedc


def _ratio(basis: CrossRegionBasis, cut: Decimal, mode: str, long_term_factor: Decimal, r: Decimal) -> Decimal:
    if basis is CrossRegionBasis.LONG_TERM:
        return r * long_term_factor
    if not cut:
        return r
    if mode == "subtract":
        return max(ZERO, r - cut / HUNDRED)
    if mode == "multiply":
        return r * (ONE - cut / HUNDRED)
    return r


def _bands(tiers: list[Tier], eff: Callable[[Decimal], Decimal]) -> list[BandSpec]:
    return [(t.lower, t.upper, eff(t.ratio), t.ratio) for t in tiers]


def _pooled_fund(
    bill: Bill, person: Person, inst: Institution, version: PolicyVersion, cap: Decimal, pool: str,
    tiers_grid: dict[str, dict[str, list[Tier]]], acc: YearAccumulators, basis: CrossRegionBasis, cut: Decimal,
    dedc: Decimal, eligible: Decimal, full_part: Decimal, out: Breakdown, ctx: _Ctx, src: Source | None,
) -> tuple[Walk, Decimal, Decimal]:
    rules = version.rules
    cr = version.cross_region
    tiers = pick(tiers_grid, person.category, inst.level)
    assert tiers is not None

    def eff(r: Decimal) -> Decimal:
        return _ratio(basis, cut, cr.cut_mode, cr.long_term_ratio_factor, r)

    bands = _bands(tiers, eff)
    if rules.tier_scope == "annual":
        start = (acc.inscope.get(pool, ZERO) + dedc) if rules.tier_basis == "cumulative" else acc.eligible.get(pool, ZERO)
    else:
        start = dedc if rules.tier_basis == "cumulative" else ZERO
    paid_before = acc.fund_paid.get(pool, ZERO)
    shared_before = acc.cost_shared.get(pool, ZERO)
    vt = bill.visit_type.value
    param = f"schemes.{person.scheme.value}.benefits.{vt}.tiers.{person.category.value}.{inst.level.value}"
    # The B-class rest paid in full (b_class_rest = full) draws on the cap first: more coinsured cost
    # then never pushes a 100 % part out of the cap, so more in-scope cost never lowers the payment.
    if rules.cap_basis == "in_scope_cost":
        cost_room = max(ZERO, cap - shared_before)
        full_paid = min(full_part, cost_room)
        shared = min(eligible, cost_room - full_paid)
        w = walk(bands, start, shared, None)
        w.beyond = eligible - shared
        w.capped = shared < eligible
    else:
        room = max(ZERO, cap - paid_before)
        full_paid = min(full_part, room)
        w = walk(bands, start, eligible, room - full_paid)
    above = w.beyond + (full_part - full_paid)
    for s in w.segments:
        out.bands.append(BandPay("hifp_pay", s.lower, s.upper, s.ratio, s.policy_ratio, s.cost, s.pay))
    if w.segments:
        out.pool_prop_selfpay = w.segments[0].ratio
    parts = "；".join(
        f"{fmt(s.lower)}–{'以上' if s.upper is None else fmt(s.upper)} 段 {fmt(s.cost)} 元 × {pct(s.ratio)}"
        + (f"（政策比例 {pct(s.policy_ratio)}，异地调整后）" if s.ratio != s.policy_ratio else "")
        + f" = {fmt(s.pay)} 元"
        for s in w.segments
    ) or "无可报销金额"
    basis_zh = {"tier_basis": "分段按累计政策范围内费用（含起付线）计" if rules.tier_basis == "cumulative"
                else "分段按起付线以上金额计"}
    out.steps.append(Step(
        "fund.tiers",
        f"统筹基金按{inst.level.zh}医院{person.category.zh}比例分段支付（{basis_zh['tier_basis']}"
        f"{'，按年度累计' if rules.tier_scope == 'annual' else ''}）：{parts}。",
        f"Pooled fund by bands: pays {fmt(w.pay)} on eligible {fmt(eligible)}.",
        ctx.clause(param, src, version.source),
        {"eligible": eligible, "band_start": start},
        {"hifp_pay_bands": w.pay},
    ))
    if full_paid:
        out.steps.append(Step("fund.b_class_rest_full", f"乙类自付后部分全额支付 {fmt(full_paid)} 元。",
                              f"Class-B rest paid in full: {fmt(full_paid)}.",
                              ctx.clause("rules.b_class_rest", rules.source, version.source),
                              {"b_class_rest_full": full_part}, {"paid": full_paid}))
    if w.capped or above:
        if rules.cap_basis == "in_scope_cost":
            zh = (f"年度最高支付限额按政策范围内费用计 {fmt(cap)} 元，本年已由基金分担 {fmt(shared_before)} 元；"
                  f"本次超出限额的 {fmt(above)} 元基金不再支付。")
        else:
            zh = (f"统筹基金年度最高支付限额 {fmt(cap)} 元，本年此前已支付 {fmt(paid_before)} 元，"
                  f"本次最多支付 {fmt(max(ZERO, cap - paid_before))} 元；超出限额部分的费用 {fmt(above)} 元基金不再支付。")
        if paid_before >= cap or (rules.cap_basis == "in_scope_cost" and shared_before >= cap):
            zh = f"本年统筹基金已达到年度最高支付限额 {fmt(cap)} 元，本次统筹基金不再支付（{fmt(above)} 元由后续保障或个人负担）。"
        out.steps.append(Step(
            "fund.cap", zh, f"Annual cap {fmt(cap)} ({rules.cap_basis}) reached; {fmt(above)} of cost is above it.",
            ctx.clause(f"schemes.{person.scheme.value}.caps.{pool}", src, version.source),
            {"cap": cap, "paid_before": paid_before}, {"above_cap_amt": above},
        ))
    return w, full_paid, above


def _layer(
    layer: Layer, bill: Bill, person: Person, acc: YearAccumulators, above: Decimal, personal: Decimal,
    out: Breakdown, ctx: _Ctx, version: PolicyVersion,
) -> tuple[Decimal, Decimal]:
    kind = layer.kind
    zh_name = LAYER_ZH[kind]
    if layer.visit_types is not None and bill.visit_type not in layer.visit_types:
        return ZERO, ZERO
    group = person.assistance_group
    if layer.eligible_groups is not None and group not in layer.eligible_groups:
        return ZERO, ZERO
    threshold, tiers, cap = layer.threshold, layer.tiers, layer.annual_cap
    ov = layer.group_overrides.get(group) if group else None
    if ov is not None:
        threshold = ov.threshold if ov.threshold is not None else threshold
        tiers = ov.tiers if ov.tiers is not None else tiers
        cap = None if ov.no_cap else (ov.annual_cap if ov.annual_cap is not None else cap)
    base_amt = above if layer.base == "above_cap" else personal
    if base_amt <= 0:
        return ZERO, ZERO
    bands: list[BandSpec] = [(ZERO, threshold, ZERO, ZERO)] if threshold > 0 else []
    for t in tiers:
        if layer.tier_basis == "above_threshold":
            bands.append((t.lower + threshold, None if t.upper is None else t.upper + threshold, t.ratio, t.ratio))
        elif t.upper is None or t.upper > threshold:
            bands.append((max(t.lower, threshold), t.upper, t.ratio, t.ratio))
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
          + (f"（{group}）" if ov is not None else "") + f"。共支付 {fmt(w.pay)} 元。")
    out.steps.append(Step(
        f"layer.{kind}", zh, f"{kind}: base {fmt(base_amt)}, pays {fmt(w.pay)}.",
        ctx.clause(f"schemes.{person.scheme.value}.layers.{kind}", layer.source, version.source),
        {"base": base_amt, "threshold": threshold, "base_before": start},
        {LAYER_FIELD[kind]: w.pay},
    ))
    return w.pay, base_amt


def _account(
    bill: Bill, person: Person, account: Account, personal_in_scope: Decimal, out: Breakdown, ctx: _Ctx,
    version: PolicyVersion,
) -> None:
    out.balc = person.account_balance
    if person.scheme is not Scheme.EMPLOYEE or not account.may_pay or not bill.use_account:
        if person.scheme is Scheme.EMPLOYEE and person.account_balance and not bill.use_account:
            out.steps.append(Step("account", "本次选择不使用个人账户，个人负担全部以现金支付。",
                                  "Personal account not used (acct_used_flag = 0).", None))
        return
    scope_amt = out.psn_part_amt if account.scope == "all_personal" else min(personal_in_scope, out.psn_part_amt)
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
