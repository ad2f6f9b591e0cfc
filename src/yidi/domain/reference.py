"""Reference data the engine needs: pooling regions, designated institutions, insured persons, filings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from yidi.domain.enums import Category, FilingType, InstitutionKind, InsuranceStatus, Level, Scheme, VisitType
from yidi.domain.ids import CitizenId
from yidi.domain.money import ZERO


def province_of(code: str) -> str:
    """The province a 6-digit region code belongs to, as its own code ("360100" -> "360000")."""
    return code[:2] + "0000"


def is_province_code(code: str) -> bool:
    return code.endswith("0000")


@dataclass(frozen=True, slots=True)
class Region:
    """A pooling region (统筹区): 6-digit GB/T 2260 code, name, province."""

    code: str
    name: str
    province_name: str = ""

    @property
    def province(self) -> str:
        return province_of(self.code)


def region_names(regions: Mapping[str, Region]) -> dict[str, str]:
    """Names by code, of each region and of each province it belongs to (shown beside codes)."""
    names: dict[str, str] = {}
    for code, region in regions.items():
        names[code] = region.name
        if region.province_name:
            names.setdefault(province_of(code), region.province_name)
    return names


@dataclass(frozen=True, slots=True)
class Institution:
    """A designated institution (定点医疗机构 or 定点零售药店) and the visit types it is networked for."""

    code: str
    name: str
    region: str
    level: Level
    networked: frozenset[VisitType] = frozenset()
    chronic_diseases: frozenset[str] = frozenset()  # diseases opened for cross-province settlement
    kind: InstitutionKind = InstitutionKind.HOSPITAL  # a pharmacy sells; its purchases settle as outpatient care
    dual_channel: bool = False  # 双通道: a pharmacy that dispenses listed drugs under the chronic benefit

    def networked_for(self, visit_type: VisitType) -> bool:
        return visit_type in self.networked


@dataclass(frozen=True, slots=True)
class Person:
    """An insured person (参保人) as the engine sees them."""

    citizen_id: CitizenId
    name: str
    insured_region: str
    scheme: Scheme
    category: Category = Category.ACTIVE
    status: InsuranceStatus = InsuranceStatus.ACTIVE
    status_since: dt.date | None = None  # lapsed/terminated since, or waiting period until (WAITING)
    account_balance: Decimal = ZERO  # personal account (employees only)
    assistance_group: str | None = None  # 特困 / 低保 / 低保边缘 / 返贫致贫 … for medical assistance layers
    chronic_diseases: frozenset[str] = frozenset()  # 慢特病 certified by the insured region
    # (disease, valid from, valid until) of certifications that carry a validity (yidi.domain.chronic);
    # a certified disease not listed here (imported from the insured region's system) has no bounds
    chronic_periods: tuple[tuple[str, dt.date | None, dt.date | None], ...] = ()

    def chronic_certified(self, disease: str, day: dt.date) -> bool:
        """Whether the insured region certified `disease` for this person and the certification covers `day`."""
        if disease not in self.chronic_diseases:
            return False
        for code, start, until in self.chronic_periods:
            if code == disease:
                return (start is None or start <= day) and (until is None or day <= until)
        return True


@dataclass(frozen=True, slots=True)
class Filing:
    """A filing (备案) as the engine needs it: type, the area it covers, and its validity."""

    type: FilingType
    insured_region: str
    treatment_area: str  # a region code, or a province code "XX0000" covering the whole province
    start: dt.date
    end: dt.date | None = None  # None: long-term, valid until changed or cancelled
    filing_id: str = ""
    institutions: frozenset[str] = field(default_factory=frozenset)  # chosen hospitals, where required

    def covers(self, region: str, day: dt.date, institution: str | None = None) -> bool:
        """True when this filing covers treatment in `region` on `day` (and at `institution` if chosen)."""
        if day < self.start or (self.end is not None and day > self.end):
            return False
        if self.institutions and institution is not None and institution not in self.institutions:
            return False
        if is_province_code(self.treatment_area):
            return province_of(region) == self.treatment_area
        return region == self.treatment_area
