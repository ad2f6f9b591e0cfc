"""Synthetic settlement months (示例数据) for tests, the demo and the benchmark: seeded, reproducible.

Two shapes:
- `seed_store` writes persons, visits and settlements into the store (yidi.store.repositories.synthetic: in the shape
  the settlement service writes them, marked synthetic, audited), so `yidi clearing run` can be tried on a
  demo database; their setl_id starts with "SYN".
- `arrow_month` / `write_parquet_month` build the clearing input directly (no store), for the engine
  test and the 10-million-row benchmark (DuckDB generates those in SQL, far faster than Python).

The mix (yidi.clearing.mix) is realistic in shape, not in figures: hospital visit types and pharmacy
purchases by share of cross-province settlements, fund shares around what national reports quote, a few per
cent revoked, some of them in the following month. Purchases are settled at pharmacies (institution codes
"P…"), so the month's clearing has pharmacy lines of its own.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import Engine

from yidi.clearing.definition import Month
from yidi.clearing.engines import schema
from yidi.clearing.mix import at_pharmacy, draw
from yidi.domain.enums import InstitutionKind, Scheme, VisitType
from yidi.domain.ids import check_character
from yidi.store.repositories.synthetic import SyntheticRows, SyntheticSettlement, audited


@dataclass(frozen=True)
class SeedSummary:
    months: tuple[str, ...]
    settlements: int
    revoked: int
    skipped_months: tuple[str, ...]


def _citizen_id(region: str, rng: random.Random) -> str:
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 60 * 365))
    first17 = f"{region}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + check_character(first17)


def seed_store(engine: Engine, months: Sequence[Month], per_month: int, *, seed: int = 7,
               revoke_rate: float = 0.03, persons_per_region: int = 20) -> SeedSummary:
    """Write `per_month` synthetic cross-region settlements for each month into the store.

    Needs the reference data (regions, institutions) loaded. A month already seeded with this seed is
    skipped, so seeding twice changes nothing. Dates fall inside the month; a revoked settlement is
    revoked 0-20 days later (sometimes in the next month, which is what clearing must handle).
    """
    done: list[str] = []
    skipped: list[str] = []
    total = revoked = 0
    with audited(engine) as rows:
        regions = rows.region_codes()
        # hospital visits at hospitals (their types include inpatient care), purchases at pharmacies
        insts, shops = rows.institutions(InstitutionKind.HOSPITAL), rows.institutions(InstitutionKind.PHARMACY)
        if len(regions) < 2 or not insts:
            raise ValueError("load the reference data first (regions and institutions): yidi demo load")
        persons = _synthetic_persons(rows, regions, persons_per_region, seed)
        for m in months:
            prefix = f"SYN{seed:02d}{m.year:04d}{m.month:02d}"
            if rows.settlements_starting(prefix):
                skipped.append(str(m))
                continue
            rng = random.Random(f"{seed}:{m}")
            setls: list[SyntheticSettlement] = []
            for n in range(per_month):
                at_shop = bool(shops) and at_pharmacy(rng)
                pool = shops if at_shop else insts
                inst, treat = pool[rng.randrange(len(pool))]
                insured = rng.choice([r for r in regions if r != treat])
                pid, scheme = persons[insured][rng.randrange(len(persons[insured]))]
                day = m.start + dt.timedelta(days=rng.randrange((m.end - m.start).days + 1))
                vt, a = draw(rng, scheme, at_shop)
                revoked_on = day + dt.timedelta(days=rng.randint(0, 20)) if rng.random() < revoke_rate else None
                revoked += revoked_on is not None
                setls.append(SyntheticSettlement(
                    f"{prefix}{n:07d}", pid, inst, insured, treat, vt, scheme, day, revoked_on, hifp=a.hifp,
                    hifob=a.hifob, cvlserv=a.cvlserv, hifmi=a.hifmi, maf=a.maf, acct=a.acct, cash=a.cash))
            rows.add(setls)
            total += per_month
            done.append(str(m))
    return SeedSummary(tuple(done), total, revoked, tuple(skipped))


def _synthetic_persons(rows: SyntheticRows, regions: list[str], per_region: int,
                       seed: int) -> dict[str, list[tuple[int, Scheme]]]:
    """A pool of synthetic insured persons per region (created once, found again by their ID numbers)."""
    rng = random.Random(f"persons:{seed}")
    out: dict[str, list[tuple[int, Scheme]]] = {}
    for region in regions:
        wanted = [(_citizen_id(region, rng), Scheme.EMPLOYEE if rng.random() < 0.6 else Scheme.RESIDENT)
                  for _ in range(per_region)]
        # a repeated ID number (birthday and sequence) is one person
        out[region] = rows.persons(region, list(dict(wanted).items()))
    return out


def revoke(engine: Engine, setl_id: str, on: dt.date) -> None:
    """Revoke a (synthetic) settlement as the settlement service would leave it: status, date, time.

    For tests and the demo only: a real revocation goes through yidi.services.settlement.revoke, which
    also restores the person's accumulators and posts the reversing ledger entries.
    """
    with audited(engine) as rows:
        n = rows.revoke(setl_id, on)
    if n != 1:
        raise ValueError(f"no live settlement {setl_id}")


def arrow_month(m: Month, count: int, *, seed: int = 7, regions: Sequence[str] | None = None,
                institutions_per_region: int = 40, revoke_rate: float = 0.03, first_id: int = 1) -> pa.Table:
    """A month of synthetic settlements as the clearing input relation (no store involved)."""
    rng = random.Random(f"arrow:{seed}:{m}")
    regs = list(regions or DEFAULT_REGIONS)
    rows: list[dict[str, Any]] = []
    days = (m.end - m.start).days + 1
    for i in range(count):
        treat = regs[rng.randrange(len(regs))]
        insured = regs[rng.randrange(len(regs))]
        if insured == treat:
            insured = regs[(regs.index(treat) + 1) % len(regs)]
        shop = at_pharmacy(rng)
        scheme = Scheme.EMPLOYEE if rng.random() < 0.6 else Scheme.RESIDENT
        vt, a = draw(rng, scheme, shop)
        day = m.start + dt.timedelta(days=rng.randrange(days))
        rows.append({
            "id": first_id + i, "setl_id": f"A{seed:02d}{m.year}{m.month:02d}{i:08d}",
            "institution": f"{'P' if shop else 'H'}{treat}{rng.randrange(institutions_per_region):04d}",
            "insured_region": insured, "treatment_region": treat, "visit_type": vt.value,
            "settlement_date": day,
            "revoked_on": day + dt.timedelta(days=rng.randint(0, 20)) if rng.random() < revoke_rate else None,
            "medfee": a.medfee, "hifp": a.hifp, "hifob": a.hifob, "cvlserv": a.cvlserv, "hifmi": a.hifmi,
            "maf": a.maf, "fund": a.fund, "acct": a.acct, "cash": a.cash,
        })
    return pa.Table.from_pylist(rows, schema=schema("settlements"))


# Sample regions plus a spread of other provincial capitals' pools, so national netting has some width.
DEFAULT_REGIONS: tuple[str, ...] = (
    "110100", "310100", "360100", "369900", "440100", "440300", "510100", "120100", "130100", "320100",
    "330100", "340100", "350100", "370100", "410100", "420100", "430100", "500100", "530100", "610100",
)


def write_parquet_month(m: Month, count: int, folder: Path, *, seed: int = 7, revoke_rate: float = 0.03,
                        regions: Sequence[str] = DEFAULT_REGIONS, institutions_per_region: int = 400) -> Path:
    """`count` synthetic settlements of month `m` as `<folder>/settlements.parquet` (plus empty
    `cleared` / `excluded`), generated by DuckDB in SQL: 10 million rows take seconds, not minutes.

    Same shape and split rules as `amounts` (integer fen, parts add up), drawn from a seeded hash of
    the row number instead of Python's random, so the file is reproducible for a seed and DuckDB version.
    """
    import duckdb

    from yidi.clearing.engines import empty_inputs, write_parquet

    folder.mkdir(parents=True, exist_ok=True)
    write_parquet({k: v for k, v in empty_inputs().items()}, folder)  # empty cleared / excluded
    regs = "[" + ", ".join(f"'{r}'" for r in regions) + "]"
    days = (m.end - m.start).days + 1
    con = duckdb.connect()
    try:
        con.execute(f"""
