"""Eligibility at admission: may this visit settle directly, under which filing, and if not, every reason why.

A pure function of what the hospital presents and what the store holds (no I/O, no clock). The reasons
follow docs/rules.md R-9; each says what happened, what the person should do next and where, and cites its
rule (`section`, anchors of docs/rules.md) and the policy documents behind it (`source`).

Modules: `check` (check_eligibility, the order of the checks), `identity` (who is this, insured on the
day), `filing_reasons` (why no filing covers the visit), `result` (Reason, EligibilityResult, codes).

Decisions:
- A visit in the insured region itself is not a cross-region case: the answer is eligible, basis LOCAL,
  ratio category LOCAL, with an informational note NOT_CROSS_REGION (not a reason). The same holds for
  another region of the same province when the insured region's policy reads intra-province care as
  local (`cross_region.intra_province == "local"`): eligible, basis INTRA_PROVINCE, note INTRA_PROVINCE.
  Blocking reasons that do not depend on the region (insurance status, identity, open admission, chronic
  certification) still apply to such visits.
- When the province still treats intra-province care as cross-region (`intra_province == "cross_region"`),
  the visit is checked exactly like a cross-province one (filing and networked hospital), as the engine does.
- `reasons` holds only blocking reasons: eligible is exactly "no reasons". Informational notes
  (NOT_CROSS_REGION, INTRA_PROVINCE, EMERGENCY_AS_FILED, FILED_POST_HOC) are in `notes`.
- `ratio_category` is the category the bill would be computed under even when not eligible (UNFILED for a
  manual claim without a filing); None only when the person is not found.
- When a filing covers the visit it applies, even if the hospital also flagged an emergency (same order as
  the engine); without one, the hospital's emergency flag counts as filed (R-1.9).
- Post-hoc filing (R-1.8): `day` is the admission (visit) day and `today` the day of the check. A filing
  that does not cover the admission day but covers `today` (made after admission, before discharge
  settlement) applies, noted FILED_POST_HOC, as the engine reads it at settlement.
- An open admission at another institution blocks any visit type (the platform refuses a second
  settlement while a person is in hospital elsewhere); an open admission at this same institution is
  taken to be this admission being re-checked.
- Input that is wrong rather than a reason (an ID that fails its checksum, an unreadable gender, a
  chronic-outpatient visit without a disease code, a found person without a policy) raises YidiError.
"""

from __future__ import annotations

from yidi.domain.eligibility.check import check_eligibility
from yidi.domain.eligibility.identity import normalise_name, parse_gender
from yidi.domain.eligibility.result import NOTE_CODES, REASON_CODES, EligibilityResult, Reason
from yidi.domain.scope import RatioCategory

__all__ = [
    "NOTE_CODES",
    "REASON_CODES",
    "EligibilityResult",
    "RatioCategory",
    "Reason",
    "check_eligibility",
    "normalise_name",
    "parse_gender",
]
