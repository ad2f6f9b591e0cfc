"""中途结算 (mid-stay settlement of a long stay): a part is the stay so far, settled as one, minus the parts before.

The rule (docs/settlement.md, "Mid-stay settlement"; the platform's own wording not seen [C]): a stay settled in
parts is still one admission — one deductible, one count among the year's admissions, the annual caps and the
tier bands read across its parts. So each part is computed as the whole stay so far (every active line, the
earlier parts' lines too) on the year's accumulators as they would stand without this stay's earlier parts
(and on the account balance without what they took), and the part is that minus what the earlier parts paid.
The parts of a stay therefore add up to exactly what one settlement of all its lines would have given, when
nothing else for the person settled in between. Parts of another calendar year are not combined: each year's
accumulators are that year's, and lines settled in an earlier year stay with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from yidi.domain import ledger
from yidi.domain.amounts import AMOUNT_FIELDS
from yidi.domain.bill import YearAccumulators
from yidi.domain.breakdown import Breakdown, Step
from yidi.domain.error_catalogue import error
from yidi.domain.money import ZERO

# amounts of a part: the stay's so far minus the earlier parts'; the account balance is the one after, as is
PART_FIELDS = tuple(f for f in AMOUNT_FIELDS if f != "balc")


def without_earlier(held: YearAccumulators, earlier: Sequence[tuple[YearAccumulators, YearAccumulators]]) -> YearAccumulators:
    """The year's accumulators as they would stand had the earlier parts ((before, after) each) not settled."""
    out = held
    for before, after in earlier:
        out = ledger.accumulate(out, before, after, -1)
    return out


def part_of(whole: Breakdown, earlier: Sequence[Mapping[str, Decimal]], part_lines: set[str], part: int) -> Breakdown:
    """This part of the stay: `whole` (the stay so far, settled as one) minus the `earlier` parts' amounts;
    its lines are the ones not settled before (`part_lines`). A part that would give money back (the person
    withdrew the account's use after an earlier part used it, say) is refused: revoke the earlier part instead."""
    if not earlier:
        return whole
    amounts = {f: getattr(whole, f) - sum((e[f] for e in earlier), ZERO) for f in PART_FIELDS}
    negative = [f for f, v in amounts.items() if v < ZERO]
    if negative:
        raise error("MID_SETTLE_NEGATIVE", fields=negative, part=part)
    settled = {f: sum((e[f] for e in earlier), ZERO) for f in ("medfee_sumamt", "act_pay_dedc", "fund_pay_sumamt")}
    step = Step(
        "MID_STAY",
        f"中途结算第 {part} 段：以上按本次住院至今的全部费用合并计算（起付线只计一次，年度限额跨段累计），"
        f"减去前 {len(earlier)} 段已结算的金额（医疗费 {settled['medfee_sumamt']}、起付线 {settled['act_pay_dedc']}、"
        f"基金 {settled['fund_pay_sumamt']}），得本段金额",
        f"mid-stay part {part}: the stay so far is computed as one (one deductible, the annual caps across the "
        f"parts), minus the {len(earlier)} earlier part(s) (fees {settled['medfee_sumamt']}, deductible "
        f"{settled['act_pay_dedc']}, funds {settled['fund_pay_sumamt']}): this part's amounts",
        inputs={f"stay_{f}": getattr(whole, f) for f in ("medfee_sumamt", "act_pay_dedc", "fund_pay_sumamt")},
        outputs={f: amounts[f] for f in ("medfee_sumamt", "act_pay_dedc", "fund_pay_sumamt", "psn_part_amt")})
    # the bands show how the whole stay's fund payment was reached, not this part's: left out of a later part
    return replace(whole, **amounts, lines=[ln for ln in whole.lines if ln.line_id in part_lines], bands=[],
                   steps=[*whole.steps, step])
