"""A bill to calculate: the visit, the person, the filing, the year-to-date accumulators and fee lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Annotated, Any, get_args

from pydantic import Field, ValidationInfo, field_validator, model_validator

from yidi.domain import bounds as B
from yidi.domain.enums import Category, FilingType, InsuranceStatus, Scheme, VisitType
from yidi.domain.errors import YidiError
from yidi.domain.ids import CitizenId, parse_citizen_id
from yidi.domain.money import FEN, ZERO, fmt, round_fen
from yidi.domain.policy import LayerKind
from yidi.domain.reference import Filing, Person
from yidi.domain.trusted import trusted
from yidi.domain.validation import (
    Accumulated,
    Balance,
    Code,
    Day,
    IdNumber,
    LifeDay,
    LineAmount,
    Quantity,
    RegionCode,
    Strict,
    Text,
    UnitPrice,
    Year,
    check_failures,
    failure,
)


class FeeLine(Strict):
    """One billed item (费用明细): feedetl_sn, med_list_codg, cnt, pric, det_item_fee_sumamt."""

    line_id: Code = Field(min_length=1, max_length=B.LINE_ID)
    code: Code = Field(min_length=1, max_length=B.ITEM_CODE)
    name: Text = Field(default="", max_length=B.ITEM_NAME)
    quantity: Quantity
    unit_price: UnitPrice
    amount: LineAmount | None = None  # if given, must equal quantity x unit_price rounded to the fen
    date: Day | None = None

    @model_validator(mode="after")
    def _amount(self) -> FeeLine:
        if self.value > B.LINE_AMOUNT_MAX:
            raise failure("AMOUNT_TOO_LARGE", line_id=self.line_id, amount=fmt(self.value),
                          limit=B.LINE_AMOUNT_MAX)
        if self.amount is not None and self.amount != round_fen(self.quantity * self.unit_price):
            raise failure("LINE_AMOUNT_MISMATCH", line_id=self.line_id, amount=self.amount,
                          product=round_fen(self.quantity * self.unit_price))
        return self

    @property
    def value(self) -> Decimal:
        return round_fen(self.quantity * self.unit_price)


class PersonIn(Strict):
    """The insured person as given with a bill (validated: GB 11643 ID checksum, region code)."""

    id_number: IdNumber
    name: Text = Field(min_length=1, max_length=B.PERSON_NAME)
    insured_region: RegionCode
    scheme: Scheme
    category: Category = Category.ACTIVE
    status: InsuranceStatus = InsuranceStatus.ACTIVE
    status_since: LifeDay | None = None
    account_balance: Balance = ZERO
    assistance_group: Code | None = Field(default=None, max_length=B.ASSISTANCE_GROUP)
    chronic_diseases: list[Annotated[Code, Field(min_length=1, max_length=B.DISEASE_CODE)]] = Field(
        default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _account(self) -> PersonIn:
        if self.scheme is Scheme.RESIDENT and self.account_balance:
            raise failure("ACCOUNT_RESIDENT")
        return self

    @property
    def citizen_birth_date(self) -> dt.date:
        return CitizenId(self.id_number).birth_date  # the number was validated (IdNumber), or is a known person's

    @classmethod
    def of(cls, p: Person) -> PersonIn:
        """A known person as a bill's person (the inverse of to_person). Not validated again: a Person is
        valid already, and this runs on every settlement."""
        return trusted(
            cls, id_number=p.citizen_id.number, name=p.name, insured_region=p.insured_region, scheme=p.scheme,
            category=p.category, status=p.status, status_since=p.status_since, account_balance=p.account_balance,
            assistance_group=p.assistance_group, chronic_diseases=sorted(p.chronic_diseases))

    def to_person(self) -> Person:
        return Person(
            citizen_id=parse_citizen_id(self.id_number),
            name=self.name,
            insured_region=self.insured_region,
            scheme=self.scheme,
            category=self.category,
            status=self.status,
            status_since=self.status_since,
            account_balance=self.account_balance,
            assistance_group=self.assistance_group,
            chronic_diseases=frozenset(self.chronic_diseases),
        )


class FilingIn(Strict):
    """A filing as given with a bill."""

    type: FilingType
    treatment_area: RegionCode
    start: Day
    end: Day | None = None
    filing_id: Code = Field(default="", max_length=B.FILING_ID)

    @model_validator(mode="after")
    def _dates(self) -> FilingIn:
        if self.end is not None and self.end < self.start:
            raise failure("DATE_ORDER", detail_zh="备案结束日期早于开始日期",
                          detail_en="filing end date is before its start date")
        return self

    def to_filing(self, insured_region: str) -> Filing:
        return Filing(self.type, insured_region, self.treatment_area, self.start, self.end, self.filing_id)


_AMOUNT_DICTS = ("deductible_paid", "inscope", "eligible", "cost_shared", "fund_paid", "layer_base", "layer_paid",
                 "disease_deductible", "disease_paid")
PoolKey = Annotated[str, Field(min_length=1, max_length=40)]


def _known_keys(v: dict[str, Decimal], known: set[str], zh: str, en: str) -> dict[str, Decimal]:
    unknown = sorted(set(v) - known)
    if unknown:
        raise failure("ACC_KEY_UNKNOWN", what_zh=zh, what_en=en, keys=unknown[:10], known=sorted(known))
    return v


class YearAccumulators(Strict):
    """年度累计: what a person has used this year in one scheme (deductible, fund, layers, admissions).

    Keys: `deductible_paid` by visit type; `inscope`, `eligible`, `cost_shared` and `fund_paid` by the
    cap pool of the policy; `layer_base` and `layer_paid` by layer kind; `disease_deductible` and
    `disease_paid` by 门诊慢特病 code.
    """

    year: Year
    admissions: int = Field(default=0, ge=0, le=100_000)
    deductible_paid: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    inscope: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    eligible: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    cost_shared: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    fund_paid: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    layer_base: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    layer_paid: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    # 门诊慢特病 with terms of their own (policy Benefit.diseases), by disease code: the deductible paid and
    # the pooled fund's payment this year
    disease_deductible: dict[PoolKey, Accumulated] = Field(default_factory=dict)
    disease_paid: dict[PoolKey, Accumulated] = Field(default_factory=dict)

    @field_validator("deductible_paid")
    @classmethod
    def _visit_types(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        return _known_keys(v, {t.value for t in VisitType}, "就诊类型", "visit type")

    @field_validator("layer_base", "layer_paid")
    @classmethod
    def _layers(cls, v: dict[str, Decimal]) -> dict[str, Decimal]:
        return _known_keys(v, set(get_args(LayerKind)), "补充支付层", "layer kind")

    def largest(self) -> Decimal:
        """The largest amount held (the bound of every year-to-date sum applies to it)."""
        return max((v for name in _AMOUNT_DICTS for v in getattr(self, name).values()), default=ZERO)

    def unknown_pools(self, pools: set[str]) -> list[str]:
        """The cap-pool keys (inscope, eligible, cost_shared, fund_paid) that are not pools of `pools`."""
        return sorted({f"{name}.{k}" for name in ("inscope", "eligible", "cost_shared", "fund_paid")
                       for k in getattr(self, name) if k not in pools})

    def as_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @classmethod
    def stored(cls, content: Mapping[str, Any]) -> YearAccumulators:
        """The accumulators of a stored row (as_dict's form) as model_validate gives them, not validated again:
        every stored form was validated (or computed by the engine) when written, and the audit trail proves
        the row unchanged since (yidi.domain.trusted). Amounts at the fen, as the Accumulated type makes them."""
        return trusted(cls, **{k: {key: Decimal(a).quantize(FEN) for key, a in v.items()} if k in _AMOUNT_DICTS else v
                               for k, v in content.items()})


class Bill(Strict):
    """The bill of one visit (就诊) to calculate."""

    bill_id: Code = Field(default="", max_length=30)
    visit_type: VisitType
    institution: Code = Field(min_length=1, max_length=B.INSTITUTION_CODE)
    admission_date: Day
    discharge_date: Day | None = None
    settlement_date: Day | None = None
    person: PersonIn
    filing: FilingIn | None = None
    emergency: bool = False
    # the certified 门诊慢特病 a CHRONIC_OUTPATIENT visit treats (policy Benefit.diseases may give it terms)
    chronic_disease: Code | None = Field(default=None, min_length=1, max_length=B.DISEASE_CODE)
    use_account: bool = True
    accumulators: YearAccumulators | None = None
    lines: list[FeeLine] = Field(min_length=1, max_length=B.VISIT_LINES_MAX)

    @field_validator("discharge_date", "settlement_date")
    @classmethod
    def _not_before_admission(cls, v: dt.date | None, info: ValidationInfo) -> dt.date | None:
        # A field validator (not the model check below), so the problem names its field
        # ("discharge_date") instead of an empty path.
        _date_order(info.field_name or "", v, info.data.get("admission_date"))
        return v

    @model_validator(mode="after")
    def _check(self) -> Bill:
        self._across()
        return self

    def _across(self) -> None:
        """The checks across fields once each field is valid (also run by `checked`)."""
        seen: set[str] = set()
        last = self.discharge_date or self.settlement_date
        for ln in self.lines:
            if ln.line_id in seen:
                raise failure("LINE_DUPLICATE", line_ids=ln.line_id)
            seen.add(ln.line_id)
            if ln.date is not None and (ln.date < self.admission_date or (last is not None and ln.date > last)):
                raise failure("LINE_DATE_OUTSIDE", line_id=ln.line_id, date=ln.date, why_zh="不在就诊期间内",
                              why_en="is outside the visit")
        total = sum((ln.value for ln in self.lines), ZERO)
        if total > B.VISIT_TOTAL_MAX:
            raise failure("TOTAL_TOO_LARGE",
                          detail_zh=f"费用明细合计 {fmt(total)} 元超过一次就诊的上限 {B.VISIT_TOTAL_MAX} 元",
                          detail_en=f"the lines add up to {fmt(total)} yuan, above the limit of {B.VISIT_TOTAL_MAX} yuan for one visit")
        if self.person.citizen_birth_date > self.day:
            raise failure("ID_BIRTH_DATE", detail_zh="晚于就诊日期", detail_en="is after the visit")
        if self.accumulators is not None and self.accumulators.year != self.day.year:
            raise failure("ACC_YEAR", year=self.accumulators.year, settlement_year=self.day.year)

    @property
    def day(self) -> dt.date:
        """The settlement date: policies and catalogues in force on this day apply."""
        return self.settlement_date or self.discharge_date or self.admission_date

    def checked(self) -> Bill:
        """This bill after the checks across its fields, which validation runs: for a bill built from stored values
        (yidi.domain.trusted), each valid when stored, whose combination may not be (a line dated after the
        discharge date a request gives). Refused as validate_model refuses (YidiError, the same problems)."""
        problems = [p for f in ("discharge_date", "settlement_date")
                    for p in check_failures(partial(_date_order, f, getattr(self, f), self.admission_date), f)]
        problems = problems or check_failures(self._across)
        if problems:
            raise YidiError.of(problems)
        return self


def _date_order(field: str, day: dt.date | None, admission: dt.date | None) -> None:
    if day is not None and admission is not None and day < admission:
        if field == "discharge_date":
            raise failure("DATE_ORDER", detail_zh="出院日期早于入院日期", detail_en="discharge date is before admission date")
        raise failure("DATE_ORDER", detail_zh="结算日期早于入院（就诊）日期",
                      detail_en="settlement date is before admission date")
