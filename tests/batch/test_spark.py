"""The same plan on PySpark (local mode) gives the same amounts as on Polars, on a few thousand settlements.

Short on purpose (one local session, 2,500 settlements over random packs with a mid-year version, so
the set-based path, the folded partitions and the per-bill fallback all run on Spark too). Skipped where
PySpark or a Java runtime is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.batch.randpacks import random_packs
from yidi.batch.backend import PolarsBackend
from yidi.batch.generate import generate, write
from yidi.batch.plan import Plan
from yidi.batch.rows import AMOUNTS

pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("no Java runtime for Spark", allow_module_level=True)


def test_spark_and_polars_agree(tmp_path: Path) -> None:
    from yidi.batch.spark import SparkBackend, local_session

    packs = random_packs(21)
    df = generate(packs, settlements=2_500, seed=21, bills_per_person=8.0)
    path = write(df, tmp_path / "s.parquet")
    polars_plan = Plan(PolarsBackend(), packs)
    want = polars_plan.run(pl.read_parquet(path)).sort("sid")
    spark = local_session()
    try:
        spark_plan = Plan(SparkBackend(spark), packs)
        got_rows = spark_plan.run(spark.read.parquet(str(path))).collect()
    finally:
        spark.stop()
    got = pl.DataFrame([r.asDict() for r in got_rows]).select("sid", *AMOUNTS).sort("sid")
    assert got.height == want.height == df.height
    diff = got.join(want, on="sid", suffix="_polars").filter(
        pl.any_horizontal([pl.col(a) != pl.col(f"{a}_polars") for a in AMOUNTS]))
    assert diff.height == 0, diff.head(5)
    assert spark_plan.stats.folded_rows == polars_plan.stats.folded_rows
    assert spark_plan.stats.per_bill_rows == polars_plan.stats.per_bill_rows
