"""Cross-region scope and basis: local, intra-province or cross-region care, and which rule then applies.

The one place that decides (docs/rules.md R-1.1, R-1.8, R-1.9, R-2.2–R-2.4, R-9.9):
- care in the insured region itself is LOCAL; care in another region of the same province is
  INTRA_PROVINCE when the insured region's policy reads it as local (`cross_region.intra_province ==
  "local"`), otherwise it is checked like cross-province care;
- cross-region care takes its basis from the filing that covers it: a long-term type gives LONG_TERM, a
  temporary type TEMPORARY (EMERGENCY also for emergency care treated as filed), none UNFILED;
- a filing counts when it covers the admission day or, made after admission (post-hoc filing), the day of
  settlement or of the check;
- an emergency without a covering filing counts as filed (EMERGENCY), up to the region's post-hoc filing
  deadline where it sets one (filing.emergency_filing_working_days).

The engine, eligibility, the advisor, the batch engine and the filing service all ask this module.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from yidi.domain.enums import CrossRegionBasis, FilingType
from yidi.domain.policy import CrossRegion
from yidi.domain.reference import province_of
from yidi.domain.workdays import add_working_days


class Scope(StrEnum):
    """Where the care is, seen from the insured region (before any filing is looked at)."""

    LOCAL = "LOCAL"  # the insured region itself
    INTRA_PROVINCE = "INTRA_PROVINCE"  # same province, read as local by the insured region
    CROSS_REGION = "CROSS_REGION"  # another province, or the same one when it is read as cross-region


class RatioCategory(StrEnum):
    """Which payment ratio rule a bill uses (the basis, refined by the temporary filing type)."""

    LOCAL = "LOCAL"  # insured-region local standards: local visit, or intra-province read as local
    LONG_TERM = "LONG_TERM"
    REFERRAL = "REFERRAL"
    EMERGENCY = "EMERGENCY"
    OTHER_TEMPORARY = "OTHER_TEMPORARY"
    UNFILED = "UNFILED"


def intra_province_is_local(cross_region: CrossRegion | None) -> bool:
    """Whether the insured region reads care elsewhere in its province as local (the schema's default
    "local" holds when no policy is known)."""
    return cross_region is None or cross_region.intra_province == "local"


def intra_province_needs_filing(cross_region: CrossRegion | None) -> bool:
    """Whether a filing is needed (and may be made) for care elsewhere in the insured province."""
    return not intra_province_is_local(cross_region)


def scope_of(insured_region: str, treatment_region: str, cross_region: CrossRegion | None) -> Scope:
    """Local, intra-province (read as local) or cross-region care (R-1.1, R-9.9)."""
    if treatment_region == insured_region:
        return Scope.LOCAL
    if province_of(treatment_region) == province_of(insured_region) and intra_province_is_local(cross_region):
        return Scope.INTRA_PROVINCE
    return Scope.CROSS_REGION


def basis_of(scope: Scope, covering: FilingType | None) -> tuple[CrossRegionBasis, FilingType | None]:
    """The basis of a bill from its scope and the filing type that covers it (EMERGENCY for emergency care
    treated as filed; None when nothing covers it). Local and intra-province care need no filing."""
    if scope is Scope.LOCAL:
        return CrossRegionBasis.LOCAL, None
    if scope is Scope.INTRA_PROVINCE:
        return CrossRegionBasis.INTRA_PROVINCE, None
    if covering is None:
        return CrossRegionBasis.UNFILED, None
    return (CrossRegionBasis.LONG_TERM if covering.long_term else CrossRegionBasis.TEMPORARY), covering


def ratio_category(basis: CrossRegionBasis, filing_type: FilingType | None) -> RatioCategory:
    """The ratio rule of a basis: temporary filing types and their categories share names."""
    if basis in (CrossRegionBasis.LOCAL, CrossRegionBasis.INTRA_PROVINCE):
        return RatioCategory.LOCAL
    if basis is CrossRegionBasis.LONG_TERM:
        return RatioCategory.LONG_TERM
    if basis is CrossRegionBasis.UNFILED or filing_type is None:
        return RatioCategory.UNFILED
    return RatioCategory(filing_type.value)


def filing_days(admitted: dt.date, later: dt.date) -> tuple[dt.date, ...]:
    """The days on which a covering filing makes care filed: the admission day, and the later day of
    settlement or check (post-hoc filing, R-1.8: filed after admission, before discharge settlement)."""
    return (admitted, later) if later > admitted else (admitted,)


def emergency_deadline(admitted: dt.date, working_days: int | None) -> dt.date | None:
    """The last day an emergency treated without a filing may still be filed post hoc (None: the region sets
    no deadline, and the hospital's emergency flag counts as filed outright, R-1.9)."""
    return None if working_days is None else add_working_days(admitted, working_days)


def emergency_as_filed(admitted: dt.date, later: dt.date, working_days: int | None) -> bool:
    """Whether an emergency without a covering filing counts as filed on `later` (settlement or check):
    always where the region sets no post-hoc filing deadline, else only up to that deadline."""
    last = emergency_deadline(admitted, working_days)
    return last is None or later <= last
