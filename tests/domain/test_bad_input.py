"""Bad input: every mistake gets its stable code and names the field it is about."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.domain.packs import GUANGZHOU, H_GZ, INSURED, ITEMS, catalogue, make_packs, policy_with
from yidi.domain.bill import Bill
from yidi.domain.engine import calculate
from yidi.domain.enums import FilingType
from yidi.domain.errors import YidiError
from yidi.domain.validation import validate_model


def bill_data(**changes: Any) -> dict[str, Any]:
    """A valid bill (long-term filer, Guangzhou, one class-A line) as raw input data."""
    data: dict[str, Any] = {
        "visit_type": "INPATIENT",
        "institution": H_GZ,
        "admission_date": "2025-03-01",
        "discharge_date": "2025-03-10",
        "person": {"id_number": "360426199101010071", "name": "张三", "insured_region": INSURED,
                   "scheme": "EMPLOYEE"},
        "filing": {"type": "LONG_TERM_RESIDENT", "treatment_area": GUANGZHOU, "start": "2024-01-01"},
        "lines": [{"line_id": "L1", "code": "A01", "quantity": "1", "unit_price": "100.00"}],
    }
    data.update(changes)
    return data


def problems(exc: pytest.ExceptionInfo[YidiError]) -> list[tuple[str, str]]:
    return [(p.code, p.field) for p in exc.value.problems]


def test_the_valid_bill_is_accepted(tmp_path: Path) -> None:
    # the baseline the other tests break one field of: it validates and calculates
    bill = validate_model(Bill, bill_data())
    b = calculate(bill, make_packs(tmp_path))
    assert b.medfee_sumamt == b.fund_pay_sumamt + b.psn_part_amt


# ----------------------------------------------------------------------------------- bills

def test_unknown_item_code_is_rejected_with_its_line(tmp_path: Path) -> None:
    lines = [{"line_id": "L1", "code": "A01", "quantity": "1", "unit_price": "100.00"},
             {"line_id": "L2", "code": "NOPE-42", "quantity": "1", "unit_price": "50.00"}]
    bill = validate_model(Bill, bill_data(lines=lines))
    with pytest.raises(YidiError) as exc:
        calculate(bill, make_packs(tmp_path))
    assert exc.value.code == "BILL_UNKNOWN_ITEM"
    assert problems(exc) == [("BILL_UNKNOWN_ITEM", "lines.1.code")]
    assert "NOPE-42" in exc.value.problems[0].message_en


@pytest.mark.parametrize("quantity", ["0", "-1", "-0.5"])
def test_quantity_must_be_positive(quantity: str) -> None:
    lines = [{"line_id": "L1", "code": "A01", "quantity": quantity, "unit_price": "100.00"}]
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(lines=lines))
    assert exc.value.code == "QUANTITY_NOT_POSITIVE"
    assert problems(exc) == [("QUANTITY_NOT_POSITIVE", "lines.0.quantity")]


def test_price_with_three_decimals() -> None:
    lines = [{"line_id": "L1", "code": "A01", "quantity": "1", "unit_price": "12.345"}]
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(lines=lines))
    assert exc.value.code == "MONEY_PRECISION"
    assert problems(exc) == [("MONEY_PRECISION", "lines.0.unit_price")]


def test_discharge_before_admission() -> None:
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(admission_date="2025-03-10", discharge_date="2025-03-01"))
    assert exc.value.code == "DATE_ORDER"
    assert problems(exc) == [("DATE_ORDER", "discharge_date")]


def test_settlement_before_admission() -> None:
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(discharge_date=None, settlement_date="2025-02-28"))
    assert problems(exc) == [("DATE_ORDER", "settlement_date")]


def test_id_failing_its_checksum() -> None:
    person = {**bill_data()["person"], "id_number": "360426199101010072"}
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(person=person))
    assert exc.value.code == "ID_CHECKSUM"
    assert problems(exc) == [("ID_CHECKSUM", "person.id_number")]


def test_id_checksum_is_reported_together_with_other_problems() -> None:
    # everything wrong is reported at once, not one field per round trip
    person = {**bill_data()["person"], "id_number": "360426199101010072"}
    lines = [{"line_id": "L1", "code": "A01", "quantity": "0", "unit_price": "1.001"}]
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(person=person, lines=lines))
    assert sorted(problems(exc)) == [
        ("ID_CHECKSUM", "person.id_number"),
        ("MONEY_PRECISION", "lines.0.unit_price"),
        ("QUANTITY_NOT_POSITIVE", "lines.0.quantity"),
    ]


def test_unknown_insured_region(tmp_path: Path) -> None:
    person = {**bill_data()["person"], "insured_region": "350100"}  # well-formed, not in the pack
    bill = validate_model(Bill, bill_data(person=person))
    with pytest.raises(YidiError) as exc:
        calculate(bill, make_packs(tmp_path))
    assert exc.value.code == "REGION_UNKNOWN"
    assert problems(exc) == [("REGION_UNKNOWN", "person.insured_region")]


def test_malformed_region_code() -> None:
    person = {**bill_data()["person"], "insured_region": "36010"}
    with pytest.raises(YidiError) as exc:
        validate_model(Bill, bill_data(person=person))
    assert problems(exc) == [("REGION_FORMAT", "person.insured_region")]


# ----------------------------------------------------------------------------------- packs

def load_error(tmp_path: Path, **kw: Any) -> YidiError:
    with pytest.raises(YidiError) as exc:
        make_packs(tmp_path, **kw)
    assert exc.value.code == "PACK_INVALID"
    return exc.value


def test_policy_versions_with_overlapping_dates(tmp_path: Path) -> None:
    pol = policy_with()
    pol["versions"][0]["effective_to"] = dt.date(2025, 12, 31)
    pol["versions"].append({"effective_from": dt.date(2025, 6, 1)})  # inside the first version
    err = load_error(tmp_path, policy=pol)
    assert [(p.code, p.field) for p in err.problems] == [("PACK_OVERLAP", f"policies/{INSURED}.yaml:versions")]


def test_catalogue_entries_with_overlapping_dates(tmp_path: Path) -> None:
    a01 = copy.deepcopy(ITEMS[0])
    items = [{**a01, "effective_to": dt.date(2025, 6, 30)}, {**a01, "effective_from": dt.date(2025, 6, 1)}]
    err = load_error(tmp_path, catalogues=[catalogue("440000", items)])
    assert [(p.code, p.field) for p in err.problems] == [("PACK_OVERLAP", "catalogues/440000.yaml:items")]


def test_tier_table_with_a_gap(tmp_path: Path) -> None:
    gap = [{"from": "0", "to": "10000", "ratio": "0.80"}, {"from": "20000", "to": None, "ratio": "0.90"}]
    err = load_error(tmp_path, changes={"schemes": {"EMPLOYEE": {"benefits": {"INPATIENT": {
        "tiers": {"ALL": {"ALL": gap}}}}}}})
    assert [(p.code, p.field) for p in err.problems] == [
        ("PACK_TIER_GAP", f"policies/{INSURED}.yaml:versions.0.schemes.EMPLOYEE.benefits.INPATIENT.tiers"),
    ]


def test_unknown_key_in_a_pack(tmp_path: Path) -> None:
    err = load_error(tmp_path, changes={"rules": {"tier_basiss": "cumulative"}})  # misspelt
    assert [(p.code, p.field) for p in err.problems] == [
        ("FIELD_UNKNOWN", f"policies/{INSURED}.yaml:versions.0.rules.tier_basiss"),
    ]


@pytest.mark.parametrize(("ftype", "points"), [("REFERRAL", "15"), ("EMERGENCY", "11"), ("OTHER_TEMPORARY", "25")])
def test_cut_above_the_national_limit(tmp_path: Path, ftype: str, points: str) -> None:
    err = load_error(tmp_path, changes={"cross_region": {"cut": {ftype: points}}})
    assert [(p.code, p.field) for p in err.problems] == [
        ("PACK_CUT_LIMIT", f"policies/{INSURED}.yaml:versions.0.cross_region.cut"),
    ]
    assert ftype in err.problems[0].message_en


@pytest.mark.parametrize(("ftype", "points"), [("REFERRAL", "10"), ("EMERGENCY", "10"), ("OTHER_TEMPORARY", "20")])
def test_cut_at_the_national_limit_is_accepted(tmp_path: Path, ftype: str, points: str) -> None:
    packs = make_packs(tmp_path, {"cross_region": {"cut": {ftype: points}}})
    assert packs.policies[INSURED].versions[0].cross_region.cut_for(FilingType(ftype)) == Decimal(points)
