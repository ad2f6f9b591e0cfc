"""One definition, two engines: DuckDB and Spark return identical clearing results, to the fen.

Spark starts a JVM (slow on two cores), so there is one Spark session for the module and one test that
compares everything: a few thousand settlements from the store (with frozen months, late revocations,
a reinstatement and an upheld dispute, so every branch of the definition moves something; hospital visits
and pharmacy purchases, so the month has pharmacy lines) on SQLite and PostgreSQL, plus a synthetic Parquet
month read directly by both engines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.clearing.test_clearing import NATIONAL, agency
from yidi.clearing import synth
from yidi.clearing.definition import Month
from yidi.clearing.engines import DuckDBEngine, SparkEngine, arrow_inputs, write_parquet
from yidi.services import clearing as service
from yidi.services.context import Context
from yidi.store import clearing_models as cm
from yidi.store.repositories import clearing_settlements
from yidi.store.settlement_models import SettlementRow


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkEngine]:
    eng = SparkEngine("local[2]")
    yield eng
    eng.stop()


def test_duckdb_and_spark_agree_to_the_fen(ctx: Context, spark: SparkEngine, tmp_path: Path) -> None:
    synth.seed_store(ctx.engine, [Month(2026, 9), Month(2026, 10)], 1500, seed=11, revoke_rate=0.08)
    service.close_month(ctx, NATIONAL, "2026-09")
    with ctx.sessions() as s:
        sept = s.query(cm.ClearingItemRow).filter_by(month="2026-09", reason="SETTLE").order_by(cm.ClearingItemRow.id).all()
        late, back = sept[0].setl_id, sept[1].setl_id
        inst = s.get(SettlementRow, sept[2].settlement_id)
        assert inst is not None
        disputed, insured = inst.setl_id, inst.insured_region
    synth.revoke(ctx.engine, late, dt.date(2026, 9, 30))  # recorded after September closed
    synth.revoke(ctx.engine, back, dt.date(2026, 9, 29))
    synth.reinstate(ctx.engine, back)
    d = service.dispute(ctx, agency(insured), "2026-09", [disputed], "争议 test")
    treat = inst.treatment_region
    service.resolve(ctx, agency(treat), d["dispute_id"], upheld=True)

    m = Month(2026, 10)
    with ctx.engine.connect() as conn:
        since = clearing_settlements.clearing_since(conn, m)
        inputs = arrow_inputs(clearing_settlements.extract(conn, m, since))
    duck = DuckDBEngine().run(m, inputs, since=since)
    sparked = spark.run(m, inputs, since=since)
    assert duck == sparked
    # the month has pharmacy lines (purchases at 定点零售药店, institution codes "P…"), some of them owed money
    shops = [h for h in duck["hospital"] if h[1].startswith("P")]
    assert shops and any(h[9] != 0 for h in shops) and len(shops) < len(duck["hospital"])
    reasons = {r[3] for r in duck["items"]}
    assert {"SETTLE", "REVOKE", "LATE_REVOKE", "DISPUTE"} <= reasons
    assert len(duck["items"]) > 1000 and duck["totals"][0][1] != 0

    # the same through the service on Spark: identical stored results (same hash) as DuckDB
    a = service.run_month(ctx, NATIONAL, "2026-10", engine="duckdb")
    b = service.run_month(ctx, NATIONAL, "2026-10", engine=spark)
    assert a.content_hash == b.content_hash and b.unchanged and b.verification.ok

    # Parquet read directly by both engines (the national-scale path)
    folder = write_parquet({"settlements": synth.arrow_month(m, 3000, seed=2), **{
        k: v for k, v in _empty().items() if k != "settlements"}}, tmp_path / "pq")
    parquet = DuckDBEngine().run(m, folder, with_items=False)
    assert parquet == spark.run(m, folder, with_items=False)
    assert any(h[1].startswith("P") and h[9] != 0 for h in parquet["hospital"])  # pharmacy lines there too


def _empty() -> dict[str, object]:
    from yidi.clearing.engines import empty_inputs

    return dict(empty_inputs())


def test_floors_match_the_clearing_on_a_fresh_month(tmp_path: Path) -> None:
    """The benchmark's floors are scans of the same rows: on a month with nothing frozen the narrow one's
    total and the fair one's count and nine sums equal the clearing's totals and pair-line sums."""
    import duckdb

    from yidi.clearing.definition import MONEY, floor_money_query, floor_query

    m = Month(2026, 10)
    folder = write_parquet({"settlements": synth.arrow_month(m, 3000, seed=5), **{
        k: v for k, v in _empty().items() if k != "settlements"}}, tmp_path / "pq")
    res = DuckDBEngine().run(m, folder, with_items=False)
    con = duckdb.connect()
    con.from_parquet(str(folder / "settlements.parquet")).create_view("settlements")
    narrow = con.execute(floor_query(m)).fetchone()
    fair = con.execute(floor_money_query(m)).fetchone()
    assert narrow is not None and fair is not None
    items, cleared, _adjust = res["totals"][0]
    assert int(narrow[1]) == cleared != 0
    pair_sums = tuple(sum(row[7 + i] for row in res["pair"]) for i in range(len(MONEY)))
    assert (int(fair[0]), tuple(int(v) for v in fair[1:])) == (items, pair_sums)