COPY (
WITH r AS (
  SELECT i,
         hash(i, {seed}, 1) AS h1, hash(i, {seed}, 2) AS h2, hash(i, {seed}, 3) AS h3,
         hash(i, {seed}, 4) AS h4, hash(i, {seed}, 5) AS h5
  FROM range({count}) t(i)
), p AS (
  SELECT i, h1, h2, h3, h4, h5,
         CAST(h1 % {len(regions)} AS INTEGER) AS ti,
         CAST(h2 % {len(regions) - 1} AS INTEGER) AS io,
         CAST(h3 % 100 AS INTEGER) AS vt_pick,
         CAST(h4 % 100 AS INTEGER) AS share_pick,
         CAST(h5 % 1000 AS INTEGER) AS rv
  FROM r
), q AS (
  SELECT i, h1, h2, h3, h4, h5, rv,
         {regs}[ti + 1] AS treatment_region,
         {regs}[((ti + 1 + io) % {len(regions)}) + 1] AS insured_region,
         CASE WHEN vt_pick < 70 THEN 'OUTPATIENT' WHEN vt_pick < 85 THEN 'CHRONIC_OUTPATIENT' ELSE 'INPATIENT' END AS visit_type,
         40 + share_pick % 46 AS fund_share,
         share_pick < 60 AS employee
  FROM p
), a AS (
  SELECT *,
         CASE visit_type WHEN 'OUTPATIENT' THEN 3000 + CAST((h3 >> 8) % 77001 AS BIGINT)
                         WHEN 'CHRONIC_OUTPATIENT' THEN 20000 + CAST((h3 >> 8) % 280001 AS BIGINT)
                         ELSE 300000 + CAST((h3 >> 8) % 5700001 AS BIGINT) END AS medfee
  FROM q
), b AS (
  SELECT *, medfee * fund_share // 100 AS fund,
         CASE WHEN visit_type = 'INPATIENT' AND medfee > 2000000 THEN CAST(5 + (h4 >> 8) % 16 AS BIGINT) ELSE 0 END AS top_pct
  FROM a
), c AS (
  SELECT *,
         CASE WHEN employee THEN fund * top_pct // 100 ELSE 0 END AS hifob,
         CASE WHEN NOT employee THEN fund * top_pct // 100 ELSE 0 END AS hifmi,
         CASE WHEN (h5 >> 12) % 50 = 0 THEN fund * CAST(1 + (h5 >> 16) % 10 AS BIGINT) // 100 ELSE 0 END AS maf,
         CASE WHEN employee AND visit_type <> 'INPATIENT' THEN (medfee - fund) * CAST((h2 >> 8) % 101 AS BIGINT) // 100 ELSE 0 END AS acct
  FROM b
)
SELECT CAST(i + 1 AS BIGINT) AS id,
       'B{m.year}{m.month:02d}' || lpad(CAST(i AS VARCHAR), 9, '0') AS setl_id,
       'H' || treatment_region || lpad(CAST((h1 >> 20) % {institutions_per_region} AS VARCHAR), 4, '0') AS institution,
       insured_region, treatment_region, visit_type,
       DATE '{m.start.isoformat()}' + CAST((h2 >> 20) % {days} AS INTEGER) AS settlement_date,
       CASE WHEN rv < {int(revoke_rate * 1000)}
            THEN DATE '{m.start.isoformat()}' + CAST((h2 >> 20) % {days} AS INTEGER) + CAST((h5 >> 24) % 21 AS INTEGER)
       END AS revoked_on,
       medfee, fund - hifob - hifmi - maf AS hifp, hifob, CAST(0 AS BIGINT) AS cvlserv, hifmi, maf, fund,
       acct, medfee - fund - acct AS cash
FROM c
) TO '{folder / "settlements.parquet"}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)""")
    finally:
        con.close()
    return folder


