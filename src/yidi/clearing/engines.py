"""The two engines that run the clearing definition: DuckDB (default, in process) and Apache Spark.

Both take the same inputs — Arrow tables (extracted from the store) or a folder of Parquet files, one
sub-folder or file per input relation — run the same SQL text from definition.py, and hand back plain
Python rows (ints, strings, dates) so results can be compared to the fen.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from yidi.clearing.definition import stages
from yidi.domain.clearing import INPUTS, Month

Rows = list[tuple[Any, ...]]
Results = dict[str, Rows]
Progress = Callable[[str], None]

_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "DATE": pa.date32()}


def schema(name: str) -> pa.Schema:
    return pa.schema([(c, _ARROW[t]) for c, t in INPUTS[name]])


def arrow_inputs(columns: Mapping[str, Mapping[str, list[Any]]]) -> dict[str, pa.Table]:
    """The inputs read from a store (column name -> values, per relation) as the Arrow tables the engines take."""
    return {name: pa.table(dict(columns[name]), schema=schema(name)) for name in INPUTS}


def empty_inputs() -> dict[str, pa.Table]:
    return {name: schema(name).empty_table() for name in INPUTS}


def write_parquet(tables: Mapping[str, pa.Table], folder: Path) -> Path:
    """Each input as `<folder>/<name>.parquet` (what the Spark engine and `--parquet` read)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in INPUTS:
        pq.write_table(tables[name].cast(schema(name)), folder / f"{name}.parquet")
    return folder


def _plain(v: Any) -> Any:
    # Sums widen (HUGEINT in DuckDB, DECIMAL(38,0) in Spark under ANSI): bring them back to int. A
    # Decimal with a fraction would mean a float crept into the definition, which must never happen.
    if isinstance(v, Decimal):
        if v != v.to_integral_value():
            raise ValueError(f"non-integral amount {v}")
        return int(v)
    if isinstance(v, bool | int | str | dt.date) or v is None:
        return v
    raise TypeError(f"unexpected value {v!r} of type {type(v).__name__}")


class Engine(Protocol):
    name: str

    def run(self, month: Month, inputs: Mapping[str, pa.Table] | Path, *, since: dt.date | None = None,
            with_items: bool = True, progress: Progress | None = None) -> Results: ...


class DuckDBEngine:
    """DuckDB in process: Arrow tables are scanned in place (zero copy), Parquet via read_parquet."""

    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        self.threads = threads
        self.memory_limit = memory_limit

    def run(self, month: Month, inputs: Mapping[str, pa.Table] | Path, *, since: dt.date | None = None,
            with_items: bool = True, progress: Progress | None = None) -> Results:
        import duckdb

        con = duckdb.connect()
        try:
            if self.threads:
                con.execute(f"SET threads = {int(self.threads)}")
            if self.memory_limit:
                con.execute("SET memory_limit = ?", [self.memory_limit])
            for name in INPUTS:
                if isinstance(inputs, Path):
                    con.from_parquet(str(_parquet_path(inputs, name))).create_view(name)
                else:
                    con.register(name, inputs[name])
            out: Results = {}
            for key, sql, keep in stages(month, since=since, with_items=with_items):
                if progress:
                    progress(key)
                # every stage becomes a table later stages read (DuckDB keeps insertion order, so the
                # kept results come back in their ORDER BY)
                con.execute(f"CREATE TEMP TABLE {key} AS {sql}")
                if keep:
                    out[key] = [tuple(_plain(v) for v in row) for row in con.execute(f"SELECT * FROM {key}").fetchall()]
            return out
        finally:
            con.close()


def _parquet_path(folder: Path, name: str) -> Path:
    one = folder / f"{name}.parquet"
    return one if one.exists() else folder / name / "*.parquet"


class SparkEngine:
    """Apache Spark SQL (PySpark). `master` is `local[*]` on one machine or a cluster URL in production.

    The session is created on first use and reused: a JVM start costs seconds, a query far less.
    """

    name = "spark"

    def __init__(self, master: str | None = None, conf: Mapping[str, str] | None = None) -> None:
        self.master = master or os.environ.get("YIDI_SPARK_MASTER", "local[2]")
        self.conf = dict(conf or {})
        self._spark: Any = None

    def session(self) -> Any:
        if self._spark is None:
            from pyspark.sql import SparkSession

            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # one machine: no interface guessing
            b = (SparkSession.builder.master(self.master).appName("yidi-clearing")
                 .config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", "2")
                 .config("spark.sql.session.timeZone", "UTC")
                 .config("spark.sql.ansi.enabled", "true")  # overflow is an error, never a wrong sum
                 .config("spark.driver.memory", "2g"))
            for k, v in self.conf.items():
                b = b.config(k, v)
            self._spark = b.getOrCreate()
            self._spark.sparkContext.setLogLevel("ERROR")
        return self._spark

    def stop(self) -> None:
        if self._spark is not None:
            self._spark.stop()
            self._spark = None

    def run(self, month: Month, inputs: Mapping[str, pa.Table] | Path, *, since: dt.date | None = None,
            with_items: bool = True, progress: Progress | None = None) -> Results:
        with _as_parquet(inputs) as folder:
            spark = self.session()
            for name in INPUTS:
                spark.read.parquet(str(_parquet_path(folder, name))).createOrReplaceTempView(name)
            out: Results = {}
            for key, sql, keep in stages(month, since=since, with_items=with_items):
                if progress:
                    progress(key)
                df = spark.sql(sql)
                if keep:
                    rows = df.collect()
                    out[key] = [tuple(_plain(v) for v in row) for row in rows]
                    if key != "items":  # later stages read the collected rows, not a recomputation
                        spark.createDataFrame(rows, df.schema).createOrReplaceTempView(key)
                else:
                    df.cache().createOrReplaceTempView(key)
            return out


@contextmanager
def _as_parquet(inputs: Mapping[str, pa.Table] | Path) -> Iterator[Path]:
    # Spark reads files, not this process's Arrow buffers: spill Arrow inputs to a temporary folder.
    if isinstance(inputs, Path):
        yield inputs
        return
    with tempfile.TemporaryDirectory(prefix="yidi-clearing-") as tmp:
        yield write_parquet(inputs, Path(tmp))


ENGINES: dict[str, Callable[[], Engine]] = {"duckdb": DuckDBEngine, "spark": SparkEngine}


def engine_named(name: str) -> Engine:
    try:
        return ENGINES[name]()
    except KeyError:
        raise ValueError(f"unknown engine {name!r} (duckdb or spark)") from None
