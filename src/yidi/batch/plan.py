"""The set-based re-adjudication plan: every settlement of a table through a policy pack at once.

It is the twin of yidi.domain.engine.calculate, step for step (docs/rules.md R-3.2), in integer fen:
 1. lines through the treatment catalogue (classified once per line rule and code in a dense table read
    by position), summed per settlement;
 2. cross-region basis, cut and pay-first share (resolved per key in dims.py);
 3. deductible: per admission from the running count of admissions, or annual from a running
    deductible total;
 4. pooled fund by bands from a start position that is a running sum (tier_scope annual), up to the
    annual cap from the running fund total (or running cost shared, cap_basis in_scope_cost);
 5. later layers in order, each with its running base and its running paid total against its cap;
 6. personal account and cash (no family member's account: a settlement table names no payer).
Not expressed by the settlement table, so read as written by both twins: a 门诊慢特病 bill's disease (its
per-disease terms, issue 16 rule 7, need a `chronic_disease` column the table does not have yet) and a
long-term filing's end date (a row's filing type is taken to cover its bill).

How year accumulators become set-based. Every accumulator that caps something follows
    x_i = x_{i-1} + min(max(0, b_i - x_{i-1}), c_i)          (x_0 = 0, c_i >= 0, b_i >= 0)
with b the cap (deductible, fund cap, layer cap) and c what the bill would add uncapped. While b does
not decrease along a person's year (the usual case: one cap for the year), this is the running sum
clipped at the cap, with the exact closed form
    x_i = C_i + min(0, min_{j<=i}(b_j - C_j)),   C = running sum of c,
i.e. a running sum and a running minimum: window functions. Where b does decrease within a partition
(an annual deductible that depends on the hospital level, a person moving between assistance groups)
no fixed-size closed form exists; those partitions (flagged set-based) are folded in a plain Python loop
over just their rows, then patched back. A person-year whose settlements fall under two policy versions
(a policy change in mid-year may switch rule variants between bills) is calculated by the per-bill
engine itself, chained in settlement order; so is a person-year with a bill under a version whose rules
the plan does not express (rules.item_groups: per-group pay-first shares and rests; a benefit's
selectors by age, category or group; an emergency read with a post-hoc filing deadline; dims `per_bill`).

Rounding is the one rule of money.round_fen: half up to the fen where a ratio multiplies an amount,
done exactly in integers (ratios are scaled by dims.RATIO_SCALE).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from yidi.batch.backend import Backend
from yidi.batch.dims import INF, LAYER_KINDS, RATIO_SCALE, VISIT_TYPES, Dims, build_dims
from yidi.batch.rows import AMOUNTS
from yidi.domain.packset import PackSet
from yidi.domain.policy import LAYER_FIELD

ORDER = ["person", "insured_region", "scheme", "settlement_date", "sid"]
PY = ["person", "insured_region", "scheme", "year"]  # whose year accumulators
# `kind`: HOSPITAL or PHARMACY, of the settlement's institution (a purchase at a pharmacy may use the account only)
BENEFIT_KEYS = ["vid", "treatment_region", "filing_type", "scheme", "visit_type", "category", "level", "kind"]
LAYER_KEYS = ["vid", "scheme", "visit_type", "assistance_group"]
LINE_SUMS = ["value", "l_ful", "l_over", "l_pre", "l_in", "l_bin"]
# the settlement columns carried past the line stage (with the line sums and `keep`); everything else
# the plan reads comes from the dimension tables, joined back by one integer key after the sort
CARRY = ["sid", "person", "insured_region", "scheme", "year", "settlement_date", "account_balance", "use_account",
         "vid", "bid", "lid"]
INPATIENT = VISIT_TYPES.index("INPATIENT")
# Columns a caller may want beside the amounts: the accumulators before each bill (to re-run the
# per-bill engine on one settlement and explain it) and how the row was computed.
BEFORE = ["adm_before", "ded_before", "ins_before", "elig_before", "cs_before", "fund_before"]


@dataclass
class PlanStats:
    """How many rows took which path (reported by simulate and the benchmark)."""

    settlements: int = 0
    folded_rows: int = 0  # rows of partitions whose cap decreases: Python fold
    per_bill_rows: int = 0  # rows of person-years spanning two policy versions, or under per-bill rules: per-bill engine
    folds: dict[str, int] = field(default_factory=dict)


def rmul(k: Backend, a: Any, r: Any) -> Any:
    """round_fen(a x r) for a >= 0 in fen and r scaled by RATIO_SCALE: half up, exactly."""
    return k.fdiv(a * r * 2 + RATIO_SCALE, 2 * RATIO_SCALE)


def rdiv(k: Backend, a: Any, r: Any) -> Any:
    """round_fen(a / r) for a >= 0 in fen, r > 0 scaled by RATIO_SCALE (a cap reached inside a band)."""
    return k.fdiv(a * (2 * RATIO_SCALE) + r, k.greatest(r * 2, k.lit(1)))


def walk(k: Backend, bands: list[tuple[Any, Any, Any]], start: Any, amount: Any, room: Any = None) -> tuple[Any, Any]:
    """bands.walk in columns: pay and covered cost of [start, start + amount) with an optional room."""
    end = start + amount
    costs, pays = [], []
    for lo, hi, _r in bands:
        costs.append(k.greatest(k.least(hi, end) - k.greatest(lo, start), k.lit(0)))
    for (_lo, _hi, r), cost in zip(bands, costs, strict=True):
        pays.append(rmul(k, cost, r))
    if room is None:
        total = pays[0]
        for p in pays[1:]:
            total = total + p
        cov = costs[0]
        for cst in costs[1:]:
            cov = cov + cst
        return total, cov
    # Payment stops exactly at the room: the first band whose running pay passes it pays what is
    # left, and covers left / ratio of cost (rounded); later bands cover nothing.
    cum: Any = k.lit(0)
    covered: Any = k.lit(0)
    capped: Any = k.lit(False)
    for (_lo, _hi, r), cost, pay in zip(bands, costs, pays, strict=True):
        nxt = cum + pay
        hit = ~capped & (nxt > room)
        covered = covered + k.when(capped, k.lit(0), k.when(hit, k.least(cost, rdiv(k, room - cum, r)), cost))
        capped = capped | hit
        cum = nxt
    return k.least(cum, room), covered


def _fold(rows: list[tuple[Any, ...]]) -> list[tuple[Any, int]]:
    """The clamped running total the slow way: rows are (key, *partition, b, c) in settlement order."""
    out: list[tuple[Any, int]] = []
    for _part, grp in groupby(rows, key=lambda r: r[1:-2]):
        x = 0
        for r in grp:
            b, c = int(r[-2]), int(r[-1])
            out.append((r[0], x))
            x += min(max(0, b - x), c)
    return out


class Plan:
    """Re-adjudicate a settlement table under one PackSet on a backend."""

    def __init__(self, backend: Backend, packs: PackSet) -> None:
        self.k = backend
        self.packs = packs
        self.stats = PlanStats()
        self.dims: Dims | None = None
        self.py: list[str] = PY  # the person-year partition (one id column on Polars)

    # -- the clamped running total (see the module docstring) --------------------------------------
    def clamped(self, df: Any, part: list[str], b: str, c: str, out: str, label: str) -> Any:
        k = self.k
        cc = k.cum_sum(k.c(c), part)
        df = k.with_columns(df, {"__C": cc})
        df = k.with_columns(df, {"__after": k.c("__C") + k.least(k.cum_min(k.c(b) - k.c("__C"), part), k.lit(0)),
                                 "__drop": k.c(b) < k.lag(k.c(b), part, k.c(b))})
        df = k.with_columns(df, {out: k.lag(k.c("__after"), part, k.lit(0)),
                                 "__bad": k.any_over(k.c("__drop"), part)})
        df = k.checkpoint(df)
        n = k.count(df, k.c("__bad"))
        if n:
            rows = k.rows(df, k.c("__bad"), ["sid", *part, "settlement_date", b, c])
            rows.sort(key=lambda r: (*[str(v) for v in r[1:1 + len(part)]], r[1 + len(part)], r[0]))
            fixed = _fold([(r[0], *r[1:1 + len(part)], r[-2], r[-1]) for r in rows])
            df = k.patch(df, "sid", [out], fixed)
            self.stats.folded_rows += n
            self.stats.folds[label] = self.stats.folds.get(label, 0) + n
        return df

    # -- the plan -------------------------------------------------------------------------------
    def run(self, settlements: Any, *, keep: list[str] | None = None) -> Any:
        """Amount columns (integer fen, named as Breakdown.AMOUNT_FIELDS) per settlement, plus `keep`."""
        k, c, lit = self.k, self.k.c, self.k.lit
        self.source = settlements
        df, lines = k.split_lines(settlements)
        self.stats.settlements = k.count(df, k.lit(True))
        df = k.with_columns(df, {
            "year": k.year(c("settlement_date")),
            "filing_type": k.when(k.is_null(c("filing_type")), lit(""), c("filing_type")),
            "assistance_group": k.when(k.is_null(c("assistance_group")), lit(""), c("assistance_group")),
        })
        # resolve versions first, so the other keys are distinct per version (not per day)
        vkeys = k.distinct(df, ["insured_region", "settlement_date"])
        vdims = build_dims(self.packs, vkeys, [], [])
        df = k.checkpoint(k.join(df, k.table(vdims.versions), ["insured_region", "settlement_date"]))
        first_day = {vid: day for vid, day in zip(vdims.versions["vid"], vdims.versions["settlement_date"], strict=True)}
        region_of = {vid: r for vid, r in zip(vdims.versions["vid"], vdims.versions["insured_region"], strict=True)}
        # the institution's kind, from the pack (an institution the pack does not know is taken as a hospital)
        insts = sorted(self.packs.institutions.items())
        df = k.join(df, k.table({"institution": [code for code, _ in insts], "kind": [i.kind.value for _, i in insts]}),
                    ["institution"])
        df = k.with_columns(df, {"kind": k.when(k.is_null(c("kind")), lit("HOSPITAL"), c("kind"))})
        bkeys = [(region_of[v], t, f, s, vt, cat, lv, kd, first_day[v])
                 for v, t, f, s, vt, cat, lv, kd in k.distinct(df, BENEFIT_KEYS)]
        groups = sorted(k.distinct(df, LAYER_KEYS)) if vdims.n_slots else []
        dims = build_dims(self.packs, vkeys, bkeys, groups)
        assert dims.versions == vdims.versions
        # each settlement gets one integer per dimension table (its row: bid, lid); the wide tables are
        # joined on those after the line stage and the sort, so they are never carried through either
        dims.benefits["bid"] = list(range(len(dims.benefits["vid"])))
        df = k.join(df, k.table({key: dims.benefits[key] for key in [*BENEFIT_KEYS, "bid"]}), BENEFIT_KEYS)
        if dims.n_slots:
            dims.layers["lid"] = list(range(len(dims.layers["vid"])))
            df = k.join(df, k.table({key: dims.layers[key] for key in [*LAYER_KEYS, "lid"]}), LAYER_KEYS)
        else:
            df = k.with_columns(df, {"lid": lit(0)})
        # the line rule: catalogue, epoch, visit type, and the B-class pay-first share when the insured
        # region's rules fix it (-1: the item's own); lines are classified once per rule and code
        df = k.lookup(df, "bid", {key: dims.benefits[key] for key in ["cat_idx", "vt_idx", "b_src_insured", "b_ratio"]})
        df = k.with_columns(df, {"bsrc": k.when(c("b_src_insured"), c("b_ratio"), lit(-1))})
        df = k.checkpoint(df)
        rules = sorted(k.distinct(df, ["cat_idx", "epoch", "vt_idx", "bsrc"]))
        dims.items = build_dims(self.packs, vkeys, [], [], item_keys=rules).items
        df = k.join(df, k.table({"cat_idx": [r[0] for r in rules], "epoch": [r[1] for r in rules], "vt_idx": [r[2] for r in rules],
                                 "bsrc": [r[3] for r in rules], "rule": list(range(len(rules)))}),
                    ["cat_idx", "epoch", "vt_idx", "bsrc"])
        self.dims = dims

        df = self._lines(df, lines, dims)
        carry = [*CARRY, *LINE_SUMS, *[x for x in (keep or []) if x in self._input_columns(settlements)]]
        df = k.prepare(k.select(df, list(dict.fromkeys(carry))), ORDER)
        # the person-year partition (one id column on Polars), then the dimension columns by key
        df, self.py = k.part_key(df, PY, "py")
        df = k.lookup(df, "bid", {key: v for key, v in dims.benefits.items() if key not in [*BENEFIT_KEYS, "bid"]})
        if dims.n_slots:
            df = k.lookup(df, "lid", {key: v for key, v in dims.layers.items() if key not in [*LAYER_KEYS, "lid"]})
        df = k.checkpoint(df)
        df, self.pvt = k.part_key(df, [*self.py, "vt_idx"], "pvt")
        df, self.pp = k.part_key(df, [*self.py, "pool_idx"], "pp")
        self.lp = []
        for j in range(dims.n_slots):
            df, lp = k.part_key(df, [*self.py, f"l{j}_kidx"], f"lp{j}")
            self.lp.append(lp)
        df = k.with_columns(df, {"medfee_sumamt": c("value"), "fulamt_ownpay_amt": c("l_ful"), "overlmt_selfpay": c("l_over"),
                                 "preselfpay_amt": c("l_pre"), "inscp_scp_amt": c("l_in"),
                                 "l_full": k.when(c("b_rest_full"), c("l_bin"), lit(0))})
        df = self._deductible(df, dims)
        df = self._fund(df, dims)
        df = self._layers(df, dims)
        df = self._account(df)
        df = self._per_bill_fallback(df)
        cols = ["sid", *AMOUNTS, *(keep or [])]
        return k.checkpoint(k.select(df, cols))

    @staticmethod
    def _input_columns(settlements: Any) -> list[str]:
        return list(settlements.columns)

    def _lines(self, df: Any, lines: Any, dims: Dims) -> Any:
        k, c, lit = self.k, self.k.c, self.k.lit
        ln = k.explode_lines(df, lines, ["rule"])
        # the line's class by position in the dense items table (rule x code); a code not found
        # (unknown, or not in force) is fully self-funded like a class C item
        n_codes = max(len(dims.codes), 1)
        ln = k.code_ids(ln, dims.codes, "code_id")
        ln = k.with_columns(ln, {"ikey": k.when(c("code_id") < 0, lit(-1), c("rule") * n_codes + c("code_id"))})
        ln = k.lookup(ln, "ikey", dims.items)
        ln = k.with_columns(ln, {
            "value": k.fdiv(c("qty_e4") * c("price") * 2 + 10_000, lit(20_000)),
            "ok": ~k.is_null(c("cap")) & (c("cap") >= 0),
        })
        ln = k.with_columns(ln, {
            "l_ful": k.when(c("ok"), lit(0), c("value")),
            "l_over": k.when(c("ok") & (c("price") > c("cap")),
                             c("value") - k.fdiv(c("qty_e4") * c("cap") * 2 + 10_000, lit(20_000)), lit(0)),
            "b": c("ok") & (c("r") >= 0),
        })
        ln = k.with_columns(ln, {"l_base": k.when(c("ok"), c("value") - c("l_over"), lit(0))})
        ln = k.with_columns(ln, {"l_pre": k.when(c("b"), rmul(k, c("l_base"), c("r")), lit(0))})
        ln = k.with_columns(ln, {"l_in": c("l_base") - c("l_pre")})
        # the B-class rest (what l_full is when the rules fund it in full) is chosen per settlement
        ln = k.with_columns(ln, {"l_bin": k.when(c("b"), c("l_in"), lit(0))})
        return k.line_sums(df, lines, ln, LINE_SUMS)

    def _deductible(self, df: Any, dims: Dims) -> Any:
        k, c, lit = self.k, self.k.c, self.k.lit
        # no benefits: nothing is co-insured; a first_selfpay cut takes its share of the in-scope amount
        df = k.with_columns(df, {
            "co0": k.when(c("no_benefit"), lit(0), c("l_in") - c("l_full")),
            "fu0": k.when(c("no_benefit"), lit(0), c("l_full")),
        })
        df = k.with_columns(df, {"cross_region_selfpay_amt": k.when(c("xr") > 0, rmul(k, c("co0") + c("fu0"), c("xr")), lit(0))})
        df = k.with_columns(df, {"take_c": k.least(c("cross_region_selfpay_amt"), c("co0"))})
        df = k.with_columns(df, {
            "coins": c("co0") - c("take_c"),
            "fullp": c("fu0") - (c("cross_region_selfpay_amt") - c("take_c")),
            "inp": k.to_int(c("vt_idx") == INPATIENT),
        })
        # an admission without benefit is not counted (it must not lower the next one's deductible),
        # nor, where the pack counts in-scope admissions only, one without in-scope cost
        df = k.with_columns(df, {"adm": k.when(c("no_benefit") | (c("adm_in_scope") & (c("l_in") <= 0)), lit(0), c("inp"))})
        df = k.with_columns(df, {"adm_before": k.cum_sum(c("adm"), self.py) - c("adm")})
        n = k.when(c("inp") > 0, c("adm_before") + 1, lit(1))
        idx = k.least(n, c("n_factors")) - 1
        factor: Any = c(f"f{dims.n_factors - 1}")
        for i in reversed(range(dims.n_factors - 1)):
            factor = k.when(idx == i, c(f"f{i}"), factor)
        df = k.with_columns(df, {"ded_pa": k.least(rmul(k, c("ded_base"), factor), c("coins"))})
        df = k.with_columns(df, {
            "ded_b": k.when(c("ded_annual"), c("ded_base"), lit(INF)),
            "ded_c": k.when(c("ded_annual"), c("coins"), c("ded_pa")),
        })
        df = self.clamped(df, self.pvt, "ded_b", "ded_c", "ded_before", "deductible")
        return k.with_columns(df, {
            "act_pay_dedc": k.when(c("ded_annual"),
                                   k.least(k.greatest(c("ded_base") - c("ded_before"), lit(0)), c("coins")), c("ded_pa")),
        })

    def _fund(self, df: Any, dims: Dims) -> Any:
        k, c, lit = self.k, self.k.c, self.k.lit
        pp = self.pp
        df = k.with_columns(df, {"elig": c("coins") - c("act_pay_dedc")})
        df = k.with_columns(df, {
            "ins_before": k.cum_sum(c("coins"), pp) - c("coins"),
            "elig_before": k.cum_sum(c("elig"), pp) - c("elig"),
        })
        df = k.with_columns(df, {
            "start": k.when(c("tier_annual"),
                            k.when(c("tier_cum"), c("ins_before") + c("act_pay_dedc"), c("elig_before")),
                            k.when(c("tier_cum"), c("act_pay_dedc"), lit(0))),
        })
        bands = [(c(f"t{i}_lo"), c(f"t{i}_hi"), c(f"t{i}_r")) for i in range(dims.n_tiers)]
        t_all, _ = walk(k, bands, c("start"), c("elig"))
        df = k.with_columns(df, {"t_all": t_all})
        df = k.with_columns(df, {"cap_c": k.when(c("cap_in_scope"), c("fullp") + c("elig"), c("fullp") + c("t_all"))})
        df = self.clamped(df, pp, "cap", "cap_c", "cap_before", "fund cap")
        df = k.with_columns(df, {"room": k.greatest(c("cap") - c("cap_before"), lit(0))})
        df = k.with_columns(df, {"full_paid": k.least(c("fullp"), c("room"))})
        df = k.with_columns(df, {"room2": c("room") - c("full_paid")})
        df = k.with_columns(df, {"shared": k.least(c("elig"), c("room2"))})
        pay_fp, cov_fp = walk(k, bands, c("start"), c("elig"), c("room2"))
        pay_is, _ = walk(k, bands, c("start"), c("shared"))
        df = k.with_columns(df, {
            "w_pay": k.when(c("cap_in_scope"), pay_is, pay_fp),
            "w_cov": k.when(c("cap_in_scope"), c("shared"), cov_fp),
        })
        df = k.with_columns(df, {
            "hifp_pay": c("w_pay") + c("full_paid"),
            "above_cap_amt": (c("elig") - c("w_cov")) + (c("fullp") - c("full_paid")),
            # what the fund would pay without the cap (t_all: the walk with no room) less what it pays
            "above_cap_fund_amt": c("fullp") + c("t_all") - c("w_pay") - c("full_paid"),
            "shared_cost": c("w_cov") + c("full_paid"),
        })
        return k.with_columns(df, {
            "fund_before": k.cum_sum(c("hifp_pay"), pp) - c("hifp_pay"),
            "cs_before": k.cum_sum(c("shared_cost"), pp) - c("shared_cost"),
        })

    def _layers(self, df: Any, dims: Dims) -> Any:
        k, c, lit = self.k, self.k.c, self.k.lit
        df = k.with_columns(df, {
            "personal": c("inscp_scp_amt") - c("hifp_pay"),
            "above_left": c("above_cap_amt"),
            **{LAYER_FIELD[kind]: lit(0) for kind in LAYER_KINDS},
        })
        for j in range(dims.n_slots):
            lp = self.lp[j]
            df = k.with_columns(df, {"lb_amt": k.when(c(f"l{j}_on") & ~c("no_benefit"),
                                                      k.greatest(k.when(c(f"l{j}_above"), c("above_left"), c("personal")), lit(0)),
                                                      lit(0))})
            df = k.with_columns(df, {f"lb{j}_before": k.cum_sum(c("lb_amt"), lp) - c("lb_amt")})
            bands = [(c(f"l{j}b{i}_lo"), c(f"l{j}b{i}_hi"), c(f"l{j}b{i}_r")) for i in range(dims.n_layer_bands)]
            t_all, _ = walk(k, bands, c(f"lb{j}_before"), c("lb_amt"))
            df = k.with_columns(df, {"lt": t_all})
            df = self.clamped(df, lp, f"l{j}_cap", "lt", f"lp{j}_before", f"layer {j}")
            df = k.with_columns(df, {"lpay": k.least(c("lt"), k.greatest(c(f"l{j}_cap") - c(f"lp{j}_before"), lit(0)))})
            df = k.with_columns(df, {
                **{LAYER_FIELD[kind]: c(LAYER_FIELD[kind]) + k.when(c(f"l{j}_kidx") == 1 + i, c("lpay"), lit(0))
                   for i, kind in enumerate(LAYER_KINDS)},
                "personal": c("personal") - c("lpay"),
                "above_left": k.when(c("lpay") > 0,
                                     k.least(k.when(c(f"l{j}_above"), c("above_left") - c("lpay"), c("above_left")),
                                             c("personal") - c("lpay")),
                                     c("above_left")),
            })
        return df

    def _account(self, df: Any) -> Any:
        k, c, lit = self.k, self.k.c, self.k.lit
        df = k.with_columns(df, {
            "fund_pay_sumamt": c("hifp_pay") + c("hifob_pay") + c("cvlserv_pay") + c("hifmi_pay") + c("maf_pay"),
        })
        df = k.with_columns(df, {"psn_part_amt": c("medfee_sumamt") - c("fund_pay_sumamt")})
        scope = k.when(c("acct_all"), c("psn_part_amt"), k.least(c("personal"), c("psn_part_amt")))
        df = k.with_columns(df, {"acct_pay": k.when(c("acct_pay_ok") & c("use_account"),
                                                    k.least(k.least(c("account_balance"), k.greatest(scope, lit(0))),
                                                            c("acct_cap")), lit(0))})
        return k.with_columns(df, {
            # a settlement table names no family member who pays (家庭共济): re-adjudication leaves it out
            "acct_mulaid_pay": lit(0) * c("acct_pay"),
            "psn_cash_pay": c("psn_part_amt") - c("acct_pay"),
            "balc": c("account_balance") - c("acct_pay"),
        })

    def _per_bill_fallback(self, df: Any) -> Any:
        """Person-years under two policy versions, or with a bill under rules only the per-bill engine
        expresses (per_bill): chain the per-bill engine over them (exact by definition)."""
        k, c = self.k, self.k.c
        df = k.with_columns(df, {"__mixed": k.any_over((c("vid") != k.lag(c("vid"), self.py, c("vid"))) | c("per_bill"),
                                                       self.py)})
        df = k.checkpoint(df)
        n = k.count(df, c("__mixed"))
        if not n:
            return df
        from yidi.batch.rows import run_per_bill

        cols = ["sid", "person", "scheme", "category", "insured_region", "treatment_region", "institution", "level",
                "visit_type", "admission_date", "settlement_date", "filing_type", "assistance_group",
                "account_balance", "use_account", "lines"]
        sids = [r[0] for r in k.rows(df, c("__mixed"), ["sid"])]
        rows = [dict(zip(cols, r, strict=True)) for r in k.rows_by_key(self.source, "sid", sids, cols)]
        res = run_per_bill(rows, self.packs)
        self.stats.per_bill_rows += n
        return k.patch(df, "sid", list(AMOUNTS), [(sid, *[a[f] for f in AMOUNTS]) for sid, a in res.items()])