def put_settlement(engine: Engine, setl_id: str, institution: str, insured_region: str, day: dt.date, *,
                   hifp: int, hifob: int = 0, cvlserv: int = 0, hifmi: int = 0, maf: int = 0, acct: int = 0,
                   cash: int = 0, revoked_on: dt.date | None = None,
                   visit_type: VisitType = VisitType.INPATIENT, mulaid: int = 0) -> int:
    """One hand-made settlement (amounts in fen) for worked examples; returns its id. `mulaid`: what a family
    member's account paid (家庭共济; the synthetic person stands in as that member)."""
    with audited(engine) as rows:
        treat = rows.region_of(institution)
        pid, scheme = _synthetic_persons(rows, [insured_region], 1, 0)[insured_region][0]
        return rows.add([SyntheticSettlement(setl_id, pid, institution, insured_region, treat, visit_type, scheme,
                                             day, revoked_on, hifp=hifp, hifob=hifob, cvlserv=cvlserv, hifmi=hifmi,
                                             maf=maf, acct=acct, cash=cash, mulaid=mulaid)])[0]


def reinstate(engine: Engine, setl_id: str) -> None:
    """Undo a (synthetic) revocation, as a reversal (冲正) of it leaves the settlement row."""
    with audited(engine) as rows:
        rows.reinstate(setl_id)
