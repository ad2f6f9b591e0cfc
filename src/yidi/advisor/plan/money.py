"""The money of a plan: the pooled fund's ratio at home and away for each hospital level (the cross-region
adjustment of yidi.domain.ratios, the one the engine applies), and a bill estimated by the engine itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from yidi.advisor.models import Estimate, Money, RatioRow, Situation
from yidi.advisor.plan.context import BASIS_ZH, BLOCKING_STATUS, Ctx, category_of
from yidi.domain.bill import Bill, FeeLine, FilingIn, PersonIn
from yidi.domain.bounds import UNIT_PRICE_MAX
from yidi.domain.engine import calculate
from yidi.domain.enums import Category, CrossRegionBasis, FilingType, InsuranceStatus, ItemClass, Level
from yidi.domain.ids import PROVINCES, check_character
from yidi.domain.money import ZERO, fmt, pct
from yidi.domain.packset import PackSet
from yidi.domain.policy import pick
from yidi.domain.ratios import adjustment
from yidi.domain.reference import Institution


def money_for(c: Ctx, ft: FilingType | None, basis: str | None) -> Money | None:
    """The ratios at home and away for the basis the plan leads to, and the estimate of a bill given."""
    s, v = c.s, c.version
    cat = category_of(c)
    if v is None or s.scheme is None or s.visit_type is None or basis is None:
        return None
    if cat is None:
        cat = Category.ACTIVE
        c.assumptions.append("报销比例按在职人员计算（未告知在职或退休）")
    pol = v.schemes.get(s.scheme)
    benefit = pol.benefits.get(s.visit_type) if pol else None
    if pol is None or benefit is None:
        c.warn("NO_BENEFIT", f"参保地政策数据中没有{s.scheme.zh}的{s.visit_type.zh}待遇。",
               f"no {s.visit_type.value} benefit of the {s.scheme.value} scheme in the pack.", "", "", c.rules("R-2.1"))
        return None
    if benefit.selectors:
        # the advisor does not know the person's age or group: it states the benefit's own terms
        c.assumptions.append("参保地对部分人群另有起付线、比例或限额（" + "、".join(x.name for x in benefit.selectors)
                             + "），此处按一般人员计算")
    levels = [c.inst.level] if c.inst else ([s.hospital_level] if s.hospital_level else [Level.L1, Level.L2, Level.L3])
    adj = adjustment(v.cross_region, CrossRegionBasis(basis), ft)
    unfiled = adjustment(v.cross_region, CrossRegionBasis.UNFILED, None)
    rows = []
    for lv in levels:
        tiers = pick(benefit.tiers, cat, lv)
        ded = pick(benefit.deductible.amounts, cat, lv)
        assert tiers is not None and ded is not None
        r = tiers[0].ratio
        away, extra = adj.stated(r)
        un_r = un_x = None
        if basis in ("LONG_TERM", "TEMPORARY"):
            un_r, un_x = unfiled.stated(r)
        tz = "；".join(f"{fmt(t.lower)}–{'以上' if t.upper is None else fmt(t.upper)} {pct(t.ratio)}" for t in tiers) if len(tiers) > 1 else ""
        rows.append(RatioRow(level=lv, level_zh=lv.zh, deductible=ded, home_ratio=r, away_ratio=away, away_first_selfpay=extra,
                             unfiled_ratio=un_r, unfiled_first_selfpay=un_x, tiers_zh=tz))
    cr = v.cross_region
    basis_zh = BASIS_ZH[basis] + (f"（{ft.zh}）" if ft and basis == "TEMPORARY" else "")
    row = rows[0]
    if row.away_first_selfpay:
        how = f"政策范围内费用先由个人自付 {pct(row.away_first_selfpay)}，其余按 {pct(row.away_ratio)} 报销"
    else:
        how = f"统筹基金按 {pct(row.away_ratio)} 报销"
    diff = "与在参保地就医相同" if row.away_ratio == row.home_ratio and not row.away_first_selfpay else f"在参保地就医为 {pct(row.home_ratio)}"
    after = "参保状态恢复后，" if c.s.insurance_status in BLOCKING_STATUS else ""
    text_zh = f"{after}{basis_zh}：{row.level_zh}医院起付线 {fmt(row.deductible)} 元，{how}（{diff}）。" + \
        ("" if len(rows) == 1 else "其他等级医院见下表。")
    cites = [*c.rules("R-2.1", "R-3.2"), c.p(f"schemes.{s.scheme.value}.benefits.{s.visit_type.value}", benefit.source, pol.source, v.source)]
    if basis in ("TEMPORARY", "UNFILED"):
        cites += [*c.rules("R-2.3" if basis == "TEMPORARY" else "R-2.4"),
                  c.p(adj.parameter + f" (cut_mode {cr.cut_mode})", cr.source, v.source)]
    elif basis == "LONG_TERM":
        cites += [*c.rules("R-2.2"), c.p(adj.parameter, cr.source, v.source)]
    money = Money(basis=basis, basis_zh=basis_zh, filing_type=ft, scheme=s.scheme, category=cat, visit_type=s.visit_type,
                  text_zh=text_zh, text_en=f"{basis}: fund ratio {pct(row.away_ratio)} away vs {pct(row.home_ratio)} at home"
                  + (f", after a {pct(row.away_first_selfpay)} first self-pay" if row.away_first_selfpay else ""),
                  rows=rows, cites=cites)
    if s.bill_total is not None or s.bill_lines:
        est, note = _estimate(c, ft, basis, cat)
        money.estimate, money.estimate_note_zh = est, note
    return money


def placeholder_id(region: str) -> str:
    """A valid, obviously synthetic citizen ID for estimates (born 1970-01-01, sequence 001)."""
    first17 = f"{region if region[:2] in PROVINCES else '110101'}19700101001"
    return first17 + check_character(first17)


def estimate_bill(c_or_situation: Situation, packs: PackSet, today: dt.date, ft: FilingType | None, basis: str,
                  category: Category) -> tuple[Bill | None, str]:
    """The Bill the advisor estimates for a situation (None and a reason when it cannot build one)."""
    s = c_or_situation
    assert s.insured_region is not None and s.scheme is not None and s.visit_type is not None
    inst: Institution | None = packs.institutions.get(s.hospital) if s.hospital else None
    region = inst.region if inst else s.current_region
    if region is None:
        return None, "不知道就医地，无法估算费用"
    if inst is None:
        cands = sorted((i for i in packs.institutions.values() if i.region == region and i.networked_for(s.visit_type)
                        and (s.hospital_level is None or i.level is s.hospital_level)), key=lambda i: i.code)
        if not cands:
            return None, "就医地没有符合条件的联网定点医疗机构数据，无法估算"
        inst = cands[0]
    day = s.admitted_on or today
    lines = list(s.bill_lines or [])
    if not lines:
        cat = packs.catalogue_for(region)
        item = None
        if cat is not None:
            assert s.bill_total is not None
            total = s.bill_total
            item = next((it for it in sorted(cat.items, key=lambda i: i.code)
                         if it.item_class is ItemClass.A and it.in_force(day)
                         and (it.visit_types is None or s.visit_type in it.visit_types)
                         and (it.price_cap is None or it.price_cap >= total)), None)
        if item is None:
            return None, "就医地目录中没有可用于估算的甲类项目，无法按总额估算"
        # a total above one line's bound is spread over lines of at most that bound, adding up exactly
        parts: list[Decimal] = []
        left = s.bill_total or ZERO
        while left > 0:
            parts.append(min(left, UNIT_PRICE_MAX))
            left -= parts[-1]
        lines = [FeeLine(line_id=str(n), code=item.code, name="估算总额（按甲类政策范围内费用）", quantity=Decimal(1),
                         unit_price=part) for n, part in enumerate(parts, start=1)]
    filing = None
    emergency = False
    if basis in ("LONG_TERM", "TEMPORARY") and ft is not None:
        if ft is FilingType.EMERGENCY:
            emergency = True
        else:
            filing = FilingIn(type=ft, treatment_area=s.filing_area if (s.filed and s.filing_area) else region, start=day)
    # the person's status goes in as told: a lapsed person's estimate shows no benefits, as settlement would
    person = PersonIn(id_number=placeholder_id(s.insured_region), name="估算", insured_region=s.insured_region,
                      scheme=s.scheme, category=category, status=s.insurance_status or InsuranceStatus.ACTIVE, chronic_diseases=[s.chronic_disease] if s.chronic_disease else [])
    bill = Bill(bill_id="ESTIMATE", visit_type=s.visit_type, institution=inst.code, admission_date=day, person=person,
                filing=filing, emergency=emergency, lines=lines)
    return bill, f"按{inst.name}（{inst.level.zh}）估算"


def _estimate(c: Ctx, ft: FilingType | None, basis: str, cat: Category) -> tuple[Estimate | None, str]:
    s = c.s
    bill, where = estimate_bill(s, c.packs, c.today, ft, basis, cat)
    if bill is None:
        return None, where
    b = calculate(bill, c.packs)
    if s.bill_lines:
        zh = "按您给出的费用明细，用与医院结算相同的计算估算；未含本年此前的累计（起付线、封顶线）"
        en = "your lines, calculated by the settlement engine; no prior accumulators this year"
    else:
        zh = (f"假设总额 {fmt(s.bill_total or ZERO)} 元全部是政策范围内甲类费用，这是最多能报的金额；实际有自费、乙类项目时会少一些。"
              "未含本年此前的累计")
        en = "assumes the whole total is class-A in-scope cost: an upper bound; no prior accumulators"
    zh = f"{where}。{zh}"
    return Estimate(assumption_zh=zh, assumption_en=en, bill=bill.model_dump(mode="json", by_alias=True),
                    medfee_sumamt=b.medfee_sumamt, fund_pay_sumamt=b.fund_pay_sumamt, psn_part_amt=b.psn_part_amt,
                    breakdown=b.as_dict(), explanation_zh=[st.text_zh for st in b.steps]), ""
