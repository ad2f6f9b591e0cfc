"""The personal account's setting in a pack (个人账户): whether and which part of the share it pays, away too."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from yidi.domain.reference import province_of
from yidi.domain.sources import Source
from yidi.domain.validation import Strict, Yuan


class Account(Strict):
    """Whether the personal account (个人账户, employees) may pay the person's share, which part, and away."""

    may_pay: bool = False
    scope: Literal["all_personal", "in_scope"] = "all_personal"
    # care outside the insured region: the account pays as at home, only within the province, or not at all;
    # and at most away_limit per bill (None: no limit)
    away: Literal["allowed", "in_province", "forbidden"] = "allowed"
    away_limit: Yuan | None = None
    # family mutual aid (家庭共济): the account may also pay the share of a family member insured in the same
    # region who confirmed the link (yidi.domain.engine.mutual_aid); off unless the region's pack says so
    mutual_aid: bool = False
    source: Source | None = None

    def away_rule(self, insured_region: str, treatment_region: str) -> tuple[bool, Decimal | None]:
        """(may the account pay, per-bill limit) for care in `treatment_region`."""
        if treatment_region == insured_region:
            return True, None
        same_province = province_of(treatment_region) == province_of(insured_region)
        allowed = self.away == "allowed" or (self.away == "in_province" and same_province)
        return allowed, self.away_limit

    def payable(self, insured_region: str, treatment_region: str, share: Decimal, in_scope_share: Decimal) -> Decimal:
        """What an account under this setting may pay of a bill: the person's share (`all_personal`) or its
        in-scope part, where it may pay for care there, within the per-bill limit away; 0 where it may not."""
        allowed, limit = self.away_rule(insured_region, treatment_region)
        if not allowed:
            return Decimal(0)
        amt = self.share_payable(share, in_scope_share)
        return max(Decimal(0), amt if limit is None else min(amt, limit))

    def share_payable(self, share: Decimal, in_scope_share: Decimal) -> Decimal:
        """The part of the person's share this account's `scope` covers (before any limit away)."""
        return share if self.scope == "all_personal" else min(in_scope_share, share)
