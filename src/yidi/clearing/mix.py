"""The synthetic mix of cross-region settlements: visit types, pharmacy purchases and their amounts in fen.

Realistic in shape, not in figures: visit types by share of cross-province settlements (outpatient most
frequent, inpatient largest), fund shares around what national reports quote (about 60 % of inpatient
costs), and purchases at designated pharmacies (定点零售药店) at about the share national figures give them
(Q1 2025: 18.87 of 70.75 million cross-province direct settlements, national statistics). A purchase elsewhere is paid
from the personal account only (the common rule, `pharmacy.pays: account_only`), except a certified 门诊慢特病
bought at a 双通道 pharmacy, which the chronic benefit pays (docs/policy-pack.md `pharmacy`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from yidi.domain.enums import Scheme, VisitType

# (visit type, share of hospital settlements, medfee range in fen)
MIX: tuple[tuple[VisitType, float, tuple[int, int]], ...] = (
    (VisitType.OUTPATIENT, 0.70, (3_000, 80_000)),
    (VisitType.CHRONIC_OUTPATIENT, 0.15, (20_000, 300_000)),
    (VisitType.INPATIENT, 0.15, (300_000, 6_000_000)),
)
PHARMACY_SHARE = 0.27  # purchases at pharmacies among all settlements (18.87 / 70.75 million, rounded)
PURCHASE_FEN = (1_000, 40_000)  # one purchase: 10.00 to 400.00
CHRONIC_PURCHASE_SHARE = 0.10  # purchases of a certified disease's drugs at a 双通道 pharmacy


@dataclass(frozen=True)
class Amounts:
    medfee: int
    hifp: int
    hifob: int
    cvlserv: int
    hifmi: int
    maf: int
    acct: int
    cash: int

    @property
    def fund(self) -> int:
        return self.hifp + self.hifob + self.cvlserv + self.hifmi + self.maf


def amounts(rng: random.Random, vt: VisitType, scheme: Scheme) -> Amounts:
    """One hospital settlement's split in fen: parts add up exactly (medfee = fund + account + cash)."""
    lo, hi = next(r for t, _, r in MIX if t is vt)
    medfee = rng.randint(lo, hi)
    fund_share = rng.randint(40, 85)  # percent of the bill the funds pay
    fund = medfee * fund_share // 100
    hifob = cvlserv = hifmi = maf = 0
    if vt is VisitType.INPATIENT and medfee > 2_000_000:
        top = fund * rng.randint(5, 20) // 100  # the layer above the pooled fund's band
        if scheme is Scheme.EMPLOYEE:
            hifob = top
            cvlserv = fund * rng.randint(0, 5) // 100
        else:
            hifmi = top
    if rng.random() < 0.02:
        maf = fund * rng.randint(1, 10) // 100
    hifp = fund - hifob - cvlserv - hifmi - maf
    personal = medfee - fund
    acct = personal * rng.randint(0, 100) // 100 if scheme is Scheme.EMPLOYEE and vt is not VisitType.INPATIENT else 0
    return Amounts(medfee, hifp, hifob, cvlserv, hifmi, maf, acct, personal - acct)


def purchase(rng: random.Random, scheme: Scheme) -> tuple[VisitType, Amounts]:
    """One pharmacy purchase: outpatient, account only (an employee's account pays it all, a resident has
    none and pays cash); or, for a certified disease at a 双通道 pharmacy, chronic with the fund paying
    60-85 % and the account (employees) the rest."""
    medfee = rng.randint(*PURCHASE_FEN)
    if rng.random() < CHRONIC_PURCHASE_SHARE:
        vt, fund = VisitType.CHRONIC_OUTPATIENT, medfee * rng.randint(60, 85) // 100
    else:
        vt, fund = VisitType.OUTPATIENT, 0
    personal = medfee - fund
    acct = personal if scheme is Scheme.EMPLOYEE else 0
    return vt, Amounts(medfee, fund, 0, 0, 0, 0, acct, personal - acct)


def pick_type(rng: random.Random) -> VisitType:
    """A hospital visit type drawn by the shares of MIX."""
    x, acc = rng.random(), 0.0
    for vt, share, _ in MIX:
        acc += share
        if x < acc:
            return vt
    return MIX[-1][0]


def at_pharmacy(rng: random.Random) -> bool:
    """Whether the next settlement is a purchase at a pharmacy (PHARMACY_SHARE of them)."""
    return rng.random() < PHARMACY_SHARE


def draw(rng: random.Random, scheme: Scheme, pharmacy: bool) -> tuple[VisitType, Amounts]:
    """One settlement's visit type and amounts: a purchase at a pharmacy, or a hospital visit by MIX."""
    if pharmacy:
        return purchase(rng, scheme)
    vt = pick_type(rng)
    return vt, amounts(rng, vt, scheme)
