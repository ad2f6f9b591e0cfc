"""Synthetic settlement months (示例数据) for tests, the demo and the benchmark: seeded, reproducible.

Two shapes:
- `seed_store` writes persons, visits and settlements straight into the store's tables, in the shape
  the settlement service writes them (every amount in fen, status SETTLED/REVOKED, settlement and
  revocation dates), so `yidi clearing run` can be tried on a demo database. Rows are marked synthetic
  (pack "synthetic", breakdown {"synthetic": true}) and their setl_id starts with "SYN". They are written
  through an audited session, so the audit trail's row log knows them (`yidi audit verify` stays green).
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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa  # type: ignore[import-untyped]
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.orm import Session

from yidi.clearing.definition import Month
from yidi.clearing.engines import schema
from yidi.clearing.mix import at_pharmacy, draw
from yidi.domain.enums import Category, InstitutionKind, InsuranceStatus, Scheme, VisitType
from yidi.domain.ids import check_character
from yidi.store.db import session_factory, unit_of_work
from yidi.store.models import InstitutionRow, PersonRow, RegionRow, VisitRow
from yidi.store.settlement_models import SettlementRow


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
    with _audited(engine) as conn:
        regions = [r for (r,) in conn.execute(select(RegionRow.code).order_by(RegionRow.code))]
        # hospital visits at hospitals (their types include inpatient care), purchases at pharmacies
        kinds = {k: [(c, r) for c, r in conn.execute(select(InstitutionRow.code, InstitutionRow.region)
                                                       .where(InstitutionRow.kind == k)
                                                       .order_by(InstitutionRow.code))] for k in InstitutionKind}
        insts, shops = kinds[InstitutionKind.HOSPITAL], kinds[InstitutionKind.PHARMACY]
        if len(regions) < 2 or not insts:
            raise ValueError("load the reference data first (regions and institutions): yidi demo load")
        persons = _synthetic_persons(conn, regions, persons_per_region, seed)
        for m in months:
            prefix = f"SYN{seed:02d}{m.year:04d}{m.month:02d}"
            exists = conn.execute(select(func.count()).select_from(SettlementRow)
                                  .where(SettlementRow.setl_id.like(f"{prefix}%"))).scalar_one()
            if exists:
                skipped.append(str(m))
                continue
            rng = random.Random(f"{seed}:{m}")
            visits: list[dict[str, Any]] = []
            setls: list[dict[str, Any]] = []
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
                visits.append({"person_id": pid, "institution": inst, "visit_type": vt, "admitted_on": day,
                               "discharged_on": day, "status": "SETTLED"})
                setls.append({
                    "setl_id": f"{prefix}{n:07d}", "person_id": pid, "institution": inst,
                    "insured_region": insured, "treatment_region": treat, "visit_type": vt, "scheme": scheme,
                    "year": day.year, "idempotency_key": f"{prefix}{n:07d}", "request_hash": "synthetic",
                    "status": "REVOKED" if revoked_on else "SETTLED", "pack": "synthetic",
                    "policy_version": "synthetic", "visit_revision": 0, "line_count": 0,
                    "medfee_sumamt_fen": a.medfee, "fulamt_ownpay_amt_fen": 0, "overlmt_selfpay_fen": 0,
                    "preselfpay_amt_fen": 0, "inscp_scp_amt_fen": a.fund, "cross_region_selfpay_amt_fen": 0,
                    "act_pay_dedc_fen": 0, "hifp_pay_fen": a.hifp, "above_cap_amt_fen": 0, "above_cap_fund_amt_fen": 0,
                    "hifob_pay_fen": a.hifob, "cvlserv_pay_fen": a.cvlserv, "hifmi_pay_fen": a.hifmi,
                    "maf_pay_fen": a.maf, "fund_pay_sumamt_fen": a.fund, "psn_part_amt_fen": a.acct + a.cash,
                    "acct_pay_fen": a.acct, "psn_cash_pay_fen": a.cash, "balc_fen": 0,
                    "breakdown": {"synthetic": True}, "accumulators_before": {}, "accumulators_after": {},
                    "settlement_date": day, "settled_at": _at(day),
                    "revoked_on": revoked_on, "revoked_at": _at(revoked_on) if revoked_on else None,
                    "acc_version_after": 0,
                })
            for lo in range(0, len(setls), 500):
                ids = conn.execute(insert(VisitRow).returning(VisitRow.id, sort_by_parameter_order=True),
                                   visits[lo:lo + 500]).scalars().all()
                chunk = setls[lo:lo + 500]
                for row, vid in zip(chunk, ids, strict=True):
                    row["visit_id"] = vid
                conn.execute(insert(SettlementRow), chunk)
            total += per_month
            done.append(str(m))
    return SeedSummary(tuple(done), total, revoked, tuple(skipped))


@contextmanager
def _audited(engine: Engine) -> Iterator[Session]:
    """A transaction whose writes are audited like any use case's (they are in the row log too)."""
    with unit_of_work(session_factory(engine)) as s:
        yield s


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)


