"""Steps 2–3: the cross-region basis of a bill, whether it gets benefits at all, and the pay-first share of
a cross-region cut taken that way (docs/rules.md R-1.8, R-1.9, R-2.2–R-2.4).

What the basis is comes from yidi.domain.scope and what it does to the ratio from yidi.domain.ratios; this
module writes the steps that explain them.
"""

from __future__ import annotations

from decimal import Decimal

from yidi.domain.bill import Bill
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.engine.catalogue import Rest
from yidi.domain.engine.context import Ctx
from yidi.domain.enums import CrossRegionBasis, FilingType, InstitutionKind, InsuranceStatus
from yidi.domain.money import HUNDRED, ZERO, fmt, pct, round_fen
from yidi.domain.policy import CrossRegion, PolicyVersion
from yidi.domain.ratios import RatioAdjustment, adjustment
from yidi.domain.reference import Filing, Institution, Person
from yidi.domain.scope import Scope, basis_of, emergency_as_filed, emergency_deadline, filing_days, scope_of

_NO_BENEFIT_STATUSES = {InsuranceStatus.LAPSED, InsuranceStatus.TERMINATED, InsuranceStatus.TRANSFERRING}


def basis_zh(basis: CrossRegionBasis, ftype: FilingType | None) -> str:
    if basis is CrossRegionBasis.UNFILED:
        return "就医未备案"
    if ftype is not None:
        return ftype.zh
    return {"LOCAL": "本地就医", "INTRA_PROVINCE": "省内异地就医"}.get(basis.value, basis.value)


def cross_region_basis(
    bill: Bill, person: Person, inst: Institution, filing: Filing | None, version: PolicyVersion,
    out: Breakdown, ctx: Ctx,
) -> tuple[CrossRegionBasis, FilingType | None]:
    """The basis and the filing type it rests on, with the step that says why."""
    cr = version.cross_region
    scope = scope_of(person.insured_region, inst.region, cr)
    covering: FilingType | None = None
    deadline_applied = False  # the emergency flag was read with the region's post-hoc filing deadline
    no_filing_needed = False  # a pharmacy purchase the region lets settle without a filing
    if scope is Scope.LOCAL:
        zh = "在参保地本地就医，按本地政策，无异地比例调整。"
    elif scope is Scope.INTRA_PROVINCE:
        zh = "省内跨市就医，参保地规定按本地政策执行（不需跨省备案，无比例调整）。"
    elif filing is not None and any(filing.covers(inst.region, d, inst.code)
                                    for d in filing_days(bill.admission_date, bill.day)):
        # post-hoc filing (补办备案): a filing that starts after admission but before settlement counts
        covering = filing.type
        zh = f"已办理{filing.type.zh}备案（{filing.treatment_area}，{filing.start} 起），备案覆盖本次就医。"
    elif bill.emergency and emergency_as_filed(bill.admission_date, bill.day, version.filing.emergency_filing_working_days):
        covering = FilingType.EMERGENCY
        zh = "医院标记为急诊抢救，视同已备案（医保发〔2022〕22号 经办规程第8、34条）。"
        last = emergency_deadline(bill.admission_date, version.filing.emergency_filing_working_days)
        if last is not None:
            # the region wants a post-hoc filing within its deadline: say by when
            deadline_applied = True
            zh += f"参保地规定须在入院后 {version.filing.emergency_filing_working_days} 个工作日内（{last} 前）补办急诊备案。"
            out.warnings.append(f"急诊抢救须在 {last} 前补办异地就医备案。")
    elif inst.kind is InstitutionKind.PHARMACY and not version.pharmacy.filing_required:
        no_filing_needed = True
        zh = "参保地规定在外地定点零售药店购药无需备案：未备案，按参保地未备案异地就医规定计算。"
    else:
        zh = ("未办理覆盖本次就医的异地就医备案，按参保地未备案异地就医规定计算"
              "（通常不能直接结算，需回参保地手工报销）。")
        if filing is not None:
            zh = f"所持{filing.type.zh}备案不覆盖本次就医（地区或日期不符）；" + zh
        if bill.emergency:
            deadline_applied = True
            last = emergency_deadline(bill.admission_date, version.filing.emergency_filing_working_days)
            zh = (f"急诊抢救未在参保地规定的入院后 {version.filing.emergency_filing_working_days} 个工作日内"
                  f"（{last} 前）补办备案，不再视同已备案；") + zh
    basis, ftype = basis_of(scope, covering)
    out.steps.append(Step(
        "cross_region.basis", zh, f"Cross-region basis: {basis.value}" + (f" ({ftype.value})" if ftype else ""),
        ctx.clause("cross_region", cr.source, version.source,
                   also=(("filing.emergency_filing_working_days",) if deadline_applied else ())
                   + (("pharmacy.filing_required",) if no_filing_needed else ())),
    ))
    return basis, ftype


