"""Policy packs flattened into small dimension tables (plain rows) that the set-based plan joins.

Everything that is a function of a few keys (region, date, scheme, visit type, category, level, filing
type, assistance group) is resolved here in Python, once per distinct key present in the data, with the
same lookups the per-bill engine uses (PackSet.policy_for, pick, catalogue_for, item order). The plan
then only does arithmetic, joins and running sums. Amounts are integer fen; ratios are integers scaled
by RATIO_SCALE (exact: a ratio with more decimals is refused rather than rounded).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from yidi.domain.engine.cross_region import home_rule
from yidi.domain.enums import (
    Category,
    CrossRegionBasis,
    FilingType,
    InstitutionKind,
    ItemClass,
    Level,
    Scheme,
    VisitType,
)
from yidi.domain.error_catalogue import error, problem
from yidi.domain.errors import Problem, YidiError
from yidi.domain.layers import layer_applies, layer_terms
from yidi.domain.money import ZERO
from yidi.domain.packset import PackSet
from yidi.domain.policy import LAYER_FIELD, PolicyVersion, Tier, pick
from yidi.domain.ratios import adjustment
from yidi.domain.scope import basis_of, scope_of

RATIO_DIGITS = 8
RATIO_SCALE = 10**RATIO_DIGITS
# "No bound": larger than any amount in fen a year of bills can reach, small enough that sums of a
# few of them stay inside int64.
INF = 10**15
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(9999, 12, 31)
VISIT_TYPES = [vt.value for vt in VisitType]
LAYER_KINDS = list(LAYER_FIELD)  # fixed order; the plan writes layer pays to LAYER_FIELD[kind]


def fen(amount: Decimal) -> int:
    """Yuan at fen precision to integer fen (exact)."""
    v = amount * 100
    if v != v.to_integral_value():
        raise ValueError(f"amount {amount} is not at fen precision")
    return int(v)


def scaled(ratio: Decimal, what: str) -> int:
    """A ratio as an integer over RATIO_SCALE; refuses one that would need rounding."""
    v = ratio * RATIO_SCALE
    if v != v.to_integral_value():
        raise error("BATCH_RATIO_PRECISION", what=what, ratio=ratio, ratio_digits=RATIO_DIGITS, field=what)
    return int(v)


def settled_basis(insured: str, treatment: str, filing_type: str, version: PolicyVersion) -> tuple[CrossRegionBasis, FilingType | None]:
    """Cross-region basis of a settled bill from the filing (or emergency) that covered it.

    The settlement table records which filing type covered the visit ("" none; EMERGENCY also for
    emergency care treated as filed); yidi.domain.scope decides what that means for the insured region.
    """
    scope = scope_of(insured, treatment, version.cross_region)
    return basis_of(scope, FilingType(filing_type) if filing_type else None)


@dataclass
class Dims:
    """The dimension tables of one PackSet for one data set, as column lists (backend neutral)."""

    versions: dict[str, list[Any]] = field(default_factory=dict)
    benefits: dict[str, list[Any]] = field(default_factory=dict)
    layers: dict[str, list[Any]] = field(default_factory=dict)
    items: dict[str, list[Any]] = field(default_factory=dict)
    n_tiers: int = 1
    n_factors: int = 1
    n_slots: int = 0
    n_layer_bands: int = 1
    cat_regions: list[str] = field(default_factory=list)  # catalogue index -> catalogue region
    codes: list[str] = field(default_factory=list)  # code index -> item code (every catalogue's codes, sorted)
    pools: list[str] = field(default_factory=list)  # pool index -> cap pool name
    version_objs: dict[int, PolicyVersion] = field(default_factory=dict)


def _append(table: dict[str, list[Any]], row: dict[str, Any]) -> None:
    if not table:
        for k in row:
            table[k] = []
    for k, v in row.items():
        table[k].append(v)


def _tier_rows(tiers: list[Tier], eff: Any, k: int, prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(k):
        if i < len(tiers):
            t = tiers[i]
            out[f"{prefix}{i}_lo"] = fen(t.lower)
            out[f"{prefix}{i}_hi"] = INF if t.upper is None else fen(t.upper)
            out[f"{prefix}{i}_r"] = eff(t.ratio)
        else:  # padding band: empty
            out[f"{prefix}{i}_lo"] = INF
            out[f"{prefix}{i}_hi"] = INF
            out[f"{prefix}{i}_r"] = 0
    return out


def build_dims(
    packs: PackSet,
    version_keys: list[tuple[str, dt.date]],
    benefit_keys: list[tuple[str, str, str, str, str, str, str, str, dt.date]],
    layer_keys: list[tuple[int, str, str, str]],
    *,
    item_keys: list[tuple[int, int, int, int]] | None = None,
) -> Dims:
    """Dimension rows for the distinct keys found in the data.

    version_keys: (insured_region, settlement_date); benefit_keys: (insured_region, treatment_region,
    filing_type, scheme, visit_type, category, level, institution kind, settlement_date); layer_keys: (vid, scheme,
    visit_type, assistance_group) with "" for none. Raises YidiError naming every key without a policy.
    """
    d = Dims()
    problems: list[Problem] = []
    vid_of: dict[tuple[str, int], int] = {}
    bounds = epochs(packs)
    d.cat_regions = sorted(packs.catalogues)
    d.codes = all_codes(packs)
    for region, day in version_keys:
        found = packs.policy_for(region, day) if region in packs.regions else None
        if found is None:
            problems.append(problem("POLICY_NOT_IN_FORCE", region=region, day=day))
            continue
        pol, ver = found
        key = (region, pol.versions.index(ver))
        vid = vid_of.setdefault(key, len(vid_of))
        d.version_objs[vid] = ver
        _append(d.versions, {"insured_region": region, "settlement_date": day, "vid": vid, "epoch": epoch_of(bounds, day)})
    if problems:
        raise YidiError.of(problems[:20])
    vid_by_day = dict(zip(zip(d.versions.get("insured_region", []), d.versions.get("settlement_date", []), strict=True),
                          d.versions.get("vid", []), strict=True))

    # sizes of the wide band / factor / slot columns
    for ver in d.version_objs.values():
        for sp in ver.schemes.values():
            d.n_slots = max(d.n_slots, len(sp.layers))
            for b in sp.benefits.values():
                if b.cap_pool not in d.pools:
                    d.pools.append(b.cap_pool)
            for b in sp.benefits.values():
                d.n_factors = max(d.n_factors, len(b.deductible.repeat_factors))
                for grid_row in b.tiers.values():
                    for ts in grid_row.values():
                        d.n_tiers = max(d.n_tiers, len(ts))
            for layer in sp.layers:
                tier_lists = [layer.tiers] + [o.tiers for o in layer.group_overrides.values() if o.tiers]
                d.n_layer_bands = max(d.n_layer_bands, 1 + max(len(t) for t in tier_lists))

    seen: set[tuple[Any, ...]] = set()
    for insured, treatment, ftype, scheme_s, vt_s, cat_s, level_s, kind_s, day in benefit_keys:
        vid = vid_by_day[(insured, day)]
        bkey = (vid, treatment, ftype, scheme_s, vt_s, cat_s, level_s, kind_s)
        if bkey in seen:
            continue
        seen.add(bkey)
        ver = d.version_objs[vid]
        scheme, vt, cat, level = Scheme(scheme_s), VisitType(vt_s), Category(cat_s), Level(level_s)
        spol = ver.schemes.get(scheme)
        ben = spol.benefits.get(vt) if spol else None
        catalogue = packs.catalogue_for(treatment)
        if spol is None or ben is None or catalogue is None:
            problems.append(
                problem("POLICY_NO_SCHEME", "settlement", insured_region=insured, scheme_zh=scheme.zh,
                        scheme=scheme_s) if spol is None
                else problem("POLICY_NO_BENEFIT", "settlement", insured_region=insured, scheme_zh=scheme.zh,
                             scheme=scheme_s, visit_type_zh=vt.zh, visit_type=vt_s) if ben is None
                else problem("CATALOGUE_MISSING", "settlement", region=treatment))
            continue
        rules = ver.rules
        acct_allowed, acct_limit = spol.account.away_rule(insured, treatment)
        basis, ft = settled_basis(insured, treatment, ftype, ver)
        # a long-term filer treated back home (rule 9): the row records the long-term type they hold
        adj = home_rule(ver.cross_region, basis, FilingType(ftype) if ftype else None) \
            or adjustment(ver.cross_region, basis, ft)
        tiers = pick(ben.tiers, cat, level)
        base = pick(ben.deductible.amounts, cat, level)
        assert tiers is not None and base is not None
        rf = ben.deductible.repeat_factors
        row: dict[str, Any] = {
            "vid": vid, "treatment_region": treatment, "filing_type": ftype, "scheme": scheme_s,
            "visit_type": vt_s, "category": cat_s, "level": level_s, "kind": kind_s,
            "cat_idx": d.cat_regions.index(catalogue.region),
            "vt_idx": VISIT_TYPES.index(vt_s),
            "basis": basis.value,
            # a purchase the pack lets only the personal account pay (yidi.domain.engine.pharmacy) gets no benefit
            "no_benefit": not adj.payable or (kind_s == InstitutionKind.PHARMACY.value and vt is VisitType.OUTPATIENT
                                              and ver.pharmacy.pays == "account_only"),
            "xr": scaled(adj.first_selfpay_share, "cross_region.cut") if adj.takes_first_selfpay else 0,
            "ded_annual": ben.deductible.mode == "annual",
            "ded_base": fen(base),
            "n_factors": len(rf),
            "adm_in_scope": ben.deductible.counted_admissions == "in_scope",
            **{f"f{i}": scaled(rf[min(i, len(rf) - 1)], "deductible.repeat_factors") for i in range(d.n_factors)},
            "pool": ben.cap_pool,
            "pool_idx": d.pools.index(ben.cap_pool),
            "cap": fen(spol.caps[ben.cap_pool]),
            "tier_cum": rules.tier_basis == "cumulative",
            "tier_annual": rules.tier_scope == "annual",
            "cap_in_scope": rules.cap_basis == "in_scope_cost",
            "b_rest_full": rules.b_class_rest == "full",
            # rules the set-based plan does not express: its person-years go to the per-bill engine
            "per_bill": bool(rules.item_groups) or bool(ben.selectors)
            or (ftype == FilingType.EMERGENCY.value and ver.filing.emergency_filing_working_days is not None),
            "b_src_insured": rules.b_class_selfpay_source == "insured",
            "b_ratio": scaled(rules.b_class_selfpay_ratio or ZERO, "rules.b_class_selfpay_ratio"),
            "acct_pay_ok": scheme is Scheme.EMPLOYEE and spol.account.may_pay and acct_allowed,
            "acct_cap": INF if acct_limit is None else fen(acct_limit),  # per-bill limit for care away
            "acct_all": spol.account.scope == "all_personal",
            **_tier_rows(tiers, lambda r, a=adj: scaled(a.ratio(r), "tiers.ratio"), d.n_tiers, "t"),
        }
        _append(d.benefits, row)

    for vid, scheme_s, vt_s, group in layer_keys:
        ver = d.version_objs[vid]
        lpol = ver.schemes.get(Scheme(scheme_s))
        row = {"vid": vid, "scheme": scheme_s, "visit_type": vt_s, "assistance_group": group}
        layers = lpol.layers if lpol else []
        for j in range(d.n_slots):
            if j >= len(layers):
                row.update({f"l{j}_on": False, f"l{j}_kind": "", f"l{j}_kidx": 0, f"l{j}_above": False, f"l{j}_cap": INF,
                            **_tier_rows([], None, d.n_layer_bands, f"l{j}b")})
                continue
            layer = layers[j]
            on = layer_applies(layer, VisitType(vt_s), group or None)
            terms = layer_terms(layer, group)
            cap = terms.cap
            as_tiers = [Tier.model_validate({"from": lo, "to": hi, "ratio": r})
                        for lo, hi, r in terms.bands(layer.tier_basis)]
            row.update({
                f"l{j}_on": on, f"l{j}_kind": layer.kind, f"l{j}_kidx": 1 + LAYER_KINDS.index(layer.kind),
                f"l{j}_above": layer.base == "above_cap",
                f"l{j}_cap": INF if cap is None else fen(cap),
                **_tier_rows(as_tiers, lambda r: scaled(r, "layers.tiers.ratio"), d.n_layer_bands, f"l{j}b"),
            })
        _append(d.layers, row)

    if problems:
        uniq = {(p.code, p.message_zh): p for p in problems}
        raise YidiError.of(list(uniq.values())[:20])
    if item_keys is not None:
        d.items = _items(packs, item_keys, d.cat_regions, d.codes)
    return d


def epochs(packs: PackSet) -> list[dt.date]:
    """Days on which some catalogue entry starts or ends: between two of them every item is stable."""
    days = {DATE_MIN}
    for cat in packs.catalogues.values():
        for it in cat.items:
            if it.effective_from:
                days.add(it.effective_from)
            if it.effective_to and it.effective_to < DATE_MAX:
                days.add(it.effective_to + dt.timedelta(days=1))
    return sorted(days)


def epoch_of(bounds: list[dt.date], day: dt.date) -> int:
    return bisect.bisect_right(bounds, day) - 1


def all_codes(packs: PackSet) -> list[str]:
    """Every item code of every catalogue, sorted: a line's code is joined by its index in this list."""
    return sorted({it.code for cat in packs.catalogues.values() for it in cat.items})


