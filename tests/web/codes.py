"""What counts as an internal code in a zh page's visible text, for the page tests and the browser walk.

Visible text is the page without its <head>, scripts, styles, attributes and closed <details> folds (where
auditors' field names and codes are meant to be). A code is an UPPER_SNAKE or snake_case name, a policy
parameter path (schemes.EMPLOYEE…), or one of the bare status / type / role words the store and the
enums use (SETTLED, OPEN, INPATIENT, reviewer…).
"""

from __future__ import annotations

import html as htmllib
import re

WORDS = ("SETTLED", "OPEN", "DRAFT", "ACTIVE", "REVOKED", "PAID", "CLOSED", "EMPLOYEE", "RESIDENT", "INPATIENT",
         "OUTPATIENT", "SUBMITTED", "APPROVED", "REJECTED", "RETURNED", "CANCELLED", "SUPERSEDED", "LAPSED",
         "WAITING", "TEMPORARY", "LOCAL", "UNFILED", "DISCHARGED", "UPHELD", "RETIRED", "REFERRAL", "EMERGENCY",
         "PENDING", "CONFIRMED", "WITHDRAWN",
         "person", "hospital", "agency", "clearing", "reviewer", "payer", "administrator")
PATTERN = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b(?:schemes|policy|cross_region)\.[\w.]+"
                     r"|\b(?:" + "|".join(WORDS) + r")\b")
_DROP = re.compile(r"<head\b.*?</head>|<script\b.*?</script>|<style\b.*?</style>|<details\b.*?</details>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def visible_text(page: str) -> str:
    """The text a reader sees on the page as served (folds closed)."""
    return htmllib.unescape(_TAG.sub(" ", _DROP.sub(" ", page)))


def internal_codes(text: str) -> list[str]:
    return PATTERN.findall(text)
