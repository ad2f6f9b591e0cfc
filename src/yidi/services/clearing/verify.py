"""核对到分: recheck a stored month — every line against its settlements, every level against the others.

The sums behind the lines come from a second, independent path (the month's items joined to their
settlements, summed by the store's own database), so a run whose totals differ from the sum of its
settlements by one fen fails and stores nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from yidi.domain.clearing import PAIR_AMOUNTS, Month
from yidi.services.clearing.common import month_of, not_run
from yidi.services.context import Context
from yidi.store.uow import UnitOfWork


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    ok: bool
    checks: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [asdict(c) for c in self.checks]}


def verify(ctx: Context, month: str) -> Verification:
    """Recheck a stored month: every line against its settlements, every level against the others."""
    m = month_of(month)
    with ctx.uow() as uow:
        if uow.clearing_runs.get(str(m)) is None:
            raise not_run(str(m))
        return verify_month(uow, m, None)


def verify_month(uow: UnitOfWork, m: Month, results: Mapping[str, Sequence[tuple[Any, ...]]] | None) -> Verification:
    """The checks of month `m` as stored in `uow`; with the engine's `results` when it was just run."""
    month = str(m)
    checks: list[Check] = []
    stored = uow.clearing_lines.month_rows(month)
    pairs = stored["pairs"]

    # 1. pair lines = sum of their settlements, to the fen, for every amount column (store SQL path)
    from_items = uow.clearing_settlements.recomputed_pairs(month)
    from_lines = {(x["treatment_region"], x["insured_region"]):
                  (x["n_settle"] + x["n_revoke"], *(x[c] for c in PAIR_AMOUNTS)) for x in pairs}
    diff = sorted(k for k in set(from_items) | set(from_lines) if from_items.get(k) != from_lines.get(k))
    checks.append(Check("pair lines = sum of their settlements", not diff,
                        f"{len(from_lines)} lines" if not diff else f"differs for {diff[:5]}"))

    # 2. hospital lines likewise
    h_items = uow.clearing_settlements.recomputed_hospitals(month)
    h_lines = {x["institution"]: (x["n_settle"] + x["n_revoke"], x["owed_fen"]) for x in stored["hospitals"]}
    diff_h = sorted(k for k in set(h_items) | set(h_lines) if h_items.get(k) != h_lines.get(k))
    checks.append(Check("hospital lines = sum of their settlements", not diff_h,
                        f"{len(h_lines)} hospitals" if not diff_h else f"differs for {diff_h[:5]}"))

    # 3. levels agree: hospitals, pairs, provinces, netting, run totals
    total_pairs = sum(x["cleared_fen"] for x in pairs)
    total_hosp = sum(v for _, v in h_lines.values())
    run = uow.clearing_runs.get(month)
    checks.append(Check("hospitals total = pairs total = run total",
                        total_pairs == total_hosp == (run.cleared_fen if run else 0),
                        f"{total_hosp} / {total_pairs} / {run.cleared_fen if run else None} fen"))
    prov: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for x in pairs:
        if x["treatment_province"] != x["insured_province"]:
            prov[x["treatment_province"]][0] += x["cleared_fen"]
            prov[x["insured_province"]][1] += x["cleared_fen"]
        else:
            prov[x["treatment_province"]][2] += x["cleared_fen"]
    stored_prov = {x["province"]: [x["receivable_fen"], x["payable_fen"], x["intra_fen"]] for x in stored["provinces"]}
    nets = [x["net_fen"] for x in stored["provinces"]]
    checks.append(Check("province positions = their pair lines; nets sum to zero",
                        dict(prov) == stored_prov and sum(nets) == 0, f"sum of nets {sum(nets)} fen"))
    gross = sum(x["gross_fen"] for x in stored["netting"])
    cross = sum(v[0] for v in prov.values())
    checks.append(Check("netting table gross = cross-province total", gross == cross, f"{gross} / {cross} fen"))

    # 4. the engine's own figures (when just run) equal what the store now holds
    if results is not None:
        eng_total = int(results["totals"][0][1])
        checks.append(Check("engine total = stored total", eng_total == total_pairs, f"{eng_total} / {total_pairs} fen"))

    # 5. parts add up on every line (information: only false if settlements themselves do not add up)
    parts = all(x["fund_fen"] == x["hifp_fen"] + x["hifob_fen"] + x["cvlserv_fen"] + x["hifmi_fen"] + x["maf_fen"]
                and x["cleared_fen"] == x["fund_fen"] + x["acct_fen"] for x in pairs)
    checks.append(Check("fund = hifp + hifob + cvlserv + hifmi + maf; cleared = fund + account", parts))
    return Verification(all(c.ok for c in checks), checks)