def at_home(bill: Bill, filing: Filing | None, version: PolicyVersion, adj: RatioAdjustment, out: Breakdown,
            ctx: Ctx) -> RatioAdjustment:
    """A long-term filer treated back in the insured region: local rules (双向享受待遇, the default), or, where
    the region says `long_term_at_home: as_long_term`, the long-term filers' ratio rule (factor or cut)."""
    cr = version.cross_region
    day = bill.admission_date
    home = None if filing is None else home_rule(cr, adj.basis, filing.type)
    if home is None or filing is None or day < filing.start or (filing.end is not None and day > filing.end):
        return adj
    out.steps.append(Step(
        "cross_region.at_home",
        f"持有{filing.type.zh}备案（{filing.treatment_area}，{filing.start} 起），回参保地就医，参保地规定不双向享受本地待遇，"
        "按长期异地居住人员的比例执行。",
        "A long-term filer treated back home: the insured region applies the long-term ratio rule.",
        ctx.clause("cross_region.long_term_at_home", cr.source, version.source),
    ))
    return home


def home_rule(cr: CrossRegion, basis: CrossRegionBasis, held: FilingType | None) -> RatioAdjustment | None:
    """The ratio rule for a person holding a filing of type `held` treated on `basis`: the long-term filers'
    (factor or cut) where the insured region says `long_term_at_home: as_long_term` and a long-term filer is
    treated back home (basis LOCAL); None where local rules apply. The engine checks the filing's dates; the
    set-based plan (yidi.batch.dims) reads the type a settlement row records."""
    if cr.long_term_at_home == "local" or basis is not CrossRegionBasis.LOCAL or held is None or not held.long_term:
        return None
    return adjustment(cr, CrossRegionBasis.LONG_TERM, held)


def benefit_blocked(bill: Bill, person: Person, adj: RatioAdjustment, out: Breakdown) -> bool:
    """True when this bill gets no benefits: insurance status on the day, or unfiled care not paid."""
    day = bill.day
    st = person.status
    zh = ""
    if st in _NO_BENEFIT_STATUSES and (person.status_since is None or person.status_since <= day):
        zh = {"LAPSED": "参保状态为暂停（断缴）", "TERMINATED": "参保状态为终止",
              "TRANSFERRING": "医保关系正在转移接续"}[st.value] + "，本次不能享受医保待遇，费用由个人负担。"
    elif st is InsuranceStatus.WAITING and (person.status_since is None or day <= person.status_since):
        zh = f"处于待遇等待期（至 {person.status_since}），本次不能享受医保待遇，费用由个人负担。"
    elif not adj.payable:
        zh = "参保地规定未备案的跨省就医费用基金不予支付。"
    if zh:
        out.steps.append(Step("benefit.blocked", zh, "No benefits for this bill: " + st.value, None))
        out.warnings.append(zh)
        return True
    return False


def first_selfpay(
    adj: RatioAdjustment, coinsured: Decimal, rests: list[Rest], out: Breakdown, ctx: Ctx, version: PolicyVersion,
) -> Decimal:
    """Take a cut made as a pay-first share of the in-scope amount (Jiangxi: 10 % / 20 % first).

    Returns the coinsured amount left; the share is taken from the coinsured amount first, then from the
    rests paid outside the bands (in their order), which are reduced in place. The ratio is then not cut
    again (yidi.domain.ratios: a pay-first share leaves the ratio as it is).
    """
    rest_total = sum((r.amount for r in rests), ZERO)
    if not (adj.takes_first_selfpay and (coinsured or rest_total)):
        return coinsured
    cut = adj.cut
    extra = round_fen((coinsured + rest_total) * cut / HUNDRED)
    take_c = min(extra, coinsured)
    coinsured -= take_c
    left = extra - take_c
    for r in rests:
        take = min(left, r.amount)
        r.amount -= take
        left -= take
    out.cross_region_selfpay_amt = extra
    basis = adj.basis
    out.steps.append(Step(
        "cross_region.first_selfpay",
        f"{basis_zh(basis, adj.filing_type)}：政策范围内费用 {fmt(coinsured + rest_total + take_c)} 元先由个人自付 "
        f"{pct(cut / HUNDRED)}，即 {fmt(extra)} 元，其余按正常比例报销。",
        f"Cross-region {basis.value.lower()}: {pct(cut / HUNDRED)} of the in-scope amount is paid first by the person.",
        ctx.clause(adj.parameter, version.cross_region.source, version.source),
        {"inscp_scp_amt": out.inscp_scp_amt},
        {"cross_region_selfpay_amt": extra},
    ))
    return coinsured
