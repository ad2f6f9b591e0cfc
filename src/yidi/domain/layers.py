"""Which later layer applies to a bill and on which terms (threshold, bands, annual cap), group overrides
included — one reading for the per-bill engine and the batch engine (docs/rules.md R-3.6).

A layer applies to the visit types it lists (all when none) and to the assistance groups it lists
(everyone of the scheme when none). A person's assistance group may override the layer's threshold, its
tiers and its annual cap (`no_cap` removes the cap), as the critical-illness rules do for 低保/特困 people.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.enums import VisitType
from yidi.domain.money import ZERO
from yidi.domain.policy import Layer, Tier


@dataclass(frozen=True, slots=True)
class LayerTerms:
    """A layer's terms for one person: the group's override applied."""

    threshold: Decimal
    tiers: list[Tier]
    cap: Decimal | None  # None: no annual cap
    overridden: bool  # the person's assistance group changed them

    def bands(self, tier_basis: str) -> list[tuple[Decimal, Decimal | None, Decimal]]:
        """(lower, upper, ratio) on the layer's base axis: nothing below the threshold, then the tiers —
        counted from the threshold (`above_threshold`) or on the cumulative base (`cumulative`)."""
        t0 = self.threshold
        out: list[tuple[Decimal, Decimal | None, Decimal]] = [(ZERO, t0, ZERO)] if t0 > 0 else []
        for t in self.tiers:
            if tier_basis == "above_threshold":
                out.append((t.lower + t0, None if t.upper is None else t.upper + t0, t.ratio))
            elif t.upper is None or t.upper > t0:
                out.append((max(t.lower, t0), t.upper, t.ratio))
        return out


def layer_applies(layer: Layer, visit_type: VisitType, group: str | None) -> bool:
    """Whether the layer pays for this visit type and this assistance group (None: no group)."""
    if layer.visit_types is not None and visit_type not in layer.visit_types:
        return False
    return layer.eligible_groups is None or group in layer.eligible_groups


def layer_terms(layer: Layer, group: str | None) -> LayerTerms:
    """The layer's threshold, tiers and cap for a person of `group` (None or "" for no group)."""
    threshold, tiers, cap = layer.threshold, layer.tiers, layer.annual_cap
    ov = layer.group_overrides.get(group) if group else None
    if ov is not None:
        threshold = ov.threshold if ov.threshold is not None else threshold
        tiers = ov.tiers if ov.tiers is not None else tiers
        cap = None if ov.no_cap else (ov.annual_cap if ov.annual_cap is not None else cap)
    return LayerTerms(threshold, tiers, cap, ov is not None)
