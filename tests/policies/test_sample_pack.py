"""The shipped sample policy pack: what demos, docs and users of the sample rely on.

These tests check the sample's coverage (regions, catalogues, schemes, rule variants, sources), not the
engine's arithmetic; engine tests build their own packs (tests/domain/packs.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.packs import sample_packs
from yidi.domain.bill import Bill
from yidi.domain.engine import calculate
from yidi.domain.enums import Category, InstitutionKind, ItemClass, ItemKind, Level, Scheme, VisitType
from yidi.domain.packset import PackSet
from yidi.domain.policy import PolicyVersion, pick
from yidi.domain.reference import province_of
from yidi.domain.validation import validate_model
from yidi.policies.loader import SAMPLE_DIR, check_packs, read_data

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(SAMPLE_DIR.rglob("*.yaml"))
NATIONAL_DOCS = {"医保发〔2022〕22号", "医保发〔2019〕30号", "国办发〔2021〕42号", "国办发〔2021〕14号"}
ASSISTANCE_GROUPS = ["特困", "低保", "低保边缘", "返贫致贫"]
ORIGINAL_ITEMS = {"XA01", "XB01", "XB02", "XC01", "S001", "S002", "M001", "M002"}
ORIGINAL_INSTITUTIONS = {"H36010000001", "H44010000001", "H44010000002", "H44010000003", "H44030000001",
                         "H44030000002", "H11010000001"}


@pytest.fixture(scope="module")
def packs() -> PackSet:
    return sample_packs()


def versions(packs: PackSet) -> Iterator[tuple[str, PolicyVersion]]:
    for code, pol in packs.policies.items():
        for v in pol.versions:
            yield code, v


def test_sample_pack_is_valid(packs: PackSet) -> None:
    assert check_packs(SAMPLE_DIR) == []
    assert packs.name == "yidi-sample"


def test_pack_is_marked_sample(packs: PackSet) -> None:
    assert packs.sample is True
    for path in YAML_FILES:
        head = path.read_text(encoding="utf-8").lstrip()
        assert head.startswith("#"), f"{path.name} must open with a comment"
        assert "SAMPLE DATA" in head.splitlines()[0] and "示例数据" in head.splitlines()[0], path.name
    # every document that is not a real national/provincial notice says it is a sample
    for doc_id, doc in packs.documents.items():
        if doc_id.startswith("SAMPLE"):
            assert "SAMPLE" in doc.note and "示例" in doc.title, doc_id


def test_regions_and_provinces(packs: PackSet) -> None:
    assert {"360100", "369900", "440100", "440300", "110100"} <= set(packs.regions)
    assert len(packs.regions) >= 5
    provinces = {province_of(c) for c in packs.regions}
    assert len(provinces) >= 3
    for r in packs.regions.values():
        assert r.province_name, f"{r.code} has no province name"


def test_catalogues_size_and_mix(packs: PackSet) -> None:
    items = [it for cat in packs.catalogues.values() for it in cat.items]
    assert len(items) >= 300
    assert {it.kind for it in items} == set(ItemKind)
    assert {it.item_class for it in items} == set(ItemClass)
    # one catalogue per treatment province at least, each realistic on its own
    for code in {province_of(r) for r in packs.regions}:
        cat = packs.catalogues.get(code)
        assert cat is not None, f"no catalogue for province {code}"
        assert len(cat.items) >= 80, code
        assert {it.kind for it in cat.items} == set(ItemKind), code
        assert {it.item_class for it in cat.items} == set(ItemClass), code
        b_items = [it for it in cat.items if it.item_class is ItemClass.B]
        assert any(it.selfpay_ratio is not None for it in b_items), code
        assert all(Decimal("0.05") <= it.selfpay_ratio <= Decimal("0.30")
                   for it in b_items if it.selfpay_ratio is not None), code
        assert any(it.price_cap is not None for it in cat.items), code
        assert any(it.visit_types == [VisitType.INPATIENT] for it in cat.items), code
        assert any(it.visit_types is not None and VisitType.CHRONIC_OUTPATIENT in it.visit_types
                   for it in cat.items), code
        assert cat.source is not None, code
        # effective-dated items: one code, two entries, one ending 2025-12-31 and one from 2026-01-01
        dated = {it.code for it in cat.items if it.effective_from == dt.date(2026, 1, 1)}
        assert dated, code
        for item_code in dated:
            before = packs.item(cat, item_code, dt.date(2025, 12, 31))
            after = packs.item(cat, item_code, dt.date(2026, 1, 1))
            assert before is not None and after is not None and before is not after, item_code
            assert (before.item_class, before.price_cap) != (after.item_class, after.price_cap), item_code


def test_original_codes_kept(packs: PackSet) -> None:
    gd = {it.code for it in packs.catalogues["440000"].items}
    assert gd >= ORIGINAL_ITEMS
    assert set(packs.institutions) >= ORIGINAL_INSTITUTIONS


def test_institutions_per_region(packs: PackSet) -> None:
    for region in packs.regions:
        insts = [i for i in packs.institutions.values() if i.region == region]
        assert {i.level for i in insts} == set(Level), region
        for vt in VisitType:
            assert any(i.networked_for(vt) for i in insts), (region, vt)
            assert any(not i.networked_for(vt) for i in insts), (region, vt)
        assert any(i.chronic_diseases for i in insts), region
    for inst in packs.institutions.values():
        # hospitals "H" + region + sequence, pharmacies (定点零售药店) "P" + region + sequence
        prefix = "P" if inst.kind is InstitutionKind.PHARMACY else "H"
        assert re.fullmatch(prefix + r"\d{11}", inst.code) and inst.code[1:7] == inst.region, inst.code
        assert inst.kind is InstitutionKind.PHARMACY or not inst.dual_channel, inst.code
        if VisitType.CHRONIC_OUTPATIENT in inst.networked:
            assert inst.chronic_diseases, f"{inst.code} is networked for chronic care but opens no disease"
        assert all(re.fullmatch(r"M\d{5}", d) for d in inst.chronic_diseases), inst.code


def test_every_region_has_both_schemes_and_all_visit_types(packs: PackSet) -> None:
    assert set(packs.policies) == set(packs.regions)
    for code, v in versions(packs):
        assert set(v.schemes) == set(Scheme), code
        for scheme, sp in v.schemes.items():
            assert set(sp.benefits) == set(VisitType), (code, scheme)
            kinds = {layer.kind for layer in sp.layers}
            if scheme is Scheme.EMPLOYEE:
                assert "large_amount_subsidy" in kinds, code
                assert sp.account.may_pay, code
            else:
                assert "critical_illness" in kinds, code
                assert not sp.account.may_pay, code


def test_every_rule_variant_appears(packs: PackSet) -> None:
    seen: dict[str, set[str]] = {}

    def note(key: str, value: Any) -> None:
        seen.setdefault(key, set()).add(str(value))

    for _, v in versions(packs):
        for key in ("tier_basis", "tier_scope", "cap_basis", "b_class_rest", "b_class_selfpay_source"):
            note(f"rules.{key}", getattr(v.rules, key))
        note("cross_region.cut_mode", v.cross_region.cut_mode)
        note("cross_region.intra_province", v.cross_region.intra_province)
        note("cross_region.unfiled_payable", v.cross_region.unfiled_payable)
        note("filing.chosen_hospitals_required", v.filing.chosen_hospitals_required)
        for sp in v.schemes.values():
            note("account.scope", sp.account.scope)
            for b in sp.benefits.values():
                note("deductible.mode", b.deductible.mode)
                note("deductible.repeat", "reduced" if len(b.deductible.repeat_factors) > 1 else "flat")
            for layer in sp.layers:
                note("layer.kind", layer.kind)
                note("layer.tier_basis", layer.tier_basis)
            pools = {b.cap_pool for b in sp.benefits.values()}
            note("cap_pools", "shared" if len(pools) < len(sp.benefits) else "separate")
    expected = {
        "rules.tier_basis": {"cumulative", "above_deductible"},
        "rules.tier_scope": {"per_visit", "annual"},
        "rules.cap_basis": {"fund_payment", "in_scope_cost"},
        "rules.b_class_rest": {"coinsurance", "full"},
        "rules.b_class_selfpay_source": {"treatment", "insured"},
        "cross_region.cut_mode": {"subtract", "multiply", "first_selfpay"},
        "cross_region.intra_province": {"local", "cross_region"},
        "cross_region.unfiled_payable": {"True", "False"},
        "filing.chosen_hospitals_required": {"True", "False"},
        "account.scope": {"all_personal", "in_scope"},
        "deductible.mode": {"per_admission", "annual"},
        "deductible.repeat": {"reduced", "flat"},
        "layer.kind": {"large_amount_subsidy", "critical_illness", "medical_assistance"},
        "layer.tier_basis": {"above_threshold", "cumulative"},
        "cap_pools": {"shared", "separate"},
    }
    for key, values in expected.items():
        assert values <= seen.get(key, set()), f"{key}: missing {values - seen.get(key, set())}"


def test_regional_parameters_differ(packs: PackSet) -> None:
    latest = [pol.versions[-1] for pol in packs.policies.values()]
    for block in ("filing", "manual_claim", "cross_region", "rules"):
        values = {getattr(v, block).model_dump_json(exclude={"source"}) for v in latest}
        assert len(values) > 1, f"{block} is the same in every region"


def test_effective_dating(packs: PackSet) -> None:
    multi = [p for p in packs.policies.values() if len(p.versions) >= 2]
    assert multi, "at least one region must show effective dating"
    for pol in multi:
        old, new = pol.versions[0], pol.versions[-1]
        assert pol.in_force(new.effective_from - dt.timedelta(days=1)) is not new
        assert pol.in_force(new.effective_from) is new
        assert old.schemes != new.schemes, pol.region
        assert new.source is not None and new.source != old.source, pol.region


def test_jiangxi_card_figures(packs: PackSet) -> None:
    """369900 carries the figures of the Jiangxi provincial-level card [A] (docs/rules.md R-2.3, R-3.3)."""
    v = packs.policies["369900"].versions[0]
    ip = v.schemes[Scheme.EMPLOYEE].benefits[VisitType.INPATIENT]
    for level, ded, ratio in ((Level.L1, "200", "0.95"), (Level.L2, "500", "0.90"), (Level.L3, "800", "0.85")):
        assert pick(ip.deductible.amounts, Category.ACTIVE, level) == Decimal(ded)
        tiers = pick(ip.tiers, Category.ACTIVE, level)
        assert tiers is not None and [t.ratio for t in tiers] == [Decimal(ratio)]
    assert v.cross_region.cut_mode == "first_selfpay"
    assert {k.value: int(p) for k, p in v.cross_region.cut.items()} == {
        "REFERRAL": 10, "EMERGENCY": 10, "OTHER_TEMPORARY": 20}


def test_retirees_get_at_least_active_ratios(packs: PackSet) -> None:
    for code, v in versions(packs):
        for b in v.schemes[Scheme.EMPLOYEE].benefits.values():
            for level in Level:
                act = pick(b.tiers, Category.ACTIVE, level)
                ret = pick(b.tiers, Category.RETIRED, level)
                assert act is not None and ret is not None
                assert min(t.ratio for t in ret) >= min(t.ratio for t in act), (code, level)


def test_critical_illness_and_assistance_follow_national_frames(packs: PackSet) -> None:
    for code, v in versions(packs):
        for sp in v.schemes.values():
            for layer in sp.layers:
                if layer.kind == "large_amount_subsidy":
                    assert layer.base == "above_cap", code
                elif layer.kind == "critical_illness":
                    assert layer.base == "personal_in_scope", code
                    assert Decimal(15000) <= layer.threshold <= Decimal(25000), code
                    assert layer.tiers[0].ratio >= Decimal("0.60"), code
                    assert layer.annual_cap is not None, code
                    for group in ("低保", "特困"):
                        ov = layer.group_overrides[group]
                        assert ov.threshold == layer.threshold / 2, (code, group)
                        assert ov.no_cap, (code, group)
                        assert ov.tiers is not None
                        assert [t.ratio for t in ov.tiers] == [t.ratio + Decimal("0.05") for t in layer.tiers]
                elif layer.kind == "medical_assistance":
                    assert layer.base == "personal_in_scope", code
                    assert layer.eligible_groups == ASSISTANCE_GROUPS, code


def _source_docs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "source" and isinstance(v, dict):
                yield str(v["doc"])
            else:
                yield from _source_docs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _source_docs(v)


def test_every_source_is_defined_and_cited(packs: PackSet) -> None:
    cited: set[str] = set()
    for path in YAML_FILES:
        cited |= set(_source_docs(read_data(path)))
    assert cited <= set(packs.documents)
    assert {d.number for d in packs.documents.values()} >= NATIONAL_DOCS
    national_ids = {k for k, d in packs.documents.items() if d.number in NATIONAL_DOCS}
    assert national_ids <= cited, "every national document is cited somewhere"
    for cat in packs.catalogues.values():
        assert cat.source is not None and cat.source.doc in packs.documents
    for code, v in versions(packs):
        assert v.source is not None, code
        for block in (v.rules, v.cross_region, v.filing, v.manual_claim):
            assert block.source is not None, (code, type(block).__name__)
        for sp in v.schemes.values():
            assert sp.source is not None, code
            for layer in sp.layers:
                assert layer.source is not None, (code, layer.kind)


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.json")), ids=lambda p: p.name)
def test_examples_quote_with_the_sample(packs: PackSet, example: Path) -> None:
    bill = validate_model(Bill, json.loads(example.read_text(encoding="utf-8")))
    result = calculate(bill, packs)
    assert result.medfee_sumamt == result.fund_pay_sumamt + result.psn_part_amt


def test_pharmacies_in_the_sample(packs: PackSet) -> None:
    pharmacies = {c: i for c, i in packs.institutions.items() if i.kind is InstitutionKind.PHARMACY}
    # two dual-channel pharmacies (Beijing, Guangzhou), one not networked at all
    assert sorted(c for c, i in pharmacies.items() if i.dual_channel) == ["P11010000001", "P44010000001"]
    assert not pharmacies["P44010000002"].networked
    assert all(VisitType.INPATIENT not in i.networked for i in pharmacies.values())
