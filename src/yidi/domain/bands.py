"""Walking an amount through a table of ratio bands, with an optional cap on what may be paid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from yidi.domain.money import ZERO, round_fen

# A band on the position axis: [lower, upper) paid at ratio; upper None is open-ended.
BandSpec = tuple[Decimal, Decimal | None, Decimal, Decimal]  # lower, upper, effective ratio, policy ratio


@dataclass(slots=True)
class Segment:
    lower: Decimal
    upper: Decimal | None
    ratio: Decimal
    policy_ratio: Decimal
    cost: Decimal
    pay: Decimal


@dataclass(slots=True)
class Walk:
    segments: list[Segment]
    pay: Decimal
    covered: Decimal  # cost inside the cap
    beyond: Decimal  # cost past the point where the pay cap was reached
    capped: bool


def walk(bands: list[BandSpec], start: Decimal, amount: Decimal, room: Decimal | None) -> Walk:
    """Pay `amount` that occupies positions [start, start + amount) band by band.

    Each band's payment is rounded to the fen (a stated rounding point). With `room` (what the payer
    may still pay this year), payment stops exactly at the room: the band where it runs out pays the
    room, and the cost it covers there is room / ratio rounded to the fen; the rest is `beyond`.
    """
    end = start + amount
    segs: list[Segment] = []
    paid = ZERO
    covered = ZERO
    if amount <= 0:
        return Walk(segs, ZERO, ZERO, ZERO, False)
    if room is not None and room < 0:
        room = ZERO
    for lower, upper, ratio, policy_ratio in bands:
        lo = lower if lower > start else start
        hi = end if upper is None or upper > end else upper
        if hi <= lo:
            continue
        cost = hi - lo
        pay = round_fen(cost * ratio)
        if room is not None and pay > room - paid:
            left = room - paid
            part = min(cost, round_fen(left / ratio))
            segs.append(Segment(lo, hi, ratio, policy_ratio, part, left))
            covered += part
            return Walk(segs, room, covered, amount - covered, True)
        segs.append(Segment(lo, hi, ratio, policy_ratio, cost, pay))
        paid += pay
        covered += cost
    return Walk(segs, paid, covered, amount - covered, False)
