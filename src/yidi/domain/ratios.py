"""The cross-region ratio adjustment: how care away changes the pooled fund's ratio (one reading for all).

docs/rules.md R-2.2–R-2.4: a long-term filer's ratio is multiplied by the region's long-term factor (1 =
home ratio), or has the region's long-term points taken off it; a temporary filer's or unfiled person's ratio is cut by the region's points for that case,
in the region's cut mode:
- `subtract`: the points come off the ratio (90 % - 10 points = 80 %, never below 0);
- `multiply`: the ratio is multiplied by (1 - points/100) (90 % x 0.9 = 81 %);
- `first_selfpay`: the person first pays that share of the in-scope amount, and the rest gets the
  ordinary ratio (Jiangxi: 10 % / 20 %).
Unfiled care the region does not pay (`unfiled_payable: false`) gets nothing from the fund.

The engine, the batch engine and the advisor all take the adjustment from `adjustment()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.enums import CrossRegionBasis, FilingType
from yidi.domain.money import HUNDRED, ONE, ZERO
from yidi.domain.policy import CrossRegion


@dataclass(frozen=True, slots=True)
class RatioAdjustment:
    """What the insured region's cross-region rules do to the ratio of one basis (and filing type)."""

    basis: CrossRegionBasis
    filing_type: FilingType | None
    cut: Decimal  # points cut for this case (0 when none); taken first or off the ratio per `mode`
    mode: str  # subtract / multiply / first_selfpay
    long_term_factor: Decimal
    long_term_cut: Decimal  # points off a long-term filer's ratio (instead of the factor)
    payable: bool  # False: unfiled care the region does not pay at all

    @property
    def takes_first_selfpay(self) -> bool:
        """The cut is taken as a share of the in-scope amount the person pays first."""
        return bool(self.cut) and self.mode == "first_selfpay"

    @property
    def first_selfpay_share(self) -> Decimal:
        """The share of the in-scope amount paid first (0 unless the cut is taken that way)."""
        return self.cut / HUNDRED if self.takes_first_selfpay else ZERO

    @property
    def parameter(self) -> str:
        """The policy-pack parameter the cut comes from (for citations)."""
        if self.basis is CrossRegionBasis.TEMPORARY and self.filing_type is not None:
            return f"cross_region.cut.{self.filing_type.value}"
        if self.basis is CrossRegionBasis.LONG_TERM:
            return "cross_region.long_term_cut" if self.long_term_cut else "cross_region.long_term_ratio_factor"
        return "cross_region.unfiled_cut"

    @property
    def cuts_ratio(self) -> bool:
        """The adjustment changes the bands' ratios (a long-term factor other than 1, or a cut off the ratio)."""
        if self.basis is CrossRegionBasis.LONG_TERM:
            return self.long_term_factor != ONE or bool(self.long_term_cut)
        return bool(self.cut) and self.mode in ("subtract", "multiply")

    @property
    def applied(self) -> tuple[str, ...]:
        """The pack parameters a ratio changed by this adjustment applies, beside the tier's own cell."""
        if not self.cuts_ratio:
            return ()
        if self.basis is CrossRegionBasis.LONG_TERM:
            return (self.parameter,)
        return (self.parameter, "cross_region.cut_mode")

    def ratio(self, r: Decimal) -> Decimal:
        """The ratio the fund applies away for a home ratio `r` (a first self-pay share leaves it as is)."""
        if self.basis is CrossRegionBasis.LONG_TERM:
            if self.long_term_cut:
                return max(ZERO, r - self.long_term_cut / HUNDRED)
            return r * self.long_term_factor
        if not self.cut:
            return r
        if self.mode == "subtract":
            return max(ZERO, r - self.cut / HUNDRED)
        if self.mode == "multiply":
            return r * (ONE - self.cut / HUNDRED)
        return r

    def stated(self, r: Decimal) -> tuple[Decimal, Decimal]:
        """(ratio, first self-pay share) as a person is told them: nothing when the care is not paid."""
        if not self.payable:
            return ZERO, ZERO
        return self.ratio(r), self.first_selfpay_share


def adjustment(cross_region: CrossRegion, basis: CrossRegionBasis, filing_type: FilingType | None) -> RatioAdjustment:
    """The adjustment of the insured region's `cross_region` rules for a basis and its filing type."""
    cut = ZERO
    if basis is CrossRegionBasis.TEMPORARY:
        cut = cross_region.cut_for(filing_type)
    elif basis is CrossRegionBasis.UNFILED:
        cut = cross_region.cut_for(None)
    return RatioAdjustment(
        basis=basis,
        filing_type=filing_type,
        cut=cut,
        mode=cross_region.cut_mode,
        long_term_factor=cross_region.long_term_ratio_factor,
        long_term_cut=cross_region.long_term_cut,
        payable=basis is not CrossRegionBasis.UNFILED or cross_region.unfiled_payable,
    )
