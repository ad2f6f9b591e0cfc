"""The ratio the advisor tells a person is the ratio the engine applies to the same case.

For every insured region and treatment region of the sample pack, both schemes, every visit type, and every
way a bill can be covered — each of the six filing types held for the treatment region, emergency care
flagged by the hospital (treated as filed), and no filing at all — the advisor's stated pooled-fund ratio
and first self-pay share for the hospital must equal what the settlement engine does with a bill of that
case: the ratio of its first band (pool_prop_selfpay) and its cross-region pay-first amount. The sample
pack has all three cut modes, a region that does not pay unfiled care, and provinces that read
intra-province care as local and as cross-region, so each reading is compared.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.support.packs import sample_packs
from yidi.advisor.models import Situation
from yidi.advisor.plan import advise
from yidi.domain.bill import Bill, FeeLine, FilingIn, PersonIn
from yidi.domain.engine import calculate
from yidi.domain.enums import FilingType, ItemClass, Scheme, VisitType
from yidi.domain.ids import check_character
from yidi.domain.money import round_fen
from yidi.domain.packset import PackSet
from yidi.domain.reference import Institution

DAY = dt.date(2026, 5, 1)
ADMITTED = dt.date(2026, 4, 28)
AMOUNT = Decimal("20000.00")  # one class-A line: the whole amount is in scope, above every deductible
COVERS = [*(ft.value for ft in FilingType), "emergency flagged", "unfiled"]


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return sample_packs()


def _hospital(packs: PackSet, region: str, vt: VisitType) -> Institution:
    """A networked institution of the region for this visit type (the first by code)."""
    return next(i for _, i in sorted(packs.institutions.items()) if i.region == region and i.networked_for(vt))


def _line(packs: PackSet, region: str, vt: VisitType) -> FeeLine:
    cat = packs.catalogue_for(region)
    assert cat is not None
    item = next(it for it in sorted(cat.items, key=lambda i: i.code)
                if it.item_class is ItemClass.A and it.in_force(ADMITTED) and it.price_cap is None
                and (it.visit_types is None or vt in it.visit_types))
    return FeeLine(line_id="1", code=item.code, name=item.name, quantity=Decimal(1), unit_price=AMOUNT)


def _situation(insured: str, inst: Institution, scheme: Scheme, vt: VisitType, cover: str) -> Situation:
    s: dict[str, Any] = {"insured_region": insured, "hospital": inst.code, "scheme": scheme.value, "category": "ACTIVE",
                         "visit_type": vt.value, "insurance_status": "ACTIVE", "treated": True, "admitted_on": ADMITTED}
    if vt is VisitType.CHRONIC_OUTPATIENT:
        s |= {"chronic_disease": min(inst.chronic_diseases or {"M03900"}), "chronic_certified": True}
    if cover == "emergency flagged":
        s |= {"reason": "emergency", "paid_in_full": False}
    elif cover == "unfiled":  # paid in full without a filing: judged as unfiled, as at the insured region
        s |= {"filed": False, "reason": "travelling", "paid_in_full": True, "paid_on": "2026-04-30"}
    else:
        s |= {"filed": True, "filing_type": cover, "filing_area": inst.region, "filing_start": "2026-01-01",
              "paid_in_full": False}
    return Situation.model_validate(s)


def _bill(packs: PackSet, insured: str, inst: Institution, scheme: Scheme, vt: VisitType, cover: str) -> Bill:
    first17 = f"{insured}19700101001"
    person = PersonIn(id_number=first17 + check_character(first17), name="对照", insured_region=insured, scheme=scheme)
    filing = None
    if cover not in ("emergency flagged", "unfiled"):
        filing = FilingIn(type=FilingType(cover), treatment_area=inst.region, start=dt.date(2026, 1, 1))
    return Bill(bill_id="AGREE", visit_type=vt, institution=inst.code, admission_date=ADMITTED, settlement_date=DAY,
                person=person, filing=filing, emergency=cover == "emergency flagged",
                lines=[_line(packs, inst.region, vt)])


def test_the_advisor_states_the_ratio_the_engine_applies(packs: PackSet) -> None:
    compared: set[tuple[str, str]] = set()
    for insured in sorted(packs.regions):
        for treatment in sorted(packs.regions):
            for scheme in Scheme:
                for vt in VisitType:
                    inst = _hospital(packs, treatment, vt)
                    for cover in COVERS:
                        case = f"{insured}->{treatment} {scheme.value} {vt.value} {cover}"
                        plan = advise(_situation(insured, inst, scheme, vt, cover), packs, DAY)
                        b = calculate(_bill(packs, insured, inst, scheme, vt, cover), packs)
                        assert plan.money is not None, case
                        row = plan.money.rows[0]
                        assert row.level is inst.level, case
                        # the same reading of the case: local / intra-province / long-term / temporary / unfiled
                        assert plan.money.basis == b.basis, case
                        # the ratio: the engine's first band after the cross-region adjustment
                        assert b.pool_prop_selfpay == row.away_ratio, case
                        # nothing paid exactly when the advisor says 0 (unfiled care a region does not pay)
                        assert (b.hifp_pay == 0) == (row.away_ratio == 0), case
                        # the first self-pay share of the in-scope amount
                        assert b.cross_region_selfpay_amt == round_fen(b.inscp_scp_amt * row.away_first_selfpay), case
                        compared.add((b.basis, "first_selfpay" if row.away_first_selfpay else
                                      "cut" if row.away_ratio != row.home_ratio else "home"))
    # every reading was met: local and intra-province care, long-term, temporary with each kind of cut, unfiled
    assert {("LOCAL", "home"), ("INTRA_PROVINCE", "home"), ("LONG_TERM", "home"), ("TEMPORARY", "cut"),
            ("TEMPORARY", "first_selfpay"), ("UNFILED", "cut"), ("UNFILED", "first_selfpay")} <= compared
