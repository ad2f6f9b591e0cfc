"""Between a settlement row of the batch table and the per-bill engine: build the Bill, read the amounts.

Used by the differential test, by the batch plan's per-bill fallback (a person-year that crosses a
policy version), and by `yidi simulate` to explain the biggest changes with the per-bill engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from yidi.domain.bill import Bill, FeeLine, FilingIn, PersonIn, YearAccumulators
from yidi.domain.breakdown import Breakdown
from yidi.domain.enums import FilingType, VisitType
from yidi.domain.money import from_fen, to_fen

AMOUNTS = Breakdown.AMOUNT_FIELDS

# Columns of the settlement table (one row per settlement; `lines` is a list of structs).
SETTLEMENT_COLUMNS = {
    "sid": "int64: settlement id, unique",
    "person": "str: citizen ID number (GB 11643) of the insured person",
    "scheme": "str: EMPLOYEE / RESIDENT",
    "category": "str: ACTIVE / RETIRED",
    "insured_region": "str: 6-digit pooling region of insurance",
    "treatment_region": "str: 6-digit region of the institution",
    "institution": "str: institution code",
    "level": "str: L1 / L2 / L3 / UNRATED",
    "visit_type": "str: INPATIENT / OUTPATIENT / CHRONIC_OUTPATIENT",
    "admission_date": "date",
    "settlement_date": "date: orders a person's bills and picks the policy version",
    "filing_type": "str or null: the filing type that covered the visit (EMERGENCY also for emergency care); "
                   "for care in the insured region, the long-term type a person filed elsewhere holds, if any",
    "assistance_group": "str or null: 特困 / 低保 / 低保边缘 / 返贫致贫 …",
    "account_balance": "int64 fen: personal account balance before the bill",
    "use_account": "bool: acct_used_flag",
    "lines": "list<struct<code: str, qty_e4: int64 (quantity x 10,000), price: int64 fen>>",
}


def bill_from_row(row: Mapping[str, Any], accumulators: YearAccumulators | None = None) -> Bill:
    """The Bill the per-bill engine calculates for one settlement row (lines included)."""
    ft = row.get("filing_type") or None
    day: dt.date = row["settlement_date"]
    adm: dt.date = row["admission_date"]
    filing = None
    emergency = False
    if ft == FilingType.EMERGENCY.value:
        emergency = True  # treated as filed (docs/rules.md ); the same result as an emergency filing
    elif ft:
        filing = FilingIn(type=FilingType(ft), treatment_area=row["treatment_region"], start=min(adm, dt.date(day.year, 1, 1)))
    return Bill(
        bill_id=str(row["sid"]),
        visit_type=VisitType(row["visit_type"]),
        institution=row["institution"],
        admission_date=adm,
        settlement_date=day,
        person=PersonIn(
            id_number=row["person"], name="参保人", insured_region=row["insured_region"], scheme=row["scheme"],
            category=row["category"], account_balance=from_fen(int(row["account_balance"])),
            assistance_group=row.get("assistance_group") or None,
        ),
        filing=filing,
        emergency=emergency,
        use_account=bool(row["use_account"]),
        accumulators=accumulators,
        lines=[
            FeeLine(line_id=str(i + 1), code=ln["code"], quantity=Decimal(int(ln["qty_e4"])) / 10000,
                    unit_price=from_fen(int(ln["price"])))
            for i, ln in enumerate(row["lines"])
        ],
    )


def amounts_fen(b: Breakdown) -> dict[str, int]:
    """The breakdown's amounts in integer fen, keyed by the Breakdown field names."""
    return {name: to_fen(getattr(b, name)) for name in AMOUNTS}


def person_year_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """Whose year accumulators a settlement reads and writes: person, insured region, scheme, year."""
    return (row["person"], row["insured_region"], row["scheme"], row["settlement_date"].year)


def settlement_order(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The order bills are settled in: per person-year, by settlement date then id."""
    return (*person_year_key(row), row["settlement_date"], row["sid"])


def run_per_bill(rows: Iterable[Mapping[str, Any]], packs: Any) -> dict[int, dict[str, int]]:
    """Calculate settlements with the per-bill engine, carrying year accumulators in settlement order."""
    from yidi.domain.engine import calculate

    out: dict[int, dict[str, int]] = {}
    acc: dict[tuple[Any, ...], YearAccumulators] = {}
    for row in sorted(rows, key=settlement_order):
        key = person_year_key(row)
        before = acc.get(key) or YearAccumulators(year=key[3])
        b = calculate(bill_from_row(row), packs, accumulators=before, unknown_items="self_funded")
        assert b.accumulators_after is not None
        acc[key] = b.accumulators_after
        out[int(row["sid"])] = amounts_fen(b)
    return out
