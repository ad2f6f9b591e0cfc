"""Properties of the calculation that must hold for every policy variant, bill and history."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yidi.domain.bill import Bill, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.catalogue import Catalogue
from yidi.domain.engine import calculate
from yidi.domain.enums import Level, Scheme, VisitType
from yidi.domain.ids import CitizenId
from yidi.domain.packset import PackSet
from yidi.domain.policy import InsuredPolicy
from yidi.domain.reference import Institution, Person, Region
from yidi.policies.loader import merge_versions

ZERO = Decimal("0.00")
IDS = ["360426199101010071", "120103198806018241", "110101202311012176"]
ITEMS = [
    {"code": "A1", "name": "甲药", "kind": "DRUG", "class": "A"},
    {"code": "A2", "name": "甲项目限价", "kind": "SERVICE", "class": "A", "price_cap": "50.00"},
    {"code": "B1", "name": "乙药", "kind": "DRUG", "class": "B"},
    {"code": "B2", "name": "乙材料", "kind": "MATERIAL", "class": "B", "selfpay_ratio": "0.3", "price_cap": "800.00",
     "group": "implant"},
    {"code": "C1", "name": "丙药", "kind": "DRUG", "class": "C"},
    {"code": "I1", "name": "住院专用", "kind": "SERVICE", "class": "A", "visit_types": ["INPATIENT"]},
]

DISEASE = "M03900"  # a 门诊慢特病 code the chronic benefit may list with terms of its own
money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2)


@st.composite
def tiers(draw: Any) -> list[dict[str, str | None]]:
    n = draw(st.integers(1, 3))
    bounds = sorted(draw(st.sets(st.integers(1, 60).map(lambda k: k * 1000), min_size=n - 1, max_size=n - 1)))
    lows = [0, *bounds]
    highs: list[int | None] = [*bounds, None]
    return [
        {"from": str(lo), "to": None if hi is None else str(hi),
         "ratio": str(draw(st.integers(40, 100)) / Decimal(100))}
        for lo, hi in zip(lows, highs, strict=True)
    ]


# rules.item_groups: none, or a few entries by group tag / class / kind with each kind of rest
ITEM_GROUPS = st.lists(st.sampled_from([
    {"name": "植入", "groups": ["implant"], "selfpay_ratio": "0.5", "rest": "full"},
    {"name": "植入", "groups": ["implant"], "rest": "ratio", "rest_ratio": "0.7"},
    {"name": "乙药", "classes": ["B"], "kinds": ["DRUG"], "rest": "coinsurance"},
    {"name": "甲类服务", "classes": ["A"], "kinds": ["SERVICE"], "selfpay_ratio": "0.05", "rest": "ratio", "rest_ratio": "0.95"},
]), max_size=3)


# benefit selectors: by age (the test persons are 2, 35 and 37 in 2026), category and group
SELECTORS = st.lists(st.sampled_from([
    {"name": "30岁以上", "min_age": 30, "tiers": {"ALL": {"ALL": [{"from": "0", "to": None, "ratio": "0.97"}]}}},
    {"name": "退休", "categories": ["RETIRED"], "deductible": {"amounts": {"ALL": {"ALL": "100"}}}},
    {"name": "低保", "groups": ["低保"], "cap": "2000"},
    {"name": "儿童", "max_age": 17, "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": "300"}}}, "cap": "100000"},
]), max_size=2)


@st.composite
def policy(draw: Any) -> dict[str, Any]:
    dmode = draw(st.sampled_from(["per_admission", "annual"]))
    layer = {
        "kind": "critical_illness", "base": "personal_in_scope", "threshold": str(draw(st.integers(0, 5000))),
        "tiers": draw(tiers()), "annual_cap": str(draw(st.integers(1000, 50000))),
        "tier_basis": draw(st.sampled_from(["above_threshold", "cumulative"])),
        "group_overrides": {"低保": {"threshold": "100", "no_cap": True}},
    }
    big = {"kind": "large_amount_subsidy", "base": "above_cap", "tiers": [{"from": "0", "to": None, "ratio": "0.9"}],
           "annual_cap": str(draw(st.integers(1000, 20000)))}
    src = draw(st.sampled_from(["treatment", "insured"]))

    def scheme(layers: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "caps": {"main": str(draw(st.integers(500, 60000))), "op": str(draw(st.integers(100, 5000)))},
            "account": {"may_pay": draw(st.booleans()), "scope": draw(st.sampled_from(["all_personal", "in_scope"])),
                        "away": draw(st.sampled_from(["allowed", "in_province", "forbidden"])),
                        "away_limit": draw(st.sampled_from([None, "20", "500"])),
                        "mutual_aid": draw(st.booleans())},
            "benefits": {
                "INPATIENT": {
                    "cap_pool": "main",
                    "deductible": {"mode": dmode,
                                   "repeat_factors": ["1", "0.5"] if dmode == "per_admission" else ["1"],
                                   "counted_admissions": draw(st.sampled_from(["all", "in_scope"])),
                                   "amounts": {"ALL": {"ALL": str(draw(st.integers(0, 2000)))}}},
                    "tiers": {"ACTIVE": {"ALL": draw(tiers())}, "RETIRED": {"ALL": draw(tiers())}},
                    "selectors": draw(SELECTORS),
                },
                "OUTPATIENT": {
                    "cap_pool": draw(st.sampled_from(["main", "op"])),
                    "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": str(draw(st.integers(0, 500)))}}},
                    "tiers": {"ALL": {"ALL": draw(tiers())}},
                },
                # 门诊慢特病 with per-disease terms (rule 7): a disease's own deductible, bands and annual limit
                "CHRONIC_OUTPATIENT": {
                    "cap_pool": draw(st.sampled_from(["main", "op"])),
                    "deductible": {"mode": "annual", "amounts": {"ALL": {"ALL": str(draw(st.integers(0, 500)))}}},
                    "tiers": {"ALL": {"ALL": draw(tiers())}},
                    "diseases": {DISEASE: draw(st.fixed_dictionaries({}, optional={
                        "deductible": st.integers(0, 800).map(str),
                        "tiers": tiers().map(lambda t: {"ALL": {"ALL": t}}),
                        "annual_limit": st.integers(100, 5000).map(str)}))},
                },
            },
            "layers": layers,
        }

    return {
        "region": "360100",
        "versions": [{
            "effective_from": "2026-01-01",
            "rules": {
                "tier_basis": draw(st.sampled_from(["cumulative", "above_deductible"])),
                "tier_scope": draw(st.sampled_from(["per_visit", "annual"])),
                "cap_basis": draw(st.sampled_from(["fund_payment", "in_scope_cost"])),
                "b_class_rest": draw(st.sampled_from(["coinsurance", "full"])),
                "b_class_selfpay_source": src,
                "b_class_selfpay_ratio": "0.15" if src == "insured" else None,
                "item_groups": draw(ITEM_GROUPS),
            },
            "cross_region": {
                "cut_mode": draw(st.sampled_from(["subtract", "multiply", "first_selfpay"])),
                "cut": {"REFERRAL": str(draw(st.integers(0, 10))), "EMERGENCY": str(draw(st.integers(0, 10))),
                        "OTHER_TEMPORARY": str(draw(st.integers(0, 20)))},
                **draw(st.sampled_from([{"long_term_ratio_factor": "1"}, {"long_term_ratio_factor": "0.9"},
                                        {"long_term_cut": "5"}])),
                "unfiled_cut": str(draw(st.integers(0, 40))),
                "unfiled_payable": draw(st.booleans()),
                "intra_province": draw(st.sampled_from(["local", "cross_region"])),
                "long_term_at_home": draw(st.sampled_from(["local", "as_long_term"])),
            },
            "filing": {"emergency_filing_working_days": draw(st.sampled_from([None, 1, 3]))},
            "schemes": {"EMPLOYEE": scheme([big]), "RESIDENT": scheme([layer])},
        }],
    }


def make_packs(raw_policy: dict[str, Any]) -> PackSet:
    regions = {c: Region(c, c) for c in ("360100", "360400", "440100", "110100")}
    insts = {
        f"H{r}{lv.value}": Institution(f"H{r}{lv.value}", "医院", r, lv, frozenset(VisitType))
        for r in regions for lv in Level
    }
    cat = Catalogue.model_validate({"region": "440000", "items": ITEMS})
    cat2 = Catalogue.model_validate({"region": "360000", "items": ITEMS})
    pol = InsuredPolicy.model_validate(merge_versions(raw_policy))
    return PackSet("prop", "1", False, {}, regions, insts, {"440000": cat, "360000": cat2}, {"360100": pol})


@st.composite
def bills(draw: Any) -> dict[str, Any]:
    scheme = draw(st.sampled_from(["EMPLOYEE", "RESIDENT"]))
    region = draw(st.sampled_from(["440100", "360400", "360100"]))
    level = draw(st.sampled_from([lv.value for lv in Level]))
    filing = draw(st.one_of(
        st.none(),
        st.builds(lambda t, area: {"type": t, "treatment_area": area, "start": "2026-01-01"},
                  st.sampled_from(["REFERRAL", "OTHER_TEMPORARY", "EMERGENCY", "LONG_TERM_RESIDENT", "RETIREE_RESETTLED"]),
                  st.sampled_from(["440000", "440100", "110100"])),
    ))
    n = draw(st.integers(1, 12))
    lines = [
        {"line_id": str(i), "code": draw(st.sampled_from([it["code"] for it in ITEMS])),
         "quantity": str(draw(st.integers(1, 5))), "unit_price": str(draw(money))}
        for i in range(n)
    ]
    visit_type = draw(st.sampled_from(["INPATIENT", "OUTPATIENT", "CHRONIC_OUTPATIENT"]))
    return {
        "visit_type": visit_type,
        **({"chronic_disease": DISEASE} if visit_type == "CHRONIC_OUTPATIENT" and draw(st.booleans()) else {}),
        "institution": f"H{region}{level}",
        "admission_date": "2026-05-01",
        "discharge_date": "2026-05-03",
        "person": {
            "id_number": draw(st.sampled_from(IDS)), "name": "测试", "insured_region": "360100", "scheme": scheme,
            "category": draw(st.sampled_from(["ACTIVE", "RETIRED"])),
            "account_balance": str(draw(money)) if scheme == "EMPLOYEE" else "0",
            "assistance_group": draw(st.sampled_from([None, "低保"])),
            "chronic_diseases": [DISEASE],  # certified: a chronic bill may name it
        },
        "filing": filing,
        "emergency": draw(st.booleans()),
        "use_account": draw(st.booleans()),
        "lines": lines,
    }


def amounts(b: Breakdown) -> dict[str, Decimal]:
    return {name: getattr(b, name) for name in Breakdown.AMOUNT_FIELDS}


def check_identities(b: Breakdown) -> None:
    assert b.medfee_sumamt == b.fulamt_ownpay_amt + b.overlmt_selfpay + b.preselfpay_amt + b.inscp_scp_amt
    assert b.medfee_sumamt == b.fund_pay_sumamt + b.psn_part_amt
    assert b.psn_part_amt == b.acct_pay + b.acct_mulaid_pay + b.psn_cash_pay
    assert b.fund_pay_sumamt == b.hifp_pay + b.hifob_pay + b.cvlserv_pay + b.hifmi_pay + b.maf_pay
    assert b.medfee_sumamt == sum((ln.det_item_fee_sumamt for ln in b.lines), ZERO)
    for ln in b.lines:
        assert ln.det_item_fee_sumamt == ln.fulamt_ownpay_amt + ln.overlmt_amt + ln.preselfpay_amt + ln.inscp_scp_amt
    for name, v in amounts(b).items():
        assert v >= 0, f"{name} is negative: {v}"
        assert v == v.quantize(Decimal("0.01")), f"{name} is not at fen precision: {v}"
    # the fund never pays more than the in-scope amount, nor the person less than the out-of-scope part
    assert b.fund_pay_sumamt <= b.inscp_scp_amt
    assert b.psn_part_amt >= b.fulamt_ownpay_amt + b.overlmt_selfpay + b.preselfpay_amt


# Example counts come from the hypothesis profile (tests/conftest.py): 250 under CI, fewer in a local run.
PROPS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
# a year of bills per example: about half the profile's count (120 of CI's 250)
YEAR_EXAMPLES = max(10, settings.default.max_examples * 12 // 25)


@PROPS
@given(policy(), bills())
def test_parts_add_up_to_the_total_and_nothing_is_negative(raw: dict[str, Any], bill: dict[str, Any]) -> None:
    b = calculate(Bill.model_validate(bill), make_packs(raw))
    check_identities(b)


# the family member whose account may pay (家庭共济): insured in the same region or not, employee or resident
RELATIVES = st.builds(
    lambda balance, scheme, region: Person(CitizenId("110101202311012176"), "家人", region, Scheme(scheme),
                                           account_balance=balance),
    money | st.just(ZERO), st.sampled_from(["EMPLOYEE", "RESIDENT"]), st.sampled_from(["360100", "440100"]))


@PROPS
@given(policy(), bills(), RELATIVES)
def test_mutual_aid_adds_up_and_never_overdraws(raw: dict[str, Any], bill: dict[str, Any], rel: Person) -> None:
    without = calculate(Bill.model_validate(bill), make_packs(raw))
    b = calculate(Bill.model_validate(bill), make_packs(raw), relative=rel)
    check_identities(b)  # person's share = own account + relative's account + cash, nothing negative
    # the relative pays at most their balance (never below 0), and only what cash would otherwise have paid
    assert ZERO <= b.acct_mulaid_pay <= rel.account_balance
    assert b.psn_cash_pay == without.psn_cash_pay - b.acct_mulaid_pay
    assert amounts(b) | {"acct_mulaid_pay": ZERO, "psn_cash_pay": without.psn_cash_pay} == amounts(without)
    step = next(s for s in b.steps if s.rule == "account.mutual_aid")
    if b.acct_mulaid_pay:
        assert step.outputs["relative_balc"] == rel.account_balance - b.acct_mulaid_pay >= 0


@PROPS
@given(policy(), bills(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_line_order(raw: dict[str, Any], bill: dict[str, Any], rnd: random.Random) -> None:
    packs = make_packs(raw)
    first = calculate(Bill.model_validate(bill), packs)
    shuffled = dict(bill, lines=rnd.sample(bill["lines"], len(bill["lines"])))
    second = calculate(Bill.model_validate(shuffled), packs)
    assert amounts(first) == amounts(second)
    assert first.accumulators_after == second.accumulators_after


@PROPS
@given(policy(), bills(), money)
def test_more_in_scope_cost_never_lowers_the_fund_payment(raw: dict[str, Any], bill: dict[str, Any], extra: Decimal) -> None:
    packs = make_packs(raw)
    base = calculate(Bill.model_validate(bill), packs)
    more = dict(bill, lines=[*bill["lines"], {"line_id": "extra", "code": "A1", "quantity": "1", "unit_price": str(extra)}])
    bigger = calculate(Bill.model_validate(more), packs)
    assert bigger.inscp_scp_amt > base.inscp_scp_amt
    assert bigger.hifp_pay >= base.hifp_pay
    assert bigger.fund_pay_sumamt >= base.fund_pay_sumamt


@settings(max_examples=YEAR_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policy(), st.lists(bills(), min_size=2, max_size=8))
def test_funds_never_pass_their_annual_caps_over_a_year_of_bills(raw: dict[str, Any], seq: list[dict[str, Any]]) -> None:
    packs = make_packs(raw)
    version = packs.policies["360100"].versions[0]
    scheme = seq[0]["person"]["scheme"]
    acc = YearAccumulators(year=2026)
    paid: dict[str, Decimal] = {}
    caps: dict[str, Decimal] = {}
    layer_paid: dict[str, Decimal] = {}
    day = dt.date(2026, 1, 10)
    for bill in seq:
        bill = dict(bill, person={**seq[0]["person"]}, admission_date=str(day), discharge_date=str(day))
        model = Bill.model_validate(bill)
        b = calculate(model, packs, accumulators=acc)
        check_identities(b)
        pol = version.schemes[scheme]
        benefit = pol.benefits[VisitType(bill["visit_type"])]
        pool = benefit.cap_pool
        # the cap this bill answers to: a selector's (age on the day, category, group) or the pool's
        who = model.person.to_person()
        _i, sel = benefit.selector_for(who.citizen_id.age_on(day), who.category, who.assistance_group)
        cap = sel.cap if sel is not None and sel.cap is not None else pol.caps[pool]
        before = paid.get(pool, ZERO)
        # no bill takes the pool past the cap it answers to (nor pays when it is already past it)
        assert before + b.hifp_pay <= max(cap, before), f"pool {pool}: {before} + {b.hifp_pay} over cap {cap}"
        paid[pool] = before + b.hifp_pay
        caps[pool] = max(caps.get(pool, ZERO), cap)
        day += dt.timedelta(days=7)
        for layer in pol.layers:
            field = {"large_amount_subsidy": "hifob_pay", "critical_illness": "hifmi_pay"}[layer.kind]
            layer_paid[layer.kind] = layer_paid.get(layer.kind, ZERO) + getattr(b, field)
        assert b.accumulators_after is not None
        acc = b.accumulators_after
    # a disease's annual limit (rule 7) is never passed across the year either
    limit = version.schemes[scheme].benefits[VisitType.CHRONIC_OUTPATIENT].diseases[DISEASE].annual_limit
    if limit is not None:
        assert acc.disease_paid.get(DISEASE, ZERO) <= limit
    for pool, total in paid.items():
        assert total <= caps[pool], f"pool {pool}: paid {total} over cap {caps[pool]}"
        assert acc.fund_paid.get(pool, ZERO) == total
    for layer in pol.layers:
        if layer.annual_cap is not None and seq[0]["person"]["assistance_group"] is None:
            assert layer_paid.get(layer.kind, ZERO) <= layer.annual_cap
