"""Models built from stored values (yidi.domain.trusted) are the models validation gives; the checks across a
bill's fields still refuse what a request brings in, with the same problems."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from yidi.domain.bill import Bill, FeeLine, PersonIn, YearAccumulators
from yidi.domain.enums import Category, InsuranceStatus, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.ids import CitizenId
from yidi.domain.reference import Person
from yidi.domain.trusted import trusted
from yidi.domain.validation import validate_model

DAY = dt.date(2026, 3, 10)
PERSON = Person(CitizenId("360102195603120312"), "张建国", "369900", Scheme.EMPLOYEE, Category.ACTIVE,
                InsuranceStatus.ACTIVE, account_balance=Decimal("3000.00"), chronic_diseases=frozenset({"M01", "C02"}))


def same(built: Any, validated: Any) -> None:
    """Equal, dumped to the same bytes (the order of the fields too), the same fields given."""
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_fields_set == validated.model_fields_set


def a_line(i: int, day: dt.date | None = DAY) -> FeeLine:
    return trusted(FeeLine, line_id=f"L{i}", code="XA01", name="药", quantity=Decimal("2.5"),
                   unit_price=Decimal("10.01"), amount=None, date=day)


def test_a_trusted_line_is_the_validated_line() -> None:
    line = a_line(1)
    same(line, validate_model(FeeLine, line.model_dump(mode="json")))
    assert line.value == Decimal("25.03")


def test_a_known_person_as_a_bill_person_is_the_validated_one() -> None:
    p = PersonIn.of(PERSON)
    same(p, validate_model(PersonIn, p.model_dump(mode="json")))
    assert p.chronic_diseases == ["C02", "M01"] and p.citizen_birth_date == dt.date(1956, 3, 12)


@pytest.mark.parametrize("content", [
    {"year": 2026},  # a row written before most keys existed: the defaults
    {"year": 2026, "admissions": 2, "deductible_paid": {"INPATIENT": "800.00"}, "inscope": {"hospital": "12.5"},
     "fund_paid": {"hospital": "9"}, "layer_base": {"large_amount_subsidy": "0.00"}, "disease_paid": {"M01": "1.10"}},
])
def test_stored_accumulators_are_the_validated_ones(content: dict[str, Any]) -> None:
    stored = YearAccumulators.stored(content)
    same(stored, YearAccumulators.model_validate(content))
    assert stored.as_dict() == YearAccumulators.model_validate(content).as_dict()  # "9" is stored as "9.00"
    other = YearAccumulators.stored(content)
    assert other.inscope is not stored.inscope  # a default or given dict is never shared between two


def test_trusted_refuses_an_unknown_field_or_a_missing_one() -> None:
    with pytest.raises(TypeError, match="unknown"):
        trusted(FeeLine, line_id="L1", code="X", quantity=Decimal(1), unit_price=Decimal(1), colour="red")
    with pytest.raises(TypeError, match="missing"):
        trusted(FeeLine, line_id="L1", code="X", quantity=Decimal(1))


def bill_data(discharge: dt.date | None, *lines: FeeLine) -> dict[str, Any]:
    return {"bill_id": "M1", "visit_type": VisitType.INPATIENT, "institution": "H44010000001",
            "admission_date": DAY - dt.timedelta(days=5), "discharge_date": discharge, "settlement_date": DAY,
            "person": PersonIn.of(PERSON), "emergency": False, "use_account": True, "lines": list(lines)}


def test_a_bill_of_stored_values_is_the_validated_bill() -> None:
    data = bill_data(DAY - dt.timedelta(days=1), a_line(1, DAY - dt.timedelta(days=2)), a_line(2, None))
    same(trusted(Bill, **data).checked(), validate_model(Bill, data))


@pytest.mark.parametrize(("discharge", "lines", "code", "field"), [
    # the discharge date a settle request gives, before a line's date
    (DAY - dt.timedelta(days=3), [a_line(1, DAY - dt.timedelta(days=1))], "LINE_DATE_OUTSIDE", ""),
    (DAY - dt.timedelta(days=9), [a_line(1, None)], "DATE_ORDER", "discharge_date"),
    (None, [a_line(1), a_line(1)], "LINE_DUPLICATE", ""),
])
def test_a_bill_of_stored_values_is_refused_as_validation_refuses_it(
        discharge: dt.date | None, lines: list[FeeLine], code: str, field: str) -> None:
    data = bill_data(discharge, *lines)
    with pytest.raises(YidiError) as validated:
        validate_model(Bill, data)
    with pytest.raises(YidiError) as checked:
        trusted(Bill, **data).checked()
    assert checked.value.problems == validated.value.problems
    assert (checked.value.code, checked.value.field) == (code, field)
