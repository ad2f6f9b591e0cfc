"""Synthetic settlements for a year, reproducible by seed: people, their visits in order, fee lines.

Made from whatever pack it is given (the shipped sample by default): insured regions are the pack's
policies, hospitals its institutions, items its treatment catalogues. Vectorised with numpy so a
million settlements of 20 lines take seconds; written as one Parquet file whose `lines` column is a
list of structs (rows.SETTLEMENT_COLUMNS).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

from yidi.batch.dims import fen
from yidi.domain.enums import FilingType, InstitutionKind, Scheme, VisitType
from yidi.domain.ids import check_character
from yidi.domain.packset import PackSet
from yidi.domain.reference import province_of

GROUPS = ["特困", "低保", "低保边缘", "返贫致贫"]
PHARMACY_SHARE = 0.25  # of outpatient rows: purchases at pharmacies (about the national share in the published statistics)
FILING_TYPES = [ft.value for ft in FilingType]
LONG_TERM_TYPES = [ft.value for ft in FilingType if ft.long_term]


def _citizen_ids(rng: np.random.Generator, regions: np.ndarray, n: int) -> list[str]:
    births = np.datetime64("1940-01-01") + rng.integers(0, 365 * 65, n).astype("timedelta64[D]")
    seq = rng.integers(0, 1000, n)
    out = []
    for i in range(n):
        d = str(births[i]).replace("-", "")
        first17 = f"{regions[i]}{d}{seq[i]:03d}"
        out.append(first17 + check_character(first17))
    return out


def generate(
    packs: PackSet,
    *,
    settlements: int,
    seed: int = 0,
    year: int = 2026,
    lines_per_settlement: int | None = None,
    bills_per_person: float = 5.0,
    unknown_code_share: float = 0.01,
    from_day: dt.date | None = None,
    to_day: dt.date | None = None,
    pharmacy_share: float = PHARMACY_SHARE,
) -> pl.DataFrame:
    """A settlement table (rows.SETTLEMENT_COLUMNS) of about `settlements` rows for `year`.

    lines_per_settlement: a fixed count (benchmark) or None for 1..30 (inpatient bills longer).
    pharmacy_share: of the outpatient and chronic rows, how many are purchases at a pharmacy of the
    treatment region (a chronic purchase at a 双通道 one only); drawn after everything else, so the other
    columns are the same for a seed whatever the share.
    """
    rng = np.random.default_rng(seed)
    first = from_day or dt.date(year, 1, 1)
    last = to_day or dt.date(year, 12, 31)
    insured = sorted(r for r in packs.policies if r in packs.regions)
    # visit types with a benefit under each (insured region, scheme), from the version in force mid-period
    mid = first + (last - first) / 2
    offer: dict[tuple[str, str], list[str]] = {}
    for r in insured:
        found = packs.policy_for(r, mid) or packs.policy_for(r, first)
        if found is None:
            continue
        for s, sp in found[1].schemes.items():
            offer[(r, s.value)] = [vt.value for vt in VisitType if vt in sp.benefits]
    insured = sorted({r for r, _ in offer})
    if not insured:
        raise ValueError("the pack has no policy in force in the period")
    regions = sorted({i.region for i in packs.institutions.values() if packs.catalogue_for(i.region)})
    # hospital visits at hospitals; purchases at pharmacies are drawn last (pharmacy_share of outpatient rows)
    insts_by_region = {r: sorted((i for i in packs.institutions.values()
                                  if i.region == r and i.kind is InstitutionKind.HOSPITAL), key=lambda i: i.code)
                       for r in regions}
    regions = [r for r in regions if insts_by_region[r]]

    n_people = max(1, int(settlements / bills_per_person))
    p_region = rng.integers(0, len(insured), n_people)
    p_scheme = np.where(rng.random(n_people) < 0.6, "EMPLOYEE", "RESIDENT")
    for i in range(n_people):  # a scheme the region offers
        if (insured[p_region[i]], p_scheme[i]) not in offer:
            p_scheme[i] = "RESIDENT" if p_scheme[i] == "EMPLOYEE" else "EMPLOYEE"
    p_cat = np.where(rng.random(n_people) < 0.3, "RETIRED", "ACTIVE")
    p_group = np.where(rng.random(n_people) < 0.06, rng.choice(GROUPS, n_people), None)  # type: ignore[call-overload]
    p_ids = _citizen_ids(rng, np.array([insured[i] for i in p_region]), n_people)
    # where a person is treated: home, or one other region they are filed for (or not)
    p_away = rng.integers(0, len(regions), n_people)
    p_filing = rng.choice(np.array([*FILING_TYPES, "", ""], dtype=object), n_people)

    # settlements per person: at least one, about bills_per_person on average, in date order
    counts = 1 + rng.poisson(max(bills_per_person - 1, 0.01), n_people)
    scale = settlements / counts.sum()
    counts = np.maximum(1, np.round(counts * scale)).astype(int)
    person = np.repeat(np.arange(n_people), counts)
    n = len(person)
    span = (last - first).days + 1
    day_off = rng.integers(0, span, n)
    order = np.lexsort((day_off, person))
    person, day_off = person[order], day_off[order]

    reg = np.array([insured[i] for i in p_region[person]], dtype=object)
    scheme = p_scheme[person]
    away = rng.random(n) < 0.45
    treat = np.where(away, np.array(regions, dtype=object)[p_away[person]], reg)
    treat = np.array([t if t in insts_by_region else r for t, r in zip(treat, reg, strict=True)], dtype=object)
    # treated at home, a person keeps the long-term filing they hold elsewhere (rule 9, long_term_at_home)
    held = np.isin(p_filing[person], LONG_TERM_TYPES)
    filing = np.where(away | held, p_filing[person], "")
    filing = np.where(away & (rng.random(n) < 0.05), "EMERGENCY", filing)
    vt = np.empty(n, dtype=object)
    u = rng.random(n)
    for i in range(n):
        vts = offer[(reg[i], scheme[i])]
        if u[i] < 0.18 and "INPATIENT" in vts:
            vt[i] = "INPATIENT"
        elif u[i] < 0.33 and "CHRONIC_OUTPATIENT" in vts:
            vt[i] = "CHRONIC_OUTPATIENT"
        elif "OUTPATIENT" in vts:
            vt[i] = "OUTPATIENT"
        else:
            vt[i] = vts[0]
    inst_pick = rng.random(n)
    inst = np.empty(n, dtype=object)
    level = np.empty(n, dtype=object)
    for i in range(n):
        cands = insts_by_region[treat[i]]
        it = cands[int(inst_pick[i] * len(cands))]
        inst[i], level[i] = it.code, it.level.value
    settle = np.array([first + dt.timedelta(days=int(d)) for d in day_off], dtype=object)
    stay = np.where(vt == "INPATIENT", rng.integers(2, 15, n), 0)
    admit = np.array([max(first, s - dt.timedelta(days=int(k))) for s, k in zip(settle, stay, strict=True)], dtype=object)
    is_emp = scheme == Scheme.EMPLOYEE.value
    balance = np.where(is_emp, rng.integers(0, 800_000, n), 0)

    # fee lines: codes from the treatment region's catalogue, a few unknown codes
    if lines_per_settlement is None:
        nl = np.where(vt == "INPATIENT", rng.integers(8, 31, n), rng.integers(1, 9, n))
    else:
        nl = np.full(n, lines_per_settlement)
    cat_codes: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}
    for r in regions:
        cat = packs.catalogue_for(r)
        assert cat is not None
        if cat.region not in cat_codes:
            items = {it.code: it for it in cat.items}  # a dated code appears once (its last entry)
            codes = sorted(items)
            caps = np.array([fen(cap) if (cap := items[c].price_cap) is not None else 0 for c in codes])
            dear = np.array([items[c].kind.value == "MATERIAL" for c in codes])
            cat_codes[cat.region] = (codes, caps, dear)
    total = int(nl.sum())
    line_owner = np.repeat(np.arange(n), nl)
    lu = rng.random(total)
    code = np.empty(total, dtype=object)
    price = np.empty(total, dtype=np.int64)
    base_price = np.exp(rng.normal(3.5, 1.3, total)).astype(np.int64) * 100 + rng.integers(0, 100, total)
    above = rng.random(total) < 0.2
    cat_of = {r: (packs.catalogue_for(r).region) for r in regions}  # type: ignore[union-attr]
    treat_l = treat[line_owner]
    for r in regions:
        mask = treat_l == r
        if not mask.any():
            continue
        codes, caps, dear = cat_codes[cat_of[r]]
        idx = (lu[mask] * len(codes)).astype(int)
        code[mask] = np.array(codes, dtype=object)[idx]
        cap = caps[idx]
        bp = base_price[mask]
        bp = np.where(dear[idx], bp * 20, bp)
        # priced at the cap, or above it (over-cap part), where the item has one
        price[mask] = np.where(cap > 0, np.where(above[mask], cap + cap // 5 + 1, np.maximum(1, cap - bp % np.maximum(1, cap))), bp)
    unknown = rng.random(total) < unknown_code_share
    code[unknown] = "UNKNOWN-" + rng.integers(0, 50, int(unknown.sum())).astype(str).astype(object)
    qty = np.where(rng.random(total) < 0.9, rng.integers(1, 6, total) * 10_000, rng.integers(1, 40_000, total))
    price = np.maximum(price, 1)

    use_account = rng.random(n) < 0.85
    inst, level = _purchases(packs, rng.random(n), pharmacy_share, treat, inst, level, vt)

    offsets = np.concatenate([[0], np.cumsum(nl)]).astype(np.int32)
    lines = pa.ListArray.from_arrays(pa.array(offsets), pa.StructArray.from_arrays(
        [pa.array(code.tolist(), pa.string()), pa.array(qty, pa.int64()), pa.array(price, pa.int64())],
        names=["code", "qty_e4", "price"]))
    table = pa.table({
        "sid": pa.array(np.arange(1, n + 1, dtype=np.int64)),
        "person": pa.array([p_ids[i] for i in person], pa.string()),
        "scheme": pa.array(scheme.tolist(), pa.string()),
        "category": pa.array(p_cat[person].tolist(), pa.string()),
        "insured_region": pa.array(reg.tolist(), pa.string()),
        "treatment_region": pa.array(treat.tolist(), pa.string()),
        "institution": pa.array(inst.tolist(), pa.string()),
        "level": pa.array(level.tolist(), pa.string()),
        "visit_type": pa.array(vt.tolist(), pa.string()),
        "admission_date": pa.array(admit.tolist(), pa.date32()),
        "settlement_date": pa.array(settle.tolist(), pa.date32()),
        "filing_type": pa.array([f or None for f in filing.tolist()], pa.string()),
        "assistance_group": pa.array(p_group[person].tolist(), pa.string()),
        "account_balance": pa.array(balance, pa.int64()),
        "use_account": pa.array(use_account.tolist(), pa.bool_()),
        "lines": lines,
    })
    df = pl.from_arrow(table)
    assert isinstance(df, pl.DataFrame)
    # intra-province treatment of a region whose policy treats it as local is not cross-region
    return df.with_columns(
        pl.when(pl.col("treatment_region").str.slice(0, 2) == pl.col("insured_region").str.slice(0, 2))
        .then(pl.when((pl.col("treatment_region") == pl.col("insured_region"))
                      & ~pl.col("filing_type").is_in(LONG_TERM_TYPES)).then(None).otherwise(pl.col("filing_type")))
        .otherwise(pl.col("filing_type")).alias("filing_type"))


def _purchases(packs: PackSet, u: np.ndarray, share: float, treat: np.ndarray, inst: np.ndarray, level: np.ndarray,
               vt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move `share` of the outpatient and chronic rows to a pharmacy networked for them in the treatment region."""
    shops: dict[tuple[str, str], list[Any]] = {}
    for i in sorted(packs.institutions.values(), key=lambda i: i.code):
        for v in (VisitType.OUTPATIENT, VisitType.CHRONIC_OUTPATIENT):
            if i.kind is InstitutionKind.PHARMACY and i.networked_for(v) and (
                    v is VisitType.OUTPATIENT or i.dual_channel):
                shops.setdefault((i.region, v.value), []).append(i)
    inst, level = inst.copy(), level.copy()
    for row in np.flatnonzero(u < share):
        cands = shops.get((treat[row], vt[row]))
        if cands:
            it = cands[int(u[row] / share * len(cands)) % len(cands)]
            inst[row], level[row] = it.code, it.level.value
    return inst, level


def write(df: pl.DataFrame, path: Path) -> Path:
    """Write the settlement table as Parquet (zstd)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(path, compression="zstd")
    return path


def read(path: Path) -> pl.DataFrame:
    return pl.read_parquet(path)


__all__ = ["generate", "province_of", "read", "write"]