def _synthetic_persons(conn: Any, regions: list[str], per_region: int, seed: int) -> dict[str, list[tuple[int, Scheme]]]:
    """A pool of synthetic insured persons per region (created once, found again by their ID numbers)."""
    rng = random.Random(f"persons:{seed}")
    out: dict[str, list[tuple[int, Scheme]]] = {}
    for region in regions:
        wanted = [(_citizen_id(region, rng), Scheme.EMPLOYEE if rng.random() < 0.6 else Scheme.RESIDENT)
                  for _ in range(per_region)]
        wanted = list(dict(wanted).items())  # a repeated ID number (birthday and sequence) is one person
        have = dict(conn.execute(select(PersonRow.citizen_id, PersonRow.id)
                                 .where(PersonRow.citizen_id.in_([c for c, _ in wanted]))).all())
        new = [{"citizen_id": c, "name": f"示例{c[-4:]}", "insured_region": region, "scheme": s,
                "category": Category.ACTIVE, "status": InsuranceStatus.ACTIVE, "account_balance_fen": 0}
               for c, s in wanted if c not in have]
        if new:
            conn.execute(insert(PersonRow), new)
            have = dict(conn.execute(select(PersonRow.citizen_id, PersonRow.id)
                                     .where(PersonRow.citizen_id.in_([c for c, _ in wanted]))).all())
        scheme_of = dict(conn.execute(select(PersonRow.id, PersonRow.scheme)
                                      .where(PersonRow.id.in_(list(have.values())))).all())
        out[region] = [(pid, Scheme(scheme_of[pid])) for pid in sorted(have.values())]
    return out


def revoke(engine: Engine, setl_id: str, on: dt.date) -> None:
    """Revoke a (synthetic) settlement as the settlement service would leave it: status, date, time.

    For tests and the demo only: a real revocation goes through yidi.services.settlement.revoke, which
    also restores the person's accumulators and posts the reversing ledger entries.
    """
    with _audited(engine) as conn:
        n = conn.execute(update(SettlementRow).where(SettlementRow.setl_id == setl_id,
                                                     SettlementRow.status == "SETTLED")
                         .values(status="REVOKED", revoked_on=on, revoked_at=_at(on))).rowcount  # type: ignore[attr-defined]
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
    with _audited(engine) as conn:
        treat = conn.execute(select(InstitutionRow.region).where(InstitutionRow.code == institution)).scalar_one()
        pid, scheme = _synthetic_persons(conn, [insured_region], 1, 0)[insured_region][0]
        vid = conn.execute(insert(VisitRow).returning(VisitRow.id), {
            "person_id": pid, "institution": institution, "visit_type": visit_type, "admitted_on": day,
            "discharged_on": day, "status": "SETTLED"}).scalar_one()
        fund = hifp + hifob + cvlserv + hifmi + maf
        row = {
            "setl_id": setl_id, "visit_id": vid, "person_id": pid, "institution": institution,
            "insured_region": insured_region, "treatment_region": treat, "visit_type": visit_type,
            "scheme": scheme, "year": day.year, "idempotency_key": setl_id, "request_hash": "synthetic",
            "status": "REVOKED" if revoked_on else "SETTLED", "pack": "synthetic", "policy_version": "synthetic",
            "visit_revision": 0, "line_count": 0, "medfee_sumamt_fen": fund + acct + mulaid + cash,
            "fulamt_ownpay_amt_fen": 0, "overlmt_selfpay_fen": 0, "preselfpay_amt_fen": 0,
            "inscp_scp_amt_fen": fund, "cross_region_selfpay_amt_fen": 0, "act_pay_dedc_fen": 0,
            "hifp_pay_fen": hifp, "above_cap_amt_fen": 0, "above_cap_fund_amt_fen": 0, "hifob_pay_fen": hifob, "cvlserv_pay_fen": cvlserv,
            "hifmi_pay_fen": hifmi, "maf_pay_fen": maf, "fund_pay_sumamt_fen": fund,
            "psn_part_amt_fen": acct + mulaid + cash, "acct_pay_fen": acct, "psn_cash_pay_fen": cash, "balc_fen": 0,
            "acct_mulaid_pay_fen": mulaid, "mulaid_payer_id": pid if mulaid else None,
            "breakdown": {"synthetic": True}, "accumulators_before": {}, "accumulators_after": {},
            "settlement_date": day, "settled_at": _at(day), "revoked_on": revoked_on,
            "revoked_at": _at(revoked_on) if revoked_on else None, "acc_version_after": 0,
        }
        return int(conn.execute(insert(SettlementRow).returning(SettlementRow.id), row).scalar_one())


def reinstate(engine: Engine, setl_id: str) -> None:
    """Undo a (synthetic) revocation, as a reversal (冲正) of it leaves the settlement row."""
    with _audited(engine) as conn:
        conn.execute(update(SettlementRow).where(SettlementRow.setl_id == setl_id)
                     .values(status="SETTLED", revoked_on=None, revoked_at=None))
