"""What a purchase at a designated pharmacy (定点零售药店) elsewhere may use, as the insured region's pack says.

A purchase is settled as outpatient care at a pharmacy institution. The common rule is that only the
personal account pays (the pooled fund pays nothing); a region may let the outpatient pool pay as for
outpatient care; and a certified 门诊慢特病 may be bought under the chronic benefit at a 双通道 pharmacy.
A purchase elsewhere needs a filing covering the pharmacy's region as hospital care does (default), unless
the region says it does not (`filing_required: false`: settled as unfiled care, the unfiled rules apply).
"""

from __future__ import annotations

from typing import Literal

from yidi.domain.sources import Source
from yidi.domain.validation import Strict


class PharmacyRules(Strict):
    """`pharmacy:` in a policy version. Defaults: account only; chronic purchases at 双通道 pharmacies allowed;
    a filing required."""

    pays: Literal["account_only", "outpatient"] = "account_only"
    chronic_at_dual_channel: bool = True
    filing_required: bool = True
    source: Source | None = None
