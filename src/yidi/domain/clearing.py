"""Monthly clearing (清算) rules and values: whose lines a region sees, advance-fund sizing, a month's view.

Pure: no store, no clock. The month's numbers come from the clearing definition (yidi.clearing) run by a
set-based engine; what is decided here is small arithmetic and the one scoping rule every door applies.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from yidi.domain.reference import is_province_code, province_of

DEFAULT_ADVANCE_MONTHS = 2  # 预付金 about two months of payments [docs/rules.md, not verified]
DEFAULT_WARNING_PCT = Decimal("70")  # warning line: 70 % of the advance fund used [docs/rules.md, not verified]

Pair = tuple[str, str]  # (treatment region, insured region)

# Amount fields of the pair and hospital lines (all fen). `cleared` = fund + personal account: what the
# insured region owes the treatment region (cash was paid by the person at the desk).
PAIR_AMOUNTS: tuple[str, ...] = (
    "medfee_fen", "hifp_fen", "hifob_fen", "cvlserv_fen", "hifmi_fen", "maf_fen", "fund_fen", "acct_fen",
    "cash_fen", "cleared_fen", "adjust_fen",
)
HOSPITAL_AMOUNTS: tuple[str, ...] = ("medfee_fen", "fund_fen", "acct_fen", "cash_fen", "owed_fen", "adjust_fen")


# ------------------------------------------------------------------------------------------ the month, the inputs

@dataclass(frozen=True)
class Month:
    """A clearing month (calendar month of the settlement or revocation date)."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        y, _, m = text.strip().partition("-")
        if len(y) != 4 or not y.isdigit() or not m.isdigit() or not 1 <= int(m) <= 12 or len(m) != 2:
            raise ValueError(f"month must be YYYY-MM, got {text!r}")
        return cls(int(y), int(m))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def is_over(self, today: dt.date) -> bool:
        """A month is cleared once it has ended: every settlement and revocation of it is in."""
        return today > self.end

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def prev(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)


# The relations the clearing definition reads (yidi.clearing.definition), column by column with its SQL type:
SETTLEMENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "BIGINT"), ("setl_id", "VARCHAR"), ("institution", "VARCHAR"), ("insured_region", "VARCHAR"),
    ("treatment_region", "VARCHAR"), ("visit_type", "VARCHAR"), ("settlement_date", "DATE"),
    ("revoked_on", "DATE"), ("medfee", "BIGINT"), ("hifp", "BIGINT"), ("hifob", "BIGINT"),
    ("cvlserv", "BIGINT"), ("hifmi", "BIGINT"), ("maf", "BIGINT"), ("fund", "BIGINT"), ("acct", "BIGINT"),
    ("cash", "BIGINT"),
)
CLEARED_COLUMNS: tuple[tuple[str, str], ...] = (("settlement_id", "BIGINT"), ("net", "BIGINT"), ("n", "BIGINT"))
EXCLUDED_COLUMNS: tuple[tuple[str, str], ...] = (("settlement_id", "BIGINT"),)
INPUTS = {"settlements": SETTLEMENT_COLUMNS, "cleared": CLEARED_COLUMNS, "excluded": EXCLUDED_COLUMNS}


# ------------------------------------------------------------------------------------------ scoping

def is_party(region: str, treatment_region: str, insured_region: str) -> bool:
    """An agency's lines: its own region on either side, or for a provincial agency (XX0000) its province."""
    if region in (treatment_region, insured_region):
        return True
    return region.endswith("0000") and region in (province_of(treatment_region), province_of(insured_region))


def may_see(own: str | None, region: str) -> bool:
    """May a caller whose clearing scope is `own` (None: the whole month) narrow the view to `region`?
    Its own region, or a region of its province for a provincial agency."""
    return own is None or region == own or (is_province_code(own) and province_of(region) == own)


def dispute_concerns(region: str, raised_by: str, pairs: Iterable[Pair]) -> bool:
    """A dispute concerns a region when the region raised it or any of its settlements sits on the region's lines."""
    return raised_by == region or any(is_party(region, t, i) for t, i in pairs)


# ------------------------------------------------------------------------------------------ advance funds