def _items(packs: PackSet, keys: list[tuple[int, int, int, int]], cat_regions: list[str], codes: list[str]) -> dict[str, list[Any]]:
    """How a line is classified, once per line rule and code (not per line).

    `keys` are the line rules found in the data: (catalogue index, epoch, visit type index, B-class
    pay-first ratio of the insured region's rules or -1 when the item's own share applies). Row
    `rule index x len(codes) + code index` (a dense table: the plan looks rows up by position) says,
    with the engine's own lookup (PackSet.item on the epoch's first day):
      cap: -1 when the line is not payable (not in force, unknown, class C, or not for the visit type),
           else the price cap in fen (INF without one);
      r:   -1 unless a payable class B item, else the pay-first share scaled by RATIO_SCALE.
    A code not in `codes` is looked up out of range and gets nulls, which the plan reads as not payable.
    """
    bounds = epochs(packs)
    index = {code: i for i, code in enumerate(codes)}
    cap: list[int] = []
    ratio: list[int] = []
    for ci, ep, vti, bsrc in keys:
        cat = packs.catalogues[cat_regions[ci]]
        vt = VisitType(VISIT_TYPES[vti])
        cap_r, r_r = [-1] * len(codes), [-1] * len(codes)
        for code in sorted({it.code for it in cat.items}):
            it = packs.item(cat, code, bounds[ep])
            if it is None or it.item_class is ItemClass.C or (it.visit_types is not None and vt not in it.visit_types):
                continue  # not payable
            i = index[code]
            cap_r[i] = INF if it.price_cap is None else fen(it.price_cap)
            if it.item_class is ItemClass.B:
                prop = it.selfpay_ratio if it.selfpay_ratio is not None else cat.b_class_selfpay_ratio
                r_r[i] = bsrc if bsrc >= 0 else scaled(prop, f"catalogue {code}.selfpay_ratio")
        cap.extend(cap_r)
        ratio.extend(r_r)
    table = {"cap": cap, "r": ratio}
    return table
