"""The settlement calculation: bill + person + year accumulators + filing + packs -> Breakdown.

This is the one calculation every part of yidi uses (hospital settlement, manual claims, estimates,
re-adjudication). It is pure: no I/O, no clock; the settlement date comes with the bill.

Modules, in the order of the calculation (docs/rules.md R-3.2):
- `context`: the institution and the insured region's policy in force, and how steps cite clauses;
- `catalogue`: each fee line through the treatment region's catalogue (就医地目录, R-3.1);
- `cross_region`: the cross-region basis, benefits blocked, the pay-first share of a cut (R-2.2–R-2.4);
- `fund`: the deductible and the pooled fund by ratio bands up to the annual cap (R-3.3–R-3.5);
- `payers`: the later layers and the personal account (R-3.6, R-3.7);
- `calculation`: `calculate()`, which runs them in order and adds up.
"""

from __future__ import annotations

from yidi.domain.engine.calculation import calculate

__all__ = ["calculate"]