@dataclass(frozen=True)
class AdvanceFund:
    holder_province: str
    payer_province: str
    base_year: int
    base_year_fen: int
    months: int
    sized_fen: int
    previous_sized_fen: int | None
    review_delta_fen: int
    used_fen: int
    used_pct: str
    warning_pct: str
    alert: bool
    topup_request_fen: int


def size_advance_funds(base_year: int, netting: Sequence[tuple[Any, ...]], base: Mapping[Pair, int],
                       previous: Mapping[Pair, int], months: int, warning_pct: Decimal) -> list[AdvanceFund]:
    """预付金 per (holder = treatment province, payer = insured province).

    sized = previous year's total / 12 x months, to the fen (half up); used = what the holder paid its
    hospitals this month for the payer's insured (the month's gross line, drawn on the fund until the
    clearing transfer restores it); alert when used >= warning line; the top-up request is what brings
    the use back under the line: ceil(used / warning) - sized. A change of size against the previous
    month's (the yearly review, or the first sizing) is a top-up (>0) or a refund (<0).
    """
    used: dict[Pair, int] = {(payer, payee): int(g) for payer, payee, g, _ in netting}
    out = []
    for payer, holder in sorted(set(base) | set(used), key=lambda k: (k[1], k[0])):
        total = max(base.get((payer, holder), 0), 0)
        sized = (2 * total * months + 12) // 24  # total * months / 12, rounded half up
        u = used.get((payer, holder), 0)
        prev = previous.get((payer, holder))
        if sized > 0:
            pct = (Decimal(u) * 100 / Decimal(sized)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            alert = Decimal(u) * 100 >= warning_pct * sized
        else:
            pct, alert = None, u > 0
        topup = 0
        if alert:
            need = (Decimal(u) * 100 / warning_pct).to_integral_value(ROUND_CEILING)
            topup = max(int(need) - sized, 0)
        out.append(AdvanceFund(holder, payer, base_year, total, months, sized, prev,
                               sized - (prev or 0), u, "" if pct is None else str(pct), str(warning_pct), alert, topup))
    return out


# ------------------------------------------------------------------------------------------ runs

@dataclass
class ClearingRun:
    """清算批次 one month's clearing: OPEN (re-runnable) or CLOSED (frozen), its totals and content hash."""

    month: str
    status: str
    engine: str
    advance_months: int
    warning_pct: str
    candidates: int
    items: int
    cleared_fen: int
    adjust_fen: int
    content_hash: str
    runs: int
    run_at: dt.datetime | None
    run_by: str
    closed_at: dt.datetime | None = None
    closed_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, dt.datetime | dt.date) else v for k, v in asdict(self).items()}


@dataclass
class Dispute:
    """争议 an agency contests settlements of a closed month; UPHELD takes them back in `effective_month`."""

    id: int
    month: str
    region: str
    reason: str
    status: str
    raised_by: str
    raised_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    resolved_by: str | None = None
    resolution: str = ""
    effective_month: str | None = None


# ------------------------------------------------------------------------------------------ a month, read back

@dataclass
class MonthView:
    """Everything a statement or report of one month shows, read from the store."""

    run: dict[str, Any]
    pairs: list[dict[str, Any]]
    hospitals: list[dict[str, Any]]
    provinces: list[dict[str, Any]]
    netting: list[dict[str, Any]]
    advance: list[dict[str, Any]]
    confirmations: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    names: dict[str, str]
    # per dispute ID, the (treatment, insured) lines its settlements sit on: what scopes a dispute (not shown)
    dispute_lines: dict[int, frozenset[Pair]] = field(default_factory=dict, repr=False)

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def for_region(self, region: str) -> MonthView:
        """The agency's own part: its pair lines, (as a treatment region) its hospitals, its confirmation and
        the disputes that concern it."""
        mine = [p for p in self.pairs if is_party(region, p["treatment_region"], p["insured_region"])]
        hosp = [h for h in self.hospitals if is_party(region, h["treatment_region"], h["treatment_region"])]
        return MonthView(self.run, mine, hosp, self.provinces, self.netting, self.advance,
                         [c for c in self.confirmations if c["region"] == region],
                         [d for d in self.disputes if dispute_concerns(
                             region, d["region"], self.dispute_lines.get(d["dispute_id"], ()))],
                         self.names, self.dispute_lines)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["dispute_lines"]
        return out
