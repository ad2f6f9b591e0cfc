"""The re-adjudication plan on Apache Spark: the Backend of backend.py for PySpark DataFrames.

plan.Plan runs unchanged on it (the same expressions, joins and windows); only the engine calls differ.
Windows run over the person-year partition ordered by settlement date and id; dimension tables are
broadcast; floor division is Spark's exact integral `div`. The folded partitions and the per-bill
fallback collect just their rows to the driver, which suits them while they stay a small share (for
national volumes they would move to groupBy().applyInArrow with the same fold).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

ORDER_COLS = ["settlement_date", "sid"]


def local_session(cores: int = 2) -> SparkSession:
    """A small local Spark for tests and trials."""
    return (SparkSession.builder.master(f"local[{cores}]").appName("yidi-batch")
            .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "2g").getOrCreate())


def _col(v: Any) -> Column:
    return v if isinstance(v, Column) else F.lit(v)


class SparkBackend:
    """PySpark DataFrames; `checkpoint` cuts the lineage so repeated counts do not recompute the plan."""

    name = "spark"

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark

    def c(self, name: str) -> Column:
        return F.col(name)

    def lit(self, value: Any) -> Column:
        return F.lit(value)

    def when(self, cond: Any, then: Any, otherwise: Any) -> Column:
        return F.when(cond, _col(then)).otherwise(_col(otherwise))

    def least(self, *xs: Any) -> Column:
        return F.least(*[_col(x) for x in xs])

    def greatest(self, *xs: Any) -> Column:
        return F.greatest(*[_col(x) for x in xs])

    def fdiv(self, a: Any, b: Any) -> Column:
        return F.call_function("div", _col(a), _col(b))

    def is_null(self, e: Any) -> Column:
        return _col(e).isNull()

    def to_int(self, cond: Any) -> Column:
        return _col(cond).cast("long")

    def year(self, e: Any) -> Column:
        return F.year(e).cast("long")

    def _ordered(self, part: Sequence[str]) -> Any:
        return Window.partitionBy(*part).orderBy(*ORDER_COLS)

    def cum_sum(self, e: Any, part: Sequence[str]) -> Column:
        return F.sum(e).over(self._ordered(part).rowsBetween(Window.unboundedPreceding, Window.currentRow))

    def cum_min(self, e: Any, part: Sequence[str]) -> Column:
        return F.min(e).over(self._ordered(part).rowsBetween(Window.unboundedPreceding, Window.currentRow))

    def lag(self, e: Any, part: Sequence[str], default: Any) -> Column:
        return F.coalesce(F.lag(e, 1).over(self._ordered(part)), _col(default))

    def with_columns(self, df: DataFrame, cols: dict[str, Any]) -> DataFrame:
        return df.withColumns({k: _col(v) for k, v in cols.items()})

    def table(self, data: dict[str, list[Any]]) -> DataFrame:
        names = list(data)
        rows = list(zip(*[data[n] for n in names], strict=True))
        fields = []
        for n in names:
            sample = next((v for v in data[n] if v is not None), "")
            typ: T.DataType = (T.BooleanType() if isinstance(sample, bool) else T.LongType() if isinstance(sample, int)
                               else T.DateType() if hasattr(sample, "isoformat") else T.StringType())
            fields.append(T.StructField(n, typ, True))
        return self.spark.createDataFrame(rows, T.StructType(fields))

    def join(self, df: DataFrame, dim: DataFrame, on: list[str], how: str = "left") -> DataFrame:
        return df.join(F.broadcast(dim), on=on, how=how)

    def lookup(self, df: DataFrame, key: str, table: dict[str, list[Any]]) -> DataFrame:
        """Columns of a dense table by row position (a broadcast join on the position)."""
        n = len(next(iter(table.values()), []))
        dim = self.table({"__pos": list(range(n)), **table})
        return df.join(F.broadcast(dim), on=F.col(key) == dim["__pos"], how="left").drop("__pos")

    def split_lines(self, df: DataFrame) -> tuple[DataFrame, None]:
        return df, None  # the lines stay in the frame; Spark reads only the columns a stage needs

    def explode_lines(self, df: DataFrame, lines: None, keep: list[str]) -> DataFrame:
        return df.select("sid", *keep, F.explode("lines").alias("ln")).select("sid", *keep, "ln.code", "ln.qty_e4", "ln.price")

    def code_ids(self, ln: DataFrame, codes: list[str], out: str) -> DataFrame:
        dim = self.table({"code": list(codes), out: list(range(len(codes)))})
        return ln.join(F.broadcast(dim), on="code", how="left").withColumn(out, F.coalesce(F.col(out), F.lit(-1)))

    def line_sums(self, df: DataFrame, lines: None, ln: DataFrame, cols: list[str]) -> DataFrame:
        sums = ln.groupBy("sid").agg(*[F.sum(c).alias(c) for c in cols])
        out = df.join(sums, on="sid", how="left")
        return out.withColumns({c: F.coalesce(F.col(c), F.lit(0)) for c in cols})

    def select(self, df: DataFrame, cols: list[str]) -> DataFrame:
        return df.select(*cols)

    def any_over(self, cond: Any, part: Sequence[str]) -> Column:
        return F.max(_col(cond).cast("long")).over(Window.partitionBy(*part)) > 0

    def distinct(self, df: DataFrame, cols: list[str]) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in df.select(*cols).distinct().collect()]

    def rows(self, df: DataFrame, cond: Any, cols: list[str]) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in df.filter(cond).select(*cols).collect()]

    def rows_by_key(self, df: DataFrame, key: str, values: list[Any], cols: list[str]) -> list[tuple[Any, ...]]:
        keys = self.spark.createDataFrame([(v,) for v in values], T.StructType([T.StructField(key, T.LongType(), False)]))
        return [tuple(r) for r in df.join(F.broadcast(keys), on=key, how="inner").select(*cols).collect()]

    def count(self, df: DataFrame, cond: Any) -> int:
        return int(df.filter(cond).count())

    def patch(self, df: DataFrame, key: str, cols: list[str], rows: list[tuple[Any, ...]]) -> DataFrame:
        if not rows:
            return df
        fix = self.spark.createDataFrame(rows, T.StructType(
            [T.StructField(key, T.LongType(), False), *[T.StructField(f"__fix_{c}", T.LongType(), True) for c in cols]]))
        out = df.join(F.broadcast(fix), on=key, how="left")
        return out.withColumns({c: F.coalesce(F.col(f"__fix_{c}"), F.col(c)) for c in cols}).drop(
            *[f"__fix_{c}" for c in cols])

    def prepare(self, df: DataFrame, order: list[str]) -> DataFrame:
        return df  # windows carry their own order

    def part_key(self, df: DataFrame, cols: list[str], name: str) -> tuple[DataFrame, list[str]]:
        return df, list(cols)

    def checkpoint(self, df: DataFrame) -> DataFrame:
        return df.localCheckpoint()
